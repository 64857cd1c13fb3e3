//! Redacted forwarding: an investigator sends a verifying unit a copy of a report without its
//! reporter, without the parts they mark, and with clean copies of the files chosen (design
//! note 006 §11).
//!
//! The copy is built from what the report says (its subject and the reporter's messages), never
//! from the identity vault: the reporter's identity cannot reach it. Contact details found in
//! the text come marked in the draft; the investigator marks more between `[[` and `]]`, and
//! unmarks what the unit needs. Files are cleaned of the metadata that names or locates their
//! author (`hqdesk_redact::files`); a file that cannot be cleaned is refused, not sent as it is.
//! The originals stay with the case as evidence.
//!
//! The mail leaves through the outbox, sealed for the installation like every queued mail of a
//! sealed case; the case keeps a sealed note of what was sent, to whom; the audit log says that
//! a forward happened, with counts and no text.
use base64::Engine as _;
use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::requester::Email;
use hqdesk_redact::files::{clean, Refusal};
use hqdesk_redact::text::{apply_marks, mark_contact_details};
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{mailboxes, Connection, Store};
use serde::Serialize;
use serde_json::json;

use super::CaseKeys;
use crate::audit::record as audit;
use crate::outbox::{enqueue_notification, MailFile, NotificationMail};
use crate::{texts, Actor, ServiceError, Services};

/// The purpose of the forwarded mail in the outbox.
pub const FORWARD_PURPOSE: &str = "case.forward";
/// The most the files of one forward may weigh together, before base64.
pub const MAX_FORWARD_BYTES: usize = 20 * 1024 * 1024;

/// What the investigator starts from.
#[derive(Debug, Clone, Serialize)]
pub struct ForwardDraft {
    /// The report's subject and the reporter's messages, contact details marked `[[…]]`.
    pub text: String,
    /// How many contact details came marked.
    pub marked: usize,
    pub files: Vec<DraftFile>,
}

/// A file of the report, and whether a clean copy of it can be sent.
#[derive(Debug, Clone, Serialize)]
pub struct DraftFile {
    pub id: i64,
    pub filename: String,
    pub size: i64,
    /// The metadata a clean copy loses (empty: none found); `None` when it cannot be cleaned.
    pub removes: Option<Vec<&'static str>>,
    /// Why it cannot be sent, when it cannot: `unsupported`, `encrypted` or `damaged`.
    pub refusal: Option<&'static str>,
}

/// What the investigator sends.
#[derive(Debug, Clone, Default)]
pub struct ForwardRedacted {
    /// The verifying unit's address.
    pub to: String,
    /// The text, with the parts to remove between `[[` and `]]`.
    pub text: String,
    /// The report's files to send as clean copies.
    pub files: Vec<i64>,
}

/// What was sent.
#[derive(Debug, Clone, Serialize)]
pub struct Forwarded {
    /// The case's note recording it.
    pub entry_id: i64,
    pub removed_parts: usize,
    pub files: Vec<String>,
}

