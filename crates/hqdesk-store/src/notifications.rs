//! Notifications to staff (migration 0026): written by background jobs (a fired step of an
//! escalation ladder), read by their recipient only. A row carries the case's id, never its
//! number or subject: the services show the case only to a reader who may still read it.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// A notification with what the services need to decide whether its reader may see its case.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    /// JSON, written by the services.
    pub detail: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub case_number: Option<String>,
    pub case_confidential: Option<i64>,
    pub case_unit_id: Option<i64>,
    pub case_assignee_id: Option<i64>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    user_id: i64,
    case_id: Option<i64>,
    kind: &str,
    detail: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notifications (user_id, case_id, kind, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(case_id)
    .bind(kind)
    .bind(detail)
    .bind(now.millis())
    .fetch_one(conn)
    .await?)
}

/// A user's notifications, newest first, at most `limit`.
pub async fn list_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
    limit: i64,
) -> Result<Vec<NotificationRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT n.id, n.user_id, n.case_id, n.kind, n.detail, n.created_at, n.read_at, \
         c.number AS case_number, c.confidential AS case_confidential, \
         c.unit_id AS case_unit_id, c.assignee_id AS case_assignee_id \
         FROM notifications n LEFT JOIN cases c ON c.id = n.case_id \
         WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// How many of a user's notifications are unread.
pub async fn count_unread(conn: &mut AnyConnection, user_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?)
}

/// Mark every unread notification of a user read; how many.
pub async fn mark_all_read(
    conn: &mut AnyConnection,
    user_id: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now.millis())
            .bind(user_id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Mark one notification read, if it is the user's; false when they have no such notification.
pub async fn mark_read(
    conn: &mut AnyConnection,
    user_id: i64,
    id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
    )
    .bind(now.millis())
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// Every notification about a case (tests and support: who was told what).
pub async fn of_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT user_id, kind, detail FROM notifications WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}
