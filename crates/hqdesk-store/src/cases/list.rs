//! Pages of cases in a sorted order, with keyset pagination.
use hqdesk_domain::case::{Priority, Status};
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use super::filters::{build_where, where_sql, SearchForm};
use super::record::{Raw, NEAREST_DUE_SQL, SELECT};
use super::search::list_latest_match;
use super::{CaseFilter, CaseOrder, CaseRecord, Cursor, SortKey};
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
    let (key_sql, dir, cmp) = order_sql(order);
    let key_sql = key_sql.as_str();
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
            key: order_key(order, c),
            id: c.id,
        })
    } else {
        None
    };
    Ok((items, next))
}

/// The order's key as SQL, its direction and the comparison that finds the rows after a cursor.
/// Cases without a due time sort last: treated as due at the end of time (or, descending, at
/// its beginning).
fn order_sql(order: CaseOrder) -> (String, &'static str, &'static str) {
    let (key, desc) = match order {
        CaseOrder::CreatedDesc | CaseOrder::LatestMatch => {
            return ("c.created_at".into(), "DESC", "<")
        }
        CaseOrder::UpdatedDesc => return ("c.updated_at".into(), "DESC", "<"),
        CaseOrder::DueAsc => {
            return (
                "COALESCE(c.resolution_due_at, 9223372036854775807)".into(),
                "ASC",
                ">",
            )
        }
        CaseOrder::By(key, desc) => (key, desc),
    };
    let sql = match key {
        SortKey::Number => {
            "CAST(SUBSTR(c.number, 3, 4) || SUBSTR(c.number, 8, 7) AS BIGINT)".to_string()
        }
        SortKey::Created => "c.created_at".to_string(),
        SortKey::NearestDue => format!(
            "COALESCE({NEAREST_DUE_SQL}, {})",
            if desc { -1 } else { i64::MAX }
        ),
        SortKey::Priority => format!(
            "(CASE c.priority {} END)",
            Priority::ALL
                .iter()
                .enumerate()
                .map(|(i, p)| format!("WHEN '{}' THEN {i}", p.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        SortKey::Status => format!(
            "(CASE c.status {} END)",
            Status::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| format!("WHEN '{}' THEN {i}", s.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    };
    if desc {
        (sql, "DESC", "<")
    } else {
        (sql, "ASC", ">")
    }
}

/// The value of [`order_sql`]'s key for a case (for the next page's cursor).
fn order_key(order: CaseOrder, c: &CaseRecord) -> i64 {
    let (key, desc) = match order {
        CaseOrder::CreatedDesc | CaseOrder::LatestMatch => return c.created_at.millis(),
        CaseOrder::UpdatedDesc => return c.updated_at.millis(),
        CaseOrder::DueAsc => {
            return c
                .resolution_due_at
                .map(Timestamp::millis)
                .unwrap_or(i64::MAX)
        }
        CaseOrder::By(key, desc) => (key, desc),
    };
    match key {
        SortKey::Number => c
            .number
            .as_str()
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0),
        SortKey::Created => c.created_at.millis(),
        SortKey::NearestDue => {
            c.nearest_due()
                .map(|(t, _)| t.millis())
                .unwrap_or(if desc { -1 } else { i64::MAX })
        }
        SortKey::Priority => Priority::ALL
            .iter()
            .position(|p| *p == c.priority)
            .unwrap_or(0) as i64,
        SortKey::Status => Status::ALL.iter().position(|s| *s == c.status).unwrap_or(0) as i64,
    }
}
