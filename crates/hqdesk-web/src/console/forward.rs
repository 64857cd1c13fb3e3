//! Redacted forwarding in the console (issue 18; design note 006 §11): an investigator prepares
//! a copy of a report for a verifying unit (the text with its parts to remove marked `[[…]]`,
//! the files to send as clean copies) and sends it. The rules and the cleaning are the
//! services'; this page shows the draft and the refusals.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::sealing::{ForwardDraft, ForwardRedacted};
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::session::Console;
use super::views::Me;
use super::{conflict_text, invalid_text, service_error_for};
use crate::csrf::{CarriesToken, CsrfForm};
use crate::html::render;
use crate::i18n::Tr;
use crate::state::AppState;

/// One file of the report as the page lists it.
pub struct FileRow {
    pub id: i64,
    pub filename: String,
    pub size_kb: i64,
    /// What a clean copy loses, or why it cannot be sent.
    pub note: String,
    pub sendable: bool,
    pub chosen: bool,
}

#[derive(askama::Template)]
#[template(path = "forward.html")]
pub struct ForwardPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub number: String,
    pub message: String,
    pub marked_note: String,
    pub to: String,
    pub text: String,
    pub files: Vec<FileRow>,
}

/// The form: repeated `file` fields, so read as name–value pairs.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct ForwardForm(Vec<(String, String)>);

impl ForwardForm {
    fn one(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl CarriesToken for ForwardForm {
    fn csrf(&self) -> &str {
        self.one("csrf")
    }
}

/// What the person typed, shown again when the form is refused.
struct Typed {
    to: String,
    text: String,
    files: Vec<i64>,
}

/// `GET /console/cases/{number}/forward`: the draft.
pub(crate) async fn page(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
) -> Response {
    forward_page(&s, &c, &number, None, String::new(), StatusCode::OK).await
}

async fn forward_page(
    s: &AppState,
    c: &Console,
    number: &str,
    typed: Option<Typed>,
    message: String,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    let draft: ForwardDraft = match s.services.forward_draft(&c.actor(), number).await {
        Ok(d) => d,
        Err(e) => return service_error_for(c, e),
    };
    let files = draft
        .files
        .into_iter()
        .map(|f| {
            let note = match (&f.removes, f.refusal) {
                (Some(r), _) if r.is_empty() => tr.t("forward.removes_nothing").to_string(),
                (Some(r), _) => tr.fill("forward.removes", &[("what", &r.join(", "))]),
                (None, Some(code)) => tr.t(&format!("forward.refusal_{code}")).to_string(),
                (None, None) => String::new(),
            };
            FileRow {
                id: f.id,
                filename: f.filename,
                size_kb: f.size.div_euclid(1024).max(1),
                sendable: f.removes.is_some(),
                chosen: typed.as_ref().is_some_and(|t| t.files.contains(&f.id)),
                note,
            }
        })
        .collect();
    let (to, text) = match typed {
        Some(t) => (t.to, t.text),
        None => (String::new(), draft.text),
    };
    let marked_note = if draft.marked > 0 {
        tr.fill("forward.marked_found", &[("n", &draft.marked.to_string())])
    } else {
        String::new()
    };
    render(
        status,
        &ForwardPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            number: number.to_string(),
            message,
            marked_note,
            to,
            text,
            files,
        },
    )
}

/// `POST /console/cases/{number}/forward`: send the redacted copy; back to the case with a
/// notice, or to the form again with what was typed and why it was refused.
pub(crate) async fn send(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<ForwardForm>,
) -> Response {
    let tr = c.tr;
    let mut files = vec![];
    for (k, v) in &f.0 {
        if k == "file" {
            match v.trim().parse::<i64>() {
                Ok(id) => files.push(id),
                Err(_) => {
                    return service_error_for(
                        &c,
                        ServiceError::invalid_field("files", "file_not_in_report", "not a file"),
                    )
                }
            }
        }
    }
    let typed = Typed {
        to: f.one("to").trim().to_string(),
        text: f.one("text").to_string(),
        files: files.clone(),
    };
    if f.one("confirm").is_empty() {
        let message = tr.t("forward.confirm_missing").to_string();
        return forward_page(
            &s,
            &c,
            &number,
            Some(typed),
            message,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let cmd = ForwardRedacted {
        to: typed.to.clone(),
        text: typed.text.clone(),
        files,
    };
    match s.services.forward_redacted(&c.actor(), &number, cmd).await {
        // The case's note says what was sent, to whom.
        Ok(done) => Redirect::to(&format!("/console/cases/{number}#entry-{}", done.entry_id))
            .into_response(),
        Err(ServiceError::Invalid(v)) => {
            let message = invalid_text(tr, &v);
            forward_page(
                &s,
                &c,
                &number,
                Some(typed),
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict { code, .. }) => {
            let message = conflict_text(tr, code);
            forward_page(&s, &c, &number, Some(typed), message, StatusCode::CONFLICT).await
        }
        Err(e) => service_error_for(&c, e),
    }
}
