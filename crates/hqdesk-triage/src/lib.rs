//! Triage: what an incoming text is (its kind, branch, topic, whether only the task force may
//! see it, whether it abuses staff) and which knowledge-base articles answer it.
//!
//! Pure functions over text: no database, no network, no clock. The services call it at intake;
//! `hqdesk triage` calls it for evaluation and batch use.
pub mod classify;
pub mod retrieve;
pub mod vocabulary;
