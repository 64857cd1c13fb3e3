//! The keys of sealed cases (issue 18; design note docs/design/006-sealed-channel.md): each
//! investigator's key pair, unlocked at sign-in for the session only, and the escrow key.
//! The cryptography is `hqdesk_vault`'s; the rows are `hqdesk_store::vault_keys`'.
//!
//! - `key_pairs`: made when the server sets an investigator's password, re-sealed when they
//!   change it themselves, retired when an operator resets it or the role is taken away (with
//!   the wraps of every case for the user's keys);
//! - `sign_in`: the private key opened with the password typed, sealed for the session;
//! - `unlocked`: what a request carries once the session's seal is opened;
//! - `escrow`: `hqdesk keys escrow-init` and `keys status`;
//! - `recovery`: `hqdesk keys escrow-recover` and `keys escrow-rewrap`, with the escrow key;
//! - `recipients`: the verified public keys intake wraps a case's data key for.
mod escrow;
mod key_pairs;
mod recipients;
mod recovery;
mod sign_in;
mod unlocked;

use hqdesk_domain::user::Role;

pub use escrow::{EscrowInit, InvestigatorKeyStatus, KeyStatus, RetiredEscrowStatus};
pub(crate) use recipients::task_force_recipients;
pub use recipients::{Recipient, Recipients};
pub use recovery::{Rewrapped, BATCH as REWRAP_BATCH};
pub(crate) use sign_in::seal_for_session;
pub use sign_in::KeyLost;
pub use unlocked::UnlockedKey;

/// Whether users of `role` hold a key pair: the roles that read sealed cases, and custodians,
/// who hold reporters' identity keys (design note 006 §8).
pub fn holds_keys(role: Role) -> bool {
    matches!(role, Role::Investigator | Role::Custodian)
}

/// Base64 for the stored forms of sealed keys.
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn from_b64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
