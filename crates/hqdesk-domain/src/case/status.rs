use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// A case's status. Transitions are checked by [`Status::can_become`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    /// Waiting for the requester to answer.
    Waiting,
    Resolved,
    /// Final: a closed case is never reopened; a new contact opens a follow-up case.
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Open,
        Status::Waiting,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Waiting => "waiting",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| {
            InvalidValue::new(
                "status_unknown",
                format!("unknown status {s:?}; expected one of new, open, waiting, resolved, closed"),
            )
        })
    }

    /// The state machine:
    ///
    /// ```text
    /// new ──► open ◄──► waiting
    ///  │       │           │
    ///  └──────►resolved◄───┘ ──► closed
    ///          │  ▲
    ///          └──┘ reopen (resolved → open)
    /// ```
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (New, Open)
                | (New, Waiting)
                | (New, Resolved)
                | (Open, Waiting)
                | (Open, Resolved)
                | (Waiting, Open)
                | (Waiting, Resolved)
                | (Resolved, Open)
                | (Resolved, Closed)
        )
    }

    /// Whether the case still needs work from staff or the requester.
    pub fn is_active(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::Waiting)
    }

    pub fn check_transition(self, next: Status) -> Result<(), InvalidValue> {
        if self.can_become(next) {
            Ok(())
        } else {
            Err(InvalidValue::new(
                "status_transition",
                format!(
                    "a case cannot go from {} to {}",
                    self.as_str(),
                    next.as_str()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn closed_is_final_and_no_status_loops_to_itself() {
        for s in Status::ALL {
            assert!(!Status::Closed.can_become(s));
            assert!(!s.can_become(s));
        }
    }

    #[test]
    fn every_status_is_reachable_from_new_and_every_active_case_can_be_resolved() {
        let mut reached = vec![Status::New];
        let mut i = 0;
        while let Some(&s) = reached.get(i) {
            for n in Status::ALL {
                if s.can_become(n) && !reached.contains(&n) {
                    reached.push(n);
                }
            }
            i += 1;
        }
        assert_eq!(reached.len(), Status::ALL.len());
        for s in Status::ALL.into_iter().filter(|s| s.is_active()) {
            assert!(s.can_become(Status::Resolved), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn any_walk_of_allowed_steps_never_leaves_closed(steps in proptest::collection::vec(0usize..5, 0..30)) {
            let mut s = Status::New;
            let mut closed = false;
            for i in steps {
                let next = Status::ALL[i];
                if s.check_transition(next).is_ok() {
                    prop_assert!(!closed, "left closed");
                    s = next;
                    closed |= s == Status::Closed;
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
        assert_eq!(Status::parse("done").unwrap_err().code, "status_unknown");
    }
}
