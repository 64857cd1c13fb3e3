//! The email channel: intake (ingest) and transport (IMAP fetcher, SMTP sender).
pub mod fetcher;
pub mod imap;
pub mod ingest;
pub mod mailboxes;
pub mod sender;
pub mod transport;

pub use hqdesk_mail::{parse as parse_mail, Classification};
pub use ingest::{IngestOutcome, MailSource};
