//! Service levels and legal deadlines as plain rules: which policy a case falls under, its
//! clocks (what is counted, from when, on which calendar, with which pauses) and when each
//! clock is due or a step of its escalation ladder fires. Pure: time and calendars come in.
pub mod clock;
pub mod policy;
pub mod select;

pub use clock::{Amount, ClockKind, ClockStatus, Pause};
pub use policy::{Conditions, LadderStep, Policy, PolicyFacts, StepAction, Targets};
