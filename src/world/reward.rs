//! The per-tick reward of each NPC: persona-weighted needs, safety, work and company.
//! The policy network (`ml::policy`) trains on exactly this number.

use bevy::prelude::*;

use super::components::{
    CurrentAction, Health, LastInjuries, Needs, PlayerWords, Position, Reward, Traits, Villager,
    WorldClock,
};
use super::places::{self, AT, at_any};
use crate::decide::Action;

/// Reward rate per game second for one NPC, before multiplying by the time step.
///
/// - needs: `-(hunger² + (1-energy)² + (0.5+sociability)·(1-social)²) / 2`
/// - safety: `-3` per injury this tick (as an impulse), `-(1-health)`
/// - work: `+diligence` while working at the workplace between 7 and 18 o'clock
/// - company: `+0.5·sociability` while socialising at a meeting place with social below 1
/// - the player's words, as impulses (see [`words_reward`])
pub(crate) fn reward_rate(
    needs: &Needs,
    traits: &Traits,
    health: f32,
    working: bool,
    socialising: bool,
) -> f32 {
    let (sociability, diligence) = (traits.sociability, traits.diligence);
    let need_cost = needs.hunger.powi(2)
        + (1.0 - needs.energy).powi(2)
        + (0.5 + sociability) * (1.0 - needs.social).powi(2);
    let mut r = -need_cost / 2.0 - (1.0 - health);
    if working {
        r += diligence;
    }
    if socialising {
        r += 0.5 * sociability;
    }
    r
}

/// Injuries are an impulse, not a rate.
pub(crate) const INJURY_PENALTY: f32 = 3.0;
/// A kind word from the player, before scaling by sociability.
pub(crate) const KIND_WORD: f32 = 1.0;
/// A rude word from the player, before scaling by temper.
pub(crate) const RUDE_WORD: f32 = 4.0;

/// The impulse of `kind` new kind words and `rude` new rude ones: sociable villagers enjoy a kind
/// word more, hot-tempered ones mind an insult more.
pub(crate) fn words_reward(kind: u32, rude: u32, traits: &Traits) -> f32 {
    KIND_WORD * (0.5 + traits.sociability) * kind as f32
        - RUDE_WORD * (0.5 + traits.temper) * rude as f32
}

#[allow(clippy::type_complexity)]
pub(super) fn compute_rewards(
    time: Res<Time>,
    clock: Res<WorldClock>,
    mut q: Query<(
        &Villager,
        &Position,
        &CurrentAction,
        &Needs,
        &Traits,
        &Health,
        &mut Reward,
        &mut LastInjuries,
        &mut PlayerWords,
    )>,
) {
    let dt = time.delta_secs();
    let work_hours = (7.0..18.0).contains(&clock.hour());
    for (v, pos, action, needs, traits, health, mut reward, mut seen, mut words) in &mut q {
        let working = action.0 == Action::Work && work_hours && pos.0.distance(v.work) <= AT;
        let socialising = action.0 == Action::Socialize
            && needs.social < 1.0
            && at_any(pos.0, places::social_places());
        let mut r = reward_rate(needs, traits, health.value, working, socialising) * dt;
        let new_injuries = health.injuries.saturating_sub(seen.0);
        seen.0 = health.injuries;
        r -= INJURY_PENALTY * new_injuries as f32;
        let (kind, rude) = (words.kind, words.rude);
        if (kind, rude) != words.charged {
            r += words_reward(
                kind.saturating_sub(words.charged.0),
                rude.saturating_sub(words.charged.1),
                traits,
            );
            words.charged = (kind, rude);
        }
        reward.last = r;
        reward.total += r as f64;
    }
}
