//! The agent console: server-rendered HTML for helpdesk agents, hotline officers, the task force,
//! unit officers and supervisors. Access rules live in the services; handlers only render what the
//! services return.
mod enrolled;
mod kb;
mod live;
mod mailboxes;
pub(crate) mod session;
pub mod views;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{Priority, Status};
use hqdesk_domain::Timestamp;
use hqdesk_services::cases::{AddMessage, AssignCase, CaseView, Direction, ListCases, UpdateCase};
use hqdesk_services::session::{SignInError, Stage};
use hqdesk_services::{Actor, ServiceError};
use hqdesk_store::cases::CaseRecord;
use serde::Deserialize;

use crate::client_addr::ClientAddr;
use crate::forms::UploadForm;
use crate::i18n::{Locale, Tr};
use crate::input::Form;
use crate::router::AppState;
use session::{clear_cookie, session_cookie, Console, Pending};
use views::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(kb::routes())
        .route("/console/login", get(login_form).post(login))
        .route("/console/login/2fa", get(totp_form).post(totp))
        .route("/console/logout", post(logout))
        .route("/console/account", get(account))
        .route("/console/account/2fa", get(enrol_form).post(enrol))
        .route(enrolled::PATH, get(enrolled::page))
        .route("/console/account/locale", post(set_locale))
        .route("/console/account/password", post(change_password))
        .route("/console", get(queue))
        .route("/console/events", get(live::events))
        .route("/console/cases/{number}", get(case_page))
        .route("/console/cases/{number}/reply", post(reply))
        .route("/console/cases/{number}/note", post(note))
        .route("/console/cases/{number}/status", post(change_status))
        .route("/console/cases/{number}/assign", post(assign))
        .route("/console/cases/{number}/update", post(update))
        .route("/console/cases/{number}/presence", post(presence))
        .route("/console/cases/{number}/link", post(link))
        .route("/console/attachments/{id}", get(download))
        .route("/console/cases/{number}/merge", post(merge))
        .route("/console/calls/{call_id}", get(call_page))
        .route("/console/calls/{call_id}/case", post(call_new_case))
        .route("/console/calls/{call_id}/attach", post(call_attach))
        .route("/console/calls/{call_id}/flag", post(call_flag))
        .route("/console/wallboard", get(wallboard))
        .route("/console/admin", get(admin))
        .route("/console/admin/users", post(admin_add_user))
        .route(
            "/console/admin/users/{username}/active",
            post(admin_user_active),
        )
        .route("/console/admin/units", post(admin_add_unit))
        .route("/console/admin/canned", post(admin_add_canned))
        .route(
            "/console/admin/canned/{id}/active",
            post(admin_canned_active),
        )
        .merge(mailboxes::routes())
        .route(
            "/assets/app.css",
            get(|| async {
                (
                    [
                        ("content-type", "text/css; charset=utf-8"),
                        ("cache-control", "public, max-age=3600"),
                    ],
                    include_str!("../../assets/app.css"),
                )
            }),
        )
        .route(
            "/assets/app.js",
            get(|| async {
                (
                    [
                        ("content-type", "text/javascript; charset=utf-8"),
                        ("cache-control", "public, max-age=3600"),
                    ],
                    include_str!("../../assets/app.js"),
                )
            }),
        )
        .route(
            "/assets/live-worker.js",
            get(|| async {
                (
                    [
                        ("content-type", "text/javascript; charset=utf-8"),
                        ("cache-control", "public, max-age=3600"),
                    ],
                    include_str!("../../assets/live-worker.js"),
                )
            }),
        )
        .route(
            "/assets/portal.js",
            get(|| async {
                (
                    [
                        ("content-type", "text/javascript; charset=utf-8"),
                        ("cache-control", "public, max-age=3600"),
                    ],
                    include_str!("../../assets/portal.js"),
                )
            }),
        )
}

