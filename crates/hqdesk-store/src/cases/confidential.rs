//! The reporter of a confidential case, stored apart from the case.
use sqlx::AnyConnection;

use crate::sealed::append;
use crate::sealed::places::{self, ReporterField};
use crate::secrets::lookup;
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

/// The lookup-hash domain of reporters' addresses (`email_lookup`).
pub const EMAIL_LOOKUP: &str = "reporter-email";
/// The context of `reply_to`, a sealed reporter's address sealed for the installation.
const REPLY_TO: &str = "confidential_reporters.reply_to";

/// Record the reporter of `case_id`. On a sealed case every field is sealed — to the case's
/// identity key when it has one (the identity vault: investigators cannot open it), else to its
/// append key — and the address is also kept as its lookup hash, so that mail threading can ask
/// "is the sender the reporter?" without a key, and sealed for the installation (`reply_to`), so
/// that the job sending an investigator's reply knows where to, without any person's key.
pub async fn insert_confidential_reporter(
    conn: &mut AnyConnection,
    case_id: i64,
    r: &ConfidentialReporter,
) -> Result<(), StoreError> {
    let seal = append::of_case(&mut *conn, case_id).await?;
    let field = |f: ReporterField, v: &Option<String>| -> Result<Option<String>, StoreError> {
        match (&seal, v.as_deref()) {
            (Some(seal), Some(text)) if !text.is_empty() && seal.identity_key().is_some() => {
                seal.seal_identity(&places::identity(case_id, f), text)
            }
            (Some(seal), _) => seal.seal_opt(&places::reporter(case_id, f), v.as_deref()),
            (None, _) => Ok(v.clone()),
        }
    };
    let email_lookup = match (&seal, &r.email) {
        (Some(_), Some(e)) if !e.is_empty() => {
            Some(lookup::lookup_hash(EMAIL_LOOKUP, &e.to_lowercase())?)
        }
        _ => None,
    };
    let reply_to = match (&seal, &r.email) {
        (Some(_), Some(e)) if !e.is_empty() => Some(crate::secrets::seal_value(REPLY_TO, e)?),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO confidential_reporters (case_id, anonymous, name, email, phone, tax_code, email_lookup, reply_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(case_id)
    .bind(i64::from(r.anonymous))
    .bind(field(ReporterField::Name, &r.name)?)
    .bind(field(ReporterField::Email, &r.email)?)
    .bind(field(ReporterField::Phone, &r.phone)?)
    .bind(field(ReporterField::TaxCode, &r.tax_code)?)
    .bind(email_lookup)
    .bind(reply_to)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `email` is the address of the sealed case `case_id`'s reporter, by its lookup hash
/// (no key needed: mail threading asks it for a reply the reporter sends).
pub async fn is_sealed_reporter_email(
    conn: &mut AnyConnection,
    case_id: i64,
    email: &str,
) -> Result<bool, StoreError> {
    let hashes = lookup::lookup_hashes(EMAIL_LOOKUP, &email.to_lowercase())?;
    let list = (2..2 + hashes.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT COUNT(*) FROM confidential_reporters WHERE case_id = $1 AND email_lookup IN ({list})"
    );
    let mut q = sqlx::query_scalar(&sql).bind(case_id);
    for h in &hashes {
        q = q.bind(h);
    }
    let n: i64 = q.fetch_one(conn).await?;
    Ok(n > 0)
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

/// Where a reply to the reporter of confidential case `case_id` goes: the installation-sealed
/// copy of their address on a sealed case, their address on a confidential case kept in clear;
/// `None` without a reporter or an address (an anonymous tip answers on its tracking page).
pub async fn reporter_reply_address(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<String>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT reply_to, email FROM confidential_reporters WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *conn)
            .await?;
    let sealed = crate::sealed::append::of_case(&mut *conn, case_id)
        .await?
        .is_some();
    Ok(match row {
        Some((Some(reply_to), _)) => Some(crate::secrets::open_value(REPLY_TO, &reply_to)?),
        // Sealed before reply_to existed: only the identity key opens the address.
        Some((None, _)) if sealed => None,
        Some((None, email)) => email.filter(|e| !e.is_empty()),
        None => None,
    })
}
