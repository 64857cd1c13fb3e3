//! Issue 14, items 5–7: the live-update stream decides with the role a user has now, says
//! nothing through its event ids and resumes after a reconnection; every read of a confidential
//! case is audited (the presence heartbeat once per session and case); `/metrics` is not public.
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::http::{Request, StatusCode};
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::Actor;
use serde_json::json;
use tower::ServiceExt;

use crate::both_engines;
use crate::console_session::{count, request, sign_in, Session};
use crate::support::{Engine, TestApp};

/// An open live-update stream, read as text.
pub struct Stream {
    body: Body,
    pub text: String,
}

impl Stream {
    pub async fn open(app: &TestApp, session: &Session, last_event_id: Option<&str>) -> Stream {
        let mut req = Request::get("/console/events").header("cookie", session.cookie());
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let resp = app
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        Stream {
            body: resp.into_body(),
            text: String::new(),
        }
    }

    /// Read until `needle` has arrived (true) or `wait` has passed (false).
    pub async fn read_until(&mut self, needle: &str, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        while !self.text.contains(needle) {
            let frame = tokio::time::timeout_at(
                deadline,
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut self.body).poll_frame(cx)),
            )
            .await;
            match frame {
                Ok(Some(Ok(f))) => {
                    if let Ok(data) = f.into_data() {
                        self.text.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                Ok(_) => return false,
                Err(_) => return false,
            }
        }
        true
    }

    /// The `id:` lines received so far.
    pub fn ids(&self) -> Vec<String> {
        self.text
            .lines()
            .filter_map(|l| l.strip_prefix("id:"))
            .map(|l| l.trim().to_string())
            .collect()
    }
}

async fn confidential_reads(app: &TestApp, via: &str) -> i64 {
    count(
        app,
        &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read_confidential' AND detail LIKE '%\"via\":\"{via}\"%'"),
    )
    .await
}

