//! Fixed-window hit counters: the portal's anonymous requests and mail acknowledgements.
use sqlx::AnyConnection;

use crate::StoreError;

/// Count a hit in a fixed window; returns the hits in the window including this one.
pub async fn hit(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1")
        .bind(bucket)
        .bind(window_start)
        .execute(&mut *conn)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_one(conn)
            .await?,
    )
}

/// The hits counted in a window so far (counts nothing).
pub async fn hits(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(conn)
            .await?
            .unwrap_or(0),
    )
}

/// Drop rate-limit windows that ended before `before` (they no longer limit anything).
pub async fn forget_windows_before(
    conn: &mut AnyConnection,
    before: i64,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
