//! What an idempotent case creation answered, kept beside its key (`idempotency_keys.answer`):
//! a retry answers with exactly that and never reads the case again. By the time of the retry
//! the case may have left the caller's sight (a denunciation an agent recorded, a case routed to
//! another unit); a fresh read would hand its current subject, assignee, status and message
//! count to someone who may not read it.
//!
//! A confidential case's reporter is not kept here, only whether they were anonymous: their
//! identity lives in `confidential_reporters` alone. A retry of a denunciation's creation
//! therefore answers without the identity its first answer echoed.
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use hqdesk_store::cases::{CaseRecord, ConfidentialReporter};
use hqdesk_store::requesters::Requester;
use serde::{Deserialize, Serialize};

use crate::cases::CaseView;
use crate::ServiceError;

#[derive(Serialize, Deserialize)]
struct Answer {
    case: CaseFields,
    requester: Option<RequesterFields>,
    /// `Some(anonymous)` for a confidential case's reporter.
    reporter_anonymous: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct CaseFields {
    id: i64,
    number: CaseNumber,
    kind: CaseKind,
    branch: Branch,
    channel: Channel,
    category_id: Option<i64>,
    category_code: Option<String>,
    priority: Priority,
    status: Status,
    confidential: bool,
    subject: String,
    requester_id: Option<i64>,
    unit_id: Option<i64>,
    unit_code: Option<String>,
    assignee_id: Option<i64>,
    assignee_username: Option<String>,
    created_by: Option<i64>,
    created_at: Timestamp,
    updated_at: Timestamp,
    first_response_due_at: Option<Timestamp>,
    resolution_due_at: Option<Timestamp>,
    first_responded_at: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    message_count: i64,
}

#[derive(Serialize, Deserialize)]
struct RequesterFields {
    id: i64,
    kind: String,
    name: String,
    business_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    tax_code: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// The answer to keep for a creation that answered with `case`, `requester` and `reporter`.
pub(crate) fn encode(
    case: &CaseRecord,
    requester: Option<&Requester>,
    reporter: Option<&ConfidentialReporter>,
) -> Result<String, ServiceError> {
    let c = case.clone();
    let answer = Answer {
        case: CaseFields {
            id: c.id,
            number: c.number,
            kind: c.kind,
            branch: c.branch,
            channel: c.channel,
            category_id: c.category_id,
            category_code: c.category_code,
            priority: c.priority,
            status: c.status,
            confidential: c.confidential,
            subject: c.subject,
            requester_id: c.requester_id,
            unit_id: c.unit_id,
            unit_code: c.unit_code,
            assignee_id: c.assignee_id,
            assignee_username: c.assignee_username,
            created_by: c.created_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
            first_response_due_at: c.first_response_due_at,
            resolution_due_at: c.resolution_due_at,
            first_responded_at: c.first_responded_at,
            resolved_at: c.resolved_at,
            closed_at: c.closed_at,
            message_count: c.message_count,
        },
        requester: requester.cloned().map(|r| RequesterFields {
            id: r.id,
            kind: r.kind,
            name: r.name,
            business_name: r.business_name,
            email: r.email,
            phone: r.phone,
            tax_code: r.tax_code,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }),
        reporter_anonymous: reporter.map(|r| r.anonymous),
    };
    serde_json::to_string(&answer)
        .map_err(|e| ServiceError::Internal(format!("idempotent answer: {e}")))
}

/// The view a kept answer stands for.
pub(crate) fn decode(kept: &str) -> Result<CaseView, ServiceError> {
    let a: Answer = serde_json::from_str(kept)
        .map_err(|e| ServiceError::Internal(format!("idempotent answer: {e}")))?;
    let c = a.case;
    Ok(CaseView {
        case: CaseRecord {
            id: c.id,
            number: c.number,
            kind: c.kind,
            branch: c.branch,
            channel: c.channel,
            category_id: c.category_id,
            category_code: c.category_code,
            priority: c.priority,
            status: c.status,
            confidential: c.confidential,
            subject: c.subject,
            requester_id: c.requester_id,
            unit_id: c.unit_id,
            unit_code: c.unit_code,
            assignee_id: c.assignee_id,
            assignee_username: c.assignee_username,
            created_by: c.created_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
            first_response_due_at: c.first_response_due_at,
            resolution_due_at: c.resolution_due_at,
            first_responded_at: c.first_responded_at,
            resolved_at: c.resolved_at,
            closed_at: c.closed_at,
            message_count: c.message_count,
        },
        requester: a.requester.map(|r| Requester {
            id: r.id,
            kind: r.kind,
            name: r.name,
            business_name: r.business_name,
            email: r.email,
            phone: r.phone,
            tax_code: r.tax_code,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }),
        reporter: a.reporter_anonymous.map(|anonymous| ConfidentialReporter {
            anonymous,
            name: None,
            email: None,
            phone: None,
            tax_code: None,
        }),
    })
}
