//! Guessing at sign-in (issue 14, items 9 and 10): the second factor locks after five wrong
//! codes however often the password is given again, and ends the half-signed sessions; the
//! answers never tell which user names exist or are locked; one address cannot lock a user out
//! for everyone.
use axum::http::StatusCode;
use hqdesk_services::session::totp_code;

use crate::browser::{serve, Browser};
use crate::console::{set_password, sign_in_password, PASSWORD};
use crate::console_session::enrol_second_factor;
use crate::support::{form_encode, Engine, TestApp};

/// A response as these tests look at it.
struct Answer {
    status: StatusCode,
    /// The session cookie set (`name=value`), if any.
    cookie: Option<String>,
    /// Whether the answer clears the session cookie.
    clears_cookie: bool,
    body: String,
    retry_after: Option<String>,
}

impl Answer {
    /// The message the sign-in or code page shows.
    fn message(&self) -> String {
        self.body
            .split("role=\"alert\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_default()
            .to_string()
    }
}

/// A form post through the router, in process, as if from `addr`.
async fn post_from(
    app: &TestApp,
    addr: &str,
    path: &str,
    body: &str,
    cookie: Option<&str>,
) -> Answer {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "hqdesk.test");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let mut req = req.body(axum::body::Body::from(body.to_string())).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(
        format!("{addr}:40000")
            .parse::<std::net::SocketAddr>()
            .unwrap(),
    ));
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let header = |k: &str| {
        resp.headers()
            .get_all(k)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let set_cookies = header("set-cookie");
    let cookie = set_cookies
        .iter()
        .find(|c| !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_string());
    let clears_cookie = set_cookies.iter().any(|c| c.contains("Max-Age=0"));
    let retry_after = header("retry-after").into_iter().next();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        cookie,
        clears_cookie,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        retry_after,
    }
}

async fn password(app: &TestApp, addr: &str, username: &str, password: &str) -> Answer {
    post_from(
        app,
        addr,
        "/console/login",
        &format!(
            "username={}&password={}",
            form_encode(username),
            form_encode(password)
        ),
        None,
    )
    .await
}

/// The CSRF token of a live session, read from the code page.
async fn csrf(app: &TestApp, cookie: &str) -> String {
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .uri("/console/login/2fa")
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "the code page of a live session"
    );
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes)
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

async fn code(app: &TestApp, addr: &str, cookie: &str, code: &str) -> Answer {
    let csrf = csrf(app, cookie).await;
    post_from(
        app,
        addr,
        "/console/login/2fa",
        &format!("csrf={csrf}&code={}", form_encode(code)),
        Some(cookie),
    )
    .await
}

/// Whether the session behind a cookie still exists.
async fn alive(app: &TestApp, cookie: &str) -> bool {
    let token = cookie.split_once('=').unwrap().1;
    app.services.session(token).await.unwrap().is_some()
}

/// Give `username` a password and an enrolled authenticator; returns (secret, recovery codes).
async fn with_second_factor(app: &TestApp, username: &str) -> (String, Vec<String>) {
    set_password(app, username).await;
    let enrolled = enrol_second_factor(app, "setup", username, PASSWORD).await;
    app.clock.advance_seconds(30);
    (enrolled.secret, enrolled.recovery_codes)
}

/// A six-digit code that is not the right one now.
fn wrong_code(secret: &str, app: &TestApp) -> String {
    let right = totp_code(secret, app.services.now()).unwrap();
    if right == "123456" {
        "654321"
    } else {
        "123456"
    }
    .to_string()
}

