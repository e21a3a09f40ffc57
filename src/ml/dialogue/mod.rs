//! Grounded dialogue: a villager's reply is understood, planned, said by the language model and
//! checked before the player reads it.
//!
//! `understand` (intent by cue words, knowledge by sentence embeddings) → `plan` (state a fact,
//! hint, deflect, thank...) → `realise` (the model says the plan, a sentence at a time) →
//! `validate` (persona, names, the fact's key content, leaks, repeats), with retries and a
//! template line as the last resort. `model` is the language model itself, `voice` says whether the
//! lane's own model or the service's batcher writes the reply, `request` builds the lane's input from
//! an NPC's config, `backend` serves the dialogue lane.

pub mod backend;
pub mod carried;
pub mod clean;
pub mod conversation;
pub mod cues;
pub mod eval;
mod frame;
mod generate;
mod identity;
mod intent;
pub mod lexicon;
pub mod lines;
pub mod meaning;
pub mod plan;
pub mod realise;
pub mod recall;
pub mod request;
mod retell;
mod templates;
pub mod understand;
pub mod validate;
pub mod voice;

pub use backend::{Dialogue, DialogueBackend};
pub use voice::{SharedVoice, Voice};
