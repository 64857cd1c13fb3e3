//! Search documents: Rust-folded tokens per searchable text of a case.
use hqdesk_domain::text;
use sqlx::AnyConnection;

use crate::StoreError;

/// Index `raw` (any text) for the case. Empty texts are skipped.
pub async fn index(conn: &mut AnyConnection, case_id: i64, raw: &str) -> Result<(), StoreError> {
    let tokens = text::search_tokens(raw);
    if tokens.is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT INTO case_search (tokens, case_id) VALUES ($1, $2)")
        .bind(tokens)
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drop a case's header document (number, subject, requester) before re-indexing it.
pub async fn remove_case(conn: &mut AnyConnection, case_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM case_search WHERE case_id = $1")
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}
