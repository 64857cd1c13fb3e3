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
use crate::html::render;
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
    suggestion: bool,
}

pub async fn page(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let tr = visitor_locale(&headers);
    let Some(token) = cookie(&headers, COOKIE).filter(|t| !t.is_empty()) else {
        return Redirect::to("/request").into_response();
    };
    match s.services.portal_receipt(&token).await {
        Ok(r) => {
            let mut resp = render(
                StatusCode::OK,
                &SubmittedPage {
                    tr,
                    case_number: r.case_number,
                    track_path: format!("/track/{token}"),
                    suggestion: r.suggestion,
                },
            );
            // The page holds the private link: never kept by a shared computer's browser.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(ServiceError::NotFound) => Redirect::to("/request").into_response(),
        Err(e) => error(tr, e),
    }
}
