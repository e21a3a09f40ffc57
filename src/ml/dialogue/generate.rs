//! Generation: a reply sampled token by token after the prompt (the persona part from the prefix
//! cache), each completed sentence handed to the caller, who may stop it at any token.

use std::time::Instant;

use super::clean;
use crate::inference::Sampling;
use crate::ml::lm::llama::LmError;
use crate::ml::lm::model::{DialogueModel, Flow, Prompt, ReplyStats, Step};
use crate::ml::lm::sample::{Sampler, TokenChoice};

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
        let mut sampler = Sampler::new(seed, TokenChoice::new(s.temperature, s.top_p));
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
        let mut sentences = Sentences::new(p);
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
            let text = self.tokenizer().decode(&generated)?;
            if text.ends_with('\u{FFFD}') {
                continue; // half a character: wait for the rest of its bytes
            }
            match sentences.feed(&text, on_step) {
                Fed::More => {}
                Fed::Stopped => {
                    stopped = true;
                    break;
                }
                Fed::LineBreak => {
                    ended = true;
                    break;
                }
            }
        }
        if ended && !stopped {
            let text = self.tokenizer().decode(&generated)?;
            sentences.end(&text, on_step);
        }
        stats.generated_tokens = generated.len();
        stats.decode = decode_started.map(|t| t.elapsed()).unwrap_or_default();
        Ok(stats)
    }
}

/// What [`Sentences::feed`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fed {
    /// Go on generating.
    More,
    /// The caller answered [`Flow::Stop`] to a sentence.
    Stopped,
    /// A line break ends the reply: what follows is another turn or a list.
    LineBreak,
}

/// Cuts a reply's text, as it grows, into the sentences reported to the caller: the prefill comes
/// first, tags and a leading "Name:" are dropped, a line break ends the reply. Shared by the
/// model's own generation and by replies decoded in the service's batcher.
pub(super) struct Sentences<'a> {
    prefill: &'a str,
    speaker: &'a str,
    /// Bytes of the cleaned text already reported.
    done: usize,
}

impl<'a> Sentences<'a> {
    pub(super) fn new(p: &'a Prompt) -> Self {
        Sentences {
            prefill: &p.prefill,
            speaker: &p.speaker,
            done: 0,
        }
    }

    fn clean(&self, generated: &str) -> String {
        clean::strip_tags(&format!("{}{generated}", self.prefill), Some(self.speaker))
    }

    /// Reports the sentences `generated` (all the text so far, whole characters) completes.
    pub(super) fn feed(
        &mut self,
        generated: &str,
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Fed {
        let clean = self.clean(generated);
        let (clean, broke) = match clean.find('\n') {
            Some(i) => (&clean[..i], true),
            None => (clean.as_str(), false),
        };
        for end in clean::sentence_ends(clean, false) {
            if end <= self.done {
                continue;
            }
            let sentence = clean[self.done..end].trim().to_string();
            self.done = end;
            if on_step(Step::Sentence(&sentence)) == Flow::Stop {
                return Fed::Stopped;
            }
        }
        if broke { Fed::LineBreak } else { Fed::More }
    }

    /// The model ended its turn: an unpunctuated last sentence still counts.
    pub(super) fn end(&mut self, generated: &str, on_step: &mut (dyn FnMut(Step) -> Flow + Send)) {
        let clean = self.clean(generated);
        let clean = clean.split('\n').next().unwrap_or("");
        if self.done < clean.len() && clean.is_char_boundary(self.done) {
            let tail = clean[self.done..].trim();
            if tail.chars().any(char::is_alphabetic) {
                on_step(Step::Sentence(tail));
            }
        }
    }
}
