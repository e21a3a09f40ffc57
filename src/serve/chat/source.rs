//! Where a reply's text comes from, as one stream of [`Piece`]s: the open-chat batcher (through
//! a channel its sink writes) or a villager's job on the pool's dialogue lane (through a ticket).
//! Each wait is bounded by the request's deadline.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use crate::inference::{InferenceError, JobOutput, PoolEvent};
use crate::ml::lm::chat::{ChatEvent, ChatSink};
use crate::serve::error::ApiError;
use crate::serve::state::Ticket;

/// A piece of the reply.
#[derive(Debug)]
pub(crate) enum Piece {
    Text(String),
    End(Ending),
    Error(ApiError),
}

/// How the reply ended.
#[derive(Debug, Default)]
pub(crate) struct Ending {
    pub(crate) finish: &'static str,
    pub(crate) prompt_tokens: usize,
    pub(crate) completion_tokens: usize,
    /// For a villager: what it planned and conveyed (our extension of the answer).
    pub(crate) record: Option<serde_json::Value>,
}

/// The batcher's sink: events into a channel; closed once the request is gone.
pub(crate) struct ChannelSink(pub UnboundedSender<ChatEvent>);

impl ChatSink for ChannelSink {
    fn send(&mut self, event: ChatEvent) -> bool {
        self.0.send(event).is_ok()
    }

    fn closed(&self) -> bool {
        self.0.is_closed()
    }
}

pub(crate) enum Source {
    Open(UnboundedReceiver<ChatEvent>),
    Villager {
        ticket: Ticket,
        /// Text streamed so far (the final text may add to it).
        streamed: String,
        /// The end, held back while the last piece of text goes out.
        end: Option<Ending>,
    },
}

impl Source {
    /// The next piece, or a 504 once `deadline` passes; `None` after the end.
    pub(crate) async fn next(&mut self, deadline: Instant, secs: u64) -> Option<Piece> {
        match tokio::time::timeout_at(deadline, self.next_inner()).await {
            Ok(p) => p,
            Err(_) => Some(Piece::Error(ApiError::timeout(secs))),
        }
    }

    async fn next_inner(&mut self) -> Option<Piece> {
        match self {
            Source::Open(rx) => loop {
                return Some(match rx.recv().await? {
                    ChatEvent::Started { .. } => continue,
                    ChatEvent::Delta(t) => Piece::Text(t),
                    ChatEvent::Done {
                        finish,
                        prompt_tokens,
                        completion_tokens,
                    } => Piece::End(Ending {
                        finish: finish.reason(),
                        prompt_tokens,
                        completion_tokens,
                        record: None,
                    }),
                    ChatEvent::Rejected(m) => {
                        Piece::Error(ApiError::bad_request("context_length_exceeded", m))
                    }
                    ChatEvent::Failed(m) => Piece::Error(ApiError::internal(m)),
                });
            },
            Source::Villager {
                ticket,
                streamed,
                end,
            } => Some(match end.take() {
                Some(e) => Piece::End(e),
                None => match ticket.next().await? {
                    PoolEvent::Partial { text, .. } => {
                        streamed.push_str(&text);
                        Piece::Text(text)
                    }
                    PoolEvent::Completed(c) => match c.result {
                        Ok(JobOutput::Dialogue { text, record }) => {
                            // Anything of the final text not streamed yet comes as one last piece
                            // (handed out by the caller before the end).
                            let rest = text.strip_prefix(streamed.as_str()).unwrap_or("");
                            let speed = record.as_ref().map(|r| r.speed).unwrap_or_default();
                            let ending = Ending {
                                finish: "stop",
                                prompt_tokens: speed.prompt_tokens as usize,
                                completion_tokens: speed.tokens as usize,
                                record: record.and_then(|r| serde_json::to_value(&*r).ok()),
                            };
                            if rest.is_empty() {
                                Piece::End(ending)
                            } else {
                                let rest = rest.to_string();
                                streamed.push_str(&rest);
                                *end = Some(ending);
                                Piece::Text(rest)
                            }
                        }
                        Ok(_) => {
                            Piece::Error(ApiError::internal("the dialogue lane answered oddly"))
                        }
                        Err(InferenceError::Expired) => Piece::Error(ApiError::busy("dialogue")),
                        Err(e) => Piece::Error(ApiError::internal(e.to_string())),
                    },
                },
            }),
        }
    }
}
