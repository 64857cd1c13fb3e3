//! Sealed values as column text. A sealed case's TEXT columns hold:
//!
//! - `hqsv1.` + base64url(bytes `hqdesk_vault::seal` made with the case's data key);
//! - `hqsa1.` + base64url(bytes `hqdesk_vault::seal_append` made with the case's append public
//!   key, by a writer holding no key to the case: a job).
//!
//! Anything else is plain text. The prefixes are ASCII that no user's text starts with by accident
//! in practice, and a reader that forgets to open a value shows the ciphertext, never the text.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

const VALUE_PREFIX: &str = "hqsv1.";
const APPENDED_PREFIX: &str = "hqsa1.";

/// The bytes of a sealed value, by who sealed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealedText {
    /// Sealed with the case's data key.
    Value(Vec<u8>),
    /// Sealed to the case's append public key.
    Appended(Vec<u8>),
}

impl SealedText {
    /// The column text.
    pub fn encode(&self) -> String {
        match self {
            SealedText::Value(b) => format!("{VALUE_PREFIX}{}", URL_SAFE_NO_PAD.encode(b)),
            SealedText::Appended(b) => format!("{APPENDED_PREFIX}{}", URL_SAFE_NO_PAD.encode(b)),
        }
    }

    /// The sealed bytes of a column's text; `None` for plain text (or a sealed prefix followed
    /// by something that is not base64url, which no writer makes: the caller treats it as a
    /// value that does not open).
    pub fn decode(stored: &str) -> Option<SealedText> {
        if let Some(b) = stored.strip_prefix(VALUE_PREFIX) {
            return URL_SAFE_NO_PAD.decode(b).ok().map(SealedText::Value);
        }
        if let Some(b) = stored.strip_prefix(APPENDED_PREFIX) {
            return URL_SAFE_NO_PAD.decode(b).ok().map(SealedText::Appended);
        }
        None
    }
}

/// Whether a column's text is a sealed value (of either kind), well formed or not.
pub fn is_sealed_text(stored: &str) -> bool {
    stored.starts_with(VALUE_PREFIX) || stored.starts_with(APPENDED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_plain_text() {
        for v in [
            SealedText::Value(vec![1, 2, 3, 250, 251]),
            SealedText::Appended(vec![0; 140]),
            SealedText::Value(vec![]),
        ] {
            let text = v.encode();
            assert!(is_sealed_text(&text), "{text}");
            assert!(text.is_ascii() && !text.contains(['+', '/', '=']), "{text}");
            assert_eq!(SealedText::decode(&text), Some(v));
        }
        for plain in ["Tố giác buôn lậu", "", "hqsv1", "hqsv2.AAAA", "HQSV1.AAAA"] {
            assert_eq!(SealedText::decode(plain), None, "{plain}");
            assert!(!is_sealed_text(plain), "{plain}");
        }
        // A sealed prefix with broken base64: sealed, but no bytes (it will not open).
        assert!(is_sealed_text("hqsv1.%%%"));
        assert_eq!(SealedText::decode("hqsv1.%%%"), None);
    }
}
