//! Open chat on the dialogue model: a ChatML prompt from any list of messages, and the batcher
//! that decodes every running conversation in one forward step per token (continuous batching:
//! a conversation joins at its first token and leaves at its last, without waiting for the
//! others). What the service's plain model id answers with, and what decodes its villagers' replies.
//! No Bevy and no async types: results go back through a [`ChatSink`] the caller supplies.
//!
//! `batcher` is the thread and its loop, `admit` starts a conversation (from the prefix cache when it
//! can), `running` is a conversation being decoded and how its tokens become text.

mod admit;
mod batcher;
mod running;

pub use batcher::{Batcher, BatcherLoad, ChatQueue};

use std::time::Instant;

use crate::ml::lm::DialogueModel;
use crate::ml::lm::llama::LmError;

/// Positions one conversation may use (prompt and reply). SmolLM2-135M was trained on 2,048.
pub(crate) const CONTEXT_TOKENS: usize = 2048;

/// The system turn used when the messages bring none.
pub(crate) const DEFAULT_SYSTEM: &str = "You are a helpful assistant. Answer briefly and plainly.";

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    fn tag(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// How to sample one reply.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatParams {
    /// 0 is greedy.
    pub temperature: f32,
    pub top_p: f32,
    pub max_tokens: usize,
    pub seed: u64,
    /// The reply ends before the first of these strings (which is not sent).
    pub stop: Vec<String>,
    /// The model's end of turn does not end the reply (benchmarks: every reply `max_tokens` long).
    pub ignore_eos: bool,
    /// Divides (or multiplies, when negative) the logits of tokens among the last
    /// [`REPEAT_WINDOW`](crate::ml::lm::sample::REPEAT_WINDOW) generated; 1 for none.
    pub repeat_penalty: f32,
}

/// Why a reply ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// The model ended its turn, or a stop string came.
    Stop,
    /// `max_tokens` was reached.
    Length,
    /// The caller went away.
    Cancelled,
    /// The request's deadline passed.
    Deadline,
}

impl Finish {
    /// The OpenAI `finish_reason` (none for a reply nobody reads).
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Finish::Stop => "stop",
            Finish::Length | Finish::Deadline => "length",
            Finish::Cancelled => "cancelled",
        }
    }
}

/// What the batcher tells the caller about one reply, in order: `Started`, any `Delta`s, then
/// `Done`; or a single `Rejected`/`Failed`.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// The prompt was read; the reply starts.
    Started { prompt_tokens: usize },
    /// More text of the reply.
    Delta(String),
    Done {
        finish: Finish,
        prompt_tokens: usize,
        completion_tokens: usize,
    },
    /// The request cannot be answered as asked (too long for the context).
    Rejected(String),
    /// The model failed.
    Failed(String),
}

/// Where a reply's events go.
pub trait ChatSink: Send {
    /// Delivers an event; false when nobody listens any more (the reply is then cancelled).
    fn send(&mut self, event: ChatEvent) -> bool;
    /// True once nobody listens (checked at every token, also when there is nothing to send).
    fn closed(&self) -> bool;
}

/// What the model reads before it replies.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatPrompt {
    /// A conversation in the OpenAI shape, templated by [`prompt_tokens`].
    Messages(Vec<Message>),
    /// A prompt already in tokens (a villager's grounded prompt); its first `cached` tokens (the
    /// persona) are kept in the prefix cache.
    Tokens { ids: Vec<u32>, cached: usize },
    /// No reply: these tokens are read into the prefix cache now, so that the first reply that
    /// starts with them does not read them (a villager's persona, while the service is idle).
    Warm(Vec<u32>),
}

/// One conversation to continue.
pub struct ChatJob {
    pub prompt: ChatPrompt,
    pub params: ChatParams,
    /// The reply ends with [`Finish::Deadline`] after this instant.
    pub deadline: Option<Instant>,
    pub sink: Box<dyn ChatSink>,
}

/// The prompt for `messages`: ChatML turns (the default system turn first when there is none),
/// then the assistant's opening; and how many of its tokens are the system turn (the part kept in
/// the prefix cache: games and clients send the same one again and again). Message text is
/// encoded as plain text, so that it cannot forge turns.
pub fn prompt_tokens(
    model: &DialogueModel,
    messages: &[Message],
) -> Result<(Vec<u32>, usize), LmError> {
    let t = model.tokenizer();
    let mut ids = Vec::new();
    let mut rest = messages;
    match messages.first() {
        Some(m) if m.role == Role::System => {
            ids.extend(t.encode("<|im_start|>system\n")?);
            ids.extend(t.encode_plain(&m.content)?);
            ids.extend(t.encode("<|im_end|>\n")?);
            rest = &messages[1..];
        }
        _ => ids.extend(t.encode(&format!("<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n"))?),
    }
    let system = ids.len();
    for m in rest {
        ids.extend(t.encode(&format!("<|im_start|>{}\n", m.role.tag()))?);
        ids.extend(t.encode_plain(&m.content)?);
        ids.extend(t.encode("<|im_end|>\n")?);
    }
    ids.extend(t.encode("<|im_start|>assistant\n")?);
    Ok((ids, system))
}

/// How much of `text` may be sent now: all of it but a tail that could be the start of a stop
/// string (held back until the next token decides).
pub(crate) fn sendable(text: &str, stops: &[String]) -> usize {
    let mut keep = text.len();
    for s in stops {
        for (i, _) in s.char_indices().skip(1) {
            let head = &s[..i];
            if text.ends_with(head) {
                keep = keep.min(text.len() - head.len());
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_only_what_may_begin_a_stop_string() {
        let stops = vec!["\nUser:".to_string(), "END".to_string()];
        assert_eq!(sendable("Hello there", &stops), 11);
        assert_eq!(sendable("Hello\nUs", &stops), 5);
        assert_eq!(sendable("Hello E", &stops), 6);
        assert_eq!(sendable("Hello EN", &stops), 6);
        assert_eq!(sendable("Hello", &[]), 5);
    }
}
