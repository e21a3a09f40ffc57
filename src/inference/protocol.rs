//! The messages that cross the worker pool's channels: ids, jobs, inputs, outputs and errors.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::inference::emotion::EmotionLabel;
use crate::world::action::Action;

/// One queue and worker per kind of model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lane {
    Dialogue,
    Emotion,
    Policy,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Lane::Dialogue, Lane::Emotion, Lane::Policy];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Lane::Dialogue => "dialogue",
            Lane::Emotion => "emotion",
            Lane::Policy => "policy",
        }
    }
}

/// Who asked, and for which version of their situation. A result whose generation is older than
/// the NPC's latest request on that lane is stale: it is dropped and counted, never applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId {
    pub npc: u64,
    pub generation: u32,
}

/// Higher runs first. `Focus` is the NPC the player is talking to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Background = 0,
    #[default]
    Normal = 1,
    Focus = 2,
}

/// A unit of work for one lane.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: RequestId,
    pub priority: Priority,
    /// The job is skipped (and counted as dropped) if a worker reaches it after this instant.
    pub deadline: Option<Instant>,
    pub input: JobInput,
}

/// What a decision is made from: plain numbers the ECS side gathers each think.
/// The layout is documented here because the policy network (a later issue) is trained on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// hunger (0 fed .. 1 starving), energy (0 exhausted .. 1 rested), social (0 lonely .. 1 fulfilled).
    pub needs: [f32; 3],
    /// valence, arousal, dominance in [-1, 1] (zero until the emotion lane drives them).
    pub emotion: [f32; 3],
    /// bravery, sociability, diligence, temper, honesty in [0, 1].
    pub persona: [f32; 5],
    /// Hour of day in [0, 24).
    pub hour: f32,
    /// Distance (world units) and unit direction to the player.
    pub player: ([f32; 2], f32),
    /// Direction and distance to the nearest threat; distance is `f32::INFINITY`-free: capped at 10_000.
    pub threat: ([f32; 2], f32),
    pub home: ([f32; 2], f32),
    pub work: ([f32; 2], f32),
    /// Trust towards the player in [-1, 1].
    pub trust: f32,
    pub current: Action,
    /// Health in [0, 1].
    pub health: f32,
    /// What the NPC's daily schedule suggests now, if anything.
    pub scheduled: Option<Action>,
}

impl Observation {
    /// A stable hash of the exact input bits, used as the record/replay key.
    pub fn stable_hash(&self) -> u64 {
        let mut h = Fnv::default();
        for v in self.needs.iter().chain(&self.emotion).chain(&self.persona) {
            h.write(v.to_bits() as u64);
        }
        h.write(self.hour.to_bits() as u64);
        for (dir, dist) in [self.player, self.threat, self.home, self.work] {
            h.write(dir[0].to_bits() as u64);
            h.write(dir[1].to_bits() as u64);
            h.write(dist.to_bits() as u64);
        }
        h.write(self.trust.to_bits() as u64);
        h.write(self.current.index() as u64);
        h.write(self.health.to_bits() as u64);
        h.write(self.scheduled.map_or(99, |a| a.index() as u64));
        h.finish()
    }
}

/// How to sample a reply; per NPC in its RON file, with defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// 0 means greedy.
    #[serde(default = "Sampling::default_temperature")]
    pub temperature: f32,
    #[serde(default = "Sampling::default_top_p")]
    pub top_p: f32,
    #[serde(default = "Sampling::default_repeat_penalty")]
    pub repeat_penalty: f32,
    /// Most tokens in one reply.
    #[serde(default = "Sampling::default_max_tokens")]
    pub max_tokens: usize,
}

impl Sampling {
    fn default_temperature() -> f32 {
        0.4
    }
    fn default_top_p() -> f32 {
        0.9
    }
    fn default_repeat_penalty() -> f32 {
        1.15
    }
    fn default_max_tokens() -> usize {
        80
    }
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature: Self::default_temperature(),
            top_p: Self::default_top_p(),
            repeat_penalty: Self::default_repeat_penalty(),
            max_tokens: Self::default_max_tokens(),
        }
    }
}

