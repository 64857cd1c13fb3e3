//! Legal deadlines per case kind (migration 0026, `legal_rules`): what each legal clock counts
//! (JSON of `sla::Amount`) on which calendar, and how it may be extended.
use hqdesk_domain::case::CaseKind;
use hqdesk_domain::sla::{Amount, ClockKind};
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::calendars::{decode, encode};
use crate::StoreError;

/// One legal rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalRule {
    pub kind: CaseKind,
    pub clock: ClockKind,
    pub calendar: String,
    pub amount: Amount,
    /// What one extension adds; `None`: not extendable.
    pub extension: Option<Amount>,
    pub max_extensions: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    clock: String,
    calendar: String,
    amount: String,
    extension: Option<String>,
    max_extensions: i64,
}

impl Row {
    fn into_rule(self) -> Result<LegalRule, StoreError> {
        let what = format!("legal rule {} {}", self.kind, self.clock);
        let corrupt = |e: hqdesk_domain::InvalidValue| StoreError::Corrupt(format!("{what}: {e}"));
        Ok(LegalRule {
            kind: CaseKind::parse(&self.kind).map_err(corrupt)?,
            clock: ClockKind::parse(&self.clock).map_err(corrupt)?,
            amount: decode(&what, &self.amount)?,
            extension: self
                .extension
                .as_deref()
                .map(|e| decode(&what, e))
                .transpose()?,
            calendar: self.calendar,
            max_extensions: self.max_extensions,
        })
    }
}

const COLUMNS: &str = "kind, clock, calendar, amount, extension, max_extensions";

/// Every legal rule, by kind and clock.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<LegalRule>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM legal_rules ORDER BY kind, clock"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Row::into_rule).collect()
}

/// The rules of one case kind.
pub async fn for_kind(
    conn: &mut AnyConnection,
    kind: CaseKind,
) -> Result<Vec<LegalRule>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM legal_rules WHERE kind = $1 ORDER BY clock"
    ))
    .bind(kind.as_str())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Row::into_rule).collect()
}

/// Create or replace the rule of `rule.kind` and `rule.clock`.
pub async fn save(
    conn: &mut AnyConnection,
    rule: &LegalRule,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO legal_rules (kind, clock, calendar, amount, extension, max_extensions, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, clock) DO UPDATE SET \
         calendar = excluded.calendar, amount = excluded.amount, extension = excluded.extension, \
         max_extensions = excluded.max_extensions, updated_at = excluded.updated_at",
    )
    .bind(rule.kind.as_str())
    .bind(rule.clock.as_str())
    .bind(&rule.calendar)
    .bind(encode(&rule.amount)?)
    .bind(rule.extension.as_ref().map(encode).transpose()?)
    .bind(rule.max_extensions)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Delete a rule; false when there was none.
pub async fn delete(
    conn: &mut AnyConnection,
    kind: CaseKind,
    clock: ClockKind,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM legal_rules WHERE kind = $1 AND clock = $2")
        .bind(kind.as_str())
        .bind(clock.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
