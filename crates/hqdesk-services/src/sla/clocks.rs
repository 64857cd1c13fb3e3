//! A case's clocks: starting them, deriving their due times and next ladder step, and writing
//! them with the case's denormalised due columns and its timer ([`write_for_case`], the one
//! function every change ends in).
use hqdesk_domain::case::CaseKind;
use hqdesk_domain::sla::select::select;
use hqdesk_domain::sla::{clock, Amount, ClockKind, Pause, Policy, PolicyFacts};
use hqdesk_domain::Timestamp;
use hqdesk_store::case_clocks::{self, CaseClock};
use hqdesk_store::Connection;

use super::rules::Rules;
use super::ESCALATE_JOB;
use crate::ServiceError;

/// A clock that starts at `start`, unmet, unpaused (its derived values come later).
pub(crate) fn new_clock(
    case_id: i64,
    kind: ClockKind,
    policy_id: Option<i64>,
    calendar: &str,
    amount: Amount,
    start: Timestamp,
) -> CaseClock {
    CaseClock {
        case_id,
        kind,
        policy_id,
        calendar: calendar.to_string(),
        amount,
        started_at: start,
        pauses: Vec::new(),
        pause_reason: None,
        due_at: None,
        met_at: None,
        extensions: 0,
        next_step_at: None,
    }
}

/// The service clocks a policy starts with a case: first response and resolution (the next
/// response starts with the requester's next message after a reply).
pub(crate) fn service_clocks(policy: &Policy, case_id: i64, start: Timestamp) -> Vec<CaseClock> {
    [
        (
            ClockKind::FirstResponse,
            policy.targets.first_response_minutes,
        ),
        (ClockKind::Resolution, policy.targets.resolution_minutes),
    ]
    .into_iter()
    .filter_map(|(kind, minutes)| {
        minutes.map(|m| {
            new_clock(
                case_id,
                kind,
                Some(policy.id),
                &policy.calendar,
                Amount::Minutes(m),
                start,
            )
        })
    })
    .collect()
}

/// The legal clocks a case of `kind` has from its receipt: every legal rule of the kind but
/// the settlement, which starts when the case is accepted.
pub(crate) fn legal_clocks(
    rules: &Rules,
    kind: CaseKind,
    case_id: i64,
    start: Timestamp,
) -> Vec<CaseClock> {
    rules
        .legal_for(kind)
        .filter(|r| r.clock != ClockKind::LegalSettlement)
        .map(|r| new_clock(case_id, r.clock, None, &r.calendar, r.amount, start))
        .collect()
}

/// Set `c.due_at` (from its start, amount and pauses) and `c.next_step_at` (the earliest
/// ladder step of its policy for this clock that has not fired for this start; `fired` holds
/// (clock, start, step index) as `sla_escalations` does). A met clock has no next step.
pub(crate) fn derive(
    rules: &Rules,
    c: &mut CaseClock,
    fired: &[(String, i64, i64)],
) -> Result<(), ServiceError> {
    let cal = rules.calendar(&c.calendar)?;
    c.due_at = clock::due_at(cal, c.started_at, c.amount, &c.pauses);
    c.next_step_at = if c.met_at.is_some() {
        None
    } else {
        rules
            .ladder(c.policy_id)
            .iter()
            .enumerate()
            .filter(|(_, s)| s.clock == c.kind)
            .filter(|(i, _)| {
                !fired.iter().any(|(k, start, step)| {
                    k == c.kind.as_str()
                        && *start == c.started_at.millis()
                        && usize::try_from(*step).ok() == Some(*i)
                })
            })
            .filter_map(|(_, s)| clock::fires_at(cal, c.started_at, c.amount, s.percent, &c.pauses))
            .min()
    };
    Ok(())
}

/// The case's due columns as the clocks give them: `Some(due)` for a column whose clock the
/// case has (the due time while it counts, `None` while paused), `None` to leave it alone.
pub(crate) type DueColumns = (Option<Option<Timestamp>>, Option<Option<Timestamp>>);

pub(crate) fn due_columns(clocks: &[CaseClock]) -> DueColumns {
    let of = |k: ClockKind| clocks.iter().find(|c| c.kind == k).map(|c| c.due_at);
    (of(ClockKind::FirstResponse), of(ClockKind::Resolution))
}

/// When the case's timer must run: its clocks' earliest next step.
pub(crate) fn earliest_step(clocks: &[CaseClock]) -> Option<Timestamp> {
    clocks.iter().filter_map(|c| c.next_step_at).min()
}

/// Write a case's clocks (every clock it has after the change; others stay as they are):
/// derive each one's due time and next step, store them, set the case's denormalised due
/// columns, and arm its timer for the earliest next step. Returns the clocks as written.
pub(crate) async fn write_for_case(
    tx: &mut Connection,
    rules: &Rules,
    case_id: i64,
    mut clocks: Vec<CaseClock>,
    now: Timestamp,
) -> Result<Vec<CaseClock>, ServiceError> {
    let fired = case_clocks::fired_steps(tx, case_id).await?;
    for c in &mut clocks {
        c.case_id = case_id;
        derive(rules, c, &fired)?;
    }
    case_clocks::upsert_many(tx, &clocks).await?;
    let (first, resolution) = due_columns(&clocks);
    case_clocks::set_case_due(tx, case_id, first, resolution).await?;
    if let Some(at) = earliest_step(&clocks) {
        case_clocks::arm_timers(tx, ESCALATE_JOB, &[(case_id, at)], now).await?;
    }
    Ok(clocks)
}

