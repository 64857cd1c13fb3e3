//! The signed-in user's notifications (fired escalation steps): the list, newest first, with
//! each case's number as a link only while they may still read the case; "mark all read".
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::service_error;
use super::session::Console;
use super::views::Me;
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{render, when, when_opt};
use crate::i18n::Tr;
use crate::state::AppState;

/// One notification as the page shows it.
pub struct NotificationRow {
    /// Empty when the reader may no longer read the case.
    pub case_number: String,
    pub what: String,
    pub action: String,
    pub due: String,
    pub at: String,
    pub unread: bool,
}

#[derive(askama::Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub message: String,
    pub rows: Vec<NotificationRow>,
    pub unread: i64,
}

#[derive(Deserialize, Default)]
pub(crate) struct NotificationsQuery {
    marked: Option<u64>,
}

pub(crate) async fn list(
    State(s): State<AppState>,
    c: Console,
    Query(q): Query<NotificationsQuery>,
) -> Response {
    let items = match s.services.notifications(&c.actor()).await {
        Ok(items) => items,
        Err(e) => return service_error(c.tr, e),
    };
    let tr = c.tr;
    let label = |prefix: &str, key: &Option<String>| {
        key.as_deref()
            .and_then(|k| tr.lookup(&format!("{prefix}.{k}")))
            .unwrap_or_default()
            .to_string()
    };
    let rows: Vec<NotificationRow> = items
        .iter()
        .map(|n| NotificationRow {
            case_number: n.case_number.clone().unwrap_or_default(),
            what: tr.fill(
                "escalation.what",
                &[
                    ("percent", &n.percent.unwrap_or_default().to_string()),
                    ("clock", &label("escalation.clock", &n.clock)),
                ],
            ),
            action: label("escalation.action", &n.action),
            due: when_opt(n.due_at),
            at: when(n.created_at),
            unread: !n.read,
        })
        .collect();
    let unread = rows.iter().filter(|r| r.unread).count() as i64;
    let message = match q.marked {
        Some(n) => tr.fill("escalation.marked", &[("n", &n.to_string())]),
        None => String::new(),
    };
    render(
        StatusCode::OK,
        &NotificationsPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            rows,
            unread,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct MarkForm {
    csrf: String,
}
token_in_csrf_field!(MarkForm);

pub(crate) async fn mark_all_read(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(_f): CsrfForm<MarkForm>,
) -> Response {
    match s.services.mark_notifications_read(&c.actor()).await {
        Ok(n) => Redirect::to(&format!("/console/notifications?marked={n}")).into_response(),
        Err(e) => service_error(c.tr, e),
    }
}
