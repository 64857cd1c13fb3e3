//! Which characters may enter: the one rule for text from outside (API bodies, query strings,
//! path segments, forms, mail, telephony, the command line). Every entry applies it before
//! anything is stored or looked up, so a stray NUL is refused everywhere with the same answer
//! instead of being stored by SQLite and crashing a PostgreSQL query.
//!
//! Free text (a message body, a note, a description) may hold tabs and line breaks; every other
//! field is one line. Which fields are free text is decided by name ([`Shape::of_field`]) so
//! that a field added to any form or request is covered without further code.
use std::borrow::Cow;

use crate::error::{FieldError, InvalidValue};

/// The stable code of a refused character.
pub const CONTROL_CHARACTER: &str = "control_character";

/// Fields (by their last name) that hold free text over several lines.
pub const MULTILINE_FIELDS: [&str; 12] = [
    "body",
    "comment",
    "description",
    "documents",
    "error_message",
    "legal_basis",
    "message",
    "note",
    "steps",
    // A calendar's weekly hours (one line a day) and a year's announced days off and make-up
    // working days (one a line), in the service-level console.
    "weekly_hours",
    "days_off_lines",
    "working_days_lines",
];

/// The refused characters of each shape as a regular expression (ECMA-262, as OpenAPI's
/// `pattern` expects): schema-driven clients and fuzzers read it from the API document.
pub const LINE_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F\u2028\u2029]*$";
pub const BLOCK_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// What a text field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One line: no control character at all (no tab, no line break).
    Line,
    /// Free text: tab, line feed and carriage return allowed; no other control character.
    Block,
}

impl Shape {
    /// The shape of a field from its path (`requester.name`, `attachments[0].filename`, `body`).
    pub fn of_field(path: &str) -> Shape {
        let last = path.rsplit('.').next().unwrap_or(path);
        let name = last.split('[').next().unwrap_or(last);
        if MULTILINE_FIELDS.contains(&name) {
            Shape::Block
        } else {
            Shape::Line
        }
    }

    fn refuses(self, c: char) -> bool {
        match self {
            Shape::Line => c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'),
            Shape::Block => c.is_control() && !matches!(c, '\t' | '\n' | '\r'),
        }
    }

    /// The regular expression of the characters this shape accepts.
    pub fn pattern(self) -> &'static str {
        match self {
            Shape::Line => LINE_PATTERN,
            Shape::Block => BLOCK_PATTERN,
        }
    }
}

/// Refuse a value with a character its shape does not allow, naming the first one.
pub fn check(value: &str, shape: Shape) -> Result<(), InvalidValue> {
    match value.chars().find(|c| shape.refuses(*c)) {
        None => Ok(()),
        Some(c) => Err(InvalidValue::new(
            CONTROL_CHARACTER,
            match (shape, c) {
                (Shape::Line, '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}') => format!(
                    "must be one line: tabs and line breaks are not allowed (found U+{:04X})",
                    u32::from(c)
                ),
                _ => format!(
                    "contains a control character (U+{:04X}), which is not allowed",
                    u32::from(c)
                ),
            },
        )),
    }
}

/// [`check`] with the field's own shape, the error at the field.
pub fn check_field(field: &str, value: &str) -> Result<(), FieldError> {
    check(value, Shape::of_field(field)).map_err(|e| e.at(field))
}

/// For text that must never be lost (mail from outside, events from the telephone system): the
/// refused characters replaced, line breaks and tabs of one-line values by a space, anything
/// else by U+FFFD (so a reader sees that something was there).
pub fn scrub(value: &str, shape: Shape) -> Cow<'_, str> {
    if !value.chars().any(|c| shape.refuses(c)) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(
        value
            .chars()
            .map(|c| match c {
                c if !shape.refuses(c) => c,
                '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => ' ',
                _ => '\u{FFFD}',
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_line_fields_refuse_every_control_character() {
        for c in [
            '\0', '\u{1}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}',
        ] {
            let v = format!("Hải{c}quan");
            let e = check(&v, Shape::Line).unwrap_err();
            assert_eq!(e.code, CONTROL_CHARACTER, "{c:?}");
            assert!(
                e.message.contains(&format!("U+{:04X}", u32::from(c))),
                "{}",
                e.message
            );
        }
        assert!(check("a\u{2028}b", Shape::Line).is_err());
        assert!(check("Hải quan – Móng Cái (KV8) 😀", Shape::Line).is_ok());
    }

    #[test]
    fn free_text_keeps_tabs_and_line_breaks() {
        assert!(check("Kính gửi,\r\n\tHải quan\n\u{2028}", Shape::Block).is_ok());
        for c in [
            '\0', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}',
        ] {
            assert!(check(&format!("a{c}b"), Shape::Block).is_err(), "{c:?}");
        }
    }

    #[test]
    fn the_shape_comes_from_the_field_name() {
        assert_eq!(Shape::of_field("body"), Shape::Block);
        assert_eq!(Shape::of_field("note"), Shape::Block);
        assert_eq!(Shape::of_field("items[2].description"), Shape::Block);
        assert_eq!(Shape::of_field("subject"), Shape::Line);
        assert_eq!(Shape::of_field("requester.name"), Shape::Line);
        assert_eq!(Shape::of_field("attachments[0].content_type"), Shape::Line);
        assert_eq!(Shape::of_field("body_html"), Shape::Line);
        let e = check_field("requester.name", "An\0").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("requester.name", CONTROL_CHARACTER)
        );
    }

    #[test]
    fn scrub_replaces_only_what_is_refused() {
        assert!(matches!(
            scrub("Hải quan\n", Shape::Block),
            Cow::Borrowed(_)
        ));
        assert_eq!(scrub("a\0b\nc", Shape::Block), "a\u{FFFD}b\nc");
        assert_eq!(scrub("a\0b\r\nc", Shape::Line), "a\u{FFFD}b  c");
    }

    proptest! {
        #[test]
        fn scrubbed_text_passes_the_check(s in "\\PC*|[\\x00-\\x20a\u{85}\u{2028}]*") {
            for shape in [Shape::Line, Shape::Block] {
                prop_assert!(check(&scrub(&s, shape), shape).is_ok());
            }
        }

        #[test]
        fn the_pattern_agrees_with_the_check(s in "[\\x00-\\x7f\u{80}-\u{a0}\u{2028}\u{2029}ệ]{0,8}") {
            for shape in [Shape::Line, Shape::Block] {
                let re = regex::Regex::new(shape.pattern()).unwrap();
                prop_assert_eq!(re.is_match(&s), check(&s, shape).is_ok(), "{:?} {:?}", shape, s);
            }
        }
    }
}
