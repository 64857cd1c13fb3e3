//! The recovery codes after two-factor enrolment, shown by POST/redirect/GET.
//!
//! The codes are stored only as hashes, so the page after the redirect cannot read them from the
//! database: the confirmed form hands them over in a cookie that is HttpOnly, SameSite=Strict,
//! sent only to this page, lives ten minutes at most and is cleared as the page shows them once.
//! A reload then leads to the account page instead of a second enrolment attempt.
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::Pending;
use super::views::EnrolPage;
use crate::html::render;

pub const PATH: &str = "/console/account/2fa/codes";
const COOKIE: &str = "hqdesk_recovery";
const LIFETIME_SECS: u32 = 10 * 60;

fn set_cookie(value: &str, max_age: u32, headers: &HeaderMap) -> Option<HeaderValue> {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={PATH}; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// The answer to a confirmed enrolment: to the page that shows the codes.
pub fn redirect(codes: &[String], headers: &HeaderMap) -> Response {
    let mut resp = Redirect::to(PATH).into_response();
    if let Some(c) = set_cookie(&codes.join("."), LIFETIME_SECS, headers) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// Recovery codes look like `3f9a1-0c7de`; anything else in the cookie is ignored.
fn codes_in(headers: &HeaderMap) -> Vec<String> {
    let Some(value) = crate::cookie::cookie(headers, COOKIE) else {
        return Vec::new();
    };
    let codes: Vec<String> = value.split('.').map(String::from).collect();
    let well_formed = |c: &String| {
        c.len() == 11
            && c.char_indices().all(|(i, ch)| {
                if i == 5 {
                    ch == '-'
                } else {
                    ch.is_ascii_hexdigit()
                }
            })
    };
    if codes.len() <= 20 && codes.iter().all(well_formed) {
        codes
    } else {
        Vec::new()
    }
}

pub async fn page(p: Pending, headers: HeaderMap) -> Response {
    let codes = codes_in(&headers);
    if codes.is_empty() {
        return Redirect::to("/console/account").into_response();
    }
    let mut resp = render(
        StatusCode::OK,
        &EnrolPage {
            tr: p.tr,
            csrf: p.session.csrf.clone(),
            message: String::new(),
            required: false,
            qr_svg: String::new(),
            secret: String::new(),
            recovery_codes: codes,
        },
    );
    // Shown once: the cookie goes with this answer, and no copy stays in a cache.
    if let Some(c) = set_cookie("", 0, &headers) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
