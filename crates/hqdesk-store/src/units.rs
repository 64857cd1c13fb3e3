use hqdesk_domain::unit::UnitLevel;
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::{rows, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub parent_id: Option<i64>,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    code: String,
    name: String,
    level: String,
    parent_id: Option<i64>,
    created_at: i64,
}

impl TryFrom<Raw> for Unit {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(Unit {
            id: r.id,
            code: r.code,
            name: r.name,
            level: UnitLevel::parse(&r.level)?,
            parent_id: r.parent_id,
            created_at: Timestamp(r.created_at),
        })
    }
}

const COLS: &str = "id, code, name, level, parent_id, created_at";

pub async fn insert(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    level: UnitLevel,
    parent_id: Option<i64>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (code, name, level, parent_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(level.as_str())
    .bind(parent_id)
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    level: UnitLevel,
    parent_id: Option<i64>,
) -> Result<(), StoreError> {
    let write = sqlx::query("UPDATE units SET name = $1, level = $2, parent_id = $3 WHERE id = $4")
        .bind(name)
        .bind(level.as_str())
        .bind(parent_id)
        .bind(id);
    rows::execute_found(write, conn).await
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Unit>, StoreError> {
    rows::all::<Raw, _>(conn, &format!("SELECT {COLS} FROM units ORDER BY code")).await
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Unit, StoreError> {
    rows::one::<Raw, _, _>(conn, &format!("SELECT {COLS} FROM units WHERE id = $1"), id).await
}

pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Unit, StoreError> {
    rows::one::<Raw, _, _>(
        conn,
        &format!("SELECT {COLS} FROM units WHERE code = $1"),
        code,
    )
    .await
}

/// The unit and every unit below it.
pub async fn subtree(conn: &mut AnyConnection, root: i64) -> Result<Vec<i64>, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "WITH RECURSIVE t(id) AS (SELECT id FROM units WHERE id = $1 \
         UNION SELECT u.id FROM units u JOIN t ON u.parent_id = t.id) SELECT id FROM t",
    )
    .bind(root)
    .fetch_all(conn)
    .await?;
    Ok(ids)
}

/// The unit and every unit above it, nearest first (to refuse cycles when moving a unit).
pub async fn ancestors(conn: &mut AnyConnection, id: i64) -> Result<Vec<i64>, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "WITH RECURSIVE t(id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM units WHERE id = $1 \
         UNION ALL SELECT u.id, u.parent_id, t.depth + 1 FROM units u JOIN t ON u.id = t.parent_id WHERE t.depth < 64) \
         SELECT id FROM t ORDER BY depth",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(ids)
}
