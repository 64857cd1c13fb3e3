//! Vietnamese lunar calendar (Hồ Ngọc Đức's method: astronomical new moons and solar terms at
//! UTC+7, which differs from the Chinese calendar at UTC+8 in some years).
//!
//! The method, as Hồ Ngọc Đức describes it:
//! - a lunar month starts on the (local, UTC+7) day of an astronomical new moon;
//! - month 11 is the month that contains the winter solstice (the sun at longitude 270°);
//! - between two months 11 there are 12 or 13 months; with 13, the first month after month 11
//!   that contains no major solar term (no multiple of 30° of the sun's longitude) is the leap
//!   month and repeats the number of the month before it.
//!
//! New moons and the sun's longitude use the classical low-precision series of J. Meeus
//! (Astronomical Formulae for Calculators / Astronomical Algorithms), which is what the
//! published Vietnamese tables are computed with; the sun's longitude is taken at local
//! midnight at the start of each month's first day.
use std::cell::RefCell;
use std::collections::HashMap;
use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};

/// A lunar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub leap: bool,
}

/// Vietnam's time zone for the astronomy, in hours.
const TIME_ZONE_HOURS: f64 = 7.0;
/// The mean synodic month, in days.
const SYNODIC_MONTH: f64 = 29.530588853;
/// Julian day number minus chrono's `num_days_from_ce`.
const JDN_FROM_CE: i64 = 1_721_425;

fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_FROM_CE
}

fn date_of_jdn(jdn: i64) -> NaiveDate {
    i32::try_from(jdn - JDN_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(NaiveDate::MIN)
}

fn sin_deg(deg: f64) -> f64 {
    (deg * PI / 180.0).sin()
}

/// The Julian date (days from noon, universal time) of the `k`-th new moon after the one of
/// January 1900 (Meeus' series for the mean new moon plus the main periodic terms).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries from 1900
    let t2 = t * t;
    let t3 = t2 * t;
    let mean = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
        + 0.00033 * sin_deg(166.56 + 132.87 * t - 0.009173 * t2);
    // Mean anomalies of the sun (m) and the moon (mm), the moon's argument of latitude (f).
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mm = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let correction = (0.1734 - 0.000393 * t) * sin_deg(m) + 0.0021 * sin_deg(2.0 * m)
        - 0.4068 * sin_deg(mm)
        + 0.0161 * sin_deg(2.0 * mm)
        - 0.0004 * sin_deg(3.0 * mm)
        + 0.0104 * sin_deg(2.0 * f)
        - 0.0051 * sin_deg(m + mm)
        - 0.0074 * sin_deg(m - mm)
        + 0.0004 * sin_deg(2.0 * f + m)
        - 0.0004 * sin_deg(2.0 * f - m)
        - 0.0006 * sin_deg(2.0 * f + mm)
        + 0.0010 * sin_deg(2.0 * f - mm)
        + 0.0005 * sin_deg(2.0 * mm + m);
    // Ephemeris time minus universal time, in days.
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    mean + correction - delta_t
}

/// The Julian day number of the local (UTC+7) day of the `k`-th new moon.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// The sun's apparent longitude in radians, 0..2π, at Julian date `jd`.
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2451545.0) / 36525.0; // Julian centuries from J2000
    let t2 = t * t;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin_deg(m)
        + (0.019993 - 0.000101 * t) * sin_deg(2.0 * m)
        + 0.000290 * sin_deg(3.0 * m);
    let l = (l0 + centre) * PI / 180.0;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Which 30° sector (0..=11) the sun is in at local midnight starting the day `jdn`; sector
/// 9 starts at the winter solstice.
fn sun_sector(jdn: i64) -> i64 {
    let jd = jdn as f64 - 0.5 - TIME_ZONE_HOURS / 24.0;
    ((sun_longitude(jd) / PI * 6.0).floor() as i64).clamp(0, 11)
}

/// The new-moon number of month 11 of solar year `year` (the month with the winter solstice).
fn month11(year: i32) -> i64 {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).map_or(0, jdn);
    let k = ((dec31 as f64 - 2415021.0) / SYNODIC_MONTH).floor() as i64;
    // The new moon on or before 31 December: if the sun has already passed 270° when that
    // month starts, the solstice fell in the month before.
    if sun_sector(new_moon_day(k)) >= 9 {
        k - 1
    } else {
        k
    }
}

/// One lunar month: its new-moon number, first day (Julian day number), number and leap flag,
/// and the lunar year it belongs to.
#[derive(Debug, Clone, Copy)]
struct Month {
    start: i64,
    next_start: i64,
    year: i32,
    month: u8,
    leap: bool,
}

