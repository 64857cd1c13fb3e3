//! A staff member's notifications (a fired escalation step): each user sees their own only, and
//! a notification names its case (number, link) only while its reader may still read that case —
//! a case moved out of their sight shows as "a case you can no longer see".
use hqdesk_domain::access::{self, Action, CaseFacts, Decision};
use hqdesk_domain::Timestamp;
use hqdesk_store::{notifications, Store};

use crate::{Actor, ServiceError, Services};

/// How many notifications the list shows.
pub const LIST_LIMIT: i64 = 200;

/// A notification as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationView {
    pub id: i64,
    pub kind: String,
    /// The case's number, only if the reader may read the case now.
    pub case_number: Option<String>,
    /// What fired: the clock (`first_response`…), the percentage and the action of the step.
    pub clock: Option<String>,
    pub percent: Option<i64>,
    pub action: Option<String>,
    /// The clock's due time, only with the case.
    pub due_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub read: bool,
}

impl Services {
    /// The actor's notifications, newest first. Only users have notifications.
    pub async fn notifications(
        &self,
        actor: &Actor,
    ) -> Result<Vec<NotificationView>, ServiceError> {
        let Actor::User { user, facts, .. } = actor else {
            return Ok(vec![]);
        };
        let mut conn = self.store().read().await?;
        let rows = notifications::list_for_user(&mut conn, user.id, LIST_LIMIT).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let readable = r.case_id.is_some()
                    && r.case_number.is_some()
                    && access::decide(
                        facts,
                        Action::ReadCase,
                        Some(&CaseFacts {
                            id: r.case_id,
                            confidential: r.case_confidential.unwrap_or(1) != 0,
                            unit_id: r.case_unit_id,
                            assignee_id: r.case_assignee_id,
                        }),
                    ) == Decision::Permit;
                let detail: serde_json::Value =
                    serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null);
                let s = |k: &str| detail[k].as_str().map(String::from);
                NotificationView {
                    id: r.id,
                    kind: r.kind,
                    case_number: if readable { r.case_number } else { None },
                    clock: s("clock"),
                    percent: detail["percent"].as_i64(),
                    action: s("action"),
                    due_at: if readable {
                        detail["due_at"].as_i64().map(Timestamp)
                    } else {
                        None
                    },
                    created_at: Timestamp(r.created_at),
                    read: r.read_at.is_some(),
                }
            })
            .collect())
    }

    /// How many of the actor's notifications are unread (0 for anyone but a user).
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64, ServiceError> {
        let Some(user_id) = actor.user_id() else {
            return Ok(0);
        };
        let mut conn = self.store().read().await?;
        Ok(notifications::count_unread(&mut conn, user_id).await?)
    }

    /// Mark all the actor's notifications read; how many were unread.
    pub async fn mark_notifications_read(&self, actor: &Actor) -> Result<u64, ServiceError> {
        let Some(user_id) = actor.user_id() else {
            return Ok(0);
        };
        let mut tx = self.store().begin().await?;
        let n = notifications::mark_all_read(&mut tx, user_id, self.now()).await?;
        Store::commit(tx).await?;
        Ok(n)
    }
}
