//! The confidential cases a console session has been recorded reading through the presence
//! heartbeat (migration 0013), so that the audit log gets one entry per session and case.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// Note that session `session_hash` read case `case_id`; true the first time. Rows older than
/// `forget_before` (sessions that cannot be alive any more) are removed on the way.
pub async fn first_read(
    conn: &mut AnyConnection,
    session_hash: &str,
    case_id: i64,
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM confidential_session_reads WHERE at < $1")
        .bind(forget_before.millis())
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query("INSERT INTO confidential_session_reads (session_hash, case_id, at) VALUES ($1, $2, $3) ON CONFLICT (session_hash, case_id) DO NOTHING")
        .bind(session_hash)
        .bind(case_id)
        .bind(now.millis())
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}
