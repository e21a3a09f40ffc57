//! The blocking HTTP client: `get`, `post` (JSON in, status and JSON out) and `chat_stream`
//! (calls back for every `data:` event of a streamed chat until `[DONE]`).

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::Value;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach {url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url} answered {status}: {message}")]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url} sent something that is not JSON: {message}")]
    Malformed { url: String, message: String },
}

/// How a streamed chat ended.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StreamEnd {
    /// `[DONE]` arrived (otherwise the stream was cut).
    pub done: bool,
    /// An `{"error": ...}` event, if the server sent one midway.
    pub error: Option<Value>,
}

/// A client for one server.
#[derive(Clone)]
pub struct Client {
    base: String,
    key: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    /// A client for `base` (such as `http://127.0.0.1:8080`); `key` is sent as a bearer token;
    /// every call gives up after `timeout`.
    pub fn new(base: &str, key: Option<String>, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Client {
            base: base.trim_end_matches('/').to_string(),
            key,
            agent,
        }
    }

    /// The server's base URL.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn transport(&self, path: &str, e: impl std::fmt::Display) -> ClientError {
        ClientError::Transport {
            url: self.url(path),
            message: e.to_string(),
        }
    }

    fn json(&self, path: &str, text: &str) -> Result<Value, ClientError> {
        serde_json::from_str(text).map_err(|e| ClientError::Malformed {
            url: self.url(path),
            message: e.to_string(),
        })
    }

    /// The request with the bearer key, when there is one.
    fn authed<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.key {
            Some(k) => req.header("Authorization", format!("Bearer {k}")),
            None => req,
        }
    }

    /// `GET path`: the status and the body as text.
    pub fn get(&self, path: &str) -> Result<(u16, String), ClientError> {
        let resp = self
            .authed(self.agent.get(self.url(path)))
            .call()
            .map_err(|e| self.transport(path, e))?;
        self.status_and_text(path, resp)
    }

    fn status_and_text(
        &self,
        path: &str,
        resp: ureq::http::Response<ureq::Body>,
    ) -> Result<(u16, String), ClientError> {
        let status = resp.status().as_u16();
        let text = resp
            .into_body()
            .read_to_string()
            .map_err(|e| self.transport(path, e))?;
        Ok((status, text))
    }

    /// `POST path` with raw bytes: the status and the body as text (for tests of bad bodies).
    pub fn post_raw(&self, path: &str, body: &[u8]) -> Result<(u16, String), ClientError> {
        let resp = self
            .authed(self.agent.post(self.url(path)))
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| self.transport(path, e))?;
        self.status_and_text(path, resp)
    }

    /// `POST path` with a JSON body: the status and the JSON answer.
    pub fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), ClientError> {
        let (status, text) = self.post_raw(path, body.to_string().as_bytes())?;
        Ok((status, self.json(path, &text)?))
    }

    /// A streamed chat: posts `body` (its `stream` set to true) to `/v1/chat/completions` and
    /// hands every event's JSON to `on_event`, which returns false to stop reading (closing the
    /// connection, which cancels the reply on our server).
    pub fn chat_stream(
        &self,
        body: &Value,
        on_event: &mut dyn FnMut(&Value) -> bool,
    ) -> Result<StreamEnd, ClientError> {
        let path = "/v1/chat/completions";
        let mut body = body.clone();
        body["stream"] = Value::Bool(true);
        let resp = self
            .authed(self.agent.post(self.url(path)))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| self.transport(path, e))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let text = resp.into_body().read_to_string().unwrap_or_default();
            let message = self
                .json(path, &text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or(text);
            return Err(ClientError::Status {
                url: self.url(path),
                status,
                message,
            });
        }
        let mut end = StreamEnd::default();
        let reader = BufReader::new(resp.into_body().into_reader());
        for line in reader.lines() {
            let line = line.map_err(|e| self.transport(path, e))?;
            let Some(data) = line.strip_prefix("data:") else {
                continue; // blank separators, comments, other fields
            };
            let data = data.trim();
            if data == "[DONE]" {
                end.done = true;
                break;
            }
            let v = self.json(path, data)?;
            if v.get("error").is_some() {
                end.error = Some(v);
                continue;
            }
            if !on_event(&v) {
                break;
            }
        }
        Ok(end)
    }
}
