//! The task force's own queues in the console (issue 18, "a workplace for investigators"): new
//! reports, reports awaiting acceptance (the legal clock of seven working days running) and
//! reports whose legal deadline is near or past, with their counts in the navigation — shown to
//! investigators only, on both engines.
use serde_json::json;

use crate::both_engines;
use crate::console_session::{request, sign_in};
use crate::sla_clocks::vn;
use crate::support::TestApp;

/// The count the navigation shows for queue `key`, or `None` when the queue is not offered.
fn nav_count(html: &str, key: &str) -> Option<i64> {
    let at = html.find(&format!("id=\"nav-{key}\""))?;
    let rest = &html[at..];
    let count = rest.split("class=\"count\">").nth(1)?;
    count.split('<').next()?.trim().parse().ok()
}

/// The case numbers the page's queue table lists.
fn listed(html: &str) -> Vec<String> {
    let table = html.split("id=\"queue\"").nth(1).unwrap_or("");
    table
        .split("data-case=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

async fn page(app: &TestApp, role: &str, path: &str) -> String {
    let session = sign_in(app, role).await;
    let a = request(app, &session, "GET", path, &[]).await;
    assert_eq!(a.status, axum::http::StatusCode::OK, "{role} {path}");
    a.body
}

both_engines!(
    investigators_work_from_new_awaiting_acceptance_and_legal_deadline_queues,
    |app| async move {
        // Received Wednesday 14 April 2027, 10:00: acceptance due Monday 26 April, 17:00 (seven
        // working days on the office calendar, Hùng Kings' day off).
        app.clock.set(vn(2027, 4, 14, 10, 0));
        let den = app
            .open(
                "hotline",
                json!({"kind":"denunciation","channel":"phone",
                       "subject":"Tố giác buôn lậu qua Móng Cái",
                       "body":"Người báo tin đề nghị giữ bí mật.",
                       "category":"b1.denunciation.smuggling","unit":"DDN",
                       "requester":{"name":"Người báo tin"}}),
            )
            .await;
        let ordinary = app
            .open(
                "agent",
                json!({"kind":"inquiry","channel":"phone","subject":"Hỏi thủ tục hoàn thuế",
                       "body":"Xin hướng dẫn","requester":{"name":"Doanh nghiệp A","phone":"0912345678"}}),
            )
            .await;

        let html = page(&app, "investigator", "/console").await;
        assert_eq!(nav_count(&html, "tf_new"), Some(1), "the default queue");
        assert_eq!(nav_count(&html, "tf_acceptance"), Some(1));
        assert_eq!(nav_count(&html, "tf_legal_due"), Some(0), "due in 12 days");
        assert_eq!(listed(&html), vec![den.clone()], "new reports first");
        let html = page(&app, "investigator", "/console?queue=tf_acceptance").await;
        assert_eq!(listed(&html), vec![den.clone()]);
        assert!(!listed(&html).contains(&ordinary));

        // Friday 23 April 18:00: acceptance due within three days.
        app.clock.set(vn(2027, 4, 23, 18, 0));
        let html = page(&app, "investigator", "/console?queue=tf_legal_due").await;
        assert_eq!(nav_count(&html, "tf_legal_due"), Some(1));
        assert_eq!(listed(&html), vec![den.clone()]);

        // Accepted: no longer awaiting acceptance; its settlement (30 days) is not near.
        let inv = app
            .services
            .authenticate_token(app.token("investigator"))
            .await
            .unwrap();
        app.services.legal_accept(&inv, &den).await.unwrap();
        let html = page(&app, "investigator", "/console?queue=tf_acceptance").await;
        assert_eq!(nav_count(&html, "tf_acceptance"), Some(0));
        assert!(listed(&html).is_empty());
        assert_eq!(nav_count(&html, "tf_legal_due"), Some(0));
        // Twenty-eight days later the settlement is near.
        app.clock.set(vn(2027, 5, 21, 9, 0));
        let html = page(&app, "investigator", "/console?queue=tf_legal_due").await;
        assert_eq!(nav_count(&html, "tf_legal_due"), Some(1));
        assert_eq!(listed(&html), vec![den.clone()]);

        // Nobody else is offered these queues, nor reaches them by their address.
        for role in ["agent", "hotline", "supervisor", "unit_officer"] {
            let html = page(&app, role, "/console?queue=tf_legal_due").await;
            assert_eq!(nav_count(&html, "tf_new"), None, "{role}");
            assert_eq!(nav_count(&html, "tf_legal_due"), None, "{role}");
            assert!(!listed(&html).contains(&den), "{role}");
        }
    }
);
