//! How many cases match a filter: from the maintained counts where they cover it, capped for
//! searches.
use hqdesk_domain::access::CaseScope;
use sqlx::{AnyConnection, Row};

use super::filters::{
    add_conditions, build_where, id_list, tallied, where_of, where_sql, SearchForm, Table, Where,
};
use super::walk::{walk_newest, walked_count, SearchWalk, WALK_PROBE};
use super::CaseFilter;
use crate::dialect::{self, Engine};
use crate::StoreError;

/// How many cases a search counts exactly; beyond, its total is a lower bound.
pub const SEARCH_COUNT_CAP: i64 = 1000;

/// How many cases match a search filter, counted up to `cap`: `(n, true)` when `n` is exact,
/// `(cap, false)` when more than `cap` match. Stops after `cap + 1` matching cases instead of
/// finding every match (a broad query matches a third of all cases). Without search tokens, the
/// exact [`count`]. On PostgreSQL walks over the newest documents count first (see
/// [`SearchWalk`]).
pub async fn count_capped(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    cap: i64,
) -> Result<(i64, bool), StoreError> {
    count_capped_walking(conn, f, cap, SearchWalk::Estimated).await
}

/// [`count_capped`] with its walks bounded as `walk` says (tests and measurements).
pub async fn count_capped_walking(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    cap: i64,
    walk: SearchWalk,
) -> Result<(i64, bool), StoreError> {
    if f.search_tokens.is_empty() {
        return Ok((count(conn, f).await?, true));
    }
    let engine = Engine::of(conn);
    if dialect::search_walks(engine) {
        let need = usize::try_from(cap.saturating_add(1)).unwrap_or(0);
        let w = walk_newest(conn, f, i64::MAX, WALK_PROBE.min(need), need, walk).await?;
        return walked_count(conn, f, &w, cap).await;
    }
    let mut w = build_where(engine, f, SearchForm::Joined)?;
    dialect::search_count_clauses(engine, &mut w.clauses);
    let lim = w.bind(cap + 1)?;
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT s.case_id FROM case_search s CROSS JOIN cases c{} \
         AND c.id = s.case_id LIMIT {lim}) m",
        where_sql(&w)
    );
    let n: i64 = sqlx::query_scalar_with(&sql, w.args)
        .fetch_one(conn)
        .await?;
    Ok(if n > cap { (cap, false) } else { (n, true) })
}

/// How many cases match the filter (the scope included, so counts never reveal hidden cases).
/// Answered from the counts maintained by triggers where they cover the filter: every case or
/// every case but the confidential ones from `case_counts` (migration 0010), a filter on scope,
/// status, branch, unit and assignee from `case_tallies` (migration 0011: a SUM over a few rows
/// instead of reading tens of thousands of index entries), and with a due time before an instant
/// as the tallied cases with a due time minus those due later; anything else counts the cases.
pub async fn count(conn: &mut AnyConnection, f: &CaseFilter) -> Result<i64, StoreError> {
    let mut w = Where::new();
    let sql = count_query(&mut w, Engine::of(conn), f)?;
    Ok(sqlx::query_scalar_with(&sql, w.args)
        .fetch_one(conn)
        .await?)
}

/// [`count`] for each filter, in one statement (one scalar subquery per filter): the console's
/// queue navigation asks for eight counts on every page, and each statement is a round trip.
pub async fn count_many(
    conn: &mut AnyConnection,
    filters: &[CaseFilter],
) -> Result<Vec<i64>, StoreError> {
    if filters.is_empty() {
        return Ok(vec![]);
    }
    let engine = Engine::of(conn);
    let mut w = Where::new();
    let mut columns = Vec::with_capacity(filters.len());
    for f in filters {
        columns.push(format!(
            "COALESCE(({}), 0)",
            count_query(&mut w, engine, f)?
        ));
    }
    let sql = format!("SELECT {}", columns.join(", "));
    let row = sqlx::query_with(&sql, w.args).fetch_one(conn).await?;
    (0..filters.len())
        .map(|i| row.try_get::<i64, _>(i).map_err(StoreError::from))
        .collect()
}

