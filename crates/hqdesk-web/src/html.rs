//! Pages for people, console and portal alike: rendering a template, dates and times as people
//! in Vietnam write them, labels from the catalogue.
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hqdesk_domain::Timestamp;

use crate::i18n::Tr;

/// Render a template, or a plain 500 if rendering itself fails (a bug, logged).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, [("cache-control", "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Date and time in Vietnam, as people there write it.
pub fn when(t: Timestamp) -> String {
    t.to_vietnam().format("%d/%m/%Y %H:%M").to_string()
}

pub fn when_opt(t: Option<Timestamp>) -> String {
    t.map(when).unwrap_or_default()
}

/// The label of a stable key in the catalogue, e.g. `status.open`.
pub fn label(tr: Tr, prefix: &str, key: &str) -> String {
    let full = format!("{prefix}.{key}");
    tr.t(&full).to_string()
}
