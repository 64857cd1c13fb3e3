//! Working calendars: weekly hours, Vietnam's public holidays (Labour Code 2019, Art. 111–112)
//! computed for any year from 1900 to 2199, the government's announced days off and make-up
//! working days per year, and arithmetic on working time. Pure: time comes in as a value.
//!
//! All calendars keep Vietnam's time, UTC+7 (`Asia/Ho_Chi_Minh`; no daylight saving since 1975,
//! and the offset is applied as fixed for earlier years too).
//!
//! Outside 1900–2199 [`Calendar::days_off`] answers `year_out_of_range`; the arithmetic there
//! counts the weekly hours alone (no holidays). The arithmetic walks day by day with one year's
//! days off kept at a time (and whole weeks skipped on a calendar without holidays): adding 30
//! working days or 10,000 minutes takes a few microseconds in a release build.
pub mod holidays;
pub mod hours;
pub mod lunar;

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
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

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const OFFSET_MS: i64 = crate::time::VIETNAM_OFFSET_SECONDS as i64 * 1000;
/// chrono's `num_days_from_ce` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The day in Vietnam (days since 1970-01-01) of an instant, and the milliseconds since that
/// day's local midnight.
pub(crate) fn local_day_and_ms(t: Timestamp) -> (i64, i64) {
    let local = t.0.saturating_add(OFFSET_MS);
    (local.div_euclid(DAY_MS), local.rem_euclid(DAY_MS))
}

/// The instant `ms_of_day` after local midnight of `day`.
pub(crate) fn instant(day: i64, ms_of_day: i64) -> Timestamp {
    Timestamp(
        day.saturating_mul(DAY_MS)
            .saturating_add(ms_of_day)
            .saturating_sub(OFFSET_MS),
    )
}

fn date_of_day(day: i64) -> Option<NaiveDate> {
    i32::try_from(day + EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// The day number of 1 January of the year after [`LAST_YEAR`]: the arithmetic gives up some
/// years after it (a calendar without any working time, an absurd amount) and answers that far
/// instant instead of looping.
fn give_up_day(from_day: i64) -> i64 {
    let after_last = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1)
        .map_or(0, |d| i64::from(d.num_days_from_ce()) - EPOCH_DAYS_FROM_CE);
    after_last.max(from_day) + 2 * 366
}

/// One year's days off and make-up days of a calendar, kept while the arithmetic walks through
/// the year (computing the lunar holidays once per year and call).
struct YearIndex<'a> {
    calendar: &'a Calendar,
    year: Option<i32>,
    off: Vec<NaiveDate>,
    makeup: Vec<NaiveDate>,
}

impl<'a> YearIndex<'a> {
    fn new(calendar: &'a Calendar) -> Self {
        Self {
            calendar,
            year: None,
            off: Vec::new(),
            makeup: Vec::new(),
        }
    }

    /// The working periods of `date` on the calendar.
    fn hours(&mut self, date: NaiveDate) -> &'a [Period] {
        let cal = self.calendar;
        let weekly = cal
            .weekly
            .day(date.weekday().num_days_from_monday() as usize);
        if !cal.public_holidays {
            return weekly;
        }
        if self.year != Some(date.year()) {
            self.year = Some(date.year());
            self.off = cal
                .all_days_off(date.year())
                .into_iter()
                .map(|d| d.date)
                .collect();
            self.makeup = cal.makeup_days(date.year());
        }
        if self.off.binary_search(&date).is_ok() {
            return &[];
        }
        if weekly.is_empty() && self.makeup.binary_search(&date).is_ok() {
            return cal.makeup_hours();
        }
        weekly
    }
}

impl Calendar {
    /// `24x7`: every minute of every day is working time; no holidays.
    pub fn always_open() -> Self {
        Calendar {
            name: ALWAYS_OPEN.to_string(),
            time_zone: TIME_ZONE.to_string(),
            weekly: WeeklyHours::always_open(),
            public_holidays: false,
            years: BTreeMap::new(),
        }
    }

    /// `office`: Monday to Friday 07:30–11:30 and 13:00–17:00, with Vietnam's public holidays.
    pub fn office() -> Self {
        let day = vec![
            Period {
                start: 7 * 60 + 30,
                end: 11 * 60 + 30,
            },
            Period {
                start: 13 * 60,
                end: 17 * 60,
            },
        ];
        Calendar {
            name: OFFICE.to_string(),
            time_zone: TIME_ZONE.to_string(),
            weekly: WeeklyHours([
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                Vec::new(),
                Vec::new(),
            ]),
            public_holidays: true,
            years: BTreeMap::new(),
        }
    }