/// The months from month 11 of solar year `year` up to (not including) month 11 of the next:
/// months 11 and 12 of lunar year `year`, then 1..=10 of lunar year `year + 1`, with a leap
/// month where there are 13.
fn cycle(year: i32) -> Vec<Month> {
    thread_local! {
        static CACHE: RefCell<HashMap<i32, Vec<Month>>> = RefCell::new(HashMap::new());
    }
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&year).cloned()) {
        return hit;
    }
    let computed = compute_cycle(year);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 1024 {
            c.clear();
        }
        c.insert(year, computed.clone());
    });
    computed
}

fn compute_cycle(year: i32) -> Vec<Month> {
    let k0 = month11(year);
    let k1 = month11(year + 1);
    let count = k1 - k0; // 12 or 13
    let starts: Vec<i64> = (0..=count).map(|i| new_moon_day(k0 + i)).collect();
    // With 13 months, the first month after month 11 without a major term (the sun in the
    // same sector at its start and at the next month's start) is the leap month.
    let leap_at = if count == 13 {
        (1..count).find(|&i| sun_sector(starts[i as usize]) == sun_sector(starts[i as usize + 1]))
    } else {
        None
    };
    let mut months = Vec::with_capacity(count as usize);
    for i in 0..count {
        let (ordinal, leap) = match leap_at {
            Some(l) if i == l => (i - 1, true),
            Some(l) if i > l => (i - 1, false),
            _ => (i, false),
        };
        // ordinal 0 is month 11, 1 is month 12, 2 is month 1 …
        let month = ((10 + ordinal) % 12 + 1) as u8;
        let lunar_year = if ordinal < 2 { year } else { year + 1 };
        months.push(Month {
            start: starts[i as usize],
            next_start: starts[i as usize + 1],
            year: lunar_year,
            month,
            leap,
        });
    }
    months
}

/// The solar date of the lunar new year (Tết, 1/1) of `year`.
pub fn new_year(year: i32) -> NaiveDate {
    cycle(year - 1)
        .iter()
        .find(|m| m.month == 1 && !m.leap)
        .map_or(NaiveDate::MIN, |m| date_of_jdn(m.start))
}

/// The solar date of a lunar date, or `None` if that date does not exist (a 30th of a 29-day
/// month, a leap month the year does not have).
pub fn to_solar(date: LunarDate) -> Option<NaiveDate> {
    if !(1..=12).contains(&date.month) || date.day == 0 {
        return None;
    }
    let solar_year = if date.month >= 11 {
        date.year
    } else {
        date.year - 1
    };
    let months = cycle(solar_year);
    let m = months
        .iter()
        .find(|m| m.month == date.month && m.leap == date.leap && m.year == date.year)?;
    let jdn = m.start + i64::from(date.day) - 1;
    (jdn < m.next_start).then(|| date_of_jdn(jdn))
}

/// The lunar date of a solar date.
pub fn from_solar(date: NaiveDate) -> LunarDate {
    let day = jdn(date);
    let this = cycle(date.year());
    let months = if this.first().is_some_and(|m| m.start <= day) {
        this
    } else {
        cycle(date.year() - 1)
    };
    match months.iter().find(|m| m.start <= day && day < m.next_start) {
        Some(m) => LunarDate {
            year: m.year,
            month: m.month,
            day: (day - m.start + 1) as u8,
            leap: m.leap,
        },
        None => LunarDate {
            year: date.year(),
            month: 1,
            day: 1,
            leap: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_2030_is_the_utc7_trap() {
        // New moon 16:07 UT on 2 Feb 2030 = 23:07 in Hanoi (2 Feb), 00:07 in Beijing (3 Feb).
        assert_eq!(new_year(2030), d(2030, 2, 2));
    }

    #[test]
    fn last_day_of_year_2025_is_the_29th() {
        // 2026's notice: Mon 16 Feb 2026 is "29 tháng Chạp", the last day of lunar 2025.
        let eve = from_solar(d(2026, 2, 16));
        assert_eq!(
            eve,
            LunarDate {
                year: 2025,
                month: 12,
                day: 29,
                leap: false
            }
        );
        assert_eq!(
            to_solar(LunarDate {
                year: 2025,
                month: 12,
                day: 30,
                leap: false
            }),
            None
        );
    }

    #[test]
    fn leap_month_11_of_2033() {
        // The "2033 problem": the Vietnamese calendar has a leap 11th month in 2033.
        let leap11 = to_solar(LunarDate {
            year: 2033,
            month: 11,
            day: 1,
            leap: true,
        })
        .unwrap();
        let back = from_solar(leap11);
        assert_eq!(
            (back.year, back.month, back.day, back.leap),
            (2033, 11, 1, true)
        );
        assert_eq!(new_year(2034), d(2034, 2, 19));
    }
}
