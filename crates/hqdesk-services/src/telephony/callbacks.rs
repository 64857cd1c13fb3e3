//! Callbacks: the attempts to call a missed caller back, and resolving the callback case.
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{CaseKind, CaseNumber, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use hqdesk_store::calls::{self};
use hqdesk_store::cases::{self, CaseChanges};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{Connection, Store};
use serde_json::json;

use crate::audit::record as audit;
use crate::case_write::write_status_change;
use crate::{Actor, ServiceError, Services};

/// How many failed attempts end a callback.
pub const MAX_CALLBACK_ATTEMPTS: usize = 3;
/// A callback is due this long after the last missed call.
pub const CALLBACK_DUE_MINUTES: i64 = 30;

impl Services {
    pub(super) async fn resolve_callback(
        &self,
        tx: &mut Connection,
        actor: &Actor,
        case: &hqdesk_store::cases::CaseRecord,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        if case.status.can_become(Status::Resolved) {
            write_status_change(tx, actor, case, Status::Resolved, now).await?;
        }
        Ok(())
    }

    /// Record an attempt to call back: `no_answer`, `busy` or `reached`. Reached resolves the
    /// callback; the last allowed failed attempt resolves it as unreachable.
    pub async fn callback_attempt(
        &self,
        actor: &Actor,
        number: &str,
        outcome: &str,
        note: Option<&str>,
    ) -> Result<(usize, bool), ServiceError> {
        let outcome = match outcome.trim() {
            o @ ("no_answer" | "busy" | "reached") => o,
            other => {
                return Err(ServiceError::invalid_field(
                    "outcome",
                    "outcome_unknown",
                    format!("outcome must be no_answer, busy or reached, not {other:?}"),
                ))
            }
        };
        let mut conn = self.store().read().await?;
        let n = CaseNumber::parse(number).map_err(|_| ServiceError::NotFound)?;
        let case = cases::by_number(&mut conn, &n).await?;
        actor.require(
            hqdesk_domain::access::Action::ChangeStatus,
            Some(&case.facts()),
        )?;
        // A denunciation that stands for missed calls of the IVR's denunciation choice is
        // called back like any callback (by the task force, the only ones who see it).
        let (callback_number, _) = calls::callback_info(&mut conn, case.id).await?;
        drop(conn);
        let is_callback = case.kind == CaseKind::Callback
            || (case.kind == CaseKind::Denunciation && callback_number.is_some());
        if !is_callback {
            return Err(ServiceError::Conflict {
                code: "not_a_callback",
                message: "attempts are recorded on callback cases only".into(),
            });
        }
        if !case.status.is_active() {
            return Err(ServiceError::Conflict {
                code: "case_closed",
                message: "this callback is already done".into(),
            });
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        calls::add_attempt(&mut tx, case.id, outcome, note, actor.user_id(), now).await?;
        let attempts = calls::attempts(&mut tx, case.id).await?;
        let failed = attempts.iter().filter(|a| a.outcome != "reached").count();
        let meta = json!({ "attempt": outcome, "note": note, "attempts": attempts.len() });
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Call,
                channel: Some(Channel::Phone),
                author_user_id: actor.user_id(),
                body: "callback_attempt",
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        let done = outcome == "reached" || failed >= MAX_CALLBACK_ATTEMPTS;
        if done {
            self.resolve_callback(&mut tx, actor, &case, now).await?;
        } else {
            cases::update(
                &mut tx,
                case.id,
                &CaseChanges {
                    resolution_due_at: Some(Some(now.plus_minutes(CALLBACK_DUE_MINUTES))),
                    first_responded_at: case.first_responded_at.is_none().then_some(now),
                    ..Default::default()
                },
                now,
            )
            .await?;
            // A call attempt is the answer to the requester: it meets the first response.
            crate::sla::events::on_reply(&mut tx, case.id, now).await?;
        }
        // The note stays on the timeline (which sealing can rewrite), never in the append-only
        // audit log: a callback may turn out to be a denunciation.
        audit(
            &mut tx,
            now,
            actor,
            "case.callback_attempt",
            &format!("case:{}", case.number),
            json!({ "attempt": outcome, "note": note.is_some(), "attempts": attempts.len() }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok((attempts.len(), done))
    }
}
