//! Intake: one raw mail, fetched from a support mailbox, becomes a message on a case.
//!
//! Order of work, so that nothing is lost and nothing is counted twice:
//! 1. the raw bytes go to the blob store and a `mail_inbound` row is committed (state
//!    `received`): from then on the mail is safe whatever happens next;
//! 2. the mail is parsed (pure, never panics);
//! 3. one transaction writes the case or message, its attachments, the Message-ID index, the
//!    acknowledgement job and the row's final state. A retry after a crash finds the row and
//!    either answers with its outcome or processes it again; the same mail delivered under
//!    another UID (or to another mailbox) is recognised by Message-ID plus body hash.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::attachment::clean_filename;
use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::Email;
use hqdesk_domain::Timestamp;
use hqdesk_mail::{Classification, ParseFailure, ParsedMail};
use hqdesk_store::cases::{CaseRecord, ConfidentialReporter, NewCase, NewCaseNames};
use hqdesk_store::categories::Category;
use hqdesk_store::mail::{self as mailstore, Direction, InboundMail, NewInbound, Processed};
use hqdesk_store::requesters::RequesterFields;
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{
    attachments, cases, categories, dialect, portal, requesters, search, timeline, Connection,
    Store, StoreError,
};
use serde_json::json;

use crate::audit::record as audit;
use crate::case_write::{insert_case, write_status_change, CaseToInsert, Opening};
use crate::outbox::{enqueue_notification, NotificationMail};
use crate::texts;
use crate::{Actor, ServiceError, Services};

/// Where a raw mail came from on its IMAP server (both `None` for a mail handed over otherwise).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailSource {
    pub uidvalidity: Option<i64>,
    pub uid: Option<i64>,
}

/// What became of one raw mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    /// The `mail_inbound` row (the raw bytes are in the blob store under its `sha256`).
    pub raw_id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    /// The timeline entry the mail became (a message, a bounce note, or the work item's entry).
    pub entry_id: Option<i64>,
    pub created_case: bool,
    /// This mail had been ingested before (same UID, or same Message-ID and body): nothing new
    /// was written and the fields above are those of the first ingestion.
    pub duplicate: bool,
    /// `None` when the mail could not be parsed (it became a work item with the raw attached).
    pub classification: Option<Classification>,
    /// An acknowledgement was queued (never reported for duplicates).
    pub acknowledged: bool,
}

/// At most this many acknowledgements per sender address per hour.
pub const ACK_PER_SENDER_PER_HOUR: i64 = 3;
const HOUR_MS: i64 = 3_600_000;

const ACTOR: Actor = Actor::System("mail.ingest");

/// Why a mail did not thread onto the case it seems to belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionReason {
    /// The subject names the case but the sender is not its requester.
    CaseNumberOtherSender,
    /// The mail answers a message of a case that is closed.
    ClosedCase,
    /// Only Outlook's Thread-Index links it, and the sender is not the case's requester.
    ThreadIndexOtherSender,
}

impl SuggestionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionReason::CaseNumberOtherSender => "case_number_other_sender",
            SuggestionReason::ClosedCase => "closed_case",
            SuggestionReason::ThreadIndexOtherSender => "thread_index_other_sender",
        }
    }
}

/// Where a parsed mail goes: the pure part of the mapping is in [`thread_keys`].
enum Target {
    Existing {
        case: CaseRecord,
        by: &'static str,
    },
    New {
        suggest: Option<(CaseRecord, SuggestionReason)>,
    },
}

/// The keys a mail may thread by, in the order they are tried (pure, used by the fuzz target).
pub fn thread_keys(p: &ParsedMail) -> (Vec<String>, Option<CaseNumber>, Option<String>) {
    (
        p.thread_candidates(),
        p.case_number.clone(),
        p.thread_key.clone(),
    )
}

fn sender_email(p: &ParsedMail) -> Option<String> {
    p.requester()
        .and_then(|a| Email::parse(&a.address).ok())
        .map(|e| e.as_str().to_string())
        .or_else(|| {
            p.from
                .as_ref()
                .and_then(|a| Email::parse(&a.address).ok())
                .map(|e| e.as_str().to_string())
        })
}

