//! What a sim run measures: frame and AI-set timings, the action histogram, needs, the state hash.

use std::collections::BTreeMap;
use std::time::Instant;

use bevy::prelude::*;
use serde::Serialize;

use crate::NpcSystems;
use crate::brain::components::BrainStats;
use crate::decide::Action;
use crate::inference::LaneSnapshot;
use crate::inference::metrics::percentile;
use crate::inference::protocol::Fnv;
use crate::world::components::{
    CurrentAction, Health, Needs, Position, Reward, Villager, WorldClock,
};

/// Per-frame measurements taken inside the schedule.
#[derive(Resource, Default)]
pub struct SimStats {
    ai_started: Option<Instant>,
    /// Milliseconds spent in Perceive..Act, one entry per frame.
    pub ai_ms: Vec<f64>,
    /// NPC-ticks spent in each action.
    pub actions: [u64; 10],
    pub npc_ticks: u64,
    /// NPC-ticks with every need in a comfortable range.
    pub satisfied_ticks: u64,
}

/// Adds the measuring systems around the AI sets.
pub fn plugin(app: &mut App) {
    app.init_resource::<SimStats>().add_systems(
        Update,
        (
            start_ai_clock
                .after(NpcSystems::Clock)
                .before(NpcSystems::Perceive),
            stop_ai_clock
                .after(NpcSystems::Act)
                .before(NpcSystems::Simulate),
            count_ticks.after(NpcSystems::Simulate),
        ),
    );
}

fn start_ai_clock(mut stats: ResMut<SimStats>) {
    stats.ai_started = Some(Instant::now());
}

fn stop_ai_clock(mut stats: ResMut<SimStats>) {
    if let Some(t) = stats.ai_started.take() {
        stats.ai_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
}

/// Comfortable: not hungry, not exhausted, not lonely.
pub fn needs_satisfied(n: &Needs) -> bool {
    n.hunger < 0.6 && n.energy > 0.3 && n.social > 0.3
}

fn count_ticks(mut stats: ResMut<SimStats>, q: Query<(&CurrentAction, &Needs)>) {
    for (a, n) in &q {
        stats.actions[a.0.index()] += 1;
        stats.npc_ticks += 1;
        stats.satisfied_ticks += needs_satisfied(n) as u64;
    }
}

/// p50 / p99 / max in milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Spread {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Self {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Spread {
            p50: percentile(&v, 0.5),
            p99: percentile(&v, 0.99),
            max: v.last().copied().unwrap_or(0.0),
        }
    }
}

/// Counters of one lane as the report shows them.
#[derive(Clone, Debug, Serialize)]
pub struct LaneReport {
    pub done: u64,
    pub dropped: u64,
    pub stale: u64,
    pub failed: u64,
    pub panics: u64,
    pub latency_ms: crate::inference::metrics::Percentiles,
}

impl From<&LaneSnapshot> for LaneReport {
    fn from(s: &LaneSnapshot) -> Self {
        LaneReport {
            done: s.done,
            dropped: s.dropped,
            stale: s.stale,
            failed: s.failed,
            panics: s.panics,
            latency_ms: s.latency_ms,
        }
    }
}

/// The JSON report of `npc-minds sim --report json`.
#[derive(Clone, Debug, Serialize)]
pub struct SimReport {
    pub npcs: usize,
    pub seed: u64,
    pub lockstep: bool,
    pub ticks: u64,
    pub simulated_seconds: f64,
    pub wall_seconds: f64,
    pub ticks_per_second: f64,
    pub frame_ms: Spread,
    pub ai_ms_per_frame: Spread,
    pub lanes: BTreeMap<&'static str, LaneReport>,
    pub brain: BrainStats,
    /// Share of NPC-ticks spent in each action.
    pub action_histogram: BTreeMap<&'static str, f64>,
    /// Mean reward per NPC per simulated second.
    pub mean_reward: f64,
    /// Injuries from threats, all NPCs together.
    pub harmed: u64,
    /// Share of NPC-ticks with every need in a comfortable range.
    pub needs_satisfied: f64,
    /// Hash of every villager's state at the end (hex).
    pub state_hash: String,
    /// Set when replaying: whether the recorded run's state hash was reproduced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_matches: Option<bool>,
}

/// Hash of the world state: every villager (by id) and the clock.
pub fn state_hash(world: &mut World) -> u64 {
    let mut rows: Vec<(u64, [u32; 9], usize, u32)> = world
        .query::<(
            &Villager,
            &Position,
            &Needs,
            &Health,
            &CurrentAction,
            &Reward,
        )>()
        .iter(world)
        .map(|(v, p, n, h, a, r)| {
            let bits = [
                p.0.x.to_bits(),
                p.0.y.to_bits(),
                n.hunger.to_bits(),
                n.energy.to_bits(),
                n.social.to_bits(),
                h.value.to_bits(),
                (r.total as f32).to_bits(),
                r.last.to_bits(),
                0,
            ];
            (v.id, bits, a.0.index(), h.injuries)
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    let mut h = Fnv::default();
    h.write(world.resource::<WorldClock>().tick);
    for (id, bits, action, injuries) in rows {
        h.write(id);
        for b in bits {
            h.write(b as u64);
        }
        h.write(action as u64);
        h.write(injuries as u64);
    }
    h.finish()
}

/// Turns raw action counts into shares by action name.
pub fn histogram(counts: &[u64; 10]) -> BTreeMap<&'static str, f64> {
    let total: u64 = counts.iter().sum::<u64>().max(1);
    Action::ALL
        .iter()
        .map(|a| (a.name(), counts[a.index()] as f64 / total as f64))
        .collect()
}
