//! Sealing a case that exists already (a denunciation misfiled in an ordinary queue, design note
//! 006 §9.6): every text of the case is rewritten sealed to its append key, in the caller's
//! transaction, and the case is marked sealed last (the triggers then hold every later write to
//! sealed text). The case's key and seal (`case_seals`) are written first by the caller.
use std::collections::HashMap;

use sqlx::AnyConnection;

use super::append::CaseSeal;
use super::places::{self, AttachmentPart, EntryPart};
use crate::StoreError;

/// Rewrite sealed to `seal` the timeline, attachments (each renamed to its sealed blob, from
/// `sealed_blobs`: clear name → sealed name), callback notes and rating comment of the case, and
/// delete its search documents. The subject is sealed by `cases::update` (a sealed case's
/// subject always is) and the case then marked with [`mark_sealed`].
pub async fn seal_case_rows(
    conn: &mut AnyConnection,
    seal: &CaseSeal,
    sealed_blobs: &HashMap<String, String>,
) -> Result<(), StoreError> {
    let case_id = seal.case_id;
    let entries: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, body, meta, delivery_error FROM timeline_entries WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, body, meta, delivery_error) in entries {
        let place = |part| places::entry(case_id, id, part);
        sqlx::query(
            "UPDATE timeline_entries SET body = $1, meta = $2, delivery_error = $3 WHERE id = $4",
        )
        .bind(seal.seal_opt(&place(EntryPart::Body), Some(&body))?)
        .bind(seal.seal_opt(&place(EntryPart::Meta), meta.as_deref())?)
        .bind(seal.seal_opt(&place(EntryPart::DeliveryError), delivery_error.as_deref())?)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }

    let files: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, filename, content_type, sha256 FROM attachments WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, filename, content_type, sha) in files {
        let blob = sealed_blobs
            .get(&sha)
            .ok_or_else(|| StoreError::Corrupt(format!("attachment {id} has no sealed copy")))?;
        let place = |part| places::attachment(case_id, id, blob, part);
        sqlx::query(
            "UPDATE attachments SET filename = $1, content_type = $2, sha256 = $3 WHERE id = $4",
        )
        .bind(seal.seal(&place(AttachmentPart::Filename), &filename)?)
        .bind(seal.seal(&place(AttachmentPart::ContentType), &content_type)?)
        .bind(blob)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }

    let notes: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, note FROM callback_attempts WHERE case_id = $1 AND note IS NOT NULL AND note <> ''",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, note) in notes {
        sqlx::query("UPDATE callback_attempts SET note = $1 WHERE id = $2")
            .bind(seal.seal(&places::callback_note(case_id, id), &note)?)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }

    let comment: Option<Option<String>> =
        sqlx::query_scalar("SELECT comment FROM ratings WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(Some(comment)) = comment.filter(|c| c.as_deref().is_some_and(|c| !c.is_empty())) {
        sqlx::query("UPDATE ratings SET comment = $1 WHERE case_id = $2")
            .bind(seal.seal(&places::rating_comment(case_id), &comment)?)
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
    }

    crate::search::remove_case(conn, case_id).await
}

