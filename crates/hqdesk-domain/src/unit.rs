//! Organisational units as a tree: department → sub-department → team.
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    /// Cục / Tổng cục, or a department-level body (centre, board).
    Department,
    /// Chi cục.
    SubDepartment,
    /// Đội / Tổ công tác.
    Team,
}

impl UnitLevel {
    pub const ALL: [UnitLevel; 3] = [
        UnitLevel::Department,
        UnitLevel::SubDepartment,
        UnitLevel::Team,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Department => "department",
            UnitLevel::SubDepartment => "sub_department",
            UnitLevel::Team => "team",
        }
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "unit_level_unknown",
                    format!(
                        "unknown unit level {s:?}; expected department, sub_department or team"
                    ),
                )
            })
    }
    /// A unit may only sit under a unit of a higher or equal level (a department may contain
    /// departments, a team never contains a sub-department).
    pub fn may_be_child_of(self, parent: UnitLevel) -> bool {
        self.rank() >= parent.rank()
    }
    fn rank(self) -> u8 {
        match self {
            UnitLevel::Department => 0,
            UnitLevel::SubDepartment => 1,
            UnitLevel::Team => 2,
        }
    }
}

/// A short code for a unit (e.g. `KV8`, `HELPDESK`): letters, digits, `_`, `-`, `.`, 1–32 chars.
pub fn parse_unit_code(s: &str) -> Result<String, InvalidValue> {
    let s = s.trim().to_ascii_uppercase();
    if s.is_empty()
        || s.len() > 32
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    {
        return Err(InvalidValue::new(
            "unit_code_invalid",
            "a unit code has 1–32 letters, digits, '_', '-' or '.'",
        ));
    }
    Ok(s)
}
