//! Sending a request or a suggestion from the portal's forms.

use hqdesk_domain::case::{self as case_rules};
use hqdesk_domain::requester::{Email, PhoneE164};
use hqdesk_domain::{FieldError, ValidationErrors};
use hqdesk_i18n::Locale;

use super::limits::*;
use super::topics::*;
use super::Detail::*;
use super::{
    form_instance, missing, new_token, token_for_form, token_hash, trimmed, PortalRequest,
    PortalSuggestion, Receipt, Submitted, PORTAL,
};
use crate::cases::{check_attachments, NewAttachment, OpenCase, OpenFollowUp, RequesterInput};
use crate::outbox::NotificationMail;
use crate::texts;
use crate::{ServiceError, Services};

/// VNACCS declaration numbers are 12 digits; spaces and dots people type are ignored.
pub fn parse_declaration_number(s: &str) -> Result<String, FieldError> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if digits.len() == 12 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(FieldError {
            field: "declaration_number".into(),
            code: "declaration_number_invalid",
            message: "a declaration number has 12 digits".into(),
        })
    }
}

fn confirmation(lang: &str, to: &str, link: &str) -> NotificationMail {
    let locale = if lang == "en" { Locale::En } else { Locale::Vi };
    NotificationMail {
        purpose: "portal.confirmation".into(),
        to: to.into(),
        // `{case}` stays: it becomes the case number when the case is written.
        subject: texts::in_locale(locale, "portal.mail.confirmation.subject", &[]),
        text: texts::in_locale(
            locale,
            "portal.mail.confirmation.text",
            &[("link", link), ("hotline", texts::HOTLINE)],
        ),
        case_id: None,
        in_reply_to: None,
        mailbox_id: None,
        ..Default::default()
    }
}

