//! hqdesk domain: the plain types and rules of the case engine. No I/O, no async, no storage or
//! HTTP types: everything here can be unit-tested with values alone, and time arrives as a
//! parameter (`Timestamp`), never read from a clock.
pub mod access;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod category;
pub mod channel;
pub mod error;
pub mod input;
pub mod relevance;
pub mod requester;
pub mod secret;
pub mod sla;
pub mod text;
pub mod time;
pub mod unit;
pub mod user;

pub use error::{FieldError, InvalidValue, ValidationErrors};
pub use time::Timestamp;
