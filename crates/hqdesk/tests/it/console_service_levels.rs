//! Issue 17, the service-level console: a supervisor edits the office calendar's 2027 year in a
//! real headless Chromium (adds a make-up Saturday and a day off and sees both in the computed
//! list), creates a policy with an escalation ladder, and gets each error beside its field with
//! the input kept — in Vietnamese and in English, every page audited (1366/390 px, no sideways
//! scrolling, axe-core) before and after. Then through the router on both engines: who reaches
//! these pages; and the services: a year's edit is audited and enqueues `sla.recompute` in its
//! transaction without touching a case, bad years and built-in calendars are refused, policies
//! are reordered.
use axum::http::StatusCode;
use hqdesk_domain::calendar::{NamedDay, OFFICE};
use hqdesk_domain::sla::{ClockKind, LadderStep, StepAction};
use hqdesk_services::service_levels_admin::{
    CalendarForm, PolicyForm, StepForm, TargetForm, YearForm,
};
use hqdesk_services::{Actor, ServiceError};
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::console::{confirm_enrolment, set_password, sign_in_password};
use crate::support::{Engine, TestApp};

async fn actor(app: &TestApp, role: &str) -> Actor {
    app.services
        .authenticate_token(app.token(role))
        .await
        .unwrap()
}

async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn value_of(b: &Browser, css: &str) -> String {
    js(b, &format!("return document.querySelector({css:?}).value;"))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn set_value(b: &Browser, css: &str, value: &str) {
    js(
        b,
        &format!("document.querySelector({css:?}).value = {value:?}; return 1;"),
    )
    .await;
}

fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_edits_a_year_of_the_office_calendar_and_creates_a_policy_with_a_ladder() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let base = serve(app.router.clone()).await;
    set_password(&app, "supervisor").await;
    sign_in_password(&b, &base, "supervisor").await;
    confirm_enrolment(&b, &app.services).await;
    let sup = actor(&app, "supervisor").await;
    for (lang, kept_words, policy) in [
        ("vi", "Làm bù cho ngày 4/5", "Hải quan điện tử"),
        ("en", "Make-up day for 4 May", "E-customs"),
    ] {
        app.services.set_locale(&sup, lang).await.unwrap();
        // The administration page links to the service levels for supervisors.
        b.goto(&format!("{base}/console/admin")).await;
        b.click("#admin-service-levels").await;
        b.wait_for("#calendars-table", 10).await;
        b.audit("sl-overview").await;

        // --- The office calendar's 2027 ---------------------------------------------------
        b.goto(&format!(
            "{base}/console/admin/service-levels/calendars/office?year=2027"
        ))
        .await;
        b.wait_for("#days-off", 10).await;
        // Before: 1 May 2027 is a Saturday, so Monday 3 May is its compensatory day (Labour
        // Code Art. 111); 4 May is an ordinary Tuesday.
        assert_eq!(
            js(&b, "return document.querySelector('#days-off tr[data-date=\"2027-05-03\"]').dataset.kind").await,
            json!("compensatory")
        );
        if lang == "vi" {
            assert_eq!(
                js(&b, "return document.querySelector('#days-off tr[data-date=\"2027-05-04\"]') === null").await,
                json!(true)
            );
        }
        b.audit("sl-calendar-before").await;
        // Tuesday 4 May off, worked back on Saturday 8 May (2027-05-01 is a Saturday, so the
        // 8th is one too).
        b.fill("#days-off-text", "2027-05-04 Nghỉ hoán đổi").await;
        b.fill("#working-days-text", &format!("2027-05-08 {kept_words}"))
            .await;
        b.fill("#year-reason", "Thông báo 1234/TB-BLĐTBXH").await;
        b.click("#year-save").await;
        b.wait_for("#sl-notice", 10).await;
        let row = js(&b, "const r = document.querySelector('#days-off tr[data-date=\"2027-05-04\"]'); return r ? [r.dataset.kind, r.textContent] : null").await;
        assert_eq!(row[0], json!("announced"), "{lang}: {row}");
        assert!(
            row[1].as_str().unwrap().contains("Nghỉ hoán đổi"),
            "{lang}: {row}"
        );
        let make_up = b.text("#working-days li[data-date=\"2027-05-08\"]").await;
        assert!(make_up.contains(kept_words), "{lang}: {make_up}");
        // The year's rules are stored as the domain's, and the form shows them again.
        let office = app.services.service_calendar(&sup, OFFICE).await.unwrap();
        assert_eq!(
            office.calendar.years[&2027].working_days,
            vec![NamedDay {
                date: d(2027, 5, 8),
                name: kept_words.into()
            }]
        );
        assert_eq!(
            value_of(&b, "#days-off-text").await,
            "2027-05-04 Nghỉ hoán đổi"
        );
        b.audit("sl-calendar-after").await;

        // Bad input: every error beside its field, what was typed kept.
        b.fill("#tet-days", "0").await;
        b.fill(
            "#days-off-text",
            "2027-05-04 Nghỉ hoán đổi\n2027-13-40 Sai ngày",
        )
        .await;
        b.fill("#working-days-text", "2027-05-04 Trùng ngày nghỉ")
            .await;
        b.audit("sl-calendar-invalid-before").await;
        b.click("#year-save").await;
        b.wait_for("#tet-days-err", 10).await;
        let needle = if lang == "vi" { "Dòng 2" } else { "Line 2" };
        b.wait_for_text("#days-off-err", needle, 10).await;
        b.wait_for("#working-days-err", 10).await;
        assert_eq!(value_of(&b, "#tet-days").await, "0");
        assert_eq!(
            value_of(&b, "#working-days-text").await,
            "2027-05-04 Trùng ngày nghỉ"
        );
        b.audit("sl-calendar-invalid-after").await;

        // --- A policy with a ladder -------------------------------------------------------
        b.goto(&format!("{base}/console/admin/service-levels/policies/new"))
            .await;
        b.wait_for("#policy-form", 10).await;
        b.audit("sl-policy-before").await;
        b.fill("#policy-name", policy).await;
        b.click("input[name=kinds][value=inquiry]").await;
        set_value(&b, "#policy-calendar", "office").await;
        b.fill("#first_response-hours", "4").await;
        b.fill("#resolution-hours", "16").await;
        set_value(&b, "#step-1-clock", "first_response").await;
        b.fill("#step-1-percent", "75").await;
        set_value(&b, "#step-1-action", "notify_assignee").await;
        set_value(&b, "#step-2-clock", "resolution").await;
        b.fill("#step-2-percent", "150").await;
        set_value(&b, "#step-2-action", "reassign_to_queue").await;
        b.click("#policy-save").await;
        b.wait_for(&format!("li[data-policy=\"{policy}\"]"), 10)
            .await;
        b.audit("sl-policy-after").await;
        let created = app
            .services
            .service_policies(&sup)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.name == policy)
            .unwrap();
        // 4 h = 240 min, 16 h = 960 min; tried after the four built-in policies.
        assert_eq!(created.targets.first_response_minutes, Some(240));
        assert_eq!(created.targets.resolution_minutes, Some(960));
        assert_eq!(created.targets.next_response_minutes, None);
        assert_eq!(created.calendar, "office");
        assert!(created.enabled);
        assert_eq!(
            created.conditions.kinds,
            vec![hqdesk_domain::case::CaseKind::Inquiry]
        );
        assert_eq!(
            created.ladder,
            vec![
                LadderStep {
                    clock: ClockKind::FirstResponse,
                    percent: 75,
                    action: StepAction::NotifyAssignee
                },
                LadderStep {
                    clock: ClockKind::Resolution,
                    percent: 150,
                    action: StepAction::ReassignToQueue
                },
            ]
        );

        // A bad policy: no name, a percent out of range, a step on a clock without target.
        b.goto(&format!("{base}/console/admin/service-levels/policies/new"))
            .await;
        b.wait_for("#policy-form", 10).await;
        b.fill("#first_response-hours", "2").await;
        set_value(&b, "#step-1-clock", "first_response").await;
        b.fill("#step-1-percent", "2000").await;
        set_value(&b, "#step-1-action", "notify_supervisors").await;
        set_value(&b, "#step-2-clock", "next_response").await;
        b.fill("#step-2-percent", "100").await;
        set_value(&b, "#step-2-action", "notify_assignee").await;
        b.audit("sl-policy-invalid-before").await;
        b.click("#policy-save").await;
        b.wait_for("#policy-name-err", 10).await;
        b.wait_for("#step-1-percent-err", 10).await;
        b.wait_for("#step-2-clock-err", 10).await;
        assert_eq!(value_of(&b, "#step-1-percent").await, "2000");
        assert_eq!(value_of(&b, "#first_response-hours").await, "2");
        b.audit("sl-policy-invalid-after").await;
        // Nothing was created by the refused form.
        assert_eq!(
            app.services.service_policies(&sup).await.unwrap().len(),
            if lang == "vi" { 5 } else { 6 }
        );
    }
    b.close().await;
}

