//! What a sim run measures: frame and AI-set timings, the action histogram, needs, the state hash.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use bevy::prelude::*;
use serde::Serialize;

use crate::NpcSystems;
use crate::brain::components::{BrainStats, Trust};
use crate::decide::{Action, PLAYER_RANGE};
use crate::inference::LaneSnapshot;
use crate::inference::metrics::percentile;
use crate::inference::protocol::Fnv;
use crate::world::components::{
    CurrentAction, Health, Needs, Player, Position, Reward, Villager, WorldClock,
};
use crate::world::threats::ThreatGrid;

/// Per-frame measurements taken inside the schedule.
#[derive(Resource, Default)]
pub struct SimStats {
    ai_started: Option<Instant>,
    /// Milliseconds spent in Perceive..Act, one entry per frame.
    pub ai_ms: Vec<f64>,
    gossip_started: Option<Instant>,
    /// Milliseconds spent in gossip and memory, one entry per frame.
    pub(crate) gossip_ms: Vec<f64>,
    /// NPC-ticks spent in each action.
    pub(crate) actions: [u64; 10],
    pub(crate) npc_ticks: u64,
    /// NPC-ticks with every need in a comfortable range.
    pub(crate) satisfied_ticks: u64,
    /// NPC-ticks spent in each action at night (21–6 o'clock).
    pub(crate) night_actions: [u64; 10],
    /// Injuries by the action the NPC was doing when bitten.
    pub(crate) harm_actions: [u64; 10],
    /// Injuries counted so far per villager id (to see new ones).
    injuries_seen: HashMap<u64, u32>,
    pub(crate) reactions: Reactions,
}

/// How villagers react to the player and to wolves, as NPC-tick counts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reactions {
    /// Ticks of villagers that trust the player (trust > [`FEELING`]) within [`PLAYER_RANGE`] of it,
    /// and how many of those they spent within [`CLOSE`] of it.
    pub(crate) trusting: u64,
    pub(crate) trusting_close: u64,
    /// The same for villagers that distrust the player (trust < -[`FEELING`]).
    pub(crate) distrusting: u64,
    pub(crate) distrusting_close: u64,
    /// Ticks with a wolf within [`WOLF_NEAR`], and how many of those were spent fleeing.
    pub(crate) wolf_near: u64,
    pub(crate) fleeing: u64,
}

/// Trust beyond which a villager counts as liking (or, negated, disliking) the player.
pub(crate) const FEELING: f32 = 0.25;
/// Within talking distance of the player (the game's reach).
pub(crate) const CLOSE: f32 = 110.0;
/// A wolf this near is a danger a villager should react to.
pub(crate) const WOLF_NEAR: f32 = 120.0;

/// The reactions as shares, for reports.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ReactionShares {
    /// Share of time a villager that trusts the player (and is within 350 of it) spends within
    /// talking distance (110) of it.
    pub trusting_close: f64,
    /// The same for a villager that distrusts the player: lower is keeping away.
    pub distrusting_close: f64,
    /// Share of time with a wolf within 120 spent fleeing.
    pub(crate) fleeing_wolf_near: f64,
}

impl Reactions {
    pub(crate) fn shares(&self) -> ReactionShares {
        let share = |a: u64, b: u64| a as f64 / b.max(1) as f64;
        ReactionShares {
            trusting_close: share(self.trusting_close, self.trusting),
            distrusting_close: share(self.distrusting_close, self.distrusting),
            fleeing_wolf_near: share(self.fleeing, self.wolf_near),
        }
    }
}

/// Adds the measuring systems around the AI sets.
pub(crate) fn plugin(app: &mut App) {
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
            start_gossip_clock
                .after(NpcSystems::Simulate)
                .before(NpcSystems::Gossip),
            stop_gossip_clock.after(NpcSystems::Gossip),
        ),
    );
}

fn start_gossip_clock(mut stats: ResMut<SimStats>) {
    stats.gossip_started = Some(Instant::now());
}

