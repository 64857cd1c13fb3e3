//! X25519 key pairs (investigators, the escrow) and data keys wrapped for their public keys.
//!
//! Wrapping is a small ECIES, the construction of age's X25519 recipients and of HPKE's base
//! mode, with XChaCha20-Poly1305 as everywhere else in this crate:
//!
//! ```text
//! e   = 32 random bytes (OsRng), E = X25519(e, 9)           the sender's ephemeral key
//! s   = X25519(e, R)                                         refused if all zero (R of low order)
//! K   = HKDF-SHA-256(ikm = s, salt = none, info = "hqdesk-vault/v1/wrap" ‖ E ‖ R)
//! out = 0x01 ‖ key id of R (16) ‖ E (32) ‖ XChaCha20-Poly1305(K, nonce = 0, aad = 0x01 ‖ key id ‖ place, data key) (48)
//! ```
//!
//! 97 bytes per recipient. The nonce is fixed because K is used once: a fresh `e` for every wrap
//! makes every K new (age does the same). Both public keys are in `info`, so a wrap made for one
//! recipient cannot be presented as made for another. The **place** (`case:42`) binds the wrap to
//! its case: a wrapped key moved to another case's row does not open there.
//!
//! Opening needs only the recipient's secret: intake wraps with public keys alone, and no
//! password is needed to add a report to the task force's cases.
//!
//! A **key id** is the first 16 bytes of SHA-256("hqdesk-vault/v1/key-id" ‖ public key), printed
//! as 32 hex digits: what a wrapped key names as its recipient and what tables index.
use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::{DataKey, VaultError};

const VERSION: u8 = 1;
const WRAP_INFO: &[u8] = b"hqdesk-vault/v1/wrap";
const KEY_ID_INFO: &[u8] = b"hqdesk-vault/v1/key-id";
pub const KEY_ID_LEN: usize = 16;
pub(crate) const WRAPPED_LEN: usize = 1 + KEY_ID_LEN + KEY_LEN + KEY_LEN + TAG_LEN;
const WRAPPED_PREFIX: &str = "hqwk1.";

/// The fingerprint of a public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self, VaultError> {
        let mut id = [0u8; KEY_ID_LEN];
        hex::decode_to_slice(s, &mut id).map_err(|_| VaultError::MalformedKey)?;
        Ok(Self(id))
    }
}

/// An X25519 public key; stored and shown in clear (64 hex digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; KEY_LEN]);

impl PublicKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub fn key_id(&self) -> KeyId {
        let digest = Sha256::new()
            .chain_update(KEY_ID_INFO)
            .chain_update(self.0)
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        KeyId(id)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl FromStr for PublicKey {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self, VaultError> {
        let mut key = [0u8; KEY_LEN];
        hex::decode_to_slice(s, &mut key).map_err(|_| VaultError::MalformedKey)?;
        Ok(Self(key))
    }
}

/// A private key and its public key. The secret is wiped on drop and never printed; it leaves
/// memory only sealed (`password`, `session`) or printed once for the escrow (`escrow`).
pub struct KeyPair {
    secret: StaticSecret,
    public: PublicKey,
}

impl KeyPair {
    /// A new key pair from a cryptographic generator (`&mut rand::rngs::OsRng` outside tests).
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill_bytes(bytes.as_mut());
        Self::from_secret_bytes(&bytes)
    }

    pub(crate) fn from_secret_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        let secret = StaticSecret::from(*bytes);
        let public = PublicKey(x25519_dalek::PublicKey::from(&secret).to_bytes());
        Self { secret, public }
    }

    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; KEY_LEN]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    pub fn key_id(&self) -> KeyId {
        self.public.key_id()
    }

    /// The private key's bytes, for tests that search a database file or a log for them in
    /// clear (feature `test-util`, never in a build that ships).
    #[cfg(feature = "test-util")]
    pub fn exposed_secret(&self) -> Zeroizing<[u8; KEY_LEN]> {
        self.secret_bytes()
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({:?}, secret: …)", self.public.key_id())
    }
}

/// A data key wrapped for one recipient's public key.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    recipient: KeyId,
    ephemeral: [u8; KEY_LEN],
    sealed: [u8; KEY_LEN + TAG_LEN],
}

