//! The days off of a year: Labour Code 2019 Art. 112 holidays (solar and lunar), compensatory
//! days (Art. 111) and the government's announced days.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why a day is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOffKind {
    /// A public holiday of the Labour Code.
    Holiday,
    /// The next working day after a holiday that fell on a weekly rest day.
    Compensatory,
    /// A day off the government announced for the year (a swapped day, an extra day).
    Announced,
}

impl DayOffKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayOffKind::Holiday => "holiday",
            DayOffKind::Compensatory => "compensatory",
            DayOffKind::Announced => "announced",
        }
    }
}

/// A holiday's name, translated by the pages (`cal.holiday.*` keys) and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "holiday", content = "detail")]
pub enum HolidayName {
    /// 1 January.
    NewYear,
    /// One of the Tết days: `lunar_day` is the day of the lunar month (29 or 30 for the last
    /// day of the old year, then 1, 2, 3, 4 …), `old_year` true for the old year's days.
    Tet { lunar_day: u8, old_year: bool },
    /// Hùng Kings' commemoration, 10th day of the 3rd lunar month.
    HungKings,
    /// 30 April.
    ReunificationDay,
    /// 1 May.
    LabourDay,
    /// 2 September.
    NationalDay,
    /// The day before or after 2 September.
    NationalDayExtra,
    /// Compensatory day for the holiday on this date.
    CompensatoryFor(NaiveDate),
    /// An announced day, named by whoever entered it.
    Announced(String),
}

/// One day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOff {
    pub date: NaiveDate,
    pub name: HolidayName,
    pub kind: DayOffKind,
}

use super::lunar::{self, LunarDate};
use super::YearRules;

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The Labour Code's holidays (Art. 112) of `year` with that year's edits, sorted by date,
/// one per date; those on weekly rest days included (the caller gives their compensatory days).
///
/// Tết: `tet_days` (default 5) days from `tet_start` (default the last day of the lunar year
/// that ends in `year`, i.e. the day before the lunar new year).
pub fn labour_code_holidays(year: i32, rules: Option<&YearRules>) -> Vec<(NaiveDate, HolidayName)> {
    let mut out: Vec<(NaiveDate, HolidayName)> = Vec::new();
    let mut push = |date: Option<NaiveDate>, name: HolidayName| {
        if let Some(date) = date {
            if !out.iter().any(|(d, _)| *d == date) {
                out.push((date, name));
            }
        }
    };
    push(ymd(year, 1, 1), HolidayName::NewYear);
    let tet_start = rules
        .and_then(|r| r.tet_start)
        .or_else(|| lunar::new_year(year).pred_opt());
    let tet_days = rules.and_then(|r| r.tet_days).unwrap_or(5);
    if let Some(start) = tet_start {
        for i in 0..u64::from(tet_days) {
            let Some(date) = start.checked_add_days(chrono::Days::new(i)) else {
                continue;
            };
            let l = lunar::from_solar(date);
            push(
                Some(date),
                HolidayName::Tet {
                    lunar_day: l.day,
                    old_year: l.year < year,
                },
            );
        }
    }
    push(
        lunar::to_solar(LunarDate {
            year,
            month: 3,
            day: 10,
            leap: false,
        }),
        HolidayName::HungKings,
    );
    push(ymd(year, 4, 30), HolidayName::ReunificationDay);
    push(ymd(year, 5, 1), HolidayName::LabourDay);
    push(ymd(year, 9, 2), HolidayName::NationalDay);
    push(
        rules
            .and_then(|r| r.national_day_extra)
            .or_else(|| ymd(year, 9, 1)),
        HolidayName::NationalDayExtra,
    );
    out.sort_by_key(|(d, _)| *d);
    out
}
