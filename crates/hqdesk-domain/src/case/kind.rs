use serde::{Deserialize, Serialize};

use super::Branch;
use crate::error::InvalidValue;

/// What a case is about. The kind decides confidentiality and the default branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A question or IT-support request (VNACCS/VCIS, single windows, policy guidance).
    Inquiry,
    /// A problem met during customs procedures (hotline branch 1).
    ProcedureProblem,
    /// A denunciation / crime report: confidential, task force only, may be anonymous.
    Denunciation,
    /// A suggestion (góp ý), possibly anonymous.
    Suggestion,
    /// Follow-up of a "dissatisfied" or "very dissatisfied" rating.
    RatingFollowUp,
    /// A missed call to be returned.
    Callback,
}

impl CaseKind {
    pub const ALL: [CaseKind; 6] = [
        CaseKind::Inquiry,
        CaseKind::ProcedureProblem,
        CaseKind::Denunciation,
        CaseKind::Suggestion,
        CaseKind::RatingFollowUp,
        CaseKind::Callback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Inquiry => "inquiry",
            CaseKind::ProcedureProblem => "procedure_problem",
            CaseKind::Denunciation => "denunciation",
            CaseKind::Suggestion => "suggestion",
            CaseKind::RatingFollowUp => "rating_follow_up",
            CaseKind::Callback => "callback",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "kind_unknown",
                    format!(
                        "unknown case kind {s:?}; expected one of inquiry, procedure_problem, \
                     denunciation, suggestion, rating_follow_up, callback"
                    ),
                )
            })
    }

    /// Confidential cases exist only for task-force investigators.
    pub fn is_confidential(self) -> bool {
        matches!(self, CaseKind::Denunciation)
    }

    /// Whether the requester may stay anonymous (no way to reach them).
    pub fn allows_anonymous(self) -> bool {
        matches!(self, CaseKind::Denunciation | CaseKind::Suggestion)
    }

    /// The hotline branch a case of this kind belongs to when nobody said otherwise.
    pub fn default_branch(self) -> Branch {
        match self {
            CaseKind::Denunciation | CaseKind::ProcedureProblem | CaseKind::RatingFollowUp => {
                Branch::One
            }
            CaseKind::Inquiry | CaseKind::Suggestion | CaseKind::Callback => Branch::Two,
        }
    }
}