impl WrappedKey {
    /// Wrap `data_key` for `recipient`, bound to `place` (`case:42`). Needs no secret: intake
    /// wraps for the investigators and the escrow with their public keys alone. `MalformedKey`
    /// for a public key of low order (it would make the shared secret zero).
    pub fn wrap_for(
        data_key: &DataKey,
        recipient: &PublicKey,
        place: &[u8],
    ) -> Result<Self, VaultError> {
        let mut e = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(e.as_mut());
        let ephemeral_secret = StaticSecret::from(*e);
        let ephemeral = x25519_dalek::PublicKey::from(&ephemeral_secret).to_bytes();
        let shared = ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(recipient.0));
        if !shared.was_contributory() {
            return Err(VaultError::MalformedKey);
        }
        let recipient_id = recipient.key_id();
        let kek = wrapping_key(shared.as_bytes(), &ephemeral, &recipient.0);
        let sealed = aead::seal_with_nonce(
            &kek,
            &[0; NONCE_LEN],
            &wrap_aad(&recipient_id, place),
            data_key.as_bytes(),
        )?;
        Ok(Self {
            recipient: recipient_id,
            ephemeral,
            sealed: sealed.try_into().map_err(|_| VaultError::Tampered)?,
        })
    }

    /// The data key, with the recipient's key pair, for the same place. `NotRecipient` when the
    /// wrap names another key; `Tampered` when it names this one but does not open.
    pub fn unwrap_with(&self, holder: &KeyPair, place: &[u8]) -> Result<DataKey, VaultError> {
        if self.recipient != holder.key_id() {
            return Err(VaultError::NotRecipient);
        }
        let shared = holder
            .secret
            .diffie_hellman(&x25519_dalek::PublicKey::from(self.ephemeral));
        if !shared.was_contributory() {
            return Err(VaultError::Tampered);
        }
        let kek = wrapping_key(shared.as_bytes(), &self.ephemeral, &holder.public.0);
        let key = Zeroizing::new(aead::open_with_nonce(
            &kek,
            &[0; NONCE_LEN],
            &wrap_aad(&self.recipient, place),
            &self.sealed,
        )?);
        Ok(DataKey::from_bytes(&*aead::key_from_slice(&key)?))
    }

    /// Unwrap with `holder` and wrap again for `to`, at the same place: sharing a case with
    /// another investigator, or recovering it with the escrow key.
    pub fn rewrap(
        &self,
        holder: &KeyPair,
        place: &[u8],
        to: &PublicKey,
    ) -> Result<Self, VaultError> {
        let data_key = self.unwrap_with(holder, place)?;
        Self::wrap_for(&data_key, to, place)
    }

    /// The key id of the public key this was wrapped for.
    pub fn recipient(&self) -> &KeyId {
        &self.recipient
    }

    /// `0x01 ‖ key id ‖ ephemeral public key ‖ sealed data key`: 97 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.push(VERSION);
        out.extend_from_slice(&self.recipient.0);
        out.extend_from_slice(&self.ephemeral);
        out.extend_from_slice(&self.sealed);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let (&version, rest) = bytes.split_first().ok_or(VaultError::Tampered)?;
        if version != VERSION {
            return Err(VaultError::UnknownVersion(version));
        }
        let (recipient, rest) = rest
            .split_first_chunk::<KEY_ID_LEN>()
            .ok_or(VaultError::Tampered)?;
        let (ephemeral, sealed) = rest
            .split_first_chunk::<KEY_LEN>()
            .ok_or(VaultError::Tampered)?;
        Ok(Self {
            recipient: KeyId(*recipient),
            ephemeral: *ephemeral,
            sealed: sealed.try_into().map_err(|_| VaultError::Tampered)?,
        })
    }
}

/// `hqwk1.` and the bytes in URL-safe base64 (136 characters), for text columns and exports.
impl fmt::Display for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{WRAPPED_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(self.to_bytes())
        )
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappedKey(for {})", self.recipient)
    }
}

impl FromStr for WrappedKey {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self, VaultError> {
        let body = s
            .strip_prefix(WRAPPED_PREFIX)
            .ok_or(VaultError::MalformedKey)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| VaultError::MalformedKey)?;
        Self::from_bytes(&bytes)
    }
}

fn wrapping_key(
    shared: &[u8; KEY_LEN],
    ephemeral: &[u8; KEY_LEN],
    recipient: &[u8; KEY_LEN],
) -> Zeroizing<[u8; KEY_LEN]> {
    aead::derive(shared, None, &[WRAP_INFO, ephemeral, recipient])
}

