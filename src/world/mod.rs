//! The village simulation shared by the game and the headless sim: places, clock, needs, threats,
//! actions and rewards. Runs in `NpcSystems::Clock`, `NpcSystems::Act` and `NpcSystems::Simulate`.

pub mod act;
pub mod components;
pub mod needs;
pub mod places;
pub mod reward;
pub mod rng;
pub mod threats;

use bevy::prelude::*;

use crate::NpcSystems;
use components::{Player, Position, WorldClock, WorldSeed};

/// Walks the scripted player of the sim around these places, in order.
const PLAYER_ROUTE: [&str; 6] = [
    "square",
    "market",
    "smithy",
    "town_hall",
    "chapel",
    "tavern",
];

/// Marks a player that walks [`PLAYER_ROUTE`] by itself (sim, autopilot), or towards `toward`
/// while that is set (the sim's visitor following a villager), stopping a few steps short.
#[derive(Component, Default)]
pub struct ScriptedWalk {
    pub(crate) leg: usize,
    pub(crate) toward: Option<Vec2>,
}

/// How far short of a followed villager the scripted player stops.
const FOLLOW_GAP: f32 = 40.0;
/// The scripted player's pace on its route, and when following (slower than a villager walks, so
/// one that keeps away gets away).
const ROUTE_SPEED: f32 = 90.0;
const FOLLOW_SPEED: f32 = 60.0;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<WorldClock>()
        .init_resource::<threats::ThreatGrid>()
        .add_systems(Update, advance_clock.in_set(NpcSystems::Clock))
        .add_systems(Update, act::act_on_actions.in_set(NpcSystems::Act))
        .add_systems(
            Update,
            (
                walk_scripted_player,
                threats::move_wolves,
                threats::bite_villagers,
                needs::drift_needs,
                reward::compute_rewards,
            )
                .chain()
                .in_set(NpcSystems::Simulate),
        );
    if !app.world().contains_resource::<WorldSeed>() {
        app.insert_resource(WorldSeed(1));
    }
}

fn advance_clock(time: Res<Time>, mut clock: ResMut<WorldClock>) {
    clock.tick += 1;
    clock.elapsed += time.delta_secs_f64();
}

fn walk_scripted_player(
    time: Res<Time>,
    mut q: Query<(&mut Position, &mut ScriptedWalk), With<Player>>,
) {
    for (mut pos, mut walk) in &mut q {
        if let Some(to) = walk.toward {
            let gap = (to - pos.0).length() - FOLLOW_GAP;
            if gap > 0.0 {
                let step =
                    (to - pos.0).normalize_or_zero() * gap.min(FOLLOW_SPEED * time.delta_secs());
                pos.0 += step;
            }
            continue;
        }
        let target = Vec2::from(
            places::find(PLAYER_ROUTE[walk.leg % PLAYER_ROUTE.len()])
                .expect("route places exist")
                .pos,
        );
        let step = (target - pos.0).clamp_length_max(ROUTE_SPEED * time.delta_secs());
        pos.0 += step;
        if pos.0.distance(target) < 5.0 {
            walk.leg += 1;
        }
    }
}

/// Number of wolves for a village of `npcs` villagers.
pub(crate) fn wolves_for(npcs: usize) -> u64 {
    (npcs as u64 / 40).clamp(2, 250)
}