fn stop_gossip_clock(mut stats: ResMut<SimStats>) {
    if let Some(t) = stats.gossip_started.take() {
        stats.gossip_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
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
pub(crate) fn needs_satisfied(n: &Needs) -> bool {
    n.hunger < 0.6 && n.energy > 0.3 && n.social > 0.3
}

fn count_ticks(
    mut stats: ResMut<SimStats>,
    clock: Res<WorldClock>,
    grid: Res<ThreatGrid>,
    player: Query<&Position, With<Player>>,
    q: Query<(
        &Villager,
        &Position,
        &CurrentAction,
        &Needs,
        &Health,
        &Trust,
    )>,
) {
    let night = clock.is_night();
    let player = player.single().ok().map(|p| p.0);
    let stats = &mut *stats;
    for (v, pos, a, n, health, trust) in &q {
        let i = a.0.index();
        stats.actions[i] += 1;
        stats.npc_ticks += 1;
        stats.satisfied_ticks += needs_satisfied(n) as u64;
        if night {
            stats.night_actions[i] += 1;
        }
        let seen = stats.injuries_seen.entry(v.id).or_default();
        stats.harm_actions[i] += u64::from(health.injuries.saturating_sub(*seen));
        *seen = health.injuries;
        let r = &mut stats.reactions;
        if let Some(d) = player
            .map(|p| p.distance(pos.0))
            .filter(|d| *d <= PLAYER_RANGE)
        {
            let close = u64::from(d <= CLOSE);
            if trust.0 > FEELING {
                r.trusting += 1;
                r.trusting_close += close;
            } else if trust.0 < -FEELING {
                r.distrusting += 1;
                r.distrusting_close += close;
            }
        }
        if grid.nearest(pos.0).is_some_and(|(_, d)| d <= WOLF_NEAR) {
            r.wolf_near += 1;
            r.fleeing += u64::from(a.0 == Action::Flee);
        }
    }
}

/// p50 / p99 / max in milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Spread {
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    pub(crate) max: f64,
}

impl Spread {
    pub(crate) fn of(values: &[f64]) -> Self {
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
    pub(crate) dropped: u64,
    pub(crate) stale: u64,
    pub failed: u64,
    pub(crate) panics: u64,
    pub(crate) latency_ms: crate::inference::metrics::Percentiles,
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

/// The villagers' mean mood at one moment of a sim.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct MoodPoint {
    pub(crate) second: f64,
    pub(crate) valence: f32,
    pub(crate) arousal: f32,
    pub(crate) dominance: f32,
}

/// The visitor's real lines and the villagers' replies (`sim --talk`, `sim --remote`).
#[derive(Clone, Debug, Serialize)]
pub struct TalkReport {
    /// Who answered: the server's URL, or "scripted".
    pub models: String,
    /// Lines the visitor said, and loaves it gave (each thanked in words).
    pub lines: u64,
    pub gifts: u64,
    /// Replies the dialogue lane finished.
    pub replies: u64,
    /// Replies said from a villager's fallback lines: the model or server failed or timed out, or
    /// the lane's queue was full.
    pub fallbacks: u64,
    /// Replies left unfinished because the visitor spoke to the villager again first.
    pub superseded: u64,
    /// Replies still being made when the run ended.
    pub in_flight: u64,
    /// How long the dialogue lane took per reply, from submission, in milliseconds.
    pub(crate) reply_ms: Option<crate::inference::metrics::Percentiles>,
}

/// The JSON report of `npc-minds sim --report json`.
#[derive(Clone, Debug, Serialize)]
pub struct SimReport {
    pub npcs: usize,
    pub(crate) seed: u64,
    pub(crate) lockstep: bool,
    pub ticks: u64,
    pub(crate) simulated_seconds: f64,
    pub(crate) wall_seconds: f64,
    pub(crate) ticks_per_second: f64,
    pub(crate) frame_ms: Spread,
    pub(crate) ai_ms_per_frame: Spread,
    /// Gossip and memory (after the world's step), per frame.
    pub(crate) gossip_ms_per_frame: Spread,
    pub gossip: GossipReport,
    pub lanes: BTreeMap<&'static str, LaneReport>,
    pub brain: BrainStats,
    /// Share of NPC-ticks spent in each action.
    pub action_histogram: BTreeMap<&'static str, f64>,
    /// The same at night only (21–6 o'clock); empty when the run saw no night.
    pub(crate) night_action_histogram: BTreeMap<&'static str, f64>,
    /// Injuries by the action the villager was doing when bitten (counts).
    pub(crate) harm_by_action: BTreeMap<&'static str, u64>,
    /// How villagers keep near a player they trust, away from one they distrust, and flee wolves.
    pub reactions: ReactionShares,
    /// Words the sim's visitor said to villagers: kind (bread included), rude.
    pub visitor_said: (u64, u64),
    /// With `--talk` or `--remote`: the visitor's lines and the villagers' replies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub talk: Option<TalkReport>,
    /// Mean reward per NPC per simulated second.
    pub mean_reward: f64,
    /// Injuries from threats, all NPCs together.
    pub(crate) harmed: u64,
    /// Share of NPC-ticks with every need in a comfortable range.
    pub(crate) needs_satisfied: f64,
    /// The village's mood over time: the mean valence, arousal and dominance of all villagers,
    /// once per simulated second (what `npc-minds music --from-sim` plays).
    pub(crate) mood_timeline: Vec<MoodPoint>,
    /// Hash of every villager's state at the end (hex).
    pub state_hash: String,
    /// Set when replaying: whether the recorded run's state hash was reproduced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_matches: Option<bool>,
}

/// How far talk travelled between villagers.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct GossipReport {
    /// Times one villager told another something (or only chatted, when it had nothing new).
    pub exchanges: u64,
    /// Rumours learnt from another villager.
    pub(crate) learnt: u64,
    /// Of those, rumours about the player (each moved the listener's trust in them).
    pub about_player: u64,
    /// Rumours in the village (clues and the player's deeds, by villager they started with).
    pub(crate) rumours: usize,
    /// Villagers knowing the most widely known rumour, and a rumour on average.
    pub max_reach: u32,
    pub(crate) mean_reach: f64,
    /// Rumours known by at least three villagers.
    pub reached_three: usize,
}

impl GossipReport {
    pub(crate) fn of(stats: &crate::brain::gossip::GossipStats) -> Self {
        let reach: Vec<u32> = stats.reach.values().copied().collect();
        GossipReport {
            exchanges: stats.exchanges,
            learnt: stats.learnt,
            about_player: stats.about_player,
            rumours: reach.len(),
            max_reach: reach.iter().copied().max().unwrap_or(0),
            mean_reach: reach.iter().map(|&r| r as f64).sum::<f64>() / reach.len().max(1) as f64,
            reached_three: reach.iter().filter(|&&r| r >= 3).count(),
        }
    }
}

/// Hash of the world state: every villager (by id) and the clock.
pub(crate) fn state_hash(world: &mut World) -> u64 {
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

/// Turns raw action counts into shares by action name (empty when there are no counts).
pub(crate) fn histogram(counts: &[u64; 10]) -> BTreeMap<&'static str, f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return BTreeMap::new();
    }
    Action::ALL
        .iter()
        .map(|a| (a.name(), counts[a.index()] as f64 / total as f64))
        .collect()
}

/// Raw counts by action name, leaving out the zeros.
pub(crate) fn counts(counts: &[u64; 10]) -> BTreeMap<&'static str, u64> {
    Action::ALL
        .iter()
        .filter(|a| counts[a.index()] > 0)
        .map(|a| (a.name(), counts[a.index()]))
        .collect()
}
