//! What a change of a case does to its clocks. Each function is called in the transaction that
//! writes the change, after it: a status change (`case_write::write_status_change`), a reply to
//! the requester, a message from the requester, a change of the facts a policy looks at.
//! Legal deadlines are never paused by waiting or resolving; only `legal` suspends them.
use hqdesk_domain::case::{CaseKind, Status};
use hqdesk_domain::sla::select::select;
use hqdesk_domain::sla::{Amount, ClockKind, Pause, PolicyFacts};
use hqdesk_domain::Timestamp;
use hqdesk_store::case_clocks::{self, CaseClock};
use hqdesk_store::cases::{self, CaseRecord};
use hqdesk_store::Connection;

use super::clocks::{end_pause, legal_clocks, meet, new_clock, start_pause, write_for_case};
use super::rules::Rules;
use super::{PAUSE_RESOLVED, PAUSE_WAITING};
use crate::ServiceError;

/// `case` (as it was) moves to `to`: waiting pauses the service clocks when the policy says
/// so and leaving waiting ends that pause; resolving meets the resolution and pauses the other
/// unmet service clocks; reopening resumes them, and resumes the resolution with the resolved
/// interval as a pause.
pub(crate) async fn on_status_change(
    tx: &mut Connection,
    case: &CaseRecord,
    to: Status,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let from = case.status;
    if from == to {
        return Ok(());
    }
    let mut clocks = case_clocks::for_case(tx, case.id).await?;
    if clocks.iter().all(|c| c.kind.is_legal()) {
        return Ok(());
    }
    let rules = Rules::load(tx).await?;
    let mut changed = false;
    for c in clocks.iter_mut().filter(|c| !c.kind.is_legal()) {
        if from == Status::Waiting {
            changed |= end_pause(c, Some(PAUSE_WAITING), now);
        }
        if !from.is_active() && to.is_active() {
            changed |= end_pause(c, Some(PAUSE_RESOLVED), now);
            if c.kind == ClockKind::Resolution {
                if let Some(met) = c.met_at.take() {
                    let at = c
                        .pauses
                        .iter()
                        .position(|p| p.from > met)
                        .unwrap_or(c.pauses.len());
                    c.pauses.insert(
                        at,
                        Pause {
                            from: met,
                            to: Some(now.max(met)),
                        },
                    );
                    changed = true;
                }
            }
        }
        if to == Status::Waiting
            && c.met_at.is_none()
            && rules
                .policy(c.policy_id)
                .is_some_and(|p| p.pause_while_waiting)
        {
            changed |= start_pause(c, PAUSE_WAITING, now);
        }
        if from.is_active() && !to.is_active() && c.met_at.is_none() {
            changed |= if c.kind == ClockKind::Resolution {
                meet(c, now)
            } else {
                start_pause(c, PAUSE_RESOLVED, now)
            };
        }
    }
    if changed {
        write_for_case(tx, &rules, case.id, clocks, now).await?;
    }
    Ok(())
}

/// A reply to the requester: it meets the first response and the next response.
pub(crate) async fn on_reply(
    tx: &mut Connection,
    case_id: i64,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let mut clocks = case_clocks::for_case(tx, case_id).await?;
    let mut changed = false;
    for c in clocks
        .iter_mut()
        .filter(|c| matches!(c.kind, ClockKind::FirstResponse | ClockKind::NextResponse))
    {
        changed |= meet(c, now);
    }
    if changed {
        let rules = Rules::load(tx).await?;
        write_for_case(tx, &rules, case_id, clocks, now).await?;
    }
    Ok(())
}

