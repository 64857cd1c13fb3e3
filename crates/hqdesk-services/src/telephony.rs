//! The hotline: call events from the telephone system, callbacks for every missed call, attempts
//! to call back, the screen-pop and the wallboard figures.
//!
//! Every source (generic CTI webhook, our signed JSON webhook, Asterisk AMI) is mapped to one
//! canonical [`CallEvent`]. Processing is idempotent per call id and tolerates any order: the call
//! row is created by whichever event comes first and only ever moves forward
//! (ringing → answered → ended).
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::PhoneE164;
use hqdesk_domain::user::Role;
use hqdesk_domain::Timestamp;
use hqdesk_store::calls::{self, Call};
use hqdesk_store::cases::{self, CaseChanges, ConfidentialReporter, NewCase, NewCaseNames};
use hqdesk_store::requesters::{self, RequesterFields};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{Connection, Store, StoreError};
use serde_json::json;

use crate::audit::record as audit;
use crate::call_access::{call_scope, may_see_call, visible_calls};
use crate::case_write::{insert_case, write_status_change, CaseToInsert, Opening};
use crate::texts;
use crate::{Actor, ServiceError, Services};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEventKind {
    /// The call reached the system (after the IVR, or queued).
    Offered,
    Answered,
    Ended,
    /// The caller left a voicemail (reference to the recording).
    Voicemail,
    /// A recording of the call is available.
    Recording,
}

/// One event about a call, whatever system reported it.
#[derive(Debug, Clone)]
pub struct CallEvent {
    pub kind: CallEventKind,
    pub call_id: String,
    /// `in` or `out`.
    pub direction: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub branch: Option<i64>,
    /// The IVR's choice within the branch, when it knows it: `denunciation` makes the call
    /// confidential (see [`IvrChoice`]).
    pub choice: Option<String>,
    /// Extension or login of the agent who answered.
    pub agent: Option<String>,
    /// Hang-up cause in any vocabulary (see [`normalize_cause`]).
    pub cause: Option<String>,
    /// Voicemail or recording reference.
    pub reference: Option<String>,
    /// When it happened, if the source says; else when it arrived.
    pub at: Option<Timestamp>,
}

impl CallEvent {
    pub fn new(kind: CallEventKind, call_id: impl Into<String>) -> Self {
        CallEvent {
            kind,
            call_id: call_id.into(),
            direction: None,
            from: None,
            to: None,
            branch: None,
            choice: None,
            agent: None,
            cause: None,
            reference: None,
            at: None,
        }
    }
}

/// What processing an event did.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub call: Call,
    /// The callback case this (missed) call is folded into.
    pub callback: Option<CaseNumber>,
    /// The username to show a screen-pop to (set once, on the first answer).
    pub screen_pop: Option<String>,
}

/// Hang-up causes from Zammad-style CTI names, FreeSWITCH names, Q.850 numbers and SIP status
/// lines, mapped onto the CTI vocabulary.
pub fn normalize_cause(raw: &str) -> &'static str {
    let r = raw.trim();
    let lower = r.to_ascii_lowercase();
    let code: Option<u32> = lower
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok());
    match lower.replace(['_', '-', ' '], "").as_str() {
        "normalclearing" | "16" | "200ok" => return "normalClearing",
        "busy" | "userbusy" | "17" | "486busyhere" => return "busy",
        "cancel" | "originatorcancel" | "487requestterminated" | "abandon" | "abandoned" => {
            return "cancel"
        }
        "noanswer"
        | "noanswerfromuser"
        | "19"
        | "480temporarilyunavailable"
        | "callrejected"
        | "21" => return "noAnswer",
        "congestion" | "normalcircuitcongestion" | "34" | "503serviceunavailable" => {
            return "congestion"
        }
        "notfound" | "unallocatednumber" | "1" | "404notfound" => return "notFound",
        "forwarded" => return "forwarded",
        _ => {}
    }
    match code {
        Some(16) | Some(200) => "normalClearing",
        Some(17) | Some(486) | Some(600) => "busy",
        Some(487) => "cancel",
        Some(18) | Some(19) | Some(21) | Some(480) | Some(603) => "noAnswer",
        Some(34) | Some(38) | Some(41) | Some(42) | Some(503) => "congestion",
        Some(1) | Some(404) | Some(484) => "notFound",
        _ => "unknown",
    }
}

