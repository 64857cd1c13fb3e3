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
    /// One of the Tết days; `day` is the lunar day (30 or 29 for the last day of the old year,
    /// then 1, 2, 3, 4 …), `last_month_day` true for the old year's days.
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
