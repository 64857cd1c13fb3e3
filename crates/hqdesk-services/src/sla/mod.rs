//! Service levels and legal deadlines of cases: each case's clocks (`case_clocks`) are started
//! when it is created (`clocks::plan_new`, from the one creation path `insert_cases`), moved by
//! its changes (`events`: waiting pauses, replies meet, reopening resumes, a change of its facts
//! re-selects the policy), by the legal steps of a denunciation (`legal`: accept, extend,
//! suspend, resume) and by a calendar edit (`recompute`, a job). Every one of them ends in
//! [`clocks::write_for_case`], which derives the due times and the next ladder step, writes the
//! case's denormalised due columns and arms its timer job.
//!
//! The policies, calendars and legal rules are read in the transaction that uses them, once per
//! group of created cases (`rules::Rules`), not cached across requests: an edit on one node is
//! then seen at once by every node, and a group of a few hundred cases pays five small queries.
mod calendars;
pub(crate) mod clocks;
pub(crate) mod events;
mod legal;
mod read;
pub mod recompute;
pub(crate) mod rules;

/// The job kind of a case's escalation timer (handler: the escalation module); its dedup key
/// is `sla.escalate:{case_id}`, payload `{"case_id":N}`.
pub const ESCALATE_JOB: &str = "sla.escalate";
/// The job kind that recomputes the clocks on a calendar after an edit; payload
/// `{"calendar":"<name>"}`.
pub const RECOMPUTE_JOB: &str = "sla.recompute";

/// Pause reasons (i18n keys, in `locales/*/sla_clocks.toml`).
pub const PAUSE_WAITING: &str = "sla.pause.waiting";
pub const PAUSE_RESOLVED: &str = "sla.pause.resolved";
pub const PAUSE_SUSPENDED: &str = "sla.pause.suspended";
