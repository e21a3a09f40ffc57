//! The sentence encoder: all-MiniLM-L6-v2 through candle's BERT, its `tokenizer.json` through the
//! `tokenizers` crate, mean pooling over real tokens and L2 normalisation. Batched. No Bevy types.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

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
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
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
            dim: config.hidden_size,
        })
    }

    /// One unit-length embedding per text, computed in one forward pass.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EncoderError::Tokenizer(e.to_string()))?;
        let rows = |f: &dyn Fn(&tokenizers::Encoding) -> Vec<u32>| -> Result<Tensor, EncoderError> {
            let data: Vec<Tensor> = enc
                .iter()
                .map(|e| Tensor::new(f(e).as_slice(), &Device::Cpu))
                .collect::<Result<_, _>>()?;
            Ok(Tensor::stack(&data, 0)?)
        };
        let ids = rows(&|e| e.get_ids().to_vec())?;
        let types = rows(&|e| e.get_type_ids().to_vec())?;
        let mask = rows(&|e| e.get_attention_mask().to_vec())?;
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
