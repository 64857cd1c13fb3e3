//! What an agent does to a case from its page: replies and notes (with files), status,
//! assignment, category and priority, links and merges, and who else is on the page. Each form
//! becomes one service call, and the case page again (or its reason for refusing).
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use hqdesk_services::cases::{AddMessage, AssignCase, Direction, UpdateCase};
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::case::case_page_with;
use super::session::Console;
use super::{after_form, service_error};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::forms::UploadForm;
use crate::state::AppState;

token_in_csrf_field!(
    StatusForm,
    AssignForm,
    UpdateForm,
    PresenceForm,
    LinkForm,
    SealForm,
    UnsealForm
);

/// A form posted from a case page.
async fn back_to_case<T>(
    s: &AppState,
    c: &Console,
    number: &str,
    r: Result<T, ServiceError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    after_form(c.tr, r, to, |message, status| {
        case_page_with(s, c, number, message, status)
    })
    .await
}

pub(crate) async fn reply(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    form: UploadForm,
) -> Response {
    add_message(s, c, number, form, false).await
}

pub(crate) async fn note(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    form: UploadForm,
) -> Response {
    add_message(s, c, number, form, true).await
}

/// A reply or note form: `csrf` and `body`, then any number of `files`, read only once the
/// CSRF token has been checked.
async fn add_message(
    s: AppState,
    c: Console,
    number: String,
    mut form: UploadForm,
    internal: bool,
) -> Response {
    let tr = c.tr;
    // Refused characters are named like everywhere else (422); a body cut off or too large is
    // a 400 with what the reader said.
    let unreadable = |e: ServiceError| match e {
        ServiceError::Invalid(v) if v.0.iter().any(|f| f.code == "control_character") => (
            crate::input::refused_message(tr, &v.0),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ServiceError::Invalid(v) => (
            v.0.iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            StatusCode::BAD_REQUEST,
        ),
        other => (other.to_string(), StatusCode::BAD_REQUEST),
    };
    let mut fields = match form.fields_before_files().await {
        Ok(f) => f,
        Err(e) => {
            let (message, status) = unreadable(e);
            return case_page_with(&s, &c, &number, message, status).await;
        }
    };
    let field =
        |fields: &HashMap<String, String>, k: &str| fields.get(k).cloned().unwrap_or_default();
    if let Err(r) = c.check_csrf(&field(&fields, "csrf")) {
        return r.into_response();
    }
    let attachments = match form.files(&s.services, &mut fields).await {
        Ok(files) => files,
        Err(e) => {
            let (message, status) = unreadable(e);
            return case_page_with(&s, &c, &number, message, status).await;
        }
    };
    let r = s
        .services
        .add_message(
            &c.actor(),
            &number,
            AddMessage {
                body: field(&fields, "body"),
                internal,
                direction: Direction::Outbound,
                attachments,
            },
            None,
        )
        .await;
    back_to_case(&s, &c, &number, r, |e| {
        format!("/console/cases/{number}#entry-{}", e.id)
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct StatusForm {
    csrf: String,
    status: String,
}

pub(crate) async fn change_status(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Response {
    let r = s
        .services
        .change_status(&c.actor(), &number, &f.status)
        .await;
    back_to_case(&s, &c, &number, r, |_| format!("/console/cases/{number}")).await
}

#[derive(Deserialize)]
pub(crate) struct AssignForm {
    csrf: String,
    unit: Option<String>,
    assignee: Option<String>,
}

pub(crate) async fn assign(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> Response {
    let cmd = AssignCase {
        unit: f.unit.map(|u| Some(u).filter(|u| !u.is_empty())),
        assignee: f.assignee.map(|a| Some(a).filter(|a| !a.is_empty())),
    };
    match s.services.assign_case(&c.actor(), &number, cmd).await {
        // Assigned away from one's own sight: back to the queue.
        Err(ServiceError::NotFound) => Redirect::to("/console").into_response(),
        r => back_to_case(&s, &c, &number, r, |_| format!("/console/cases/{number}")).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct UpdateForm {
    csrf: String,
    category: Option<String>,
    priority: Option<String>,
}

pub(crate) async fn update(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<UpdateForm>,
) -> Response {
    let cmd = UpdateCase {
        category: f.category.map(|k| Some(k).filter(|k| !k.is_empty())),
        priority: f.priority,
        ..Default::default()
    };
    let r = s.services.update_case(&c.actor(), &number, cmd).await;
    back_to_case(&s, &c, &number, r, |_| format!("/console/cases/{number}")).await
}

#[derive(Deserialize)]
pub(crate) struct PresenceForm {
    csrf: String,
    activity: String,
}

#[derive(serde::Serialize)]
struct Other {
    name: String,
    activity: String,
}

pub(crate) async fn presence(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<PresenceForm>,
) -> Response {
    match s
        .services
        .case_presence(&c.actor(), &c.session.id_hash, &number, &f.activity)
        .await
    {
        Ok(others) => Json(
            others
                .into_iter()
                .map(|(_, name, activity)| Other { name, activity })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct LinkForm {
    csrf: String,
    other: Option<String>,
    into: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SealForm {
    csrf: String,
    /// The box saying "this is a denunciation": sealing cannot be undone by the one who seals.
    confirm: Option<String>,
}

/// `POST /console/cases/{number}/seal`: the case goes to the task force. Whoever cannot see it
/// then is taken back to the queue, where it is gone; an investigator stays on the case.
pub(crate) async fn seal(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<SealForm>,
) -> Response {
    let actor = c.actor();
    let r = if f.confirm.is_some() {
        s.services.seal_case(&actor, &number).await
    } else {
        Err(ServiceError::invalid_field(
            "confirm",
            "seal_unconfirmed",
            "tick the box to confirm that this is a denunciation",
        ))
    };
    let sees_it = actor.case_scope().includes_confidential();
    back_to_case(&s, &c, &number, r, |sealed| {
        if sees_it {
            format!("/console/cases/{}", sealed.number)
        } else {
            "/console?notice=sealed_for_task_force".to_string()
        }
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct UnsealForm {
    csrf: String,
    kind: Option<String>,
    reason: Option<String>,
    copy_reporter: Option<String>,
}

/// `POST /console/cases/{number}/unseal`: an investigator returns a case that is no
/// denunciation to the ordinary queues, with a reason; their key opens it.
pub(crate) async fn unseal(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<UnsealForm>,
) -> Response {
    let r = s
        .services
        .unseal_case(
            &c.actor(),
            &number,
            hqdesk_services::sealing::Unseal {
                kind: f.kind.unwrap_or_default(),
                reason: f.reason.unwrap_or_default(),
                copy_reporter: f.copy_reporter.is_some(),
            },
        )
        .await;
    back_to_case(&s, &c, &number, r, |n| format!("/console/cases/{n}")).await
}

pub(crate) async fn link(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<LinkForm>,
) -> Response {
    let r = s
        .services
        .link_cases(&c.actor(), &number, f.other.as_deref().unwrap_or("").trim())
        .await;
    back_to_case(&s, &c, &number, r, |_| {
        format!("/console/cases/{number}#related")
    })
    .await
}

pub(crate) async fn merge(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<LinkForm>,
) -> Response {
    let r = s
        .services
        .merge_case(&c.actor(), &number, f.into.as_deref().unwrap_or("").trim())
        .await;
    back_to_case(&s, &c, &number, r, |t| {
        format!("/console/cases/{}", t.number)
    })
    .await
}

/// The "Officers and units named" form: repeated `officer` and `unit` fields, so read as
/// name–value pairs.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct NamedForm(Vec<(String, String)>);

impl NamedForm {
    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

impl crate::csrf::CarriesToken for NamedForm {
    fn csrf(&self) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// `POST /console/cases/{number}/named`: an investigator records the officers and units a report
/// names (conflict of interest); from then on they can neither see nor be given it.
pub(crate) async fn name_involved(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<NamedForm>,
) -> Response {
    let r = s
        .services
        .name_involved(
            &c.actor(),
            &number,
            hqdesk_services::conflict::NameInvolved {
                officers: f.all("officer"),
                units: f.all("unit"),
                chain: !f.all("chain").is_empty(),
            },
        )
        .await;
    back_to_case(&s, &c, &number, r, |()| {
        format!("/console/cases/{number}#named")
    })
    .await
}
