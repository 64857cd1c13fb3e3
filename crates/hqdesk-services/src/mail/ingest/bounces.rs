//! Delivery reports for mails we sent.
use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::Timestamp;
use hqdesk_mail::{Classification, ParsedMail};
use hqdesk_store::mail::{self as mailstore, Direction, InboundMail, Processed};
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{attachments, cases, timeline, Connection};
use serde_json::json;

use super::{entry_meta, IngestOutcome, ACTOR};
use crate::audit::record as audit;
use crate::cases::StoredFile;
use crate::texts;
use crate::{ServiceError, Services};

impl Services {
    /// A delivery report for a mail we sent: an internal note on that mail's case, and the
    /// outbound message marked failed. `None` when the original is unknown (then it opens a case
    /// like any mail, unacknowledged, so someone still sees it).
    pub(super) async fn attach_bounce(
        &self,
        tx: &mut Connection,
        row: &InboundMail,
        p: &ParsedMail,
        stored: &[StoredFile],
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
        let raw = self.file_raw(tx, row, &case, now).await?;
        attachments::insert(
            tx,
            case.id,
            entry_id,
            &format!("bounce-{}.eml", row.id),
            "message/rfc822",
            row.size,
            &raw,
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
}
