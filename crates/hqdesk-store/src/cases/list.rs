//! Pages of cases in a sorted order, with keyset pagination.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use super::filters::{build_where, where_sql, SearchForm};
use super::record::{Raw, SELECT};
use super::search::list_latest_match;
use super::{CaseFilter, CaseOrder, CaseRecord, Cursor};
use crate::dialect::Engine;
use crate::StoreError;

/// One page of cases and the cursor for the next page, if there is one.
pub async fn list(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    order: CaseOrder,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    if order == CaseOrder::LatestMatch && !f.search_tokens.is_empty() {
        return list_latest_match(conn, f, after, limit).await;
    }
    list_sorted(conn, f, order, after, limit).await
}

/// [`list`] in an order that is sorted (and [`CaseOrder::LatestMatch`] without a search).
pub(super) async fn list_sorted(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    order: CaseOrder,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    let engine = Engine::of(conn);
    let order = if order == CaseOrder::LatestMatch {
        CaseOrder::CreatedDesc
    } else {
        order
    };
    let mut w = build_where(engine, f, SearchForm::Subquery)?;
    // Cases without a due time sort last: treat them as due at the end of time.
    let (key_sql, dir, cmp) = match order {
        CaseOrder::CreatedDesc | CaseOrder::LatestMatch => ("c.created_at", "DESC", "<"),
        CaseOrder::UpdatedDesc => ("c.updated_at", "DESC", "<"),
        CaseOrder::DueAsc => (
            "COALESCE(c.resolution_due_at, 9223372036854775807)",
            "ASC",
            ">",
        ),
    };
    if let Some(cur) = after {
        let k = w.bind(cur.key)?;
        let i = w.bind(cur.id)?;
        w.clauses.push(format!(
            "({key_sql} {cmp} {k} OR ({key_sql} = {k} AND c.id {cmp} {i}))"
        ));
    }
    let lim = w.bind(limit + 1)?;
    // Late row lookup: the page's ids come from an index alone (filter, order, limit), then only
    // those rows are read with what they refer to. Sorting whole rows would read every row of a
    // queue of thousands first (docs/performance.md).
    let page = format!(
        "SELECT c.id FROM cases c{} ORDER BY {key_sql} {dir}, c.id {dir} LIMIT {lim}",
        where_sql(&w)
    );
    let sql = format!(
        "{} ORDER BY {key_sql} {dir}, c.id {dir}",
        SELECT.replacen(
            "FROM cases c ",
            &format!("FROM ({page}) p JOIN cases c ON c.id = p.id "),
            1
        )
    );
    let rows: Vec<Raw> = sqlx::query_as_with(&sql, w.args).fetch_all(conn).await?;
    let mut items = rows
        .into_iter()
        .map(CaseRecord::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(usize::try_from(limit).unwrap_or(0));
        items.last().map(|c| Cursor {
            key: match order {
                CaseOrder::CreatedDesc | CaseOrder::LatestMatch => c.created_at.millis(),
                CaseOrder::UpdatedDesc => c.updated_at.millis(),
                CaseOrder::DueAsc => c
                    .resolution_due_at
                    .map(Timestamp::millis)
                    .unwrap_or(i64::MAX),
            },
            id: c.id,
        })
    } else {
        None
    };
    Ok((items, next))
}
