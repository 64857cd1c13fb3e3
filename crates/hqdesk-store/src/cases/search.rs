//! Search results newest first ([`CaseOrder::LatestMatch`]): pages from walks and the full-text
//! index, and the first page with its capped total.
use sqlx::AnyConnection;

use super::counts::count_capped_walking;
use super::filters::{build_where, where_sql, SearchForm};
use super::list::list_sorted;
use super::record::{Raw, SELECT};
use super::walk::{walk_newest, walked_count, SearchWalk};
use super::{CaseFilter, CaseOrder, CaseRecord, Cursor};
use crate::dialect::{self, Engine};
use crate::StoreError;

/// How many search documents [`CaseOrder::LatestMatch`] reads at first; each further read
/// doubles, up to [`MAX_MATCH_BATCH`], when filters or repeated cases leave the page short.
const FIRST_MATCH_BATCH: i64 = 200;
const MAX_MATCH_BATCH: i64 = 6400;

/// A page in [`CaseOrder::LatestMatch`] order: the matching documents newest first by the
/// engine's walk key (`dialect::latest_match_key`), each joined to its case and the filters, in
/// batches until the page is full. A case is placed by its first document in that walk; the
/// cursor is that document's key. On SQLite a later page skips the cases that have a matching
/// document at or above the cursor (they were placed before). On PostgreSQL a bounded walk
/// comes first (see [`SearchWalk`]).
pub(super) async fn list_latest_match(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    list_latest_match_walking(conn, f, after, limit, SearchWalk::Estimated).await
}

/// [`list`](super::list) in [`CaseOrder::LatestMatch`] order with a search, its walk bounded as `walk` says
/// (tests and measurements; [`list`](super::list) estimates it). Without search tokens, [`list`](super::list).
pub async fn list_latest_match_walking(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    after: Option<Cursor>,
    limit: i64,
    walk: SearchWalk,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    if f.search_tokens.is_empty() {
        return list_sorted(conn, f, CaseOrder::CreatedDesc, after, limit).await;
    }
    let engine = Engine::of(conn);
    let want = usize::try_from(limit).unwrap_or(0) + 1;
    let mut below = after.map_or(i64::MAX, |c| c.key);
    let mut found: Vec<Cursor> = Vec::with_capacity(want);
    let mut seen = std::collections::HashSet::new();
    if dialect::search_walks(engine) {
        // The walk's key is the case id, as the index path's (`dialect::latest_match_key`).
        let w = walk_newest(conn, f, below, want, want, walk).await?;
        seen.extend(w.ids.iter().copied());
        found.extend(w.ids.iter().map(|&id| Cursor { key: id, id }));
        match w.below {
            Some(b) if found.len() < want => below = b,
            _ => return finish_page(conn, found, want).await,
        }
    } else if let Some(cur) = after.filter(|_| dialect::latest_match_key(engine).1) {
        let tokens: Vec<&str> = f.search_tokens.iter().map(String::as_str).collect();
        let (_, query) = dialect::search_subquery(engine, "$1", &tokens);
        let placed: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT s.case_id FROM case_search s WHERE {} AND s.rowid >= $2",
            dialect::search_match(engine, "s", "$1")
        ))
        .bind(query)
        .bind(cur.key)
        .fetch_all(&mut *conn)
        .await?;
        seen.extend(placed);
    }
    index_page(conn, f, below, &mut seen, &mut found, want).await?;
    finish_page(conn, found, want).await
}

