//! The legal deadlines' rules (migration 0026, table `legal_rules`) as the console's editor reads
//! and changes them: read every rule, update one rule's amount, extension and maximum number of
//! extensions. Rules are not created or deleted here (the rows come with the migration).
//!
//! Written by the `admin` part of issue 17 while the `clocks` part's `legal_rules.rs` was not on
//! main yet; the two are meant to be merged into one module.
use hqdesk_domain::sla::{Amount, ClockKind};
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::calendars::{decode, encode};
use crate::StoreError;

/// One rule: the `clock` of cases of `kind` counts `amount` on `calendar`, extendable
/// `max_extensions` times by `extension`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalRule {
    /// The case kind (`denunciation` …), as stored.
    pub kind: String,
    pub clock: ClockKind,
    pub calendar: String,
    pub amount: Amount,
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
        Ok(LegalRule {
            clock: ClockKind::parse(&self.clock)
                .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?,
            amount: decode(&what, &self.amount)?,
            extension: self
                .extension
                .as_deref()
                .map(|e| decode(&what, e))
                .transpose()?,
            kind: self.kind,
            calendar: self.calendar,
            max_extensions: self.max_extensions,
        })
    }
}

/// Every rule, by kind and clock.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<LegalRule>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT kind, clock, calendar, amount, extension, max_extensions FROM legal_rules \
         ORDER BY kind, clock",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Row::into_rule).collect()
}

/// Replace the calendar, amount, extension and maximum of the rule (`kind`, `clock`); false
/// when there is no such rule.
pub async fn update(
    conn: &mut AnyConnection,
    rule: &LegalRule,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let extension = rule.extension.as_ref().map(encode).transpose()?;
    let done = sqlx::query(
        "UPDATE legal_rules SET calendar = $1, amount = $2, extension = $3, \
         max_extensions = $4, updated_at = $5 WHERE kind = $6 AND clock = $7",
    )
    .bind(&rule.calendar)
    .bind(encode(&rule.amount)?)
    .bind(extension)
    .bind(rule.max_extensions)
    .bind(now.millis())
    .bind(&rule.kind)
    .bind(rule.clock.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
