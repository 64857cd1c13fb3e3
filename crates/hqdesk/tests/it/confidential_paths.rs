//! Confidential reports must not leak through the paths that derive one thing from another
//! (issue 14): mail threaded to a denunciation, merge suggestions, merged conversations on the
//! tracking page, idempotent replays of a creation, and the follow-up of a dissatisfied rating.
//! Every test runs on both engines.
use axum::http::StatusCode;
use hqdesk_services::mail::MailSource;
use hqdesk_services::portal::{PortalRequest, Submitted};
use hqdesk_services::ServiceError;
use serde_json::{json, Value};

use crate::both_engines;
use crate::console_session::{request, sign_in};
use crate::mail_ingest::{add_mailbox, mail, poison_timeline_inserts};
use crate::support::TestApp;

/// A denunciation sent from the portal, as a reporter who gives an e-mail address would.
async fn portal_denunciation(
    app: &TestApp,
    subject: &str,
    text: &str,
    email: Option<&str>,
) -> Submitted {
    app.services
        .portal_submit(PortalRequest {
            topic: "denunciation".into(),
            subject: subject.into(),
            description: text.into(),
            name: email.map(|_| "Người báo tin".into()),
            email: email.map(String::from),
            lang: "vi".into(),
            link_base: "http://hqdesk.test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn set_status(app: &TestApp, number: &str, statuses: &[&str]) {
    for status in statuses {
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/status"),
                json!({ "status": status }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{status}: {j}");
    }
}

async fn ingest(app: &TestApp, mailbox: i64, uid: i64, raw: &[u8]) -> (i64, String, bool) {
    let out = app
        .services
        .ingest_raw_mail(
            mailbox,
            MailSource {
                uidvalidity: Some(7),
                uid: Some(uid),
            },
            raw,
        )
        .await
        .unwrap();
    (
        out.case_id.unwrap(),
        out.case_number.unwrap(),
        out.created_case,
    )
}

async fn scalar_i64(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Everything an agent can list or find with `q`, as one string.
async fn agent_sees(app: &TestApp, q: &str) -> String {
    let (s, all) = app.get("agent", "/api/v1/cases?limit=200").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let (s, found) = app.get("agent", &format!("/api/v1/cases?q={q}")).await;
    assert_eq!(s, StatusCode::OK, "{found}");
    format!("{all}{found}")
}

/// A confidential case as only investigators see it; 404 to every other role.
async fn assert_confidential(app: &TestApp, number: &str) -> Value {
    for role in ["agent", "hotline", "unit_officer", "supervisor", "admin"] {
        let (s, j) = app.get(role, &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{role} reads {number}: {j}");
    }
    let (s, j) = app
        .get("investigator", &format!("/api/v1/cases/{number}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["confidential"], true, "{j}");
    assert_eq!(j["kind"], "denunciation", "{j}");
    assert!(j["requester"].is_null(), "never a shared contact: {j}");
    j
}

async fn suggestions(app: &TestApp, role: &str, number: &str) -> Vec<(String, String)> {
    let actor = app
        .services
        .authenticate_token(app.token(role))
        .await
        .unwrap();
    app.services
        .merge_suggestions(&actor, number)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.target_number, s.reason))
        .collect()
}

both_engines!(
    mail_reply_to_a_closed_denunciation_stays_confidential,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let reporter = "bao.tin@example.vn";
        let d = portal_denunciation(
            &app,
            "Cán bộ kiểm hóa nhận tiền tại cửa khẩu Móng Cái",
            "Sáng 20/11 tôi thấy cán bộ nhận phong bì của chủ hàng.",
            Some(reporter),
        )
        .await;
        // The confirmation mail goes out through the outbox and is recorded against the
        // denunciation (the SMTP server here refuses; the Message-ID is kept before sending).
        let registry = hqdesk_services::mail::sender::registry();
        while app.services.run_one_job(&registry, "test").await.unwrap() {}
        let mut conn = app.services.store().read().await.unwrap();
        let confirmation: String = sqlx::query_scalar("SELECT m.message_id FROM mail_message_ids m JOIN cases c ON c.id = m.case_id WHERE c.number = $1 AND m.direction = 'out'")
            .bind(&d.case_number)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        set_status(&app, &d.case_number, &["resolved", "closed"]).await;

        // The reporter answers the confirmation once the case is closed.
        let (_, number, created) = ingest(
            &app,
            mb,
            1,
            &mail(
                reporter,
                &format!("Re: [{}] Đã nhận yêu cầu của Quý vị", d.case_number),
                "tra-loi-1@example.vn",
                &format!("In-Reply-To: <{confirmation}>\r\nReferences: <{confirmation}>\r\n"),
                "Tôi bổ sung: xe biển số 14C-99887 chở hàng lậu zircon.",
            ),
        )
        .await;
        assert!(created, "a closed case is never reopened by mail");
        let j = assert_confidential(&app, &number).await;
        // The reporter is kept in the identity vault: the API never answers it.
        assert!(j["reporter"].is_null(), "{j}");
        assert_eq!(
            crate::identity_vault::stored_reporter(&app, &number)
                .await
                .email
                .as_deref(),
            Some(reporter)
        );
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM requesters WHERE email = $1",
                reporter
            )
            .await,
            0,
            "the reporter never enters the shared directory"
        );
        let seen = agent_sees(&app, "zircon").await;
        assert!(!seen.contains(&number), "{seen}");
        assert!(!seen.contains(&d.case_number), "{seen}");
        assert!(!seen.contains("zircon"), "{seen}");
        // Only investigators are offered the merge into the denunciation.
        assert_eq!(
            suggestions(&app, "investigator", &number).await,
            vec![(d.case_number.clone(), "closed_case".to_string())]
        );
        let agent = app
            .services
            .authenticate_token(app.token("agent"))
            .await
            .unwrap();
        assert!(matches!(
            app.services.merge_suggestions(&agent, &number).await,
            Err(ServiceError::NotFound)
        ));
    }
);

both_engines!(
    mail_naming_a_denunciation_by_number_or_thread_index_stays_confidential,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let reporter = "nguoi.bao@example.vn";
        let d = app
            .open(
                "hotline",
                json!({"kind": "denunciation", "channel": "phone",
                       "subject": "Buôn lậu thuốc lá qua đường mòn",
                       "body": "Người gọi kể lại.", "requester": {"email": reporter}}),
            )
            .await;
        let d_id = scalar_i64(&app, "SELECT id FROM cases WHERE number = $1", &d).await;
        // The reporter writes with the number in the subject: it joins the denunciation.
        let thread = "Thread-Index: AdnL3m1w9hU4pXqXQ0OQ1w2m2Q3n5Q==\r\n";
        let (case_id, _, created) = ingest(
            &app,
            mb,
            1,
            &mail(
                reporter,
                &format!("[{d}] Bổ sung thông tin"),
                "bs-1@example.vn",
                thread,
                "Họ đi lúc 2 giờ sáng.",
            ),
        )
        .await;
        assert_eq!((case_id, created), (d_id, false));

        // Someone else quoting the number: a new confidential case, suggested to investigators.
        let (_, by_number, created) = ingest(
            &app,
            mb,
            2,
            &mail(
                "nguoi.khac@example.vn",
                &format!("Về hồ sơ {d}"),
                "khac-1@example.vn",
                "",
                "Tôi cũng thấy xe tải chở thuốc lá xyzzy.",
            ),
        )
        .await;
        assert!(created);
        assert_confidential(&app, &by_number).await;
        assert_eq!(
            suggestions(&app, "investigator", &by_number).await,
            vec![(d.clone(), "case_number_other_sender".to_string())]
        );

        // Outlook's Thread-Index alone, from another address: the same.
        let (_, by_thread, created) = ingest(
            &app,
            mb,
            3,
            &mail(
                "dong.nghiep@example.vn",
                "RE: Bổ sung thông tin",
                "ti-3@example.vn",
                "Thread-Index: AdnL3m1w9hU4pXqXQ0OQ1w2m2Q3n5QAAAEFCRA==\r\n",
                "Chuyển tiếp cho anh xem plugh.",
            ),
        )
        .await;
        assert!(created);
        assert_confidential(&app, &by_thread).await;
        assert_eq!(
            suggestions(&app, "investigator", &by_thread).await,
            vec![(d.clone(), "thread_index_other_sender".to_string())]
        );
        for word in ["xyzzy", "plugh"] {
            let seen = agent_sees(&app, word).await;
            assert!(!seen.contains(word) && !seen.contains(&d), "{seen}");
        }
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM requesters WHERE email LIKE $1",
                "%@example.vn"
            )
            .await,
            0
        );
    }
);

