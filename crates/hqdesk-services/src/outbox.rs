//! The outbox for notification mail (acknowledgements, portal confirmations): a use case writes
//! the mail as a job in the same transaction as the change it reports, and the email channel's
//! worker sends it later over SMTP. Replies to requesters are not notifications: they are
//! timeline entries delivered through `cases::DELIVER_MESSAGE_JOB`.
use hqdesk_domain::Timestamp;
use hqdesk_store::jobs::{self, NewJob};
use hqdesk_store::Connection;
use serde::{Deserialize, Serialize};

use crate::ServiceError;

/// Kind of the job that sends one [`NotificationMail`].
pub const SEND_NOTIFICATION_JOB: &str = "mail.notify";

/// A system-written mail to one address, in plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationMail {
    /// What it is, for logs and the dedup key: `portal.confirmation`, `email.ack`, …
    pub purpose: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The case it concerns, if any (its number goes in the subject already).
    pub case_id: Option<i64>,
    /// Message-ID of the mail this one answers, so the requester's client threads it.
    pub in_reply_to: Option<String>,
    /// Send from this mailbox (the one the requester wrote to); `None`: the default mailbox.
    pub mailbox_id: Option<i64>,
    /// Files attached (a redacted forward's clean copies); notifications have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<MailFile>,
    /// Written by a person (a forward), so not marked as an automatic mail.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_staff: bool,
}

/// A file attached to a [`NotificationMail`], carried in its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFile {
    pub filename: String,
    pub content_type: String,
    /// The bytes, in base64.
    pub base64: String,
}

/// What the job sending a reply to a sealed case's reporter needs and cannot read from the case
/// (its entry and files are sealed to keys no job holds): the reply's text and files, written
/// into the job's payload sealed for the installation by the use case that has them in clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedReply {
    pub body: String,
    #[serde(default)]
    pub files: Vec<MailFile>,
}

/// The context of a [`SealedReply`] in a `message.deliver` payload.
const SEALED_REPLY: &str = "jobs.payload.message.deliver";

impl SealedReply {
    pub(crate) fn seal(&self) -> Result<String, ServiceError> {
        let json =
            serde_json::to_string(self).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(hqdesk_store::secrets::seal_value(SEALED_REPLY, &json)?)
    }

    pub(crate) fn open(sealed: &str) -> Result<SealedReply, String> {
        let json = hqdesk_store::secrets::open_value(SEALED_REPLY, sealed)
            .map_err(|e| format!("sealed message.deliver payload: {e}"))?;
        serde_json::from_str(&json).map_err(|e| format!("bad sealed reply: {e}"))
    }
}

/// The context of a notification's payload sealed for the installation.
const SEALED_PAYLOAD: &str = "jobs.payload.mail.notify";

/// A queued notification's payload as the sending job reads it (sealed or not).
pub(crate) fn notification_payload(payload: &str) -> Result<NotificationMail, String> {
    let opened;
    let payload = if hqdesk_store::secrets::is_sealed(payload) {
        opened = hqdesk_store::secrets::open_value(SEALED_PAYLOAD, payload)
            .map_err(|e| format!("sealed mail.notify payload: {e}"))?;
        opened.as_str()
    } else {
        payload
    };
    serde_json::from_str(payload).map_err(|e| format!("bad mail.notify payload: {e}"))
}

/// Queue `mail` inside the caller's transaction. `dedup` makes a retried use case queue it once.
pub async fn enqueue_notification(
    conn: &mut Connection,
    mail: &NotificationMail,
    dedup: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let mut payload =
        serde_json::to_string(mail).map_err(|e| ServiceError::Internal(e.to_string()))?;
    if let Some(case_id) = mail.case_id {
        if hqdesk_store::cases::is_sealed(conn, case_id).await? {
            // A sealed case's reporter: their address and the mail wait sealed for the
            // installation (the sending job needs them without any investigator's key).
            payload = hqdesk_store::secrets::seal_value(SEALED_PAYLOAD, &payload)?;
        }
    }
    jobs::enqueue(
        conn,
        &NewJob {
            kind: SEND_NOTIFICATION_JOB,
            payload,
            dedup_key: Some(format!("{}:{dedup}", mail.purpose)),
            run_at: now,
            max_attempts: 12,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The notifications about `case_id` queued (or sent) before it was sealed: their payloads
/// (the reporter's address, the subject) are sealed for the installation like those queued
/// after. A pending one is still sent: the acknowledgement was due.
pub(crate) async fn seal_case_notifications(
    conn: &mut Connection,
    case_id: i64,
) -> Result<(), ServiceError> {
    let needle = format!("\"case_id\":{case_id}");
    for (id, payload) in jobs::with_payload_containing(conn, SEND_NOTIFICATION_JOB, &needle).await?
    {
        let Ok(mail) = serde_json::from_str::<NotificationMail>(&payload) else {
            continue;
        };
        if mail.case_id == Some(case_id) {
            let sealed = hqdesk_store::secrets::seal_value(SEALED_PAYLOAD, &payload)?;
            jobs::set_payload(conn, id, &sealed).await?;
        }
    }
    Ok(())
}
