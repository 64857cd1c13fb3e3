//! Administration: users, units and canned responses. Supervisors keep the canned responses
//! and see users and units; administrators also add and edit users (name, role, unit,
//! deactivation, password, second factor — each with a reason kept in the audit log) and
//! units. The services decide; these pages only offer what the role may do.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_domain::access::Action;
use hqdesk_domain::user::Role;
use hqdesk_domain::{FieldError, Timestamp};
use hqdesk_services::read::Unit;
use hqdesk_services::staff_admin::EditUser;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::Me;
use super::{refused, service_error_for};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{render, when};
use crate::i18n::Tr;
use crate::state::AppState;

token_in_csrf_field!(
    AddUserForm,
    ActiveForm,
    AddUnitForm,
    CannedForm,
    CannedActiveForm,
    EditUserForm,
    PasswordForm,
    ReasonForm,
    EditUnitForm,
    PlainForm,
);

/// The role and unit levels as words of the reader's language (header, administration).
pub(crate) fn role_label(tr: Tr, role: &str) -> String {
    tr.lookup(&format!("adm.role.{role}"))
        .map(str::to_string)
        .unwrap_or_else(|| role.to_string())
}

pub(crate) fn level_label(tr: Tr, level: &str) -> String {
    tr.lookup(&format!("adm.level.{level}"))
        .map(str::to_string)
        .unwrap_or_else(|| level.to_string())
}

/// A refused field, in the reader's language when the catalogue knows its code.
fn field_text(tr: Tr, e: &FieldError) -> String {
    tr.lookup(&format!("adm.err.{}", e.code))
        .map(str::to_string)
        .unwrap_or_else(|| e.message.clone())
}

/// What went wrong, for the banner of the page the form was on; `None` for errors that get a
/// page of their own (not found, unavailable…).
fn banner_text(tr: Tr, e: &ServiceError) -> Option<(String, StatusCode)> {
    match e {
        ServiceError::Invalid(v) => Some((
            v.0.iter()
                .map(|f| field_text(tr, f))
                .collect::<Vec<_>>()
                .join(" "),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        ServiceError::Conflict { code, message } => Some((
            tr.lookup(&format!("adm.err.{code}"))
                .map(str::to_string)
                .unwrap_or_else(|| message.clone()),
            StatusCode::CONFLICT,
        )),
        ServiceError::Forbidden(_) => Some((tr.t("adm.forbidden").into(), StatusCode::FORBIDDEN)),
        _ => None,
    }
}

fn may(c: &Console, action: Action) -> bool {
    c.actor().require(action, None).is_ok()
}

/// A unit as the pages show it.
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub level_label: String,
    pub parent: String,
    pub parent_name: String,
}

fn unit_rows(tr: Tr, units: &[Unit]) -> Vec<UnitRow> {
    let by_id = |id: Option<i64>| id.and_then(|i| units.iter().find(|u| u.id == i));
    units
        .iter()
        .map(|u| UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.as_str().to_string(),
            level_label: level_label(tr, u.level.as_str()),
            parent: by_id(u.parent_id)
                .map(|p| p.code.clone())
                .unwrap_or_default(),
            parent_name: by_id(u.parent_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
        .collect()
}

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub unit: String,
    pub unit_name: String,
    pub active: bool,
}

pub struct CannedRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub active: bool,
}

/// (value, label) choices for a select.
type Choices = Vec<(String, String)>;

fn role_choices(tr: Tr) -> Choices {
    // Roles that see confidential cases are appointed on the server only.
    Role::ALL
        .iter()
        .filter(|r| !r.sees_confidential_cases())
        .map(|r| (r.as_str().to_string(), role_label(tr, r.as_str())))
        .collect()
}

fn level_choices(tr: Tr) -> Choices {
    ["department", "sub_department", "team"]
        .iter()
        .map(|l| (l.to_string(), level_label(tr, l)))
        .collect()
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    is_admin: bool,
    users: Vec<UserRow>,
    units: Vec<UnitRow>,
    roles: Choices,
    levels: Choices,
    canned: Vec<CannedRow>,
}

async fn admin_page(s: &AppState, c: &Console, message: String, status: StatusCode) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    if !may(c, Action::ReadUsers) {
        return refused(c, tr.t("texts.admin_only"));
    }
    let is_admin = may(c, Action::ManageUsers);
    let units_raw = match s.services.list_units(&actor).await {
        Ok(u) => u,
        Err(e) => return service_error_for(c, e),
    };
    let users_raw = match s.services.list_users(&actor).await {
        Ok(u) => u,
        Err(e) => return service_error_for(c, e),
    };
    let unit_of = |id: Option<i64>| id.and_then(|i| units_raw.iter().find(|u| u.id == i));
    let users = users_raw
        .into_iter()
        .map(|u| UserRow {
            role_label: role_label(tr, u.role.as_str()),
            role: u.role.as_str().to_string(),
            unit: unit_of(u.unit_id)
                .map(|x| x.code.clone())
                .unwrap_or_default(),
            unit_name: unit_of(u.unit_id)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            username: u.username,
            display_name: u.display_name,
            active: u.active,
        })
        .collect();
    let canned = match s.services.canned_responses(false).await {
        Ok(list) => list
            .into_iter()
            .map(|k| CannedRow {
                id: k.id,
                title: k.title,
                body: k.body,
                active: k.active != 0,
            })
            .collect(),
        Err(e) => return service_error_for(c, e),
    };
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
            units: unit_rows(tr, &units_raw),
            roles: role_choices(tr),
            levels: level_choices(tr),
            canned,
        },
    )
}

