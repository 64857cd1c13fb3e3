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
mod bounces;
mod filing;
mod open;
mod sealed;
mod threading;

pub use filing::ACK_PER_SENDER_PER_HOUR;
pub use threading::{thread_keys, SuggestionReason};

use hqdesk_domain::case::attachment::clean_filename;
use hqdesk_mail::{Classification, ParseFailure, ParsedMail};
use hqdesk_store::mail::{self as mailstore, InboundMail, NewInbound, Processed};
use hqdesk_store::{cases, dialect, Store};
use serde_json::json;

use crate::cases::StoredFile;
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

const ACTOR: Actor = Actor::System("mail.ingest");

/// A stable 63-bit key for an advisory lock on one mail's identity.
fn lock_key_of(s: &str) -> i64 {
    let h = hqdesk_mail::sha256_hex(s.as_bytes());
    i64::from_str_radix(&h[..15], 16).unwrap_or(0)
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
                stored.push(StoredFile {
                    filename: clean_filename(&part.filename),
                    content_type: part.content_type.clone(),
                    size: i64::try_from(part.size).unwrap_or(i64::MAX),
                    sha256: sha,
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
