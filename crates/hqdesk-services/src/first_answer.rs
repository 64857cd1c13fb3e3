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
    #[serde(with = "KeptCase")]
    case: CaseRecord,
    requester: Option<KeptRequester>,
    /// `Some(anonymous)` for a confidential case's reporter.
    reporter_anonymous: Option<bool>,
}

/// How a case is kept: every field of [`CaseRecord`], in this order. A field added to the
/// record stops the build here, so that the kept format changes only on purpose (answers
/// already kept must still decode).
#[derive(Serialize, Deserialize)]
#[serde(remote = "CaseRecord")]
struct KeptCase {
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

/// A requester, kept as [`KeptRequesterFields`] (a newtype, so that it can sit in an `Option`).
#[derive(Serialize, Deserialize)]
struct KeptRequester(#[serde(with = "KeptRequesterFields")] Requester);

/// How a requester is kept: every field of [`Requester`], in this order.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Requester")]
struct KeptRequesterFields {
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
    let answer = Answer {
        case: case.clone(),
        requester: requester.cloned().map(KeptRequester),
        reporter_anonymous: reporter.map(|r| r.anonymous),
    };
    serde_json::to_string(&answer)
        .map_err(|e| ServiceError::Internal(format!("idempotent answer: {e}")))
}

/// The view a kept answer stands for.
pub(crate) fn decode(kept: &str) -> Result<CaseView, ServiceError> {
    let a: Answer = serde_json::from_str(kept)
        .map_err(|e| ServiceError::Internal(format!("idempotent answer: {e}")))?;
    Ok(CaseView {
        case: a.case,
        requester: a.requester.map(|KeptRequester(r)| r),
        reporter: a.reporter_anonymous.map(|anonymous| ConfidentialReporter {
            anonymous,
            name: None,
            email: None,
            phone: None,
            tax_code: None,
        }),
    })
}
