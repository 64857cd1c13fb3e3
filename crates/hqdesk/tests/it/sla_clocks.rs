//! Service-level clocks and legal deadlines of cases, on both engines, with a manual clock:
//! due times across weekends, Tết 2027–2030, 30/4–1/5 2027 and a swapped working day, pauses
//! while waiting, denunciations' legal deadlines, the calendar API and a case's `sla` object.
//! Every expected due time is computed by hand in the comment beside it (the `office` calendar
//! works Mon–Fri 07:30–11:30 and 13:00–17:00, 480 minutes a day).
use axum::http::StatusCode;
use chrono::{FixedOffset, TimeZone};
use hqdesk_domain::calendar::{NamedDay, YearRules};
use hqdesk_domain::case::CaseKind;
use hqdesk_domain::sla::{Amount, ClockKind, LadderStep, Policy, StepAction, Targets};
use hqdesk_domain::Timestamp;
use hqdesk_services::mail::MailSource;
use hqdesk_services::portal::PortalRequest;
use hqdesk_services::{Actor, ServiceError};
use hqdesk_store::legal_rules::LegalRule;
use hqdesk_store::Store;
use serde_json::{json, Value};

use crate::both_engines;
use crate::support::TestApp;

/// An instant given in Vietnam time.
pub(crate) fn vn(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .to_utc()
        .into()
}

