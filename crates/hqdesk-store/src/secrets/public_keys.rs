//! MACs of stored public keys (design note 006 §8): whoever can write the database but has no
//! key file could put their own public key in an investigator's row or the escrow's, and every
//! report taken in after that would be wrapped for them. Each stored public key carries an
//! HMAC-SHA-256, under a key derived from the installation's secret key, over the table, the
//! owner, the key id and the public key; a key whose MAC fails is never wrapped for.
//!
//! Stored as `<secret key id>:<hex>`, so that a MAC made before `hqdesk secrets rotate` is
//! still checked under the key it was made with (the keyring keeps the older keys).
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{installed, Keyring};
use crate::StoreError;

/// What a MAC binds: a public key to its table and owner (`users:42`, `escrow`).
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub table: &'a str,
    pub owner: &'a str,
    pub key_id: &'a str,
    pub public_key: &'a str,
}

fn hmac(key: &[u8; 32], b: &Binding<'_>) -> Result<Hmac<Sha256>, StoreError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| StoreError::Secrets("HMAC key".into()))?;
    // Each field is followed by a NUL (none of them holds one): no two bindings share bytes.
    for part in [
        "hqdesk/public-key-mac/v1",
        b.table,
        b.owner,
        b.key_id,
        b.public_key,
    ] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    Ok(mac)
}

fn compute(key: &[u8; 32], b: &Binding<'_>) -> Result<[u8; 32], StoreError> {
    Ok(hmac(key, b)?.finalize().into_bytes().into())
}

/// The MAC of `binding` under the current key.
pub fn mac(binding: &Binding<'_>) -> Result<String, StoreError> {
    mac_with(&*installed()?, binding)
}

pub(crate) fn mac_with(keyring: &Keyring, binding: &Binding<'_>) -> Result<String, StoreError> {
    let key = keyring.current();
    Ok(format!(
        "{}:{}",
        key.id(),
        hex::encode(compute(&key.public_key_mac_key(), binding)?)
    ))
}

/// Whether `stored` is the MAC of `binding` under one of the installed keys. A MAC under a
/// key this installation does not hold does not verify.
pub fn verify(binding: &Binding<'_>, stored: &str) -> Result<bool, StoreError> {
    let keyring = installed()?;
    let Some((id, tag)) = stored.split_once(':') else {
        return Ok(false);
    };
    let (Some(key), Ok(tag)) = (keyring.get(id), hex::decode(tag)) else {
        return Ok(false);
    };
    // Compared in constant time by the hmac crate.
    Ok(hmac(&key.public_key_mac_key(), binding)?
        .verify_slice(&tag)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{KeySource, SecretKey};

    fn binding<'a>(public_key: &'a str) -> Binding<'a> {
        Binding {
            table: "user_keys",
            owner: "users:7",
            key_id: "00ff",
            public_key,
        }
    }

    #[test]
    fn a_mac_binds_every_field_and_the_key() {
        let ring = Keyring::new(vec![SecretKey::generate()], KeySource::Given).unwrap();
        let m = mac_with(&ring, &binding("aa")).unwrap();
        let (id, tag) = m.split_once(':').unwrap();
        assert_eq!(id, ring.current().id());
        let key = ring.current().public_key_mac_key();
        assert_eq!(hex::encode(compute(&key, &binding("aa")).unwrap()), tag);
        assert_ne!(
            compute(&key, &binding("ab")).unwrap(),
            compute(&key, &binding("aa")).unwrap()
        );
        let other = Binding {
            owner: "users:8",
            ..binding("aa")
        };
        assert_ne!(
            compute(&key, &other).unwrap(),
            compute(&key, &binding("aa")).unwrap()
        );
        let other_key = SecretKey::generate().public_key_mac_key();
        assert_ne!(
            compute(&other_key, &binding("aa")).unwrap(),
            compute(&key, &binding("aa")).unwrap()
        );
    }
}
