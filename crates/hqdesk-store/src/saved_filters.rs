//! Console users' saved filters: a name and the query of a queue or search (migration 0025).
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SavedFilter {
    pub id: i64,
    pub name: String,
    pub query: String,
}

/// The user's saved filters, by name.
pub async fn list(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<SavedFilter>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, query FROM saved_filters WHERE user_id = $1 ORDER BY name, id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// Save a filter under `name`; a filter of the same name is replaced. Returns its id.
pub async fn save(
    conn: &mut AnyConnection,
    user_id: i64,
    name: &str,
    query: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO saved_filters (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(query)
    .bind(now.millis())
    .fetch_one(conn)
    .await?)
}

/// How many filters the user has saved.
pub async fn count(conn: &mut AnyConnection, user_id: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM saved_filters WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(conn)
            .await?,
    )
}

/// Delete one of the user's filters; false when the user has none with this id.
pub async fn delete(conn: &mut AnyConnection, user_id: i64, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM saved_filters WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
