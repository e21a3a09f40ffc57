//! The brain's ECS state: each NPC's mind (think timer, generation, what it last perceived), trust,
//! emotion, config and conversation marker, and the resources of the loop (id index, counters,
//! think intervals).

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;

use crate::config::schema::NpcConfig;
use crate::decide::{EmotionLabel, Observation, dominant};

/// Where an NPC is in its think cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum MindState {
    /// Waiting for its next think time.
    #[default]
    Resting,
    /// Has an observation ready to send (deferred while the queue is full).
    Wanting,
    /// A job is in the pool.
    Awaiting,
}

/// Think bookkeeping of one NPC.
#[derive(Component, Clone, Debug, Default)]
#[require(Trust, Emotion)]
pub struct Mind {
    /// Bumped for every new request; results for older generations are stale.
    pub generation: u32,
    pub(crate) state: MindState,
    /// Game second of the next think.
    pub(crate) next_think: f64,
    /// Tick the pending request was sent (lockstep applies it at a fixed offset from here).
    pub(crate) dispatched_tick: u64,
    /// The observation of the current generation (the fallback decides from it).
    pub(crate) last_obs: Observation,
    pub(crate) threat_seen: bool,
    pub(crate) injuries_seen: u32,
}

/// Valence, arousal, dominance in [-1, 1], and the label and intensity they read as.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct Emotion {
    pub vad: [f32; 3],
    pub label: EmotionLabel,
    /// In [0, 1]: how far from a neutral state.
    pub(crate) intensity: f32,
}

impl Emotion {
    /// An emotion at `vad` (clamped), with its label and intensity.
    pub(crate) fn at(vad: [f32; 3]) -> Self {
        let vad = vad.map(|x| {
            if x.is_finite() {
                x.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        });
        let (label, intensity) = dominant(vad);
        Emotion {
            vad,
            label,
            intensity,
        }
    }
}

/// What the NPC remembers of the player (lines, gifts, rudeness, kindness), recalled into its
/// replies by the dialogue lane. Added at the first word.
#[derive(Component, Clone, Debug)]
pub struct Memories(pub crate::memory::MemoryStream);

/// The first memories of villagers that have no [`Memories`] yet, gathered over one system run
/// (two may reach a villager in one frame) and inserted at its end.
#[derive(Default)]
pub(crate) struct FirstMemories(std::collections::BTreeMap<Entity, crate::memory::MemoryStream>);

impl FirstMemories {
    /// `npc`'s new stream (on a clock of `hour_secs` an hour), made on first use.
    pub(crate) fn stream(
        &mut self,
        npc: Entity,
        hour_secs: f64,
    ) -> &mut crate::memory::MemoryStream {
        self.0.entry(npc).or_insert_with(|| {
            crate::memory::MemoryStream::new(crate::memory::stream::CAPACITY, hour_secs)
        })
    }

    pub(crate) fn get(&self, npc: Entity) -> Option<&crate::memory::MemoryStream> {
        self.0.get(&npc)
    }

    /// Gives each villager its stream.
    pub(crate) fn insert(self, commands: &mut Commands) {
        for (e, stream) in self.0 {
            commands.entity(e).insert(Memories(stream));
        }
    }
}

/// Trust towards the player in [-1, 1].
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct Trust(pub f32);

/// The NPC's current config (replaced on hot reload).
#[derive(Component, Clone, Debug)]
pub struct Profile(pub Arc<NpcConfig>);

/// Marks the NPC the player is talking to: its jobs get `Priority::Focus`.
#[derive(Component, Clone, Copy, Debug, Default)]
#[component(storage = "SparseSet")]
pub struct InConversation;

/// NPC id → entity, for routing results.
#[derive(Resource, Default)]
pub(crate) struct NpcIndex(pub HashMap<u64, Entity>);

/// Counters of the ECS side of the loop.
#[derive(Resource, Clone, Debug, Default, serde::Serialize)]
pub struct BrainStats {
    pub decisions: u64,
    /// Decisions made by the local utility fallback because the lane returned an error.
    pub fallbacks: u64,
    /// Frames in which an NPC could not be dispatched because its queue was full.
    pub(crate) deferred: u64,
    /// Results the ECS side ignored because the NPC had moved on.
    pub(crate) ignored_stale: u64,
    /// Replies said from `fallback_lines` because the dialogue model was missing or failed.
    pub(crate) dialogue_fallbacks: u64,
}

/// How often NPCs think, by distance to the player (level of detail).
#[derive(Resource, Clone, Debug)]
pub(crate) struct ThinkSettings {
    pub(crate) near: (f32, f64),
    pub(crate) mid: (f32, f64),
    pub(crate) far: f64,
    /// Policy jobs not started within this many seconds are skipped (not in lockstep).
    pub(crate) policy_deadline: f64,
}

impl Default for ThinkSettings {
    fn default() -> Self {
        ThinkSettings {
            near: (300.0, 0.5),
            mid: (900.0, 1.5),
            far: 4.0,
            policy_deadline: 2.0,
        }
    }
}

impl ThinkSettings {
    /// Seconds until the next think for an NPC `distance` from the player.
    pub(crate) fn interval(&self, distance: f32) -> f64 {
        if distance <= self.near.0 {
            self.near.1
        } else if distance <= self.mid.0 {
            self.mid.1
        } else {
            self.far
        }
    }
}
