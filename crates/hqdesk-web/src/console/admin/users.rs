//! One user's page: administrators edit the name, role and unit, deactivate, reset the
//! password or the second factor, each with a reason kept in the audit log (shown as the
//! account's change log).
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hqdesk_domain::access::Action;
use hqdesk_domain::Timestamp;
use hqdesk_services::staff_admin::EditUser;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::{banner_text, may, role_choices, role_label, unit_rows, Choices, UnitRow};
use crate::console::session::Console;
use crate::console::views::Me;
use crate::console::{refused, service_error_for};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{render, when};
use crate::i18n::Tr;
use crate::state::AppState;

token_in_csrf_field!(EditUserForm, ActiveForm, PasswordForm, ReasonForm,);

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
    email: String,
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
            confidential: user.role.appointed_on_server_only(),
            username: user.username,
            display_name: user.display_name,
            email: user.email.unwrap_or_default(),
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
    email: String,
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
        email: Some(Some(f.email).filter(|e| !e.trim().is_empty())),
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
