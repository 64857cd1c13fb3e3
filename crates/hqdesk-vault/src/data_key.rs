//! A sealed case's own key, and the sealing of its values.
//!
//! Every sealed case has one `DataKey`: 32 random bytes that never leave memory in clear (they
//! are stored only wrapped, see `keypair`, `receipt`) and are wiped when dropped. Each value of the
//! case (subject, body, a message, a note, the reporter's identity, raw mail) is sealed on its own
//! with `seal`:
//!
//! ```text
//! 0x01 ‖ nonce (24 random bytes) ‖ XChaCha20-Poly1305(value key, nonce, aad = 0x01 ‖ place, value) ‖ tag (16)
//! ```
//!
//! The value key is HKDF-SHA-256 of the data key with `info = "hqdesk-vault/v1/value"` (attachments
//! use another, see `stream`). The **place** (associated data) names where the value belongs,
//! for example `case:42:subject` or `case:42:message:7`: a ciphertext copied into another case,
//! another field or another message fails to open (`Tampered`), so someone who can write the
//! database cannot move a text to where it would be read by other eyes or mean something else.
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::VaultError;

const VERSION: u8 = 1;
const VALUE_INFO: &[u8] = b"hqdesk-vault/v1/value";

/// Bytes `seal` adds to a value: version, nonce and tag.
pub const SEAL_OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// One sealed case's key. Not `Clone`: one owner, wiped on drop. `Debug` prints no byte of it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl DataKey {
    /// A new key from a cryptographic generator (`&mut rand::rngs::OsRng` outside tests).
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut key = Self([0; KEY_LEN]);
        rng.fill_bytes(&mut key.0);
        key
    }

    /// For the wrapping formats of this crate only: a data key is never stored in clear.
    pub(crate) fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        Self(*bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key of one use of this data key (`info` names the use).
    pub(crate) fn subkey(&self, info: &[u8]) -> zeroize::Zeroizing<[u8; KEY_LEN]> {
        aead::derive(&self.0, None, &[info])
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// Seal `plaintext` under the case's key for the place `aad` names (`case:42:subject`).
/// Fails only for a value over 256 GiB (`TooLarge`).
pub fn seal(key: &DataKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let value_key = key.subkey(VALUE_INFO);
    let body = aead::seal(&value_key, &with_version(aad), plaintext)?;
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(VERSION);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Open what `seal` made for the same key and place. A changed byte, a cut, another key or
/// another place is `Tampered`; an unknown first byte is `UnknownVersion`.
pub fn open(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    let (&version, body) = sealed.split_first().ok_or(VaultError::Tampered)?;
    if version != VERSION {
        return Err(VaultError::UnknownVersion(version));
    }
    let value_key = key.subkey(VALUE_INFO);
    aead::open(&value_key, &with_version(aad), body)
}

fn with_version(aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + aad.len());
    out.push(VERSION);
    out.extend_from_slice(aad);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    #[test]
    fn a_value_opens_with_its_key_and_place_only() {
        let key = DataKey::generate(&mut OsRng);
        let sealed = seal(&key, b"case:42:subject", b"Bu\xc3\xb4n l\xe1\xba\xadu").unwrap();
        assert_eq!(sealed.len(), "Buôn lậu".len() + SEAL_OVERHEAD);
        assert_eq!(
            open(&key, b"case:42:subject", &sealed).unwrap(),
            "Buôn lậu".as_bytes()
        );
        // Another place: the same case's body, the same field of another case.
        assert_eq!(
            open(&key, b"case:42:body", &sealed),
            Err(VaultError::Tampered)
        );
        assert_eq!(
            open(&key, b"case:43:subject", &sealed),
            Err(VaultError::Tampered)
        );
        // Another case's key.
        let other = DataKey::generate(&mut OsRng);
        assert_eq!(
            open(&other, b"case:42:subject", &sealed),
            Err(VaultError::Tampered)
        );
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let key = DataKey::generate(&mut OsRng);
        let a = seal(&key, b"p", b"same").unwrap();
        let b = seal(&key, b"p", b"same").unwrap();
        assert_ne!(a, b);
        assert_ne!(a.get(1..1 + NONCE_LEN), b.get(1..1 + NONCE_LEN));
    }

    #[test]
    fn empty_short_and_unknown_versions_are_refused_without_panic() {
        let key = DataKey::generate(&mut OsRng);
        assert_eq!(open(&key, b"p", b""), Err(VaultError::Tampered));
        assert_eq!(open(&key, b"p", &[VERSION]), Err(VaultError::Tampered));
        assert_eq!(open(&key, b"p", &[VERSION; 40]), Err(VaultError::Tampered));
        let mut sealed = seal(&key, b"p", b"x").unwrap();
        sealed[0] = 2;
        assert_eq!(
            open(&key, b"p", &sealed),
            Err(VaultError::UnknownVersion(2))
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = DataKey::generate(&mut OsRng);
        assert_eq!(format!("{key:?}"), "DataKey(…)");
    }

    proptest! {
        #[test]
        fn round_trip(plain in proptest::collection::vec(any::<u8>(), 0..2048),
                      aad in proptest::collection::vec(any::<u8>(), 0..64)) {
            let key = DataKey::generate(&mut OsRng);
            let sealed = seal(&key, &aad, &plain).unwrap();
            prop_assert_eq!(open(&key, &aad, &sealed).unwrap(), plain);
        }

        #[test]
        fn any_flipped_bit_is_refused(plain in proptest::collection::vec(any::<u8>(), 0..256),
                                      at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let key = DataKey::generate(&mut OsRng);
            let mut sealed = seal(&key, b"case:1:body", &plain).unwrap();
            let i = at.index(sealed.len());
            sealed[i] ^= 1 << bit;
            prop_assert!(open(&key, b"case:1:body", &sealed).is_err());
        }

        #[test]
        fn any_cut_is_refused(plain in proptest::collection::vec(any::<u8>(), 0..256),
                              at in any::<prop::sample::Index>()) {
            let key = DataKey::generate(&mut OsRng);
            let sealed = seal(&key, b"a", &plain).unwrap();
            let cut = at.index(sealed.len());
            prop_assert!(open(&key, b"a", &sealed[..cut]).is_err());
        }
    }
}
