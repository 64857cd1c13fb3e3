//! The reporter of a confidential case, stored apart from the case.
use sqlx::AnyConnection;

use crate::StoreError;

/// The identity of a confidential case's reporter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfidentialReporter {
    pub anonymous: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
}

pub async fn insert_confidential_reporter(
    conn: &mut AnyConnection,
    case_id: i64,
    r: &ConfidentialReporter,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO confidential_reporters (case_id, anonymous, name, email, phone, tax_code) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case_id)
    .bind(i64::from(r.anonymous))
    .bind(&r.name)
    .bind(&r.email)
    .bind(&r.phone)
    .bind(&r.tax_code)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn confidential_reporter(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<ConfidentialReporter>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        anonymous: i64,
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        tax_code: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT anonymous, name, email, phone, tax_code FROM confidential_reporters WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| ConfidentialReporter {
        anonymous: r.anonymous != 0,
        name: r.name,
        email: r.email,
        phone: r.phone,
        tax_code: r.tax_code,
    }))
}
