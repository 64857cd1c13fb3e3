//! The public portal's use cases: a visitor sends a request or a suggestion, follows it through
//! a private tracking link, replies, and rates the handling once it is resolved.
//!
//! Visitors are not users. They act as `Actor::System("portal")` and reach exactly one case: the
//! one their tracking token names. Only the token's SHA-256 is stored, so a database dump does
//! not hand out the links. Anonymous submissions are limited per source address (only accepted
//! ones count); the address is kept only as a salted hash inside a one-hour window.
//!
//! A form sent twice (a double click, Back and send again, a browser retrying) opens one case:
//! the tracking token is derived from a secret of the form instance, so the second submission
//! finds the case the first one opened by the token's hash, and answers with it.
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{self as case_rules, Status};
use hqdesk_domain::requester::{Email, PhoneE164};
use hqdesk_domain::{FieldError, Timestamp, ValidationErrors};
use hqdesk_i18n::Locale;
use hqdesk_store::attachments::Attachment;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::timeline::{Entry, NewEntry};
use hqdesk_store::{cases, portal, timeline, Store};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::record as audit;
use crate::cases::{
    check_attachments, AddMessage, Direction, NewAttachment, OpenCase, OpenFollowUp, RequesterInput,
};
use crate::outbox::NotificationMail;
use crate::texts;
use crate::{Actor, ServiceError, Services};

const PORTAL: Actor = Actor::System("portal");

/// Something the request form may ask for, depending on the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    TaxCode,
    Declaration,
    System,
    ErrorMessage,
}

impl Detail {
    pub fn name(self) -> &'static str {
        match self {
            Detail::TaxCode => "tax_code",
            Detail::Declaration => "declaration_number",
            Detail::System => "system",
            Detail::ErrorMessage => "error_message",
        }
    }
}

/// What a visitor's request is about, in the words of the hotline's two branches. Each topic
/// files the case in one category and asks only for the details that category needs.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    pub code: &'static str,
    pub branch: u8,
    pub kind: &'static str,
    pub category: &'static str,
    /// Asked for, in this order.
    pub asks: &'static [Detail],
    /// Of those, the ones that must be given.
    pub requires: &'static [Detail],
}

impl Topic {
    pub fn asks_for(&self, d: Detail) -> bool {
        self.asks.contains(&d)
    }
    pub fn requires(&self, d: Detail) -> bool {
        self.requires.contains(&d)
    }
    /// Denunciations may be anonymous and reach only the task force.
    pub fn confidential(&self) -> bool {
        self.kind == "denunciation"
    }
}

