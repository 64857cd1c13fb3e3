//! The shared directory of people and businesses who contact the service. Reporters of
//! confidential cases are never stored here (see `cases::insert_confidential_reporter`).
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use crate::{multirow, rows, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub id: i64,
    /// `person` or `business`.
    pub kind: String,
    pub name: String,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    kind: String,
    name: String,
    business_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    tax_code: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<Raw> for Requester {
    fn from(r: Raw) -> Self {
        Requester {
            id: r.id,
            kind: r.kind,
            name: r.name,
            business_name: r.business_name,
            email: r.email,
            phone: r.phone,
            tax_code: r.tax_code,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        }
    }
}

const COLS: &str = "id, kind, name, business_name, email, phone, tax_code, created_at, updated_at";

/// Identifiers already normalised by the domain (e-mail, E.164 phone, canonical tax code).
#[derive(Debug, Clone, Default)]
pub struct RequesterFields {
    pub name: String,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
}

impl RequesterFields {
    /// `business` when a tax code or business name is known, else `person`.
    pub fn kind(&self) -> &'static str {
        if self.tax_code.is_some() || self.business_name.is_some() {
            "business"
        } else {
            "person"
        }
    }
}

/// The requester known by one of these identifiers, strongest first: tax code, e-mail, phone.
pub async fn find_match(
    conn: &mut AnyConnection,
    f: &RequesterFields,
) -> Result<Option<Requester>, StoreError> {
    for (col, val) in [
        ("tax_code", &f.tax_code),
        ("email", &f.email),
        ("phone", &f.phone),
    ] {
        if let Some(v) = val {
            let r: Option<Raw> = sqlx::query_as(&format!(
                "SELECT {COLS} FROM requesters WHERE {col} = $1 ORDER BY id LIMIT 1"
            ))
            .bind(v)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(r) = r {
                return Ok(Some(r.into()));
            }
        }
    }
    Ok(None)
}

/// Every requester known by one of the identifiers of `wanted` (group commit: one query for a
/// batch, then [`best_match`] per requester gives what [`find_match`] would have).
pub async fn candidates(
    conn: &mut AnyConnection,
    wanted: &[&RequesterFields],
) -> Result<Vec<Requester>, StoreError> {
    let mut found: Vec<Requester> = Vec::new();
    for (col, values) in [
        (
            "tax_code",
            wanted
                .iter()
                .filter_map(|f| f.tax_code.as_deref())
                .collect::<Vec<_>>(),
        ),
        (
            "email",
            wanted.iter().filter_map(|f| f.email.as_deref()).collect(),
        ),
        (
            "phone",
            wanted.iter().filter_map(|f| f.phone.as_deref()).collect(),
        ),
    ] {
        let mut start = 0;
        for size in multirow::chunk_sizes(values.len(), 1) {
            let sql = format!(
                "SELECT {COLS} FROM requesters WHERE {col} IN ({})",
                multirow::list(size)
            );
            let mut q = sqlx::query_as::<_, Raw>(&sql);
            for v in &values[start..start + size] {
                q = q.bind(*v);
            }
            start += size;
            for r in q.fetch_all(&mut *conn).await? {
                if !found.iter().any(|f| f.id == r.id) {
                    found.push(r.into());
                }
            }
        }
    }
    Ok(found)
}

/// What [`find_match`] picks among `known`: the oldest requester with the same tax code, else
/// e-mail, else phone.
pub fn best_match<'a>(known: &'a [Requester], f: &RequesterFields) -> Option<&'a Requester> {
    let by = |pick: fn(&Requester) -> Option<&String>, v: &Option<String>| {
        v.as_ref().and_then(|v| {
            known
                .iter()
                .filter(|r| pick(r) == Some(v))
                .min_by_key(|r| r.id)
        })
    };
    by(|r| r.tax_code.as_ref(), &f.tax_code)
        .or_else(|| by(|r| r.email.as_ref(), &f.email))
        .or_else(|| by(|r| r.phone.as_ref(), &f.phone))
}

