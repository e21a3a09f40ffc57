//! Wolves: they roam the forest edge at night, chase villagers who come close and bite them.
//! A coarse grid answers "nearest threat" in constant time per query.

use std::collections::HashMap;

use bevy::prelude::*;

use super::components::{Health, Position, Villager, Wolf, WorldClock, WorldSeed};
use super::places::{self, PlaceKind};
use super::rng;

const CELL: f32 = 250.0;
const WOLF_SPEED: f32 = 70.0;
const CHASE_RANGE: f32 = 140.0;
const BITE_RANGE: f32 = 25.0;
const ROAM_RADIUS: f32 = 320.0;
/// Where wolves wait during the day, far outside the village.
const DEN: Vec2 = Vec2::new(-1100.0, 700.0);

/// Active wolf positions bucketed by cell, rebuilt every tick.
#[derive(Resource, Default)]
pub(crate) struct ThreatGrid {
    cells: HashMap<(i32, i32), Vec<Vec2>>,
}

fn cell_of(p: Vec2) -> (i32, i32) {
    ((p.x / CELL).floor() as i32, (p.y / CELL).floor() as i32)
}

impl ThreatGrid {
    /// The grid of threats at `positions` (as `move_wolves` leaves it at night; empty by day).
    pub(crate) fn rebuild(&mut self, positions: &[Vec2]) {
        self.cells.clear();
        for p in positions {
            self.cells.entry(cell_of(*p)).or_default().push(*p);
        }
    }

    /// Direction (unit) and distance to the nearest threat within one cell size, if any.
    pub(crate) fn nearest(&self, from: Vec2) -> Option<(Vec2, f32)> {
        let (cx, cy) = cell_of(from);
        let mut best: Option<(Vec2, f32)> = None;
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &w in self.cells.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                    let d = from.distance(w);
                    if d <= CELL && best.is_none_or(|(_, bd)| d < bd) {
                        best = Some(((w - from).normalize_or_zero(), d));
                    }
                }
            }
        }
        best
    }
}

/// Spawns `count` wolves in their den.
pub(crate) fn spawn_wolves(commands: &mut Commands, count: u64) {
    for index in 0..count {
        commands.spawn((
            Wolf { index },
            Position(DEN),
            Name::new(format!("wolf {index}")),
        ));
    }
}

/// Moves wolves: home in the den by day, roaming and chasing by night.
pub(super) fn move_wolves(
    time: Res<Time>,
    clock: Res<WorldClock>,
    seed: Res<WorldSeed>,
    mut wolves: Query<(&Wolf, &mut Position), Without<Villager>>,
    villagers: Query<&Position, With<Villager>>,
    mut grid: ResMut<ThreatGrid>,
) {
    let dt = time.delta_secs();
    let edge = Vec2::from(places::of_kind(PlaceKind::ForestEdge).pos);
    let night = clock.is_night();
    // Chasing uses last tick's grid of villagers near the forest only: cheap and order-free.
    let near_forest: Vec<Vec2> = if night {
        villagers
            .iter()
            .map(|p| p.0)
            .filter(|p| p.distance(edge) < ROAM_RADIUS + CHASE_RANGE)
            .collect()
    } else {
        Vec::new()
    };
    grid.cells.clear();
    for (wolf, mut pos) in &mut wolves {
        let target = if !night {
            DEN
        } else if let Some(prey) = near_forest
            .iter()
            .copied()
            .filter(|p| p.distance(pos.0) < CHASE_RANGE && p.distance(edge) < ROAM_RADIUS + 60.0)
            .min_by(|a, b| a.distance(pos.0).total_cmp(&b.distance(pos.0)))
        {
            prey
        } else {
            let phase = clock.tick / 200;
            let a = rng::unit(seed.0, wolf.index, phase, 0x301f) * std::f32::consts::TAU;
            let r = rng::unit(seed.0, wolf.index, phase, 0x7a11).sqrt() * ROAM_RADIUS;
            edge + Vec2::new(a.cos(), a.sin()) * r
        };
        let step =
            (target - pos.0).clamp_length_max(WOLF_SPEED * dt * if night { 1.0 } else { 4.0 });
        pos.0 += step;
        if night {
            grid.cells.entry(cell_of(pos.0)).or_default().push(pos.0);
        }
    }
}

/// Villagers within biting range lose health; an injury is counted at most once per game second.
pub(super) fn bite_villagers(
    time: Res<Time>,
    clock: Res<WorldClock>,
    grid: Res<ThreatGrid>,
    mut villagers: Query<(&Villager, &mut Position, &mut Health)>,
) {
    let dt = time.delta_secs();
    for (villager, mut pos, mut health) in &mut villagers {
        match grid.nearest(pos.0) {
            Some((_, d)) if d <= BITE_RANGE => {
                health.value = (health.value - 0.3 * dt).max(0.0);
                if clock.elapsed - health.last_injury >= 1.0 {
                    health.injuries += 1;
                    health.last_injury = clock.elapsed;
                }
            }
            _ => health.value = (health.value + dt / 120.0).min(1.0),
        }
        if health.value <= 0.0 {
            // Knocked out: carried home to recover. Nobody dies in Millbrook.
            health.value = 0.3;
            pos.0 = villager.home;
        }
    }
}
