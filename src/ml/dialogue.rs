//! The dialogue model at work: ChatML prompt, KV-cached persona prefixes, seeded sampling, streamed
//! tokens, stop rules, and the `Backend` the dialogue lane runs. No Bevy types.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling as Sampler};
use candle_transformers::models::quantized_llama::ModelWeights;

use super::llama::{self, LmError};
use super::reply::{self, EchoGuard};
use super::tokenizer::GgufTokenizer;
use crate::inference::backends::{Backend, StreamContext};
use crate::inference::{DialogueRequest, InferenceError, JobInput, JobOutput};

/// System turns (persona, mood, facts) whose KV cache is kept.
const PREFIX_CACHE: usize = 16;
/// Tokens the prompt may take; older history is dropped first, then the line is cut.
const MAX_PROMPT_TOKENS: usize = 1024;
/// Tokens looked back at for the repeat penalty.
const REPEAT_WINDOW: usize = 64;

/// The facts as the system prompt lists them.
fn facts_text(facts: &[String]) -> String {
    if facts.is_empty() {
        return "\nYou know nothing about the missing bell that you are willing to share.".into();
    }
    let mut s = String::from("\nWhat you know (when the traveller asks about it, say it plainly):");
    for f in facts {
        s.push_str("\n- ");
        s.push_str(f);
    }
    s
}

/// Timings and counts of one reply.
#[derive(Clone, Debug, Default)]
pub struct ReplyStats {
    pub prompt_tokens: usize,
    /// Prompt tokens served from a cached persona prefix.
    pub cached_tokens: usize,
    pub generated_tokens: usize,
    /// From the call to the first sampled token.
    pub ttft: Duration,
    /// Time spent decoding after the first token.
    pub decode: Duration,
    pub cancelled: bool,
}

/// The dialogue model with its prefix cache and its own thread pool.
pub struct DialogueModel {
    base: ModelWeights,
    tok: GgufTokenizer,
    prefixes: Vec<(Vec<u32>, ModelWeights)>,
    threads: Arc<rayon::ThreadPool>,
    id: String,
}