    /// A year the rules are computed for (1900–2199), or `year_out_of_range`.
    pub fn check_year(year: i32) -> Result<i32, InvalidValue> {
        if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
            Ok(year)
        } else {
            Err(InvalidValue::new(
                "year_out_of_range",
                format!("the year must be from {FIRST_YEAR} to {LAST_YEAR}, not {year}"),
            ))
        }
    }

    /// Every day off in `year` that is not a weekly rest day, by date: the Labour Code's
    /// holidays, the compensatory days (Art. 111) and the announced days off. A make-up working
    /// day is not a day off and is not listed. Empty on a calendar without public holidays.
    ///
    /// A weekly rest day is a day without periods in the weekly hours that is not a make-up
    /// working day. Each holiday on a weekly rest day gives a compensatory day: the first day
    /// after it that is not a weekly rest day, a holiday, an announced day off or already
    /// compensatory (several are laid one after another, in the order of their holidays). A
    /// holiday that falls on a make-up working day stays off and gives no compensatory day;
    /// an announced day off gives none either (it is not the Labour Code's).
    pub fn days_off(&self, year: i32) -> Result<Vec<DayOff>, InvalidValue> {
        Self::check_year(year)?;
        if !self.public_holidays {
            return Ok(Vec::new());
        }
        let makeup = self.makeup_days(year);
        Ok(self
            .all_days_off(year)
            .into_iter()
            .filter(|d| !self.is_rest_day(d.date, &makeup))
            .collect())
    }

    /// Whether `date` (in Vietnam) has working hours on this calendar.
    ///
    /// A make-up working day that falls on a weekly rest day works Monday's hours (the hours of
    /// an ordinary weekday; if Monday has none, those of the first day of the week that has).
    /// A day that is both a day off and a make-up day is off.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !YearIndex::new(self).hours(date).is_empty()
    }

    /// The working periods of `date` (none on a day off or a weekly rest day).
    pub fn hours_of(&self, date: NaiveDate) -> Vec<Period> {
        YearIndex::new(self).hours(date).to_vec()
    }

    /// The instant when `minutes` of working time have passed from `from`. Zero gives `from`.
    /// Ending exactly at the close of a period gives that close (17:00), not the next opening.
    /// A negative amount counts as zero.
    pub fn add_working_minutes(&self, from: Timestamp, minutes: i64) -> Timestamp {
        self.add_working_millis(from, minutes.saturating_mul(MINUTE_MS))
    }

    /// The close of the `days`-th working day after the day of `from` (the day of `from` itself
    /// is not counted, as the law counts "within N working days of receipt"). Zero gives `from`.
    /// The close is the end of the day's last period (24:00, i.e. the next midnight, on 24x7).
    pub fn add_working_days(&self, from: Timestamp, days: i64) -> Timestamp {
        if days <= 0 {
            return from;
        }
        let (mut day, _) = local_day_and_ms(from);
        let limit = give_up_day(day);
        let mut index = YearIndex::new(self);
        let mut counted = 0;
        while day < limit {
            day += 1;
            let Some(date) = date_of_day(day) else {
                break;
            };
            if let Some(last) = index.hours(date).last() {
                counted += 1;
                if counted == days {
                    return instant(day, i64::from(last.end) * MINUTE_MS);
                }
            }
        }
        instant(limit, 0)
    }

    /// Working minutes between two instants (0 when `to` is not after `from`), rounded down.
    pub fn working_minutes_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        self.working_millis_between(from, to) / MINUTE_MS
    }

    /// [`Calendar::add_working_minutes`] to the millisecond.
    pub fn add_working_millis(&self, from: Timestamp, millis: i64) -> Timestamp {
        if millis <= 0 {
            return from;
        }
        let mut remaining = millis;
        let (mut day, mut pos) = local_day_and_ms(from);
        let limit = give_up_day(day);
        let week_ms = self.weekly.minutes_per_week() * MINUTE_MS;
        let mut index = YearIndex::new(self);
        while day < limit {
            // Without holidays every run of 7 whole days holds exactly a week's hours.
            if pos == 0 && !self.public_holidays && week_ms > 0 && remaining > week_ms {
                let weeks = (remaining - 1) / week_ms;
                day = day.saturating_add(weeks * 7);
                remaining -= weeks * week_ms;
                if day >= limit {
                    break;
                }
            }
            let Some(date) = date_of_day(day) else {
                break;
            };
            for p in index.hours(date) {
                let start = i64::from(p.start) * MINUTE_MS;
                let end = i64::from(p.end) * MINUTE_MS;
                if end <= pos {
                    continue;
                }
                let begin = start.max(pos);
                let available = end - begin;
                if remaining <= available {
                    return instant(day, begin + remaining);
                }
                remaining -= available;
            }
            day += 1;
            pos = 0;
        }
        instant(limit, 0)
    }

    /// [`Calendar::working_minutes_between`] to the millisecond.
    pub fn working_millis_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let (mut day, mut pos) = local_day_and_ms(from);
        let (last_day, last_pos) = local_day_and_ms(to);
        let week_ms = self.weekly.minutes_per_week() * MINUTE_MS;
        let mut index = YearIndex::new(self);
        let mut total: i64 = 0;
        while day <= last_day {
            if pos == 0 && !self.public_holidays && last_day - day > 7 {
                let weeks = (last_day - day) / 7;
                day += weeks * 7;
                total = total.saturating_add(weeks.saturating_mul(week_ms));
                continue;
            }
            let Some(date) = date_of_day(day) else {
                break;
            };
            let upto = if day == last_day { last_pos } else { DAY_MS };
            for p in index.hours(date) {
                let start = (i64::from(p.start) * MINUTE_MS).max(pos);
                let end = (i64::from(p.end) * MINUTE_MS).min(upto);
                if end > start {
                    total += end - start;
                }
            }
            day += 1;
            pos = 0;
        }
        total
    }

    fn rules_touching(&self, year: i32) -> impl Iterator<Item = &YearRules> {
        self.years
            .range(year.saturating_sub(1)..=year.saturating_add(1))
            .map(|(_, r)| r)
    }

    /// The make-up working days of `year`, sorted (none without public holidays).
    fn makeup_days(&self, year: i32) -> Vec<NaiveDate> {
        if !self.public_holidays {
            return Vec::new();
        }
        let mut days: Vec<NaiveDate> = self
            .rules_touching(year)
            .flat_map(|r| r.working_days.iter().map(|d| d.date))
            .filter(|d| d.year() == year)
            .collect();
        days.sort();
        days.dedup();
        days
    }

    /// The hours a make-up day on a weekly rest day works: Monday's, or the first day's of the
    /// week that has any.
    fn makeup_hours(&self) -> &[Period] {
        self.weekly
            .0
            .iter()
            .find(|d| !d.is_empty())
            .map_or(&[], Vec::as_slice)
    }

    fn is_rest_day(&self, date: NaiveDate, makeup: &[NaiveDate]) -> bool {
        self.weekly
            .day(date.weekday().num_days_from_monday() as usize)
            .is_empty()
            && makeup.binary_search(&date).is_err()
    }

    /// Every day off of `year` (weekly rest days included when a holiday falls on one), sorted
    /// by date; empty without public holidays or outside 1900–2199.
    fn all_days_off(&self, year: i32) -> Vec<DayOff> {
        if !self.public_holidays || Self::check_year(year).is_err() {
            return Vec::new();
        }
        let makeup = self.makeup_days(year);
        let holidays = holidays::labour_code_holidays(year, self.years.get(&year));
        let mut out: Vec<DayOff> = holidays
            .iter()
            .map(|(date, name)| DayOff {
                date: *date,
                name: name.clone(),
                kind: DayOffKind::Holiday,
            })
            .collect();
        for r in self.rules_touching(year) {
            for d in &r.days_off {
                if d.date.year() == year && !out.iter().any(|o| o.date == d.date) {
                    out.push(DayOff {
                        date: d.date,
                        name: HolidayName::Announced(d.name.clone()),
                        kind: DayOffKind::Announced,
                    });
                }
            }
        }
        let mut taken: Vec<NaiveDate> = out.iter().map(|d| d.date).collect();
        for (date, _) in &holidays {
            if !self.is_rest_day(*date, &makeup) {
                continue;
            }
            let mut next = *date;
            for _ in 0..366 {
                let Some(n) = next.checked_add_days(Days::new(1)) else {
                    break;
                };
                next = n;
                if !self.is_rest_day(next, &makeup) && !taken.contains(&next) {
                    taken.push(next);
                    out.push(DayOff {
                        date: next,
                        name: HolidayName::CompensatoryFor(*date),
                        kind: DayOffKind::Compensatory,
                    });
                    break;
                }
            }
        }
        out.retain(|d| d.date.year() == year);
        out.sort_by_key(|d| d.date);
        out
    }
}

#[cfg(test)]
mod tests;
