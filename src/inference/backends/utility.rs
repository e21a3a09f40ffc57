//! The utility AI (`decide::utility`) as a policy-lane backend.

use super::{Backend, StreamContext, each_observation};
use crate::decide::utility::{decide, scores};
use crate::inference::protocol::{InferenceError, JobInput, JobOutput};

/// The utility AI as a policy-lane backend.
#[derive(Default)]
pub struct UtilityBackend;

impl Backend for UtilityBackend {
    fn model_id(&self) -> String {
        "utility-v1".into()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        each_observation(batch, |_, o| JobOutput::Policy {
            action: decide(o),
            scores: scores(o).to_vec(),
        })
    }
}
