//! Live updates for the console: the audit log is the change feed (complete, ordered and shared
//! by every node). What a stream may deliver is decided again for every batch of events from
//! the session as it is now, never from the role the user had when the stream opened: a user
//! demoted from investigator stops receiving confidential changes at once.
use hqdesk_domain::access::CaseFacts;
use hqdesk_domain::case::CaseNumber;
use hqdesk_store::cases::{self, CaseRecord};
use hqdesk_store::{sessions, StoreError};

use crate::session::{Stage, IDLE_MINUTES};
use crate::{Actor, ServiceError, Services};

/// A change to a case, for live updates.
#[derive(Debug, Clone)]
pub struct CaseChange {
    /// Its position in the change feed (never shown as such: see the console's event ids).
    pub seq: i64,
    pub action: String,
    pub case: CaseRecord,
}

/// What a live stream delivers next.
#[derive(Debug, Clone)]
pub struct LiveBatch {
    /// The session's actor as it is now (read only when there was something to deliver).
    pub actor: Option<Actor>,
    pub changes: Vec<CaseChange>,
    /// Cases this session saw that were just sealed: to take off its screens at once.
    pub removed: Vec<String>,
    /// Calls just answered on this actor's extension (for the screen-pop).
    pub pops: Vec<String>,
    /// Where to continue from.
    pub last: i64,
}

/// The facts of a case as they were before it was sealed, from its `case.seal` audit entry.
fn before_sealing(case_id: i64, detail: &str) -> CaseFacts {
    let d: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    CaseFacts {
        id: Some(case_id),
        confidential: false,
        unit_id: d["before"]["unit_id"].as_i64(),
        assignee_id: d["before"]["assignee_id"].as_i64(),
    }
}

/// How many change-feed entries one poll reads.
const PAGE: i64 = 200;

impl Services {
    /// The newest position of the change feed: live updates start after it.
    pub async fn change_feed_head(&self) -> Result<i64, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(hqdesk_store::audit::head_seq(&mut conn).await?)
    }

    /// The actor of a fully signed-in, live console session (by its stored hash), read now;
    /// None when the session ended, expired or its user was deactivated. Not counted as
    /// activity.
    pub async fn live_actor(&self, session_hash: &str) -> Result<Option<Actor>, ServiceError> {
        let now = self.now().millis();
        let mut conn = self.store().read().await?;
        let Some(s) = sessions::get(&mut conn, session_hash).await? else {
            return Ok(None);
        };
        drop(conn);
        let expired = s.expires_at <= now || s.last_seen_at + IDLE_MINUTES * 60_000 <= now;
        if expired || Stage::parse(&s.stage) != Stage::Full {
            return Ok(None);
        }
        match self.actor_for_user(s.user_id).await {
            Ok(a) => Ok(Some(a)),
            Err(ServiceError::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The changes after `after_seq` that the session may see now, or None when the session
    /// has ended (the stream ends with it). The actor is read again whenever there is something
    /// to deliver; confidential changes delivered are audited as reads.
    pub async fn live_changes(
        &self,
        session_hash: &str,
        after_seq: i64,
    ) -> Result<Option<LiveBatch>, ServiceError> {
        let mut conn = self.store().read().await?;
        let entries = hqdesk_store::audit::page(&mut conn, after_seq, PAGE).await?;
        drop(conn);
        let last = entries.last().map(|e| e.seq).unwrap_or(after_seq);
        let wanted = |action: &str, object: &str| {
            action == "call.answered"
                || (action.starts_with("case.")
                    && action != "case.read_confidential"
                    && object.starts_with("case:"))
        };
        let candidates: Vec<_> = entries
            .into_iter()
            .filter(|e| wanted(&e.action, &e.object))
            .collect();
        let mut batch = LiveBatch {
            changes: Vec::new(),
            removed: Vec::new(),
            pops: Vec::new(),
            last,
            actor: None,
        };
        if candidates.is_empty() {
            return Ok(Some(batch));
        }
        let Some(actor) = self.live_actor(session_hash).await? else {
            return Ok(None);
        };
        let scope = actor.case_scope();
        let me = match &actor {
            Actor::User { user, .. } => Some(user.username.clone()),
            _ => None,
        };
        let mut conn = self.store().read().await?;
        for e in candidates {
            if e.action == "call.answered" {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                if me.is_some() && detail["pop"].as_str() == me.as_deref() {
                    if let Some(id) = e.object.strip_prefix("call:") {
                        batch.pops.push(id.to_string());
                    }
                }
                continue;
            }
            let Some(Ok(number)) = e.object.strip_prefix("case:").map(CaseNumber::parse) else {
                continue;
            };
            match cases::by_number(&mut conn, &number).await {
                Ok(c) if scope.contains(&c.facts()) => batch.changes.push(CaseChange {
                    seq: e.seq,
                    action: e.action,
                    case: c,
                }),
                // Sealed out of this session's sight: it saw the case if it saw it as it was.
                Ok(c)
                    if e.action == "case.seal"
                        && scope.contains(&before_sealing(c.id, &e.detail)) =>
                {
                    batch.removed.push(c.number.to_string());
                }
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        // A sealed case's subject opens with the actor's key; the stream's actor is rebuilt from
        // the session without one, so it reads empty there until the page is loaded again.
        let mut keys = crate::sealing::CaseKeys::for_actor(&actor);
        for change in batch.changes.iter_mut().filter(|c| c.case.sealed) {
            keys.open_case(&mut conn, &mut change.case).await?;
        }
        drop(keys);
        drop(conn);
        self.record_confidential_reads(&actor, batch.changes.iter().map(|c| &c.case), "live")
            .await?;
        batch.actor = Some(actor);
        Ok(Some(batch))
    }
}
