//! API tokens. Only a SHA-256 of each token is stored: a database dump does not give API access.
//! Every token expires, and each can be revoked on its own.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

pub async fn insert(
    conn: &mut AnyConnection,
    user_id: i64,
    token_hash: &str,
    label: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(now.millis())
    .bind(expires_at.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A token as an operator sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub username: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

const ROW: &str = "SELECT t.id, u.username, t.label, t.created_at, t.expires_at, t.revoked_at \
                   FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// Every token, newest first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<TokenRow>, StoreError> {
    Ok(sqlx::query_as(&format!("{ROW} ORDER BY t.id DESC"))
        .fetch_all(conn)
        .await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<TokenRow, StoreError> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?)
}

/// The token behind a hash, whatever its state (to say why it was refused).
pub async fn by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<TokenRow>, StoreError> {
    Ok(sqlx::query_as(&format!("{ROW} WHERE t.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(conn)
        .await?)
}

/// Revoke one token; false when it was already revoked.
pub async fn revoke(conn: &mut AnyConnection, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now.millis())
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
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
