//! Generation: a reply sampled token by token after the prompt (the persona part from the prefix
//! cache), each completed sentence handed to the caller, who may stop it at any token.

use std::time::Instant;

use super::clean;
use super::model::{DialogueModel, Flow, Prompt, ReplyStats, Step};
use crate::inference::Sampling;
use crate::ml::llama::LmError;
use crate::ml::lm::sample::{Sampler, Sampling as Mode};

impl DialogueModel {
    /// Generates a reply to `p`, reporting every token and every completed sentence to `on_step`
    /// until it answers [`Flow::Stop`], the model ends its turn, a line breaks, or
    /// `sampling.max_tokens` is reached (an unfinished last sentence is then dropped).
    pub fn generate(
        &mut self,
        p: &Prompt,
        sampling: &Sampling,
        seed: u64,
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Result<ReplyStats, LmError> {
        self.on_pool(|m| m.generate_inner(p, sampling, seed, on_step))
    }

    fn generate_inner(
        &mut self,
        p: &Prompt,
        s: &Sampling,
        seed: u64,
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Result<ReplyStats, LmError> {
        let start = Instant::now();
        let (prefix, rest) = self.prompt_tokens(p)?;
        let (mut seq, cached) = self.model_after_prefix(&prefix)?;
        self.reserve(&mut seq, rest.len() + s.max_tokens);
        let mut stats = ReplyStats {
            prompt_tokens: prefix.len() + rest.len(),
            cached_tokens: if cached { prefix.len() } else { 0 },
            runs: 1,
            ..Default::default()
        };
        let mut sampler = Sampler::new(seed, Mode::new(s.temperature, s.top_p));
        let penalty = if s.repeat_penalty > 1.0 {
            s.repeat_penalty
        } else {
            1.0
        };
        let stops = [
            self.tokenizer().eos,
            self.tokenizer().im_end,
            self.tokenizer().im_start,
            0,
        ];
        let mut pos = prefix.len();
        let mut input = rest;
        let mut generated: Vec<u32> = Vec::new();
        let mut done = 0usize; // bytes of the cleaned text already reported as sentences
        let mut decode_started = None;
        let mut ended = false;
        let mut stopped = false;
        while generated.len() < s.max_tokens {
            let logits = self.forward(&mut seq, &input, pos)?;
            pos += input.len();
            let next = sampler.sample(&logits.to_vec1::<f32>()?, penalty, &generated);
            if decode_started.is_none() {
                stats.ttft = start.elapsed();
                decode_started = Some(Instant::now());
            }
            if on_step(Step::Token) == Flow::Stop {
                stats.cancelled = true;
                stopped = true;
                break;
            }
            if stops.contains(&next) {
                ended = true;
                break;
            }
            generated.push(next);
            input = vec![next];
            let text = format!("{}{}", p.prefill, self.tokenizer().decode(&generated)?);
            if text.ends_with('\u{FFFD}') {
                continue; // half a character: wait for the rest of its bytes
            }
            let clean = clean::strip_tags(&text, Some(&p.speaker));
            // A line break ends the reply: what follows is another turn or a list.
            let (clean, broke) = match clean.find('\n') {
                Some(i) => (clean[..i].to_string(), true),
                None => (clean, false),
            };
            for end in clean::sentence_ends(&clean, false) {
                if end <= done {
                    continue;
                }
                let sentence = clean[done..end].trim().to_string();
                done = end;
                if on_step(Step::Sentence(&sentence)) == Flow::Stop {
                    stopped = true;
                    break;
                }
            }
            if stopped {
                break;
            }
            if broke {
                ended = true;
                break;
            }
        }
        if ended && !stopped {
            // The model ended its turn: an unpunctuated last sentence still counts.
            let text = format!("{}{}", p.prefill, self.tokenizer().decode(&generated)?);
            let clean = clean::strip_tags(&text, Some(&p.speaker));
            let clean = clean.split('\n').next().unwrap_or("");
            if done < clean.len() && clean.is_char_boundary(done) {
                let tail = clean[done..].trim();
                if tail.chars().any(char::is_alphabetic) {
                    on_step(Step::Sentence(tail));
                }
            }
        }
        stats.generated_tokens = generated.len();
        stats.decode = decode_started.map(|t| t.elapsed()).unwrap_or_default();
        Ok(stats)
    }
}
