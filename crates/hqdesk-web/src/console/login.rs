//! Signing in: password, second factor, enrolment in the second factor, signing out.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_domain::Timestamp;
use hqdesk_services::session::{SignInError, Stage};
use serde::Deserialize;

use super::enrolled;
use super::session::{clear_cookie, session_cookie, Pending};
use super::views::{EnrolPage, LoginPage, TotpPage};
use super::{error_page, service_error};
use crate::client_addr::ClientAddr;
use crate::csrf::{same_origin, token_in_csrf_field, CsrfForm};
use crate::html::{render, when};
use crate::i18n::{Locale, Tr};
use crate::input::Form;
use crate::state::AppState;

/// Before sign-in the console speaks Vietnamese unless the visitor picked English (`?lang=en`);
/// after sign-in, the user's own setting decides.
fn pre_sign_in_locale(lang: Option<&str>) -> Tr {
    Tr(Locale::parse(lang.unwrap_or("vi")))
}

pub(crate) async fn login_form(Query(q): Query<HashMap<String, String>>) -> Response {
    let tr = pre_sign_in_locale(q.get("lang").map(String::as_str));
    let message = if q.contains_key("key") {
        tr.t("login.key_lost").to_string()
    } else if q.contains_key("expired") {
        tr.t("login.expired").to_string()
    } else {
        String::new()
    };
    render(
        StatusCode::OK,
        &LoginPage {
            tr,
            message,
            username: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    lang: Option<String>,
}

pub(crate) async fn login(
    State(s): State<AppState>,
    source: ClientAddr,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let tr = pre_sign_in_locale(f.lang.as_deref());
    if !same_origin(&headers) {
        return error_page(tr, StatusCode::FORBIDDEN, tr.t("error.csrf").into());
    }
    match s
        .services
        .sign_in(&source.key(), &f.username, &f.password)
        .await
    {
        Ok(Ok(signed)) => {
            let to = match signed.stage {
                Stage::SecondFactor => "/console/login/2fa",
                Stage::MustEnrol => "/console/account/2fa",
                Stage::Full => "/console",
            };
            ([session_cookie(&signed.token, &headers)], Redirect::to(to)).into_response()
        }
        Ok(Err(e)) => sign_in_refused(tr, s.services.now(), e, f.username),
        Err(e) => service_error(tr, e),
    }
}

/// The sign-in page again, saying why. Wrong and unknown names and locked names get one
/// message (401); only what concerns the visitor's address or their own second factor says
/// until when (429, with `Retry-After`).
fn sign_in_refused(tr: Tr, now: Timestamp, e: SignInError, username: String) -> Response {
    let (status, message, until) = match e {
        SignInError::AddressThrottled(until) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} {}.", tr.t("signin.address_throttled"), when(until)),
            Some(until),
        ),
        SignInError::CodesLocked(until) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} {}.", tr.t("signin.codes_locked"), when(until)),
            Some(until),
        ),
        SignInError::BadCredentials | SignInError::BadCode => (
            StatusCode::UNAUTHORIZED,
            tr.t("login.bad").to_string(),
            None,
        ),
    };
    let mut resp = render(
        status,
        &LoginPage {
            tr,
            message,
            username,
        },
    );
    if let Some(until) = until {
        let secs = ((until.millis() - now.millis() + 999) / 1000).max(1);
        if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
    }
    resp
}

pub(crate) async fn totp_form(p: Pending) -> Response {
    render(
        StatusCode::OK,
        &TotpPage {
            tr: p.tr,
            csrf: p.session.csrf.clone(),
            message: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    csrf: String,
    code: String,
}
token_in_csrf_field!(CodeForm);

pub(crate) async fn totp(
    State(s): State<AppState>,
    source: ClientAddr,
    p: Pending,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    match s
        .services
        .second_factor(&source.key(), &p.session, &f.code)
        .await
    {
        Ok(Ok(())) => Redirect::to("/console").into_response(),
        // The half-signed session has ended: back to the password, saying until when.
        Ok(Err(e @ SignInError::CodesLocked(_))) => {
            let mut resp = sign_in_refused(p.tr, s.services.now(), e, String::new());
            let (k, v) = clear_cookie();
            if let Ok(v) = axum::http::HeaderValue::from_str(&v) {
                resp.headers_mut().append(k, v);
            }
            resp
        }
        Ok(Err(e)) => {
            let (status, message) = match e {
                SignInError::AddressThrottled(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{} {}.", p.tr.t("signin.address_throttled"), when(until)),
                ),
                _ => (StatusCode::UNAUTHORIZED, p.tr.t("totp.bad").to_string()),
            };
            render(
                status,
                &TotpPage {
                    tr: p.tr,
                    csrf: p.session.csrf.clone(),
                    message,
                },
            )
        }
        Err(e) => service_error(p.tr, e),
    }
}

pub(crate) async fn logout(
    State(s): State<AppState>,
    p: Pending,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    let _ = s.services.sign_out(&p.session).await;
    ([clear_cookie()], Redirect::to("/console/login")).into_response()
}

async fn enrol_page(s: &AppState, p: &Pending, message: String) -> Response {
    match s.services.begin_totp_enrolment(&p.session.actor).await {
        Ok((url, secret)) => {
            let qr_svg = qrcode::QrCode::new(url.as_bytes())
                .map(|code| {
                    code.render::<qrcode::render::svg::Color>()
                        .min_dimensions(200, 200)
                        .build()
                })
                .unwrap_or_default();
            render(
                StatusCode::OK,
                &EnrolPage {
                    tr: p.tr,
                    csrf: p.session.csrf.clone(),
                    message,
                    required: p.session.stage == Stage::MustEnrol,
                    qr_svg,
                    secret,
                    recovery_codes: vec![],
                },
            )
        }
        Err(e) => service_error(p.tr, e),
    }
}

pub(crate) async fn enrol_form(State(s): State<AppState>, p: Pending) -> Response {
    if p.session.stage == Stage::SecondFactor {
        return Redirect::to("/console/login/2fa").into_response();
    }
    enrol_page(&s, &p, String::new()).await
}

pub(crate) async fn enrol(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    p: Pending,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    if p.session.stage == Stage::SecondFactor {
        return Redirect::to("/console/login/2fa").into_response();
    }
    match s.services.confirm_totp_enrolment(&p.session, &f.code).await {
        Ok(Ok(codes)) => enrolled::redirect(&codes, &headers),
        Ok(Err(_)) => enrol_page(&s, &p, p.tr.t("totp.bad").into()).await,
        Err(e) => service_error(p.tr, e),
    }
}
