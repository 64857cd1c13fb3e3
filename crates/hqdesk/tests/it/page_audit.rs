//! Every page of the portal and the console, as a visitor and an administrator meet them, in
//! Vietnamese and in English, at 1366 px and at 390 px: each fits the screen without scrolling
//! sideways and axe-core finds no serious or critical accessibility violation on it. The
//! screenshots (`audit-*`) are the set a reviewer pages through.
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::console::{confirm_enrolment, set_password, sign_in_password};
use crate::support::{Engine, TestApp};

/// The check itself can fail: a page with an unlabelled image and a too-wide box is caught.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_catches_a_missing_alt_text_and_a_page_wider_than_a_phone() {
    use axum::response::IntoResponse;
    let page = r#"<!doctype html><html lang="vi"><head><title>Thử</title></head><body><main>
        <h1>Trang thử</h1><img src="/x.png"><div style="width:900px">rộng</div></main></body></html>"#;
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move {
            (
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                page,
            )
                .into_response()
        }),
    );
    let base = serve(router).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.goto(&format!("{base}/")).await;
    b.wait_for("h1", 10).await;
    if std::env::var_os("HQDESK_AXE_JS").is_some() {
        let found = b.axe_violations().await;
        assert!(
            found.iter().any(|v| v.starts_with("image-alt ")),
            "axe-core reports the image without alt text: {found:?}"
        );
    } else {
        eprintln!("SKIPPED (accessibility part): HQDESK_AXE_JS is not set");
    }
    b.set_width(390).await;
    assert!(
        b.horizontal_overflow().await > 400,
        "a 900 px box overflows a 390 px screen"
    );
    b.set_width(1366).await;
    assert_eq!(b.horizontal_overflow().await, 0);
    b.close().await;
}

/// The public portal, every page a visitor can reach, in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_portal_page_fits_a_phone_and_passes_axe_in_both_languages() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    hqdesk::kb::import(&app.services, None).await.unwrap();
    let base = serve(app.router.clone()).await;

    for lang in ["vi", "en"] {
        b.goto(&format!("{base}/lang/{lang}")).await;
        let pages = [
            ("portal-home", "/"),
            ("portal-kb", "/kb"),
            ("portal-kb-search", "/kb?q=dang+ky+tai+khoan+vnaccs"),
            ("portal-article", "/kb/dang-ky-tai-khoan-vnaccs"),
            ("portal-procedures", "/procedures"),
            ("portal-procedures-search", "/procedures?q=hoan+thue"),
            ("portal-procedure", "/procedures/hq-01"),
            ("portal-request-topics", "/request"),
            ("portal-request-form", "/request?topic=vnaccs_error"),
            ("portal-tip-form", "/request?topic=denunciation"),
            ("portal-suggestions", "/suggestions"),
            ("portal-lost-link", "/lost-link"),
            ("portal-not-found", "/kb/khong-co-bai-nay"),
        ];
        for (name, path) in pages {
            b.goto(&format!("{base}{path}")).await;
            b.wait_for("main", 10).await;
            b.audit(&format!("audit-{name}")).await;
        }
        // A request sent, its confirmation and its tracking page.
        b.goto(&format!("{base}/request?topic=policy")).await;
        b.fill("#subject", "Hỏi về thời hạn nộp hồ sơ hoàn thuế")
            .await;
        b.fill("#description", "Xin hướng dẫn thời hạn nộp hồ sơ.")
            .await;
        b.fill("#name", "Trần Văn Minh").await;
        b.fill("#email", "minh@khach.test").await;
        b.click("#request-submit").await;
        b.wait_for("#case-number", 10).await;
        b.audit("audit-portal-submitted").await;
        b.click("#track-link").await;
        b.wait_for("#track-number", 10).await;
        b.audit("audit-portal-track").await;
    }
    b.close().await;
}