/// Fill `found` up to `want` from the full-text index: the matching documents below `below`
/// by the engine's walk key, newest first, skipping the cases in `seen`.
async fn index_page(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    mut below: i64,
    seen: &mut std::collections::HashSet<i64>,
    found: &mut Vec<Cursor>,
    want: usize,
) -> Result<(), StoreError> {
    let engine = Engine::of(conn);
    let (key, _) = dialect::latest_match_key(engine);
    let mut batch = FIRST_MATCH_BATCH.max(4 * (want as i64 - 1));
    while found.len() < want {
        let mut w = build_where(engine, f, SearchForm::Joined)?;
        dialect::search_count_clauses(engine, &mut w.clauses);
        let b = w.bind(below)?;
        w.clauses.push(format!("{key} < {b}"));
        let lim = w.bind(batch)?;
        // CROSS JOIN keeps the documents the outer loop in SQLite, whatever the filters.
        let sql = format!(
            "SELECT {key} AS k, s.case_id AS id FROM case_search s CROSS JOIN cases c{} \
             AND c.id = s.case_id ORDER BY {key} DESC LIMIT {lim}",
            where_sql(&w)
        );
        let rows: Vec<(i64, i64)> = sqlx::query_as_with(&sql, w.args)
            .persistent(dialect::search_prepared(engine))
            .fetch_all(&mut *conn)
            .await?;
        for &(key, id) in &rows {
            if seen.insert(id) {
                found.push(Cursor { key, id });
                if found.len() == want {
                    break;
                }
            }
        }
        match rows.last() {
            Some(&(key, _)) if (rows.len() as i64) == batch => below = key,
            _ => break,
        }
        batch = (batch * 2).min(MAX_MATCH_BATCH);
    }
    Ok(())
}

/// The page of the first `want - 1` of `found` (in that order), with the cursor after it when
/// `found` holds `want`.
async fn finish_page(
    conn: &mut AnyConnection,
    mut found: Vec<Cursor>,
    want: usize,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    found.truncate(want);
    let next = if found.len() == want {
        found.pop();
        found.last().copied()
    } else {
        None
    };
    if found.is_empty() {
        return Ok((vec![], None));
    }
    // Case ids are integers from the database: safe to inline.
    let ids = found
        .iter()
        .map(|c| c.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<Raw> = sqlx::query_as(&format!("{SELECT} WHERE c.id IN ({ids})"))
        .fetch_all(&mut *conn)
        .await?;
    let mut by_id: std::collections::HashMap<i64, CaseRecord> = rows
        .into_iter()
        .map(|r| CaseRecord::try_from(r).map(|c| (c.id, c)))
        .collect::<Result<_, _>>()?;
    let items = found.iter().filter_map(|c| by_id.remove(&c.id)).collect();
    Ok((items, next))
}

/// The first page of a search newest first with its capped total.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub items: Vec<CaseRecord>,
    pub next: Option<Cursor>,
    pub total: i64,
    pub total_exact: bool,
}

/// The first page of a search in [`CaseOrder::LatestMatch`] order and its total counted up to
/// `cap`: [`list`](super::list) and [`count_capped`](super::count_capped) in one. On PostgreSQL one walk over the newest documents
/// serves both (the page is the newest of the cases the count walks through); elsewhere, and
/// without search tokens, the two calls.
pub async fn search_first_page(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    limit: i64,
    cap: i64,
) -> Result<SearchPage, StoreError> {
    search_first_page_walking(conn, f, limit, cap, SearchWalk::Estimated).await
}

/// [`search_first_page`] with its walks bounded as `walk` says (tests and measurements).
pub async fn search_first_page_walking(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    limit: i64,
    cap: i64,
    walk: SearchWalk,
) -> Result<SearchPage, StoreError> {
    if f.search_tokens.is_empty() || !dialect::search_walks(Engine::of(conn)) {
        let (items, next) =
            list_latest_match_walking(conn, f, None, limit, SearchWalk::Docs(0)).await?;
        let (total, total_exact) = count_capped_walking(conn, f, cap, walk).await?;
        return Ok(SearchPage {
            items,
            next,
            total,
            total_exact,
        });
    }
    let want = usize::try_from(limit).unwrap_or(0) + 1;
    let need = usize::try_from(cap.saturating_add(1))
        .unwrap_or(0)
        .max(want);
    let w = walk_newest(conn, f, i64::MAX, want, need, walk).await?;
    let (total, total_exact) = walked_count(conn, f, &w, cap).await?;
    let mut found: Vec<Cursor> = w.ids.iter().map(|&id| Cursor { key: id, id }).collect();
    if let Some(below) = w.below {
        if found.len() < want {
            let mut seen = w.ids.iter().copied().collect();
            index_page(conn, f, below, &mut seen, &mut found, want).await?;
        }
    }
    let (items, next) = finish_page(conn, found, want).await?;
    Ok(SearchPage {
        items,
        next,
        total,
        total_exact,
    })
}
