//! Due times computed by hand (office: Mon–Fri 07:30–11:30, 13:00–17:00).
use chrono::NaiveDate;

use super::*;

/// An instant given in Vietnam's time.
fn vn(y: i32, m: u32, day: u32, h: u32, min: u32) -> Timestamp {
    let local = NaiveDate::from_ymd_opt(y, m, day)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap();
    Timestamp(local.and_utc().timestamp_millis() - 7 * 3_600_000)
}

fn pause(from: Timestamp, to: Option<Timestamp>) -> Pause {
    Pause { from, to }
}

#[test]
fn minutes_without_pauses_are_working_time() {
    let office = Calendar::office();
    // Fri 4 Dec 2026 16:00 + 120: 60 to 17:00, Mon 7 Dec 07:30 + 60 = 08:30.
    assert_eq!(
        due_at(&office, vn(2026, 12, 4, 16, 0), Amount::Minutes(120), &[]),
        Some(vn(2026, 12, 7, 8, 30))
    );
    // 24x7: 90 minutes later.
    assert_eq!(
        due_at(
            &Calendar::always_open(),
            vn(2027, 2, 6, 10, 0),
            Amount::Minutes(90),
            &[]
        ),
        Some(vn(2027, 2, 6, 11, 30))
    );
}

#[test]
fn a_finished_pause_leaves_its_interval_out() {
    let office = Calendar::office();
    // Mon 7 Dec 2026 08:00, 240 min, paused 09:00–14:00: 60 counted before the pause, 180 left
    // from 14:00 → 14:00–17:00 = 180 → Mon 17:00.
    let pauses = [pause(vn(2026, 12, 7, 9, 0), Some(vn(2026, 12, 7, 14, 0)))];
    assert_eq!(
        due_at(
            &office,
            vn(2026, 12, 7, 8, 0),
            Amount::Minutes(240),
            &pauses
        ),
        Some(vn(2026, 12, 7, 17, 0))
    );
    // Two pauses: also 15:00–16:00 → 60 more to count → Tue 8 Dec 07:30 + 60 = 08:30.
    let pauses = [
        pause(vn(2026, 12, 7, 9, 0), Some(vn(2026, 12, 7, 14, 0))),
        pause(vn(2026, 12, 7, 15, 0), Some(vn(2026, 12, 7, 16, 0))),
    ];
    assert_eq!(
        due_at(
            &office,
            vn(2026, 12, 7, 8, 0),
            Amount::Minutes(240),
            &pauses
        ),
        Some(vn(2026, 12, 8, 8, 30))
    );
    // A pause that covers the start: 07:00–10:00, so 60 min from 10:00 → 11:00.
    let pauses = [pause(vn(2026, 12, 7, 7, 0), Some(vn(2026, 12, 7, 10, 0)))];
    assert_eq!(
        due_at(&office, vn(2026, 12, 7, 8, 0), Amount::Minutes(60), &pauses),
        Some(vn(2026, 12, 7, 11, 0))
    );
    // A pause over a weekend costs nothing on office: Fri 16:00 + 120 paused Sat 10:00–Sun
    // 10:00 is still Mon 08:30.
    let pauses = [pause(vn(2026, 12, 5, 10, 0), Some(vn(2026, 12, 6, 10, 0)))];
    assert_eq!(
        due_at(
            &office,
            vn(2026, 12, 4, 16, 0),
            Amount::Minutes(120),
            &pauses
        ),
        Some(vn(2026, 12, 7, 8, 30))
    );
}

#[test]
fn a_running_pause_has_no_due_time_unless_the_clock_ran_out_before() {
    let office = Calendar::office();
    let start = vn(2026, 12, 7, 8, 0);
    // Paused at 09:00 with 180 of 240 minutes left: no due time while it lasts.
    let running = [pause(vn(2026, 12, 7, 9, 0), None)];
    assert_eq!(due_at(&office, start, Amount::Minutes(240), &running), None);
    // 60 minutes ran out at 09:00, when the pause began: due 09:00 (breached, paused or not).
    assert_eq!(
        due_at(&office, start, Amount::Minutes(60), &running),
        Some(vn(2026, 12, 7, 9, 0))
    );
    // 30 minutes ran out at 08:30, before it.
    assert_eq!(
        due_at(&office, start, Amount::Minutes(30), &running),
        Some(vn(2026, 12, 7, 8, 30))
    );
}

