//! Anonymous tips' receipts (`case_receipts`): the receipt's lookup value (never the receipt)
//! and the case's data key wrapped under the receipt's key (empty for a case that is not sealed:
//! the receipt then only finds it).
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// Keep a new tip's receipt lookup (hex) with its wrap (base64, or empty).
pub async fn put_receipt(
    conn: &mut AnyConnection,
    lookup: &str,
    case_id: i64,
    wrapped: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_receipts (lookup, case_id, wrapped, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(lookup)
    .bind(case_id)
    .bind(wrapped)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The case and wrap a receipt's lookup finds: one indexed equality, the same statement
/// whether or not it finds anything.
pub async fn find_receipt(
    conn: &mut AnyConnection,
    lookup: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT case_id, wrapped FROM case_receipts WHERE lookup = $1",
    )
    .bind(lookup)
    .fetch_optional(conn)
    .await?)
}
