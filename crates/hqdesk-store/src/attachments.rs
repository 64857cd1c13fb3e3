//! Attachment records (the bytes are in the blob store).
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::sealed::{append, places};
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub entry_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

const COLS: &str = "id, case_id, entry_id, filename, content_type, size, sha256, created_at";

/// Record an attachment. On a sealed case its name and type are sealed, bound to the attachment
/// and its blob (inserted empty, written once the id exists).
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    case_id: i64,
    entry_id: i64,
    filename: &str,
    content_type: &str,
    size: i64,
    sha256: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let seal = append::of_case(&mut *conn, case_id).await?;
    let (name, kind) = match seal {
        Some(_) => ("", ""),
        None => (filename, content_type),
    };
    let id: i64 = sqlx::query_scalar("INSERT INTO attachments (case_id, entry_id, filename, content_type, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(case_id)
        .bind(entry_id)
        .bind(name)
        .bind(kind)
        .bind(size)
        .bind(sha256)
        .bind(now.millis())
        .fetch_one(&mut *conn)
        .await?;
    if let Some(seal) = seal {
        let place = |part| places::attachment(case_id, id, sha256, part);
        sqlx::query("UPDATE attachments SET filename = $1, content_type = $2 WHERE id = $3")
            .bind(seal.seal(&place(places::AttachmentPart::Filename), filename)?)
            .bind(seal.seal(&place(places::AttachmentPart::ContentType), content_type)?)
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(id)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Attachment, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLS} FROM attachments WHERE id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

pub async fn for_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<Attachment>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM attachments WHERE case_id = $1 ORDER BY id"
    ))
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Attachments move with their entries when a case is merged.
pub async fn move_case(conn: &mut AnyConnection, from: i64, into: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE attachments SET case_id = $1 WHERE case_id = $2")
        .bind(into)
        .bind(from)
        .execute(conn)
        .await?;
    Ok(())
}
