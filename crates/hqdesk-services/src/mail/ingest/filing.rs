//! Filing a parsed mail: onto its case or a new one, with its attachments and acknowledgement.
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::Status;
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use hqdesk_mail::{Classification, ParsedMail};
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::mail::{self as mailstore, Direction, InboundMail, Processed};
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{attachments, cases, portal, search, timeline, Connection};
use serde_json::json;

use super::threading::{sender_email, Target};
use super::{entry_meta, IngestOutcome, ACTOR};
use crate::audit::record as audit;
use crate::case_write::write_status_change;
use crate::cases::StoredFile;
use crate::outbox::{enqueue_notification, NotificationMail};
use crate::texts;
use crate::{ServiceError, Services};

/// At most this many acknowledgements per sender address per hour.
pub const ACK_PER_SENDER_PER_HOUR: i64 = 3;
const HOUR_MS: i64 = 3_600_000;

impl Services {
    pub(super) async fn ingest_parsed(
        &self,
        tx: &mut Connection,
        mailbox_id: i64,
        row: &InboundMail,
        p: &ParsedMail,
        stored: &[StoredFile],
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
        self.file_raw(tx, row, &case, now).await?;
        if let Some(mid) = &p.message_id {
            mailstore::record_message_id(tx, mid, case.id, Some(entry_id), Direction::In, now)
                .await?;
        }
        if let Some(key) = &p.thread_key {
            mailstore::record_message_id(tx, key, case.id, Some(entry_id), Direction::In, now)
                .await?;
        }
        if !created && p.classification == Classification::Normal {
            // After a reply, the requester's new message starts the next-response clock.
            crate::sla::events::on_inbound(tx, &case, now).await?;
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

    pub(super) async fn attach_parts(
        &self,
        tx: &mut Connection,
        case: &CaseRecord,
        entry_id: i64,
        p: &ParsedMail,
        stored: &[StoredFile],
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        for s in &self.parts_for_case(tx, case, stored, now).await? {
            attachments::insert(
                tx,
                case.id,
                entry_id,
                &s.filename,
                &s.content_type,
                s.size,
                &s.sha256,
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
        // Counted under a salted hash of the address, never the address itself (a sender may
        // be a reporter). The salt lives in this process: after a restart, or on another node,
        // an hour's count starts again, which at worst doubles a loop's few acknowledgements.
        let bucket = crate::portal::limits::rate_bucket("mail.ack", &to.to_lowercase());
        let hits = portal::hit(tx, &bucket, window).await?;
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
            text: self.ack_text(tx, p, case, &due, now).await?,
            case_id: Some(case.id),
            in_reply_to: p.message_id.clone(),
            mailbox_id: Some(mailbox_id),
            ..Default::default()
        };
        enqueue_notification(tx, &mail, &format!("raw:{}", row.id), now).await?;
        Ok(true)
    }
    /// The acknowledgement's text, in Vietnamese then English. When the best public article
    /// answers the mail confidently (`suggest::CONFIDENT_SCORE`) and the case is not
    /// confidential, each language adds the article's title and address and the signed link by
    /// which the requester says it solved the request. Never for a confidential case, and not
    /// without the server's public address (a link must be absolute in a mail).
    async fn ack_text(
        &self,
        tx: &mut Connection,
        p: &ParsedMail,
        case: &CaseRecord,
        due: &str,
        now: Timestamp,
    ) -> Result<String, ServiceError> {
        let number = case.number.as_str();
        let offer = match self.public_url() {
            Some(base) if !case.confidential && !case.sealed => {
                let text = format!("{}\n{}", case.subject, p.case_body());
                match self.confident_article(tx, &text).await? {
                    Some((slug, title)) => {
                        let expires = crate::suggest::deflection_expiry(now);
                        match crate::suggest::DeflectionLink::sign(number, &slug, expires) {
                            Ok(link) => Some((
                                title,
                                format!("{base}/kb/{slug}"),
                                format!("{base}/kb-solved?{}", link.query()),
                                Timestamp(expires)
                                    .to_vietnam()
                                    .format("%d/%m/%Y")
                                    .to_string(),
                            )),
                            Err(e) => {
                                tracing::warn!(error = %e, "mail: no article offered, the link cannot be signed");
                                None
                            }
                        }
                    }
                    None => None,
                }
            }
            _ => None,
        };
        let part = |locale| {
            let mut text =
                texts::in_locale(locale, "mail.ack.text", &[("number", number), ("due", due)]);
            if let Some((title, url, solved, until)) = &offer {
                text.push('\n');
                text.push_str(&texts::in_locale(
                    locale,
                    "suggest.mail.article",
                    &[
                        ("title", title),
                        ("url", url),
                        ("solved_url", solved),
                        ("until", until),
                    ],
                ));
            }
            text
        };
        Ok(format!(
            "{}\n---\n\n{}",
            part(hqdesk_i18n::Locale::Vi),
            part(hqdesk_i18n::Locale::En)
        ))
    }
}
