//! The shared directory of people and businesses who contact the service. Reporters of
//! confidential cases are never stored here (see `cases::insert_confidential_reporter`).
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

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
    fn kind(&self) -> &'static str {
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
    let email = r.email.clone().or_else(|| f.email.clone());
    let phone = r.phone.clone().or_else(|| f.phone.clone());
    let tax_code = r.tax_code.clone().or_else(|| f.tax_code.clone());
    let business_name = r.business_name.clone().or_else(|| f.business_name.clone());
    if (
        email.as_ref(),
        phone.as_ref(),
        tax_code.as_ref(),
        business_name.as_ref(),
    ) == (
        r.email.as_ref(),
        r.phone.as_ref(),
        r.tax_code.as_ref(),
        r.business_name.as_ref(),
    ) {
        return Ok(());
    }
    let kind = if tax_code.is_some() || business_name.is_some() {
        "business"
    } else {
        "person"
    };
    sqlx::query(
        "UPDATE requesters SET email = $1, phone = $2, tax_code = $3, business_name = $4, kind = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(email)
    .bind(phone)
    .bind(tax_code)
    .bind(business_name)
    .bind(kind)
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
    let n = sqlx::query(
        "UPDATE requesters SET kind = $1, name = $2, business_name = $3, email = $4, phone = $5, tax_code = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(f.kind())
    .bind(&f.name)
    .bind(&f.business_name)
    .bind(&f.email)
    .bind(&f.phone)
    .bind(&f.tax_code)
    .bind(now.millis())
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
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
