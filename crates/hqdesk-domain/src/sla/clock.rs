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

/// When the clock is due: the instant when `amount` of working time has been counted from
/// `started_at`, leaving out the pauses (sorted, not overlapping). `None` while a pause lasts
/// and the clock has not yet run out before it.
pub fn due_at(
    calendar: &Calendar,
    started_at: Timestamp,
    amount: Amount,
    pauses: &[Pause],
) -> Option<Timestamp> {
    let _ = (calendar, started_at, amount, pauses);
    todo!("issue 17: clock arithmetic")
}

/// When `percent` of the clock has been counted (a step of an escalation ladder): as
/// [`due_at`] with the amount scaled (100 gives the due time, 150 half as much again).
pub fn fires_at(
    calendar: &Calendar,
    started_at: Timestamp,
    amount: Amount,
    percent: u32,
    pauses: &[Pause],
) -> Option<Timestamp> {
    let _ = (calendar, started_at, amount, percent, pauses);
    todo!("issue 17: clock arithmetic")
}