impl Services {
    /// The draft of a redacted copy of report `number`, for an investigator who may forward it.
    pub async fn forward_draft(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<ForwardDraft, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ForwardRedacted)
            .await?;
        let mut keys = CaseKeys::for_actor(actor);
        let report = self.report_text(&mut conn, &case, &mut keys).await?;
        let (text, marked) = mark_contact_details(&report);
        let mut files = vec![];
        for (a, bytes) in self.report_files(&mut conn, &case, &mut keys, None).await? {
            let (removes, refusal) = match clean(&a.content_type, &bytes) {
                Ok(copy) => (Some(copy.removed), None),
                Err(r) => (None, Some(refusal_code(&r))),
            };
            files.push(DraftFile {
                id: a.id,
                filename: a.filename,
                size: a.size,
                removes,
                refusal,
            });
        }
        drop(conn);
        self.record_confidential_reads(actor, [&case], "forward_draft")
            .await?;
        Ok(ForwardDraft {
            text,
            marked,
            files,
        })
    }

    /// Send a redacted copy of report `number` to `cmd.to`: the marked parts replaced, the
    /// chosen files cleaned. Refused with 422 for a bad address, marks that do not close, an
    /// empty text, a file not of this report, a file that cannot be cleaned, or files heavier
    /// than [`MAX_FORWARD_BYTES`].
    pub async fn forward_redacted(
        &self,
        actor: &Actor,
        number: &str,
        cmd: ForwardRedacted,
    ) -> Result<Forwarded, ServiceError> {
        let to = Email::parse(&cmd.to).map_err(|e| ServiceError::invalid("to", e))?;
        let removed_label = texts::vi("forward.removed_part", &[]);
        let (text, removed_parts) = apply_marks(&cmd.text, &removed_label)
            .map_err(|e| ServiceError::invalid_field("text", "marks_unbalanced", e.to_string()))?;
        let text =
            hqdesk_domain::case::parse_body(&text).map_err(|e| ServiceError::invalid("text", e))?;
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ForwardRedacted)
            .await?;
        let mut keys = CaseKeys::for_actor(actor);
        // Whoever forwards a report has read it: a sealed one opens only with their key (an
        // API token holds none), even when the text is theirs and no file is chosen.
        if case.sealed {
            require_key(&mut conn, &mut keys, case.id).await?;
        }
        let wanted: Vec<i64> = {
            let mut ids = cmd.files.clone();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let opened = self
            .report_files(&mut conn, &case, &mut keys, Some(&wanted))
            .await?;
        if opened.len() != wanted.len() {
            return Err(ServiceError::invalid_field(
                "files",
                "file_not_in_report",
                "a file chosen is not one of this report's",
            ));
        }
        let mut files = Vec::with_capacity(opened.len());
        let mut total = 0usize;
        for (a, bytes) in &opened {
            let copy = clean(&a.content_type, bytes).map_err(|r| {
                ServiceError::invalid_field(
                    "files",
                    "file_not_cleanable",
                    format!(
                        "«{}» cannot be sent: {r}; describe it in the text instead",
                        a.filename
                    ),
                )
            })?;
            total += copy.bytes.len();
            files.push(MailFile {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                base64: base64::engine::general_purpose::STANDARD.encode(&copy.bytes),
            });
        }
        if total > MAX_FORWARD_BYTES {
            return Err(ServiceError::invalid_field(
                "files",
                "files_too_large",
                format!(
                    "the files chosen weigh {} MB together; at most {} MB can be sent",
                    total.div_ceil(1024 * 1024),
                    MAX_FORWARD_BYTES / (1024 * 1024)
                ),
            ));
        }
        let mailbox_id = mailboxes::of_case(&mut conn, case.id).await?.map(|m| m.id);
        drop(conn);

        let now = self.now();
        let number = case.number.to_string();
        let names: Vec<String> = files.iter().map(|f| f.filename.clone()).collect();
        let note = texts::vi(
            "forward.note",
            &[
                ("to", to.as_str()),
                ("parts", &removed_parts.to_string()),
                ("files", &names.len().to_string()),
            ],
        );
        let mut tx = self.store().begin().await?;
        let entry_id = timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Note,
                channel: None,
                author_user_id: actor.user_id(),
                body: &format!("{note}\n\n{text}"),
                delivery_state: None,
                meta: Some(json!({ "forward": { "to": to.as_str(), "files": names } }).to_string()),
            },
            now,
        )
        .await?;
        enqueue_notification(
            &mut tx,
            &NotificationMail {
                purpose: FORWARD_PURPOSE.into(),
                to: to.as_str().to_string(),
                subject: texts::vi("forward.subject", &[("case", &number)]),
                text: format!(
                    "{}\n\n{text}",
                    texts::vi("forward.preamble", &[("case", &number)])
                ),
                case_id: Some(case.id),
                in_reply_to: None,
                mailbox_id,
                files,
                from_staff: true,
            },
            &format!("entry:{entry_id}"),
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "case.forward",
            &format!("case:{number}"),
            json!({ "entry_id": entry_id, "removed_parts": removed_parts, "files": names.len() }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(Forwarded {
            entry_id,
            removed_parts,
            files: names,
        })
    }

    /// The report as its reporter wrote it: the subject, then each of their messages.
    async fn report_text(
        &self,
        conn: &mut Connection,
        case: &CaseRecord,
        keys: &mut CaseKeys<'_>,
    ) -> Result<String, ServiceError> {
        let mut case = case.clone();
        if case.sealed {
            require_key(conn, keys, case.id).await?;
            keys.open_case(conn, &mut case).await?;
        }
        // At most the first thousand messages: a report is a handful.
        let mut entries = timeline::list(conn, case.id, &[EntryKind::Inbound], None, 1000).await?;
        keys.open_entries(conn, &mut entries).await?;
        let mut parts = vec![case.subject.clone()];
        parts.extend(
            entries
                .into_iter()
                .map(|e| e.body)
                .filter(|b| !b.trim().is_empty()),
        );
        Ok(parts.join("\n\n"))
    }

    /// The report's files with their bytes (opened with the case's key): all of them, or those
    /// of `only`.
    async fn report_files(
        &self,
        conn: &mut Connection,
        case: &CaseRecord,
        keys: &mut CaseKeys<'_>,
        only: Option<&[i64]>,
    ) -> Result<Vec<(hqdesk_store::attachments::Attachment, Vec<u8>)>, ServiceError> {
        let mut files = hqdesk_store::attachments::for_case(conn, case.id).await?;
        files.retain(|a| only.is_none_or(|ids| ids.contains(&a.id)));
        if files.is_empty() {
            return Ok(vec![]);
        }
        let blobs = self
            .blobs()
            .ok_or_else(|| ServiceError::Unavailable("no blob store is configured".into()))?;
        let mut out = Vec::with_capacity(files.len());
        if case.sealed {
            require_key(conn, keys, case.id).await?;
            keys.open_attachments(conn, &mut files).await?;
            let key = require_key(conn, keys, case.id).await?;
            for a in files {
                let bytes = blobs.get_sealed(&a.sha256, key).await.map_err(|e| {
                    tracing::error!(attachment = a.id, error = %e, "a sealed file does not open");
                    ServiceError::Conflict {
                        code: "sealed_value_damaged",
                        message: format!("the file «{}» does not open", a.filename),
                    }
                })?;
                out.push((a, bytes));
            }
        } else {
            for a in files {
                let bytes = blobs.get(&a.sha256).await?;
                out.push((a, bytes));
            }
        }
        Ok(out)
    }
}

/// The case's data key, which only an investigator signed in to the console holds.
async fn require_key<'k>(
    conn: &mut Connection,
    keys: &'k mut CaseKeys<'_>,
    case_id: i64,
) -> Result<&'k hqdesk_vault::DataKey, ServiceError> {
    keys.data_key(conn, case_id)
        .await?
        .ok_or_else(super::open::sealed_key_required)
}

fn refusal_code(r: &Refusal) -> &'static str {
    match r {
        Refusal::Unsupported => "unsupported",
        Refusal::Encrypted => "encrypted",
        Refusal::Damaged(_) => "damaged",
    }
}
