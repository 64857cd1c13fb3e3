//! Case numbers: short, dictated over the phone, typed into an e-mail subject.
//!
//! Form: `HQ` + year and month (Vietnam time) + `-` + six random digits + one check digit, e.g.
//! `HQ2611-4839207`. Digits only after the prefix because numbers are read aloud in Vietnamese;
//! random rather than sequential so that a number reveals neither the service's volume nor the
//! existence of confidential cases between two others; a Luhn check digit catches a mistyped
//! digit or two swapped neighbours before a lookup is even made.
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNumber(String);

impl CaseNumber {
    /// Build the number for a case opened at `at`, from six random digits (`random` is reduced
    /// modulo 1,000,000).
    pub fn compose(at: Timestamp, random: u32) -> Self {
        let local = at.to_vietnam();
        let yymm = format!("{}", local.format("%y%m"));
        let serial = format!("{:06}", random % 1_000_000);
        let check = luhn_check_digit(&format!("{yymm}{serial}"));
        CaseNumber(format!("HQ{yymm}-{serial}{check}"))
    }

    /// Accepts `HQ2611-4839207`, `hq2611 4839207`, `HQ26114839207`.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let digits = compact.strip_prefix("HQ").ok_or_else(format_error)?;
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_error());
        }
        let (body, check) = digits.split_at(10);
        if luhn_check_digit(body).to_string() != check {
            return Err(InvalidValue::new(
                "case_number_check_digit",
                "this case number has a typo: its last digit does not match",
            ));
        }
        let (yymm, serial) = body.split_at(4);
        Ok(CaseNumber(format!("HQ{yymm}-{serial}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn format_error() -> InvalidValue {
    InvalidValue::new(
        "case_number_format",
        "a case number looks like HQ2611-4839207 (HQ, four digits, a dash, seven digits)",
    )
}

/// Luhn (mod 10) check digit over ASCII digits; non-digits are ignored.
fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let dd = d * 2;
                if dd > 9 {
                    dd - 9
                } else {
                    dd
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CaseNumber {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CaseNumber::parse(&s)
    }
}

impl From<CaseNumber> for String {
    fn from(n: CaseNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 2026-11-23T09:20:00Z, which is 16:20 in Hà Nội.
    const NOV_2026: Timestamp = Timestamp(1_795_425_600_000);

    #[test]
    fn composes_with_vietnam_month_and_check_digit() {
        let n = CaseNumber::compose(NOV_2026, 483_920);
        assert!(n.as_str().starts_with("HQ2611-483920"), "{n}");
        assert_eq!(CaseNumber::parse(n.as_str()), Ok(n.clone()));
        // 31 Dec 20:00 UTC is already 1 January in Vietnam.
        let new_year = Timestamp(1_798_747_200_000); // 2026-12-31T20:00:00Z
        assert!(CaseNumber::compose(new_year, 1)
            .as_str()
            .starts_with("HQ2701-000001"));
    }

    #[test]
    fn parses_loose_forms_and_rejects_typos() {
        let n = CaseNumber::compose(NOV_2026, 123_456);
        let loose = n.as_str().to_lowercase().replace('-', " ");
        assert_eq!(CaseNumber::parse(&loose), Ok(n.clone()));
        let mut typo = n.as_str().to_string();
        let last = typo.pop().and_then(|c| c.to_digit(10)).unwrap();
        typo.push(char::from_digit((last + 1) % 10, 10).unwrap());
        assert_eq!(
            CaseNumber::parse(&typo).unwrap_err().code,
            "case_number_check_digit"
        );
        assert_eq!(
            CaseNumber::parse("12345").unwrap_err().code,
            "case_number_format"
        );
        assert_eq!(
            CaseNumber::parse("HQ2611-48392").unwrap_err().code,
            "case_number_format"
        );
    }

    proptest! {
        #[test]
        fn every_composed_number_parses_and_any_single_digit_change_is_caught(
            random in 0u32..1_000_000, pos in 0usize..10, delta in 1u32..10
        ) {
            let n = CaseNumber::compose(NOV_2026, random);
            prop_assert_eq!(CaseNumber::parse(n.as_str()), Ok(n.clone()));
            let digits: Vec<char> = n.as_str().chars().filter(|c| c.is_ascii_digit()).collect();
            let mut changed = digits.clone();
            let d = changed[pos].to_digit(10).unwrap();
            changed[pos] = char::from_digit((d + delta) % 10, 10).unwrap();
            let s: String = format!("HQ{}", changed.iter().collect::<String>());
            prop_assert!(CaseNumber::parse(&s).is_err());
        }
    }
}
