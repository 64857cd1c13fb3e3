//! Console sessions: the cookie, the signed-in user, and what their forms' CSRF tokens are
//! checked against.
use axum::extract::FromRequestParts;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_services::session::{requires_second_factor, Lookup, SessionInfo, Stage};
use hqdesk_services::Actor;

use super::views::Me;
use crate::csrf::{same_origin, CsrfRejected, Expected};
use crate::i18n::{Locale, Tr};
use crate::state::AppState;

pub const COOKIE_NAME: &str = "hqdesk_session";

/// The session cookie: HttpOnly, SameSite=Lax, and Secure when the request came over TLS
/// (directly or through a proxy that says so).
pub fn session_cookie(token: &str, headers: &HeaderMap) -> (HeaderName, String) {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    (
        SET_COOKIE,
        format!(
            "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax{}",
            if secure { "; Secure" } else { "" }
        ),
    )
}

pub fn clear_cookie() -> (HeaderName, String) {
    (
        SET_COOKIE,
        format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    )
}

pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    crate::cookie::cookie(headers, COOKIE_NAME).filter(|v| !v.is_empty())
}

fn tr_for(actor: &Actor) -> Tr {
    match actor {
        Actor::User { user, .. } => Tr(Locale::parse(&user.locale)),
        _ => Tr(Locale::Vi),
    }
}

fn expected(tr: Tr, session: &SessionInfo, origin_ok: bool) -> Expected {
    Expected {
        tr,
        token: session.csrf.clone(),
        origin_ok,
    }
}

/// Any live session, whatever its stage (sign-in steps, sign-out).
pub struct Pending {
    pub session: SessionInfo,
    pub tr: Tr,
    origin_ok: bool,
}

impl Pending {
    /// What this session's forms are checked against.
    pub(crate) fn expected(&self) -> Expected {
        expected(self.tr, &self.session, self.origin_ok)
    }
}

impl FromRequestParts<AppState> for Pending {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(Redirect::to("/console/login").into_response());
        };
        match state.services.session_lookup(&token).await {
            Ok(Lookup::Alive(session)) => {
                let tr = tr_for(&session.actor);
                let pending = Pending {
                    session: *session,
                    tr,
                    origin_ok: same_origin(&parts.headers),
                };
                // For `CsrfForm`, which reads the body after this.
                parts.extensions.insert(pending.expected());
                Ok(pending)
            }
            Ok(Lookup::Ended) => {
                Err(([clear_cookie()], Redirect::to("/console/login?expired=1")).into_response())
            }
            // An investigator's sealed key did not open: the session has ended; their password
            // opens the key again at the next sign-in.
            Ok(Lookup::KeyLost) => {
                Err(([clear_cookie()], Redirect::to("/console/login?key=1")).into_response())
            }
            Err(e) => {
                tracing::warn!(error = %e, "session lookup");
                Err((StatusCode::SERVICE_UNAVAILABLE, "service unavailable").into_response())
            }
        }
    }
}

/// A fully signed-in console user.
pub struct Console {
    pub session: SessionInfo,
    pub tr: Tr,
    pub recommend_2fa: bool,
    /// The user's unread notifications, for the header.
    pub unread: i64,
    /// Identity requests waiting for a custodian (0 for every other role), for the header.
    pub pending_requests: i64,
    origin_ok: bool,
}

impl Console {
    pub fn actor(&self) -> Actor {
        self.session.actor.clone()
    }
    pub fn csrf(&self) -> String {
        self.session.csrf.clone()
    }
    pub fn me(&self) -> Me {
        match &self.session.actor {
            Actor::User { user, .. } => Me {
                display_name: user.display_name.clone(),
                role: user.role.as_str().into(),
                role_label: super::admin::role_label(self.tr, user.role.as_str()),
                unread: self.unread,
                pending_requests: self.pending_requests,
                notifications: if self.unread > 0 {
                    self.tr
                        .fill("escalation.nav_unread", &[("n", &self.unread.to_string())])
                } else {
                    self.tr.t("escalation.nav").to_string()
                },
                unread_label: self.tr.fill(
                    "escalation.nav_unread_label",
                    &[("n", &self.unread.to_string())],
                ),
            },
            _ => Me {
                display_name: String::new(),
                role: String::new(),
                role_label: String::new(),
                unread: 0,
                pending_requests: 0,
                notifications: String::new(),
                unread_label: String::new(),
            },
        }
    }
    /// For forms read by hand (files): [`CsrfForm`](crate::csrf::CsrfForm) checks the others.
    pub(crate) fn check_csrf(&self, token: &str) -> Result<(), CsrfRejected> {
        expected(self.tr, &self.session, self.origin_ok).check(token)
    }
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let p = Pending::from_request_parts(parts, state).await?;
        match p.session.stage {
            Stage::SecondFactor => Err(Redirect::to("/console/login/2fa").into_response()),
            Stage::MustEnrol => Err(Redirect::to("/console/account/2fa").into_response()),
            Stage::Full => {
                let recommend_2fa = match &p.session.actor {
                    Actor::User { user, .. } => {
                        !requires_second_factor(user.role)
                            && state
                                .services
                                .totp_secret_of(&user.username)
                                .await
                                .ok()
                                .flatten()
                                .is_none()
                    }
                    _ => false,
                };
                // A failure here must not take the page down: the header then shows no count.
                let unread = state
                    .services
                    .unread_notifications(&p.session.actor)
                    .await
                    .unwrap_or(0);
                let pending_requests =
                    if p.session.actor.role() == Some(hqdesk_domain::user::Role::Custodian) {
                        state
                            .services
                            .pending_identity_requests(&p.session.actor)
                            .await
                            .unwrap_or(0)
                    } else {
                        0
                    };
                Ok(Console {
                    session: p.session,
                    tr: p.tr,
                    recommend_2fa,
                    unread,
                    pending_requests,
                    origin_ok: p.origin_ok,
                })
            }
        }
    }
}