#[test]
fn working_days_are_due_at_the_close_and_pauses_move_them() {
    let office = Calendar::office();
    let start = vn(2026, 12, 4, 10, 0); // Friday
                                        // + 1 working day: Monday 7 Dec 17:00.
    assert_eq!(
        due_at(&office, start, Amount::WorkingDays(1), &[]),
        Some(vn(2026, 12, 7, 17, 0))
    );
    // Paused Mon 08:00–09:00. Amount = Fri 10:00–11:30 (90) + 13:00–17:00 (240) + Mon 480 =
    // 810. Before the pause: 330 + Mon 07:30–08:00 (30) = 360; 450 left from 09:00: 150 to
    // 11:30, 240 to 17:00, 60 left → Tue 8 Dec 08:30.
    let pauses = [pause(vn(2026, 12, 7, 8, 0), Some(vn(2026, 12, 7, 9, 0)))];
    assert_eq!(
        due_at(&office, start, Amount::WorkingDays(1), &pauses),
        Some(vn(2026, 12, 8, 8, 30))
    );
    // A denunciation received Thu 4 Feb 2027 10:00, accepted within 7 working days: Fri 5 to
    // Thu 11 Feb are Tết and its compensatory days (and a weekend); Fri 12 (1), Mon 15 (2),
    // Tue 16 (3), Wed 17 (4), Thu 18 (5), Fri 19 (6), Mon 22 (7) → Mon 22 Feb 17:00.
    assert_eq!(
        due_at(&office, vn(2027, 2, 4, 10, 0), Amount::WorkingDays(7), &[]),
        Some(vn(2027, 2, 22, 17, 0))
    );
}

#[test]
fn days_end_at_midnight_and_pauses_move_them_by_their_length() {
    let office = Calendar::office();
    let start = vn(2027, 2, 4, 10, 0);
    // Days(30): 30 days after 4 Feb (February 2027 has 28 days) is 6 Mar; its end is 7 Mar
    // 00:00 in Vietnam, on any calendar.
    assert_eq!(
        due_at(&office, start, Amount::Days(30), &[]),
        Some(vn(2027, 3, 7, 0, 0))
    );
    assert_eq!(
        due_at(&Calendar::always_open(), start, Amount::Days(30), &[]),
        Some(vn(2027, 3, 7, 0, 0))
    );
    // Suspended 10 Feb 08:00 – 12 Feb 20:00 (2 days 12 hours) → 9 Mar 12:00.
    let pauses = [pause(vn(2027, 2, 10, 8, 0), Some(vn(2027, 2, 12, 20, 0)))];
    assert_eq!(
        due_at(&office, start, Amount::Days(30), &pauses),
        Some(vn(2027, 3, 9, 12, 0))
    );
}

#[test]
fn ladder_steps_scale_the_amount() {
    let open = Calendar::always_open();
    let office = Calendar::office();
    let start = vn(2026, 12, 7, 10, 0);
    // 75 % of 480 = 360 min → 16:00 on 24x7.
    assert_eq!(
        fires_at(&open, start, Amount::Minutes(480), 75, &[]),
        Some(vn(2026, 12, 7, 16, 0))
    );
    // 75 % of 45 = 33.75 → 33 min → 10:33.
    assert_eq!(
        fires_at(&open, start, Amount::Minutes(45), 75, &[]),
        Some(vn(2026, 12, 7, 10, 33))
    );
    // 150 % of 480 on office from Mon 07:30 = 720: 480 by Mon 17:00, 240 on Tuesday from 07:30
    // → Tue 11:30 (the close of the morning).
    assert_eq!(
        fires_at(
            &office,
            vn(2026, 12, 7, 7, 30),
            Amount::Minutes(480),
            150,
            &[]
        ),
        Some(vn(2026, 12, 8, 11, 30))
    );
    // 100 % is the due time, to the millisecond, even from an odd start.
    let odd = Timestamp(vn(2026, 12, 4, 10, 3).0 + 27_123);
    assert_eq!(
        fires_at(&office, odd, Amount::WorkingDays(3), 100, &[]),
        due_at(&office, odd, Amount::WorkingDays(3), &[])
    );
    // 50 % of Days(30) from 4 Feb 2027 10:00: until 7 Mar 00:00 = 30 days 14 h = 44,040 min;
    // half = 22,020 min = 15 days 7 h → 19 Feb 17:00.
    assert_eq!(
        fires_at(&office, vn(2027, 2, 4, 10, 0), Amount::Days(30), 50, &[]),
        Some(vn(2027, 2, 19, 17, 0))
    );
    // With a running pause from 08:30, start 08:00, 60 min: 50 % (30 min) ran out at 08:30 as
    // the pause began → 08:30; 100 % has no due time yet.
    let running = [pause(vn(2026, 12, 7, 8, 30), None)];
    let s = vn(2026, 12, 7, 8, 0);
    assert_eq!(
        fires_at(&office, s, Amount::Minutes(60), 50, &running),
        Some(vn(2026, 12, 7, 8, 30))
    );
    assert_eq!(
        fires_at(&office, s, Amount::Minutes(60), 100, &running),
        None
    );
}