/// One player line to answer, with everything the prompt is built from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DialogueRequest {
    /// The NPC's name (stripped when the model writes "Name:" before its reply).
    pub speaker: String,
    /// Who the NPC is ("You are Greta, the baker..."): the NPC may say this.
    pub identity: String,
    /// How to behave: never to be repeated to the player.
    pub instructions: String,
    /// Mood and trust (also never repeated). With the fields above and `facts` it forms the
    /// system turn, whose KV cache is reused while none of them changes.
    pub mood: String,
    /// The facts trust allows (and never the others): the NPC may say these.
    pub facts: Vec<String>,
    /// Earlier turns of this conversation, oldest first: (player, npc).
    pub history: Vec<(String, String)>,
    /// What the player just said.
    pub line: String,
    pub sampling: Sampling,
    pub seed: u64,
}

/// The input of one job.
#[derive(Clone, Debug)]
pub enum JobInput {
    /// A line for the dialogue model to answer.
    Dialogue(Box<DialogueRequest>),
    /// A line to classify.
    Emotion { text: String },
    /// A decision to make.
    Policy(Box<Observation>),
}

impl JobInput {
    /// A stable hash of the input, for the record/replay key.
    pub fn stable_hash(&self) -> u64 {
        let mut h = Fnv::default();
        match self {
            JobInput::Dialogue(r) => {
                for part in [&r.speaker, &r.identity, &r.instructions, &r.mood, &r.line]
                    .into_iter()
                    .chain(&r.facts)
                {
                    h.write_bytes(part.as_bytes());
                    h.write(0xff);
                }
                for (a, b) in &r.history {
                    h.write_bytes(a.as_bytes());
                    h.write_bytes(b.as_bytes());
                }
                h.write(r.seed);
                h.write(r.sampling.max_tokens as u64);
            }
            JobInput::Emotion { text } => h.write_bytes(text.as_bytes()),
            JobInput::Policy(obs) => h.write(obs.stable_hash()),
        }
        h.finish()
    }
}

/// The result of one job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JobOutput {
    /// The full reply text (its tokens were streamed before as [`PoolEvent::Partial`]).
    Dialogue { text: String },
    /// Probability per emotion label, plus valence/arousal/dominance.
    Emotion {
        label: EmotionLabel,
        /// One probability per label, in [`EmotionLabel::ALL`] order.
        scores: Vec<f32>,
        vad: [f32; 3],
    },
    /// The chosen action and a score per action in [`Action::ALL`] order.
    Policy { action: Action, scores: Vec<f32> },
}

/// Why a job produced no output. Faults are data: they come back through the result channel.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum InferenceError {
    #[error("the backend panicked: {0}")]
    Panicked(String),
    #[error("the backend failed: {0}")]
    Backend(String),
    #[error("no backend is available: {0}")]
    Unavailable(String),
    #[error("the deadline passed before a worker reached the job")]
    Expired,
    #[error("the job was cancelled or superseded")]
    Cancelled,
    #[error("wrong input for this lane")]
    WrongInput,
}

/// What a lane sends back.
#[derive(Clone, Debug)]
pub enum PoolEvent {
    /// A streamed piece of output (dialogue tokens).
    Partial {
        lane: Lane,
        id: RequestId,
        text: String,
    },
    /// The end of a job.
    Completed(Completed),
}

/// A finished job with its result.
#[derive(Clone, Debug)]
pub struct Completed {
    pub lane: Lane,
    pub id: RequestId,
    pub result: Result<JobOutput, InferenceError>,
}

/// 64-bit FNV-1a, enough for stable keys and state hashes (not for security).
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn write(&mut self, v: u64) {
        self.write_bytes(&v.to_le_bytes());
    }

    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}
