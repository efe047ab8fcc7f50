//! The AWS SSM JSON API gateway: `POST /` with `X-Amz-Target: AmazonSSM.<Operation>`
//! and `Content-Type: application/x-amz-json-1.1`, on the console's listener.
//!
//! Every request: body size limit → SigV4 verification against the caller's access
//! key ([`sigv4`]) → operation lookup in the AWS model ([`model`]) → input validation
//! against the model's constraints → the operation's handler, which calls the same
//! service function the console calls. Errors leave as botocore parses them
//! ([`error`]): HTTP 400 (500 for `InternalServerError`) with
//! `{"__type": "...", "message": "..."}`; every response has `x-amzn-RequestId`.

mod commands;
mod documents;
pub mod error;
mod maintenance;
pub mod model;
mod ops;
mod parameters;
mod patch;
pub mod sigv4;

use crate::web::{AppState, OperationLabel};
use app::ssr::Identity;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use bosun_core::accounts;
use bosun_core::types::Source;
pub use error::ApiError;
use model::{ApiModel, ValidationError};

/// Request bodies above this are refused (the largest SSM inputs — documents — are
/// 64 KB of content; 1 MiB leaves room for JSON escaping).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const TARGET_PREFIX: &str = "AmazonSSM.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The id every response carries as `x-amzn-RequestId`.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Whether a request is addressed to the AWS API (and so authenticates by signature).
pub fn is_api_request(req: &Request) -> bool {
    req.method() == Method::POST
        && req.uri().path() == "/"
        && req.headers().contains_key("x-amz-target")
}

pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let operation = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .and_then(|op| {
            ApiModel::global()
                .operation_names()
                .find(|known| *known == op)
        });
    let result = dispatch(&state, operation, req).await;
    let mut res = match result {
        Ok(body) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec()),
        )
            .into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(op) = operation {
        res.extensions_mut().insert(OperationLabel(op));
    }
    // The server's clock, not the machine's: SDKs correct their signing time by the
    // skew they see here, and the server checks signatures against its own clock.
    if let Some(date) = http_date(state.core.now_ms()) {
        res.headers_mut().insert(header::DATE, date);
    }
    res
}

/// An HTTP date (`Fri, 27 Nov 2026 00:19:14 GMT`) for Unix ms.
fn http_date(ms: i64) -> Option<HeaderValue> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    HeaderValue::from_str(&t.format(&format).ok()?).ok()
}

async fn dispatch(
    state: &AppState,
    operation: Option<&'static str>,
    req: Request,
) -> Result<serde_json::Value, ApiError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(Body::new(body), MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::too_large(MAX_BODY_BYTES))?;

    // Authenticate before anything else is revealed.
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let auth = sigv4::parse_authorization(&headers).map_err(ApiError::from_sigv4)?;
    if parts.headers.contains_key("x-amz-security-token") {
        return Err(ApiError::unrecognized_client());
    }
    let resolved = accounts::resolve_access_key(&state.core, &auth.access_key_id)
        .await
        .map_err(ApiError::from_service)?;
    let Some((principal, secret)) = resolved else {
        tracing::info!(access_key_id = %auth.access_key_id, "API request with an unknown or disabled access key");
        return Err(ApiError::unrecognized_client());
    };
    let request = sigv4::IncomingRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &bytes,
    };
    sigv4::verify(
        &request,
        &auth,
        &secret.0,
        "ssm",
        state.core.clock().now(),
        state.max_clock_skew,
    )
    .map_err(|e| {
        tracing::info!(access_key_id = %auth.access_key_id, reason = ?e, "API signature refused");
        ApiError::from_sigv4(e)
    })?;
    drop(secret);

    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with(CONTENT_TYPE)
        && !content_type.starts_with("application/x-amz-json-1.0")
    {
        return Err(ApiError::new(
            "SerializationException",
            format!("Content-Type must be {CONTENT_TYPE}"),
        ));
    }
    let Some(operation) = operation else {
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        return Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {}", truncate(target, 128)),
        ));
    };
    let input: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::json!({})
    } else {
        serde_json::from_slice(&bytes).map_err(|_| {
            ApiError::new(
                "SerializationException",
                "The request body is not valid JSON.",
            )
        })?
    };
    ApiModel::global()
        .validate_input(operation, &input)
        .map_err(|e| match e {
            ValidationError::Serialization(m) => ApiError::new("SerializationException", m),
            ValidationError::Constraint(m) => ApiError::new("ValidationException", m),
        })?;

    let client_addr = parts
        .extensions
        .get::<Identity>()
        .map(|i| i.client_addr.clone())
        .unwrap_or_else(|| "unknown".into());
    let actor = principal.actor(Source::Api, &client_addr, &auth.region);
    ops::call(&state.core, &actor, operation, input).await
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(
            super::http_date(0).as_ref().and_then(|v| v.to_str().ok()),
            Some("Thu, 01 Jan 1970 00:00:00 GMT")
        );
        assert_eq!(
            super::http_date(1_795_737_458_243)
                .as_ref()
                .and_then(|v| v.to_str().ok()),
            Some("Thu, 26 Nov 2026 23:57:38 GMT")
        );
    }
}
