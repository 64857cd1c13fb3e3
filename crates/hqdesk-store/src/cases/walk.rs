//! The search planner on PostgreSQL: bounded walks over the newest search documents before the
//! full-text index, sized from the planner's statistics.
use sqlx::AnyConnection;

use super::filters::{build_where, where_sql, SearchForm};
use super::CaseFilter;
use crate::dialect::{self, Engine};
use crate::StoreError;

/// How a newest-first search and its capped count bound their walks over the newest documents,
/// on the engines that walk (`dialect::search_walks`: PostgreSQL; ignored on SQLite).
///
/// A walk reads the documents below the cursor newest first through the btree on
/// `case_search(case_id)`, tests each against the query, and stops when the page (or the count)
/// is full or its window of documents is read. The cases older than the last window then come
/// from the full-text index, as without a walk. The planner would pick one of the two from its
/// estimate of the matches, which for a phrase is the product of its words' shares:
/// `thủy sản đông lạnh` is estimated at 3 documents and matches 44,000 at a million cases, so it
/// fetches and sorts every match. Walking first makes the plan independent of that estimate;
/// the results are the same for every window, only the time differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchWalk {
    /// Windows from the planner's statistics. For the page: first about as many documents as
    /// fill it if every document with the query's rarest token matched, times [`WALK_SAFETY`],
    /// within [`WALK_MIN_DOCS`]..=[`WALK_MAX_DOCS`] (no walk when even the maximum is not
    /// expected to fill it: the query is rare, the index answers it quickly); then, when the
    /// newest documents hold fewer matches than that (the latest cases are about something
    /// else), on for as long as the index is expected to take to fetch and sort every match, at
    /// most [`PAGE_WALK_MAX_DOCS`] in all. For a
    /// count, one more walk sized by the matches met so far, when that is expected to be quicker
    /// than the index (at most [`COUNT_WALK_MAX_DOCS`]).
    #[default]
    Estimated,
    /// Walks of exactly this many documents each: two for the page, one more for a count (0:
    /// the full-text index alone). For tests and measurements.
    Docs(i64),
}

/// How many times the documents expected to fill a page the first walk may read, for matches
/// that cluster in older cases, cases with several matching documents, and filters.
pub const WALK_SAFETY: f64 = 4.0;
/// The fewest documents an estimated first walk reads (a page of a common word needs few).
pub const WALK_MIN_DOCS: i64 = 1_000;
/// The most documents an estimated first walk reads.
pub const WALK_MAX_DOCS: i64 = 40_000;
/// The most documents the walks for a page read in all before the full-text index fills it.
pub const PAGE_WALK_MAX_DOCS: i64 = 150_000;
/// The most documents a count's walk reads after the page.
pub const COUNT_WALK_MAX_DOCS: i64 = 150_000;
/// The cases a count without a page first walks for, to learn how dense the matches are.
pub const WALK_PROBE: usize = 51;
/// The share of documents assumed for a token when the planner has no statistics yet (a new or
/// small table, which is walked whole quickly).
const WALK_UNKNOWN_SHARE: f64 = 0.005;
/// Relative costs (microseconds on the 2-core benchmark machine, PostgreSQL 15, warm cache) of
/// one document walked (btree entry, row, match test), one entry of the rarest token's GIN
/// posting list, and one matching row fetched from the GIN bitmap and joined to its case.
const WALK_DOC_COST: f64 = 0.8;
const GIN_ENTRY_COST: f64 = 0.6;
const GIN_ROW_COST: f64 = 8.0;

/// What the planner's statistics say about a search: the share of documents holding its
/// rarest token (every match holds every token, so this bounds the matches' share from above)
/// and how many documents there are.
#[derive(Debug, Clone, Copy)]
struct SearchStats {
    share: f64,
    docs: f64,
}

async fn search_stats(conn: &mut AnyConnection, f: &CaseFilter) -> Result<SearchStats, StoreError> {
    let mut stats = SearchStats {
        share: WALK_UNKNOWN_SHARE,
        docs: 0.0,
    };
    let Some(sql) = dialect::search_token_shares(Engine::of(conn)) else {
        return Ok(stats);
    };
    let rows: Vec<(Option<f64>, Option<f64>, Option<f64>)> = sqlx::query_as(sql)
        .bind(f.search_tokens.join(" "))
        .fetch_all(&mut *conn)
        .await?;
    stats.share = 1.0;
    for (share, least, docs) in rows {
        // A token missing from the most common ones is rarer than the rarest of them: half of
        // it, as the planner assumes.
        let share = share
            .or(least.map(|l| l / 2.0))
            .unwrap_or(WALK_UNKNOWN_SHARE);
        stats.share = stats.share.min(share);
        stats.docs = docs.unwrap_or(0.0).max(0.0);
    }
    Ok(stats)
}

