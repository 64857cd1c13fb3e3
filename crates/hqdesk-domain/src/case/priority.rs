use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "priority_unknown",
                    format!("unknown priority {s:?}; expected one of low, normal, high, urgent"),
                )
            })
    }
    /// Default service-level targets (minutes) until the service-level engine replaces them with
    /// calendars and per-category policies: (first response, resolution).
    pub fn default_targets_minutes(self) -> (i64, i64) {
        match self {
            Priority::Urgent => (30, 8 * 60),
            Priority::High => (2 * 60, 24 * 60),
            Priority::Normal => (8 * 60, 3 * 24 * 60),
            Priority::Low => (24 * 60, 7 * 24 * 60),
        }
    }
}
