//! Administration of the email channel's mailboxes: the list with each mailbox's sync state,
//! add, edit, enable/disable and "test connection". Administrators only. Passwords are never
//! sent back to the browser: the forms carry redacted URLs (`imap://user:***@host/…`) and a
//! redacted URL submitted again keeps the stored password.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::mail::mailboxes::{ConnectionReport, MailboxForm, MailboxView};
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::Me;
use super::{error_page, service_error};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{render, when_opt};
use crate::i18n::Tr;
use crate::state::AppState;

token_in_csrf_field!(MailboxFields, EnabledForm, CsrfOnly);

/// One mailbox as the page shows it.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub imap_url: String,
    pub smtp_url: String,
    pub insecure_plain: bool,
    pub default_branch: String,
    pub default_category: String,
    pub enabled: bool,
    pub last_uid: i64,
    pub last_sync: String,
    pub last_error: String,
    pub fetched_by: String,
}

impl Row {
    fn of(m: MailboxView) -> Row {
        Row {
            id: m.id,
            name: m.name,
            address: m.address,
            imap_url: m.imap_url,
            smtp_url: m.smtp_url,
            insecure_plain: m.insecure_plain,
            default_branch: m.default_branch.map(|b| b.to_string()).unwrap_or_default(),
            default_category: m.default_category.unwrap_or_default(),
            enabled: m.enabled,
            last_uid: m.last_uid,
            last_sync: when_opt(m.last_sync_at),
            last_error: m.last_error.unwrap_or_default(),
            fetched_by: m.fetched_by.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "mailboxes.html")]
pub struct MailboxesPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub message: String,
    pub mailboxes: Vec<Row>,
    /// The result of "test connection": (mailbox id, IMAP ok, IMAP line, SMTP ok, SMTP line).
    pub test: Option<(i64, bool, String, bool, String)>,
}

async fn show(
    s: &AppState,
    c: &Console,
    message: String,
    test: Option<(i64, ConnectionReport)>,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    let mailboxes = match s.services.list_mailboxes(&c.actor()).await {
        Ok(list) => list.into_iter().map(Row::of).collect(),
        Err(ServiceError::Forbidden(_)) => {
            return error_page(
                tr,
                StatusCode::FORBIDDEN,
                tr.t("mailbox.admins_only").into(),
            )
        }
        Err(e) => return service_error(tr, e),
    };
    let test = test.map(|(id, r)| {
        let (io, il) = match r.imap {
            Ok(l) => (true, l),
            Err(l) => (false, l),
        };
        let (so, sl) = match r.smtp {
            Ok(l) => (true, l),
            Err(l) => (false, l),
        };
        (id, io, il, so, sl)
    });
    render(
        status,
        &MailboxesPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            mailboxes,
            test,
        },
    )
}

pub(crate) async fn page(State(s): State<AppState>, c: Console) -> Response {
    show(&s, &c, String::new(), None, StatusCode::OK).await
}

/// After a form: back to the page, or the page with what went wrong.
async fn result<T>(s: &AppState, c: &Console, r: Result<T, ServiceError>) -> Response {
    match r {
        Ok(_) => Redirect::to("/console/admin/mailboxes").into_response(),
        Err(ServiceError::Invalid(v)) => {
            let message =
                v.0.iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
            show(s, c, message, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Conflict { message, .. }) => {
            show(s, c, message, None, StatusCode::CONFLICT).await
        }
        Err(ServiceError::Forbidden(_)) => error_page(
            c.tr,
            StatusCode::FORBIDDEN,
            c.tr.t("mailbox.admins_only").into(),
        ),
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct MailboxFields {
    csrf: String,
    name: String,
    address: String,
    imap_url: String,
    smtp_url: String,
    insecure_plain: Option<String>,
    default_branch: Option<String>,
    default_category: Option<String>,
    enabled: Option<String>,
}

impl MailboxFields {
    fn form(self, enabled_default: bool) -> MailboxForm {
        MailboxForm {
            name: self.name,
            address: self.address,
            imap_url: self.imap_url,
            smtp_url: self.smtp_url,
            insecure_plain: self.insecure_plain.is_some(),
            default_branch: self.default_branch,
            default_category: self.default_category,
            enabled: self
                .enabled
                .map(|v| v != "false")
                .unwrap_or(enabled_default),
        }
    }
}

pub(crate) async fn add(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<MailboxFields>,
) -> Response {
    let r = s.services.add_mailbox(&c.actor(), f.form(true)).await;
    result(&s, &c, r).await
}

pub(crate) async fn edit(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MailboxFields>,
) -> Response {
    // The edit form has an "enabled" checkbox: unchecked sends nothing.
    let enabled = f.enabled.is_some();
    let mut form = f.form(false);
    form.enabled = enabled;
    let r = s.services.update_mailbox(&c.actor(), id, form).await;
    result(&s, &c, r).await
}

#[derive(Deserialize)]
pub(crate) struct EnabledForm {
    csrf: String,
    enabled: String,
}

pub(crate) async fn enabled(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EnabledForm>,
) -> Response {
    let r = s
        .services
        .set_mailbox_enabled(&c.actor(), id, f.enabled == "true")
        .await;
    result(&s, &c, r).await
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

pub(crate) async fn test(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    match s.services.test_mailbox(&c.actor(), id).await {
        Ok(report) => show(&s, &c, String::new(), Some((id, report)), StatusCode::OK).await,
        Err(e) => result::<()>(&s, &c, Err(e)).await,
    }
}
