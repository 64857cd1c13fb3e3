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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Queue `mail` inside the caller's transaction. `dedup` makes a retried use case queue it once.
pub async fn enqueue_notification(
    conn: &mut Connection,
    mail: &NotificationMail,
    dedup: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let payload = serde_json::to_string(mail).map_err(|e| ServiceError::Internal(e.to_string()))?;
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
