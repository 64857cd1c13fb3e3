//! Hand-computed holidays and working-time arithmetic. Weekdays were worked out from 1 January
//! of each year (given in each test) and the lunar dates from tests/data/tet_1990_2050.csv.
use chrono::{Datelike, NaiveDate, Weekday};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// An instant given in Vietnam's time.
fn vn(y: i32, m: u32, day: u32, h: u32, min: u32) -> Timestamp {
    let local = d(y, m, day).and_hms_opt(h, min, 0).unwrap();
    Timestamp(local.and_utc().timestamp_millis() - 7 * 3_600_000)
}

fn off(cal: &Calendar, year: i32) -> Vec<(NaiveDate, DayOffKind)> {
    cal.days_off(year)
        .unwrap()
        .into_iter()
        .map(|o| (o.date, o.kind))
        .collect()
}

use DayOffKind::{Announced, Compensatory, Holiday};

#[test]
fn days_off_2027() {
    // 1 Jan 2027 is a Friday. Tết: 1/1 lunar = Sat 6 Feb, so the five days are Fri 5 (the
    // year's last day), Sat 6, Sun 7, Mon 8, Tue 9 Feb; Sat 6 and Sun 7 are rest days, so
    // their compensatory days are the next free working days, Wed 10 and Thu 11 Feb (not
    // listed: Sat 6, Sun 7). Hùng Kings 10/3 lunar = Fri 16 Apr. 30/4 Fri; 1/5 Sat → the
    // next working day, Mon 3 May. 1/9 Wed, 2/9 Thu.
    assert_eq!(
        off(&Calendar::office(), 2027),
        vec![
            (d(2027, 1, 1), Holiday),
            (d(2027, 2, 5), Holiday),
            (d(2027, 2, 8), Holiday),
            (d(2027, 2, 9), Holiday),
            (d(2027, 2, 10), Compensatory),
            (d(2027, 2, 11), Compensatory),
            (d(2027, 4, 16), Holiday),
            (d(2027, 4, 30), Holiday),
            (d(2027, 5, 3), Compensatory),
            (d(2027, 9, 1), Holiday),
            (d(2027, 9, 2), Holiday),
        ]
    );
    let all = Calendar::office().days_off(2027).unwrap();
    assert_eq!(all[4].name, HolidayName::CompensatoryFor(d(2027, 2, 6)));
    assert_eq!(all[5].name, HolidayName::CompensatoryFor(d(2027, 2, 7)));
    // Lunar month 12 of 2026 starts Fri 8 Jan 2027 (new moon 20:24 UT on 7 Jan = 03:24 on 8 Jan
    // in Hanoi) and the next on Sat 6 Feb: 29 days, so Fri 5 Feb is "29 Tết".
    assert_eq!(
        all[1].name,
        HolidayName::Tet {
            lunar_day: 29,
            old_year: true
        }
    );
    assert_eq!(
        all[2].name,
        HolidayName::Tet {
            lunar_day: 3,
            old_year: false
        }
    );
    assert_eq!(all[8].name, HolidayName::CompensatoryFor(d(2027, 5, 1)));
}

#[test]
fn days_off_2028_new_year_on_a_saturday() {
    // 1 Jan 2028 is a Saturday → compensatory Mon 3 Jan. Tết: 1/1 lunar = Wed 26 Jan, days
    // Tue 25 … Sat 29 Jan; Sat 29 → Sun 30 is a rest day → Mon 31 Jan. Hùng Kings Tue 4 Apr.
    // 30/4 is a Sunday (day 121 of a leap year starting on Saturday: 120 = 17*7 + 1 → Sunday);
    // its next working day Mon 1 May is a holiday, so Tue 2 May. 1/9 Fri (day 245: 244 =
    // 34*7 + 6), 2/9 Sat → Sun 3 rest → Mon 4 Sep.
    assert_eq!(
        off(&Calendar::office(), 2028),
        vec![
            (d(2028, 1, 3), Compensatory),
            (d(2028, 1, 25), Holiday),
            (d(2028, 1, 26), Holiday),
            (d(2028, 1, 27), Holiday),
            (d(2028, 1, 28), Holiday),
            (d(2028, 1, 31), Compensatory),
            (d(2028, 4, 4), Holiday),
            (d(2028, 5, 1), Holiday),
            (d(2028, 5, 2), Compensatory),
            (d(2028, 9, 1), Holiday),
            (d(2028, 9, 4), Compensatory),
        ]
    );
    assert_eq!(d(2028, 1, 1).weekday(), Weekday::Sat);
}