fn wrap_aad(recipient: &KeyId, place: &[u8]) -> Vec<u8> {
    [&[VERSION][..], &recipient.0, place].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_data_key_wrapped_for_a_public_key_opens_with_its_pair_only() {
        let alice = KeyPair::generate(&mut OsRng);
        let bob = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let sealed = crate::seal(&data_key, b"case:7:subject", b"marker").unwrap();

        let wrapped = WrappedKey::wrap_for(&data_key, alice.public(), b"case:7").unwrap();
        assert_eq!(wrapped.recipient(), &alice.key_id());
        let back = wrapped.unwrap_with(&alice, b"case:7").unwrap();
        assert_eq!(
            crate::open(&back, b"case:7:subject", &sealed).unwrap(),
            b"marker"
        );
        assert_eq!(
            wrapped.unwrap_with(&bob, b"case:7").err(),
            Some(VaultError::NotRecipient)
        );
        assert_eq!(
            wrapped.unwrap_with(&alice, b"case:8").err(),
            Some(VaultError::Tampered)
        );
    }

    #[test]
    fn a_wrap_relabelled_for_another_recipient_does_not_open() {
        let alice = KeyPair::generate(&mut OsRng);
        let bob = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let wrapped = WrappedKey::wrap_for(&data_key, alice.public(), b"case:7").unwrap();
        let mut forged = wrapped.clone();
        forged.recipient = bob.key_id();
        assert_eq!(
            forged.unwrap_with(&bob, b"case:7").err(),
            Some(VaultError::Tampered)
        );
    }

    #[test]
    fn rewrap_shares_the_same_data_key() {
        let alice = KeyPair::generate(&mut OsRng);
        let bob = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let for_alice = WrappedKey::wrap_for(&data_key, alice.public(), b"case:7").unwrap();
        let for_bob = for_alice.rewrap(&alice, b"case:7", bob.public()).unwrap();
        let back = for_bob.unwrap_with(&bob, b"case:7").unwrap();
        assert_eq!(back.as_bytes(), data_key.as_bytes());
        // Bob cannot use his wrap to make one for someone else from Alice's.
        assert_eq!(
            for_alice.rewrap(&bob, b"case:7", bob.public()).err(),
            Some(VaultError::NotRecipient)
        );
    }

    #[test]
    fn low_order_public_keys_are_refused() {
        let data_key = DataKey::generate(&mut OsRng);
        let zero = PublicKey::from_bytes([0; KEY_LEN]);
        assert_eq!(
            WrappedKey::wrap_for(&data_key, &zero, b"p").err(),
            Some(VaultError::MalformedKey)
        );
        let one = {
            let mut b = [0; KEY_LEN];
            b[0] = 1;
            PublicKey::from_bytes(b)
        };
        assert_eq!(
            WrappedKey::wrap_for(&data_key, &one, b"p").err(),
            Some(VaultError::MalformedKey)
        );
        // An ephemeral key of low order in a stored wrap is tampering.
        let alice = KeyPair::generate(&mut OsRng);
        let mut wrapped = WrappedKey::wrap_for(&data_key, alice.public(), b"p").unwrap();
        wrapped.ephemeral = [0; KEY_LEN];
        assert_eq!(
            wrapped.unwrap_with(&alice, b"p").err(),
            Some(VaultError::Tampered)
        );
    }

    #[test]
    fn forms_round_trip_and_have_their_documented_sizes() {
        let alice = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let wrapped = WrappedKey::wrap_for(&data_key, alice.public(), b"case:7").unwrap();
        let bytes = wrapped.to_bytes();
        assert_eq!(bytes.len(), 97);
        assert_eq!(WrappedKey::from_bytes(&bytes).unwrap(), wrapped);
        let text = wrapped.to_string();
        assert!(text.starts_with("hqwk1."));
        assert_eq!(text.len(), 6 + 130);
        assert_eq!(text.parse::<WrappedKey>().unwrap(), wrapped);
        assert_eq!(
            "hqwk2.AAAA".parse::<WrappedKey>().err(),
            Some(VaultError::MalformedKey)
        );

        let public = alice.public().to_string();
        assert_eq!(public.len(), 64);
        assert_eq!(public.parse::<PublicKey>().unwrap(), *alice.public());
        let id = alice.key_id().to_string();
        assert_eq!(id.len(), 32);
        assert_eq!(id.parse::<KeyId>().unwrap(), alice.key_id());
        assert!("xyz".parse::<PublicKey>().is_err());
        assert!("00".parse::<KeyId>().is_err());
        assert!(!format!("{alice:?}").contains(&hex::encode(*alice.secret_bytes())));
    }

    #[test]
    fn a_secret_read_back_gives_the_same_pair() {
        let alice = KeyPair::generate(&mut OsRng);
        let again = KeyPair::from_secret_bytes(&alice.secret_bytes());
        assert_eq!(again.public(), alice.public());
    }

    /// Every bit of the 97 bytes, including the top bit of the ephemeral key, which X25519
    /// itself ignores (it is caught because the stored bytes go into the HKDF info).
    #[test]
    fn every_flipped_bit_is_refused() {
        let alice = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let bytes = WrappedKey::wrap_for(&data_key, alice.public(), b"case:7")
            .unwrap()
            .to_bytes();
        for at in 0..WRAPPED_LEN {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[at] ^= 1 << bit;
                let opened =
                    WrappedKey::from_bytes(&bad).and_then(|w| w.unwrap_with(&alice, b"case:7"));
                assert!(opened.is_err(), "byte {at} bit {bit}");
            }
        }
    }

    proptest! {
        #[test]
        fn any_cut_is_refused(len in 0usize..WRAPPED_LEN) {
            let alice = KeyPair::generate(&mut OsRng);
            let data_key = DataKey::generate(&mut OsRng);
            let bytes = WrappedKey::wrap_for(&data_key, alice.public(), b"p").unwrap().to_bytes();
            prop_assert!(WrappedKey::from_bytes(&bytes[..len]).is_err());
        }
    }
}
