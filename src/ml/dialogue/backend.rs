//! The dialogue lane's backend: the language model, the sentence encoder that understands lines,
//! and the vocabulary that tells ordinary words from names, answering each request through
//! understand → plan → realise → validate.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::realise::{self, Reply, Sink};
use super::understand::Understander;
use super::voice::Voice;
use crate::decide::talk::ReplySpeed;
use crate::inference::backends::{Backend, StreamContext};
use crate::inference::{DialogueRequest, InferenceError, JobInput, JobOutput};
use crate::ml::encoder::SentenceEncoder;
use crate::ml::lm::llama::LmError;
use crate::ml::lm::model::DialogueModel;

/// Why the sentence encoder could not be had.
#[derive(Debug, thiserror::Error)]
enum EncoderUnavailable {
    #[error(transparent)]
    Files(crate::ml::model_files::FetchError),
    #[error(transparent)]
    Load(crate::ml::encoder::EncoderError),
}

/// Everything one dialogue reply needs.
pub struct Dialogue {
    /// What writes the replies: the lane's own model, or the service's batcher.
    pub voice: Voice,
    pub(crate) understander: Understander,
    common: Arc<HashSet<String>>,
    /// Personas whose prompt prefix is computed while the lane is idle (see [`Dialogue::warm_later`]).
    to_warm: Vec<String>,
    /// The longest a player waits for first words (see [`Dialogue::with_wait`]).
    wait: Option<std::time::Duration>,
}

impl Dialogue {
    /// Loads the language model at `gguf` and the pinned sentence encoder from `models`. Without
    /// the encoder, lines are understood from their words alone (and a warning is logged).
    pub fn load(
        gguf: &Path,
        models: &Path,
        threads: usize,
        log: &mut dyn FnMut(&str),
    ) -> Result<Self, LmError> {
        let model = DialogueModel::load(gguf, threads, log)?;
        let encoder = load_encoder(models, log);
        Ok(Self::new(
            Voice::Own(Box::new(model)),
            Understander::new(encoder),
        ))
    }

    /// As [`Dialogue::load`], with an encoder loaded elsewhere (the game's emotion lane reads
    /// with the same one).
    pub(crate) fn load_with_encoder(
        gguf: &Path,
        threads: usize,
        encoder: Option<Arc<SentenceEncoder>>,
        log: &mut dyn FnMut(&str),
    ) -> Result<Self, LmError> {
        let model = DialogueModel::load(gguf, threads, log)?;
        Ok(Self::new(
            Voice::Own(Box::new(model)),
            Understander::new(encoder),
        ))
    }

    pub(crate) fn new(voice: Voice, understander: Understander) -> Self {
        let common = Arc::new(voice.tokenizer().common_words());
        Dialogue {
            voice,
            understander,
            common,
            to_warm: Vec::new(),
            wait: None,
        }
    }

    /// Bounds the player's wait for first words: past it, the plan's template line is said
    /// instead of another attempt (the game and `chat`; evaluations run without it, so that their
    /// scores do not depend on the machine's speed).
    pub(crate) fn with_wait(mut self, wait: std::time::Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Computes these personas' prompt prefixes one by one while no reply is asked for, so that
    /// the first reply of each villager starts from the cache (the first in the list first).
    pub(crate) fn warm_later(mut self, personas: Vec<String>) -> Self {
        self.to_warm = personas;
        self.to_warm.reverse();
        self
    }

    /// Warms the next persona in the list, if any is left.
    fn warm_next(&mut self) {
        while let Some(persona) = self.to_warm.pop() {
            match self.voice.warm(&persona) {
                Ok(true) => return,
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!("could not warm a persona's prompt: {e}");
                    return;
                }
            }
        }
    }

    /// Answers one request.
    pub fn respond(
        &mut self,
        req: &DialogueRequest,
        sink: &mut dyn Sink,
    ) -> Result<Reply, LmError> {
        let recalled = super::recall::prepare(&mut self.understander, req)?;
        realise::respond(
            &mut self.voice,
            &mut self.understander,
            &self.common,
            recalled.as_ref().unwrap_or(req),
            self.wait,
            sink,
        )
    }
}

