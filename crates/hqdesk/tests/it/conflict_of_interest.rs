//! Conflict of interest (issue 18; design note 006 §10): a report may name officers and units;
//! those named, and on request their chain of command, can neither see nor be given the case,
//! even as investigators. On both engines.
use std::time::Duration;

use axum::http::StatusCode;
use hqdesk_services::cases::ListCases;
use hqdesk_services::directory::AddUser;
use hqdesk_services::{Actor, ServiceError};
use serde_json::{json, Value};

use crate::both_engines;
use crate::confidential_live::Stream;
use crate::console_session::{count, request, sign_in};
use crate::sealed_cases::texts;
use crate::support::TestApp;

const SUBJECT: &str = "Tố giác cán bộ nhận tiền tại cửa khẩu Móng Cái";
const BODY: &str = "Cán bộ đội kiểm soát thu tiền của xe chở hàng lậu mỗi đêm.";

/// Add an active investigator in `unit` with an API token (kept in `app.tokens` under `name`).
pub(crate) async fn add_investigator(app: &mut TestApp, name: &'static str, unit: Option<&str>) {
    app.services
        .add_user(
            &Actor::Cli,
            AddUser {
                username: name.into(),
                display_name: Some(format!("Điều tra viên {name}")),
                role: "investigator".into(),
                unit: unit.map(String::from),
                password: None,
                email: None,
            },
        )
        .await
        .unwrap();
    let token = app
        .services
        .issue_token(
            &Actor::Cli,
            name,
            "test",
            hqdesk_services::auth::DEFAULT_TOKEN_DAYS,
        )
        .await
        .unwrap()
        .token;
    app.tokens.insert(name, token);
}

async fn actor(app: &TestApp, name: &str) -> Actor {
    app.services
        .authenticate_token(app.token(name))
        .await
        .unwrap()
}

async fn id_of(app: &TestApp, sql: &str) -> i64 {
    count(app, sql).await
}

/// How many cases `who`'s lists show for `list`, and whether `number` is among them.
async fn listed(app: &TestApp, who: &Actor, list: ListCases, number: &str) -> (i64, bool) {
    let page = app
        .services
        .list_cases(
            who,
            ListCases {
                limit: Some(200),
                ..list
            },
        )
        .await
        .unwrap();
    (
        page.total,
        page.items.iter().any(|c| c.number.as_str() == number),
    )
}

fn field_error(j: &Value, field: &str, code: &str) -> bool {
    j.to_string().contains(field) && j.to_string().contains(code)
}

