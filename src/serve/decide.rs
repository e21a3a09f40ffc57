//! `POST /v1/decisions` (ours): a batch of observations in, one action per observation out, from
//! the pool's policy lane (the trained network, or the utility AI when its weights are missing).
//!
//! The observation schema is versioned: `"schema": "npc-minds.observation.v1"` (optional; another
//! version is refused). Each observation is the JSON form of `decide::Observation`: `needs`
//! `[hunger, energy, social]`, `emotion` `[valence, arousal, dominance]`, `persona` `[bravery,
//! sociability, diligence, temper, honesty]`, `hour`, `player`/`threat`/`home`/`work` as
//! `[[dx, dy], distance]`, `trust`, `current` (an action name such as `"Work"`), `health`,
//! `scheduled` (an action name or `null`). README "The model service" has an example.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::POLICY_MODEL;
use super::error::ApiError;
use super::state::Shared;
use crate::decide::{Action, Observation};
use crate::inference::{JobInput, JobOutput, Lane};

/// The observation schema this service reads.
pub(crate) const SCHEMA: &str = "npc-minds.observation.v1";
/// Most observations in one request.
pub(crate) const MAX_OBSERVATIONS: usize = 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionRequest {
    #[serde(default)]
    pub(crate) schema: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
    pub(crate) observations: Vec<Observation>,
}

pub(crate) async fn decisions(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let req: DecisionRequest = super::body(body, shared.limits.max_body)?;
    if let Some(s) = req.schema.as_deref().filter(|s| *s != SCHEMA) {
        return Err(ApiError::bad_request(
            "unsupported_value",
            format!("schema: {s:?} is not {SCHEMA:?}, the only one this server reads"),
        ));
    }
    if let Some(m) = req.model.as_deref().filter(|m| *m != POLICY_MODEL) {
        return Err(ApiError::not_found(
            "model_not_found",
            format!("no decision model {m:?}: use {POLICY_MODEL:?}"),
        ));
    }
    let n = req.observations.len();
    if n == 0 || n > MAX_OBSERVATIONS {
        return Err(ApiError::bad_request(
            "invalid_value",
            format!("observations: between 1 and {MAX_OBSERVATIONS}"),
        ));
    }
    let inputs = req
        .observations
        .into_iter()
        .map(|o| JobInput::Policy(Box::new(o)))
        .collect();
    let outs = shared.run_all(Lane::Policy, inputs).await?;
    let mut data = Vec::with_capacity(n);
    for (i, out) in outs.into_iter().enumerate() {
        let Ok(JobOutput::Policy { action, scores }) = out else {
            return Err(ApiError::internal(format!("the policy failed: {out:?}")));
        };
        let scores: Map<String, Value> = Action::ALL
            .iter()
            .zip(&scores)
            .map(|(a, p)| (a.name().to_string(), json!(p)))
            .collect();
        data.push(json!({"index": i, "action": action.name(), "scores": scores}));
    }
    Ok(axum::Json(
        json!({"object": "list", "model": POLICY_MODEL, "schema": SCHEMA, "data": data}),
    ))
}
