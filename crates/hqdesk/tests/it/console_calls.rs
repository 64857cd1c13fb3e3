//! Issue 14, item 4, in a real browser: a hotline officer opens a denunciation from the page of
//! an ordinary branch-1 call; it goes to the task force with the call, and both leave the
//! officer's sight. A call of the IVR's denunciation choice shows no screen-pop to them.
use hqdesk_services::Actor;

use crate::browser::{serve, Browser};
use crate::console::{set_password, sign_in_password};
use crate::console_session::{count, cti};
use crate::support::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hotline_officer_opens_a_denunciation_from_a_call_page_and_it_goes_to_the_task_force() {
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
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "hotline").await;
    b.wait_for("table#queue", 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the event stream is open

    // A call of the denunciation choice answered on the officer's extension: no screen-pop.
    for ev in [
        "event=newCall&callId=tg-b1&from=0904555666&direction=in&branch=1&choice=denunciation",
        "event=answer&callId=tg-b1&user=201",
    ] {
        assert!(cti(&app, ev).await.is_success(), "{ev}");
    }
    // An ordinary branch-1 call: the screen-pop shows it.
    for ev in [
        "event=newCall&callId=pl-b1&from=0987111222&direction=in&branch=1",
        "event=answer&callId=pl-b1&user=201",
    ] {
        assert!(cti(&app, ev).await.is_success(), "{ev}");
    }
    b.wait_for_text("#screen-pop", "0987 111 222", 10).await;
    let pop = b.text("#screen-pop").await;
    assert!(
        !pop.contains("0904"),
        "no pop for the denunciation call: {pop}"
    );
    b.click("#screen-pop-open").await;
    b.wait_for("form#new-case", 10).await;

    // The caller reports an officer: the officer picks "Denunciation".
    b.click("#new-kind option[value=denunciation]").await;
    b.fill("#new-subject", "Tố giác cán bộ đòi tiền khi kiểm hóa")
        .await;
    b.fill(
        "#new-body",
        "Người gọi kể lại việc bị đòi tiền tại bãi kiểm hóa.",
    )
    .await;
    b.screenshot("console-call-denunciation").await;
    b.click("form#new-case button[type=submit]").await;
    b.wait_for_text("#notice", "Tổ đặc nhiệm", 10).await;
    b.screenshot("console-call-handed-to-task-force").await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM cases WHERE kind = 'denunciation' AND channel = 'phone' AND assignee_id IS NULL").await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM calls WHERE call_id = 'pl-b1' AND confidential = 1 AND case_id IS NOT NULL").await,
        1
    );
    // The call page has gone from the officer's sight, like the case.
    b.goto(&format!("{base}/console/calls/pl-b1")).await;
    b.wait_for_text("#error-message", "Không tìm thấy", 10)
        .await;
    b.goto(&format!("{base}/console/calls/tg-b1")).await;
    b.wait_for_text("#error-message", "Không tìm thấy", 10)
        .await;
    b.close().await;
}
