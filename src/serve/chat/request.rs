//! `POST /v1/chat/completions` bodies: parsed (unknown OpenAI fields are accepted and ignored),
//! checked (every problem a 400 that names the field) and turned into either an open-chat job
//! or a villager's dialogue request.

use serde::Deserialize;

use crate::config::NpcConfig;
use crate::ml::lm::chat::{ChatParams, Message, Role};
use crate::serve::error::ApiError;

/// The request body.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatRequest {
    pub(crate) model: String,
    pub(crate) messages: Vec<InMessage>,
    pub(crate) temperature: Option<f32>,
    pub(crate) top_p: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
    /// OpenAI's newer name for `max_tokens`.
    pub(crate) max_completion_tokens: Option<u32>,
    pub(crate) seed: Option<i64>,
    pub(crate) stop: Option<Stop>,
    pub(crate) n: Option<u32>,
    #[serde(default)]
    pub(crate) stream: bool,
    pub(crate) stream_options: Option<StreamOptions>,
    /// llama.cpp's extension: the model's end of turn does not end the reply (benchmarks).
    #[serde(default)]
    pub(crate) ignore_eos: bool,
    /// llama.cpp's extension: the penalty on tokens generated in the last 64 (default 1.1; 1 for
    /// none).
    pub(crate) repeat_penalty: Option<f32>,
    /// Our extension: how the villager feels about the caller.
    pub(crate) npc_minds: Option<NpcExtension>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct StreamOptions {
    #[serde(default)]
    pub(crate) include_usage: bool,
}

/// `stop`: one string or a list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Stop {
    One(String),
    Many(Vec<String>),
}

/// One message; `content` is a string or a list of text parts.
#[derive(Debug, Deserialize)]
pub(crate) struct InMessage {
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) content: Option<Content>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
pub(crate) struct Part {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) text: Option<String>,
}

/// `"npc_minds": {"trust": 0.5, "mood": [v, a, d], "gift": false}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NpcExtension {
    /// Trust towards the caller in [-1, 1] (decides which facts the villager tells).
    pub(crate) trust: Option<f32>,
    /// Valence, arousal, dominance in [-1, 1] (the villager's temperament when absent).
    pub(crate) mood: Option<[f32; 3]>,
    /// The caller gives the villager a loaf of bread instead of a line.
    #[serde(default)]
    pub(crate) gift: bool,
}

/// The repeat penalty when a request sets none (a 135M model loops without one).
const DEFAULT_REPEAT_PENALTY: f32 = 1.1;

/// The most stop strings and the longest one (OpenAI allows 4).
const MAX_STOPS: usize = 4;
const MAX_STOP_CHARS: usize = 64;
/// The most messages one request may carry.
const MAX_MESSAGES: usize = 256;

impl ChatRequest {
    /// The messages as roles and plain text.
    pub(crate) fn messages(&self) -> Result<Vec<Message>, ApiError> {
        if self.messages.is_empty() {
            return Err(ApiError::bad_request(
                "invalid_value",
                "messages: at least one message is needed",
            ));
        }
        if self.messages.len() > MAX_MESSAGES {
            return Err(ApiError::bad_request(
                "invalid_value",
                format!("messages: at most {MAX_MESSAGES} are allowed"),
            ));
        }
        self.messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let role = match m.role.as_str() {
                    "system" | "developer" => Role::System,
                    "user" => Role::User,
                    "assistant" => Role::Assistant,
                    other => {
                        return Err(ApiError::bad_request(
                            "invalid_value",
                            format!(
                                "messages[{i}].role: {other:?} is not one of system, developer, \
                                 user, assistant"
                            ),
                        ));
                    }
                };
                let content = match &m.content {
                    None => String::new(),
                    Some(Content::Text(t)) => t.clone(),
                    Some(Content::Parts(parts)) => {
                        let mut text = String::new();
                        for (j, p) in parts.iter().enumerate() {
                            match (p.kind.as_str(), &p.text) {
                                ("text", Some(t)) => text.push_str(t),
                                _ => {
                                    return Err(ApiError::bad_request(
                                        "invalid_value",
                                        format!(
                                            "messages[{i}].content[{j}]: only text parts are \
                                             supported"
                                        ),
                                    ));
                                }
                            }
                        }
                        text
                    }
                };
                Ok(Message { role, content })
            })
            .collect()
    }

    /// Sampling and limits, checked; `max_tokens` is capped at `cap`, and `defaults` fill what
    /// the request leaves out.
    pub(crate) fn params(&self, cap: usize, defaults: (f32, f32)) -> Result<ChatParams, ApiError> {
        if self.n.is_some_and(|n| n != 1) {
            return Err(ApiError::bad_request(
                "unsupported_value",
                "n: only 1 choice per request is supported",
            ));
        }
        let temperature = self.temperature.unwrap_or(defaults.0);
        if !(0.0..=2.0).contains(&temperature) {
            return Err(ApiError::bad_request(
                "invalid_value",
                "temperature: must be between 0 and 2",
            ));
        }
        let top_p = self.top_p.unwrap_or(defaults.1);
        if !(top_p > 0.0 && top_p <= 1.0) {
            return Err(ApiError::bad_request(
                "invalid_value",
                "top_p: must be above 0 and at most 1",
            ));
        }
        let repeat_penalty = self.repeat_penalty.unwrap_or(DEFAULT_REPEAT_PENALTY);
        if !(1.0..=2.0).contains(&repeat_penalty) {
            return Err(ApiError::bad_request(
                "invalid_value",
                "repeat_penalty: must be between 1 and 2",
            ));
        }
        let asked = self.max_completion_tokens.or(self.max_tokens);
        if asked == Some(0) {
            return Err(ApiError::bad_request(
                "invalid_value",
                "max_tokens: must be at least 1",
            ));
        }
        let stop = match &self.stop {
            None => Vec::new(),
            Some(Stop::One(s)) => vec![s.clone()],
            Some(Stop::Many(v)) => v.clone(),
        };
        let stop: Vec<String> = stop.into_iter().filter(|s| !s.is_empty()).collect();
        if stop.len() > MAX_STOPS || stop.iter().any(|s| s.chars().count() > MAX_STOP_CHARS) {
            return Err(ApiError::bad_request(
                "invalid_value",
                format!("stop: at most {MAX_STOPS} strings of at most {MAX_STOP_CHARS} characters"),
            ));
        }
        Ok(ChatParams {
            temperature,
            top_p,
            max_tokens: asked.map_or(cap, |n| (n as usize).min(cap)),
            seed: self.seed.map_or_else(fresh_seed, |s| s as u64),
            stop,
            ignore_eos: self.ignore_eos,
            repeat_penalty,
        })
    }
}

