//! E-mail addresses.
//!
//! The check is deliberately loose on the local part (mail servers decide what they accept there)
//! and strict on the domain, where typos like `abc..vn` or `abc.vn-` are common and cheap to
//! catch. The domain is lowercased because it is case-insensitive; the local part is kept as
//! given because, strictly, it is not.
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

const MAX_LOCAL_CHARS: usize = 64;
const MAX_LABEL_CHARS: usize = 63;
const MAX_TOTAL_CHARS: usize = 254;

/// A plausible e-mail address: local part as given, domain lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parse an e-mail address (trimmed, NFC). Internationalised domains may be written in
    /// Unicode (`thư@hảiquan.vn`); they are not converted to punycode.
    pub fn parse(s: &str) -> Result<Email, InvalidValue> {
        let s: String = s.nfc().collect();
        let s = s.trim();
        let (local, domain) = s.split_once('@').ok_or_else(|| invalid("it needs an @"))?;
        if domain.contains('@') {
            return Err(invalid("it must contain exactly one @"));
        }
        let local_len = local.chars().count();
        if local_len == 0 {
            return Err(invalid("the part before the @ is empty"));
        }
        if local_len > MAX_LOCAL_CHARS {
            return Err(invalid(
                "the part before the @ is longer than 64 characters",
            ));
        }
        if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("it must not contain spaces"));
        }
        let domain = domain.to_lowercase();
        check_domain(&domain)?;
        let email = format!("{local}@{domain}");
        if email.chars().count() > MAX_TOTAL_CHARS {
            return Err(invalid("it is longer than 254 characters"));
        }
        Ok(Email(email))
    }

    /// The address: local part as given, domain lowercased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_domain(domain: &str) -> Result<(), InvalidValue> {
    if !domain.contains('.') {
        return Err(invalid("the domain after the @ needs a dot, like abc.vn"));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(invalid(
                "the domain after the @ has an empty part (two dots in a row?)",
            ));
        }
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(invalid("a part of the domain is longer than 63 characters"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(invalid("a part of the domain starts or ends with a hyphen"));
        }
        let ok = label.chars().all(|c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || c == '-'
                || (!c.is_ascii() && (c.is_alphanumeric() || is_mark(c)))
        });
        if !ok {
            return Err(invalid(
                "the domain after the @ may contain only letters, digits, hyphens and dots",
            ));
        }
    }
    Ok(())
}

/// Combining marks are part of some letters even after NFC (IDN labels in other scripts).
fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

fn invalid(why: &str) -> InvalidValue {
    InvalidValue::new(
        "email_invalid",
        format!("this is not a valid e-mail address: {why}"),
    )
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid() {
        for (input, want) in [
            ("an.nguyen@ABC.vn", "an.nguyen@abc.vn"),
            ("bophanhotro@customs.gov.vn", "bophanhotro@customs.gov.vn"),
            ("  An.Nguyen@Customs.GOV.vn\n", "An.Nguyen@customs.gov.vn"),
            (
                "a+tag@sub-domain.example.com",
                "a+tag@sub-domain.example.com",
            ),
            ("hotro@hảiquan.vn", "hotro@hảiquan.vn"),
            ("hotro@HẢIQUAN.VN", "hotro@hảiquan.vn"),
        ] {
            let e = Email::parse(input).unwrap_or_else(|err| panic!("{input:?}: {err}"));
            assert_eq!(e.as_str(), want);
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn decomposed_domain_is_composed() {
        let nfd: String = "hotro@hảiquan.vn".nfd().collect();
        assert_eq!(Email::parse(&nfd).unwrap().as_str(), "hotro@hảiquan.vn");
    }

    #[test]
    fn invalid() {
        let long_local = format!("{}@abc.vn", "a".repeat(65));
        let long_total = format!("a@{}.vn", vec!["b".repeat(60); 5].join("."));
        for input in [
            "foo",
            "a@b",
            "a b@c.vn",
            "@c.vn",
            "a@-c.vn",
            "a@c-.vn",
            "a@@c.vn",
            "a@b@c.vn",
            "a@c..vn",
            "a@.c.vn",
            "a@c.vn.",
            "a@c_d.vn",
            "a@c .vn",
            "a\u{7}@c.vn",
            "",
            long_local.as_str(),
            long_total.as_str(),
        ] {
            let err = Email::parse(input).unwrap_err();
            assert_eq!(err.code, "email_invalid", "{input:?}");
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let local64 = format!("{}@abc.vn", "a".repeat(64));
        assert!(Email::parse(&local64).is_ok());
    }

    #[test]
    fn serde_runs_parse() {
        let e: Email = serde_json::from_str("\"an.nguyen@ABC.vn\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"an.nguyen@abc.vn\"");
        assert!(serde_json::from_str::<Email>("\"foo\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_is_idempotent(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }

        #[test]
        fn simple_addresses_parse(
            local in "[a-zA-Z0-9._+]{1,20}",
            labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 2..4),
        ) {
            let input = format!("{local}@{}", labels.join("."));
            let parsed = Email::parse(&input).unwrap();
            prop_assert_eq!(parsed.as_str(), input.as_str());
        }
    }
}
