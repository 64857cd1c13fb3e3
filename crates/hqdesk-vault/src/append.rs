//! Values added to a sealed case by writers that hold no key to it.
//!
//! A mail answering a sealed case, a missed call folding into a sealed callback, an escalation
//! step: jobs write these, and a job holds no investigator's key. Each sealed case therefore has
//! an **append key pair** derived from its data key (`append_keypair`): its public half is stored
//! with the case, so anyone may seal a value *to* the case; only the data key's holders can derive
//! the private half and read it (GlobaLeaks gives each report a key pair for the same reason).
//!
//! An appended value is a fresh data key wrapped for the case's append public key, then the value
//! sealed under that fresh key (`seal`):
//!
//! ```text
//! WrappedKey (97 bytes) ‖ seal(fresh key, place, value)
//! ```
//!
//! Both are bound to the same place. For files, `new_append_key` gives the fresh key and its
//! wrap, for `StreamSealer`; `open_append_key` gives it back to the data key's holders.
//!
//! A reporter's identity is appended the same way to a key pair of its own
//! ([`identity_keypair`]), derived from the case's *identity* key: a second random key per case,
//! wrapped for the custodians and the escrow but never for investigators (the identity vault,
//! design note 006 §8). The derivation's label differs from the append pair's, so that even a
//! data key used by mistake as both would give two unrelated pairs.
use rand::rngs::OsRng;

use crate::data_key::{open, seal, DataKey};
use crate::keypair::{KeyPair, PublicKey, WrappedKey, WRAPPED_LEN};
use crate::VaultError;

const APPEND_INFO: &[u8] = b"hqdesk-vault/v1/append";
const IDENTITY_INFO: &[u8] = b"hqdesk-vault/v1/identity";

/// Bytes an appended value carries beyond `seal`'s: the wrap of its fresh key.
pub const APPEND_OVERHEAD: usize = WRAPPED_LEN;

/// The case's append key pair, derived from its data key: the same data key always gives the
/// same pair, so nothing but its public half is stored.
pub fn append_keypair(data_key: &DataKey) -> KeyPair {
    KeyPair::from_secret_bytes(&data_key.subkey(APPEND_INFO))
}

/// The identity key pair of a case, derived from its identity key: values sealed to its public
/// half with [`seal_append`] open with [`open_identity`] only.
pub fn identity_keypair(identity_key: &DataKey) -> KeyPair {
    KeyPair::from_secret_bytes(&identity_key.subkey(IDENTITY_INFO))
}

