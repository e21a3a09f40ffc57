//! Which actions are possible, and the distances and hours the rules of the village use.

use super::action::Action;
use super::observation::Observation;

/// Distance under which an NPC counts as "at" a place.
pub const AT_PLACE: f32 = 30.0;
/// Distance under which a threat is taken into account.
pub const THREAT_RANGE: f32 = 250.0;
/// Distance under which the player is taken into account.
pub const PLAYER_RANGE: f32 = 350.0;

/// Which actions make sense right now (the policy network masks with the same rule).
pub fn action_mask(o: &Observation) -> [bool; 10] {
    let mut m = [true; 10];
    m[Action::Sleep.index()] = o.home.1 <= AT_PLACE;
    m[Action::Flee.index()] = o.threat.1 <= THREAT_RANGE;
    m[Action::ApproachPlayer.index()] = o.player.1 <= PLAYER_RANGE;
    m[Action::AvoidPlayer.index()] = o.player.1 <= PLAYER_RANGE;
    m
}

/// Night is from 21 to 6 o'clock.
pub fn is_night(hour: f32) -> bool {
    !(6.0..21.0).contains(&hour)
}
