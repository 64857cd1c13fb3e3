//! The catalogue of administrative procedures.
use hqdesk_domain::{text, Timestamp};
use sqlx::AnyConnection;

use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Procedure {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub legal_basis: String,
    /// JSON list of strings.
    pub steps: String,
    /// JSON list of strings.
    pub documents: String,
    pub time_limit: String,
    pub fees: String,
    pub unit: String,
    pub updated_at: i64,
    /// The code of the national database of administrative procedures (e.g. `1.009868`).
    pub official_code: String,
    /// Where to submit it online (an address, or a system's name).
    pub submit_online: String,
    /// JSON list of `{"name", "url"}`: the forms to download.
    pub forms: String,
}

const PROC: &str =
    "id, code, title, legal_basis, steps, documents, time_limit, fees, unit, updated_at, \
     official_code, submit_online, forms";

#[allow(clippy::too_many_arguments)]
pub async fn upsert_procedure(
    conn: &mut AnyConnection,
    code: &str,
    title: &str,
    legal_basis: &str,
    steps: &str,
    documents: &str,
    time_limit: &str,
    fees: &str,
    unit: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let tokens = text::search_tokens(&format!("{title} {legal_basis} {steps} {documents} {unit}"));
    sqlx::query(
        "INSERT INTO procedures (code, title, legal_basis, steps, documents, time_limit, fees, unit, tokens, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (code) DO UPDATE SET title = $2, legal_basis = $3, steps = $4, documents = $5, time_limit = $6, fees = $7, unit = $8, tokens = $9, updated_at = $10",
    )
    .bind(code)
    .bind(title)
    .bind(legal_basis)
    .bind(steps)
    .bind(documents)
    .bind(time_limit)
    .bind(fees)
    .bind(unit)
    .bind(tokens)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Set what the portal shows of a procedure besides its steps: its official code, where to
/// submit it online and its forms (JSON). False when there is no procedure with this code.
pub async fn set_procedure_links(
    conn: &mut AnyConnection,
    code: &str,
    official_code: &str,
    submit_online: &str,
    forms: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE procedures SET official_code = $1, submit_online = $2, forms = $3 WHERE code = $4",
    )
    .bind(official_code)
    .bind(submit_online)
    .bind(forms)
    .bind(code)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Procedures whose folded text contains every token (a catalogue of dozens: a scan is fine).
pub async fn procedures(
    conn: &mut AnyConnection,
    tokens: &[&str],
) -> Result<Vec<Procedure>, StoreError> {
    let mut sql = format!("SELECT {PROC} FROM procedures WHERE 1 = 1");
    for i in 0..tokens.len() {
        sql.push_str(&format!(" AND (' ' || tokens || ' ') LIKE ${}", i + 1));
    }
    sql.push_str(" ORDER BY code");
    let mut q = sqlx::query_as::<_, Procedure>(&sql);
    for t in tokens {
        q = q.bind(format!("% {t} %"));
    }
    Ok(q.fetch_all(conn).await?)
}

pub async fn procedure(conn: &mut AnyConnection, code: &str) -> Result<Procedure, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {PROC} FROM procedures WHERE code = $1"))
            .bind(code)
            .fetch_one(conn)
            .await?,
    )
}
