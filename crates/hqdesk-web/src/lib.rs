//! hqdesk over HTTP. The router in [`router`] is the table of contents; handlers extract, call one
//! service function, and map the result to a typed response. Errors become
//! `application/problem+json` in exactly one place ([`problem`]).
pub mod api;
mod auth;
mod console;
mod extract;
mod health;
pub mod i18n;
pub mod problem;
mod router;

pub use router::{router, AppState};
