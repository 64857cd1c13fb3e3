//! Related cases, merging duplicates, and canned responses.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{self, Status};
use hqdesk_store::cases::{self, CaseChanges, CaseRecord};
use hqdesk_store::links::{self, Canned};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{Connection, Store};
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

impl Services {
    async fn two_cases(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        a: &str,
        b: &str,
        action: Action,
    ) -> Result<(CaseRecord, CaseRecord), ServiceError> {
        let load =
            |n: &str| hqdesk_domain::case::CaseNumber::parse(n).map_err(|_| ServiceError::NotFound);
        let first = cases::by_number(conn, &load(a)?).await?;
        actor.require(action, Some(&first.facts()))?;
        let second = match cases::by_number(
            conn,
            &load(b).map_err(|_| {
                ServiceError::invalid_field(
                    "other",
                    "case_unknown",
                    format!("there is no case {b:?}"),
                )
            })?,
        )
        .await
        {
            Ok(c) => c,
            Err(hqdesk_store::StoreError::NotFound) => {
                return Err(ServiceError::invalid_field(
                    "other",
                    "case_unknown",
                    format!("there is no case {b:?}"),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        // A case the actor may not see is reported exactly like a missing one.
        if actor.require(action, Some(&second.facts())).is_err() {
            return Err(ServiceError::invalid_field(
                "other",
                "case_unknown",
                format!("there is no case {b:?}"),
            ));
        }
        if first.id == second.id {
            return Err(ServiceError::invalid_field(
                "other",
                "case_same",
                "a case cannot be linked to or merged into itself",
            ));
        }
        if first.confidential != second.confidential {
            return Err(ServiceError::invalid_field("other", "case_confidentiality_differs", "a confidential case can only be linked to or merged with another confidential case"));
        }
        Ok((first, second))
    }

    /// Mark two cases as related (both ways).
    pub async fn link_cases(
        &self,
        actor: &Actor,
        number: &str,
        other: &str,
    ) -> Result<(), ServiceError> {
        let mut conn = self.store().read().await?;
        let (a, b) = self
            .two_cases(&mut conn, actor, number, other, Action::UpdateCase)
            .await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        links::link(&mut tx, a.id, b.id, actor.user_id(), now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "case.link",
            &format!("case:{}", a.number),
            json!({ "other": b.number.to_string() }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// The cases linked to this one that the actor may see, and the case it was merged into.
    pub async fn related_cases(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<(Vec<CaseRecord>, Option<CaseRecord>), ServiceError> {
        let mut conn = self.store().read().await?;
        let n =
            hqdesk_domain::case::CaseNumber::parse(number).map_err(|_| ServiceError::NotFound)?;
        let case = cases::by_number(&mut conn, &n).await?;
        actor.require(Action::ReadCase, Some(&case.facts()))?;
        let scope = actor.case_scope();
        let mut out = Vec::new();
        for id in links::linked(&mut conn, case.id).await? {
            let other = cases::by_id(&mut conn, id).await?;
            if scope.contains(&other.facts()) {
                out.push(other);
            }
        }
        let merged = match links::merged_into(&mut conn, case.id).await? {
            Some(id) => {
                Some(cases::by_id(&mut conn, id).await?).filter(|c| scope.contains(&c.facts()))
            }
            None => None,
        };
        drop(conn);
        self.record_confidential_reads(
            actor,
            std::iter::once(&case).chain(&out).chain(&merged),
            "links",
        )
        .await?;
        Ok((out, merged))
    }

    /// Merge a duplicate into another case: its conversation moves there, it is closed, and the
    /// two are linked. Returns the case merged into.
    pub async fn merge_case(
        &self,
        actor: &Actor,
        number: &str,
        into: &str,
    ) -> Result<CaseRecord, ServiceError> {
        let mut conn = self.store().read().await?;
        let (from, target) = self
            .two_cases(&mut conn, actor, number, into, Action::UpdateCase)
            .await?;
        let already = links::merged_into(&mut conn, from.id).await?;
        let names_someone = from.confidential
            && hqdesk_store::case_exclusions::any_for_case(&mut conn, from.id).await?;
        drop(conn);
        if already.is_some() || from.status == Status::Closed {
            return Err(ServiceError::Conflict {
                code: "case_closed",
                message: "this case is closed or already merged".into(),
            });
        }
        if target.status == Status::Closed {
            return Err(ServiceError::invalid_field(
                "into",
                "case_closed",
                "cannot merge into a closed case",
            ));
        }
        if names_someone {
            // Its messages would reach, in the other case, people this report names.
            return Err(ServiceError::Conflict {
                code: "case_names_officers",
                message: "this report names officers or units: it cannot be merged into another \
                          case, whose readers may include them; link the two instead"
                    .into(),
            });
        }
        if from.sealed != target.sealed {
            // A merge moves messages as they are: clear text into a sealed case, or ciphertext
            // into one that is not, would be both wrong and refused by the database.
            return Err(ServiceError::invalid_field(
                "into",
                "case_sealed_mismatch",
                "a sealed case merges only with another sealed case",
            ));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let moved = links::merge(&mut tx, from.id, target.id).await?;
        links::link(&mut tx, from.id, target.id, actor.user_id(), now).await?;
        // Close the duplicate through the state machine's own steps.
        let mut status = from.status;
        for next in [Status::Resolved, Status::Closed] {
            if status.can_become(next) {
                cases::update(
                    &mut tx,
                    from.id,
                    &CaseChanges {
                        status: Some(next),
                        resolved_at: (next == Status::Resolved).then_some(Some(now)),
                        closed_at: (next == Status::Closed).then_some(now),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
                status = next;
            }
        }
        let meta_from =
            json!({ "merged_into": { "from": null, "to": target.number.to_string() } }).to_string();
        let meta_into =
            json!({ "merged_from": { "from": null, "to": from.number.to_string() } }).to_string();
        for (case_id, meta) in [(from.id, meta_from), (target.id, meta_into)] {
            timeline::insert(
                &mut tx,
                &NewEntry {
                    case_id,
                    kind: EntryKind::Event,
                    channel: None,
                    author_user_id: actor.user_id(),
                    body: "merged",
                    delivery_state: None,
                    meta: Some(meta),
                },
                now,
            )
            .await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            "case.merge",
            &format!("case:{}", from.number),
            json!({ "into": target.number.to_string(), "moved_entries": moved }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(target)
    }

    /// Active canned responses, for anyone who may reply.
    pub async fn canned_responses(&self, only_active: bool) -> Result<Vec<Canned>, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(links::canned_list(&mut conn, only_active).await?)
    }

    /// Add a canned response (administrators and supervisors).
    pub async fn add_canned(
        &self,
        actor: &Actor,
        title: &str,
        body: &str,
    ) -> Result<i64, ServiceError> {
        require_editor(actor)?;
        let title = case::parse_subject(title).map_err(|e| ServiceError::invalid("title", e))?;
        let body = case::parse_body(body).map_err(|e| ServiceError::invalid("body", e))?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let id = links::canned_insert(&mut tx, &title, &body, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "canned.create",
            &format!("canned:{id}"),
            json!({ "title": title }),
        )
        .await?;
        Store::commit(tx).await?;
        self.suggest_indexes().changed();
        Ok(id)
    }

    /// One canned response, active or not, for its edit page (supervisors and administrators).
    pub async fn canned_response(&self, actor: &Actor, id: i64) -> Result<Canned, ServiceError> {
        require_editor(actor)?;
        let mut conn = self.store().read().await?;
        Ok(links::canned_get(&mut conn, id).await?)
    }

    /// Change a canned response's title and text (supervisors and administrators).
    pub async fn update_canned(
        &self,
        actor: &Actor,
        id: i64,
        title: &str,
        body: &str,
    ) -> Result<(), ServiceError> {
        require_editor(actor)?;
        let mut errors = hqdesk_domain::ValidationErrors::new();
        let title = errors.check("title", case::parse_subject(title));
        let body = errors.check("body", case::parse_body(body));
        errors.clone().into_result()?;
        let (Some(title), Some(body)) = (title, body) else {
            return Err(ServiceError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        links::canned_update(&mut tx, id, &title, &body).await?;
        audit(
            &mut tx,
            now,
            actor,
            "canned.update",
            &format!("canned:{id}"),
            json!({ "title": title }),
        )
        .await?;
        Store::commit(tx).await?;
        self.suggest_indexes().changed();
        Ok(())
    }

    /// Delete a canned response (supervisors and administrators). Replies that used it keep
    /// their text.
    pub async fn delete_canned(&self, actor: &Actor, id: i64) -> Result<(), ServiceError> {
        require_editor(actor)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let old = links::canned_get(&mut tx, id).await?;
        links::canned_delete(&mut tx, id).await?;
        audit(
            &mut tx,
            now,
            actor,
            "canned.delete",
            &format!("canned:{id}"),
            json!({ "title": old.title }),
        )
        .await?;
        Store::commit(tx).await?;
        self.suggest_indexes().changed();
        Ok(())
    }

    pub async fn set_canned_active(
        &self,
        actor: &Actor,
        id: i64,
        active: bool,
    ) -> Result<(), ServiceError> {
        require_editor(actor)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        links::canned_set_active(&mut tx, id, active).await?;
        audit(
            &mut tx,
            now,
            actor,
            "canned.update",
            &format!("canned:{id}"),
            json!({ "active": active }),
        )
        .await?;
        Store::commit(tx).await?;
        self.suggest_indexes().changed();
        Ok(())
    }
}

fn require_editor(actor: &Actor) -> Result<(), ServiceError> {
    actor.require(hqdesk_domain::access::Action::ManageCannedResponses, None)
}

/// Fill a canned response's placeholders: `{{requester.name}}`, `{{case.number}}`,
/// `{{case.subject}}`, `{{agent.name}}`. Unknown placeholders stay as written, so a typo shows.
pub fn fill_placeholders(
    template: &str,
    requester_name: &str,
    case_number: &str,
    case_subject: &str,
    agent_name: &str,
) -> String {
    let mut out = template.to_string();
    for (k, v) in [
        ("requester.name", requester_name),
        ("case.number", case_number),
        ("case.subject", case_subject),
        ("agent.name", agent_name),
    ] {
        for pattern in [format!("{{{{{k}}}}}"), format!("{{{{ {k} }}}}")] {
            out = out.replace(&pattern, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        let t = "Kính gửi {{requester.name}}, yêu cầu {{ case.number }} ({{case.subject}}) đã được {{agent.name}} xử lý. {{case.nope}}";
        assert_eq!(
            fill_placeholders(t, "Công ty Tân Phát", "HQ2611-4839207", "Lỗi ký số", "Nguyễn Thị Lan"),
            "Kính gửi Công ty Tân Phát, yêu cầu HQ2611-4839207 (Lỗi ký số) đã được Nguyễn Thị Lan xử lý. {{case.nope}}"
        );
    }
}
