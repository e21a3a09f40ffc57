//! Generation: a reply sampled token by token after the prompt (the persona part from the prefix
//! cache), each completed sentence handed to the caller, who may stop it at any token.

use std::time::Instant;

use super::clean;
use crate::inference::Sampling;
use crate::ml::lm::draft;
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
        let drafts = self.drafts();
        self.reserve(&mut seq, rest.len() + s.max_tokens + drafts);
        let mut stats = ReplyStats {
            prompt_tokens: prefix.len() + rest.len(),
            cached_tokens: if cached { prefix.len() } else { 0 },
            runs: 1,
            ..Default::default()
        };
        let mut out = Decoded::new(self, p, s, seed);
        // What draft tokens are looked up in: the whole prompt, then the reply as it grows.
        let mut context = if drafts > 0 {
            [prefix.as_slice(), &rest].concat()
        } else {
            Vec::new()
        };
        let mut pos = prefix.len();
        let mut input = rest;
        // Draft tokens to propose next: halved after a draft that was wholly rejected, doubled
        // (up to `drafts`) after one wholly accepted, so that text the context does not predict
        // costs little.
        let mut lookahead = drafts;
        while out.end.is_none() && out.generated.len() < s.max_tokens {
            // The first step reads the prompt; each later one feeds the last token and, when the
            // context predicts what follows, the draft tokens after it.
            let room = s.max_tokens - out.generated.len() - 1;
            let draft = if out.first_token.is_some() {
                let tok = self.tokenizer();
                draft::draft(&context, lookahead.min(room), |t| tok.is_markup(t)).to_vec()
            } else {
                Vec::new()
            };
            let logits = if draft.is_empty() {
                self.forward(&mut seq, &input, pos)?.to_vec1::<f32>()?
            } else {
                let feed = [input.as_slice(), &draft].concat();
                self.forward_every(&mut seq, &feed, pos)?
            };
            pos += input.len() + draft.len();
            let taken = out.generated.len();
            let accepted = out.take_step(self, &logits, &draft, on_step)?;
            if drafts > 0 {
                context.extend_from_slice(&out.generated[taken..]);
            }
            stats.drafted_tokens += draft.len();
            stats.accepted_tokens += accepted;
            if !draft.is_empty() {
                lookahead = match accepted {
                    0 => (lookahead / 2).max(1),
                    a if a == draft.len() => (lookahead * 2).min(drafts),
                    _ => lookahead,
                };
            }
            // The rejected drafts leave the cache; the last token taken is fed next.
            if accepted < draft.len() && out.end.is_none() {
                pos -= draft.len() - accepted;
                self.truncate(&mut seq, pos)?;
            }
            input = out.generated.last().map(|&t| vec![t]).unwrap_or_default();
        }
        if out.end == Some(End::Ended) {
            let text = self.tokenizer().decode(&out.generated)?;
            out.sentences.end(&text, on_step);
        }
        stats.cancelled = out.end == Some(End::Cancelled);
        stats.generated_tokens = out.generated.len();
        if let Some(t) = out.first_token {
            stats.ttft = t - start;
            stats.decode = t.elapsed();
        }
        Ok(stats)
    }
}

/// How a reply's generation ended before its token limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The model ended its turn, or a line break did: the last sentence still counts.
    Ended,
    /// The caller stopped it at a sentence.
    Stopped,
    /// The caller stopped it at a token.
    Cancelled,
}

/// The reply being decoded: how its tokens are chosen, the tokens so far, its sentences.
struct Decoded<'p> {
    sampler: Sampler,
    penalty: f32,
    stops: [u32; 4],
    generated: Vec<u32>,
    sentences: Sentences<'p>,
    end: Option<End>,
    /// When the first token was chosen.
    first_token: Option<Instant>,
}

impl<'p> Decoded<'p> {
    fn new(m: &DialogueModel, p: &'p Prompt, s: &Sampling, seed: u64) -> Self {
        let t = m.tokenizer();
        Decoded {
            sampler: Sampler::new(seed, TokenChoice::new(s.temperature, s.top_p)),
            penalty: if s.repeat_penalty > 1.0 {
                s.repeat_penalty
            } else {
                1.0
            },
            stops: [t.eos, t.im_end, t.im_start, 0],
            generated: Vec::new(),
            sentences: Sentences::new(p),
            end: None,
            first_token: None,
        }
    }

    /// Takes what one step's logits give (a row after the token fed, then one after each draft
    /// token): each draft token the sampler keeps, then the sampler's own choice after the last
    /// kept one or in place of the first it does not keep, until the reply ends. Returns how many
    /// draft tokens were kept.
    fn take_step(
        &mut self,
        m: &DialogueModel,
        logits: &[f32],
        draft: &[u32],
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Result<usize, LmError> {
        let vocab = logits.len() / (draft.len() + 1);
        let mut accepted = 0;
        for (i, row) in logits.chunks_exact(vocab).enumerate() {
            let next = match draft.get(i) {
                Some(&d) => self.sampler.verify(row, self.penalty, &self.generated, d),
                None => self.sampler.sample(row, self.penalty, &self.generated),
            };
            self.first_token.get_or_insert_with(Instant::now);
            self.take(m, next, on_step)?;
            if self.end.is_some() || draft.get(i) != Some(&next) {
                break;
            }
            accepted += 1;
        }
        Ok(accepted)
    }

    /// Takes the chosen token `next`: the caller may cancel, a stop token ends the reply, else it
    /// joins the reply and any sentence it completes is reported.
    fn take(
        &mut self,
        m: &DialogueModel,
        next: u32,
        on_step: &mut (dyn FnMut(Step) -> Flow + Send),
    ) -> Result<(), LmError> {
        if on_step(Step::Token) == Flow::Stop {
            self.end = Some(End::Cancelled);
            return Ok(());
        }
        if self.stops.contains(&next) {
            self.end = Some(End::Ended);
            return Ok(());
        }
        self.generated.push(next);
        let text = m.tokenizer().decode(&self.generated)?;
        if text.ends_with('\u{FFFD}') {
            return Ok(()); // half a character: wait for the rest of its bytes
        }
        match self.sentences.feed(&text, on_step) {
            Fed::More => {}
            Fed::Stopped => self.end = Some(End::Stopped),
            Fed::LineBreak => self.end = Some(End::Ended),
        }
        Ok(())
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
