//! Sealed cases (issue 18; design note docs/design/006-sealed-channel.md §9): what the services
//! add to the store's sealing.
//!
//! - `intake`: a new sealed case's data key, its append key (`case_seals`) and the wraps of the
//!   data key for the escrow and the investigators (`case_keys`). What is then written to the
//!   case is sealed by the store (`hqdesk_store::sealed::append`), whoever writes it.
//! - `files`: a sealed case's files kept sealed, and the clear copies they replace deleted once
//!   no row names them (the `blob.delete` job).
//! - `seal_case`: sealing a case that exists (a misfiled denunciation); `unseal_case`: an
//!   investigator's way back for a case that is not one.
//! - `identity`: the identity vault: a reporter's identity under its own key, opened for an
//!   investigator only through a custodian's time-limited approval of a reasoned request.
//! - `receipt`: anonymous tips' receipts: the wrap kept at intake, the check on the reporter's
//!   return, and the short-lived access that spares a second check.
//! - `forward`: a redacted copy of a report for a verifying unit: without the reporter and the
//!   parts the investigator marks, its files cleaned of their metadata, sent through the outbox.
//! - `search`: an investigator's search over the sealed cases they may open, in the request.
//! - `open`: reading a sealed case's values back with the data key an investigator's unlocked
//!   private key opens; without it, a value reads as a placeholder, never as its ciphertext.
pub(crate) mod files;
mod forward;
pub(crate) mod identity;
mod intake;
mod open;
mod receipt;
mod seal_case;
pub mod search;
mod unseal_case;

pub use forward::{
    DraftFile, ForwardDraft, ForwardRedacted, Forwarded, FORWARD_PURPOSE, MAX_FORWARD_BYTES,
};
pub use identity::{
    IdentityRequests, IdentityState, DEFAULT_HOURS as IDENTITY_DEFAULT_HOURS, EXPIRE_GRANTS_JOB,
    MAX_HOURS as IDENTITY_MAX_HOURS, REASON_MIN_CHARS as IDENTITY_REASON_MIN_CHARS,
};
pub(crate) use intake::{open_for_tracking, seal_new_case, seal_with_key, wrap_for_tracking};
pub(crate) use open::open_text;
pub use open::CaseKeys;
pub use receipt::ACCESS_MINUTES;
pub(crate) use receipt::{
    access_token, check_receipt, new_receipt, open_access, put_receipt, Opened,
};
pub use seal_case::{Sealed, SEALED_EVENT};
pub use search::SealedMatches;
pub use unseal_case::{Unseal, UNSEALED_EVENT};