/// The pinned sentence encoder from `models`, or `None` (logged: lines are then understood from
/// their words alone).
pub(crate) fn load_encoder(
    models: &Path,
    log: &mut dyn FnMut(&str),
) -> Option<Arc<SentenceEncoder>> {
    match crate::ml::emotion::encoder_files(models)
        .map_err(EncoderUnavailable::Files)
        .and_then(|(_, dir)| SentenceEncoder::load(&dir).map_err(EncoderUnavailable::Load))
    {
        Ok(e) => Some(Arc::new(e)),
        Err(e) => {
            log(&format!(
                "warning: the sentence encoder is unavailable ({e}); lines are understood from \
                 their words alone"
            ));
            None
        }
    }
}

/// The sentence encoder two lanes share (the game's dialogue lane, understanding lines, and its
/// emotion lane): loaded once, by whichever lane starts first, the other waiting for it.
#[derive(Clone)]
pub(crate) struct SharedEncoder {
    models: PathBuf,
    cell: Arc<OnceLock<Option<Arc<SentenceEncoder>>>>,
}

impl SharedEncoder {
    pub(crate) fn new(models: PathBuf) -> Self {
        SharedEncoder {
            models,
            cell: Arc::default(),
        }
    }

    pub(crate) fn get(&self) -> Option<Arc<SentenceEncoder>> {
        self.cell
            .get_or_init(|| load_encoder(&self.models, &mut |l| tracing::info!("{l}")))
            .clone()
    }
}

/// Streams one job's accepted text into the pool.
pub(crate) struct LaneSink<'a> {
    ctx: &'a mut dyn StreamContext,
    index: usize,
}

/// One result per input of a dialogue batch: `answer` for each request, with a sink that streams
/// into the pool; `WrongInput` for any other input. The loop of every dialogue backend.
pub(crate) fn each_dialogue(
    batch: &[JobInput],
    ctx: &mut dyn StreamContext,
    mut answer: impl FnMut(&DialogueRequest, &mut LaneSink) -> Result<JobOutput, InferenceError>,
) -> Vec<Result<JobOutput, InferenceError>> {
    batch
        .iter()
        .enumerate()
        .map(|(index, input)| match input {
            JobInput::Dialogue(req) => answer(
                req,
                &mut LaneSink {
                    ctx: &mut *ctx,
                    index,
                },
            ),
            _ => Err(InferenceError::WrongInput),
        })
        .collect()
}

impl Sink for LaneSink<'_> {
    fn emit(&mut self, text: &str) {
        self.ctx.emit(self.index, text);
    }

    fn cancelled(&self) -> bool {
        self.ctx.is_cancelled(self.index)
    }
}

/// A sink that collects the text (for the terminal and tests).
#[derive(Default)]
pub struct Collect {
    pub text: String,
}

impl Sink for Collect {
    fn emit(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn cancelled(&self) -> bool {
        false
    }
}

/// The dialogue lane's backend on the real models.
pub struct DialogueBackend(pub Dialogue);

impl Backend for DialogueBackend {
    fn model_id(&self) -> String {
        self.0.voice.model_id().to_string()
    }

    fn idle(&mut self) {
        self.0.warm_next();
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        each_dialogue(batch, ctx, |req, sink| match self.0.respond(req, sink) {
            Ok(r) if r.stats.cancelled => Err(InferenceError::Cancelled),
            Ok(r) => {
                let mut record = r.record;
                record.speed = ReplySpeed {
                    tokens: r.stats.generated_tokens as u32,
                    first_token_secs: r.stats.ttft.as_secs_f32(),
                    decode_secs: r.stats.decode.as_secs_f32(),
                    prompt_tokens: r.stats.prompt_tokens as u32,
                };
                Ok(JobOutput::Dialogue {
                    text: r.text,
                    record: Some(Box::new(record)),
                })
            }
            Err(e) => Err(InferenceError::Backend(e.to_string())),
        })
    }
}
