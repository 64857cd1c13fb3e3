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

/// The case's clocks are this one first-response clock alone (whatever the creation wrote),
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
        &format!("DELETE FROM case_clocks WHERE case_id = {case_id}"),
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
        &format!("SELECT next_step_at FROM case_clocks WHERE case_id = {case}"),
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
    let (st, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{number}/assign"),
            json!({"assignee":"agent"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{j}");
    let case = case_id(&app, &number).await;
    // 60 minutes on 24x7 from T0: 75 % = 45 min → T0+45m; 100 % = 60 min → T0+60m;
    // 150 % = 90 min → T0+90m (24x7 counts every minute).
    set_clock(s, case, policy, 60, T0, Timestamp(T0.millis() + 45 * MIN)).await;

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
    set_clock(s, case, policy, 60, T0, Timestamp(T0.millis() + 45 * MIN)).await;
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
    set_clock(s, case, policy, 60, T0, Timestamp(T0.millis() + 45 * MIN)).await;
    app.clock.set(Timestamp(T0.millis() + 200 * MIN));
    run_jobs(&app).await;
    assert_eq!(fired(&app, case).await, 3);
    assert_eq!(notified(&app, case).await, vec!["agent", "supervisor"]);
    assert_eq!(escalation_entries(&app, case).await, 3);
    assert_eq!(next_step(&app, case).await, None);

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
        let (st, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"investigator"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{j}");
        let case = case_id(&app, &number).await;
        // 75 % of 60 min = T0+45m; every step is past at T0+90m (150 %).
        set_clock(s, case, policy, 60, T0, Timestamp(T0.millis() + 45 * MIN)).await;
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
        let (st, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"unit_officer"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{j}");
        let case = case_id(&app, &number).await;
        // 50 % of 60 min from T0 = T0+30m.
        set_clock(s, case, policy, 60, T0, Timestamp(T0.millis() + 30 * MIN)).await;
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
        let (st, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"unit":"KV2","assignee":null}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{j}");
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
    set_clock(s, case, policy, 60, T0, Timestamp(T0.millis() + 45 * MIN)).await;
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
