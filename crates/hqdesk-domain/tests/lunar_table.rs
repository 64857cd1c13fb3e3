//! The lunar conversion against Hồ Ngọc Đức's published year tables (TK20/TK21) for 1990–2050:
//! see tests/data/tet_1990_2050.csv for the source and how it was decoded.
//!
//! Cross-checks with the government's notices (also in the table): 2025's Hùng Kings' day is
//! Mon 7 Apr 2025 (the 5–7 Apr break); the last day of lunar 2025 is Mon 16 Feb 2026 ("29 tháng
//! Chạp", the first Tết day off of the 2026 notice). 2030 is the UTC+7 trap: the new moon is at
//! 16:07 UT on 2 Feb 2030, 23:07 in Hanoi, so Tết is 2 Feb (the Chinese calendar, at UTC+8,
//! has 3 Feb).
#![allow(clippy::unwrap_used)] // a test file: a bad row must fail loudly

use chrono::{Datelike, NaiveDate, Weekday};
use hqdesk_domain::calendar::lunar::{from_solar, new_year, to_solar, LunarDate};

struct Row {
    year: i32,
    tet: NaiveDate,
    hung_kings: NaiveDate,
    leap_month: u8,
}

fn rows() -> Vec<Row> {
    let text = include_str!("data/tet_1990_2050.csv");
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("year") && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                year: f[0].parse().unwrap(),
                tet: f[1].parse().unwrap(),
                hung_kings: f[2].parse().unwrap(),
                leap_month: f[3].trim().parse().unwrap(),
            }
        })
        .collect();
    assert_eq!(rows.len(), 61, "1990..=2050");
    rows
}

#[test]
fn new_year_and_hung_kings_match_the_published_table() {
    for r in rows() {
        assert_eq!(new_year(r.year), r.tet, "Tết {}", r.year);
        let hung = to_solar(LunarDate {
            year: r.year,
            month: 3,
            day: 10,
            leap: false,
        });
        assert_eq!(hung, Some(r.hung_kings), "Hùng Kings {}", r.year);
    }
}

#[test]
fn leap_months_match_the_published_table() {
    for r in rows() {
        // The months of lunar year r.year that are leap: 1/1 of each candidate leap month.
        let leaps: Vec<u8> = (1..=12u8)
            .filter(|&m| {
                to_solar(LunarDate {
                    year: r.year,
                    month: m,
                    day: 1,
                    leap: true,
                })
                .is_some()
            })
            .collect();
        let expected: Vec<u8> = if r.leap_month == 0 {
            vec![]
        } else {
            vec![r.leap_month]
        };
        assert_eq!(leaps, expected, "leap month of {}", r.year);
    }
}

#[test]
fn government_notices_cross_check() {
    let hung_2025 = to_solar(LunarDate {
        year: 2025,
        month: 3,
        day: 10,
        leap: false,
    })
    .unwrap();
    assert_eq!(hung_2025, NaiveDate::from_ymd_opt(2025, 4, 7).unwrap());
    assert_eq!(hung_2025.weekday(), Weekday::Mon);
    let last_day_2025 = new_year(2026).pred_opt().unwrap();
    assert_eq!(last_day_2025, NaiveDate::from_ymd_opt(2026, 2, 16).unwrap());
    assert_eq!(last_day_2025.weekday(), Weekday::Mon);
    assert_eq!(from_solar(last_day_2025).day, 29);
    assert_eq!(new_year(2030), NaiveDate::from_ymd_opt(2030, 2, 2).unwrap());
}

#[test]
fn from_solar_and_to_solar_round_trip_every_day_1990_2050() {
    let mut day = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2050, 12, 31).unwrap();
    let mut previous: Option<LunarDate> = None;
    let mut count = 0;
    while day <= end {
        let lunar = from_solar(day);
        assert!((1..=30).contains(&lunar.day), "{day}: {lunar:?}");
        assert_eq!(to_solar(lunar), Some(day), "{day}: {lunar:?}");
        // Consecutive days: the next lunar day, or 1 of the next month after a 29th or 30th.
        if let Some(p) = previous {
            if lunar.day == 1 {
                assert!(p.day == 29 || p.day == 30, "{day}: month of {} days", p.day);
            } else {
                assert_eq!(lunar.day, p.day + 1, "{day}");
                assert_eq!(
                    (lunar.year, lunar.month, lunar.leap),
                    (p.year, p.month, p.leap)
                );
            }
        }
        previous = Some(lunar);
        day = day.succ_opt().unwrap();
        count += 1;
    }
    assert_eq!(count, 22280); // 61 years, 15 of them leap (1992 … 2048): 61*365 + 15
}

#[test]
fn conversion_covers_1900_to_2199() {
    for year in 1900..=2199 {
        let tet = new_year(year);
        // Tết falls between 21 January and 20 February.
        assert!(
            tet >= NaiveDate::from_ymd_opt(year, 1, 21).unwrap()
                && tet <= NaiveDate::from_ymd_opt(year, 2, 20).unwrap(),
            "{year}: {tet}"
        );
        let lunar = from_solar(tet);
        assert_eq!(
            (lunar.year, lunar.month, lunar.day, lunar.leap),
            (year, 1, 1, false)
        );
    }
}
