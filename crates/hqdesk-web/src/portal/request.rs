//! The portal's forms: send a request, the suggestion box, and the private tracking page
//! (conversation, reply, rating). Anonymous forms carry a CSRF token bound to a cookie, a
//! honeypot field, size limits and a per-address rate limit; every refusal re-renders the form
//! with what the visitor typed and a message saying what to do.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use hqdesk_services::portal::{
    self as svc, PortalRequest, PortalSuggestion, PortalTip, Topic, TrackedCase, TOPICS,
};
use hqdesk_services::ServiceError;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{error, submitted, visitor_locale};
use crate::client_addr::ClientAddr;
use crate::csrf::{same_origin, tokens_match};
use crate::forms::UploadForm;
use crate::html::{render, when};
use crate::i18n::Tr;
use crate::state::AppState;

const FORM_COOKIE: &str = "hqdesk_form";

/// The anonymous visitor's form token: a random value in an HttpOnly cookie, repeated in every
/// form as a hidden field (double submit), plus the Origin check.
pub(crate) struct FormToken {
    pub(crate) value: String,
    /// Set when the visitor had none yet.
    set_cookie: Option<HeaderValue>,
}

impl FormToken {
    pub(crate) fn from_headers(headers: &HeaderMap) -> FormToken {
        let existing = crate::cookie::cookie(headers, FORM_COOKIE)
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        match existing {
            Some(value) => FormToken {
                value,
                set_cookie: None,
            },
            None => {
                let mut b = [0u8; 16];
                rand::thread_rng().fill_bytes(&mut b);
                let value = hex::encode(b);
                let secure = headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    == Some("https");
                let cookie = format!(
                    "{FORM_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
                    if secure { "; Secure" } else { "" }
                );
                FormToken {
                    value,
                    set_cookie: HeaderValue::from_str(&cookie).ok(),
                }
            }
        }
    }

    /// Whether a posted form's token matches the cookie (and the post came from this site).
    fn accepts(&self, headers: &HeaderMap, posted: &str) -> bool {
        self.set_cookie.is_none() && same_origin(headers) && tokens_match(&self.value, posted)
    }

    pub(crate) fn attach(&self, mut resp: Response) -> Response {
        if let Some(c) = &self.set_cookie {
            resp.headers_mut().append(header::SET_COOKIE, c.clone());
        }
        resp
    }
}

/// What a form field's error says, in the visitor's language.
fn field_message(tr: Tr, code: &str, fallback: &str) -> String {
    match tr.lookup(&format!("portal.err.{code}")) {
        Some(m) => m.to_string(),
        None => fallback.to_string(),
    }
}

pub(crate) fn errors_of(tr: Tr, e: &ServiceError) -> (HashMap<String, String>, String) {
    match e {
        ServiceError::Invalid(v) => {
            let mut fields = HashMap::new();
            for f in &v.0 {
                let field = if f.field.starts_with("attachments") || f.field.starts_with("files[") {
                    "files".to_string()
                } else {
                    f.field.clone()
                };
                fields
                    .entry(field)
                    .or_insert_with(|| field_message(tr, f.code, &f.message));
            }
            // Refused characters are named in the message, as everywhere else.
            let controls: Vec<_> =
                v.0.iter()
                    .filter(|f| f.code == "control_character")
                    .cloned()
                    .collect();
            let message = if controls.is_empty() {
                tr.t("portal.form_has_errors").to_string()
            } else {
                crate::input::refused_message(tr, &controls)
            };
            (fields, message)
        }
        ServiceError::RateLimited { retry_after_secs } => (
            HashMap::new(),
            tr.t("portal.rate_limited")
                .replace("{minutes}", &((retry_after_secs + 59) / 60).to_string()),
        ),
        ServiceError::Conflict { code, message } => {
            (HashMap::new(), field_message(tr, code, message))
        }
        ServiceError::NotFound => (HashMap::new(), tr.t("error.not_found").to_string()),
        other => {
            tracing::error!(error = %other, "portal form");
            (HashMap::new(), tr.t("portal.try_later").to_string())
        }
    }
}

