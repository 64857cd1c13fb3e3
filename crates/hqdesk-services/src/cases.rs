//! Case use cases: open, read, list and search, change, assign, change status, add messages.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::attachment::clean_filename;
use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::case::{self, Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::{Email, PhoneE164, TaxCode};
use hqdesk_domain::{text, Timestamp, ValidationErrors};
use hqdesk_store::cases::{
    CaseChanges, CaseFilter, CaseOrder, CaseRecord, ConfidentialReporter, Cursor, NewCase,
    NewCaseNames,
};
use hqdesk_store::requesters::{Requester, RequesterFields};
use hqdesk_store::timeline::{Entry, NewEntry};
use hqdesk_store::{
    cases, categories, idempotency, jobs, requesters, search, timeline, units, users, Connection,
    Store, StoreError,
};
use serde::Deserialize;
use serde_json::json;

use crate::audit::record as audit;
use crate::case_write::{write_status_change, CaseToInsert, Opening};
use crate::creation::{PendingCase, IDEMPOTENCY_KEY_TAKEN};
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
}

/// Written in the same transaction as the case it belongs to.
#[derive(Debug, Clone, Default)]
pub struct OpenFollowUp {
    /// SHA-256 (hex) of the requester's private tracking token (the portal's tracking link).
    pub tracking_token_hash: Option<String>,
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
    /// Only for confidential cases, and so only ever shown to investigators.
    pub reporter: Option<ConfidentialReporter>,
}

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
}

/// A list request in the store's terms.
struct ListQuery {
    filter: CaseFilter,
    order: CaseOrder,
    after: Option<Cursor>,
    limit: i64,
    searching: bool,
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

/// At most this many files per message, each at most `MAX_ATTACHMENT_BYTES`.
pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// All files of one message together.
pub const MAX_ATTACHMENTS_TOTAL_BYTES: usize = 25 * 1024 * 1024;

pub(crate) fn check_attachments(files: &[NewAttachment]) -> Result<(), ServiceError> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(ServiceError::invalid_field(
            "attachments",
            "attachments_too_many",
            format!("at most {MAX_ATTACHMENTS} files per message"),
        ));
    }
    if files.iter().map(|f| f.content.len()).sum::<usize>() > MAX_ATTACHMENTS_TOTAL_BYTES {
        return Err(ServiceError::invalid_field(
            "attachments",
            "attachments_too_large",
            format!(
                "the files of one message may add up to {} MB",
                MAX_ATTACHMENTS_TOTAL_BYTES / 1024 / 1024
            ),
        ));
    }
    for (i, f) in files.iter().enumerate() {
        if f.content.len() > MAX_ATTACHMENT_BYTES {
            return Err(ServiceError::invalid_field(
                &format!("attachments[{i}]"),
                "attachment_too_large",
                format!(
                    "{} is larger than {} MB",
                    clean_filename(&f.filename),
                    MAX_ATTACHMENT_BYTES / 1024 / 1024
                ),
            ));
        }
        if f.content.is_empty() {
            return Err(ServiceError::invalid_field(
                &format!("attachments[{i}]"),
                "attachment_empty",
                format!("{} is empty", clean_filename(&f.filename)),
            ));
        }
    }
    Ok(())
}

/// An attachment whose bytes are in the blob store, ready to be recorded.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub(crate) filename: String,
    pub(crate) content_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
}

impl Services {
    /// Bytes first (content-addressed, so a retry stores nothing twice), then the records in the
    /// caller's transaction: a committed attachment always has its bytes.
    async fn store_attachment_bytes(
        &self,
        files: &[NewAttachment],
    ) -> Result<Vec<StoredFile>, ServiceError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let blobs = self.blobs().ok_or_else(|| {
            ServiceError::Unavailable("no blob store is configured for attachments".into())
        })?;
        let mut stored = Vec::with_capacity(files.len());
        for f in files {
            let sha256 = match &f.content {
                FileContent::Bytes(b) => blobs.put(b).await?,
                FileContent::Staged(staged) => blobs.put_staged(staged).await?,
            };
            let content_type = if f.content_type.trim().is_empty() {
                "application/octet-stream".to_string()
            } else {
                f.content_type.trim().to_ascii_lowercase()
            };
            stored.push(StoredFile {
                filename: clean_filename(&f.filename),
                content_type,
                size: i64::try_from(f.content.len()).unwrap_or(i64::MAX),
                sha256,
            });
        }
        Ok(stored)
    }
}

async fn record_attachments(
    tx: &mut Connection,
    case_id: i64,
    entry_id: i64,
    files: &[StoredFile],
    now: Timestamp,
) -> Result<(), ServiceError> {
    for f in files {
        hqdesk_store::attachments::insert(
            tx,
            case_id,
            entry_id,
            &f.filename,
            &f.content_type,
            f.size,
            &f.sha256,
            now,
        )
        .await?;
        search::index(tx, case_id, &f.filename).await?;
    }
    Ok(())
}

pub const MAX_PAGE: i64 = 200;
const DEFAULT_PAGE: i64 = 50;

