//! The hqdesk binary's library: command line, configuration, wiring, demo data.
pub mod bench;
pub mod bench_mail;
pub mod bench_run;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_data;
pub mod kb;
pub mod open_files;
pub mod serve;
