//! The decision vocabulary, free of Bevy and candle: what a decision is made from (observation),
//! what can be decided (actions and which are possible), the emotion labels, the hand-written
//! utility AI, and the vocabulary of a conversation turn. Imported by brain, ml, sim and game;
//! `inference` only carries these values.

pub mod action;
pub mod emotion;
pub mod hash;
pub mod keys;
pub mod leads;
pub mod mask;
pub mod observation;
pub mod sampling;
pub mod talk;
pub mod utility;

pub use action::Action;
pub use emotion::{EmotionLabel, dominant};
pub use mask::{AT_PLACE, PLAYER_RANGE, THREAT_RANGE, action_mask, is_night};
pub use observation::Observation;
