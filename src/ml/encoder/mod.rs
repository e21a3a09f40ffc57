//! The sentence encoder: all-MiniLM-L6-v2, its `tokenizer.json` through the `tokenizers` crate,
//! mean pooling over real tokens and L2 normalisation. Batched. No Bevy types.
//!
//! - [`bert`]: our own forward pass on `npc_kernels` (the default where the CPU has AVX2 or AVX-512).
//! - [`reference`]: candle's stock BERT (the reference, and the path on other CPUs).

mod bert;
mod reference;

use std::path::Path;

use candle_transformers::models::bert::Config;
use npc_kernels::Kernel;
use tokenizers::{Encoding, Tokenizer, TruncationParams};

/// Longest input in tokens; longer text is cut (the model was trained on up to 256 word pieces).
pub(crate) const MAX_TOKENS: usize = 256;

/// Token rows per forward pass of our own encoder: a larger batch runs in several passes.
const ROWS_PER_PASS: usize = 1024;

/// Why the encoder could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("{path}: {message}")]
    Load { path: String, message: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("encoder input: {0}")]
    Input(String),
    #[error("encoder: {0}")]
    Candle(#[from] candle_core::Error),
}

fn load_err(path: &Path, e: impl std::fmt::Display) -> EncoderError {
    EncoderError::Load {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Which forward pass computes the embeddings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderPath {
    /// Our own, on this kernel of `npc_kernels` (its portable loops unless AVX-512).
    Kernels(Kernel),
    /// candle's stock BERT.
    Candle,
}

impl EncoderPath {
    /// Ours where the CPU has AVX2 or AVX-512 (about twice as fast as candle's there), candle's on
    /// others (our portable loops would be slower than its `gemm`).
    pub(crate) fn best() -> EncoderPath {
        match Kernel::best() {
            Kernel::Scalar => EncoderPath::Candle,
            k => EncoderPath::Kernels(k),
        }
    }

    pub(crate) fn name(self) -> String {
        match self {
            EncoderPath::Kernels(k) => format!("ours ({})", k.name()),
            EncoderPath::Candle => "candle".into(),
        }
    }
}

enum Forward {
    Ours(bert::Bert),
    Candle(reference::CandleBert),
}

/// Sentence embeddings of unit length.
pub struct SentenceEncoder {
    forward: Forward,
    path: EncoderPath,
    tokenizer: Tokenizer,
    /// Embedding size (384 for MiniLM-L6).
    pub dim: usize,
}

impl SentenceEncoder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`, for the fastest
    /// forward pass this CPU runs ([`EncoderPath::best`]).
    pub fn load(dir: &Path) -> Result<Self, EncoderError> {
        Self::load_with(dir, EncoderPath::best())
    }

    /// As [`SentenceEncoder::load`], on the given forward pass (ours falls back to candle's for a
    /// configuration it does not compute).
    pub fn load_with(dir: &Path, path: EncoderPath) -> Result<Self, EncoderError> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| load_err(&config_path, e))?;
        let config: Config = serde_json::from_str(&text).map_err(|e| load_err(&config_path, e))?;
        let tok_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| load_err(&tok_path, e))?;
        // Our forward pass needs no padding; candle's pads each group of similar lengths itself.
        tokenizer.with_padding(None);
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| EncoderError::Tokenizer(e.to_string()))?;
        let weights_path = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights_path).map_err(|e| load_err(&weights_path, e))?;
        let (forward, path) = match path {
            EncoderPath::Kernels(k) if bert::Bert::supports(&config) => (
                Forward::Ours(bert::Bert::load(&config, &bytes, &weights_path, k)?),
                path,
            ),
            _ => (
                Forward::Candle(reference::CandleBert::load(
                    &config,
                    bytes,
                    &weights_path,
                    pad_id,
                )?),
                EncoderPath::Candle,
            ),
        };
        Ok(SentenceEncoder {
            forward,
            path,
            tokenizer,
            dim: config.hidden_size,
        })
    }

    /// The forward pass in use.
    pub fn path(&self) -> EncoderPath {
        self.path
    }

    /// Tokens the encoder reads of `text` (after truncation), for usage reports.
    pub(crate) fn token_count(&self, text: &str) -> usize {
        self.tokenizer.encode(text, true).map_or(0, |e| e.len())
    }

    /// One unit-length embedding per text.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EncoderError::Tokenizer(e.to_string()))?;
        match &self.forward {
            Forward::Candle(m) => m.embed(&enc),
            Forward::Ours(m) => embed_in_passes(m, &enc),
        }
    }
}

/// Texts in order, as many per pass as fit in [`ROWS_PER_PASS`] token rows.
fn embed_in_passes(m: &bert::Bert, enc: &[Encoding]) -> Result<Vec<Vec<f32>>, EncoderError> {
    let mut out = Vec::with_capacity(enc.len());
    let mut start = 0;
    while start < enc.len() {
        let mut end = start + 1;
        let mut rows = enc[start].len();
        while end < enc.len() && rows + enc[end].len() <= ROWS_PER_PASS {
            rows += enc[end].len();
            end += 1;
        }
        let texts: Vec<(&[u32], &[u32])> = enc[start..end]
            .iter()
            .map(|e| (e.get_ids(), e.get_type_ids()))
            .collect();
        out.extend(m.embed(&texts)?);
        start = end;
    }
    Ok(out)
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
