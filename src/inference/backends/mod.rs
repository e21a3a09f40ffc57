//! The trait every model backend implements, and adapters that need no model files: the utility AI
//! and random policies, scripted test backends, record and replay.

pub mod random;
pub mod record;
pub mod scripted;
pub mod utility;

use std::sync::Arc;

use super::protocol::{InferenceError, JobInput, JobOutput, Observation};

/// Lets a backend stream partial output and notice cancellation while it works. `Send` so that a
/// backend may run its work on a thread pool of its own.
pub trait StreamContext: Send {
    /// Sends a piece of output for the `index`-th job of the batch.
    fn emit(&mut self, index: usize, text: &str);
    /// True when the `index`-th job was cancelled or superseded, or the pool is shutting down.
    fn is_cancelled(&self, index: usize) -> bool;
}

/// A model behind a lane. One call handles a whole batch and returns one result per input, in order.
pub trait Backend: Send {
    /// Identifies the model (and its version) in records and reports.
    fn model_id(&self) -> String;
    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>>;
    /// Work to do while no job waits (warming a cache). Keep each call short: a job that arrives
    /// meanwhile waits for it.
    fn idle(&mut self) {}
}

/// The same error for every job of a batch (the whole forward pass failed).
pub(crate) fn fail_batch(
    batch: &[JobInput],
    e: impl std::fmt::Display,
) -> Vec<Result<JobOutput, InferenceError>> {
    let e = InferenceError::Backend(e.to_string());
    batch.iter().map(|_| Err(e.clone())).collect()
}

/// One result per input of a policy batch: `decide` for each observation, `WrongInput` for any
/// other input. The per-observation loop of every policy backend.
pub(crate) fn each_observation(
    batch: &[JobInput],
    mut decide: impl FnMut(&JobInput, &Observation) -> JobOutput,
) -> Vec<Result<JobOutput, InferenceError>> {
    batch
        .iter()
        .map(|input| match input {
            JobInput::Policy(o) => Ok(decide(input, o)),
            _ => Err(InferenceError::WrongInput),
        })
        .collect()
}

/// The text of every emotion job of a batch (empty for any other input, which reads as neutral).
pub(crate) fn emotion_texts(batch: &[JobInput]) -> Vec<&str> {
    batch
        .iter()
        .map(|i| match i {
            JobInput::Emotion { text } => text.as_str(),
            _ => "",
        })
        .collect()
}

/// Builds a backend; called again after a panic to get a fresh one.
pub type BackendFactory =
    Arc<dyn Fn() -> Result<Box<dyn Backend>, InferenceError> + Send + Sync + 'static>;

/// Wraps a closure as a [`BackendFactory`].
pub fn factory<F, B>(f: F) -> BackendFactory
where
    F: Fn() -> Result<B, InferenceError> + Send + Sync + 'static,
    B: Backend + 'static,
{
    Arc::new(move || f().map(|b| Box::new(b) as Box<dyn Backend>))
}

/// A lane whose model could not be had: it answers every job with the reason.
#[derive(Clone, Debug)]
pub(crate) struct UnavailableBackend {
    pub(crate) reason: String,
}

impl Backend for UnavailableBackend {
    fn model_id(&self) -> String {
        "unavailable".into()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        let e = InferenceError::Unavailable(self.reason.clone());
        batch.iter().map(|_| Err(e.clone())).collect()
    }
}

/// The factory of a lane whose model could not be had ([`UnavailableBackend`]).
pub fn unavailable(reason: impl Into<String>) -> BackendFactory {
    let reason = reason.into();
    factory(move || {
        Ok(UnavailableBackend {
            reason: reason.clone(),
        })
    })
}
