//! Opening a case: the requester checked, the case written, a retry answered.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::{self, Branch, CaseKind, CaseNumber, Priority};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::{Email, PhoneE164, TaxCode};
use hqdesk_domain::ValidationErrors;
use hqdesk_store::cases::{ConfidentialReporter, NewCase, NewCaseNames};
use hqdesk_store::requesters::RequesterFields;
use hqdesk_store::{categories, idempotency, StoreError};

use super::{
    check_attachments, idempotency_scope, non_empty, replay, CaseView, IdempotencyKey, OpenCase,
    RequesterInput,
};
use crate::case_write::{CaseToInsert, Opening};
use crate::creation::{PendingCase, IDEMPOTENCY_KEY_TAKEN};
use crate::lookup::{active_user_named, unit_named};
use crate::{Actor, ServiceError, Services};

/// Validated requester identifiers.
struct ParsedRequester {
    fields: RequesterFields,
    reachable: bool,
    identified: bool,
}

fn parse_requester(
    input: Option<&RequesterInput>,
    errors: &mut ValidationErrors,
) -> ParsedRequester {
    let empty = RequesterInput::default();
    let r = input.unwrap_or(&empty);
    let email = non_empty(&r.email).and_then(|v| errors.check("requester.email", Email::parse(v)));
    let phone =
        non_empty(&r.phone).and_then(|v| errors.check("requester.phone", PhoneE164::parse(v)));
    let tax_code =
        non_empty(&r.tax_code).and_then(|v| errors.check("requester.tax_code", TaxCode::parse(v)));
    let name = non_empty(&r.name).and_then(|v| errors.check("requester.name", case::parse_name(v)));
    let business_name = non_empty(&r.business_name)
        .and_then(|v| errors.check("requester.business_name", case::parse_name(v)));
    let reachable = email.is_some() || phone.is_some();
    let identified = reachable || tax_code.is_some() || name.is_some() || business_name.is_some();
    let display = name
        .clone()
        .or_else(|| business_name.clone())
        .or_else(|| email.as_ref().map(|e| e.as_str().to_string()))
        .or_else(|| phone.as_ref().map(|p| p.national()))
        .unwrap_or_default();
    ParsedRequester {
        fields: RequesterFields {
            name: display,
            business_name,
            email: email.map(String::from),
            phone: phone.map(String::from),
            tax_code: tax_code.map(String::from),
        },
        reachable,
        identified,
    }
}
impl Services {
    /// Open a case. With an idempotency key, a retry answers with the case the first request
    /// opened and creates nothing.
    pub async fn open_case(
        &self,
        actor: &Actor,
        cmd: OpenCase,
        idem: Option<IdempotencyKey>,
    ) -> Result<CaseView, ServiceError> {
        actor.require(Action::CreateCase, None)?;
        let scope = idempotency_scope(actor, "case.open");
        if let Some(key) = &idem {
            let mut conn = self.store().read().await?;
            if let Some(rec) = idempotency::find(&mut conn, &scope, &key.key).await? {
                return self.replay_case(actor, &rec, key).await;
            }
        }
        let mut errors = ValidationErrors::new();
        let kind = errors.check("kind", CaseKind::parse(cmd.kind.trim()));
        let channel = errors.check("channel", Channel::parse(cmd.channel.trim()));
        let subject = errors.check("subject", case::parse_subject(&cmd.subject));
        let body = match non_empty(&cmd.body) {
            Some(b) => errors.check("body", case::parse_body(b)),
            None => None,
        };
        let priority = match non_empty(&cmd.priority) {
            Some(p) => errors.check("priority", Priority::parse(p)),
            None => Some(Priority::Normal),
        };
        let branch = match cmd.branch {
            Some(b) => errors.check("branch", Branch::from_number(b)),
            None => None,
        };
        let requester = parse_requester(cmd.requester.as_ref(), &mut errors);
        if cmd.anonymous {
            if kind.is_some_and(|k| !k.is_confidential()) {
                errors.push(hqdesk_domain::FieldError {
                    field: "anonymous".into(),
                    code: "anonymous_denunciation_only",
                    message: "only a denunciation can be an anonymous tip".into(),
                });
            }
            if requester.identified {
                errors.push(hqdesk_domain::FieldError {
                    field: "requester".into(),
                    code: "anonymous_with_requester",
                    message: "an anonymous tip has no requester: leave it out".into(),
                });
            }
        }
        if !cmd.attachments.is_empty() && body.is_none() {
            errors.push(hqdesk_domain::FieldError {
                field: "body".into(),
                code: "body_required_with_attachments",
                message: "describe the files you attach".into(),
            });
        }
        if let Err(ServiceError::Invalid(e)) = check_attachments(&cmd.attachments) {
            e.0.into_iter().for_each(|f| errors.push(f));
        }
        if let Some(k) = kind {
            if !k.allows_anonymous() && !requester.reachable {
                errors.push(hqdesk_domain::FieldError {
                    field: "requester".into(),
                    code: "requester_unreachable",
                    message: "give the requester's e-mail or phone number so that the answer can reach them".into(),
                });
            }
        }
        let mut conn = self.store().read().await?;
        let category = match non_empty(&cmd.category) {
            Some(code) => match categories::by_code(&mut conn, code).await {
                Ok(c) if c.active => Some(c),
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
            None => None,
        };
        if let (Some(k), Some(c)) = (kind, &category) {
            if k.is_confidential() != c.kind.is_confidential() {
                errors.push(hqdesk_domain::FieldError {
                    field: "category".into(),
                    code: "category_kind_mismatch",
                    message: format!(
                        "category {:?} is for {} cases, not {}",
                        c.code,
                        c.kind.as_str(),
                        k.as_str()
                    ),
                });
            }
        }
        let unit = match non_empty(&cmd.unit) {
            Some(code) => {
                unit_named(&mut conn, "unit", &code.to_ascii_uppercase(), &mut errors).await?
            }
            None => None,
        };
        let assignee = match non_empty(&cmd.assignee) {
            Some(name) => {
                let name = name.to_ascii_lowercase();
                active_user_named(&mut conn, "assignee", &name, &mut errors).await?
            }
            None => None,
        };
        let named = if cmd.named.is_empty() {
            None
        } else {
            if kind.is_some_and(|k| !k.is_confidential()) {
                errors.push(hqdesk_domain::FieldError {
                    field: "named_officers".into(),
                    code: "not_a_report",
                    message: "only a denunciation names officers or units".into(),
                });
            }
            Some(crate::conflict::resolve(&mut conn, &cmd.named, &mut errors).await?)
        };
        let tree = match (&named, &assignee) {
            (Some(_), Some(_)) => Some(crate::conflict::UnitTree::load(&mut conn).await?),
            _ => None,
        };
        drop(conn);
        errors.clone().into_result()?;
        if let (Some(named), Some(a), Some(tree)) = (&named, &assignee, &tree) {
            if crate::conflict::names_user(named, tree, a) {
                return Err(crate::conflict::assignee_conflict(&a.username));
            }
        }
        let (Some(kind), Some(channel), Some(subject), Some(priority)) =
            (kind, channel, subject, priority)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let branch = branch
            .or(category.as_ref().map(|c| c.branch))
            .unwrap_or_else(|| kind.default_branch());
        let facts_after = hqdesk_domain::access::CaseFacts {
            id: None,
            confidential: kind.is_confidential(),
            unit_id: unit.as_ref().map(|u| u.id),
            assignee_id: assignee.as_ref().map(|u| u.id),
        };
        if let Some(a) = &assignee {
            let assignee_actor = self.actor_for_user(a.id).await?;
            if let Actor::User { facts, .. } = &assignee_actor {
                if !hqdesk_domain::access::may_be_assigned(facts, &facts_after) {
                    return Err(ServiceError::invalid_field(
                        "assignee",
                        "assignee_cannot_see_case",
                        format!(
                            "{} cannot be given this case: their role may not see it",
                            a.username
                        ),
                    ));
                }
            }
        }

        // An anonymous tip's receipt: derived (Argon2id) before the writer's transaction.
        let receipt = match cmd.anonymous {
            true => {
                let (receipt, keys) = crate::sealing::new_receipt().await?;
                Some((receipt, std::sync::Arc::new(keys)))
            }
            false => None,
        };
        let stored = self.store_attachment_bytes(&cmd.attachments, None).await?;
        let now = self.now();
        let reporter = kind.is_confidential().then(|| {
            let f = &requester.fields;
            ConfidentialReporter {
                anonymous: !requester.identified,
                name: (!f.name.is_empty()).then(|| f.name.clone()),
                email: f.email.clone(),
                phone: f.phone.clone(),
                tax_code: f.tax_code.clone(),
            }
        });
        let f = &requester.fields;
        let header = [
            subject.as_str(),
            &f.name,
            f.business_name.as_deref().unwrap_or(""),
            f.email.as_deref().unwrap_or(""),
            f.phone.as_deref().unwrap_or(""),
            f.tax_code.as_deref().unwrap_or(""),
        ]
        .join(" ");
        let pending = PendingCase {
            insert: CaseToInsert {
                new: NewCase {
                    // Drawn when written.
                    number: CaseNumber::compose(now, 0),
                    kind,
                    branch,
                    channel,
                    category_id: category.as_ref().map(|c| c.id),
                    priority,
                    subject,
                    requester_id: None,
                    unit_id: unit.as_ref().map(|u| u.id),
                    assignee_id: assignee.as_ref().map(|u| u.id),
                    created_by: actor.user_id(),
                    first_response_due_at: None,
                    resolution_due_at: None,
                    sealed: false,
                },
                due_in_minutes: priority.default_targets_minutes(),
                names: NewCaseNames {
                    category_code: category.as_ref().map(|c| c.code.clone()),
                    unit_code: unit.as_ref().map(|u| u.code.clone()),
                    assignee_username: assignee.as_ref().map(|u| u.username.clone()),
                },
                reporter,
                header,
                opening: match body {
                    Some(body) => Opening::Message {
                        body,
                        files: stored,
                    },
                    None => Opening::Empty,
                },
                // An anonymous tip is reached by its receipt only: no link, no mail.
                tracking_token_hash: cmd.follow_up.tracking_token_hash.filter(|_| !cmd.anonymous),
                tracking_token: cmd.follow_up.tracking_token.filter(|_| !cmd.anonymous),
                confirmation: cmd.follow_up.confirmation.filter(|_| !cmd.anonymous),
                receipt: receipt.as_ref().map(|(_, keys)| keys.clone()),
                audit_actor: actor.audit_name(),
                named,
            },
            requester: (!kind.is_confidential() && requester.identified)
                .then(|| requester.fields.clone()),
            idempotency: idem
                .as_ref()
                .map(|k| (scope.clone(), k.key.clone(), k.fingerprint.clone())),
        };
        let reporter = pending.insert.reporter.clone();
        let created = match self.create_case(pending).await {
            Ok(c) => c,
            // A concurrent retry with the same key committed first: answer as it did.
            Err(ServiceError::Conflict { code, .. }) if code == IDEMPOTENCY_KEY_TAKEN => {
                let key = idem.as_ref().ok_or_else(|| {
                    ServiceError::Internal("idempotency conflict without a key".into())
                })?;
                let mut conn = self.store().read().await?;
                return match idempotency::find(&mut conn, &scope, &key.key).await? {
                    Some(rec) => self.replay_case(actor, &rec, key).await,
                    None => Err(ServiceError::Conflict {
                        code: "idempotency_in_progress",
                        message: "a request with this Idempotency-Key is in progress; retry".into(),
                    }),
                };
            }
            Err(e) => return Err(e),
        };
        // The creator sees what they entered, even a denunciation they may not read later.
        Ok(CaseView {
            case: created.case,
            requester: created.requester,
            reporter,
            identity: None,
            receipt: receipt.map(|(r, _)| r),
        })
    }

    /// Answer a retried creation with what the first request answered, never with a fresh read
    /// of the case (see `first_answer`).
    async fn replay_case(
        &self,
        actor: &Actor,
        rec: &idempotency::Recorded,
        key: &IdempotencyKey,
    ) -> Result<CaseView, ServiceError> {
        let resource = replay(rec, key)?;
        if let Some(answer) = &rec.answer {
            return crate::first_answer::decode(answer);
        }
        // A key recorded before answers were kept (at most a day old): an ordinary read, with
        // its access check and audit.
        let number = resource
            .strip_prefix("case:")
            .ok_or_else(|| ServiceError::Internal(format!("idempotency record {resource}")))?;
        self.get_case(actor, number).await
    }
}
