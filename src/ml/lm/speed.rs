//! Raw speed of the dialogue model, for `npc-minds bench dialogue`: prompt processing through the
//! prefix cache (or cold) and greedy decoding with no stop rules and no checks.

use std::time::{Duration, Instant};

use super::model::{DialogueModel, Prompt};
use crate::ml::lm::llama::LmError;

/// Raw speed of one run: prompt processing then `n` greedy tokens, no stop rules.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpeedRun {
    pub(crate) prompt_tokens: usize,
    pub(crate) cached_tokens: usize,
    pub(crate) ttft: Duration,
    pub(crate) decode_tokens: usize,
    pub(crate) decode: Duration,
}

impl DialogueModel {
    /// Measures `p`'s prompt (through the prefix cache unless `cold`) and `n` decoded tokens.
    pub(crate) fn measure(
        &mut self,
        p: &Prompt,
        n: usize,
        cold: bool,
    ) -> Result<SpeedRun, LmError> {
        if cold {
            self.clear_prefix_cache();
        }
        self.on_pool(|m| {
            let start = Instant::now();
            let (prefix, rest) = m.prompt_tokens(p)?;
            let (mut seq, cached) = m.model_after_prefix(&prefix)?;
            m.reserve(&mut seq, rest.len() + n);
            let mut logits = m.forward(&mut seq, &rest, prefix.len())?;
            let mut next = logits.argmax(0)?.to_scalar::<u32>()?;
            let ttft = start.elapsed();
            let first = prefix.len() + rest.len();
            let t = Instant::now();
            for pos in first..first + n {
                logits = m.forward(&mut seq, &[next], pos)?;
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

/// A greedy continuation with the logits of every step.
pub struct Greedy {
    pub tokens: Vec<u32>,
    pub logits: Vec<Vec<f32>>,
}

impl DialogueModel {
    /// Feeds `prompt` to a fresh sequence and continues it greedily for `n` tokens, keeping every
    /// step's logits (for comparing engines on the same prompt).
    pub fn greedy(&mut self, prompt: &[u32], n: usize) -> Result<Greedy, LmError> {
        self.greedy_in_parts(&[prompt], n)
    }

    /// [`Self::greedy`] with the prompt fed in these pieces, one forward step each (as a cached
    /// persona prefix and the rest of the prompt are).
    pub fn greedy_in_parts(&mut self, parts: &[&[u32]], n: usize) -> Result<Greedy, LmError> {
        let prompt: Vec<u32> = parts.concat();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(LmError::Engine("an empty piece of prompt".into()));
        }
        self.on_pool(|m| {
            let mut seq = m.start();
            let mut out = Greedy {
                tokens: Vec::new(),
                logits: Vec::new(),
            };
            let mut pos = 0;
            let mut logits = None;
            for p in parts {
                logits = Some(m.forward(&mut seq, p, pos)?);
                pos += p.len();
            }
            let Some(mut logits) = logits else {
                return Err(LmError::Engine("no prompt to continue".into()));
            };
            for i in 0..n {
                let next = logits.argmax(0)?.to_scalar::<u32>()?;
                out.logits.push(logits.to_vec1::<f32>()?);
                out.tokens.push(next);
                if i + 1 < n {
                    logits = m.forward(&mut seq, &[next], prompt.len() + i)?;
                }
            }
            Ok(out)
        })
    }
}

/// Aggregate decoding speed of several conversations decoded together.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BatchRun {
    pub(crate) decode_tokens: usize,
    pub(crate) decode: Duration,
}

impl DialogueModel {
    /// Reads each prompt (not timed), then decodes `n` greedy tokens for all of them together,
    /// one batched step per token.
    pub(crate) fn measure_batch(
        &mut self,
        prompts: &[Prompt],
        n: usize,
    ) -> Result<BatchRun, LmError> {
        self.on_pool(|m| {
            let mut seqs = Vec::new();
            let mut next = Vec::new();
            let mut pos = Vec::new();
            for p in prompts {
                let (prefix, rest) = m.prompt_tokens(p)?;
                let (mut seq, _) = m.model_after_prefix(&prefix)?;
                m.reserve(&mut seq, rest.len() + n);
                let logits = m.forward(&mut seq, &rest, prefix.len())?;
                next.push(logits.argmax(0)?.to_scalar::<u32>()?);
                pos.push(prefix.len() + rest.len());
                seqs.push(seq);
            }
            let t = Instant::now();
            for _ in 0..n {
                let mut refs: Vec<_> = seqs.iter_mut().collect();
                let logits = m.step_batch(&mut refs, &next, &pos)?;
                for (i, l) in logits.iter().enumerate() {
                    next[i] = l.argmax(0)?.to_scalar::<u32>()?;
                    pos[i] += 1;
                }
            }
            Ok(BatchRun {
                decode_tokens: n * prompts.len(),
                decode: t.elapsed(),
            })
        })
    }
}