/// The identifiers `complete` would give `r` from `f`, or `None` when nothing changes.
pub fn completed(r: &Requester, f: &RequesterFields) -> Option<Requester> {
    let mut c = r.clone();
    c.email = r.email.clone().or_else(|| f.email.clone());
    c.phone = r.phone.clone().or_else(|| f.phone.clone());
    c.tax_code = r.tax_code.clone().or_else(|| f.tax_code.clone());
    c.business_name = r.business_name.clone().or_else(|| f.business_name.clone());
    if (&c.email, &c.phone, &c.tax_code, &c.business_name)
        == (&r.email, &r.phone, &r.tax_code, &r.business_name)
    {
        return None;
    }
    c.kind = if c.tax_code.is_some() || c.business_name.is_some() {
        "business".into()
    } else {
        "person".into()
    };
    Some(c)
}

/// Insert several requesters (group commit); ids in the order of `new`.
pub async fn insert_many(
    conn: &mut AnyConnection,
    new: &[RequesterFields],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    const NCOLS: usize = 8;
    let mut ids = Vec::with_capacity(new.len());
    let mut start = 0;
    for size in multirow::chunk_sizes(new.len(), NCOLS) {
        let mut args = AnyArguments::default();
        for f in &new[start..start + size] {
            multirow::add(&mut args, f.kind())?;
            multirow::add(&mut args, f.name.clone())?;
            multirow::add(&mut args, f.business_name.clone())?;
            multirow::add(&mut args, f.email.clone())?;
            multirow::add(&mut args, f.phone.clone())?;
            multirow::add(&mut args, f.tax_code.clone())?;
            multirow::add(&mut args, now.millis())?;
            multirow::add(&mut args, now.millis())?;
        }
        start += size;
        let sql = format!(
            "INSERT INTO requesters (kind, name, business_name, email, phone, tax_code, created_at, updated_at) \
             VALUES {} RETURNING id",
            multirow::values(size, NCOLS)
        );
        let mut returned: Vec<i64> = sqlx::query_scalar_with(&sql, args)
            .fetch_all(&mut *conn)
            .await?;
        // Both engines take the rows of a VALUES list in order and give each the next id (SQLite:
        // max(rowid)+1; PostgreSQL: nextval per row), so ascending ids follow the list's order.
        // RETURNING itself promises no order.
        returned.sort_unstable();
        if returned.len() != size {
            return Err(StoreError::Corrupt(
                "insert_many: requesters not returned".into(),
            ));
        }
        ids.extend(returned);
    }
    Ok(ids)
}

pub async fn insert(
    conn: &mut AnyConnection,
    f: &RequesterFields,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO requesters (kind, name, business_name, email, phone, tax_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(f.kind())
    .bind(&f.name)
    .bind(&f.business_name)
    .bind(&f.email)
    .bind(&f.phone)
    .bind(&f.tax_code)
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Fill identifiers the directory did not know yet; never overwrite a known one silently.
pub async fn complete(
    conn: &mut AnyConnection,
    r: &Requester,
    f: &RequesterFields,
    now: Timestamp,
) -> Result<(), StoreError> {
    match completed(r, f) {
        Some(c) => save_identifiers(conn, &c, now).await,
        None => Ok(()),
    }
}

/// Store `r`'s identifiers, business name and kind (as [`completed`] gave them).
pub async fn save_identifiers(
    conn: &mut AnyConnection,
    r: &Requester,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE requesters SET email = $1, phone = $2, tax_code = $3, business_name = $4, kind = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&r.email)
    .bind(&r.phone)
    .bind(&r.tax_code)
    .bind(&r.business_name)
    .bind(&r.kind)
    .bind(now.millis())
    .bind(r.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    f: &RequesterFields,
    now: Timestamp,
) -> Result<(), StoreError> {
    let write = sqlx::query(
        "UPDATE requesters SET kind = $1, name = $2, business_name = $3, email = $4, phone = $5, tax_code = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(f.kind())
    .bind(&f.name)
    .bind(&f.business_name)
    .bind(&f.email)
    .bind(&f.phone)
    .bind(&f.tax_code)
    .bind(now.millis())
    .bind(id);
    rows::execute_found(write, conn).await
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Requester, StoreError> {
    let r: Raw = sqlx::query_as(&format!("SELECT {COLS} FROM requesters WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(r.into())
}

/// Requesters by exact identifier or by folded name prefix, newest first, keyset-paginated by id.
pub async fn list(
    conn: &mut AnyConnection,
    identifier: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Requester>, StoreError> {
    let rows: Vec<Raw> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM requesters WHERE ($1 IS NULL OR email = $1 OR phone = $1 OR tax_code = $1) \
         AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    ))
    .bind(identifier)
    .bind(before_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Requester::from).collect())
}
