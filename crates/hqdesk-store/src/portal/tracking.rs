//! Tracking links: a hashed token that opens one case in the portal.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

pub async fn set_tracking(
    conn: &mut AnyConnection,
    case_id: i64,
    token_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tracking_tokens (case_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(case_id)
    .bind(token_hash)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn case_for_tracking(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT case_id FROM tracking_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(conn)
            .await?,
    )
}