both_engines!(
    merge_suggestions_name_only_cases_their_viewer_may_see,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        // A case of another unit than the unit officer's.
        let (b_id, b, _) = ingest(
            &app,
            mb,
            1,
            &mail(
                "chu.hang@khach.test",
                "Hoàn thuế lô 7",
                "b-1@khach.test",
                "",
                "x",
            ),
        )
        .await;
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{b}/assign"),
                json!({"unit": "KV2"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        // Someone quotes its number: a new case, routed to the unit officer's unit.
        let (_, n, _) = ingest(
            &app,
            mb,
            2,
            &mail(
                "nguoi.la@khach.test",
                &format!("Về hồ sơ {b}"),
                "n-1@khach.test",
                "",
                "y",
            ),
        )
        .await;
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{n}/assign"),
                json!({"unit": "KV8"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(
            suggestions(&app, "agent", &n).await,
            vec![(b.clone(), "case_number_other_sender".to_string())]
        );
        assert_eq!(
            suggestions(&app, "unit_officer", &n).await,
            vec![],
            "the unit officer may read {n} but not {b}"
        );
        // A suggestion naming a denunciation (as older versions made them) is shown to
        // investigators only.
        let d = app
            .open(
                "hotline",
                json!({"kind": "denunciation", "subject": "Tố giác", "body": "z"}),
            )
            .await;
        let d_id = scalar_i64(&app, "SELECT id FROM cases WHERE number = $1", &d).await;
        let n_id = scalar_i64(&app, "SELECT id FROM cases WHERE number = $1", &n).await;
        let mut tx = app.services.store().begin().await.unwrap();
        hqdesk_store::mail::suggest_merge(&mut tx, n_id, d_id, "closed_case", app.services.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for role in ["agent", "supervisor", "unit_officer", "hotline", "admin"] {
            let seen = suggestions(&app, role, &n).await;
            assert!(seen.iter().all(|(t, _)| *t != d), "{role}: {seen:?}");
        }
        assert!(suggestions(&app, "investigator", &n)
            .await
            .iter()
            .any(|(t, _)| *t == d));
        assert_ne!(b_id, d_id);
    }
);

/// The tracking page a reporter opens from their link.
async fn tracking_page(app: &TestApp, token: &str) -> String {
    let (s, html) = app
        .send(
            "GET",
            &format!("/track/{token}"),
            None,
            &[("host", "hqdesk.test"), ("cookie", "")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    html
}

/// Two reporters, A and B, each with a conversation; A's case merged into B's through `merge`.
/// Each tracking page shows its own reporter's conversation and nothing of the other's, and
/// an answer given after the merge reaches B's page only.
async fn merge_two_reports_and_check<F, Fut>(app: &TestApp, tag: &str, merge: F)
where
    F: FnOnce(String, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let a = portal_denunciation(
        app,
        &format!("Báo tin {tag} A"),
        &format!("Lời kể riêng của người A {tag}"),
        Some(&format!("a.{tag}@example.vn")),
    )
    .await;
    let b = portal_denunciation(
        app,
        &format!("Báo tin {tag} B"),
        &format!("Lời kể riêng của người B {tag}"),
        Some(&format!("b.{tag}@example.vn")),
    )
    .await;
    for (number, answer) in [
        (&a.case_number, format!("Trả lời riêng cho A {tag}")),
        (&b.case_number, format!("Trả lời riêng cho B {tag}")),
    ] {
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/messages"),
                json!({ "body": answer }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
    }
    app.services
        .portal_reply(
            &a.tracking_token,
            &format!("A hỏi thêm {tag}"),
            vec![],
            "test",
        )
        .await
        .unwrap();
    let notices_before = app.count_rows("jobs WHERE kind = 'mail.notify'").await;

    merge(a.case_number.clone(), b.case_number.clone()).await;

    // The investigator sees both conversations on the case merged into.
    let (s, timeline) = app
        .get(
            "investigator",
            &format!("/api/v1/cases/{}/messages", b.case_number),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let timeline = timeline.to_string();
    assert!(
        timeline.contains(&format!("người A {tag}"))
            && timeline.contains(&format!("người B {tag}"))
    );

    let (s, j) = app
        .post(
            "investigator",
            &format!("/api/v1/cases/{}/messages", b.case_number),
            json!({ "body": format!("Sau khi gộp, gửi B {tag}") }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");

    let page_b = tracking_page(app, &b.tracking_token).await;
    for own in [
        format!("người B {tag}"),
        format!("riêng cho B {tag}"),
        format!("Sau khi gộp, gửi B {tag}"),
    ] {
        assert!(page_b.contains(&own), "B's page lacks {own}");
    }
    for other in [
        format!("người A {tag}"),
        format!("riêng cho A {tag}"),
        format!("A hỏi thêm {tag}"),
    ] {
        assert!(!page_b.contains(&other), "B's page shows A's {other}");
    }
    let page_a = tracking_page(app, &a.tracking_token).await;
    for own in [
        format!("người A {tag}"),
        format!("riêng cho A {tag}"),
        format!("A hỏi thêm {tag}"),
    ] {
        assert!(page_a.contains(&own), "A's page lacks its own {own}");
    }
    for other in [format!("người B {tag}"), format!("gửi B {tag}")] {
        assert!(!page_a.contains(&other), "A's page shows B's {other}");
    }
    // No mail told either reporter anything of the other: reporters' addresses are kept apart
    // from the directory, so answers on a denunciation are read on the tracking page only.
    assert_eq!(
        app.count_rows("jobs WHERE kind = 'mail.notify'").await,
        notices_before
    );
}

both_engines!(
    merging_denunciations_keeps_each_tracking_page_to_its_own_reporter,
    |app| async move {
        // Through the API.
        merge_two_reports_and_check(&app, "api", |from, into| {
            let app = &app;
            async move {
                let (s, j) = app
                    .post(
                        "investigator",
                        &format!("/api/v1/cases/{from}/merge"),
                        json!({ "into": into }),
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{j}");
            }
        })
        .await;
        // Through the console, signed in with the second factor investigators need.
        let session = sign_in(&app, "investigator").await;
        merge_two_reports_and_check(&app, "console", |from, into| {
            let app = &app;
            let session = session.clone();
            async move {
                let page =
                    request(app, &session, "GET", &format!("/console/cases/{from}"), &[]).await;
                assert_eq!(page.status, StatusCode::OK, "{}", page.body);
                let merged = request(
                    app,
                    &session,
                    "POST",
                    &format!("/console/cases/{from}/merge"),
                    &[("into", &into)],
                )
                .await;
                assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
            }
        })
        .await;
    }
);

both_engines!(
    an_idempotent_replay_answers_what_the_first_answer_held,
    |app| async move {
        let body = json!({"kind": "denunciation", "channel": "phone",
                          "subject": "Tố giác gian lận xuất xứ",
                          "body": "Người gọi đề nghị giữ kín.",
                          "requester": {"name": "Trần Thị Báo", "phone": "0912345678"}})
        .to_string();
        let key = [("idempotency-key", "goi-lai-1")];
        let (s, _, first) = app
            .call(Some("agent"), "POST", "/api/v1/cases", Some(&body), &key)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{first}");
        let number = first["number"].as_str().unwrap().to_string();
        // The task force takes it over: new subject, assignee, status and messages.
        let (s, _, j) = app
            .call(
                Some("investigator"),
                "PATCH",
                &format!("/api/v1/cases/{number}"),
                Some(r#"{"subject":"Đường dây X, hồ sơ mật"}"#),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee": "investigator"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/messages"),
                json!({"body": "Ghi chú điều tra", "internal": true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");

        // The agent's retry, an hour later: the same case, as first answered, nothing newer.
        app.clock.advance_seconds(3600);
        let (s, _, again) = app
            .call(Some("agent"), "POST", "/api/v1/cases", Some(&body), &key)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{again}");
        assert_eq!(app.count_rows("cases").await, 1, "nothing created twice");
        let text = again.to_string();
        assert!(!text.contains("hồ sơ mật"), "{text}");
        assert!(!text.contains("investigator"), "{text}");
        for field in [
            "number",
            "kind",
            "subject",
            "status",
            "assignee",
            "message_count",
            "updated_at",
            "confidential",
        ] {
            assert_eq!(again[field], first[field], "{field}: {text}");
        }
        // The reporter's identity is not repeated (it lives with the case alone).
        assert_eq!(again["reporter"]["anonymous"], false, "{text}");
        assert!(again["reporter"]["phone"].is_null(), "{text}");
        assert!(again["requester"].is_null(), "{text}");
        // The case itself is still out of the agent's sight.
        let (s, _) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_engines!(
    a_dissatisfied_rating_on_a_denunciation_opens_a_confidential_follow_up,
    |app| async move {
        let reporter = "danh.gia@example.vn";
        let d = portal_denunciation(
            &app,
            "Tố giác cán bộ đội kiểm soát",
            "Nội dung tố giác.",
            Some(reporter),
        )
        .await;
        set_status(&app, &d.case_number, &["resolved"]).await;
        let comment = "Không ai liên hệ lại với tôi quuxly";
        app.services
            .portal_rate(&d.tracking_token, 1, comment)
            .await
            .expect("the rating is taken");
        assert_eq!(app.count_rows("ratings").await, 1);
        assert!(matches!(
            app.services
                .portal_rate(&d.tracking_token, 1, comment)
                .await,
            Err(ServiceError::Conflict {
                code: "already_rated",
                ..
            })
        ));
        assert_eq!(app.count_rows("ratings").await, 1, "saved exactly once");

        // The follow-up is a confidential case linked to the rated one, with the same reporter.
        let (s, list) = app
            .get("investigator", "/api/v1/cases?kind=denunciation&limit=10")
            .await;
        assert_eq!(s, StatusCode::OK);
        let follow = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["number"] != d.case_number.as_str())
            .unwrap_or_else(|| panic!("a follow-up: {list}"))["number"]
            .as_str()
            .unwrap()
            .to_string();
        let j = assert_confidential(&app, &follow).await;
        assert!(j["subject"].as_str().unwrap().contains("1/5"), "{j}");
        assert!(j["reporter"].is_null(), "{j}");
        assert_eq!(
            crate::identity_vault::stored_reporter(&app, &follow)
                .await
                .email
                .as_deref(),
            Some(reporter)
        );
        let (_, links) = app
            .get("investigator", &format!("/api/v1/cases/{follow}/links"))
            .await;
        assert!(links.to_string().contains(&d.case_number), "{links}");
        let (_, messages) = app
            .get("investigator", &format!("/api/v1/cases/{follow}/messages"))
            .await;
        assert!(messages.to_string().contains("quuxly"), "{messages}");

        // Nothing of the rating reaches anyone else.
        for role in ["agent", "supervisor", "unit_officer", "hotline", "admin"] {
            let (s, list) = app.get(role, "/api/v1/cases?limit=200").await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(list["total"], 0, "{role}: {list}");
            let (_, found) = app.get(role, "/api/v1/cases?q=quuxly").await;
            assert_eq!(found["total"], 0, "{role}: {found}");
            let actor = app
                .services
                .authenticate_token(app.token(role))
                .await
                .unwrap();
            assert!(matches!(
                app.services.case_rating(&actor, &d.case_number).await,
                Err(ServiceError::NotFound)
            ));
        }
        let investigator = app
            .services
            .authenticate_token(app.token("investigator"))
            .await
            .unwrap();
        let rating = app
            .services
            .case_rating(&investigator, &d.case_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rating.score, 1);

        // An anonymous reporter's rating opens an anonymous follow-up.
        let anon = portal_denunciation(&app, "Tố giác ẩn danh", "Không để lại tên.", None).await;
        set_status(&app, &anon.case_number, &["resolved"]).await;
        app.services
            .portal_rate(&anon.tracking_token, 2, "Chậm quá")
            .await
            .expect("the anonymous rating is taken");
        let (_, list) = app
            .get("investigator", "/api/v1/cases?kind=denunciation&q=Chậm")
            .await;
        let n = list["items"][0]["number"].as_str().unwrap().to_string();
        let j = assert_confidential(&app, &n).await;
        assert_eq!(j["reporter"]["anonymous"], true, "{j}");
    }
);

both_engines!(
    a_reply_to_a_denunciation_that_cannot_be_filed_stays_confidential,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let reporter = "khong.luu.duoc@example.vn";
        let d = app
            .open(
                "hotline",
                json!({"kind": "denunciation", "subject": "Tố giác gian lận thuế",
                       "body": "x", "requester": {"email": reporter}}),
            )
            .await;
        // Make filing this reply fail inside its transaction, as a bug or a constraint would.
        poison_timeline_inserts(&app).await;
        let (_, item, created) = ingest(
            &app,
            mb,
            1,
            &mail(
                reporter,
                &format!("[{d}] Bổ sung"),
                "poison-1@example.vn",
                "",
                "Chứng cứ mới XYZZY",
            ),
        )
        .await;
        assert!(created, "a work item with the raw mail attached");
        assert_ne!(item, d);
        assert_confidential(&app, &item).await;
    }
);
