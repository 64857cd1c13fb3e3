//! What a status change does to a case, decided once for every channel (the console, the API,
//! a callback reached by telephone, a requester's mail reopening a case).
use serde_json::json;

use super::Status;
use crate::error::InvalidValue;
use crate::time::Timestamp;

/// Timeline event body of every status change.
pub const STATUS_EVENT: &str = "status";
/// Audit action of every status change.
pub const STATUS_AUDIT_ACTION: &str = "case.status";

/// The consequences of moving a case from one status to another, to be written together.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub from: Status,
    pub to: Status,
    /// `Some(Some(t))` sets the resolution time, `Some(None)` clears it (a reopened case),
    /// `None` leaves it.
    pub resolved_at: Option<Option<Timestamp>>,
    /// Set when the case is closed.
    pub closed_at: Option<Timestamp>,
    /// The timeline event's body ([`STATUS_EVENT`]) and meta.
    pub event: (&'static str, serde_json::Value),
    /// The audit entry's action ([`STATUS_AUDIT_ACTION`]) and detail.
    pub audit: (&'static str, serde_json::Value),
}

/// Check the move `from` → `to` against the state machine ([`Status::can_become`]) and say
/// what it changes at `now`.
pub fn change_status(
    from: Status,
    to: Status,
    now: Timestamp,
) -> Result<StatusChange, InvalidValue> {
    from.check_transition(to)?;
    let (resolved_at, closed_at) = match to {
        Status::Resolved => (Some(Some(now)), None),
        Status::Closed => (None, Some(now)),
        Status::Open if from == Status::Resolved => (Some(None), None),
        _ => (None, None),
    };
    let meta = json!({ "status": { "from": from.as_str(), "to": to.as_str() } });
    Ok(StatusChange {
        from,
        to,
        resolved_at,
        closed_at,
        event: (STATUS_EVENT, meta.clone()),
        audit: (STATUS_AUDIT_ACTION, meta),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_795_425_600_000);

    #[test]
    fn resolving_sets_the_resolution_time() {
        let c = change_status(Status::Open, Status::Resolved, NOW).unwrap();
        assert_eq!(c.resolved_at, Some(Some(NOW)));
        assert_eq!(c.closed_at, None);
        assert_eq!(c.to, Status::Resolved);
    }

    #[test]
    fn reopening_a_resolved_case_clears_its_resolution_time() {
        let c = change_status(Status::Resolved, Status::Open, NOW).unwrap();
        assert_eq!(c.resolved_at, Some(None));
        let c = change_status(Status::Waiting, Status::Open, NOW).unwrap();
        assert_eq!(c.resolved_at, None, "a waiting case was never resolved");
    }

    #[test]
    fn closing_sets_the_closing_time_and_keeps_the_resolution() {
        let c = change_status(Status::Resolved, Status::Closed, NOW).unwrap();
        assert_eq!(c.closed_at, Some(NOW));
        assert_eq!(c.resolved_at, None);
    }

    #[test]
    fn the_event_and_the_audit_entry_name_both_statuses() {
        let c = change_status(Status::New, Status::Open, NOW).unwrap();
        let meta = json!({ "status": { "from": "new", "to": "open" } });
        assert_eq!(c.event, ("status", meta.clone()));
        assert_eq!(c.audit, ("case.status", meta));
        assert_eq!(c.resolved_at, None);
        assert_eq!(c.closed_at, None);
    }

    #[test]
    fn forbidden_moves_are_refused_with_the_state_machine_error() {
        for from in Status::ALL {
            for to in Status::ALL {
                let got = change_status(from, to, NOW);
                assert_eq!(got.is_ok(), from.can_become(to), "{from:?} -> {to:?}");
                if let Err(e) = got {
                    assert_eq!(e, from.check_transition(to).unwrap_err());
                }
            }
        }
    }
}
