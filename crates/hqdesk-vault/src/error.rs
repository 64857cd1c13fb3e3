//! What can go wrong when opening, unwrapping or parsing, as cases a caller maps to a clear
//! refusal. Nothing in this crate panics on its input: every bad byte ends here.
//!
//! How a caller answers each one:
//!
//! | error | meaning | answer |
//! |---|---|---|
//! | `WrongPassword` | the password does not open the private key | "wrong password" (count it like a failed sign-in) |
//! | `WrongSession` | the session token does not open the session's copy of the key | sign in again |
//! | `NotRecipient` | the data key was not wrapped for this key pair | the case is not shared with this person: not found |
//! | `Tampered` | a sealed value, wrapped key or blob does not authenticate (altered, truncated, moved to another place, or opened with the wrong key) | refuse, log the object (never its bytes), never show partial plaintext |
//! | `UnknownVersion` | a format byte this build does not know | refuse; a newer build wrote it |
//! | `MalformedReceipt` | not 16 digits | "a receipt has 16 digits" (says nothing about existence) |
//! | `UnknownReceipt` | well-formed, but no report has it | the same answer as a wrong receipt, after the same work |
//! | `MalformedKey` | a public key, key id or wrapped key in text form does not parse | refuse the input |
//! | `MalformedEscrowKey` / `EscrowChecksum` | the printed escrow key is mistyped | "check the escrow key and type it again" |
//! | `BadParameters` | Argon2 parameters out of the accepted range (a stored blob asking for 4 TiB) | refuse, treat as tampered |
//! | `TooLarge` | more than the AEAD can seal at once (256 GiB) | refuse the upload |

/// Every failure of the vault, none of which carries secret material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("wrong password")]
    WrongPassword,
    #[error("the session's key does not open: sign in again")]
    WrongSession,
    #[error("this key pair is not a recipient of the wrapped key")]
    NotRecipient,
    #[error("the sealed data does not authenticate: altered, moved, or opened with the wrong key")]
    Tampered,
    #[error("unknown format version {0}")]
    UnknownVersion(u8),
    #[error("a receipt has 16 digits")]
    MalformedReceipt,
    #[error("no report has this receipt")]
    UnknownReceipt,
    #[error("malformed key")]
    MalformedKey,
    #[error("malformed escrow key: it starts with HQDESK-ESCROW-1- and has 64 letters and digits")]
    MalformedEscrowKey,
    #[error("the escrow key's checksum does not match: a character is mistyped")]
    EscrowChecksum,
    #[error("key derivation parameters out of range")]
    BadParameters,
    #[error("too large to seal at once")]
    TooLarge,
}