/// Open a value [`seal_append`] sealed to the identity public key of `identity_key`.
/// `Tampered` for anything that does not authenticate, a value of another case or one sealed to
/// the case's append key included.
pub fn open_identity(
    identity_key: &DataKey,
    place: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, VaultError> {
    open_with_pair(&identity_keypair(identity_key), place, sealed)
}

/// A fresh key for one appended value or file at `place`, and its wrap for the case's append
/// public key (to store before the value).
pub fn new_append_key(
    case_public: &PublicKey,
    place: &[u8],
) -> Result<(DataKey, WrappedKey), VaultError> {
    let key = DataKey::generate(&mut OsRng);
    let wrapped = WrappedKey::wrap_for(&key, case_public, place)?;
    Ok((key, wrapped))
}

/// The fresh key of an appended value or file, with the case's data key.
pub fn open_append_key(
    data_key: &DataKey,
    place: &[u8],
    wrapped: &WrappedKey,
) -> Result<DataKey, VaultError> {
    wrapped.unwrap_with(&append_keypair(data_key), place)
}

/// Seal `value` to a case whose append public key is `case_public`, at `place`.
pub fn seal_append(
    case_public: &PublicKey,
    place: &[u8],
    value: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let (key, wrapped) = new_append_key(case_public, place)?;
    let mut out = wrapped.to_bytes();
    out.extend_from_slice(&seal(&key, place, value)?);
    Ok(out)
}

/// Open what `seal_append` made, with the case's data key. `Tampered` for anything that does not
/// authenticate, including a value appended to another case.
pub fn open_append(data_key: &DataKey, place: &[u8], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    open_with_pair(&append_keypair(data_key), place, sealed)
}

fn open_with_pair(pair: &KeyPair, place: &[u8], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < WRAPPED_LEN {
        return Err(VaultError::Tampered);
    }
    let (wrapped, value) = sealed.split_at(WRAPPED_LEN);
    let wrapped = WrappedKey::from_bytes(wrapped)?;
    let key = wrapped.unwrap_with(pair, place).map_err(|e| match e {
        // Wrapped for another case's append key: to this case, it does not authenticate.
        VaultError::NotRecipient => VaultError::Tampered,
        other => other,
    })?;
    open(&key, place, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{open_stream, seal_stream};
    use rand::SeedableRng;

    fn key(seed: u64) -> DataKey {
        DataKey::generate(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    #[test]
    fn a_job_appends_what_only_the_data_key_reads() {
        let data_key = key(1);
        let public = *append_keypair(&data_key).public();
        let place = b"case:42:entry:7:body";
        let sealed =
            seal_append(&public, place, "Thư trả lời của người báo tin".as_bytes()).unwrap();
        assert_eq!(
            sealed.len(),
            APPEND_OVERHEAD + crate::SEAL_OVERHEAD + "Thư trả lời của người báo tin".len()
        );
        assert_eq!(
            open_append(&data_key, place, &sealed).unwrap(),
            "Thư trả lời của người báo tin".as_bytes()
        );
        // The same data key derives the same pair; another case's key reads nothing.
        assert_eq!(append_keypair(&data_key).public(), &public);
        assert_eq!(
            open_append(&key(2), place, &sealed).unwrap_err(),
            VaultError::Tampered
        );
        // Another place does not open.
        assert_eq!(
            open_append(&data_key, b"case:42:entry:8:body", &sealed).unwrap_err(),
            VaultError::Tampered
        );
    }

    #[test]
    fn every_altered_byte_and_every_cut_is_refused() {
        let data_key = key(3);
        let public = *append_keypair(&data_key).public();
        let place = b"case:9:subject";
        let sealed = seal_append(&public, place, b"hang lau").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x20;
            assert!(open_append(&data_key, place, &bad).is_err(), "byte {i}");
        }
        for n in 0..sealed.len() {
            assert!(
                open_append(&data_key, place, &sealed[..n]).is_err(),
                "cut at {n}"
            );
        }
    }

    #[test]
    fn an_identity_opens_with_its_identity_key_only() {
        let (data_key, identity_key) = (key(5), key(6));
        let public = *identity_keypair(&identity_key).public();
        let place = b"case:42:identity:name";
        let sealed = seal_append(&public, place, "Trần Thị Bí Mật".as_bytes()).unwrap();
        assert_eq!(
            open_identity(&identity_key, place, &sealed).unwrap(),
            "Trần Thị Bí Mật".as_bytes()
        );
        // The case's data key opens nothing of it, whichever way it is tried.
        assert_eq!(
            open_identity(&data_key, place, &sealed).unwrap_err(),
            VaultError::Tampered
        );
        assert_eq!(
            open_append(&data_key, place, &sealed).unwrap_err(),
            VaultError::Tampered
        );
        // Nor does the identity key read it as an appended value, or at another place.
        assert_eq!(
            open_append(&identity_key, place, &sealed).unwrap_err(),
            VaultError::Tampered
        );
        assert_eq!(
            open_identity(&identity_key, b"case:43:identity:name", &sealed).unwrap_err(),
            VaultError::Tampered
        );
        // One key gives two unrelated pairs, and the same pair every time.
        assert_ne!(
            identity_keypair(&identity_key).public(),
            append_keypair(&identity_key).public()
        );
        assert_eq!(identity_keypair(&identity_key).public(), &public);
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                open_identity(&identity_key, place, &bad).is_err(),
                "byte {i}"
            );
        }
    }

    #[test]
    fn a_file_appended_with_its_own_key() {
        let data_key = key(4);
        let public = *append_keypair(&data_key).public();
        let raw = vec![0x5au8; 200_000];
        let (file_key, wrapped) = new_append_key(&public, b"file").unwrap();
        let sealed = seal_stream(&file_key, b"file", &raw).unwrap();
        let again = open_append_key(&data_key, b"file", &wrapped).unwrap();
        assert_eq!(open_stream(&again, b"file", &sealed).unwrap(), raw);
    }
}
