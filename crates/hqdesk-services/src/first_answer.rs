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
    /// Added with sealed cases: answers kept before decode as not sealed, and an ordinary case
    /// is kept as before (byte for byte).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sealed: bool,
    subject: String,
    requester_id: Option<i64>,
    /// Added after answers were first kept: those decode without it, and a case without a
    /// requester's name is kept as before (byte for byte).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requester_name: Option<String>,
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
    let json = serde_json::to_string(&answer)
        .map_err(|e| ServiceError::Internal(format!("idempotent answer: {e}")))?;
    if case.sealed {
        // The record holds the clear subject the creator sent: sealed for the installation.
        return Ok(hqdesk_store::secrets::seal_value(SEALED_ANSWER, &json)?);
    }
    Ok(json)
}

/// The context of a sealed case's kept answer.
const SEALED_ANSWER: &str = "idempotency.answer";

/// The view a kept answer stands for.
pub(crate) fn decode(kept: &str) -> Result<CaseView, ServiceError> {
    let opened;
    let kept = if hqdesk_store::secrets::is_sealed(kept) {
        opened = hqdesk_store::secrets::open_value(SEALED_ANSWER, kept)?;
        opened.as_str()
    } else {
        kept
    };
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
        identity: None,
        // Shown once: a retry never gets it.
        receipt: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer in the format kept since answers were first kept: it must decode, and a
    /// decoded answer must encode to the same bytes.
    #[test]
    fn the_kept_format_round_trips_byte_for_byte() {
        let number = CaseNumber::compose(Timestamp(1_795_425_600_000), 4_839_207);
        let kept = format!(
            concat!(
                r#"{{"case":{{"id":7,"number":"{n}","kind":"inquiry","branch":2,"channel":"portal","#,
                r#""category_id":3,"category_code":"b2.it","priority":"normal","status":"new","#,
                r#""confidential":false,"subject":"Lỗi ký số","requester_id":5,"unit_id":null,"#,
                r#""unit_code":null,"assignee_id":9,"assignee_username":"lan","created_by":null,"#,
                r#""created_at":1795425600000,"updated_at":1795425600000,"#,
                r#""first_response_due_at":1795429200000,"resolution_due_at":null,"#,
                r#""first_responded_at":null,"resolved_at":null,"closed_at":null,"message_count":1}},"#,
                r#""requester":{{"id":5,"kind":"business","name":"Tân Phát","business_name":null,"#,
                r#""email":"a@b.vn","phone":null,"tax_code":"0314409058","created_at":1,"updated_at":2}},"#,
                r#""reporter_anonymous":null}}"#
            ),
            n = number
        );
        let view = decode(&kept).unwrap();
        assert_eq!(view.case.number, number);
        assert_eq!(view.case.subject, "Lỗi ký số");
        assert_eq!(view.requester.as_ref().map(|r| r.id), Some(5));
        assert!(view.reporter.is_none());
        let again = encode(&view.case, view.requester.as_ref(), None).unwrap();
        assert_eq!(again, kept);
    }
}
