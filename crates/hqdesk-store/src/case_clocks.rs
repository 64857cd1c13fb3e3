//! A case's clocks (migration 0026, `case_clocks`): service levels from its policy and legal
//! deadlines from the legal rules, each with its start, amount, calendar and pauses. `due_at`
//! and `next_step_at` are derived by the services (the domain's `sla::clock`) and stored so the
//! queues and timers can use them; the services rewrite a case's clocks as a whole.
use hqdesk_domain::sla::{Amount, ClockKind, Pause};
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use crate::calendars::{decode, encode};
use crate::{multirow, StoreError};

/// One clock of a case, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClock {
    pub case_id: i64,
    pub kind: ClockKind,
    /// The policy that started it (service levels); `None` for a legal deadline.
    pub policy_id: Option<i64>,
    pub calendar: String,
    pub amount: Amount,
    pub started_at: Timestamp,
    pub pauses: Vec<Pause>,
    /// Why it is paused now (an i18n key of the services); `None` when running.
    pub pause_reason: Option<String>,
    pub due_at: Option<Timestamp>,
    pub met_at: Option<Timestamp>,
    pub extensions: i64,
    pub next_step_at: Option<Timestamp>,
}

impl CaseClock {
    /// Whether a pause lasts now.
    pub fn paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.to.is_none())
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    case_id: i64,
    clock: String,
    policy_id: Option<i64>,
    calendar: String,
    amount: String,
    started_at: i64,
    pauses: String,
    pause_reason: Option<String>,
    due_at: Option<i64>,
    met_at: Option<i64>,
    extensions: i64,
    next_step_at: Option<i64>,
}

impl Row {
    fn into_clock(self) -> Result<CaseClock, StoreError> {
        let what = format!("case {} clock {}", self.case_id, self.clock);
        Ok(CaseClock {
            case_id: self.case_id,
            kind: ClockKind::parse(&self.clock)
                .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?,
            policy_id: self.policy_id,
            amount: decode(&what, &self.amount)?,
            pauses: decode(&what, &self.pauses)?,
            calendar: self.calendar,
            started_at: Timestamp::from_millis(self.started_at),
            pause_reason: self.pause_reason,
            due_at: self.due_at.map(Timestamp::from_millis),
            met_at: self.met_at.map(Timestamp::from_millis),
            extensions: self.extensions,
            next_step_at: self.next_step_at.map(Timestamp::from_millis),
        })
    }
}

const COLUMNS: &str = "case_id, clock, policy_id, calendar, amount, started_at, pauses, \
    pause_reason, due_at, met_at, extensions, next_step_at";
const COLS: usize = 12;

fn bind(args: &mut AnyArguments<'_>, c: &CaseClock) -> Result<(), StoreError> {
    multirow::add(args, c.case_id)?;
    multirow::add(args, c.kind.as_str())?;
    multirow::add(args, c.policy_id)?;
    multirow::add(args, c.calendar.clone())?;
    multirow::add(args, encode(&c.amount)?)?;
    multirow::add(args, c.started_at.millis())?;
    multirow::add(args, encode(&c.pauses)?)?;
    multirow::add(args, c.pause_reason.clone())?;
    multirow::add(args, c.due_at.map(Timestamp::millis))?;
    multirow::add(args, c.met_at.map(Timestamp::millis))?;
    multirow::add(args, c.extensions)?;
    multirow::add(args, c.next_step_at.map(Timestamp::millis))?;
    Ok(())
}

/// Insert or replace clocks (by case and kind), a few statements for many rows.
pub async fn upsert_many(conn: &mut AnyConnection, clocks: &[CaseClock]) -> Result<(), StoreError> {
    let mut start = 0;
    for size in multirow::chunk_sizes(clocks.len(), COLS) {
        let rows = &clocks[start..start + size];
        let mut args = AnyArguments::default();
        for c in rows {
            bind(&mut args, c)?;
        }
        let sql = format!(
            "INSERT INTO case_clocks ({COLUMNS}) VALUES {} ON CONFLICT (case_id, clock) DO UPDATE \
             SET policy_id = excluded.policy_id, calendar = excluded.calendar, \
             amount = excluded.amount, started_at = excluded.started_at, \
             pauses = excluded.pauses, pause_reason = excluded.pause_reason, \
             due_at = excluded.due_at, met_at = excluded.met_at, \
             extensions = excluded.extensions, next_step_at = excluded.next_step_at",
            multirow::values(size, COLS)
        );
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
        start += size;
    }
    Ok(())
}

