//! An unlocked private key kept for the length of a sign-in session, openable by any node that
//! receives the session's cookie and by nothing that only reads the database.
//!
//! At sign-in the password opens the investigator's private key (`password`); the server then
//! seals it again under a key derived from the session token and stores that blob with the
//! session row. The token is 256 random bits that only the browser keeps (in its cookie); the
//! database keeps only SHA-256 of it, which is another function of the token and does not give
//! this key:
//!
//! ```text
//! session key = HKDF-SHA-256(ikm = token, salt = server secret, info = "hqdesk-vault/v1/session")
//! blob        = 0x01 ‖ public key (32) ‖ nonce (24) ‖ XChaCha20-Poly1305(session key, nonce,
//!               aad = 0x01 ‖ public key ‖ place, private key) (48)
//! ```
//!
//! 105 bytes. The **server secret** is a key derived from the installation's secret key file (see
//! design note 005), so a copy of the database with a stolen cookie still opens nothing without
//! the key file. The **place** is the session's row (`session:<id hash>`), so the blob of one
//! session does not open for another. When the session ends (sign-out, idle time-out, password
//! change), deleting its row deletes the blob: the key is gone with it. No slow KDF is needed:
//! the token has 256 bits of entropy, not a password's.
use zeroize::Zeroizing;

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::{DataKey, KeyPair, PublicKey, VaultError};

const VERSION: u8 = 1;
const SESSION_INFO: &[u8] = b"hqdesk-vault/v1/session";
const SEALED_LEN: usize = 1 + KEY_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;
/// Shortest token accepted: 128 bits of entropy in hex (hqdesk's tokens have 256).
pub const MIN_TOKEN_LEN: usize = 32;

/// The key a session token gives. Wiped on drop.
pub struct SessionKey(Zeroizing<[u8; KEY_LEN]>);

impl SessionKey {
    /// From the cookie's token and the server's secret. `BadParameters` for a token shorter
    /// than `MIN_TOKEN_LEN` bytes or an empty server secret (a bug, not a user's mistake).
    pub fn derive(token: &[u8], server_secret: &[u8]) -> Result<Self, VaultError> {
        if token.len() < MIN_TOKEN_LEN || server_secret.is_empty() {
            return Err(VaultError::BadParameters);
        }
        Ok(Self(aead::derive(
            token,
            Some(server_secret),
            &[SESSION_INFO],
        )))
    }

    /// Seal the unlocked `key` for this session's row, named by `place`.
    pub fn seal(&self, key: &KeyPair, place: &[u8]) -> Result<SessionSealedKey, VaultError> {
        let mut out = Vec::with_capacity(SEALED_LEN);
        out.push(VERSION);
        out.extend_from_slice(key.public().as_bytes());
        let body = aead::seal(&self.0, &aad(&out, place), key.secret_bytes().as_ref())?;
        out.extend_from_slice(&body);
        Ok(SessionSealedKey(out))
    }

    /// The key pair for a request carrying this session's cookie; `WrongSession` when the token,
    /// the server secret or the place is not the one it was sealed with.
    pub fn open(&self, sealed: &SessionSealedKey, place: &[u8]) -> Result<KeyPair, VaultError> {
        let (head, body) = sealed
            .0
            .split_at_checked(1 + KEY_LEN)
            .ok_or(VaultError::Tampered)?;
        let secret = Zeroizing::new(
            aead::open(&self.0, &aad(head, place), body).map_err(|_| VaultError::WrongSession)?,
        );
        let pair = KeyPair::from_secret_bytes(&*aead::key_from_slice(&secret)?);
        if pair.public() != &sealed.public_key()? {
            return Err(VaultError::Tampered);
        }
        Ok(pair)
    }
}

impl SessionKey {
    /// A sealed case's data key wrapped under this key, bound to `place`: a portal tracking
    /// link (a bearer token like a session's) opens its own case this way.
    pub fn wrap_data_key(&self, data_key: &DataKey, place: &[u8]) -> Result<Vec<u8>, VaultError> {
        let body = aead::seal(&self.0, &aad(&[VERSION], place), data_key.as_bytes())?;
        Ok([&[VERSION][..], &body].concat())
    }

    /// What [`Self::wrap_data_key`] made; `WrongSession` for another token, secret or place.
    pub fn unwrap_data_key(&self, wrapped: &[u8], place: &[u8]) -> Result<DataKey, VaultError> {
        match wrapped.split_first() {
            Some((&VERSION, body)) => {
                let key = Zeroizing::new(
                    aead::open(&self.0, &aad(&[VERSION], place), body)
                        .map_err(|_| VaultError::WrongSession)?,
                );
                Ok(DataKey::from_bytes(&*aead::key_from_slice(&key)?))
            }
            Some((&v, _)) => Err(VaultError::UnknownVersion(v)),
            None => Err(VaultError::Tampered),
        }
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(…)")
    }
}

/// A private key sealed for one session, as stored with the session's row.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSealedKey(Vec<u8>);

