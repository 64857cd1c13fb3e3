//! A requester's rating of a resolved case, one per case.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// Record a rating; false if the case was already rated.
pub async fn rate(
    conn: &mut AnyConnection,
    case_id: i64,
    score: i64,
    comment: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    // On a sealed case the comment is sealed.
    let comment = match crate::sealed::append::of_case(&mut *conn, case_id).await? {
        Some(seal) => seal.seal_opt(&crate::sealed::places::rating_comment(case_id), comment)?,
        None => comment.map(str::to_string),
    };
    Ok(sqlx::query("INSERT INTO ratings (case_id, score, comment, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING")
        .bind(case_id)
        .bind(score)
        .bind(comment)
        .bind(now.millis())
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn rating(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<(i64, Option<String>, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT score, comment, created_at FROM ratings WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(conn)
            .await?,
    )
}
