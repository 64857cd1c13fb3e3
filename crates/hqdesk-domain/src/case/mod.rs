//! The case: everything that reaches the service, whatever the channel.
pub mod attachment;
mod branch;
mod kind;
mod number;
mod priority;
mod status;
pub mod timeline;
pub mod transition;

pub use branch::Branch;
pub use kind::CaseKind;
pub use number::CaseNumber;
pub use priority::Priority;
pub use status::Status;

use crate::error::InvalidValue;
use crate::text;

/// Subjects longer than this are rejected: a subject is a line in a queue, not a letter.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// Normalise (NFC, trimmed) and check a subject line.
pub fn parse_subject(s: &str) -> Result<String, InvalidValue> {
    let s = text::normalize_input(s);
    if s.is_empty() {
        return Err(InvalidValue::new(
            "subject_empty",
            "the subject must not be empty",
        ));
    }
    if s.chars().count() > MAX_SUBJECT_CHARS {
        return Err(InvalidValue::new(
            "subject_too_long",
            format!("the subject is longer than {MAX_SUBJECT_CHARS} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(InvalidValue::new(
            "subject_control_chars",
            "the subject must be one line without control characters",
        ));
    }
    Ok(s)
}

/// Normalise (NFC, trimmed) and check a message body.
pub fn parse_body(s: &str) -> Result<String, InvalidValue> {
    let s = text::normalize_input(s);
    if s.is_empty() {
        return Err(InvalidValue::new(
            "body_empty",
            "the message must not be empty",
        ));
    }
    crate::input::check(&s, crate::input::Shape::Block)?;
    if s.chars().count() > timeline::MAX_BODY_CHARS {
        return Err(InvalidValue::new(
            "body_too_long",
            format!(
                "the message is longer than {} characters",
                timeline::MAX_BODY_CHARS
            ),
        ));
    }
    Ok(s)
}

/// A person's or business's display name.
pub fn parse_name(s: &str) -> Result<String, InvalidValue> {
    let s = text::normalize_input(s);
    if s.is_empty() {
        return Err(InvalidValue::new(
            "name_empty",
            "the name must not be empty",
        ));
    }
    if s.chars().count() > 200 || s.chars().any(|c| c.is_control()) {
        return Err(InvalidValue::new(
            "name_invalid",
            "a name is one line of at most 200 characters",
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_normalised_and_bounded() {
        assert_eq!(parse_subject("  Hải quan  ").unwrap(), "Hải quan");
        assert_eq!(parse_subject("").unwrap_err().code, "subject_empty");
        assert_eq!(
            parse_subject(&"a".repeat(201)).unwrap_err().code,
            "subject_too_long"
        );
        assert!(
            parse_subject(&"ệ".repeat(200)).is_ok(),
            "limit counts characters, not bytes"
        );
        assert_eq!(
            parse_subject("a\nb").unwrap_err().code,
            "subject_control_chars"
        );
    }

    #[test]
    fn bodies_keep_line_breaks_and_refuse_other_controls() {
        assert_eq!(
            parse_body("Kính gửi,\n\tHải quan").unwrap(),
            "Kính gửi,\n\tHải quan"
        );
        assert_eq!(
            parse_body("a\0b").unwrap_err().code,
            crate::input::CONTROL_CHARACTER
        );
    }
}