/// Delete one clock of a case (a target the case's new policy does not have).
pub async fn delete(
    conn: &mut AnyConnection,
    case_id: i64,
    kind: ClockKind,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM case_clocks WHERE case_id = $1 AND clock = $2")
        .bind(case_id)
        .bind(kind.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// A case's clocks, in the order of [`ClockKind::ALL`].
pub async fn for_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<CaseClock>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM case_clocks WHERE case_id = $1"
    ))
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    let mut clocks = rows
        .into_iter()
        .map(Row::into_clock)
        .collect::<Result<Vec<_>, _>>()?;
    clocks.sort_by_key(|c| c.kind);
    Ok(clocks)
}

/// The ids of cases with an unmet clock on `calendar`, after `after_case_id`, at most `limit`,
/// in id order (a calendar edit recomputes them batch by batch).
pub async fn cases_running_on(
    conn: &mut AnyConnection,
    calendar: &str,
    after_case_id: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT case_id FROM case_clocks WHERE calendar = $1 AND met_at IS NULL \
         AND case_id > $2 ORDER BY case_id LIMIT $3",
    )
    .bind(calendar)
    .bind(after_case_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The ladder steps already fired for a case: (clock, the clock's start, step index).
pub async fn fired_steps(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT clock, started_at, step FROM sla_escalations WHERE case_id = $1")
            .bind(case_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Arm the timers of several cases at once: as [`crate::jobs::arm`] with kind `kind`, key
/// `{kind}:{case_id}` and payload `{"case_id":N}` for each `(case_id, run_at)`.
pub async fn arm_timers(
    conn: &mut AnyConnection,
    kind: &str,
    timers: &[(i64, Timestamp)],
    now: Timestamp,
) -> Result<(), StoreError> {
    const TCOLS: usize = 5;
    let mut start = 0;
    for size in multirow::chunk_sizes(timers.len(), TCOLS) {
        let mut args = AnyArguments::default();
        for (case_id, at) in &timers[start..start + size] {
            multirow::add(&mut args, kind.to_string())?;
            multirow::add(&mut args, format!("{{\"case_id\":{case_id}}}"))?;
            multirow::add(&mut args, format!("{kind}:{case_id}"))?;
            multirow::add(&mut args, at.millis())?;
            multirow::add(&mut args, now.millis())?;
        }
        // The statement of jobs::arm, several rows at once.
        let sql = format!(
            "INSERT INTO jobs (kind, payload, dedup_key, run_at, created_at, attempts, max_attempts) \
             VALUES {} ON CONFLICT (dedup_key) DO UPDATE SET \
             run_at = excluded.run_at, payload = excluded.payload, finished_at = NULL, \
             outcome = NULL, attempts = 0, last_error = NULL",
            values_with_constants(size)
        );
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
        start += size;
    }
    Ok(())
}

/// `($1, $2, $3, $4, $5, 0, 1000000), …` for `rows` timers.
fn values_with_constants(rows: usize) -> String {
    (0..rows)
        .map(|r| {
            let b = r * 5;
            format!(
                "(${}, ${}, ${}, ${}, ${}, 0, 1000000)",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Set a case's denormalised due columns from its clocks (`None`: leave that column), without
/// touching its `updated_at` (a calendar edit is not a change of the case).
pub async fn set_case_due(
    conn: &mut AnyConnection,
    case_id: i64,
    first_response: Option<Option<Timestamp>>,
    resolution: Option<Option<Timestamp>>,
) -> Result<(), StoreError> {
    let sql = match (first_response, resolution) {
        (None, None) => return Ok(()),
        (Some(_), None) => "UPDATE cases SET first_response_due_at = $1 WHERE id = $2",
        (None, Some(_)) => "UPDATE cases SET resolution_due_at = $1 WHERE id = $2",
        (Some(_), Some(_)) => {
            "UPDATE cases SET first_response_due_at = $1, resolution_due_at = $3 WHERE id = $2"
        }
    };
    let first = first_response.or(resolution).flatten();
    let mut q = sqlx::query(sql)
        .bind(first.map(Timestamp::millis))
        .bind(case_id);
    if let (Some(_), Some(r)) = (first_response, resolution) {
        q = q.bind(r.map(Timestamp::millis));
    }
    q.execute(conn).await?;
    Ok(())
}
