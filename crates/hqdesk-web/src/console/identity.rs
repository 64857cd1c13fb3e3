//! The identity vault in the console (issue 18; design note 006 §8): an investigator's request
//! to open a reporter's identity, from the case page, and the custodian's page of pending
//! requests with their approval (for 1–72 hours) or refusal. The rules are the services'.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::session::Console;
use super::views::Me;
use super::{after_form, service_error_for};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{render, when};
use crate::i18n::Tr;
use crate::state::AppState;

/// One pending request as the custodian's page shows it: nothing of the case but its number.
pub struct RequestRow {
    pub id: i64,
    pub case_number: String,
    pub requester: String,
    pub reason: String,
    pub at: String,
}

#[derive(askama::Template)]
#[template(path = "identity_requests.html")]
pub struct IdentityRequestsPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub message: String,
    pub rows: Vec<RequestRow>,
    pub default_hours: i64,
    pub max_hours: i64,
}

#[derive(Deserialize, Default)]
pub(crate) struct RequestsQuery {
    done: Option<String>,
}

/// `GET /console/identity-requests`: the pending requests (custodians only).
pub(crate) async fn requests(
    State(s): State<AppState>,
    c: Console,
    Query(q): Query<RequestsQuery>,
) -> Response {
    let tr = c.tr;
    let message = match q.done.as_deref() {
        Some("approved") => tr.t("identity.approved_notice").to_string(),
        Some("refused") => tr.t("identity.refused_notice").to_string(),
        _ => String::new(),
    };
    requests_page(&s, &c, message, StatusCode::OK).await
}

async fn requests_page(s: &AppState, c: &Console, message: String, status: StatusCode) -> Response {
    let tr = c.tr;
    let list = match s.services.identity_requests(&c.actor()).await {
        Ok(l) => l,
        Err(e) => return service_error_for(c, e),
    };
    let rows = list
        .pending
        .into_iter()
        .map(|r| RequestRow {
            id: r.id,
            case_number: r.case_number,
            requester: if r.requester_display_name.trim().is_empty() {
                r.requester_username
            } else {
                format!("{} ({})", r.requester_display_name, r.requester_username)
            },
            reason: r.reason,
            at: when(r.created_at),
        })
        .collect();
    render(
        status,
        &IdentityRequestsPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            rows,
            default_hours: hqdesk_services::sealing::IDENTITY_DEFAULT_HOURS,
            max_hours: hqdesk_services::sealing::IDENTITY_MAX_HOURS,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct ApproveForm {
    csrf: String,
    hours: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RefuseForm {
    csrf: String,
    reason: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct AskForm {
    csrf: String,
    reason: Option<String>,
}

token_in_csrf_field!(ApproveForm, RefuseForm, AskForm);

/// `POST /console/identity-requests/{id}/approve`: a custodian opens the identity to the
/// investigator who asked, for `hours` (default 24).
pub(crate) async fn approve(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ApproveForm>,
) -> Response {
    let hours = match f.hours.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        None => Ok(None),
        Some(h) => h.parse::<i64>().map(Some).map_err(|_| {
            hqdesk_services::ServiceError::invalid_field(
                "hours",
                "identity_hours",
                "an approval lasts 1 to 72 hours",
            )
        }),
    };
    let r = match hours {
        Ok(hours) => {
            s.services
                .approve_identity_request(&c.actor(), id, hours)
                .await
        }
        Err(e) => Err(e),
    };
    back_to_requests(&s, &c, r, "approved").await
}

/// `POST /console/identity-requests/{id}/refuse`: a custodian refuses, saying why.
pub(crate) async fn refuse(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RefuseForm>,
) -> Response {
    let r = s
        .services
        .refuse_identity_request(&c.actor(), id, f.reason.as_deref().unwrap_or(""))
        .await;
    back_to_requests(&s, &c, r, "refused").await
}

async fn back_to_requests(
    s: &AppState,
    c: &Console,
    r: Result<(), hqdesk_services::ServiceError>,
    done: &'static str,
) -> Response {
    // Whoever may not decide is refused as on the page itself (403), not shown the page.
    if let Err(e @ hqdesk_services::ServiceError::Forbidden(_)) = r {
        return service_error_for(c, e);
    }
    after_form(
        c.tr,
        r,
        |_| format!("/console/identity-requests?done={done}"),
        |message, status| requests_page(s, c, message, status),
    )
    .await
}

/// `POST /console/cases/{number}/identity-request`: an investigator asks for the case's
/// reporter's identity, with a reason.
pub(crate) async fn ask(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<AskForm>,
) -> Response {
    let r = s
        .services
        .request_identity(&c.actor(), &number, f.reason.as_deref().unwrap_or(""))
        .await;
    after_form(
        c.tr,
        r,
        |_| format!("/console/cases/{number}#requester"),
        |message, status| super::case::case_page_with(&s, &c, &number, message, status),
    )
    .await
}