/// The messages of invalid fields, for the banner of the page the form was on.
fn invalid_text(v: &hqdesk_domain::ValidationErrors) -> String {
    v.0.iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a form's outcome leads: on success to another address; on invalid input or a conflict
/// back to the same page with the reason; anything else to an error page.
enum Outcome {
    Go(String),
    Again(String, StatusCode),
    Error(Response),
}

fn outcome<T>(tr: Tr, r: Result<T, ServiceError>, to: impl FnOnce(T) -> String) -> Outcome {
    match r {
        Ok(v) => Outcome::Go(to(v)),
        Err(ServiceError::Invalid(v)) => {
            Outcome::Again(invalid_text(&v), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ServiceError::Conflict { message, .. }) => {
            Outcome::Again(message, StatusCode::CONFLICT)
        }
        Err(e) => Outcome::Error(service_error(tr, e)),
    }
}

/// A form posted from a case page.
async fn back_to_case<T>(
    s: &AppState,
    c: &Console,
    number: &str,
    r: Result<T, ServiceError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    match outcome(c.tr, r, to) {
        Outcome::Go(url) => Redirect::to(&url).into_response(),
        Outcome::Again(message, status) => case_page_with(s, c, number, message, status).await,
        Outcome::Error(page) => page,
    }
}

/// A form posted from a call page.
async fn back_to_call<T>(
    s: &AppState,
    c: &Console,
    call_id: &str,
    r: Result<T, ServiceError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    match outcome(c.tr, r, to) {
        Outcome::Go(url) => Redirect::to(&url).into_response(),
        Outcome::Again(message, status) => call_page_with(s, c, call_id, message, status).await,
        Outcome::Error(page) => page,
    }
}

fn error_page(tr: Tr, status: StatusCode, message: String) -> Response {
    render(status, &ErrorPage { tr, message })
}

/// A service error as a page: hidden and missing things look the same.
fn service_error(tr: Tr, e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound => {
            error_page(tr, StatusCode::NOT_FOUND, tr.t("error.not_found").into())
        }
        ServiceError::Invalid(v) => error_page(
            tr,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{}: {}",
                tr.t("error.invalid"),
                v.0.iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        ServiceError::Forbidden(m) | ServiceError::Conflict { message: m, .. } => {
            error_page(tr, StatusCode::FORBIDDEN, m)
        }
        ServiceError::Unauthenticated => Redirect::to("/console/login").into_response(),
        other => {
            tracing::error!(error = %other, "console");
            error_page(tr, StatusCode::INTERNAL_SERVER_ERROR, "…".into())
        }
    }
}

/// Before sign-in the console speaks Vietnamese unless the visitor picked English (`?lang=en`);
/// after sign-in, the user's own setting decides.
fn pre_sign_in_locale(lang: Option<&str>) -> Tr {
    Tr(Locale::parse(lang.unwrap_or("vi")))
}

// ---- sign-in ------------------------------------------------------------------------------

async fn login_form(Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let tr = pre_sign_in_locale(q.get("lang").map(String::as_str));
    let message = if q.contains_key("expired") {
        tr.t("login.expired").to_string()
    } else {
        String::new()
    };
    render(
        StatusCode::OK,
        &LoginPage {
            tr,
            message,
            username: String::new(),
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    lang: Option<String>,
}

async fn login(
    State(s): State<AppState>,
    source: ClientAddr,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let tr = pre_sign_in_locale(f.lang.as_deref());
    if !session::same_origin(&headers) {
        return error_page(tr, StatusCode::FORBIDDEN, tr.t("error.csrf").into());
    }
    match s
        .services
        .sign_in(&source.key(), &f.username, &f.password)
        .await
    {
        Ok(Ok(signed)) => {
            let to = match signed.stage {
                Stage::SecondFactor => "/console/login/2fa",
                Stage::MustEnrol => "/console/account/2fa",
                Stage::Full => "/console",
            };
            ([session_cookie(&signed.token, &headers)], Redirect::to(to)).into_response()
        }
        Ok(Err(e)) => sign_in_refused(tr, s.services.now(), e, f.username),
        Err(e) => service_error(tr, e),
    }
}

/// The sign-in page again, saying why. Wrong and unknown names and locked names get one
/// message (401); only what concerns the visitor's address or their own second factor says
/// until when (429, with `Retry-After`).
fn sign_in_refused(tr: Tr, now: Timestamp, e: SignInError, username: String) -> Response {
    let (status, message, until) = match e {
        SignInError::AddressThrottled(until) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} {}.", tr.t("signin.address_throttled"), when(until)),
            Some(until),
        ),
        SignInError::CodesLocked(until) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} {}.", tr.t("signin.codes_locked"), when(until)),
            Some(until),
        ),
        SignInError::BadCredentials | SignInError::BadCode => (
            StatusCode::UNAUTHORIZED,
            tr.t("login.bad").to_string(),
            None,
        ),
    };
    let mut resp = render(
        status,
        &LoginPage {
            tr,
            message,
            username,
        },
    );
    if let Some(until) = until {
        let secs = ((until.millis() - now.millis() + 999) / 1000).max(1);
        if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
    }
    resp
}

async fn totp_form(p: Pending) -> Response {
    render(
        StatusCode::OK,
        &TotpPage {
            tr: p.tr,
            csrf: p.session.csrf.clone(),
            message: String::new(),
        },
    )
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    code: String,
}

async fn totp(
    State(s): State<AppState>,
    source: ClientAddr,
    p: Pending,
    Form(f): Form<CodeForm>,
) -> Response {
    if let Err(r) = p.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s
        .services
        .second_factor(&source.key(), &p.session, &f.code)
        .await
    {
        Ok(Ok(())) => Redirect::to("/console").into_response(),
        // The half-signed session has ended: back to the password, saying until when.
        Ok(Err(e @ SignInError::CodesLocked(_))) => {
            let mut resp = sign_in_refused(p.tr, s.services.now(), e, String::new());
            let (k, v) = clear_cookie();
            if let Ok(v) = axum::http::HeaderValue::from_str(&v) {
                resp.headers_mut().append(k, v);
            }
            resp
        }
        Ok(Err(e)) => {
            let (status, message) = match e {
                SignInError::AddressThrottled(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{} {}.", p.tr.t("signin.address_throttled"), when(until)),
                ),
                _ => (StatusCode::UNAUTHORIZED, p.tr.t("totp.bad").to_string()),
            };
            render(
                status,
                &TotpPage {
                    tr: p.tr,
                    csrf: p.session.csrf.clone(),
                    message,
                },
            )
        }
        Err(e) => service_error(p.tr, e),
    }
}

async fn logout(
    State(s): State<AppState>,
    p: Pending,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(r) = p.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r.into_response();
    }
    let _ = s.services.sign_out(&p.session).await;
    ([clear_cookie()], Redirect::to("/console/login")).into_response()
}