crate::both_engines!(
    the_sixth_code_is_refused_even_when_right_and_the_password_gives_no_new_guesses,
    |app| async move {
        let (secret, recovery) = with_second_factor(&app, "agent").await;
        let desk = "10.1.0.7";

        // Four wrong codes in a first half-signed session.
        let first = password(&app, desk, "agent", PASSWORD).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        let first = first.cookie.unwrap();
        for _ in 0..4 {
            let a = code(&app, desk, &first, &wrong_code(&secret, &app)).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.message());
        }
        // The right password again does not give new guesses: the fifth wrong code locks, and
        // every half-signed session of the user ends with it.
        let second = password(&app, desk, "agent", PASSWORD).await;
        assert_eq!(second.status, StatusCode::SEE_OTHER);
        let second = second.cookie.unwrap();
        let fifth = code(&app, desk, &second, &wrong_code(&secret, &app)).await;
        assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            fifth.clears_cookie,
            "the half-signed session's cookie is cleared"
        );
        assert!(fifth.message().contains("5 lần"), "{}", fifth.message());
        assert!(!alive(&app, &first).await && !alive(&app, &second).await);

        // The sixth code is refused unchecked though it is right, and so is a recovery code;
        // each refusal ends the session that tried it.
        let third = password(&app, desk, "agent", PASSWORD)
            .await
            .cookie
            .unwrap();
        let right = totp_code(&secret, app.services.now()).unwrap();
        let sixth = code(&app, desk, &third, &right).await;
        assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(sixth.retry_after.is_some());
        assert!(!alive(&app, &third).await);
        let fourth = password(&app, desk, "agent", PASSWORD)
            .await
            .cookie
            .unwrap();
        let with_recovery = code(&app, desk, &fourth, &recovery[0]).await;
        assert_eq!(with_recovery.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(!alive(&app, &fourth).await);
        assert_eq!(
            app.count_rows("sessions WHERE stage = 'password'").await,
            0,
            "no half-signed session is left"
        );
        assert_eq!(
            app.count_rows("audit_log WHERE action = 'auth.second_factor_failed'")
                .await,
            5,
            "only five codes were ever checked"
        );

        // The lock ends with its window; then the right code (and later a recovery code) work.
        app.clock.advance_seconds(16 * 60);
        let fifth_session = password(&app, desk, "agent", PASSWORD)
            .await
            .cookie
            .unwrap();
        let ok = code(
            &app,
            desk,
            &fifth_session,
            &totp_code(&secret, app.services.now()).unwrap(),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.message());
        let sixth_session = password(&app, desk, "agent", PASSWORD)
            .await
            .cookie
            .unwrap();
        let ok = code(&app, desk, &sixth_session, &recovery[0]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.message());
    }
);

