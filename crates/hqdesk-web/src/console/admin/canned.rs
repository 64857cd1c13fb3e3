//! Canned responses: supervisors and administrators add, edit, switch off and delete them.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{admin_result, banner_text};
use crate::console::service_error_for;
use crate::console::session::Console;
use crate::console::views::Me;
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::render;
use crate::i18n::Tr;
use crate::state::AppState;

token_in_csrf_field!(CannedForm, CannedActiveForm, PlainForm,);

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