pub(crate) fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The checks every anonymous form passes before anything else: the CSRF token (with the Origin)
/// and the honeypot. On refusal: the message for the visitor and the status.
pub(crate) fn form_guard(
    tr: Tr,
    token: &FormToken,
    headers: &HeaderMap,
    v: &HashMap<String, String>,
) -> Result<(), (String, StatusCode)> {
    if !token.accepts(headers, &get(v, "csrf")) {
        return Err((tr.t("portal.form_expired").into(), StatusCode::FORBIDDEN));
    }
    if !get(v, "website").is_empty() {
        // The honeypot: people never see this field, robots fill it in.
        return Err((tr.t("portal.honeypot").into(), StatusCode::BAD_REQUEST));
    }
    Ok(())
}

fn opt(fields: &HashMap<String, String>, k: &str) -> Option<String> {
    fields
        .get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub(crate) fn get(fields: &HashMap<String, String>, k: &str) -> String {
    fields.get(k).cloned().unwrap_or_default()
}

/// A form instance's id: a hidden field, random per page shown, kept when a refused form
/// comes back. With the visitor's form cookie it makes the secret that lets the same form,
/// sent twice, open one case.
fn form_id_of(v: &HashMap<String, String>) -> Option<String> {
    v.get("form_id")
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .cloned()
}

pub(crate) fn new_form_id() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The secret of a form instance: the HttpOnly form cookie (never in the page) and the id.
fn form_instance(token: &FormToken, form_id: &str) -> String {
    format!("{}:{form_id}", token.value)
}

/// The names of the files a refused form carried: browsers cannot put them back into the
/// form, so the page says which ones to attach again.
pub(crate) fn file_names(files: &[hqdesk_services::cases::NewAttachment]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            let name = f.filename.rsplit(['/', '\\']).next().unwrap_or("");
            if name.is_empty() {
                "?".to_string()
            } else {
                name.to_string()
            }
        })
        .collect()
}

// --- Send a request -------------------------------------------------------------------------

/// One topic as the form shows it.
pub struct TopicView {
    pub code: &'static str,
    pub branch: u8,
    pub title_key: String,
    pub hint_key: String,
}

#[derive(Template)]
#[template(path = "portal_request.html")]
struct RequestPage {
    tr: Tr,
    csrf: String,
    topics: Vec<TopicView>,
    /// The chosen topic, when the visitor has chosen one.
    topic: Option<&'static Topic>,
    systems: &'static [&'static str],
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    message: String,
    /// The file rules (types, count, sizes), stated before the file input.
    files_rules: String,
    form_id: String,
    /// Files the refused form carried, to be attached again.
    files_again: Vec<String>,
}

impl RequestPage {
    fn asks(&self, d: &str) -> bool {
        self.topic
            .is_some_and(|t| t.asks.iter().any(|x| x.name() == d))
    }
    fn requires(&self, d: &str) -> bool {
        self.topic
            .is_some_and(|t| t.requires.iter().any(|x| x.name() == d))
    }
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map(String::as_str).unwrap_or("")
    }
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
    fn confidential(&self) -> bool {
        self.topic.is_some_and(Topic::confidential)
    }
    fn topic_code(&self) -> &str {
        self.topic.map(|t| t.code).unwrap_or("")
    }
}

/// What files the forms take, from the limits the services apply.
pub(crate) fn files_rules(tr: Tr) -> String {
    use hqdesk_services::cases::{
        MAX_ATTACHMENTS, MAX_ATTACHMENTS_TOTAL_BYTES, MAX_ATTACHMENT_BYTES,
    };
    tr.fill(
        "portal.request.files_rules",
        &[
            ("count", &MAX_ATTACHMENTS.to_string()),
            ("each", &(MAX_ATTACHMENT_BYTES / 1024 / 1024).to_string()),
            (
                "total",
                &(MAX_ATTACHMENTS_TOTAL_BYTES / 1024 / 1024).to_string(),
            ),
        ],
    )
}

