//! The agent console: server-rendered HTML for helpdesk agents, hotline officers, the task force,
//! unit officers and supervisors. Access rules live in the services; handlers only render what the
//! services return. One module per page family; the routes are listed in [`crate::router`].
pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod bulk;
pub(crate) mod calls;
pub(crate) mod case;
pub(crate) mod case_clocks;
pub(crate) mod enrolled;
pub(crate) mod events;
pub(crate) mod forward;
pub(crate) mod identity;
pub(crate) mod kb;
pub(crate) mod live;
pub(crate) mod login;
pub(crate) mod mailboxes;
pub(crate) mod notifications;
pub(crate) mod queue;
pub(crate) mod session;
pub mod views;

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::ServiceError;

use crate::html::render;
use crate::i18n::Tr;
use views::ErrorPage;

/// Staff display names by username, for the queue rows and live updates (names of staff are not
/// case data: read as the directory, like the case page's assignee list).
pub(crate) async fn display_names(
    services: &hqdesk_services::Services,
) -> std::collections::HashMap<String, String> {
    services
        .list_users(&hqdesk_services::Actor::Cli)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| !u.display_name.trim().is_empty())
        .map(|u| (u.username, u.display_name))
        .collect()
}

/// The messages of invalid fields, for the banner of the page the form was on, in the reader's
/// language.
fn invalid_text(tr: Tr, v: &hqdesk_domain::ValidationErrors) -> String {
    let mut out: Vec<String> = Vec::new();
    for e in &v.0 {
        let m = field_error_text(tr, e);
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out.join("; ")
}

/// One invalid field in the reader's language: the console's own text for its code, else the
/// portal's, else "the field … is not valid" (the services' messages are English).
pub(crate) fn field_error_text(tr: Tr, e: &hqdesk_domain::FieldError) -> String {
    if e.code == "control_character" {
        return crate::input::refused_message(tr, std::slice::from_ref(e));
    }
    if let Some(t) = tr.lookup(&format!("texts.err.{}", e.code)) {
        return t.to_string();
    }
    if let Some(t) = tr.lookup(&format!("portal.err.{}", e.code)) {
        return t.to_string();
    }
    let field = e.field.rsplit('.').next().unwrap_or(&e.field);
    match tr.lookup(&format!("field.{field}")) {
        Some(name) => tr.fill("texts.field_invalid", &[("field", name)]),
        None => tr.t("error.invalid").to_string(),
    }
}

/// A conflict (a closed case, a name taken) in the reader's language.
fn conflict_text(tr: Tr, code: &str) -> String {
    tr.lookup(&format!("texts.err.{code}"))
        .unwrap_or_else(|| tr.t("texts.conflict"))
        .to_string()
}

/// Where a form leads: on success to the address `to` names; on invalid input or a conflict to
/// the form's page again (`again`), saying why; anything else to an error page.
async fn after_form<T, F: Future<Output = Response>>(
    tr: Tr,
    r: Result<T, ServiceError>,
    to: impl FnOnce(T) -> String,
    again: impl FnOnce(String, StatusCode) -> F,
) -> Response {
    match r {
        Ok(v) => Redirect::to(&to(v)).into_response(),
        Err(ServiceError::Invalid(v)) => {
            again(invalid_text(tr, &v), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Conflict { code, .. }) => {
            again(conflict_text(tr, code), StatusCode::CONFLICT).await
        }
        Err(e) => service_error(tr, e),
    }
}

fn error_page(tr: Tr, status: StatusCode, message: String) -> Response {
    render(status, &ErrorPage::new(tr, status, message, None))
}

/// A service error as a page under the signed-in person's own header.
/// A refusal with the page's own reason, under the signed-in person's header.
fn refused(c: &session::Console, message: &str) -> Response {
    let status = StatusCode::FORBIDDEN;
    render(
        status,
        &ErrorPage::new(c.tr, status, message.into(), Some((c.me(), c.csrf()))),
    )
}

fn service_error_for(c: &session::Console, e: ServiceError) -> Response {
    service_error_as(c.tr, e, Some((c.me(), c.csrf())))
}

/// An unknown console address: the console's own page (with the header of whoever is signed
/// in, and a way back), not the portal's.
pub(crate) async fn not_found(s: &crate::state::AppState, req: axum::extract::Request) -> Response {
    use axum::extract::FromRequestParts;
    let (mut parts, _) = req.into_parts();
    let who = session::Console::from_request_parts(&mut parts, s)
        .await
        .ok();
    let tr = who
        .as_ref()
        .map(|c| c.tr)
        .unwrap_or(Tr(crate::i18n::Locale::Vi));
    let status = StatusCode::NOT_FOUND;
    render(
        status,
        &ErrorPage::new(
            tr,
            status,
            tr.t("error.not_found").into(),
            who.map(|c| (c.me(), c.csrf())),
        ),
    )
}

/// A service error as a page: hidden and missing things look the same.
fn service_error(tr: Tr, e: ServiceError) -> Response {
    service_error_as(tr, e, None)
}

fn service_error_as(tr: Tr, e: ServiceError, who: Option<(views::Me, String)>) -> Response {
    let error_page = |tr: Tr, status: StatusCode, message: String| {
        render(status, &ErrorPage::new(tr, status, message, who))
    };
    match e {
        ServiceError::NotFound => {
            error_page(tr, StatusCode::NOT_FOUND, tr.t("error.not_found").into())
        }
        ServiceError::Invalid(v) => error_page(
            tr,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {}", tr.t("error.invalid"), invalid_text(tr, &v)),
        ),
        // The services' reasons are English sentences: the page says it in the reader's words.
        ServiceError::Forbidden(_) => {
            error_page(tr, StatusCode::FORBIDDEN, tr.t("texts.forbidden").into())
        }
        ServiceError::Conflict { code, .. } => {
            error_page(tr, StatusCode::FORBIDDEN, conflict_text(tr, code))
        }
        ServiceError::Unauthenticated => Redirect::to("/console/login").into_response(),
        other => {
            tracing::error!(error = %other, "console");
            error_page(tr, StatusCode::INTERNAL_SERVER_ERROR, "…".into())
        }
    }
}
