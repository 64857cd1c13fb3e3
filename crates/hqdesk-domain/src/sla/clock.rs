//! A clock: a target counted on a calendar from a start, with pauses (waiting for the
//! requester; a suspension of a legal deadline). Its due time is a function of those values
//! alone, so creation, pausing, resuming and a calendar edit all recompute it the same way.
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::InvalidValue;
use crate::Timestamp;

/// The clocks a case can have. Names are part of the API (`sla` object of a case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Service level: the first answer to the requester.
    FirstResponse,
    /// Service level: the answer to the requester's latest message after an answer.
    NextResponse,
    /// Service level: resolving the case.
    Resolution,
    /// Legal deadline: accepting (or refusing, or transferring) a denunciation.
    LegalAcceptance,
    /// Legal deadline: settling an accepted denunciation (extendable).
    LegalSettlement,
}

impl ClockKind {
    pub const ALL: [ClockKind; 5] = [
        ClockKind::FirstResponse,
        ClockKind::NextResponse,
        ClockKind::Resolution,
        ClockKind::LegalAcceptance,
        ClockKind::LegalSettlement,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first_response",
            ClockKind::NextResponse => "next_response",
            ClockKind::Resolution => "resolution",
            ClockKind::LegalAcceptance => "legal_acceptance",
            ClockKind::LegalSettlement => "legal_settlement",
        }
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "clock_unknown",
                    format!(
                        "unknown clock {s:?}; expected one of first_response, next_response, \
                         resolution, legal_acceptance, legal_settlement"
                    ),
                )
            })
    }
    /// Legal deadlines are not service levels: they are shown apart and never paused by waiting
    /// for the requester.
    pub fn is_legal(self) -> bool {
        matches!(
            self,
            ClockKind::LegalAcceptance | ClockKind::LegalSettlement
        )
    }
}

/// How much a clock counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    /// Minutes of working time on the calendar.
    Minutes(i64),
    /// Whole working days on the calendar: due at the close of the last one
    /// ([`Calendar::add_working_days`]).
    WorkingDays(i64),
    /// Calendar days: due at the end (24:00, Vietnam) of the last one.
    Days(i64),
}

/// A pause of a clock; `to` is `None` while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
}

const MINUTE_MS: i64 = 60_000;

/// How a clock counts: working time on a calendar, or plain elapsed time ([`Amount::Days`]).
enum Measure<'a> {
    Working(&'a Calendar),
    Elapsed,
}

impl Measure<'_> {
    fn add(&self, from: Timestamp, ms: i64) -> Timestamp {
        match self {
            Measure::Working(c) => c.add_working_millis(from, ms),
            Measure::Elapsed => Timestamp(from.0.saturating_add(ms.max(0))),
        }
    }
    fn between(&self, from: Timestamp, to: Timestamp) -> i64 {
        match self {
            Measure::Working(c) => c.working_millis_between(from, to),
            Measure::Elapsed => to.0.saturating_sub(from.0).max(0),
        }
    }
}

/// What a clock counts from its start, in milliseconds of its measure, before pauses.
fn amount_ms(calendar: &Calendar, started_at: Timestamp, amount: Amount) -> (Measure<'_>, i64) {
    match amount {
        Amount::Minutes(n) => (
            Measure::Working(calendar),
            n.max(0).saturating_mul(MINUTE_MS),
        ),
        Amount::WorkingDays(n) => {
            let close = calendar.add_working_days(started_at, n);
            (
                Measure::Working(calendar),
                calendar.working_millis_between(started_at, close),
            )
        }
        Amount::Days(n) => {
            let (day, _) = crate::calendar::local_day_and_ms(started_at);
            let end = crate::calendar::instant(day.saturating_add(n.max(0)).saturating_add(1), 0);
            (Measure::Elapsed, end.0.saturating_sub(started_at.0).max(0))
        }
    }
}

/// Counts `amount` of `measure` from `start`, leaving out the pauses.
fn count(
    measure: &Measure<'_>,
    start: Timestamp,
    amount: i64,
    pauses: &[Pause],
) -> Option<Timestamp> {
    let mut remaining = amount.max(0);
    let mut cursor = start;
    for p in pauses {
        if p.to.is_some_and(|to| to <= cursor) {
            continue; // over before the clock (or its counting) got there
        }
        if p.from >= cursor {
            let due = measure.add(cursor, remaining);
            if due <= p.from {
                return Some(due); // ran out before the pause began
            }
            remaining -= measure.between(cursor, p.from).min(remaining);
            cursor = p.from;
        }
        match p.to {
            Some(to) => cursor = cursor.max(to),
            None => return None,
        }
    }
    Some(measure.add(cursor, remaining))
}

/// When the clock is due: the instant when `amount` of working time has been counted from
/// `started_at`, leaving out the pauses (sorted, not overlapping). `None` while a pause lasts
/// and the clock has not yet run out before it.
///
/// - `Minutes(n)`: `n` minutes of working time on the calendar.
/// - `WorkingDays(n)`: the working time from `started_at` to
///   [`Calendar::add_working_days`]`(started_at, n)` (the close of the n-th working day);
///   without pauses the due time is that close, and pauses move it by the working time they
///   took.
/// - `Days(n)`: the end (24:00 in Vietnam) of the n-th day after the start's day, whatever
///   the calendar; pauses move it by their length in clock time.
///
/// A clock that runs out exactly when a pause begins is due then. A negative amount counts as
/// zero.
pub fn due_at(
    calendar: &Calendar,
    started_at: Timestamp,
    amount: Amount,
    pauses: &[Pause],
) -> Option<Timestamp> {
    let (measure, ms) = amount_ms(calendar, started_at, amount);
    count(&measure, started_at, ms, pauses)
}

/// When `percent` of the clock has been counted (a step of an escalation ladder): as
/// [`due_at`] with the amount scaled (100 gives the due time, 150 half as much again).
///
/// The scaled amount is rounded down to a whole minute (75 % of 45 minutes is 33 minutes);
/// 100 % is exactly [`due_at`].
pub fn fires_at(
    calendar: &Calendar,
    started_at: Timestamp,
    amount: Amount,
    percent: u32,
    pauses: &[Pause],
) -> Option<Timestamp> {
    if percent == 100 {
        return due_at(calendar, started_at, amount, pauses);
    }
    let (measure, ms) = amount_ms(calendar, started_at, amount);
    let scaled = i128::from(ms) * i128::from(percent) / 100;
    let minutes = scaled / i128::from(MINUTE_MS);
    let scaled_ms = i64::try_from(minutes * i128::from(MINUTE_MS)).unwrap_or(i64::MAX);
    count(&measure, started_at, scaled_ms, pauses)
}

/// A clock as people see it (the console's case page, the API's `sla` object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    pub kind: ClockKind,
    pub calendar: String,
    pub started_at: Timestamp,
    /// `None` while paused.
    pub due_at: Option<Timestamp>,
    /// When the target was reached (answered, resolved, accepted, settled).
    pub met_at: Option<Timestamp>,
    /// Paused now, and why (an i18n key of the services, e.g. waiting for the requester).
    pub paused: bool,
    pub pause_reason: Option<String>,
    /// Due time passed before it was met (or it is still unmet and now is past the due time).
    pub breached: bool,
    /// Extensions granted (legal settlement).
    pub extensions: i64,
}

#[cfg(test)]
mod tests;
