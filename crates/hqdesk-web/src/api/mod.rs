//! JSON API v1: typed requests and responses (with OpenAPI schemas) and their handlers.
pub mod calendars;
pub mod cases;
pub mod contacts;
pub mod directory;
pub mod enums;
pub mod openapi;
pub mod suggestions;
pub mod telephony;

use hqdesk_domain::Timestamp;

/// Times in answers: RFC 3339, UTC, milliseconds.
pub(crate) fn ts(t: Timestamp) -> String {
    t.to_rfc3339()
}

pub(crate) fn ts_opt(t: Option<Timestamp>) -> Option<String> {
    t.map(Timestamp::to_rfc3339)
}
