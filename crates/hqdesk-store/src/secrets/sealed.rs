//! Sealed column values: `sealed:v1:<key id>:<base64 of nonce ‖ ciphertext>`, XChaCha20-Poly1305
//! with a random 192-bit nonce and the value's context (column and row) as associated data, so a
//! sealed value copied to another row or column does not open.
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::Keyring;
use crate::StoreError;

const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The id of the key a stored value is sealed under (None: in clear).
pub fn key_id_of(stored: &str) -> Option<&str> {
    stored.strip_prefix(PREFIX)?.split(':').next()
}

pub fn seal(keyring: &Keyring, context: &str, plain: &str) -> Result<String, StoreError> {
    let key = keyring.current();
    let cipher = XChaCha20Poly1305::new(key.sealing_key().as_ref().into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Secrets("sealing a value failed".into()))?;
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    Ok(format!(
        "{PREFIX}{}:{}",
        key.id(),
        STANDARD_NO_PAD.encode(bytes)
    ))
}

/// Open a value sealed for `context`; a value in clear comes back as it is.
pub fn open(keyring: &Keyring, context: &str, stored: &str) -> Result<String, StoreError> {
    let Some(rest) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_string());
    };
    let corrupt = || StoreError::Corrupt(format!("the sealed value of {context} is damaged"));
    let (id, body) = rest.split_once(':').ok_or_else(corrupt)?;
    let key = keyring.get(id).ok_or_else(|| {
        StoreError::Secrets(format!(
            "{context} is sealed under secret key {id}, which is not loaded: \
             restore that key (after the current one) in the key file or HQDESK_SECRET_KEY"
        ))
    })?;
    let bytes = STANDARD_NO_PAD.decode(body).map_err(|_| corrupt())?;
    if bytes.len() < NONCE_LEN {
        return Err(corrupt());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let plain = XChaCha20Poly1305::new(key.sealing_key().as_ref().into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| corrupt())?;
    String::from_utf8(plain).map_err(|_| corrupt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{KeySource, SecretKey};

    fn ring() -> Keyring {
        Keyring::new(vec![SecretKey::generate()], KeySource::Given).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_in_its_context_only() {
        let r = ring();
        let s = seal(&r, "users.totp_secret:7", "JBSWY3DPEHPK3PXP").unwrap();
        assert!(is_sealed(&s) && !s.contains("JBSWY3DPEHPK3PXP"), "{s}");
        assert_eq!(key_id_of(&s), Some(r.current().id()));
        assert_eq!(
            open(&r, "users.totp_secret:7", &s).unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        // Moved to another user's row, or opened with another key: refused.
        assert!(open(&r, "users.totp_secret:8", &s).is_err());
        assert!(open(&ring(), "users.totp_secret:7", &s).is_err());
        // Tampered: refused.
        let mut t = s.clone();
        t.pop();
        assert!(open(&r, "users.totp_secret:7", &t).is_err());
    }

    #[test]
    fn the_same_value_seals_differently_each_time_and_clear_values_pass() {
        let r = ring();
        assert_ne!(seal(&r, "c", "x").unwrap(), seal(&r, "c", "x").unwrap());
        assert_eq!(open(&r, "c", "in clear").unwrap(), "in clear");
        assert_eq!(key_id_of("in clear"), None);
    }

    #[test]
    fn an_old_key_after_the_current_one_still_opens() {
        let old = ring();
        let s = seal(&old, "c", "pw").unwrap();
        let rotated = old.with_current(SecretKey::generate()).unwrap();
        assert_eq!(open(&rotated, "c", &s).unwrap(), "pw");
        assert_ne!(
            key_id_of(&seal(&rotated, "c", "pw").unwrap()),
            key_id_of(&s)
        );
    }
}
