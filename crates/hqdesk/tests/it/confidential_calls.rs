//! Issue 14, item 4: branch-1 calls of the IVR's denunciation choice are confidential. Their
//! callbacks are denunciations; their pages, histories, screen-pops and wallboard figures are
//! for task-force investigators only; a hotline officer can open a denunciation from a call and
//! the call then leaves their sight too. Both engines.
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::console_session::{count, cti, request, sign_in};
use crate::support::TestApp;

const ROLES: [&str; 6] = [
    "agent",
    "hotline",
    "investigator",
    "unit_officer",
    "supervisor",
    "admin",
];

/// The call ids in a contact's history as `role` sees it.
async fn contact_call_ids(app: &TestApp, role: &str, contact: i64) -> Vec<String> {
    let (s, j) = app.get(role, &format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(s, StatusCode::OK, "{role}: {j}");
    j["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call_id"].as_str().unwrap().to_string())
        .collect()
}

async fn numbers(app: &TestApp, role: &str, query: &str) -> Vec<String> {
    let (s, j) = app.get(role, &format!("/api/v1/cases?{query}")).await;
    assert_eq!(s, StatusCode::OK, "{role}: {j}");
    j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_string())
        .collect()
}

both_engines!(
    a_missed_call_of_the_denunciation_choice_becomes_a_denunciation_only_investigators_see,
    |app| async move {
        // A business known to the help desk…
        app.open("agent", json!({"kind":"inquiry","subject":"Hỏi về thủ tục hoàn thuế","requester":{"name":"Công ty Hải Vân","phone":"0904555666"}})).await;
        let (_, found) = app
            .get("agent", "/api/v1/contacts?identifier=0904555666")
            .await;
        let contact = found["items"][0]["id"].as_i64().unwrap();
        let requesters_before = app.count_rows("requesters").await;
        // …calls the hotline, presses 1 then the denunciation choice, and hangs up in the queue.
        for ev in [
            "event=newCall&callId=tg-1&from=0904555666&to=19009299&direction=in&branch=1&choice=denunciation",
            "event=hangup&callId=tg-1&from=0904555666&to=19009299&direction=in&cause=cancel",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        // No ordinary callback: a denunciation, its caller kept apart from the contacts.
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM cases WHERE kind = 'callback'").await,
            0
        );
        let mut conn = app.services.store().read().await.unwrap();
        let (number, subject, branch, confidential): (String, String, i64, i64) = sqlx::query_as(
            "SELECT number, subject, branch, confidential FROM cases WHERE kind = 'denunciation' AND callback_number = '+84904555666'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        assert_eq!((branch, confidential), (1, 1));
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM confidential_reporters WHERE phone = '+84904555666'"
            )
            .await,
            1
        );
        assert_eq!(app.count_rows("requesters").await, requesters_before);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM calls WHERE call_id = 'tg-1' AND confidential = 1 AND requester_id IS NULL").await,
            1
        );

        // Only investigators find the callback, its page, the call and the call in histories.
        for role in ROLES {
            let investigator = role == "investigator";
            let listed = numbers(&app, role, "limit=200").await.contains(&number);
            let callbacks = numbers(&app, role, "kind=callback").await;
            assert!(callbacks.is_empty(), "{role}: {callbacks:?}");
            let (status, _) = app.get(role, &format!("/api/v1/cases/{number}")).await;
            let history = contact_call_ids(&app, role, contact).await;
            assert_eq!(listed, investigator, "{role} lists the callback");
            assert_eq!(
                status == StatusCode::OK,
                investigator,
                "{role} reads it: {status}"
            );
            assert_eq!(
                history.contains(&"tg-1".to_string()),
                investigator,
                "{role}: {history:?}"
            );
        }
        // Showing the call in a history is a confidential read, recorded for the investigator.
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'call.read_confidential' AND object = 'call:tg-1' AND actor = 'user:investigator'").await,
            1
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'call.read_confidential' AND actor <> 'user:investigator'").await,
            0
        );
        let (_, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert_eq!(j["kind"], "denunciation");
        assert!(subject.contains("tố giác"), "{subject}");
        // The caller's number is kept as the reporter's, in the identity vault: the API never
        // answers it.
        assert!(j["reporter"].is_null(), "{j}");
        assert_eq!(
            crate::identity_vault::stored_reporter(&app, &number)
                .await
                .phone
                .as_deref(),
            Some("+84904555666")
        );

        // The task force calls back like on any callback; nobody else may.
        let attempt =
            json!({"outcome":"no_answer","note":"Người nhà nói gọi lại sau năm giờ chiều"});
        let path = format!("/api/v1/cases/{number}/callback-attempts");
        assert_eq!(
            app.post("hotline", &path, attempt.clone()).await.0,
            StatusCode::NOT_FOUND
        );
        let (s, j) = app.post("investigator", &path, attempt).await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        // The note is on the timeline, never in the append-only audit log.
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM timeline_entries WHERE meta LIKE '%năm giờ chiều%'"
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%năm giờ chiều%'"
            )
            .await,
            0
        );

        // A second missed denunciation call folds into it; a missed branch-2 call from the same
        // number is an ordinary callback and does not fold into the denunciation.
        for ev in [
            "event=newCall&callId=tg-2&from=0904555666&direction=in&branch=1&choice=denunciation",
            "event=hangup&callId=tg-2&cause=noAnswer",
            "event=newCall&callId=b2-1&from=0904555666&direction=in&branch=2",
            "event=hangup&callId=b2-1&cause=cancel",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        assert_eq!(
            count(&app, "SELECT callback_calls FROM cases WHERE kind = 'denunciation' AND callback_number = '+84904555666'").await,
            2
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM cases WHERE kind = 'callback'").await,
            1
        );
        // The caller then gets through on branch 2: only the ordinary callback is done.
        for ev in [
            "event=newCall&callId=b2-2&from=0904555666&direction=in&branch=2",
            "event=answer&callId=b2-2&user=nobody",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM cases WHERE kind = 'callback' AND status = 'resolved'"
            )
            .await,
            1
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM cases WHERE kind = 'denunciation' AND status IN ('new', 'open')").await,
            1
        );

        // The wallboard counts only what it may show: one abandoned call (b2-1), one answered.
        assert_eq!(
            cti(
                &app,
                "event=newCall&callId=tg-3&from=0904555666&direction=in&choice=denunciation"
            )
            .await,
            StatusCode::OK
        );
        let supervisor = app
            .services
            .authenticate_token(app.token("supervisor"))
            .await
            .unwrap();
        let w = app.services.wallboard(&supervisor).await.unwrap();
        assert_eq!(
            (w.abandoned_today, w.answered_today, w.waiting),
            (1, 1, [0, 0]),
            "{w:?}"
        );

        // An unknown choice is refused and records nothing.
        assert_eq!(
            cti(
                &app,
                "event=newCall&callId=x-1&from=0904555666&choice=maybe"
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM calls WHERE call_id = 'x-1'").await,
            0
        );
    }
);

