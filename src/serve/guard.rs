//! What every request passes through: the API key check (all routes but `/health`, compared in
//! constant time, never logged) and the per-route counters.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::Shared;

/// The routes, as named in metrics (anything else is "other").
const ROUTES: [&str; 8] = [
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/emotions",
    "/v1/decisions",
    "/v1/models",
    "/health",
    "/metrics",
    "other",
];

fn route_name(path: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|r| **r == path)
        .copied()
        .unwrap_or("other")
}

/// Equal bytes, in time that depends on the key's length only.
pub(crate) fn same_key(given: &[u8], key: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != key.len());
    for (i, k) in key.iter().enumerate() {
        diff |= given.get(i).copied().unwrap_or(0) ^ k;
    }
    diff == 0
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(key) = &shared.limits.api_key else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    same_key(given.trim().as_bytes(), key.as_bytes())
}

pub(crate) async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_name(req.uri().path());
    let resp = if route != "/health" && !authorized(&shared, req.headers()) {
        ApiError::unauthorized().into_response()
    } else {
        next.run(req).await
    };
    let secs = started.elapsed().as_secs_f64();
    shared.metrics.request(route, resp.status().as_u16(), secs);
    resp
}

pub(crate) async fn no_route() -> ApiError {
    ApiError::not_found(
        "unknown_url",
        "no such route; see GET /v1/models and the README",
    )
}

pub(crate) async fn wrong_method() -> ApiError {
    let mut e = ApiError::bad_request("method_not_allowed", "this route takes another method");
    e.status = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    e
}

#[cfg(test)]
mod tests {
    use super::same_key;

    #[test]
    fn keys_match_only_when_equal() {
        assert!(same_key(b"secret", b"secret"));
        assert!(!same_key(b"secreT", b"secret"));
        assert!(!same_key(b"secret-and-more", b"secret"));
        assert!(!same_key(b"sec", b"secret"));
        assert!(!same_key(b"", b"secret"));
    }
}
