//! Related cases (links, both directions) and merges.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// Link two cases both ways; linking again is a no-op.
pub async fn link(
    conn: &mut AnyConnection,
    a: i64,
    b: i64,
    by: Option<i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    for (x, y) in [(a, b), (b, a)] {
        sqlx::query("INSERT INTO case_links (case_id, other_id, created_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, other_id) DO NOTHING")
            .bind(x)
            .bind(y)
            .bind(by)
            .bind(now.millis())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Ids of the cases linked to `case_id`.
pub async fn linked(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT other_id FROM case_links WHERE case_id = $1 ORDER BY other_id")
            .bind(case_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Move the conversation and search documents of `from` onto `into`, and mark `from` merged.
/// Each moved entry keeps the case it was written on (`origin_case_id`, set at its first move),
/// so that a requester's tracking page shows only their own conversation.
pub async fn merge(conn: &mut AnyConnection, from: i64, into: i64) -> Result<u64, StoreError> {
    let moved = sqlx::query("UPDATE timeline_entries SET case_id = $1, origin_case_id = COALESCE(origin_case_id, $2) WHERE case_id = $2 AND kind IN ('inbound', 'outbound', 'note', 'call')")
        .bind(into)
        .bind(from)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("UPDATE case_search SET case_id = $1 WHERE case_id = $2")
        .bind(into)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE cases SET merged_into = $1 WHERE id = $2")
        .bind(into)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    let n = i64::try_from(moved).unwrap_or(0);
    sqlx::query("UPDATE cases SET message_count = message_count + $1 WHERE id = $2")
        .bind(n)
        .bind(into)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE cases SET message_count = message_count - $1 WHERE id = $2")
        .bind(n)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(moved)
}

pub async fn merged_into(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT merged_into FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_one(conn)
            .await?,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Canned {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub active: i64,
}

pub async fn canned_list(
    conn: &mut AnyConnection,
    only_active: bool,
) -> Result<Vec<Canned>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, title, body, active FROM canned_responses{} ORDER BY title",
        if only_active { " WHERE active = 1" } else { "" }
    ))
    .fetch_all(conn)
    .await?)
}

/// What says whether the canned responses changed in another process: how many there are, the
/// newest id and how many are active (an edit in this process is told to the services directly).
pub async fn canned_fingerprint(conn: &mut AnyConnection) -> Result<(i64, i64, i64), StoreError> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), COALESCE(MAX(id), 0), CAST(COALESCE(SUM(active), 0) AS BIGINT) FROM canned_responses",
    )
    .fetch_one(conn)
    .await?)
}

pub async fn canned_insert(
    conn: &mut AnyConnection,
    title: &str,
    body: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("INSERT INTO canned_responses (title, body, active, created_at) VALUES ($1, $2, 1, $3) RETURNING id")
        .bind(title)
        .bind(body)
        .bind(now.millis())
        .fetch_one(conn)
        .await?)
}

pub async fn canned_set_active(
    conn: &mut AnyConnection,
    id: i64,
    active: bool,
) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE canned_responses SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn canned_get(conn: &mut AnyConnection, id: i64) -> Result<Canned, StoreError> {
    sqlx::query_as("SELECT id, title, body, active FROM canned_responses WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn canned_update(
    conn: &mut AnyConnection,
    id: i64,
    title: &str,
    body: &str,
) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE canned_responses SET title = $1, body = $2 WHERE id = $3")
        .bind(title)
        .bind(body)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Remove a canned response (replies that used it keep their text).
pub async fn canned_delete(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("DELETE FROM canned_responses WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