/// What the caller chose in the IVR within a branch. Branch 1 offers two: denunciations
/// (smuggling, trade fraud, corruption, misconduct) and problems met during customs procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvrChoice {
    /// Confidential: the call, its callback and anything opened from it are for the task force.
    Denunciation,
    Procedure,
}

impl IvrChoice {
    /// Every choice as written on the wire.
    pub const NAMES: [&'static str; 2] = ["denunciation", "procedure"];

    /// `denunciation` or `procedure` (the field is `choice`).
    pub fn parse(raw: &str) -> Result<IvrChoice, ServiceError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "denunciation" => Ok(IvrChoice::Denunciation),
            "procedure" => Ok(IvrChoice::Procedure),
            other => Err(ServiceError::invalid_field(
                "choice",
                "choice_unknown",
                format!("choice must be denunciation or procedure, not {other:?}"),
            )),
        }
    }
}

/// How many failed attempts end a callback.
pub const MAX_CALLBACK_ATTEMPTS: usize = 3;
/// A callback is due this long after the last missed call.
pub const CALLBACK_DUE_MINUTES: i64 = 30;

fn rank(state: &str) -> u8 {
    match state {
        "ended" => 2,
        "answered" => 1,
        _ => 0,
    }
}

/// A caller's number in E.164 when it is one (anonymous and garbage stay as they came).
fn number(raw: &Option<String>) -> Option<String> {
    let r = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    Some(
        PhoneE164::parse(r)
            .map(String::from)
            .unwrap_or_else(|_| r.to_string()),
    )
}

fn may_report_calls(actor: &Actor) -> bool {
    matches!(actor, Actor::System(_))
        || matches!(
            actor.role(),
            Some(Role::Hotline | Role::Supervisor | Role::Admin)
        )
}

