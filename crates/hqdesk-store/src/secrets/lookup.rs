//! Lookup hashes (design note 006 §9.2): a value that must be found by equality but not stored —
//! a sealed reporter's e-mail address for mail threading, a confidential caller's number, a
//! flagged caller in the audit log — is kept as `hqk1.<secret key id>.<hex>`, an HMAC-SHA-256
//! under a key derived from the installation's secret key, with a domain (`phone`, `email`…) so
//! that equal strings of different kinds never match. A copy of the database cannot test guesses
//! without the key file (a phone number alone has too few possibilities for a plain hash).
//!
//! After `hqdesk secrets rotate` older rows carry an older key id: a search asks for the hash
//! under every key the keyring holds (`lookup_hashes`).
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{installed, SecretKey};
use crate::StoreError;

const PREFIX: &str = "hqk1.";

fn hash_with(key: &SecretKey, domain: &str, value: &str) -> Result<String, StoreError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.lookup_key()[..])
        .map_err(|_| StoreError::Secrets("HMAC key".into()))?;
    mac.update(domain.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    Ok(format!(
        "{PREFIX}{}.{}",
        key.id(),
        hex::encode(mac.finalize().into_bytes())
    ))
}

/// The lookup hash of `value` in `domain` under the current key, to store.
pub fn lookup_hash(domain: &str, value: &str) -> Result<String, StoreError> {
    hash_with(installed()?.current(), domain, value)
}

/// The lookup hashes of `value` in `domain` under every installed key (the current first), to
/// search with `IN (…)`.
pub fn lookup_hashes(domain: &str, value: &str) -> Result<Vec<String>, StoreError> {
    installed()?
        .keys()
        .iter()
        .map(|k| hash_with(k, domain, value))
        .collect()
}

/// Whether a stored value is a lookup hash.
pub fn is_lookup_hash(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_match_within_a_domain_only() {
        let key = SecretKey::generate();
        let other = SecretKey::generate();
        let h = |k: &SecretKey, d: &str, v: &str| hash_with(k, d, v).unwrap();
        assert_eq!(
            h(&key, "phone", "+84904555666"),
            h(&key, "phone", "+84904555666")
        );
        assert_ne!(
            h(&key, "phone", "+84904555666"),
            h(&key, "phone", "+84904555667")
        );
        assert_ne!(
            h(&key, "phone", "+84904555666"),
            h(&key, "email", "+84904555666")
        );
        assert_ne!(
            h(&key, "phone", "+84904555666"),
            h(&other, "phone", "+84904555666")
        );
        // A domain and a value never run together: "ab" + "c" is not "a" + "bc".
        assert_ne!(h(&key, "ab", "c"), h(&key, "a", "bc"));
        let stored = h(&key, "phone", "+84904555666");
        assert!(is_lookup_hash(&stored));
        assert!(
            stored.starts_with(&format!("hqk1.{}.", key.id())),
            "{stored}"
        );
        assert!(!stored.contains("904555666"));
        assert!(!is_lookup_hash("+84904555666"));
    }
}
