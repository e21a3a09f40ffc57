//! The messages that cross the worker pool's channels: ids, jobs, inputs, outputs and errors.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::soundtrack::{Mood, RenderedBar, Style};
pub use crate::decide::Observation;
pub(crate) use crate::decide::hash::Fnv;
pub use crate::decide::sampling::Sampling;
use crate::decide::talk::{Details, DialogueRecord};
use crate::decide::{Action, EmotionLabel};
use crate::memory::MemoryStream;

/// One queue and worker per kind of model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lane {
    Dialogue,
    Emotion,
    Policy,
    /// The soundtrack, one bar per job (the game's; see `music::backend`).
    Music,
}

impl Lane {
    pub(crate) const ALL: [Lane; 4] = [Lane::Dialogue, Lane::Emotion, Lane::Policy, Lane::Music];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Lane::Dialogue => "dialogue",
            Lane::Emotion => "emotion",
            Lane::Policy => "policy",
            Lane::Music => "music",
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

/// One knowledge entry of the NPC answering, as the dialogue lane sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KnowledgeEntry {
    pub(crate) text: String,
    /// Key content: groups of alternatives ("town hall|hall") that must all appear for a reply
    /// to count as stating the entry.
    pub(crate) keys: Vec<String>,
    /// Other ways players may ask about it (for retrieval).
    pub(crate) topics: Vec<String>,
    /// Whether trust allows telling it now. An entry that is not allowed is never put in a
    /// prompt; the planner may only hint that there is something.
    pub allowed: bool,
    /// What the villager can say when asked more about it (who, where, when...).
    pub(crate) details: Details,
    /// What would make the villager tell it, said in its voice while it holds it back.
    pub(crate) unlock: String,
    /// Key groups a player's line must carry to unlock it below its trust (a clue cited).
    pub(crate) evidence: Vec<String>,
    /// Allowed below its trust because the player cited evidence that bears on it (its `evidence`
    /// key groups, in this line or earlier in the conversation).
    pub(crate) unlocked: bool,
    /// A memory of the player recalled for this turn, not one of the villager's own facts.
    pub(crate) recalled: bool,
}

/// A villager another one may send the player to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    pub name: String,
    pub(crate) role: String,
    /// Where it works, as people say it ("the tavern").
    pub(crate) place: String,
    /// The content words of what it knows (never said: they rank who to send the player to).
    pub(crate) knows: Vec<String>,
}

/// The names of the game's world that replies are checked against.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorldNames {
    /// Every villager's name.
    pub(crate) villagers: Vec<String>,
    /// Texts whose every word may be said capitalised (names, roles, places, knowledge, mystery).
    pub(crate) words: Vec<String>,
    /// Every villager, with its trade and workplace: whom a villager can send the player to.
    pub people: Vec<Person>,
    /// Words tied to the mystery (its title and the villagers' knowledge, less names, trades,
    /// places and everyday words): a reply that states no fact may not bring them up.
    pub(crate) mystery_words: Vec<String>,
}

/// One turn to answer (a player's line, or a gift), with everything the reply is planned from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DialogueRequest {
    /// The NPC's name.
    pub speaker: String,
    /// Its trade ("baker").
    pub role: String,
    /// Where it works, as people say it ("the market").
    pub work_place: String,
    /// Who the NPC is and how it talks: the cached part of the system turn (never repeated).
    pub persona: String,
    /// Mood and trust as instructions (never repeated).
    pub mood: String,
    /// Trust towards the player in [-1, 1].
    pub trust: f32,
    /// Valence, arousal, dominance the mood was written from (for a remote server that writes
    /// its own).
    pub vad: [f32; 3],
    pub knowledge: Vec<KnowledgeEntry>,
    pub world: Arc<WorldNames>,
    /// Earlier turns of this conversation, oldest first: (player, npc).
    pub history: Vec<(String, String)>,
    /// What the player just said (empty for a gift).
    pub line: String,
    /// The player gave the NPC a loaf of bread (instead of a line).
    pub gift: bool,
    /// Key words of what the player told the NPC about themselves (remembered names, places):
    /// the reply may say them only to the player.
    pub player_words: Vec<String>,
    /// What the villager talks about freely (its trade, its day, its likes): small talk's subjects.
    pub talk_about: Vec<String>,
    /// The NPC's memories of the player, recalled into `knowledge` by the dialogue lane (see
    /// `ml::dialogue::recall`), and the time now on the memories' clock.
    pub memory: Option<Arc<MemoryStream>>,
    pub now: f64,
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
    /// The soundtrack's next bar, for this mood, in this style.
    Music { mood: Mood, style: Style },
}

impl JobInput {
    /// A stable hash of the input, for the record/replay key.
    pub(crate) fn stable_hash(&self) -> u64 {
        let mut h = Fnv::default();
        match self {
            JobInput::Dialogue(r) => {
                for part in [&r.speaker, &r.persona, &r.mood, &r.line] {
                    h.write_bytes(part.as_bytes());
                    h.write(0xff);
                }
                for k in &r.knowledge {
                    h.write_bytes(k.text.as_bytes());
                    h.write(k.allowed as u64);
                }
                h.write(r.gift as u64);
                for (a, b) in &r.history {
                    h.write_bytes(a.as_bytes());
                    h.write_bytes(b.as_bytes());
                }
                h.write(r.seed);
                h.write(r.sampling.max_tokens as u64);
            }
            JobInput::Emotion { text } => h.write_bytes(text.as_bytes()),
            JobInput::Policy(obs) => h.write(obs.stable_hash()),
            JobInput::Music { mood, style } => {
                for x in [mood.valence, mood.arousal, mood.dominance] {
                    h.write(u64::from(x.to_bits()));
                }
                h.write_bytes(&[style.tempo, style.density, style.instrumentation]);
            }
        }
        h.finish()
    }
}

/// The result of one job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JobOutput {
    /// The full reply text (streamed before as [`PoolEvent::Partial`]) and, from the grounded
    /// dialogue, what it planned and conveyed.
    Dialogue {
        text: String,
        record: Option<Box<DialogueRecord>>,
    },
    /// Probability per emotion label, plus valence/arousal/dominance.
    Emotion {
        label: EmotionLabel,
        /// One probability per label, in [`EmotionLabel::ALL`] order.
        scores: Vec<f32>,
        vad: [f32; 3],
    },
    /// The chosen action and a score per action in [`Action::ALL`] order.
    Policy { action: Action, scores: Vec<f32> },
    /// A bar of the soundtrack.
    Music(Box<RenderedBar>),
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