impl Services {
    /// Apply one call event. Safe to repeat and to receive in any order.
    pub async fn record_call_event(
        &self,
        actor: &Actor,
        ev: CallEvent,
    ) -> Result<CallOutcome, ServiceError> {
        if !may_report_calls(actor) {
            return Err(ServiceError::Forbidden(
                "this account may not report calls".into(),
            ));
        }
        let call_id = ev.call_id.trim();
        if call_id.is_empty() || call_id.len() > 250 {
            return Err(ServiceError::invalid_field(
                "callId",
                "call_id_invalid",
                "callId must have 1–250 characters",
            ));
        }
        let direction = match ev.direction.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("in") | Some("inbound") => Some("in"),
            Some("out") | Some("outbound") => Some("out"),
            Some(other) => {
                return Err(ServiceError::invalid_field(
                    "direction",
                    "direction_invalid",
                    format!("direction must be in or out, not {other:?}"),
                ))
            }
        };
        if let Some(b) = ev.branch {
            Branch::from_number(b).map_err(|e| ServiceError::invalid("branch", e))?;
        }
        let choice = match ev.choice.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(IvrChoice::parse(raw)?),
        };
        let now = self.now();
        let at = ev.at.unwrap_or(now).millis();
        let mut tx = self.store().begin().await?;
        let mut c = calls::lock_or_create(&mut tx, call_id, direction.unwrap_or("in"), now).await?;
        let before = c.clone();
        if let Some(d) = direction {
            c.direction = d.to_string();
        }
        c.from_number = c.from_number.clone().or_else(|| number(&ev.from));
        c.to_number = c.to_number.clone().or_else(|| number(&ev.to));
        c.branch = c.branch.or(ev.branch);
        // The denunciation choice is branch 1's, and once confidential a call stays so.
        if choice == Some(IvrChoice::Denunciation) {
            c.confidential = 1;
            c.branch = c.branch.or(Some(1));
        }
        let mut screen_pop = None;
        match ev.kind {
            CallEventKind::Offered => {
                c.offered_at = c.offered_at.or(Some(at));
            }
            CallEventKind::Answered => {
                if c.answered_at.is_none() {
                    c.answered_at = Some(at);
                    c.answered_by = ev.agent.clone().map(|a| {
                        a.trim()
                            .trim_start_matches("SIP/")
                            .trim_start_matches("PJSIP/")
                            .to_string()
                    });
                    if let Some(agent) = &c.answered_by {
                        c.answered_user_id = calls::user_by_extension(&mut tx, agent).await?;
                        if let Some(uid) = c.answered_user_id {
                            screen_pop =
                                Some(hqdesk_store::users::get(&mut tx, uid).await?.username);
                        }
                    }
                }
            }
            CallEventKind::Ended => {
                c.ended_at = c.ended_at.or(Some(at));
                c.cause = c
                    .cause
                    .clone()
                    .or_else(|| ev.cause.as_deref().map(|r| normalize_cause(r).to_string()));
            }
            CallEventKind::Voicemail => c.voicemail = c.voicemail.clone().or(ev.reference.clone()),
            CallEventKind::Recording => c.recording = c.recording.clone().or(ev.reference.clone()),
        }
        let incoming = match ev.kind {
            CallEventKind::Answered => "answered",
            CallEventKind::Ended | CallEventKind::Voicemail => "ended",
            _ => "ringing",
        };
        if rank(incoming) > rank(&c.state) {
            c.state = incoming.to_string();
        }
        if c.is_confidential() {
            // A denunciation's caller is never tied to the shared contact directory.
            c.requester_id = None;
        } else if c.requester_id.is_none() {
            if let Some(n) = c.from_number.clone().filter(|n| n.starts_with('+')) {
                let f = RequesterFields {
                    phone: Some(n),
                    ..Default::default()
                };
                c.requester_id = requesters::find_match(&mut tx, &f).await?.map(|r| r.id);
            }
        }
        // A missed inbound call (ended unanswered, or a voicemail) becomes work: a callback.
        // `normalClearing` means the call was established: its answer event is late, not missing.
        let missed = c.direction == "in"
            && c.state == "ended"
            && c.answered_at.is_none()
            && c.cause.as_deref() != Some("normalClearing");
        let mut callback = None;
        if missed && c.case_id.is_none() {
            if let Some(n) = c.from_number.clone().filter(|n| n.starts_with('+')) {
                let (case_id, num) = self.fold_into_callback(&mut tx, actor, &c, &n, now).await?;
                c.case_id = Some(case_id);
                callback = Some(num);
            }
        } else if let Some(id) = c.case_id.filter(|_| missed) {
            callback = Some(cases::by_id(&mut tx, id).await?.number);
        }
        // The caller got through while a callback was pending: the callback is done.
        if c.direction == "in" && c.answered_at.is_some() && before.answered_at.is_none() {
            if let Some(n) = c.from_number.clone().filter(|n| n.starts_with('+')) {
                // Only a callback of the same confidentiality: a denunciation's callback is
                // not done because the caller got through to branch 2, and the reverse.
                if let Some(case_id) =
                    calls::open_callback(&mut tx, &n, c.is_confidential()).await?
                {
                    calls::add_attempt(
                        &mut tx,
                        case_id,
                        "reached",
                        Some("the caller called again and was answered"),
                        None,
                        now,
                    )
                    .await?;
                    let case = cases::by_id(&mut tx, case_id).await?;
                    self.resolve_callback(&mut tx, actor, &case, now).await?;
                }
            }
        }
        if c != before {
            calls::save(&mut tx, &c, now).await?;
            audit(&mut tx, now, actor, &format!("call.{}", c.state), &format!("call:{}", c.call_id), json!({ "event": format!("{:?}", ev.kind), "agent": c.answered_by, "pop": screen_pop })).await?;
        }
        Store::commit(tx).await?;
        Ok(CallOutcome {
            call: c,
            callback,
            screen_pop,
        })
    }

    /// Find or open the callback case for a number and put this call on its timeline. A missed
    /// call of the IVR's denunciation choice becomes (or folds into) a denunciation instead: the
    /// caller's number is its reporter's, apart from the shared contacts, and only the task
    /// force sees it, in its branch-1 queue.
    async fn fold_into_callback(
        &self,
        tx: &mut Connection,
        actor: &Actor,
        call: &Call,
        number: &str,
        now: Timestamp,
    ) -> Result<(i64, CaseNumber), ServiceError> {
        let confidential = call.is_confidential();
        let case_id = match calls::open_callback(tx, number, confidential).await? {
            Some(id) => {
                cases::update(
                    tx,
                    id,
                    &CaseChanges {
                        resolution_due_at: Some(Some(now.plus_minutes(CALLBACK_DUE_MINUTES))),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
                id
            }
            None => {
                let national = PhoneE164::parse(number)
                    .map(|p| p.national())
                    .unwrap_or_else(|_| number.to_string());
                let (kind, subject, category) = if confidential {
                    (
                        CaseKind::Denunciation,
                        texts::vi("callback.subject.denunciation", &[("number", &national)]),
                        None,
                    )
                } else {
                    (
                        CaseKind::Callback,
                        texts::vi("callback.subject.missed", &[("number", &national)]),
                        Some("callback"),
                    )
                };
                let requester_id = match call.requester_id {
                    _ if confidential => None,
                    Some(id) => Some(id),
                    None => Some(
                        requesters::insert(
                            tx,
                            &RequesterFields {
                                name: national.clone(),
                                phone: Some(number.to_string()),
                                ..Default::default()
                            },
                            now,
                        )
                        .await?,
                    ),
                };
                let branch = call
                    .branch
                    .and_then(|b| Branch::from_number(b).ok())
                    .unwrap_or(Branch::Two);
                let category_id = match category {
                    Some(code) => hqdesk_store::categories::by_code(tx, code)
                        .await
                        .ok()
                        .map(|c| c.id),
                    None => None,
                };
                let insert = CaseToInsert {
                    new: NewCase {
                        // Drawn when written.
                        number: CaseNumber::compose(now, 0),
                        kind,
                        branch,
                        channel: Channel::Phone,
                        category_id,
                        priority: Priority::High,
                        subject: subject.clone(),
                        requester_id: None,
                        unit_id: None,
                        assignee_id: None,
                        created_by: actor.user_id(),
                        first_response_due_at: None,
                        resolution_due_at: None,
                    },
                    due_in_minutes: (CALLBACK_DUE_MINUTES, CALLBACK_DUE_MINUTES),
                    names: NewCaseNames::default(),
                    reporter: confidential.then(|| ConfidentialReporter {
                        phone: Some(number.to_string()),
                        ..Default::default()
                    }),
                    header: format!("{subject} {number} {national}"),
                    opening: Opening::Empty,
                    tracking_token_hash: None,
                    confirmation: None,
                    audit_actor: actor.audit_name(),
                };
                insert_case(tx, &insert, requester_id, now).await?.id
            }
        };
        calls::set_callback(tx, case_id, number).await?;
        let meta = json!({ "call_id": call.call_id, "from": call.from_number, "to": call.to_number, "cause": call.cause, "voicemail": call.voicemail, "offered_at": call.offered_at, "ended_at": call.ended_at });
        let body = if call.voicemail.is_some() {
            "voicemail"
        } else {
            "missed"
        };
        timeline::insert(
            tx,
            &NewEntry {
                case_id,
                kind: EntryKind::Call,
                channel: Some(Channel::Phone),
                author_user_id: None,
                body,
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        cases::bump_message_count(tx, case_id, now).await?;
        Ok((case_id, cases::by_id(tx, case_id).await?.number))
    }

    async fn resolve_callback(
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
        }
        audit(
            &mut tx,
            now,
            actor,
            "case.callback_attempt",
            &format!("case:{}", case.number),
            meta,
        )
        .await?;
        Store::commit(tx).await?;
        Ok((attempts.len(), done))
    }

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
    async fn link_call_to_case(
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
        audit(
            &mut tx,
            now,
            actor,
            "caller.flag",
            &format!("phone:{phone}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_from_every_vocabulary() {
        for (raw, want) in [
            ("normalClearing", "normalClearing"),
            ("NORMAL_CLEARING", "normalClearing"),
            ("16", "normalClearing"),
            ("busy", "busy"),
            ("USER_BUSY", "busy"),
            ("486 Busy Here", "busy"),
            ("17", "busy"),
            ("cancel", "cancel"),
            ("ORIGINATOR_CANCEL", "cancel"),
            ("487 Request Terminated", "cancel"),
            ("noAnswer", "noAnswer"),
            ("NO_ANSWER", "noAnswer"),
            ("19", "noAnswer"),
            ("congestion", "congestion"),
            ("notFound", "notFound"),
            ("forwarded", "forwarded"),
            ("??", "unknown"),
        ] {
            assert_eq!(normalize_cause(raw), want, "{raw}");
        }
    }
}

/// What the IVR should do with a new call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvrDecision {
    /// `none` until incidents and holiday notices exist (roadmap 10 and 11).
    pub announcement: String,
    pub staffed: bool,
    pub agents: i64,
    pub waiting: i64,
    pub wait_seconds: i64,
    pub offer_callback: bool,
}

/// Average handling time used for the wait estimate: the sources give 5–10 minutes per request.
pub const AVERAGE_HANDLING_SECONDS: i64 = 300;
/// Offer a callback instead of waiting when the estimate is longer than this.
pub const MAX_WAIT_BEFORE_CALLBACK_SECONDS: i64 = 120;

impl Services {
    /// Record a signed webhook delivery id; false if it was already received (a replay).
    pub async fn first_telephony_delivery(&self, delivery_id: &str) -> Result<bool, ServiceError> {
        let mut tx = self.store().begin().await?;
        let first = calls::first_delivery(&mut tx, delivery_id, self.now()).await?;
        Store::commit(tx).await?;
        Ok(first)
    }

    /// The IVR's decision for a caller who chose `branch` (and within it `choice`, when the IVR
    /// asks): staffed means someone who works that branch was active in the console in the last
    /// 15 minutes. The denunciation choice is staffed by task-force investigators only, and its
    /// waiting calls are counted apart.
    pub async fn ivr_decision(
        &self,
        actor: &Actor,
        branch: i64,
        choice: Option<&str>,
    ) -> Result<IvrDecision, ServiceError> {
        if !may_report_calls(actor) {
            return Err(ServiceError::Forbidden(
                "this account may not ask for IVR decisions".into(),
            ));
        }
        let branch = Branch::from_number(branch).map_err(|e| ServiceError::invalid("branch", e))?;
        let choice = match choice.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(IvrChoice::parse(raw)?),
        };
        let denunciation = choice == Some(IvrChoice::Denunciation);
        let now = self.now();
        let roles: &[&str] = match branch {
            _ if denunciation => &["investigator"],
            Branch::One => &["hotline", "investigator"],
            Branch::Two => &["agent"],
        };
        let mut conn = self.store().read().await?;
        let agents =
            hqdesk_store::sessions::active_users(&mut conn, roles, now.plus_minutes(-15)).await?;
        let waiting = calls::waiting(&mut conn, now.plus_minutes(-60))
            .await?
            .into_iter()
            .filter(|c| {
                c.is_confidential() == denunciation
                    && c.branch.unwrap_or(2) == i64::from(branch.number())
            })
            .count();
        let waiting = i64::try_from(waiting).unwrap_or(i64::MAX);
        let wait_seconds = if agents > 0 {
            waiting * AVERAGE_HANDLING_SECONDS / agents
        } else {
            0
        };
        Ok(IvrDecision {
            announcement: "none".into(),
            staffed: agents > 0,
            agents,
            waiting,
            wait_seconds,
            offer_callback: agents == 0 || wait_seconds > MAX_WAIT_BEFORE_CALLBACK_SECONDS,
        })
    }
}

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
        let requester = view
            .requester
            .as_ref()
            .map(|r| crate::cases::RequesterInput {
                name: Some(r.name.clone()),
                phone: phone.clone(),
                ..Default::default()
            })
            .or(phone.map(|p| crate::cases::RequesterInput {
                phone: Some(p),
                ..Default::default()
            }));
        let cmd = crate::cases::OpenCase {
            kind: kind.as_str().into(),
            branch: Some(branch),
            channel: "phone".into(),
            subject: subject.into(),
            body,
            requester,
            assignee: match actor {
                // The task force takes a denunciation from its own queue.
                Actor::User { user, .. } if !kind.is_confidential() => Some(user.username.clone()),
                _ => None,
            },
            ..Default::default()
        };
        let case = self.open_case(actor, cmd, None).await?;
        // The opener may no longer see a denunciation: attached without asking again.
        self.link_call_to_case(actor, &view.call, &case.case)
            .await?;
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
