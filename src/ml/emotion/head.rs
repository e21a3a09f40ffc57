//! The emotion head: a small MLP on sentence embeddings with two outputs, label logits and
//! valence/arousal/dominance. Its safetensors file carries the label order, the encoder id and the
//! embedding size in its metadata; loading checks them against what the game expects.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder};

use crate::decide::EmotionLabel;
use crate::ml::weights::{self, TrainedError};

/// Identifies the file format in the metadata.
pub(crate) const FORMAT: &str = "npc-minds-emotion-head/1";

/// Why a head could not be loaded or saved.
pub type HeadError = TrainedError;

/// What to do about a head trained for something else.
const RETRAIN: &str = "retrain it with `npc-minds train-emotion`";

/// What the head was trained on, stored in the file's metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadMeta {
    /// Identifies the encoder whose embeddings the head reads (see `EmotionClassifier::encoder_id`).
    pub encoder: String,
    pub embedding_dim: usize,
    pub(crate) hidden: usize,
    /// Free-form facts about the training run (seed, accuracy, ...), kept in the file.
    pub(crate) notes: Vec<(String, String)>,
}

/// Label order as written in the metadata.
fn label_list() -> String {
    EmotionLabel::ALL.map(|l| l.name()).join(",")
}

/// The trained head.
pub struct EmotionHead {
    hidden: Linear,
    labels: Linear,
    vad: Linear,
    pub meta: HeadMeta,
}

/// Output of the head for a batch.
pub(crate) struct HeadOutput {
    /// (n, 7) raw label scores.
    pub(crate) logits: Tensor,
    /// (n, 3) valence/arousal/dominance in [-1, 1].
    pub(crate) vad: Tensor,
}

impl EmotionHead {
    /// Builds the head from its three layers (used by training and by [`EmotionHead::load`]).
    pub(crate) fn from_layers(hidden: Linear, labels: Linear, vad: Linear, meta: HeadMeta) -> Self {
        EmotionHead {
            hidden,
            labels,
            vad,
            meta,
        }
    }

    /// Runs the head on (n, dim) embeddings. `dropout` zeroes hidden units (training only): a
    /// (n, hidden) mask already scaled by 1 / keep.
    pub(crate) fn forward(
        &self,
        x: &Tensor,
        dropout: Option<&Tensor>,
    ) -> candle_core::Result<HeadOutput> {
        let mut h = self.hidden.forward(x)?.relu()?;
        if let Some(mask) = dropout {
            h = h.mul(mask)?;
        }
        Ok(HeadOutput {
            logits: self.labels.forward(&h)?,
            vad: self.vad.forward(&h)?.tanh()?,
        })
    }

    /// Loads a head and checks that it was trained for `encoder` with `dim`-sized embeddings and
    /// the game's label order.
    pub fn load(path: &Path, encoder: &str, dim: usize) -> Result<Self, HeadError> {
        let shown = path.display().to_string();
        let file = |message: String| HeadError::File {
            path: shown.clone(),
            message,
        };
        let mismatch = |message: String| HeadError::Mismatch {
            path: shown.clone(),
            message,
            fix: RETRAIN,
        };
        let (bytes, meta) = weights::read(path).map_err(|e| file(e.message))?;
        let get = |key: &str| {
            meta.get(key)
                .cloned()
                .ok_or_else(|| mismatch(format!("metadata has no {key:?}")))
        };
        let format = get("format")?;
        if format != FORMAT {
            return Err(mismatch(format!("format {format:?}, expected {FORMAT:?}")));
        }
        let labels = get("labels")?;
        if labels != label_list() {
            return Err(mismatch(format!(
                "labels {labels:?}, expected {:?}",
                label_list()
            )));
        }
        let trained_for = get("encoder")?;
        if trained_for != encoder {
            return Err(mismatch(format!(
                "trained on embeddings of {trained_for:?}, but the encoder is {encoder:?}"
            )));
        }
        let number = |key: &str| -> Result<usize, HeadError> {
            let v = get(key)?;
            v.parse()
                .map_err(|_| mismatch(format!("{key} is {v:?}, not a number")))
        };
        let embedding_dim = number("embedding_dim")?;
        if embedding_dim != dim {
            return Err(mismatch(format!(
                "embedding size {embedding_dim}, but the encoder gives {dim}"
            )));
        }
        let hidden = number("hidden")?;
        let notes = meta
            .iter()
            .filter(|(k, _)| {
                !["format", "labels", "encoder", "embedding_dim", "hidden"].contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu)
            .map_err(|e| file(e.to_string()))?;
        let layer = |i, o, name: &str| {
            candle_nn::linear(i, o, vb.pp(name)).map_err(|e| mismatch(format!("{name}: {e}")))
        };
        let n = EmotionLabel::ALL.len();
        Ok(EmotionHead {
            hidden: layer(dim, hidden, "hidden")?,
            labels: layer(hidden, n, "labels")?,
            vad: layer(hidden, 3, "vad")?,
            meta: HeadMeta {
                encoder: trained_for,
                embedding_dim,
                hidden,
                notes,
            },
        })
    }

    /// Writes the weights and the metadata (label order, encoder id, sizes, notes).
    pub fn save(&self, path: &Path) -> Result<(), HeadError> {
        let mut meta: HashMap<String, String> = self.meta.notes.iter().cloned().collect();
        meta.insert("format".into(), FORMAT.into());
        meta.insert("labels".into(), label_list());
        meta.insert("encoder".into(), self.meta.encoder.clone());
        meta.insert("embedding_dim".into(), self.meta.embedding_dim.to_string());
        meta.insert("hidden".into(), self.meta.hidden.to_string());
        let tensors = weights::linear_tensors(&[
            ("hidden", &self.hidden),
            ("labels", &self.labels),
            ("vad", &self.vad),
        ]);
        Ok(weights::write(path, tensors, meta)?)
    }
}
