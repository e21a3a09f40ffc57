//! Raw speed of the dialogue model, for `npc-minds bench dialogue`: prompt processing through the
//! prefix cache (or cold) and greedy decoding with no stop rules and no checks.

use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};

use super::model::{DialogueModel, Prompt};
use crate::ml::llama::LmError;

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
    /// Measures `p`'s prompt (through the prefix cache unless `cold`) and `n` decoded tokens.
    pub fn measure(&mut self, p: &Prompt, n: usize, cold: bool) -> Result<SpeedRun, LmError> {
        if cold {
            self.clear_prefix_cache();
        }
        self.on_pool(|m| {
            let start = Instant::now();
            let (prefix, rest) = m.prompt_tokens(p)?;
            let (mut model, cached) = m.model_after_prefix(&prefix)?;
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
