//! The installation's secret keys: 32 random bytes each, written in base64. The first key of a
//! keyring is current (it seals new values and keys new audit rows); the others only open and
//! verify what was written under them before a rotation. A key's id is derived from the key, so a
//! wrong key can never pass for the right one.
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hkdf::Hkdf;
use hqdesk_domain::audit::{AuditKey, AuditKeys};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::StoreError;

/// One secret key.
#[derive(Clone)]
pub struct SecretKey {
    id: String,
    material: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    fn from_material(material: Zeroizing<[u8; 32]>) -> Self {
        let mut key = SecretKey {
            id: String::new(),
            material,
        };
        key.id = hex::encode(&key.derive("hqdesk/key-id/v1")[..8]);
        key
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        let mut material = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut material[..]);
        Self::from_material(material)
    }

    /// A key written in base64 (`openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> Result<Self, StoreError> {
        let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            StoreError::Secrets(
                "a secret key is 32 bytes in base64 (openssl rand -base64 32)".into(),
            )
        })?);
        let material: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            StoreError::Secrets(format!(
                "a secret key is 32 bytes in base64, not {} bytes (openssl rand -base64 32)",
                bytes.len()
            ))
        })?;
        Ok(Self::from_material(Zeroizing::new(material)))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(&self.material[..]))
    }

    /// 16 hex digits that name the key in sealed values, audit rows and checkpoints.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A key for one purpose (HKDF-SHA-256 with the purpose as info): the sealing key, the audit
    /// key and the id never reveal one another.
    fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, &self.material[..])
            .expand(purpose.as_bytes(), &mut out[..])
            .unwrap_or_else(|_| unreachable!("HKDF-SHA-256 yields 32 bytes"));
        out
    }

    pub(crate) fn sealing_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive("hqdesk/sealed-values/v1")
    }

    /// Keys the MACs of stored public keys (investigators', the escrow's): see `public_keys`.
    pub(crate) fn public_key_mac_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive("hqdesk/public-key-mac/v1")
    }

    /// Keys the lookup hashes of values that must be found by equality without being stored
    /// (see `lookup`).
    pub(crate) fn lookup_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive("hqdesk/lookup/v1")
    }

    /// The server's part of a session key (design note 006 §1): with the cookie's token, it
    /// seals an investigator's unlocked private key for their session.
    pub fn session_secret(&self) -> Zeroizing<[u8; 32]> {
        self.derive("hqdesk/session-key/v1")
    }

    /// The pepper of anonymous tips' receipts (design note 006 §5): without it, a copy of the
    /// database cannot test a single guess of a receipt.
    pub fn receipt_pepper(&self) -> Zeroizing<[u8; 32]> {
        self.derive("hqdesk/receipt-pepper/v1")
    }

    pub fn audit_key(&self) -> AuditKey {
        AuditKey::new(self.id.clone(), *self.derive("hqdesk/audit-chain/v1"))
    }
}

/// Where a keyring was read from (a key file is read again after a rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `HQDESK_SECRET_KEY`.
    Environment,
    File(PathBuf),
    /// Handed over in code (tests).
    Given,
}

#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Vec<SecretKey>,
    source: KeySource,
}

impl Keyring {
    /// Current key first. At least one key, each once.
    pub fn new(keys: Vec<SecretKey>, source: KeySource) -> Result<Self, StoreError> {
        if keys.is_empty() {
            return Err(StoreError::Secrets("no secret key given".into()));
        }
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].iter().any(|o| o.id == k.id) {
                return Err(StoreError::Secrets(format!(
                    "secret key {} is given twice",
                    k.id
                )));
            }
        }
        Ok(Self { keys, source })
    }

    /// Keys in base64 separated by commas, spaces or lines; lines starting with `#` are comments.
    pub fn parse(text: &str, source: KeySource) -> Result<Self, StoreError> {
        let keys = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split(|c: char| c == ',' || c.is_whitespace()))
            .filter(|k| !k.is_empty())
            .map(SecretKey::from_base64)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(keys, source)
    }

    pub fn current(&self) -> &SecretKey {
        // `new` refuses an empty keyring.
        &self.keys[0]
    }

    pub fn get(&self, id: &str) -> Option<&SecretKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn keys(&self) -> &[SecretKey] {
        &self.keys
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// The audit keys of every key, current first.
    pub fn audit_keys(&self) -> AuditKeys {
        AuditKeys::new(self.keys.iter().map(SecretKey::audit_key).collect())
    }

    /// `key` as the new current key, the others kept after it.
    pub fn with_current(&self, key: SecretKey) -> Result<Self, StoreError> {
        let mut keys = vec![key];
        keys.extend(self.keys.iter().cloned());
        Self::new(keys, self.source.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_base64_lists_and_keep_their_order() {
        let (a, b) = (SecretKey::generate(), SecretKey::generate());
        let text = format!("# comment\n{}\n {} ,\n", &*a.to_base64(), &*b.to_base64());
        let ring = Keyring::parse(&text, KeySource::Given).unwrap();
        assert_eq!(ring.current().id(), a.id());
        assert!(ring.get(b.id()).is_some());
        assert_eq!(a.id().len(), 16);
        // The id is the key's: read again, the same id.
        assert_eq!(SecretKey::from_base64(&a.to_base64()).unwrap().id(), a.id());
    }

    #[test]
    fn malformed_empty_and_repeated_keys_are_refused() {
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
        assert!(Keyring::parse("# nothing\n", KeySource::Given).is_err());
        let a = SecretKey::generate();
        let twice = format!("{},{}", &*a.to_base64(), &*a.to_base64());
        assert!(Keyring::parse(&twice, KeySource::Given).is_err());
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_by_key() {
        let a = SecretKey::generate();
        assert_ne!(*a.sealing_key(), *a.derive("hqdesk/audit-chain/v1"));
        assert_ne!(a.id(), SecretKey::generate().id());
    }
}
