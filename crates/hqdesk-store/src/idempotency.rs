//! Idempotency keys: a retried POST with the same key creates nothing new. The key is recorded
//! in the same transaction as what the request created, so there is no window in which the
//! resource exists but the key does not (or the reverse).
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub fingerprint: String,
    /// What the first request created, e.g. `case:HQ2611-4839207` or `message:42`.
    pub resource: String,
    /// What the first request answered, when the caller kept it (see `record`).
    pub answer: Option<String>,
}

pub async fn find(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
) -> Result<Option<Recorded>, StoreError> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT fingerprint, resource, answer FROM idempotency_keys WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(fingerprint, resource, answer)| Recorded {
        fingerprint,
        resource,
        answer,
    }))
}

/// Record the key, with what the request answered when a retry must answer the same without
/// reading `resource` again. A concurrent request that recorded it first makes this fail with
/// `StoreError::Conflict`; the caller rolls back and answers with the first request's result.
pub async fn record(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
    resource: &str,
    answer: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, resource, answer, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(scope)
    .bind(key)
    .bind(fingerprint)
    .bind(resource)
    .bind(answer)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Forget keys older than `before` (keys are kept 24 hours; see the API documentation).
pub async fn expire(conn: &mut AnyConnection, before: Timestamp) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before.millis())
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