impl SessionSealedKey {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let (&version, _) = bytes.split_first().ok_or(VaultError::Tampered)?;
        if version != VERSION {
            return Err(VaultError::UnknownVersion(version));
        }
        if bytes.len() != SEALED_LEN {
            return Err(VaultError::Tampered);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// Whose key this is.
    pub fn public_key(&self) -> Result<PublicKey, VaultError> {
        let public = self
            .0
            .get(1..1 + KEY_LEN)
            .and_then(|b| <[u8; KEY_LEN]>::try_from(b).ok())
            .ok_or(VaultError::Tampered)?;
        Ok(PublicKey::from_bytes(public))
    }
}

impl std::fmt::Debug for SessionSealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.public_key() {
            Ok(public) => write!(f, "SessionSealedKey(for {})", public.key_id()),
            Err(e) => write!(f, "SessionSealedKey({e})"),
        }
    }
}

fn aad(head: &[u8], place: &[u8]) -> Vec<u8> {
    [head, place].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WrappedKey;
    use rand::rngs::OsRng;

    const TOKEN: &[u8] = b"5f0c1b2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
    const SERVER: &[u8] = b"server secret derived from the key file";

    #[test]
    fn any_node_with_the_cookie_opens_the_key_for_that_session_only() {
        let pair = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let wrapped = WrappedKey::wrap_for(&data_key, pair.public(), b"case:3").unwrap();

        // Sign-in, on node A.
        let sealed = SessionKey::derive(TOKEN, SERVER)
            .unwrap()
            .seal(&pair, b"session:1")
            .unwrap();
        assert_eq!(sealed.as_bytes().len(), 105);
        let stored = sealed.as_bytes().to_vec();

        // A later request, on node B, with the cookie.
        let on_b = SessionKey::derive(TOKEN, SERVER).unwrap();
        let sealed = SessionSealedKey::from_bytes(&stored).unwrap();
        let opened = on_b.open(&sealed, b"session:1").unwrap();
        let back = wrapped.unwrap_with(&opened, b"case:3").unwrap();
        assert_eq!(back.as_bytes(), data_key.as_bytes());

        // Another session's blob, another token, another server.
        assert_eq!(
            on_b.open(&sealed, b"session:2").err(),
            Some(VaultError::WrongSession)
        );
        let mut other_token = TOKEN.to_vec();
        other_token[0] ^= 1;
        let wrong = SessionKey::derive(&other_token, SERVER).unwrap();
        assert_eq!(
            wrong.open(&sealed, b"session:1").err(),
            Some(VaultError::WrongSession)
        );
        let other_server = SessionKey::derive(TOKEN, b"another installation").unwrap();
        assert_eq!(
            other_server.open(&sealed, b"session:1").err(),
            Some(VaultError::WrongSession)
        );
    }

    #[test]
    fn the_stored_token_hash_does_not_open_the_key() {
        use sha2::{Digest, Sha256};
        let pair = KeyPair::generate(&mut OsRng);
        let sealed = SessionKey::derive(TOKEN, SERVER)
            .unwrap()
            .seal(&pair, b"session:1")
            .unwrap();
        // What the sessions table keeps: hex SHA-256 of the token.
        let stored_hash = hex::encode(Sha256::digest(TOKEN));
        let from_db = SessionKey::derive(stored_hash.as_bytes(), SERVER).unwrap();
        assert!(from_db.open(&sealed, b"session:1").is_err());
    }

    #[test]
    fn short_tokens_are_a_bug_and_refused() {
        assert_eq!(
            SessionKey::derive(b"short", SERVER).err(),
            Some(VaultError::BadParameters)
        );
        assert_eq!(
            SessionKey::derive(TOKEN, b"").err(),
            Some(VaultError::BadParameters)
        );
    }

    #[test]
    fn every_altered_byte_and_every_cut_is_refused() {
        let pair = KeyPair::generate(&mut OsRng);
        let key = SessionKey::derive(TOKEN, SERVER).unwrap();
        let sealed = key.seal(&pair, b"s").unwrap();
        for i in 0..SEALED_LEN {
            for bit in 0..8 {
                let mut bytes = sealed.as_bytes().to_vec();
                bytes[i] ^= 1 << bit;
                let opened = SessionSealedKey::from_bytes(&bytes).and_then(|s| key.open(&s, b"s"));
                assert!(opened.is_err(), "byte {i} bit {bit}");
            }
        }
        for len in 0..SEALED_LEN {
            assert!(SessionSealedKey::from_bytes(&sealed.as_bytes()[..len]).is_err());
        }
        assert_eq!(format!("{key:?}"), "SessionKey(…)");
    }

    #[test]
    fn a_data_key_wrapped_for_a_token_opens_with_it_only() {
        let token = [7u8; 32];
        let key = SessionKey::derive(&token, b"server secret").unwrap();
        let data_key = DataKey::generate(&mut OsRng);
        let wrapped = key.wrap_data_key(&data_key, b"case:4:tracking").unwrap();
        let opened = key.unwrap_data_key(&wrapped, b"case:4:tracking").unwrap();
        assert_eq!(opened.as_bytes(), data_key.as_bytes());
        assert!(matches!(
            key.unwrap_data_key(&wrapped, b"case:5:tracking"),
            Err(VaultError::WrongSession)
        ));
        let other = SessionKey::derive(&[8u8; 32], b"server secret").unwrap();
        assert!(other.unwrap_data_key(&wrapped, b"case:4:tracking").is_err());
        let mut tampered = wrapped.clone();
        tampered[5] ^= 1;
        assert!(key.unwrap_data_key(&tampered, b"case:4:tracking").is_err());
    }
}