impl Services {
    /// The submission a form instance made already, if any.
    pub(super) async fn submitted_before(
        &self,
        instance: Option<&str>,
        token: &str,
    ) -> Result<Option<Submitted>, ServiceError> {
        if instance.is_none() {
            return Ok(None);
        }
        match self.portal_receipt(token).await {
            Ok(r) => Ok(Some(Submitted {
                case_number: r.case_number,
                tracking_token: token.to_string(),
            })),
            Err(ServiceError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Opening failed: when the same form was sent twice at once, the other submission
    /// committed first (the token's hash is unique) and this one answers with its case.
    async fn opened_meanwhile(
        &self,
        instance: Option<&str>,
        token: &str,
        e: ServiceError,
    ) -> Result<Submitted, ServiceError> {
        if matches!(e, ServiceError::Conflict { .. }) {
            if let Some(done) = self.submitted_before(instance, token).await? {
                return Ok(done);
            }
        }
        Err(e)
    }

    /// The case behind a tracking token, for the confirmation page shown after a submission.
    pub async fn portal_receipt(&self, token: &str) -> Result<Receipt, ServiceError> {
        let mut case = self.tracked_case(token).await?;
        if case.sealed {
            let mut conn = self.store().read().await?;
            let mut keys = self.tracking_keys(&mut conn, token, &case).await?;
            keys.open_case(&mut conn, &mut case).await?;
        }
        Ok(Receipt {
            case_number: case.number.to_string(),
            suggestion: case.kind == hqdesk_domain::case::CaseKind::Suggestion,
            subject: case.subject.clone(),
            opened: case.created_at,
            answer_due: case.first_response_due_at.or(case.resolution_due_at),
        })
    }

    /// The line that tells staff which article the visitor read, and what they searched for,
    /// before writing ("this did not help"). Only a published article is named.
    pub(super) async fn read_before(&self, req: &PortalRequest) -> Option<String> {
        let clean = |s: &Option<String>| {
            trimmed(s).map(|v| {
                v.chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>()
            })
        };
        let query = clean(&req.from_query);
        let mut parts = Vec::new();
        if let Some(slug) = clean(&req.from_article) {
            if let Ok(a) = self.article(&slug, true).await {
                parts.push(texts::vi(
                    "portal.context.article",
                    &[("title", &a.title), ("slug", &a.slug)],
                ));
            }
        }
        if let Some(q) = &query {
            parts.push(texts::vi("portal.context.query", &[("query", q)]));
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }

    /// Open a case from the portal's request form. Every field is checked before anything is
    /// written, and every mistake is reported at once; the case is then written in one
    /// transaction with its tracking token and confirmation mail: an invalid field stores
    /// nothing. The same form instance sent again answers with the case it opened.
    pub async fn portal_submit(&self, req: PortalRequest) -> Result<Submitted, ServiceError> {
        let instance = form_instance(&req.form_instance);
        let token = instance.map(token_for_form).unwrap_or_else(new_token);
        if let Some(done) = self.submitted_before(instance, &token).await? {
            return Ok(done);
        }
        // Sent first as an anonymous tip (Back, the other choice, send again): never twice.
        if let Some(i) = instance {
            if self.tip_filed_before(i).await? {
                return Err(ServiceError::Conflict {
                    code: super::ALREADY_SUBMITTED,
                    message: "this form was sent already".into(),
                });
            }
        }
        self.portal_rate_check(REQUEST_LIMIT, &req.source, REQUESTS_PER_HOUR)
            .await?;
        let mut errors = ValidationErrors::new();
        let topic = topic(req.topic.trim());
        if topic.is_none() {
            errors.push(FieldError {
                field: "topic".into(),
                code: "topic_unknown",
                message: "choose what your request is about".into(),
            });
        }
        let tax_code = trimmed(&req.tax_code);
        let mut details = Vec::new();
        for d in topic.map(|t| t.asks).unwrap_or_default() {
            let value = match d {
                TaxCode => tax_code.clone(),
                Declaration => trimmed(&req.declaration_number),
                System => trimmed(&req.system),
                ErrorMessage => trimmed(&req.error_message),
            };
            match (value, topic.is_some_and(|t| t.requires(*d))) {
                (None, true) => errors.push(missing(d.name())),
                (None, false) => {}
                (Some(v), _) => match d {
                    Declaration => match parse_declaration_number(&v) {
                        Ok(n) => details.push((*d, n)),
                        Err(e) => errors.push(e),
                    },
                    // Checked again by the case engine; checked here so the error names the
                    // form's own field.
                    TaxCode => match hqdesk_domain::requester::TaxCode::parse(&v) {
                        Ok(t) => details.push((*d, String::from(t))),
                        Err(e) => errors.push(e.at("tax_code")),
                    },
                    _ => details.push((*d, v.chars().take(500).collect())),
                },
            }
        }
        let email = trimmed(&req.email);
        let phone = trimmed(&req.phone);
        if topic.is_some_and(|t| !t.confidential()) && email.is_none() && phone.is_none() {
            errors.push(FieldError {
                field: "email".into(),
                code: "contact_required",
                message: "give an e-mail address or a phone number so that we can answer".into(),
            });
        }
        check_typed(
            &mut errors,
            &Typed {
                subject: Some(&req.subject),
                text_field: "description",
                text: &req.description,
                name: &req.name,
                business_name: &req.business_name,
                email: &email,
                phone: &phone,
                attachments: &req.attachments,
            },
        );
        errors.into_result()?;
        let Some(topic) = topic else {
            return Err(ServiceError::Internal("topic checked above".into()));
        };

        let mut body = String::new();
        for (d, v) in &details {
            if *d != TaxCode {
                body.push_str(&format!("{}: {v}\n", detail_label(*d)));
            }
        }
        if !body.is_empty() {
            body.push('\n');
        }
        if topic.confidential() {
            body.push_str(&req.tip.lines());
        }
        body.push_str(req.description.trim());
        if let Some(line) = self.read_before(&req).await {
            body.push_str("\n\n");
            body.push_str(&line);
        }
        let confirmation = email
            .as_deref()
            .map(|to| confirmation(&req.lang, to, &format!("{}/track/{token}", req.link_base)));
        let tax_for_requester = details
            .iter()
            .find(|(d, _)| *d == TaxCode)
            .map(|(_, v)| v.clone());
        let opened = self
            .open_case(
                &PORTAL,
                OpenCase {
                    kind: topic.kind.into(),
                    branch: Some(i64::from(topic.branch)),
                    channel: "portal".into(),
                    subject: req.subject.clone(),
                    body: Some(body),
                    category: Some(topic.category.into()),
                    requester: Some(RequesterInput {
                        name: trimmed(&req.name),
                        business_name: trimmed(&req.business_name),
                        email,
                        phone,
                        tax_code: tax_for_requester,
                    }),
                    attachments: req.attachments,
                    follow_up: OpenFollowUp {
                        tracking_token_hash: Some(token_hash(&token)),
                        tracking_token: Some(token.clone()),
                        confirmation,
                    },
                    ..Default::default()
                },
                None,
            )
            .await;
        let view = match opened {
            Ok(v) => v,
            Err(e) => {
                return self
                    .opened_meanwhile(instance, &token, e)
                    .await
                    .map_err(rename_fields("description"))
            }
        };
        self.count_accepted(REQUEST_LIMIT, &req.source).await;
        Ok(Submitted {
            case_number: view.case.number.to_string(),
            tracking_token: token,
        })
    }

    /// File a suggestion for one unit (same rules as a request: one case per form instance,
    /// every mistake at once, only accepted ones counted).
    pub async fn portal_suggest(&self, s: PortalSuggestion) -> Result<Submitted, ServiceError> {
        let instance = form_instance(&s.form_instance);
        let token = instance.map(token_for_form).unwrap_or_else(new_token);
        if let Some(done) = self.submitted_before(instance, &token).await? {
            return Ok(done);
        }
        self.portal_rate_check(REQUEST_LIMIT, &s.source, REQUESTS_PER_HOUR)
            .await?;
        let mut errors = ValidationErrors::new();
        if s.unit.trim().is_empty() {
            errors.push(FieldError {
                code: "unit_unknown",
                ..missing("unit")
            });
        }
        let email = trimmed(&s.email);
        let phone = trimmed(&s.phone);
        let subject = trimmed(&Some(s.subject.clone()));
        check_typed(
            &mut errors,
            &Typed {
                subject: subject.as_deref(),
                text_field: "message",
                text: &s.message,
                name: &s.name,
                business_name: &None,
                email: &email,
                phone: &phone,
                attachments: &[],
            },
        );
        errors.into_result()?;
        let confirmation = email
            .as_deref()
            .map(|to| confirmation(&s.lang, to, &format!("{}/track/{token}", s.link_base)));
        let subject = subject.unwrap_or_else(|| s.message.trim().chars().take(80).collect());
        let opened = self
            .open_case(
                &PORTAL,
                OpenCase {
                    kind: "suggestion".into(),
                    channel: "portal".into(),
                    subject,
                    body: Some(s.message.trim().to_string()),
                    // A suggestion is routed to the unit it concerns.
                    unit: Some(s.unit.clone()),
                    requester: Some(RequesterInput {
                        name: trimmed(&s.name),
                        email,
                        phone,
                        ..Default::default()
                    }),
                    follow_up: OpenFollowUp {
                        tracking_token_hash: Some(token_hash(&token)),
                        tracking_token: Some(token.clone()),
                        confirmation,
                    },
                    ..Default::default()
                },
                None,
            )
            .await;
        let view = match opened {
            Ok(v) => v,
            Err(e) => {
                return self
                    .opened_meanwhile(instance, &token, e)
                    .await
                    .map_err(rename_fields("message"))
            }
        };
        self.count_accepted(REQUEST_LIMIT, &s.source).await;
        Ok(Submitted {
            case_number: view.case.number.to_string(),
            tracking_token: token,
        })
    }

    /// Units a suggestion can be addressed to: (code, name).
    pub async fn portal_units(&self) -> Result<Vec<(String, String)>, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(hqdesk_store::units::list(&mut conn)
            .await?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect())
    }
}

/// What a visitor typed into a form, as the case engine will check it.
pub(super) struct Typed<'a> {
    /// `None` when the form may leave it empty (a suggestion's subject comes from its text).
    pub(super) subject: Option<&'a str>,
    /// The form's name for the text that becomes the first message.
    pub(super) text_field: &'static str,
    pub(super) text: &'a str,
    pub(super) name: &'a Option<String>,
    pub(super) business_name: &'a Option<String>,
    pub(super) email: &'a Option<String>,
    pub(super) phone: &'a Option<String>,
    pub(super) attachments: &'a [NewAttachment],
}

/// The case engine's checks of what was typed, made before it runs and under the form's own
/// field names, so that every mistake is reported in one round (an empty subject used to show
/// only after everything else was right).
pub(super) fn check_typed(errors: &mut ValidationErrors, t: &Typed<'_>) {
    if let Some(subject) = t.subject {
        errors.check("subject", case_rules::parse_subject(subject));
    }
    if t.text.trim().is_empty() {
        errors.push(missing(t.text_field));
    } else {
        errors.check(t.text_field, case_rules::parse_body(t.text));
    }
    for (field, value) in [("name", t.name), ("business_name", t.business_name)] {
        if let Some(v) = trimmed(value) {
            errors.check(field, case_rules::parse_name(&v));
        }
    }
    if let Some(v) = t.email {
        errors.check("email", Email::parse(v));
    }
    if let Some(v) = t.phone {
        errors.check("phone", PhoneE164::parse(v));
    }
    if let Err(ServiceError::Invalid(v)) = check_attachments(t.attachments) {
        v.0.into_iter().for_each(|f| errors.push(f));
    }
}

/// The case engine names requester fields `requester.*` and the text `body`; the portal's forms
/// have the requester's fields at the top and the text under `body_field`.
pub(super) fn rename_fields(body_field: &'static str) -> impl Fn(ServiceError) -> ServiceError {
    move |e| match e {
        ServiceError::Invalid(v) => ServiceError::Invalid(ValidationErrors(
            v.0.into_iter()
                .map(|mut f| {
                    if let Some(rest) = f.field.strip_prefix("requester.") {
                        f.field = rest.to_string();
                    }
                    if f.field == "body" {
                        f.field = body_field.into();
                    }
                    f
                })
                .collect(),
        )),
        other => other,
    }
}
