//! What agents and supervisors see: the screen-pop, the wallboard, a contact's calls.
use hqdesk_domain::case::CaseKind;
use hqdesk_domain::user::Role;
use hqdesk_store::calls::{self, Call};
use hqdesk_store::requesters::{self};

use crate::call_access::{call_scope, may_see_call, visible_calls};
use crate::{Actor, ServiceError, Services};

/// Everything the agent who answers needs to see about a call.
#[derive(Debug, Clone)]
pub struct CallView {
    pub call: Call,
    pub requester: Option<hqdesk_store::requesters::Requester>,
    /// The caller's active cases the actor may see, newest first.
    pub open_cases: Vec<hqdesk_store::cases::CaseRecord>,
    /// Earlier calls from the same number.
    pub recent_calls: Vec<Call>,
    /// (reason, flagged by, when) if the caller was flagged for abusive behaviour.
    pub flag: Option<(String, Option<String>, i64)>,
}

/// Live hotline figures for supervisors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wallboard {
    /// Calls waiting now, branch 1 and branch 2.
    pub waiting: [i64; 2],
    pub answered_today: i64,
    pub abandoned_today: i64,
    pub callbacks_open: i64,
    pub callbacks_overdue: i64,
    /// Longest current wait, seconds.
    pub longest_wait_seconds: i64,
}

impl Services {
    /// A call and what the actor may see around it. A call the actor may not see (a
    /// confidential one, for everyone but investigators) is not found.
    pub async fn call_view(&self, actor: &Actor, call_id: &str) -> Result<CallView, ServiceError> {
        if actor.user_id().is_none() {
            return Err(ServiceError::NotFound);
        }
        let mut conn = self.store().read().await?;
        let call = calls::get(&mut conn, call_id).await?;
        if !may_see_call(&mut conn, actor, &call).await? {
            return Err(ServiceError::NotFound);
        }
        let requester = match call.requester_id {
            Some(id) => Some(requesters::get(&mut conn, id).await?),
            None => None,
        };
        let (recent_calls, flag) = match &call.from_number {
            Some(n) => {
                let recent = calls::from_number(&mut conn, n, call_scope(actor), 11)
                    .await?
                    .into_iter()
                    .filter(|c| c.call_id != call.call_id)
                    .take(10)
                    .collect();
                (
                    visible_calls(&mut conn, actor, recent).await?,
                    calls::flag_of(&mut conn, n).await?,
                )
            }
            None => (vec![], None),
        };
        drop(conn);
        self.record_confidential_call_reads(
            actor,
            std::iter::once(&call).chain(&recent_calls),
            "call",
        )
        .await?;
        let open_cases = match &requester {
            Some(r) => {
                self.list_cases(
                    actor,
                    crate::cases::ListCases {
                        requester_id: Some(r.id),
                        status: vec!["new".into(), "open".into(), "waiting".into()],
                        limit: Some(20),
                        ..Default::default()
                    },
                )
                .await?
                .items
            }
            None => vec![],
        };
        Ok(CallView {
            call,
            requester,
            open_cases,
            recent_calls,
            flag,
        })
    }

