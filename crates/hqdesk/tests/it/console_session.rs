//! Console sessions for in-process tests: a user signed in with every step their role needs
//! (password, and an enrolled second factor for investigators, supervisors and admins), and
//! requests sent with their cookie through the real router.
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hqdesk_services::session::{totp_code, SessionInfo};
use tower::ServiceExt;

use crate::console::{set_password, PASSWORD};
use crate::support::TestApp;

/// A signed-in console session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cookie token (what the browser holds).
    pub token: String,
    /// Its CSRF token, for forms.
    pub csrf: String,
}

impl Session {
    pub fn cookie(&self) -> String {
        format!("hqdesk_session={}", self.token)
    }
}

/// Sign `username` in fully through the console's own forms: password, then a second factor
/// enrolled the first time their role needs one, or a code from it on a later sign-in (the
/// clock moves on 30 seconds then, as a code is accepted once).
pub async fn sign_in(app: &TestApp, username: &str) -> Session {
    set_password(app, username).await;
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::post("/console/login")
                .header("host", "hqdesk.test")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(
                    serde_urlencoded::to_string([("username", username), ("password", PASSWORD)])
                        .unwrap(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
    let token = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("hqdesk_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    let mut session = Session {
        token,
        csrf: String::new(),
    };
    let next = resp.headers()["location"].to_str().unwrap().to_string();
    if next == "/console/login/2fa" {
        app.clock.advance_seconds(30);
        let page = request(app, &session, "GET", &next, &[]).await;
        session.csrf = field(&page.body, "name=\"csrf\" value=\"");
        let secret = app
            .services
            .totp_secret_of(username)
            .await
            .unwrap()
            .unwrap();
        let code = totp_code(&secret, app.services.now()).unwrap();
        let a = request(app, &session, "POST", &next, &[("code", &code)]).await;
        assert_eq!(
            a.status,
            StatusCode::SEE_OTHER,
            "{username}'s code: {}",
            a.body
        );
    } else if next == "/console/account/2fa" {
        let page = request(app, &session, "GET", &next, &[]).await;
        session.csrf = field(&page.body, "name=\"csrf\" value=\"");
        let secret = field(&page.body, "id=\"totp-secret\">");
        let code = totp_code(&secret, app.services.now()).unwrap();
        let a = request(app, &session, "POST", &next, &[("code", &code)]).await;
        // Enrolled: redirected to the page that shows the recovery codes once.
        assert_eq!(
            (a.status, a.location.as_str()),
            (StatusCode::SEE_OTHER, "/console/account/2fa/codes"),
            "{username} enrols: {}",
            a.body
        );
    }
    let account = request(app, &session, "GET", "/console/account", &[]).await;
    assert_eq!(
        account.status,
        StatusCode::OK,
        "{username} is fully signed in"
    );
    session.csrf = field(&account.body, "name=\"csrf\" value=\"");
    session
}

/// A session signed in through the services (not the console's pages), with an authenticator
/// enrolled on it.
pub struct Enrolled {
    /// The session's token (what the console's cookie holds).
    pub token: String,
    pub session: SessionInfo,
    /// The authenticator's secret, to compute later codes from.
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Sign `username` in with `password` from `source` and enrol an authenticator, as the console's
/// enrolment does.
pub async fn enrol_second_factor(
    app: &TestApp,
    source: &str,
    username: &str,
    password: &str,
) -> Enrolled {
    let signed = app
        .services
        .sign_in(source, username, password)
        .await
        .unwrap()
        .unwrap();
    let session = app.services.session(&signed.token).await.unwrap().unwrap();
    let (_, secret) = app
        .services
        .begin_totp_enrolment(&session.actor)
        .await
        .unwrap();
    let code = totp_code(&secret, app.services.now()).unwrap();
    let recovery_codes = app
        .services
        .confirm_totp_enrolment(&session, &code)
        .await
        .unwrap()
        .unwrap();
    Enrolled {
        token: signed.token,
        session,
        secret,
        recovery_codes,
    }
}

/// The text after `marker` up to the next `"` or `<`.
fn field(html: &str, marker: &str) -> String {
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))
        + marker.len();
    html[i..]
        .chars()
        .take_while(|c| *c != '"' && *c != '<')
        .collect()
}

/// An answer: status, `Location` and body.
pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

/// Send a console request: GET without a body, POST with a form (`csrf` added).
pub async fn request(
    app: &TestApp,
    session: &Session,
    method: &str,
    path: &str,
    form: &[(&str, &str)],
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "hqdesk.test")
        .header("cookie", session.cookie());
    let body = if method == "GET" {
        Body::empty()
    } else {
        let mut fields = vec![("csrf", session.csrf.as_str())];
        fields.extend_from_slice(form);
        req = req.header("content-type", "application/x-www-form-urlencoded");
        Body::from(serde_urlencoded::to_string(&fields).unwrap())
    };
    let resp = app
        .router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), 20 << 20)
        .await
        .unwrap();
    Answer {
        status,
        location,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A generic-CTI event from the telephone system (form-encoded, with the hotline's token).
pub async fn cti(app: &TestApp, form: &str) -> StatusCode {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/cti/{}", app.token("hotline")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    app.router.clone().oneshot(req).await.unwrap().status()
}

/// Rows of `SELECT COUNT(*) … WHERE …` straight from the database.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}
