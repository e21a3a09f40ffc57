//! Perceive: NPCs whose think time came (or whose situation changed) build an observation.

use bevy::prelude::*;

use super::components::Emotion;
use super::components::{Mind, MindState, Profile, Trust};
use super::emotion::{Experience, NpcExperienced};
use crate::decide::Observation;
use crate::decide::THREAT_RANGE;
use crate::world::components::{
    CurrentAction, Health, Needs, Player, Position, Traits, Villager, WorldClock,
};
use crate::world::threats::ThreatGrid;

/// Direction and distance, with "nowhere" as a far point so observations stay finite.
fn rel(from: Vec2, to: Option<Vec2>) -> ([f32; 2], f32) {
    match to {
        Some(t) => {
            let d = t - from;
            (d.normalize_or_zero().into(), d.length().min(10_000.0))
        }
        None => ([0.0, 0.0], 10_000.0),
    }
}

#[allow(clippy::type_complexity)]
pub(super) fn perceive_npcs(
    clock: Res<WorldClock>,
    grid: Res<ThreatGrid>,
    player: Query<&Position, (With<Player>, Without<Villager>)>,
    mut experienced: MessageWriter<NpcExperienced>,
    mut q: Query<(
        Entity,
        &Villager,
        &Position,
        &Needs,
        &Traits,
        &Health,
        &CurrentAction,
        &Trust,
        &Emotion,
        Option<&Profile>,
        &mut Mind,
    )>,
) {
    let hour = clock.hour();
    let player = player.single().ok().map(|p| p.0);
    for (npc, v, pos, needs, traits, health, action, trust, emotion, profile, mut mind) in &mut q {
        let threat = grid.nearest(pos.0);
        let threat_now = threat.is_some_and(|(_, d)| d <= THREAT_RANGE);
        let changed = threat_now != mind.threat_seen || health.injuries != mind.injuries_seen;
        if changed {
            // What changed is also felt: a wolf coming near, being hurt (witnesses are found when
            // the harm is appraised).
            let felt = [
                (threat_now && !mind.threat_seen, Experience::Threat),
                (health.injuries > mind.injuries_seen, Experience::Harm),
            ];
            for (_, experience) in felt.into_iter().filter(|(yes, _)| *yes) {
                experienced.write(NpcExperienced { npc, experience });
            }
            mind.threat_seen = threat_now;
            mind.injuries_seen = health.injuries;
        }
        let due = match mind.state {
            MindState::Resting => changed || clock.elapsed >= mind.next_think,
            // A new situation supersedes the request in flight: its result will be stale.
            MindState::Awaiting => changed,
            MindState::Wanting => true,
        };
        if !due {
            continue;
        }
        if mind.state != MindState::Wanting {
            mind.generation += 1;
            mind.state = MindState::Wanting;
        }
        mind.last_obs = Observation {
            needs: [needs.hunger, needs.energy, needs.social],
            emotion: emotion.vad,
            persona: traits.as_array(),
            hour,
            player: rel(pos.0, player),
            threat: match threat {
                Some((dir, d)) => (dir.into(), d),
                None => ([0.0, 0.0], 10_000.0),
            },
            home: rel(pos.0, Some(v.home)),
            work: rel(pos.0, Some(v.work)),
            trust: trust.0,
            current: action.0,
            health: health.value,
            scheduled: profile.and_then(|p| p.0.scheduled(hour)),
        };
    }
}
