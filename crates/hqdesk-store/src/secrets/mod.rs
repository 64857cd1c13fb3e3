//! Secrets at rest. TOTP secrets and mailbox passwords are sealed (XChaCha20-Poly1305) with a key
//! the database never holds, and the audit chain is keyed (HMAC-SHA-256) with a key derived from
//! the same secret key: whoever can read the database (a backup, a replica, its administrator)
//! sees no secret, and whoever can write it cannot recompute the audit chain.
//!
//! The keys come from `HQDESK_SECRET_KEY` or a key file (`key_file`), loaded once at start and
//! installed here for the whole process, like the database drivers: every transaction that
//! appends to the audit log or touches a sealed column uses them, and threading them through
//! each of those calls would add a parameter to some fifty call sites that have no other use for
//! it. Design note: docs/design/005-secrets.md.
pub mod key_file;
mod keyring;
pub mod lookup;
pub mod public_keys;
pub mod registered;
pub mod reseal;
mod sealed;

use std::sync::{Arc, RwLock};

pub use keyring::{KeySource, Keyring, SecretKey};
pub use sealed::{is_sealed, key_id_of, open, seal};

use crate::StoreError;

static INSTALLED: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Use `keyring` from now on, in the whole process.
pub fn install(keyring: Keyring) {
    let mut slot = INSTALLED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = Some(Arc::new(keyring));
}

/// The keyring in use; an error when none was installed (never a silent fallback to no key).
pub fn installed() -> Result<Arc<Keyring>, StoreError> {
    INSTALLED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
        .ok_or_else(|| {
            StoreError::Secrets(
                "no secret key is loaded (hqdesk_store::secrets::install was not called)".into(),
            )
        })
}

/// The server's secrets for session keys, current key first: a session sealed before
/// `hqdesk secrets rotate` still opens until it ends.
pub fn session_secrets() -> Result<Vec<zeroize::Zeroizing<[u8; 32]>>, StoreError> {
    Ok(installed()?
        .keys()
        .iter()
        .map(SecretKey::session_secret)
        .collect())
}

/// The receipt peppers of every installed key, current first: a receipt made before
/// `hqdesk secrets rotate` is found under the pepper of the key it was made with.
pub fn receipt_peppers() -> Result<Vec<zeroize::Zeroizing<[u8; 32]>>, StoreError> {
    Ok(installed()?
        .keys()
        .iter()
        .map(SecretKey::receipt_pepper)
        .collect())
}

/// Seal `plain` under the current key, bound to `context` (the column and row it belongs in).
pub fn seal_value(context: &str, plain: &str) -> Result<String, StoreError> {
    seal(&*installed()?, context, plain)
}

/// Open a stored value sealed for `context`; a value still in clear (from before the key, sealed
/// at the next start) is returned as it is. A value under a key this process does not have yet
/// (`hqdesk secrets rotate` ran beside it) makes it read its key file again.
pub fn open_value(context: &str, stored: &str) -> Result<String, StoreError> {
    let keyring = installed()?;
    match key_id_of(stored) {
        Some(id) if keyring.get(id).is_none() => {
            let reloaded = match keyring.source() {
                KeySource::File(path) => key_file::read(path)?,
                _ => return open(&keyring, context, stored),
            };
            let value = open(&reloaded, context, stored)?;
            tracing::info!(key = id, "secret keys reloaded from the key file");
            install(reloaded);
            Ok(value)
        }
        _ => open(&keyring, context, stored),
    }
}