both_engines!(
    a_named_investigator_gets_nothing_of_the_report_and_loses_its_key,
    |app| async move {
        let mut app = app;
        add_investigator(&mut app, "named_inv", Some("KV8-MC")).await;
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        // Both sign in to the console (a key pair each, unlocked for their sessions).
        let inv = sign_in(&app, "investigator").await;
        let named = sign_in(&app, "named_inv").await;
        let named_id = id_of(&app, "SELECT id FROM users WHERE username = 'named_inv'").await;

        let number = app
            .open(
                "hotline",
                json!({"kind":"denunciation","channel":"phone","subject":SUBJECT,"body":BODY,
                       "requester":{"name":"Người báo tin","phone":"0987000111"}}),
            )
            .await;
        let case_id = id_of(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{number}'"),
        )
        .await;
        assert_eq!(
            count(
                &app,
                &format!("SELECT sealed FROM cases WHERE id = {case_id}")
            )
            .await,
            1
        );
        let named_keys = format!(
            "SELECT COUNT(*) FROM case_keys WHERE case_id = {case_id} AND key_id IN \
             (SELECT key_id FROM user_keys WHERE user_id = {named_id})"
        );
        assert_eq!(count(&app, &named_keys).await, 1, "a recipient at intake");
        // It is theirs, before anyone says the report names them.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"named_inv"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let page = request(
            &app,
            &named,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(SUBJECT), "their key opens it");

        // The console form: nobody chosen, and an unknown account, are refused with the reason.
        let path = format!("/console/cases/{number}/named");
        let a = request(&app, &inv, "POST", &path, &[]).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert!(a.body.contains("Hãy chọn ít nhất một cán bộ"), "{}", a.body);
        let a = request(&app, &inv, "POST", &path, &[("officer", "khong-co-ai")]).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            a.body.contains("Không có tài khoản cán bộ này"),
            "{}",
            a.body
        );
        // The investigator names them.
        let a = request(&app, &inv, "POST", &path, &[("officer", "named_inv")]).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        assert_eq!(a.location, format!("/console/cases/{number}#named"));

        // Their wrap of the case key is gone, and the case was taken from them.
        assert_eq!(count(&app, &named_keys).await, 0);
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM case_keys WHERE case_id = {case_id}")
            )
            .await,
            2,
            "the escrow's and the other investigator's stay"
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM cases WHERE id = {case_id} AND assignee_id IS NULL")
            )
            .await,
            1
        );

        // The named investigator: the page, the API, lists and counts answer as for a missing case.
        let missing =
            hqdesk_domain::case::CaseNumber::compose(app.services.now(), 999_999).to_string();
        for path in [
            format!("/console/cases/{number}"),
            format!("/console/cases/{missing}"),
        ] {
            let a = request(&app, &named, "GET", &path, &[]).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!a.body.contains(SUBJECT) && !a.body.contains(&number));
        }
        let (s, _) = app
            .get("named_inv", &format!("/api/v1/cases/{number}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, j) = app
            .get("named_inv", &format!("/api/v1/cases/{number}/messages"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{j}");
        let (s, j) = app
            .get("named_inv", "/api/v1/cases?kind=denunciation")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(j["total"], 0, "{j}");
        assert!(!j.to_string().contains(&number));
        let (s, j) = app
            .get("investigator", "/api/v1/cases?kind=denunciation")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(j["total"], 1, "{j}");
        let named_actor = actor(&app, "named_inv").await;
        let inv_actor = actor(&app, "investigator").await;
        let (all_named, shown) = listed(&app, &named_actor, ListCases::default(), &number).await;
        let (all_inv, _) = listed(&app, &inv_actor, ListCases::default(), &number).await;
        assert!(!shown);
        assert_eq!(
            all_named,
            all_inv - 1,
            "counted from the maintained counts, minus it"
        );
        let queue = request(&app, &named, "GET", "/console?queue=all", &[]).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(!queue.body.contains(&number));
        let (s, j) = app
            .get("named_inv", &format!("/api/v1/cases?q={number}"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(j["total"], 0, "{j}");

        // Nobody can give it to them again.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"named_inv"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{j}");
        assert!(field_error(&j, "assignee", "assignee_conflict"), "{j}");

        // The other investigator sees who is named, and is not offered them as the assignee.
        let page = request(&app, &inv, "GET", &format!("/console/cases/{number}"), &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"named-officers\""), "{}", page.body);
        assert!(page.body.contains("data-username=\"named_inv\""));
        let assign = &page.body[page.body.find("id=\"assign-user\"").unwrap()..];
        let assign = &assign[..assign.find("</select>").unwrap()];
        assert!(!assign.contains("named_inv"), "{assign}");
        assert!(assign.contains("value=\"investigator\""), "{assign}");
        assert!(
            page.body.contains("1 cán bộ"),
            "the timeline says a naming happened"
        );

        // The live stream: the named investigator hears nothing of the case.
        let mut stream = Stream::open(&app, &named, None).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/messages"),
                json!({"body":"Ghi chú sau khi nêu tên","internal":true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        let marker = app
            .open("agent", json!({"kind":"inquiry","subject":"Mốc của luồng","requester":{"phone":"0912345678"}}))
            .await;
        assert!(
            stream.read_until(&marker, Duration::from_secs(20)).await,
            "{}",
            stream.text
        );
        assert!(!stream.text.contains(&number), "{}", stream.text);

        // Nothing at rest says who: the tags are keyed hashes, the list is sealed, the audit
        // entry counts.
        let tags = texts(
            &app,
            &format!("SELECT tag FROM case_exclusions WHERE case_id = {case_id}"),
        )
        .await;
        assert_eq!(tags.len(), 1, "{tags:?}");
        for t in &tags {
            assert!(t.starts_with("hqk1."), "{t}");
            assert!(
                !t.contains("user:") && !t.contains(&format!(":{named_id}")),
                "{t}"
            );
        }
        let lists = texts(
            &app,
            &format!("SELECT named FROM case_named WHERE case_id = {case_id}"),
        )
        .await;
        assert_eq!(lists.len(), 1);
        assert!(lists[0].starts_with("hqsa1."), "{}", lists[0]);
        let audit = texts(
            &app,
            &format!("SELECT detail FROM audit_log WHERE action = 'case.name_involved' AND object = 'case:{number}'"),
        )
        .await;
        assert_eq!(audit.len(), 1);
        assert!(
            !audit[0].contains("named_inv") && !audit[0].contains("KV8"),
            "{}",
            audit[0]
        );
        let d: Value = serde_json::from_str(&audit[0]).unwrap();
        assert_eq!(
            (d["officers"].as_i64(), d["unassigned"].as_bool()),
            (Some(1), Some(true))
        );
        let everything = texts(
            &app,
            &format!("SELECT meta FROM timeline_entries WHERE case_id = {case_id}"),
        )
        .await;
        assert!(everything.iter().all(|m| !m.contains("named_inv")));

        // Escrow recovery for the named investigator gives every case back but this one.
        let other = app
            .open(
                "hotline",
                json!({"kind":"denunciation","channel":"phone","subject":"Tố giác khác","body":"Không liên quan.",
                       "requester":{"phone":"0987000222"}}),
            )
            .await;
        app.services
            .set_user_password(
                &Actor::Cli,
                "named_inv",
                Some("một mật khẩu mới rất dài 2027".into()),
            )
            .await
            .unwrap();
        let done = app
            .services
            .escrow_recover(&Actor::Cli, &escrow.key, "named_inv")
            .await
            .unwrap();
        assert_eq!(
            (done.rewrapped, done.excluded, done.still_missing),
            (1, 1, 0),
            "{done:?}"
        );
        assert_eq!(count(&app, &named_keys).await, 0, "not given back");
        let other_id = id_of(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{other}'"),
        )
        .await;
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM case_keys WHERE case_id = {other_id} AND key_id IN \
                     (SELECT key_id FROM user_keys WHERE user_id = {named_id} AND retired_at IS NULL)"
                )
            )
            .await,
            1,
            "the other report is theirs again"
        );

        // A report naming anyone is not merged into another case.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/merge"),
                json!({"into": other}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{j}");
        assert!(j.to_string().contains("case_names_officers"), "{j}");
    }
);

both_engines!(
    a_named_unit_and_its_chain_of_command_are_excluded_from_intake_on,
    |app| async move {
        let mut app = app;
        // KV8-MC is below KV8, which is below CHQ; DDN is below CHQ too.
        add_investigator(&mut app, "inv_mc", Some("KV8-MC")).await;
        add_investigator(&mut app, "inv_kv8", Some("KV8")).await;
        add_investigator(&mut app, "inv_chq", Some("CHQ")).await;
        add_investigator(&mut app, "inv_kv2", Some("KV2")).await;

        // Bad input: an unknown account or unit, a name on a case that is no report, a named
        // assignee — each a 422 naming its field.
        for (body, field, code) in [
            (
                json!({"kind":"denunciation","subject":SUBJECT,"named_officers":["khong-co-ai"]}),
                "named_officers",
                "officer_unknown",
            ),
            (
                json!({"kind":"denunciation","subject":SUBJECT,"named_units":["XX-9"]}),
                "named_units",
                "unit_unknown",
            ),
            (
                json!({"kind":"inquiry","subject":"Hỏi","requester":{"phone":"0912345678"},"named_units":["KV8"]}),
                "named_officers",
                "not_a_report",
            ),
            (
                json!({"kind":"denunciation","subject":SUBJECT,"named_units":["KV8"],"assignee":"inv_mc"}),
                "assignee",
                "assignee_conflict",
            ),
        ] {
            let (s, j) = app.post("hotline", "/api/v1/cases", body.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {j}");
            assert!(field_error(&j, field, code), "{body}: {j}");
        }
        assert_eq!(app.count_rows("cases").await, 0, "nothing was created");

        // No escrow key yet: kept unsealed (and so searched through the ordinary index).
        let (s, j) = app
            .post(
                "hotline",
                "/api/v1/cases",
                json!({"kind":"denunciation","channel":"phone","subject":SUBJECT,"body":BODY,
                       "named_units":["kv8"],"named_chain":true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        let number = j["number"].as_str().unwrap().to_string();
        let case_id = id_of(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{number}'"),
        )
        .await;
        // unit:KV8, chain:CHQ.
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM case_exclusions WHERE case_id = {case_id}")
            )
            .await,
            2
        );
        let search = ListCases {
            q: Some("nhan tien cua khau mong cai".into()),
            ..Default::default()
        };
        // Members of the named unit and of the units below it, and of the units above it: out.
        for name in ["inv_mc", "inv_kv8", "inv_chq"] {
            let who = actor(&app, name).await;
            assert!(
                matches!(
                    app.services.get_case(&who, &number).await,
                    Err(ServiceError::NotFound)
                ),
                "{name}"
            );
            let (n, shown) = listed(&app, &who, search.clone(), &number).await;
            assert_eq!((n, shown), (0, false), "{name} searches");
            let (n, _) = listed(
                &app,
                &who,
                ListCases {
                    kind: vec!["denunciation".into()],
                    ..Default::default()
                },
                &number,
            )
            .await;
            assert_eq!(n, 0, "{name} counts");
            let (s, j) = app
                .post(
                    "investigator",
                    &format!("/api/v1/cases/{number}/assign"),
                    json!({ "assignee": name }),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {j}");
            assert!(field_error(&j, "assignee", "assignee_conflict"), "{j}");
        }
        // A sister unit and the task force: in.
        for name in ["inv_kv2", "investigator"] {
            let who = actor(&app, name).await;
            assert!(app.services.get_case(&who, &number).await.is_ok(), "{name}");
            let (n, shown) = listed(&app, &who, search.clone(), &number).await;
            assert_eq!((n, shown), (1, true), "{name} searches");
        }
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"inv_kv2"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let involved = app
            .services
            .involved(&actor(&app, "investigator").await, &number)
            .await
            .unwrap();
        assert_eq!(
            involved.units,
            vec![(
                "KV8".to_string(),
                "Chi cục Hải quan khu vực VIII".to_string()
            )]
        );
        assert!(involved.chain && involved.officers.is_empty());
        let excluded: Vec<&str> = involved.excluded.iter().map(String::as_str).collect();
        assert_eq!(
            excluded,
            vec!["inv_chq", "inv_kv8", "inv_mc", "unit_officer"]
        );

        // Someone who joins a named unit later is covered at once.
        app.services
            .update_user(
                &Actor::Cli,
                "inv_kv2",
                hqdesk_services::directory::UpdateUser {
                    unit: Some(Some("KV8-MC".into())),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            app.services
                .get_case(&actor(&app, "inv_kv2").await, &number)
                .await,
            Err(ServiceError::NotFound)
        ));
        // The audit entry of the intake counts, and names nobody.
        let audit = texts(
            &app,
            &format!("SELECT detail FROM audit_log WHERE action = 'case.name_involved' AND object = 'case:{number}'"),
        )
        .await;
        assert_eq!(audit.len(), 1);
        assert!(
            !audit[0].contains("KV8") && audit[0].contains("\"at_intake\":true"),
            "{}",
            audit[0]
        );
    }
);
