//! The hotline: a call's page (open a case from it, attach it to a case, flag the caller) and
//! the wallboard.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hqdesk_domain::Timestamp;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::{CallPage, CallTipFiledPage, WallboardPage};
use super::{after_form, service_error};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{label, render, when, when_opt};
use crate::i18n::Tr;
use crate::state::AppState;

token_in_csrf_field!(CallCaseForm);

/// A form posted from a call page.
async fn back_to_call<T>(
    s: &AppState,
    c: &Console,
    call_id: &str,
    r: Result<T, ServiceError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    after_form(c.tr, r, to, |message, status| {
        call_page_with(s, c, call_id, message, status)
    })
    .await
}

pub(super) fn national(n: &Option<String>) -> String {
    n.as_deref()
        .map(|n| {
            hqdesk_domain::requester::PhoneE164::parse(n)
                .map(|p| p.national())
                .unwrap_or_else(|_| n.to_string())
        })
        .unwrap_or_default()
}

async fn call_page_with(
    s: &AppState,
    c: &Console,
    call_id: &str,
    message: String,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    let v = match s.services.call_view(&c.actor(), call_id).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    let names = super::display_names(&s.services).await;
    render(
        status,
        &CallPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            call_id: v.call.call_id.clone(),
            number: national(&v.call.from_number),
            caller_name: v
                .requester
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            branch: v.call.branch.unwrap_or(2),
            state: v.call.state.clone(),
            when: when_opt(v.call.offered_at.or(Some(v.call.created_at)).map(Timestamp)),
            flag: v
                .flag
                .as_ref()
                .map(|(reason, by, _)| {
                    // Who flagged the caller, by their name.
                    let by = by.clone().unwrap_or_default();
                    format!("{reason} ({})", names.get(&by).unwrap_or(&by))
                })
                .unwrap_or_default(),
            kinds: call_case_kinds(tr, &v.call),
            open_cases: v
                .open_cases
                .iter()
                .map(|o| (o.number.to_string(), o.subject.clone()))
                .collect(),
            recent: v
                .recent_calls
                .iter()
                .map(|r| {
                    format!(
                        "{} · {} · {}",
                        when_opt(r.offered_at.or(Some(r.created_at)).map(Timestamp)),
                        label(tr, "call.state", &r.state),
                        r.cause.clone().unwrap_or_default()
                    )
                })
                .collect(),
        },
    )
}

/// What may be opened from a call, the branch's usual kind first chosen: a denunciation from any
/// call (a caller may turn out to report misconduct); from a call of the denunciation choice
/// nothing else.
fn call_case_kinds(tr: Tr, call: &hqdesk_services::read::Call) -> Vec<(String, String, bool)> {
    use hqdesk_domain::case::CaseKind;
    let usual = match call.branch {
        _ if call.is_confidential() => CaseKind::Denunciation,
        Some(1) => CaseKind::ProcedureProblem,
        _ => CaseKind::Inquiry,
    };
    [
        CaseKind::ProcedureProblem,
        CaseKind::Inquiry,
        CaseKind::Denunciation,
    ]
    .into_iter()
    .filter(|k| !call.is_confidential() || k.is_confidential())
    .map(|k| {
        (
            k.as_str().to_string(),
            label(tr, "kind", k.as_str()),
            k == usual,
        )
    })
    .collect()
}

pub(crate) async fn call_page(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
) -> Response {
    call_page_with(&s, &c, &call_id, String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct CallCaseForm {
    csrf: String,
    /// The kind of case to open (the branch's default when absent).
    kind: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    case: Option<String>,
    reason: Option<String>,
    /// "1": the caller reports anonymously; they are given a receipt to read their answers.
    anonymous: Option<String>,
}

pub(crate) async fn call_new_case(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
    CsrfForm(f): CsrfForm<CallCaseForm>,
) -> Response {
    let r = s
        .services
        .open_case_from_call(
            &c.actor(),
            &call_id,
            f.kind.as_deref(),
            f.subject.as_deref().unwrap_or(""),
            f.body.filter(|b| !b.trim().is_empty()),
            f.anonymous.as_deref() == Some("1"),
        )
        .await;
    // An anonymous tip's receipt is shown here once, to be read to the caller: never in a URL.
    if let Ok(Some(receipt)) = r
        .as_ref()
        .map(|v| v.receipt.as_ref().map(ToString::to_string))
    {
        return render(
            StatusCode::OK,
            &CallTipFiledPage {
                tr: c.tr,
                me: c.me(),
                csrf: c.csrf(),
                q: String::new(),
                recommend_2fa: c.recommend_2fa,
                receipt,
            },
        );
    }
    let actor = c.actor();
    back_to_call(&s, &c, &call_id, r, |v| {
        // A denunciation goes to the task force: its opener may not read it any more.
        let readable = actor
            .require(
                hqdesk_domain::access::Action::ReadCase,
                Some(&v.case.facts()),
            )
            .is_ok();
        if readable {
            format!("/console/cases/{}", v.case.number)
        } else {
            "/console?notice=handed_to_task_force".to_string()
        }
    })
    .await
}

pub(crate) async fn call_attach(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
    CsrfForm(f): CsrfForm<CallCaseForm>,
) -> Response {
    let number = f.case.unwrap_or_default();
    let r = s.services.attach_call(&c.actor(), &call_id, &number).await;
    back_to_call(&s, &c, &call_id, r, |_| format!("/console/cases/{number}")).await
}

pub(crate) async fn call_flag(
    State(s): State<AppState>,
    c: Console,
    Path(call_id): Path<String>,
    CsrfForm(f): CsrfForm<CallCaseForm>,
) -> Response {
    let number = match s.services.call_view(&c.actor(), &call_id).await {
        Ok(v) => v.call.from_number.unwrap_or_default(),
        Err(e) => return service_error(c.tr, e),
    };
    let r = s
        .services
        .flag_caller(&c.actor(), &number, f.reason.as_deref().unwrap_or(""))
        .await;
    back_to_call(&s, &c, &call_id, r, |_| format!("/console/calls/{call_id}")).await
}

pub(crate) async fn wallboard(State(s): State<AppState>, c: Console) -> Response {
    let tr = c.tr;
    let w = match s.services.wallboard(&c.actor()).await {
        Ok(w) => w,
        Err(e) => return service_error(tr, e),
    };
    let longest = format!(
        "{}:{:02}",
        w.longest_wait_seconds / 60,
        w.longest_wait_seconds % 60
    );
    let [waiting1, waiting2] = w.waiting;
    render(
        StatusCode::OK,
        &WallboardPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            now: when(s.services.now()),
            w,
            waiting1,
            waiting2,
            longest,
        },
    )
}
