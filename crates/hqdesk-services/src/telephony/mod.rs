//! The hotline: call events from the telephone system, callbacks for every missed call, attempts
//! to call back, the screen-pop and the wallboard figures.
//!
//! Every source (generic CTI webhook, our signed JSON webhook, Asterisk AMI) is mapped to one
//! canonical [`CallEvent`]. Processing is idempotent per call id and tolerates any order: the call
//! row is created by whichever event comes first and only ever moves forward
//! (ringing → answered → ended).
mod agent_actions;
mod callbacks;
mod events;
mod ivr;
mod views;

pub use callbacks::{CALLBACK_DUE_MINUTES, MAX_CALLBACK_ATTEMPTS};
pub use events::normalize_cause;
pub use ivr::{IvrChoice, IvrDecision, AVERAGE_HANDLING_SECONDS, MAX_WAIT_BEFORE_CALLBACK_SECONDS};
pub use views::{CallView, Wallboard};

use hqdesk_domain::case::CaseNumber;
use hqdesk_domain::requester::PhoneE164;
use hqdesk_domain::user::Role;
use hqdesk_domain::Timestamp;
use hqdesk_store::calls::Call;

use crate::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEventKind {
    /// The call reached the system (after the IVR, or queued).
    Offered,
    Answered,
    Ended,
    /// The caller left a voicemail (reference to the recording).
    Voicemail,
    /// A recording of the call is available.
    Recording,
}

/// One event about a call, whatever system reported it.
#[derive(Debug, Clone)]
pub struct CallEvent {
    pub kind: CallEventKind,
    pub call_id: String,
    /// `in` or `out`.
    pub direction: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub branch: Option<i64>,
    /// The IVR's choice within the branch, when it knows it: `denunciation` makes the call
    /// confidential (see [`IvrChoice`]).
    pub choice: Option<String>,
    /// Extension or login of the agent who answered.
    pub agent: Option<String>,
    /// Hang-up cause in any vocabulary (see [`normalize_cause`]).
    pub cause: Option<String>,
    /// Voicemail or recording reference.
    pub reference: Option<String>,
    /// When it happened, if the source says; else when it arrived.
    pub at: Option<Timestamp>,
}

impl CallEvent {
    pub fn new(kind: CallEventKind, call_id: impl Into<String>) -> Self {
        CallEvent {
            kind,
            call_id: call_id.into(),
            direction: None,
            from: None,
            to: None,
            branch: None,
            choice: None,
            agent: None,
            cause: None,
            reference: None,
            at: None,
        }
    }
}

/// What processing an event did.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub call: Call,
    /// The callback case this (missed) call is folded into.
    pub callback: Option<CaseNumber>,
    /// The username to show a screen-pop to (set once, on the first answer).
    pub screen_pop: Option<String>,
}

/// A caller's number in E.164 when it is one (anonymous and garbage stay as they came).
fn number(raw: &Option<String>) -> Option<String> {
    let r = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    Some(
        PhoneE164::parse(r)
            .map(String::from)
            .unwrap_or_else(|_| r.to_string()),
    )
}

fn may_report_calls(actor: &Actor) -> bool {
    matches!(actor, Actor::System(_))
        || matches!(
            actor.role(),
            Some(Role::Hotline | Role::Supervisor | Role::Admin)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_from_every_vocabulary() {
        for (raw, want) in [
            ("normalClearing", "normalClearing"),
            ("NORMAL_CLEARING", "normalClearing"),
            ("16", "normalClearing"),
            ("busy", "busy"),
            ("USER_BUSY", "busy"),
            ("486 Busy Here", "busy"),
            ("17", "busy"),
            ("cancel", "cancel"),
            ("ORIGINATOR_CANCEL", "cancel"),
            ("487 Request Terminated", "cancel"),
            ("noAnswer", "noAnswer"),
            ("NO_ANSWER", "noAnswer"),
            ("19", "noAnswer"),
            ("congestion", "congestion"),
            ("notFound", "notFound"),
            ("forwarded", "forwarded"),
            ("??", "unknown"),
        ] {
            assert_eq!(normalize_cause(raw), want, "{raw}");
        }
    }
}
