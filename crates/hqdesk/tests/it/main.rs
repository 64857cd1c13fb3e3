#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point
//! The one integration-test binary. Tests that touch storage run on both engines: each appears
//! twice in the runner's output, as `…::sqlite` and `…::postgres`.
mod support;

mod access_matrix;
mod ami;
mod api;
mod appointments;
mod browser;
mod browser_forms;
mod call_page_state;
mod cli;
mod confidential_calls;
mod confidential_live;
mod confidential_paths;
mod config;
mod console;
mod console_admin;
mod console_calls;
mod console_case_page;
mod console_queues;
mod console_service_levels;
mod console_session;
mod counts;
mod email;
mod group_commit;
mod http_limits;
mod imap_idle;
mod input;
mod mail_ingest;
mod mailbox_passwords;
mod openapi;
mod page_audit;
mod phone_search;
mod portal;
mod portal_forms;
mod portal_limits;
mod portal_resubmit;
mod portal_workplace;
mod secrets;
mod sign_in;
mod sla_clocks;
mod sla_escalation;
mod store;
mod telephony;
mod tokens;
mod vault_keys;
