//! The dialogue language model at work: a ChatML prompt whose persona part stays in a KV cache,
//! seeded sampling, and generation that hands back each sentence as it completes (and checks for
//! cancellation at every token). What to say and whether a sentence may be said are decided by the
//! caller (`realise`). No Bevy types.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::ml::lm::engine::{Engine, EngineKind, Sequence};
use crate::ml::lm::llama::{self, LmError};
use crate::ml::lm::tokenizer::GgufTokenizer;

/// Persona prefixes whose KV cache is kept.
const PREFIX_CACHE: usize = 16;
/// Draft tokens verified per step by default (see [`DialogueModel::set_drafts`]).
pub const DRAFT_TOKENS: usize = 6;
/// Tokens the prompt may take; older history is dropped first, then the player's line is cut.
const MAX_PROMPT_TOKENS: usize = 1024;

/// One prompt: the persona (cached), the rest of the system turn, earlier turns, the player's
/// turn, and the start of the reply the model continues (may be empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prompt {
    pub persona: String,
    pub system: String,
    pub history: Vec<(String, String)>,
    pub user: String,
    pub prefill: String,
    /// The villager's name: a "Name:" the model writes before its reply is dropped.
    pub speaker: String,
}

/// What generation reports to its caller.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// A token was sampled (a chance to cancel).
    Token,
    /// A sentence of the reply is complete (the prefill is part of the first one).
    Sentence(&'a str),
}

/// The caller's answer to a [`Step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Timings and counts of one reply (summed over its attempts).
#[derive(Clone, Debug, Default)]
pub struct ReplyStats {
    pub prompt_tokens: usize,
    /// Prompt tokens served from a cached persona prefix.
    pub cached_tokens: usize,
    pub generated_tokens: usize,
    /// From the first call to the first sampled token.
    pub(crate) ttft: Duration,
    /// Time spent decoding after the first token.
    pub(crate) decode: Duration,
    /// Understanding and planning the line, before generation starts.
    pub(crate) understand: Duration,
    /// Generation runs (attempts).
    pub runs: usize,
    /// Draft tokens proposed to verification (speculative decoding), and those accepted.
    pub drafted_tokens: usize,
    pub accepted_tokens: usize,
    pub cancelled: bool,
}

impl ReplyStats {
    /// Adds a later attempt's counts (the time to first token stays the first attempt's).
    pub(crate) fn add(&mut self, other: &ReplyStats) {
        if self.runs == 0 {
            self.ttft = other.ttft;
        }
        self.prompt_tokens += other.prompt_tokens;
        self.cached_tokens += other.cached_tokens;
        self.generated_tokens += other.generated_tokens;
        self.decode += other.decode;
        self.drafted_tokens += other.drafted_tokens;
        self.accepted_tokens += other.accepted_tokens;
        self.runs += other.runs.max(1);
        self.cancelled |= other.cancelled;
    }
}

/// The dialogue model with its prefix cache and its own thread pool.
pub struct DialogueModel {
    engine: Engine,
    tok: GgufTokenizer,
    prefixes: Vec<(Vec<u32>, Sequence)>,
    threads: Arc<rayon::ThreadPool>,
    id: String,
    /// Draft tokens verified per step (0: plain decoding).
    drafts: usize,
}

impl DialogueModel {
    /// Loads the GGUF at `path` for the engine `NPC_MINDS_LM_ENGINE` names (ours on the Q4_1
    /// blocks by default).
    pub fn load(path: &Path, threads: usize, log: &mut dyn FnMut(&str)) -> Result<Self, LmError> {
        let kind = EngineKind::from_env().map_err(LmError::Engine)?;
        Self::load_engine(path, kind, threads, log)
    }

