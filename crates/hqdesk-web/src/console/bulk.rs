//! The queue's bulk actions (assign, change status, merge the chosen cases) and saved filters.
//! Each case goes through the same service call as from its own page; the page says per case
//! what was done and what was refused, and shows the same list again.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::cases::BulkAction;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::queue::clean_list_query;
use super::session::Console;
use super::{error_page, service_error};
use crate::csrf::{token_in_csrf_field, CarriesToken, CsrfForm};
use crate::state::AppState;

/// The bulk form: repeated `case` fields, so read as name–value pairs.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct BulkForm(Vec<(String, String)>);

impl BulkForm {
    fn one(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }
    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
}

impl CarriesToken for BulkForm {
    fn csrf(&self) -> &str {
        self.one("csrf")
    }
}

/// Why a case was refused, as the queue page names it (a case the actor may not see is "not
/// found", exactly like a number that does not exist).
fn reason(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::NotFound => "not_found",
        ServiceError::Forbidden(_) => "forbidden",
        ServiceError::Invalid(v)
            if v.0
                .iter()
                .any(|e| e.code == "assignee_cannot_see_case" || e.code == "assignee_conflict") =>
        {
            "assignee"
        }
        // The case to merge into does not exist, or the actor may not see it (alike).
        ServiceError::Invalid(v) if v.0.iter().any(|e| e.code == "case_unknown") => "target",
        ServiceError::Invalid(_) => "invalid",
        _ => "conflict",
    }
}

/// `POST /console/bulk`.
pub(crate) async fn bulk(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<BulkForm>,
) -> Response {
    let tr = c.tr;
    let bad = |key: &str| error_page(tr, StatusCode::UNPROCESSABLE_ENTITY, tr.t(key).to_string());
    let action = match f.one("action") {
        "assign" => match f.one("assignee") {
            "" => return bad("queues.bulk_need_user"),
            "-" => BulkAction::Assign(None),
            user => BulkAction::Assign(Some(user.to_string())),
        },
        "status" => match f.one("status") {
            "" => return bad("queues.bulk_need_status"),
            st => BulkAction::Status(st.to_string()),
        },
        "merge" => match f.one("into") {
            "" => return bad("queues.bulk_need_target"),
            into => BulkAction::Merge(into.to_string()),
        },
        _ => return bad("queues.bulk_need_action"),
    };
    let numbers = f.all("case");
    if numbers.iter().all(|n| n.is_empty()) {
        return bad("queues.bulk_need_cases");
    }
    if numbers.len() > hqdesk_services::cases::MAX_BULK {
        return bad("queues.bulk_too_many");
    }
    let outcomes = match s.services.bulk_action(&c.actor(), &numbers, &action).await {
        Ok(o) => o,
        Err(ServiceError::Invalid(_)) => return bad("queues.bulk_need_cases"),
        Err(e) => return service_error(tr, e),
    };
    let done = outcomes.iter().filter(|o| o.result.is_ok()).count();
    let refused: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            let e = o.result.as_ref().err()?;
            // Only well-formed numbers are named back; anything else is dropped from the list.
            let number = hqdesk_domain::case::CaseNumber::parse(&o.number).ok()?;
            Some(format!("{}:{}", number.as_str(), reason(e)))
        })
        .collect();
    let back = clean_list_query(f.one("back"));
    let mut to = format!("/console?{back}");
    if !back.is_empty() {
        to.push('&');
    }
    to.push_str(&format!("done={done}"));
    if !refused.is_empty() {
        to.push_str(&format!("&refused={}", refused.join(",")));
    }
    Redirect::to(&to).into_response()
}

token_in_csrf_field!(SaveFilterForm, DeleteFilterForm);

#[derive(Deserialize)]
pub(crate) struct SaveFilterForm {
    csrf: String,
    name: String,
    query: Option<String>,
}

/// `POST /console/filters`: save the list's filter under a name.
pub(crate) async fn save_filter(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<SaveFilterForm>,
) -> Response {
    let tr = c.tr;
    let query = clean_list_query(f.query.as_deref().unwrap_or(""));
    match s.services.save_filter(&c.actor(), &f.name, &query).await {
        Ok(_) => {
            let sep = if query.is_empty() { "" } else { "&" };
            Redirect::to(&format!("/console?{query}{sep}filter=saved")).into_response()
        }
        Err(ServiceError::Invalid(v)) => {
            let key = match v.0.first().map(|e| e.code) {
                Some("name_empty") => "queues.filter_name_empty",
                Some("name_invalid") => "queues.filter_name_invalid",
                _ => "queues.filter_query_invalid",
            };
            error_page(tr, StatusCode::UNPROCESSABLE_ENTITY, tr.t(key).to_string())
        }
        Err(ServiceError::Conflict { .. }) => error_page(
            tr,
            StatusCode::CONFLICT,
            tr.t("queues.filter_too_many").to_string(),
        ),
        Err(e) => service_error(tr, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct DeleteFilterForm {
    csrf: String,
}

/// `POST /console/filters/{id}/delete`: delete one of one's saved filters.
pub(crate) async fn delete_filter(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    CsrfForm(_f): CsrfForm<DeleteFilterForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return service_error(c.tr, ServiceError::NotFound);
    };
    match s.services.delete_saved_filter(&c.actor(), id).await {
        Ok(()) => Redirect::to("/console?filter=deleted").into_response(),
        Err(e) => service_error(c.tr, e),
    }
}
