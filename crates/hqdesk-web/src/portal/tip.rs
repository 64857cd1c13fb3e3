//! Anonymous tips in the portal (issue 18, design note 006 §5): the receipt shown once in the
//! answer to the form (never in an address, a cookie or the log), the receipt form
//! (`GET`/`POST /receipt`), and the reporter's page, which carries a short-lived access in a
//! hidden field so that replying and opening files need neither the receipt again nor a cookie.
//!
//! A well-formed receipt's answer takes at least [`MIN_ANSWER`], whatever it is: an unknown
//! receipt and one whose wrap does not open get the same page and status, and the time taken
//! tells nothing either. A malformed one is refused at once (the format is public), and so is a
//! check past the guess limit (429).
use std::collections::HashMap;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use hqdesk_services::portal::{TipFiled, TipView};
use hqdesk_services::ServiceError;

use super::request::{
    errors_of, file_names, files_rules, get, messages_of, new_form_id, status_of, MessageView,
};
use super::visitor_locale;
use crate::csrf::same_origin;
use crate::forms::UploadForm;
use crate::html::{render, when};
use crate::i18n::Tr;
use crate::state::AppState;

/// The least time a well-formed receipt's answer takes.
pub const MIN_ANSWER: Duration = Duration::from_secs(1);

/// Pages that hold a receipt or an access: never kept by the browser, never sent on.
fn private(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

#[derive(Template)]
#[template(path = "portal_tip_filed.html")]
struct FiledPage {
    tr: Tr,
    /// `1234 5678 9012 3456`.
    receipt: String,
    how: String,
    /// Where visitors reach this site, for the printed receipt.
    site: String,
}

/// The answer to an accepted anonymous tip: its receipt, once.
pub(crate) fn filed(tr: Tr, s: &AppState, done: TipFiled) -> Response {
    private(render(
        StatusCode::OK,
        &FiledPage {
            tr,
            receipt: done.receipt.to_string(),
            how: tr.fill("portal.tip.receipt_how", &[("path", "/receipt")]),
            site: s.public_url.clone().unwrap_or_default(),
        },
    ))
}

/// The answer to a form sent again: never the receipt again, the receipt form instead.
pub(crate) fn already_submitted(tr: Tr) -> Response {
    receipt_page(
        tr,
        StatusCode::CONFLICT,
        tr.t("portal.tip.already_submitted").into(),
        String::new(),
    )
}

#[derive(Template)]
#[template(path = "portal_receipt.html")]
struct ReceiptPage {
    tr: Tr,
    message: String,
    error: String,
}

fn receipt_page(tr: Tr, status: StatusCode, message: String, error: String) -> Response {
    private(render(status, &ReceiptPage { tr, message, error }))
}

/// `GET /receipt`: the form.
pub(crate) async fn form(headers: HeaderMap) -> Response {
    receipt_page(
        visitor_locale(&headers),
        StatusCode::OK,
        String::new(),
        String::new(),
    )
}

/// The receipt form again, because the access ran out (or was never one).
fn expired(tr: Tr) -> Response {
    receipt_page(
        tr,
        StatusCode::FORBIDDEN,
        tr.t("portal.tip.expired").into(),
        String::new(),
    )
}

/// `POST /receipt`: check a receipt; the reporter's page, or the form again.
pub(crate) async fn check(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::input::Form(v): crate::input::Form<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    if !same_origin(&headers) {
        return receipt_page(
            tr,
            StatusCode::FORBIDDEN,
            tr.t("portal.form_expired").into(),
            String::new(),
        );
    }
    let started = Instant::now();
    let checked = s.services.portal_receipt_check(&get(&v, "receipt")).await;
    match checked {
        // Refused before any work: at once.
        Err(ServiceError::Invalid(_)) => {
            return receipt_page(
                tr,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr.t("portal.form_has_errors").into(),
                tr.t("portal.err.receipt_malformed").into(),
            )
        }
        Err(ServiceError::RateLimited { retry_after_secs }) => {
            let mut resp = receipt_page(
                tr,
                StatusCode::TOO_MANY_REQUESTS,
                tr.fill(
                    "portal.tip.check_limited",
                    &[("minutes", &((retry_after_secs + 59) / 60).to_string())],
                ),
                String::new(),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
        _ => {}
    }
    // Whatever the receipt, the answer takes the same time.
    tokio::time::sleep_until((started + MIN_ANSWER).into()).await;
    match checked {
        Ok(view) => tip_page(tr, view, TipExtras::default(), StatusCode::OK),
        Err(ServiceError::NotFound) => receipt_page(
            tr,
            StatusCode::NOT_FOUND,
            tr.t("portal.tip.check_unknown").into(),
            String::new(),
        ),
        Err(e) => super::error(tr, e),
    }
}

#[derive(Template)]
#[template(path = "portal_tip.html")]
struct TipPage {
    tr: Tr,
    access: String,
    form_id: String,
    number: String,
    subject: String,
    status_key: String,
    opened: String,
    page_note: String,
    messages: Vec<MessageView>,
    may_reply: bool,
    errors: HashMap<String, String>,
    message: String,
    notice: String,
    body: String,
    files_again: Vec<String>,
    files_rules: String,
}

impl TipPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

/// What the reporter's page shows besides the tip: a refused reply's errors and text, a notice.
#[derive(Default)]
struct TipExtras {
    errors: HashMap<String, String>,
    message: String,
    notice: String,
    body: String,
    files_again: Vec<String>,
}

fn tip_page(tr: Tr, view: TipView, x: TipExtras, status: StatusCode) -> Response {
    let t = view.tracked;
    private(render(
        status,
        &TipPage {
            tr,
            access: view.access,
            form_id: new_form_id(),
            number: t.case.number.to_string(),
            subject: t.case.subject.clone(),
            status_key: format!("status.{}", t.case.status.as_str()),
            opened: when(t.case.created_at),
            page_note: tr.fill(
                "portal.tip.page_note",
                &[(
                    "minutes",
                    &hqdesk_services::sealing::ACCESS_MINUTES.to_string(),
                )],
            ),
            may_reply: t.may_reply(),
            messages: messages_of(&t),
            errors: x.errors,
            message: x.message,
            notice: x.notice,
            body: x.body,
            files_again: x.files_again,
            files_rules: files_rules(tr),
        },
    ))
}

/// `POST /receipt/reply`: the reporter answers, with files, through the page's access.
pub(crate) async fn reply(
    State(s): State<AppState>,
    headers: HeaderMap,
    mut form: UploadForm,
) -> Response {
    let tr = visitor_locale(&headers);
    // The access and the text come before the files: a refused post is answered before a byte
    // of its files is read.
    let mut v = match form.fields_before_files().await {
        Ok(v) => v,
        Err(e) => return super::error(tr, e),
    };
    if !same_origin(&headers) {
        return expired(tr);
    }
    let access = get(&v, "access");
    if let Err(e) = s.services.portal_tip(&access).await {
        return match e {
            ServiceError::Unauthenticated => expired(tr),
            e => super::error(tr, e),
        };
    }
    let body = get(&v, "body");
    let mut files_again = Vec::new();
    let r = match form.files(&s.services, &mut v).await {
        Ok(files) => {
            files_again = file_names(&files);
            let form_id = v.get("form_id").cloned();
            s.services
                .portal_tip_reply(&access, &body, files, form_id.as_deref())
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(view) => tip_page(
            tr,
            view,
            TipExtras {
                notice: tr.t("portal.tip.reply_sent").into(),
                ..Default::default()
            },
            StatusCode::OK,
        ),
        Err(ServiceError::Unauthenticated) => expired(tr),
        Err(e) => {
            let (errors, message) = errors_of(tr, &e);
            match s.services.portal_tip(&access).await {
                Ok(view) => tip_page(
                    tr,
                    view,
                    TipExtras {
                        errors,
                        message,
                        body,
                        files_again,
                        ..Default::default()
                    },
                    status_of(&e),
                ),
                Err(ServiceError::Unauthenticated) => expired(tr),
                Err(e) => super::error(tr, e),
            }
        }
    }
}

/// `POST /receipt/files/{id}`: one file of the tip's conversation, through the page's access
/// (a form, so that the access never travels in an address).
pub(crate) async fn file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    crate::input::Form(v): crate::input::Form<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    if !same_origin(&headers) {
        return expired(tr);
    }
    match s
        .services
        .portal_tip_attachment(&get(&v, "access"), id)
        .await
    {
        Ok((a, bytes)) => private(crate::download(&a.filename, &a.content_type, bytes)),
        Err(ServiceError::Unauthenticated) => expired(tr),
        Err(e) => super::error(tr, e),
    }
}
