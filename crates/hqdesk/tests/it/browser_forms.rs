//! Forms that broke in a real browser (issue 14, items 20–22), in headless Chromium: "Take it"
//! on the case page, reloading the portal's confirmation, a refused portal form with a file,
//! and the account forms answering with a redirect.
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::console::{confirm_enrolment, set_password, sign_in_password, PASSWORD};
use crate::support::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_it_assigns_the_case_and_account_forms_redirect_after_success() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "agent").await;
    let case = app
        .open(
            "hotline",
            json!({"kind":"inquiry","branch":2,"channel":"phone","unit":"KV8",
                "subject":"Không nộp được thuế điện tử","requester":{"phone":"0912345678"}}),
        )
        .await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;

    // "Nhận xử lý": the case is the agent's; the unit stays.
    b.goto(&format!("{base}/console/cases/{case}")).await;
    b.wait_for_text("#case-assignee", "Chưa phân công", 10)
        .await;
    b.click("#assign-me").await;
    b.wait_for_text("#case-assignee", "agent", 10).await;
    assert_eq!(
        b.current_path().await,
        format!("/console/cases/{case}"),
        "answered with a redirect back to the case"
    );
    b.screenshot("console-case-taken").await;
    let (_, c) = app.get("agent", &format!("/api/v1/cases/{case}")).await;
    assert_eq!(
        (c["assignee"].as_str(), c["unit"].as_str()),
        (Some("agent"), Some("KV8"))
    );

    // Changing the password answers with a redirect: a reload posts nothing again.
    b.goto(&format!("{base}/console/account")).await;
    b.fill("#current", PASSWORD).await;
    b.fill("#new", "một mật khẩu mới đủ dài").await;
    b.click("form#password button[type=submit]").await;
    b.wait_for_text("section.card .banner", "Đã lưu", 10).await;
    assert_eq!(b.current_path().await, "/console/account?saved=password");
    b.client.refresh().await.unwrap();
    b.wait_for("form#password", 10).await;
    assert_eq!(b.current_path().await, "/console/account?saved=password");

    // Two-factor enrolment: the recovery codes after a redirect, shown once.
    b.goto(&format!("{base}/console/account/2fa")).await;
    confirm_enrolment(&b, &app.services).await;
    assert_eq!(b.current_path().await, "/console/account/2fa/codes");
    let codes = b.text("#recovery-codes").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    b.client.refresh().await.unwrap();
    b.wait_for("form#password", 10).await;
    assert_eq!(b.current_path().await, "/console/account", "shown once");
    assert!(
        !b.client
            .source()
            .await
            .unwrap()
            .contains(codes.lines().next().unwrap()),
        "the codes are not shown again"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_names_every_mistake_and_the_confirmation_survives_a_reload() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let base = serve(app.router.clone()).await;
    let file = crate::browser::test_output_dir().join("to-khai-loi.png");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"\x89PNG\r\n\x1a\n screenshot").unwrap();
    let file = file.to_str().unwrap().to_string();

    // Several mistakes at once, and a file: every mistake is marked in one round, and the page
    // says which file to attach again.
    b.goto(&format!("{base}/request?topic=vnaccs_error")).await;
    b.wait_for("form#request-form", 10).await;
    b.fill("#error_message", "E1234").await;
    b.fill("#description", "Không gửi được tờ khai.").await;
    b.fill("#tax_code", "0100231227").await;
    b.fill("#files", &file).await;
    b.click("#request-submit").await;
    b.wait_for("#subject-err", 10).await;
    b.wait_for("#tax_code-err", 10).await;
    b.wait_for("#email-err", 10).await;
    b.wait_for_text("#files-again", "to-khai-loi.png", 10).await;
    b.screenshot("portal-request-every-error-vi").await;
    assert_eq!(app.count_rows("cases").await, 0);

    // Put right, with the file attached again.
    b.fill("#subject", "Lỗi E1234 khi gửi tờ khai").await;
    b.fill("#tax_code", "0100231226").await;
    b.fill("#email", "lan.nguyen@hailong.vn").await;
    b.fill("#files", &file).await;
    b.click("#request-submit").await;
    b.wait_for("#case-number", 10).await;
    let number = b.text("#case-number").await;
    assert_eq!(
        b.current_path().await,
        "/submitted",
        "no secret in the address"
    );
    b.screenshot("portal-submitted-after-redirect-vi").await;

    // A reload shows the same confirmation and files nothing again.
    b.client.refresh().await.unwrap();
    b.wait_for_text("#case-number", &number, 10).await;
    assert_eq!(app.count_rows("cases").await, 1);
    assert_eq!(app.count_rows("attachments").await, 1);
    b.click("#track-link").await;
    b.wait_for_text("#track-number", &number, 10).await;
    b.wait_for("a[href*=\"/files/\"]", 10).await;
    b.close().await;
}
