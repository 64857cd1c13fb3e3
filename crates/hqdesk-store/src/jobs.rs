//! Background work as rows: the outbox (messages and webhooks to deliver) and timers. Any node
//! may claim a due job; a claim is a lease (`locked_until`), so a job whose node died is claimed
//! again when the lease runs out. Jobs must therefore be idempotent. A job that cannot succeed
//! until something exists is parked ([`park`], [`WaitFor`]) rather than retried.
//!
//! A finished job (done, given up or cancelled) keeps its kind, outcome and error but not its
//! payload: a notification's payload holds the requester's address and the mail's text (with a
//! portal tracking link), which have no business in the database once the mail is sent.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::dialect::{self, Engine};
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// What a parked job waits for. The claim takes a parked job again as soon as its condition
/// holds, so nothing has to remember to wake it (and no wake-up can be missed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    /// A mailbox to send mail from: any mailbox, as `mailboxes::default_sender` picks one.
    Mailbox,
}

impl WaitFor {
    pub const ALL: [WaitFor; 1] = [WaitFor::Mailbox];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitFor::Mailbox => "mailbox",
        }
    }

    /// For the log and the job's `last_error`: why it waits and what ends the wait.
    pub fn describe(self) -> &'static str {
        match self {
            WaitFor::Mailbox => {
                "no mailbox is configured: mail waits until one is added \
                 (hqdesk mailbox add, or Administration → Mailboxes)"
            }
        }
    }

    /// SQL that is true when the condition holds.
    fn holds_sql(self) -> &'static str {
        match self {
            WaitFor::Mailbox => "EXISTS (SELECT 1 FROM mailboxes)",
        }
    }
}

/// `waiting_for IS NULL OR` the named condition holds.
fn claimable_sql() -> String {
    let mut sql = String::from("(waiting_for IS NULL");
    for w in WaitFor::ALL {
        sql.push_str(&format!(
            " OR (waiting_for = '{}' AND {})",
            w.as_str(),
            w.holds_sql()
        ));
    }
    sql.push(')');
    sql
}

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    /// At most one job with this key exists (a later enqueue with it is ignored).
    pub dedup_key: Option<String>,
    pub run_at: Timestamp,
    pub max_attempts: i64,
}

/// Enqueue, normally inside the transaction of the change that causes the job. Returns the new
/// job's id, or `None` when a job with the same dedup key already exists.
pub async fn enqueue(
    conn: &mut AnyConnection,
    j: &NewJob<'_>,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, dedup_key, run_at, attempts, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .bind(j.kind)
    .bind(&j.payload)
    .bind(&j.dedup_key)
    .bind(j.run_at.millis())
    .bind(j.max_attempts)
    .bind(now.millis())
    .fetch_optional(conn)
    .await?;
    Ok(id)
}

/// Arm a timer: the one job with `dedup_key` runs at `run_at`, whether it is new, waiting or
/// already finished (a finished timer is re-armed). A timer whose handler is running at this
/// moment keeps its lease; its handler reads the state afresh and reschedules itself, and a
/// periodic sweep re-arms anything missed (see services `sla`).
pub async fn arm(
    conn: &mut AnyConnection,
    kind: &str,
    dedup_key: &str,
    payload: &str,
    run_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO jobs (kind, payload, dedup_key, run_at, attempts, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, 0, 1000000, $5) ON CONFLICT (dedup_key) DO UPDATE SET \
         run_at = excluded.run_at, payload = excluded.payload, finished_at = NULL, \
         outcome = NULL, attempts = 0, last_error = NULL",
    )
    .bind(kind)
    .bind(payload)
    .bind(dedup_key)
    .bind(run_at.millis())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Claim the most overdue job of one of `kinds` for `lease_ms`, or `None` if nothing is due.
pub async fn claim(
    conn: &mut AnyConnection,
    kinds: &[&str],
    worker: &str,
    now: Timestamp,
    lease_ms: i64,
) -> Result<Option<Job>, StoreError> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let engine = Engine::of(conn);
    // Kinds are names from the job registry, never user input; quoted defensively all the same.
    let kinds_sql = kinds
        .iter()
        .map(|k| format!("'{}'", k.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1, \
           waiting_for = NULL \
         WHERE id = (SELECT id FROM jobs WHERE finished_at IS NULL AND kind IN ({kinds_sql}) \
           AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) AND {} \
           ORDER BY run_at, id LIMIT 1{}) \
         RETURNING id, kind, payload, attempts, max_attempts",
        claimable_sql(),
        dialect::skip_locked(engine)
    );
    let job: Option<Job> = sqlx::query_as(&sql)
        .bind(worker)
        .bind(now.millis() + lease_ms)
        .bind(now.millis())
        .fetch_optional(conn)
        .await?;
    Ok(job)
}