/// A message from the requester on `case` (as it was before it): after a reply, it starts the
/// next response (when the policy has that target), replacing a met one; an unmet one keeps
/// counting from the earlier message.
pub(crate) async fn on_inbound(
    tx: &mut Connection,
    case: &CaseRecord,
    now: Timestamp,
) -> Result<(), ServiceError> {
    if case.first_responded_at.is_none() {
        return Ok(());
    }
    let clocks = case_clocks::for_case(tx, case.id).await?;
    if clocks
        .iter()
        .any(|c| c.kind == ClockKind::NextResponse && c.met_at.is_none())
    {
        return Ok(());
    }
    let Some(policy_id) = clocks
        .iter()
        .find(|c| !c.kind.is_legal() && c.policy_id.is_some())
        .and_then(|c| c.policy_id)
    else {
        return Ok(());
    };
    let rules = Rules::load(tx).await?;
    let Some(policy) = rules.policy(Some(policy_id)) else {
        return Ok(());
    };
    let Some(minutes) = policy.targets.next_response_minutes else {
        return Ok(());
    };
    let clock = new_clock(
        case.id,
        ClockKind::NextResponse,
        Some(policy.id),
        &policy.calendar,
        Amount::Minutes(minutes),
        now,
    );
    write_for_case(tx, &rules, case.id, vec![clock], now).await?;
    Ok(())
}

/// The case's kind, branch, category, priority or unit changed (already written): select its
/// policy again and recount the service targets from their original start (pauses and met
/// times kept); targets the new policy lacks are dropped. With no policy matching, the clocks
/// stay as they are. Legal clocks follow the legal rules of the (new) kind.
pub(crate) async fn on_facts_changed(
    tx: &mut Connection,
    case_id: i64,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let case = cases::by_id(tx, case_id).await?;
    let rules = Rules::load(tx).await?;
    let old = case_clocks::for_case(tx, case_id).await?;
    let facts = PolicyFacts {
        kind: case.kind,
        branch: Some(case.branch),
        channel: case.channel,
        category: case.category_code.as_deref(),
        priority: case.priority,
        unit: case.unit_code.as_deref(),
    };
    let mut next: Vec<CaseClock> = Vec::new();
    let mut dropped: Vec<ClockKind> = Vec::new();
    let policy = (case.kind != CaseKind::Callback)
        .then(|| select(&rules.policies, &facts))
        .flatten();
    if let Some(p) = policy {
        for (kind, minutes) in [
            (ClockKind::FirstResponse, p.targets.first_response_minutes),
            (ClockKind::NextResponse, p.targets.next_response_minutes),
            (ClockKind::Resolution, p.targets.resolution_minutes),
        ] {
            let before = old.iter().find(|c| c.kind == kind);
            match (minutes, before) {
                (Some(m), Some(b)) => next.push(CaseClock {
                    policy_id: Some(p.id),
                    calendar: p.calendar.clone(),
                    amount: Amount::Minutes(m),
                    ..b.clone()
                }),
                (Some(m), None) if kind != ClockKind::NextResponse => {
                    let mut c = new_clock(
                        case.id,
                        kind,
                        Some(p.id),
                        &p.calendar,
                        Amount::Minutes(m),
                        case.created_at,
                    );
                    c.met_at = match kind {
                        ClockKind::FirstResponse => case.first_responded_at,
                        _ => case.resolved_at.or(case.closed_at),
                    };
                    next.push(c);
                }
                (None, Some(_)) => dropped.push(kind),
                _ => {}
            }
        }
    }
    legal_follow_kind(&rules, case.kind, &case, &old, &mut next, &mut dropped);
    for kind in dropped {
        case_clocks::delete(tx, case_id, kind).await?;
    }
    if !next.is_empty() {
        write_for_case(tx, &rules, case_id, next, now).await?;
    }
    Ok(())
}

/// Legal clocks after a change of kind: those the kind has no rule for go, the ones it has
/// from receipt start at the case's creation if missing.
fn legal_follow_kind(
    rules: &Rules,
    kind: CaseKind,
    case: &CaseRecord,
    old: &[CaseClock],
    next: &mut Vec<CaseClock>,
    dropped: &mut Vec<ClockKind>,
) {
    for c in old.iter().filter(|c| c.kind.is_legal()) {
        if !rules.legal_for(kind).any(|r| r.clock == c.kind) {
            dropped.push(c.kind);
        }
    }
    for c in legal_clocks(rules, kind, case.id, case.created_at) {
        if !old.iter().any(|o| o.kind == c.kind) {
            next.push(c);
        }
    }
}