/// A seed for a request that brings none (different every time, as OpenAI's are).
fn fresh_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    crate::world::rng::mix(t.as_nanos() as u64)
}

/// The villager a `npc:NAME` model names (case-insensitive); `None` for other model ids.
pub(crate) fn villager<'a>(
    model: &str,
    cast: &'a [NpcConfig],
) -> Option<Result<&'a NpcConfig, ApiError>> {
    let name = model.strip_prefix("npc:")?;
    Some(
        cast.iter()
            .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = cast.iter().map(|c| c.name.as_str()).collect();
                ApiError::not_found(
                    "model_not_found",
                    format!(
                        "no villager is called {name:?}; the villagers are: {}",
                        names.join(", ")
                    ),
                )
            }),
    )
}

/// A villager's conversation as the dialogue lane takes it: earlier (player, villager) turns and
/// the line to answer (the last message, which must be the user's unless it is a gift). System
/// messages are left out: the villager's own persona stands.
pub(crate) fn villager_turns(
    messages: &[Message],
    gift: bool,
) -> Result<(Vec<(String, String)>, String), ApiError> {
    let talk: Vec<&Message> = messages.iter().filter(|m| m.role != Role::System).collect();
    let (line, earlier) = match talk.split_last() {
        Some((last, earlier)) if last.role == Role::User => (last.content.clone(), earlier),
        _ if gift => (String::new(), &talk[..]),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_value",
                "messages: a villager answers the last message, which must be the user's",
            ));
        }
    };
    let mut history = Vec::new();
    let mut pending: Option<String> = None;
    for m in earlier {
        match m.role {
            Role::User => pending = Some(m.content.clone()),
            Role::Assistant => {
                history.push((pending.take().unwrap_or_default(), m.content.clone()))
            }
            Role::System => {}
        }
    }
    Ok((history, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: Role, c: &str) -> Message {
        Message {
            role,
            content: c.into(),
        }
    }

    #[test]
    fn villager_turns_pair_lines_and_answer_the_last() {
        let m = [
            msg(Role::System, "ignored"),
            msg(Role::User, "hello"),
            msg(Role::Assistant, "hi, love"),
            msg(Role::User, "where is the bell?"),
        ];
        let (history, line) = villager_turns(&m, false).unwrap();
        assert_eq!(history, vec![("hello".into(), "hi, love".into())]);
        assert_eq!(line, "where is the bell?");
        let ends_with_villager = [msg(Role::User, "a"), msg(Role::Assistant, "b")];
        assert_eq!(
            villager_turns(&ends_with_villager, false)
                .unwrap_err()
                .status,
            400
        );
        assert!(villager_turns(&ends_with_villager, true).is_ok());
    }

    #[test]
    fn params_check_ranges_and_cap_max_tokens() {
        let parse = |s: &str| serde_json::from_str::<ChatRequest>(s).unwrap();
        let r = parse(r#"{"model":"m","messages":[],"max_tokens":5000,"seed":7}"#);
        let p = r.params(256, (0.7, 0.9)).unwrap();
        assert_eq!((p.max_tokens, p.seed, p.temperature), (256, 7, 0.7));
        for bad in [
            r#"{"model":"m","messages":[],"n":2}"#,
            r#"{"model":"m","messages":[],"temperature":3}"#,
            r#"{"model":"m","messages":[],"top_p":0}"#,
            r#"{"model":"m","messages":[],"max_tokens":0}"#,
            r#"{"model":"m","messages":[],"stop":["a","b","c","d","e"]}"#,
        ] {
            assert_eq!(
                parse(bad).params(256, (0.7, 0.9)).unwrap_err().status,
                400,
                "{bad}"
            );
        }
    }
}
