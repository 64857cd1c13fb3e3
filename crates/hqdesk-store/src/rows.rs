//! What the table modules share: reading records through their raw rows, and writes that must
//! find the row they name.
use sqlx::any::AnyRow;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, FromRow, IntoArguments};

use crate::StoreError;

/// The row `sql` selects by `key` (bound at `$1`), as its record.
pub(crate) async fn one<'q, R, T, K>(
    conn: &mut AnyConnection,
    sql: &'q str,
    key: K,
) -> Result<T, StoreError>
where
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    T: TryFrom<R, Error = StoreError>,
    K: 'q + Send + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
{
    let raw: R = sqlx::query_as(sql).bind(key).fetch_one(conn).await?;
    raw.try_into()
}

/// Every row `sql` selects, as records.
pub(crate) async fn all<R, T>(conn: &mut AnyConnection, sql: &str) -> Result<Vec<T>, StoreError>
where
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    T: TryFrom<R, Error = StoreError>,
{
    let raws: Vec<R> = sqlx::query_as(sql).fetch_all(conn).await?;
    raws.into_iter().map(T::try_from).collect()
}

/// Run a write of one named row; [`StoreError::NotFound`] when it touched none.
pub(crate) async fn execute_found<'q, A>(
    query: Query<'q, Any, A>,
    conn: &mut AnyConnection,
) -> Result<(), StoreError>
where
    A: 'q + IntoArguments<'q, Any>,
{
    if query.execute(conn).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
