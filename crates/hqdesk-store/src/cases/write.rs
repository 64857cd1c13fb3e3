//! Case writes: the group-committed insert, field updates and the message count.
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments};

use super::CaseRecord;
use crate::{multirow, rows, StoreError};

/// A new case, already validated by the domain.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub number: CaseNumber,
    pub kind: CaseKind,
    pub branch: Branch,
    pub channel: Channel,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub subject: String,
    pub requester_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub created_by: Option<i64>,
    pub first_response_due_at: Option<Timestamp>,
    pub resolution_due_at: Option<Timestamp>,
    /// Its values are sealed (issue 18): inserted with an empty subject, sealed once its
    /// `case_seals` row is written (`sealed::append`).
    pub sealed: bool,
}

/// Insert several cases in one statement per chunk (group commit), each under the number it
/// carries; a case whose number another case has already is skipped (`ON CONFLICT DO NOTHING`,
/// so that a PostgreSQL transaction survives it) and `None` is returned in its place, for the
/// caller to draw another number. `message_counts[i]` is case `i`'s initial message count (1
/// when it is opened with a first message). Returns the ids in the order of `cases`.
pub async fn insert_many(
    conn: &mut AnyConnection,
    cases: &[NewCase],
    message_counts: &[i64],
    now: Timestamp,
) -> Result<Vec<Option<i64>>, StoreError> {
    const COLS: usize = 19;
    let mut ids = Vec::with_capacity(cases.len());
    let mut start = 0;
    for size in multirow::chunk_sizes(cases.len(), COLS) {
        let rows = &cases[start..start + size];
        let mut args = AnyArguments::default();
        for (i, c) in rows.iter().enumerate() {
            multirow::add(&mut args, c.number.as_str().to_string())?;
            multirow::add(&mut args, c.kind.as_str())?;
            multirow::add(&mut args, i64::from(c.branch.number()))?;
            multirow::add(&mut args, c.channel.as_str())?;
            multirow::add(&mut args, c.category_id)?;
            multirow::add(&mut args, c.priority.as_str())?;
            multirow::add(&mut args, Status::New.as_str())?;
            multirow::add(&mut args, i64::from(c.kind.is_confidential()))?;
            multirow::add(
                &mut args,
                if c.sealed {
                    String::new()
                } else {
                    c.subject.clone()
                },
            )?;
            multirow::add(&mut args, i64::from(c.sealed))?;
            multirow::add(&mut args, c.requester_id)?;
            multirow::add(&mut args, c.unit_id)?;
            multirow::add(&mut args, c.assignee_id)?;
            multirow::add(&mut args, c.created_by)?;
            multirow::add(&mut args, now.millis())?;
            multirow::add(&mut args, now.millis())?;
            multirow::add(&mut args, c.first_response_due_at.map(Timestamp::millis))?;
            multirow::add(&mut args, c.resolution_due_at.map(Timestamp::millis))?;
            multirow::add(
                &mut args,
                message_counts.get(start + i).copied().unwrap_or(0),
            )?;
        }
        let sql = format!(
            "INSERT INTO cases (number, kind, branch, channel, category_id, priority, status, confidential, \
             subject, sealed, requester_id, unit_id, assignee_id, created_by, created_at, updated_at, \
             first_response_due_at, resolution_due_at, message_count) VALUES {} \
             ON CONFLICT (number) DO NOTHING RETURNING id, number",
            multirow::values(size, COLS),
        );
        let returned: Vec<(i64, String)> = sqlx::query_as_with(&sql, args)
            .fetch_all(&mut *conn)
            .await?;
        // RETURNING's row order is not promised: match by the (unique) number.
        for c in rows {
            ids.push(
                returned
                    .iter()
                    .find(|(_, n)| n == c.number.as_str())
                    .map(|(id, _)| *id),
            );
        }
        start += size;
    }
    Ok(ids)
}

/// Names of what a new case refers to, as the case's record shows them.
#[derive(Debug, Clone, Default)]
pub struct NewCaseNames {
    pub category_code: Option<String>,
    pub unit_code: Option<String>,
    pub assignee_username: Option<String>,
}

