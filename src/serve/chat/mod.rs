//! `POST /v1/chat/completions`: a plain model id is open chat on the batcher (continuous
//! batching); `npc:NAME` is that villager answering through the grounded dialogue on the pool's
//! dialogue lane. Answers whole, or streamed as server-sent events (`data: {chunk}` lines, then
//! `data: [DONE]`).

mod request;
mod source;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc::unbounded_channel;
use tokio::time::Instant;

use self::request::{ChatRequest, villager, villager_turns};
use self::source::{ChannelSink, Ending, Piece, Source};
use super::CHAT_MODEL;
use super::error::ApiError;
use super::state::Shared;
use crate::inference::{JobInput, Lane};
use crate::ml::dialogue::request::{self as dialogue, Turn};
use crate::ml::lm::chat::{ChatJob, ChatPrompt};

/// Sampling defaults for open chat when the request leaves them out (a 135M model wanders at
/// OpenAI's default temperature of 1).
const OPEN_DEFAULTS: (f32, f32) = (0.7, 0.9);

/// What every chunk and answer of one request repeats.
struct Head {
    id: String,
    created: u64,
    model: String,
}

impl Head {
    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    }
}

fn usage(e: &Ending) -> Value {
    json!({
        "prompt_tokens": e.prompt_tokens,
        "completion_tokens": e.completion_tokens,
        "total_tokens": e.prompt_tokens + e.completion_tokens,
    })
}

/// The handler.
pub(crate) async fn completions(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let arrived = Instant::now();
    let req: ChatRequest = super::body(body, shared.limits.max_body)?;
    let messages = req.messages()?;
    let models = shared.models()?;
    let secs = shared.limits.timeout.as_secs();
    let deadline = arrived + shared.limits.timeout;
    let head = Head {
        id: format!("chatcmpl-{:016x}", shared.next_id()),
        created: super::unix_now(),
        model: req.model.clone(),
    };
    let mut source = match villager(&req.model, &shared.cast) {
        Some(npc) => {
            let npc = npc?;
            let ext = req.npc_minds.as_ref();
            let trust = ext.and_then(|e| e.trust).unwrap_or(0.0);
            if !(-1.0..=1.0).contains(&trust) {
                return Err(ApiError::bad_request(
                    "invalid_value",
                    "npc_minds.trust: must be in [-1, 1]",
                ));
            }
            let t = &npc.temperament;
            let mood = ext
                .and_then(|e| e.mood)
                .unwrap_or([t.valence, t.arousal, t.dominance])
                .map(|v| v.clamp(-1.0, 1.0));
            let gift = ext.is_some_and(|e| e.gift);
            let (history, line) = villager_turns(&messages, gift)?;
            let turn = if gift { Turn::Gift } else { Turn::Say(&line) };
            let own = (npc.sampling.temperature, npc.sampling.top_p);
            let p = req.params(
                shared.limits.max_tokens.min(npc.sampling.max_tokens.max(1)),
                own,
            )?;
            let mut r = dialogue::request(npc, trust, mood, &history, turn, &shared.world, p.seed);
            r.sampling.temperature = p.temperature;
            r.sampling.top_p = p.top_p;
            r.sampling.max_tokens = p.max_tokens;
            let deadline = deadline.into_std();
            let ticket =
                shared.submit(Lane::Dialogue, JobInput::Dialogue(Box::new(r)), deadline)?;
            Source::Villager {
                ticket,
                streamed: String::new(),
                end: None,
            }
        }
        None if req.model == CHAT_MODEL => {
            let params = req.params(shared.limits.max_tokens, OPEN_DEFAULTS)?;
            let (tx, rx) = unbounded_channel();
            let job = ChatJob {
                prompt: ChatPrompt::Messages(messages),
                params,
                deadline: Some(deadline.into_std()),
                sink: Box::new(ChannelSink(tx)),
            };
            if models.batcher.try_submit(job).is_err() {
                return Err(ApiError::busy("chat"));
            }
            Source::Open(rx)
        }
        None => {
            return Err(ApiError::not_found(
                "model_not_found",
                format!(
                    "no model {:?}: use {CHAT_MODEL:?} or \"npc:NAME\" (GET /v1/models lists them)",
                    req.model
                ),
            ));
        }
    };
    // Wait for the first piece before answering, so that a request refused by the model (too
    // long, failed) gets its status code rather than a broken stream.
    let first = match source.next(deadline, secs).await {
        Some(Piece::Error(e)) => return Err(e),
        None => return Err(ApiError::internal("the reply ended before it began")),
        Some(p) => p,
    };
    if matches!(first, Piece::Text(_)) {
        shared.metrics.first_token(arrived.elapsed().as_secs_f64());
    }
    if !req.stream {
        return whole(&shared, head, source, first, deadline, secs).await;
    }
    let include_usage = req.stream_options.as_ref().is_some_and(|o| o.include_usage);
    Ok(stream(
        shared.clone(),
        head,
        source,
        first,
        deadline,
        include_usage,
    ))
}

