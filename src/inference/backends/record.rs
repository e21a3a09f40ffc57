//! Record and replay: a wrapper that logs every model output keyed by (lane, model id, input hash),
//! and a backend that answers from such a log without any model.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{Backend, StreamContext};
use crate::inference::protocol::{InferenceError, JobInput, JobOutput, Lane};

/// One recorded model output.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub lane: Lane,
    pub model_id: String,
    pub input_hash: u64,
    pub output: Result<JobOutput, InferenceError>,
}

/// Where recordings accumulate while a run goes on.
pub(crate) type RecordLog = Arc<Mutex<Vec<Record>>>;

/// Passes calls to `inner` and logs each output.
pub(crate) struct RecordingBackend {
    pub(crate) lane: Lane,
    pub(crate) inner: Box<dyn Backend>,
    pub(crate) log: RecordLog,
}

impl Backend for RecordingBackend {
    fn model_id(&self) -> String {
        self.inner.model_id()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        let out = self.inner.infer(batch, ctx);
        let model_id = self.inner.model_id();
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        for (input, result) in batch.iter().zip(&out) {
            log.push(Record {
                lane: self.lane,
                model_id: model_id.clone(),
                input_hash: input.stable_hash(),
                output: result.clone(),
            });
        }
        out
    }
}

/// Answers from a recording; an input that was never recorded is an error, not a guess.
pub(crate) struct ReplayBackend {
    model_id: String,
    table: HashMap<u64, Result<JobOutput, InferenceError>>,
}

impl ReplayBackend {
    /// Keeps the records of `lane`; all of them must come from one model.
    pub(crate) fn new(lane: Lane, records: &[Record]) -> Result<Self, InferenceError> {
        let mine: Vec<&Record> = records.iter().filter(|r| r.lane == lane).collect();
        let model_id = mine
            .first()
            .map_or_else(|| "none".to_string(), |r| r.model_id.clone());
        if let Some(other) = mine.iter().find(|r| r.model_id != model_id) {
            return Err(InferenceError::Unavailable(format!(
                "the recording mixes models {model_id} and {} on the {} lane",
                other.model_id,
                lane.name()
            )));
        }
        let table = mine
            .into_iter()
            .map(|r| (r.input_hash, r.output.clone()))
            .collect();
        Ok(ReplayBackend {
            model_id: format!("replay:{model_id}"),
            table,
        })
    }
}

impl Backend for ReplayBackend {
    fn model_id(&self) -> String {
        self.model_id.clone()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        batch
            .iter()
            .map(|input| {
                let key = input.stable_hash();
                self.table.get(&key).cloned().unwrap_or_else(|| {
                    Err(InferenceError::Backend(format!(
                        "no recorded output for input {key:016x}"
                    )))
                })
            })
            .collect()
    }
}
