//! The decision policy: observation encoding, the network, and the policy lane's backend, which
//! decides for every waiting NPC in one forward pass. When the weights are missing, corrupt or for
//! another encoding version, the lane is served by the utility AI and says why.

pub mod encoding;
pub mod net;
pub mod train;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::inference::backends::fail_batch;
use crate::inference::backends::random::RandomBackend;
use crate::inference::backends::utility::{UtilityBackend, action_mask};
use crate::inference::{
    Backend, BackendFactory, InferenceError, JobInput, JobOutput, StreamContext,
};
use encoding::{OBS_DIM, encode};
use net::{PolicyError, PolicyNet};

/// Which policy serves the decision lane.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyChoice {
    /// The hand-written utility AI.
    Utility,
    /// Uniform among possible actions.
    Random { seed: u64 },
    /// The network in this file (the utility AI when it cannot be loaded).
    Net(PathBuf),
}

impl PolicyChoice {
    /// Name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            PolicyChoice::Utility => "utility",
            PolicyChoice::Random { .. } => "random",
            PolicyChoice::Net(_) => "policy",
        }
    }
}

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

/// The decision lane's backend for `choice`. A network that cannot be loaded is reported once
/// through `warn` and replaced by the utility AI.
pub fn backend_factory(choice: PolicyChoice, warn: fn(&str)) -> BackendFactory {
    Arc::new(move || -> Result<Box<dyn Backend>, InferenceError> {
        Ok(match &choice {
            PolicyChoice::Utility => Box::new(UtilityBackend),
            PolicyChoice::Random { seed } => Box::new(RandomBackend { seed: *seed }),
            PolicyChoice::Net(path) => match PolicyBackend::load(path) {
                Ok(b) => Box::new(b),
                Err(e) => {
                    warn(&format!("{e}; the utility AI decides instead"));
                    Box::new(UtilityBackend)
                }
            },
        })
    })
}
