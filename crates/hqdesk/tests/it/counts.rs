//! The maintained counts (`case_counts`, migration 0010; `case_tallies`, migration 0011) follow
//! every kind of change to the cases, and the counts answered from them equal the counts of the
//! cases themselves.
use axum::http::StatusCode;
use futures_util::future::join_all;
use hqdesk_domain::access::CaseScope;
use hqdesk_domain::case::{Branch, Status};
use hqdesk_domain::Timestamp;
use hqdesk_services::cases::ListCases;
use hqdesk_store::cases::{self, CaseFilter};
use hqdesk_store::Store;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use crate::both_engines;
use crate::support::TestApp;

type Tally = (i64, String, i64, i64, i64, i64, i64);

/// Every tally and count per confidentiality equals a COUNT(*) over the cases, and every count a
/// queue may ask for answers as counting the cases would.
pub async fn assert_counts_exact(conn: &mut AnyConnection, after: &str) {
    let maintained: Vec<Tally> = sqlx::query_as(
        "SELECT confidential, status, branch, assignee_id, unit_id, has_due, n FROM case_tallies \
         WHERE n <> 0 ORDER BY confidential, status, branch, assignee_id, unit_id, has_due",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let counted: Vec<Tally> = sqlx::query_as(
        "SELECT confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0), \
         CASE WHEN resolution_due_at IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM cases \
         GROUP BY confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0), \
         CASE WHEN resolution_due_at IS NULL THEN 0 ELSE 1 END ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(maintained, counted, "case_tallies after {after}");
    let maintained: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT confidential, n FROM case_counts WHERE n <> 0 ORDER BY confidential",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let counted: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT confidential, COUNT(*) FROM cases GROUP BY confidential ORDER BY confidential",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(maintained, counted, "case_counts after {after}");

    // The filters the queues use (and more), in every scope: answered from the tallies where
    // they cover the filter, by counting otherwise; always as the cases are.
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let units: Vec<i64> = sqlx::query_scalar("SELECT id FROM units ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut scopes = vec![CaseScope::All, CaseScope::NonConfidential];
    // An investigator whom some reports name (conflict of interest): every case but those, from
    // the tallies minus the excluded that match (a few confidential ones, an ordinary one, and an
    // id nobody has).
    let mut excluded: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM cases WHERE confidential = 1 ORDER BY id LIMIT 3")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    excluded.extend(
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM cases WHERE confidential = 0 ORDER BY id LIMIT 1",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    excluded.push(987_654_321);
    scopes.push(CaseScope::AllBut { excluded });
    for (i, user) in users.iter().enumerate().take(4) {
        scopes.push(CaseScope::NonConfidentialOfUnitsOrAssignee {
            units: units.iter().skip(i).take(i).copied().collect(),
            user_id: *user,
        });
    }
    let statuses: [&[Status]; 4] = [
        &[],
        &[Status::New, Status::Open],
        &[Status::Waiting],
        &[Status::New, Status::Open, Status::Waiting],
    ];
    let mut filters = Vec::new();
    for scope in &scopes {
        for st in statuses {
            let mut f = CaseFilter::new(scope.clone());
            f.statuses = st.to_vec();
            filters.push(f.clone());
            for b in [Branch::One, Branch::Two] {
                let mut u = f.clone();
                u.branch = Some(b);
                filters.push(u.clone());
                u.unassigned = true;
                filters.push(u);
            }
            for user in users.iter().take(8) {
                let mut m = f.clone();
                m.assignee_id = Some(*user);
                filters.push(m);
            }
            for unit in &units {
                let mut m = f.clone();
                m.unit_id = Some(*unit);
                filters.push(m.clone());
                m.unassigned = true;
                filters.push(m);
            }
            // Overdue and due soon, around the test clock and far off.
            let t0 = crate::support::T0;
            for at in [
                t0,
                Timestamp(t0.0 - 86_400_000),
                t0.plus_minutes(3 * 24 * 60),
                Timestamp(0),
                Timestamp(i64::MAX / 2),
            ] {
                let mut d = f.clone();
                d.due_before = Some(at);
                filters.push(d.clone());
                d.branch = Some(Branch::Two);
                d.unassigned = true;
                filters.push(d.clone());
                d.due_after = Some(Timestamp(at.0 - 7_200_000));
                filters.push(d);
                let mut d = f.clone();
                d.due_after = Some(at);
                filters.push(d);
            }
        }
    }
    // And filters the tallies do not cover (kind, a search), counted from the cases.
    let mut f = CaseFilter::new(CaseScope::NonConfidential);
    f.statuses = vec![Status::New, Status::Open];
    f.due_before = Some(Timestamp(i64::MAX / 2));
    f.kinds = vec![hqdesk_domain::case::CaseKind::Inquiry];
    filters.push(f);
    let mut f = CaseFilter::new(CaseScope::All);
    f.search_tokens = vec!["vnaccs".into()];
    filters.push(f);
    let mut scanned = Vec::with_capacity(filters.len());
    for f in &filters {
        let answered = cases::count(conn, f).await.unwrap();
        let counted = cases::count_scanning(conn, f).await.unwrap();
        assert_eq!(answered, counted, "count after {after}: {f:?}");
        scanned.push(counted);
    }
    // Many at once, in one statement each (as the console's queue navigation asks).
    let mut many = Vec::with_capacity(filters.len());
    for chunk in filters.chunks(97) {
        many.extend(cases::count_many(conn, chunk).await.unwrap());
    }
    assert_eq!(many, scanned, "count_many after {after}");
}

async fn check(app: &TestApp, after: &str) {
    let mut conn = app.services.store().read().await.unwrap();
    assert_counts_exact(&mut conn, after).await;
    drop(conn);
    // The console's queue navigation asks the services for its counts at once: the same as
    // asking for each, for every role.
    for role in [
        "agent",
        "hotline",
        "investigator",
        "unit_officer",
        "supervisor",
    ] {
        let actor = app
            .services
            .authenticate_token(app.token(role))
            .await
            .unwrap();
        let queues = queue_shapes();
        let many = app
            .services
            .count_cases_many(&actor, queues.clone())
            .await
            .unwrap();
        let mut each = Vec::new();
        for q in queues {
            each.push(app.services.count_cases(&actor, q).await.unwrap());
        }
        assert_eq!(many, each, "{role} after {after}");
    }
}

/// The console's queues (`console::queue_filter`) and a search.
fn queue_shapes() -> Vec<ListCases> {
    let active = || vec!["new".to_string(), "open".to_string()];
    let mut all_active = active();
    all_active.push("waiting".into());
    let now = crate::support::T0;
    vec![
        ListCases {
            status: all_active.clone(),
            assignee: Some("me".into()),
            ..Default::default()
        },
        ListCases {
            status: all_active.clone(),
            unit: Some("KV8".into()),
            ..Default::default()
        },
        ListCases {
            status: active(),
            unassigned: true,
            branch: Some(1),
            ..Default::default()
        },
        ListCases {
            status: active(),
            unassigned: true,
            branch: Some(2),
            ..Default::default()
        },
        ListCases {
            status: vec!["waiting".into()],
            ..Default::default()
        },
        ListCases {
            status: active(),
            due_after: Some(now),
            due_before: Some(now.plus_minutes(120)),
            ..Default::default()
        },
        ListCases {
            status: active(),
            due_before: Some(now),
            ..Default::default()
        },
        ListCases::default(),
        ListCases {
            q: Some("tài khoản".into()),
            ..Default::default()
        },
    ]
}

fn inquiry(i: usize) -> Value {
    json!({"kind":"inquiry","branch":2,"channel":"api",
           "subject":format!("Hỏi thủ tục đăng ký tài khoản VNACCS, lần {i}"),
           "body":"Doanh nghiệp không đăng ký được tài khoản.",
           "requester":{"name":"Nguyễn Văn An","email":format!("an.{i}@tanphat.com.vn")}})
}

async fn post_ok(app: &TestApp, role: &str, path: &str, body: Value) -> Value {
    let (s, j) = app.post(role, path, body).await;
    assert_eq!(s, StatusCode::OK, "{path}: {j}");
    j
}

both_engines!(maintained_counts_follow_every_change, |app| async move {
    check(&app, "migration").await;

    // Creation, one at a time: branch 2, branch 1 with a unit and an assignee, confidential.
    let a = app.open("agent", inquiry(0)).await;
    let b = app
        .open(
            "hotline",
            json!({"kind":"procedure_problem","channel":"phone",
                   "subject":"Vướng mắc thủ tục tại cửa khẩu Móng Cái",
                   "body":"Doanh nghiệp phản ánh thời gian thông quan kéo dài.",
                   "requester":{"name":"Phạm Văn Bình","phone":"0912 345 679"},
                   "unit":"KV8","assignee":"unit_officer"}),
        )
        .await;
    let den = app
        .open(
            "hotline",
            json!({"kind":"denunciation","channel":"phone",
                   "subject":"Tố giác buôn lậu qua cửa khẩu",
                   "body":"Người báo tin đề nghị giữ bí mật.",
                   "category":"b1.denunciation.smuggling","unit":"DDN"}),
        )
        .await;
    check(&app, "single creations").await;

    // Concurrent creations, committed in groups (multi-row INSERTs).
    let answers = join_all((1..=16).map(|i| {
        let app = &app;
        async move {
            let (role, body) = if i % 4 == 0 {
                (
                    "hotline",
                    json!({"kind":"denunciation","channel":"phone",
                           "subject":format!("Tố giác gian lận thương mại, tin số {i}"),
                           "body":"Đề nghị giữ bí mật.","category":"b1.denunciation.smuggling"}),
                )
            } else {
                ("agent", inquiry(i))
            };
            app.post(role, "/api/v1/cases", body).await
        }
    }))
    .await;
    let mut created = Vec::new();
    for (s, j) in answers {
        assert_eq!(s, StatusCode::CREATED, "{j}");
        created.push(j["number"].as_str().unwrap().to_string());
    }
    check(&app, "concurrent creations").await;

    // Status changes.
    for st in ["open", "waiting"] {
        post_ok(
            &app,
            "agent",
            &format!("/api/v1/cases/{a}/status"),
            json!({"status": st}),
        )
        .await;
        check(&app, &format!("status {st}")).await;
    }
    // Assignment, unassignment, unit transfer and removal.
    let path = format!("/api/v1/cases/{a}/assign");
    post_ok(&app, "agent", &path, json!({"assignee":"me"})).await;
    check(&app, "assignment").await;
    post_ok(
        &app,
        "agent",
        &path,
        json!({"unit":"KV8","assignee":"unit_officer"}),
    )
    .await;
    check(&app, "unit transfer with an assignee").await;
    post_ok(&app, "agent", &path, json!({"assignee":null})).await;
    check(&app, "unassignment").await;
    post_ok(&app, "agent", &path, json!({"unit":null})).await;
    check(&app, "unit removed").await;
    post_ok(
        &app,
        "investigator",
        &format!("/api/v1/cases/{den}/assign"),
        json!({"assignee":"me"}),
    )
    .await;
    check(&app, "confidential case assigned").await;
    // Branch change.
    let (s, _, j) = app
        .call(
            Some("agent"),
            "PATCH",
            &format!("/api/v1/cases/{}", created[0]),
            Some(r#"{"branch":1}"#),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    check(&app, "branch change").await;
    // Priority change (new due times).
    let (s, _, j) = app
        .call(
            Some("agent"),
            "PATCH",
            &format!("/api/v1/cases/{a}"),
            Some(r#"{"priority":"urgent"}"#),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    check(&app, "priority change").await;
    // Resolution, closing and reopening.
    for st in ["resolved", "closed"] {
        post_ok(
            &app,
            "hotline",
            &format!("/api/v1/cases/{b}/status"),
            json!({"status": st}),
        )
        .await;
        check(&app, &format!("status {st}")).await;
    }
    post_ok(
        &app,
        "agent",
        &format!("/api/v1/cases/{}/status", created[1]),
        json!({"status":"resolved"}),
    )
    .await;
    post_ok(
        &app,
        "agent",
        &format!("/api/v1/cases/{}/status", created[1]),
        json!({"status":"open"}),
    )
    .await;
    check(&app, "reopening").await;
    // A message (the case's count and time change, not a tallied column).
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{a}/messages"),
            json!({"body":"Kính gửi Quý Doanh nghiệp."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    check(&app, "a message").await;
    // Merge: the duplicate is resolved and closed.
    post_ok(
        &app,
        "agent",
        &format!("/api/v1/cases/{}/merge", created[2]),
        json!({"into": a}),
    )
    .await;
    check(&app, "merge").await;

    // Statements the services do not issue: one UPDATE of many rows, a multi-row INSERT and a
    // DELETE of several rows, a confidentiality change, and a change rolled back.
    {
        let store = app.services.store();
        let mut tx = store.begin().await.unwrap();
        sqlx::query("UPDATE cases SET status = 'waiting' WHERE status IN ('new', 'open')")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO cases (number, kind, branch, channel, priority, status, confidential, \
             subject, unit_id, assignee_id, created_at, updated_at) VALUES \
             ('HQ0001-0000001', 'inquiry', 2, 'api', 'normal', 'new', 0, 'x', NULL, NULL, 1, 1), \
             ('HQ0001-0000002', 'inquiry', 2, 'api', 'normal', 'new', 0, 'x', NULL, NULL, 1, 1), \
             ('HQ0001-0000003', 'denunciation', 1, 'api', 'normal', 'open', 1, 'x', NULL, NULL, 1, 1)",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        for change in [
            "UPDATE cases SET confidential = 1 WHERE number = 'HQ0001-0000001'",
            "UPDATE cases SET resolution_due_at = 5 WHERE number LIKE 'HQ0001-%'",
            "UPDATE cases SET resolution_due_at = NULL WHERE number = 'HQ0001-0000002'",
        ] {
            sqlx::query(change).execute(&mut *tx).await.unwrap();
        }
        Store::commit(tx).await.unwrap();
        check(&app, "raw multi-row statements").await;
        let mut tx = store.begin().await.unwrap();
        sqlx::query("DELETE FROM cases WHERE number LIKE 'HQ0001-%'")
            .execute(&mut *tx)
            .await
            .unwrap();
        Store::commit(tx).await.unwrap();
        check(&app, "a DELETE").await;
        let mut tx = store.begin().await.unwrap();
        sqlx::query("UPDATE cases SET status = 'closed', assignee_id = NULL")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        check(&app, "a rolled back change").await;
    }

    // The bench seeder's multi-row INSERTs, then more changes on top.
    hqdesk_bench::seed::seed_settled(&app.services, 600, |_| {})
        .await
        .unwrap();
    check(&app, "bulk seed").await;
    let (_, page) = app.get("agent", "/api/v1/cases?status=new&limit=3").await;
    for c in page["items"].as_array().unwrap() {
        let n = c["number"].as_str().unwrap();
        post_ok(
            &app,
            "agent",
            &format!("/api/v1/cases/{n}/assign"),
            json!({"assignee":"me"}),
        )
        .await;
        post_ok(
            &app,
            "agent",
            &format!("/api/v1/cases/{n}/status"),
            json!({"status":"open"}),
        )
        .await;
    }
    check(&app, "changes to seeded cases").await;
});