/// What a finished job's payload becomes.
const PURGED_PAYLOAD: &str = "{}";

/// The job is done for good.
pub async fn complete(
    conn: &mut AnyConnection,
    id: i64,
    outcome: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET finished_at = $1, outcome = $2, locked_by = NULL, locked_until = NULL, last_error = NULL, payload = $4 WHERE id = $3")
        .bind(now.millis())
        .bind(outcome)
        .bind(id)
        .bind(PURGED_PAYLOAD)
        .execute(conn)
        .await?;
    Ok(())
}

/// A periodic job ran: schedule its next run on the same row.
pub async fn reschedule(
    conn: &mut AnyConnection,
    id: i64,
    next_run: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET run_at = $1, attempts = 0, locked_by = NULL, locked_until = NULL, last_error = NULL WHERE id = $2")
        .bind(next_run.millis())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The claimed job cannot succeed until `condition` holds: release it, parked, without counting
/// the attempt. It is claimed again once the condition holds.
pub async fn park(conn: &mut AnyConnection, id: i64, condition: WaitFor) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET waiting_for = $1, last_error = $2, attempts = attempts - 1, locked_by = NULL, locked_until = NULL WHERE id = $3")
        .bind(condition.as_str())
        .bind(condition.describe())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many unfinished jobs are parked until `condition` holds.
pub async fn waiting(conn: &mut AnyConnection, condition: WaitFor) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE finished_at IS NULL AND waiting_for = $1",
    )
    .bind(condition.as_str())
    .fetch_one(conn)
    .await?)
}

/// The attempt failed: retry at `retry_at`, or give up (`retry_at` = None) and keep the row, with
/// its error, for people to see.
pub async fn fail(
    conn: &mut AnyConnection,
    id: i64,
    error: &str,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    match retry_at {
        Some(t) => {
            sqlx::query("UPDATE jobs SET run_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL WHERE id = $3")
                .bind(t.millis())
                .bind(error)
                .bind(id)
                .execute(conn)
                .await?;
        }
        None => {
            sqlx::query("UPDATE jobs SET finished_at = $1, outcome = 'failed', last_error = $2, locked_by = NULL, locked_until = NULL, payload = $4 WHERE id = $3")
                .bind(now.millis())
                .bind(error)
                .bind(id)
                .bind(PURGED_PAYLOAD)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// The highest job id so far (0 when there is none).
pub async fn last_id(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM jobs")
        .fetch_one(conn)
        .await?)
}

/// Finish, unrun, the unfinished jobs of `kind` with ids in `after..=up_to`, with outcome
/// `cancelled` and `reason` as the error people see. How many.
pub async fn cancel_range(
    conn: &mut AnyConnection,
    kind: &str,
    after: i64,
    up_to: i64,
    reason: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    Ok(sqlx::query("UPDATE jobs SET finished_at = $1, outcome = 'cancelled', last_error = $2, locked_by = NULL, locked_until = NULL, payload = $6 WHERE kind = $3 AND id > $4 AND id <= $5 AND finished_at IS NULL")
        .bind(now.millis())
        .bind(reason)
        .bind(kind)
        .bind(after)
        .bind(up_to)
        .bind(PURGED_PAYLOAD)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Unfinished jobs per kind (for metrics and tests).
pub async fn pending_by_kind(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT kind, COUNT(*) FROM jobs WHERE finished_at IS NULL GROUP BY kind ORDER BY kind",
    )
    .fetch_all(conn)
    .await?)
}

/// Jobs of `kind` whose payload contains `needle` (a narrowing; the caller checks each).
pub async fn with_payload_containing(
    conn: &mut AnyConnection,
    kind: &str,
    needle: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, payload FROM jobs WHERE kind = $1 AND payload LIKE '%' || $2 || '%'",
    )
    .bind(kind)
    .bind(needle)
    .fetch_all(conn)
    .await?)
}

/// Replace a job's payload (sealing what it carries, the job otherwise unchanged).
pub async fn set_payload(
    conn: &mut AnyConnection,
    id: i64,
    payload: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET payload = $1 WHERE id = $2")
        .bind(payload)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
