//! Escalation ladders: the `sla.escalate` timer of a case fires the due steps of its policies'
//! ladders, each exactly once across nodes, and the periodic `sla.sweep` re-arms timers that
//! were lost.
//!
//! A step fires in one transaction that inserts its `sla_escalations` row (case, clock, the
//! clock's start, the step's index in the ladder) with `ON CONFLICT DO NOTHING` and, only when
//! that row was inserted, writes the step's effects: the notifications, the unassignment, a
//! timeline entry on the case and an audit entry. Two nodes running the same timer (a lease that
//! ran out, a sweep that re-armed a running timer) therefore write the effects once.
//!
//! Confidentiality: a recipient who may not read the case (the domain's access policy: only
//! investigators see denunciations) gets nothing, neither a notification nor a mail. A recipient
//! with an address on their account also gets a mail (`escalation_mail`), which for a
//! confidential case names nothing of it. For a denunciation, the step that notifies the
//! supervisors notifies the active investigators instead: supervisors never learn that a
//! denunciation exists.
//!
//! Lost timers: a timer re-armed (`jobs::arm`) while its handler runs is overwritten when the
//! handler finishes (its outcome reschedules or completes the same row). The handler reads the
//! clocks afresh, so this only loses a step that became due after it read them; the sweep, every
//! minute, re-arms the timer of any case whose next step is more than a minute overdue and has no
//! job that will run for it.
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use hqdesk_domain::access::{self, Action, ActorFacts, Decision};
use hqdesk_domain::calendar::Calendar;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::sla::{clock, ClockKind, LadderStep, Policy, StepAction};
use hqdesk_domain::user::Role;
use hqdesk_domain::Timestamp;
use hqdesk_store::cases::{self, CaseChanges, CaseRecord};
use hqdesk_store::escalations::{self, LadderClock};
use hqdesk_store::jobs::{self, Job, NewJob};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::users::User;
use hqdesk_store::{calendars, notifications, sla_policies, users, Connection, Store};
use serde_json::json;

use crate::audit::record as audit;
use crate::escalation_mail::FiredStep;
use crate::jobs::{JobOutcome, Registry};
use crate::outbox::enqueue_notification;
use crate::{texts, Actor, ServiceError, Services};

/// Kind of a case's escalation timer (one per case, dedup key [`timer_key`]).
pub const ESCALATE_JOB: &str = "sla.escalate";
/// Kind of the periodic job that re-arms lost timers (one row shared by all nodes).
pub const SWEEP_JOB: &str = "sla.sweep";
/// The kind of the notifications a fired step writes.
pub const NOTIFICATION_KIND: &str = "sla.escalation";

const TIMER_PREFIX: &str = "sla.escalate:";
/// A next step overdue by more than this without a job to run it is re-armed by the sweep.
const SWEEP_GRACE_MS: i64 = 60_000;
const SWEEP_BATCH: i64 = 500;

/// The dedup key of a case's escalation timer.
pub fn timer_key(case_id: i64) -> String {
    format!("{TIMER_PREFIX}{case_id}")
}

/// The payload of a case's escalation timer.
pub fn timer_payload(case_id: i64) -> String {
    json!({ "case_id": case_id }).to_string()
}

/// Register the escalation timer and the sweep.
pub fn register(registry: &mut Registry) {
    registry.register(
        ESCALATE_JOB,
        Arc::new(|s, job| Box::pin(async move { escalate_job(s, job).await })),
    );
    registry.register(
        SWEEP_JOB,
        Arc::new(|s, _job| Box::pin(async move { sweep_job(s).await })),
    );
}