    /// Open a case from a call the actor may see: the branch comes from the IVR, the requester
    /// from the caller's number; the call is attached to it. `kind` defaults to the branch's
    /// (a procedure problem on branch 1, an inquiry on branch 2); a call of the denunciation
    /// choice can only open a denunciation. A denunciation keeps its caller apart from the
    /// contacts, goes unassigned to the task force, and takes the call with it: from then on
    /// neither the case nor the call is shown to anyone but investigators, the officer who
    /// opened it included.
    pub async fn open_case_from_call(
        &self,
        actor: &Actor,
        call_id: &str,
        kind: Option<&str>,
        subject: &str,
        body: Option<String>,
        anonymous: bool,
    ) -> Result<crate::cases::CaseView, ServiceError> {
        let view = self.call_view(actor, call_id).await?;
        let branch = view.call.branch.unwrap_or(2);
        let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => CaseKind::parse(k).map_err(|e| ServiceError::invalid("kind", e))?,
            None if view.call.is_confidential() => CaseKind::Denunciation,
            None if branch == 1 => CaseKind::ProcedureProblem,
            None => CaseKind::Inquiry,
        };
        if view.call.is_confidential() && !kind.is_confidential() {
            return Err(ServiceError::invalid_field(
                "kind",
                "call_confidential",
                "a call of the denunciation choice can only open a denunciation",
            ));
        }
        let branch = if kind.is_confidential() { 1 } else { branch };
        let phone = view.call.from_number.clone().filter(|n| n.starts_with('+'));
        // An anonymous tip keeps nothing of the caller: no requester, and the call is not linked
        // to it (its number and time stay in the call log, apart from the report).
        let requester = if anonymous {
            None
        } else {
            view.requester
                .as_ref()
                .map(|r| crate::cases::RequesterInput {
                    name: Some(r.name.clone()),
                    phone: phone.clone(),
                    ..Default::default()
                })
                .or(phone.map(|p| crate::cases::RequesterInput {
                    phone: Some(p),
                    ..Default::default()
                }))
        };
        let cmd = crate::cases::OpenCase {
            kind: kind.as_str().into(),
            branch: Some(branch),
            channel: "phone".into(),
            subject: subject.into(),
            body,
            requester,
            anonymous,
            assignee: match actor {
                // The task force takes a denunciation from its own queue.
                Actor::User { user, .. } if !kind.is_confidential() => Some(user.username.clone()),
                _ => None,
            },
            ..Default::default()
        };
        let case = self.open_case(actor, cmd, None).await?;
        if !anonymous {
            // The opener may no longer see a denunciation: attached without asking again.
            self.link_call_to_case(actor, &view.call, &case.case)
                .await?;
        }
        Ok(case)
    }

    pub async fn wallboard(&self, actor: &Actor) -> Result<Wallboard, ServiceError> {
        if !matches!(
            actor.role(),
            Some(Role::Supervisor | Role::Admin | Role::Hotline)
        ) {
            return Err(ServiceError::Forbidden(
                "the wallboard is for supervisors".into(),
            ));
        }
        let now = self.now();
        let local = now.to_vietnam();
        let since_midnight = i64::from(chrono::Timelike::num_seconds_from_midnight(&local));
        let midnight = now.plus_seconds(-since_midnight);
        let mut conn = self.store().read().await?;
        let mut w = Wallboard::default();
        // Calls of the denunciation choice are not counted where they cannot be shown.
        let shown = |c: &Call| call_scope(actor) == calls::CallScope::All || !c.is_confidential();
        for c in calls::waiting(&mut conn, now.plus_minutes(-60))
            .await?
            .into_iter()
            .filter(shown)
        {
            let i = if c.branch == Some(1) { 0 } else { 1 };
            if let Some(slot) = w.waiting.get_mut(i) {
                *slot += 1;
            }
            let waited = (now.millis() - c.offered_at.unwrap_or(c.created_at)) / 1000;
            w.longest_wait_seconds = w.longest_wait_seconds.max(waited);
        }
        for c in calls::between(&mut conn, midnight, now.plus_seconds(1)).await? {
            if c.direction != "in" || !shown(&c) {
                continue;
            }
            if c.answered_at.is_some() || c.cause.as_deref() == Some("normalClearing") {
                w.answered_today += 1;
            } else if c.state == "ended" {
                w.abandoned_today += 1;
            }
        }
        drop(conn);
        let open = crate::cases::ListCases {
            kind: vec!["callback".into()],
            status: vec!["new".into(), "open".into(), "waiting".into()],
            limit: Some(1),
            ..Default::default()
        };
        w.callbacks_open = self.list_cases(actor, open.clone()).await?.total;
        w.callbacks_overdue = self
            .list_cases(
                actor,
                crate::cases::ListCases {
                    due_before: Some(now),
                    ..open
                },
            )
            .await?
            .total;
        Ok(w)
    }
}

impl Services {
    /// The latest calls from a contact's phone number.
    pub async fn contact_calls(
        &self,
        actor: &Actor,
        contact: &hqdesk_store::requesters::Requester,
    ) -> Result<Vec<Call>, ServiceError> {
        actor.require(hqdesk_domain::access::Action::ReadContacts, None)?;
        let Some(phone) = &contact.phone else {
            return Ok(vec![]);
        };
        let mut conn = self.store().read().await?;
        let found = calls::from_number(&mut conn, phone, call_scope(actor), 20).await?;
        let shown = visible_calls(&mut conn, actor, found).await?;
        drop(conn);
        self.record_confidential_call_reads(actor, &shown, "contact")
            .await?;
        Ok(shown)
    }
}
