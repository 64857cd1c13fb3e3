//! The legal steps of a case with legal deadlines (a denunciation, Law on Denunciation 2018):
//! accepting it ("thụ lý", meets the acceptance deadline and starts the settlement), extending
//! the settlement (Art. 30, at most the rule's number of times), suspending and resuming a
//! legal deadline (Art. 34(2): the suspended time is not counted). Only who may change the
//! case's status may (investigators, for a denunciation); each step writes a timeline event
//! and an audit entry, like a status change.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::sla::{ClockKind, ClockStatus};
use hqdesk_domain::Timestamp;
use hqdesk_store::case_clocks::{self, CaseClock};
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{Connection, Store};
use serde_json::{json, Map, Value};

use super::clocks::{add_amounts, end_pause, meet, new_clock, start_pause, write_for_case};
use super::read::status;
use super::rules::Rules;
use super::PAUSE_SUSPENDED;
use crate::{Actor, ServiceError, Services};

/// Longest reason kept, in characters.
const MAX_REASON: usize = 2000;

fn reason(text: &str) -> Result<String, ServiceError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::invalid_field(
            "reason",
            "reason_required",
            "a reason is required",
        ));
    }
    if t.chars().count() > MAX_REASON || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ServiceError::invalid_field(
            "reason",
            "reason_invalid",
            format!("a reason is at most {MAX_REASON} characters of text"),
        ));
    }
    Ok(t.to_string())
}

fn legal_clock(s: &str) -> Result<ClockKind, ServiceError> {
    match ClockKind::parse(s.trim()) {
        Ok(k) if k.is_legal() => Ok(k),
        _ => Err(ServiceError::invalid_field(
            "clock",
            "clock_not_legal",
            "expected legal_acceptance or legal_settlement",
        )),
    }
}

fn conflict(code: &'static str, message: &str) -> ServiceError {
    ServiceError::Conflict {
        code,
        message: message.into(),
    }
}

/// A due time as the timeline shows it, in Vietnam time.
fn shown(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.to_vietnam().format("%Y-%m-%d %H:%M").to_string())
    })
}

