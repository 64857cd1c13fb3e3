//! Calls and callbacks. A call's events may arrive twice or out of order: the row is created by
//! whichever event comes first and merged under a row lock, never moving backwards.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::dialect::{self, Engine};
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Call {
    pub id: i64,
    pub call_id: String,
    pub direction: String,
    pub from_number: Option<String>,
    pub to_number: Option<String>,
    pub branch: Option<i64>,
    pub state: String,
    pub answered_by: Option<String>,
    pub answered_user_id: Option<i64>,
    pub offered_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub cause: Option<String>,
    pub voicemail: Option<String>,
    pub recording: Option<String>,
    pub requester_id: Option<i64>,
    pub case_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The IVR routed it to the denunciation choice, or it is attached to a denunciation:
    /// 1 for task-force investigators only, never back to 0.
    pub confidential: i64,
}

impl Call {
    pub fn is_confidential(&self) -> bool {
        self.confidential != 0
    }
}

const COLS: &str = "id, call_id, direction, from_number, to_number, branch, state, answered_by, answered_user_id, \
    offered_at, answered_at, ended_at, cause, voicemail, recording, requester_id, case_id, created_at, updated_at, confidential";

/// The calls a reader may be shown: all of them, or all but the confidential ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallScope {
    All,
    NonConfidential,
}

impl CallScope {
    fn clause(self) -> &'static str {
        match self {
            CallScope::All => "",
            CallScope::NonConfidential => " AND confidential = 0",
        }
    }
}

/// The call, locked for update until the end of the transaction; created first if unknown.
pub async fn lock_or_create(
    conn: &mut AnyConnection,
    call_id: &str,
    direction: &str,
    now: Timestamp,
) -> Result<Call, StoreError> {
    sqlx::query("INSERT INTO calls (call_id, direction, state, created_at, updated_at) VALUES ($1, $2, 'ringing', $3, $3) ON CONFLICT (call_id) DO NOTHING")
        .bind(call_id)
        .bind(direction)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    let lock = dialect::for_update(Engine::of(conn));
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM calls WHERE call_id = $1{lock}"
    ))
    .bind(call_id)
    .fetch_one(conn)
    .await?)
}

/// Write back a merged call.
pub async fn save(conn: &mut AnyConnection, c: &Call, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE calls SET direction = $1, from_number = $2, to_number = $3, branch = $4, state = $5, answered_by = $6, \
         answered_user_id = $7, offered_at = $8, answered_at = $9, ended_at = $10, cause = $11, voicemail = $12, recording = $13, \
         requester_id = $14, case_id = $15, updated_at = $16, confidential = $17 WHERE id = $18",
    )
    .bind(&c.direction)
    .bind(&c.from_number)
    .bind(&c.to_number)
    .bind(c.branch)
    .bind(&c.state)
    .bind(&c.answered_by)
    .bind(c.answered_user_id)
    .bind(c.offered_at)
    .bind(c.answered_at)
    .bind(c.ended_at)
    .bind(&c.cause)
    .bind(&c.voicemail)
    .bind(&c.recording)
    .bind(c.requester_id)
    .bind(c.case_id)
    .bind(now.millis())
    .bind(c.confidential)
    .bind(c.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, call_id: &str) -> Result<Call, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLS} FROM calls WHERE call_id = $1"))
            .bind(call_id)
            .fetch_one(conn)
            .await?,
    )
}

/// The latest calls from a number that `scope` lets be shown (for the screen-pop and the
/// contact's history).
pub async fn from_number(
    conn: &mut AnyConnection,
    number: &str,
    scope: CallScope,
    limit: i64,
) -> Result<Vec<Call>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM calls WHERE from_number = $1{} ORDER BY id DESC LIMIT $2",
        scope.clause()
    ))
    .bind(number)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Calls offered in [from, to), for the wallboard.
pub async fn between(
    conn: &mut AnyConnection,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Call>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM calls WHERE COALESCE(offered_at, created_at) >= $1 AND COALESCE(offered_at, created_at) < $2 ORDER BY id"))
        .bind(from.millis())
        .bind(to.millis())
        .fetch_all(conn)
        .await?)
}

