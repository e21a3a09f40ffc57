//! Every error the service sends, in OpenAI's shape: `{"error": {"message", "type", "code"}}`
//! with the matching HTTP status (and `Retry-After` on 429).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) kind: &'static str,
    pub(crate) code: &'static str,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, code: &'static str, m: String) -> Self {
        ApiError {
            status,
            message: m,
            kind,
            code,
        }
    }

    /// 400: the request is malformed or asks for something unsupported.
    pub(crate) fn bad_request(code: &'static str, m: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            code,
            m.into(),
        )
    }

    /// 401: no key, or the wrong one.
    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid_api_key",
            "a valid API key is needed: send `Authorization: Bearer KEY`".into(),
        )
    }

    /// 404: no such model or route.
    pub(crate) fn not_found(code: &'static str, m: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            code,
            m.into(),
        )
    }

    /// 413: the body is over the limit.
    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "request_too_large",
            format!("the request body is over {limit} bytes"),
        )
    }

    /// 429: the queues are full (the client retries after `Retry-After` seconds).
    pub(crate) fn busy(what: &str) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "queue_full",
            format!("the {what} queue is full; retry shortly"),
        )
    }

    /// 503: the models are still loading, or could not be loaded.
    pub fn unavailable(m: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "model_unavailable",
            m.into(),
        )
    }

    /// 504: the request's deadline passed.
    pub(crate) fn timeout(secs: u64) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "server_error",
            "timeout",
            format!("the request took longer than its {secs} s deadline"),
        )
    }

    /// 500: a model failed.
    pub(crate) fn internal(m: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "model_error",
            m.into(),
        )
    }

    /// The JSON body (also sent as a stream event when a stream fails midway).
    pub(crate) fn body(&self) -> serde_json::Value {
        json!({"error": {"message": self.message, "type": self.kind, "code": self.code}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// Parses a JSON body, turning every problem into a 400 that says where it is.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            "invalid_json"
        } else {
            "invalid_value"
        };
        ApiError::bad_request(code, format!("the request body is not valid: {e}"))
    })
}
