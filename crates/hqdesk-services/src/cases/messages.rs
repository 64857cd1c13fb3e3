//! A case's messages: adding one, listing the timeline.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::case::{self, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_store::cases::CaseChanges;
use hqdesk_store::timeline::{Entry, NewEntry};
use hqdesk_store::{cases, idempotency, jobs, search, timeline, Connection, Store, StoreError};
use serde_json::json;

use super::attachments::record_attachments;
use super::{
    check_attachments, idempotency_scope, replay, AddMessage, Direction, IdempotencyKey,
    DELIVER_MESSAGE_JOB, MAX_PAGE,
};
use crate::audit::record as audit;
use crate::case_write::write_status_change;
use crate::{Actor, ServiceError, Services};

impl Services {
    /// Add a message: a reply to the requester (delivered later through the case's channel by
    /// the outbox), a message from the requester recorded by staff, or an internal note.
    pub async fn add_message(
        &self,
        actor: &Actor,
        number: &str,
        cmd: AddMessage,
        idem: Option<IdempotencyKey>,
    ) -> Result<Entry, ServiceError> {
        let mut conn = self.store().read().await?;
        let action = if cmd.internal {
            Action::AddNote
        } else {
            Action::Reply
        };
        let case = self.load_case(&mut conn, actor, number, action).await?;
        let scope = idempotency_scope(actor, &format!("case.message:{}", case.number));
        if let Some(key) = &idem {
            if let Some(rec) = idempotency::find(&mut conn, &scope, &key.key).await? {
                return self.replay_entry(&mut conn, &rec, key).await;
            }
        }
        // A sealed case's files are stored sealed to it.
        let seal = if case.sealed {
            Some(
                hqdesk_store::sealed::append::of_case(&mut conn, case.id)
                    .await?
                    .ok_or_else(|| ServiceError::Internal("a sealed case has no seal".into()))?,
            )
        } else {
            None
        };
        drop(conn);
        let body = case::parse_body(&cmd.body).map_err(|e| ServiceError::invalid("body", e))?;
        check_attachments(&cmd.attachments)?;
        let stored = self
            .store_attachment_bytes(&cmd.attachments, seal.as_ref())
            .await?;
        if case.status == Status::Closed && !cmd.internal {
            return Err(ServiceError::Conflict {
                code: "case_closed",
                message: "this case is closed; open a follow-up case to continue the conversation"
                    .into(),
            });
        }
        let now = self.now();
        let (kind, delivery) = match (cmd.internal, cmd.direction) {
            (true, _) => (EntryKind::Note, None),
            (false, Direction::Inbound) => (EntryKind::Inbound, None),
            (false, Direction::Outbound) if case.channel.delivers_replies() => {
                (EntryKind::Outbound, Some(DeliveryState::Queued))
            }
            (false, Direction::Outbound) => {
                (EntryKind::Outbound, Some(DeliveryState::NotApplicable))
            }
        };
        // A reply that leaves a sealed case by mail: its text and files go with the sending job,
        // sealed for the installation (the job holds no key that opens the case).
        let sealed_reply = if case.sealed && delivery == Some(DeliveryState::Queued) {
            Some(sealed_reply(&body, &cmd.attachments).await?.seal()?)
        } else {
            None
        };
        let mut tx = self.store().begin().await?;
        let entry_id = timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind,
                channel: (!cmd.internal).then_some(case.channel),
                author_user_id: actor.user_id(),
                body: &body,
                delivery_state: delivery,
                meta: None,
            },
            now,
        )
        .await?;
        cases::bump_message_count(&mut tx, case.id, now).await?;
        search::index(&mut tx, case.id, &body).await?;
        record_attachments(&mut tx, case.id, entry_id, &stored, now).await?;
        if kind == EntryKind::Outbound {
            crate::sla::events::on_reply(&mut tx, case.id, now).await?;
            if case.first_responded_at.is_none() {
                cases::update(
                    &mut tx,
                    case.id,
                    &CaseChanges {
                        first_responded_at: Some(now),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
            }
            if case.status == Status::New {
                write_status_change(&mut tx, actor, &case, Status::Open, now).await?;
            }
            if case.channel == Channel::Portal {
                crate::portal::notify_reply(&mut tx, &case, entry_id, &body, now).await?;
            }
            if delivery == Some(DeliveryState::Queued) {
                let mut payload = json!({ "entry_id": entry_id, "case_id": case.id, "channel": case.channel.as_str() });
                if let Some(sealed) = &sealed_reply {
                    payload["sealed"] = json!(sealed);
                }
                jobs::enqueue(
                    &mut tx,
                    &jobs::NewJob {
                        kind: DELIVER_MESSAGE_JOB,
                        payload: payload.to_string(),
                        dedup_key: Some(format!("message:{entry_id}")),
                        run_at: now,
                        max_attempts: 10,
                    },
                    now,
                )
                .await?;
            }
        } else if kind == EntryKind::Inbound {
            // After a reply, the requester's new message starts the next-response clock.
            crate::sla::events::on_inbound(&mut tx, &case, now).await?;
            if matches!(case.status, Status::Waiting | Status::Resolved) {
                // The requester spoke again: the case needs staff again.
                write_status_change(&mut tx, actor, &case, Status::Open, now).await?;
            }
        }
        audit(
            &mut tx,
            now,
            actor,
            &format!("case.{}", kind.as_str()),
            &format!("case:{}", case.number),
            json!({ "entry_id": entry_id }),
        )
        .await?;
        if let Some(key) = &idem {
            match idempotency::record(
                &mut tx,
                &scope,
                &key.key,
                &key.fingerprint,
                &format!("message:{entry_id}"),
                None,
                now,
            )
            .await
            {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) => {
                    drop(tx);
                    let mut conn = self.store().read().await?;
                    return match idempotency::find(&mut conn, &scope, &key.key).await? {
                        Some(rec) => self.replay_entry(&mut conn, &rec, key).await,
                        None => Err(ServiceError::Conflict {
                            code: "idempotency_in_progress",
                            message: "a request with this Idempotency-Key is in progress; retry"
                                .into(),
                        }),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(timeline::get(&mut conn, entry_id).await?)
    }

    async fn replay_entry(
        &self,
        conn: &mut Connection,
        rec: &idempotency::Recorded,
        key: &IdempotencyKey,
    ) -> Result<Entry, ServiceError> {
        let resource = replay(rec, key)?;
        let id = resource
            .strip_prefix("message:")
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| ServiceError::Internal(format!("idempotency record {resource}")))?;
        Ok(timeline::get(conn, id).await?)
    }

    /// The case's messages and notes (or the whole timeline with `all`), in order.
    pub async fn list_timeline(
        &self,
        actor: &Actor,
        number: &str,
        all: bool,
        after_id: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<Entry>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let limit = limit.unwrap_or(MAX_PAGE);
        if !(1..=1000).contains(&limit) {
            return Err(ServiceError::invalid_field(
                "limit",
                "limit_range",
                "limit must be between 1 and 1000",
            ));
        }
        let kinds: &[EntryKind] = if all {
            &[]
        } else {
            &[EntryKind::Inbound, EntryKind::Outbound, EntryKind::Note]
        };
        let mut entries = timeline::list(&mut conn, case.id, kinds, after_id, limit).await?;
        if case.sealed {
            crate::sealing::CaseKeys::for_actor(actor)
                .open_entries(&mut conn, &mut entries)
                .await?;
        }
        crate::conflict::hide_merges_out_of_scope(&mut conn, actor, &mut entries).await?;
        drop(conn);
        self.record_confidential_reads(actor, [&case], "messages")
            .await?;
        Ok(entries)
    }
}

/// The text and files of a reply, for the job that mails it from a sealed case.
async fn sealed_reply(
    body: &str,
    files: &[crate::cases::NewAttachment],
) -> Result<crate::outbox::SealedReply, ServiceError> {
    use base64::Engine as _;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let bytes = match &f.content {
            crate::cases::FileContent::Bytes(b) => b.clone(),
            crate::cases::FileContent::Staged(staged) => tokio::fs::read(staged.path())
                .await
                .map_err(|e| ServiceError::Internal(format!("a staged upload: {e}")))?,
        };
        out.push(crate::outbox::MailFile {
            filename: f.filename.clone(),
            content_type: f.content_type.clone(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
    }
    Ok(crate::outbox::SealedReply {
        body: body.to_string(),
        files: out,
    })
}