async fn enrol_page(s: &AppState, p: &Pending, message: String) -> Response {
    match s.services.begin_totp_enrolment(&p.session.actor).await {
        Ok((url, secret)) => {
            let qr_svg = qrcode::QrCode::new(url.as_bytes())
                .map(|code| {
                    code.render::<qrcode::render::svg::Color>()
                        .min_dimensions(200, 200)
                        .build()
                })
                .unwrap_or_default();
            render(
                StatusCode::OK,
                &EnrolPage {
                    tr: p.tr,
                    csrf: p.session.csrf.clone(),
                    message,
                    required: p.session.stage == Stage::MustEnrol,
                    qr_svg,
                    secret,
                    recovery_codes: vec![],
                },
            )
        }
        Err(e) => service_error(p.tr, e),
    }
}

async fn enrol_form(State(s): State<AppState>, p: Pending) -> Response {
    if p.session.stage == Stage::SecondFactor {
        return Redirect::to("/console/login/2fa").into_response();
    }
    enrol_page(&s, &p, String::new()).await
}

async fn enrol(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    p: Pending,
    Form(f): Form<CodeForm>,
) -> Response {
    if let Err(r) = p.check_csrf(&f.csrf) {
        return r.into_response();
    }
    if p.session.stage == Stage::SecondFactor {
        return Redirect::to("/console/login/2fa").into_response();
    }
    match s.services.confirm_totp_enrolment(&p.session, &f.code).await {
        Ok(Ok(codes)) => enrolled::redirect(&codes, &headers),
        Ok(Err(_)) => enrol_page(&s, &p, p.tr.t("totp.bad").into()).await,
        Err(e) => service_error(p.tr, e),
    }
}

// ---- account ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct AccountQuery {
    saved: Option<String>,
}

async fn account(c: Console, Query(q): Query<AccountQuery>) -> Response {
    let message = match q.saved.as_deref() {
        Some("password") => c.tr.t("account.saved").to_string(),
        _ => String::new(),
    };
    account_page(&c, message, StatusCode::OK)
}

fn account_page(c: &Console, message: String, status: StatusCode) -> Response {
    render(
        status,
        &AccountPage {
            tr: c.tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
        },
    )
}