fn same_address(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

/// A stable 63-bit key for an advisory lock on one mail's identity.
fn lock_key_of(s: &str) -> i64 {
    let h = hqdesk_mail::sha256_hex(s.as_bytes());
    i64::from_str_radix(&h[..15], 16).unwrap_or(0)
}

struct StoredPart {
    filename: String,
    content_type: String,
    size: i64,
    sha: String,
}

impl Services {
    /// Ingest one raw mail received by mailbox `mailbox_id`. Idempotent: see the module docs.
    pub async fn ingest_raw_mail(
        &self,
        mailbox_id: i64,
        source: MailSource,
        raw: &[u8],
    ) -> Result<IngestOutcome, ServiceError> {
        let blobs = self
            .blobs()
            .ok_or_else(|| {
                ServiceError::Unavailable("no blob store is configured for mail intake".into())
            })?
            .clone();
        // 1. Durable before anything else.
        let sha = blobs.put(raw).await?;
        let content_hash = hqdesk_mail::content_hash(raw);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (row, fresh) = mailstore::insert_inbound(
            &mut tx,
            &NewInbound {
                mailbox_id,
                uidvalidity: source.uidvalidity,
                uid: source.uid,
                message_id: None,
                sha256: &sha,
                content_hash: &content_hash,
                size: i64::try_from(raw.len()).unwrap_or(i64::MAX),
            },
            now,
        )
        .await?;
        Store::commit(tx).await?;
        if !fresh && row.state != mailstore::state::RECEIVED {
            return self.outcome_of(&row, true).await;
        }
        // 2. Parse (pure).
        let parsed = hqdesk_mail::parse(raw);
        // Bytes of attachments go to the blob store before the transaction (content-addressed,
        // so a retry stores nothing twice).
        let mut stored = Vec::new();
        if let Ok(p) = &parsed {
            for part in p
                .parts
                .iter()
                .filter(|p| !p.oversized && !p.bytes.is_empty())
            {
                let sha = blobs.put(&part.bytes).await?;
                stored.push(StoredPart {
                    filename: clean_filename(&part.filename),
                    content_type: part.content_type.clone(),
                    size: i64::try_from(part.size).unwrap_or(i64::MAX),
                    sha,
                });
            }
        }
        // 3. One transaction.
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let message_id = parsed.as_ref().ok().and_then(|p| p.message_id.clone());
        dialect::lock_key(
            &mut tx,
            lock_key_of(message_id.as_deref().unwrap_or(&content_hash)),
        )
        .await?;
        // Another process may have finished this very row meanwhile.
        let current = mailstore::inbound(&mut tx, row.id).await?;
        if current.state != mailstore::state::RECEIVED {
            drop(tx);
            return self.outcome_of(&current, true).await;
        }
        if let Some(twin) =
            mailstore::processed_twin(&mut tx, message_id.as_deref(), &sha, &content_hash, row.id)
                .await?
        {
            mailstore::finish_inbound(
                &mut tx,
                row.id,
                &Processed {
                    state: mailstore::state::DUPLICATE,
                    message_id: message_id.as_deref(),
                    classification: twin.classification.as_deref(),
                    case_id: twin.case_id,
                    entry_id: twin.entry_id,
                    created_case: false,
                    duplicate_of: Some(twin.id),
                    error: None,
                },
                now,
            )
            .await?;
            Store::commit(tx).await?;
            let mut out = self.outcome_of(&twin, true).await?;
            out.raw_id = row.id;
            return Ok(out);
        }
        let filed = match &parsed {
            Ok(p) => {
                self.ingest_parsed(&mut tx, mailbox_id, &row, p, &stored, now)
                    .await
            }
            Err(failure) => {
                self.work_item(&mut tx, mailbox_id, &row, failure, false, now)
                    .await
            }
        };
        let outcome = match filed {
            Ok(o) => {
                Store::commit(tx).await?;
                o
            }
            // The database is unreachable: the transport retries later.
            Err(e @ ServiceError::Unavailable(_)) => return Err(e),
            // Anything else would fail the same way on every retry and hold up the mailbox: the
            // mail becomes a work item with its raw bytes attached, and the reason is kept.
            Err(e) if parsed.is_ok() => {
                drop(tx);
                tracing::error!(raw_id = row.id, error = %e, "mail could not be filed; it becomes a work item");
                let failure = ParseFailure {
                    reason: format!("the mail could not be filed: {e}"),
                };
                let confidential = match &parsed {
                    Ok(p) => self.threads_to_confidential(p).await?,
                    Err(_) => false,
                };
                let mut tx = self.store().begin().await?;
                let o = self
                    .work_item(&mut tx, mailbox_id, &row, &failure, confidential, now)
                    .await?;
                Store::commit(tx).await?;
                o
            }
            Err(e) => return Err(e),
        };
        tracing::info!(
            raw_id = row.id,
            case = outcome.case_number.as_deref().unwrap_or("-"),
            created = outcome.created_case,
            classification = outcome
                .classification
                .map_or("unparseable", Classification::as_str),
            "mail ingested"
        );
        Ok(outcome)
    }

    /// The outcome recorded for a processed row.
    async fn outcome_of(
        &self,
        row: &InboundMail,
        duplicate: bool,
    ) -> Result<IngestOutcome, ServiceError> {
        let mut conn = self.store().read().await?;
        let case_number = match row.case_id {
            Some(id) => Some(cases::by_id(&mut conn, id).await?.number.to_string()),
            None => None,
        };
        Ok(IngestOutcome {
            raw_id: row.id,
            case_id: row.case_id,
            case_number,
            entry_id: row.entry_id,
            created_case: row.created_case != 0,
            duplicate,
            classification: row
                .classification
                .as_deref()
                .and_then(Classification::parse),
            acknowledged: false,
        })
    }

    async fn resolve_target(
        &self,
        tx: &mut Connection,
        p: &ParsedMail,
        sender: Option<&str>,
    ) -> Result<Target, ServiceError> {
        let (candidates, number, thread_key) = thread_keys(p);
        for id in &candidates {
            if let Some(r) = mailstore::find_message_id(tx, id).await? {
                let case = cases::by_id(tx, r.case_id).await?;
                if case.status == Status::Closed {
                    return Ok(Target::New {
                        suggest: Some((case, SuggestionReason::ClosedCase)),
                    });
                }
                return Ok(Target::Existing {
                    case,
                    by: "references",
                });
            }
        }
        // A weaker key (the case number in the subject, Outlook's Thread-Index) files the mail
        // on its case only when the sender is the case's requester; otherwise it is a suggestion.
        let mut fallback = None;
        if let Some(n) = number {
            match cases::by_number(tx, &n).await {
                Ok(case) => {
                    match self
                        .weak_match(tx, case, sender, SuggestionReason::CaseNumberOtherSender)
                        .await?
                    {
                        Ok(case) => {
                            return Ok(Target::Existing {
                                case,
                                by: "case_number",
                            })
                        }
                        Err(suggestion) => fallback = Some(suggestion),
                    }
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if fallback.is_none() {
            if let Some(key) = thread_key {
                if let Some(r) = mailstore::find_message_id(tx, &key).await? {
                    let case = cases::by_id(tx, r.case_id).await?;
                    match self
                        .weak_match(tx, case, sender, SuggestionReason::ThreadIndexOtherSender)
                        .await?
                    {
                        Ok(case) => {
                            return Ok(Target::Existing {
                                case,
                                by: "thread_index",
                            })
                        }
                        Err(suggestion) => fallback = Some(suggestion),
                    }
                }
            }
        }
        Ok(Target::New { suggest: fallback })
    }

    /// Whether a mail that could not be filed belongs with a confidential case: then its work
    /// item (the raw mail attached) must be confidential too. When that cannot be told, it is
    /// taken to be: an ordinary mail seen only by the task force is the lesser harm.
    async fn threads_to_confidential(&self, p: &ParsedMail) -> Result<bool, ServiceError> {
        // On a connection of its own: a failing statement must not spoil the work item's
        // transaction.
        let mut conn = self.store().read().await?;
        match self
            .resolve_target(&mut conn, p, sender_email(p).as_deref())
            .await
        {
            Ok(Target::Existing { case, .. }) => Ok(case.confidential),
            Ok(Target::New { suggest }) => Ok(suggest.is_some_and(|(t, _)| t.confidential)),
            Err(e @ ServiceError::Unavailable(_)) => Err(e),
            Err(_) => Ok(true),
        }
    }

    /// `Ok(case)` when a mail found by a weak key belongs on `case` (open, and from its
    /// requester); otherwise the merge suggestion to make instead.
    async fn weak_match(
        &self,
        tx: &mut Connection,
        case: CaseRecord,
        sender: Option<&str>,
        other_sender: SuggestionReason,
    ) -> Result<Result<CaseRecord, (CaseRecord, SuggestionReason)>, ServiceError> {
        if case.status == Status::Closed {
            return Ok(Err((case, SuggestionReason::ClosedCase)));
        }
        let requester = self.requester_email(tx, &case).await?;
        Ok(if same_address(requester.as_deref(), sender) {
            Ok(case)
        } else {
            Err((case, other_sender))
        })
    }

    /// The address a case's own requester writes from: a confidential case's reporter's,
    /// kept apart from the directory.
    async fn requester_email(
        &self,
        tx: &mut Connection,
        case: &CaseRecord,
    ) -> Result<Option<String>, ServiceError> {
        if case.confidential {
            return Ok(cases::confidential_reporter(tx, case.id)
                .await?
                .and_then(|r| r.email));
        }
        Ok(match case.requester_id {
            Some(id) => requesters::get(tx, id).await?.email,
            None => None,
        })
    }

    async fn ingest_parsed(
        &self,
        tx: &mut Connection,
        mailbox_id: i64,
        row: &InboundMail,
        p: &ParsedMail,
        stored: &[StoredPart],
        now: Timestamp,
    ) -> Result<IngestOutcome, ServiceError> {
        let sender = sender_email(p);
        let meta = entry_meta(row, p);
        if p.classification == Classification::Bounce {
            if let Some(out) = self.attach_bounce(tx, row, p, stored, now).await? {
                return Ok(out);
            }
        }
        let target = self.resolve_target(tx, p, sender.as_deref()).await?;
        let body = p.case_body();
        let (case, created, by) = match target {
            Target::Existing { case, by } => (case, false, by),
            Target::New { suggest } => {
                let case = match &suggest {
                    Some((target, _)) if target.confidential => {
                        self.open_confidential_mail_case(tx, p, sender.as_deref(), target, now)
                            .await?
                    }
                    _ => {
                        self.open_mail_case(tx, mailbox_id, p, sender.as_deref(), now)
                            .await?
                    }
                };
                if let Some((target, reason)) = suggest {
                    mailstore::suggest_merge(tx, case.id, target.id, reason.as_str(), now).await?;
                }
                (case, true, "new")
            }
        };
        let entry_id = timeline::insert(
            tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Inbound,
                channel: Some(Channel::Email),
                author_user_id: None,
                body: &body,
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        // A new case counted its first message when it was inserted.
        if !created {
            cases::bump_message_count(tx, case.id, now).await?;
        }
        search::index(tx, case.id, &body).await?;
        self.attach_parts(tx, &case, entry_id, p, stored, now)
            .await?;
        if let Some(mid) = &p.message_id {
            mailstore::record_message_id(tx, mid, case.id, Some(entry_id), Direction::In, now)
                .await?;
        }
        if let Some(key) = &p.thread_key {
            mailstore::record_message_id(tx, key, case.id, Some(entry_id), Direction::In, now)
                .await?;
        }
        if !created
            && matches!(case.status, Status::Waiting | Status::Resolved)
            && p.classification == Classification::Normal
        {
            // The requester wrote again: the case needs staff again.
            write_status_change(tx, &ACTOR, &case, Status::Open, now).await?;
        }
        // A new case's first message is covered by its `case.create` entry.
        if !created {
            audit(
            tx,
            now,
            &ACTOR,
            "case.inbound",
            &format!("case:{}", case.number),
            json!({ "entry_id": entry_id, "raw_id": row.id, "threaded_by": by, "classification": p.classification.as_str() }),
        )
        .await?;
        }
        let acknowledged = if created {
            self.acknowledge(tx, mailbox_id, row, p, sender.as_deref(), &case, now)
                .await?
        } else {
            false
        };
        mailstore::finish_inbound(
            tx,
            row.id,
            &Processed {
                state: mailstore::state::INGESTED,
                message_id: p.message_id.as_deref(),
                classification: Some(p.classification.as_str()),
                case_id: Some(case.id),
                entry_id: Some(entry_id),
                created_case: created,
                duplicate_of: None,
                error: None,
            },
            now,
        )
        .await?;
        Ok(IngestOutcome {
            raw_id: row.id,
            case_id: Some(case.id),
            case_number: Some(case.number.to_string()),
            entry_id: Some(entry_id),
            created_case: created,
            duplicate: false,
            classification: Some(p.classification),
            acknowledged,
        })
    }

    /// A delivery report for a mail we sent: an internal note on that mail's case, and the
    /// outbound message marked failed. `None` when the original is unknown (then it opens a case
    /// like any mail, unacknowledged, so someone still sees it).
    async fn attach_bounce(
        &self,
        tx: &mut Connection,
        row: &InboundMail,
        p: &ParsedMail,
        stored: &[StoredPart],
        now: Timestamp,
    ) -> Result<Option<IngestOutcome>, ServiceError> {
        let Some(b) = &p.bounce else {
            return Ok(None);
        };
        let Some(orig) = &b.original_message_id else {
            return Ok(None);
        };
        let Some(r) = mailstore::find_message_id(tx, orig).await? else {
            return Ok(None);
        };
        let case = cases::by_id(tx, r.case_id).await?;
        let recipient = b.recipient.as_deref().unwrap_or("?");
        let status = b.status.as_deref().unwrap_or("?");
        let note = texts::bilingual(
            "mail.bounce.note",
            &[("recipient", recipient), ("status", status)],
            "\n",
        );
        let body = format!("{note}\n\n{}", p.case_body());
        let body: String = body.chars().take(hqdesk_mail::MAX_TEXT_CHARS).collect();
        let mut meta = entry_meta(row, p);
        meta["email"]["bounce"] = json!({
            "original_message_id": orig,
            "recipient": b.recipient,
            "status": b.status,
            "action": b.action,
            "entry_id": r.entry_id,
        });
        let entry_id = timeline::insert(
            tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Note,
                channel: None,
                author_user_id: None,
                body: &body,
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        if let (Some(eid), Direction::Out) = (r.entry_id, r.direction) {
            if b.action.as_deref().is_none_or(|a| a.starts_with("fail")) {
                timeline::set_delivery_state(tx, eid, DeliveryState::Failed).await?;
            }
        }
        self.attach_parts(tx, &case, entry_id, p, stored, now)
            .await?;
        // The report itself, so the agent can read every detail.
        attachments::insert(
            tx,
            case.id,
            entry_id,
            &format!("bounce-{}.eml", row.id),
            "message/rfc822",
            row.size,
            &row.sha256,
            now,
        )
        .await?;
        audit(
            tx,
            now,
            &ACTOR,
            "case.bounce",
            &format!("case:{}", case.number),
            json!({ "entry_id": entry_id, "raw_id": row.id, "original": orig }),
        )
        .await?;
        mailstore::finish_inbound(
            tx,
            row.id,
            &Processed {
                state: mailstore::state::INGESTED,
                message_id: p.message_id.as_deref(),
                classification: Some(Classification::Bounce.as_str()),
                case_id: Some(case.id),
                entry_id: Some(entry_id),
                created_case: false,
                duplicate_of: None,
                error: None,
            },
            now,
        )
        .await?;
        Ok(Some(IngestOutcome {
            raw_id: row.id,
            case_id: Some(case.id),
            case_number: Some(case.number.to_string()),
            entry_id: Some(entry_id),
            created_case: false,
            duplicate: false,
            classification: Some(Classification::Bounce),
            acknowledged: false,
        }))
    }

    async fn attach_parts(
        &self,
        tx: &mut Connection,
        case: &CaseRecord,
        entry_id: i64,
        p: &ParsedMail,
        stored: &[StoredPart],
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        for s in stored {
            attachments::insert(
                tx,
                case.id,
                entry_id,
                &s.filename,
                &s.content_type,
                s.size,
                &s.sha,
                now,
            )
            .await?;
            search::index(tx, case.id, &s.filename).await?;
        }
        let mut dropped: Vec<String> = p
            .parts
            .iter()
            .filter(|x| x.oversized)
            .map(|x| format!("{} ({} bytes)", x.filename, x.size))
            .collect();
        dropped.extend(
            p.skipped_parts
                .iter()
                .map(|(n, s)| format!("{n} ({s} bytes)")),
        );
        if !dropped.is_empty() {
            let body = format!(
                "{}\n{}",
                texts::bilingual("mail.dropped_parts.note", &[], "\n"),
                dropped.join("\n")
            );
            timeline::insert(
                tx,
                &NewEntry {
                    case_id: case.id,
                    kind: EntryKind::Note,
                    channel: None,
                    author_user_id: None,
                    body: &body,
                    delivery_state: None,
                    meta: Some(json!({ "email": { "dropped_parts": dropped } }).to_string()),
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    async fn open_mail_case(
        &self,
        tx: &mut Connection,
        mailbox_id: i64,
        p: &ParsedMail,
        sender: Option<&str>,
        now: Timestamp,
    ) -> Result<CaseRecord, ServiceError> {
        let mailbox = mailstore::mailbox_defaults(tx, mailbox_id).await?;
        let category = match mailbox.default_category.as_deref() {
            Some(code) => match categories::by_code(tx, code).await {
                Ok(c) if c.active && !c.kind.is_confidential() => Some(c),
                Ok(_) | Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let kind = CaseKind::Inquiry;
        let branch = mailbox
            .default_branch
            .and_then(|b| Branch::from_number(b).ok())
            .or(category.as_ref().map(|c| c.branch))
            .unwrap_or_else(|| kind.default_branch());
        let name = p
            .requester()
            .and_then(|a| a.name.clone())
            .and_then(|n| hqdesk_domain::case::parse_name(&n).ok());
        let requester_id = match sender {
            Some(email) => {
                let fields = RequesterFields {
                    name: name.clone().unwrap_or_else(|| email.to_string()),
                    business_name: None,
                    email: Some(email.to_string()),
                    phone: None,
                    tax_code: None,
                };
                Some(match requesters::find_match(tx, &fields).await? {
                    Some(existing) => {
                        requesters::complete(tx, &existing, &fields, now).await?;
                        existing.id
                    }
                    None => requesters::insert(tx, &fields, now).await?,
                })
            }
            None => None,
        };
        let header = [name.as_deref().unwrap_or(""), sender.unwrap_or("")];
        let insert = mail_case(kind, branch, category.as_ref(), p.case_subject(), &header);
        insert_case(tx, &insert, requester_id, now).await
    }

    /// A mail threaded to a confidential case that it cannot join (the case is closed, or the
    /// sender is not its reporter) opens a new confidential case, never an ordinary one: the
    /// sender is most likely the reporter writing again, and their words would otherwise reach
    /// every agent with the denunciation's number beside them. Joining the case instead would
    /// hide a closed case's new message or let anyone who knows a thread add to a report; a new
    /// case reaches the task force's queue, with a suggestion (visible to investigators only) to
    /// merge it. Like every denunciation, its sender is kept as the reporter, apart from the
    /// shared directory, and never becomes a contact or one of another case's requesters.
    async fn open_confidential_mail_case(
        &self,
        tx: &mut Connection,
        p: &ParsedMail,
        sender: Option<&str>,
        threaded_to: &CaseRecord,
        now: Timestamp,
    ) -> Result<CaseRecord, ServiceError> {
        let category = match threaded_to.category_code.as_deref() {
            Some(code) => match categories::by_code(tx, code).await {
                Ok(c) if c.active && c.kind.is_confidential() => Some(c),
                Ok(_) | Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let name = p
            .requester()
            .and_then(|a| a.name.clone())
            .and_then(|n| hqdesk_domain::case::parse_name(&n).ok());
        let header = [name.as_deref().unwrap_or(""), sender.unwrap_or("")];
        let mut insert = mail_case(
            CaseKind::Denunciation,
            threaded_to.branch,
            category.as_ref(),
            p.case_subject(),
            &header,
        );
        insert.reporter = Some(ConfidentialReporter {
            anonymous: sender.is_none() && name.is_none(),
            name,
            email: sender.map(String::from),
            phone: None,
            tax_code: None,
        });
        insert_case(tx, &insert, None, now).await
    }

    /// Queue the acknowledgement of a new case, unless the mail is automatic or the sender
    /// already had [`ACK_PER_SENDER_PER_HOUR`] this hour.
    #[allow(clippy::too_many_arguments)]
    async fn acknowledge(
        &self,
        tx: &mut Connection,
        mailbox_id: i64,
        row: &InboundMail,
        p: &ParsedMail,
        sender: Option<&str>,
        case: &CaseRecord,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        if !p.classification.acknowledge() {
            return Ok(false);
        }
        let Some(to) = sender else {
            return Ok(false);
        };
        let window = now.millis() - now.millis().rem_euclid(HOUR_MS);
        let hits = portal::hit(tx, &format!("mail.ack:{}", to.to_lowercase()), window).await?;
        if hits > ACK_PER_SENDER_PER_HOUR {
            return Ok(false);
        }
        let due = case
            .first_response_due_at
            .map(|t| t.to_vietnam().format("%H:%M %d/%m/%Y").to_string())
            .unwrap_or_else(|| "-".into());
        let number = case.number.as_str();
        let mail = NotificationMail {
            purpose: "email.ack".into(),
            to: to.to_string(),
            subject: format!(
                "[{number}] {}: {}",
                texts::bilingual("mail.ack.subject", &[], " / "),
                case.subject.chars().take(120).collect::<String>()
            ),
            text: texts::bilingual(
                "mail.ack.text",
                &[("number", number), ("due", &due)],
                "\n---\n\n",
            ),
            case_id: Some(case.id),
            in_reply_to: p.message_id.clone(),
            mailbox_id: Some(mailbox_id),
        };
        enqueue_notification(tx, &mail, &format!("raw:{}", row.id), now).await?;
        Ok(true)
    }

    /// A mail that could not be parsed or filed: a case with the raw mail attached, in the
    /// normal queue, or in the task force's when the mail belongs with a confidential case.
    async fn work_item(
        &self,
        tx: &mut Connection,
        mailbox_id: i64,
        row: &InboundMail,
        failure: &ParseFailure,
        confidential: bool,
        now: Timestamp,
    ) -> Result<IngestOutcome, ServiceError> {
        let mailbox = mailstore::mailbox_defaults(tx, mailbox_id).await?;
        let (kind, branch) = if confidential {
            (
                CaseKind::Denunciation,
                CaseKind::Denunciation.default_branch(),
            )
        } else {
            let branch = mailbox
                .default_branch
                .and_then(|b| Branch::from_number(b).ok())
                .unwrap_or_else(|| CaseKind::Inquiry.default_branch());
            (CaseKind::Inquiry, branch)
        };
        let mut insert = mail_case(
            kind,
            branch,
            None,
            texts::bilingual("mail.unreadable.subject", &[], " / "),
            &[],
        );
        // Who wrote is in the attached raw mail, seen by investigators only.
        insert.reporter = confidential.then_some(ConfidentialReporter {
            anonymous: true,
            name: None,
            email: None,
            phone: None,
            tax_code: None,
        });
        let case = insert_case(tx, &insert, None, now).await?;
        let body = texts::bilingual(
            "mail.unreadable.text",
            &[
                ("mailbox", &mailbox.address),
                ("reason", &failure.to_string()),
            ],
            "\n",
        );
        let entry_id = timeline::insert(
            tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Inbound,
                channel: Some(Channel::Email),
                author_user_id: None,
                body: &body,
                delivery_state: None,
                meta: Some(
                    json!({ "email": { "raw_id": row.id, "unparseable": failure.reason } })
                        .to_string(),
                ),
            },
            now,
        )
        .await?;
        attachments::insert(
            tx,
            case.id,
            entry_id,
            &format!("mail-{}.eml", row.id),
            "message/rfc822",
            row.size,
            &row.sha256,
            now,
        )
        .await?;
        mailstore::finish_inbound(
            tx,
            row.id,
            &Processed {
                state: mailstore::state::FAILED,
                message_id: None,
                classification: None,
                case_id: Some(case.id),
                entry_id: Some(entry_id),
                created_case: true,
                duplicate_of: None,
                error: Some(failure.reason.clone()),
            },
            now,
        )
        .await?;
        Ok(IngestOutcome {
            raw_id: row.id,
            case_id: Some(case.id),
            case_number: Some(case.number.to_string()),
            entry_id: Some(entry_id),
            created_case: true,
            duplicate: false,
            classification: None,
            acknowledged: false,
        })
    }

    /// Open "merge into case …" suggestions of a case the actor may read, naming only cases
    /// the actor may see too.
    pub async fn merge_suggestions(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<mailstore::MergeSuggestion>, ServiceError> {
        let number = CaseNumber::parse(number).map_err(|_| ServiceError::NotFound)?;
        let mut conn = self.store().read().await?;
        let case = cases::by_number(&mut conn, &number).await?;
        actor.require(Action::ReadCase, Some(&case.facts()))?;
        let scope = actor.case_scope();
        Ok(mailstore::merge_suggestions(&mut conn, case.id)
            .await?
            .into_iter()
            .filter(|s| scope.contains(&s.target_facts()))
            .collect())
    }
}

fn entry_meta(row: &InboundMail, p: &ParsedMail) -> serde_json::Value {
    let addr = |a: &hqdesk_mail::MailAddress| match &a.name {
        Some(n) => format!("{n} <{}>", a.address),
        None => a.address.clone(),
    };
    json!({ "email": {
        "raw_id": row.id,
        "message_id": p.message_id,
        "from": p.from.as_ref().map(addr),
        "reply_to": p.reply_to.as_ref().map(addr),
        "to": p.to.iter().map(addr).collect::<Vec<_>>(),
        "cc": p.cc.iter().map(addr).collect::<Vec<_>>(),
        "subject": p.subject,
        "date": p.date,
        "classification": p.classification.as_str(),
        "html": p.html,
    }})
}

/// A mail's case, opened by the intake with its first message (the mail, or the work item's
/// note), which the caller adds in the same transaction.
fn mail_case(
    kind: CaseKind,
    branch: Branch,
    category: Option<&Category>,
    subject: String,
    header_extra: &[&str],
) -> CaseToInsert {
    let priority = Priority::Normal;
    let mut header = vec![subject.as_str()];
    header.extend_from_slice(header_extra);
    let header = header.join(" ");
    CaseToInsert {
        new: NewCase {
            // Drawn when written.
            number: CaseNumber::compose(Timestamp(0), 0),
            kind,
            branch,
            channel: Channel::Email,
            category_id: category.map(|c| c.id),
            priority,
            subject,
            requester_id: None,
            unit_id: None,
            assignee_id: None,
            created_by: None,
            first_response_due_at: None,
            resolution_due_at: None,
        },
        due_in_minutes: priority.default_targets_minutes(),
        names: NewCaseNames {
            category_code: category.map(|c| c.code.clone()),
            ..NewCaseNames::default()
        },
        reporter: None,
        header,
        opening: Opening::ByCaller,
        tracking_token_hash: None,
        confirmation: None,
        audit_actor: ACTOR.audit_name(),
    }
}
