//! Why the dialogue model could not be loaded or run (shared by the loader, the engines and the
//! dialogue lane).

use crate::ml::lm::tokenizer::TokenizerError;

/// Why the dialogue model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum LmError {
    #[error("{path}: {message}")]
    Load { path: String, message: String },
    #[error("{0}")]
    Tokenizer(#[from] TokenizerError),
    #[error("model: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("model: {0}")]
    Engine(String),
    #[error("understanding the line: {0}")]
    Encoder(#[from] crate::ml::encoder::EncoderError),
    /// The service's batcher could not take or finish the reply (queue full, stopped, failed).
    #[error("batched decoding: {0}")]
    Batcher(String),
}