/// The first walk's window: documents to read for `want` cases when `share` of the documents
/// match; 0 when even [`WALK_MAX_DOCS`] is not expected to find them.
fn first_window(want: usize, share: f64) -> i64 {
    if share.is_nan() || share <= 0.0 {
        return 0;
    }
    let expected = want as f64 / share;
    if expected > WALK_MAX_DOCS as f64 {
        return 0;
    }
    ((expected * WALK_SAFETY).ceil() as i64).clamp(WALK_MIN_DOCS, WALK_MAX_DOCS)
}

/// How many documents the walks for a page may read in all: as many as take about the time the
/// index takes to fetch and sort every match (at most the rarest token's share of documents),
/// within [`WALK_MAX_DOCS`]..=[`PAGE_WALK_MAX_DOCS`].
fn page_budget(stats: &SearchStats) -> i64 {
    let docs = stats.share * stats.docs * GIN_ROW_COST / WALK_DOC_COST;
    if docs.is_nan() {
        return WALK_MAX_DOCS;
    }
    (docs as i64).clamp(WALK_MAX_DOCS, PAGE_WALK_MAX_DOCS)
}

/// A count's walk after the page: documents to read for `rest` more cases at the density of
/// the matches met so far (`density` cases per document); 0 when the full-text index is expected
/// to be quicker (it reads the rarest token's postings, then one row per match it counts).
fn count_window(stats: &SearchStats, density: f64, rest: usize) -> i64 {
    if density.is_nan() || density <= 0.0 {
        return 0;
    }
    let expected = rest as f64 / density;
    let walk_cost = expected * WALK_DOC_COST;
    let index_cost = stats.share * stats.docs * GIN_ENTRY_COST + rest as f64 * GIN_ROW_COST;
    if walk_cost >= index_cost || expected > COUNT_WALK_MAX_DOCS as f64 {
        return 0;
    }
    ((expected * 2.0).ceil() as i64).clamp(WALK_MIN_DOCS, COUNT_WALK_MAX_DOCS)
}

/// What walks found: the matching cases, newest first, and where the others are.
#[derive(Debug, Clone)]
pub(super) struct Walked {
    pub(super) ids: Vec<i64>,
    /// `None`: the walks read every document below where they began, `ids` are all the matches
    /// there. `Some(b)`: `ids` hold every match from case `b` up; the matches below `b` are for
    /// the full-text index (the case just below `b` may be among `ids` already).
    pub(super) below: Option<i64>,
}

/// One walk: the cases matching the search and the filters among the `window` newest documents
/// below `w.below`, newest first, appended to `w.ids` until it holds `need`. The inner `LIMIT`
/// bounds the walk; the outer one stops it when enough are found; the function form of the match
/// keeps the planner from the GIN index.
async fn walk_segment(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    window: i64,
    need: usize,
    w: &mut Walked,
) -> Result<(), StoreError> {
    let Some(below) = w.below else {
        return Ok(());
    };
    let engine = Engine::of(conn);
    // The previous window's oldest case may be found again, first.
    let again = w.ids.last().is_some_and(|&id| id >= below - 1);
    let lim = need.saturating_sub(w.ids.len()) + usize::from(again);
    let mut q = build_where(engine, f, SearchForm::Walked)?;
    let b = q.bind(below)?;
    let win = q.bind(window)?;
    let l = q.bind(i64::try_from(lim).unwrap_or(i64::MAX))?;
    let sql = format!(
        "SELECT DISTINCT s.case_id FROM (SELECT case_id, tsv FROM case_search \
         WHERE case_id < {b} ORDER BY case_id DESC LIMIT {win}) s CROSS JOIN cases c{} \
         AND c.id = s.case_id ORDER BY s.case_id DESC LIMIT {l}",
        where_sql(&q)
    );
    // Unnamed: planned for this query's own tokens and window, never a generic plan.
    let found: Vec<i64> = sqlx::query_scalar_with(&sql, q.args)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    for id in found {
        if w.ids.last().is_none_or(|&last| id < last) {
            w.ids.push(id);
        }
    }
    if w.ids.len() >= need {
        // Stopped at the last case found: every document above it was read.
        w.below = w.ids.last().copied();
        return Ok(());
    }
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT case_id FROM case_search WHERE case_id < $1 ORDER BY case_id DESC LIMIT 1 OFFSET $2",
    )
    .bind(below)
    .bind(window - 1)
    .persistent(false)
    .fetch_optional(&mut *conn)
    .await?;
    w.below = last.map(|id| id.saturating_add(1));
    Ok(())
}

fn trace_walk(what: &str, window: i64, w: &Walked) {
    tracing::debug!(window, found = w.ids.len(), below = ?w.below, "search walk: {what}");
}