/// Make sure the sweep's one row exists (called with the other periodic jobs).
pub(crate) async fn schedule_sweep(
    conn: &mut Connection,
    now: Timestamp,
) -> Result<(), ServiceError> {
    jobs::enqueue(
        conn,
        &NewJob {
            kind: SWEEP_JOB,
            payload: "{}".into(),
            dedup_key: Some(SWEEP_JOB.into()),
            run_at: now,
            max_attempts: 1_000_000,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn escalate_job(s: Services, job: Job) -> Result<JobOutcome, String> {
    let case_id = serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v["case_id"].as_i64())
        .ok_or_else(|| format!("sla.escalate: bad payload {:?}", job.payload))?;
    match s.run_escalations(case_id).await {
        Ok(Some(next)) => Ok(JobOutcome::RunAgainAt(next)),
        Ok(None) => Ok(JobOutcome::Done("no step left".into())),
        Err(ServiceError::NotFound) => Ok(JobOutcome::Done("no such case".into())),
        Err(e) => Err(e.to_string()),
    }
}

async fn sweep_job(s: Services) -> Result<JobOutcome, String> {
    let now = s.now();
    let n = s
        .sweep_escalation_timers()
        .await
        .map_err(|e| e.to_string())?;
    if n > 0 {
        tracing::info!(rearmed = n, "escalation timers re-armed");
    }
    Ok(JobOutcome::RunAgainAt(now.plus_minutes(1)))
}

/// A step that is due and has not fired.
struct DueStep {
    clock: LadderClock,
    index: usize,
    step: LadderStep,
    fires_at: Timestamp,
    due_at: Option<Timestamp>,
}

impl Services {
    /// Fire every due, unfired step of the case's clocks; recompute their `next_step_at`.
    /// The earliest step still to come, if any (when the timer should run again).
    pub async fn run_escalations(&self, case_id: i64) -> Result<Option<Timestamp>, ServiceError> {
        let now = self.now();
        let mut conn = self.store().read().await?;
        let case = cases::by_id(&mut conn, case_id).await?;
        let clocks = escalations::clocks_of(&mut conn, case_id).await?;
        let fired: BTreeSet<(String, i64, i64)> = escalations::fired_of(&mut conn, case_id)
            .await?
            .into_iter()
            .map(|f| (f.clock, f.started_at, f.step))
            .collect();
        let mut policies: HashMap<i64, Option<Policy>> = HashMap::new();
        let mut cals: HashMap<String, Option<Calendar>> = HashMap::new();
        let mut due = Vec::new();
        // (clock, next step) for every clock whose stored next step is not that.
        let mut next_of: Vec<(ClockKind, Option<Timestamp>, Option<Timestamp>)> = Vec::new();
        for c in &clocks {
            let mut next = None;
            let policy = match c.policy_id {
                Some(id) if c.met_at.is_none() && case.status.is_active() => {
                    if let Entry::Vacant(e) = policies.entry(id) {
                        e.insert(sla_policies::get(&mut conn, id).await?);
                    }
                    policies.get(&id).cloned().flatten()
                }
                _ => None,
            };
            let cal = match &policy {
                Some(_) => {
                    if let Entry::Vacant(e) = cals.entry(c.calendar.clone()) {
                        let cal = calendars::get(&mut conn, &c.calendar).await?;
                        e.insert(cal.map(|s| s.calendar));
                    }
                    cals.get(&c.calendar).cloned().flatten()
                }
                None => None,
            };
            if let (Some(policy), Some(cal)) = (&policy, &cal) {
                let due_at = clock::due_at(cal, c.started_at, c.amount, &c.pauses);
                for (index, step) in policy.ladder.iter().enumerate() {
                    if step.clock != c.clock {
                        continue;
                    }
                    let key = (
                        c.clock.as_str().to_string(),
                        c.started_at.millis(),
                        index as i64,
                    );
                    if fired.contains(&key) {
                        continue;
                    }
                    let Some(at) =
                        clock::fires_at(cal, c.started_at, c.amount, step.percent, &c.pauses)
                    else {
                        continue;
                    };
                    if at <= now {
                        due.push(DueStep {
                            clock: c.clone(),
                            index,
                            step: *step,
                            fires_at: at,
                            due_at,
                        });
                    } else if next.is_none_or(|n| at < n) {
                        next = Some(at);
                    }
                }
            }
            if next != c.next_step_at {
                next_of.push((c.clock, c.next_step_at, next));
            }
        }
        drop(conn);
        due.sort_by_key(|d| (d.fires_at, d.index));
        for d in &due {
            self.fire_step(case.id, d, now).await?;
        }
        if !next_of.is_empty() {
            let mut tx = self.store().begin().await?;
            for (kind, _, next) in &next_of {
                escalations::set_next_step(&mut tx, case.id, *kind, *next).await?;
            }
            Store::commit(tx).await?;
        }
        let earliest = clocks
            .iter()
            .filter_map(|c| {
                next_of
                    .iter()
                    .find(|(k, _, _)| *k == c.clock)
                    .map_or(c.next_step_at, |(_, _, n)| *n)
            })
            .min();
        Ok(earliest)
    }

    /// One step in one transaction: its row, then, only if this call inserted it, its effects.
    async fn fire_step(
        &self,
        case_id: i64,
        d: &DueStep,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let actor = Actor::System(ESCALATE_JOB);
        let mut tx = self.store().begin().await?;
        let first = escalations::record_fired(
            &mut tx,
            case_id,
            d.clock.clock,
            d.clock.started_at,
            d.index as i64,
            d.step.action.as_str(),
            now,
        )
        .await?;
        if !first {
            // Another run (on this node or another) fired it: nothing more to write.
            Store::commit(tx).await?;
            return Ok(());
        }
        // The case as it is now, read in this transaction.
        let case = cases::by_id(&mut tx, case_id).await?;
        let candidates: Vec<i64> = match d.step.action {
            StepAction::NotifyAssignee => case.assignee_id.into_iter().collect(),
            StepAction::NotifySupervisors => {
                // A denunciation's supervisors are the task force: no supervisor may know it.
                let role = if case.confidential {
                    Role::Investigator
                } else {
                    Role::Supervisor
                };
                users::list(&mut tx)
                    .await?
                    .into_iter()
                    .filter(|u| u.active && u.role == role)
                    .map(|u| u.id)
                    .collect()
            }
            StepAction::ReassignToQueue => vec![],
        };
        let mut notified = Vec::new();
        let mut mailed = 0usize;
        for user_id in candidates {
            let Some(reader) = reader(&mut tx, user_id, &case).await? else {
                continue;
            };
            let detail = json!({
                "clock": d.clock.clock.as_str(),
                "percent": d.step.percent,
                "action": d.step.action.as_str(),
                "step": d.index,
                "fired_at": d.fires_at.millis(),
                "due_at": d.due_at.map(Timestamp::millis),
            });
            notifications::insert(
                &mut tx,
                user_id,
                Some(case.id),
                NOTIFICATION_KIND,
                &detail.to_string(),
                now,
            )
            .await?;
            let fired = FiredStep {
                clock: d.clock.clock,
                percent: d.step.percent,
                action: d.step.action,
                due_at: d.due_at,
            };
            if let Some(mail) = self.escalation_mail(&reader, &case, &fired) {
                let dedup = format!(
                    "{}:{}:{}:{}:{user_id}",
                    case.id,
                    d.clock.clock.as_str(),
                    d.clock.started_at.millis(),
                    d.index
                );
                enqueue_notification(&mut tx, &mail, &dedup, now).await?;
                mailed += 1;
            }
            notified.push(user_id);
        }
        let mut unassigned = None;
        if d.step.action == StepAction::ReassignToQueue {
            if let Some(from) = case.assignee_id {
                unassign(&mut tx, &actor, &case, now).await?;
                unassigned = Some(from);
            }
        }
        let clock_label = texts::vi(&format!("escalation.clock.{}", d.clock.clock.as_str()), &[]);
        let body = texts::vi(
            "escalation.timeline",
            &[
                ("percent", &d.step.percent.to_string()),
                ("clock", &clock_label),
                (
                    "action",
                    &texts::vi(
                        &format!("escalation.action.{}", d.step.action.as_str()),
                        &[],
                    ),
                ),
            ],
        );
        let meta = json!({ "escalation": {
            "clock": d.clock.clock.as_str(),
            "percent": d.step.percent,
            "action": d.step.action.as_str(),
            "step": d.index,
        }});
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: None,
                body: &body,
                delivery_state: None,
                meta: Some(meta.to_string()),
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            &actor,
            "sla.escalation",
            &format!("case:{}", case.number),
            json!({
                "clock": d.clock.clock.as_str(),
                "started_at": d.clock.started_at.millis(),
                "step": d.index,
                "percent": d.step.percent,
                "action": d.step.action.as_str(),
                "notified": notified,
                "mailed": mailed,
                "unassigned": unassigned,
            }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Re-arm the timer of every case whose next step is overdue by more than a minute and has
    /// no job that will run for it. How many were re-armed.
    pub async fn sweep_escalation_timers(&self) -> Result<usize, ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let overdue = escalations::overdue_timers(
            &mut tx,
            TIMER_PREFIX,
            Timestamp(now.millis() - SWEEP_GRACE_MS),
            SWEEP_BATCH,
        )
        .await?;
        for (case_id, _) in &overdue {
            jobs::arm(
                &mut tx,
                ESCALATE_JOB,
                &timer_key(*case_id),
                &timer_payload(*case_id),
                now,
                now,
            )
            .await?;
        }
        Store::commit(tx).await?;
        Ok(overdue.len())
    }
}

/// The user, if they are active and may read the case now (role, unit scope); a recipient who
/// may not gets nothing.
async fn reader(
    conn: &mut Connection,
    user_id: i64,
    case: &CaseRecord,
) -> Result<Option<User>, ServiceError> {
    let Some((user, unit_scope)) =
        users::active_with_unit_scope(conn, users::Who::UserId(user_id)).await?
    else {
        return Ok(None);
    };
    let facts = ActorFacts {
        user_id: user.id,
        role: user.role,
        unit_scope,
        excluded_cases: crate::conflict::excluded_cases(conn, &user).await?,
    };
    let permitted =
        access::decide(&facts, Action::ReadCase, Some(&case.facts())) == Decision::Permit;
    Ok(permitted.then_some(user))
}

/// Take the case from its assignee, back to its unit's queue: written as a manual unassignment
/// is (`assign_case`: the `assigned` timeline event with the change, the `case.assign` audit
/// entry), by the system.
async fn unassign(
    tx: &mut Connection,
    actor: &Actor,
    case: &CaseRecord,
    now: Timestamp,
) -> Result<(), ServiceError> {
    cases::update(
        tx,
        case.id,
        &CaseChanges {
            assignee_id: Some(None),
            ..CaseChanges::default()
        },
        now,
    )
    .await?;
    let meta = json!({ "assignee": { "from": case.assignee_username, "to": null } });
    timeline::insert(
        tx,
        &NewEntry {
            case_id: case.id,
            kind: EntryKind::Event,
            channel: None,
            author_user_id: None,
            body: "assigned",
            delivery_state: None,
            meta: Some(meta.to_string()),
        },
        now,
    )
    .await?;
    audit(
        tx,
        now,
        actor,
        "case.assign",
        &format!("case:{}", case.number),
        meta,
    )
    .await?;
    Ok(())
}
