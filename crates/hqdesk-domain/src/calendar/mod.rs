//! Working calendars: weekly hours, Vietnam's public holidays (Labour Code 2019, Art. 111–112)
//! computed for any year from 1900 to 2199, the government's announced days off and make-up
//! working days per year, and arithmetic on working time. Pure: time comes in as a value.
//!
//! All calendars keep Vietnam's time, UTC+7 (`Asia/Ho_Chi_Minh`; no daylight saving since 1975,
//! and the offset is applied as fixed for earlier years too).
pub mod holidays;
pub mod hours;
pub mod lunar;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;
use crate::Timestamp;

pub use holidays::{DayOff, DayOffKind, HolidayName};
pub use hours::{Period, WeeklyHours};

/// The one time zone of every calendar.
pub const TIME_ZONE: &str = "Asia/Ho_Chi_Minh";
/// Years the holiday rules (and the lunar conversion) are computed for.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2199;

/// The built-in calendars' names.
pub const ALWAYS_OPEN: &str = "24x7";
pub const OFFICE: &str = "office";

/// A day with a name (an announced day off, a make-up working day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDay {
    pub date: NaiveDate,
    pub name: String,
}

/// One year's edits to the computed holidays, as the government's annual notice sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearRules {
    /// First day of the Tết holiday (default: the last day of the lunar year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tet_start: Option<NaiveDate>,
    /// Number of Tết days (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tet_days: Option<u8>,
    /// The day next to 2 September that is also off (1 or 3 September; default 1 September).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_day_extra: Option<NaiveDate>,
    /// Announced days off (swapped days, extra days), beyond the Labour Code's.
    #[serde(default)]
    pub days_off: Vec<NamedDay>,
    /// Announced make-up working days (usually a Saturday), working even on a weekly rest day.
    #[serde(default)]
    pub working_days: Vec<NamedDay>,
}

/// A named working calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub name: String,
    /// Always [`TIME_ZONE`]; kept so the API can say it.
    pub time_zone: String,
    pub weekly: WeeklyHours,
    /// Whether public holidays (and announced days off) are days off on this calendar. The
    /// 24/7 hotline's calendar has none.
    pub public_holidays: bool,
    /// Per-year edits, keyed by the year.
    #[serde(default)]
    pub years: BTreeMap<i32, YearRules>,
}

impl Calendar {
    /// `24x7`: every minute of every day is working time; no holidays.
    pub fn always_open() -> Self {
        todo!("issue 17: calendar domain")
    }

    /// `office`: Monday to Friday 07:30–11:30 and 13:00–17:00, with Vietnam's public holidays.
    pub fn office() -> Self {
        todo!("issue 17: calendar domain")
    }

    /// A year the rules are computed for (1900–2199), or `year_out_of_range`.
    pub fn check_year(year: i32) -> Result<i32, InvalidValue> {
        let _ = year;
        todo!("issue 17: calendar domain")
    }

    /// Every day off in `year` that is not a weekly rest day, by date: the Labour Code's
    /// holidays, the compensatory days (Art. 111) and the announced days off. A make-up working
    /// day is not a day off and is not listed. Empty on a calendar without public holidays.
    pub fn days_off(&self, year: i32) -> Result<Vec<DayOff>, InvalidValue> {
        let _ = year;
        todo!("issue 17: calendar domain")
    }

    /// Whether `date` (in Vietnam) has working hours on this calendar.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let _ = date;
        todo!("issue 17: calendar domain")
    }

    /// The instant when `minutes` of working time have passed from `from`. Zero gives `from`.
    /// Ending exactly at the close of a period gives that close (17:00), not the next opening.
    pub fn add_working_minutes(&self, from: Timestamp, minutes: i64) -> Timestamp {
        let _ = (from, minutes);
        todo!("issue 17: calendar domain")
    }

    /// The close of the `days`-th working day after the day of `from` (the day of `from` itself
    /// is not counted, as the law counts "within N working days of receipt"). Zero gives `from`.
    pub fn add_working_days(&self, from: Timestamp, days: i64) -> Timestamp {
        let _ = (from, days);
        todo!("issue 17: calendar domain")
    }

    /// Working minutes between two instants (0 when `to` is not after `from`).
    pub fn working_minutes_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        let _ = (from, to);
        todo!("issue 17: calendar domain")
    }
}
