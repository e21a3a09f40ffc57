//! Loading the service's models, once, on a thread of its own while `/health` says "loading":
//! the batcher's model (open chats and villagers' replies), the dialogue lane's understanding and
//! planning of villagers' lines, the emotion classifier,
//! the policy, and the sentence encoder for embeddings.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::state::{Models, Shared};
use crate::inference::{Backend, BackendFactory, InferenceError, factory};
use crate::lanes::{self, LaneChoice, PoolPlan};
use crate::ml::dialogue::understand::Understander;
use crate::ml::dialogue::{Dialogue, DialogueBackend, SharedVoice, Voice};
use crate::ml::emotion::{self, EmotionBackend, EmotionClassifier};
use crate::ml::encoder::SentenceEncoder;
use crate::ml::lm::DialogueModel;
use crate::ml::lm::chat::Batcher;
use crate::ml::model_files;
use crate::sim::policy::{self, PolicyChoice};

/// Villagers understood and planned at once (each then waits on the batcher while it decodes).
const MAX_VILLAGER_WORKERS: usize = 8;

/// What to load.
#[derive(Clone, Debug)]
pub(crate) struct LoadOptions {
    /// Threads of each language model's own pool.
    pub(crate) threads: usize,
    /// The policy network's weights.
    pub(crate) policy_file: PathBuf,
}

/// A factory that hands out `first` (already loaded) once, then builds anew with `rebuild`
/// (after a backend panicked).
fn preloaded<B: Backend + 'static>(
    first: B,
    rebuild: impl Fn() -> Result<B, InferenceError> + Send + Sync + 'static,
) -> BackendFactory {
    let first = Mutex::new(Some(first));
    Arc::new(move || {
        let ready = first.lock().unwrap_or_else(|e| e.into_inner()).take();
        match ready {
            Some(b) => Ok(Box::new(b) as Box<dyn Backend>),
            None => rebuild().map(|b| Box::new(b) as Box<dyn Backend>),
        }
    })
}

fn as_unavailable(e: impl std::fmt::Display) -> InferenceError {
    InferenceError::Unavailable(e.to_string())
}

/// Why the service's models could not be loaded: what is missing and how to get it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    #[error(transparent)]
    Files(#[from] model_files::FetchError),
    #[error("the sentence encoder: {0}")]
    Encoder(#[from] crate::ml::encoder::EncoderError),
    #[error("the dialogue model: {0}")]
    Model(#[from] crate::ml::lm::llama::LmError),
    #[error("the batcher stopped while loading")]
    Batcher,
}

/// Loads everything; the error says what is missing and how to get it.
pub(crate) fn load(
    shared: &Shared,
    o: &LoadOptions,
    log: &mut dyn FnMut(&str),
) -> Result<Models, LoadError> {
    load_sized(shared.limits.max_batch, shared.limits.max_queue, o, log)
}

/// The same for a batcher of `max_batch` conversations and `max_queue` waiting (the service's
/// limits; `bench players` loads the same models this way).
pub(crate) fn load_sized(
    max_batch: usize,
    max_queue: usize,
    o: &LoadOptions,
    log: &mut dyn FnMut(&str),
) -> Result<Models, LoadError> {
    let dir = model_files::models_dir();
    let gguf = model_files::dialogue_model_path(log)?;
    let (_, enc_dir) = emotion::encoder_files(&dir)?;
    let encoder = Arc::new(SentenceEncoder::load(&enc_dir)?);
    let model = DialogueModel::load(&gguf, o.threads, log)?;
    let tokenizer = Arc::new(model.tokenizer().clone());
    let model_id = model.model_id().to_string();
    let batcher = Batcher::spawn(model, max_batch, max_queue);
    // Villagers reply through the batcher too, beside open chats: each of the dialogue lane's
    // workers understands and plans one villager's line, then follows its reply as the batcher
    // decodes it with the others.
    let queue = batcher.queue().ok_or(LoadError::Batcher)?;
    // The workers share the encoder and the embeddings of what they have understood.
    let understander = Understander::new(Some(encoder.clone()));
    let dialogue = factory(move || {
        let voice = SharedVoice::new(queue.clone(), tokenizer.clone(), model_id.clone());
        Ok(DialogueBackend(Dialogue::new(
            Voice::Shared(voice),
            understander.clone(),
        )))
    });
    let head = dir.join(emotion::HEAD_FILE);
    // The emotion lane reads with the same encoder as the dialogue workers and the embeddings route.
    let (emotion_lane, emotion) =
        match EmotionClassifier::with_encoder(&dir, &head, encoder.clone()) {
            Ok(c) => {
                let (d, e) = (dir.clone(), encoder.clone());
                let f = preloaded(EmotionBackend(c), move || {
                    EmotionClassifier::with_encoder(&d, &head, e.clone())
                        .map(EmotionBackend)
                        .map_err(as_unavailable)
                });
                (LaneChoice::Local(f), true)
            }
            Err(e) => {
                log(&format!(
                    "warning: the emotion model is unavailable ({e}); /v1/emotions answers 503"
                ));
                (LaneChoice::Unavailable(e.to_string()), false)
            }
        };
    let choice = PolicyChoice::Net(o.policy_file.clone());
    let pool = lanes::build(PoolPlan {
        dialogue: LaneChoice::Local(dialogue),
        emotion: emotion_lane,
        dialogue_workers: Some(max_batch.clamp(1, MAX_VILLAGER_WORKERS)),
        ..PoolPlan::scripted(policy::backend_factory(choice, |m| {
            eprintln!("warning: {m}")
        }))
    });
    Ok(Models {
        pool,
        batcher,
        encoder,
        emotion,
    })
}
