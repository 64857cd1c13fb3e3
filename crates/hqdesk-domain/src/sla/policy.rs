//! Service-level policies: which cases (conditions), what targets on which calendar, whether
//! waiting for the requester pauses the clocks, and the escalation ladder.
use serde::{Deserialize, Serialize};

use crate::case::{Branch, CaseKind, Priority};
use crate::channel::Channel;
use crate::sla::ClockKind;

/// Which cases a policy applies to: every listed condition must hold; an empty list means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditions {
    #[serde(default)]
    pub kinds: Vec<CaseKind>,
    #[serde(default)]
    pub branches: Vec<Branch>,
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Category codes.
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub priorities: Vec<Priority>,
    /// Unit codes.
    #[serde(default)]
    pub units: Vec<String>,
}

/// A policy's targets in minutes of working time on its calendar; `None` = no such clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
}

/// What a step of a ladder does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// A notification to the case's assignee (in the console and by mail).
    NotifyAssignee,
    /// A notification to the supervisors (in the console and by mail).
    NotifySupervisors,
    /// Take the case from its assignee and put it back in its unit's queue (unassigned).
    ReassignToQueue,
}

impl StepAction {
    pub const ALL: [StepAction; 3] = [
        StepAction::NotifyAssignee,
        StepAction::NotifySupervisors,
        StepAction::ReassignToQueue,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::NotifyAssignee => "notify_assignee",
            StepAction::NotifySupervisors => "notify_supervisors",
            StepAction::ReassignToQueue => "reassign_to_queue",
        }
    }
}

/// One step of an escalation ladder: when `percent` of `clock` has been counted, do `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderStep {
    pub clock: ClockKind,
    pub percent: u32,
    pub action: StepAction,
}

/// A service-level policy. Policies are tried in `position` order; the first that matches a
/// case applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: i64,
    pub name: String,
    pub position: i64,
    pub enabled: bool,
    pub conditions: Conditions,
    pub calendar: String,
    pub targets: Targets,
    pub pause_while_waiting: bool,
    pub ladder: Vec<LadderStep>,
}

/// What a policy's conditions look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFacts<'a> {
    pub kind: CaseKind,
    pub branch: Option<Branch>,
    pub channel: Channel,
    pub category: Option<&'a str>,
    pub priority: Priority,
    pub unit: Option<&'a str>,
}
