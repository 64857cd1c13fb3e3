//! What staff do around calls: attach a call to a case, flag a caller, set an extension.
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::CaseNumber;
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::PhoneE164;
use hqdesk_domain::user::Role;
use hqdesk_store::calls::{self, Call};
use hqdesk_store::cases::{self};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{Store, StoreError};
use serde_json::json;

use crate::audit::record as audit;
use crate::call_access::may_see_call;
use crate::{Actor, ServiceError, Services};

impl Services {
    /// Attach an answered call to a case the agent chose (or just opened from the screen-pop).
    pub async fn attach_call(
        &self,
        actor: &Actor,
        call_id: &str,
        number: &str,
    ) -> Result<(), ServiceError> {
        let mut conn = self.store().read().await?;
        let n = CaseNumber::parse(number).map_err(|_| ServiceError::NotFound)?;
        let case = cases::by_number(&mut conn, &n).await?;
        actor.require(hqdesk_domain::access::Action::AddNote, Some(&case.facts()))?;
        let unknown =
            || ServiceError::invalid_field("call_id", "call_unknown", "there is no such call");
        let call = calls::get(&mut conn, call_id).await.map_err(|e| match e {
            StoreError::NotFound => unknown(),
            other => other.into(),
        })?;
        if !may_see_call(&mut conn, actor, &call).await? {
            return Err(unknown());
        }
        drop(conn);
        if call.is_confidential() && !case.confidential {
            // Its timeline entry would show the caller's number to everyone who reads the case.
            return Err(ServiceError::invalid_field(
                "case",
                "call_confidential",
                "a call of the denunciation choice can only be attached to a denunciation",
            ));
        }
        self.link_call_to_case(actor, &call, &case).await
    }

    /// Attach `call` to `case` (the caller has checked that `actor` may): a call attached to a
    /// denunciation becomes confidential.
    pub(super) async fn link_call_to_case(
        &self,
        actor: &Actor,
        call: &Call,
        case: &hqdesk_store::cases::CaseRecord,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut c = calls::lock_or_create(&mut tx, &call.call_id, &call.direction, now).await?;
        c.case_id = Some(case.id);
        if case.confidential {
            c.confidential = 1;
            c.requester_id = None;
        }
        calls::save(&mut tx, &c, now).await?;
        let meta = json!({ "call_id": c.call_id, "from": c.from_number, "to": c.to_number, "answered_by": c.answered_by, "answered_at": c.answered_at, "ended_at": c.ended_at });
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Call,
                channel: Some(Channel::Phone),
                author_user_id: actor.user_id(),
                body: "answered",
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "call.attach",
            &format!("case:{}", case.number),
            json!({ "call_id": c.call_id }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Mark a caller as abusive (shown on the screen-pop; never blocks a call or a denunciation).
    pub async fn flag_caller(
        &self,
        actor: &Actor,
        phone: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        if actor.user_id().is_none() || actor.role() == Some(Role::Admin) {
            return Err(ServiceError::Forbidden(
                "only staff who take calls may flag callers".into(),
            ));
        }
        let phone = PhoneE164::parse(phone).map_err(|e| ServiceError::invalid("phone", e))?;
        let reason = hqdesk_domain::case::parse_subject(reason)
            .map_err(|e| ServiceError::invalid("reason", e))?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        calls::set_flag(&mut tx, phone.as_str(), &reason, actor.user_id(), now).await?;
        // The append-only audit log names the number by its lookup hash: the caller may be a
        // reporter, and the flag itself can be removed, the log entry cannot.
        let object = format!(
            "phone:{}",
            hqdesk_store::secrets::lookup::lookup_hash("phone", phone.as_str())?
        );
        audit(
            &mut tx,
            now,
            actor,
            "caller.flag",
            &object,
            json!({ "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Set the extension on which a user answers calls.
    pub async fn set_extension(
        &self,
        actor: &Actor,
        username: &str,
        ext: Option<&str>,
    ) -> Result<(), ServiceError> {
        actor.require(hqdesk_domain::access::Action::ManageUsers, None)?;
        let mut tx = self.store().begin().await?;
        let user = hqdesk_store::users::by_username(&mut tx, username).await?;
        calls::set_extension(
            &mut tx,
            user.id,
            ext.map(str::trim).filter(|e| !e.is_empty()),
        )
        .await?;
        audit(
            &mut tx,
            self.now(),
            actor,
            "user.extension",
            &format!("user:{username}"),
            json!({ "extension": ext }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }
}
