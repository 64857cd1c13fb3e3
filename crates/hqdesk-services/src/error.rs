//! Errors of the use cases. The web layer maps each variant to an HTTP status in one place
//! (`hqdesk_web::problem`). A confidential object the actor may not see is `NotFound`, never
//! `Forbidden`: its existence must not leak.
use hqdesk_domain::{FieldError, InvalidValue, ValidationErrors};
use hqdesk_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The actor is known and may see the object, but may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request is valid but clashes with the current state (a name taken, a key reused).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("no valid credentials")]
    Unauthenticated,
    /// Too many requests from one source; try again after this many seconds.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: i64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &str, e: InvalidValue) -> Self {
        ServiceError::Invalid(ValidationErrors::single(e.at(field)))
    }
    pub fn invalid_field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(ValidationErrors::single(FieldError {
            field: field.to_string(),
            code,
            message: message.into(),
        }))
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(e: ValidationErrors) -> Self {
        ServiceError::Invalid(e)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict(m) => ServiceError::Conflict {
                code: "conflict",
                message: m,
            },
            StoreError::Unavailable(m) => ServiceError::Unavailable(m),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}
