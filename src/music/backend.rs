//! The music lane's backend: the soundtrack's next bar per job, composed by the trained music model
//! and rendered by our synthesiser (`music::bars`). It keeps the piece going between jobs, so bars
//! join without a seam.

use std::path::PathBuf;
use std::sync::Arc;

use super::bars::BarRenderer;
use super::model::{MusicNet, load};
use crate::inference::backends::{Backend, BackendFactory, StreamContext};
use crate::inference::protocol::{InferenceError, JobInput, JobOutput};

pub(crate) struct MusicBackend {
    renderer: BarRenderer,
}

impl MusicBackend {
    pub(crate) fn new(net: Arc<MusicNet>, seed: u64) -> Result<Self, InferenceError> {
        BarRenderer::new(net, seed)
            .map(|renderer| MusicBackend { renderer })
            .map_err(|e| InferenceError::Unavailable(e.to_string()))
    }
}

/// A factory loading the model at `path` (on the lane's worker thread, off the frame). After a
/// panic the lane gets a fresh piece from the same seed.
pub fn factory(path: PathBuf, seed: u64) -> BackendFactory {
    Arc::new(move || {
        let net = load(&path).map_err(|e| InferenceError::Unavailable(e.to_string()))?;
        Ok(Box::new(MusicBackend::new(Arc::new(net), seed)?) as Box<dyn Backend>)
    })
}

impl Backend for MusicBackend {
    fn model_id(&self) -> String {
        "music-gru".into()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        batch
            .iter()
            .map(|input| match input {
                JobInput::Music { mood, style } => self
                    .renderer
                    .next(*mood, *style)
                    .map(|bar| JobOutput::Music(Box::new(bar)))
                    .map_err(|e| InferenceError::Backend(e.to_string())),
                _ => Err(InferenceError::WrongInput),
            })
            .collect()
    }
}
