//! Validation errors. A parser says *what* is wrong with a value (`InvalidValue`); the caller,
//! which knows where the value came from, attaches the field path (`FieldError`).
use serde::Serialize;

/// What is wrong with one value: a stable snake_case `code` (UIs and translations key off it)
/// and an English sentence for people reading raw API answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    pub code: &'static str,
    pub message: String,
}

impl InvalidValue {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Attach the field path (e.g. `requester.tax_code`).
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// All invalid fields of a request, reported together so a form can mark every one at once.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("invalid input: {}", self.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    pub fn single(err: FieldError) -> Self {
        Self(vec![err])
    }
    pub fn push(&mut self, err: FieldError) {
        self.0.push(err);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Keep the value if `result` is Ok, otherwise record the error at `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, InvalidValue>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e.at(field));
                None
            }
        }
    }
    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}
