//! Writing to and verifying the audit log, and its signed checkpoints.
use hqdesk_domain::audit::checkpoint::{Checkpoint, CheckpointError};
use hqdesk_domain::audit::ChainBreak;
use hqdesk_domain::Timestamp;
use hqdesk_store::audit::{self, Verification};
use hqdesk_store::{secrets, Connection};

use crate::{Actor, ServiceError, Services};

/// Append an audit entry inside the caller's transaction.
pub(crate) async fn record(
    conn: &mut Connection,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    object: &str,
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    audit::append(
        conn,
        at,
        &actor.audit_name(),
        action,
        object,
        &detail.to_string(),
    )
    .await?;
    Ok(())
}

impl Services {
    /// Walk the whole chain with every loaded key; `Broken` names the first row that does not
    /// match.
    pub async fn verify_audit(&self) -> Result<Verification, ServiceError> {
        let keys = secrets::installed()?.audit_keys();
        let mut conn = self.store().read().await?;
        Ok(audit::verify(&mut conn, &keys).await?)
    }

    /// `hqdesk audit checkpoint`: verify the whole chain, then sign its last row with the current
    /// key. A broken chain is not signed.
    pub async fn audit_checkpoint(&self) -> Result<Result<Checkpoint, ChainBreak>, ServiceError> {
        let key = secrets::installed()?.current().audit_key();
        Ok(match self.verify_audit().await? {
            Verification::Intact { head_seq, head, .. } => {
                Ok(Checkpoint::sign(&key, head_seq, &head, self.now()))
            }
            Verification::Broken(b) => Err(b),
        })
    }

    /// Hold checkpoints made earlier against the log as it is now: each must carry this
    /// installation's signature, and the row it names must still be there with the same hash
    /// (with the chain intact, everything before that row is then unchanged too). What does
    /// not hold, in the order given.
    pub async fn check_audit_checkpoints(
        &self,
        checkpoints: &[Checkpoint],
    ) -> Result<Vec<CheckpointError>, ServiceError> {
        let keys = secrets::installed()?.audit_keys();
        let mut conn = self.store().read().await?;
        let last = audit::head_seq(&mut conn).await?;
        let mut problems = Vec::new();
        for cp in checkpoints {
            if let Err(e) = cp.check_signature(&keys) {
                problems.push(e);
                continue;
            }
            let hash = audit::hash_at(&mut conn, cp.seq).await?;
            if let Err(e) = cp.holds(hash.as_deref(), last) {
                problems.push(e);
            }
        }
        Ok(problems)
    }
}