async fn set_locale(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(r) = c.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r.into_response();
    }
    match s
        .services
        .set_locale(
            &c.actor(),
            f.get("locale").map(String::as_str).unwrap_or("vi"),
        )
        .await
    {
        Ok(()) => Redirect::to("/console/account").into_response(),
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

async fn change_password(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s
        .services
        .change_password(&c.session, &f.current, &f.new)
        .await
    {
        Ok(()) => Redirect::to("/console/account?saved=password").into_response(),
        Err(ServiceError::Invalid(v)) => {
            account_page(&c, invalid_text(&v), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => service_error(c.tr, e),
    }
}

// ---- queues -------------------------------------------------------------------------------

const QUEUES: [&str; 8] = [
    "mine",
    "unit",
    "unassigned_1",
    "unassigned_2",
    "waiting",
    "due_soon",
    "overdue",
    "all",
];

fn queue_filter(key: &str, actor: &Actor, now: Timestamp) -> ListCases {
    let active = vec!["new".to_string(), "open".to_string(), "waiting".to_string()];
    let mut l = ListCases {
        status: active.clone(),
        ..Default::default()
    };
    match key {
        "mine" => l.assignee = Some("me".into()),
        "unit" => {
            let unit = match actor {
                Actor::User { user, .. } => user.unit_id,
                _ => None,
            };
            l.requester_id = None;
            l.unit = unit.map(|u| format!("#{u}"));
        }
        "unassigned_1" | "unassigned_2" => {
            l.unassigned = true;
            l.branch = Some(if key == "unassigned_1" { 1 } else { 2 });
            l.status = vec!["new".into(), "open".into()];
        }
        "waiting" => l.status = vec!["waiting".into()],
        "due_soon" => {
            l.status = vec!["new".into(), "open".into()];
            l.due_after = Some(now);
            l.due_before = Some(now.plus_minutes(120));
        }
        "overdue" => {
            l.status = vec!["new".into(), "open".into()];
            l.due_before = Some(now);
        }
        _ => l.status = vec![],
    }
    l
}

fn row(tr: Tr, c: &CaseRecord, now: Timestamp) -> Row {
    Row {
        number: c.number.to_string(),
        subject: c.subject.clone(),
        kind: label(tr, "kind", c.kind.as_str()),
        status: label(tr, "status", c.status.as_str()),
        status_key: c.status.as_str().into(),
        priority: c.priority.as_str().into(),
        priority_label: label(tr, "priority", c.priority.as_str()),
        assignee: c.assignee_username.clone().unwrap_or_default(),
        due: when_opt(c.resolution_due_at),
        overdue: c.status.is_active() && c.resolution_due_at.is_some_and(|d| d < now),
    }
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    /// A known notice key (`handed_to_task_force`), shown above the list.
    notice: Option<String>,
}

async fn queue(State(s): State<AppState>, c: Console, Query(p): Query<QueueQuery>) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    let now = s.services.now();
    let q = p.q.clone().unwrap_or_default();
    let searching = !q.trim().is_empty();
    let default_queue = match actor.role() {
        Some(hqdesk_domain::user::Role::Hotline)
        | Some(hqdesk_domain::user::Role::Investigator) => "unassigned_1",
        Some(hqdesk_domain::user::Role::UnitOfficer) => "unit",
        Some(hqdesk_domain::user::Role::Supervisor) | Some(hqdesk_domain::user::Role::Admin) => {
            "all"
        }
        _ => "unassigned_2",
    };
    let key = p
        .queue
        .as_deref()
        .filter(|k| QUEUES.contains(k))
        .unwrap_or(default_queue);
    let mut filters = Vec::with_capacity(QUEUES.len());
    for k in QUEUES {
        filters.push(resolve_unit(&s, queue_filter(k, &actor, now)).await);
    }
    // Eight counts in one statement (most from the maintained tallies).
    let counts = match s.services.count_cases_many(&actor, filters).await {
        Ok(n) => n,
        Err(e) => return service_error(tr, e),
    };
    let navs: Vec<QueueNav> = QUEUES
        .into_iter()
        .zip(counts)
        .map(|(k, count)| QueueNav {
            key: k,
            label: label(tr, "queue", k),
            count,
            active: !searching && k == key,
        })
        .collect();
    let mut f = if searching {
        ListCases {
            q: Some(q.clone()),
            ..Default::default()
        }
    } else {
        queue_filter(key, &actor, now)
    };
    // A search takes the list's own order: the most recent matching texts first.
    f.sort = if searching {
        None
    } else if key == "all" {
        Some("created".into())
    } else {
        Some("due".into())
    };
    f.cursor = p.cursor.clone();
    f.limit = Some(50);
    let page = match s
        .services
        .list_cases(&actor, resolve_unit(&s, f).await)
        .await
    {
        Ok(p) => p,
        Err(ServiceError::Invalid(_)) if searching => hqdesk_services::cases::CasePage {
            items: vec![],
            next_cursor: None,
            total: 0,
            total_exact: true,
        },
        Err(e) => return service_error(tr, e),
    };
    let next_url = page
        .next_cursor
        .as_ref()
        .map(|cur| {
            if searching {
                format!("/console?q={}&cursor={cur}", urlencode(&q))
            } else {
                format!("/console?queue={key}&cursor={cur}")
            }
        })
        .unwrap_or_default();
    let title = if searching {
        format!("{} “{}”", tr.t("queue.search"), q.trim())
    } else {
        label(tr, "queue", key)
    };
    render(
        StatusCode::OK,
        &QueuePage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q,
            recommend_2fa: c.recommend_2fa,
            title,
            queue_key: if searching {
                "search".into()
            } else {
                key.to_string()
            },
            queues: navs,
            rows: page.items.iter().map(|r| row(tr, r, now)).collect(),
            total: if page.total_exact {
                page.total.to_string()
            } else {
                format!(
                    "{}+",
                    group_thousands(page.total, tr.t("queue.thousands_separator"))
                )
            },
            total_note: if page.total_exact {
                String::new()
            } else {
                tr.t("queue.total_lower_bound").to_string()
            },
            next_url,
            notice: match p.notice.as_deref() {
                Some(key @ "handed_to_task_force") => {
                    tr.t(&format!("queue.notice.{key}")).to_string()
                }
                _ => String::new(),
            },
        },
    )
}

/// `1000` as `1.000` (Vietnamese) or `1,000` (English).
fn group_thousands(n: i64, sep: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(d);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// "My unit" filters by unit id; the list API takes a code.
async fn resolve_unit(s: &AppState, mut f: ListCases) -> ListCases {
    if let Some(id) = f
        .unit
        .as_deref()
        .and_then(|u| u.strip_prefix('#'))
        .and_then(|u| u.parse::<i64>().ok())
    {
        let units = s.services.list_units(&Actor::Cli).await.unwrap_or_default();
        f.unit = units
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.code)
            .or(Some("-".into()));
    }
    f
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---- case ---------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct CaseQuery {
    canned: Option<i64>,
}

async fn case_page(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Query(cq): Query<CaseQuery>,
) -> Response {
    case_page_full(&s, &c, &number, String::new(), StatusCode::OK, cq.canned).await
}

async fn case_page_with(
    s: &AppState,
    c: &Console,
    number: &str,
    message: String,
    status: StatusCode,
) -> Response {
    case_page_full(s, c, number, message, status, None).await
}

async fn case_page_full(
    s: &AppState,
    c: &Console,
    number: &str,
    message: String,
    status: StatusCode,
    canned_id: Option<i64>,
) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    let view: CaseView = match s.services.get_case(&actor, number).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    let timeline = match s
        .services
        .list_timeline(&actor, number, true, None, Some(1000))
        .await
    {
        Ok(t) => t,
        Err(e) => return service_error(tr, e),
    };
    let case = &view.case;
    let can_write = actor
        .require(hqdesk_domain::access::Action::Reply, Some(&case.facts()))
        .is_ok();
    let mut person = Vec::new();
    let mut earlier = Vec::new();
    if let Some(r) = &view.requester {
        person.push((tr.t("case.requester").to_string(), r.name.clone()));
        for (k, v) in [
            ("Doanh nghiệp / Business", &r.business_name),
            ("MST / Tax code", &r.tax_code),
            ("Email", &r.email),
            ("Điện thoại / Phone", &r.phone),
        ] {
            if let Some(v) = v {
                person.push((k.to_string(), v.clone()));
            }
        }
        if let Ok(p) = s
            .services
            .list_cases(
                &actor,
                ListCases {
                    requester_id: Some(r.id),
                    limit: Some(20),
                    ..Default::default()
                },
            )
            .await
        {
            earlier = p
                .items
                .iter()
                .filter(|o| o.id != case.id)
                .map(|o| {
                    (
                        o.number.to_string(),
                        o.subject.clone(),
                        label(tr, "status", o.status.as_str()),
                    )
                })
                .collect();
        }
    }
    if let Some(r) = &view.reporter {
        for (k, v) in [
            ("Tên / Name", &r.name),
            ("Email", &r.email),
            ("Điện thoại / Phone", &r.phone),
            ("MST / Tax code", &r.tax_code),
        ] {
            if let Some(v) = v {
                person.push((k.to_string(), v.clone()));
            }
        }
    }
    let atts = match s.services.case_attachments(&actor, number).await {
        Ok(a) => a,
        Err(e) => return service_error(tr, e),
    };
    let entries = timeline
        .into_iter()
        .map(|e| EntryView {
            id: e.id,
            kind: label(tr, "entry", e.kind.as_str()),
            kind_key: e.kind.as_str().into(),
            author: e.author_username.clone().unwrap_or_default(),
            at: when(e.created_at),
            body: if e.kind == EntryKind::Event {
                describe_event(tr, &e.body, e.meta.as_deref())
            } else {
                e.body
            },
            attachments: atts
                .iter()
                .filter(|a| a.entry_id == e.id)
                .map(|a| (a.id, a.filename.clone(), human_size(a.size)))
                .collect(),
            delivery: e
                .delivery_state
                .map(|d| {
                    let state = label(tr, "entry.delivery", d.as_str());
                    match hqdesk_store::timeline::delivery_error(e.meta.as_deref()) {
                        Some(why) if d == hqdesk_domain::case::timeline::DeliveryState::Failed => {
                            format!("{state} ({}: {why})", tr.t("mailbox.delivery_error"))
                        }
                        _ => state,
                    }
                })
                .unwrap_or_default(),
        })
        .collect();
    let next_statuses = Status::ALL
        .into_iter()
        .filter(|n| case.status.can_become(*n))
        .map(|n| StatusChoice {
            key: n.as_str(),
            label: label(tr, "status", n.as_str()),
        })
        .collect();
    let (units, users, categories) = if can_write {
        pick_lists(s, &actor, tr, case.confidential).await
    } else {
        (vec![], vec![], vec![])
    };
    let _ = s.services.presence(&actor, case.id, Some("viewing")).await;
    let (related, merged_into) = match s.services.related_cases(&actor, number).await {
        Ok((rel, merged)) => (
            rel.iter()
                .map(|o| {
                    (
                        o.number.to_string(),
                        o.subject.clone(),
                        label(tr, "status", o.status.as_str()),
                    )
                })
                .collect(),
            merged.map(|m| m.number.to_string()).unwrap_or_default(),
        ),
        Err(e) => return service_error(tr, e),
    };
    // Email intake: where a mail's thread was uncertain, the agent decides.
    let merge_suggestions = s
        .services
        .merge_suggestions(&actor, number)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                m.target_number,
                m.target_subject,
                label(tr, "email.suggest", &m.reason),
            )
        })
        .collect();
    let requester_name = view
        .requester
        .as_ref()
        .map(|r| r.name.clone())
        .or_else(|| view.reporter.as_ref().and_then(|r| r.name.clone()))
        .unwrap_or_default();
    let agent_name = c.me().display_name;
    let canned: Vec<(i64, String, String)> = if can_write {
        s.services
            .canned_responses(true)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|k| {
                (
                    k.id,
                    k.title,
                    hqdesk_services::links::fill_placeholders(
                        &k.body,
                        &requester_name,
                        case.number.as_str(),
                        &case.subject,
                        &agent_name,
                    ),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let prefill = canned_id
        .and_then(|id| canned.iter().find(|k| k.0 == id).map(|k| k.2.clone()))
        .unwrap_or_default();
    let rating = match s.services.case_rating(&actor, number).await {
        Ok(r) => r.map(|r| RatingView {
            label: tr
                .lookup(&format!("portal.rating.{}", r.score))
                .unwrap_or("")
                .to_string(),
            score: r.score,
            comment: r.comment.unwrap_or_default(),
            at: when(r.at),
        }),
        Err(e) => return service_error(tr, e),
    };
    let head = CaseHead {
        number: case.number.to_string(),
        subject: case.subject.clone(),
        status: label(tr, "status", case.status.as_str()),
        status_key: case.status.as_str().into(),
        kind: label(tr, "kind", case.kind.as_str()),
        branch: case.branch.number(),
        channel: label(tr, "channel", case.channel.as_str()),
        priority: label(tr, "priority", case.priority.as_str()),
        priority_key: case.priority.as_str().into(),
        confidential: case.confidential,
        unit: case.unit_code.clone().unwrap_or_default(),
        assignee: case.assignee_username.clone().unwrap_or_default(),
        category: case.category_code.clone().unwrap_or_default(),
        first_due: when_opt(case.first_response_due_at),
        resolution_due: when_opt(case.resolution_due_at),
    };
    render(
        status,
        &CasePage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            c: head,
            timeline: entries,
            can_write,
            next_statuses,
            units,
            users,
            categories,
            priorities: Priority::ALL
                .iter()
                .map(|p| (p.as_str().to_string(), label(tr, "priority", p.as_str())))
                .collect(),
            person,
            earlier,
            related,
            merged_into,
            canned,
            prefill,
            rating,
            merge_suggestions,
        },
    )
}

type Picks = (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

async fn pick_lists(s: &AppState, actor: &Actor, tr: Tr, confidential: bool) -> Picks {
    let units = s
        .services
        .list_units(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.code.clone(), format!("{} — {}", u.code, u.name)))
        .collect();
    // Only people who could see the case are offered (the service refuses the others anyway).
    let users = s
        .services
        .list_users(&Actor::Cli)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| {
            u.active
                && u.role != hqdesk_domain::user::Role::Admin
                && (!confidential || u.role == hqdesk_domain::user::Role::Investigator)
        })
        .map(|u| {
            (
                u.username.clone(),
                format!("{} ({})", u.display_name, u.username),
            )
        })
        .collect();
    let categories = s
        .services
        .list_categories(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k.active && k.kind.is_confidential() == confidential)
        .map(|k| {
            let name = if tr.lang() == "en" {
                k.name_en
            } else {
                k.name_vi
            };
            (k.code, name)
        })
        .collect();
    (units, users, categories)
}

