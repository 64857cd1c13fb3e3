//! The signed-in user's own account: language and password.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::AccountPage;
use super::{invalid_text, service_error};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::render;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(crate) struct AccountQuery {
    saved: Option<String>,
}

pub(crate) async fn account(c: Console, Query(q): Query<AccountQuery>) -> Response {
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

pub(crate) async fn set_locale(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
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
pub(crate) struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}
token_in_csrf_field!(PasswordForm);

pub(crate) async fn change_password(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    match s
        .services
        .change_password(&c.session, &f.current, &f.new)
        .await
    {
        Ok(()) => Redirect::to("/console/account?saved=password").into_response(),
        Err(ServiceError::Invalid(v)) => {
            account_page(&c, invalid_text(c.tr, &v), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => service_error(c.tr, e),
    }
}
