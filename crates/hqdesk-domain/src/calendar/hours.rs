//! Weekly working hours: for each weekday, several periods of the day.
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// A period of a day, in minutes from local midnight: `start < end <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: u16,
    pub end: u16,
}

/// Index 0 is Monday, 6 is Sunday. A day without periods is a weekly rest day. Periods of a day
/// are sorted and do not overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(pub [Vec<Period>; 7]);

/// Day names of the text form, Monday first: English, then Vietnamese (thứ 2 … chủ nhật).
const DAYS_EN: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAYS_VI: [&str; 7] = ["t2", "t3", "t4", "t5", "t6", "t7", "cn"];

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

impl Period {
    /// `07:30-11:30` (24:00 allowed as an end).
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let bad = || {
            InvalidValue::new(
                "hours_period_invalid",
                format!("{s:?} is not a period such as 07:30-11:30"),
            )
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let start = parse_hhmm(a.trim()).ok_or_else(bad)?;
        let end = parse_hhmm(b.trim()).ok_or_else(bad)?;
        Ok(Period { start, end })
    }

    /// Length in minutes.
    pub fn minutes(self) -> i64 {
        i64::from(self.end) - i64::from(self.start)
    }
}

impl WeeklyHours {
    /// Every minute of every day.
    pub fn always_open() -> Self {
        WeeklyHours(std::array::from_fn(|_| {
            vec![Period {
                start: 0,
                end: 1440,
            }]
        }))
    }

    /// The periods of a weekday (0 = Monday).
    pub fn day(&self, weekday: usize) -> &[Period] {
        self.0.get(weekday).map_or(&[], Vec::as_slice)
    }

    /// Working minutes in a week.
    pub fn minutes_per_week(&self) -> i64 {
        self.0.iter().flatten().map(|p| p.minutes()).sum()
    }