/// Calls still ringing or queued (not answered, not ended) since `since`.
pub async fn waiting(conn: &mut AnyConnection, since: Timestamp) -> Result<Vec<Call>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM calls WHERE state = 'ringing' AND direction = 'in' AND COALESCE(offered_at, created_at) >= $1 ORDER BY id"))
        .bind(since.millis())
        .fetch_all(conn)
        .await?)
}

/// The open callback case for a number, if any (new, open or waiting): an ordinary callback, or
/// with `confidential` the denunciation that stands for the missed calls of the IVR's
/// denunciation choice. The two never fold into each other.
pub async fn open_callback(
    conn: &mut AnyConnection,
    number: &str,
    confidential: bool,
) -> Result<Option<i64>, StoreError> {
    let kind = if confidential {
        "denunciation"
    } else {
        "callback"
    };
    Ok(sqlx::query_scalar("SELECT id FROM cases WHERE kind = $2 AND callback_number = $1 AND status IN ('new', 'open', 'waiting') ORDER BY id LIMIT 1")
        .bind(number)
        .bind(kind)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_callback(
    conn: &mut AnyConnection,
    case_id: i64,
    number: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE cases SET callback_number = $1, callback_calls = callback_calls + 1 WHERE id = $2",
    )
    .bind(number)
    .bind(case_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn callback_info(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<(Option<String>, i64), StoreError> {
    Ok(
        sqlx::query_as("SELECT callback_number, callback_calls FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_one(conn)
            .await?,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub outcome: String,
    pub note: Option<String>,
    pub user_id: Option<i64>,
    pub at: i64,
}

pub async fn add_attempt(
    conn: &mut AnyConnection,
    case_id: i64,
    outcome: &str,
    note: Option<&str>,
    user_id: Option<i64>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    // On a sealed case the note is sealed, bound to the attempt (inserted without, then written).
    let seal = crate::sealed::append::of_case(&mut *conn, case_id).await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO callback_attempts (case_id, outcome, note, user_id, at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(case_id)
        .bind(outcome)
        .bind(if seal.is_some() { None } else { note })
        .bind(user_id)
        .bind(now.millis())
        .fetch_one(&mut *conn)
        .await?;
    if let Some(seal) = seal {
        let note = seal.seal_opt(&crate::sealed::places::callback_note(case_id, id), note)?;
        sqlx::query("UPDATE callback_attempts SET note = $1 WHERE id = $2")
            .bind(note)
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(id)
}

pub async fn attempts(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<Attempt>, StoreError> {
    Ok(sqlx::query_as("SELECT id, outcome, note, user_id, at FROM callback_attempts WHERE case_id = $1 ORDER BY id").bind(case_id).fetch_all(conn).await?)
}

/// Record a signed delivery's id; false when it was seen before (a replay).
pub async fn first_delivery(
    conn: &mut AnyConnection,
    delivery_id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(sqlx::query("INSERT INTO telephony_deliveries (delivery_id, received_at) VALUES ($1, $2) ON CONFLICT (delivery_id) DO NOTHING")
        .bind(delivery_id)
        .bind(now.millis())
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn user_by_extension(
    conn: &mut AnyConnection,
    ext: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE (extension = $1 OR username = $1) AND active = 1 ORDER BY id LIMIT 1")
        .bind(ext)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_extension(
    conn: &mut AnyConnection,
    user_id: i64,
    ext: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET extension = $1 WHERE id = $2")
        .bind(ext)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// (reason, flagged by username, when) for a flagged caller.
pub async fn flag_of(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<(String, Option<String>, i64)>, StoreError> {
    Ok(sqlx::query_as("SELECT f.reason, u.username, f.at FROM caller_flags f LEFT JOIN users u ON u.id = f.flagged_by WHERE f.number = $1")
        .bind(number)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_flag(
    conn: &mut AnyConnection,
    number: &str,
    reason: &str,
    by: Option<i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO caller_flags (number, reason, flagged_by, at) VALUES ($1, $2, $3, $4) ON CONFLICT (number) DO UPDATE SET reason = $2, flagged_by = $3, at = $4")
        .bind(number)
        .bind(reason)
        .bind(by)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}