fn topic_views() -> Vec<TopicView> {
    TOPICS
        .iter()
        .map(|t| TopicView {
            code: t.code,
            branch: t.branch,
            title_key: format!("portal.topic.{}", t.code),
            hint_key: format!("portal.topic.{}.hint", t.code),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct TopicQuery {
    topic: Option<String>,
    subject: Option<String>,
    /// "This did not help": the article the visitor read, and what they searched for.
    article: Option<String>,
    q: Option<String>,
}

/// What a refused request form comes back with.
#[derive(Default)]
struct Refusal {
    errors: HashMap<String, String>,
    message: String,
    files_again: Vec<String>,
}

fn request_page(
    tr: Tr,
    token: &FormToken,
    topic: Option<&'static Topic>,
    v: HashMap<String, String>,
    refusal: Refusal,
    status: StatusCode,
) -> Response {
    let form_id = form_id_of(&v).unwrap_or_else(new_form_id);
    token.attach(render(
        status,
        &RequestPage {
            tr,
            csrf: token.value.clone(),
            topics: topic_views(),
            topic,
            systems: svc::SYSTEMS,
            v,
            errors: refusal.errors,
            message: refusal.message,
            files_rules: files_rules(tr),
            form_id,
            files_again: refusal.files_again,
        },
    ))
}

pub async fn request_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TopicQuery>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    let topic = q.topic.as_deref().and_then(svc::topic);
    let mut v = HashMap::new();
    if let Some(s) = q.subject {
        v.insert("subject".to_string(), s.chars().take(200).collect());
    }
    // Carried from an article ("this did not help"): named on the form, recorded on the case.
    let article = q.article.as_deref().map(str::trim).unwrap_or("");
    if !article.is_empty() {
        if let Ok(a) = s.services.article(article, true).await {
            v.insert("from_article".to_string(), a.slug);
            v.insert("from_article_title".to_string(), a.title);
        }
    }
    if let Some(query) = q.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let query: String = query
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        v.insert("from_query".to_string(), query);
    }
    request_page(tr, &token, topic, v, Refusal::default(), StatusCode::OK)
}

pub async fn request_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    source: ClientAddr,
    mut form: UploadForm,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    // The fields before the files carry the CSRF token: a refused post is answered before a
    // byte of its files is read.
    let mut v = match form.fields_before_files().await {
        Ok(v) => v,
        Err(e) => {
            let (errors, message) = errors_of(tr, &e);
            let refusal = Refusal {
                errors,
                message,
                files_again: Vec::new(),
            };
            return request_page(tr, &token, None, HashMap::new(), refusal, status_of(&e));
        }
    };
    let topic = svc::topic(&get(&v, "topic"));
    let refuse = |v: HashMap<String, String>, e: &ServiceError, files_again: Vec<String>| {
        let (errors, message) = errors_of(tr, e);
        let refusal = Refusal {
            errors,
            message,
            files_again,
        };
        request_page(tr, &token, topic, v, refusal, status_of(e))
    };
    let guard_refusal = |v: HashMap<String, String>, message: String, status| {
        let refusal = Refusal {
            errors: HashMap::new(),
            message,
            files_again: Vec::new(),
        };
        request_page(tr, &token, topic, v, refusal, status)
    };
    if let Err((message, status)) = form_guard(tr, &token, &headers, &v) {
        return guard_refusal(v, message, status);
    }
    // Checked again, and counted, when the request is accepted; here only to refuse a flood
    // before its files are read.
    if let Err(e) = s
        .services
        .portal_rate_check(svc::REQUEST_LIMIT, &source.key(), svc::REQUESTS_PER_HOUR)
        .await
    {
        return refuse(v, &e, Vec::new());
    }
    let files = match form.files(&s.services, &mut v).await {
        Ok(files) => files,
        Err(e) => return refuse(v, &e, Vec::new()),
    };
    // Again with the fields that came after the files (a robot may put the honeypot there).
    if let Err((message, status)) = form_guard(tr, &token, &headers, &v) {
        return guard_refusal(v, message, status);
    }
    let files_again = file_names(&files);
    if topic.is_some_and(Topic::confidential) && get(&v, "track") == "anonymous" {
        // Whatever was posted of the sender is ignored, and not even shown back.
        for k in ["name", "business_name", "email", "phone", "tax_code"] {
            v.remove(k);
        }
        let tip = PortalTip {
            topic: get(&v, "topic"),
            subject: get(&v, "subject"),
            description: get(&v, "description"),
            tip: svc::TipDetails::from_fields(|k| opt(&v, k)),
            attachments: files,
            from_article: opt(&v, "from_article"),
            from_query: opt(&v, "from_query"),
            form_instance: form_id_of(&v).map(|id| form_instance(&token, &id)),
        };
        return match s.services.portal_submit_tip(tip).await {
            Ok(done) => token.attach(super::tip::filed(tr, &s, done)),
            Err(ServiceError::Conflict { code, .. }) if code == svc::ALREADY_SUBMITTED => {
                token.attach(super::tip::already_submitted(tr))
            }
            Err(e) => refuse(v, &e, files_again),
        };
    }
    let req = PortalRequest {
        topic: get(&v, "topic"),
        subject: get(&v, "subject"),
        description: get(&v, "description"),
        name: opt(&v, "name"),
        business_name: opt(&v, "business_name"),
        email: opt(&v, "email"),
        phone: opt(&v, "phone"),
        tax_code: opt(&v, "tax_code"),
        declaration_number: opt(&v, "declaration_number"),
        system: opt(&v, "system"),
        error_message: opt(&v, "error_message"),
        tip: svc::TipDetails::from_fields(|k| opt(&v, k)),
        attachments: files,
        from_article: opt(&v, "from_article"),
        from_query: opt(&v, "from_query"),
        lang: tr.lang().into(),
        link_base: s.public_url.clone().unwrap_or_default(),
        source: source.key(),
        form_instance: form_id_of(&v).map(|id| form_instance(&token, &id)),
    };
    match s.services.portal_submit(req).await {
        Ok(done) => token.attach(submitted::redirect(&headers, &done)),
        Err(ServiceError::Conflict { code, .. }) if code == svc::ALREADY_SUBMITTED => {
            token.attach(super::tip::already_submitted(tr))
        }
        Err(e) => refuse(v, &e, files_again),
    }
}

