use hqdesk_domain::user::Role;
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::{rows, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub locale: String,
    /// Where notifications are mailed; none: the console only.
    pub email: Option<String>,
    pub active: bool,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    unit_id: Option<i64>,
    locale: String,
    email: Option<String>,
    active: i64,
    created_at: i64,
}

impl TryFrom<Raw> for User {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: Role::parse(&r.role)?,
            unit_id: r.unit_id,
            locale: r.locale,
            email: r.email,
            active: r.active != 0,
            created_at: Timestamp(r.created_at),
        })
    }
}

const COLS: &str = "id, username, display_name, role, unit_id, locale, email, active, created_at";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub email: Option<&'a str>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    u: &NewUser<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, unit_id, password_hash, email, locale, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'vi', 1, $7) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.role.as_str())
    .bind(u.unit_id)
    .bind(u.password_hash)
    .bind(u.email)
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// The fields an administrator changes on an account.
pub struct UserChanges<'a> {
    pub display_name: &'a str,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub email: Option<&'a str>,
    pub active: bool,
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    c: &UserChanges<'_>,
) -> Result<(), StoreError> {
    let write = sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, unit_id = $3, email = $4, active = $5 \
         WHERE id = $6",
    )
    .bind(c.display_name)
    .bind(c.role.as_str())
    .bind(c.unit_id)
    .bind(c.email)
    .bind(i64::from(c.active))
    .bind(id);
    rows::execute_found(write, conn).await
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<User, StoreError> {
    rows::one::<Raw, _, _>(conn, &format!("SELECT {COLS} FROM users WHERE id = $1"), id).await
}

/// Whose request this is: a bearer token's owner or a signed-in user.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// SHA-256 (hex) of an API token that is neither revoked nor expired at `now`.
    TokenHash {
        hash: &'a str,
        now: Timestamp,
    },
    UserId(i64),
}

#[derive(sqlx::FromRow)]
struct WithScope {
    #[sqlx(flatten)]
    user: Raw,
    scope_unit: Option<i64>,
}

/// An active user and the units they answer for (their unit and every unit below it), in one
/// statement: authentication runs on every request.
pub async fn active_with_unit_scope(
    conn: &mut AnyConnection,
    who: Who<'_>,
) -> Result<Option<(User, Vec<i64>)>, StoreError> {
    let me = match who {
        Who::TokenHash { .. } => {
            "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
             AND u.active = 1"
        }
        Who::UserId(_) => "SELECT u.* FROM users u WHERE u.id = $1 AND u.active = 1",
    };
    let sql = format!(
        "WITH RECURSIVE me AS ({me}), \
         scope(unit) AS (SELECT unit_id FROM me WHERE unit_id IS NOT NULL \
           UNION SELECT un.id FROM units un JOIN scope s ON un.parent_id = s.unit) \
         SELECT {COLS}, scope.unit AS scope_unit FROM me LEFT JOIN scope ON 1 = 1"
    );
    let q = sqlx::query_as::<_, WithScope>(&sql);
    let q = match who {
        Who::TokenHash { hash, now } => q.bind(hash).bind(now.millis()),
        Who::UserId(id) => q.bind(id),
    };
    let rows = q.fetch_all(conn).await?;
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else {
        return Ok(None);
    };
    let mut scope: Vec<i64> = first.scope_unit.into_iter().collect();
    scope.extend(rows.filter_map(|r| r.scope_unit));
    Ok(Some((first.user.try_into()?, scope)))
}

pub async fn by_username(conn: &mut AnyConnection, username: &str) -> Result<User, StoreError> {
    rows::one::<Raw, _, _>(
        conn,
        &format!("SELECT {COLS} FROM users WHERE username = $1"),
        username,
    )
    .await
}

pub async fn password_hash(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<User>, StoreError> {
    rows::all::<Raw, _>(conn, &format!("SELECT {COLS} FROM users ORDER BY username")).await
}

pub async fn set_locale(conn: &mut AnyConnection, id: i64, locale: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
