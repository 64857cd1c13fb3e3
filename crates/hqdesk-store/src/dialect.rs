//! The only place where the two engines' SQL differs. Everything else in this crate is one query
//! text for both.
use sqlx::AnyConnection;

use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> Result<Engine, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
                redact(url)
            )))
        }
    }

    /// The engine behind a connection (the `Any` driver knows its backend).
    pub fn of(conn: &AnyConnection) -> Engine {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Set on every SQLite connection: WAL so readers never block the writer, a busy timeout for
/// the rare second process (the CLI beside a running server), enforced foreign keys, and the
/// WAL-safe `synchronous=NORMAL` (a power cut may lose the last commits, never corrupt).
/// A commit checkpoints the log by itself only past 16,384 pages (64 MiB; SQLite's default is
/// 1,000): the server checkpoints in the background well before
/// ([`crate::Store::run_wal_checkpoints`]), a command-line tool that writes little never gets
/// there, and the last connection to close checkpoints what is left. `journal_size_limit`
/// gives the file back beyond 64 MiB after a burst. `secure_delete` zeroes freed space, so that a
/// sealed case's former clear text (a misfiled case sealed later) is not left in free pages
/// (design note 006 §9.6).
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
     PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864; \
     PRAGMA secure_delete = ON;";

/// A subquery selecting the ids of cases with a searchable text matching every token, with the
/// query text bound at `placeholder`. Tokens are `[a-z0-9]+` words (see `hqdesk_domain::text`),
/// so quoting needs no escaping; `a|b` is a token of two forms, either of which matches. All
/// tokens must match within one text (AND), on both engines.
pub fn search_subquery(engine: Engine, placeholder: &str, tokens: &[&str]) -> (String, String) {
    match engine {
        Engine::Sqlite => (
            format!("SELECT case_id FROM case_search WHERE case_search MATCH {placeholder}"),
            tokens.iter().map(|t| either(t, "\"", " OR ")).collect::<Vec<_>>().join(" "),
        ),
        Engine::Postgres => (
            format!("SELECT case_id FROM case_search WHERE tsv @@ to_tsquery('simple'::regconfig, {placeholder})"),
            tokens.iter().map(|t| either(t, "'", " | ")).collect::<Vec<_>>().join(" & "),
        ),
    }
}

/// One token of a query, quoted with `quote`; a token `a|b` (either form) as `(a OR b)`.
fn either(token: &str, quote: &str, or: &str) -> String {
    let forms: Vec<String> = token
        .split('|')
        .map(|t| format!("{quote}{t}{quote}"))
        .collect();
    match forms.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", forms.join(or)),
    }
}

/// A condition that the search document aliased `alias` matches every token, with the query
/// text bound at `placeholder` (the text from [`search_subquery`]). For the queries that walk the
/// search documents themselves (newest first, capped counts) and join the case to each.
pub fn search_match(engine: Engine, alias: &str, placeholder: &str) -> String {
    match engine {
        Engine::Sqlite => format!("{alias}.tokens MATCH {placeholder}"),
        Engine::Postgres => {
            format!("{alias}.tsv @@ to_tsquery('simple'::regconfig, {placeholder})")
        }
    }
}

/// The key by which a search page walks the matching documents `s` newest first, and whether a
/// later page must skip cases placed on earlier ones. SQLite: the document's rowid (FTS5 walks its
/// index in descending rowid order and stops at the LIMIT; documents are appended as texts are
/// stored, so a case is placed by its most recently stored matching text, and may have older
/// matching documents below a cursor). PostgreSQL: the case id, through the btree on
/// `case_search(case_id)` walked backwards (newest case first; every document of a case shares
/// the key, so nothing needs skipping). A narrow query is planned from the GIN index instead.
pub fn latest_match_key(engine: Engine) -> (&'static str, bool) {
    match engine {
        Engine::Sqlite => ("s.rowid", true),
        Engine::Postgres => ("s.case_id", false),
    }
}

/// Whether a newest-first search (and its capped count) first walks a bounded window of the
/// newest documents before it asks the full-text index (see `cases::SearchWalk`). PostgreSQL
/// only: its planner underestimates multi-word matches (each word's share multiplied, where the
/// words of a phrase come together) and then fetches and sorts every match from the GIN index
/// instead of walking `case_search(case_id)` backwards. SQLite's FTS5 walks its index by rowid
/// already.
pub fn search_walks(engine: Engine) -> bool {
    engine == Engine::Postgres
}