impl NewCase {
    /// The record of this case as [`insert_many`] stores it (status new, nothing answered yet),
    /// so that its writer need not read it back. Keep in step with the `INSERT` above.
    pub fn inserted_record(
        &self,
        id: i64,
        message_count: i64,
        now: Timestamp,
        names: NewCaseNames,
    ) -> CaseRecord {
        CaseRecord {
            id,
            number: self.number.clone(),
            kind: self.kind,
            branch: self.branch,
            channel: self.channel,
            category_id: self.category_id,
            category_code: names.category_code,
            priority: self.priority,
            status: Status::New,
            confidential: self.kind.is_confidential(),
            sealed: self.sealed,
            subject: self.subject.clone(),
            requester_id: self.requester_id,
            // Matched in the directory when written; the next read shows the name.
            requester_name: None,
            unit_id: self.unit_id,
            unit_code: names.unit_code,
            assignee_id: self.assignee_id,
            assignee_username: names.assignee_username,
            created_by: self.created_by,
            created_at: now,
            updated_at: now,
            first_response_due_at: self.first_response_due_at,
            resolution_due_at: self.resolution_due_at,
            first_responded_at: None,
            resolved_at: None,
            closed_at: None,
            message_count,
        }
    }
}

/// The fields a case update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CaseChanges {
    pub subject: Option<String>,
    pub kind: Option<CaseKind>,
    pub branch: Option<Branch>,
    pub category_id: Option<Option<i64>>,
    pub priority: Option<Priority>,
    pub requester_id: Option<Option<i64>>,
    pub unit_id: Option<Option<i64>>,
    pub assignee_id: Option<Option<i64>>,
    pub status: Option<Status>,
    pub first_response_due_at: Option<Option<Timestamp>>,
    pub resolution_due_at: Option<Option<Timestamp>>,
    pub first_responded_at: Option<Timestamp>,
    pub resolved_at: Option<Option<Timestamp>>,
    pub closed_at: Option<Timestamp>,
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    ch: &CaseChanges,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut sets: Vec<String> = Vec::new();
    let mut args = AnyArguments::default();
    let push = |col: &str, sets: &mut Vec<String>| {
        sets.push(format!("{col} = ${}", sets.len() + 1));
    };
    macro_rules! set {
        ($col:literal, $val:expr) => {{
            push($col, &mut sets);
            args.add($val)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }};
    }
    if let Some(v) = &ch.subject {
        // A sealed case's subject is sealed, whoever edits it.
        let v = match crate::sealed::append::of_case(&mut *conn, id).await? {
            Some(seal) => seal.seal(&crate::sealed::places::subject(id), v)?,
            None => v.clone(),
        };
        set!("subject", v);
    }
    if let Some(v) = ch.kind {
        set!("kind", v.as_str());
        set!("confidential", i64::from(v.is_confidential()));
    }
    if let Some(v) = ch.branch {
        set!("branch", i64::from(v.number()));
    }
    if let Some(v) = ch.category_id {
        set!("category_id", v);
    }
    if let Some(v) = ch.priority {
        set!("priority", v.as_str());
    }
    if let Some(v) = ch.requester_id {
        set!("requester_id", v);
    }
    if let Some(v) = ch.unit_id {
        set!("unit_id", v);
    }
    if let Some(v) = ch.assignee_id {
        set!("assignee_id", v);
    }
    if let Some(v) = ch.status {
        set!("status", v.as_str());
    }
    if let Some(v) = ch.first_response_due_at {
        set!("first_response_due_at", v.map(Timestamp::millis));
    }
    if let Some(v) = ch.resolution_due_at {
        set!("resolution_due_at", v.map(Timestamp::millis));
    }
    if let Some(v) = ch.first_responded_at {
        set!("first_responded_at", v.millis());
    }
    if let Some(v) = ch.resolved_at {
        set!("resolved_at", v.map(Timestamp::millis));
    }
    if let Some(v) = ch.closed_at {
        set!("closed_at", v.millis());
    }
    set!("updated_at", now.millis());
    let sql = format!(
        "UPDATE cases SET {} WHERE id = ${}",
        sets.join(", "),
        sets.len() + 1
    );
    args.add(id)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let write = sqlx::query_with(&sql, args);
    rows::execute_found(write, conn).await
}

/// Whether case `id` is sealed (false for a case that does not exist).
pub async fn is_sealed(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    let sealed: Option<i64> = sqlx::query_scalar("SELECT sealed FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(sealed == Some(1))
}

pub async fn bump_message_count(
    conn: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE cases SET message_count = message_count + 1, updated_at = $1 WHERE id = $2",
    )
    .bind(now.millis())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
