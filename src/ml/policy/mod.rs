//! The decision policy: observation encoding, the network, and the policy lane's backend, which
//! decides for every waiting NPC in one forward pass. When the weights are missing, corrupt or for
//! another encoding version, the lane is served by the utility AI and says why.

pub mod encoding;
pub mod net;
pub mod runner;
pub mod train;

use std::path::Path;

use crate::decide::action_mask;
use crate::inference::{Backend, InferenceError, JobInput, JobOutput, StreamContext};
use encoding::{OBS_DIM, encode};
use net::{PolicyError, PolicyNet};
use runner::PolicyRunner;

/// The network as the policy lane's backend (deciding through [`PolicyRunner`]).
pub struct PolicyBackend {
    runner: PolicyRunner,
}

impl PolicyBackend {
    pub(crate) fn load(path: &Path) -> Result<Self, PolicyError> {
        Self::new(&PolicyNet::load(path)?).map_err(|e| PolicyError::Mismatch {
            path: path.display().to_string(),
            message: e.to_string(),
            fix: "retrain it with `npc-minds train-policy`",
        })
    }

    pub fn new(net: &PolicyNet) -> candle_core::Result<Self> {
        Ok(PolicyBackend {
            runner: PolicyRunner::new(net)?,
        })
    }
}

impl Backend for PolicyBackend {
    fn model_id(&self) -> String {
        format!("policy-obs{}", encoding::OBS_VERSION)
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        // Encode every job; bad ones fail alone (their NPC falls back to the utility AI).
        let mut rows: Vec<[f32; OBS_DIM]> = Vec::with_capacity(batch.len());
        let mut masks = Vec::with_capacity(batch.len());
        let mut slots: Vec<Result<usize, InferenceError>> = Vec::with_capacity(batch.len());
        for input in batch {
            slots.push(match input {
                JobInput::Policy(o) => match encode(o) {
                    Ok(x) => {
                        rows.push(x);
                        masks.push(action_mask(o));
                        Ok(rows.len() - 1)
                    }
                    Err(e) => Err(InferenceError::Backend(e.to_string())),
                },
                _ => Err(InferenceError::WrongInput),
            });
        }
        let decided = self.runner.decide(&rows, &masks);
        slots
            .into_iter()
            .map(|s| {
                s.map(|i| JobOutput::Policy {
                    action: decided[i].action,
                    scores: decided[i].probs.to_vec(),
                })
            })
            .collect()
    }
}
