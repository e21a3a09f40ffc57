//! `GET /v1/models`, `GET /health` (503 while the models load, 200 when ready) and
//! `GET /metrics` (Prometheus text).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::ApiError;
use super::metrics::metric;
use super::state::Shared;
use super::{CHAT_MODEL, EMBED_MODEL, EMOTION_MODEL, POLICY_MODEL};
use crate::inference::Lane;

pub(crate) async fn models(State(shared): State<Arc<Shared>>) -> axum::Json<Value> {
    let created = super::unix_now();
    let entry = |id: String, kind: &str| {
        json!({"id": id, "object": "model", "created": created, "owned_by": "npc-minds",
               "npc_minds": {"kind": kind}})
    };
    let mut data = vec![
        entry(CHAT_MODEL.into(), "chat"),
        entry(EMBED_MODEL.into(), "embeddings"),
        entry(EMOTION_MODEL.into(), "emotions"),
        entry(POLICY_MODEL.into(), "decisions"),
    ];
    data.extend(
        shared
            .cast
            .iter()
            .map(|c| entry(format!("npc:{}", c.name), "villager")),
    );
    axum::Json(json!({"object": "list", "data": data}))
}

pub(crate) async fn health(State(shared): State<Arc<Shared>>) -> Response {
    match shared.models() {
        Ok(_) => (StatusCode::OK, axum::Json(json!({"status": "ok"}))).into_response(),
        Err(e) => {
            let loading = shared.load_error.get().is_none();
            let status = if loading { "loading" } else { "failed" };
            let mut body = e.body();
            body["status"] = json!(status);
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}

pub(crate) async fn metrics(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let mut out = String::new();
    shared.metrics.render(&mut out);
    let up = shared.started.elapsed().as_secs_f64();
    metric(
        &mut out,
        "npc_minds_uptime_seconds",
        "gauge",
        "Seconds since start.",
        &[("", up)],
    );
    if let Some(m) = shared.models.get() {
        let load = m.batcher.load();
        let tokens = load.tokens.load(Ordering::Relaxed) as f64;
        let secs = load.decode_micros.load(Ordering::Relaxed) as f64 / 1e6;
        metric(
            &mut out,
            "npc_minds_batch_decode_tokens_per_second",
            "gauge",
            "Open chats and villagers: tokens per second of batched decoding since start.",
            &[("", if secs > 0.0 { tokens / secs } else { 0.0 })],
        );
        metric(
            &mut out,
            "npc_minds_batch_peak_conversations",
            "gauge",
            "The most conversations (open chats and villagers) one batched step has fed since start.",
            &[("", load.peak_batch.load(Ordering::Relaxed) as f64)],
        );
        let mut depth = vec![
            (
                "queue=\"chat_waiting\"".to_string(),
                load.queued.load(Ordering::Relaxed) as f64,
            ),
            (
                "queue=\"chat_running\"".to_string(),
                load.running.load(Ordering::Relaxed) as f64,
            ),
        ];
        // The lanes this server has (a game's music lane is not one).
        for lane in Lane::ALL.into_iter().filter(|l| m.pool.has_lane(*l)) {
            depth.push((
                format!("queue=\"{}\"", lane.name()),
                m.pool.queue_depth(lane) as f64,
            ));
        }
        let samples: Vec<(&str, f64)> = depth.iter().map(|(l, v)| (l.as_str(), *v)).collect();
        metric(
            &mut out,
            "npc_minds_queue_depth",
            "gauge",
            "Work waiting or running, by queue.",
            &samples,
        );
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}