/// A query answering [`count`] for `f`, its values bound in `w` after those already there.
fn count_query(w: &mut Where, engine: Engine, f: &CaseFilter) -> Result<String, StoreError> {
    if let CaseScope::AllBut { excluded } = &f.scope {
        let all = CaseFilter {
            scope: CaseScope::All,
            ..f.clone()
        };
        if excluded.is_empty() {
            return count_query(w, engine, &all);
        }
    }
    if let (CaseScope::AllBut { excluded }, true) = (&f.scope, tallied(f) && f.due_after.is_none())
    {
        // An investigator whom some reports name: the count of every case, from the maintained
        // counts, minus those of the excluded cases that match, counted from the cases (a few
        // ids, by primary key).
        let all = CaseFilter {
            scope: CaseScope::All,
            ..f.clone()
        };
        let whole = count_query(w, engine, &all)?;
        add_conditions(w, engine, &all, SearchForm::Subquery, Table::Cases)?;
        let mut clauses = std::mem::take(&mut w.clauses);
        clauses.push(format!("c.id IN ({})", id_list(excluded)));
        let minus = format!("SELECT COUNT(*) FROM cases c{}", where_of(&clauses));
        return Ok(format!("SELECT ({whole}) - ({minus})"));
    }
    if tallied(f) && f.due_after.is_none() {
        if let Some(before) = f.due_before {
            // Due before `before` ("overdue"): the cases with a due time, from the tallies, minus
            // those due at or after it, counted. For "now" the second are the active cases opened
            // within their resolution target (1,700 of a million seeded cases, where 23,000 are
            // overdue): the count no longer reads the whole overdue backlog.
            let rest = CaseFilter {
                due_before: None,
                ..f.clone()
            };
            add_conditions(w, engine, &rest, SearchForm::Subquery, Table::Tallies)?;
            let mut clauses = std::mem::take(&mut w.clauses);
            clauses.push("c.has_due = 1".into());
            let with_due = format!(
                "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM case_tallies c{}",
                where_of(&clauses)
            );
            let later = CaseFilter {
                due_after: Some(before),
                ..rest
            };
            let later = scanning_query(w, engine, &later)?;
            return Ok(format!("SELECT ({with_due}) - ({later})"));
        }
        let scope_only = f.statuses.is_empty()
            && f.branch.is_none()
            && f.unit_id.is_none()
            && f.assignee_id.is_none()
            && !f.unassigned;
        // Every case, or every case but the confidential ones: one row of `case_counts`.
        match (&f.scope, scope_only) {
            (CaseScope::All, true) => {
                return Ok(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM case_counts".to_string(),
                )
            }
            (CaseScope::NonConfidential, true) => {
                return Ok("SELECT n FROM case_counts WHERE confidential = 0".to_string())
            }
            _ => {}
        }
        add_conditions(w, engine, f, SearchForm::Subquery, Table::Tallies)?;
        let clauses = std::mem::take(&mut w.clauses);
        return Ok(format!(
            "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM case_tallies c{}",
            where_of(&clauses)
        ));
    }
    scanning_query(w, engine, f)
}

/// A query counting the cases that match `f`, its values bound in `w` after those already there.
fn scanning_query(w: &mut Where, engine: Engine, f: &CaseFilter) -> Result<String, StoreError> {
    add_conditions(w, engine, f, SearchForm::Subquery, Table::Cases)?;
    let mut clauses = std::mem::take(&mut w.clauses);
    if !f.search_tokens.is_empty() {
        dialect::search_count_clauses(engine, &mut clauses);
    }
    Ok(format!(
        "SELECT COUNT(*) FROM cases c{}",
        where_of(&clauses)
    ))
}

/// How many cases match the filter, counted from the cases themselves (never from the maintained
/// counts): what [`count`] falls back to, and what the tests compare it with.
pub async fn count_scanning(conn: &mut AnyConnection, f: &CaseFilter) -> Result<i64, StoreError> {
    let mut w = Where::new();
    let sql = scanning_query(&mut w, Engine::of(conn), f)?;
    Ok(sqlx::query_scalar_with(&sql, w.args)
        .fetch_one(conn)
        .await?)
}
