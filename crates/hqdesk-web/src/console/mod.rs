//! The agent console: server-rendered HTML for helpdesk agents, hotline officers, the task force,
//! unit officers and supervisors. Access rules live in the services; handlers only render what the
//! services return. One module per page family; the routes are listed in [`crate::router`].
pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod bulk;
pub(crate) mod calls;
pub(crate) mod case;
pub(crate) mod enrolled;
pub(crate) mod events;
pub(crate) mod kb;
pub(crate) mod live;
pub(crate) mod login;
pub(crate) mod mailboxes;
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

/// The messages of invalid fields, for the banner of the page the form was on.
fn invalid_text(v: &hqdesk_domain::ValidationErrors) -> String {
    v.0.iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
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
            again(invalid_text(&v), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Conflict { message, .. }) => again(message, StatusCode::CONFLICT).await,
        Err(e) => service_error(tr, e),
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