// Who reaches the service-level pages: supervisors and administrators; an agent (or any other
// role) gets the console's forbidden page, and a refused form changes nothing.
crate::both_engines!(service_level_pages_by_role, |app| async move {
    use crate::console_session::{request, sign_in};
    let pages = [
        "/console/admin/service-levels",
        "/console/admin/service-levels/calendars/office?year=2027",
        "/console/admin/service-levels/policies/new",
    ];
    for role in ["agent", "hotline", "unit_officer", "investigator"] {
        let s = sign_in(&app, role).await;
        for path in pages {
            let r = request(&app, &s, "GET", path, &[]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} GET {path}");
        }
        let r = request(
            &app,
            &s,
            "POST",
            "/console/admin/service-levels/calendars/office/years/2027",
            &[("days_off_lines", "2027-05-04 Nghỉ")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} saves a year");
    }
    let admin = actor(&app, "admin").await;
    let office = app.services.service_calendar(&admin, OFFICE).await.unwrap();
    assert!(
        office.calendar.years.is_empty(),
        "the refused forms changed nothing"
    );
    for role in ["supervisor", "admin"] {
        let s = sign_in(&app, role).await;
        for path in pages {
            let r = request(&app, &s, "GET", path, &[]).await;
            assert_eq!(r.status, StatusCode::OK, "{role} GET {path}");
        }
    }
    // The computed 2027 list on the page: the lunar new year falls on Saturday 6 February 2027,
    // so the last day of the lunar year is Friday 5 February and the default five Tết days are
    // 5–9 February (the two weekend days among them give compensatory days); 1 May is a
    // Saturday, so Monday 3 May is its compensatory day.
    let s = sign_in(&app, "supervisor").await;
    let r = request(
        &app,
        &s,
        "GET",
        "/console/admin/service-levels/calendars/office?year=2027",
        &[],
    )
    .await;
    assert!(r.body.contains("data-date=\"2027-02-05\""), "{}", r.body);
    assert!(r
        .body
        .contains("data-date=\"2027-05-03\" data-kind=\"compensatory\""));
    // A year out of range in the picker is a 422 with the message, not a 500.
    let r = request(
        &app,
        &s,
        "GET",
        "/console/admin/service-levels/calendars/office?year=2300",
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("1900"), "{}", r.body);
    // The weekly hours in their text form: a refused text comes back beside its field, kept;
    // a good one is saved and its due times recomputed in the background.
    let bad_hours = "t2 07:30\nt3\nt4\nt5\nt6\nt7\ncn";
    let r = request(
        &app,
        &s,
        "POST",
        "/console/admin/service-levels/calendars/office",
        &[("weekly_hours", bad_hours), ("public_holidays", "1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"weekly-hours-err\""), "{}", r.body);
    assert!(r.body.contains("t2 07:30\nt3"), "{}", r.body);
    let r = request(
        &app,
        &s,
        "POST",
        "/console/admin/service-levels/calendars/office",
        &[
            (
                "weekly_hours",
                "t2 07:00-11:00 13:00-17:00\r\nt3 07:00-11:00\r\nt4\r\nt5\r\nt6\r\nt7\r\ncn",
            ),
            ("public_holidays", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let admin = actor(&app, "admin").await;
    let office = app.services.service_calendar(&admin, OFFICE).await.unwrap();
    // Monday 4 h + 4 h, Tuesday 4 h: 12 h = 720 minutes a week.
    assert_eq!(office.calendar.weekly.minutes_per_week(), 720);
    // An unknown calendar is the console's 404.
    let r = request(
        &app,
        &s,
        "GET",
        "/console/admin/service-levels/calendars/khong-co",
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});

async fn recompute_jobs(app: &TestApp) -> Vec<String> {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'sla.recompute' ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp, object: &str) -> Vec<String> {
    let mut conn = app.services.store().read().await.unwrap();
    hqdesk_store::audit::for_object(&mut conn, object, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

// A year's edit: validated, audited with its reason, and the `sla.recompute` job enqueued in the
// same transaction; the request touches no case.
crate::both_engines!(
    a_years_edit_is_audited_and_enqueues_the_recompute_job,
    |app| async move {
        let sup = actor(&app, "supervisor").await;
        let form = YearForm {
            national_day_extra: "3".into(),
            days_off: "2027-05-04 Nghỉ hoán đổi".into(),
            working_days: "2027-05-08 Làm bù".into(),
            ..Default::default()
        };
        let rules = app
            .services
            .save_calendar_year(&sup, OFFICE, "2027", &form, "Thông báo 1234")
            .await
            .unwrap();
        assert_eq!(rules.national_day_extra, Some(d(2027, 9, 3)));
        assert_eq!(
            recompute_jobs(&app).await,
            vec![json!({"calendar": "office"}).to_string()]
        );
        assert_eq!(
            audit_actions(&app, "calendar:office").await,
            vec!["calendar.year_saved"]
        );
        let office = app.services.service_calendar(&sup, OFFICE).await.unwrap();
        // The computed days off of 2027 now hold 4 May (announced) and 3 September (the day next
        // to National Day, instead of 1 September, a Wednesday).
        let off = office.calendar.days_off(2027).unwrap();
        assert!(off.iter().any(|x| x.date == d(2027, 5, 4)));
        assert!(off.iter().any(|x| x.date == d(2027, 9, 3)));
        assert!(!off.iter().any(|x| x.date == d(2027, 9, 1)));
        assert!(office.calendar.is_working_day(d(2027, 5, 8)));

        // Refused: a year out of range, a date of another year, a make-up day that is off.
        let e = app
            .services
            .save_calendar_year(&sup, OFFICE, "1850", &YearForm::default(), "")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "year" && v.0[0].code == "year_out_of_range"),
            "{e:?}"
        );
        let e = app
            .services
            .save_calendar_year(
                &sup,
                OFFICE,
                "2027",
                &YearForm {
                    days_off: "2028-01-02 Sai năm".into(),
                    working_days: "2027-05-04 Trùng".into(),
                    ..form.clone()
                },
                "",
            )
            .await
            .unwrap_err();
        let ServiceError::Invalid(v) = &e else {
            panic!("{e:?}")
        };
        let fields: Vec<(&str, &str)> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(fields, vec![("days_off[1]", "date_outside_year")]);
        let e = app
            .services
            .save_calendar_year(
                &sup,
                OFFICE,
                "2027",
                &YearForm {
                    working_days: "2027-05-04 Trùng".into(),
                    ..form.clone()
                },
                "",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.0[0].code == "working_day_is_day_off"),
            "{e:?}"
        );
        // Nothing more was enqueued by the refused edits; an unknown calendar is not found.
        assert_eq!(recompute_jobs(&app).await.len(), 1);
        assert!(matches!(
            app.services
                .save_calendar_year(&sup, "khong-co", "2027", &form, "")
                .await,
            Err(ServiceError::NotFound)
        ));
        // An agent may not.
        let agent = actor(&app, "agent").await;
        assert!(matches!(
            app.services
                .save_calendar_year(&agent, OFFICE, "2027", &form, "")
                .await,
            Err(ServiceError::Forbidden(_))
        ));
    }
);

crate::both_engines!(
    calendars_policies_and_legal_rules_are_kept_by_the_services,
    |app| async move {
        let sup = actor(&app, "supervisor").await;
        // A new calendar: its name is checked, its hours read from the text form.
        let hours = "mon 08:00-12:00\ntue 08:00-12:00\nwed\nthu\nfri\nsat\nsun";
        let bad = app
            .services
            .save_calendar(
                &sup,
                &CalendarForm {
                    name: "Văn phòng".into(),
                    weekly_hours: "mon 08:00\n".into(),
                    ..Default::default()
                },
                true,
            )
            .await
            .unwrap_err();
        let ServiceError::Invalid(v) = &bad else {
            panic!("{bad:?}")
        };
        let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "weekly_hours"]);
        let form = CalendarForm {
            name: "hq-half".into(),
            weekly_hours: hours.into(),
            public_holidays: true,
            reason: String::new(),
        };
        assert_eq!(
            app.services.save_calendar(&sup, &form, true).await.unwrap(),
            "hq-half"
        );
        // 2 days × 4 h = 480 minutes a week.
        let half = app
            .services
            .service_calendar(&sup, "hq-half")
            .await
            .unwrap();
        assert_eq!(half.calendar.weekly.minutes_per_week(), 480);
        assert!(matches!(
            app.services.save_calendar(&sup, &form, true).await,
            Err(ServiceError::Invalid(v)) if v.0[0].code == "calendar_exists"
        ));
        // Built-in calendars stay; an unused one goes.
        assert!(matches!(
            app.services.delete_calendar(&sup, "24x7", "").await,
            Err(ServiceError::Conflict {
                code: "calendar_builtin",
                ..
            })
        ));
        app.services
            .delete_calendar(&sup, "hq-half", "")
            .await
            .unwrap();
        assert!(matches!(
            app.services.service_calendar(&sup, "hq-half").await,
            Err(ServiceError::NotFound)
        ));

        // Policies: created last, moved up, a bad one refused field by field.
        let policy = PolicyForm {
            name: "Tố giác".into(),
            enabled: true,
            kinds: vec!["denunciation".into()],
            calendar: OFFICE.into(),
            resolution: TargetForm {
                hours: "40".into(),
                minutes: String::new(),
            },
            ladder: vec![
                StepForm {
                    clock: "resolution".into(),
                    percent: "100".into(),
                    action: "notify_supervisors".into(),
                },
                StepForm::default(),
            ],
            ..Default::default()
        };
        let id = app.services.create_policy(&sup, &policy).await.unwrap();
        let order = |ps: Vec<hqdesk_domain::sla::Policy>| {
            ps.into_iter().map(|p| p.name).collect::<Vec<_>>()
        };
        assert_eq!(
            order(app.services.service_policies(&sup).await.unwrap()),
            ["Khẩn", "Cao", "Bình thường", "Thấp", "Tố giác"]
        );
        app.services.move_policy(&sup, id, true).await.unwrap();
        app.services.move_policy(&sup, id, true).await.unwrap();
        assert_eq!(
            order(app.services.service_policies(&sup).await.unwrap()),
            ["Khẩn", "Cao", "Tố giác", "Bình thường", "Thấp"]
        );
        let bad = app
            .services
            .create_policy(
                &sup,
                &PolicyForm {
                    name: "Khẩn".into(),
                    units: vec!["KHONG-CO".into()],
                    calendar: "khong-co".into(),
                    first_response: TargetForm {
                        hours: "-1".into(),
                        minutes: String::new(),
                    },
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        let ServiceError::Invalid(v) = &bad else {
            panic!("{bad:?}")
        };
        let fields: Vec<(&str, &str)> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("name", "policy_name_taken"),
                ("units", "unit_unknown"),
                ("calendar", "calendar_unknown"),
                ("first_response", "target_invalid"),
            ]
        );
        // A calendar a policy uses is not deleted.
        let mut used = form.clone();
        used.name = "hq-used".into();
        app.services.save_calendar(&sup, &used, true).await.unwrap();
        app.services
            .update_policy(
                &sup,
                id,
                &PolicyForm {
                    calendar: "hq-used".into(),
                    ..policy.clone()
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            app.services.delete_calendar(&sup, "hq-used", "").await,
            Err(ServiceError::Conflict {
                code: "calendar_in_use",
                ..
            })
        ));
        app.services.delete_policy(&sup, id, "Thử").await.unwrap();
        assert_eq!(
            audit_actions(&app, &format!("sla_policy:{id}")).await.len(),
            // created, moved twice, updated, deleted
            5
        );

        // Legal rules: the acceptance deadline extended to 10 working days; a negative amount and
        // an extension count without an extension are refused.
        let rule = hqdesk_services::service_levels_admin::LegalRuleForm {
            calendar: OFFICE.into(),
            amount: "10".into(),
            amount_unit: "working_days".into(),
            max_extensions: "0".into(),
            ..Default::default()
        };
        app.services
            .update_legal_rule(&sup, "denunciation", "legal_acceptance", &rule)
            .await
            .unwrap();
        let rules = app.services.legal_rules(&sup).await.unwrap();
        let acceptance = rules
            .iter()
            .find(|r| r.clock == ClockKind::LegalAcceptance)
            .unwrap();
        assert_eq!(
            acceptance.amount,
            hqdesk_domain::sla::Amount::WorkingDays(10)
        );
        let e = app
            .services
            .update_legal_rule(
                &sup,
                "denunciation",
                "legal_settlement",
                &hqdesk_services::service_levels_admin::LegalRuleForm {
                    amount: "-30".into(),
                    amount_unit: "days".into(),
                    max_extensions: "2".into(),
                    calendar: "24x7".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "amount"),
            "{e:?}"
        );
        assert!(matches!(
            app.services
                .update_legal_rule(&sup, "suggestion", "legal_acceptance", &rule)
                .await,
            Err(ServiceError::NotFound)
        ));
        assert_eq!(
            audit_actions(&app, "legal_rule:denunciation/legal_acceptance").await,
            vec!["legal_rule.updated"]
        );
    }
);

// The personal queue sorts by the nearest pending deadline by default: the first response while
// a case is unanswered, else its resolution.
crate::both_engines!(
    the_personal_queue_puts_the_nearest_deadline_first,
    |app| async move {
        use crate::console_session::{request, sign_in};
        // Opened together on the default policies (24x7): a high case is due a first answer in
        // 120 min and a resolution in 1,440 min; an urgent one in 30 min and 480 min.
        let high = app.open("hotline", json!({"kind":"inquiry","channel":"email","priority":"high","subject":"Tra cứu tờ khai bị lỗi","requester":{"name":"Lê Văn Cao","email":"cao@example.vn"}})).await;
        let urgent = app.open("hotline", json!({"kind":"inquiry","channel":"email","priority":"urgent","subject":"VNACCS ngừng nhận tờ khai","requester":{"name":"Phạm Thị Khẩn","email":"khan@example.vn"}})).await;
        let agent = sign_in(&app, "agent").await;
        for n in [&high, &urgent] {
            let r = request(
                &app,
                &agent,
                "POST",
                &format!("/console/cases/{n}/assign"),
                &[("assignee", "agent")],
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let rows = |body: &str| -> Vec<String> {
            body.split("<tr data-case=\"")
                .skip(1)
                .map(|s| s.split('"').next().unwrap().to_string())
                .collect()
        };
        // Both unanswered: urgent (30 min) before high (120 min).
        let page = request(&app, &agent, "GET", "/console?queue=mine", &[]).await;
        assert_eq!(rows(&page.body), vec![urgent.clone(), high.clone()]);
        // The urgent case answered: its nearest deadline is now its resolution (480 min), after
        // the high case's first answer (120 min) — though its resolution (480) is before the high
        // case's (1,440), so an order by resolution alone would keep it first.
        let r = request(
            &app,
            &agent,
            "POST",
            &format!("/console/cases/{urgent}/reply"),
            &[("body", "Chúng tôi đang kiểm tra hệ thống.")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = request(&app, &agent, "GET", "/console?queue=mine", &[]).await;
        assert_eq!(rows(&page.body), vec![high.clone(), urgent.clone()]);
    }
);

// The case page's "Service levels" panel: an ordinary case's clocks with their countdowns for
// an agent; a denunciation's legal deadlines with the accept button for investigators only, and
// nothing of it for anyone else.
crate::both_engines!(
    the_case_page_shows_the_clocks_and_the_legal_steps,
    |app| async move {
        use crate::console_session::{request, sign_in};
        // A normal-priority inquiry falls under the default policy "Bình thường" on 24x7: first
        // response 480 min = 8 h, resolution 4,320 min = 3 days, counted from now.
        let n = app.open("hotline", json!({"kind":"inquiry","channel":"phone","priority":"normal","subject":"Hỏi thủ tục hoàn thuế","requester":{"name":"Đỗ Văn Hoàn","phone":"0912000333"}})).await;
        let agent = sign_in(&app, "agent").await;
        let page = request(&app, &agent, "GET", &format!("/console/cases/{n}"), &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"case-clocks\""), "{}", page.body);
        assert!(page
            .body
            .contains("data-clock=\"first_response\" data-state=\"running\""));
        assert!(page.body.contains("còn 8 giờ"), "{}", page.body);
        assert!(page.body.contains("còn 3 ngày"), "{}", page.body);
        assert!(!page.body.contains("legal/accept"));

        let d = app.open("investigator", json!({"kind":"denunciation","channel":"portal","subject":"Tố giác gian lận hoàn thuế tại cảng Hải Phòng","body":"Doanh nghiệp khai khống hàng xuất."})).await;
        let inv = sign_in(&app, "investigator").await;
        let page = request(&app, &inv, "GET", &format!("/console/cases/{d}"), &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("data-clock=\"legal_acceptance\" data-state=\"running\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"legal-accept\""));
        // Nobody else learns anything of it: the same page as for a missing case.
        let hidden = request(&app, &agent, "GET", &format!("/console/cases/{d}"), &[]).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        assert!(!hidden.body.contains("legal_acceptance"));
        let refused = request(
            &app,
            &agent,
            "POST",
            &format!("/console/cases/{d}/legal/accept"),
            &[],
        )
        .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        // A suspension without a reason comes back to the page with the message.
        let r = request(
            &app,
            &inv,
            "POST",
            &format!("/console/cases/{d}/legal/legal_acceptance/suspend"),
            &[("reason", "")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // Accepted: acceptance met, settlement running.
        let r = request(
            &app,
            &inv,
            "POST",
            &format!("/console/cases/{d}/legal/accept"),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = request(&app, &inv, "GET", &format!("/console/cases/{d}"), &[]).await;
        assert!(page
            .body
            .contains("data-clock=\"legal_acceptance\" data-state=\"met\""));
        assert!(
            page.body
                .contains("data-clock=\"legal_settlement\" data-state=\"running\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"legal-extend\""));
    }
);