/// Mark `case_id` sealed: from here on the database refuses clear text in its rows.
pub async fn mark_sealed(conn: &mut AnyConnection, case_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE cases SET sealed = 1 WHERE id = $1")
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What ties a case being sealed to the ordinary side: links and merge suggestions with other
/// cases, who is looking at it, notifications about it; its calls become confidential. Deleted
/// in the sealing transaction (the case's own timeline keeps its history).
pub async fn detach_from_ordinary(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM case_links WHERE case_id = $1 OR other_id = $1",
        "DELETE FROM mail_merge_suggestions WHERE case_id = $1 OR target_case_id = $1",
        "DELETE FROM presence WHERE case_id = $1",
        "DELETE FROM notifications WHERE case_id = $1",
        "UPDATE calls SET confidential = 1 WHERE case_id = $1",
    ] {
        sqlx::query(sql).bind(case_id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Entries of other cases merged into `case_id` (sealed under their own case's place, which
/// sealing this case cannot reach).
pub async fn foreign_entries(conn: &mut AnyConnection, case_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM timeline_entries WHERE case_id = $1 AND origin_case_id IS NOT NULL AND origin_case_id <> $1",
    )
    .bind(case_id)
    .fetch_one(conn)
    .await?)
}

/// The raw mails filed to `case_id` that are still kept in clear: (row id, blob name).
pub async fn clear_raw_mails(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT id, sha256 FROM mail_inbound WHERE case_id = $1 AND blob IS NULL")
            .bind(case_id)
            .fetch_all(conn)
            .await?,
    )
}

/// A sealed case's stored values, as they are (sealed), for an investigator to open before
/// unsealing it.
#[derive(Debug, Clone, Default)]
pub struct SealedRows {
    /// Timeline entries written in this case: id, body, meta, delivery error.
    pub entries: Vec<(i64, String, Option<String>, Option<String>)>,
    /// Attachments: id, filename, content type, sealed blob.
    pub attachments: Vec<(i64, String, String, String)>,
    /// Callback notes: attempt id, note.
    pub notes: Vec<(i64, String)>,
    pub comment: Option<String>,
}

/// The stored values of `case_id` (see [`SealedRows`]).
pub async fn sealed_rows(conn: &mut AnyConnection, case_id: i64) -> Result<SealedRows, StoreError> {
    Ok(SealedRows {
        entries: sqlx::query_as(
            "SELECT id, body, meta, delivery_error FROM timeline_entries WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?,
        attachments: sqlx::query_as(
            "SELECT id, filename, content_type, sha256 FROM attachments WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?,
        notes: sqlx::query_as(
            "SELECT id, note FROM callback_attempts WHERE case_id = $1 AND note IS NOT NULL AND note <> ''",
        )
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?,
        comment: sqlx::query_scalar::<_, Option<String>>(
            "SELECT comment FROM ratings WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten(),
    })
}

/// Unseal `case_id`: the case is marked unsealed with its subject in clear, its keys, seal,
/// identity keys and grants, tracking and receipt wraps are deleted (nothing is sealed to it any more), and `rows` (opened
/// by the investigator; attachments renamed to their clear blobs) are written back in clear.
pub async fn unseal_case_rows(
    conn: &mut AnyConnection,
    case_id: i64,
    subject: &str,
    rows: &SealedRows,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE cases SET sealed = 0, subject = $1 WHERE id = $2")
        .bind(subject)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    for sql in [
        "DELETE FROM case_seals WHERE case_id = $1",
        "DELETE FROM case_keys WHERE case_id = $1",
        "DELETE FROM identity_keys WHERE case_id = $1",
        "DELETE FROM identity_grants WHERE case_id = $1",
        "DELETE FROM case_receipts WHERE case_id = $1",
        "UPDATE tracking_tokens SET wrapped = NULL WHERE case_id = $1",
        // No report, no conflict of interest: who it named goes with its seal (the list is
        // sealed content that is not written back).
        "DELETE FROM case_exclusions WHERE case_id = $1",
        "DELETE FROM case_named WHERE case_id = $1",
    ] {
        sqlx::query(sql).bind(case_id).execute(&mut *conn).await?;
    }
    for (id, body, meta, delivery_error) in &rows.entries {
        sqlx::query(
            "UPDATE timeline_entries SET body = $1, meta = $2, delivery_error = $3 WHERE id = $4",
        )
        .bind(body)
        .bind(meta)
        .bind(delivery_error)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    for (id, filename, content_type, blob) in &rows.attachments {
        sqlx::query(
            "UPDATE attachments SET filename = $1, content_type = $2, sha256 = $3 WHERE id = $4",
        )
        .bind(filename)
        .bind(content_type)
        .bind(blob)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    for (id, note) in &rows.notes {
        sqlx::query("UPDATE callback_attempts SET note = $1 WHERE id = $2")
            .bind(note)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(comment) = &rows.comment {
        sqlx::query("UPDATE ratings SET comment = $1 WHERE case_id = $2")
            .bind(comment)
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The raw mails of `case_id` kept sealed: (row id, sealed blob name).
pub async fn sealed_raw_mails(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT id, blob FROM mail_inbound WHERE case_id = $1 AND blob IS NOT NULL")
            .bind(case_id)
            .fetch_all(conn)
            .await?,
    )
}

/// A raw mail kept in clear again: its clear blob and hashes back, the sealed name gone.
pub async fn unseal_raw_mail(
    conn: &mut AnyConnection,
    id: i64,
    sha256: &str,
    content_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE mail_inbound SET blob = NULL, sha256 = $1, content_hash = $2 WHERE id = $3",
    )
    .bind(sha256)
    .bind(content_hash)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forget a case's confidential reporter (an unsealed case is no longer confidential).
pub async fn forget_reporter(conn: &mut AnyConnection, case_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM confidential_reporters WHERE case_id = $1")
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}
