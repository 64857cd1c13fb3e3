//! Changing a case: its fields, its assignment, its status.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{self, Branch, CaseKind, Priority, Status};
use hqdesk_domain::{Timestamp, ValidationErrors};
use hqdesk_store::cases::{CaseChanges, CaseRecord};
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{
    cases, categories, requesters, search, timeline, Connection, Store, StoreError,
};
use serde_json::json;

use super::{actor_username, AssignCase, CaseView, UpdateCase};
use crate::audit::record as audit;
use crate::case_write::write_status_change;
use crate::lookup::{active_user_named, unit_named};
use crate::{Actor, ServiceError, Services};

impl Services {
    /// Change a case's subject, kind, branch, category or priority.
    pub async fn update_case(
        &self,
        actor: &Actor,
        number: &str,
        cmd: UpdateCase,
    ) -> Result<CaseView, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::UpdateCase)
            .await?;
        let mut errors = ValidationErrors::new();
        let mut ch = CaseChanges::default();
        let mut changed = serde_json::Map::new();
        if let Some(s) = &cmd.subject {
            if let Some(s) = errors.check("subject", case::parse_subject(s)) {
                if s != case.subject {
                    changed.insert("subject".into(), json!({ "from": case.subject, "to": s }));
                    ch.subject = Some(s);
                }
            }
        }
        let mut new_kind = case.kind;
        if let Some(k) = &cmd.kind {
            if let Some(k) = errors.check("kind", CaseKind::parse(k)) {
                if k.is_confidential() != case.kind.is_confidential() {
                    errors.push(hqdesk_domain::FieldError { field: "kind".into(), code: "kind_confidentiality_change", message: "a case cannot move in or out of confidentiality; open a new denunciation case instead".into() });
                } else if k != case.kind {
                    changed.insert(
                        "kind".into(),
                        json!({ "from": case.kind.as_str(), "to": k.as_str() }),
                    );
                    ch.kind = Some(k);
                    new_kind = k;
                }
            }
        }
        if let Some(b) = cmd.branch {
            if let Some(b) = errors.check("branch", Branch::from_number(b)) {
                if b != case.branch {
                    changed.insert(
                        "branch".into(),
                        json!({ "from": case.branch.number(), "to": b.number() }),
                    );
                    ch.branch = Some(b);
                }
            }
        }
        if let Some(p) = &cmd.priority {
            if let Some(p) = errors.check("priority", Priority::parse(p)) {
                if p != case.priority {
                    changed.insert(
                        "priority".into(),
                        json!({ "from": case.priority.as_str(), "to": p.as_str() }),
                    );
                    ch.priority = Some(p);
                }
            }
        }
        if let Some(cat) = &cmd.category {
            let new = match cat.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(code) => match categories::by_code(&mut conn, code).await {
                    Ok(c) if c.active && c.kind.is_confidential() == new_kind.is_confidential() => {
                        Some(c)
                    }
                    Ok(c) if c.active => {
                        errors.push(hqdesk_domain::FieldError {
                            field: "category".into(),
                            code: "category_kind_mismatch",
                            message: format!(
                                "category {:?} is for {} cases",
                                c.code,
                                c.kind.as_str()
                            ),
                        });
                        None
                    }
                    Ok(_) | Err(StoreError::NotFound) => {
                        errors.push(hqdesk_domain::FieldError {
                            field: "category".into(),
                            code: "category_unknown",
                            message: format!("there is no active category {code:?}"),
                        });
                        None
                    }
                    Err(e) => return Err(e.into()),
                },
            };
            if new.as_ref().map(|c| c.id) != case.category_id {
                changed.insert("category".into(), json!({ "from": case.category_code, "to": new.as_ref().map(|c| c.code.clone()) }));
                ch.category_id = Some(new.map(|c| c.id));
            }
        }
        errors.into_result()?;
        drop(conn);
        self.write_changes(actor, case, &ch, changed, "updated", "case.update", true)
            .await
    }

    /// Route a case to a unit and/or give it to an agent.
    pub async fn assign_case(
        &self,
        actor: &Actor,
        number: &str,
        cmd: AssignCase,
    ) -> Result<CaseView, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::AssignCase)
            .await?;
        let mut errors = ValidationErrors::new();
        let mut ch = CaseChanges::default();
        let mut changed = serde_json::Map::new();
        let mut unit_id = case.unit_id;
        if let Some(u) = &cmd.unit {
            let new = match u.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(code) => {
                    unit_named(&mut conn, "unit", &code.to_ascii_uppercase(), &mut errors).await?
                }
            };
            unit_id = new.as_ref().map(|u| u.id);
            if unit_id != case.unit_id {
                changed.insert(
                    "unit".into(),
                    json!({ "from": case.unit_code, "to": new.map(|u| u.code) }),
                );
                ch.unit_id = Some(unit_id);
            }
        }
        let mut assignee_id = case.assignee_id;
        if let Some(a) = &cmd.assignee {
            let new = match a.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(name) => {
                    let name = if name == "me" {
                        actor_username(actor)
                    } else {
                        name.to_ascii_lowercase()
                    };
                    active_user_named(&mut conn, "assignee", &name, &mut errors).await?
                }
            };
            assignee_id = new.as_ref().map(|u| u.id);
            if assignee_id != case.assignee_id {
                changed.insert("assignee".into(), json!({ "from": case.assignee_username, "to": new.as_ref().map(|u| u.username.clone()) }));
                ch.assignee_id = Some(assignee_id);
            }
        }
        errors.into_result()?;
        drop(conn);
        if let Some(a) = assignee_id.filter(|_| ch.assignee_id.is_some() || ch.unit_id.is_some()) {
            let after = hqdesk_domain::access::CaseFacts {
                id: Some(case.id),
                confidential: case.confidential,
                unit_id,
                assignee_id: Some(a),
            };
            if let Actor::User { user, facts, .. } = self.actor_for_user(a).await? {
                if hqdesk_domain::access::is_excluded(&facts, &after) {
                    return Err(crate::conflict::assignee_conflict(&user.username));
                }
                if !hqdesk_domain::access::may_be_assigned(&facts, &after) {
                    return Err(ServiceError::invalid_field(
                        "assignee",
                        "assignee_cannot_see_case",
                        format!(
                            "{} cannot be given this case: their role may not see it",
                            user.username
                        ),
                    ));
                }
            }
        }
        self.write_changes(actor, case, &ch, changed, "assigned", "case.assign", false)
            .await
    }

    /// Write a change of a case's fields with its timeline event and audit entry; answer the case
    /// as it is now. With `redact_confidential`, a confidential case's audit entry names the
    /// changed fields only.
    #[allow(clippy::too_many_arguments)]
    async fn write_changes(
        &self,
        actor: &Actor,
        case: CaseRecord,
        ch: &CaseChanges,
        changed: serde_json::Map<String, serde_json::Value>,
        what: &str,
        audit_action: &str,
        redact_confidential: bool,
    ) -> Result<CaseView, ServiceError> {
        if changed.is_empty() {
            let mut conn = self.store().read().await?;
            return self.view(&mut conn, actor, case).await;
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        cases::update(&mut tx, case.id, ch, now).await?;
        if ch.kind.is_some()
            || ch.branch.is_some()
            || ch.category_id.is_some()
            || ch.priority.is_some()
            || ch.unit_id.is_some()
        {
            crate::sla::events::on_facts_changed(&mut tx, case.id, now).await?;
        }
        let meta = serde_json::Value::Object(changed);
        self.event(&mut tx, actor, &case, what, meta.clone(), now)
            .await?;
        if ch.subject.is_some() {
            // Re-index the header and every message: subjects change rarely.
            self.reindex(&mut tx, case.id).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            audit_action,
            &format!("case:{}", case.number),
            if redact_confidential && case.confidential {
                json!({ "fields": meta.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()) })
            } else {
                without_text(meta)
            },
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        let updated = cases::by_id(&mut conn, case.id).await?;
        // Whoever moved a case out of their own sight gets 404 from now on; answer what they did.
        self.view(&mut conn, actor, updated).await
    }

    /// Move a case through its state machine.
    pub async fn change_status(
        &self,
        actor: &Actor,
        number: &str,
        status: &str,
    ) -> Result<CaseView, ServiceError> {
        let next = Status::parse(status.trim()).map_err(|e| ServiceError::invalid("status", e))?;
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ChangeStatus)
            .await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        write_status_change(&mut tx, actor, &case, next, now).await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        let case = cases::by_id(&mut conn, case.id).await?;
        self.view(&mut conn, actor, case).await
    }

    async fn event(
        &self,
        tx: &mut Connection,
        actor: &Actor,
        case: &CaseRecord,
        what: &str,
        meta: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
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
        Ok(())
    }

    pub(crate) async fn reindex(
        &self,
        tx: &mut Connection,
        case_id: i64,
    ) -> Result<(), ServiceError> {
        let case = cases::by_id(tx, case_id).await?;
        search::remove_case(tx, case_id).await?;
        let mut header = vec![case.number.to_string(), case.subject.clone()];
        if let Some(rid) = case.requester_id {
            let r = requesters::get(tx, rid).await?;
            header.extend(
                [Some(r.name), r.business_name, r.email, r.phone, r.tax_code]
                    .into_iter()
                    .flatten(),
            );
        }
        if let Some(r) = cases::confidential_reporter(tx, case_id).await? {
            header.extend([r.name, r.email, r.phone, r.tax_code].into_iter().flatten());
        }
        search::index(tx, case_id, &header.join(" ")).await?;
        let mut after = None;
        loop {
            let batch = timeline::list(
                tx,
                case_id,
                &[EntryKind::Inbound, EntryKind::Outbound, EntryKind::Note],
                after,
                500,
            )
            .await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for e in &batch {
                search::index(tx, case_id, &e.body).await?;
            }
        }
        Ok(())
    }
}

/// A change's audit detail without the case's text: a subject edit is recorded as made, not
/// with its words. The audit log is append-only, and a case whose subject was edited may later
/// be sealed as a misfiled denunciation; the timeline, which sealing rewrites, keeps the words.
fn without_text(mut meta: serde_json::Value) -> serde_json::Value {
    if let Some(subject) = meta.get_mut("subject") {
        *subject = json!({ "changed": true });
    }
    meta
}
