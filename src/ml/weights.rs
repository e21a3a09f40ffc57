//! Small safetensors files of our own trained weights, with string metadata that says what they
//! were trained for (checked by each model at load).

use std::collections::HashMap;
use std::path::Path;

use candle_core::Tensor;

/// Why a weights file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct WeightsError {
    pub(crate) path: String,
    pub(crate) message: String,
}

/// Why one of our trained models (emotion head, policy network) could not be loaded, saved or run.
#[derive(Debug, thiserror::Error)]
pub enum TrainedError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// The file is readable but was trained for something else; `fix` says what to do.
    #[error("{path}: {message}; {fix}")]
    Mismatch {
        path: String,
        message: String,
        fix: &'static str,
    },
    #[error("{0}")]
    Candle(#[from] candle_core::Error),
}

impl From<WeightsError> for TrainedError {
    fn from(e: WeightsError) -> Self {
        TrainedError::File {
            path: e.path,
            message: e.message,
        }
    }
}

fn err(path: &Path, message: impl std::fmt::Display) -> WeightsError {
    WeightsError {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// The file's bytes and its metadata (empty when it has none).
pub fn read(path: &Path) -> Result<(Vec<u8>, HashMap<String, String>), WeightsError> {
    let bytes = std::fs::read(path).map_err(|e| err(path, format!("cannot read: {e}")))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| err(path, format!("not a safetensors file: {e}")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    Ok((bytes, meta))
}

/// Writes `tensors` and `meta`.
pub fn write(
    path: &Path,
    tensors: Vec<(String, Tensor)>,
    meta: HashMap<String, String>,
) -> Result<(), WeightsError> {
    safetensors::serialize_to_file(tensors, Some(meta), path).map_err(|e| err(path, e))
}

/// The weight and bias of each named linear layer, as `name.weight` / `name.bias`.
pub(crate) fn linear_tensors(layers: &[(&str, &candle_nn::Linear)]) -> Vec<(String, Tensor)> {
    let mut out = Vec::new();
    for (name, layer) in layers {
        out.push((format!("{name}.weight"), layer.weight().clone()));
        if let Some(b) = layer.bias() {
            out.push((format!("{name}.bias"), b.clone()));
        }
    }
    out
}

/// A trained model's metadata as read at load, with errors that name the file and say how to fix
/// it (`fix`: what to run).
pub(crate) struct Metadata<'a> {
    pub(crate) path: &'a Path,
    pub(crate) meta: &'a HashMap<String, String>,
    pub(crate) fix: &'static str,
}

impl Metadata<'_> {
    /// The file does not hold what was expected.
    pub(crate) fn mismatch(&self, message: impl std::fmt::Display) -> TrainedError {
        TrainedError::Mismatch {
            path: self.path.display().to_string(),
            message: message.to_string(),
            fix: self.fix,
        }
    }

    /// A key's value, or a mismatch when it is missing.
    pub(crate) fn get(&self, key: &str) -> Result<String, TrainedError> {
        self.meta
            .get(key)
            .cloned()
            .ok_or_else(|| self.mismatch(format!("metadata has no {key:?}")))
    }

    /// A key's value parsed as a number.
    pub(crate) fn num<T: std::str::FromStr>(&self, key: &str) -> Result<T, TrainedError> {
        self.get(key)?
            .parse()
            .map_err(|_| self.mismatch(format!("{key} is not a number")))
    }
}
