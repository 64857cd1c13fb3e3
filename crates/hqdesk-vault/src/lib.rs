//! The key model of sealed cases (issue 18; design note `docs/design/006-sealed-channel.md`).
//!
//! - `data_key`: one random key per sealed case; `seal`/`open` its values, bound to their place.
//! - `stream`: attachments sealed in 64 KiB chunks while they stream.
//! - `append`: values sealed *to* a case by writers without its key (jobs), with its append key
//!   pair; a reporter's identity likewise, to the pair of the case's separate identity key.
//! - `keypair`: X25519 key pairs and data keys wrapped for a public key (`WrappedKey`).
//! - `password`: a private key sealed under its owner's password (Argon2id).
//! - `session`: the unlocked private key sealed for one sign-in session's cookie.
//! - `escrow`: the offline key every case is also wrapped for, printed once.
//! - `receipt`: the 16-digit receipts of anonymous tips, their lookup and key.
//!
//! No I/O, no database, no clock, no async: the callers store the bytes this crate returns.
//! Random bytes come from the caller's cryptographic generator for long-lived secrets (so tests
//! can seed it) and always from the operating system for nonces and ephemeral keys.
#![forbid(unsafe_code)]

mod aead;
mod append;
mod data_key;
mod error;
mod escrow;
mod keypair;
mod password;
mod receipt;
mod session;
mod stream;

pub use append::{
    append_keypair, identity_keypair, new_append_key, open_append, open_append_key, open_identity,
    seal_append, APPEND_OVERHEAD,
};
pub use data_key::{open, seal, DataKey, SEAL_OVERHEAD};
pub use error::VaultError;
pub use escrow::EscrowKeyPair;
pub use keypair::{KeyId, KeyPair, PublicKey, WrappedKey, KEY_ID_LEN};
pub use password::{KdfParams, SealedSecretKey};
pub use receipt::{
    Receipt, ReceiptHasher, ReceiptKeys, ReceiptLookup, RECEIPT_DIGITS, RECEIPT_PARAMS,
};
pub use session::{SessionKey, SessionSealedKey, MIN_TOKEN_LEN};
pub use stream::{
    open_stream, seal_stream, sealed_len, StreamOpener, StreamSealer, CHUNK_LEN, STREAM_HEADER_LEN,
};
