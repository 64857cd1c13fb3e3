//! A case as stored and its reads by number or id.
use hqdesk_domain::access::CaseFacts;
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// A case as stored, with the codes and names of what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: i64,
    pub number: CaseNumber,
    pub kind: CaseKind,
    pub branch: Branch,
    pub channel: Channel,
    pub category_id: Option<i64>,
    pub category_code: Option<String>,
    pub priority: Priority,
    pub status: Status,
    pub confidential: bool,
    /// Its values are sealed (`hqsv1.`/`hqsa1.` text) until the services open them.
    pub sealed: bool,
    pub subject: String,
    pub requester_id: Option<i64>,
    /// The requester's business name, else their name (none for confidential cases, whose
    /// reporters are never in the directory).
    pub requester_name: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_code: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_username: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_due_at: Option<Timestamp>,
    pub resolution_due_at: Option<Timestamp>,
    pub first_responded_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub message_count: i64,
}

impl CaseRecord {
    pub fn facts(&self) -> CaseFacts {
        CaseFacts {
            id: Some(self.id),
            confidential: self.confidential,
            unit_id: self.unit_id,
            assignee_id: self.assignee_id,
        }
    }

    /// The nearest deadline still pending: the first-response due time while the case is
    /// unanswered, else the resolution due time; none once the case is resolved or closed.
    /// The flag says whether it is the first-response one. (SQL twin: `NEAREST_DUE_SQL`.)
    pub fn nearest_due(&self) -> Option<(Timestamp, bool)> {
        if !self.status.is_active() {
            return None;
        }
        match (self.first_responded_at, self.first_response_due_at) {
            (None, Some(first)) => Some((first, true)),
            _ => self.resolution_due_at.map(|d| (d, false)),
        }
    }
}

/// [`CaseRecord::nearest_due`] in SQL (NULL when there is none).
pub(super) const NEAREST_DUE_SQL: &str = "(CASE WHEN c.status IN ('new', 'open', 'waiting') THEN \
    (CASE WHEN c.first_responded_at IS NULL AND c.first_response_due_at IS NOT NULL \
    THEN c.first_response_due_at ELSE c.resolution_due_at END) END)";

#[derive(sqlx::FromRow)]
pub(super) struct Raw {
    id: i64,
    number: String,
    kind: String,
    branch: i64,
    channel: String,
    category_id: Option<i64>,
    category_code: Option<String>,
    priority: String,
    status: String,
    confidential: i64,
    sealed: i64,
    subject: String,
    requester_id: Option<i64>,
    requester_name: Option<String>,
    unit_id: Option<i64>,
    unit_code: Option<String>,
    assignee_id: Option<i64>,
    assignee_username: Option<String>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    first_response_due_at: Option<i64>,
    resolution_due_at: Option<i64>,
    first_responded_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    message_count: i64,
}

impl TryFrom<Raw> for CaseRecord {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(CaseRecord {
            id: r.id,
            number: CaseNumber::parse(&r.number)?,
            kind: CaseKind::parse(&r.kind)?,
            branch: Branch::from_number(r.branch)?,
            channel: Channel::parse(&r.channel)?,
            category_id: r.category_id,
            category_code: r.category_code,
            priority: Priority::parse(&r.priority)?,
            status: Status::parse(&r.status)?,
            confidential: r.confidential != 0,
            sealed: r.sealed != 0,
            subject: r.subject,
            requester_id: r.requester_id,
            requester_name: r.requester_name.filter(|n| !n.trim().is_empty()),
            unit_id: r.unit_id,
            unit_code: r.unit_code,
            assignee_id: r.assignee_id,
            assignee_username: r.assignee_username,
            created_by: r.created_by,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            first_response_due_at: r.first_response_due_at.map(Timestamp),
            resolution_due_at: r.resolution_due_at.map(Timestamp),
            first_responded_at: r.first_responded_at.map(Timestamp),
            resolved_at: r.resolved_at.map(Timestamp),
            closed_at: r.closed_at.map(Timestamp),
            message_count: r.message_count,
        })
    }
}

pub(super) const SELECT: &str = "SELECT c.id, c.number, c.kind, c.branch, c.channel, c.category_id, \
    cat.code AS category_code, c.priority, c.status, c.confidential, c.sealed, c.subject, c.requester_id, \
    COALESCE(NULLIF(rq.business_name, ''), rq.name) AS requester_name, \
    c.unit_id, un.code AS unit_code, c.assignee_id, us.username AS assignee_username, c.created_by, \
    c.created_at, c.updated_at, c.first_response_due_at, c.resolution_due_at, c.first_responded_at, \
    c.resolved_at, c.closed_at, c.message_count \
    FROM cases c LEFT JOIN categories cat ON cat.id = c.category_id \
    LEFT JOIN units un ON un.id = c.unit_id LEFT JOIN users us ON us.id = c.assignee_id \
    LEFT JOIN requesters rq ON rq.id = c.requester_id";

pub async fn by_number(
    conn: &mut AnyConnection,
    number: &CaseNumber,
) -> Result<CaseRecord, StoreError> {
    let r: Raw = sqlx::query_as(&format!("{SELECT} WHERE c.number = $1"))
        .bind(number.as_str())
        .fetch_one(conn)
        .await?;
    r.try_into()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<CaseRecord, StoreError> {
    let r: Raw = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    r.try_into()
}
