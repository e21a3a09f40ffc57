//! A policy that picks uniformly among the possible actions: the floor every other policy is
//! compared against. Deterministic: the pick is a hash of the observation and the seed.

use super::{Backend, StreamContext, each_observation};
use crate::decide::{Action, action_mask};
use crate::inference::protocol::{Fnv, InferenceError, JobInput, JobOutput};

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RandomBackend {
    pub(crate) seed: u64,
}

impl Backend for RandomBackend {
    fn model_id(&self) -> String {
        "random-v1".into()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        each_observation(batch, |input, o| {
            let mask = action_mask(o);
            let possible: Vec<Action> = Action::ALL
                .into_iter()
                .filter(|a| mask[a.index()])
                .collect();
            let mut h = Fnv::default();
            h.write(input.stable_hash());
            h.write(self.seed);
            let action = possible[(h.finish() % possible.len() as u64) as usize];
            let share = 1.0 / possible.len() as f32;
            let scores = mask
                .iter()
                .map(|ok| if *ok { share } else { 0.0 })
                .collect();
            JobOutput::Policy { action, scores }
        })
    }
}
