//! Search documents: Rust-folded tokens per searchable text of a case.
use hqdesk_domain::text;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use crate::{multirow, StoreError};

/// Index `raw` (any text) for the case. Empty texts are skipped, and so is every text of a
/// sealed case, whichever path writes it: nothing of a sealed case reaches the index.
pub async fn index(conn: &mut AnyConnection, case_id: i64, raw: &str) -> Result<(), StoreError> {
    let tokens = text::search_tokens(raw);
    if tokens.is_empty() {
        return Ok(());
    }
    if crate::cases::is_sealed(&mut *conn, case_id).await? {
        return Ok(());
    }
    sqlx::query("INSERT INTO case_search (tokens, case_id) VALUES ($1, $2)")
        .bind(tokens)
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Index several texts (group commit): `(case_id, text)` pairs; empty texts are skipped.
pub async fn index_many(conn: &mut AnyConnection, docs: &[(i64, &str)]) -> Result<(), StoreError> {
    let docs: Vec<(i64, String)> = docs
        .iter()
        .map(|(case_id, raw)| (*case_id, text::search_tokens(raw)))
        .filter(|(_, tokens)| !tokens.is_empty())
        .collect();
    let mut start = 0;
    for size in multirow::chunk_sizes(docs.len(), 2) {
        let rows = &docs[start..start + size];
        start += size;
        let mut args = AnyArguments::default();
        for (case_id, tokens) in rows {
            multirow::add(&mut args, tokens.clone())?;
            multirow::add(&mut args, *case_id)?;
        }
        let sql = format!(
            "INSERT INTO case_search (tokens, case_id) VALUES {}",
            multirow::values(size, 2)
        );
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
    }
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
