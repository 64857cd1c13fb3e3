//! The agent console in a real headless Chromium: sign-in with two factors, queues, a case from
//! reply to resolution, search, role isolation and live updates. Every page is captured as a
//! screenshot under the test output folder for review.
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::session::totp_code;
use hqdesk_services::{Actor, Services};
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::support::{form_encode, Engine, TestApp};

pub(crate) const PASSWORD: &str = "mật khẩu thật dài 2026";

pub(crate) async fn set_password(app: &TestApp, username: &str) {
    app.services
        .update_user(
            &Actor::Cli,
            username,
            UpdateUser {
                password: Some(PASSWORD.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

pub(crate) async fn sign_in_password(b: &Browser, base: &str, username: &str) {
    b.goto(&format!("{base}/console/login")).await;
    b.wait_for("form#login", 10).await;
    b.fill("#username", username).await;
    b.fill("#password", PASSWORD).await;
    b.click("form#login button[type=submit]").await;
}

/// Enrol an authenticator through the UI (reading the key shown on the page) and return it.
async fn enrol(b: &Browser, app: &TestApp, shot: &str) -> String {
    b.wait_for("#totp-secret", 10).await;
    b.screenshot(shot).await;
    let secret = confirm_enrolment(b, &app.services).await;
    b.screenshot(&format!("{shot}-recovery-codes")).await;
    secret
}

/// On the enrolment page: read the key shown, send its current code, wait for the recovery
/// codes; returns the key.
pub(crate) async fn confirm_enrolment(b: &Browser, services: &Services) -> String {
    b.wait_for("#totp-secret", 10).await;
    let secret = b.text("#totp-secret").await;
    b.fill("#code", &totp_code(&secret, services.now()).unwrap())
        .await;
    b.click("form#enrol button[type=submit]").await;
    b.wait_for("#recovery-codes li", 10).await;
    secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_signs_in_with_2fa_replies_resolves_searches_and_cannot_reach_a_denunciation() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "agent").await;
    let case = app.open("hotline", json!({"kind":"inquiry","branch":2,"channel":"phone","subject":"Hải quan điện tử: không ký số được tờ khai",
        "body":"Doanh nghiệp báo lỗi chữ ký số khi gửi tờ khai IDA.","requester":{"name":"Công ty TNHH Tân Phát","phone":"0912345678","tax_code":"0100233488"}})).await;
    let earlier = app.open("agent", json!({"kind":"inquiry","subject":"Hỏi thủ tục hoàn thuế","requester":{"phone":"0912 345 678"}})).await;
    let secret_case = app.open("hotline", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác buôn lậu thuốc lá tại Móng Cái","body":"Bí mật."})).await;
    let admin = app
        .services
        .authenticate_token(app.token("admin"))
        .await
        .unwrap();
    app.services.add_canned(&admin, "Hướng dẫn cài lại chữ ký số", "Kính gửi {{requester.name}}, về yêu cầu {{case.number}}: vui lòng cài lại chứng thư số.").await.unwrap();
    let base = serve(app.router.clone()).await;

    // A wrong password says so and keeps the username.
    b.goto(&format!("{base}/console/login")).await;
    b.screenshot("console-login").await;
    b.fill("#username", "agent").await;
    b.fill("#password", "not the password").await;
    b.click("form#login button[type=submit]").await;
    b.wait_for_text(".error", "Sai tên đăng nhập", 10).await;

    // First sign-in: set up the authenticator from the account page.
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    b.goto(&format!("{base}/console/account/2fa")).await;
    let secret = enrol(&b, &app, "console-2fa-enrol").await;
    b.click("#sign-out").await;
    b.wait_for("form#login", 10).await;

    // Second sign-in asks for a code; the code just used is refused (a code works once).
    app.clock.advance_seconds(5);
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("form#totp", 10).await;
    b.screenshot("console-2fa").await;
    b.fill("#code", &totp_code(&secret, app.services.now()).unwrap())
        .await;
    b.click("form#totp button[type=submit]").await;
    b.wait_for_text(".error", "đã được dùng", 10).await;
    app.clock.advance_seconds(30);
    b.fill("#code", &totp_code(&secret, app.services.now()).unwrap())
        .await;
    b.click("form#totp button[type=submit]").await;

    // The unassigned branch-2 queue lists the case.
    b.wait_for("table#queue", 10).await;
    b.click("#nav-unassigned_2").await;
    b.wait_for(&format!("tr[data-case=\"{case}\"]"), 10).await;
    b.screenshot("console-queue-unassigned-2").await;

    // Keyboard: j selects the first row, Enter opens it.
    b.press_key("j").await;
    b.press_key("Enter").await;
    b.wait_for_text("#case-subject", "Hải quan điện tử", 10)
        .await;
    assert!(b.current_path().await.ends_with(&case), "opened {case}");
    b.wait_for_text("#requester", "0100233488", 10).await;
    b.wait_for_text("#requester", &earlier, 10).await;
    b.screenshot("console-case").await;

    // Reply; it is on the timeline.
    b.fill(
        "#reply-body",
        "Kính gửi Quý Doanh nghiệp, vui lòng cài lại chứng thư số và thử lại.",
    )
    .await;
    b.click("form#reply button[type=submit]").await;
    b.wait_for_text("#timeline", "vui lòng cài lại chứng thư số", 10)
        .await;
    b.wait_for_text("#case-status", "Đang xử lý", 10).await;

    // An internal note with a screenshot attached.
    let file =
        std::env::temp_dir().join(format!("loi-ky-so-{}.png", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, b"\x89PNG\r\n\x1a\nscreenshot of the error").unwrap();
    b.fill("#note-body", "Ảnh chụp lỗi doanh nghiệp gửi qua Zalo.")
        .await;
    b.client
        .find(fantoccini::Locator::Css("#note-files"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.click("form#note button[type=submit]").await;
    b.wait_for_text("#timeline .attachments", "loi-ky-so-", 10)
        .await;
    let _ = std::fs::remove_file(&file);
    assert_eq!(app.count_rows("attachments").await, 1);

    // Resolve with the keyboard shortcut.
    b.click("#case-subject").await;
    b.press_key("e").await;
    b.wait_for_text("#case-status", "Đã giải quyết", 10).await;
    b.screenshot("console-case-resolved").await;
    let (_, api) = app.get("agent", &format!("/api/v1/cases/{case}")).await;
    assert_eq!(api["status"], "resolved");

    // Search without diacritics finds the subject with them.
    b.fill("#q", "hai quan").await;
    b.click("form#search button[type=submit]").await;
    b.wait_for(&format!("tr[data-case=\"{case}\"]"), 10).await;
    b.screenshot("console-search").await;

    // A denunciation is not there for an agent, even by URL.
    b.goto(&format!("{base}/console/cases/{secret_case}")).await;
    b.wait_for("#error-title", 10).await;
    let page = b.client.source().await.unwrap();
    assert!(
        !page.contains("buôn lậu"),
        "nothing of the denunciation reaches the page"
    );
    b.screenshot("console-not-found").await;
    b.click("#main a").await;
    b.fill("#q", "buon lau").await;
    b.press_key("Enter").await;
    b.wait_for("#queue-total", 10).await;
    assert_eq!(b.text("#queue-total").await, "0");

    // Account page, in English.
    b.goto(&format!("{base}/console/account")).await;
    b.wait_for("form#locale", 10).await;
    b.client
        .find(fantoccini::Locator::Css("#lang option[value=en]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.click("form#locale button[type=submit]").await;
    b.wait_for_text("h1", "Account", 10).await;
    b.screenshot("console-account-en").await;
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for_text("#queue-title", "All", 10).await;
    b.screenshot("console-queue-all-en").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_must_enrol_and_sees_a_new_case_appear_live() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "supervisor").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "supervisor").await;
    // Supervisors may not work without a second factor: enrolment comes first.
    b.wait_for("form#enrol", 10).await;
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for("form#enrol", 10).await;
    enrol(&b, &app, "console-2fa-enrol-required").await;
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for("table#queue", 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the event stream is open
    let number = app.open("hotline", json!({"kind":"procedure_problem","channel":"phone","subject":"Hàng kẹt tại cảng Cát Lái chưa được kiểm hóa","requester":{"phone":"0987654321"}})).await;
    b.wait_for(&format!("tr[data-case=\"{number}\"]"), 15).await;
    b.wait_for_text("#live-toast", &number, 5).await;
    b.screenshot("console-live-new-case").await;
    // A denunciation opened meanwhile does not reach the supervisor's screen.
    let secret = app
        .open(
            "hotline",
            json!({"kind":"denunciation","channel":"phone","subject":"Tố giác cán bộ nhận tiền"}),
        )
        .await;
    let visible = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi về C/O mẫu D","requester":{"phone":"0987654321"}})).await;
    b.wait_for(&format!("tr[data-case=\"{visible}\"]"), 15)
        .await;
    assert!(
        !b.client.source().await.unwrap().contains(&secret),
        "the denunciation never reaches a supervisor"
    );
    b.close().await;
}

/// The reply and note forms are multipart (they carry files).
async fn multipart_form(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
    origin: Option<&str>,
) -> (axum::http::StatusCode, Option<String>, String) {
    let boundary = "hqdesk-test-boundary";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    post_as(
        app,
        path,
        &format!("multipart/form-data; boundary={boundary}"),
        body,
        cookie,
        origin,
    )
    .await
}

/// A form post through the router, in process; returns status, Set-Cookie and body.
async fn form(
    app: &TestApp,
    path: &str,
    body: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> (axum::http::StatusCode, Option<String>, String) {
    post_as(
        app,
        path,
        "application/x-www-form-urlencoded",
        body.to_string(),
        cookie,
        origin,
    )
    .await
}

async fn post_as(
    app: &TestApp,
    path: &str,
    ctype: &str,
    body: String,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> (axum::http::StatusCode, Option<String>, String) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", ctype)
        .header("host", "hqdesk.test");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        set_cookie,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

crate::both_engines!(
    console_forms_need_the_csrf_token_sessions_expire_and_guessing_locks_out,
    |app| async move {
        set_password(&app, "agent").await;
        let case = app.open("agent", json!({"kind":"inquiry","subject":"Kiểm tra CSRF","requester":{"phone":"0912345678"}})).await;
        let (s, cookie, _) = form(
            &app,
            "/console/login",
            &format!("username=agent&password={}", form_encode(PASSWORD)),
            None,
            None,
        )
        .await;
        assert_eq!(s, axum::http::StatusCode::SEE_OTHER);
        let cookie = cookie.unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let cookie = cookie.split(';').next().unwrap().to_string();
        let (s, html) = app
            .send(
                "GET",
                &format!("/console/cases/{case}"),
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(s, axum::http::StatusCode::OK);
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();

        // Without the token, with a wrong one, or from another site: refused, nothing written.
        for (fields, origin) in [
            (vec![("body", "x")], None),
            (vec![("csrf", "00"), ("body", "x")], None),
            (
                vec![("csrf", csrf.as_str()), ("body", "x")],
                Some("https://evil.example"),
            ),
        ] {
            let (s, _, _) = multipart_form(
                &app,
                &format!("/console/cases/{case}/note"),
                &fields,
                Some(&cookie),
                origin,
            )
            .await;
            assert_eq!(s, axum::http::StatusCode::FORBIDDEN, "{fields:?}");
        }
        // A plain form post (not multipart) is refused with a clear status and writes nothing.
        let (s, _, _) = form(
            &app,
            &format!("/console/cases/{case}/note"),
            &format!("csrf={csrf}&body=x"),
            Some(&cookie),
            None,
        )
        .await;
        assert_eq!(s, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(
            app.count_rows("timeline_entries WHERE kind = 'note'").await,
            0
        );
        let (s, _, _) = multipart_form(
            &app,
            &format!("/console/cases/{case}/note"),
            &[("csrf", &csrf), ("body", "ghi chú")],
            Some(&cookie),
            Some("http://hqdesk.test"),
        )
        .await;
        assert_eq!(s, axum::http::StatusCode::SEE_OTHER);
        assert_eq!(
            app.count_rows("timeline_entries WHERE kind = 'note'").await,
            1
        );

        // Thirty-one idle minutes end the session.
        app.clock.advance_seconds(31 * 60);
        let (s, _) = app
            .send("GET", "/console", None, &[("cookie", &cookie)])
            .await;
        assert_eq!(
            s,
            axum::http::StatusCode::SEE_OTHER,
            "redirected to sign in"
        );

        // Five wrong passwords lock the name (from this address), even against the right
        // password, until the window ends; the answer is the one for a wrong password.
        for _ in 0..5 {
            let (s, _, _) = form(
                &app,
                "/console/login",
                "username=agent&password=wrong+password+123",
                None,
                None,
            )
            .await;
            assert_eq!(s, axum::http::StatusCode::UNAUTHORIZED);
        }
        let (s, _, body) = form(
            &app,
            "/console/login",
            &format!("username=agent&password={}", form_encode(PASSWORD)),
            None,
            None,
        )
        .await;
        assert_eq!(s, axum::http::StatusCode::UNAUTHORIZED);
        assert!(
            body.contains("Sai tên đăng nhập hoặc mật khẩu"),
            "the page does not say the name exists and is locked"
        );
        app.clock.advance_seconds(16 * 60);
        let (s, _, _) = form(
            &app,
            "/console/login",
            &format!("username=agent&password={}", form_encode(PASSWORD)),
            None,
            None,
        )
        .await;
        assert_eq!(s, axum::http::StatusCode::SEE_OTHER);
        // An unknown user gets the same answer as a wrong password.
        let (s, _, body) = form(
            &app,
            "/console/login",
            "username=nobody&password=whatever+long+enough",
            None,
            None,
        )
        .await;
        assert_eq!(s, axum::http::StatusCode::UNAUTHORIZED);
        assert!(body.contains("Sai tên đăng nhập hoặc mật khẩu"));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_manages_users_units_and_canned_responses_in_the_console() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "admin").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "admin").await;
    enrol(&b, &app, "console-admin-enrol").await;
    b.goto(&format!("{base}/console/admin")).await;
    b.wait_for("form#add-user", 10).await;
    // Investigators are appointed on the server: the form does not offer the role, and says so.
    let offered = b
        .client
        .execute(
            "return document.querySelector('form#add-user select[name=role] option[value=investigator]') !== null",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(offered, json!(false));
    b.wait_for_text("#confidential-roles", "hqdesk user role", 10)
        .await;
    b.fill("form#add-user input[name=username]", "hoa.tran")
        .await;
    b.fill("form#add-user input[name=display_name]", "Trần Thị Hoa")
        .await;
    b.fill("form#add-user input[name=password]", "short").await;
    b.client.execute("document.querySelector('form#add-user input[name=password]').removeAttribute('minlength')", vec![]).await.unwrap();
    b.click("form#add-user button[type=submit]").await;
    b.wait_for_text(".banner", "12", 10).await;
    b.fill("form#add-user input[name=username]", "hoa.tran")
        .await;
    b.fill("form#add-user input[name=display_name]", "Trần Thị Hoa")
        .await;
    b.fill("form#add-user input[name=password]", "một mật khẩu đủ dài")
        .await;
    b.click("form#add-user button[type=submit]").await;
    b.wait_for("tr[data-user=\"hoa.tran\"]", 10).await;
    b.fill("form#add-unit input[name=code]", "KV3").await;
    b.fill(
        "form#add-unit input[name=name]",
        "Chi cục Hải quan khu vực III",
    )
    .await;
    b.click("form#add-unit button[type=submit]").await;
    b.wait_for_text("#units", "Chi cục Hải quan khu vực III", 10)
        .await;
    b.fill("#canned-title", "Xác nhận đã nhận").await;
    b.fill(
        "#canned-body",
        "Kính gửi {{requester.name}}, chúng tôi đã nhận yêu cầu {{case.number}}.",
    )
    .await;
    b.click("form#add-canned button[type=submit]").await;
    b.wait_for_text("#canned-list", "Xác nhận đã nhận", 10)
        .await;
    b.screenshot("console-admin").await;
    let user = app
        .services
        .list_users(&Actor::Cli)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "hoa.tran")
        .unwrap();
    assert_eq!(user.display_name, "Trần Thị Hoa");
    b.close().await;
}

/// Every console page, filled with the demo data a newcomer sees, captured for review.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_every_console_page_with_demo_data() {
    let Some((url, _dir)) = crate::support::fresh_database(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let clock = std::sync::Arc::new(hqdesk_services::ManualClock::at(crate::support::T0));
    let services = hqdesk_services::Services::new(store, clock.clone());
    services.prepare().await.unwrap();
    hqdesk::demo::load(&services, 120).await.unwrap();
    for name in ["lan.nguyen", "admin"] {
        services
            .update_user(
                &Actor::Cli,
                name,
                UpdateUser {
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    struct Demo {
        services: hqdesk_services::Services,
        router: axum::Router,
    }
    let app = Demo {
        router: hqdesk_web::router(services.clone()),
        services,
    };
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "lan.nguyen").await;
    b.wait_for("table#queue", 10).await;
    for (queue, shot) in [
        ("unassigned_2", "demo-queue-unassigned-2"),
        ("mine", "demo-queue-mine"),
        ("unit", "demo-queue-unit"),
        ("waiting", "demo-queue-waiting"),
        ("overdue", "demo-queue-overdue"),
        ("all", "demo-queue-all"),
    ] {
        b.goto(&format!("{base}/console?queue={queue}")).await;
        b.wait_for("table#queue", 10).await;
        b.screenshot(shot).await;
    }
    b.goto(&format!("{base}/console?queue=all")).await;
    let first = b.wait_for("#queue tbody tr a.case-link", 10).await;
    first.click().await.unwrap();
    b.wait_for("#timeline", 10).await;
    b.screenshot("demo-case").await;
    b.goto(&format!("{base}/console?q=vnaccs")).await;
    b.wait_for("table#queue", 10).await;
    b.screenshot("demo-search-vnaccs").await;
    b.goto(&format!("{base}/console/account")).await;
    b.wait_for("form#locale", 10).await;
    b.screenshot("demo-account").await;
    b.click("#sign-out").await;
    b.wait_for("form#login", 10).await;
    sign_in_password(&b, &base, "admin").await;
    confirm_enrolment(&b, &app.services).await;
    b.goto(&format!("{base}/console/admin")).await;
    b.wait_for("form#add-user", 10).await;
    b.screenshot("demo-admin").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_sees_the_screen_pop_when_their_extension_answers_and_opens_a_case_from_the_call() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "agent").await;
    app.services
        .set_extension(&Actor::Cli, "agent", Some("101"))
        .await
        .unwrap();
    let earlier = app.open("agent", json!({"kind":"inquiry","subject":"Hỏi về khai báo tờ khai","requester":{"name":"Công ty TNHH Tân Phát","phone":"0912345678"}})).await;
    let hotline = app
        .services
        .authenticate_token(app.token("hotline"))
        .await
        .unwrap();
    app.services
        .flag_caller(&hotline, "0912345678", "Lời lẽ xúc phạm cán bộ ngày 20/11")
        .await
        .unwrap();
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the event stream is open

    let token = app.token("hotline").to_string();
    let cti = |body: &str| {
        let router = app.router.clone();
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(format!("/api/v1/cti/{token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        async move {
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        }
    };
    assert!(
        cti("event=newCall&from=0912345678&to=19009299&direction=in&callId=pop-1&branch=2")
            .await
            .is_success()
    );
    assert!(
        cti("event=answer&from=0912345678&to=19009299&direction=in&callId=pop-1&user=101")
            .await
            .is_success()
    );
    b.wait_for_text("#screen-pop", "0912 345 678", 10).await;
    b.wait_for_text("#screen-pop", "Lời lẽ xúc phạm", 5).await;
    b.wait_for_text("#screen-pop", &earlier, 5).await;
    b.screenshot("console-screen-pop").await;
    b.click("#screen-pop-open").await;
    b.wait_for("form#new-case", 10).await;
    b.wait_for_text("#caller-flag", "hotline", 5).await;
    b.screenshot("console-call").await;
    b.fill("#new-subject", "Hỏi lại về tờ khai bị phân luồng đỏ")
        .await;
    b.fill("#new-body", "Doanh nghiệp gọi lại hỏi tiến độ kiểm hóa.")
        .await;
    b.click("form#new-case button[type=submit]").await;
    b.wait_for_text("#case-subject", "phân luồng đỏ", 10).await;
    b.wait_for_text("#timeline", "Cuộc gọi", 5).await;
    let number = b
        .current_path()
        .await
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (_, case) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
    assert_eq!(
        (
            case["channel"].as_str(),
            case["branch"].as_u64(),
            case["assignee"].as_str()
        ),
        (Some("phone"), Some(2), Some("agent"))
    );
    assert_eq!(case["requester"]["phone"], "+84912345678");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_wallboard_counts_the_day() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let hotline = app
        .services
        .authenticate_token(app.token("hotline"))
        .await
        .unwrap();
    use hqdesk_services::telephony::{CallEvent, CallEventKind};
    for (id, from, answered) in [
        ("w1", "0911000001", true),
        ("w2", "0911000002", false),
        ("w3", "0911000003", false),
    ] {
        let mut e = CallEvent::new(CallEventKind::Offered, id);
        e.from = Some(from.into());
        e.direction = Some("in".into());
        app.services.record_call_event(&hotline, e).await.unwrap();
        if answered {
            app.services
                .record_call_event(&hotline, CallEvent::new(CallEventKind::Answered, id))
                .await
                .unwrap();
        }
        let mut end = CallEvent::new(CallEventKind::Ended, id);
        end.cause = Some(if answered { "normalClearing" } else { "cancel" }.into());
        app.services.record_call_event(&hotline, end).await.unwrap();
    }
    let mut waiting = CallEvent::new(CallEventKind::Offered, "w4");
    waiting.from = Some("0911000004".into());
    waiting.branch = Some(1);
    app.services
        .record_call_event(&hotline, waiting)
        .await
        .unwrap();
    app.clock.advance_seconds(95);
    set_password(&app, "supervisor").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "supervisor").await;
    enrol(&b, &app, "console-wallboard-enrol").await;
    b.goto(&format!("{base}/console/wallboard")).await;
    b.wait_for("#wallboard", 10).await;
    for (id, want) in [
        ("#wall-waiting-1", "1"),
        ("#wall-waiting-2", "0"),
        ("#wall-answered", "1"),
        ("#wall-abandoned", "2"),
        ("#wall-callbacks", "2"),
        ("#wall-longest", "1:35"),
    ] {
        assert_eq!(b.text(id).await, want, "{id}");
    }
    b.screenshot("console-wallboard").await;
    // The figures follow the calls in place, without reloading the page (focus stays).
    let mut another = CallEvent::new(CallEventKind::Offered, "w5");
    another.from = Some("0911000005".into());
    another.branch = Some(1);
    app.services
        .record_call_event(&hotline, another)
        .await
        .unwrap();
    b.client
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    b.wait_for_text("#wall-waiting-1", "2", 15).await;
    let same_page = b
        .client
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same_page, serde_json::json!(true), "updated in place");
    b.close().await;
}

/// Waits for the next piece of a streamed body; false at its end.
async fn next_frame(body: &mut axum::body::Body) -> bool {
    use axum::body::HttpBody;
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx))
        .await
        .is_some()
}

crate::both_engines!(live_updates_end_with_the_session, |app| async move {
    use tower::ServiceExt;
    set_password(&app, "agent").await;
    let signed = app
        .services
        .sign_in("test", "agent", PASSWORD)
        .await
        .unwrap()
        .expect("signed in");
    let req = axum::http::Request::get("/console/events")
        .header("cookie", format!("hqdesk_session={}", signed.token))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), axum::http::StatusCode::OK);
    let mut body = resp.into_body();
    // While signed in, the stream stays open.
    assert!(
        tokio::time::timeout(
            std::time::Duration::from_millis(1500),
            next_frame(&mut body)
        )
        .await
        .is_err(),
        "the stream is open"
    );
    let session = app.services.session(&signed.token).await.unwrap().unwrap();
    app.services.sign_out(&session).await.unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while next_frame(&mut body).await {}
    })
    .await;
    assert!(ended.is_ok(), "signing out ends the live stream");
});

/// Agents work with many tabs. Each console tab listens for live updates, yet the browser keeps
/// one stream for all of them (a SharedWorker): with ten tabs open, a new tab still loads at once
/// and every tab still sees a new case appear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_console_tabs_share_one_live_stream() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "agent").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    let first = b.client.window().await.unwrap();
    for _ in 0..9 {
        let w = b.client.new_window(true).await.unwrap();
        b.client.switch_to_window(w.handle).await.unwrap();
        let started = std::time::Instant::now();
        b.goto(&format!("{base}/console?queue=all")).await;
        b.wait_for("table#queue", 10).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "a tab took {:?} to load",
            started.elapsed()
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the stream is open
    let number = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi về thủ tục tạm nhập tái xuất","requester":{"phone":"0987654321"}})).await;
    // The last tab and the first one both see it.
    b.wait_for(&format!("tr[data-case=\"{number}\"]"), 15).await;
    b.client.switch_to_window(first).await.unwrap();
    b.wait_for(&format!("tr[data-case=\"{number}\"]"), 15).await;
    b.close().await;
}
