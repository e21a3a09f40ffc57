//! What writes a villager's reply: the lane's own model (the game, the terminal), or the service's
//! batcher, which decodes it in the same forward steps as every other conversation the service is
//! answering (so villagers asked at once reply together, and the service holds one copy of the
//! model). Either way the reply comes back token by token, cut into sentences the same way
//! ([`super::generate::Sentences`]), and the caller may stop it at any token.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};

use super::generate::{Fed, Sentences};
use crate::inference::Sampling;
use crate::ml::lm::chat::{
    ChatEvent, ChatJob, ChatParams, ChatPrompt, ChatQueue, ChatSink, Finish,
};
use crate::ml::lm::llama::LmError;
use crate::ml::lm::model::{
    DialogueModel, Flow, Prompt, ReplyStats, Step, prefix_tokens, prompt_tokens,
};
use crate::ml::lm::tokenizer::GgufTokenizer;

/// How long a villager's reply waits for room in the batcher's queue before it fails.
const QUEUE_WAIT: Duration = Duration::from_secs(30);
/// How long a worker waits for the batcher's next event (a parked or long prompt included) before
/// it gives the reply up, so that a stuck batcher never holds a worker.
const EVENT_WAIT: Duration = Duration::from_secs(120);

pub enum Voice {
    /// The lane's own model (boxed: it is large beside a handle to the batcher).
    Own(Box<DialogueModel>),
    /// The service's batcher.
    Shared(SharedVoice),
}

impl Voice {
    pub fn tokenizer(&self) -> &GgufTokenizer {
        match self {
            Voice::Own(m) => m.tokenizer(),
            Voice::Shared(s) => &s.tok,
        }
    }

    pub(crate) fn model_id(&self) -> &str {
        match self {
            Voice::Own(m) => m.model_id(),
            Voice::Shared(s) => &s.model_id,
        }
    }

    /// The lane's own model, when it has one.
    pub fn own(&mut self) -> Option<&mut DialogueModel> {
        match self {
            Voice::Own(m) => Some(&mut **m),
            Voice::Shared(_) => None,
        }
    }

    /// Reads `persona`'s prompt prefix into the cache ahead of its first reply; whether there was
    /// work to do (with the batcher: whether it was queued, once per persona).
    pub(crate) fn warm(&mut self, persona: &str) -> Result<bool, LmError> {
        match self {
            Voice::Own(m) => m.warm(persona),
            Voice::Shared(s) => s.warm(persona),
        }
    }

    /// Generates a reply to `p` (see [`DialogueModel::generate`]).
    pub(crate) fn generate(
        &mut self,
        p: &Prompt,
        sampling: &Sampling,
        seed: u64,
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Result<ReplyStats, LmError> {
        match self {
            Voice::Own(m) => m.generate(p, sampling, seed, on_step),
            Voice::Shared(s) => s.generate(p, sampling, seed, on_step),
        }
    }
}

/// Replies decoded by the service's batcher.
pub struct SharedVoice {
    queue: ChatQueue,
    tok: Arc<GgufTokenizer>,
    model_id: String,
    warmed: HashSet<String>,
}

/// The batcher's events for one reply, into a channel the lane's worker reads. The worker raises
/// `gone` when it stops reading (the caller stopped the reply, or it failed): the batcher then ends
/// the reply at its next step, while its prompt is still being read too.
struct ToWorker {
    tx: Sender<ChatEvent>,
    gone: Arc<AtomicBool>,
}

impl ChatSink for ToWorker {
    fn send(&mut self, event: ChatEvent) -> bool {
        !self.closed() && self.tx.send(event).is_ok()
    }

