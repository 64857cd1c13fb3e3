//! The knowledge base: articles, their search index and how often they solved a question.
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

/// What says whether the knowledge base changed: how many articles there are and the latest
/// change (the services rebuild their suggestion index when it moves).
pub async fn articles_fingerprint(conn: &mut AnyConnection) -> Result<(i64, i64), StoreError> {
    Ok(
        sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM kb_articles")
            .fetch_one(conn)
            .await?,
    )
}

/// Every published article (public and internal), for the suggestion index.
pub async fn published_articles(conn: &mut AnyConnection) -> Result<Vec<Article>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ART} FROM kb_articles WHERE status = 'published' ORDER BY slug"
    ))
    .fetch_all(conn)
    .await?)
}

/// Record that the article of a case's acknowledgement solved it: true the first time, false
/// when the case already has its row (a second click changes nothing).
pub async fn record_deflection(
    conn: &mut AnyConnection,
    case_id: i64,
    slug: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO kb_deflections (case_id, article_slug, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(slug)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The article a case's requester said solved it, if they did.
pub async fn deflection_of(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT article_slug FROM kb_deflections WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(conn)
            .await?,
    )
}
