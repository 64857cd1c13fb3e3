//! The confirmation after a portal form was accepted, shown by POST/redirect/GET: a reload
//! shows it again and files nothing.
//!
//! The page shows the private tracking link, which must never travel in an address (addresses
//! end up in logs, history and `Referer`). So the accepted form answers with a redirect to
//! `/submitted` and a short-lived cookie holding the tracking token: HttpOnly, SameSite=Strict,
//! sent only to this page. The page looks the case up by the token; a forged or stale cookie
//! finds nothing and leads back to the form.
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::portal::Submitted;
use hqdesk_services::ServiceError;

use super::{error, visitor_locale};
use crate::cookie::cookie;
use crate::html::{duration_words, render, when};
use crate::i18n::Tr;
use crate::state::AppState;

pub const PATH: &str = "/submitted";
const COOKIE: &str = "hqdesk_sent";
/// Long enough to reload or come back from the tracking page, short enough not to linger on a
/// shared computer.
const LIFETIME_SECS: u32 = 30 * 60;

/// The answer to an accepted form: to the confirmation page, the token in a cookie.
pub fn redirect(headers: &HeaderMap, done: &Submitted) -> Response {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    let cookie = format!(
        "{COOKIE}={}; Path={PATH}; Max-Age={LIFETIME_SECS}; HttpOnly; SameSite=Strict{}",
        done.tracking_token,
        if secure { "; Secure" } else { "" }
    );
    let mut resp = Redirect::to(PATH).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Template)]
#[template(path = "portal_submitted.html")]
struct SubmittedPage {
    tr: Tr,
    case_number: String,
    track_path: String,
    /// The tracking address in full, as it is copied, printed and typed again.
    track_url: String,
    suggestion: bool,
    subject: String,
    sent_at: String,
    /// When to expect an answer, in words; the time itself.
    expect: String,
    expect_at: String,
}

/// Where visitors reach this site: the configured public address, else the one this request
/// was made to (shown to this visitor only; mail never takes it from the request).
fn site_address(s: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &s.public_url {
        return u.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

pub async fn page(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let tr = visitor_locale(&headers);
    let Some(token) = cookie(&headers, COOKIE).filter(|t| !t.is_empty()) else {
        return Redirect::to("/request").into_response();
    };
    match s.services.portal_receipt(&token).await {
        Ok(r) => {
            let track_path = format!("/track/{token}");
            let (expect, expect_at) = match r.answer_due {
                Some(due) => {
                    let now = s.services.now();
                    let minutes = (due.millis() - now.millis()).max(0) / 60_000;
                    let at = when(due);
                    let span = duration_words(tr, minutes.unsigned_abs());
                    (
                        tr.fill(
                            "portal.receipt.expect_text",
                            &[("at", &at), ("span", &span)],
                        ),
                        at,
                    )
                }
                None => (
                    tr.t("portal.receipt.expect_none").to_string(),
                    String::new(),
                ),
            };
            let mut resp = render(
                StatusCode::OK,
                &SubmittedPage {
                    tr,
                    case_number: r.case_number,
                    track_url: format!("{}{track_path}", site_address(&s, &headers)),
                    track_path,
                    suggestion: r.suggestion,
                    subject: r.subject,
                    sent_at: when(r.opened),
                    expect,
                    expect_at,
                },
            );
            // The page holds the private link: never kept by a shared computer's browser, never
            // sent on to another site.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            resp
        }
        Err(ServiceError::NotFound) => Redirect::to("/request").into_response(),
        Err(e) => error(tr, e),
    }
}