/// Whether a search's statements stay prepared on the connection. SQLite: yes (its plans do not
/// depend on the parameters). PostgreSQL: no, each is sent unnamed and planned for its own
/// parameters. A prepared one may switch to a generic plan after five runs, which knows neither
/// the tokens nor the limits: it walks `case_search(case_id)` backwards whatever the query, 3.6 s
/// for one matching nothing at 300,000 cases.
pub fn search_prepared(engine: Engine) -> bool {
    engine != Engine::Postgres
}

/// The condition of [`search_match`] in a form no index can answer, so that the planner keeps
/// walking the documents in the order it was given (PostgreSQL: the function behind `@@`, which
/// it cannot turn into a GIN index condition). Only for the engines of [`search_walks`].
pub fn search_walk_match(engine: Engine, alias: &str, placeholder: &str) -> String {
    match engine {
        Engine::Sqlite => search_match(engine, alias, placeholder),
        Engine::Postgres => {
            format!("ts_match_vq({alias}.tsv, to_tsquery('simple'::regconfig, {placeholder}))")
        }
    }
}

/// A query answering, for the space-separated tokens bound at `$1`, one row per token: the share
/// of search documents holding it as the last `ANALYZE` sampled it (NULL when the token is not
/// among the most common ones), the smallest share that list holds (NULL without statistics),
/// and the planner's count of search documents. PostgreSQL keeps the shares of a `tsvector`
/// column's most common lexemes in `most_common_elem_freqs`, followed by the smallest and the
/// largest of them.
pub fn search_token_shares(engine: Engine) -> Option<&'static str> {
    match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(
            "SELECT CAST(st.f[array_position(st.e, t.tok)] AS DOUBLE PRECISION), \
             CAST(st.f[array_length(st.e, 1) + 1] AS DOUBLE PRECISION), \
             CAST((SELECT reltuples FROM pg_class WHERE oid = to_regclass('case_search')) \
                  AS DOUBLE PRECISION) \
             FROM unnest(string_to_array($1, ' ')) AS t(tok) \
             LEFT JOIN (SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f \
                   FROM pg_stats WHERE schemaname = current_schema() \
                   AND tablename = 'case_search' AND attname = 'tsv') st ON true",
        ),
    }
}

/// A search count's scope clauses, so that SQLite starts from the matching cases. Given
/// `c.confidential = 0`, SQLite (without statistics) walks the confidential flag's index over
/// every visible case and probes each against the matches: about 100 ms at a million cases even
/// when nothing matches. Written `+c.confidential = 0` the index is out of reach and SQLite looks
/// each matching case up by id (0.1 ms for no match, 34 ms instead of 250 ms for 3,000).
/// PostgreSQL plans from the GIN index already.
pub fn search_count_clauses(engine: Engine, clauses: &mut [String]) {
    if engine == Engine::Sqlite {
        for c in clauses.iter_mut() {
            if c.starts_with("c.confidential = 0") {
                c.insert(0, '+');
            }
        }
    }
}

/// Serialises appends to the audit chain. SQLite has one writer already; PostgreSQL takes a
/// transaction-scoped advisory lock so two transactions never link to the same head. The
/// triggers that maintain the case counts take the same lock (same key, in migration 0011) before
/// changing a counter row.
pub async fn lock_audit_chain(conn: &mut AnyConnection) -> Result<(), StoreError> {
    if Engine::of(conn) == Engine::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7286531001)")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Serialises work on one key (e.g. intake of one Message-ID arriving through two mailboxes at
/// once) until the transaction ends. SQLite's single writer already serialises.
pub async fn lock_key(conn: &mut AnyConnection, key: i64) -> Result<(), StoreError> {
    if Engine::of(conn) == Engine::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// `FOR UPDATE SKIP LOCKED` where the engine has it, so several nodes claim different jobs.
/// SQLite's single writer makes the claim atomic without it.
pub fn skip_locked(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "",
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
    }
}

/// Lock the selected row until the transaction ends. SQLite's single writer already serialises.
pub fn for_update(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "",
        Engine::Postgres => " FOR UPDATE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://hq:s3cret@db/hq"),
            "postgres://hq:***@db/hq"
        );
        assert_eq!(redact("sqlite://hqdesk.db"), "sqlite://hqdesk.db");
    }
}