both_engines!(
    call_pages_are_for_those_who_may_see_the_call,
    |app| async move {
        app.services
            .set_extension(&hqdesk_services::Actor::Cli, "hotline", Some("201"))
            .await
            .unwrap();
        // An ordinary branch-1 call answered by the hotline officer, and one of the
        // denunciation choice answered by the same officer (the queue overflowed).
        for ev in [
            "event=newCall&callId=pl-1&from=0912345678&direction=in&branch=1",
            "event=answer&callId=pl-1&user=201",
            "event=newCall&callId=tg-9&from=0987111222&direction=in&branch=1&choice=denunciation",
            "event=answer&callId=tg-9&user=201",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        let mut sessions = Vec::new();
        for role in ROLES {
            sessions.push((role, sign_in(&app, role).await));
        }
        for (call, visible_to) in [
            (
                "pl-1",
                &["agent", "hotline", "investigator", "supervisor"][..],
            ),
            ("tg-9", &["investigator"][..]),
        ] {
            for (role, session) in &sessions {
                let role = *role;
                let page =
                    request(&app, session, "GET", &format!("/console/calls/{call}"), &[]).await;
                let want = if visible_to.contains(&role) {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(page.status, want, "{role} on {call}");
                if want == StatusCode::NOT_FOUND {
                    assert!(
                        !page.body.contains("0987") && !page.body.contains("0912"),
                        "{role} on {call}"
                    );
                }
            }
        }
        // Opening a case from or flagging a call one may not see: as if missing.
        let hotline = &sessions[1].1;
        for (path, form) in [
            (
                "/console/calls/tg-9/case",
                vec![("kind", "denunciation"), ("subject", "x")],
            ),
            ("/console/calls/tg-9/flag", vec![("reason", "x")]),
        ] {
            let a = request(&app, hotline, "POST", path, &form).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM caller_flags").await, 0);
    }
);

both_engines!(
    a_hotline_officer_opens_a_denunciation_from_a_call_and_hands_it_to_the_task_force,
    |app| async move {
        app.services
            .set_extension(&hqdesk_services::Actor::Cli, "hotline", Some("201"))
            .await
            .unwrap();
        for ev in [
            "event=newCall&callId=pl-2&from=0987111222&direction=in&branch=1",
            "event=answer&callId=pl-2&user=201",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        let hotline = sign_in(&app, "hotline").await;
        let page = request(&app, &hotline, "GET", "/console/calls/pl-2", &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("value=\"denunciation\""),
            "the kind can be chosen"
        );
        // The caller turns out to report an officer: the officer opens a denunciation.
        let a = request(
            &app,
            &hotline,
            "POST",
            "/console/calls/pl-2/case",
            &[
                ("kind", "denunciation"),
                ("subject", "Tố giác cán bộ nhận tiền tại cửa khẩu"),
                ("body", "Người gọi kể lại việc bị đòi tiền khi làm thủ tục."),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert_eq!(a.location, "/console?notice=handed_to_task_force");
        let notice = request(&app, &hotline, "GET", &a.location, &[]).await;
        assert!(
            notice.body.contains("Tổ đặc nhiệm"),
            "the officer is told where it went"
        );
        assert!(!notice.body.contains("nhận tiền"));

        let mut conn = app.services.store().read().await.unwrap();
        let (number, branch, channel, assignee, case_id): (String, i64, String, Option<i64>, i64) =
            sqlx::query_as("SELECT number, branch, channel, assignee_id, id FROM cases WHERE kind = 'denunciation'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        let (call_case, call_confidential): (Option<i64>, i64) =
            sqlx::query_as("SELECT case_id, confidential FROM calls WHERE call_id = 'pl-2'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        drop(conn);
        assert_eq!((branch, channel.as_str(), assignee), (1, "phone", None));
        assert_eq!((call_case, call_confidential), (Some(case_id), 1));
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM confidential_reporters WHERE phone = '+84987111222'"
            )
            .await,
            1
        );
        assert_eq!(
            app.count_rows("requesters").await,
            0,
            "the caller stays out of the contacts"
        );

        // From now on the officer sees neither the call nor the case; the task force sees both.
        let page = request(&app, &hotline, "GET", "/console/calls/pl-2", &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let case = request(
            &app,
            &hotline,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert_eq!(case.status, StatusCode::NOT_FOUND);
        let investigator = sign_in(&app, "investigator").await;
        let page = request(&app, &investigator, "GET", "/console/calls/pl-2", &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        let (s, timeline) = app
            .get(
                "investigator",
                &format!("/api/v1/cases/{number}/messages?all=true"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{timeline}");
        let kinds: Vec<&Value> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["kind"])
            .collect();
        assert!(kinds.contains(&&json!("call")), "{timeline}");

        // A call of the denunciation choice opens nothing but a denunciation, and is attached to
        // nothing but one.
        for ev in [
            "event=newCall&callId=tg-4&from=0987111222&direction=in&choice=denunciation",
            "event=answer&callId=tg-4&user=investigator",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        let a = request(
            &app,
            &investigator,
            "POST",
            "/console/calls/tg-4/case",
            &[("kind", "inquiry"), ("subject", "Hỏi đáp")],
        )
        .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let plain = app
            .open(
                "investigator",
                json!({"kind":"inquiry","subject":"Hỏi về C/O","requester":{"phone":"0912345678"}}),
            )
            .await;
        let a = request(
            &app,
            &investigator,
            "POST",
            "/console/calls/tg-4/attach",
            &[("case", plain.as_str())],
        )
        .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM calls WHERE call_id = 'tg-4' AND case_id IS NULL"
            )
            .await,
            1
        );
    }
);

both_engines!(
    the_ivr_counts_the_denunciation_choice_apart,
    |app| async move {
        // A hotline officer is on duty, no investigator.
        sign_in(&app, "hotline").await;
        let ivr = |query: &'static str| {
            let token = app.token("hotline").to_string();
            let router = app.router.clone();
            async move {
                let req = axum::http::Request::get(format!("/api/v1/ivr/{token}?{query}"))
                    .body(axum::body::Body::empty())
                    .unwrap();
                let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
                    .await
                    .unwrap();
                (status, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let (s, plain) = ivr("branch=1&from=0912345678").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            plain.contains("staffed=1") && plain.contains("offer_callback=0"),
            "{plain}"
        );
        let (s, denunciation) = ivr("branch=1&choice=denunciation&from=0912345678").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            denunciation.contains("staffed=0") && denunciation.contains("offer_callback=1"),
            "{denunciation}"
        );
        assert_eq!(
            ivr("branch=1&choice=other").await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        sign_in(&app, "investigator").await;
        let (_, denunciation) = ivr("branch=1&choice=denunciation").await;
        assert!(denunciation.contains("staffed=1"), "{denunciation}");
    }
);

// Flagging a caller writes the number into the flag (which can be removed) but into the
// append-only audit log only as its lookup hash: the caller may be a reporter.
both_engines!(
    a_flagged_callers_number_stays_out_of_the_audit_log,
    |app| async move {
        let hotline = app
            .services
            .authenticate_token(app.token("hotline"))
            .await
            .unwrap();
        app.services
            .flag_caller(&hotline, "0904 555 777", "Lăng mạ điện thoại viên")
            .await
            .unwrap();
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM caller_flags WHERE number = '+84904555777'"
            )
            .await,
            1
        );
        assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'caller.flag' AND object LIKE 'phone:hqk1.%'").await,
        1
    );
        assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE object LIKE '%904555777%' OR detail LIKE '%904555777%'").await,
        0
    );
    }
);
