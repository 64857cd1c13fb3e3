//! Every error answer is `application/problem+json` (RFC 9457) with a stable snake_case `code`
//! that clients and translations key off, a sentence for people, and per-field detail for
//! invalid input. Policy:
//! - invalid input → 422 (400 when the body is not JSON at all), with `errors[]`
//! - not found, and anything the caller may not know exists → 404
//! - no or bad credentials → 401; known caller, forbidden action → 403
//! - state conflicts (a name taken, a closed case, an idempotency key reused) → 409
//! - database unreachable or overloaded → 503
//! - anything unexpected → 500 with no detail, logged once with the request id.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hqdesk_domain::FieldError;
use hqdesk_services::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer. Kept small (it travels in every handler's `Result`); the wire form with
/// `type` and `title` is [`ProblemBody`].
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    pub detail: String,
    pub errors: Vec<ProblemField>,
}

/// The problem+json document as sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemBody {
    /// `urn:hqdesk:problem:` + code.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// Path of the field, e.g. `requester.tax_code`.
    pub field: String,
    pub code: String,
    pub message: String,
}

impl From<&FieldError> for ProblemField {
    fn from(e: &FieldError) -> Self {
        ProblemField {
            field: e.field.clone(),
            code: e.code.to_string(),
            message: e.message.clone(),
        }
    }
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            status: status.as_u16(),
            code: code.to_string(),
            detail: detail.into(),
            errors: vec![],
        }
    }
    pub fn with_errors(mut self, errors: Vec<ProblemField>) -> Self {
        self.errors = errors;
        self
    }
    pub fn not_found() -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "there is nothing here, or you may not see it",
        )
    }
    pub fn unauthenticated() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "send a valid API token: Authorization: Bearer hqd_…",
        )
    }
}

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Problem::not_found(),
            ServiceError::Invalid(v) => {
                let n = v.0.len();
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    if n == 1 {
                        "one field is invalid".to_string()
                    } else {
                        format!("{n} fields are invalid")
                    },
                )
                .with_errors(v.0.iter().map(ProblemField::from).collect())
            }
            ServiceError::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, "forbidden", m),
            ServiceError::Conflict { code, message } => {
                Problem::new(StatusCode::CONFLICT, code, message)
            }
            ServiceError::Unauthenticated => Problem::unauthenticated(),
            ServiceError::RateLimited { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; retry in {retry_after_secs} seconds"),
            ),
            ServiceError::Unavailable(m) => {
                tracing::warn!(error = %m, "database unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is not answering; retry in a moment",
                )
            }
            ServiceError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; it has been logged",
                )
            }
        }
    }
}

/// Middleware: under `/api/`, an error answer that is not problem+json yet (a rejection of one
/// of axum's own extractors, a body over the size limit) is rewritten as one, so a client has
/// exactly one error format to read.
pub async fn api_errors_as_problems(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_string();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        s if s.is_server_error() => "internal",
        _ => "request_refused",
    };
    let detail = if detail.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        detail
    };
    let mut out = Problem::new(status, code, detail).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&ProblemBody {
            type_: format!("urn:hqdesk:problem:{}", self.code),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status,
            code: self.code,
            detail: self.detail,
            errors: self.errors,
        })
        .unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hqdesk\""),
            );
        }
        resp
    }
}
