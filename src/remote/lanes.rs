//! The dialogue and emotion lanes served by a remote OpenAI-compatible server (`--remote URL`).
//! Against our own `serve`, a villager answers as `npc:NAME` with the grounded dialogue and its
//! record (so the clue journal works); against a server that knows nothing of villagers, the
//! villager's prompt (persona, mood, what trust allows it to tell) is built here and the reply is
//! taken as it comes. Errors and timeouts come back as lane errors: the game shows the villager's
//! fallback line and counts a failure. The frame never waits: this runs on the lane's worker.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Client, ClientError};
use crate::decide::EmotionLabel;
use crate::decide::talk::DialogueRecord;
use crate::inference::backends::{Backend, StreamContext};
use crate::inference::{DialogueRequest, InferenceError, JobInput, JobOutput};
use crate::ml::dialogue::backend::each_dialogue;
use crate::ml::dialogue::clean;
use crate::ml::dialogue::realise::Sink;

/// Sentences kept of a reply from a server without our checks.
pub(crate) const FOREIGN_SENTENCES: usize = 2;

/// Where the remote server is and how to call it.
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    pub url: String,
    /// The model for villagers the server does not know (default: the first it lists).
    pub model: Option<String>,
    pub key: Option<String>,
    pub timeout: Duration,
}

/// What the server offers, learnt from `GET /v1/models` once.
#[derive(Clone)]
pub struct RemoteDialogue {
    client: Client,
    /// Villagers the server answers as (`npc:NAME`), lowercased names.
    villagers: Vec<String>,
    /// Whether it has our `/v1/emotions`.
    pub emotions: bool,
    model: String,
}

/// A villager's name without the sim's copy number ("Greta #12" → "Greta").
fn base_name(name: &str) -> &str {
    name.split(" #").next().unwrap_or(name).trim()
}