crate::both_engines!(
    codes_sent_all_at_once_are_counted_before_they_are_checked,
    |app| async move {
        let (secret, _) = with_second_factor(&app, "agent").await;
        let session = password(&app, "10.1.0.8", "agent", PASSWORD)
            .await
            .cookie
            .unwrap();
        let csrf = csrf(&app, &session).await;
        // Forty guesses at once, each from its own address (no address limit helps here).
        let wrong = wrong_code(&secret, &app);
        let guesses = (0..40).map(|i| {
            let (app, session, csrf, wrong) = (&app, &session, &csrf, &wrong);
            async move {
                post_from(
                    app,
                    &format!("10.2.0.{i}"),
                    "/console/login/2fa",
                    &format!("csrf={csrf}&code={wrong}"),
                    Some(session),
                )
                .await
                .status
            }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        assert_eq!(
            app.count_rows("audit_log WHERE action = 'auth.second_factor'")
                .await,
            0,
            "no guess got through: {statuses:?}"
        );
        assert_eq!(
            app.count_rows("audit_log WHERE action = 'auth.second_factor_failed'")
                .await,
            5,
            "only the first five were checked: {statuses:?}"
        );
        let again = password(&app, "10.1.0.8", "agent", PASSWORD)
            .await
            .cookie
            .unwrap();
        let right = totp_code(&secret, app.services.now()).unwrap();
        assert_eq!(
            code(&app, "10.1.0.8", &again, &right).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
);

crate::both_engines!(
    unknown_wrong_and_locked_names_get_one_answer_and_one_address_cannot_lock_a_user_out,
    |app| async move {
        set_password(&app, "agent").await;
        let attacker = "203.0.113.66";
        let desk = "10.1.0.7";

        // Five wrong passwords for a real name and for a name that does not exist: the same
        // status and the same words every time.
        let mut messages = std::collections::BTreeSet::new();
        for name in ["agent", "nobody"] {
            for _ in 0..5 {
                let a = password(&app, attacker, name, "một mật khẩu sai 123").await;
                assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{name}");
                messages.insert(a.message());
            }
        }
        // Both names are now refused from that address, even with the right password, in the
        // same words: the answer does not say that "agent" exists or is locked.
        let locked = password(&app, attacker, "agent", PASSWORD).await;
        assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
        assert!(locked.cookie.is_none());
        messages.insert(locked.message());
        let unknown = password(&app, attacker, "nobody", PASSWORD).await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        messages.insert(unknown.message());
        assert_eq!(messages.len(), 1, "one message for all: {messages:?}");
        assert!(messages
            .first()
            .unwrap()
            .starts_with("Sai tên đăng nhập hoặc mật khẩu"));

        // The user signs in from their own desk all the same.
        let own = password(&app, desk, "agent", PASSWORD).await;
        assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.message());

        // The attacker's address runs out of attempts (twenty failures): everything from it is
        // refused for a while, whatever the name; the user's desk is not affected.
        let mut throttled = None;
        for i in 0..20 {
            let a = password(&app, attacker, &format!("name{i}"), "một mật khẩu sai 123").await;
            if a.status == StatusCode::TOO_MANY_REQUESTS {
                throttled = Some(a);
                break;
            }
            assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        }
        let throttled = throttled.expect("the address is throttled");
        assert!(throttled.retry_after.is_some());
        assert!(
            throttled.message().contains("địa chỉ mạng này"),
            "{}",
            throttled.message()
        );
        assert_eq!(
            password(&app, desk, "agent", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );

        // Guesses from several addresses together (a distributed attack) do lock the user, for
        // a window: twenty wrong passwords from four addresses.
        for n in 1..=3 {
            for _ in 0..5 {
                let a =
                    password(&app, &format!("198.51.100.{n}"), "agent", "sai sai sai 123").await;
                assert_eq!(a.status, StatusCode::UNAUTHORIZED);
            }
        }
        let refused = password(&app, desk, "agent", PASSWORD).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(refused.message(), *messages.first().unwrap());
        app.clock.advance_seconds(16 * 60);
        assert_eq!(
            password(&app, desk, "agent", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
);

/// The same lock as a person meets it in the console.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_browser_five_wrong_codes_end_the_sign_in_and_the_right_code_is_refused() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let (secret, _) = with_second_factor(&app, "agent").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("form#totp", 10).await;
    for _ in 0..4 {
        b.fill("#code", &wrong_code(&secret, &app)).await;
        b.click("form#totp button[type=submit]").await;
        b.wait_for_text(".error", "Mã không đúng", 10).await;
    }
    b.fill("#code", &wrong_code(&secret, &app)).await;
    b.click("form#totp button[type=submit]").await;
    b.wait_for("form#login", 10).await;
    b.wait_for_text(".error", "5 lần", 10).await;
    b.screenshot("console-2fa-locked").await;
    // The half-signed session is over: its code page sends back to the password.
    b.goto(&format!("{base}/console/login/2fa")).await;
    b.wait_for("form#login", 10).await;
    // The password again, then the right code: refused all the same.
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("form#totp", 10).await;
    b.fill("#code", &totp_code(&secret, app.services.now()).unwrap())
        .await;
    b.click("form#totp button[type=submit]").await;
    b.wait_for("form#login", 10).await;
    b.wait_for_text(".error", "5 lần", 10).await;
    b.goto(&format!("{base}/console")).await;
    b.wait_for("form#login", 10).await;
    b.close().await;
}
