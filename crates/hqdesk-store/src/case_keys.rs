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

/// Up to `limit` wraps for `key_id` of cases after `after_case_id`, in case order: one batch of
/// a re-wrapping run (escrow recovery, re-wrapping after an escrow rotation).
pub async fn page_for_key(
    conn: &mut AnyConnection,
    key_id: &str,
    after_case_id: i64,
    limit: i64,
) -> Result<Vec<CaseKey>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT case_id, key_id, wrapped, created_at FROM case_keys \
         WHERE key_id = $1 AND case_id > $2 ORDER BY case_id LIMIT $3",
    )
    .bind(key_id)
    .bind(after_case_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Whether `case_id`'s data key is wrapped for `key_id`.
pub async fn exists(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
) -> Result<bool, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM case_keys WHERE case_id = $1 AND key_id = $2")
            .bind(case_id)
            .bind(key_id)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

/// Delete the wrap of one case for one key id; whether there was one.
pub async fn delete(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("DELETE FROM case_keys WHERE case_id = $1 AND key_id = $2")
            .bind(case_id)
            .bind(key_id)
            .execute(conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// How many cases are wrapped for `key_id`.
pub async fn count_for_key(conn: &mut AnyConnection, key_id: &str) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM case_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_one(conn)
            .await?,
    )
}

/// How many cases are wrapped for `from` but not for `to` (the cases a re-wrap from `from` onto
/// `to` would still add).
pub async fn count_missing(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_keys f WHERE f.key_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM case_keys t WHERE t.case_id = f.case_id AND t.key_id = $2)",
    )
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await?)
}

/// How many cases wrapped for an escrow key are not wrapped for `key_id`: what a recovery onto
/// that key would add, but for `except_cases` (reports that name its holder: never given back).
pub async fn count_escrow_missing_for(
    conn: &mut AnyConnection,
    key_id: &str,
    except_cases: &[i64],
) -> Result<i64, StoreError> {
    // Case ids are integers from the database: safe to inline.
    let except = if except_cases.is_empty() {
        String::new()
    } else {
        format!(
            " AND e.case_id NOT IN ({})",
            except_cases
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(DISTINCT e.case_id) FROM case_keys e \
         JOIN escrow_keys k ON k.key_id = e.key_id \
         WHERE NOT EXISTS (SELECT 1 FROM case_keys t WHERE t.case_id = e.case_id AND t.key_id = $1){except}",
    ))
    .bind(key_id)
    .fetch_one(conn)
    .await?)
}

/// How many cases are wrapped for an escrow key and for no active investigator's current key:
/// nobody can read them until `hqdesk keys escrow-recover` has run.
pub async fn count_escrow_only(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT e.case_id) FROM case_keys e \
         JOIN escrow_keys k ON k.key_id = e.key_id \
         WHERE NOT EXISTS (SELECT 1 FROM case_keys t \
           JOIN user_keys uk ON uk.key_id = t.key_id JOIN users u ON u.id = uk.user_id \
           WHERE t.case_id = e.case_id AND uk.retired_at IS NULL AND u.active = 1 \
           AND u.role = 'investigator')",
    )
    .fetch_one(conn)
    .await?)
}

/// Delete every wrap for `key_id` (an investigator removed, or recovered onto a new key).
pub async fn delete_for_key(conn: &mut AnyConnection, key_id: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM case_keys WHERE key_id = $1")
        .bind(key_id)
        .execute(conn)
        .await?
        .rows_affected())
}