/// Collects the whole reply into one answer.
async fn whole(
    shared: &Shared,
    head: Head,
    mut source: Source,
    first: Piece,
    deadline: Instant,
    secs: u64,
) -> Result<Response, ApiError> {
    let mut text = String::new();
    let mut piece = Some(first);
    loop {
        match piece {
            Some(Piece::Text(t)) => text.push_str(&t),
            Some(Piece::Error(e)) => return Err(e),
            Some(Piece::End(end)) => {
                shared.metrics.tokens(end.completion_tokens as u64);
                let mut answer = json!({
                    "id": head.id, "object": "chat.completion", "created": head.created,
                    "model": head.model,
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": end.finish,
                    }],
                    "usage": usage(&end),
                });
                if let Some(r) = end.record {
                    answer["npc_minds"] = json!({ "record": r });
                }
                return Ok(axum::Json(answer).into_response());
            }
            None => return Err(ApiError::internal("the reply stopped without an end")),
        }
        piece = source.next(deadline, secs).await;
    }
}

/// What the event stream still has to do.
struct Streaming {
    shared: Arc<Shared>,
    head: Head,
    source: Source,
    first: Option<Piece>,
    outbox: VecDeque<Bytes>,
    role_sent: bool,
    finished: bool,
    include_usage: bool,
    deadline: Instant,
}

fn event(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

impl Streaming {
    /// Turns the next piece into events; false when there is nothing more.
    async fn fill(&mut self) -> bool {
        if self.finished {
            return false;
        }
        let secs = self.shared.limits.timeout.as_secs();
        let piece = match self.first.take() {
            Some(p) => Some(p),
            None => self.source.next(self.deadline, secs).await,
        };
        match piece {
            Some(Piece::Text(t)) => {
                let delta = if self.role_sent {
                    json!({"content": t})
                } else {
                    self.role_sent = true;
                    json!({"role": "assistant", "content": t})
                };
                self.outbox.push_back(event(&self.head.chunk(delta, None)));
            }
            Some(Piece::End(end)) => {
                self.shared.metrics.tokens(end.completion_tokens as u64);
                let mut last = self.head.chunk(json!({}), Some(end.finish));
                if let Some(r) = &end.record {
                    last["npc_minds"] = json!({ "record": r });
                }
                self.outbox.push_back(event(&last));
                if self.include_usage {
                    let mut u = self.head.chunk(json!({}), None);
                    u["choices"] = json!([]);
                    u["usage"] = usage(&end);
                    self.outbox.push_back(event(&u));
                }
                self.outbox
                    .push_back(Bytes::from_static(b"data: [DONE]\n\n"));
                self.finished = true;
            }
            Some(Piece::Error(e)) => {
                // Headers are sent: the error goes out as an event, and the stream ends.
                self.outbox.push_back(event(&e.body()));
                self.outbox
                    .push_back(Bytes::from_static(b"data: [DONE]\n\n"));
                self.finished = true;
            }
            None => {
                self.finished = true;
                return false;
            }
        }
        true
    }
}

/// The reply as server-sent events. Dropping the body (the client went away) drops the source,
/// which cancels the generation.
fn stream(
    shared: Arc<Shared>,
    head: Head,
    source: Source,
    first: Piece,
    deadline: Instant,
    include_usage: bool,
) -> Response {
    let state = Streaming {
        shared,
        head,
        source,
        first: Some(first),
        outbox: VecDeque::new(),
        role_sent: false,
        finished: false,
        include_usage,
        deadline,
    };
    let events = futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(b) = st.outbox.pop_front() {
                return Some((Ok::<_, Infallible>(b), st));
            }
            if !st.fill().await {
                return None;
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(events))
        .unwrap_or_else(|_| ApiError::internal("could not start the stream").into_response())
}
