//! Writing to and verifying the audit log.
use hqdesk_domain::Timestamp;
use hqdesk_store::audit::{self, Verification};
use hqdesk_store::Connection;

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
    /// Walk the whole chain; `Broken` names the first row that does not match.
    pub async fn verify_audit(&self) -> Result<Verification, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(audit::verify(&mut conn).await?)
    }
}
