//! Escalation ladders (issue 17): a case's `sla.escalate` timer fires each due step of its
//! policy's ladder exactly once (notify the assignee, notify the supervisors, give the case back
//! to its unit's queue), never tells anyone about a case they may not read, and with two `serve`
//! nodes on one PostgreSQL a step still fires once.
use axum::http::StatusCode;
use hqdesk_domain::Timestamp;
use hqdesk_services::jobs::Registry;
use hqdesk_services::sla_escalation::{timer_key, timer_payload, ESCALATE_JOB};
use hqdesk_services::Services;
use serde_json::json;

use crate::support::{TestApp, T0};

const MIN: i64 = 60_000;

/// 75 % → notify the assignee, 100 % → notify the supervisors, 150 % → back to the queue.
const LADDER: &str = r#"[{"clock":"first_response","percent":75,"action":"notify_assignee"},{"clock":"first_response","percent":100,"action":"notify_supervisors"},{"clock":"first_response","percent":150,"action":"reassign_to_queue"}]"#;

async fn scalar(s: &Services, sql: &str) -> i64 {
    let mut conn = s.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

async fn opt_scalar(s: &Services, sql: &str) -> Option<i64> {
    let mut conn = s.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

async fn exec(s: &Services, sql: &str) {
    let mut tx = s.store().begin().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    hqdesk_store::Store::commit(tx).await.unwrap();
}

/// A policy with `ladder` on 24x7 with a first response of `minutes`; its id.
async fn add_policy(s: &Services, name: &str, minutes: i64, ladder: &str) -> i64 {
    scalar(
        s,
        &format!(
            "INSERT INTO sla_policies (name, position, conditions, calendar, \
             first_response_minutes, pause_while_waiting, ladder, created_at, updated_at) \
             VALUES ('{name}', 1, '{{}}', '24x7', {minutes}, 1, '{ladder}', 0, 0) RETURNING id"
        ),
    )
    .await
}

/// The case's first-response clock is this one (whatever the creation wrote),
/// counting `minutes` on 24x7 from `started`, its next step at `next`; the case's timer armed
/// for `next`, as the clocks' writer does.
async fn set_clock(
    s: &Services,
    case_id: i64,
    policy: i64,
    minutes: i64,
    started: Timestamp,
    next: Timestamp,
) {
    exec(
        s,
        &format!("DELETE FROM case_clocks WHERE case_id = {case_id} AND clock = 'first_response'"),
    )
    .await;
    exec(
        s,
        &format!(
            "INSERT INTO case_clocks (case_id, clock, policy_id, calendar, amount, started_at, \
             pauses, next_step_at) VALUES ({case_id}, 'first_response', {policy}, '24x7', \
             '{{\"minutes\":{minutes}}}', {}, '[]', {})",
            started.millis(),
            next.millis()
        ),
    )
    .await;
    let mut tx = s.store().begin().await.unwrap();
    hqdesk_store::jobs::arm(
        &mut tx,
        ESCALATE_JOB,
        &timer_key(case_id),
        &timer_payload(case_id),
        next,
        s.now(),
    )
    .await
    .unwrap();
    hqdesk_store::Store::commit(tx).await.unwrap();
}

/// Arm the case's timer for `at` by hand (as any change of the case does).
async fn rearm(s: &Services, case_id: i64, at: Timestamp) {
    let mut tx = s.store().begin().await.unwrap();
    hqdesk_store::jobs::arm(
        &mut tx,
        ESCALATE_JOB,
        &timer_key(case_id),
        &timer_payload(case_id),
        at,
        s.now(),
    )
    .await
    .unwrap();
    hqdesk_store::Store::commit(tx).await.unwrap();
}

/// When the case's timer job is set to run, if it is waiting.
async fn timer_at(s: &Services, case_id: i64) -> Option<i64> {
    let mut conn = s.store().read().await.unwrap();
    sqlx::query_scalar(&format!(
        "SELECT run_at FROM jobs WHERE dedup_key = '{}' AND finished_at IS NULL",
        timer_key(case_id)
    ))
    .fetch_optional(&mut *conn)
    .await
    .unwrap()
}

/// The case's first-response clock as its creation wrote it: started at T0, the policy's,
/// its first step at `first`, and the case's timer armed for it.
async fn created_with(app: &TestApp, case: i64, policy: i64, first: Timestamp) {
    let s = &app.services;
    assert_eq!(
        scalar(
            s,
            &format!(
                "SELECT COUNT(*) FROM case_clocks WHERE case_id = {case} AND clock = \
                 'first_response' AND policy_id = {policy} AND started_at = {}",
                T0.millis()
            )
        )
        .await,
        1
    );
    assert_eq!(next_step(app, case).await, Some(first.millis()));
    assert_eq!(timer_at(s, case).await, Some(first.millis()));
}

/// `role` changes the case's assignment (`body` as the API takes it); it must succeed.
async fn assign(app: &TestApp, role: &str, number: &str, body: serde_json::Value) {
    let (st, j) = app
        .post(role, &format!("/api/v1/cases/{number}/assign"), body)
        .await;
    assert_eq!(st, StatusCode::OK, "{j}");
}

async fn run_jobs(app: &TestApp) {
    let registry = Registry::standard();
    while app.services.run_one_job(&registry, "w").await.unwrap() {}
}

async fn case_id(app: &TestApp, number: &str) -> i64 {
    scalar(
        &app.services,
        &format!("SELECT id FROM cases WHERE number = '{number}'"),
    )
    .await
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    scalar(
        &app.services,
        &format!("SELECT id FROM users WHERE username = '{username}'"),
    )
    .await
}

/// Notifications of the case per recipient, as "username" strings sorted.
async fn notified(app: &TestApp, case: i64) -> Vec<String> {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(&format!(
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.case_id = {case} ORDER BY u.username, n.id"
    ))
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

async fn next_step(app: &TestApp, case: i64) -> Option<i64> {
    opt_scalar(
        &app.services,
        &format!(
            "SELECT next_step_at FROM case_clocks WHERE case_id = {case} \
             AND clock = 'first_response'"
        ),
    )
    .await
}

async fn fired(app: &TestApp, case: i64) -> i64 {
    scalar(
        &app.services,
        &format!("SELECT COUNT(*) FROM sla_escalations WHERE case_id = {case}"),
    )
    .await
}

async fn escalation_entries(app: &TestApp, case: i64) -> i64 {
    scalar(
        &app.services,
        &format!(
            "SELECT COUNT(*) FROM timeline_entries WHERE case_id = {case} \
             AND meta LIKE '%\"escalation\"%'"
        ),
    )
    .await
}

crate::both_engines!(a_ladder_fires_each_step_once, |app| async move {
    let s = &app.services;
    let policy = add_policy(s, "Thang thử", 60, LADDER).await;
    let number = app
        .open(
            "agent",
            json!({"kind":"inquiry","subject":"Hỏi về thủ tục tạm nhập tái xuất","requester":{"phone":"0904555666"}}),
        )
        .await;
    assign(&app, "agent", &number, json!({"assignee":"agent"})).await;
    let case = case_id(&app, &number).await;
    // The policy (position 1, no condition) applies to the new case: 60 minutes on 24x7 from
    // T0: 75 % = 45 min → T0+45m; 100 % = 60 min → T0+60m; 150 % = 90 min → T0+90m (24x7
    // counts every minute).
    created_with(&app, case, policy, Timestamp(T0.millis() + 45 * MIN)).await;

    // A minute early: nothing.
    app.clock.set(Timestamp(T0.millis() + 44 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 0);
    assert!(notified(&app, case).await.is_empty());

    // 75 %: the assignee is told, once; the next step is the 100 % one at T0+60m.
    app.clock.set(Timestamp(T0.millis() + 45 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 1);
    assert_eq!(notified(&app, case).await, vec!["agent"]);
    assert_eq!(next_step(&app, case).await, Some(T0.millis() + 60 * MIN));
    assert_eq!(escalation_entries(&app, case).await, 1);
    // The timer runs again (re-armed by hand, as a case change would): nothing new.
    rearm(s, case, Timestamp(T0.millis() + 45 * MIN)).await;
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 1);
    assert_eq!(notified(&app, case).await, vec!["agent"]);
    assert_eq!(next_step(&app, case).await, Some(T0.millis() + 60 * MIN));

    // 100 %: every supervisor (there is one), nobody else.
    app.clock.set(Timestamp(T0.millis() + 60 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 2);
    assert_eq!(notified(&app, case).await, vec!["agent", "supervisor"]);
    assert_eq!(next_step(&app, case).await, Some(T0.millis() + 90 * MIN));

    // 150 %: the case goes back to its queue, written as an unassignment by the system.
    app.clock.set(Timestamp(T0.millis() + 90 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 3);
    assert_eq!(notified(&app, case).await, vec!["agent", "supervisor"]);
    assert_eq!(next_step(&app, case).await, None);
    let (_, view) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
    assert!(view["assignee"].is_null(), "{view}");
    assert_eq!(
        scalar(
            s,
            &format!(
                "SELECT COUNT(*) FROM timeline_entries WHERE case_id = {case} AND body = 'assigned' \
                 AND author_user_id IS NULL AND meta LIKE '%\"to\":null%'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            s,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE object = 'case:{number}' \
                 AND action = 'case.assign' AND actor = 'system:sla.escalate'"
            )
        )
        .await,
        1
    );
    assert_eq!(escalation_entries(&app, case).await, 3);
    assert_eq!(
        scalar(
            s,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE object = 'case:{number}' \
                 AND action = 'sla.escalation'"
            )
        )
        .await,
        3
    );
    // Nothing left: the timer finished; running everything again changes nothing.
    assert_eq!(
        scalar(
            s,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE dedup_key = '{}' AND finished_at IS NOT NULL",
                timer_key(case)
            )
        )
        .await,
        1
    );
    rearm(s, case, Timestamp(T0.millis() + 45 * MIN)).await;
    app.clock.set(Timestamp(T0.millis() + 200 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 3);
    assert_eq!(notified(&app, case).await, vec!["agent", "supervisor"]);
    assert_eq!(escalation_entries(&app, case).await, 3);
    assert_eq!(next_step(&app, case).await, None);

    // The console: the case's timeline tells each step in the reader's language; the header
    // counts the unread notification; the page lists it with the case's number.
    let session = crate::console_session::sign_in(&app, "agent").await;
    let page = |path: String| {
        let session = &session;
        let app = &app;
        async move {
            let a = crate::console_session::request(app, session, "GET", &path, &[]).await;
            assert_eq!(a.status, StatusCode::OK, "{path}");
            a.body
        }
    };
    let html = page(format!("/console/cases/{number}")).await;
    for step in [
        "Nâng cấp xử lý: đã dùng 75% thời hạn phản hồi đầu tiên — báo người được phân công",
        "Nâng cấp xử lý: đã dùng 100% thời hạn phản hồi đầu tiên — báo giám sát viên",
        "Nâng cấp xử lý: đã dùng 150% thời hạn phản hồi đầu tiên — trả về hàng chờ của đơn vị",
    ] {
        assert!(html.contains(step), "{step}");
    }
    assert!(page("/console".into()).await.contains("Thông báo (1)"));
    assert!(page("/console/notifications".into())
        .await
        .contains(&format!("<a href=\"/console/cases/{number}\">{number}</a>")));

    // The agent sees their notification with the case; the supervisor theirs.
    let agent = app
        .services
        .actor_for_user(user_id(&app, "agent").await)
        .await
        .unwrap();
    let mine = app.services.notifications(&agent).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].case_number.as_deref(), Some(number.as_str()));
    assert_eq!(mine[0].percent, Some(75));
    // Due time: 100 % of 60 minutes from T0 = T0+60m.
    assert_eq!(mine[0].due_at, Some(Timestamp(T0.millis() + 60 * MIN)));
    assert_eq!(app.services.unread_notifications(&agent).await.unwrap(), 1);
    assert_eq!(
        app.services.mark_notifications_read(&agent).await.unwrap(),
        1
    );
    assert_eq!(app.services.unread_notifications(&agent).await.unwrap(), 0);
    let sup = app
        .services
        .actor_for_user(user_id(&app, "supervisor").await)
        .await
        .unwrap();
    assert_eq!(app.services.unread_notifications(&sup).await.unwrap(), 1);
});

/// The notification mails queued for `case`'s steps (`mail.notify`, purpose `staff.escalation`):
/// (to, subject, text), sorted by address then subject.
async fn escalation_mails(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.services.store().read().await.unwrap();
    let payloads: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE kind = 'mail.notify' AND dedup_key LIKE 'staff.escalation:%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut mails: Vec<(String, String, String)> = payloads
        .iter()
        .map(|p| {
            let v: serde_json::Value = serde_json::from_str(p).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("to"), s("subject"), s("text"))
        })
        .collect();
    mails.sort();
    mails
}

async fn set_email(app: &TestApp, username: &str, email: &str) {
    app.services
        .update_user(
            &hqdesk_services::Actor::Cli,
            username,
            hqdesk_services::directory::UpdateUser {
                email: Some(Some(email.into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

// A fired step mails each recipient with an address on their account, in their language, once;
// a recipient without one gets the console's notification only; a denunciation's mail names
// nothing of it.
crate::both_engines!(a_fired_step_mails_its_recipients, |app| async move {
    let s = &app.services;
    add_policy(s, "Thang thư", 60, LADDER).await;
    // An address is checked: a clear 422 naming the field.
    let (st, _, j) = app
        .call(
            Some("admin"),
            "PATCH",
            "/api/v1/users/agent",
            Some(&json!({"email": "không phải địa chỉ"}).to_string()),
            &[],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{j}");
    assert!(j.to_string().contains("email"), "{j}");
    let (st, _, j) = app
        .call(
            Some("admin"),
            "PATCH",
            "/api/v1/users/agent",
            Some(&json!({"email": " Lan.Nguyen@HaiQuan.example "}).to_string()),
            &[],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{j}");
    let stored = j["email"].as_str().unwrap().to_string();
    assert!(
        stored.eq_ignore_ascii_case("lan.nguyen@haiquan.example"),
        "{j}"
    );
    set_locale(&app, "agent", "en").await;
    set_email(&app, "investigator", "dieu.tra@haiquan.example").await;
    // The supervisor has no address: the console only.

    let number = app
        .open(
            "agent",
            json!({"kind":"inquiry","subject":"Hỏi về thủ tục tạm nhập tái xuất","requester":{"phone":"0904555666"}}),
        )
        .await;
    assign(&app, "agent", &number, json!({"assignee":"agent"})).await;
    let sealed = app
        .open(
            "hotline",
            json!({"kind": "denunciation", "channel": "phone", "unit": "DDN",
                   "subject": "Tố giác buôn lậu qua cửa khẩu Móng Cái",
                   "body": "Người báo tin đề nghị giữ bí mật."}),
        )
        .await;
    assign(
        &app,
        "investigator",
        &sealed,
        json!({"assignee":"investigator"}),
    )
    .await;

    app.clock.set(Timestamp(T0.millis() + 90 * MIN));
    run_jobs(&app).await;
    // The notifications: the agent's, the supervisor's; the investigator's two.
    assert_eq!(
        notified(&app, case_id(&app, &number).await).await,
        vec!["agent", "supervisor"]
    );
    let mails = escalation_mails(&app).await;
    assert_eq!(mails.len(), 3, "{mails:?}");
    let (agent_mails, investigator_mails): (Vec<_>, Vec<_>) =
        mails.iter().partition(|(to, _, _)| to == &stored);
    assert_eq!(agent_mails.len(), 1, "{mails:?}");
    let (_, subject, text) = agent_mails[0];
    assert_eq!(
        subject,
        &format!("[hqdesk] Case {number}: 75% of the first response time used")
    );
    assert!(text.contains(&format!("/console/cases/{number}")), "{text}");
    assert!(
        text.contains("Escalation step: assignee notified."),
        "{text}"
    );
    assert!(text.contains("Due: 23/11/2026 17:20 (UTC+7)"), "{text}");
    // The investigator's mails (the assignee step and the supervisors' step) say nothing of the
    // denunciation: no number, no clock, no subject.
    assert_eq!(investigator_mails.len(), 2, "{mails:?}");
    for (to, subject, text) in investigator_mails {
        assert_eq!(to, "dieu.tra@haiquan.example");
        assert_eq!(subject, "[hqdesk] Bạn có thông báo mới");
        for secret in [sealed.as_str(), "Móng Cái", "Tố giác", "thời hạn"] {
            assert!(
                !subject.contains(secret) && !text.contains(secret),
                "{secret}: {text}"
            );
        }
        assert!(text.contains("/console/notifications"), "{text}");
    }
    // Running the timers again mails nobody twice.
    rearm(
        s,
        case_id(&app, &number).await,
        Timestamp(T0.millis() + 45 * MIN),
    )
    .await;
    run_jobs(&app).await;
    assert_eq!(escalation_mails(&app).await.len(), 3);
});

crate::both_engines!(concurrent_runs_fire_a_step_once, |app| async move {
    let s = &app.services;
    let policy = add_policy(s, "Thang song song", 60, LADDER).await;
    let number = app
        .open(
            "agent",
            json!({"kind":"inquiry","subject":"Hỏi về thuế suất ưu đãi","requester":{"phone":"0904555123"}}),
        )
        .await;
    assign(&app, "agent", &number, json!({"assignee":"agent"})).await;
    let case = case_id(&app, &number).await;
    // 75 % of 60 min from T0 = T0+45m.
    created_with(&app, case, policy, Timestamp(T0.millis() + 45 * MIN)).await;
    app.clock.set(Timestamp(T0.millis() + 45 * MIN));
    // Four runs at once (as after a lease ran out on a node that was only slow): each reads
    // the step as unfired, only one records it and writes its effects.
    let (a, b, c, d) = tokio::join!(
        s.run_escalations(case),
        s.run_escalations(case),
        s.run_escalations(case),
        s.run_escalations(case)
    );
    for r in [a, b, c, d] {
        // The next step: 100 % of 60 min from T0 = T0+60m.
        assert_eq!(r.unwrap(), Some(Timestamp(T0.millis() + 60 * MIN)));
    }
    assert_eq!(fired(&app, case).await, 1);
    assert_eq!(notified(&app, case).await, vec!["agent"]);
    assert_eq!(escalation_entries(&app, case).await, 1);
});

crate::both_engines!(
    a_denunciations_ladder_tells_only_investigators,
    |app| async move {
        let s = &app.services;
        let policy = add_policy(s, "Thang tố giác", 60, LADDER).await;
        let number = app
            .open(
                "hotline",
                json!({"kind": "denunciation", "channel": "phone", "unit": "DDN",
                       "subject": "Tố giác buôn lậu hàng điện tử qua cửa khẩu Móng Cái",
                       "body": "Người báo tin đề nghị giữ bí mật."}),
            )
            .await;
        assign(
            &app,
            "investigator",
            &number,
            json!({"assignee":"investigator"}),
        )
        .await;
        let case = case_id(&app, &number).await;
        // 75 % of 60 min = T0+45m; every step is past at T0+90m (150 %).
        created_with(&app, case, policy, Timestamp(T0.millis() + 45 * MIN)).await;
        app.clock.set(Timestamp(T0.millis() + 90 * MIN));
        run_jobs(&app).await;
        assert_eq!(fired(&app, case).await, 3);
        // The assignee step and the supervisors' step both reach the investigator only.
        assert_eq!(
            notified(&app, case).await,
            vec!["investigator", "investigator"]
        );
        for who in ["supervisor", "agent", "hotline", "admin", "unit_officer"] {
            let actor = app
                .services
                .actor_for_user(user_id(&app, who).await)
                .await
                .unwrap();
            assert!(
                app.services.notifications(&actor).await.unwrap().is_empty(),
                "{who}"
            );
            assert_eq!(
                app.services.unread_notifications(&actor).await.unwrap(),
                0,
                "{who}"
            );
        }
        let inv = app
            .services
            .actor_for_user(user_id(&app, "investigator").await)
            .await
            .unwrap();
        let theirs = app.services.notifications(&inv).await.unwrap();
        assert_eq!(theirs.len(), 2);
        assert!(theirs
            .iter()
            .all(|n| n.case_number.as_deref() == Some(number.as_str())));
        // The third step gave it back to the task force's queue.
        let (_, view) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert!(view["assignee"].is_null(), "{view}");
    }
);

crate::both_engines!(
    a_notification_hides_a_case_its_reader_can_no_longer_see,
    |app| async move {
        let s = &app.services;
        let policy = add_policy(
            s,
            "Thang đơn vị",
            60,
            r#"[{"clock":"first_response","percent":50,"action":"notify_assignee"}]"#,
        )
        .await;
        let number = app
            .open(
                "agent",
                json!({"kind":"inquiry","subject":"Hỏi về kiểm tra chuyên ngành","unit":"KV8","requester":{"phone":"0904555777"}}),
            )
            .await;
        assign(&app, "agent", &number, json!({"assignee":"unit_officer"})).await;
        let case = case_id(&app, &number).await;
        // 50 % of 60 min from T0 = T0+30m.
        created_with(&app, case, policy, Timestamp(T0.millis() + 30 * MIN)).await;
        app.clock.set(Timestamp(T0.millis() + 30 * MIN));
        run_jobs(&app).await;
        assert_eq!(notified(&app, case).await, vec!["unit_officer"]);
        let officer = app
            .services
            .actor_for_user(user_id(&app, "unit_officer").await)
            .await
            .unwrap();
        let n = app.services.notifications(&officer).await.unwrap();
        assert_eq!(n[0].case_number.as_deref(), Some(number.as_str()));
        // The case moves to another sub-department, to nobody: the officer's notification
        // stays but no longer names the case or its due time.
        assign(
            &app,
            "agent",
            &number,
            json!({"unit":"KV2","assignee":null}),
        )
        .await;
        let n = app.services.notifications(&officer).await.unwrap();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].case_number, None);
        assert_eq!(n[0].due_at, None);
    }
);

crate::both_engines!(the_sweep_rearms_a_lost_timer, |app| async move {
    let s = &app.services;
    let policy = add_policy(s, "Thang quét", 60, LADDER).await;
    let number = app
        .open(
            "agent",
            json!({"kind":"inquiry","subject":"Hỏi về C/O mẫu D","requester":{"phone":"0904555888"}}),
        )
        .await;
    let case = case_id(&app, &number).await;
    // 75 % of 60 min from T0 = T0+45m.
    created_with(&app, case, policy, Timestamp(T0.millis() + 45 * MIN)).await;
    // The timer is lost (as when it was re-armed while its handler ran).
    exec(
        s,
        &format!("DELETE FROM jobs WHERE dedup_key = '{}'", timer_key(case)),
    )
    .await;
    app.services.schedule_periodic_jobs().await.unwrap();
    // T0+45m30s: overdue by less than a minute, the sweep leaves it.
    app.clock.set(Timestamp(T0.millis() + 45 * MIN + 30_000));
    assert_eq!(app.services.sweep_escalation_timers().await.unwrap(), 0);
    // T0+47m: the periodic sweep re-arms it, and the step fires (the case has no assignee:
    // nobody to tell, but the step is recorded once).
    app.clock.set(Timestamp(T0.millis() + 47 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 1);
    assert_eq!(next_step(&app, case).await, Some(T0.millis() + 60 * MIN));
    assert_eq!(escalation_entries(&app, case).await, 1);
    // The sweep's one row is due again a minute later.
    assert_eq!(
        scalar(
            s,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'sla.sweep' AND finished_at IS NULL"
        )
        .await,
        1
    );
});

/// Fire a step of an escalation ladder on the case `number` now (its clock started two hours
/// ago, one hour on 24x7: the 100 % step, "notify the supervisors", is past): for the access
/// matrix, whose denunciation must then notify its investigators and nobody else.
pub(crate) async fn fire_a_step(app: &TestApp, number: &str) {
    let s = &app.services;
    let policy = add_policy(
        s,
        "Thang ma trận",
        60,
        r#"[{"clock":"first_response","percent":100,"action":"notify_supervisors"}]"#,
    )
    .await;
    let case = case_id(app, number).await;
    let now = s.now();
    let start = Timestamp(now.millis() - 120 * MIN);
    set_clock(s, case, policy, 60, start, now).await;
    s.run_escalations(case).await.unwrap();
    assert_eq!(
        scalar(
            s,
            &format!(
                "SELECT COUNT(*) FROM sla_escalations WHERE case_id = {case} \
                 AND clock = 'first_response' AND started_at = {}",
                start.millis()
            )
        )
        .await,
        1
    );
}

async fn set_locale(app: &TestApp, role: &str, lang: &str) {
    let actor = app
        .services
        .authenticate_token(app.token(role))
        .await
        .unwrap();
    app.services.set_locale(&actor, lang).await.unwrap();
}

/// The console's notifications: the header's count, the page (audited in vi and en at 1366 and
/// 390 px), "mark all read".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_lists_notifications_and_marks_them_read() {
    use crate::browser::{serve, Browser};
    use crate::console::{set_password, sign_in_password};
    let Some(app) = TestApp::new(crate::support::Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = &app.services;
    let policy = add_policy(s, "Thang giao diện", 60, LADDER).await;
    let number = app
        .open(
            "agent",
            json!({"kind":"inquiry","subject":"Hỏi về khai báo hải quan điện tử","requester":{"phone":"0904555999"}}),
        )
        .await;
    assign(&app, "agent", &number, json!({"assignee":"agent"})).await;
    let case = case_id(&app, &number).await;
    // 75 % of 60 minutes from T0 = T0+45m: the agent is told.
    created_with(&app, case, policy, Timestamp(T0.millis() + 45 * MIN)).await;
    app.clock.set(Timestamp(T0.millis() + 45 * MIN));
    run_jobs(&app).await;
    assert_eq!(notified(&app, case).await, vec!["agent"]);

    set_password(&app, "agent").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    for (lang, link, what) in [
        (
            "vi",
            "Thông báo (1)",
            "Đã dùng 75% thời hạn phản hồi đầu tiên",
        ),
        (
            "en",
            "Notifications (1)",
            "75% of the first response time used",
        ),
    ] {
        set_locale(&app, "agent", lang).await;
        b.goto(&format!("{base}/console/notifications")).await;
        b.wait_for("table#notifications", 10).await;
        assert_eq!(b.text("#nav-notifications").await.trim(), link);
        let row = b.text("table#notifications tbody tr").await;
        assert!(row.contains(&number), "{row}");
        assert!(row.contains(what), "{row}");
        b.audit("notifications").await;
    }
    b.click("#mark-all-read button[type=submit]").await;
    b.wait_for_text("#notifications-message", "1", 10).await;
    assert_eq!(b.text("#nav-notifications").await.trim(), "Notifications");
    assert!(b.text("table#notifications").await.contains(&number));
    b.audit("notifications-read").await;
    b.close().await;
}

/// A `hqdesk serve` process, killed if the test ends without stopping it.
struct Node(
    std::process::Child,
    std::sync::Arc<std::sync::Mutex<String>>,
);

impl Node {
    /// Start `serve` on `url` and wait until it serves.
    async fn start(url: &str, data_dir: &std::path::Path) -> Node {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_hqdesk"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                &data_dir.to_string_lossy(),
            ])
            .env("HQDESK_DATABASE_URL", url)
            .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
            .env("HQDESK_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
        let stderr = child.stderr.take().unwrap();
        let log = said.clone();
        // Keep reading its standard error (a full pipe would stop it), for the failure message.
        std::thread::spawn(move || {
            let mut ready = Some(ready_tx);
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("serving on") {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(());
                    }
                }
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let started = tokio::time::timeout(std::time::Duration::from_secs(60), ready_rx).await;
        let node = Node(child, said);
        assert!(
            matches!(started, Ok(Ok(()))),
            "serve did not start: {}",
            node.said()
        );
        node
    }

    fn said(&self) -> String {
        self.1.lock().unwrap().clone()
    }

    fn running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two `serve` nodes on one PostgreSQL database, each with its job runner polling every half
/// second: each case's step of a ladder fires exactly once — one `sla_escalations` row, one
/// notification, one timeline entry, one audit entry. Twelve cases fire at the same moment and
/// each one's timer is queued twice (as after a lease ran out, or a sweep), the two side by side
/// in the queue, so that the nodes, busy together, run a case's two timers at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_nodes_fire_a_step_once() {
    use hqdesk_services::cases::OpenCase;
    use hqdesk_services::directory::AddUser;
    use hqdesk_services::Actor;
    const CASES: i64 = 12;
    let Some((url, dir)) = crate::support::fresh_database(crate::support::Engine::Postgres).await
    else {
        eprintln!("SKIPPED (two serve nodes): the test needs PostgreSQL (one database, two nodes)");
        return;
    };
    assert!(dir.is_none());
    let s = hqdesk::cli::connect(&url, &crate::support::test_key_file())
        .await
        .unwrap();
    for (username, role) in [("giam.sat", "supervisor"), ("lan.nguyen", "agent")] {
        s.add_user(
            &Actor::Cli,
            AddUser {
                username: username.into(),
                role: role.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let agent_id = scalar(&s, "SELECT id FROM users WHERE username = 'lan.nguyen'").await;
    let agent = s.actor_for_user(agent_id).await.unwrap();
    let mut cases = Vec::new();
    for i in 0..CASES {
        let view = s
            .open_case(
                &agent,
                OpenCase {
                    kind: "suggestion".into(),
                    channel: "phone".into(),
                    subject: format!("Góp ý số {i} về giờ làm việc của bộ phận một cửa"),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
        cases.push(view.case.id);
    }
    let data = std::env::temp_dir().join(format!("hqdesk-two-nodes-{}", uuid::Uuid::new_v4()));
    let mut nodes = vec![
        Node::start(&url, &data.join("a")).await,
        Node::start(&url, &data.join("b")).await,
    ];
    let policy = add_policy(
        &s,
        "Thang hai nút",
        1,
        r#"[{"clock":"first_response","percent":100,"action":"notify_supervisors"}]"#,
    )
    .await;
    // 100 % of one minute on 24x7, started 57 s ago: the step fires 3 s from now.
    let now = s.now();
    let fires = Timestamp(now.millis() + 3_000);
    for &case in &cases {
        set_clock(&s, case, policy, 1, Timestamp(now.millis() - 57_000), fires).await;
        exec(
            &s,
            &format!("DELETE FROM jobs WHERE dedup_key = '{}'", timer_key(case)),
        )
        .await;
        let mut tx = s.store().begin().await.unwrap();
        for copy in ["a", "b"] {
            hqdesk_store::jobs::enqueue(
                &mut tx,
                &hqdesk_store::jobs::NewJob {
                    kind: ESCALATE_JOB,
                    payload: timer_payload(case),
                    dedup_key: Some(format!("{}:{copy}", timer_key(case))),
                    run_at: fires,
                    max_attempts: 5,
                },
                now,
            )
            .await
            .unwrap();
        }
        hqdesk_store::Store::commit(tx).await.unwrap();
    }

    let count = |sql: String| {
        let s = s.clone();
        async move { scalar(&s, &sql).await }
    };
    let ids = cases
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    // Every timer has run: none is left due.
    let pending = format!(
        "SELECT COUNT(*) FROM jobs WHERE kind = '{ESCALATE_JOB}' AND finished_at IS NULL \
         AND run_at <= {}",
        fires.millis() + 60_000
    );
    while count(pending.clone()).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "timers left unrun after 40 s; node a: {}\nnode b: {}",
            nodes[0].said(),
            nodes[1].said()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // And a few more poll periods (500 ms each).
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert!(nodes[0].running() && nodes[1].running());
    for (what, sql) in [
        (
            "fired steps",
            format!("SELECT COUNT(*) FROM sla_escalations WHERE case_id IN ({ids})"),
        ),
        (
            "fired steps, one per case",
            format!("SELECT COUNT(DISTINCT case_id) FROM sla_escalations WHERE case_id IN ({ids})"),
        ),
        (
            "notifications to the supervisor",
            format!(
                "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
                 WHERE n.case_id IN ({ids}) AND u.username = 'giam.sat'"
            ),
        ),
        (
            "notifications",
            format!("SELECT COUNT(*) FROM notifications WHERE case_id IN ({ids})"),
        ),
        (
            "timeline entries",
            format!(
                "SELECT COUNT(*) FROM timeline_entries WHERE case_id IN ({ids}) \
                 AND meta LIKE '%\"escalation\"%'"
            ),
        ),
        (
            "audit entries",
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sla.escalation'".to_string(),
        ),
    ] {
        assert_eq!(count(sql).await, CASES, "{what}");
    }
    // Every run of a handler succeeded (none failed on the race: a failure is logged as "job
    // failed" and leaves its error on the job until a retry).
    for node in &nodes {
        assert!(!node.said().contains("job failed"), "{}", node.said());
    }
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM jobs WHERE kind = '{ESCALATE_JOB}' \
             AND (last_error IS NOT NULL OR outcome = 'failed')"
        ))
        .await,
        0
    );
    for node in &mut nodes {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &node.0.id().to_string()])
            .status();
        let _ = node.0.wait();
    }
    drop(nodes);
    let _ = std::fs::remove_dir_all(&data);
}
