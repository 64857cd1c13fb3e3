//! Knowledge base, procedures catalogue, tracking links, ratings and rate limits.
use hqdesk_domain::{text, Timestamp};
use sqlx::AnyConnection;

use crate::dialect::Engine;
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Article {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub visibility: String,
    pub status: String,
    pub related: String,
    pub solved: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const ART: &str =
    "id, slug, title, body, category, visibility, status, related, solved, created_at, updated_at";

#[derive(Debug, Clone)]
pub struct ArticleFields<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub category: Option<&'a str>,
    pub visibility: &'a str,
    pub status: &'a str,
    pub related: &'a str,
}

async fn index_article(
    conn: &mut AnyConnection,
    id: i64,
    f: &ArticleFields<'_>,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kb_search WHERE article_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let tokens = text::search_tokens(&format!(
        "{} {} {}",
        f.title,
        f.slug.replace('-', " "),
        f.body
    ));
    sqlx::query("INSERT INTO kb_search (tokens, article_id) VALUES ($1, $2)")
        .bind(tokens)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Insert or replace the article with this slug (import is idempotent).
pub async fn upsert_article(
    conn: &mut AnyConnection,
    f: &ArticleFields<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM kb_articles WHERE slug = $1")
        .bind(f.slug)
        .fetch_optional(&mut *conn)
        .await?;
    let id = match existing {
        Some(id) => {
            sqlx::query("UPDATE kb_articles SET title = $1, body = $2, category = $3, visibility = $4, status = $5, related = $6, updated_at = $7 WHERE id = $8")
                .bind(f.title)
                .bind(f.body)
                .bind(f.category)
                .bind(f.visibility)
                .bind(f.status)
                .bind(f.related)
                .bind(now.millis())
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
        None => sqlx::query_scalar("INSERT INTO kb_articles (slug, title, body, category, visibility, status, related, solved, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) RETURNING id")
            .bind(f.slug)
            .bind(f.title)
            .bind(f.body)
            .bind(f.category)
            .bind(f.visibility)
            .bind(f.status)
            .bind(f.related)
            .bind(now.millis())
            .fetch_one(&mut *conn)
            .await?,
    };
    index_article(conn, id, f).await?;
    Ok(id)
}

pub async fn article_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Article, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {ART} FROM kb_articles WHERE slug = $1"))
            .bind(slug)
            .fetch_one(conn)
            .await?,
    )
}

/// Articles matching every folded token (or all when there are none), most helpful first.
pub async fn search_articles(
    conn: &mut AnyConnection,
    tokens: &[&str],
    public_only: bool,
    limit: i64,
) -> Result<Vec<Article>, StoreError> {
    let engine = Engine::of(conn);
    let vis = if public_only {
        " AND a.visibility = 'public' AND a.status = 'published'"
    } else {
        ""
    };
    if tokens.is_empty() {
        return Ok(sqlx::query_as(&format!("SELECT {ART} FROM kb_articles a WHERE 1 = 1{vis} ORDER BY a.solved DESC, a.title LIMIT $1"))
            .bind(limit)
            .fetch_all(conn)
            .await?);
    }
    let (cond, query) = match engine {
        Engine::Sqlite => (
            "kb_search MATCH $1",
            tokens
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Engine::Postgres => (
            "tsv @@ to_tsquery('simple'::regconfig, $1)",
            tokens
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(" & "),
        ),
    };
    let cols = ART
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(sqlx::query_as(&format!("SELECT {cols} FROM kb_articles a WHERE a.id IN (SELECT article_id FROM kb_search WHERE {cond}){vis} ORDER BY a.solved DESC, a.title LIMIT $2"))
        .bind(query)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

pub async fn count_solved(conn: &mut AnyConnection, slug: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE kb_articles SET solved = solved + 1 WHERE slug = $1")
        .bind(slug)
        .execute(conn)
        .await?;
    Ok(())
}

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
}

const PROC: &str =
    "id, code, title, legal_basis, steps, documents, time_limit, fees, unit, updated_at";

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

pub async fn set_tracking(
    conn: &mut AnyConnection,
    case_id: i64,
    token_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tracking_tokens (case_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(case_id)
    .bind(token_hash)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn case_for_tracking(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT case_id FROM tracking_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(conn)
            .await?,
    )
}

/// Record a rating; false if the case was already rated.
pub async fn rate(
    conn: &mut AnyConnection,
    case_id: i64,
    score: i64,
    comment: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(sqlx::query("INSERT INTO ratings (case_id, score, comment, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING")
        .bind(case_id)
        .bind(score)
        .bind(comment)
        .bind(now.millis())
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn rating(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<(i64, Option<String>, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT score, comment, created_at FROM ratings WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Count a hit in a fixed window; returns the hits in the window including this one.
pub async fn hit(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1")
        .bind(bucket)
        .bind(window_start)
        .execute(&mut *conn)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_one(conn)
            .await?,
    )
}

/// The hits counted in a window so far (counts nothing).
pub async fn hits(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(conn)
            .await?
            .unwrap_or(0),
    )
}

/// Drop rate-limit windows that ended before `before` (they no longer limit anything).
pub async fn forget_windows_before(
    conn: &mut AnyConnection,
    before: i64,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