fn describe_event(tr: Tr, what: &str, meta: Option<&str>) -> String {
    let Some(meta) = meta.and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok()) else {
        return what.to_string();
    };
    // The requester rated the handling on the portal.
    if let Some(score) = meta.get("rating").and_then(serde_json::Value::as_i64) {
        let level = tr
            .lookup(&format!("portal.rating.{score}"))
            .unwrap_or_default();
        let mut text = format!("{}: {level} ({score}/5)", tr.t("portal.rating.label"));
        if let Some(c) = meta.get("comment").and_then(serde_json::Value::as_str) {
            text.push_str(" — ");
            text.push_str(c);
        }
        return text;
    }
    let Some(obj) = meta.as_object() else {
        return what.to_string();
    };
    obj.iter()
        .map(|(field, change)| {
            let show = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) if field == "status" => label(tr, "status", s),
                serde_json::Value::String(s) if field == "priority" => label(tr, "priority", s),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "—".into(),
                other => other.to_string(),
            };
            format!(
                "{}: {} → {}",
                label(tr, "field", field),
                show(&change["from"]),
                show(&change["to"])
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn reply(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    form: UploadForm,
) -> Response {
    add_message(s, c, number, form, false).await
}

async fn note(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    form: UploadForm,
) -> Response {
    add_message(s, c, number, form, true).await
}

/// A reply or note form: `csrf` and `body`, then any number of `files`, read only once the
/// CSRF token has been checked.
async fn add_message(
    s: AppState,
    c: Console,
    number: String,
    mut form: UploadForm,
    internal: bool,
) -> Response {
    let tr = c.tr;
    // Refused characters are named like everywhere else (422); a body cut off or too large is
    // a 400 with what the reader said.
    let unreadable = |e: ServiceError| match e {
        ServiceError::Invalid(v) if v.0.iter().any(|f| f.code == "control_character") => (
            crate::input::refused_message(tr, &v.0),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ServiceError::Invalid(v) => (
            v.0.iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            StatusCode::BAD_REQUEST,
        ),
        other => (other.to_string(), StatusCode::BAD_REQUEST),
    };
    let mut fields = match form.fields_before_files().await {
        Ok(f) => f,
        Err(e) => {
            let (message, status) = unreadable(e);
            return case_page_with(&s, &c, &number, message, status).await;
        }
    };
    let field =
        |fields: &HashMap<String, String>, k: &str| fields.get(k).cloned().unwrap_or_default();
    if let Err(r) = c.check_csrf(&field(&fields, "csrf")) {
        return r.into_response();
    }
    let attachments = match form.files(&s.services, &mut fields).await {
        Ok(files) => files,
        Err(e) => {
            let (message, status) = unreadable(e);
            return case_page_with(&s, &c, &number, message, status).await;
        }
    };
    let r = s
        .services
        .add_message(
            &c.actor(),
            &number,
            AddMessage {
                body: field(&fields, "body"),
                internal,
                direction: Direction::Outbound,
                attachments,
            },
            None,
        )
        .await;
    back_to_case(&s, &c, &number, r, |e| {
        format!("/console/cases/{number}#entry-{}", e.id)
    })
    .await
}

#[derive(Deserialize)]
struct StatusForm {
    csrf: String,
    status: String,
}

async fn change_status(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let r = s
        .services
        .change_status(&c.actor(), &number, &f.status)
        .await;
    back_to_case(&s, &c, &number, r, |_| format!("/console/cases/{number}")).await
}

#[derive(Deserialize)]
struct AssignForm {
    csrf: String,
    unit: Option<String>,
    assignee: Option<String>,
}

async fn assign(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Form(f): Form<AssignForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let cmd = AssignCase {
        unit: f.unit.map(|u| Some(u).filter(|u| !u.is_empty())),
        assignee: f.assignee.map(|a| Some(a).filter(|a| !a.is_empty())),
    };
    match s.services.assign_case(&c.actor(), &number, cmd).await {
        // Assigned away from one's own sight: back to the queue.
        Err(ServiceError::NotFound) => Redirect::to("/console").into_response(),
        r => back_to_case(&s, &c, &number, r, |_| format!("/console/cases/{number}")).await,
    }
}

#[derive(Deserialize)]
struct UpdateForm {
    csrf: String,
    category: Option<String>,
    priority: Option<String>,
}

async fn update(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Form(f): Form<UpdateForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let cmd = UpdateCase {
        category: f.category.map(|k| Some(k).filter(|k| !k.is_empty())),
        priority: f.priority,
        ..Default::default()
    };
    let r = s.services.update_case(&c.actor(), &number, cmd).await;
    back_to_case(&s, &c, &number, r, |_| format!("/console/cases/{number}")).await
}

#[derive(Deserialize)]
struct PresenceForm {
    csrf: String,
    activity: String,
}

#[derive(serde::Serialize)]
struct Other {
    name: String,
    activity: String,
}

async fn presence(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Form(f): Form<PresenceForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s
        .services
        .case_presence(&c.actor(), &c.session.id_hash, &number, &f.activity)
        .await
    {
        Ok(others) => Json(
            others
                .into_iter()
                .map(|(_, name, activity)| Other { name, activity })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Deserialize)]
struct LinkForm {
    csrf: String,
    other: Option<String>,
    into: Option<String>,
}

async fn link(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Form(f): Form<LinkForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let r = s
        .services
        .link_cases(&c.actor(), &number, f.other.as_deref().unwrap_or("").trim())
        .await;
    back_to_case(&s, &c, &number, r, |_| {
        format!("/console/cases/{number}#related")
    })
    .await
}

async fn merge(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Form(f): Form<LinkForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let r = s
        .services
        .merge_case(&c.actor(), &number, f.into.as_deref().unwrap_or("").trim())
        .await;
    back_to_case(&s, &c, &number, r, |t| {
        format!("/console/cases/{}", t.number)
    })
    .await
}

// ---- administration -----------------------------------------------------------------------

async fn admin_page(s: &AppState, c: &Console, message: String, status: StatusCode) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    let role = actor.role();
    if !matches!(
        role,
        Some(hqdesk_domain::user::Role::Admin) | Some(hqdesk_domain::user::Role::Supervisor)
    ) {
        return error_page(
            tr,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị viên và giám sát viên / Administrators and supervisors only".into(),
        );
    }
    let is_admin = role == Some(hqdesk_domain::user::Role::Admin);
    let units_raw = s.services.list_units(&actor).await.unwrap_or_default();
    let code_of = |id: Option<i64>| {
        id.and_then(|i| units_raw.iter().find(|u| u.id == i).map(|u| u.code.clone()))
            .unwrap_or_default()
    };
    let users = if is_admin {
        s.services
            .list_users(&actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                (
                    u.username,
                    u.display_name,
                    u.role.as_str().to_string(),
                    code_of(u.unit_id),
                    u.active,
                )
            })
            .collect()
    } else {
        vec![]
    };
    let units = units_raw
        .iter()
        .map(|u| {
            (
                u.code.clone(),
                u.name.clone(),
                u.level.as_str().to_string(),
                code_of(u.parent_id),
            )
        })
        .collect();
    let canned = s
        .services
        .canned_responses(false)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|k| (k.id, k.title, k.body, k.active != 0))
        .collect();
    render(
        status,
        &AdminPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            is_admin,
            users,
            units,
            // Roles that see confidential cases are appointed on the server only.
            roles: hqdesk_domain::user::Role::ALL
                .iter()
                .filter(|r| !r.sees_confidential_cases())
                .map(|r| r.as_str())
                .collect(),
            canned,
        },
    )
}

