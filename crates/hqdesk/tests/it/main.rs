#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point
//! The one integration-test binary. Tests that touch storage run on both engines: each appears
//! twice in the runner's output, as `…::sqlite` and `…::postgres`.
mod support;

mod access_matrix;
mod ami;
mod api;
mod bench;
mod browser;
mod cli;
mod confidential_calls;
mod confidential_live;
mod console;
mod console_calls;
mod console_session;
mod counts;
mod email;
mod email_bench;
mod group_commit;
mod mail_ingest;
mod portal;
mod portal_forms;
mod store;
mod telephony;
