//! Service-level policies (migration 0026): conditions and ladder as JSON of the domain's types.
use hqdesk_domain::sla::{Policy, Targets};
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::calendars::{decode, encode};
use crate::StoreError;

#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: i64,
    name: String,
    position: i64,
    enabled: i64,
    conditions: String,
    calendar: String,
    first_response_minutes: Option<i64>,
    next_response_minutes: Option<i64>,
    resolution_minutes: Option<i64>,
    pause_while_waiting: i64,
    ladder: String,
}

impl PolicyRow {
    fn into_policy(self) -> Result<Policy, StoreError> {
        let what = format!("policy {}", self.id);
        Ok(Policy {
            id: self.id,
            conditions: decode(&what, &self.conditions)?,
            ladder: decode(&what, &self.ladder)?,
            name: self.name,
            position: self.position,
            enabled: self.enabled != 0,
            calendar: self.calendar,
            targets: Targets {
                first_response_minutes: self.first_response_minutes,
                next_response_minutes: self.next_response_minutes,
                resolution_minutes: self.resolution_minutes,
            },
            pause_while_waiting: self.pause_while_waiting != 0,
        })
    }
}

const COLUMNS: &str = "id, name, position, enabled, conditions, calendar, first_response_minutes, \
    next_response_minutes, resolution_minutes, pause_while_waiting, ladder";

/// Every policy, in the order they are tried (position, then id).
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Policy>, StoreError> {
    let rows: Vec<PolicyRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sla_policies ORDER BY position, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(PolicyRow::into_policy).collect()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Policy>, StoreError> {
    let row: Option<PolicyRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM sla_policies WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(PolicyRow::into_policy).transpose()
}

/// Insert a policy (its `id` is ignored); returns the new id. A taken name is a `Conflict`.
pub async fn insert(
    conn: &mut AnyConnection,
    p: &Policy,
    now: Timestamp,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO sla_policies (name, position, enabled, conditions, calendar, \
         first_response_minutes, next_response_minutes, resolution_minutes, pause_while_waiting, \
         ladder, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(&p.name)
    .bind(p.position)
    .bind(i64::from(p.enabled))
    .bind(encode(&p.conditions)?)
    .bind(&p.calendar)
    .bind(p.targets.first_response_minutes)
    .bind(p.targets.next_response_minutes)
    .bind(p.targets.resolution_minutes)
    .bind(i64::from(p.pause_while_waiting))
    .bind(encode(&p.ladder)?)
    .bind(now.millis())
    .fetch_one(conn)
    .await?)
}

/// Replace policy `p.id`; false when there is none.
pub async fn update(
    conn: &mut AnyConnection,
    p: &Policy,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE sla_policies SET name = $1, position = $2, enabled = $3, conditions = $4, \
         calendar = $5, first_response_minutes = $6, next_response_minutes = $7, \
         resolution_minutes = $8, pause_while_waiting = $9, ladder = $10, updated_at = $11 \
         WHERE id = $12",
    )
    .bind(&p.name)
    .bind(p.position)
    .bind(i64::from(p.enabled))
    .bind(encode(&p.conditions)?)
    .bind(&p.calendar)
    .bind(p.targets.first_response_minutes)
    .bind(p.targets.next_response_minutes)
    .bind(p.targets.resolution_minutes)
    .bind(i64::from(p.pause_while_waiting))
    .bind(encode(&p.ladder)?)
    .bind(now.millis())
    .bind(p.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Delete a policy; the clocks it started keep running on their own values. False when none.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    sqlx::query("UPDATE case_clocks SET policy_id = NULL WHERE policy_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM sla_policies WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
