//! The record file of `sim --record` / `--replay`: the run's settings, its final state hash and every
//! model output keyed by (lane, model id, input hash).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::inference::backends::record::Record;

/// Format tag; a file with another tag is refused.
pub const FORMAT: &str = "npc-minds-record/1";

/// A whole recorded run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordFile {
    pub format: String,
    pub npcs: usize,
    pub seconds: f64,
    pub seed: u64,
    pub dt: f32,
    pub state_hash: String,
    pub records: Vec<Record>,
}

/// Why a record file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a record file: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: format {found:?} is not {FORMAT:?}")]
    Format { path: String, found: String },
}

impl RecordFile {
    pub fn read(path: &Path) -> Result<Self, RecordError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| RecordError::Read {
            path: p.clone(),
            source,
        })?;
        let file: RecordFile = serde_json::from_slice(&bytes).map_err(|e| RecordError::Parse {
            path: p.clone(),
            message: format!("line {} column {}: {e}", e.line(), e.column()),
        })?;
        if file.format != FORMAT {
            return Err(RecordError::Format {
                path: p,
                found: file.format,
            });
        }
        Ok(file)
    }

    /// Writes through a temporary file and a rename, so a failed write leaves nothing half-done.
    pub(crate) fn write(&self, path: &Path) -> Result<(), RecordError> {
        let p = path.display().to_string();
        let err = |source| RecordError::Write {
            path: p.clone(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let json = serde_json::to_vec(self).map_err(|e| err(std::io::Error::other(e)))?;
        std::fs::write(&tmp, json).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}
