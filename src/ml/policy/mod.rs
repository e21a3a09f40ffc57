//! The decision policy: observation encoding, the network, and the policy lane's backend, which
//! decides for every waiting NPC in one forward pass. When the weights are missing, corrupt or for
//! another encoding version, the lane is served by the utility AI and says why.

pub mod encoding;
pub mod net;
pub mod train;

use std::path::Path;

use crate::decide::action_mask;
use crate::inference::backends::fail_batch;
use crate::inference::{Backend, InferenceError, JobInput, JobOutput, StreamContext};
use encoding::{OBS_DIM, encode};
use net::{PolicyError, PolicyNet};

/// The network as the policy lane's backend.
pub struct PolicyBackend {
    pub net: PolicyNet,
}

impl PolicyBackend {
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        Ok(PolicyBackend {
            net: PolicyNet::load(path)?,
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
        let decided = match self.net.decide(&rows, &masks) {
            Ok(d) => d,
            Err(e) => {
                return fail_batch(batch, e);
            }
        };
        slots
            .into_iter()
            .map(|s| {
                s.map(|i| JobOutput::Policy {
                    action: decided[i].0,
                    scores: decided[i].1.clone(),
                })
            })
            .collect()
    }
}
