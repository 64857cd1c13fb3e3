//! Administration: users, units and canned responses. Supervisors keep the canned responses
//! and see users and units; administrators also add and edit users (name, role, unit,
//! deactivation, password, second factor — each with a reason kept in the audit log) and
//! units. The services decide; these pages only offer what the role may do.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_domain::access::Action;
use hqdesk_domain::user::Role;
use hqdesk_domain::FieldError;
use hqdesk_services::read::Unit;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::Me;
use super::{refused, service_error_for};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::render;
use crate::i18n::Tr;
use crate::state::AppState;

mod canned;
pub(crate) mod service_levels;
mod units;
mod users;

pub(crate) use canned::{
    admin_add_canned, admin_canned_active, canned_delete, canned_edit, canned_save,
};
pub(crate) use units::{unit_edit, unit_save};
pub(crate) use users::{
    admin_user_active, user_edit, user_password, user_save, user_second_factor,
};

token_in_csrf_field!(AddUserForm, AddUnitForm,);

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
        .filter(|r| !r.appointed_on_server_only())
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
    #[serde(default)]
    email: String,
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
        email: Some(f.email),
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