/// The console as an administrator sees it, every page, in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_page_fits_a_phone_and_passes_axe_in_both_languages() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    hqdesk::kb::import(&app.services, None).await.unwrap();
    set_password(&app, "admin").await;
    let number = app
        .open(
            "hotline",
            json!({"kind":"inquiry","branch":2,"channel":"phone",
                "subject":"Không ký số được tờ khai nhập khẩu",
                "body":"Doanh nghiệp báo lỗi chữ ký số khi gửi tờ khai IDA.",
                "requester":{"name":"Công ty TNHH Tân Phát","phone":"0912345678","tax_code":"0100233488"}}),
        )
        .await;
    let base = serve(app.router.clone()).await;

    b.goto(&format!("{base}/console/login")).await;
    b.wait_for("form#login", 10).await;
    b.audit("audit-console-login").await;
    sign_in_password(&b, &base, "admin").await;
    b.wait_for("form#enrol", 10).await;
    b.audit("audit-console-enrol").await;
    confirm_enrolment(&b, &app.services).await;
    b.audit("audit-console-recovery-codes").await;

    for lang in ["vi", "en"] {
        set_console_language(&b, &base, lang).await;
        let pages = [
            ("console-queue", "/console".to_owned()),
            ("console-queue-all", "/console?queue=all".to_owned()),
            ("console-search", "/console?q=ky+so".to_owned()),
            ("console-case", format!("/console/cases/{number}")),
            ("console-wallboard", "/console/wallboard".to_owned()),
            ("console-kb", "/console/kb".to_owned()),
            ("console-kb-new", "/console/kb/new".to_owned()),
            (
                "console-kb-edit",
                "/console/kb/dang-ky-tai-khoan-vnaccs/edit".to_owned(),
            ),
            ("console-procedures", "/console/procedures".to_owned()),
            (
                "console-procedure-new",
                "/console/procedures/new".to_owned(),
            ),
            (
                "console-procedure-edit",
                "/console/procedures/hq-01/edit".to_owned(),
            ),
            ("console-admin", "/console/admin".to_owned()),
            ("console-mailboxes", "/console/admin/mailboxes".to_owned()),
            ("console-account", "/console/account".to_owned()),
            ("console-notifications", "/console/notifications".to_owned()),
            ("console-2fa", "/console/account/2fa".to_owned()),
            (
                "console-not-found",
                "/console/cases/HQ-0000-00-000000".to_owned(),
            ),
        ];
        for (name, path) in pages {
            b.goto(&format!("{base}{path}")).await;
            b.wait_for("main", 10).await;
            b.audit(&format!("audit-{name}")).await;
        }
    }
    b.close().await;
}

/// The console as a hotline officer meets it during a call: the queue with the screen-pop
/// showing, the call's page, a case; in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hotline_officers_pages_during_a_call_fit_a_phone_and_pass_axe_in_both_languages() {
    use hqdesk_services::Actor;

    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_password(&app, "hotline").await;
    app.services
        .set_extension(&Actor::Cli, "hotline", Some("201"))
        .await
        .unwrap();
    let number = app
        .open(
            "hotline",
            json!({"kind":"procedure_problem","branch":1,"channel":"phone",
                "subject":"Hàng kẹt tại cảng Cát Lái chưa được kiểm hóa",
                "requester":{"name":"Công ty CP Thủy sản Minh Phú","phone":"0987111222"}}),
        )
        .await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "hotline").await;
    b.wait_for("table#queue", 10).await;
    for lang in ["vi", "en"] {
        set_console_language(&b, &base, lang).await;
        b.goto(&format!("{base}/console")).await;
        b.wait_for(&format!("html[lang={lang}] table#queue"), 10)
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the event stream is open
        let call = format!("audit-{lang}");
        for ev in [
            format!("event=newCall&callId={call}&from=0987111222&direction=in&branch=1"),
            format!("event=answer&callId={call}&user=201"),
        ] {
            assert!(
                crate::console_session::cti(&app, &ev).await.is_success(),
                "{ev}"
            );
        }
        b.wait_for_text("#screen-pop", "0987 111 222", 10).await;
        b.audit("audit-console-hotline-screen-pop").await;
        b.click("#screen-pop-open").await;
        b.wait_for("form#new-case", 10).await;
        b.audit("audit-console-call").await;
        b.goto(&format!("{base}/console/cases/{number}")).await;
        b.wait_for("main", 10).await;
        b.audit("audit-console-hotline-case").await;
    }
    b.close().await;
}

/// Chooses the console's language on the account page, as a user would.
async fn set_console_language(b: &Browser, base: &str, lang: &str) {
    b.goto(&format!("{base}/console/account")).await;
    b.wait_for("form#locale", 10).await;
    b.client
        .execute(
            "document.getElementById('lang').value = arguments[0];",
            vec![json!(lang)],
        )
        .await
        .unwrap();
    b.click("form#locale button[type=submit]").await;
    b.wait_for(&format!("html[lang={lang}]"), 10).await;
}