use Detail::*;
pub const TOPICS: &[Topic] = &[
    Topic {
        code: "denunciation",
        branch: 1,
        kind: "denunciation",
        category: "b1.denunciation",
        asks: &[],
        requires: &[],
    },
    Topic {
        code: "procedure",
        branch: 1,
        kind: "procedure_problem",
        category: "b1.procedure",
        asks: &[TaxCode, Declaration],
        requires: &[TaxCode],
    },
    Topic {
        code: "vnaccs_account",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.vnaccs_account",
        asks: &[TaxCode, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "vnaccs_error",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.vnaccs_error",
        asks: &[TaxCode, System, Declaration, ErrorMessage],
        requires: &[TaxCode, ErrorMessage],
    },
    Topic {
        code: "digital_signature",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.digital_signature",
        asks: &[TaxCode, System, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "single_window",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.nsw",
        asks: &[TaxCode, System, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "epayment",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.epayment",
        asks: &[TaxCode, Declaration, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "policy",
        branch: 2,
        kind: "inquiry",
        category: "b2.policy",
        asks: &[TaxCode, Declaration],
        requires: &[],
    },
];

pub fn topic(code: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.code == code)
}

/// The systems a visitor can name when something fails.
pub const SYSTEMS: &[&str] = &[
    "VNACCS/VCIS",
    "ECUS / phần mềm khai báo",
    "Cổng thông tin một cửa quốc gia (NSW)",
    "Cơ chế một cửa ASEAN (ASW)",
    "Nộp thuế điện tử",
    "Chữ ký số",
    "Khác",
];

/// A request sent from the portal form, as typed.
#[derive(Debug, Clone, Default)]
pub struct PortalRequest {
    pub topic: String,
    pub subject: String,
    pub description: String,
    pub name: Option<String>,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
    pub declaration_number: Option<String>,
    pub system: Option<String>,
    pub error_message: Option<String>,
    pub attachments: Vec<NewAttachment>,
    /// `vi` or `en`: the language of the confirmation mail.
    pub lang: String,
    /// Where visitors reach the portal (`https://…`, no trailing slash), for the mailed link.
    pub link_base: String,
    /// Where it came from (the client's address), for the hourly limit.
    pub source: String,
    /// A secret of the form instance (at least 128 random bits): sent again, the same form
    /// answers with the case it opened the first time. `None`: every submission is new.
    pub form_instance: Option<String>,
}

/// A suggestion (góp ý) for one unit, optionally anonymous.
#[derive(Debug, Clone, Default)]
pub struct PortalSuggestion {
    pub unit: String,
    pub subject: String,
    pub message: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: String,
    pub link_base: String,
    /// As in [`PortalRequest`].
    pub source: String,
    pub form_instance: Option<String>,
}

/// What the visitor gets back: the case number and the private link's token (shown once).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub case_number: String,
    pub tracking_token: String,
}

/// What the confirmation page shows about the case a tracking token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub case_number: String,
    pub suggestion: bool,
}

/// A case as its requester sees it through the tracking link.
#[derive(Debug, Clone)]
pub struct TrackedCase {
    pub case: CaseRecord,
    /// Messages between this requester and the service (never notes or internal events, never
    /// the conversation of a case merged into this one).
    pub messages: Vec<Entry>,
    pub attachments: Vec<Attachment>,
    pub rating: Option<Rating>,
}

impl TrackedCase {
    pub fn may_reply(&self) -> bool {
        self.case.status != Status::Closed
    }
    pub fn may_rate(&self) -> bool {
        self.rating.is_none() && matches!(self.case.status, Status::Resolved | Status::Closed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 5 = very satisfied … 1 = very dissatisfied.
    pub score: i64,
    pub comment: Option<String>,
    pub at: Timestamp,
}

impl Rating {
    fn from_row((score, comment, at): (i64, Option<String>, i64)) -> Rating {
        Rating {
            score,
            comment,
            at: Timestamp(at),
        }
    }
}

/// Limits on anonymous traffic from one source, per hour. Only accepted submissions count:
/// refused forms (typos) must not lock out an office whose staff share one address.
pub const REQUESTS_PER_HOUR: i64 = 10;
pub const REPLIES_PER_HOUR: i64 = 30;
/// Requests and suggestions share one limit.
pub const REQUEST_LIMIT: &str = "portal.request";
pub const REPLY_LIMIT: &str = "portal.reply";
const WINDOW_MS: i64 = 3_600_000;
/// A dissatisfied rating (this score or lower) needs a comment and opens a follow-up case.
pub const DISSATISFIED_AT_MOST: i64 = 2;
const MAX_COMMENT_CHARS: usize = 2000;

/// A fresh tracking token: 160 random bits, in hex (safe in URLs and read aloud on the phone).
fn new_token() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The tracking token of a form instance: 160 bits of HMAC-SHA-256 keyed with the instance's
/// secret. The same form sent twice yields the same token; without the secret it cannot be told.
fn token_for_form(instance: &str) -> String {
    // HMAC takes keys of any length: this cannot fail.
    match Hmac::<Sha256>::new_from_slice(instance.as_bytes()) {
        Ok(mut mac) => {
            mac.update(b"hqdesk portal tracking token");
            hex::encode(&mac.finalize().into_bytes()[..20])
        }
        Err(_) => new_token(),
    }
}

/// A form instance's secret is used only when it is long enough to be unguessable.
fn form_instance(instance: &Option<String>) -> Option<&str> {
    instance.as_deref().filter(|i| i.len() >= 32)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The salted hash a source address is counted under (the salt lives only in this process).
fn source_key(source: &str) -> String {
    static SALT: OnceLock<[u8; 16]> = OnceLock::new();
    let salt = SALT.get_or_init(|| {
        let mut s = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut s);
        s
    });
    let mut h = Sha256::new();
    h.update(salt);
    h.update(source.as_bytes());
    hex::encode(&h.finalize()[..12])
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

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

fn missing(field: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: "required",
        message: "this field is required".into(),
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
    }
}

/// A reply on a portal case reaches the requester's mailbox too, when they gave an address (the
/// tracking link is not in it: only its hash is kept). Written in the reply's transaction.
pub(crate) async fn notify_reply(
    tx: &mut hqdesk_store::Connection,
    case: &CaseRecord,
    entry_id: i64,
    body: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let Some(requester_id) = case.requester_id else {
        return Ok(());
    };
    let Some(to) = hqdesk_store::requesters::get(tx, requester_id).await?.email else {
        return Ok(());
    };
    let number = case.number.as_str();
    let mail = NotificationMail {
        purpose: "portal.reply".into(),
        to,
        subject: format!(
            "[{number}] {}",
            texts::bilingual("portal.mail.reply.subject", &[], " / ")
        ),
        text: format!(
            "{}\n\n{} {}",
            texts::bilingual(
                "portal.mail.reply.text",
                &[("number", number), ("body", body)],
                "\n\n---\n"
            ),
            texts::bilingual("portal.mail.hotline", &[], " / "),
            texts::HOTLINE
        ),
        case_id: Some(case.id),
        in_reply_to: None,
        mailbox_id: None,
    };
    crate::outbox::enqueue_notification(tx, &mail, &format!("entry:{entry_id}"), now).await
}

impl Services {
    /// Refuse when `source` already made `limit` accepted submissions of `what` this hour.
    /// Counts nothing (see [`Services::portal_rate_count`]).
    pub async fn portal_rate_check(
        &self,
        what: &str,
        source: &str,
        limit: i64,
    ) -> Result<(), ServiceError> {
        let now = self.now().millis();
        let window = now - now.rem_euclid(WINDOW_MS);
        let mut conn = self.store().read().await?;
        let hits = portal::hits(&mut conn, &rate_bucket(what, source), window).await?;
        if hits >= limit {
            return Err(ServiceError::RateLimited {
                retry_after_secs: (window + WINDOW_MS - now + 999) / 1000,
            });
        }
        Ok(())
    }

    /// Count one accepted submission of `what` from `source` in this hour's window.
    pub async fn portal_rate_count(&self, what: &str, source: &str) -> Result<(), ServiceError> {
        let now = self.now().millis();
        let window = now - now.rem_euclid(WINDOW_MS);
        let mut tx = self.store().begin().await?;
        portal::hit(&mut tx, &rate_bucket(what, source), window).await?;
        portal::forget_windows_before(&mut tx, window - WINDOW_MS).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Count an accepted submission. It is committed already: a failure to count is logged,
    /// never reported to the visitor as if the submission had failed.
    async fn count_accepted(&self, what: &str, source: &str) {
        if let Err(e) = self.portal_rate_count(what, source).await {
            tracing::warn!(error = %e, limit = what, "portal: an accepted submission was not counted");
        }
    }

    /// The submission a form instance made already, if any.
    async fn submitted_before(
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
        let case = self.tracked_case(token).await?;
        Ok(Receipt {
            case_number: case.number.to_string(),
            suggestion: case.kind == hqdesk_domain::case::CaseKind::Suggestion,
        })
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
        body.push_str(req.description.trim());
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

    async fn tracked_case(&self, token: &str) -> Result<CaseRecord, ServiceError> {
        // Any token shape is looked up the same way; a wrong one is simply not found.
        let mut conn = self.store().read().await?;
        let id = portal::case_for_tracking(&mut conn, &token_hash(token.trim()))
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(cases::by_id(&mut conn, id).await?)
    }

    /// The case behind a tracking link, as its requester may see it.
    pub async fn portal_track(&self, token: &str) -> Result<TrackedCase, ServiceError> {
        let case = self.tracked_case(token).await?;
        let mut conn = self.store().read().await?;
        // Only what was exchanged with this requester: after a merge, the other case's
        // conversation (another reporter's, another business's) stays off this page. A
        // requester's conversation is short; the cap only guards against a runaway case.
        let messages: Vec<Entry> =
            timeline::requester_conversation(&mut conn, case.id, 1000).await?;
        let attachments = hqdesk_store::attachments::for_case(&mut conn, case.id)
            .await?
            .into_iter()
            .filter(|a| messages.iter().any(|m| m.id == a.entry_id))
            .collect();
        let rating = portal::rating(&mut conn, case.id)
            .await?
            .map(Rating::from_row);
        Ok(TrackedCase {
            case,
            messages,
            attachments,
            rating,
        })
    }

    /// The requester writes again through the tracking link.
    /// Limited per source like the forms; only accepted replies count.
    pub async fn portal_reply(
        &self,
        token: &str,
        body: &str,
        attachments: Vec<NewAttachment>,
        source: &str,
    ) -> Result<(), ServiceError> {
        let case = self.tracked_case(token).await?;
        self.portal_rate_check(REPLY_LIMIT, source, REPLIES_PER_HOUR)
            .await?;
        self.add_message(
            &PORTAL,
            case.number.as_str(),
            AddMessage {
                body: body.to_string(),
                internal: false,
                direction: Direction::Inbound,
                attachments,
            },
            None,
        )
        .await?;
        self.count_accepted(REPLY_LIMIT, source).await;
        Ok(())
    }

    /// One attachment of the tracked case's conversation.
    pub async fn portal_attachment(
        &self,
        token: &str,
        id: i64,
    ) -> Result<(Attachment, Vec<u8>), ServiceError> {
        let tracked = self.portal_track(token).await?;
        if !tracked.attachments.iter().any(|a| a.id == id) {
            return Err(ServiceError::NotFound);
        }
        self.attachment(&PORTAL, id).await
    }

    /// Rate the handling of a resolved case, once. A dissatisfied rating needs a comment and
    /// opens a follow-up case, so that someone answers the business.
    pub async fn portal_rate(
        &self,
        token: &str,
        score: i64,
        comment: &str,
    ) -> Result<(), ServiceError> {
        let case = self.tracked_case(token).await?;
        if !(1..=5).contains(&score) {
            return Err(ServiceError::invalid_field(
                "score",
                "score_invalid",
                "choose one of the five levels",
            ));
        }
        let comment = comment.trim();
        if score <= DISSATISFIED_AT_MOST && comment.is_empty() {
            return Err(ServiceError::invalid_field(
                "comment",
                "comment_required",
                "tell us what went wrong so that we can put it right",
            ));
        }
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(ServiceError::invalid_field(
                "comment",
                "comment_too_long",
                format!("at most {MAX_COMMENT_CHARS} characters"),
            ));
        }
        if !matches!(case.status, Status::Resolved | Status::Closed) {
            return Err(ServiceError::Conflict {
                code: "not_resolved",
                message: "a request can be rated once it is resolved".into(),
            });
        }
        let comment = (!comment.is_empty()).then(|| comment.to_string());
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !portal::rate(&mut tx, case.id, score, comment.as_deref(), now).await? {
            return Err(ServiceError::Conflict {
                code: "already_rated",
                message: "this request has already been rated".into(),
            });
        }
        let detail = json!({ "rating": score, "comment": comment });
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: None,
                body: &format!("rating {score}/5"),
                delivery_state: None,
                meta: Some(detail.to_string()),
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            &PORTAL,
            "case.rated",
            &format!("case:{}", case.number),
            json!({ "score": score }),
        )
        .await?;
        Store::commit(tx).await?;
        if score <= DISSATISFIED_AT_MOST {
            self.open_rating_follow_up(&case, score, comment.as_deref().unwrap_or(""))
                .await?;
        }
        Ok(())
    }

    /// The follow-up of a dissatisfied rating, linked to the rated case. The follow-up of a
    /// confidential case is itself confidential: a denunciation (the only confidential kind)
    /// in the rated case's category, its reporter kept apart from the shared directory as on
    /// the rated case, so that only investigators ever see the rating's comment.
    async fn open_rating_follow_up(
        &self,
        rated: &CaseRecord,
        score: i64,
        comment: &str,
    ) -> Result<(), ServiceError> {
        let mut conn = self.store().read().await?;
        let (kind, category, requester) = if rated.confidential {
            let reporter = cases::confidential_reporter(&mut conn, rated.id).await?;
            let category = match &rated.category_code {
                Some(code) => match hqdesk_store::categories::by_code(&mut conn, code).await {
                    Ok(c) if c.active && c.kind.is_confidential() => Some(c.code),
                    Ok(_) | Err(hqdesk_store::StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            let requester = reporter.filter(|r| !r.anonymous).map(|r| RequesterInput {
                name: r.name,
                business_name: None,
                email: r.email,
                phone: r.phone,
                tax_code: r.tax_code,
            });
            ("denunciation", category, requester)
        } else {
            let requester = match rated.requester_id {
                Some(id) => Some(hqdesk_store::requesters::get(&mut conn, id).await?),
                None => None,
            };
            let requester = requester.map(|r| RequesterInput {
                name: Some(r.name).filter(|n| !n.is_empty()),
                business_name: r.business_name,
                email: r.email,
                phone: r.phone,
                tax_code: r.tax_code,
            });
            ("rating_follow_up", None, requester)
        };
        drop(conn);
        let follow_up = self
            .open_case(
                &PORTAL,
                OpenCase {
                    kind: kind.into(),
                    channel: "portal".into(),
                    subject: texts::vi(
                        "portal.rating.follow_up_subject",
                        &[
                            ("score", &score.to_string()),
                            ("number", rated.number.as_str()),
                        ],
                    ),
                    body: Some(comment.to_string()),
                    category,
                    priority: Some("high".into()),
                    requester,
                    ..Default::default()
                },
                None,
            )
            .await?;
        self.link_cases(
            &PORTAL,
            follow_up.case.number.as_str(),
            rated.number.as_str(),
        )
        .await?;
        Ok(())
    }

    /// The rating of a case, for staff who may read it.
    pub async fn case_rating(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Option<Rating>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(
                &mut conn,
                actor,
                number,
                hqdesk_domain::access::Action::ReadCase,
            )
            .await?;
        Ok(portal::rating(&mut conn, case.id)
            .await?
            .map(Rating::from_row))
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

/// The salted bucket one source's submissions of `what` are counted under.
fn rate_bucket(what: &str, source: &str) -> String {
    format!("{what}:{}", source_key(source))
}

/// What a visitor typed into a form, as the case engine will check it.
struct Typed<'a> {
    /// `None` when the form may leave it empty (a suggestion's subject comes from its text).
    subject: Option<&'a str>,
    /// The form's name for the text that becomes the first message.
    text_field: &'static str,
    text: &'a str,
    name: &'a Option<String>,
    business_name: &'a Option<String>,
    email: &'a Option<String>,
    phone: &'a Option<String>,
    attachments: &'a [NewAttachment],
}

/// The case engine's checks of what was typed, made before it runs and under the form's own
/// field names, so that every mistake is reported in one round (an empty subject used to show
/// only after everything else was right).
fn check_typed(errors: &mut ValidationErrors, t: &Typed<'_>) {
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

fn detail_label(d: Detail) -> String {
    texts::vi(
        match d {
            TaxCode => "portal.case_detail.tax_code",
            Declaration => "portal.case_detail.declaration",
            System => "portal.case_detail.system",
            ErrorMessage => "portal.case_detail.error_message",
        },
        &[],
    )
}

/// The case engine names requester fields `requester.*` and the text `body`; the portal's forms
/// have the requester's fields at the top and the text under `body_field`.
fn rename_fields(body_field: &'static str) -> impl Fn(ServiceError) -> ServiceError {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_files_in_a_seeded_category_of_its_branch() {
        for t in TOPICS {
            let c = hqdesk_domain::category::DEFAULT_CATEGORIES
                .iter()
                .find(|c| c.code == t.category)
                .unwrap_or_else(|| panic!("{} has no category {}", t.code, t.category));
            assert_eq!(c.branch.number(), t.branch, "{}", t.code);
            assert_eq!(c.kind.as_str(), t.kind, "{}", t.code);
            assert!(t.requires.iter().all(|d| t.asks.contains(d)), "{}", t.code);
        }
    }

    #[test]
    fn declaration_numbers_have_twelve_digits() {
        assert_eq!(
            parse_declaration_number("1035 2468 0120").unwrap(),
            "103524680120"
        );
        assert!(parse_declaration_number("10352468012").is_err());
        assert!(parse_declaration_number("10352468012a").is_err());
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 40, "160 bits in hex");
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