both_engines!(
    a_user_demoted_from_investigator_stops_receiving_confidential_events_at_once,
    |app| async move {
        let investigator = sign_in(&app, "investigator").await;
        let mut stream = Stream::open(&app, &investigator, None).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let first = app.open("hotline", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác buôn lậu gỗ trắc qua cửa khẩu","body":"Bí mật."})).await;
        assert!(
            stream.read_until(&first, Duration::from_secs(15)).await,
            "an investigator is told about a new denunciation"
        );
        let audited = confidential_reads(&app, "live").await;
        assert!(audited >= 1, "and that read is audited");
        let first_id = stream.ids().last().cloned().expect("the event has an id");

        // Demoted while the console is open: the same stream must not carry the next one.
        app.services
            .update_user(
                &Actor::Cli,
                "investigator",
                UpdateUser {
                    role: Some("agent".into()),
                    unit: Some(None),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let second = app.open("hotline", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác cán bộ nhận hối lộ","body":"Bí mật."})).await;
        let inquiry = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi về thủ tục tạm nhập","requester":{"phone":"0912345678"}})).await;
        assert!(
            stream.read_until(&inquiry, Duration::from_secs(15)).await,
            "the stream goes on with what an agent may see"
        );
        assert!(!stream.text.contains(&second), "{}", stream.text);
        assert!(!stream.text.contains("hối lộ"));

        // Ids are opaque: nothing like the feed position, never the same twice.
        let ids = stream.ids();
        assert!(ids.len() >= 2, "{ids:?}");
        for id in &ids {
            assert!(id.parse::<i64>().is_err() && id.len() >= 40, "{id}");
        }
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), ids.len(), "{ids:?}");

        // A reconnection with the first event's id goes on after it, with the role of now:
        // the agent gets the inquiry again, never the second denunciation.
        let mut again = Stream::open(&app, &investigator, Some(&first_id)).await;
        assert!(
            again.read_until(&inquiry, Duration::from_secs(15)).await,
            "{}",
            again.text
        );
        assert!(!again.text.contains(&second) && !again.text.contains(&first));
        // Another session's id (or rubbish) starts from now: nothing old is replayed.
        let other = sign_in(&app, "supervisor").await;
        let mut foreign = Stream::open(&app, &other, Some(&first_id)).await;
        assert!(
            !foreign.read_until(&inquiry, Duration::from_secs(3)).await,
            "{}",
            foreign.text
        );
        assert_eq!(
            confidential_reads(&app, "live").await,
            audited,
            "nothing more was shown"
        );
    }
);

both_engines!(
    every_read_of_a_confidential_case_is_audited_and_presence_once_per_session,
    |app| async move {
        let secret = app.open("investigator", json!({"kind":"denunciation","subject":"Tố giác gian lận xuất xứ hàng dệt may","body":"Chi tiết kèm theo.","requester":{"name":"Người báo tin","phone":"0987111222"}})).await;
        let other = app
            .open(
                "investigator",
                json!({"kind":"denunciation","subject":"Tố giác liên quan","body":"x"}),
            )
            .await;
        let (s, _) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{secret}/links"),
                json!({"other": other}),
            )
            .await;
        assert!(s.is_success(), "{s}");
        let plain = app.open("agent", json!({"kind":"inquiry","subject":"Hỏi về xuất xứ hàng dệt may","requester":{"phone":"0912345678"}})).await;

        for (path, via) in [
            (format!("/api/v1/cases/{secret}/messages"), "messages"),
            (format!("/api/v1/cases/{secret}/links"), "links"),
            (
                "/api/v1/cases?q=xuat%20xu%20det%20may".to_string(),
                "search",
            ),
            ("/api/v1/cases?kind=denunciation".to_string(), "list"),
        ] {
            let before = confidential_reads(&app, via).await;
            let (s, j) = app.get("investigator", &path).await;
            assert_eq!(s, StatusCode::OK, "{path}: {j}");
            assert!(
                confidential_reads(&app, via).await > before,
                "{path} is audited as {via}"
            );
        }
        // The search found the ordinary case too: only the confidential one is recorded.
        assert_eq!(
            count(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read_confidential' AND object = 'case:{plain}'")).await,
            0
        );
        // Links: both confidential cases shown are recorded.
        assert_eq!(
            count(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read_confidential' AND object = 'case:{other}' AND detail LIKE '%links%'")).await,
            1
        );

        // The presence heartbeat: once per session and case, not every five seconds.
        let s1 = sign_in(&app, "investigator").await;
        for _ in 0..4 {
            let a = request(
                &app,
                &s1,
                "POST",
                &format!("/console/cases/{secret}/presence"),
                &[("activity", "viewing")],
            )
            .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            app.clock.advance_seconds(5);
        }
        assert_eq!(confidential_reads(&app, "presence").await, 1);
        let s2 = sign_in(&app, "investigator").await;
        request(
            &app,
            &s2,
            "POST",
            &format!("/console/cases/{secret}/presence"),
            &[("activity", "replying")],
        )
        .await;
        request(
            &app,
            &s2,
            "POST",
            &format!("/console/cases/{other}/presence"),
            &[("activity", "viewing")],
        )
        .await;
        assert_eq!(
            confidential_reads(&app, "presence").await,
            3,
            "another session, another case"
        );
        // Heartbeats on an ordinary case write nothing; on a hidden one they answer 404.
        request(
            &app,
            &s2,
            "POST",
            &format!("/console/cases/{plain}/presence"),
            &[("activity", "viewing")],
        )
        .await;
        assert_eq!(confidential_reads(&app, "presence").await, 3);
        let agent = sign_in(&app, "agent").await;
        let a = request(
            &app,
            &agent,
            "POST",
            &format!("/console/cases/{secret}/presence"),
            &[("activity", "viewing")],
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
);

/// `/metrics` through the router, as if from `peer`, with extra headers.
async fn metrics(
    router: &axum::Router,
    peer: Option<[u8; 4]>,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut req = Request::get("/metrics");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    if let Some(ip) = peer {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                ip, 45000,
            ))));
    }
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_this_machine_or_the_metrics_token() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    app.open(
        "agent",
        json!({"kind":"denunciation","subject":"Tố giác","body":"x"}),
    )
    .await;
    let bearer = format!("Bearer {}", app.token("investigator"));
    // Without a token: this machine only, and not through a proxy; a staff token is no key.
    for (peer, headers, want) in [
        (None, vec![], StatusCode::FORBIDDEN),
        (Some([10, 0, 0, 7]), vec![], StatusCode::FORBIDDEN),
        (
            Some([10, 0, 0, 7]),
            vec![("authorization", bearer.as_str())],
            StatusCode::FORBIDDEN,
        ),
        (
            Some([127, 0, 0, 1]),
            vec![("x-forwarded-for", "203.0.113.9")],
            StatusCode::FORBIDDEN,
        ),
        (Some([127, 0, 0, 1]), vec![], StatusCode::OK),
    ] {
        let (s, body) = metrics(&app.router, peer, &headers).await;
        assert_eq!(s, want, "{peer:?} {headers:?}");
        if want == StatusCode::OK {
            assert!(body.contains("hqdesk_http_requests_total"), "{body}");
        } else {
            assert!(!body.contains("hqdesk_"), "{body}");
        }
    }
    // With a token: the token, from anywhere; nothing else, not even this machine.
    let router = hqdesk_web::router_with(
        app.services.clone(),
        hqdesk_web::WebConfig {
            metrics_token: Some("so-do-bi-mat-2026".into()),
            ..Default::default()
        },
    );
    for (peer, auth, want) in [
        (Some([127, 0, 0, 1]), None, StatusCode::UNAUTHORIZED),
        (
            Some([10, 0, 0, 7]),
            Some("Bearer sai"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some([10, 0, 0, 7]),
            Some(bearer.as_str()),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some([10, 0, 0, 7]),
            Some("bearer so-do-bi-mat-2026"),
            StatusCode::OK,
        ),
        (None, Some("Bearer so-do-bi-mat-2026"), StatusCode::OK),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let (s, _) = metrics(&router, peer, &headers).await;
        assert_eq!(s, want, "{peer:?} {auth:?}");
    }
}
