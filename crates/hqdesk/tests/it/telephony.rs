//! The hotline contract: generic CTI webhooks exactly as PBX connectors send them, the signed
//! webhook, the IVR decision, callbacks for every missed call and their attempts.
use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::both_engines;
use crate::support::TestApp;

async fn cti_form(app: &TestApp, body: &str) -> (StatusCode, Value) {
    let token = app.token("hotline").to_string();
    post_raw(
        app,
        &format!("/api/v1/cti/{token}"),
        "application/x-www-form-urlencoded",
        body,
        &[],
    )
    .await
}

async fn cti_json(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let token = app.token("hotline").to_string();
    post_raw(
        app,
        &format!("/api/v1/cti/{token}"),
        "application/json",
        &body.to_string(),
        &[],
    )
    .await
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    ctype: &str,
    body: &str,
    headers: &[(&str, String)],
) -> (StatusCode, Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", ctype);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn callbacks(app: &TestApp) -> Vec<Value> {
    let (_, j) = app
        .get("agent", "/api/v1/cases?kind=callback&limit=200")
        .await;
    j["items"].as_array().unwrap().clone()
}

both_engines!(
    generic_cti_payloads_as_connectors_send_them,
    |app| async move {
        // The exact shapes of the Zammad-compatible connectors: form with user[] and JSON with a list.
        let (s, j) = cti_form(&app, "event=newCall&from=84912345678&to=19009299&direction=in&callId=call-1&user%5B%5D=Nguyen+Thi+Lan&queue=branch2").await;
        assert_eq!((s, &j), (StatusCode::OK, &json!({})));
        let (s, _) = cti_json(&app, json!({"event":"answer","from":"84912345678","to":"19009299","direction":"in","callId":"call-1","user":["agent"],"answeringNumber":"101"})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = cti_form(&app, "event=hangup&from=84912345678&to=19009299&direction=in&callId=call-1&cause=normalClearing").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            callbacks(&app).await.is_empty(),
            "an answered call needs no callback"
        );

        // A missed call, told out of order and twice.
        for _ in 0..2 {
            cti_form(&app, "event=hangup&from=0987654321&to=19009299&direction=in&callId=call-2&cause=cancel&branch=1").await;
            cti_json(&app, json!({"event":"newCall","from":"0987654321","to":"19009299","direction":"in","callId":"call-2","branch":"1"})).await;
        }
        let cb = callbacks(&app).await;
        assert_eq!(cb.len(), 1, "{cb:?}");
        assert_eq!(cb[0]["branch"], 1);
        assert_eq!(cb[0]["subject"], "Gọi lại: cuộc gọi nhỡ từ 0987 654 321");
        let (_, case) = app
            .get(
                "agent",
                &format!("/api/v1/cases/{}", cb[0]["number"].as_str().unwrap()),
            )
            .await;
        assert_eq!(
            case["requester"]["phone"], "+84987654321",
            "the caller's number, in E.164"
        );
        let mut conn = app.services.store().read().await.unwrap();
        let call = hqdesk_store::calls::get(&mut conn, "call-2").await.unwrap();
        assert_eq!(
            (call.state.as_str(), call.cause.as_deref()),
            ("ended", Some("cancel"))
        );
        drop(conn);

        // The same caller misses again: one callback, two calls on it.
        cti_form(
            &app,
            "event=newCall&from=%2B84987654321&to=19009299&direction=in&callId=call-3",
        )
        .await;
        cti_form(&app, "event=hangup&from=%2B84987654321&to=19009299&direction=in&callId=call-3&cause=noAnswer").await;
        let cb = callbacks(&app).await;
        assert_eq!(cb.len(), 1);
        let number = cb[0]["number"].as_str().unwrap().to_string();
        let (_, tl) = app
            .get(
                "agent",
                &format!("/api/v1/cases/{number}/messages?all=true"),
            )
            .await;
        assert_eq!(
            tl["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "call")
                .count(),
            2
        );

        // The calls are on the contact.
        let (_, contacts) = app
            .get("agent", "/api/v1/contacts?identifier=0987654321")
            .await;
        let id = contacts["items"][0]["id"].as_i64().unwrap();
        let (_, contact) = app.get("agent", &format!("/api/v1/contacts/{id}")).await;
        assert_eq!(contact["calls"].as_array().unwrap().len(), 2, "{contact}");

        // Bad input changes nothing.
        let (s, j) = cti_form(&app, "event=ring&callId=x").await;
        assert_eq!(
            (s, j["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("event"))
        );
        let (s, _) = cti_form(&app, "event=newCall&callId=y&direction=sideways").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = post_raw(
            &app,
            "/api/v1/cti/hqd_not_a_token",
            "application/x-www-form-urlencoded",
            "event=newCall&callId=z",
            &[],
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let agent_token = app.token("agent").to_string();
        let (s, _) = post_raw(
            &app,
            &format!("/api/v1/cti/{agent_token}"),
            "application/x-www-form-urlencoded",
            "event=newCall&callId=z",
            &[],
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "an agent's token may not report calls"
        );
        assert_eq!(app.count_rows("calls").await, 3);

        // Callback attempts: two failures keep it open; a third closes it as unreachable.
        for (i, outcome) in ["no_answer", "busy"].iter().enumerate() {
            let (s, j) = app
                .post(
                    "agent",
                    &format!("/api/v1/cases/{number}/callback-attempts"),
                    json!({"outcome": outcome}),
                )
                .await;
            assert_eq!(
                (s, j["attempts"].as_u64(), j["done"].as_bool()),
                (StatusCode::CREATED, Some(i as u64 + 1), Some(false))
            );
        }
        let (_, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/callback-attempts"),
                json!({"outcome":"no_answer","note":"thuê bao không liên lạc được"}),
            )
            .await;
        assert_eq!(j["done"], true);
        let (_, case) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(case["status"], "resolved");
        let (s, _) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/callback-attempts"),
                json!({"outcome":"reached"}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
    }
);

both_engines!(
    a_synthetic_day_of_450_calls_leaves_one_callback_per_caller_not_reached,
    |app| async move {
        let mut rng = StdRng::seed_from_u64(20261123);
        // 180 callers, some calling several times; about 30% of calls are not answered.
        let callers: Vec<String> = (0..180)
            .map(|i| format!("09{:08}", 12_000_000 + i * 37))
            .collect();
        let mut needs_callback: BTreeMap<String, bool> = BTreeMap::new();
        let mut ever_missed: BTreeSet<String> = BTreeSet::new();
        for n in 0..450 {
            let caller = callers[rng.gen_range(0..callers.len())].clone();
            let call_id = format!("day-{n}");
            let branch = if rng.gen_bool(0.4) { 1 } else { 2 };
            let answered = rng.gen_bool(0.7);
            let mut events = vec![
                json!({"event":"newCall","from":caller,"to":"19009299","direction":"in","callId":call_id,"branch":branch}),
            ];
            if answered {
                events.push(json!({"event":"answer","from":caller,"to":"19009299","direction":"in","callId":call_id,"user":"agent"}));
                events.push(json!({"event":"hangup","from":caller,"to":"19009299","direction":"in","callId":call_id,"cause":"normalClearing"}));
            } else {
                let cause =
                    ["cancel", "noAnswer", "busy", "ORIGINATOR_CANCEL"][rng.gen_range(0..4)];
                events.push(json!({"event":"hangup","from":caller,"to":"19009299","direction":"in","callId":call_id,"cause":cause}));
            }
            // Connectors retry and reorder: shuffle within a call, repeat some events.
            if rng.gen_bool(0.2) {
                let last = events.len() - 1;
                events.swap(0, last);
            }
            if rng.gen_bool(0.1) {
                let e = events[rng.gen_range(0..events.len())].clone();
                events.push(e);
            }
            for e in events {
                let (s, _) = if rng.gen_bool(0.5) {
                    cti_json(&app, e).await
                } else {
                    let form: String = e
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}={}",
                                urlencode(
                                    &v.as_str()
                                        .map(String::from)
                                        .unwrap_or_else(|| v.to_string())
                                )
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("&");
                    cti_form(&app, &form).await
                };
                assert_eq!(s, StatusCode::OK);
            }
            if answered {
                needs_callback.insert(caller.clone(), false);
            } else {
                needs_callback.insert(caller.clone(), true);
                ever_missed.insert(caller);
            }
        }
        let e164 = |n: &str| format!("+84{}", &n[1..]);
        let want_open: BTreeSet<String> = needs_callback
            .iter()
            .filter(|(_, v)| **v)
            .map(|(k, _)| e164(k))
            .collect();
        let mut conn = app.services.store().read().await.unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT callback_number, status FROM cases WHERE kind = 'callback'")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let open: Vec<&String> = rows
            .iter()
            .filter(|(_, s)| s == "new" || s == "open" || s == "waiting")
            .map(|(n, _)| n)
            .collect();
        let open_set: BTreeSet<String> = open.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            open.len(),
            open_set.len(),
            "never two open callbacks for one caller"
        );
        assert_eq!(
            open_set, want_open,
            "exactly the callers not reached have an open callback"
        );
        let never_missed: BTreeSet<String> = needs_callback
            .keys()
            .filter(|k| !ever_missed.contains(*k))
            .map(|k| e164(k))
            .collect();
        assert!(
            rows.iter().all(|(n, _)| !never_missed.contains(n)),
            "no callback for callers who were always answered"
        );
        assert!(
            want_open.len() > 20,
            "the day really had missed calls: {}",
            want_open.len()
        );
        let calls: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(calls, 450);
    }
);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

both_engines!(
    signed_webhook_refuses_unsigned_old_and_replayed_deliveries,
    |app| async move {
        use hmac::{Hmac, Mac};
        let secret = "bí mật chung của tổng đài";
        let mut app = app;
        app.router = hqdesk_web::router_with(
            app.services.clone(),
            hqdesk_web::WebConfig {
                telephony_secret: Some(secret.into()),
                ..Default::default()
            },
        );
        let now = app.services.now().millis() / 1000;
        let sign = |ts: i64, delivery: &str, body: &str| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{ts}.{delivery}.{body}").as_bytes());
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        };
        let body = json!({"event":"ended","call_id":"s-1","direction":"in","from":"0912000111","cause":"cancel"}).to_string();
        let headers = |ts: i64, d: &str, sig: String| {
            vec![
                ("x-hqdesk-timestamp", ts.to_string()),
                ("x-hqdesk-delivery", d.to_string()),
                ("x-hqdesk-signature", sig),
            ]
        };
        let path = "/api/v1/telephony/events";
        let (s, _) = post_raw(&app, path, "application/json", &body, &[]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "unsigned");
        let (s, _) = post_raw(
            &app,
            path,
            "application/json",
            &body,
            &headers(now, "d1", sign(now, "d1", "{}")),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "signature of another body");
        let (s, _) = post_raw(
            &app,
            path,
            "application/json",
            &body,
            &headers(now - 3600, "d1", sign(now - 3600, "d1", &body)),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "an hour old");
        assert_eq!(app.count_rows("calls").await, 0, "nothing changed");
        let (s, _) = post_raw(
            &app,
            path,
            "application/json",
            &body,
            &headers(now, "d1", sign(now, "d1", &body)),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, j) = post_raw(
            &app,
            path,
            "application/json",
            &body,
            &headers(now, "d1", sign(now, "d1", &body)),
        )
        .await;
        assert_eq!(
            (s, j["code"].as_str()),
            (StatusCode::CONFLICT, Some("delivery_replayed"))
        );
        assert_eq!(app.count_rows("calls").await, 1);
        assert_eq!(callbacks(&app).await.len(), 1);
    }
);

both_engines!(
    ivr_decision_is_plain_enough_for_a_dialplan,
    |app| async move {
        use tower::ServiceExt;
        let token = app.token("hotline").to_string();
        let ask = |branch: u8| {
            axum::http::Request::builder()
                .uri(format!(
                    "/api/v1/ivr/{token}?branch={branch}&from=0912345678"
                ))
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let resp = app.router.clone().oneshot(ask(2)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let text = String::from_utf8(
            axum::body::to_bytes(resp.into_body(), 1 << 16)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(
            text.contains("staffed=0\n")
                && text.contains("offer_callback=1\n")
                && text.contains("announcement=none\n"),
            "nobody signed in: {text}"
        );
        // An agent signs in to the console: branch 2 is staffed.
        app.services
            .update_user(
                &hqdesk_services::Actor::Cli,
                "agent",
                hqdesk_services::directory::UpdateUser {
                    password: Some("mật khẩu thật dài 2026".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        app.services
            .sign_in("test", "agent", "mật khẩu thật dài 2026")
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8(
            axum::body::to_bytes(
                app.router
                    .clone()
                    .oneshot(ask(2))
                    .await
                    .unwrap()
                    .into_body(),
                1 << 16,
            )
            .await
            .unwrap()
            .to_vec(),
        )
        .unwrap();
        assert!(
            text.contains("staffed=1\n")
                && text.contains("agents=1\n")
                && text.contains("offer_callback=0\n"),
            "{text}"
        );
        let text = String::from_utf8(
            axum::body::to_bytes(
                app.router
                    .clone()
                    .oneshot(ask(1))
                    .await
                    .unwrap()
                    .into_body(),
                1 << 16,
            )
            .await
            .unwrap()
            .to_vec(),
        )
        .unwrap();
        assert!(
            text.contains("staffed=0\n"),
            "an agent does not staff branch 1: {text}"
        );
    }
);
