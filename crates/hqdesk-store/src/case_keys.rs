//! A sealed case's data key wrapped for each recipient (migration 0028; design note 006 §1):
//! one row per (case, recipient key id), the wrap in the text form of
//! `hqdesk_vault::WrappedKey`. Written at intake and when a case is shared or recovered.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseKey {
    pub case_id: i64,
    pub key_id: String,
    pub wrapped: String,
    pub created_at: i64,
}

/// Add or replace the wrap of `case_id`'s data key for `key_id`.
pub async fn put(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
    wrapped: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_keys (case_id, key_id, wrapped, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id, key_id) DO UPDATE SET wrapped = excluded.wrapped, \
         created_at = excluded.created_at",
    )
    .bind(case_id)
    .bind(key_id)
    .bind(wrapped)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The wrap of a case's key for one recipient key id.
pub async fn get(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
) -> Result<Option<CaseKey>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT case_id, key_id, wrapped, created_at FROM case_keys \
         WHERE case_id = $1 AND key_id = $2",
    )
    .bind(case_id)
    .bind(key_id)
    .fetch_optional(conn)
    .await?)
}

/// Every wrap of one case.
pub async fn for_case(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<CaseKey>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT case_id, key_id, wrapped, created_at FROM case_keys WHERE case_id = $1 \
         ORDER BY key_id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// The ids of the cases wrapped for `key_id` (recovery after a lost password; removal).
pub async fn cases_for_key(conn: &mut AnyConnection, key_id: &str) -> Result<Vec<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT case_id FROM case_keys WHERE key_id = $1 ORDER BY case_id")
            .bind(key_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Delete every wrap for `key_id` (an investigator removed, or recovered onto a new key).
pub async fn delete_for_key(conn: &mut AnyConnection, key_id: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM case_keys WHERE key_id = $1")
        .bind(key_id)
        .execute(conn)
        .await?
        .rows_affected())
}
