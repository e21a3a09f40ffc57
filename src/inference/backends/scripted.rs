//! A deterministic scripted backend for tests and benches: fixed latency, failures and panics
//! chosen from a hash of the input, so the same inputs always behave the same.

use std::time::Duration;

use super::{Backend, StreamContext};
use crate::decide::Action;
use crate::inference::protocol::{Fnv, InferenceError, JobInput, JobOutput};
use crate::inference::soundtrack::RenderedBar;

/// Scripted behaviour; every field is deterministic given the inputs.
#[derive(Clone, Debug, Default)]
pub struct ScriptedBackend {
    /// Time spent per backend call (per batch).
    pub latency: Duration,
    /// Time spent per streamed dialogue token.
    pub token_latency: Duration,
    /// Share of inputs, in [0, 1], that return an error.
    pub failure_rate: f64,
    /// Share of calls, in [0, 1], that panic.
    pub panic_rate: f64,
    pub seed: u64,
}

impl ScriptedBackend {
    fn roll(&self, input: &JobInput, salt: u64) -> f64 {
        let mut h = Fnv::default();
        h.write(input.stable_hash());
        h.write(self.seed ^ salt);
        (h.finish() % 1_000_000) as f64 / 1_000_000.0
    }

    fn answer(&self, input: &JobInput, index: usize, ctx: &mut dyn StreamContext) -> JobOutput {
        let pick = |n: usize| (input.stable_hash() ^ self.seed) as usize % n;
        match input {
            JobInput::Policy(_) => {
                let action = Action::ALL[pick(Action::ALL.len())];
                let mut scores = vec![0.0; Action::ALL.len()];
                scores[action.index()] = 1.0;
                JobOutput::Policy { action, scores }
            }
            JobInput::Emotion { .. } => JobOutput::Emotion {
                label: crate::decide::EmotionLabel::Neutral,
                scores: vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
                vad: [0.0; 3],
            },
            JobInput::Dialogue(req) => {
                let words = [
                    "Good",
                    " day",
                    " to",
                    " you,",
                    " traveller.",
                    " The",
                    " bell",
                    " rings",
                    " no",
                    " more.",
                ];
                let mut text = String::new();
                for w in words.iter().cycle().take(req.sampling.max_tokens.max(1)) {
                    if ctx.is_cancelled(index) {
                        break;
                    }
                    std::thread::sleep(self.token_latency);
                    ctx.emit(index, w);
                    text.push_str(w);
                }
                JobOutput::Dialogue { text, record: None }
            }
            // A bar of silence (a hundred stereo samples; the scripted lane composes nothing).
            JobInput::Music { .. } => JobOutput::Music(Box::new(RenderedBar {
                samples: vec![0.0; 200],
                ..RenderedBar::default()
            })),
        }
    }
}

impl Backend for ScriptedBackend {
    fn model_id(&self) -> String {
        format!("scripted-{}", self.seed)
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        std::thread::sleep(self.latency);
        if batch
            .first()
            .is_some_and(|i| self.roll(i, 0x9a1c) < self.panic_rate)
        {
            panic!("scripted panic");
        }
        batch
            .iter()
            .enumerate()
            .map(|(i, input)| {
                if self.roll(input, 0x5eed) < self.failure_rate {
                    Err(InferenceError::Backend("scripted failure".into()))
                } else {
                    Ok(self.answer(input, i, ctx))
                }
            })
            .collect()
    }
}
