//! Signed checkpoints of the audit log: "the log had `seq` rows, the last with hash `hash`", at a
//! time, signed with the audit key. Kept off the machine (another host, a mail to the auditors,
//! paper), a checkpoint reveals what the chain alone cannot: a cut tail (the log now ends before
//! `seq`) and a chain recomputed by someone who could write the database (the row at `seq` no
//! longer has `hash`). One checkpoint is one line of JSON, so a file of them is a log to append to.
use hmac::Mac;
use serde::{Deserialize, Serialize};

use super::{AuditKey, AuditKeys};
use crate::time::Timestamp;

/// The `format` of the checkpoints written today.
pub const FORMAT: &str = "hqdesk-audit-checkpoint/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub format: String,
    /// The last row of the log when the checkpoint was made.
    pub seq: i64,
    /// That row's hash.
    pub hash: String,
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// Id of the secret key whose audit key signed it.
    pub key: String,
    /// Hex HMAC-SHA-256 over the fields above.
    pub signature: String,
}

/// Why a checkpoint does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("line {line}: not a checkpoint ({reason})")]
    Unreadable { line: usize, reason: String },
    #[error("the checkpoint of seq {seq} is signed with secret key {key}, which is not loaded")]
    UnknownKey { seq: i64, key: String },
    #[error("the checkpoint of seq {seq} has a wrong signature: it was not made by this installation or was edited")]
    BadSignature { seq: i64 },
    #[error("the log ends at seq {last}, but a checkpoint made {at} saw it reach seq {seq}: rows were cut from its end")]
    TailCut { seq: i64, at: String, last: i64 },
    #[error("row {seq} is not the row checkpointed {at}: the log was rewritten up to it")]
    Rewritten { seq: i64, at: String },
}

fn signature(
    key: &AuditKey,
    format: &str,
    seq: i64,
    hash: &str,
    at: &str,
) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = key.mac();
    mac.update(b"hqdesk-audit-checkpoint");
    super::feed_fields(
        |b| mac.update(b),
        &[
            format.as_bytes(),
            key.id().as_bytes(),
            &seq.to_be_bytes(),
            hash.as_bytes(),
            at.as_bytes(),
        ],
    );
    mac
}

impl Checkpoint {
    /// Sign the head of the log (`seq`, `hash`) at `at`.
    pub fn sign(key: &AuditKey, seq: i64, hash: &str, at: Timestamp) -> Self {
        let at = at.to_rfc3339();
        let mac = signature(key, FORMAT, seq, hash, &at);
        Checkpoint {
            format: FORMAT.into(),
            seq,
            hash: hash.into(),
            at,
            key: key.id().into(),
            signature: hex::encode(mac.finalize().into_bytes()),
        }
    }

    /// The signature is this installation's (compared in constant time).
    pub fn check_signature(&self, keys: &AuditKeys) -> Result<(), CheckpointError> {
        let key = keys
            .get(&self.key)
            .ok_or_else(|| CheckpointError::UnknownKey {
                seq: self.seq,
                key: self.key.clone(),
            })?;
        let bad = || CheckpointError::BadSignature { seq: self.seq };
        let given = hex::decode(&self.signature).map_err(|_| bad())?;
        signature(key, &self.format, self.seq, &self.hash, &self.at)
            .verify_slice(&given)
            .map_err(|_| bad())
    }

    /// Compare with the log as it is: `row_hash` is the hash of its row `seq` (None: there is
    /// none), `last_seq` its last row.
    pub fn holds(&self, row_hash: Option<&str>, last_seq: i64) -> Result<(), CheckpointError> {
        if self.seq <= 0 {
            // A checkpoint of an empty log says nothing.
            return Ok(());
        }
        match row_hash {
            None => Err(CheckpointError::TailCut {
                seq: self.seq,
                at: self.at.clone(),
                last: last_seq,
            }),
            Some(h) if h != self.hash => Err(CheckpointError::Rewritten {
                seq: self.seq,
                at: self.at.clone(),
            }),
            Some(_) => Ok(()),
        }
    }

    /// One line of JSON.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Every checkpoint of a file of lines (blank lines and `#` comments skipped).
    pub fn parse_lines(text: &str) -> Result<Vec<Checkpoint>, CheckpointError> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(i, l)| {
                serde_json::from_str::<Checkpoint>(l.trim()).map_err(|e| {
                    CheckpointError::Unreadable {
                        line: i + 1,
                        reason: e.to_string(),
                    }
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AuditKeys {
        AuditKeys::new(vec![AuditKey::new("k1", [1; 32])])
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint::sign(
            &AuditKey::new("k1", [1; 32]),
            42,
            "ab12",
            Timestamp(1_795_425_600_000),
        )
    }

    #[test]
    fn a_checkpoint_survives_its_line_and_its_signature_checks() {
        let cp = checkpoint();
        assert_eq!(cp.at, "2026-11-23T09:20:00.000Z");
        let text = format!("# made by cron\n{}\n\n{}\n", cp.to_line(), cp.to_line());
        let parsed = Checkpoint::parse_lines(&text).unwrap();
        assert_eq!(parsed, vec![cp.clone(), cp]);
        assert_eq!(parsed[0].check_signature(&keys()), Ok(()));
    }

    #[test]
    fn an_edited_or_foreign_checkpoint_is_refused() {
        let mut cp = checkpoint();
        cp.seq = 41;
        assert_eq!(
            cp.check_signature(&keys()),
            Err(CheckpointError::BadSignature { seq: 41 })
        );
        let other = Checkpoint::sign(&AuditKey::new("k1", [9; 32]), 42, "ab12", Timestamp(0));
        assert!(matches!(
            other.check_signature(&keys()),
            Err(CheckpointError::BadSignature { .. })
        ));
        let unknown = Checkpoint::sign(&AuditKey::new("k0", [1; 32]), 42, "ab12", Timestamp(0));
        assert!(matches!(
            unknown.check_signature(&keys()),
            Err(CheckpointError::UnknownKey { .. })
        ));
        assert!(matches!(
            Checkpoint::parse_lines("{\"seq\":1}"),
            Err(CheckpointError::Unreadable { line: 1, .. })
        ));
    }

    #[test]
    fn a_cut_tail_and_a_rewritten_row_are_told_apart() {
        let cp = checkpoint();
        assert_eq!(cp.holds(Some("ab12"), 50), Ok(()));
        assert!(matches!(
            cp.holds(None, 40),
            Err(CheckpointError::TailCut { last: 40, .. })
        ));
        assert!(matches!(
            cp.holds(Some("ff"), 50),
            Err(CheckpointError::Rewritten { seq: 42, .. })
        ));
    }
}
