//! Request extractors that answer bad input with problem+json instead of axum's plain text.
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use hqdesk_services::cases::IdempotencyKey;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::problem::{Problem, ProblemField};

/// A JSON body, with the raw bytes' fingerprint kept for idempotency checks. Unknown fields,
/// wrong types and malformed JSON are refused with the path of the offending field.
pub struct JsonBody<T> {
    pub value: T,
    pub fingerprint: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_required",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| crate::limits::body_problem(&e))?;
        // Refused characters first, for every field at once: a NUL must never reach a query.
        if crate::input::json_may_hold_controls(&bytes) {
            if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                let errors = crate::input::json_errors(&doc);
                if !errors.is_empty() {
                    return Err(crate::input::problem(errors));
                }
            }
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "json_malformed",
                    format!("the body is not valid JSON: {inner}"),
                )
            } else {
                let msg = inner.to_string();
                let code = if msg.starts_with("unknown field") {
                    "unknown_field"
                } else if msg.starts_with("missing field") {
                    "missing_field"
                } else {
                    "wrong_type"
                };
                // serde_path_to_error names an unknown field in the path, a missing one not.
                let field = match (code, msg.split('`').nth(1)) {
                    ("unknown_field" | "missing_field", Some(name)) if path == "." => {
                        name.to_string()
                    }
                    ("unknown_field" | "missing_field", Some(name)) if !path.ends_with(name) => {
                        format!("{path}.{name}")
                    }
                    _ => path,
                };
                let message = msg.split(" at line").next().unwrap_or(&msg).to_string();
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "the body does not match the expected fields",
                )
                .with_errors(vec![ProblemField {
                    field,
                    code: code.to_string(),
                    message,
                }])
            }
        })?;
        de.end().map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "json_malformed",
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        let mut h = Sha256::new();
        h.update(method.as_bytes());
        h.update(b" ");
        h.update(path.as_bytes());
        h.update(b"\n");
        h.update(&bytes);
        Ok(JsonBody {
            value,
            fingerprint: hex::encode(h.finalize()),
        })
    }
}

/// The optional `Idempotency-Key` header (1–255 visible ASCII characters).
pub struct IdemKeyHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdemKeyHeader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let Some(v) = parts.headers.get("idempotency-key") else {
            return Ok(IdemKeyHeader(None));
        };
        let s = v.to_str().unwrap_or("").trim().trim_matches('"');
        if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_invalid",
                "Idempotency-Key must be 1–255 visible ASCII characters",
            ));
        }
        Ok(IdemKeyHeader(Some(s.to_string())))
    }
}

impl IdemKeyHeader {
    pub fn with(self, fingerprint: &str) -> Option<IdempotencyKey> {
        self.0.map(|key| IdempotencyKey {
            key,
            fingerprint: fingerprint.to_string(),
        })
    }
}