/// Kind of the outbox job that hands an outbound message to its channel.
pub const DELIVER_MESSAGE_JOB: &str = "message.deliver";

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A search token as the filter takes it: a phone number typed nationally (`0987654321`) also
/// in the form the index holds requesters' numbers (`84987654321`), either matching.
fn search_token(token: &str) -> String {
    match PhoneE164::indexed_token(token) {
        Some(indexed) => format!("{token}|{indexed}"),
        None => token.to_string(),
    }
}

/// Validated requester identifiers.
struct ParsedRequester {
    fields: RequesterFields,
    reachable: bool,
    identified: bool,
}

fn parse_requester(
    input: Option<&RequesterInput>,
    errors: &mut ValidationErrors,
) -> ParsedRequester {
    let empty = RequesterInput::default();
    let r = input.unwrap_or(&empty);
    let email = non_empty(&r.email).and_then(|v| errors.check("requester.email", Email::parse(v)));
    let phone =
        non_empty(&r.phone).and_then(|v| errors.check("requester.phone", PhoneE164::parse(v)));
    let tax_code =
        non_empty(&r.tax_code).and_then(|v| errors.check("requester.tax_code", TaxCode::parse(v)));
    let name = non_empty(&r.name).and_then(|v| errors.check("requester.name", case::parse_name(v)));
    let business_name = non_empty(&r.business_name)
        .and_then(|v| errors.check("requester.business_name", case::parse_name(v)));
    let reachable = email.is_some() || phone.is_some();
    let identified = reachable || tax_code.is_some() || name.is_some() || business_name.is_some();
    let display = name
        .clone()
        .or_else(|| business_name.clone())
        .or_else(|| email.as_ref().map(|e| e.as_str().to_string()))
        .or_else(|| phone.as_ref().map(|p| p.national()))
        .unwrap_or_default();
    ParsedRequester {
        fields: RequesterFields {
            name: display,
            business_name,
            email: email.map(String::from),
            phone: phone.map(String::from),
            tax_code: tax_code.map(String::from),
        },
        reachable,
        identified,
    }
}

