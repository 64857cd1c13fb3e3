//! Whether any row still names a blob. A blob is deleted only when none does: the store is
//! content-addressed, so the clear copy of a file that a sealed case no longer needs may still
//! be another, ordinary case's attachment.
use sqlx::AnyConnection;

use crate::StoreError;

/// True when an attachment or an inbound mail (its raw, clear or sealed) names blob `sha`.
pub async fn is_referenced(conn: &mut AnyConnection, sha: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM attachments WHERE sha256 = $1 LIMIT 1) a) \
              + (SELECT COUNT(*) FROM (SELECT 1 FROM mail_inbound WHERE sha256 = $1 LIMIT 1) m) \
              + (SELECT COUNT(*) FROM (SELECT 1 FROM mail_inbound WHERE blob = $1 LIMIT 1) b)",
    )
    .bind(sha)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}