async fn admin(State(s): State<AppState>, c: Console) -> Response {
    admin_page(&s, &c, String::new(), StatusCode::OK).await
}

/// After an admin form: back to the page, or the page with what went wrong.
async fn admin_result<T>(s: &AppState, c: &Console, r: Result<T, ServiceError>) -> Response {
    match r {
        Ok(_) => Redirect::to("/console/admin").into_response(),
        Err(ServiceError::Invalid(v)) => {
            admin_page(
                s,
                c,
                v.0.iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict { message, .. }) => {
            admin_page(s, c, message, StatusCode::CONFLICT).await
        }
        Err(ServiceError::Forbidden(message)) => {
            admin_page(s, c, message, StatusCode::FORBIDDEN).await
        }
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Deserialize)]
struct AddUserForm {
    csrf: String,
    username: String,
    display_name: Option<String>,
    role: String,
    unit: Option<String>,
    password: String,
}

async fn admin_add_user(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<AddUserForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let cmd = hqdesk_services::directory::AddUser {
        username: f.username,
        display_name: f.display_name,
        role: f.role,
        unit: f.unit.filter(|u| !u.is_empty()),
        password: Some(f.password),
    };
    let r = s.services.add_user(&c.actor(), cmd).await;
    admin_result(&s, &c, r).await
}

#[derive(Deserialize)]
struct ActiveForm {
    csrf: String,
    active: String,
}

async fn admin_user_active(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let cmd = hqdesk_services::directory::UpdateUser {
        active: Some(f.active == "true"),
        ..Default::default()
    };
    let r = s.services.update_user(&c.actor(), &username, cmd).await;
    admin_result(&s, &c, r).await
}

#[derive(Deserialize)]
struct AddUnitForm {
    csrf: String,
    code: String,
    name: String,
    level: String,
    parent: Option<String>,
}

async fn admin_add_unit(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<AddUnitForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let cmd = hqdesk_services::directory::AddUnit {
        code: f.code,
        name: f.name,
        level: f.level,
        parent: f.parent.filter(|p| !p.is_empty()),
    };
    let r = s.services.add_unit(&c.actor(), cmd).await;
    admin_result(&s, &c, r).await
}

#[derive(Deserialize)]
struct CannedForm {
    csrf: String,
    title: String,
    body: String,
}

async fn admin_add_canned(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<CannedForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let r = s.services.add_canned(&c.actor(), &f.title, &f.body).await;
    admin_result(&s, &c, r).await
}

async fn admin_canned_active(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let r = s
        .services
        .set_canned_active(&c.actor(), id, f.active == "true")
        .await;
    admin_result(&s, &c, r).await
}

async fn download(State(s): State<AppState>, c: Console, Path(id): Path<i64>) -> Response {
    match s.services.attachment(&c.actor(), id).await {
        Ok((a, bytes)) => crate::download(&a.filename, &a.content_type, bytes),
        Err(e) => service_error(c.tr, e),
    }
}

// ---- hotline ------------------------------------------------------------------------------

fn national(n: &Option<String>) -> String {
    n.as_deref()
        .map(|n| {
            hqdesk_domain::requester::PhoneE164::parse(n)
                .map(|p| p.national())
                .unwrap_or_else(|_| n.to_string())
        })
        .unwrap_or_default()
}

async fn call_page_with(
    s: &AppState,
    c: &Console,
    call_id: &str,
    message: String,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    let v = match s.services.call_view(&c.actor(), call_id).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    render(
        status,
        &CallPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            call_id: v.call.call_id.clone(),
            number: national(&v.call.from_number),
            caller_name: v
                .requester
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            branch: v.call.branch.unwrap_or(2),
            state: v.call.state.clone(),
            when: when_opt(v.call.offered_at.or(Some(v.call.created_at)).map(Timestamp)),
            flag: v
                .flag
                .as_ref()
                .map(|(reason, by, _)| format!("{reason} ({})", by.clone().unwrap_or_default()))
                .unwrap_or_default(),
            kinds: call_case_kinds(tr, &v.call),
            open_cases: v
                .open_cases
                .iter()
                .map(|o| (o.number.to_string(), o.subject.clone()))
                .collect(),
            recent: v
                .recent_calls
                .iter()
                .map(|r| {
                    format!(
                        "{} · {} · {}",
                        when_opt(r.offered_at.or(Some(r.created_at)).map(Timestamp)),
                        label(tr, "call.state", &r.state),
                        r.cause.clone().unwrap_or_default()
                    )
                })
                .collect(),
        },
    )
}

