//! Case use cases: open, read, list and search, change, assign, change status, add messages.
mod attachments;
mod bulk;
mod messages;
mod open;
mod read;
mod update;

pub(crate) use attachments::{check_attachments, StoredFile};
pub use attachments::{MAX_ATTACHMENTS, MAX_ATTACHMENTS_TOTAL_BYTES, MAX_ATTACHMENT_BYTES};
pub use bulk::{BulkAction, BulkOutcome, MAX_BULK};

use hqdesk_domain::access::Action;
use hqdesk_domain::case::CaseNumber;
use hqdesk_domain::Timestamp;
use hqdesk_store::cases::{CaseRecord, ConfidentialReporter};
use hqdesk_store::requesters::Requester;
use hqdesk_store::{cases, idempotency, requesters, Connection};
use serde::Deserialize;

use crate::{Actor, ServiceError, Services};

/// How a requester is identified in a request. Every field is optional; which ones are needed
/// depends on the case kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequesterInput {
    pub name: Option<String>,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
}

/// A request to open a case, as received (validated here, so every field error is reported).
#[derive(Debug, Clone, Default)]
pub struct OpenCase {
    pub kind: String,
    pub branch: Option<i64>,
    pub channel: String,
    pub subject: String,
    pub body: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub requester: Option<RequesterInput>,
    pub unit: Option<String>,
    pub assignee: Option<String>,
    /// Files of the first message (requires a body).
    pub attachments: Vec<NewAttachment>,
    /// What else the opening commits with the case.
    pub follow_up: OpenFollowUp,
    /// An anonymous tip (denunciations only): no requester, no tracking link, no mail; the
    /// answer carries a receipt, once (design note 006 §5).
    pub anonymous: bool,
    /// The officers and units a denunciation names (conflict of interest): they can neither
    /// see nor be given it.
    pub named: crate::conflict::NameInvolved,
}

/// Written in the same transaction as the case it belongs to.
#[derive(Debug, Clone, Default)]
pub struct OpenFollowUp {
    /// SHA-256 (hex) of the requester's private tracking token (the portal's tracking link).
    pub tracking_token_hash: Option<String>,
    /// The tracking token itself, when the case may be sealed: its data key is then wrapped for
    /// the link too, so that the requester reads their case through it. Held in memory only.
    pub tracking_token: Option<String>,
    /// A mail confirming the case to the requester; `{case}` in its subject and text becomes
    /// the case number.
    pub confirmation: Option<crate::outbox::NotificationMail>,
}

/// A client's `Idempotency-Key` and a fingerprint of its request body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// A case with what the actor may see of the people behind it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: CaseRecord,
    pub requester: Option<Requester>,
    /// Only for confidential cases, and so only ever shown to investigators: an anonymous
    /// reporter, or a named one whose identity a custodian opened to this reader (the identity
    /// vault); `None` while it is sealed to them.
    pub reporter: Option<ConfidentialReporter>,
    /// For a confidential case with a named reporter: whether the identity is open to this
    /// reader, or sealed with their latest request.
    pub identity: Option<crate::sealing::IdentityState>,
    /// An anonymous tip's receipt, in the answer to its creation only (never kept, never in a
    /// retry's answer). `Debug` hides it; `Display` groups its 16 digits by four.
    pub receipt: Option<TipReceipt>,
}

/// The 16-digit receipt of an anonymous tip.
pub use hqdesk_vault::Receipt as TipReceipt;