    /// Each day's periods sorted, not overlapping (touching is allowed), with
    /// `start < end <= 1440`; `hours_invalid` otherwise.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        for (i, day) in self.0.iter().enumerate() {
            let mut previous_end = 0u16;
            for (j, p) in day.iter().enumerate() {
                if p.start >= p.end || p.end > 1440 {
                    return Err(InvalidValue::new(
                        "hours_invalid",
                        format!(
                            "{}: the period {}-{} must start before it ends, by 24:00",
                            DAYS_EN[i],
                            hhmm(p.start),
                            hhmm(p.end)
                        ),
                    ));
                }
                if j > 0 && p.start < previous_end {
                    return Err(InvalidValue::new(
                        "hours_invalid",
                        format!(
                            "{}: the period {}-{} overlaps or precedes the one before it",
                            DAYS_EN[i],
                            hhmm(p.start),
                            hhmm(p.end)
                        ),
                    ));
                }
                previous_end = p.end;
            }
        }
        Ok(())
    }

    /// The text form of the console's editor, one line per day, Monday first:
    /// `mon 07:30-11:30 13:00-17:00`, a rest day as its name alone (`sat`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, day) in self.0.iter().enumerate() {
            out.push_str(DAYS_EN[i]);
            for p in day {
                out.push(' ');
                out.push_str(&hhmm(p.start));
                out.push('-');
                out.push_str(&hhmm(p.end));
            }
            out.push('\n');
        }
        out
    }

    /// Reads [`WeeklyHours::to_text`]'s form: each of the seven days exactly once, in any order,
    /// named in English (`mon` … `sun`) or Vietnamese (`t2` … `t7`, `cn`), case-insensitive,
    /// followed by its periods (none for a rest day); blank lines are ignored. The result is
    /// validated.
    pub fn parse_text(text: &str) -> Result<Self, InvalidValue> {
        let mut days: [Option<Vec<Period>>; 7] = Default::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let Some(name) = words.next() else {
                continue;
            };
            let lower = name.to_lowercase();
            let index = DAYS_EN
                .iter()
                .position(|d| *d == lower)
                .or_else(|| DAYS_VI.iter().position(|d| *d == lower))
                .ok_or_else(|| {
                    InvalidValue::new(
                        "hours_day_unknown",
                        format!(
                            "{name:?} is not a day; write mon, tue, wed, thu, fri, sat, sun \
                             (or t2 … t7, cn)"
                        ),
                    )
                })?;
            if days[index].is_some() {
                return Err(InvalidValue::new(
                    "hours_day_repeated",
                    format!("{} is written twice", DAYS_EN[index]),
                ));
            }
            let periods = words.map(Period::parse).collect::<Result<Vec<_>, _>>()?;
            days[index] = Some(periods);
        }
        if let Some(missing) = days.iter().position(Option::is_none) {
            return Err(InvalidValue::new(
                "hours_day_missing",
                format!(
                    "{} is missing; write every day, a rest day by its name alone",
                    DAYS_EN[missing]
                ),
            ));
        }
        let hours = WeeklyHours(days.map(Option::unwrap_or_default));
        hours.validate()?;
        Ok(hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office_text() -> &'static str {
        "mon 07:30-11:30 13:00-17:00\ntue 07:30-11:30 13:00-17:00\nwed 07:30-11:30 13:00-17:00\n\
         thu 07:30-11:30 13:00-17:00\nfri 07:30-11:30 13:00-17:00\nsat\nsun\n"
    }

    #[test]
    fn text_form_round_trips() {
        let hours = WeeklyHours::parse_text(office_text()).unwrap();
        // 07:30 = 450, 11:30 = 690, 13:00 = 780, 17:00 = 1020.
        assert_eq!(
            hours.day(0),
            &[
                Period {
                    start: 450,
                    end: 690
                },
                Period {
                    start: 780,
                    end: 1020
                }
            ]
        );
        assert!(hours.day(5).is_empty() && hours.day(6).is_empty());
        assert_eq!(hours.to_text(), office_text());
        assert_eq!(hours.minutes_per_week(), 5 * 480);
        let open = WeeklyHours::always_open();
        assert_eq!(WeeklyHours::parse_text(&open.to_text()).unwrap(), open);
        assert!(open.to_text().starts_with("mon 00:00-24:00\n"));
    }

    #[test]
    fn vietnamese_day_names_and_any_order() {
        let text = "CN\nt7\nt6 08:00-12:00\nt5 08:00-12:00\nt4 08:00-12:00\n\n\
                    t3 08:00-12:00\nt2 08:00-12:00 13:30-17:30";
        let hours = WeeklyHours::parse_text(text).unwrap();
        assert_eq!(hours.day(0).len(), 2);
        assert_eq!(
            hours.day(0)[1],
            Period {
                start: 810,
                end: 1050
            }
        );
        assert!(hours.day(6).is_empty());
    }

    #[test]
    fn bad_text_is_refused_with_a_code() {
        let code = |t: &str| WeeklyHours::parse_text(t).unwrap_err().code;
        let rest = "tue\nwed\nthu\nfri\nsat\nsun\n";
        assert_eq!(code(&format!("mon 13:00-11:00\n{rest}")), "hours_invalid");
        assert_eq!(
            code(&format!("mon 08:00-12:00 11:00-14:00\n{rest}")),
            "hours_invalid"
        );
        assert_eq!(
            code(&format!("mon 13:00-17:00 08:00-12:00\n{rest}")),
            "hours_invalid"
        );
        assert_eq!(
            code(&format!("mon 08:00-24:30\n{rest}")),
            "hours_period_invalid"
        );
        assert_eq!(code(&format!("mon 8h-12h\n{rest}")), "hours_period_invalid");
        assert_eq!(code(&format!("lun\n{rest}")), "hours_day_unknown");
        assert_eq!(code(&format!("mon\nmon\n{rest}")), "hours_day_repeated");
        assert_eq!(code(rest), "hours_day_missing");
        // Touching periods are fine.
        assert!(WeeklyHours::parse_text(&format!("mon 08:00-12:00 12:00-13:00\n{rest}")).is_ok());
    }

    #[test]
    fn validate_checks_bounds() {
        let mut h = WeeklyHours::always_open();
        assert!(h.validate().is_ok());
        h.0[2] = vec![Period {
            start: 0,
            end: 1441,
        }];
        assert_eq!(h.validate().unwrap_err().code, "hours_invalid");
    }
}