#[test]
fn days_off_2029() {
    // 1 Jan 2029 is a Monday. Tết: 1/1 lunar = Tue 13 Feb, days Mon 12 … Fri 16 Feb, all
    // working days. Hùng Kings Mon 23 Apr. 30/4 Mon (day 120: 119 = 17*7), 1/5 Tue. 1/9 Sat and
    // 2/9 Sun (day 245: 244 = 34*7 + 6): compensatory Mon 3 and Tue 4 Sep.
    assert_eq!(
        off(&Calendar::office(), 2029),
        vec![
            (d(2029, 1, 1), Holiday),
            (d(2029, 2, 12), Holiday),
            (d(2029, 2, 13), Holiday),
            (d(2029, 2, 14), Holiday),
            (d(2029, 2, 15), Holiday),
            (d(2029, 2, 16), Holiday),
            (d(2029, 4, 23), Holiday),
            (d(2029, 4, 30), Holiday),
            (d(2029, 5, 1), Holiday),
            (d(2029, 9, 3), Compensatory),
            (d(2029, 9, 4), Compensatory),
        ]
    );
}

#[test]
fn days_off_2030_tet_by_utc7() {
    // 1 Jan 2030 is a Tuesday. Tết: 1/1 lunar = Sat 2 Feb (UTC+7; the Chinese calendar says
    // 3 Feb), days Fri 1 … Tue 5 Feb; Sat 2, Sun 3 → Wed 6, Thu 7 Feb. Hùng Kings Fri 12 Apr.
    // 30/4 Tue, 1/5 Wed. 2/9 Mon (day 245: 244 = 34*7 + 6 after Tuesday), 1/9 Sun → its next
    // working day Mon 2 is a holiday → Tue 3 Sep.
    assert_eq!(
        off(&Calendar::office(), 2030),
        vec![
            (d(2030, 1, 1), Holiday),
            (d(2030, 2, 1), Holiday),
            (d(2030, 2, 4), Holiday),
            (d(2030, 2, 5), Holiday),
            (d(2030, 2, 6), Compensatory),
            (d(2030, 2, 7), Compensatory),
            (d(2030, 4, 12), Holiday),
            (d(2030, 4, 30), Holiday),
            (d(2030, 5, 1), Holiday),
            (d(2030, 9, 2), Holiday),
            (d(2030, 9, 3), Compensatory),
        ]
    );
}

/// 2027 with the edits of an imagined notice: National Day extended to Fri 3 Sep (Thu 2 +
/// Fri 3 + the weekend), made up on Sat 28 Aug; the extra day of National Day kept on Wed 1
/// Sep (written out); Tết moved to start on Thu 4 Feb for 6 days.
fn office_2027_swapped() -> Calendar {
    let mut cal = Calendar::office();
    cal.years.insert(
        2027,
        YearRules {
            tet_start: Some(d(2027, 2, 4)),
            tet_days: Some(6),
            national_day_extra: Some(d(2027, 9, 1)),
            days_off: vec![NamedDay {
                date: d(2027, 9, 3),
                name: "Nghỉ bù làm việc thứ Bảy 28/8".into(),
            }],
            working_days: vec![NamedDay {
                date: d(2027, 8, 28),
                name: "Làm bù cho thứ Sáu 3/9".into(),
            }],
        },
    );
    cal
}

#[test]
fn year_rules_override_and_swap() {
    let cal = office_2027_swapped();
    // Tết Thu 4 … Tue 9 Feb (6 days); Sat 6, Sun 7 → Wed 10, Thu 11. 1/9 Wed, 2/9 Thu, 3/9 Fri
    // announced; Sat 28 Aug is a working day and not listed.
    let days = off(&cal, 2027);
    assert_eq!(
        &days[..7],
        &[
            (d(2027, 1, 1), Holiday),
            (d(2027, 2, 4), Holiday),
            (d(2027, 2, 5), Holiday),
            (d(2027, 2, 8), Holiday),
            (d(2027, 2, 9), Holiday),
            (d(2027, 2, 10), Compensatory),
            (d(2027, 2, 11), Compensatory),
        ]
    );
    assert_eq!(
        &days[days.len() - 3..],
        &[
            (d(2027, 9, 1), Holiday),
            (d(2027, 9, 2), Holiday),
            (d(2027, 9, 3), Announced),
        ]
    );
    assert!(cal.is_working_day(d(2027, 8, 28)));
    assert!(!cal.is_working_day(d(2027, 9, 3)));
    assert!(!cal.is_working_day(d(2027, 8, 29)));
    // The make-up Saturday works Monday's hours.
    assert_eq!(cal.hours_of(d(2027, 8, 28)), cal.weekly.day(0).to_vec());
}