impl RemoteDialogue {
    /// Asks the server what it serves.
    pub fn connect(o: &RemoteOptions) -> Result<Self, ClientError> {
        let client = Client::new(&o.url, o.key.clone(), o.timeout);
        let (status, text) = client.get("/v1/models")?;
        if status != 200 {
            return Err(ClientError::Status {
                url: format!("{}/v1/models", o.url),
                status,
                message: text.chars().take(200).collect(),
            });
        }
        let list: Value = serde_json::from_str(&text).map_err(|e| ClientError::Malformed {
            url: format!("{}/v1/models", o.url),
            message: e.to_string(),
        })?;
        let ids: Vec<String> = list["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let villagers = ids
            .iter()
            .filter_map(|id| id.strip_prefix("npc:").map(str::to_lowercase))
            .collect();
        let model = o
            .model
            .clone()
            .or_else(|| ids.iter().find(|id| !id.starts_with("npc:")).cloned())
            .unwrap_or_else(|| "default".into());
        Ok(RemoteDialogue {
            client,
            villagers,
            emotions: ids.iter().any(|id| id == crate::serve::EMOTION_MODEL),
            model,
        })
    }

    /// Whether the server answers as this villager itself.
    fn knows(&self, speaker: &str) -> bool {
        self.villagers.contains(&base_name(speaker).to_lowercase())
    }

    /// The request body: `npc:NAME` on our server, else the villager's prompt built here.
    fn body(&self, r: &DialogueRequest) -> Value {
        let name = base_name(&r.speaker);
        let line = if r.gift {
            "*hands you a loaf of fresh bread*".to_string()
        } else {
            r.line.clone()
        };
        let mut messages = Vec::new();
        let ours = self.knows(name);
        if !ours {
            let facts: Vec<&str> = r
                .knowledge
                .iter()
                .filter(|k| k.allowed)
                .map(|k| k.text.as_str())
                .collect();
            let facts = if facts.is_empty() {
                String::new()
            } else {
                format!(" What you know and may tell: {}", facts.join(" "))
            };
            let system = format!(
                "{} {}{facts} Stay in character: answer in one or two short sentences, as {name} \
                 would say them; never say you are an AI.",
                r.persona, r.mood
            );
            messages.push(json!({"role": "system", "content": system}));
        }
        for (player, npc) in &r.history {
            messages.push(json!({"role": "user", "content": player}));
            messages.push(json!({"role": "assistant", "content": npc}));
        }
        messages.push(json!({"role": "user", "content": line}));
        let mut body = json!({
            "model": if ours { format!("npc:{name}") } else { self.model.clone() },
            "messages": messages,
            "temperature": r.sampling.temperature,
            "top_p": r.sampling.top_p,
            "max_tokens": r.sampling.max_tokens,
            "seed": r.seed as i64 & i64::MAX,
        });
        if ours {
            body["npc_minds"] = json!({"trust": r.trust, "mood": r.vad, "gift": r.gift});
        } else {
            body["stop"] = json!(["\n"]);
        }
        body
    }

    /// One reply, streamed into `sink`: its text and, from our server, its record. From a server
    /// without our checks the reply is cut after [`FOREIGN_SENTENCES`] sentences (the stream is
    /// then closed): small models do not stop by themselves.
    pub fn respond(
        &self,
        r: &DialogueRequest,
        sink: &mut dyn Sink,
    ) -> Result<(String, Option<DialogueRecord>), ClientError> {
        let limit = if self.knows(&r.speaker) {
            usize::MAX
        } else {
            FOREIGN_SENTENCES
        };
        let mut text = String::new();
        let mut record = None;
        let end = self.client.chat_stream(&self.body(r), &mut |v| {
            if let Some(r) = v.get("npc_minds").and_then(|n| n.get("record")) {
                record = serde_json::from_value::<DialogueRecord>(r.clone()).ok();
            }
            let Some(t) = v["choices"][0]["delta"]["content"].as_str() else {
                return !sink.cancelled();
            };
            // A server without our checks may start with spaces or a line break.
            let t = if text.is_empty() { t.trim_start() } else { t };
            let before = text.len();
            text.push_str(t);
            if let Some(&cut) = clean::sentence_ends(&text, false).get(limit.saturating_sub(1)) {
                text.truncate(cut);
                if cut > before {
                    sink.emit(&text[before..]);
                }
                return false;
            }
            if !t.is_empty() {
                sink.emit(t);
            }
            !sink.cancelled()
        })?;
        if let Some(e) = end.error {
            return Err(ClientError::Status {
                url: format!("{}/v1/chat/completions", self.client.base()),
                status: 200,
                message: e["error"]["message"].as_str().unwrap_or("").to_string(),
            });
        }
        Ok((text.trim_end().to_string(), record))
    }

    /// Emotions of `texts` from our `/v1/emotions`.
    pub fn emotions(&self, texts: &[&str]) -> Result<Vec<JobOutput>, ClientError> {
        let path = "/v1/emotions";
        let (status, v) = self.client.post(path, &json!({"input": texts}))?;
        let bad = |message: String| ClientError::Malformed {
            url: format!("{}{path}", self.client.base()),
            message,
        };
        if status != 200 {
            return Err(ClientError::Status {
                url: format!("{}{path}", self.client.base()),
                status,
                message: v["error"]["message"].as_str().unwrap_or("").to_string(),
            });
        }
        let items = v["data"].as_array().ok_or_else(|| bad("no data".into()))?;
        items
            .iter()
            .map(|it| {
                let label = it["label"]
                    .as_str()
                    .and_then(EmotionLabel::parse)
                    .ok_or_else(|| bad(format!("no label in {it}")))?;
                let scores = EmotionLabel::ALL
                    .iter()
                    .map(|l| it["scores"][l.name()].as_f64().unwrap_or(0.0) as f32)
                    .collect();
                let f = |k: &str| it[k].as_f64().unwrap_or(0.0) as f32;
                Ok(JobOutput::Emotion {
                    label,
                    scores,
                    vad: [f("valence"), f("arousal"), f("dominance")],
                })
            })
            .collect()
    }
}

/// The dialogue lane on a remote server.
pub struct RemoteDialogueBackend(pub RemoteDialogue);

impl Backend for RemoteDialogueBackend {
    fn model_id(&self) -> String {
        format!("remote:{}", self.0.client.base())
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        each_dialogue(batch, ctx, |req, sink| match self.0.respond(req, sink) {
            _ if sink.cancelled() => Err(InferenceError::Cancelled),
            Ok((text, record)) if !text.is_empty() => Ok(JobOutput::Dialogue {
                text,
                record: record.map(Box::new),
            }),
            Ok(_) => Err(InferenceError::Backend(
                "the server sent an empty reply".into(),
            )),
            Err(e) => Err(InferenceError::Backend(e.to_string())),
        })
    }
}

/// The emotion lane on our remote server.
pub struct RemoteEmotionBackend(pub RemoteDialogue);

impl Backend for RemoteEmotionBackend {
    fn model_id(&self) -> String {
        format!("remote-emotion:{}", self.0.client.base())
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        let texts = crate::inference::backends::emotion_texts(batch);
        match self.0.emotions(&texts) {
            Ok(v) if v.len() == batch.len() => v.into_iter().map(Ok).collect(),
            Ok(_) => crate::inference::backends::fail_batch(batch, "the server skipped texts"),
            Err(e) => crate::inference::backends::fail_batch(batch, e),
        }
    }
}

/// The dialogue and emotion lanes for a remote server: dialogue always remote; emotion remote when
/// the server has our `/v1/emotions`, else built by `local_emotion`. Each asks the server what it
/// serves when the lane starts (and again after a failure), so a server that is down at first is
/// picked up later; meanwhile villagers answer with their fallback lines.
pub fn factories(
    o: RemoteOptions,
    local_emotion: crate::inference::BackendFactory,
) -> (
    crate::inference::BackendFactory,
    crate::inference::BackendFactory,
) {
    let d = o.clone();
    let dialogue = crate::inference::factory(move || {
        RemoteDialogue::connect(&d)
            .map(RemoteDialogueBackend)
            .map_err(|e| InferenceError::Unavailable(e.to_string()))
    });
    let emotion: crate::inference::BackendFactory =
        std::sync::Arc::new(move || match RemoteDialogue::connect(&o) {
            Ok(r) if r.emotions => Ok(Box::new(RemoteEmotionBackend(r)) as Box<dyn Backend>),
            _ => local_emotion(),
        });
    (dialogue, emotion)
}
