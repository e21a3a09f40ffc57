//! A conversation the batcher is decoding: its sequence, what is left of its prompt, what it has
//! generated, and how each sampled token becomes text sent to its caller (held back while it may
//! be the start of a stop string).

use std::time::Instant;

use candle_core::Tensor;

use super::{ChatEvent, ChatJob, Finish, sendable};
use crate::ml::lm::DialogueModel;
use crate::ml::lm::engine::Sequence;
use crate::ml::lm::sample::Sampler;

/// One conversation being decoded.
pub(super) struct Running {
    pub(super) job: ChatJob,
    pub(super) seq: Sequence,
    pub(super) pos: usize,
    pub(super) prompt_tokens: usize,
    /// The token to feed next.
    pub(super) last: u32,
    /// Prompt tokens not read yet (fed before the first token is sampled).
    pub(super) pending: Vec<u32>,
    /// A prefix (the system turn, a persona) not in the cache yet: once read, the sequence is
    /// cached for the next conversations that start with it.
    pub(super) to_cache: Option<Vec<u32>>,
    pub(super) generated: Vec<u32>,
    /// Bytes of the reply's text already sent.
    pub(super) sent: usize,
    pub(super) sampler: Sampler,
}

/// Why `r` should stop now (its client left or its deadline passed), if it should.
pub(super) fn still_wanted(r: &Running) -> Option<Finish> {
    if r.job.sink.closed() {
        return Some(Finish::Cancelled);
    }
    r.job
        .deadline
        .is_some_and(|d| Instant::now() > d)
        .then_some(Finish::Deadline)
}

/// Samples the next token of `r` from `logits` and sends what became sendable; `Some` when the
/// reply ends here.
pub(super) fn next_token(
    model: &DialogueModel,
    r: &mut Running,
    logits: &Tensor,
) -> Option<Finish> {
    if let Some(f) = still_wanted(r) {
        return Some(f);
    }
    let values = match logits.to_vec1::<f32>() {
        Ok(v) => v,
        Err(e) => {
            r.job.sink.send(ChatEvent::Failed(e.to_string()));
            return Some(Finish::Cancelled);
        }
    };
    let tok = r
        .sampler
        .sample(&values, r.job.params.repeat_penalty, &r.generated);
    let t = model.tokenizer();
    if !r.job.params.ignore_eos && [t.eos, t.im_end, t.im_start].contains(&tok) {
        return Some(flush(model, r, Finish::Stop));
    }
    r.generated.push(tok);
    r.last = tok;
    let text = model.tokenizer().decode(&r.generated).unwrap_or_default();
    if text.ends_with('\u{FFFD}') {
        return None; // half a character: wait for the rest of its bytes
    }
    let stops = &r.job.params.stop;
    if let Some(at) = stops
        .iter()
        .filter_map(|s| text.get(r.sent..)?.find(s.as_str()).map(|i| r.sent + i))
        .min()
    {
        send_text(r, &text[..at]);
        return Some(Finish::Stop);
    }
    let upto = sendable(&text, stops);
    if upto > r.sent && !send_text(r, &text[..upto]) {
        return Some(Finish::Cancelled);
    }
    (r.generated.len() >= r.job.params.max_tokens).then(|| flush(model, r, Finish::Length))
}

/// Sends `text[r.sent..]`; false when nobody listens.
fn send_text(r: &mut Running, text: &str) -> bool {
    let Some(new) = text.get(r.sent..).filter(|s| !s.is_empty()) else {
        return true;
    };
    let ok = r.job.sink.send(ChatEvent::Delta(new.to_string()));
    r.sent = text.len();
    ok
}

/// Sends what was held back for a possible stop string, then ends with `f`.
fn flush(model: &DialogueModel, r: &mut Running, f: Finish) -> Finish {
    let text = model.tokenizer().decode(&r.generated).unwrap_or_default();
    let text = text.trim_end_matches('\u{FFFD}');
    send_text(r, text);
    f
}

pub(super) fn finish(mut r: Running, f: Finish) {
    r.job.sink.send(ChatEvent::Done {
        finish: f,
        prompt_tokens: r.prompt_tokens,
        completion_tokens: r.generated.len(),
    });
}
