//! Carries out each NPC's current action: where it walks this tick.

use bevy::prelude::*;

use super::components::{CurrentAction, Player, Position, Villager, WorldClock, WorldSeed};
use super::places::{self, Place};
use super::rng;
use super::threats::ThreatGrid;
use crate::decide::Action;

/// Walking speed in world units per game second.
pub(crate) const SPEED: f32 = 80.0;
/// Villagers stay inside this rectangle.
pub(crate) const BOUNDS: Vec2 = Vec2::new(900.0, 560.0);

fn nearest<'a>(from: Vec2, spots: impl Iterator<Item = &'a Place>) -> Vec2 {
    spots
        .map(|p| Vec2::from(p.pos))
        .min_by(|a, b| a.distance(from).total_cmp(&b.distance(from)))
        .unwrap_or(from)
}

fn towards(from: Vec2, to: Vec2, max: f32) -> Vec2 {
    from + (to - from).clamp_length_max(max)
}

/// Moves every villager according to its action.
pub(crate) fn act_on_actions(
    time: Res<Time>,
    clock: Res<WorldClock>,
    seed: Res<WorldSeed>,
    grid: Res<ThreatGrid>,
    player: Query<&Position, (With<Player>, Without<Villager>)>,
    mut q: Query<(&Villager, &CurrentAction, &mut Position)>,
) {
    let step = SPEED * time.delta_secs();
    let player = player.single().ok().map(|p| p.0);
    for (v, action, mut pos) in &mut q {
        let p = pos.0;
        let next = match action.0 {
            Action::Idle | Action::Sleep => p,
            Action::Wander => {
                let a = rng::unit(seed.0, v.id, clock.tick / 60, 0x3a7d) * std::f32::consts::TAU;
                p + Vec2::new(a.cos(), a.sin()) * step * 0.5
            }
            Action::Work => towards(p, v.work, step),
            Action::GoHome => towards(p, v.home, step),
            Action::Eat => {
                let spot = nearest(p, places::eating_places());
                let target = if v.home.distance(p) < spot.distance(p) {
                    v.home
                } else {
                    spot
                };
                towards(p, target, step)
            }
            Action::Socialize => towards(p, nearest(p, places::social_places()), step),
            Action::ApproachPlayer => match player {
                Some(pl) if pl.distance(p) > 45.0 => towards(p, pl, step),
                _ => p,
            },
            Action::AvoidPlayer => match player {
                Some(pl) => p + (p - pl).normalize_or_zero() * step,
                None => p,
            },
            // A wolf standing right on the villager gives no direction to run from: run towards
            // the square, away from the forest (before, such a villager fled on the spot and was
            // bitten all night).
            Action::Flee => match grid.nearest(p) {
                Some((dir, _)) if dir != Vec2::ZERO => p - dir * step * 1.3,
                Some(_) => towards(p, Vec2::ZERO, step * 1.3),
                None => towards(p, v.home, step * 1.3),
            },
        };
        pos.0 = next.clamp(-BOUNDS, BOUNDS);
    }
}
