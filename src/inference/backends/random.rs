//! A policy that picks uniformly among the possible actions: the floor every other policy is
//! compared against. Deterministic: the pick is a hash of the observation and the seed.

use super::utility::action_mask;
use super::{Backend, StreamContext};
use crate::inference::protocol::{Fnv, InferenceError, JobInput, JobOutput};
use crate::world::action::Action;

#[derive(Clone, Copy, Debug, Default)]
pub struct RandomBackend {
    pub seed: u64,
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
        batch
            .iter()
            .map(|input| {
                let JobInput::Policy(o) = input else {
                    return Err(InferenceError::WrongInput);
                };
                let mask = action_mask(o);
                let possible: Vec<Action> = Action::ALL
                    .into_iter()
                    .filter(|a| mask[a.index()])
                    .collect();
                let mut h = Fnv::default();
                h.write(input.stable_hash());
                h.write(self.seed);
                let action = possible[(h.finish() % possible.len() as u64) as usize];
                let scores = mask
                    .iter()
                    .map(|ok| {
                        if *ok {
                            1.0 / possible.len() as f32
                        } else {
                            0.0
                        }
                    })
                    .collect();
                Ok(JobOutput::Policy { action, scores })
            })
            .collect()
    }
}
