//! Escalation ladders (migration 0026): what the `sla.escalate` timer reads of a case's clocks,
//! the fired steps (`sla_escalations`, whose primary key makes a step fire once across nodes),
//! and the clocks whose timer is overdue (for the `sla.sweep` job).
use hqdesk_domain::sla::{Amount, ClockKind, Pause};
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::calendars::decode;
use crate::StoreError;

/// A case's clock as the escalation timer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderClock {
    pub case_id: i64,
    pub clock: ClockKind,
    pub policy_id: Option<i64>,
    pub calendar: String,
    pub amount: Amount,
    pub started_at: Timestamp,
    pub pauses: Vec<Pause>,
    pub met_at: Option<Timestamp>,
    pub next_step_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct Raw {
    case_id: i64,
    clock: String,
    policy_id: Option<i64>,
    calendar: String,
    amount: String,
    started_at: i64,
    pauses: String,
    met_at: Option<i64>,
    next_step_at: Option<i64>,
}

impl TryFrom<Raw> for LadderClock {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        let what = format!("case {} clock {}", r.case_id, r.clock);
        Ok(LadderClock {
            case_id: r.case_id,
            clock: ClockKind::parse(&r.clock)
                .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?,
            policy_id: r.policy_id,
            calendar: r.calendar,
            amount: decode(&what, &r.amount)?,
            started_at: Timestamp(r.started_at),
            pauses: decode(&what, &r.pauses)?,
            met_at: r.met_at.map(Timestamp),
            next_step_at: r.next_step_at.map(Timestamp),
        })
    }
}

/// Every clock of a case.
pub async fn clocks_of(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<LadderClock>, StoreError> {
    let raws: Vec<Raw> = sqlx::query_as(
        "SELECT case_id, clock, policy_id, calendar, amount, started_at, pauses, met_at, \
         next_step_at FROM case_clocks WHERE case_id = $1 ORDER BY clock",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    raws.into_iter().map(LadderClock::try_from).collect()
}

/// Record that step `step` (its index in the policy's ladder) of a clock run since
/// `started_at` fired. True when this call recorded it; false when it had already fired (on
/// this node or another): the caller then does nothing of the step's effects. On PostgreSQL a
/// concurrent insert of the same step waits for the first transaction and then does nothing.
pub async fn record_fired(
    conn: &mut AnyConnection,
    case_id: i64,
    clock: ClockKind,
    started_at: Timestamp,
    step: i64,
    action: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO sla_escalations (case_id, clock, started_at, step, action, fired_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (case_id, clock, started_at, step) DO NOTHING",
    )
    .bind(case_id)
    .bind(clock.as_str())
    .bind(started_at.millis())
    .bind(step)
    .bind(action)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A fired step.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FiredStep {
    pub clock: String,
    pub started_at: i64,
    pub step: i64,
    pub action: String,
    pub fired_at: i64,
}

/// The steps fired for a case, oldest first.
pub async fn fired_of(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<FiredStep>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT clock, started_at, step, action, fired_at FROM sla_escalations \
         WHERE case_id = $1 ORDER BY fired_at, clock, step",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Set when the next unfired step of a clock fires (`None`: none left).
pub async fn set_next_step(
    conn: &mut AnyConnection,
    case_id: i64,
    clock: ClockKind,
    next_step_at: Option<Timestamp>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE case_clocks SET next_step_at = $1 WHERE case_id = $2 AND clock = $3")
        .bind(next_step_at.map(Timestamp::millis))
        .bind(case_id)
        .bind(clock.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Cases with an unmet clock whose next step was due before `before` and whose timer job will
/// not run for it: no unfinished `dedup_key` job is set to run at or before that step (the job
/// is missing, finished, or set later). With each, the earliest such step.
pub async fn overdue_timers(
    conn: &mut AnyConnection,
    dedup_prefix: &str,
    before: Timestamp,
    limit: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT c.case_id, MIN(c.next_step_at) FROM case_clocks c \
         WHERE c.met_at IS NULL AND c.next_step_at IS NOT NULL AND c.next_step_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedup_key = $2 || CAST(c.case_id AS TEXT) \
           AND j.finished_at IS NULL AND j.run_at <= c.next_step_at) \
         GROUP BY c.case_id ORDER BY MIN(c.next_step_at) LIMIT $3",
    )
    .bind(before.millis())
    .bind(dedup_prefix)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
