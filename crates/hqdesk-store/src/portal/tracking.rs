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

/// Keep a sealed case's data key wrapped for its tracking link (`sealed::places::tracking`).
pub async fn set_tracking_wrap(
    conn: &mut AnyConnection,
    case_id: i64,
    wrapped: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tracking_tokens SET wrapped = $1 WHERE case_id = $2")
        .bind(wrapped)
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The data-key wrap kept for the tracking link `token_hash`, if any.
pub async fn tracking_wrap(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT wrapped FROM tracking_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?
    .flatten())
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

/// Replace the tracking link of a case (the requester lost it): the new hash opens the case, the
/// old one is kept as retired. False when the case has no tracking link.
pub async fn replace_tracking(
    conn: &mut AnyConnection,
    case_id: i64,
    new_hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let old: Option<String> =
        sqlx::query_scalar("SELECT token_hash FROM tracking_tokens WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(old) = old else {
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO tracking_tokens_retired (token_hash, case_id, retired_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(&old)
    .bind(case_id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE tracking_tokens SET token_hash = $1, created_at = $2 WHERE case_id = $3")
        .bind(new_hash)
        .bind(now.millis())
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(true)
}

/// Whether this hash was the tracking link of a case before it was replaced.
pub async fn is_retired_tracking(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tracking_tokens_retired WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}
