//! `POST /v1/embeddings` (the sentence encoder, OpenAI's shape, `float` or `base64`) and
//! `POST /v1/emotions` (ours: per text the label, scores and valence/arousal/dominance, from the
//! pool's emotion lane).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::state::Shared;
use super::{EMBED_MODEL, EMOTION_MODEL};
use crate::decide::EmotionLabel;
use crate::inference::{JobInput, JobOutput, Lane};

/// Most texts in one request.
pub(crate) const MAX_INPUTS: usize = 64;

/// `input`: one string or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Input {
    One(String),
    Many(Vec<String>),
}

impl Input {
    fn texts(self) -> Result<Vec<String>, ApiError> {
        let v = match self {
            Input::One(s) => vec![s],
            Input::Many(v) => v,
        };
        if v.is_empty() || v.len() > MAX_INPUTS {
            return Err(ApiError::bad_request(
                "invalid_value",
                format!("input: between 1 and {MAX_INPUTS} texts"),
            ));
        }
        Ok(v)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EmbeddingRequest {
    pub(crate) model: String,
    pub(crate) input: Input,
    #[serde(default)]
    pub(crate) encoding_format: Option<String>,
}

/// Standard base64 (with padding) of `bytes`.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                out.push(ABC[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) async fn embeddings(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let req: EmbeddingRequest = super::body(body, shared.limits.max_body)?;
    if req.model != EMBED_MODEL {
        return Err(ApiError::not_found(
            "model_not_found",
            format!("no embedding model {:?}: use {EMBED_MODEL:?}", req.model),
        ));
    }
    let base64_out = match req.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_value",
                format!("encoding_format: {other:?} is not float or base64"),
            ));
        }
    };
    let texts = req.input.texts()?;
    shared.models()?;
    let s = shared.clone();
    let work = tokio::task::spawn_blocking(move || {
        let enc = &s.models()?.encoder;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let tokens: usize = refs.iter().map(|t| enc.token_count(t)).sum();
        let vectors = enc
            .embed(&refs)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok::<_, ApiError>((vectors, tokens))
    });
    let timeout = shared.limits.timeout;
    let (vectors, tokens) = match tokio::time::timeout(timeout, work).await {
        Err(_) => return Err(ApiError::timeout(timeout.as_secs())),
        Ok(Err(e)) => return Err(ApiError::internal(format!("the encoder stopped: {e}"))),
        Ok(Ok(r)) => r?,
    };
    let data: Vec<Value> = vectors
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let embedding = if base64_out {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                json!(base64(&bytes))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    Ok(axum::Json(json!({
        "object": "list",
        "data": data,
        "model": EMBED_MODEL,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    })))
}

#[derive(Debug, Deserialize)]
pub(crate) struct EmotionRequest {
    pub(crate) input: Input,
    #[serde(default)]
    pub(crate) model: Option<String>,
}

fn round(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

pub(crate) async fn emotions(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let req: EmotionRequest = super::body(body, shared.limits.max_body)?;
    if req.model.as_deref().is_some_and(|m| m != EMOTION_MODEL) {
        return Err(ApiError::not_found(
            "model_not_found",
            format!("no emotion model {:?}: use {EMOTION_MODEL:?}", req.model),
        ));
    }
    let texts = req.input.texts()?;
    if !shared.models()?.emotion {
        return Err(ApiError::unavailable(
            "the emotion model could not be loaded",
        ));
    }
    let inputs = texts
        .iter()
        .map(|t| JobInput::Emotion { text: t.clone() })
        .collect();
    let outs = shared.run_all(Lane::Emotion, inputs).await?;
    let mut data = Vec::with_capacity(texts.len());
    for (i, (out, text)) in outs.into_iter().zip(texts).enumerate() {
        let Ok(JobOutput::Emotion { label, scores, vad }) = out else {
            return Err(ApiError::internal(format!(
                "the emotion model failed: {out:?}"
            )));
        };
        let scores: Map<String, Value> = EmotionLabel::ALL
            .iter()
            .zip(&scores)
            .map(|(l, p)| (l.name().to_string(), json!(round(*p))))
            .collect();
        data.push(json!({
            "index": i, "text": text, "label": label.name(), "scores": scores,
            "valence": round(vad[0]), "arousal": round(vad[1]), "dominance": round(vad[2]),
        }));
    }
    Ok(axum::Json(
        json!({"object": "list", "model": EMOTION_MODEL, "data": data}),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(super::base64(&[0xff, 0xfe]), "//4=");
    }
}
