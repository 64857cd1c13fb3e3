//! Working calendars (migration 0026): weekly hours and per-year edits as JSON of the domain's
//! types. The holidays are computed by the domain from these, never stored.
use std::collections::BTreeMap;

use hqdesk_domain::calendar::{Calendar, WeeklyHours, YearRules, TIME_ZONE};
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

#[derive(sqlx::FromRow)]
struct CalendarRow {
    name: String,
    weekly_hours: String,
    public_holidays: i64,
    builtin: i64,
}

/// A calendar as stored, with whether it is built in (`24x7`, `office`: never deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCalendar {
    pub calendar: Calendar,
    pub builtin: bool,
}

fn json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

async fn years_of(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<BTreeMap<i32, YearRules>, StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT year, rules FROM calendar_years WHERE calendar = $1 ORDER BY year")
            .bind(name)
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(year, rules)| {
            let year = i32::try_from(year)
                .map_err(|_| StoreError::Corrupt(format!("calendar {name}: year {year}")))?;
            Ok((year, json(&format!("calendar {name} year {year}"), &rules)?))
        })
        .collect()
}

async fn complete(
    conn: &mut AnyConnection,
    row: CalendarRow,
) -> Result<StoredCalendar, StoreError> {
    let weekly: WeeklyHours = json(&format!("calendar {} hours", row.name), &row.weekly_hours)?;
    let years = years_of(conn, &row.name).await?;
    Ok(StoredCalendar {
        calendar: Calendar {
            name: row.name,
            time_zone: TIME_ZONE.to_string(),
            weekly,
            public_holidays: row.public_holidays != 0,
            years,
        },
        builtin: row.builtin != 0,
    })
}

/// Every calendar with its years, by name.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<StoredCalendar>, StoreError> {
    let rows: Vec<CalendarRow> = sqlx::query_as(
        "SELECT name, weekly_hours, public_holidays, builtin FROM calendars ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(complete(conn, row).await?);
    }
    Ok(out)
}

/// One calendar with its years, or `None`.
pub async fn get(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<StoredCalendar>, StoreError> {
    let row: Option<CalendarRow> = sqlx::query_as(
        "SELECT name, weekly_hours, public_holidays, builtin FROM calendars WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(complete(conn, row).await?)),
        None => Ok(None),
    }
}

/// Create a calendar or replace its weekly hours and holiday setting (its years are kept).
pub async fn save(
    conn: &mut AnyConnection,
    name: &str,
    weekly: &WeeklyHours,
    public_holidays: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendars (name, weekly_hours, public_holidays, builtin, updated_at) \
         VALUES ($1, $2, $3, 0, $4) ON CONFLICT (name) DO UPDATE SET \
         weekly_hours = excluded.weekly_hours, public_holidays = excluded.public_holidays, \
         updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(to_json(weekly)?)
    .bind(i64::from(public_holidays))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Set one year's edits (replacing what was there); default rules delete the row.
pub async fn save_year(
    conn: &mut AnyConnection,
    name: &str,
    year: i32,
    rules: &YearRules,
    now: Timestamp,
) -> Result<(), StoreError> {
    if *rules == YearRules::default() {
        sqlx::query("DELETE FROM calendar_years WHERE calendar = $1 AND year = $2")
            .bind(name)
            .bind(i64::from(year))
            .execute(conn)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO calendar_years (calendar, year, rules, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (calendar, year) DO UPDATE SET rules = excluded.rules, \
         updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(i64::from(year))
    .bind(to_json(rules)?)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Delete a calendar that is neither built in nor used by a policy, a legal rule or a clock.
/// False when there is no such deletable calendar.
pub async fn delete(conn: &mut AnyConnection, name: &str) -> Result<bool, StoreError> {
    let used: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM sla_policies WHERE calendar = $1) \
         + (SELECT COUNT(*) FROM legal_rules WHERE calendar = $1) \
         + (SELECT COUNT(*) FROM case_clocks WHERE calendar = $1)",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    if used > 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM calendar_years WHERE calendar = $1")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM calendars WHERE name = $1 AND builtin = 0")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    json(what, s)
}

pub(crate) fn encode<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    to_json(v)
}
