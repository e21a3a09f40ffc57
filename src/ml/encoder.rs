//! The sentence encoder: all-MiniLM-L6-v2 through candle's BERT, its `tokenizer.json` through the
//! `tokenizers` crate, mean pooling over real tokens and L2 normalisation. Batched. No Bevy types.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationParams};

/// Longest input in tokens; longer text is cut (the model was trained on up to 256 word pieces).
pub const MAX_TOKENS: usize = 256;

/// Why the encoder could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("{path}: {message}")]
    Load { path: String, message: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("encoder: {0}")]
    Candle(#[from] candle_core::Error),
}

fn load_err(path: &Path, e: impl std::fmt::Display) -> EncoderError {
    EncoderError::Load {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Sentence embeddings of unit length.
pub struct SentenceEncoder {
    model: BertModel,
    tokenizer: Tokenizer,
    pad_id: u32,
    /// Embedding size (384 for MiniLM-L6).
    pub dim: usize,
}

impl SentenceEncoder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EncoderError> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| load_err(&config_path, e))?;
        let config: Config = serde_json::from_str(&text).map_err(|e| load_err(&config_path, e))?;
        let tok_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| load_err(&tok_path, e))?;
        // Padding is done per group of similar lengths in `embed`, not to the batch's longest.
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
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu)
            .map_err(|e| load_err(&weights_path, e))?;
        let model = BertModel::load(vb, &config).map_err(|e| load_err(&weights_path, e))?;
        Ok(SentenceEncoder {
            model,
            tokenizer,
            pad_id,
            dim: config.hidden_size,
        })
    }

    /// Tokens the encoder reads of `text` (after truncation), for usage reports.
    pub fn token_count(&self, text: &str) -> usize {
        self.tokenizer.encode(text, true).map_or(0, |e| e.len())
    }

    /// One unit-length embedding per text. Texts are sorted by length and run in groups of
    /// similar length, so that short lines are not padded to the longest one in the batch.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EncoderError::Tokenizer(e.to_string()))?;
        let mut order: Vec<usize> = (0..enc.len()).collect();
        order.sort_by_key(|&i| enc[i].len());
        let mut out = vec![Vec::new(); enc.len()];
        let mut start = 0;
        while start < order.len() {
            // A group ends where padding would grow its shortest member by more than a quarter.
            let shortest = enc[order[start]].len();
            let end = order[start..]
                .iter()
                .position(|&i| enc[i].len() > shortest + shortest / 4 + 2)
                .map_or(order.len(), |p| start + p);
            let group: Vec<&tokenizers::Encoding> =
                order[start..end].iter().map(|&i| &enc[i]).collect();
            for (&i, e) in order[start..end].iter().zip(self.forward(&group)?) {
                out[i] = e;
            }
            start = end;
        }
        Ok(out)
    }

    /// Embeds encodings of similar length in one forward pass, padded to the longest.
    fn forward(&self, group: &[&tokenizers::Encoding]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let len = group.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        let (mut ids, mut types, mut mask) = (Vec::new(), Vec::new(), Vec::new());
        for e in group {
            let pad = len - e.len();
            ids.extend(
                e.get_ids()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(self.pad_id, pad)),
            );
            types.extend(
                e.get_type_ids()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(0, pad)),
            );
            mask.extend(
                e.get_attention_mask()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(0, pad)),
            );
        }
        let shape = (group.len(), len);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu)?;
        let types = Tensor::from_vec(types, shape, &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?; // (n, len, dim)
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (n, dim)
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
