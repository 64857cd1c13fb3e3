//! Administration: users, units and canned responses (supervisors see units and canned
//! responses; only administrators manage users).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::AdminPage;
use super::{error_page, service_error};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::render;
use crate::state::AppState;

token_in_csrf_field!(AddUserForm, ActiveForm, AddUnitForm, CannedForm);

async fn admin_page(s: &AppState, c: &Console, message: String, status: StatusCode) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    let role = actor.role();
    if !matches!(
        role,
        Some(hqdesk_domain::user::Role::Admin) | Some(hqdesk_domain::user::Role::Supervisor)
    ) {
        return error_page(tr, StatusCode::FORBIDDEN, tr.t("texts.admin_only").into());
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
                    super::views::role_label(tr, u.role.as_str()),
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
                super::views::level_label(tr, u.level.as_str()),
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
                .map(|r| (r.as_str(), super::views::role_label(tr, r.as_str())))
                .collect(),
            canned,
        },
    )
}

pub(crate) async fn admin(State(s): State<AppState>, c: Console) -> Response {
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
pub(crate) struct AddUserForm {
    csrf: String,
    username: String,
    display_name: Option<String>,
    role: String,
    unit: Option<String>,
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
pub(crate) struct ActiveForm {
    csrf: String,
    active: String,
}

pub(crate) async fn admin_user_active(
    State(s): State<AppState>,
    c: Console,
    Path(username): Path<String>,
    CsrfForm(f): CsrfForm<ActiveForm>,
) -> Response {
    let cmd = hqdesk_services::directory::UpdateUser {
        active: Some(f.active == "true"),
        ..Default::default()
    };
    let r = s.services.update_user(&c.actor(), &username, cmd).await;
    admin_result(&s, &c, r).await
}

#[derive(Deserialize)]
pub(crate) struct AddUnitForm {
    csrf: String,
    code: String,
    name: String,
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

#[derive(Deserialize)]
pub(crate) struct CannedForm {
    csrf: String,
    title: String,
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

pub(crate) async fn admin_canned_active(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActiveForm>,
) -> Response {
    let r = s
        .services
        .set_canned_active(&c.actor(), id, f.active == "true")
        .await;
    admin_result(&s, &c, r).await
}
