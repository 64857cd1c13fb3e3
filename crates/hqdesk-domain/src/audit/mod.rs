//! The audit log's hash chain. Each entry's hash covers the previous entry's hash and an
//! unambiguous encoding of its own fields, so altering, deleting or reordering any row breaks
//! every link after it, and `verify` names the first broken one.
//!
//! Two kinds of link. Rows written before the installation had a secret key (`key_id` empty)
//! are chained with plain SHA-256: whoever can write the database can recompute them. From the
//! first keyed row on, every row is chained with HMAC-SHA-256 under the audit key its `key_id`
//! names, a key that never enters the database: without it, an altered, inserted or recomputed
//! row cannot be given a hash that verifies. A cut tail still verifies; the signed checkpoints
//! of [`checkpoint`], kept off the machine, are what reveal it.
pub mod checkpoint;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::time::Timestamp;

/// The hash the first entry links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    /// `user:12`, `system`, `cli`.
    pub actor: String,
    /// `case.create`, `case.read_confidential`, `user.create`…
    pub action: String,
    /// `case:HQ2611-4839207`, `user:lan.nguyen`…
    pub object: String,
    /// JSON with what changed (never secrets).
    pub detail: String,
    /// The audit key that chained this row; `None` for rows from before the secret key.
    pub key_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// A key that chains audit rows and signs checkpoints, derived from one of the installation's
/// secret keys (see `hqdesk_store::secrets`) and named by that key's id.
#[derive(Clone)]
pub struct AuditKey {
    id: String,
    secret: [u8; 32],
}

impl AuditKey {
    pub fn new(id: impl Into<String>, secret: [u8; 32]) -> Self {
        Self {
            id: id.into(),
            secret,
        }
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts a 32-byte key"))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The audit keys loaded: the current one (it chains new rows) first, older ones after it (they
/// verify the rows written before a rotation).
#[derive(Clone, Debug, Default)]
pub struct AuditKeys(Vec<AuditKey>);

impl AuditKeys {
    pub fn new(keys: Vec<AuditKey>) -> Self {
        Self(keys)
    }
    pub fn current(&self) -> Option<&AuditKey> {
        self.0.first()
    }
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.0.iter().find(|k| k.id == id)
    }
}

/// Feed each field length-prefixed, so that no two different rows encode to the same bytes.
fn feed_fields(mut update: impl FnMut(&[u8]), fields: &[&[u8]]) {
    for field in fields {
        update(&(field.len() as u64).to_be_bytes());
        update(field);
    }
}

/// The unkeyed link of rows from before the secret key: SHA-256 over the previous hash and each
/// field.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: Timestamp,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"hqdesk-audit-v1");
    feed_fields(
        |b| h.update(b),
        &[
            prev_hash.as_bytes(),
            &seq.to_be_bytes(),
            &at.millis().to_be_bytes(),
            actor.as_bytes(),
            action.as_bytes(),
            object.as_bytes(),
            detail.as_bytes(),
        ],
    );
    hex::encode(h.finalize())
}

