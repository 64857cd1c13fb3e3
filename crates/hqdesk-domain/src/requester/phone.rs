//! Phone numbers, stored in E.164 (`+84912345678`).
//!
//! One canonical form lets the desk find a requester however the number was typed
//! (`0912 345 678`, `+84 912 345 678`, `84912345678`), and lets SMS/call integrations use the
//! stored value as is. Vietnam is the default region; foreign numbers need a leading `+`.
use std::fmt;

use phonenumber::country::Id;
use phonenumber::Mode;
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// Longer input is not a phone number; capping it also keeps the parser on small inputs.
const MAX_INPUT_CHARS: usize = 40;

/// A valid phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Parse a phone number as people write it, defaulting to Vietnam. Only digits, spaces and
    /// `+ - . ( ) /` are allowed: letters would mean vanity numbers or extensions, which we
    /// would otherwise silently drop.
    pub fn parse(s: &str) -> Result<PhoneE164, InvalidValue> {
        let s = s.trim();
        if s.is_empty() || !s.chars().any(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if s.chars().count() > MAX_INPUT_CHARS
            || !s
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+-.()/".contains(c))
        {
            return Err(InvalidValue::new(
                "phone_invalid",
                "a phone number may contain only digits, spaces, + - . ( ) and / \
                 (put an extension in the message instead)",
            ));
        }
        let number = phonenumber::parse(Some(Id::VN), s).map_err(|_| invalid())?;
        if !number.is_valid() {
            return Err(invalid());
        }
        Ok(PhoneE164(number.format().mode(Mode::E164).to_string()))
    }

    /// The E.164 form, e.g. `+84912345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How the search index holds the number that a search token (digits only) writes: the
    /// E.164 digits without `+` (`0987654321` → `84987654321`), as
    /// [`crate::text::search_tokens`] folds a stored `+84987654321`. `None` when the token is
    /// no valid number or is written that way already.
    pub fn indexed_token(token: &str) -> Option<String> {
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let e164 = PhoneE164::parse(token).ok()?;
        let digits = e164.as_str().trim_start_matches('+');
        (digits != token).then(|| digits.to_string())
    }

    /// For display: Vietnamese numbers in national format (`0912 345 678`), which is what
    /// agents and callers recognise; foreign numbers in international format (`+44 20 7946 0958`)
    /// because their national format would read as a Vietnamese number.
    pub fn national(&self) -> String {
        match phonenumber::parse(None, &self.0) {
            Ok(n) if n.code().value() == 84 => n.format().mode(Mode::National).to_string(),
            Ok(n) => n.format().mode(Mode::International).to_string(),
            Err(_) => self.0.clone(),
        }
    }
}

fn invalid() -> InvalidValue {
    InvalidValue::new(
        "phone_invalid",
        "this is not a valid phone number — write a Vietnamese number like 0912 345 678 \
         or 024 3826 1234, or a foreign number starting with + and the country code",
    )
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneE164 {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhoneE164::parse(&s)
    }
}

impl From<PhoneE164> for String {
    fn from(p: PhoneE164) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(s: &str) -> String {
        PhoneE164::parse(s)
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .as_str()
            .to_owned()
    }

    #[test]
    fn vietnamese_mobile_forms() {
        assert_eq!(e164("0912345678"), "+84912345678");
        assert_eq!(e164("+84 912 345 678"), "+84912345678");
        assert_eq!(e164("(+84) 91-234-5678"), "+84912345678");
        assert_eq!(e164("0084 912 345 678"), "+84912345678");
        assert_eq!(e164("  0912.345.678 "), "+84912345678");
    }

    /// phonenumber 0.3 itself recognises a leading `84` country code without `+` when the rest
    /// is a valid VN number, so no special case is needed; this test pins that behaviour.
    #[test]
    fn country_code_without_plus() {
        assert_eq!(e164("84912345678"), "+84912345678");
        assert_eq!(e164("842438261234"), "+842438261234");
    }

    #[test]
    fn vietnamese_landlines_and_service_numbers() {
        assert_eq!(e164("024 3826 1234"), "+842438261234");
        assert_eq!(e164("02033123456"), "+842033123456");
        assert_eq!(e164("1900 9299"), "+8419009299");
        assert_eq!(e164("1800 1234"), "+8418001234");
    }

    #[test]
    fn search_tokens_of_numbers_as_the_index_holds_them() {
        assert_eq!(
            PhoneE164::indexed_token("0987654321").as_deref(),
            Some("84987654321")
        );
        assert_eq!(PhoneE164::indexed_token("84987654321"), None);
        assert_eq!(PhoneE164::indexed_token("0123456789"), None);
        assert_eq!(PhoneE164::indexed_token("thue"), None);
        assert_eq!(PhoneE164::indexed_token(""), None);
    }

    #[test]
    fn foreign_numbers_with_plus() {
        assert_eq!(e164("+44 20 7946 0958"), "+442079460958");
    }

    #[test]
    fn rejects_invalid() {
        for s in [
            "0123456789",
            "12",
            "abc",
            "",
            "   ",
            "+",
            "0912345678 ext 12",
            "1-800-FLOWERS",
            "0912345678 0912345678 0912345678 0912345678",
            "  2 22#:",
        ] {
            let err = PhoneE164::parse(s).unwrap_err();
            assert_eq!(err.code, "phone_invalid", "{s:?}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn national_display() {
        assert_eq!(
            PhoneE164::parse("+84912345678").unwrap().national(),
            "0912 345 678"
        );
        assert_eq!(
            PhoneE164::parse("02438261234").unwrap().national(),
            "024 3826 1234"
        );
        assert_eq!(
            PhoneE164::parse("19009299").unwrap().national(),
            "1900 9299"
        );
        assert_eq!(
            PhoneE164::parse("+442079460958").unwrap().national(),
            "+44 20 7946 0958"
        );
    }

    #[test]
    fn display_and_serde() {
        let p = PhoneE164::parse("0912 345 678").unwrap();
        assert_eq!(p.to_string(), "+84912345678");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+84912345678\"");
        let back: PhoneE164 = serde_json::from_str("\"0912 345 678\"").unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<PhoneE164>("\"0123456789\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[0-9 +().#*/a-z-]{0,30}") {
            let _ = PhoneE164::parse(&s);
        }

        #[test]
        fn canonical_form_is_a_fixed_point(s in "(\\+84|0)(9[0-9]|3[2-9]|8[1-9]|7[06-9]|5[689])[0-9]{7}") {
            if let Ok(p) = PhoneE164::parse(&s) {
                prop_assert_eq!(PhoneE164::parse(p.as_str()).unwrap(), p.clone());
                prop_assert_eq!(PhoneE164::parse(&p.national()).unwrap(), p);
            }
        }
    }
}
