use hqdesk_domain::case::{Branch, CaseKind};
use hqdesk_domain::category::DEFAULT_CATEGORIES;
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::{rows, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub parent_id: Option<i64>,
    pub name_vi: String,
    pub name_en: String,
    pub branch: Branch,
    pub kind: CaseKind,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    code: String,
    parent_id: Option<i64>,
    name_vi: String,
    name_en: String,
    branch: i64,
    kind: String,
    active: i64,
}

impl TryFrom<Raw> for Category {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(Category {
            id: r.id,
            code: r.code,
            parent_id: r.parent_id,
            name_vi: r.name_vi,
            name_en: r.name_en,
            branch: Branch::from_number(r.branch)?,
            kind: CaseKind::parse(&r.kind)?,
            active: r.active != 0,
        })
    }
}

const COLS: &str = "id, code, parent_id, name_vi, name_en, branch, kind, active";

/// Insert the default tree when the table is empty (first start). Administrators edit it after.
pub async fn seed_defaults(conn: &mut AnyConnection, now: Timestamp) -> Result<usize, StoreError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM categories")
        .fetch_one(&mut *conn)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    for c in DEFAULT_CATEGORIES {
        let parent_id = match c.parent {
            Some(p) => Some(by_code(conn, p).await?.id),
            None => None,
        };
        insert(
            conn, c.code, parent_id, c.name_vi, c.name_en, c.branch, c.kind, now,
        )
        .await?;
    }
    Ok(DEFAULT_CATEGORIES.len())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    code: &str,
    parent_id: Option<i64>,
    name_vi: &str,
    name_en: &str,
    branch: Branch,
    kind: CaseKind,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO categories (code, parent_id, name_vi, name_en, branch, kind, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
    )
    .bind(code)
    .bind(parent_id)
    .bind(name_vi)
    .bind(name_en)
    .bind(i64::from(branch.number()))
    .bind(kind.as_str())
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    name_vi: &str,
    name_en: &str,
    active: bool,
) -> Result<(), StoreError> {
    let write =
        sqlx::query("UPDATE categories SET name_vi = $1, name_en = $2, active = $3 WHERE id = $4")
            .bind(name_vi)
            .bind(name_en)
            .bind(i64::from(active))
            .bind(id);
    rows::execute_found(write, conn).await
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Category>, StoreError> {
    rows::all::<Raw, _>(
        conn,
        &format!("SELECT {COLS} FROM categories ORDER BY code"),
    )
    .await
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Category, StoreError> {
    rows::one::<Raw, _, _>(
        conn,
        &format!("SELECT {COLS} FROM categories WHERE id = $1"),
        id,
    )
    .await
}

pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Category, StoreError> {
    rows::one::<Raw, _, _>(
        conn,
        &format!("SELECT {COLS} FROM categories WHERE code = $1"),
        code,
    )
    .await
}
