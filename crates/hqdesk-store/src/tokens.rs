//! API tokens. Only a SHA-256 of each token is stored: a database dump does not give API access.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

pub async fn insert(
    conn: &mut AnyConnection,
    user_id: i64,
    token_hash: &str,
    label: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn revoke_all(
    conn: &mut AnyConnection,
    user_id: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now.millis())
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected())
}
