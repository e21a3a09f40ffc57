//! The night in the game: wolves come out of the forest (the world moves them: home in their den
//! by day, roaming the forest edge and chasing by night), a villager a wolf comes near shows the
//! danger on its ring (`figures` pulses it red), and a villager who falls asleep away from home
//! walks home to bed first, where it is indoors (`figures` stops drawing it). Only the window does
//! this, like personal space (`crowd`): the headless sim spawns its own wolves and lets sleepers
//! sleep where they stand.

use bevy::prelude::*;

use crate::NpcSystems;
use crate::decide::{AT_PLACE, Action};
use crate::world::act::SPEED;
use crate::world::components::{CurrentAction, Position, Villager, Wolf, WorldClock};
use crate::world::{threats, wolves_for};

/// The game's ten villagers get the sim's wolves for ten.
const VILLAGERS: usize = 10;
/// A wolf this near (world units) puts a villager in danger; at biting range the danger is full.
const DANGER_RANGE: f32 = 220.0;
const BITE: f32 = 25.0;

/// How near a wolf is to a villager: 1 at biting range, 0 beyond [`DANGER_RANGE`].
#[derive(Component, Default, Clone, Copy, PartialEq, Debug)]
pub(super) struct Danger(pub f32);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, |mut commands: Commands| {
        threats::spawn_wolves(&mut commands, wolves_for(VILLAGERS));
    })
    .add_systems(
        Update,
        (walk_home_to_sleep, sense_wolves)
            .chain()
            .after(NpcSystems::Act)
            .before(super::crowd::keep_apart),
    );
}

/// Danger from the nearest wolf at `d` world units.
fn danger_at(d: f32) -> f32 {
    ((DANGER_RANGE - d) / (DANGER_RANGE - BITE)).clamp(0.0, 1.0)
}

fn sense_wolves(
    mut commands: Commands,
    clock: Res<WorldClock>,
    wolves: Query<&Position, With<Wolf>>,
    mut villagers: Query<(Entity, &Position, Option<&mut Danger>), With<Villager>>,
) {
    let night = clock.is_night();
    for (e, at, danger) in &mut villagers {
        let nearest = wolves
            .iter()
            .map(|w| w.0.distance(at.0))
            .fold(f32::INFINITY, f32::min);
        let now = Danger(if night { danger_at(nearest) } else { 0.0 });
        match danger {
            Some(mut d) => {
                d.set_if_neq(now);
            }
            None => {
                commands.entity(e).insert(now);
            }
        }
    }
}

/// A sleeper away from home walks home at walking speed.
fn walk_home_to_sleep(
    time: Res<Time>,
    mut villagers: Query<(&Villager, &CurrentAction, &mut Position)>,
) {
    let step = SPEED * time.delta_secs();
    for (v, action, mut at) in &mut villagers {
        if action.0 == Action::Sleep && at.0.distance(v.home) > AT_PLACE * 0.5 {
            let here = at.0;
            at.0 = here + (v.home - here).clamp_length_max(step);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danger_rises_as_a_wolf_comes_near() {
        assert_eq!(danger_at(DANGER_RANGE + 10.0), 0.0);
        assert_eq!(danger_at(BITE), 1.0);
        assert_eq!(danger_at(0.0), 1.0);
        let half = danger_at((DANGER_RANGE + BITE) / 2.0);
        assert!((half - 0.5).abs() < 1e-4, "{half}");
    }
}
