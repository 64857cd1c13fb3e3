//! Vietnamese tax code (mã số thuế, MST).
//!
//! Checked at the door because a mistyped tax code sends a case to the wrong business: the
//! 10-digit enterprise code carries a check digit, which catches most single-digit typos.
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// Weights for digits N1..N9 of the enterprise code (General Department of Taxation scheme).
const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// A valid tax code in canonical form: `0312687878` (enterprise), `0312687878-001` (branch),
/// or `001099012345` (12-digit personal identification number, used by individuals since
/// 1 July 2025).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

impl TaxCode {
    /// Parse a tax code as people write it: spaces, dots and dashes are ignored
    /// (`01.00.112.437`, `0312687878 - 001`).
    pub fn parse(s: &str) -> Result<TaxCode, InvalidValue> {
        let mut digits = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !is_separator(c) {
                return Err(format_error());
            }
        }
        match digits.len() {
            10 => {
                check_enterprise(&digits)?;
                Ok(TaxCode(digits))
            }
            13 => {
                let (base, branch) = digits.split_at(10);
                check_enterprise(base)?;
                if branch == "000" {
                    return Err(InvalidValue::new(
                        "tax_code_branch",
                        "a branch suffix runs from 001 to 999; 000 is never issued",
                    ));
                }
                Ok(TaxCode(format!("{base}-{branch}")))
            }
            // Personal identification number: no check digit to verify.
            12 => Ok(TaxCode(digits)),
            _ => Err(format_error()),
        }
    }

    /// The valid 10-digit enterprise code for a 9-digit prefix, or `None` if no code with this
    /// prefix can be issued. For demo-data generators, which need codes that pass `parse`.
    pub fn with_check_digit(prefix9: &str) -> Option<TaxCode> {
        if prefix9.len() != 9 || !prefix9.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if serial_is_zero(prefix9) {
            return None;
        }
        let check = check_digit(prefix9)?;
        Some(TaxCode(format!("{prefix9}{check}")))
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}'
        )
}

fn format_error() -> InvalidValue {
    InvalidValue::new(
        "tax_code_format",
        "a tax code has 10 digits, 10+3 digits for a branch, or 12 digits for a personal ID",
    )
}

/// N3..N9 are the serial number; an all-zero serial is never issued.
fn serial_is_zero(digits: &str) -> bool {
    digits.bytes().skip(2).take(7).all(|b| b == b'0')
}

/// Check digit for N1..N9, or `None` when the sum gives 10: such prefixes are skipped when
/// codes are issued.
fn check_digit(prefix9: &str) -> Option<u32> {
    let sum: u32 = prefix9
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    let check = 10 - (sum % 11);
    (check <= 9).then_some(check)
}

/// Validate a 10-digit (ASCII digits only) enterprise code.
fn check_enterprise(code: &str) -> Result<(), InvalidValue> {
    let (prefix, last) = code.split_at(9);
    if serial_is_zero(prefix) {
        return Err(InvalidValue::new(
            "tax_code_format",
            "digits 3 to 9 of a tax code cannot all be zero — please check for a typo",
        ));
    }
    let given = last.bytes().next().map(|b| u32::from(b.wrapping_sub(b'0')));
    // A prefix with no check digit (sum gives 10) matches no last digit.
    if check_digit(prefix).is_none_or(|c| Some(c) != given) {
        return Err(InvalidValue::new(
            "tax_code_check_digit",
            "the check digit of this tax code is wrong — please check for a typo",
        ));
    }
    Ok(())
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TaxCode {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TaxCode::parse(&s)
    }
}

impl From<TaxCode> for String {
    fn from(t: TaxCode) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code_of(s: &str) -> &'static str {
        TaxCode::parse(s).unwrap_err().code
    }

    #[test]
    fn valid_vectors() {
        for (input, canonical) in [
            ("0100233488", "0100233488"),
            ("0314409058-002", "0314409058-002"),
            ("0100112437", "0100112437"),
            ("0312687878", "0312687878"),
            ("0100109106", "0100109106"),
            ("0101243150", "0101243150"),
            ("01.00.112.437", "0100112437"),
            ("0312687878 - 001", "0312687878-001"),
            ("0312687878001", "0312687878-001"),
            (" 0312687878 – 001 ", "0312687878-001"),
            ("001099012345", "001099012345"),
            ("001 099 012 345", "001099012345"),
        ] {
            let t = TaxCode::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(t.as_str(), canonical, "{input:?}");
            assert_eq!(t.to_string(), canonical);
        }
    }

    #[test]
    fn invalid_vectors() {
        assert_eq!(code_of("0100233480"), "tax_code_check_digit");
        assert_eq!(code_of("0312687878-000"), "tax_code_branch");
        assert_eq!(code_of("0312687870-001"), "tax_code_check_digit");
        assert_eq!(code_of("123"), "tax_code_format");
        assert_eq!(code_of("abcdefghij"), "tax_code_format");
        assert_eq!(code_of(""), "tax_code_format");
        assert_eq!(code_of("   "), "tax_code_format");
        assert_eq!(code_of("01002334881"), "tax_code_format"); // 11 digits
        assert_eq!(code_of("0100233488/001"), "tax_code_format");
        assert_eq!(code_of("0100000000"), "tax_code_format"); // zero serial
    }

    #[test]
    fn check_digit_ten_is_never_issued() {
        // Find a prefix whose sum is 0 mod 11 and make sure no last digit makes it valid.
        let prefix = (100_000_000u32..)
            .map(|n| format!("{n:09}"))
            .find(|p| check_digit(p).is_none())
            .unwrap();
        assert_eq!(TaxCode::with_check_digit(&prefix), None);
        for d in 0..=9 {
            assert_eq!(code_of(&format!("{prefix}{d}")), "tax_code_check_digit");
        }
    }

    #[test]
    fn with_check_digit_helper() {
        assert_eq!(
            TaxCode::with_check_digit("010023348").unwrap().as_str(),
            "0100233488"
        );
        assert_eq!(
            TaxCode::with_check_digit("031268787").unwrap().as_str(),
            "0312687878"
        );
        assert_eq!(TaxCode::with_check_digit("010000000"), None);
        assert_eq!(TaxCode::with_check_digit("01002334"), None);
        assert_eq!(TaxCode::with_check_digit("01002334x"), None);
    }

    #[test]
    fn serde_runs_parse() {
        let t: TaxCode = serde_json::from_str("\"0312687878 - 001\"").unwrap();
        assert_eq!(t.as_str(), "0312687878-001");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"0312687878-001\"");
        assert!(serde_json::from_str::<TaxCode>("\"0100233480\"").is_err());
    }

    proptest! {
        #[test]
        fn valid_prefix_round_trips(prefix in "[0-9]{9}") {
            prop_assume!(!serial_is_zero(&prefix));
            let Some(check) = check_digit(&prefix) else {
                prop_assert!(TaxCode::with_check_digit(&prefix).is_none());
                return Ok(());
            };
            let code = format!("{prefix}{check}");
            let t = TaxCode::parse(&code).unwrap();
            prop_assert_eq!(t.as_str(), code.as_str());
            prop_assert_eq!(TaxCode::parse(t.as_str()).unwrap(), t.clone());
            prop_assert_eq!(TaxCode::with_check_digit(&prefix), Some(t));
            for d in (0..=9).filter(|d| *d != check) {
                let bad = format!("{prefix}{d}");
                prop_assert_eq!(TaxCode::parse(&bad).unwrap_err().code, "tax_code_check_digit");
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = TaxCode::parse(&s);
        }
    }
}