    /// Loads the GGUF at `path` for `kind` (requantising once). `threads` sizes the model's own
    /// rayon pool, on which our engine does all its work (candle's engine runs its float ops
    /// there, its quantized matmuls on candle's pool, see [`crate::ml::set_candle_threads`]).
    pub fn load_engine(
        path: &Path,
        kind: EngineKind,
        threads: usize,
        log: &mut dyn FnMut(&str),
    ) -> Result<Self, LmError> {
        let lm = llama::load(path, kind, log)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("npc-dialogue-{i}"))
            .build()
            .map_err(|e| LmError::Load {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(DialogueModel {
            engine: lm.engine,
            tok: lm.tokenizer,
            prefixes: Vec::new(),
            threads: Arc::new(pool),
            id: lm.id,
            drafts: DRAFT_TOKENS,
        })
    }

    /// Speculative decoding: up to `n` draft tokens looked up in the reply's own context are
    /// verified with each step (0: one token per step). Greedy output is the same either way and
    /// sampled output has the same distribution. Candle's engine always decodes plainly.
    pub fn set_drafts(&mut self, n: usize) {
        self.drafts = n;
    }

    /// Draft tokens verified per step; 0 when this engine decodes plainly.
    pub(crate) fn drafts(&self) -> usize {
        if self.engine.verifies_drafts() {
            self.drafts
        } else {
            0
        }
    }

    pub(crate) fn model_id(&self) -> &str {
        &self.id
    }

    /// The same model computing with kernel `k` (our engine; tests compare kernels). Cached
    /// prefixes are dropped.
    ///
    /// # Panics
    /// When the engine cannot switch kernels (candle's).
    pub fn with_kernel(mut self, k: crate::ml::lm::Kernel) -> Self {
        self.prefixes.clear();
        assert!(
            self.engine.set_kernel(k),
            "this engine has no kernel choice"
        );
        self
    }

    /// Bytes of weights one decoded token reads (our engine; `None` for candle's).
    pub(crate) fn bytes_per_token(&self) -> Option<usize> {
        self.engine.bytes_per_token()
    }

    /// What computes the model (engine, weights, kernel), for reports.
    pub(crate) fn engine(&self) -> String {
        self.engine.describe()
    }

    pub fn tokenizer(&self) -> &GgufTokenizer {
        &self.tok
    }

    /// Drops every cached prefix (for cold measurements).
    pub fn clear_prefix_cache(&mut self) {
        self.prefixes.clear();
    }

    /// Computes and caches `persona`'s prefix now (when nothing else waits), so that the first
    /// reply in that voice starts from the cache. Returns whether there was work to do.
    pub fn warm(&mut self, persona: &str) -> Result<bool, LmError> {
        let prefix = prefix_tokens(&self.tok, persona)?;
        if self.prefixes.iter().any(|(p, _)| *p == prefix) {
            return Ok(false);
        }
        self.on_pool(|m| m.model_after_prefix(&prefix))
            .map(|_| true)
    }

    /// The prompt as (cached prefix, rest): see [`prompt_tokens`].
    pub(crate) fn prompt_tokens(&self, p: &Prompt) -> Result<(Vec<u32>, Vec<u32>), LmError> {
        prompt_tokens(&self.tok, p)
    }

    /// A model whose KV cache holds `prefix` (from the cache, or computed and cached now).
    pub(crate) fn model_after_prefix(
        &mut self,
        prefix: &[u32],
    ) -> Result<(Sequence, bool), LmError> {
        if let Some(seq) = self.cached_prefix(prefix) {
            return Ok((seq, true));
        }
        let mut seq = self.engine.start();
        self.engine.forward(&mut seq, prefix, 0)?;
        self.keep_prefix(prefix, &seq);
        Ok((seq, false))
    }

    /// A copy of the sequence cached after `prefix`, if there is one.
    pub(crate) fn cached_prefix(&mut self, prefix: &[u32]) -> Option<Sequence> {
        let i = self.prefixes.iter().position(|(p, _)| p == prefix)?;
        let entry = self.prefixes.remove(i);
        let seq = entry.1.clone();
        self.prefixes.push(entry); // most recently used last
        Some(seq)
    }

    /// Caches `seq`, which has read exactly `prefix` (the least recently used entry makes room).
    pub(crate) fn keep_prefix(&mut self, prefix: &[u32], seq: &Sequence) {
        if self.prefixes.iter().any(|(p, _)| p == prefix) {
            return;
        }
        if self.prefixes.len() >= PREFIX_CACHE {
            self.prefixes.remove(0);
        }
        self.prefixes.push((prefix.to_vec(), seq.clone()));
    }

    /// A new, empty sequence.
    pub(crate) fn start(&self) -> Sequence {
        self.engine.start()
    }

    /// One decoding step for several sequences (see [`Engine::step_batch`]).
    pub(crate) fn step_batch(
        &mut self,
        seqs: &mut [&mut Sequence],
        tokens: &[u32],
        positions: &[usize],
    ) -> Result<Vec<candle_core::Tensor>, LmError> {
        self.engine.step_batch(seqs, tokens, positions)
    }

    /// One step for several sequences, each fed its own tokens (see [`Engine::step_feeds`]).
    pub(crate) fn step_feeds(
        &mut self,
        seqs: &mut [&mut Sequence],
        feeds: &[&[u32]],
        positions: &[usize],
    ) -> Result<Vec<candle_core::Tensor>, LmError> {
        self.engine.step_feeds(seqs, feeds, positions)
    }

    /// Makes room in `seq` for `more` positions.
    pub(crate) fn reserve(&self, seq: &mut Sequence, more: usize) {
        self.engine.reserve(seq, more);
    }

    /// Feeds `tokens` at `pos` of `seq`; the logits after the last one.
    pub(crate) fn forward(
        &mut self,
        seq: &mut Sequence,
        tokens: &[u32],
        pos: usize,
    ) -> Result<candle_core::Tensor, LmError> {
        self.engine.forward(seq, tokens, pos)
    }

    /// Feeds `tokens` at `pos` of `seq`; the logits after every one of them, one row each.
    pub(crate) fn forward_every(
        &mut self,
        seq: &mut Sequence,
        tokens: &[u32],
        pos: usize,
    ) -> Result<Vec<f32>, LmError> {
        self.engine.forward_every(seq, tokens, pos)
    }

    /// Cuts `seq` back to its first `len` positions.
    pub(crate) fn truncate(&self, seq: &mut Sequence, len: usize) -> Result<(), LmError> {
        self.engine.truncate(seq, len)
    }

    /// Runs `f` on the model's own thread pool.
    pub(crate) fn on_pool<R: Send>(&mut self, f: impl FnOnce(&mut Self) -> R + Send) -> R {
        let pool = self.threads.clone();
        pool.install(|| f(self))
    }
}

/// The cached part of a prompt: the system turn's opening with the persona.
pub(crate) fn prefix_tokens(t: &GgufTokenizer, persona: &str) -> Result<Vec<u32>, LmError> {
    Ok(t.encode(&format!("<|im_start|>system\n{persona}\n"))?)
}

/// The prompt as (cached prefix, rest). Player text and earlier replies are encoded so that
/// they cannot forge turns.
pub(crate) fn prompt_tokens(
    t: &GgufTokenizer,
    p: &Prompt,
) -> Result<(Vec<u32>, Vec<u32>), LmError> {
    let prefix = prefix_tokens(t, &p.persona)?;
    let system = t.encode(&format!("{}<|im_end|>\n", p.system))?;
    let mut turns: Vec<Vec<u32>> = Vec::new();
    for (player, npc) in &p.history {
        let mut ids = t.encode("<|im_start|>user\n")?;
        ids.extend(t.encode_plain(player)?);
        ids.extend(t.encode("<|im_end|>\n<|im_start|>assistant\n")?);
        ids.extend(t.encode_plain(npc)?);
        ids.extend(t.encode("<|im_end|>\n")?);
        turns.push(ids);
    }
    let mut line = t.encode_plain(&p.user)?;
    let open = t.encode("<|im_start|>user\n")?;
    let close = t.encode("<|im_end|>\n<|im_start|>assistant\n")?;
    let prefill = if p.prefill.is_empty() {
        Vec::new()
    } else {
        t.encode_plain(&p.prefill)?
    };
    let fixed = prefix.len() + system.len() + open.len() + close.len() + prefill.len();
    let budget = MAX_PROMPT_TOKENS.saturating_sub(fixed + 16);
    line.truncate(budget);
    let mut used = line.len();
    let mut kept = Vec::new();
    for turn in turns.into_iter().rev() {
        if used + turn.len() > budget {
            break;
        }
        used += turn.len();
        kept.push(turn);
    }
    let mut rest = system;
    for turn in kept.into_iter().rev() {
        rest.extend(turn);
    }
    rest.extend(open);
    rest.extend(line);
    rest.extend(close);
    rest.extend(prefill);
    Ok((prefix, rest))
}