fn idempotency_scope(actor: &Actor, operation: &str) -> String {
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

    async fn view(
        &self,
        conn: &mut Connection,
        case: CaseRecord,
    ) -> Result<CaseView, ServiceError> {
        let requester = match case.requester_id {
            Some(id) => Some(requesters::get(conn, id).await?),
            None => None,
        };
        let reporter = if case.confidential {
            cases::confidential_reporter(conn, case.id).await?
        } else {
            None
        };
        Ok(CaseView {
            case,
            requester,
            reporter,
        })
    }

    /// Open a case. With an idempotency key, a retry answers with the case the first request
    /// opened and creates nothing.
    pub async fn open_case(
        &self,
        actor: &Actor,
        cmd: OpenCase,
        idem: Option<IdempotencyKey>,
    ) -> Result<CaseView, ServiceError> {
        actor.require(Action::CreateCase, None)?;
        let scope = idempotency_scope(actor, "case.open");
        if let Some(key) = &idem {
            let mut conn = self.store().read().await?;
            if let Some(rec) = idempotency::find(&mut conn, &scope, &key.key).await? {
                return self.replay_case(actor, &rec, key).await;
            }
        }
        let mut errors = ValidationErrors::new();
        let kind = errors.check("kind", CaseKind::parse(cmd.kind.trim()));
        let channel = errors.check("channel", Channel::parse(cmd.channel.trim()));
        let subject = errors.check("subject", case::parse_subject(&cmd.subject));
        let body = match non_empty(&cmd.body) {
            Some(b) => errors.check("body", case::parse_body(b)),
            None => None,
        };
        let priority = match non_empty(&cmd.priority) {
            Some(p) => errors.check("priority", Priority::parse(p)),
            None => Some(Priority::Normal),
        };
        let branch = match cmd.branch {
            Some(b) => errors.check("branch", Branch::from_number(b)),
            None => None,
        };
        let requester = parse_requester(cmd.requester.as_ref(), &mut errors);
        if !cmd.attachments.is_empty() && body.is_none() {
            errors.push(hqdesk_domain::FieldError {
                field: "body".into(),
                code: "body_required_with_attachments",
                message: "describe the files you attach".into(),
            });
        }
        if let Err(ServiceError::Invalid(e)) = check_attachments(&cmd.attachments) {
            e.0.into_iter().for_each(|f| errors.push(f));
        }
        if let Some(k) = kind {
            if !k.allows_anonymous() && !requester.reachable {
                errors.push(hqdesk_domain::FieldError {
                    field: "requester".into(),
                    code: "requester_unreachable",
                    message: "give the requester's e-mail or phone number so that the answer can reach them".into(),
                });
            }
        }
        let mut conn = self.store().read().await?;
        let category = match non_empty(&cmd.category) {
            Some(code) => match categories::by_code(&mut conn, code).await {
                Ok(c) if c.active => Some(c),
                Ok(_) | Err(StoreError::NotFound) => {
                    errors.push(hqdesk_domain::FieldError {
                        field: "category".into(),
                        code: "category_unknown",
                        message: format!("there is no active category {code:?}"),
                    });
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        if let (Some(k), Some(c)) = (kind, &category) {
            if k.is_confidential() != c.kind.is_confidential() {
                errors.push(hqdesk_domain::FieldError {
                    field: "category".into(),
                    code: "category_kind_mismatch",
                    message: format!(
                        "category {:?} is for {} cases, not {}",
                        c.code,
                        c.kind.as_str(),
                        k.as_str()
                    ),
                });
            }
        }
        let unit = match non_empty(&cmd.unit) {
            Some(code) => match units::by_code(&mut conn, &code.to_ascii_uppercase()).await {
                Ok(u) => Some(u),
                Err(StoreError::NotFound) => {
                    errors.push(hqdesk_domain::FieldError {
                        field: "unit".into(),
                        code: "unit_unknown",
                        message: format!("there is no unit {code:?}"),
                    });
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let assignee = match non_empty(&cmd.assignee) {
            Some(name) => match users::by_username(&mut conn, &name.to_ascii_lowercase()).await {
                Ok(u) if u.active => Some(u),
                Ok(_) | Err(StoreError::NotFound) => {
                    errors.push(hqdesk_domain::FieldError {
                        field: "assignee".into(),
                        code: "user_unknown",
                        message: format!("there is no active user {name:?}"),
                    });
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        drop(conn);
        errors.clone().into_result()?;
        let (Some(kind), Some(channel), Some(subject), Some(priority)) =
            (kind, channel, subject, priority)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let branch = branch
            .or(category.as_ref().map(|c| c.branch))
            .unwrap_or_else(|| kind.default_branch());
        let facts_after = hqdesk_domain::access::CaseFacts {
            confidential: kind.is_confidential(),
            unit_id: unit.as_ref().map(|u| u.id),
            assignee_id: assignee.as_ref().map(|u| u.id),
        };
        if let Some(a) = &assignee {
            let assignee_actor = self.actor_for_user(a.id).await?;
            if let Actor::User { facts, .. } = &assignee_actor {
                if !hqdesk_domain::access::may_be_assigned(facts, &facts_after) {
                    return Err(ServiceError::invalid_field(
                        "assignee",
                        "assignee_cannot_see_case",
                        format!(
                            "{} cannot be given this case: their role may not see it",
                            a.username
                        ),
                    ));
                }
            }
        }

        let stored = self.store_attachment_bytes(&cmd.attachments).await?;
        let now = self.now();
        let reporter = kind.is_confidential().then(|| {
            let f = &requester.fields;
            ConfidentialReporter {
                anonymous: !requester.identified,
                name: (!f.name.is_empty()).then(|| f.name.clone()),
                email: f.email.clone(),
                phone: f.phone.clone(),
                tax_code: f.tax_code.clone(),
            }
        });
        let f = &requester.fields;
        let header = [
            subject.as_str(),
            &f.name,
            f.business_name.as_deref().unwrap_or(""),
            f.email.as_deref().unwrap_or(""),
            f.phone.as_deref().unwrap_or(""),
            f.tax_code.as_deref().unwrap_or(""),
        ]
        .join(" ");
        let pending = PendingCase {
            insert: CaseToInsert {
                new: NewCase {
                    // Drawn when written.
                    number: CaseNumber::compose(now, 0),
                    kind,
                    branch,
                    channel,
                    category_id: category.as_ref().map(|c| c.id),
                    priority,
                    subject,
                    requester_id: None,
                    unit_id: unit.as_ref().map(|u| u.id),
                    assignee_id: assignee.as_ref().map(|u| u.id),
                    created_by: actor.user_id(),
                    first_response_due_at: None,
                    resolution_due_at: None,
                },
                due_in_minutes: priority.default_targets_minutes(),
                names: NewCaseNames {
                    category_code: category.as_ref().map(|c| c.code.clone()),
                    unit_code: unit.as_ref().map(|u| u.code.clone()),
                    assignee_username: assignee.as_ref().map(|u| u.username.clone()),
                },
                reporter,
                header,
                opening: match body {
                    Some(body) => Opening::Message {
                        body,
                        files: stored,
                    },
                    None => Opening::Empty,
                },
                tracking_token_hash: cmd.follow_up.tracking_token_hash,
                confirmation: cmd.follow_up.confirmation,
                audit_actor: actor.audit_name(),
            },
            requester: (!kind.is_confidential() && requester.identified)
                .then(|| requester.fields.clone()),
            idempotency: idem
                .as_ref()
                .map(|k| (scope.clone(), k.key.clone(), k.fingerprint.clone())),
        };
        let reporter = pending.insert.reporter.clone();
        let created = match self.create_case(pending).await {
            Ok(c) => c,
            // A concurrent retry with the same key committed first: answer as it did.
            Err(ServiceError::Conflict { code, .. }) if code == IDEMPOTENCY_KEY_TAKEN => {
                let key = idem.as_ref().ok_or_else(|| {
                    ServiceError::Internal("idempotency conflict without a key".into())
                })?;
                let mut conn = self.store().read().await?;
                return match idempotency::find(&mut conn, &scope, &key.key).await? {
                    Some(rec) => self.replay_case(actor, &rec, key).await,
                    None => Err(ServiceError::Conflict {
                        code: "idempotency_in_progress",
                        message: "a request with this Idempotency-Key is in progress; retry".into(),
                    }),
                };
            }
            Err(e) => return Err(e),
        };
        // The creator sees what they entered, even a denunciation they may not read later.
        Ok(CaseView {
            case: created.case,
            requester: created.requester,
            reporter,
        })
    }

    /// Answer a retried creation with what the first request answered, never with a fresh read
    /// of the case (see `first_answer`).
    async fn replay_case(
        &self,
        actor: &Actor,
        rec: &idempotency::Recorded,
        key: &IdempotencyKey,
    ) -> Result<CaseView, ServiceError> {
        let resource = replay(rec, key)?;
        if let Some(answer) = &rec.answer {
            return crate::first_answer::decode(answer);
        }
        // A key recorded before answers were kept (at most a day old): an ordinary read, with
        // its access check and audit.
        let number = resource
            .strip_prefix("case:")
            .ok_or_else(|| ServiceError::Internal(format!("idempotency record {resource}")))?;
        self.get_case(actor, number).await
    }

    /// Read one case. Reading a confidential case is itself recorded in the audit log.
    pub async fn get_case(&self, actor: &Actor, number: &str) -> Result<CaseView, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        if case.confidential {
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                self.now(),
                actor,
                "case.read_confidential",
                &format!("case:{}", case.number),
                json!({}),
            )
            .await?;
            Store::commit(tx).await?;
        }
        self.view(&mut conn, case).await
    }

    /// List and search cases the actor may see. Listing a confidential case is a read of it,
    /// and audited as one.
    pub async fn list_cases(&self, actor: &Actor, q: ListCases) -> Result<CasePage, ServiceError> {
        let via = if non_empty(&q.q).is_some() {
            "search"
        } else {
            "list"
        };
        let page = self.cases_page(actor, q, true).await?;
        self.record_confidential_reads(actor, &page.items, via)
            .await?;
        Ok(page)
    }

    /// How many cases `q` matches (validated as by `list_cases`), without reading a page of
    /// them.
    pub async fn count_cases(&self, actor: &Actor, q: ListCases) -> Result<i64, ServiceError> {
        Ok(self.cases_page(actor, q, false).await?.total)
    }

    /// [`Services::count_cases`] for each of `qs`, on one connection and, but for searches, in
    /// one statement: the console's queue navigation needs eight counts on every page.
    pub async fn count_cases_many(
        &self,
        actor: &Actor,
        qs: Vec<ListCases>,
    ) -> Result<Vec<i64>, ServiceError> {
        let mut conn = self.store().read().await?;
        let mut queries = Vec::with_capacity(qs.len());
        for q in qs {
            queries.push(self.list_query(&mut conn, actor, q).await?);
        }
        let plain: Vec<CaseFilter> = queries
            .iter()
            .filter(|q| !q.searching)
            .map(|q| q.filter.clone())
            .collect();
        let mut plain_counts = cases::count_many(&mut conn, &plain).await?.into_iter();
        let mut counts = Vec::with_capacity(queries.len());
        for q in &queries {
            counts.push(if q.searching {
                cases::count_capped(&mut conn, &q.filter, cases::SEARCH_COUNT_CAP)
                    .await?
                    .0
            } else {
                plain_counts
                    .next()
                    .ok_or_else(|| ServiceError::Internal("a count is missing".into()))?
            });
        }
        Ok(counts)
    }

    async fn cases_page(
        &self,
        actor: &Actor,
        q: ListCases,
        with_items: bool,
    ) -> Result<CasePage, ServiceError> {
        let mut conn = self.store().read().await?;
        let ListQuery {
            filter,
            order,
            after,
            limit,
            searching,
        } = self.list_query(&mut conn, actor, q).await?;
        if with_items && searching && order == CaseOrder::LatestMatch && after.is_none() {
            // The first page and its total from one walk over the newest matches.
            let page = cases::search_first_page(&mut conn, &filter, limit, cases::SEARCH_COUNT_CAP)
                .await?;
            return Ok(CasePage {
                items: page.items,
                next_cursor: page.next.map(|c| format!("{}.{}", c.key, c.id)),
                total: page.total,
                total_exact: page.total_exact,
            });
        }
        let (items, next) = if with_items {
            cases::list(&mut conn, &filter, order, after, limit).await?
        } else {
            (vec![], None)
        };
        let (total, total_exact) = if searching {
            cases::count_capped(&mut conn, &filter, cases::SEARCH_COUNT_CAP).await?
        } else {
            (cases::count(&mut conn, &filter).await?, true)
        };
        Ok(CasePage {
            items,
            next_cursor: next.map(|c| format!("{}.{}", c.key, c.id)),
            total,
            total_exact,
        })
    }

    /// A list request checked and put in the store's terms (units and users looked up on `conn`).
    async fn list_query(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        q: ListCases,
    ) -> Result<ListQuery, ServiceError> {
        let mut errors = ValidationErrors::new();
        let mut filter = CaseFilter::new(actor.case_scope());
        for k in &q.kind {
            if let Some(k) = errors.check("kind", CaseKind::parse(k)) {
                filter.kinds.push(k);
            }
        }
        for s in &q.status {
            if let Some(s) = errors.check("status", Status::parse(s)) {
                filter.statuses.push(s);
            }
        }
        filter.branch = q
            .branch
            .and_then(|b| errors.check("branch", Branch::from_number(b)));
        filter.channel =
            non_empty(&q.channel).and_then(|c| errors.check("channel", Channel::parse(c)));
        filter.unassigned = q.unassigned;
        filter.requester_id = q.requester_id;
        filter.due_before = q.due_before;
        filter.due_after = q.due_after;
        if let Some(text) = non_empty(&q.q) {
            filter.search_tokens = text::search_tokens(text)
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(search_token)
                .take(16)
                .collect();
            if filter.search_tokens.is_empty() {
                errors.push(hqdesk_domain::FieldError {
                    field: "q".into(),
                    code: "query_empty",
                    message: "the search has no letters or digits to look for".into(),
                });
            }
        }
        let searching = !filter.search_tokens.is_empty();
        let order = match q.sort.as_deref() {
            // A search without a sort: the most recent matching texts first (a page without
            // sorting every match; the same as newest cases first unless old cases got new
            // matching messages).
            None if searching => CaseOrder::LatestMatch,
            None | Some("created") | Some("-created") => CaseOrder::CreatedDesc,
            Some("due") => CaseOrder::DueAsc,
            Some("-updated") | Some("updated") => CaseOrder::UpdatedDesc,
            Some(other) => {
                errors.push(hqdesk_domain::FieldError {
                    field: "sort".into(),
                    code: "sort_unknown",
                    message: format!("unknown sort {other:?}; expected created, due or updated"),
                });
                CaseOrder::CreatedDesc
            }
        };
        let after = match non_empty(&q.cursor) {
            Some(c) => errors.check("cursor", parse_cursor(c)),
            None => None,
        };
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            errors.push(hqdesk_domain::FieldError {
                field: "limit".into(),
                code: "limit_range",
                message: format!("limit must be between 1 and {MAX_PAGE}"),
            });
        }
        if let Some(code) = non_empty(&q.unit) {
            match units::by_code(conn, &code.to_ascii_uppercase()).await {
                Ok(u) => filter.unit_id = Some(u.id),
                Err(StoreError::NotFound) => errors.push(hqdesk_domain::FieldError {
                    field: "unit".into(),
                    code: "unit_unknown",
                    message: format!("there is no unit {code:?}"),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        if let (Some("me"), Some(id)) = (non_empty(&q.assignee), actor.user_id()) {
            // The actor's own id: no need to look the name up.
            filter.assignee_id = Some(id);
        } else if let Some(name) = non_empty(&q.assignee) {
            let name = if name == "me" {
                actor_username(actor)
            } else {
                name.to_ascii_lowercase()
            };
            match users::by_username(conn, &name).await {
                Ok(u) => filter.assignee_id = Some(u.id),
                Err(StoreError::NotFound) => errors.push(hqdesk_domain::FieldError {
                    field: "assignee".into(),
                    code: "user_unknown",
                    message: format!("there is no user {name:?}"),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        errors.into_result()?;
        Ok(ListQuery {
            filter,
            order,
            after,
            limit,
            searching,
        })
    }

    /// Change a case's subject, kind, branch, category or priority.
    pub async fn update_case(
        &self,
        actor: &Actor,
        number: &str,
        cmd: UpdateCase,
    ) -> Result<CaseView, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::UpdateCase)
            .await?;
        let mut errors = ValidationErrors::new();
        let mut ch = CaseChanges::default();
        let mut changed = serde_json::Map::new();
        if let Some(s) = &cmd.subject {
            if let Some(s) = errors.check("subject", case::parse_subject(s)) {
                if s != case.subject {
                    changed.insert("subject".into(), json!({ "from": case.subject, "to": s }));
                    ch.subject = Some(s);
                }
            }
        }
        let mut new_kind = case.kind;
        if let Some(k) = &cmd.kind {
            if let Some(k) = errors.check("kind", CaseKind::parse(k)) {
                if k.is_confidential() != case.kind.is_confidential() {
                    errors.push(hqdesk_domain::FieldError { field: "kind".into(), code: "kind_confidentiality_change", message: "a case cannot move in or out of confidentiality; open a new denunciation case instead".into() });
                } else if k != case.kind {
                    changed.insert(
                        "kind".into(),
                        json!({ "from": case.kind.as_str(), "to": k.as_str() }),
                    );
                    ch.kind = Some(k);
                    new_kind = k;
                }
            }
        }
        if let Some(b) = cmd.branch {
            if let Some(b) = errors.check("branch", Branch::from_number(b)) {
                if b != case.branch {
                    changed.insert(
                        "branch".into(),
                        json!({ "from": case.branch.number(), "to": b.number() }),
                    );
                    ch.branch = Some(b);
                }
            }
        }
        if let Some(p) = &cmd.priority {
            if let Some(p) = errors.check("priority", Priority::parse(p)) {
                if p != case.priority {
                    changed.insert(
                        "priority".into(),
                        json!({ "from": case.priority.as_str(), "to": p.as_str() }),
                    );
                    ch.priority = Some(p);
                }
            }
        }
        if let Some(cat) = &cmd.category {
            let new = match cat.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(code) => match categories::by_code(&mut conn, code).await {
                    Ok(c) if c.active && c.kind.is_confidential() == new_kind.is_confidential() => {
                        Some(c)
                    }
                    Ok(c) if c.active => {
                        errors.push(hqdesk_domain::FieldError {
                            field: "category".into(),
                            code: "category_kind_mismatch",
                            message: format!(
                                "category {:?} is for {} cases",
                                c.code,
                                c.kind.as_str()
                            ),
                        });
                        None
                    }
                    Ok(_) | Err(StoreError::NotFound) => {
                        errors.push(hqdesk_domain::FieldError {
                            field: "category".into(),
                            code: "category_unknown",
                            message: format!("there is no active category {code:?}"),
                        });
                        None
                    }
                    Err(e) => return Err(e.into()),
                },
            };
            if new.as_ref().map(|c| c.id) != case.category_id {
                changed.insert("category".into(), json!({ "from": case.category_code, "to": new.as_ref().map(|c| c.code.clone()) }));
                ch.category_id = Some(new.map(|c| c.id));
            }
        }
        errors.into_result()?;
        drop(conn);
        if changed.is_empty() {
            let mut conn = self.store().read().await?;
            return self.view(&mut conn, case).await;
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        cases::update(&mut tx, case.id, &ch, now).await?;
        let meta = serde_json::Value::Object(changed);
        self.event(&mut tx, actor, &case, "updated", meta.clone(), now)
            .await?;
        if ch.subject.is_some() {
            // Re-index the header and every message: subjects change rarely.
            self.reindex(&mut tx, case.id).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            "case.update",
            &format!("case:{}", case.number),
            if case.confidential {
                json!({ "fields": meta.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()) })
            } else {
                meta
            },
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        let case = cases::by_id(&mut conn, case.id).await?;
        self.view(&mut conn, case).await
    }

    /// Route a case to a unit and/or give it to an agent.
    pub async fn assign_case(
        &self,
        actor: &Actor,
        number: &str,
        cmd: AssignCase,
    ) -> Result<CaseView, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::AssignCase)
            .await?;
        let mut errors = ValidationErrors::new();
        let mut ch = CaseChanges::default();
        let mut changed = serde_json::Map::new();
        let mut unit_id = case.unit_id;
        if let Some(u) = &cmd.unit {
            let new = match u.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(code) => match units::by_code(&mut conn, &code.to_ascii_uppercase()).await {
                    Ok(u) => Some(u),
                    Err(StoreError::NotFound) => {
                        errors.push(hqdesk_domain::FieldError {
                            field: "unit".into(),
                            code: "unit_unknown",
                            message: format!("there is no unit {code:?}"),
                        });
                        None
                    }
                    Err(e) => return Err(e.into()),
                },
            };
            unit_id = new.as_ref().map(|u| u.id);
            if unit_id != case.unit_id {
                changed.insert(
                    "unit".into(),
                    json!({ "from": case.unit_code, "to": new.map(|u| u.code) }),
                );
                ch.unit_id = Some(unit_id);
            }
        }
        let mut assignee_id = case.assignee_id;
        if let Some(a) = &cmd.assignee {
            let new = match a.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(name) => {
                    let name = if name == "me" {
                        actor_username(actor)
                    } else {
                        name.to_ascii_lowercase()
                    };
                    match users::by_username(&mut conn, &name).await {
                        Ok(u) if u.active => Some(u),
                        Ok(_) | Err(StoreError::NotFound) => {
                            errors.push(hqdesk_domain::FieldError {
                                field: "assignee".into(),
                                code: "user_unknown",
                                message: format!("there is no active user {name:?}"),
                            });
                            None
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            assignee_id = new.as_ref().map(|u| u.id);
            if assignee_id != case.assignee_id {
                changed.insert("assignee".into(), json!({ "from": case.assignee_username, "to": new.as_ref().map(|u| u.username.clone()) }));
                ch.assignee_id = Some(assignee_id);
            }
        }
        errors.into_result()?;
        drop(conn);
        if let Some(a) = assignee_id.filter(|_| ch.assignee_id.is_some() || ch.unit_id.is_some()) {
            let after = hqdesk_domain::access::CaseFacts {
                confidential: case.confidential,
                unit_id,
                assignee_id: Some(a),
            };
            if let Actor::User { user, facts } = self.actor_for_user(a).await? {
                if !hqdesk_domain::access::may_be_assigned(&facts, &after) {
                    return Err(ServiceError::invalid_field(
                        "assignee",
                        "assignee_cannot_see_case",
                        format!(
                            "{} cannot be given this case: their role may not see it",
                            user.username
                        ),
                    ));
                }
            }
        }
        if changed.is_empty() {
            let mut conn = self.store().read().await?;
            return self.view(&mut conn, case).await;
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        cases::update(&mut tx, case.id, &ch, now).await?;
        let meta = serde_json::Value::Object(changed);
        self.event(&mut tx, actor, &case, "assigned", meta.clone(), now)
            .await?;
        audit(
            &mut tx,
            now,
            actor,
            "case.assign",
            &format!("case:{}", case.number),
            meta,
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        let updated = cases::by_id(&mut conn, case.id).await?;
        // Whoever moved a case out of their own sight gets 404 from now on; answer what they did.
        self.view(&mut conn, updated).await
    }

    /// Move a case through its state machine.
    pub async fn change_status(
        &self,
        actor: &Actor,
        number: &str,
        status: &str,
    ) -> Result<CaseView, ServiceError> {
        let next = Status::parse(status.trim()).map_err(|e| ServiceError::invalid("status", e))?;
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ChangeStatus)
            .await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        write_status_change(&mut tx, actor, &case, next, now).await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        let case = cases::by_id(&mut conn, case.id).await?;
        self.view(&mut conn, case).await
    }

    /// Add a message: a reply to the requester (delivered later through the case's channel by
    /// the outbox), a message from the requester recorded by staff, or an internal note.
    pub async fn add_message(
        &self,
        actor: &Actor,
        number: &str,
        cmd: AddMessage,
        idem: Option<IdempotencyKey>,
    ) -> Result<Entry, ServiceError> {
        let mut conn = self.store().read().await?;
        let action = if cmd.internal {
            Action::AddNote
        } else {
            Action::Reply
        };
        let case = self.load_case(&mut conn, actor, number, action).await?;
        let scope = idempotency_scope(actor, &format!("case.message:{}", case.number));
        if let Some(key) = &idem {
            if let Some(rec) = idempotency::find(&mut conn, &scope, &key.key).await? {
                return self.replay_entry(&mut conn, &rec, key).await;
            }
        }
        drop(conn);
        let body = case::parse_body(&cmd.body).map_err(|e| ServiceError::invalid("body", e))?;
        check_attachments(&cmd.attachments)?;
        let stored = self.store_attachment_bytes(&cmd.attachments).await?;
        if case.status == Status::Closed && !cmd.internal {
            return Err(ServiceError::Conflict {
                code: "case_closed",
                message: "this case is closed; open a follow-up case to continue the conversation"
                    .into(),
            });
        }
        let now = self.now();
        let (kind, delivery) = match (cmd.internal, cmd.direction) {
            (true, _) => (EntryKind::Note, None),
            (false, Direction::Inbound) => (EntryKind::Inbound, None),
            (false, Direction::Outbound) if case.channel.delivers_replies() => {
                (EntryKind::Outbound, Some(DeliveryState::Queued))
            }
            (false, Direction::Outbound) => {
                (EntryKind::Outbound, Some(DeliveryState::NotApplicable))
            }
        };
        let mut tx = self.store().begin().await?;
        let entry_id = timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind,
                channel: (!cmd.internal).then_some(case.channel),
                author_user_id: actor.user_id(),
                body: &body,
                delivery_state: delivery,
                meta: None,
            },
            now,
        )
        .await?;
        cases::bump_message_count(&mut tx, case.id, now).await?;
        search::index(&mut tx, case.id, &body).await?;
        record_attachments(&mut tx, case.id, entry_id, &stored, now).await?;
        if kind == EntryKind::Outbound {
            if case.first_responded_at.is_none() {
                cases::update(
                    &mut tx,
                    case.id,
                    &CaseChanges {
                        first_responded_at: Some(now),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
            }
            if case.status == Status::New {
                write_status_change(&mut tx, actor, &case, Status::Open, now).await?;
            }
            if case.channel == Channel::Portal {
                crate::portal::notify_reply(&mut tx, &case, entry_id, &body, now).await?;
            }
            if delivery == Some(DeliveryState::Queued) {
                jobs::enqueue(&mut tx, &jobs::NewJob { kind: DELIVER_MESSAGE_JOB, payload: json!({ "entry_id": entry_id, "case_id": case.id, "channel": case.channel.as_str() }).to_string(), dedup_key: Some(format!("message:{entry_id}")), run_at: now, max_attempts: 10 }, now).await?;
            }
        } else if kind == EntryKind::Inbound
            && matches!(case.status, Status::Waiting | Status::Resolved)
        {
            // The requester spoke again: the case needs staff again.
            write_status_change(&mut tx, actor, &case, Status::Open, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            &format!("case.{}", kind.as_str()),
            &format!("case:{}", case.number),
            json!({ "entry_id": entry_id }),
        )
        .await?;
        if let Some(key) = &idem {
            match idempotency::record(
                &mut tx,
                &scope,
                &key.key,
                &key.fingerprint,
                &format!("message:{entry_id}"),
                None,
                now,
            )
            .await
            {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) => {
                    drop(tx);
                    let mut conn = self.store().read().await?;
                    return match idempotency::find(&mut conn, &scope, &key.key).await? {
                        Some(rec) => self.replay_entry(&mut conn, &rec, key).await,
                        None => Err(ServiceError::Conflict {
                            code: "idempotency_in_progress",
                            message: "a request with this Idempotency-Key is in progress; retry"
                                .into(),
                        }),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(timeline::get(&mut conn, entry_id).await?)
    }

    async fn replay_entry(
        &self,
        conn: &mut Connection,
        rec: &idempotency::Recorded,
        key: &IdempotencyKey,
    ) -> Result<Entry, ServiceError> {
        let resource = replay(rec, key)?;
        let id = resource
            .strip_prefix("message:")
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| ServiceError::Internal(format!("idempotency record {resource}")))?;
        Ok(timeline::get(conn, id).await?)
    }

    /// The case's messages and notes (or the whole timeline with `all`), in order.
    pub async fn list_timeline(
        &self,
        actor: &Actor,
        number: &str,
        all: bool,
        after_id: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<Entry>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let limit = limit.unwrap_or(MAX_PAGE);
        if !(1..=1000).contains(&limit) {
            return Err(ServiceError::invalid_field(
                "limit",
                "limit_range",
                "limit must be between 1 and 1000",
            ));
        }
        let kinds: &[EntryKind] = if all {
            &[]
        } else {
            &[EntryKind::Inbound, EntryKind::Outbound, EntryKind::Note]
        };
        let entries = timeline::list(&mut conn, case.id, kinds, after_id, limit).await?;
        drop(conn);
        self.record_confidential_reads(actor, [&case], "messages")
            .await?;
        Ok(entries)
    }

    async fn event(
        &self,
        tx: &mut Connection,
        actor: &Actor,
        case: &CaseRecord,
        what: &str,
        meta: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        timeline::insert(
            tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: actor.user_id(),
                body: what,
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        Ok(())
    }

    async fn reindex(&self, tx: &mut Connection, case_id: i64) -> Result<(), ServiceError> {
        let case = cases::by_id(tx, case_id).await?;
        search::remove_case(tx, case_id).await?;
        let mut header = vec![case.number.to_string(), case.subject.clone()];
        if let Some(rid) = case.requester_id {
            let r = requesters::get(tx, rid).await?;
            header.extend(
                [Some(r.name), r.business_name, r.email, r.phone, r.tax_code]
                    .into_iter()
                    .flatten(),
            );
        }
        if let Some(r) = cases::confidential_reporter(tx, case_id).await? {
            header.extend([r.name, r.email, r.phone, r.tax_code].into_iter().flatten());
        }
        search::index(tx, case_id, &header.join(" ")).await?;
        let mut after = None;
        loop {
            let batch = timeline::list(
                tx,
                case_id,
                &[EntryKind::Inbound, EntryKind::Outbound, EntryKind::Note],
                after,
                500,
            )
            .await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for e in &batch {
                search::index(tx, case_id, &e.body).await?;
            }
        }
        Ok(())
    }
}

fn actor_username(actor: &Actor) -> String {
    match actor {
        Actor::User { user, .. } => user.username.clone(),
        _ => String::new(),
    }
}

fn parse_cursor(s: &str) -> Result<Cursor, hqdesk_domain::InvalidValue> {
    let bad = || {
        hqdesk_domain::InvalidValue::new(
            "cursor_invalid",
            "this cursor was not made by this server; start from the first page",
        )
    };
    let (k, i) = s.split_once('.').ok_or_else(bad)?;
    Ok(Cursor {
        key: k.parse().map_err(|_| bad())?,
        id: i.parse().map_err(|_| bad())?,
    })
}

impl Services {
    /// The attachments of a case the actor may see.
    pub async fn case_attachments(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<hqdesk_store::attachments::Attachment>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let files = hqdesk_store::attachments::for_case(&mut conn, case.id).await?;
        drop(conn);
        self.record_confidential_reads(actor, [&case], "attachments")
            .await?;
        Ok(files)
    }

    /// One attachment and its bytes, if the actor may see its case.
    pub async fn attachment(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(hqdesk_store::attachments::Attachment, Vec<u8>), ServiceError> {
        let mut conn = self.store().read().await?;
        let a = hqdesk_store::attachments::get(&mut conn, id).await?;
        let case = cases::by_id(&mut conn, a.case_id).await?;
        actor.require(Action::ReadCase, Some(&case.facts()))?;
        drop(conn);
        let blobs = self
            .blobs()
            .ok_or_else(|| ServiceError::Unavailable("no blob store is configured".into()))?;
        let bytes = blobs.get(&a.sha256).await?;
        if case.confidential {
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                self.now(),
                actor,
                "case.read_confidential",
                &format!("case:{}", case.number),
                json!({ "attachment": id }),
            )
            .await?;
            Store::commit(tx).await?;
        }
        Ok((a, bytes))
    }
}