/// How densely the cases in `ids` (newest first) lie among the documents: cases per document
/// from the first to the last of them (the newest documents may hold none, as when the latest
/// cases are about something else).
async fn match_density(conn: &mut AnyConnection, ids: &[i64]) -> Result<f64, StoreError> {
    let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
        return Ok(0.0);
    };
    let docs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_search WHERE case_id <= $1 AND case_id >= $2",
    )
    .bind(first)
    .bind(last)
    .persistent(false)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ids.len() as f64 / docs.max(1) as f64)
}

/// Walk the newest documents below `below` for a page of `want` cases, then (when `need` is
/// more) on for a count, as far as `walk` and the statistics say walking pays (engines of
/// `dialect::search_walks` only).
pub(super) async fn walk_newest(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    below: i64,
    want: usize,
    need: usize,
    walk: SearchWalk,
) -> Result<Walked, StoreError> {
    let mut w = Walked {
        ids: Vec::new(),
        below: Some(below),
    };
    let stats = match walk {
        SearchWalk::Docs(_) => None,
        SearchWalk::Estimated => Some(search_stats(conn, f).await?),
    };
    if let Some(s) = &stats {
        tracing::debug!(share = s.share, docs = s.docs, "search walk: statistics");
    }
    let stats = stats.as_ref();
    // The page: a window for the expected density, then the rest of the budget when the newest
    // documents are poorer in matches than expected.
    let mut walked = 0;
    for round in 0..2 {
        let window = match (walk, stats) {
            (SearchWalk::Docs(n), _) => n.max(0),
            (_, Some(s)) if round == 0 => first_window(want, s.share),
            (_, Some(s)) => page_budget(s) - walked,
            (_, None) => 0,
        };
        if window <= 0 {
            return Ok(w);
        }
        walked += window;
        walk_segment(conn, f, window, want, &mut w).await?;
        trace_walk("page", window, &w);
        if w.below.is_none() || w.ids.len() >= want {
            break;
        }
    }
    if w.below.is_none() || w.ids.len() < want || w.ids.len() >= need {
        return Ok(w);
    }
    // The count: on walking while it pays.
    let window = match (walk, stats) {
        (SearchWalk::Docs(n), _) => n.max(0),
        (_, Some(s)) => {
            let density = match_density(conn, &w.ids).await?;
            count_window(s, density, need - w.ids.len())
        }
        (_, None) => 0,
    };
    if window > 0 {
        walk_segment(conn, f, window, need, &mut w).await?;
    }
    trace_walk("count", window, &w);
    Ok(w)
}

/// The capped count of a search from what walks found, the full-text index counting the rest.
pub(super) async fn walked_count(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    w: &Walked,
    cap: i64,
) -> Result<(i64, bool), StoreError> {
    let found = w.ids.len() as i64;
    if found > cap {
        return Ok((cap, false));
    }
    let n = match w.below {
        None => found,
        Some(below) => {
            let walked = w.ids.iter().filter(|&&id| id >= below).count() as i64;
            walked + count_index(conn, f, below, cap + 1 - walked).await?
        }
    };
    Ok(if n > cap { (cap, false) } else { (n, true) })
}

/// How many cases below `below` match a search (PostgreSQL), up to `need`: from any `need` and a
/// quarter matching documents the index gives first (no sort of every match), more only when
/// they repeat cases.
async fn count_index(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    below: i64,
    need: i64,
) -> Result<i64, StoreError> {
    let engine = Engine::of(conn);
    let mut rows = need + need / 4 + 16;
    for _ in 0..3 {
        let mut w = build_where(engine, f, SearchForm::Joined)?;
        let b = w.bind(below)?;
        w.clauses.push(format!("s.case_id < {b}"));
        let k = w.bind(rows)?;
        let sql = format!(
            "SELECT COUNT(DISTINCT m.case_id), COUNT(*) FROM (SELECT s.case_id \
             FROM case_search s CROSS JOIN cases c{} AND c.id = s.case_id LIMIT {k}) m",
            where_sql(&w)
        );
        let (distinct, read): (i64, i64) = sqlx::query_as_with(&sql, w.args)
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?;
        if distinct >= need {
            return Ok(need);
        }
        if read < rows {
            return Ok(distinct);
        }
        rows = rows.saturating_mul(4);
    }
    let mut w = build_where(engine, f, SearchForm::Joined)?;
    let b = w.bind(below)?;
    w.clauses.push(format!("s.case_id < {b}"));
    let lim = w.bind(need)?;
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT s.case_id FROM case_search s CROSS JOIN cases c{} \
         AND c.id = s.case_id LIMIT {lim}) m",
        where_sql(&w)
    );
    Ok(sqlx::query_scalar_with(&sql, w.args)
        .persistent(false)
        .fetch_one(conn)
        .await?)
}
