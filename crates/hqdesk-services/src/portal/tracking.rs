//! Following a case through its tracking link: reading it, replying, its files.

use hqdesk_domain::Timestamp;
use hqdesk_store::attachments::Attachment;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::timeline::Entry;
use hqdesk_store::{cases, portal, timeline};

use super::limits::*;
use super::{token_hash, Rating, TrackedCase, PORTAL};
use crate::cases::{AddMessage, Direction, NewAttachment};
use crate::outbox::NotificationMail;
use crate::sealing::CaseKeys;
use crate::texts;
use crate::{ServiceError, Services};

/// A reply on a portal case reaches the requester's mailbox too, when they gave an address (the
/// tracking link is not in it: only its hash is kept). Written in the reply's transaction.
pub(crate) async fn notify_reply(
    tx: &mut hqdesk_store::Connection,
    case: &CaseRecord,
    entry_id: i64,
    body: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let Some(requester_id) = case.requester_id else {
        return Ok(());
    };
    let Some(to) = hqdesk_store::requesters::get(tx, requester_id).await?.email else {
        return Ok(());
    };
    let number = case.number.as_str();
    let mail = NotificationMail {
        purpose: "portal.reply".into(),
        to,
        subject: format!(
            "[{number}] {}",
            texts::bilingual("portal.mail.reply.subject", &[], " / ")
        ),
        text: format!(
            "{}\n\n{} {}",
            texts::bilingual(
                "portal.mail.reply.text",
                &[("number", number), ("body", body)],
                "\n\n---\n"
            ),
            texts::bilingual("portal.mail.hotline", &[], " / "),
            texts::HOTLINE
        ),
        case_id: Some(case.id),
        in_reply_to: None,
        mailbox_id: None,
        ..Default::default()
    };
    crate::outbox::enqueue_notification(tx, &mail, &format!("entry:{entry_id}"), now).await
}

impl Services {
    pub(super) async fn tracked_case(&self, token: &str) -> Result<CaseRecord, ServiceError> {
        // Any token shape is looked up the same way; a wrong one is simply not found.
        let mut conn = self.store().read().await?;
        let id = portal::case_for_tracking(&mut conn, &token_hash(token.trim()))
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(cases::by_id(&mut conn, id).await?)
    }

    /// The keys a tracking link holds: a sealed case's data key, when its link was given one.
    pub(super) async fn tracking_keys(
        &self,
        conn: &mut hqdesk_store::Connection,
        token: &str,
        case: &CaseRecord,
    ) -> Result<CaseKeys<'static>, ServiceError> {
        let opened = match portal::tracking_wrap(conn, &token_hash(token.trim())).await? {
            Some(wrapped) if case.sealed => {
                crate::sealing::open_for_tracking(token.trim(), case.id, &wrapped)
            }
            _ => None,
        };
        Ok(match opened {
            Some(key) => CaseKeys::with_data_key(case.id, key),
            None => CaseKeys::none(),
        })
    }

    /// The case behind a tracking link, as its requester may see it.
    pub async fn portal_track(&self, token: &str) -> Result<TrackedCase, ServiceError> {
        let case = self.tracked_case(token).await?;
        let mut conn = self.store().read().await?;
        let keys = match case.sealed {
            true => self.tracking_keys(&mut conn, token, &case).await?,
            false => CaseKeys::none(),
        };
        self.requester_view(&mut conn, case, keys).await
    }

    /// `case` as its requester sees it (through a tracking link or a receipt), its sealed
    /// values opened with `keys`.
    pub(super) async fn requester_view(
        &self,
        conn: &mut hqdesk_store::Connection,
        mut case: CaseRecord,
        mut keys: CaseKeys<'_>,
    ) -> Result<TrackedCase, ServiceError> {
        let conn = &mut *conn;
        // Only what was exchanged with this requester: after a merge, the other case's
        // conversation (another reporter's, another business's) stays off this page. A
        // requester's conversation is short; the cap only guards against a runaway case.
        let mut messages: Vec<Entry> =
            timeline::requester_conversation(conn, case.id, 1000).await?;
        let mut attachments: Vec<Attachment> = hqdesk_store::attachments::for_case(conn, case.id)
            .await?
            .into_iter()
            .filter(|a| messages.iter().any(|m| m.id == a.entry_id))
            .collect();
        if case.sealed {
            keys.open_case(conn, &mut case).await?;
            keys.open_entries(conn, &mut messages).await?;
            keys.open_attachments(conn, &mut attachments).await?;
        }
        let rating = portal::rating(conn, case.id).await?.map(Rating::from_row);
        Ok(TrackedCase {
            case,
            messages,
            attachments,
            rating,
        })
    }

    /// The requester writes again through the tracking link.
    /// Limited per source like the forms; only accepted replies count.
    pub async fn portal_reply(
        &self,
        token: &str,
        body: &str,
        attachments: Vec<NewAttachment>,
        source: &str,
    ) -> Result<(), ServiceError> {
        let case = self.tracked_case(token).await?;
        self.portal_rate_check(REPLY_LIMIT, source, REPLIES_PER_HOUR)
            .await?;
        self.add_message(
            &PORTAL,
            case.number.as_str(),
            AddMessage {
                body: body.to_string(),
                internal: false,
                direction: Direction::Inbound,
                attachments,
            },
            None,
        )
        .await?;
        self.count_accepted(REPLY_LIMIT, source).await;
        Ok(())
    }

    /// One attachment of the tracked case's conversation.
    pub async fn portal_attachment(
        &self,
        token: &str,
        id: i64,
    ) -> Result<(Attachment, Vec<u8>), ServiceError> {
        let tracked = self.portal_track(token).await?;
        if !tracked.attachments.iter().any(|a| a.id == id) {
            return Err(ServiceError::NotFound);
        }
        // Opened with the link's key (the portal itself holds none).
        let mut keys = if tracked.case.sealed {
            let mut conn = self.store().read().await?;
            self.tracking_keys(&mut conn, token, &tracked.case).await?
        } else {
            CaseKeys::none()
        };
        self.attachment_opened_with(&PORTAL, id, &mut keys).await
    }
}