#[test]
fn swapped_days_move_due_times() {
    let cal = office_2027_swapped();
    // Fri 27 Aug 16:00 + 2 h: 60 min to 17:00, then the make-up Sat 28 Aug from 07:30 + 60
    // = 08:30.
    assert_eq!(
        cal.add_working_minutes(vn(2027, 8, 27, 16, 0), 120),
        vn(2027, 8, 28, 8, 30)
    );
    // Tue 31 Aug 16:00 + 2 h: 60 min; Wed 1 and Thu 2 Sep holidays, Fri 3 announced, Sat 4,
    // Sun 5 rest → Mon 6 Sep 07:30 + 60 = 08:30.
    assert_eq!(
        cal.add_working_minutes(vn(2027, 8, 31, 16, 0), 120),
        vn(2027, 9, 6, 8, 30)
    );
    // Without the swap, Sat 28 Aug is a rest day: Mon 30 Aug 08:30.
    assert_eq!(
        Calendar::office().add_working_minutes(vn(2027, 8, 27, 16, 0), 120),
        vn(2027, 8, 30, 8, 30)
    );
}

#[test]
fn always_open_has_no_days_off_and_years_are_checked() {
    assert!(Calendar::always_open().days_off(2027).unwrap().is_empty());
    assert!(Calendar::always_open().is_working_day(d(2027, 2, 6)));
    assert_eq!(Calendar::check_year(1900), Ok(1900));
    assert_eq!(Calendar::check_year(2199), Ok(2199));
    for y in [1899, 2200, -5] {
        assert_eq!(
            Calendar::office().days_off(y).unwrap_err().code,
            "year_out_of_range"
        );
    }
    assert!(Calendar::office().days_off(1900).is_ok());
    assert!(Calendar::office().days_off(2199).is_ok());
}

#[test]
fn office_hours_arithmetic() {
    let office = Calendar::office();
    // Fri 4 Dec 2026 16:00 + 2 h: 60 min to 17:00, Sat and Sun rest, Mon 7 Dec 07:30 + 60 =
    // 08:30.
    assert_eq!(
        office.add_working_minutes(vn(2026, 12, 4, 16, 0), 120),
        vn(2026, 12, 7, 8, 30)
    );
    // 11:00 + 30 min ends at the close of the morning, 11:30, not 13:00.
    assert_eq!(
        office.add_working_minutes(vn(2026, 12, 7, 11, 0), 30),
        vn(2026, 12, 7, 11, 30)
    );
    // 11:30 + 1 min: the morning is over, 13:00 + 1 = 13:01.
    assert_eq!(
        office.add_working_minutes(vn(2026, 12, 7, 11, 30), 1),
        vn(2026, 12, 7, 13, 1)
    );
    // From a lunch break or a night, counting starts at the next opening: 12:00 + 10 = 13:10;
    // 20:00 + 10 = next day 07:40.
    assert_eq!(
        office.add_working_minutes(vn(2026, 12, 7, 12, 0), 10),
        vn(2026, 12, 7, 13, 10)
    );
    assert_eq!(
        office.add_working_minutes(vn(2026, 12, 7, 20, 0), 10),
        vn(2026, 12, 8, 7, 40)
    );
    // Zero (and a negative amount) gives `from`, even outside hours.
    let sat = vn(2026, 12, 5, 10, 0);
    assert_eq!(office.add_working_minutes(sat, 0), sat);
    assert_eq!(office.add_working_minutes(sat, -5), sat);
    // Ending exactly at 17:00 gives 17:00: Mon 16:00 + 60.
    assert_eq!(
        office.add_working_minutes(vn(2026, 12, 7, 16, 0), 60),
        vn(2026, 12, 7, 17, 0)
    );
}

#[test]
fn working_days() {
    let office = Calendar::office();
    // Fri 4 Dec 2026 15:00 + 1 working day: the day itself does not count, Sat/Sun rest,
    // Monday 7 Dec is the first → its close, 17:00.
    assert_eq!(
        office.add_working_days(vn(2026, 12, 4, 15, 0), 1),
        vn(2026, 12, 7, 17, 0)
    );
    // Mon 7 Dec 09:00 + 7 working days: Tue 8, Wed 9, Thu 10, Fri 11, Mon 14, Tue 15, Wed 16
    // → Wed 16 Dec 17:00.
    assert_eq!(
        office.add_working_days(vn(2026, 12, 7, 9, 0), 7),
        vn(2026, 12, 16, 17, 0)
    );
    // Across Tết 2027: Thu 4 Feb 10:00 + 1 → Fri 5 … Thu 11 are off or rest → Fri 12 Feb 17:00.
    assert_eq!(
        office.add_working_days(vn(2027, 2, 4, 10, 0), 1),
        vn(2027, 2, 12, 17, 0)
    );
    // Zero gives `from`.
    assert_eq!(
        office.add_working_days(vn(2026, 12, 4, 15, 0), 0),
        vn(2026, 12, 4, 15, 0)
    );
    // 24x7: a working day closes at 24:00: Fri 15:00 + 1 → Sat 24:00 = Sun 00:00.
    assert_eq!(
        Calendar::always_open().add_working_days(vn(2026, 12, 4, 15, 0), 1),
        vn(2026, 12, 6, 0, 0)
    );
}