/// What may be opened from a call, the branch's usual kind first chosen: a denunciation from any
/// call (a caller may turn out to report misconduct); from a call of the denunciation choice
/// nothing else.
fn call_case_kinds(tr: Tr, call: &hqdesk_store::calls::Call) -> Vec<(String, String, bool)> {
    use hqdesk_domain::case::CaseKind;
    let usual = match call.branch {
        _ if call.is_confidential() => CaseKind::Denunciation,
        Some(1) => CaseKind::ProcedureProblem,
        _ => CaseKind::Inquiry,
    };
    [
        CaseKind::ProcedureProblem,
        CaseKind::Inquiry,
        CaseKind::Denunciation,
    ]
    .into_iter()
    .filter(|k| !call.is_confidential() || k.is_confidential())
    .map(|k| {
        (
            k.as_str().to_string(),
            label(tr, "kind", k.as_str()),
            k == usual,
        )
    })
    .collect()
}

async fn call_page(State(s): State<AppState>, c: Console, Path(call_id): Path<String>) -> Response {
    call_page_with(&s, &c, &call_id, String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
struct CallCaseForm {
    csrf: String,
    /// The kind of case to open (the branch's default when absent).
    kind: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    case: Option<String>,
    reason: Option<String>,
}

async fn call_new_case(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
    Form(f): Form<CallCaseForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let r = s
        .services
        .open_case_from_call(
            &c.actor(),
            &call_id,
            f.kind.as_deref(),
            f.subject.as_deref().unwrap_or(""),
            f.body.filter(|b| !b.trim().is_empty()),
        )
        .await;
    let actor = c.actor();
    back_to_call(&s, &c, &call_id, r, |v| {
        // A denunciation goes to the task force: its opener may not read it any more.
        let readable = actor
            .require(
                hqdesk_domain::access::Action::ReadCase,
                Some(&v.case.facts()),
            )
            .is_ok();
        if readable {
            format!("/console/cases/{}", v.case.number)
        } else {
            "/console?notice=handed_to_task_force".to_string()
        }
    })
    .await
}

async fn call_attach(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
    Form(f): Form<CallCaseForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let number = f.case.unwrap_or_default();
    let r = s.services.attach_call(&c.actor(), &call_id, &number).await;
    back_to_call(&s, &c, &call_id, r, |_| format!("/console/cases/{number}")).await
}

async fn call_flag(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
    Form(f): Form<CallCaseForm>,
) -> Response {
    if let Err(r) = c.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let number = match s.services.call_view(&c.actor(), &call_id).await {
        Ok(v) => v.call.from_number.unwrap_or_default(),
        Err(e) => return service_error(c.tr, e),
    };
    let r = s
        .services
        .flag_caller(&c.actor(), &number, f.reason.as_deref().unwrap_or(""))
        .await;
    back_to_call(&s, &c, &call_id, r, |_| format!("/console/calls/{call_id}")).await
}

async fn wallboard(State(s): State<AppState>, c: Console) -> Response {
    let tr = c.tr;
    let w = match s.services.wallboard(&c.actor()).await {
        Ok(w) => w,
        Err(e) => return service_error(tr, e),
    };
    let longest = format!(
        "{}:{:02}",
        w.longest_wait_seconds / 60,
        w.longest_wait_seconds % 60
    );
    let [waiting1, waiting2] = w.waiting;
    render(
        StatusCode::OK,
        &WallboardPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            now: when(s.services.now()),
            w,
            waiting1,
            waiting2,
            longest,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn capped_search_totals_group_thousands() {
        assert_eq!(group_thousands(1000, "."), "1.000");
        assert_eq!(group_thousands(1234567, ","), "1,234,567");
        assert_eq!(group_thousands(999, "."), "999");
        assert_eq!(group_thousands(0, "."), "0");
        assert_eq!(group_thousands(-1000, "."), "-1.000");
    }
}