impl DialogueModel {
    /// Loads the GGUF at `path` (requantising once). `threads` sizes the rayon pool that candle's float
    /// ops (attention, sampling) run on; its quantized matmuls use candle's own global pool, sized by
    /// [`super::set_candle_threads`].
    pub fn load(path: &Path, threads: usize, log: &mut dyn FnMut(&str)) -> Result<Self, LmError> {
        let lm = llama::load(path, log)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("npc-dialogue-{i}"))
            .build()
            .map_err(|e| LmError::Load {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(DialogueModel {
            base: lm.model,
            tok: lm.tokenizer,
            prefixes: Vec::new(),
            threads: Arc::new(pool),
            id: lm.id,
        })
    }

    pub fn model_id(&self) -> &str {
        &self.id
    }

    pub fn tokenizer(&self) -> &GgufTokenizer {
        &self.tok
    }

    /// Drops every cached prefix (for cold measurements).
    pub fn clear_prefix_cache(&mut self) {
        self.prefixes.clear();
    }

    /// The prompt as (prefix, rest) token ids. Player text is encoded so it cannot forge turns.
    pub fn prompt_tokens(&self, req: &DialogueRequest) -> Result<(Vec<u32>, Vec<u32>), LmError> {
        let t = &self.tok;
        // The whole system turn is the cached prefix: it changes only when the NPC's mood word, trust
        // band or allowed facts change.
        let system = format!(
            "{} {}\n{}{}",
            req.identity,
            req.instructions,
            req.mood,
            facts_text(&req.facts)
        );
        let prefix = t.encode(&format!("<|im_start|>system\n{system}<|im_end|>\n"))?;
        let mut turns: Vec<Vec<u32>> = Vec::new();
        for (player, npc) in &req.history {
            let mut ids = t.encode("<|im_start|>user\n")?;
            ids.extend(t.encode_plain(player)?);
            ids.extend(t.encode("<|im_end|>\n<|im_start|>assistant\n")?);
            ids.extend(t.encode_plain(npc)?);
            ids.extend(t.encode("<|im_end|>\n")?);
            turns.push(ids);
        }
        let mut line = t.encode_plain(&req.line)?;
        let open = t.encode("<|im_start|>user\n")?;
        let close = t.encode("<|im_end|>\n<|im_start|>assistant\n")?;
        let fixed = prefix.len() + open.len() + close.len();
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
        let mut rest = Vec::new();
        for turn in kept.into_iter().rev() {
            rest.extend(turn);
        }
        rest.extend(open);
        rest.extend(line);
        rest.extend(close);
        Ok((prefix, rest))
    }

    /// A model whose KV cache holds `prefix` (from the cache, or computed and cached now).
    fn model_after_prefix(&mut self, prefix: &[u32]) -> Result<(ModelWeights, bool), LmError> {
        if let Some(i) = self.prefixes.iter().position(|(p, _)| p == prefix) {
            let entry = self.prefixes.remove(i);
            let model = entry.1.clone();
            self.prefixes.push(entry); // most recently used last
            return Ok((model, true));
        }
        let mut model = self.base.clone();
        let input = Tensor::new(prefix, &Device::Cpu)?.unsqueeze(0)?;
        model.forward(&input, 0)?;
        if self.prefixes.len() >= PREFIX_CACHE {
            self.prefixes.remove(0);
        }
        self.prefixes.push((prefix.to_vec(), model.clone()));
        Ok((model, false))
    }

    /// Answers `req`, calling `on_text` with each new piece of text; stops early when it returns false.
    pub fn reply(
        &mut self,
        req: &DialogueRequest,
        on_text: &mut (dyn FnMut(&str) -> bool + Send),
    ) -> Result<(String, ReplyStats), LmError> {
        let pool = self.threads.clone();
        pool.install(|| self.reply_inner(req, on_text))
    }

    fn reply_inner(
        &mut self,
        req: &DialogueRequest,
        on_text: &mut (dyn FnMut(&str) -> bool + Send),
    ) -> Result<(String, ReplyStats), LmError> {
        let start = Instant::now();
        let name = (!req.speaker.is_empty()).then_some(req.speaker.as_str());
        let (prefix, rest) = self.prompt_tokens(req)?;
        let guard = EchoGuard::new(&format!("{}\n{}", req.instructions, req.mood));
        let (mut model, cached) = self.model_after_prefix(&prefix)?;
        let mut stats = ReplyStats {
            prompt_tokens: prefix.len() + rest.len(),
            cached_tokens: if cached { prefix.len() } else { 0 },
            ..Default::default()
        };
        let s = req.sampling;
        let sampler = if s.temperature <= 0.0 {
            Sampler::ArgMax
        } else {
            Sampler::TopKThenTopP {
                k: 50,
                p: s.top_p as f64,
                temperature: s.temperature as f64,
            }
        };
        let mut logits_proc = LogitsProcessor::from_sampling(req.seed, sampler);
        let stops = [self.tok.eos, self.tok.im_end, self.tok.im_start, 0];
        let mut pos = prefix.len();
        let mut input = rest;
        let mut generated: Vec<u32> = Vec::new();
        let mut emitted = 0usize;
        let mut decode_started = None;
        while generated.len() < s.max_tokens {
            let x = Tensor::new(input.as_slice(), &Device::Cpu)?.unsqueeze(0)?;
            let logits = model.forward(&x, pos)?.squeeze(0)?;
            pos += input.len();
            let logits = if s.repeat_penalty > 1.0 && !generated.is_empty() {
                let from = generated.len().saturating_sub(REPEAT_WINDOW);
                candle_transformers::utils::apply_repeat_penalty(
                    &logits,
                    s.repeat_penalty,
                    &generated[from..],
                )?
            } else {
                logits
            };
            let next = logits_proc.sample(&logits)?;
            if decode_started.is_none() {
                stats.ttft = start.elapsed();
                decode_started = Some(Instant::now());
            }
            if stops.contains(&next) {
                break;
            }
            generated.push(next);
            input = vec![next];
            let text = self.tok.decode(&generated)?;
            if text.ends_with('\u{FFFD}') {
                continue; // half a character: wait for the rest of its bytes
            }
            let clean = reply::strip_tags(&text, name);
            if guard.is_echo(&clean) {
                break;
            }
            // Stream only the cleaned text, only once a leading tag can no longer appear, and never
            // past the last sentence kept.
            let ends = reply::sentence_ends(&clean, false);
            let full = ends.len() >= reply::MAX_SENTENCES;
            let upto = if full {
                ends[reply::MAX_SENTENCES - 1]
            } else {
                clean.len()
            };
            if upto > emitted
                && clean.is_char_boundary(emitted)
                && (full || text.len() > 12 || clean.len() < text.len())
            {
                if !on_text(&clean[emitted..upto]) {
                    stats.cancelled = true;
                    break;
                }
                emitted = upto;
            }
            if full {
                break;
            }
        }
        stats.generated_tokens = generated.len();
        stats.decode = decode_started.map(|t| t.elapsed()).unwrap_or_default();
        let raw = self.tok.decode(&generated)?;
        Ok((reply::finish(&raw, name, &guard), stats))
    }
}

/// The dialogue lane's backend on the real model.
pub struct DialogueBackend {
    pub model: DialogueModel,
}

impl Backend for DialogueBackend {
    fn model_id(&self) -> String {
        self.model.model_id().to_string()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        batch
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let JobInput::Dialogue(req) = input else {
                    return Err(InferenceError::WrongInput);
                };
                let mut on_text = |piece: &str| {
                    if ctx.is_cancelled(i) {
                        return false;
                    }
                    ctx.emit(i, piece);
                    true
                };
                match self.model.reply(req, &mut on_text) {
                    Ok((_, stats)) if stats.cancelled => Err(InferenceError::Cancelled),
                    Ok((text, _)) => Ok(JobOutput::Dialogue { text }),
                    Err(e) => Err(InferenceError::Backend(e.to_string())),
                }
            })
            .collect()
    }
}