#[test]
fn across_tet_and_labour_day_2027() {
    let office = Calendar::office();
    // Thu 4 Feb 2027 16:00 + 2 h: 60 min to 17:00; Fri 5 … Tue 9 Tết, Wed 10 and Thu 11
    // compensatory → Fri 12 Feb 07:30 + 60 = 08:30.
    assert_eq!(
        office.add_working_minutes(vn(2027, 2, 4, 16, 0), 120),
        vn(2027, 2, 12, 8, 30)
    );
    // Thu 29 Apr 2027 16:00 + 2 h: 60 min; Fri 30 Apr holiday, Sat 1 May holiday on a rest
    // day, Sun rest, Mon 3 May compensatory → Tue 4 May 08:30.
    assert_eq!(
        office.add_working_minutes(vn(2027, 4, 29, 16, 0), 120),
        vn(2027, 5, 4, 8, 30)
    );
    assert_eq!(
        office.working_minutes_between(vn(2027, 4, 29, 16, 0), vn(2027, 5, 4, 8, 30)),
        120
    );
}

#[test]
fn always_open_arithmetic() {
    let open = Calendar::always_open();
    // +90 min is +90 min of clock time, Tết or not.
    let t = vn(2027, 2, 6, 23, 0);
    assert_eq!(open.add_working_minutes(t, 90), vn(2027, 2, 7, 0, 30));
    assert_eq!(open.working_minutes_between(t, vn(2027, 2, 7, 0, 30)), 90);
    // A long amount (skipping whole weeks): 10,000 min = 6 days 22 h 40 min.
    assert_eq!(open.add_working_minutes(t, 10_000), vn(2027, 2, 13, 21, 40));
    assert_eq!(
        open.working_minutes_between(t, vn(2027, 2, 13, 21, 40)),
        10_000
    );
    // 50 weeks exactly.
    assert_eq!(
        open.working_minutes_between(t, open.add_working_minutes(t, 50 * 7 * 1440)),
        50 * 7 * 1440
    );
}

#[test]
fn minutes_between() {
    let office = Calendar::office();
    // Fri 4 Dec 2026 10:00 → Mon 7 Dec 14:00: Fri 10:00–11:30 (90) + 13:00–17:00 (240), Mon
    // 07:30–11:30 (240) + 13:00–14:00 (60) = 630.
    assert_eq!(
        office.working_minutes_between(vn(2026, 12, 4, 10, 0), vn(2026, 12, 7, 14, 0)),
        630
    );
    assert_eq!(
        office.working_minutes_between(vn(2026, 12, 7, 14, 0), vn(2026, 12, 4, 10, 0)),
        0
    );
    // Tết 2027 is worth nothing: Fri 5 Feb 08:00 → Thu 11 Feb 18:00.
    assert_eq!(
        office.working_minutes_between(vn(2027, 2, 5, 8, 0), vn(2027, 2, 11, 18, 0)),
        0
    );
}

#[test]
fn arithmetic_is_fast() {
    let office = Calendar::office();
    let from = vn(2027, 1, 20, 9, 0);
    let start = std::time::Instant::now();
    let mut last = from;
    for _ in 0..1000 {
        last = office.add_working_days(from, 30);
        last = office.add_working_minutes(last, 10_000);
    }
    let each = start.elapsed() / 1000;
    // Thousands of microseconds would mean the holidays are recomputed per day; a debug build
    // on a busy machine stays far under a millisecond per pair.
    assert!(each < std::time::Duration::from_millis(1), "{each:?}");
    assert!(last > from);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn any_instant() -> impl Strategy<Value = Timestamp> {
        // 2026-01-01 .. 2031-01-01 in ms, any millisecond.
        (1_767_200_000_000i64..1_924_966_800_000i64).prop_map(Timestamp)
    }

    proptest! {
        #[test]
        fn between_inverts_add_on_office(from in any_instant(), m in 0i64..20_000) {
            let office = Calendar::office();
            let to = office.add_working_minutes(from, m);
            prop_assert_eq!(office.working_minutes_between(from, to), m);
            prop_assert!(to >= from);
        }

        #[test]
        fn between_inverts_add_on_24x7(from in any_instant(), m in 0i64..200_000) {
            let open = Calendar::always_open();
            let to = open.add_working_minutes(from, m);
            prop_assert_eq!(to, from.plus_minutes(m));
            prop_assert_eq!(open.working_minutes_between(from, to), m);
        }

        #[test]
        fn add_is_the_earliest_instant(from in any_instant(), m in 1i64..5_000) {
            // One minute earlier, less has been counted.
            let office = Calendar::office();
            let to = office.add_working_minutes(from, m);
            prop_assert_eq!(office.working_minutes_between(from, to.plus_minutes(-1)), m - 1);
        }
    }
}