#[derive(Deserialize)]
pub struct SuggestQuery {
    /// The subject typed so far.
    q: Option<String>,
    /// The beginning of the description typed so far.
    text: Option<String>,
}

#[derive(Serialize)]
pub struct Suggestion {
    slug: String,
    title: String,
}

/// How much of the description the suggestions read (the form sends its beginning).
const SUGGEST_TEXT_CHARS: usize = 1000;

/// Knowledge-base articles that answer what the visitor is typing (the request form asks while
/// the subject and the description are written): the answer-suggestion index over the
/// published public articles, with the customs vocabulary, not the all-words keyword search
/// (which stays for the search box).
pub async fn article_suggestions(
    State(s): State<AppState>,
    Query(q): Query<SuggestQuery>,
) -> Response {
    let subject: String = q.q.unwrap_or_default().chars().take(200).collect();
    let text: String = q
        .text
        .unwrap_or_default()
        .chars()
        .take(SUGGEST_TEXT_CHARS)
        .collect();
    let typed = format!("{}\n{}", subject.trim(), text.trim());
    if typed.trim().chars().count() < 3 {
        return Json(Vec::<Suggestion>::new()).into_response();
    }
    match s.services.portal_suggestions(&typed).await {
        Ok(list) => Json(
            list.into_iter()
                .map(|a| Suggestion {
                    slug: a.slug,
                    title: a.title,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => crate::problem::Problem::from(e).into_response(),
    }
}

// --- Suggestion box -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal_suggest.html")]
struct SuggestPage {
    tr: Tr,
    csrf: String,
    units: Vec<(String, String)>,
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    message: String,
    form_id: String,
}

impl SuggestPage {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map(String::as_str).unwrap_or("")
    }
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

async fn suggest_page(
    s: &AppState,
    tr: Tr,
    token: &FormToken,
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    message: String,
    status: StatusCode,
) -> Response {
    let form_id = form_id_of(&v).unwrap_or_else(new_form_id);
    match s.services.portal_units().await {
        Ok(units) => token.attach(render(
            status,
            &SuggestPage {
                tr,
                csrf: token.value.clone(),
                units,
                v,
                errors,
                message,
                form_id,
            },
        )),
        Err(e) => error(tr, e),
    }
}

pub async fn suggest_form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    suggest_page(
        &s,
        tr,
        &token,
        HashMap::new(),
        HashMap::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn suggest_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    source: ClientAddr,
    crate::input::Form(v): crate::input::Form<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    if let Err((message, status)) = form_guard(tr, &token, &headers, &v) {
        return suggest_page(&s, tr, &token, v, HashMap::new(), message, status).await;
    }
    let anonymous = v.contains_key("anonymous");
    let who = |k: &str| if anonymous { None } else { opt(&v, k) };
    let req = PortalSuggestion {
        unit: get(&v, "unit"),
        subject: get(&v, "subject"),
        message: get(&v, "message"),
        name: who("name"),
        email: who("email"),
        phone: who("phone"),
        lang: tr.lang().into(),
        link_base: s.public_url.clone().unwrap_or_default(),
        source: source.key(),
        form_instance: form_id_of(&v).map(|id| form_instance(&token, &id)),
    };
    match s.services.portal_suggest(req).await {
        Ok(done) => token.attach(submitted::redirect(&headers, &done)),
        Err(e) => {
            let (errors, message) = errors_of(tr, &e);
            suggest_page(&s, tr, &token, v, errors, message, status_of(&e)).await
        }
    }
}

// --- Tracking -------------------------------------------------------------------------------

pub struct MessageView {
    pub id: i64,
    pub from_requester: bool,
    pub when: String,
    pub body: String,
    pub files: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "portal_track.html")]
struct TrackPage {
    tr: Tr,
    csrf: String,
    token: String,
    number: String,
    subject: String,
    status_key: String,
    opened: String,
    messages: Vec<MessageView>,
    may_reply: bool,
    may_rate: bool,
    rating: Option<(i64, String, String)>,
    errors: HashMap<String, String>,
    message: String,
    notice: String,
    body: String,
    comment: String,
    files_again: Vec<String>,
    files_rules: String,
}

impl TrackPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

/// The conversation as the requester's pages show it, each message with its files.
pub(crate) fn messages_of(t: &TrackedCase) -> Vec<MessageView> {
    t.messages
        .iter()
        .map(|m| MessageView {
            id: m.id,
            from_requester: m.kind == hqdesk_domain::case::timeline::EntryKind::Inbound,
            when: when(m.created_at),
            body: m.body.clone(),
            files: t
                .attachments
                .iter()
                .filter(|a| a.entry_id == m.id)
                .map(|a| (a.id, a.filename.clone(), size_label(a.size)))
                .collect(),
        })
        .collect()
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

/// What the tracking page shows besides the case: a refused form's errors and text, a notice.
#[derive(Default)]
struct TrackExtras {
    errors: HashMap<String, String>,
    message: String,
    notice: String,
    body: String,
    comment: String,
    /// Files a refused reply carried, to be attached again.
    files_again: Vec<String>,
}

/// What a refused tracking-page form had: kept, or named when it cannot be (files).
#[derive(Default)]
struct TrackTyped {
    body: String,
    comment: String,
    files_again: Vec<String>,
}

fn track_page(
    tr: Tr,
    token: &FormToken,
    tracking: &str,
    t: TrackedCase,
    x: TrackExtras,
    status: StatusCode,
) -> Response {
    let may_reply = t.may_reply();
    let may_rate = t.may_rate();
    let messages = messages_of(&t);
    let mut resp = render(
        status,
        &TrackPage {
            tr,
            csrf: token.value.clone(),
            token: tracking.to_string(),
            number: t.case.number.to_string(),
            subject: t.case.subject.clone(),
            status_key: format!("status.{}", t.case.status.as_str()),
            opened: when(t.case.created_at),
            messages,
            may_reply,
            may_rate,
            rating: t.rating.map(|r| {
                (
                    r.score,
                    format!("portal.rating.{}", r.score),
                    r.comment.unwrap_or_default(),
                )
            }),
            errors: x.errors,
            message: x.message,
            notice: x.notice,
            body: x.body,
            comment: x.comment,
            files_again: x.files_again,
            files_rules: files_rules(tr),
        },
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The token is in the address: never send it on to another site. (`no-referrer` would make
    // the browser send `Origin: null` with this page's own forms.)
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    token.attach(resp)
}

#[derive(Deserialize, Default)]
pub struct TrackQuery {
    done: Option<String>,
}

pub async fn track(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<TrackQuery>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    match s.services.portal_track(&tracking).await {
        Ok(t) => {
            let notice = match q.done.as_deref() {
                Some("reply") => tr.t("portal.track.replied").into(),
                Some("rating") => tr.t("portal.track.rated").into(),
                _ => String::new(),
            };
            let x = TrackExtras {
                notice,
                ..Default::default()
            };
            track_page(tr, &token, &tracking, t, x, StatusCode::OK)
        }
        Err(e) => super::tracking_error(&s, tr, &tracking, e).await,
    }
}

/// Re-render the tracking page after a refused form, keeping what was typed.
async fn track_refused(
    s: &AppState,
    tr: Tr,
    token: &FormToken,
    tracking: &str,
    e: ServiceError,
    typed: TrackTyped,
) -> Response {
    let (errors, message) = errors_of(tr, &e);
    match s.services.portal_track(tracking).await {
        Ok(t) => track_page(
            tr,
            token,
            tracking,
            t,
            TrackExtras {
                errors,
                message,
                notice: String::new(),
                body: typed.body,
                comment: typed.comment,
                files_again: typed.files_again,
            },
            status_of(&e),
        ),
        Err(e) => error(tr, e),
    }
}

pub async fn track_reply(
    State(s): State<AppState>,
    headers: HeaderMap,
    source: ClientAddr,
    Path(tracking): Path<String>,
    mut form: UploadForm,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    // As on the request form: token and rate first, files after.
    let mut v = match form.fields_before_files().await {
        Ok(v) => v,
        Err(e) => {
            return track_refused(&s, tr, &token, &tracking, e, TrackTyped::default()).await;
        }
    };
    let mut typed = TrackTyped {
        body: get(&v, "body"),
        comment: String::new(),
        files_again: Vec::new(),
    };
    if !token.accepts(&headers, &get(&v, "csrf")) {
        let e = ServiceError::Conflict {
            code: "form_expired",
            message: String::new(),
        };
        return track_refused(&s, tr, &token, &tracking, e, typed).await;
    }
    // Checked again, and counted, when the reply is accepted.
    let r = match s
        .services
        .portal_rate_check(svc::REPLY_LIMIT, &source.key(), svc::REPLIES_PER_HOUR)
        .await
    {
        Ok(()) => match form.files(&s.services, &mut v).await {
            Ok(files) => {
                typed.files_again = file_names(&files);
                s.services
                    .portal_reply(&tracking, &typed.body, files, &source.key())
                    .await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => token.attach(
            Redirect::to(&format!("/track/{tracking}?done=reply#conversation")).into_response(),
        ),
        Err(ServiceError::NotFound) => {
            super::tracking_error(&s, tr, &tracking, ServiceError::NotFound).await
        }
        Err(e) => track_refused(&s, tr, &token, &tracking, e, typed).await,
    }
}

pub async fn track_rate(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    crate::input::Form(v): crate::input::Form<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    let typed = TrackTyped {
        comment: get(&v, "comment"),
        ..Default::default()
    };
    if !token.accepts(&headers, &get(&v, "csrf")) {
        let e = ServiceError::Conflict {
            code: "form_expired",
            message: String::new(),
        };
        return track_refused(&s, tr, &token, &tracking, e, typed).await;
    }
    let score = get(&v, "score").trim().parse::<i64>().unwrap_or(0);
    match s
        .services
        .portal_rate(&tracking, score, &typed.comment)
        .await
    {
        Ok(()) => token
            .attach(Redirect::to(&format!("/track/{tracking}?done=rating#rating")).into_response()),
        Err(ServiceError::NotFound) => {
            super::tracking_error(&s, tr, &tracking, ServiceError::NotFound).await
        }
        Err(e) => track_refused(&s, tr, &token, &tracking, e, typed).await,
    }
}

pub async fn track_file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((tracking, id)): Path<(String, i64)>,
) -> Response {
    let tr = visitor_locale(&headers);
    match s.services.portal_attachment(&tracking, id).await {
        Ok((a, bytes)) => crate::download(&a.filename, &a.content_type, bytes),
        Err(e) => super::tracking_error(&s, tr, &tracking, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn keys_built_at_run_time_exist_in_both_languages() {
        let mut keys = Vec::new();
        for t in TOPICS {
            keys.push(format!("portal.topic.{}", t.code));
            keys.push(format!("portal.topic.{}.hint", t.code));
        }
        for score in 1..=5 {
            keys.push(format!("portal.rating.{score}"));
        }
        for code in [
            "required",
            "subject_empty",
            "subject_too_long",
            "subject_control_chars",
            "body_too_long",
            "name_invalid",
            "email_invalid",
            "phone_invalid",
            "attachments_too_many",
            "attachments_too_large",
            "attachment_empty",
            "contact_required",
            "tax_code_format",
            "tax_code_check_digit",
            "declaration_number_invalid",
            "attachment_too_large",
            "upload_too_large",
            "comment_required",
            "already_rated",
            "form_expired",
            "receipt_malformed",
            "already_submitted",
            "anonymous_denunciation_only",
        ] {
            keys.push(format!("portal.err.{code}"));
        }
        for locale in [Locale::Vi, Locale::En] {
            for k in &keys {
                assert!(Tr(locale).lookup(k).is_some(), "{k} missing in {locale:?}");
            }
        }
    }
}
