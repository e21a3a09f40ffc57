//! Needs drift over time and are met by acting in the right place.

use bevy::prelude::*;

use super::components::{CurrentAction, Needs, Position, Villager};
use super::places::{self, AT, at_any};
use crate::decide::Action;

/// Per game second: how fast needs drift when nothing is done about them.
const HUNGER_RISE: f32 = 1.0 / 180.0;
const ENERGY_FALL: f32 = 1.0 / 240.0;
const SOCIAL_FALL: f32 = 1.0 / 200.0;

pub(super) fn drift_needs(
    time: Res<Time>,
    mut q: Query<(&Villager, &Position, &CurrentAction, &mut Needs)>,
) {
    let dt = time.delta_secs();
    for (v, pos, action, mut n) in &mut q {
        let at_home = pos.0.distance(v.home) <= AT;
        n.hunger += HUNGER_RISE * dt;
        n.energy -= ENERGY_FALL * dt;
        n.social -= SOCIAL_FALL * dt;
        match action.0 {
            Action::Eat if at_home || at_any(pos.0, places::eating_places()) => {
                n.hunger -= dt / 8.0
            }
            Action::Sleep if at_home => n.energy += dt / 20.0,
            Action::Socialize if at_any(pos.0, places::social_places()) => n.social += dt / 12.0,
            Action::Work if pos.0.distance(v.work) <= AT => n.energy -= dt / 300.0,
            Action::Idle => n.energy += dt / 400.0,
            _ => {}
        }
        n.hunger = n.hunger.clamp(0.0, 1.0);
        n.energy = n.energy.clamp(0.0, 1.0);
        n.social = n.social.clamp(0.0, 1.0);
    }
}