/// Raw speed of one run: prompt processing then `n` greedy tokens, no stop rules.
#[derive(Clone, Copy, Debug)]
pub struct SpeedRun {
    pub prompt_tokens: usize,
    pub cached_tokens: usize,
    pub ttft: Duration,
    pub decode_tokens: usize,
    pub decode: Duration,
}

impl DialogueModel {
    /// Measures `req`'s prompt (through the prefix cache unless `cold`) and `n` decoded tokens.
    pub fn measure(
        &mut self,
        req: &DialogueRequest,
        n: usize,
        cold: bool,
    ) -> Result<SpeedRun, LmError> {
        if cold {
            self.clear_prefix_cache();
        }
        let pool = self.threads.clone();
        pool.install(|| {
            let start = Instant::now();
            let (prefix, rest) = self.prompt_tokens(req)?;
            let (mut model, cached) = self.model_after_prefix(&prefix)?;
            let x = Tensor::new(rest.as_slice(), &Device::Cpu)?.unsqueeze(0)?;
            let mut logits = model.forward(&x, prefix.len())?.squeeze(0)?;
            let mut next = logits.argmax(0)?.to_scalar::<u32>()?;
            let ttft = start.elapsed();
            let first = prefix.len() + rest.len();
            let t = Instant::now();
            for pos in first..first + n {
                let x = Tensor::new(&[next], &Device::Cpu)?.unsqueeze(0)?;
                logits = model.forward(&x, pos)?.squeeze(0)?;
                next = logits.argmax(0)?.to_scalar::<u32>()?;
            }
            Ok(SpeedRun {
                prompt_tokens: prefix.len() + rest.len(),
                cached_tokens: if cached { prefix.len() } else { 0 },
                ttft,
                decode_tokens: n,
                decode: t.elapsed(),
            })
        })
    }
}