impl Services {
    /// Accept ("thụ lý") the case: meets its legal acceptance deadline and starts the legal
    /// settlement deadline (when its kind has a rule for one).
    pub async fn legal_accept(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<ClockStatus>, ServiceError> {
        self.legal_step(
            actor,
            number,
            "legal_accepted",
            None,
            |rules, case, clocks, now| {
                let acceptance = clocks
                    .iter_mut()
                    .find(|c| c.kind == ClockKind::LegalAcceptance)
                    .ok_or_else(|| {
                        conflict("no_legal_deadline", "this case has no acceptance deadline")
                    })?;
                if !meet(acceptance, now) {
                    return Err(conflict(
                        "already_accepted",
                        "this case is already accepted",
                    ));
                }
                let mut meta = Map::new();
                meta.insert(
                    "sla_legal_acceptance".into(),
                    json!({ "from": shown(acceptance.due_at), "to": shown(Some(now)) }),
                );
                if let Some(rule) = rules
                    .legal_for(case.kind)
                    .find(|r| r.clock == ClockKind::LegalSettlement)
                {
                    let mut settlement = new_clock(
                        case.id,
                        ClockKind::LegalSettlement,
                        None,
                        &rule.calendar,
                        rule.amount,
                        now,
                    );
                    super::clocks::derive(rules, &mut settlement, &[])?;
                    meta.insert(
                        "sla_legal_settlement".into(),
                        json!({ "from": null, "to": shown(settlement.due_at) }),
                    );
                    clocks.retain(|c| c.kind != ClockKind::LegalSettlement);
                    clocks.push(settlement);
                }
                Ok(meta)
            },
        )
        .await
    }

    /// Extend the legal settlement by its rule's extension, with a reason; at most the rule's
    /// `max_extensions` times.
    pub async fn legal_extend(
        &self,
        actor: &Actor,
        number: &str,
        why: &str,
    ) -> Result<Vec<ClockStatus>, ServiceError> {
        let why = reason(why)?;
        self.legal_step(
            actor,
            number,
            "legal_extended",
            Some(why),
            |rules, case, clocks, _| {
                let c = clocks
                    .iter_mut()
                    .find(|c| c.kind == ClockKind::LegalSettlement && c.met_at.is_none())
                    .ok_or_else(|| {
                        conflict(
                            "no_settlement",
                            "this case has no running settlement deadline",
                        )
                    })?;
                let rule = rules
                    .legal_for(case.kind)
                    .find(|r| r.clock == ClockKind::LegalSettlement)
                    .filter(|r| r.extension.is_some() && c.extensions < r.max_extensions)
                    .ok_or_else(|| {
                        conflict(
                            "extensions_exhausted",
                            "the settlement may not be extended again",
                        )
                    })?;
                let amount = rule
                    .extension
                    .and_then(|e| add_amounts(c.amount, e))
                    .ok_or_else(|| {
                        conflict(
                            "extension_unit",
                            "the extension is not in the deadline's unit",
                        )
                    })?;
                let before = c.due_at;
                c.amount = amount;
                c.extensions += 1;
                super::clocks::derive(rules, c, &[])?;
                let mut meta = Map::new();
                meta.insert(
                    "sla_legal_settlement".into(),
                    json!({ "from": shown(before), "to": shown(c.due_at) }),
                );
                Ok(meta)
            },
        )
        .await
    }

    /// Suspend a legal deadline (`clock`: legal_acceptance or legal_settlement), with a reason.
    pub async fn legal_suspend(
        &self,
        actor: &Actor,
        number: &str,
        clock: &str,
        why: &str,
    ) -> Result<Vec<ClockStatus>, ServiceError> {
        let kind = legal_clock(clock)?;
        let why = reason(why)?;
        self.legal_step(
            actor,
            number,
            "legal_suspended",
            Some(why),
            move |rules, _, clocks, now| {
                let c = clocks
                    .iter_mut()
                    .find(|c| c.kind == kind && c.met_at.is_none())
                    .ok_or_else(|| {
                        conflict("no_legal_deadline", "no such running legal deadline")
                    })?;
                let before = c.due_at;
                if !start_pause(c, PAUSE_SUSPENDED, now) {
                    return Err(conflict(
                        "already_suspended",
                        "this deadline is already suspended",
                    ));
                }
                super::clocks::derive(rules, c, &[])?;
                let mut meta = Map::new();
                meta.insert(
                    format!("sla_{}", kind.as_str()),
                    json!({ "from": shown(before), "to": null }),
                );
                Ok(meta)
            },
        )
        .await
    }

    /// Resume a suspended legal deadline, with a reason: the suspended time is not counted.
    pub async fn legal_resume(
        &self,
        actor: &Actor,
        number: &str,
        clock: &str,
        why: &str,
    ) -> Result<Vec<ClockStatus>, ServiceError> {
        let kind = legal_clock(clock)?;
        let why = reason(why)?;
        self.legal_step(
            actor,
            number,
            "legal_resumed",
            Some(why),
            move |rules, _, clocks, now| {
                let c = clocks
                    .iter_mut()
                    .find(|c| c.kind == kind && c.met_at.is_none())
                    .ok_or_else(|| {
                        conflict("no_legal_deadline", "no such running legal deadline")
                    })?;
                if !end_pause(c, Some(PAUSE_SUSPENDED), now) {
                    return Err(conflict("not_suspended", "this deadline is not suspended"));
                }
                super::clocks::derive(rules, c, &[])?;
                let mut meta = Map::new();
                meta.insert(
                    format!("sla_{}", kind.as_str()),
                    json!({ "from": null, "to": shown(c.due_at) }),
                );
                Ok(meta)
            },
        )
        .await
    }

    /// Load the case (status-changing access), apply `step` to its clocks in one transaction,
    /// write them, the timeline event `what` (meta: the step's changes and the reason) and the
    /// audit entry `case.{what}` (a confidential case's: the fields only, never the reason).
    async fn legal_step<F>(
        &self,
        actor: &Actor,
        number: &str,
        what: &str,
        why: Option<String>,
        step: F,
    ) -> Result<Vec<ClockStatus>, ServiceError>
    where
        F: FnOnce(
            &Rules,
            &CaseRecord,
            &mut Vec<CaseClock>,
            Timestamp,
        ) -> Result<Map<String, Value>, ServiceError>,
    {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ChangeStatus)
            .await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let rules = Rules::load(&mut tx).await?;
        let mut clocks = case_clocks::for_case(&mut tx, case.id).await?;
        let mut meta = step(&rules, &case, &mut clocks, now)?;
        if let Some(why) = &why {
            meta.insert("sla_reason".into(), json!({ "from": null, "to": why }));
        }
        let clocks = write_for_case(&mut tx, &rules, case.id, clocks, now).await?;
        record(&mut tx, actor, &case, what, meta, now).await?;
        Store::commit(tx).await?;
        Ok(clocks.iter().map(|c| status(c, now)).collect())
    }
}

async fn record(
    tx: &mut Connection,
    actor: &Actor,
    case: &CaseRecord,
    what: &str,
    meta: Map<String, Value>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let fields: Vec<String> = meta.keys().cloned().collect();
    let meta = Value::Object(meta);
    timeline::insert(
        tx,
        &NewEntry {
            case_id: case.id,
            kind: EntryKind::Event,
            channel: None,
            author_user_id: actor.user_id(),
            body: what,
            delivery_state: None,
            meta: Some(meta.to_string()),
        },
        now,
    )
    .await?;
    crate::audit::record(
        tx,
        now,
        actor,
        &format!("case.{what}"),
        &format!("case:{}", case.number),
        if case.confidential {
            json!({ "fields": fields })
        } else {
            meta
        },
    )
    .await?;
    Ok(())
}
