//! The ids (never the keys) of the secret keys a database was set up with, so that a start
//! without its key, or with another installation's key, stops with a clear error instead of
//! making a new key that cannot read anything stored.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// Registered key ids, oldest first.
pub async fn ids(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM secret_keys ORDER BY created_at, id")
            .fetch_all(conn)
            .await?,
    )
}

pub async fn register(
    conn: &mut AnyConnection,
    id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO secret_keys (id, created_at) VALUES ($1, $2)")
        .bind(id)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}
