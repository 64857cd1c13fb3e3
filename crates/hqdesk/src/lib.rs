//! The hqdesk binary's library: command line, configuration, wiring, demo data.
pub mod cli;
pub mod config;
pub mod demo;
pub mod kb;
pub mod open_files;
pub mod serve;
pub mod triage_cli;
