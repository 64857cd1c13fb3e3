//! Counters of sign-in attempts, one per key, in windows that start with the first attempt.
//!
//! An attempt is counted *before* the password or code is checked, in one statement, so that
//! many attempts sent at once cannot all be checked before the first failure is written: only
//! the first `limit` attempts of a window are ever checked.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// Where a key stands after an attempt was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Count {
    /// Attempts in the current window, this one included.
    pub attempts: i64,
    /// When the window ends (millis): the key's count starts again after it.
    pub window_end: i64,
}

/// Count one attempt on `key`: a new window of `window_ms` starts when the last one has ended.
pub async fn count(
    conn: &mut AnyConnection,
    key: &str,
    now: Timestamp,
    window_ms: i64,
) -> Result<Count, StoreError> {
    Ok(sqlx::query_as(
        "INSERT INTO sign_in_attempts (key_hash, attempts, window_end) VALUES ($1, 1, $3) \
         ON CONFLICT (key_hash) DO UPDATE SET \
           attempts = CASE WHEN sign_in_attempts.window_end <= $2 THEN 1 \
                           ELSE sign_in_attempts.attempts + 1 END, \
           window_end = CASE WHEN sign_in_attempts.window_end <= $2 THEN $3 \
                             ELSE sign_in_attempts.window_end END \
         RETURNING attempts, window_end",
    )
    .bind(key)
    .bind(now.millis())
    .bind(now.millis() + window_ms)
    .fetch_one(conn)
    .await?)
}

/// Take back an attempt that succeeded (the key counts failures only).
pub async fn uncount(conn: &mut AnyConnection, key: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE key_hash = $1 AND attempts > 0",
    )
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Start the key afresh (after a success that proves what the key guards).
pub async fn forget(conn: &mut AnyConnection, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE key_hash = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drop the windows that have ended: they limit nothing any more.
pub async fn forget_ended(conn: &mut AnyConnection, now: Timestamp) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM sign_in_attempts WHERE window_end <= $1")
            .bind(now.millis())
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