/// How the API writes that instant.
fn vn_str(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> String {
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00+07:00")
}

/// A policy for every case (tried first) on `office`: first response, next response and
/// resolution in working minutes, paused while waiting, a 75% step on the first response.
async fn office_policy(app: &TestApp, first: i64, next: i64, resolution: i64) {
    let mut tx = app.services.store().begin().await.unwrap();
    hqdesk_store::sla_policies::insert(
        &mut tx,
        &Policy {
            id: 0,
            name: "Giờ hành chính".into(),
            position: 1,
            enabled: true,
            conditions: Default::default(),
            calendar: "office".into(),
            targets: Targets {
                first_response_minutes: Some(first),
                next_response_minutes: Some(next),
                resolution_minutes: Some(resolution),
            },
            pause_while_waiting: true,
            ladder: vec![LadderStep {
                clock: ClockKind::FirstResponse,
                percent: 75,
                action: StepAction::NotifyAssignee,
            }],
        },
        app.services.now(),
    )
    .await
    .unwrap();
    Store::commit(tx).await.unwrap();
}

fn inquiry(subject: &str) -> Value {
    json!({"kind":"inquiry","branch":2,"channel":"api","subject":subject,"body":"Doanh nghiệp không khai được tờ khai.",
           "requester":{"name":"Nguyễn Văn An","email":"an.nguyen@tanphat.com.vn"}})
}

fn denunciation(subject: &str) -> Value {
    json!({"kind":"denunciation","channel":"phone","subject":subject,"body":"Người báo tin đề nghị giữ bí mật.",
           "category":"b1.denunciation.smuggling","unit":"DDN","requester":{"name":"Người báo tin"}})
}

/// Open a case at `at` (Vietnam time) as `role`.
async fn open_at(app: &TestApp, role: &str, at: Timestamp, body: Value) -> String {
    app.clock.set(at);
    app.open(role, body).await
}

/// The case's `sla` object as `role` reads it.
async fn sla(app: &TestApp, role: &str, number: &str) -> Value {
    let (s, j) = app.get(role, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    j["sla"].clone()
}

async fn actor(app: &TestApp, role: &str) -> Actor {
    app.services
        .authenticate_token(app.token(role))
        .await
        .unwrap()
}

async fn case_id(app: &TestApp, number: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar("SELECT id FROM cases WHERE number = $1")
        .bind(number)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn status(app: &TestApp, role: &str, number: &str, to: &str) {
    let (s, j) = app
        .post(
            role,
            &format!("/api/v1/cases/{number}/status"),
            json!({ "status": to }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{to}: {j}");
}

async fn message(app: &TestApp, number: &str, direction: &str) {
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{number}/messages"),
            json!({ "body": "Nội dung trao đổi với doanh nghiệp.", "direction": direction }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
}

both_engines!(
    office_hours_carry_a_case_over_the_weekend,
    |app| async move {
        office_policy(&app, 240, 240, 960).await;
        // Friday 5 March 2027, 16:00 (1 January 2027 is a Friday; 5 March is 63 days later).
        let n = open_at(
            &app,
            "agent",
            vn(2027, 3, 5, 16, 0),
            inquiry("Lỗi ký số tờ khai"),
        )
        .await;
        let s = sla(&app, "agent", &n).await;
        // First response, 240 min: Friday 16:00–17:00 is 60; Monday 8 March 07:30 + 180 = 10:30.
        assert_eq!(
            s["first_response"]["due_at"],
            vn_str(2027, 3, 8, 10, 30),
            "{s}"
        );
        assert_eq!(s["first_response"]["state"], "running");
        assert_eq!(s["first_response"]["breached"], false);
        assert_eq!(s["first_response"]["calendar"], "office");
        // Resolution, 960 min: Friday 60; Monday 480 (540); Tuesday 9 March 07:30–11:30 240 (780),
        // then 13:00 + 180 = 16:00.
        assert_eq!(s["resolution"]["due_at"], vn_str(2027, 3, 9, 16, 0), "{s}");
        assert!(
            s.get("next_response").is_none(),
            "no next response before a reply: {s}"
        );
        // The queue's columns are the clocks' due times.
        let (_, j) = app.get("agent", &format!("/api/v1/cases/{n}")).await;
        assert_eq!(
            j["first_response_due_at"],
            vn(2027, 3, 8, 10, 30).to_rfc3339()
        );
        assert_eq!(j["resolution_due_at"], vn(2027, 3, 9, 16, 0).to_rfc3339());
        // The timer is armed for the 75% step: 180 min = Friday 60 + Monday 07:30 + 120 = 09:30.
        let id = case_id(&app, &n).await;
        let mut conn = app.services.store().read().await.unwrap();
        let run_at: i64 = sqlx::query_scalar("SELECT run_at FROM jobs WHERE dedup_key = $1")
            .bind(format!("sla.escalate:{id}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(Timestamp(run_at), vn(2027, 3, 8, 9, 30));
        // Past the due time, unanswered: breached.
        app.clock.set(vn(2027, 3, 8, 10, 31));
        let s = sla(&app, "agent", &n).await;
        assert_eq!(s["first_response"]["breached"], true);
    }
);

both_engines!(a_case_opened_before_tet_is_due_after_it, |app| async move {
    office_policy(&app, 240, 240, 4800).await;
    // Each case opens at 16:00 on the last working day before Tết and needs 240 working
    // minutes: 60 that day, then 180 from 07:30 on the first working day after Tết and its
    // compensatory days, so due at 10:30 that day.
    for (opened, due, why) in [
        // Tết 2027: new year's day Sat 6 Feb; off Fri 5 (29 Chạp), Sat 6, Sun 7, Mon 8, Tue 9,
        // and Wed 10, Thu 11 for the Saturday and Sunday holidays (Art. 111).
        ((2027, 2, 4), (2027, 2, 12), "Tết 2027"),
        // Tết 2028: new year's day Wed 26 Jan; off Tue 25 (29 Chạp) to Sat 29, and Mon 31 for
        // Saturday 29.
        ((2028, 1, 24), (2028, 2, 1), "Tết 2028"),
        // Tết 2029: new year's day Tue 13 Feb; off Mon 12 (29 Chạp) to Fri 16.
        ((2029, 2, 9), (2029, 2, 19), "Tết 2029"),
        // Tết 2030: new year's day Sat 2 Feb at UTC+7 (3 Feb in China); off Fri 1 (29 Chạp),
        // Sat 2, Sun 3, Mon 4, Tue 5, and Wed 6, Thu 7 for the weekend holidays.
        ((2030, 1, 31), (2030, 2, 8), "Tết 2030"),
    ] {
        // The test tokens were issued in 2026 and expire: a fresh one for each year.
        app.clock.set(vn(opened.0, opened.1, opened.2, 16, 0));
        let token = app
            .services
            .issue_token(&Actor::Cli, "agent", "tet", 30)
            .await
            .unwrap()
            .token;
        let auth = format!("Bearer {token}");
        let (st, _, j) = app
            .call(
                None,
                "POST",
                "/api/v1/cases",
                Some(&inquiry(&format!("Khai báo trước {why}")).to_string()),
                &[("authorization", auth.as_str())],
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{j}");
        let n = j["number"].as_str().unwrap();
        let (_, _, j) = app
            .call(
                None,
                "GET",
                &format!("/api/v1/cases/{n}"),
                None,
                &[("authorization", auth.as_str())],
            )
            .await;
        let s = &j["sla"];
        assert_eq!(
            s["first_response"]["due_at"],
            vn_str(due.0, due.1, due.2, 10, 30),
            "{why}: {s}"
        );
    }
});

both_engines!(
    labour_day_2027_gives_a_compensatory_monday,
    |app| async move {
        office_policy(&app, 240, 240, 4800).await;
        // Thursday 29 April 2027, 15:00: 120 min that day; Fri 30 April is a holiday, Sat 1 May a
        // holiday on a rest day, so Mon 3 May is its compensatory day; Tuesday 4 May 07:30 + 120
        // = 09:30.
        let n = open_at(
            &app,
            "agent",
            vn(2027, 4, 29, 15, 0),
            inquiry("Hoàn thuế trước lễ"),
        )
        .await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(
            s["first_response"]["due_at"],
            vn_str(2027, 5, 4, 9, 30),
            "{s}"
        );
    }
);

both_engines!(a_swapped_working_day_moves_due_times, |app| async move {
    office_policy(&app, 240, 240, 4800).await;
    // The government's notice for 2027 (made up for the test): Monday 15 March off, Saturday
    // 20 March worked instead.
    let mut tx = app.services.store().begin().await.unwrap();
    hqdesk_store::calendars::save_year(
        &mut tx,
        "office",
        2027,
        &YearRules {
            days_off: vec![NamedDay {
                date: chrono::NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(),
                name: "Nghỉ hoán đổi".into(),
            }],
            working_days: vec![NamedDay {
                date: chrono::NaiveDate::from_ymd_opt(2027, 3, 20).unwrap(),
                name: "Làm bù".into(),
            }],
            ..Default::default()
        },
        app.services.now(),
    )
    .await
    .unwrap();
    Store::commit(tx).await.unwrap();
    // Friday 12 March 16:00: 60 that day; Monday 15 is off; Tuesday 16 07:30 + 180 = 10:30.
    let a = open_at(
        &app,
        "agent",
        vn(2027, 3, 12, 16, 0),
        inquiry("Trước ngày nghỉ hoán đổi"),
    )
    .await;
    assert_eq!(
        sla(&app, "agent", &a).await["first_response"]["due_at"],
        vn_str(2027, 3, 16, 10, 30)
    );
    // Friday 19 March 16:00: 60 that day; Saturday 20 is worked (Monday's hours) from 07:30
    // + 180 = 10:30.
    let b = open_at(
        &app,
        "agent",
        vn(2027, 3, 19, 16, 0),
        inquiry("Trước ngày làm bù"),
    )
    .await;
    assert_eq!(
        sla(&app, "agent", &b).await["first_response"]["due_at"],
        vn_str(2027, 3, 20, 10, 30)
    );
    // The API lists the announced day off and the make-up day.
    let (s, j) = app
        .get("agent", "/api/v1/calendars/office/holidays?year=2027")
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let swapped: Vec<&Value> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["date"] == "2027-03-15")
        .collect();
    assert_eq!(swapped.len(), 1, "{j}");
    assert_eq!(swapped[0]["kind"], "announced");
    assert_eq!(swapped[0]["name"], "Nghỉ hoán đổi");
    assert_eq!(
        j["working_days"],
        json!([{"date":"2027-03-20","name":"Làm bù"}])
    );
});

both_engines!(
    waiting_pauses_the_clock_and_replies_meet_it,
    |app| async move {
        office_policy(&app, 240, 240, 960).await;
        // Monday 8 March 2027, 08:00. Resolution, 960 min: Monday 08:00–11:30 210 and 13:00–17:00
        // 240 (450); Tuesday 480 (930); Wednesday 10 March 07:30 + 30 = 08:00.
        let n = open_at(
            &app,
            "agent",
            vn(2027, 3, 8, 8, 0),
            inquiry("Chờ doanh nghiệp bổ sung"),
        )
        .await;
        assert_eq!(
            sla(&app, "agent", &n).await["resolution"]["due_at"],
            vn_str(2027, 3, 10, 8, 0)
        );
        // A reply at 09:00 meets the first response (due 08:00 + 240 = 13:00... 08:00–11:30 is 210,
        // 13:00 + 30 = 13:30; met well before).
        app.clock.set(vn(2027, 3, 8, 9, 0));
        message(&app, &n, "outbound").await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(s["first_response"]["state"], "met", "{s}");
        assert_eq!(s["first_response"]["met_at"], vn_str(2027, 3, 8, 9, 0));
        assert_eq!(s["first_response"]["due_at"], vn_str(2027, 3, 8, 13, 30));
        assert_eq!(s["first_response"]["breached"], false);
        // Waiting for the requester from 10:00: the resolution is paused, with no due time.
        app.clock.set(vn(2027, 3, 8, 10, 0));
        status(&app, "agent", &n, "waiting").await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(s["resolution"]["state"], "paused", "{s}");
        assert_eq!(s["resolution"]["due_at"], Value::Null);
        assert_eq!(s["resolution"]["pause_reason"], "sla.pause.waiting");
        let (_, j) = app.get("agent", &format!("/api/v1/cases/{n}")).await;
        assert_eq!(
            j["resolution_due_at"],
            Value::Null,
            "the queue sees no due time while paused"
        );
        // The requester answers on Tuesday 9 March at 10:00: the case reopens and the clock runs
        // again. Paused Monday 10:00–11:30 90 + 13:00–17:00 240 + Tuesday 07:30–10:00 150 = 480
        // min, one working day: due Thursday 11 March 08:00 instead of Wednesday 08:00.
        app.clock.set(vn(2027, 3, 9, 10, 0));
        message(&app, &n, "inbound").await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(s["resolution"]["state"], "running", "{s}");
        assert_eq!(s["resolution"]["due_at"], vn_str(2027, 3, 11, 8, 0));
        assert_eq!(s["resolution"]["pause_reason"], Value::Null);
        // The message after a reply starts the next response: 240 min from Tuesday 10:00 is
        // 10:00–11:30 90, then 13:00 + 150 = 15:30.
        assert_eq!(s["next_response"]["state"], "running");
        assert_eq!(s["next_response"]["due_at"], vn_str(2027, 3, 9, 15, 30));
        // A reply at 11:00 meets it.
        app.clock.set(vn(2027, 3, 9, 11, 0));
        message(&app, &n, "outbound").await;
        assert_eq!(
            sla(&app, "agent", &n).await["next_response"]["state"],
            "met"
        );
        // Resolved Tuesday 14:00 (before Thursday 08:00): met, not breached.
        app.clock.set(vn(2027, 3, 9, 14, 0));
        status(&app, "agent", &n, "resolved").await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(s["resolution"]["state"], "met", "{s}");
        assert_eq!(s["resolution"]["breached"], false);
        // Reopened Wednesday 10 March 09:00: the resolved time is a pause, Tuesday 14:00–17:00 180
        // + Wednesday 07:30–09:00 90 = 270 min; Thursday 08:00 + 270: 08:00–11:30 210, 13:00 + 60
        // = 14:00.
        app.clock.set(vn(2027, 3, 10, 9, 0));
        status(&app, "agent", &n, "open").await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(s["resolution"]["state"], "running", "{s}");
        assert_eq!(s["resolution"]["due_at"], vn_str(2027, 3, 11, 14, 0));
    }
);

both_engines!(
    a_denunciation_is_accepted_within_seven_working_days,
    |app| async move {
        // Received Wednesday 14 April 2027, 10:00. Seven working days on office, the day of
        // receipt not counted: Thu 15 (1), Fri 16 is Hùng Kings' day (10/3 lunar), Mon 19 (2),
        // Tue 20 (3), Wed 21 (4), Thu 22 (5), Fri 23 (6), Mon 26 (7): due at its close, 17:00.
        let n = open_at(
            &app,
            "hotline",
            vn(2027, 4, 14, 10, 0),
            denunciation("Tố giác buôn lậu qua Móng Cái"),
        )
        .await;
        let s = sla(&app, "investigator", &n).await;
        assert_eq!(
            s["legal_acceptance"]["due_at"],
            vn_str(2027, 4, 26, 17, 0),
            "{s}"
        );
        assert_eq!(s["legal_acceptance"]["calendar"], "office");
        assert_eq!(s["legal_acceptance"]["extensions"], 0);
        assert!(
            s.get("legal_settlement").is_none(),
            "settlement starts on acceptance: {s}"
        );
        // Waiting does not pause a legal deadline.
        app.clock.set(vn(2027, 4, 15, 9, 0));
        status(&app, "investigator", &n, "waiting").await;
        let s = sla(&app, "investigator", &n).await;
        assert_eq!(s["legal_acceptance"]["state"], "running", "{s}");
        assert_eq!(s["legal_acceptance"]["due_at"], vn_str(2027, 4, 26, 17, 0));
        // Nobody but investigators learns anything of it.
        let agent = actor(&app, "agent").await;
        assert!(matches!(
            app.services.case_clocks(&agent, &n).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            app.services.legal_accept(&agent, &n).await,
            Err(ServiceError::NotFound)
        ));
        let (st, _) = app.get("agent", &format!("/api/v1/cases/{n}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
);

both_engines!(
    accepting_starts_the_settlement_which_may_be_extended_twice,
    |app| async move {
        let n = open_at(
            &app,
            "hotline",
            vn(2027, 4, 14, 10, 0),
            denunciation("Tố giác gian lận xuất xứ"),
        )
        .await;
        let inv = actor(&app, "investigator").await;
        // Accepted Tuesday 20 April 2027, 09:00: the settlement is 30 days on 24x7, due at the end
        // of the 30th day after the day of acceptance: 20 April + 30 days = 20 May, its end is
        // 21 May 00:00.
        app.clock.set(vn(2027, 4, 20, 9, 0));
        let clocks = app.services.legal_accept(&inv, &n).await.unwrap();
        let settlement = clocks
            .iter()
            .find(|c| c.kind == ClockKind::LegalSettlement)
            .unwrap();
        assert_eq!(settlement.due_at, Some(vn(2027, 5, 21, 0, 0)));
        let s = sla(&app, "investigator", &n).await;
        assert_eq!(s["legal_acceptance"]["state"], "met", "{s}");
        assert_eq!(s["legal_acceptance"]["met_at"], vn_str(2027, 4, 20, 9, 0));
        assert_eq!(s["legal_acceptance"]["breached"], false);
        assert_eq!(s["legal_settlement"]["due_at"], vn_str(2027, 5, 21, 0, 0));
        assert!(matches!(
            app.services.legal_accept(&inv, &n).await,
            Err(ServiceError::Conflict {
                code: "already_accepted",
                ..
            })
        ));
        // An extension needs a reason.
        assert!(matches!(
            app.services.legal_extend(&inv, &n, "  ").await,
            Err(ServiceError::Invalid(_))
        ));
        // Extended by 30 days: 60 days from 20 April = 19 June, its end 20 June 00:00.
        app.services
            .legal_extend(&inv, &n, "Vụ việc phức tạp, cần xác minh thêm")
            .await
            .unwrap();
        let s = sla(&app, "investigator", &n).await;
        assert_eq!(
            s["legal_settlement"]["due_at"],
            vn_str(2027, 6, 20, 0, 0),
            "{s}"
        );
        assert_eq!(s["legal_settlement"]["extensions"], 1);
        // Again (90 days: 20 April + 90 = 19 July, end 20 July 00:00), then no more (at most 2).
        app.services
            .legal_extend(&inv, &n, "Chờ kết quả giám định")
            .await
            .unwrap();
        assert_eq!(
            sla(&app, "investigator", &n).await["legal_settlement"]["due_at"],
            vn_str(2027, 7, 20, 0, 0)
        );
        assert!(matches!(
            app.services.legal_extend(&inv, &n, "Thêm lần nữa").await,
            Err(ServiceError::Conflict {
                code: "extensions_exhausted",
                ..
            })
        ));
        // Suspended (Art. 34(2)) on 1 May 00:00 and resumed on 11 May 00:00: ten days not
        // counted, due 30 July 00:00.
        app.clock.set(vn(2027, 5, 1, 0, 0));
        app.services
            .legal_suspend(&inv, &n, "legal_settlement", "Chờ kết quả của cơ quan khác")
            .await
            .unwrap();
        let s = sla(&app, "investigator", &n).await;
        assert_eq!(s["legal_settlement"]["state"], "paused", "{s}");
        assert_eq!(s["legal_settlement"]["pause_reason"], "sla.pause.suspended");
        app.clock.set(vn(2027, 5, 11, 0, 0));
        app.services
            .legal_resume(&inv, &n, "legal_settlement", "Đã có kết quả")
            .await
            .unwrap();
        assert_eq!(
            sla(&app, "investigator", &n).await["legal_settlement"]["due_at"],
            vn_str(2027, 7, 30, 0, 0)
        );
        // Each step is on the timeline and in the audit log.
        let mut conn = app.services.store().read().await.unwrap();
        let events: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM timeline_entries WHERE case_id = $1 AND body LIKE 'legal_%'",
        )
        .bind(case_id(&app, &n).await)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(events, 5, "accepted, extended twice, suspended, resumed");
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'case.legal_%'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(audited, 5);
    }
);

both_engines!(
    a_legal_rule_for_suggestions_works_the_same_way,
    |app| async move {
        let mut tx = app.services.store().begin().await.unwrap();
        hqdesk_store::legal_rules::save(
            &mut tx,
            &LegalRule {
                kind: CaseKind::Suggestion,
                clock: ClockKind::LegalAcceptance,
                calendar: "office".into(),
                amount: Amount::WorkingDays(10),
                extension: None,
                max_extensions: 0,
            },
            app.services.now(),
        )
        .await
        .unwrap();
        Store::commit(tx).await.unwrap();
        // Received Monday 8 March 2027 11:00; 10 working days after it: Tue 9 … Fri 12 (4),
        // Mon 15 … Fri 19 (9), Mon 22 (10): due 22 March 17:00.
        let mut body = inquiry("Góp ý về thủ tục");
        body["kind"] = json!("suggestion");
        let n = open_at(&app, "agent", vn(2027, 3, 8, 11, 0), body).await;
        let s = sla(&app, "agent", &n).await;
        assert_eq!(
            s["legal_acceptance"]["due_at"],
            vn_str(2027, 3, 22, 17, 0),
            "{s}"
        );
        let agent = actor(&app, "agent").await;
        app.clock.set(vn(2027, 3, 9, 9, 0));
        app.services.legal_accept(&agent, &n).await.unwrap();
        assert_eq!(
            sla(&app, "agent", &n).await["legal_acceptance"]["state"],
            "met"
        );
    }
);

both_engines!(the_calendar_api_answers_and_refuses, |app| async move {
    let (s, j) = app.get("agent", "/api/v1/calendars").await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(
        j,
        json!({"items":[{"name":"24x7","time_zone":"Asia/Ho_Chi_Minh"},{"name":"office","time_zone":"Asia/Ho_Chi_Minh"}]})
    );
    // 2027 on office, by hand: 1 Jan (Fri); Tết Fri 5, Mon 8, Tue 9 Feb (Sat 6 and Sun 7 are
    // rest days, not listed) and their compensatory Wed 10, Thu 11 Feb; Hùng Kings Fri 16 Apr;
    // 30 Apr (Fri) and Mon 3 May for 1 May (Sat); 1 Sep (Wed) and 2 Sep (Thu).
    let (s, j) = app
        .get("agent", "/api/v1/calendars/office/holidays?year=2027")
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let got: Vec<(String, String)> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("2027-01-01", "holiday"),
        ("2027-02-05", "holiday"),
        ("2027-02-08", "holiday"),
        ("2027-02-09", "holiday"),
        ("2027-02-10", "compensatory"),
        ("2027-02-11", "compensatory"),
        ("2027-04-16", "holiday"),
        ("2027-04-30", "holiday"),
        ("2027-05-03", "compensatory"),
        ("2027-09-01", "holiday"),
        ("2027-09-02", "holiday"),
    ]
    .iter()
    .map(|(d, k)| (d.to_string(), k.to_string()))
    .collect();
    assert_eq!(got, want);
    assert_eq!(j["items"][6]["name"], "Giỗ Tổ Hùng Vương");
    assert_eq!(j["items"][6]["name_en"], "Hùng Kings' Commemoration");
    // 24x7 has no holidays.
    let (_, j) = app
        .get("agent", "/api/v1/calendars/24x7/holidays?year=2027")
        .await;
    assert_eq!(j["items"], json!([]));
    // Adding hours: Thursday 4 Feb 2027 16:00 + 4 h = 60 that day, then Fri 12 Feb 07:30 +
    // 180 = 10:30 (Tết as above). `+` is %2B in a query.
    let (s, j) = app
        .get(
            "agent",
            "/api/v1/calendars/office/add?from=2027-02-04T16:00:00%2B07:00&hours=4",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j, json!({"due":"2027-02-12T10:30:00+07:00"}));
    // Decimal hours, from UTC: 2027-03-05T09:00Z is Friday 16:00; 1.5 h = 60 that day, Monday
    // 07:30 + 30 = 08:00.
    let (_, j) = app
        .get(
            "agent",
            "/api/v1/calendars/office/add?from=2027-03-05T09:00:00Z&hours=1.5",
        )
        .await;
    assert_eq!(j, json!({"due":"2027-03-08T08:00:00+07:00"}));
    // Working days: Friday 15:00 + 1 working day = the close of Monday, 17:00.
    let (_, j) = app
        .get(
            "agent",
            "/api/v1/calendars/office/add?from=2027-03-05T15:00:00%2B07:00&working_days=1",
        )
        .await;
    assert_eq!(j, json!({"due":"2027-03-08T17:00:00+07:00"}));
    // On 24x7, 90 minutes are 90 minutes.
    let (_, j) = app
        .get(
            "agent",
            "/api/v1/calendars/24x7/add?from=2027-02-06T23:00:00%2B07:00&hours=1.5",
        )
        .await;
    assert_eq!(j, json!({"due":"2027-02-07T00:30:00+07:00"}));
    // Unknown calendar: 404 problem.
    let (s, ctype, j) = app
        .call(
            Some("agent"),
            "GET",
            "/api/v1/calendars/khong-co/holidays?year=2027",
            None,
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{j}");
    assert!(ctype.starts_with("application/problem+json"), "{ctype}");
    // Every refusal names its field.
    for (query, field) in [
        ("holidays?year=1899", "year"),
        ("holidays?year=2200", "year"),
        ("holidays?year=abc", "year"),
        ("holidays", "year"),
        ("add?from=2027-02-04T16:00:00%2B07:00&hours=-1", "hours"),
        ("add?from=2027-02-04T16:00:00%2B07:00&hours=bốn", "hours"),
        (
            "add?from=2027-02-04T16:00:00%2B07:00&working_days=-2",
            "working_days",
        ),
        (
            "add?from=2027-02-04T16:00:00%2B07:00&working_days=1.5",
            "working_days",
        ),
        (
            "add?from=2027-02-04T16:00:00%2B07:00&hours=1&working_days=1",
            "working_days",
        ),
        ("add?from=2027-02-04T16:00:00%2B07:00", "hours"),
        ("add?from=hom-nay&hours=1", "from"),
        ("add?hours=1", "from"),
    ] {
        let (s, ctype, j) = app
            .call(
                Some("agent"),
                "GET",
                &format!("/api/v1/calendars/office/{query}"),
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {j}");
        assert!(
            ctype.starts_with("application/problem+json"),
            "{query}: {ctype}"
        );
        assert_eq!(j["errors"][0]["field"], field, "{query}: {j}");
    }
    // Signed-in staff only.
    let (s, _, _) = app.call(None, "GET", "/api/v1/calendars", None, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
});

both_engines!(a_calendar_edit_moves_due_times_in_a_job, |app| async move {
    office_policy(&app, 240, 240, 4800).await;
    // Opened Tuesday 9 March 2027 16:00: 60 that day, Wednesday 10 March 07:30 + 180 = 10:30.
    let n = open_at(
        &app,
        "agent",
        vn(2027, 3, 9, 16, 0),
        inquiry("Trước khi sửa lịch"),
    )
    .await;
    assert_eq!(
        sla(&app, "agent", &n).await["first_response"]["due_at"],
        vn_str(2027, 3, 10, 10, 30)
    );
    // A supervisor makes Wednesday 10 March a day off, and the editor enqueues the job.
    let mut tx = app.services.store().begin().await.unwrap();
    hqdesk_store::calendars::save_year(
        &mut tx,
        "office",
        2027,
        &YearRules {
            days_off: vec![NamedDay {
                date: chrono::NaiveDate::from_ymd_opt(2027, 3, 10).unwrap(),
                name: "Nghỉ đột xuất".into(),
            }],
            ..Default::default()
        },
        app.services.now(),
    )
    .await
    .unwrap();
    hqdesk_store::jobs::enqueue(
        &mut tx,
        &hqdesk_store::jobs::NewJob {
            kind: hqdesk_services::sla::RECOMPUTE_JOB,
            payload: json!({"calendar":"office"}).to_string(),
            dedup_key: None,
            run_at: app.services.now(),
            max_attempts: 10,
        },
        app.services.now(),
    )
    .await
    .unwrap();
    Store::commit(tx).await.unwrap();
    // Not before the job ran.
    assert_eq!(
        sla(&app, "agent", &n).await["first_response"]["due_at"],
        vn_str(2027, 3, 10, 10, 30)
    );
    let registry = hqdesk_services::jobs::Registry::standard();
    while app.services.run_one_job(&registry, "test").await.unwrap() {}
    // After it: Wednesday is off, so Thursday 11 March 07:30 + 180 = 10:30.
    assert_eq!(
        sla(&app, "agent", &n).await["first_response"]["due_at"],
        vn_str(2027, 3, 11, 10, 30)
    );
    let (_, j) = app.get("agent", &format!("/api/v1/cases/{n}")).await;
    assert_eq!(
        j["first_response_due_at"],
        vn(2027, 3, 11, 10, 30).to_rfc3339()
    );
});

both_engines!(
    a_priority_change_recounts_from_the_start,
    |app| async move {
        // Seeded policies on 24x7: normal 480 min first response, high 120.
        // Opened at 2026-11-23T09:20Z (T0) as normal: due T0 + 480 min.
        app.clock.set(crate::support::T0);
        let n = app.open("agent", inquiry("Đổi mức ưu tiên")).await;
        let t0 = crate::support::T0;
        assert_eq!(
            sla(&app, "agent", &n).await["first_response"]["due_at"],
            json!(t0
                .plus_minutes(480)
                .to_vietnam()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        );
        // Ten minutes later it becomes high: 120 min from the original start.
        app.clock.set(t0.plus_minutes(10));
        let (s, _, j) = app
            .call(
                Some("agent"),
                "PATCH",
                &format!("/api/v1/cases/{n}"),
                Some(r#"{"priority":"high"}"#),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(
            j["first_response_due_at"],
            t0.plus_minutes(120).to_rfc3339()
        );
    }
);

both_engines!(
    cases_from_the_portal_and_from_mail_get_clocks,
    |app| async move {
        office_policy(&app, 240, 240, 960).await;
        // Portal, Friday 5 March 2027 16:00: first response due Monday 10:30 (60 + 180, as above).
        app.clock.set(vn(2027, 3, 5, 16, 0));
        let sub = app
            .services
            .portal_submit(PortalRequest {
                topic: "policy".into(),
                subject: "Hỏi về chính sách thuế".into(),
                description: "Xin hướng dẫn thuế nhập khẩu linh kiện.".into(),
                name: Some("Nguyễn Văn An".into()),
                email: Some("an.portal@khach.test".into()),
                lang: "vi".into(),
                link_base: "http://hqdesk.test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let s = sla(&app, "agent", &sub.case_number).await;
        assert_eq!(
            s["first_response"]["due_at"],
            vn_str(2027, 3, 8, 10, 30),
            "{s}"
        );
        // Mail, Monday 8 March 2027 16:30: 30 that day, Tuesday 07:30 + 210 = 11:00.
        app.clock.set(vn(2027, 3, 8, 16, 30));
        let mb = crate::mail_ingest::add_mailbox(&app, "support").await;
        let raw = crate::mail_ingest::mail(
            "Tran Van Binh <binh@khach.test>",
            "Hoi ve VNACCS",
            "sla1@khach.test",
            "",
            "Khong khai duoc to khai.",
        );
        let out = app
            .services
            .ingest_raw_mail(
                mb,
                MailSource {
                    uidvalidity: Some(7),
                    uid: Some(1),
                },
                &raw,
            )
            .await
            .unwrap();
        let number = out.case_number.unwrap();
        let s = sla(&app, "agent", &number).await;
        assert_eq!(
            s["first_response"]["due_at"],
            vn_str(2027, 3, 9, 11, 0),
            "{s}"
        );
    }
);