    fn closed(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }
}

/// Raises the flag when the worker stops reading, however it leaves.
struct Leaving(Arc<AtomicBool>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl SharedVoice {
    pub(crate) fn new(queue: ChatQueue, tok: Arc<GgufTokenizer>, model_id: String) -> Self {
        SharedVoice {
            queue,
            tok,
            model_id,
            warmed: HashSet::new(),
        }
    }

    fn warm(&mut self, persona: &str) -> Result<bool, LmError> {
        if self.warmed.contains(persona) {
            return Ok(false);
        }
        let (tx, _rx) = unbounded();
        let job = ChatJob {
            prompt: ChatPrompt::Warm(prefix_tokens(&self.tok, persona)?),
            params: params(&Sampling::default(), 0),
            deadline: None,
            sink: Box::new(ToWorker {
                tx,
                gone: Arc::new(AtomicBool::new(false)),
            }),
        };
        // A full queue means the batcher is busy answering: warming waits for a quieter time.
        let queued = self.queue.try_submit(job).is_ok();
        if queued {
            self.warmed.insert(persona.to_string());
        }
        Ok(queued)
    }

    fn generate(
        &mut self,
        p: &Prompt,
        s: &Sampling,
        seed: u64,
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Result<ReplyStats, LmError> {
        let start = Instant::now();
        let (mut ids, rest) = prompt_tokens(&self.tok, p)?;
        let cached = ids.len();
        ids.extend(rest);
        let mut stats = ReplyStats {
            prompt_tokens: ids.len(),
            runs: 1,
            ..Default::default()
        };
        let (tx, rx) = unbounded();
        let gone = Arc::new(AtomicBool::new(false));
        let _leaving = Leaving(gone.clone());
        let job = ChatJob {
            prompt: ChatPrompt::Tokens { ids, cached },
            params: params(s, seed),
            deadline: None,
            sink: Box::new(ToWorker { tx, gone }),
        };
        if self.queue.submit_within(job, QUEUE_WAIT).is_err() {
            return Err(LmError::Batcher(format!(
                "the batcher's queue stayed full for {} s",
                QUEUE_WAIT.as_secs()
            )));
        }
        self.warmed.insert(p.persona.clone());
        let text = follow(&rx, p, start, &mut stats, on_step)?;
        if stats.generated_tokens == 0 && !text.is_empty() {
            // Stopped before the batcher's count came: the text holds the tokens so far.
            stats.generated_tokens = self.tok.encode_plain(&text)?.len();
        }
        Ok(stats)
    }
}

/// The batcher's parameters for the lane's sampling (a warm-up reads none of them).
fn params(s: &Sampling, seed: u64) -> ChatParams {
    ChatParams {
        temperature: s.temperature,
        top_p: s.top_p,
        max_tokens: s.max_tokens,
        seed,
        stop: Vec::new(),
        ignore_eos: false,
        repeat_penalty: if s.repeat_penalty > 1.0 {
            s.repeat_penalty
        } else {
            1.0
        },
    }
}

/// Reads one reply's events until it ends or the caller stops it; the reply's text.
fn follow(
    rx: &Receiver<ChatEvent>,
    p: &Prompt,
    start: Instant,
    stats: &mut ReplyStats,
    on_step: &mut (dyn FnMut(Step) -> Flow + Send),
) -> Result<String, LmError> {
    let mut sentences = Sentences::new(p);
    let mut text = String::new();
    let mut decode_started: Option<Instant> = None;
    let mut first = |stats: &mut ReplyStats| {
        if decode_started.is_none() {
            stats.ttft = start.elapsed();
            decode_started = Some(Instant::now());
        }
    };
    loop {
        let event = match rx.recv_timeout(EVENT_WAIT) {
            Ok(e) => e,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(LmError::Batcher("the batcher stopped".into()));
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(LmError::Batcher(format!(
                    "no word from the batcher for {} s",
                    EVENT_WAIT.as_secs()
                )));
            }
        };
        match event {
            ChatEvent::Started { .. } => {}
            ChatEvent::Delta(piece) => {
                first(stats);
                if on_step(Step::Token) == Flow::Stop {
                    stats.cancelled = true;
                    break;
                }
                text.push_str(&piece);
                match sentences.feed(&text, on_step) {
                    Fed::More => {}
                    Fed::Stopped => break,
                    Fed::LineBreak => {
                        sentences.end(&text, on_step);
                        break;
                    }
                }
            }
            ChatEvent::Done {
                finish,
                completion_tokens,
                ..
            } => {
                first(stats);
                stats.generated_tokens = completion_tokens;
                if finish == Finish::Stop {
                    sentences.end(&text, on_step);
                }
                break;
            }
            ChatEvent::Rejected(m) | ChatEvent::Failed(m) => return Err(LmError::Batcher(m)),
        }
    }
    stats.decode = decode_started.map(|t| t.elapsed()).unwrap_or_default();
    Ok(text)
}