/// Filters of the case list, as received.
#[derive(Debug, Clone, Default)]
pub struct ListCases {
    pub q: Option<String>,
    pub kind: Vec<String>,
    pub branch: Option<i64>,
    pub status: Vec<String>,
    pub channel: Option<String>,
    pub unit: Option<String>,
    pub assignee: Option<String>,
    pub unassigned: bool,
    pub requester_id: Option<i64>,
    /// Resolution due before / at-or-after these instants.
    pub due_before: Option<Timestamp>,
    pub due_after: Option<Timestamp>,
    /// A category code.
    pub category: Option<String>,
    /// Opened at or after / before these instants.
    pub created_from: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    /// The requester: part of a name or business name, or a whole e-mail address, phone number
    /// or tax code.
    pub requester: Option<String>,
    /// A legal deadline not met yet: `acceptance` (awaiting acceptance) or `any` (acceptance or
    /// settlement), optionally due before `legal_due_before` — the task force's queues.
    pub legal: Option<String>,
    pub legal_due_before: Option<Timestamp>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CasePage {
    pub items: Vec<CaseRecord>,
    pub next_cursor: Option<String>,
    /// How many cases match. For a search, counted up to `cases::SEARCH_COUNT_CAP`: when more
    /// match, `total` is the cap and `total_exact` is false ("more than 1,000").
    pub total: i64,
    pub total_exact: bool,
    /// For an investigator's search (first page): the sealed cases whose opened texts match, which
    /// the index cannot find (`sealing::search`).
    pub sealed: crate::sealing::SealedMatches,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateCase {
    pub subject: Option<String>,
    pub kind: Option<String>,
    pub branch: Option<i64>,
    pub category: Option<Option<String>>,
    pub priority: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AssignCase {
    /// `Some(None)` removes the unit; `None` leaves it.
    pub unit: Option<Option<String>>,
    pub assignee: Option<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the service to the requester.
    #[default]
    Outbound,
    /// From the requester, recorded by staff (e.g. what the caller said on the phone).
    Inbound,
}

#[derive(Debug, Clone, Default)]
pub struct AddMessage {
    pub body: String,
    pub internal: bool,
    pub direction: Direction,
    pub attachments: Vec<NewAttachment>,
}

/// A file to attach, as received.
#[derive(Debug, Clone, Default)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: FileContent,
}

/// An attachment's bytes: in memory (the JSON API's base64), or already on disk beside the blob
/// store (an upload streamed there as it arrived).
#[derive(Debug, Clone)]
pub enum FileContent {
    Bytes(Vec<u8>),
    Staged(std::sync::Arc<hqdesk_store::blobs::StagedBlob>),
}

impl Default for FileContent {
    fn default() -> Self {
        FileContent::Bytes(Vec::new())
    }
}

impl FileContent {
    pub fn len(&self) -> usize {
        match self {
            FileContent::Bytes(b) => b.len(),
            FileContent::Staged(f) => usize::try_from(f.size).unwrap_or(usize::MAX),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub const MAX_PAGE: i64 = 200;
const DEFAULT_PAGE: i64 = 50;

/// Kind of the outbox job that hands an outbound message to its channel.
pub const DELIVER_MESSAGE_JOB: &str = "message.deliver";

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
pub(crate) fn idempotency_scope(actor: &Actor, operation: &str) -> String {
    format!("{}:{operation}", actor.audit_name())
}

/// Check a recorded key: the same request answers with what it created; a different request
/// reusing the key is refused.
fn replay(recorded: &idempotency::Recorded, key: &IdempotencyKey) -> Result<String, ServiceError> {
    if recorded.fingerprint != key.fingerprint {
        return Err(ServiceError::Conflict {
            code: "idempotency_key_reused",
            message: "this Idempotency-Key was already used for a different request".into(),
        });
    }
    Ok(recorded.resource.clone())
}

impl Services {
    pub(crate) async fn load_case(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        number: &str,
        action: Action,
    ) -> Result<CaseRecord, ServiceError> {
        let number = CaseNumber::parse(number).map_err(|_| ServiceError::NotFound)?;
        let case = cases::by_number(conn, &number).await?;
        actor.require(action, Some(&case.facts()))?;
        Ok(case)
    }

    /// The case as `actor` reads it: a sealed case's values opened with their key (or empty
    /// without one).
    async fn view(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        mut case: CaseRecord,
    ) -> Result<CaseView, ServiceError> {
        let requester = match case.requester_id {
            Some(id) => Some(requesters::get(conn, id).await?),
            None => None,
        };
        let mut keys = crate::sealing::CaseKeys::for_actor(actor);
        if case.sealed {
            keys.open_case(conn, &mut case).await?;
        }
        // The reporter's identity only through a custodian's approval (the identity vault).
        let (reporter, identity) = if case.confidential {
            self.reporter_for(conn, actor, &case, &mut keys).await?
        } else {
            (None, None)
        };
        Ok(CaseView {
            case,
            requester,
            reporter,
            identity,
            receipt: None,
        })
    }
}

fn actor_username(actor: &Actor) -> String {
    match actor {
        Actor::User { user, .. } => user.username.clone(),
        _ => String::new(),
    }
}
