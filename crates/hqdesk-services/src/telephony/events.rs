//! Call events: each applied once, in any order; a missed call folds into a callback case.
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::PhoneE164;
use hqdesk_domain::Timestamp;
use hqdesk_store::calls::{self, Call};
use hqdesk_store::cases::{self, CaseChanges, ConfidentialReporter, NewCase, NewCaseNames};
use hqdesk_store::requesters::{self, RequesterFields};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{Connection, Store};
use serde_json::json;

use super::{
    may_report_calls, number, CallEvent, CallEventKind, CallOutcome, IvrChoice,
    CALLBACK_DUE_MINUTES,
};
use crate::audit::record as audit;
use crate::case_write::{insert_case, CaseToInsert, Opening};
use crate::texts;
use crate::{Actor, ServiceError, Services};

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

fn rank(state: &str) -> u8 {
    match state {
        "ended" => 2,
        "answered" => 1,
        _ => 0,
    }
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
                        sealed: false,
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
                    tracking_token: None,
                    receipt: None,
                    confirmation: None,
                    audit_actor: actor.audit_name(),
                    named: None,
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
}
