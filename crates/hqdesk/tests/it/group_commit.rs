//! Group commit of case creations: many concurrent creations share transactions, and what they
//! write is exactly what one transaction per case would have written.
use axum::http::StatusCode;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::both_engines;

fn inquiry(i: usize, requester: Value) -> Value {
    json!({"kind":"inquiry","branch":2,"channel":"api",
           "subject":format!("Hỏi thủ tục tạm nhập tái xuất lô {i}"),
           "body":format!("Doanh nghiệp hỏi về hồ sơ lô hàng số {i} khai tại cảng Hải Phòng."),
           "requester":requester})
}

/// A case's answer without its requester's kind and tax code (which a later creation may add).
fn without_requester_tax_code(case: &Value) -> Value {
    let mut case = case.clone();
    if let Some(r) = case["requester"].as_object_mut() {
        r.remove("kind");
        r.remove("tax_code");
    }
    case
}

both_engines!(
    concurrent_creations_are_grouped_and_lose_nothing,
    |app| async move {
        // 24 with a requester of their own, 8 sharing one new e-mail address, 4 adding a tax code
        // to that requester, 4 confidential, and two retries of one request under one key.
        let mut bodies: Vec<(Value, Option<&str>)> = Vec::new();
        for i in 0..24 {
            bodies.push((
                inquiry(
                    i,
                    json!({"name":"Trần Thị Hoa","email":format!("hoa.{i}@sao-mai.vn")}),
                ),
                None,
            ));
        }
        for i in 24..32 {
            bodies.push((
                inquiry(i, json!({"name":"Lê Văn Dũng","email":"dung@hai-dang.vn"})),
                None,
            ));
        }
        for i in 32..36 {
            bodies.push((
                inquiry(
                    i,
                    json!({"name":"Lê Văn Dũng","email":"dung@hai-dang.vn","tax_code":"0100233488"}),
                ),
                None,
            ));
        }
        for i in 36..40 {
            bodies.push((
                json!({"kind":"denunciation","channel":"phone",
                       "subject":format!("Tố giác buôn lậu qua cửa khẩu, tin số {i}"),
                       "body":"Người báo tin đề nghị giữ bí mật.","category":"b1.denunciation.smuggling",
                       "unit":"DDN"}),
                None,
            ));
        }
        let retried = inquiry(40, json!({"email":"thu@kho-van.vn"}));
        bodies.push((retried.clone(), Some("retry-40")));
        bodies.push((retried, Some("retry-40")));

        let before = app.services.group_commit_stats();
        let app = &app;
        let answers = join_all(bodies.iter().map(|(body, key)| {
            let role = if body["kind"] == "denunciation" {
                "hotline"
            } else {
                "agent"
            };
            let headers: Vec<(&str, &str)> = key.iter().map(|k| ("idempotency-key", *k)).collect();
            let body = body.to_string();
            async move {
                app.call(Some(role), "POST", "/api/v1/cases", Some(&body), &headers)
                    .await
            }
        }))
        .await;
        let mut numbers: Vec<String> = Vec::new();
        for (status, _, j) in &answers {
            assert_eq!(*status, StatusCode::CREATED, "{j}");
            numbers.push(j["number"].as_str().expect("number").to_string());
        }
        // Each answer shows the case as stored: it is built from what the write committed, not
        // read back, and must equal what a later read gives, field for field. The one exception
        // is the shared requester of 24..32: a creation of 32..36 committed after theirs may have
        // added its tax code since (making it a business), and the read shows that.
        for (i, (_, _, created)) in answers.iter().enumerate() {
            let role = if (36..40).contains(&i) {
                "hotline"
            } else {
                "agent"
            };
            let number = created["number"].as_str().unwrap();
            // The hotline may open a denunciation but not read it back: the task force may.
            let reader = if role == "hotline" {
                "investigator"
            } else {
                "agent"
            };
            let (s, read) = app.get(reader, &format!("/api/v1/cases/{number}")).await;
            assert_eq!(s, StatusCode::OK, "{read}");
            if (24..32).contains(&i) {
                assert_eq!(
                    without_requester_tax_code(created),
                    without_requester_tax_code(&read),
                    "{i}"
                );
                let (kind, tax_code) = (
                    &created["requester"]["kind"],
                    &created["requester"]["tax_code"],
                );
                assert!(
                    (kind, tax_code)
                        == (&read["requester"]["kind"], &read["requester"]["tax_code"])
                        || (kind, tax_code) == (&json!("person"), &Value::Null),
                    "{i}: as written then or as read now: {created} / {read}"
                );
            } else if role == "hotline" {
                // The hotline may not read the denunciation's clocks: its answer has none; the
                // investigator's read has them. Everything else is the same.
                assert_eq!(created["sla"], json!({}), "{i}");
                assert!(read["sla"]["legal_acceptance"].is_object(), "{i}: {read}");
                let (mut created, mut read) = (created.clone(), read.clone());
                created.as_object_mut().unwrap().remove("sla");
                read.as_object_mut().unwrap().remove("sla");
                assert_eq!(created, read, "{i}");
            } else {
                assert_eq!(*created, read, "{i}");
            }
            assert_eq!(created["message_count"], 1);
        }
        // The retry answered with the case the first request opened.
        assert_eq!(numbers[40], numbers[41]);
        let mut distinct = numbers.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 41, "every creation got its own number");
        assert_eq!(app.count_rows("cases").await, 41);

        let stats = app.services.group_commit_stats();
        assert_eq!(stats.cases - before.cases, 41);
        assert!(
            stats.commits - before.commits < 41,
            "concurrent creations shared transactions: {stats:?}"
        );
        assert_eq!(
            stats.fallbacks, before.fallbacks,
            "no group failed: {stats:?}"
        );

        // The shared requester exists once, with the tax code the later creations added.
        let mut conn = app.services.store().read().await.unwrap();
        let rows: Vec<(i64, Option<String>, String)> = sqlx::query_as(
            "SELECT id, tax_code, kind FROM requesters WHERE email = 'dung@hai-dang.vn'",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].1.as_deref(), Some("0100233488"));
        assert_eq!(rows[0].2, "business");
        let sharing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE requester_id = $1")
            .bind(rows[0].0)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(sharing, 12);
        // 24 own + the shared one + the retried one; confidential reporters stay out.
        assert_eq!(app.count_rows("requesters").await, 26);
        assert_eq!(app.count_rows("confidential_reporters").await, 4);

        // Every case has its first message, counted, and is found by its own words.
        let mismatched: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases c WHERE c.message_count <> \
             (SELECT COUNT(*) FROM timeline_entries e WHERE e.case_id = c.id AND e.kind = 'inbound')",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(mismatched, 0);
        drop(conn);
        for (i, number) in numbers.iter().enumerate().take(36).step_by(7) {
            let (s, found) = app
                .get("agent", &format!("/api/v1/cases?q=tam+nhap+lo+{i}"))
                .await;
            assert_eq!(s, StatusCode::OK);
            let hits: Vec<&str> = found["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["number"].as_str())
                .collect();
            assert!(hits.contains(&number.as_str()), "{i}: {found}");
        }
        let (_, found) = app
            .get("agent", &format!("/api/v1/cases?q={}", numbers[3]))
            .await;
        assert_eq!(found["items"][0]["number"], numbers[3].as_str());

        // One audit entry per case, the chain unbroken across the shared transactions.
        let mut conn = app.services.store().read().await.unwrap();
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'case.create'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(audited, 41);
        drop(conn);
        match app.services.verify_audit().await.unwrap() {
            hqdesk_store::audit::Verification::Intact { .. } => {}
            broken => panic!("audit chain: {broken:?}"),
        }
    }
);
