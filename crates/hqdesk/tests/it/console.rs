//! The agent console in a real headless Chromium: sign-in with two factors, queues, a case from
//! reply to resolution, search, role isolation and live updates. Every page is captured as a
//! screenshot under the test output folder for review.
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::session::totp_code;
use hqdesk_services::Actor;
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::support::{Engine, TestApp};

const PASSWORD: &str = "mật khẩu thật dài 2026";

async fn set_password(app: &TestApp, username: &str) {
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

async fn sign_in_password(b: &Browser, base: &str, username: &str) {
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
    let secret = b.text("#totp-secret").await;
    b.fill("#code", &totp_code(&secret, app.services.now()).unwrap())
        .await;
    b.click("form#enrol button[type=submit]").await;
    b.wait_for("#recovery-codes li", 10).await;
    b.screenshot(&format!("{shot}-recovery-codes")).await;
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
