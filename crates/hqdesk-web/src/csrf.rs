//! Forged form posts. Every post must come from this site ([`same_origin`]); a console form also
//! carries its session's token, checked by the [`CsrfForm`] extractor before the handler runs.
//! (The portal's anonymous forms tie their token to a cookie instead: `portal::request`.)
use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::console::session::Pending;
use crate::console::views::ErrorPage;
use crate::html::render;
use crate::i18n::Tr;
use crate::input::Form;
use crate::state::AppState;

/// A form post must come from this site: when the browser says where it came from, that must be
/// this host (defence in depth beside the CSRF token and SameSite).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin.split_once("://").map(|(_, h)| h) == Some(host)
}

/// Whether a posted token equals the expected one, in constant time.
pub(crate) fn tokens_match(expected: &str, got: &str) -> bool {
    expected.len() == got.len()
        && expected
            .bytes()
            .zip(got.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// What a console post is checked against: its session's token and language, and whether the
/// request came from this site. The session extractors leave it in the request's extensions.
#[derive(Clone)]
pub(crate) struct Expected {
    pub tr: Tr,
    pub token: String,
    pub origin_ok: bool,
}

impl Expected {
    pub fn check(&self, got: &str) -> Result<(), CsrfRejected> {
        if tokens_match(&self.token, got) && self.origin_ok {
            Ok(())
        } else {
            Err(CsrfRejected(self.tr))
        }
    }
}

/// A form post without the right CSRF token (or from another site): answered with 403.
pub(crate) struct CsrfRejected(Tr);

impl IntoResponse for CsrfRejected {
    fn into_response(self) -> Response {
        let tr = self.0;
        render(
            StatusCode::FORBIDDEN,
            &ErrorPage::new(tr, StatusCode::FORBIDDEN, tr.t("error.csrf").into(), None),
        )
    }
}

/// A form that carries the token it was served with.
pub(crate) trait CarriesToken {
    fn csrf(&self) -> &str;
}

/// A form read as name–value pairs: a missing token is a wrong one.
impl CarriesToken for HashMap<String, String> {
    fn csrf(&self) -> &str {
        self.get("csrf").map(String::as_str).unwrap_or("")
    }
}

/// Forms whose `csrf` field holds the token (a form without it is malformed, refused as such).
macro_rules! token_in_csrf_field {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::csrf::CarriesToken for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use token_in_csrf_field;

/// A console form ([`Form`]) whose token is the session's and which came from this site; else
/// the 403 page. Uses the session the `Console` or `Pending` extractor found before it.
pub(crate) struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + CarriesToken> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let expected = match parts.extensions.get::<Expected>() {
            Some(e) => e.clone(),
            None => Pending::from_request_parts(&mut parts, state)
                .await?
                .expected(),
        };
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state).await?;
        expected
            .check(form.csrf())
            .map_err(IntoResponse::into_response)?;
        Ok(CsrfForm(form))
    }
}
