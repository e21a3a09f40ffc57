//! Smart music (no Bevy): a model trained on Bach's chorales composes four voices bar by bar,
//! conditioned on controls that the village's mood sets (mode, density); an arranger turns them
//! into layers (pad, bass, melody, percussion) at a tempo, register and loudness the mood sets; a
//! synthesiser of our own renders them; WAV and MIDI writers save them.

pub mod analysis;
pub mod arrange;
pub mod backend;
pub mod bars;
pub mod compose;
pub mod corpus;
pub mod events;
pub mod files;
pub mod model;
pub mod mood;
pub mod piece;
pub mod score;
pub mod sim_timeline;
pub mod stream;
pub mod synth;
pub mod taste;

use crate::ml::weights::TrainedError;
use corpus::CorpusError;

/// Why music could not be trained, composed or written.
#[derive(Debug, thiserror::Error)]
pub enum MusicError {
    #[error(transparent)]
    CorpusFile(#[from] CorpusError),
    #[error("corpus: {0}")]
    Corpus(String),
    #[error(transparent)]
    Weights(#[from] TrainedError),
    #[error("music model: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}