pub(crate) async fn admin(State(s): State<AppState>, c: Console) -> Response {
    admin_page(&s, &c, String::new(), StatusCode::OK).await
}

/// After a form of the administration page: back to it, or to it with what went wrong.
async fn admin_result<T>(s: &AppState, c: &Console, r: Result<T, ServiceError>) -> Response {
    match r {
        Ok(_) => Redirect::to("/console/admin").into_response(),
        Err(e) => match banner_text(c.tr, &e) {
            Some((message, status)) => admin_page(s, c, message, status).await,
            None => service_error_for(c, e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct AddUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    display_name: Option<String>,
    #[serde(default)]
    role: String,
    unit: Option<String>,
    #[serde(default)]
    password: String,
}

pub(crate) async fn admin_add_user(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<AddUserForm>,
) -> Response {
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
pub(crate) struct AddUnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    parent: Option<String>,
}

pub(crate) async fn admin_add_unit(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<AddUnitForm>,
) -> Response {
    let cmd = hqdesk_services::directory::AddUnit {
        code: f.code,
        name: f.name,
        level: f.level,
        parent: f.parent.filter(|p| !p.is_empty()),
    };
    let r = s.services.add_unit(&c.actor(), cmd).await;
    admin_result(&s, &c, r).await
}

// --- Canned responses ---------------------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct CannedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub(crate) async fn admin_add_canned(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<CannedForm>,
) -> Response {
    let r = s.services.add_canned(&c.actor(), &f.title, &f.body).await;
    admin_result(&s, &c, r).await
}

#[derive(Deserialize)]
pub(crate) struct CannedActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

pub(crate) async fn admin_canned_active(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CannedActiveForm>,
) -> Response {
    let r = s
        .services
        .set_canned_active(&c.actor(), id, f.active == "true")
        .await;
    admin_result(&s, &c, r).await
}

#[derive(Template)]
#[template(path = "admin_canned.html")]
struct CannedPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    id: i64,
    title: String,
    body: String,
}

async fn canned_page(
    s: &AppState,
    c: &Console,
    id: i64,
    typed: Option<CannedForm>,
    message: String,
    status: StatusCode,
) -> Response {
    let (title, body) = match typed {
        Some(f) => (f.title, f.body),
        None => match s.services.canned_response(&c.actor(), id).await {
            Ok(k) => (k.title, k.body),
            Err(e) => return service_error_for(c, e),
        },
    };
    render(
        status,
        &CannedPage {
            tr: c.tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            id,
            title,
            body,
        },
    )
}

pub(crate) async fn canned_edit(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
) -> Response {
    canned_page(&s, &c, id, None, String::new(), StatusCode::OK).await
}

pub(crate) async fn canned_save(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CannedForm>,
) -> Response {
    match s
        .services
        .update_canned(&c.actor(), id, &f.title, &f.body)
        .await
    {
        Ok(()) => Redirect::to("/console/admin#canned").into_response(),
        Err(e) => match banner_text(c.tr, &e) {
            Some((message, status)) => canned_page(&s, &c, id, Some(f), message, status).await,
            None => service_error_for(&c, e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct PlainForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn canned_delete(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<PlainForm>,
) -> Response {
    match s.services.delete_canned(&c.actor(), id).await {
        Ok(()) => Redirect::to("/console/admin#canned").into_response(),
        Err(e) => service_error_for(&c, e),
    }
}

// --- Users ---------------------------------------------------------------------------------

/// An entry of a user's history, as the page shows it.
pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    /// A generated password, shown this once.
    temporary_password: String,
    username: String,
    display_name: String,
    role: String,
    role_label: String,
    unit: String,
    active: bool,
    has_second_factor: bool,
    /// The role is appointed on the server only: the page cannot change it.
    confidential: bool,
    roles: Choices,
    units: Vec<UnitRow>,
    history: Vec<HistoryRow>,
}

async fn user_page(
    s: &AppState,
    c: &Console,
    username: &str,
    message: String,
    temporary_password: String,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    if !may(c, Action::ManageUsers) {
        return refused(c, tr.t("adm.forbidden"));
    }
    let users = match s.services.list_users(&actor).await {
        Ok(u) => u,
        Err(e) => return service_error_for(c, e),
    };
    let wanted = username.trim().to_ascii_lowercase();
    let Some(user) = users.into_iter().find(|u| u.username == wanted) else {
        return service_error_for(c, ServiceError::NotFound);
    };
    let units_raw = s.services.list_units(&actor).await.unwrap_or_default();
    let unit = user
        .unit_id
        .and_then(|i| units_raw.iter().find(|u| u.id == i))
        .map(|u| u.code.clone())
        .unwrap_or_default();
    let has_second_factor = s
        .services
        .user_has_second_factor(&actor, &user.username)
        .await
        .unwrap_or(false);
    let history = s
        .services
        .user_history(&actor, &user.username, 20)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            HistoryRow {
                at: when(Timestamp(e.at.millis())),
                actor: e
                    .actor
                    .strip_prefix("user:")
                    .unwrap_or(&e.actor)
                    .to_string(),
                action: tr
                    .lookup(&format!("adm.audit.{}", e.action))
                    .map(str::to_string)
                    .unwrap_or(e.action),
                reason: detail["reason"].as_str().unwrap_or("").to_string(),
            }
        })
        .collect();
    render(
        status,
        &UserPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            temporary_password,
            role_label: role_label(tr, user.role.as_str()),
            role: user.role.as_str().to_string(),
            confidential: user.role.sees_confidential_cases(),
            username: user.username,
            display_name: user.display_name,
            unit,
            active: user.active,
            has_second_factor,
            roles: role_choices(tr),
            units: unit_rows(tr, &units_raw),
            history,
        },
    )
}

pub(crate) async fn user_edit(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
) -> Response {
    user_page(
        &s,
        &c,
        &username,
        String::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// After a form of a user's page: back to it saying what was done, or what went wrong.
async fn user_result<T>(
    s: &AppState,
    c: &Console,
    username: &str,
    r: Result<T, ServiceError>,
    done_key: &str,
) -> Response {
    match r {
        Ok(_) => {
            user_page(
                s,
                c,
                username,
                c.tr.t(done_key).to_string(),
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => match banner_text(c.tr, &e) {
            Some((message, status)) => {
                user_page(s, c, username, message, String::new(), status).await
            }
            None => service_error_for(c, e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct EditUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    role: Option<String>,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn user_save(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
    CsrfForm(f): CsrfForm<EditUserForm>,
) -> Response {
    let edit = EditUser {
        display_name: Some(f.display_name),
        role: f.role.filter(|r| !r.is_empty()),
        unit: Some(Some(f.unit).filter(|u| !u.is_empty())),
    };
    let r = s
        .services
        .edit_user(&c.actor(), &username, edit, &f.reason)
        .await;
    user_result(&s, &c, &username, r, "adm.user_saved").await
}

#[derive(Deserialize)]
pub(crate) struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn admin_user_active(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
    CsrfForm(f): CsrfForm<ActiveForm>,
) -> Response {
    let active = f.active == "true";
    let r = s
        .services
        .set_user_active(&c.actor(), &username, active, &f.reason)
        .await;
    let done = if active {
        "adm.user_reactivated"
    } else {
        "adm.user_deactivated"
    };
    user_result(&s, &c, &username, r, done).await
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    /// `generate` or `set`.
    #[serde(default)]
    how: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn user_password(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    let generate = f.how != "set";
    let password = (!generate).then_some(f.password);
    let r = s
        .services
        .reset_user_password(&c.actor(), &username, password, &f.reason)
        .await;
    match r {
        Ok(p) => {
            let (message, shown) = if generate {
                (c.tr.t("adm.password_generated").to_string(), p)
            } else {
                (c.tr.t("adm.password_set").to_string(), String::new())
            };
            user_page(&s, &c, &username, message, shown, StatusCode::OK).await
        }
        Err(e) => user_result(&s, &c, &username, Err::<(), _>(e), "").await,
    }
}

#[derive(Deserialize)]
pub(crate) struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn user_second_factor(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Response {
    let r = s
        .services
        .reset_user_second_factor(&c.actor(), &username, &f.reason)
        .await;
    user_result(&s, &c, &username, r, "adm.second_factor_reset").await
}

// --- Units ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_unit.html")]
struct UnitPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    code: String,
    name: String,
    level: String,
    parent: String,
    levels: Choices,
    /// Every other unit, as a possible parent.
    units: Vec<UnitRow>,
}

#[derive(Deserialize)]
pub(crate) struct EditUnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent: String,
}

async fn unit_page(
    s: &AppState,
    c: &Console,
    code: &str,
    typed: Option<EditUnitForm>,
    message: String,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    if !may(c, Action::ManageUnits) {
        return refused(c, tr.t("adm.forbidden"));
    }
    let units_raw = match s.services.list_units(&c.actor()).await {
        Ok(u) => u,
        Err(e) => return service_error_for(c, e),
    };
    let rows = unit_rows(tr, &units_raw);
    let Some(unit) = rows.iter().find(|u| u.code == code.trim()) else {
        return service_error_for(c, ServiceError::NotFound);
    };
    let (name, level, parent) = match typed {
        Some(f) => (f.name, f.level, f.parent),
        None => (unit.name.clone(), unit.level.clone(), unit.parent.clone()),
    };
    let code = unit.code.clone();
    render(
        status,
        &UnitPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            units: rows.into_iter().filter(|u| u.code != code).collect(),
            code,
            name,
            level,
            parent,
            levels: level_choices(tr),
        },
    )
}

pub(crate) async fn unit_edit(
    State(s): State<AppState>,
    c: Console,
    Path(code): Path<String>,
) -> Response {
    unit_page(&s, &c, &code, None, String::new(), StatusCode::OK).await
}

pub(crate) async fn unit_save(
    State(s): State<AppState>,
    c: Console,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<EditUnitForm>,
) -> Response {
    let r = s
        .services
        .update_unit(
            &c.actor(),
            &code,
            Some(f.name.clone()),
            Some(f.level.clone()),
            Some(Some(f.parent.clone()).filter(|p| !p.is_empty())),
        )
        .await;
    match r {
        Ok(_) => Redirect::to("/console/admin#units").into_response(),
        Err(e) => match banner_text(c.tr, &e) {
            Some((message, status)) => unit_page(&s, &c, &code, Some(f), message, status).await,
            None => service_error_for(&c, e),
        },
    }
}