/// The clocks of a case about to be created at `now` (its id comes later): its policy's
/// service clocks, and its kind's legal clocks, derived. `service` says whether a policy
/// applied (otherwise the case keeps the per-priority due times and has no service clocks).
pub(crate) struct Planned {
    pub clocks: Vec<CaseClock>,
    pub service: bool,
}

pub(crate) fn plan_new(
    rules: &Rules,
    facts: &PolicyFacts,
    now: Timestamp,
) -> Result<Planned, ServiceError> {
    // A callback keeps its own rule (due 30 minutes after the last missed call, moved by
    // each attempt: `telephony::callbacks`), whatever the policies say.
    let policy = (facts.kind != CaseKind::Callback)
        .then(|| select(&rules.policies, facts))
        .flatten();
    let mut clocks = policy
        .map(|p| service_clocks(p, 0, now))
        .unwrap_or_default();
    clocks.extend(legal_clocks(rules, facts.kind, 0, now));
    for c in &mut clocks {
        derive(rules, c, &[])?;
    }
    Ok(Planned {
        clocks,
        service: policy.is_some(),
    })
}

/// Write the clocks of newly created cases (`case_id` set) and arm their timers, a few
/// statements for the whole group.
pub(crate) async fn write_new(
    tx: &mut Connection,
    clocks: &[CaseClock],
    now: Timestamp,
) -> Result<(), ServiceError> {
    case_clocks::upsert_many(tx, clocks).await?;
    let mut timers: Vec<(i64, Timestamp)> = Vec::new();
    for c in clocks {
        if let Some(at) = c.next_step_at {
            match timers.iter_mut().find(|(id, _)| *id == c.case_id) {
                Some((_, t)) => *t = (*t).min(at),
                None => timers.push((c.case_id, at)),
            }
        }
    }
    case_clocks::arm_timers(tx, ESCALATE_JOB, &timers, now).await?;
    Ok(())
}

/// Start a pause now (unless one lasts already).
pub(crate) fn start_pause(c: &mut CaseClock, reason: &str, now: Timestamp) -> bool {
    if c.paused() {
        return false;
    }
    c.pauses.push(Pause {
        from: now,
        to: None,
    });
    c.pause_reason = Some(reason.to_string());
    true
}

/// End the lasting pause if it is for `reason` (any reason: `None`).
pub(crate) fn end_pause(c: &mut CaseClock, reason: Option<&str>, now: Timestamp) -> bool {
    if !c.paused() || reason.is_some_and(|r| c.pause_reason.as_deref() != Some(r)) {
        return false;
    }
    if let Some(p) = c.pauses.last_mut() {
        p.to = Some(now.max(p.from));
    }
    c.pause_reason = None;
    true
}

/// Meet the clock now (ending any pause, so that its due time stays known).
pub(crate) fn meet(c: &mut CaseClock, now: Timestamp) -> bool {
    if c.met_at.is_some() {
        return false;
    }
    end_pause(c, None, now);
    c.met_at = Some(now);
    true
}

/// `a + b` for amounts of the same unit (an extension of a legal deadline).
pub(crate) fn add_amounts(a: Amount, b: Amount) -> Option<Amount> {
    match (a, b) {
        (Amount::Minutes(x), Amount::Minutes(y)) => Some(Amount::Minutes(x.checked_add(y)?)),
        (Amount::WorkingDays(x), Amount::WorkingDays(y)) => {
            Some(Amount::WorkingDays(x.checked_add(y)?))
        }
        (Amount::Days(x), Amount::Days(y)) => Some(Amount::Days(x.checked_add(y)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_of_one_unit_add_up() {
        assert_eq!(
            add_amounts(Amount::Days(30), Amount::Days(30)),
            Some(Amount::Days(60))
        );
        assert_eq!(add_amounts(Amount::Days(30), Amount::Minutes(30)), None);
    }

    #[test]
    fn pauses_start_end_and_meeting_ends_them() {
        let mut c = new_clock(
            1,
            ClockKind::Resolution,
            None,
            "office",
            Amount::Minutes(60),
            Timestamp(0),
        );
        assert!(start_pause(&mut c, "sla.pause.waiting", Timestamp(10)));
        assert!(!start_pause(&mut c, "sla.pause.waiting", Timestamp(11)));
        assert!(!end_pause(
            &mut c,
            Some("sla.pause.resolved"),
            Timestamp(12)
        ));
        assert!(meet(&mut c, Timestamp(20)));
        assert_eq!(
            c.pauses,
            vec![Pause {
                from: Timestamp(10),
                to: Some(Timestamp(20))
            }]
        );
        assert_eq!(c.pause_reason, None);
        assert_eq!(c.met_at, Some(Timestamp(20)));
    }
}
