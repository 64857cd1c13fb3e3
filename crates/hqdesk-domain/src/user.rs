//! Staff users and their roles.
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// Role names are part of the contract (command line and API): `agent`, `hotline`,
/// `investigator`, `unit_officer`, `supervisor`, `admin`, `custodian`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// HelpDesk agent: works the branch-2 queues (IT systems, procedures, policy).
    Agent,
    /// Hotline officer: takes branch-1 intake.
    Hotline,
    /// Task-force investigator: the only role that sees denunciations and reporters.
    Investigator,
    /// Member of a sub-department's Q&A team: sees the cases routed to their unit.
    UnitOfficer,
    /// Dashboards, incidents, service levels, staffing.
    Supervisor,
    /// Users, units, categories, integrations.
    Admin,
    /// Keeper of reporters' identities (the identity vault, design note 006 §8): approves or
    /// refuses an investigator's reasoned request to open a reporter's identity, and sees
    /// nothing of any case.
    Custodian,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Agent,
        Role::Hotline,
        Role::Investigator,
        Role::UnitOfficer,
        Role::Supervisor,
        Role::Admin,
        Role::Custodian,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Hotline => "hotline",
            Role::Investigator => "investigator",
            Role::UnitOfficer => "unit_officer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Custodian => "custodian",
        }
    }
    /// Roles that see confidential cases: the task force's investigators.
    pub fn sees_confidential_cases(self) -> bool {
        matches!(self, Role::Investigator)
    }
    /// Roles only the server's command line appoints or takes over (password, token, second
    /// factor): those who see confidential cases, and custodians, who open their reporters'
    /// identities. An administrator of the web console must not be able to read denunciations
    /// or reporters' names by making themselves, a colleague or a new account one of them.
    pub fn appointed_on_server_only(self) -> bool {
        matches!(self, Role::Investigator | Role::Custodian)
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "role_unknown",
                    format!(
                        "unknown role {s:?}; expected one of agent, hotline, investigator, \
                     unit_officer, supervisor, admin, custodian"
                    ),
                )
            })
    }
}

/// Usernames: 2–64 characters of lowercase ASCII letters, digits, `.`, `_`, `-`.
pub fn parse_username(s: &str) -> Result<String, InvalidValue> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() < 2
        || s.len() > 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(InvalidValue::new(
            "username_invalid",
            "a username has 2–64 characters: lowercase letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(s)
}

/// Passwords: at least 12 and at most 128 characters, any Unicode, no composition rules
/// (OWASP ASVS 2.1.1–2.1.4).
pub fn check_password(p: &str) -> Result<(), InvalidValue> {
    let n = p.chars().count();
    if n < 12 {
        return Err(InvalidValue::new(
            "password_too_short",
            "a password needs at least 12 characters",
        ));
    }
    if n > 128 {
        return Err(InvalidValue::new(
            "password_too_long",
            "a password has at most 128 characters",
        ));
    }
    Ok(())
}
