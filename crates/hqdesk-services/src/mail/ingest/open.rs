//! Cases opened by mail: an ordinary case, a denunciation, or a work item for a mail that could not be filed.
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use hqdesk_mail::{ParseFailure, ParsedMail};
use hqdesk_store::cases::{CaseRecord, ConfidentialReporter, NewCase, NewCaseNames};
use hqdesk_store::categories::Category;
use hqdesk_store::mail::{self as mailstore, InboundMail, Processed};
use hqdesk_store::requesters::RequesterFields;
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{attachments, categories, requesters, timeline, Connection, StoreError};
use serde_json::json;

use super::{IngestOutcome, ACTOR};
use crate::case_write::{insert_case, CaseToInsert, Opening};
use crate::texts;
use crate::{ServiceError, Services};

impl Services {
    pub(super) async fn open_mail_case(
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
    pub(super) async fn open_confidential_mail_case(
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

    /// A mail that could not be parsed or filed: a case with the raw mail attached, in the
    /// normal queue, or in the task force's when the mail belongs with a confidential case.
    pub(super) async fn work_item(
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
        let raw = self.file_raw(tx, row, &case, now).await?;
        attachments::insert(
            tx,
            case.id,
            entry_id,
            &format!("mail-{}.eml", row.id),
            "message/rfc822",
            row.size,
            &raw,
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
            sealed: false,
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
        tracking_token: None,
        receipt: None,
        confirmation: None,
        audit_actor: ACTOR.audit_name(),
        named: None,
    }
}