/// The keyed link: HMAC-SHA-256 under `key` over the key's id, the previous hash and each field.
#[expect(
    clippy::too_many_arguments,
    reason = "the row's fields, in their order"
)]
pub fn keyed_entry_hash(
    key: &AuditKey,
    prev_hash: &str,
    seq: i64,
    at: Timestamp,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> String {
    let mut mac = key.mac();
    mac.update(b"hqdesk-audit-v2");
    feed_fields(
        |b| mac.update(b),
        &[
            key.id.as_bytes(),
            prev_hash.as_bytes(),
            &seq.to_be_bytes(),
            &at.millis().to_be_bytes(),
            actor.as_bytes(),
            action.as_bytes(),
            object.as_bytes(),
            detail.as_bytes(),
        ],
    );
    hex::encode(mac.finalize().into_bytes())
}

impl AuditEntry {
    /// The hash this row must have, or why it cannot be known (its key is not loaded).
    pub fn expected_hash(&self, keys: &AuditKeys) -> Result<String, String> {
        let Some(id) = &self.key_id else {
            return Ok(entry_hash(
                &self.prev_hash,
                self.seq,
                self.at,
                &self.actor,
                &self.action,
                &self.object,
                &self.detail,
            ));
        };
        let key = keys.get(id).ok_or_else(|| {
            format!(
                "the row is keyed with secret key {id}, which is not loaded: \
                 add that key after the current one to verify the rows written under it"
            )
        })?;
        Ok(keyed_entry_hash(
            key,
            &self.prev_hash,
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.object,
            &self.detail,
        ))
    }
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at seq {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Incremental verifier: feed entries in `seq` order.
#[derive(Debug)]
pub struct ChainVerifier<'k> {
    keys: &'k AuditKeys,
    prev_hash: String,
    prev_seq: i64,
    /// Rows checked so far.
    pub checked: u64,
    /// Of those, rows from before the secret key (plain SHA-256 links).
    pub unkeyed: u64,
    /// The first keyed row.
    pub keyed_from: Option<i64>,
}

impl<'k> ChainVerifier<'k> {
    pub fn new(keys: &'k AuditKeys) -> Self {
        Self {
            keys,
            prev_hash: GENESIS_HASH.to_string(),
            prev_seq: 0,
            checked: 0,
            unkeyed: 0,
            keyed_from: None,
        }
    }

    pub fn feed(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let broken = |reason: String| ChainBreak { seq: e.seq, reason };
        if e.seq != self.prev_seq + 1 {
            return Err(broken(format!(
                "expected seq {} after {}: a row is missing or was inserted",
                self.prev_seq + 1,
                self.prev_seq
            )));
        }
        if e.prev_hash != self.prev_hash {
            return Err(broken(
                "prev_hash does not match the hash of the row before".into(),
            ));
        }
        if let (None, Some(from)) = (&e.key_id, self.keyed_from) {
            return Err(broken(format!(
                "an unkeyed row after the chain was keyed (from seq {from}): \
                 it was written or recomputed without the secret key"
            )));
        }
        if e.hash != e.expected_hash(self.keys).map_err(broken)? {
            return Err(broken(
                "the row's content does not match its hash: it was altered".into(),
            ));
        }
        if e.key_id.is_some() {
            self.keyed_from.get_or_insert(e.seq);
        } else {
            self.unkeyed += 1;
        }
        self.prev_hash.clone_from(&e.hash);
        self.prev_seq = e.seq;
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(id: &str, byte: u8) -> AuditKey {
        AuditKey::new(id, [byte; 32])
    }

    fn keys() -> AuditKeys {
        AuditKeys::new(vec![key("k1", 1)])
    }

    /// `unkeyed` rows from before the key, then keyed rows up to `n`.
    fn chain_with(n: i64, unkeyed: i64, key: &AuditKey) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let (actor, action, object, detail) = (
                    format!("user:{seq}"),
                    "case.update".to_string(),
                    format!("case:{seq}"),
                    format!("{{\"n\":{seq}}}"),
                );
                let at = Timestamp(seq * 1000);
                let keyed = seq > unkeyed;
                let hash = if keyed {
                    keyed_entry_hash(key, &prev, seq, at, &actor, &action, &object, &detail)
                } else {
                    entry_hash(&prev, seq, at, &actor, &action, &object, &detail)
                };
                let e = AuditEntry {
                    seq,
                    at,
                    actor,
                    action,
                    object,
                    detail,
                    key_id: keyed.then(|| key.id().to_string()),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        chain_with(n, 0, &key("k1", 1))
    }

    fn verify_with(entries: &[AuditEntry], keys: &AuditKeys) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::new(keys);
        for e in entries {
            v.feed(e)?;
        }
        Ok(v.checked)
    }

    fn verify(entries: &[AuditEntry]) -> Result<u64, ChainBreak> {
        verify_with(entries, &keys())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(20)), Ok(20));
    }

    #[test]
    fn rows_from_before_the_key_then_keyed_rows_verify() {
        let c = chain_with(10, 4, &key("k1", 1));
        let keys = keys();
        let mut v = ChainVerifier::new(&keys);
        for e in &c {
            v.feed(e).unwrap();
        }
        assert_eq!((v.checked, v.unkeyed, v.keyed_from), (10, 4, Some(5)));
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = entry_hash(GENESIS_HASH, 1, Timestamp(0), "ab", "c", "", "");
        let b = entry_hash(GENESIS_HASH, 1, Timestamp(0), "a", "bc", "", "");
        assert_ne!(a, b);
        let k = key("k1", 1);
        let a = keyed_entry_hash(&k, GENESIS_HASH, 1, Timestamp(0), "ab", "c", "", "");
        let b = keyed_entry_hash(&k, GENESIS_HASH, 1, Timestamp(0), "a", "bc", "", "");
        assert_ne!(a, b);
    }

    #[test]
    fn a_chain_recomputed_without_the_key_is_refused_at_the_first_recomputed_row() {
        // Someone who can write the database but has no key alters row 7 and recomputes every
        // link from there: with plain SHA-256 (rows then claim no key) or with a key of their own
        // under the real key's id. Both are found at row 7.
        let mut c = chain(12);
        c[6].detail = "{\"n\":\"forged\"}".into();
        let mut plain = c.clone();
        for i in 6..plain.len() {
            let prev = plain[i - 1].hash.clone();
            let e = &mut plain[i];
            e.key_id = None;
            e.prev_hash = prev;
            e.hash = entry_hash(
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                &e.object,
                &e.detail,
            );
        }
        assert_eq!(verify(&plain).unwrap_err().seq, 7);
        let forger = key("k1", 99);
        let mut forged = c;
        for i in 6..forged.len() {
            let prev = forged[i - 1].hash.clone();
            let e = &mut forged[i];
            e.prev_hash = prev;
            e.hash = keyed_entry_hash(
                &forger,
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                &e.object,
                &e.detail,
            );
        }
        let err = verify(&forged).unwrap_err();
        assert_eq!(err.seq, 7);
        assert!(err.reason.contains("altered"), "{err}");
    }

    #[test]
    fn rows_under_a_key_that_is_not_loaded_say_which_key_is_missing() {
        let c = chain_with(3, 0, &key("old", 2));
        let err = verify(&c).unwrap_err();
        assert_eq!(err.seq, 1);
        assert!(err.reason.contains("old"), "{err}");
        // With the old key loaded after the current one, they verify.
        let both = AuditKeys::new(vec![key("k1", 1), key("old", 2)]);
        assert_eq!(verify_with(&c, &both), Ok(3));
    }

    proptest! {
        #[test]
        fn any_alteration_deletion_or_swap_is_found_at_its_row(i in 0usize..19, what in 0u8..4) {
            let mut c = chain(20);
            let seq = c[i].seq;
            let expected_at = match what {
                0 => { c[i].detail.push('x'); seq }
                1 => { c[i].actor = "user:999".into(); seq }
                // A deleted row is noticed at the row that followed it.
                2 => { c.remove(i); seq + 1 }
                // Two rows swapped: the first out-of-place row is reported.
                _ => { c.swap(i, i + 1); seq + 1 }
            };
            prop_assert_eq!(verify(&c).unwrap_err().seq, expected_at);
        }
    }

    #[test]
    fn truncating_the_tail_is_not_detectable_by_the_chain_alone() {
        // Only an exported checkpoint reveals a cut tail (see `checkpoint`).
        let mut c = chain(5);
        c.pop();
        assert_eq!(verify(&c), Ok(4));
    }
}
