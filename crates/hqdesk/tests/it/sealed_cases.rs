//! Sealed cases (issue 18; design note 006 §9): a denunciation taken in once the installation
//! has an escrow key is sealed at intake, its text at rest is ciphertext bound to its place,
//! and it opens for an investigator signed in to the console, on both engines.
use axum::http::StatusCode;
use hqdesk_services::session::Lookup;
use hqdesk_services::{Actor, Services};
use hqdesk_store::Store;
use serde_json::json;

use crate::both_engines;
use crate::console::PASSWORD;
use crate::console_session::enrol_second_factor;
use crate::support::TestApp;

const SUBJECT: &str = "Tố cáo buôn lậu MKSUBJ7f3a";
const BODY: &str = "Xe tải biển số 14C-123.45 chở hàng lậu MKBODY91c2";
const NAME: &str = "Nguyễn Văn MKNAME5d0e";

/// The investigator signed in to the console: the actor of their session, key unlocked.
pub(crate) async fn investigator_actor(app: &TestApp) -> Actor {
    crate::console::set_password(app, "investigator").await;
    let e = enrol_second_factor(app, "192.0.2.7", "investigator", PASSWORD).await;
    let Lookup::Alive(session) = app.services.session_lookup(&e.token).await.unwrap() else {
        panic!("the session is alive");
    };
    assert!(session.actor.unlocked_key().is_some());
    session.actor
}

async fn denunciation(app: &TestApp) -> (String, i64) {
    let (s, den) = app
        .post(
            "hotline",
            "/api/v1/cases",
            json!({"kind":"denunciation","channel":"phone","subject":SUBJECT,"body":BODY,
                   "category":"b1.denunciation.smuggling",
                   "requester":{"name":NAME,"phone":"0987654321"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{den}");
    let number = den["number"].as_str().unwrap().to_string();
    let id = scalar_i64(
        app,
        &format!("SELECT id FROM cases WHERE number = '{number}'"),
    )
    .await;
    (number, id)
}

/// One integer the query answers.
pub(crate) async fn scalar_i64(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

/// The texts the query answers, NULLs left out.
pub(crate) async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    let mut conn = app.services.store().read().await.unwrap();
    let rows: Vec<Option<String>> = sqlx::query_scalar(sql).fetch_all(&mut *conn).await.unwrap();
    rows.into_iter().flatten().collect()
}

/// Every text column where a sealed case's text could be left in clear.
const TEXT_COLUMNS: [(&str, &str); 10] = [
    ("cases", "subject"),
    ("timeline_entries", "body"),
    ("timeline_entries", "meta"),
    ("confidential_reporters", "name"),
    ("confidential_reporters", "email"),
    ("confidential_reporters", "phone"),
    ("audit_log", "detail"),
    ("jobs", "payload"),
    ("idempotency_keys", "answer"),
    ("case_search", "tokens"),
];

/// None of `markers` is in any of the text columns, in any form the index would fold it to.
async fn assert_nowhere(app: &TestApp, markers: &[&str]) {
    for marker in markers {
        let folded = hqdesk_domain::text::search_tokens(marker);
        for (table, column) in TEXT_COLUMNS {
            for form in [marker.to_string(), folded.clone()] {
                let n = scalar_i64(
                    app,
                    &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{form}%'"),
                )
                .await;
                assert_eq!(n, 0, "{form} in {table}.{column}");
            }
        }
    }
}

/// Run `sql` in a transaction; its error, if any.
async fn try_exec(services: &Services, sql: &str) -> Option<String> {
    let mut tx = services.store().begin().await.unwrap();
    match sqlx::query(sql).execute(&mut *tx).await {
        Ok(_) => {
            Store::commit(tx).await.unwrap();
            None
        }
        Err(e) => Some(e.to_string()),
    }
}

both_engines!(
    a_denunciation_is_sealed_at_intake_and_opens_for_investigators,
    |app| async move {
        let investigator = investigator_actor(&app).await;
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let (number, id) = denunciation(&app).await;

        // At rest: ciphertext in every text column, nothing in the index, wraps for two keys.
        let subject = texts(&app, &format!("SELECT subject FROM cases WHERE id = {id}")).await;
        assert!(subject[0].starts_with("hqsa1."), "{subject:?}");
        let bodies = texts(
            &app,
            &format!("SELECT body FROM timeline_entries WHERE case_id = {id}"),
        )
        .await;
        assert!(!bodies.is_empty());
        assert!(bodies.iter().all(|b| b.starts_with("hqsa1.")), "{bodies:?}");
        let reporter = texts(
            &app,
            &format!("SELECT name FROM confidential_reporters WHERE case_id = {id}"),
        )
        .await;
        assert!(reporter[0].starts_with("hqsa1."), "{reporter:?}");
        let phone = texts(
            &app,
            &format!("SELECT phone FROM confidential_reporters WHERE case_id = {id}"),
        )
        .await;
        assert!(phone[0].starts_with("hqsa1."), "{phone:?}");
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM case_search WHERE case_id = {id}")
            )
            .await,
            0
        );
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM case_keys WHERE case_id = {id}")
            )
            .await,
            2
        );
        assert_eq!(
            scalar_i64(&app, &format!("SELECT sealed FROM cases WHERE id = {id}")).await,
            1
        );
        assert_nowhere(
            &app,
            &["MKSUBJ7f3a", "MKBODY91c2", "MKNAME5d0e", "987654321"],
        )
        .await;

        // The investigator signed in to the console reads it all.
        let view = app.services.get_case(&investigator, &number).await.unwrap();
        assert!(view.case.sealed);
        assert_eq!(view.case.subject, SUBJECT);
        // Except the reporter's identity, sealed to the custodians (the identity vault).
        assert!(view.reporter.is_none());
        let r = crate::identity_vault::granted_reporter(
            &app,
            Some(&escrow.key),
            &investigator,
            &number,
        )
        .await;
        assert_eq!(r.name.as_deref(), Some(NAME));
        assert_eq!(r.phone.as_deref(), Some("+84987654321"));
        let entries = app
            .services
            .list_timeline(&investigator, &number, false, None, None)
            .await
            .unwrap();
        assert_eq!(entries[0].body, BODY);
        // A later note by the investigator is sealed too, and opens.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/messages"),
                json!({"body":"Ghi chú MKNOTE33aa","internal":true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM timeline_entries WHERE body LIKE '%MKNOTE33aa%'"
            )
            .await,
            0
        );
        let entries = app
            .services
            .list_timeline(&investigator, &number, false, None, None)
            .await
            .unwrap();
        assert!(entries.iter().any(|e| e.body == "Ghi chú MKNOTE33aa"));
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM case_search WHERE case_id = {id}")
            )
            .await,
            0
        );
        let listed = app
            .services
            .list_cases(
                &investigator,
                hqdesk_services::cases::ListCases {
                    kind: vec!["denunciation".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(listed
            .items
            .iter()
            .any(|c| c.number.as_str() == number && c.subject == SUBJECT));

        // An investigator's API token holds no key: the case is there, its text is not.
        let (s, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(j["subject"], "");
        assert_eq!(j["sealed"], true);
        let (s, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}/messages"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !j.to_string().contains("hqsa1."),
            "no ciphertext is shown: {j}"
        );

        // Clear text written into a sealed case's row by any path is refused by the database.
        for sql in [
        format!("UPDATE cases SET subject = 'rõ ràng' WHERE id = {id}"),
        format!("UPDATE timeline_entries SET body = 'rõ ràng' WHERE case_id = {id}"),
        format!("UPDATE confidential_reporters SET name = 'rõ ràng' WHERE case_id = {id}"),
        format!("INSERT INTO timeline_entries (case_id, kind, body, created_at) VALUES ({id}, 'note', 'rõ ràng', 0)"),
    ] {
        let err = try_exec(&app.services, &sql).await.expect("refused");
        assert!(err.contains("clear text refused"), "{sql}: {err}");
    }

        // A value moved to another place does not open there: the body's ciphertext as the subject.
        let body = texts(
            &app,
            &format!("SELECT body FROM timeline_entries WHERE case_id = {id} ORDER BY id LIMIT 1"),
        )
        .await;
        assert!(try_exec(
            &app.services,
            &format!("UPDATE cases SET subject = '{}' WHERE id = {id}", body[0])
        )
        .await
        .is_none());
        let view = app.services.get_case(&investigator, &number).await.unwrap();
        assert_eq!(view.case.subject, "", "a swapped value reads as nothing");
    }
);

both_engines!(
    without_an_escrow_key_a_denunciation_is_kept_as_before,
    |app| async move {
        let (_, id) = denunciation(&app).await;
        assert_eq!(
            scalar_i64(&app, &format!("SELECT sealed FROM cases WHERE id = {id}")).await,
            0
        );
        assert_eq!(
            texts(&app, &format!("SELECT subject FROM cases WHERE id = {id}")).await,
            [SUBJECT]
        );
        // Ordinary cases never take the trigger's path: an ordinary subject is written in clear.
        assert!(try_exec(
            &app.services,
            &format!("UPDATE cases SET subject = 'rõ ràng' WHERE id = {id}")
        )
        .await
        .is_none());
    }
);

both_engines!(
    a_sealed_portal_report_opens_through_its_tracking_link,
    |app| async move {
        let investigator = investigator_actor(&app).await;
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let submitted = app
            .services
            .portal_submit(hqdesk_services::portal::PortalRequest {
                topic: "denunciation".into(),
                subject: SUBJECT.into(),
                description: BODY.into(),
                name: Some(NAME.into()),
                email: Some("nguoibaotin@example.vn".into()),
                lang: "vi".into(),
                link_base: "http://hqdesk.test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let number = submitted.case_number.clone();
        let id = scalar_i64(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{number}'"),
        )
        .await;
        assert_eq!(
            scalar_i64(&app, &format!("SELECT sealed FROM cases WHERE id = {id}")).await,
            1
        );
        assert_nowhere(
            &app,
            &["MKSUBJ7f3a", "MKBODY91c2", "MKNAME5d0e", "nguoibaotin"],
        )
        .await;
        // The confirmation mail waits sealed for the installation: its job, which holds no
        // investigator's key, opens it to send it.
        let payloads = texts(&app, "SELECT payload FROM jobs WHERE kind = 'mail.notify'").await;
        assert_eq!(payloads.len(), 1);
        assert!(hqdesk_store::secrets::is_sealed(&payloads[0]));
        let mail: serde_json::Value = serde_json::from_str(
            &hqdesk_store::secrets::open_value("jobs.payload.mail.notify", &payloads[0]).unwrap(),
        )
        .unwrap();
        assert_eq!(mail["to"], "nguoibaotin@example.vn");
        // The reporter's link opens their case: the confirmation page and the tracking page.
        let receipt = app
            .services
            .portal_receipt(&submitted.tracking_token)
            .await
            .unwrap();
        assert_eq!(receipt.subject, SUBJECT);
        let tracked = app
            .services
            .portal_track(&submitted.tracking_token)
            .await
            .unwrap();
        assert_eq!(tracked.case.subject, SUBJECT);
        assert!(tracked
            .messages
            .iter()
            .any(|m| m.body.contains("MKBODY91c2")));
        // The investigator answers; the reporter reads it through the link and writes again.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/messages"),
                json!({"body":"Xin cho biết thêm thời gian MKQ1","internal":false}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        let tracked = app
            .services
            .portal_track(&submitted.tracking_token)
            .await
            .unwrap();
        assert!(tracked
            .messages
            .iter()
            .any(|m| m.body == "Xin cho biết thêm thời gian MKQ1"));
        app.services
            .portal_reply(
                &submitted.tracking_token,
                "Khoảng 22 giờ MKA1",
                vec![],
                "192.0.2.9",
            )
            .await
            .unwrap();
        assert_eq!(scalar_i64(&app, "SELECT COUNT(*) FROM timeline_entries WHERE body LIKE '%MKA1%' OR body LIKE '%MKQ1%'").await, 0);
        let entries = app
            .services
            .list_timeline(&investigator, &number, false, None, None)
            .await
            .unwrap();
        assert!(entries.iter().any(|e| e.body == "Khoảng 22 giờ MKA1"));
        assert!(app
            .services
            .get_case(&investigator, &number)
            .await
            .unwrap()
            .reporter
            .is_none());
        let reporter = crate::identity_vault::granted_reporter(
            &app,
            Some(&escrow.key),
            &investigator,
            &number,
        )
        .await;
        assert_eq!(reporter.email.as_deref(), Some("nguoibaotin@example.vn"));
        // Another link opens nothing.
        assert!(app.services.portal_track(&"0".repeat(64)).await.is_err());
    }
);

both_engines!(a_lost_password_loses_no_sealed_report, |app| async move {
    // The investigator's first key pair is made with their first password.
    crate::console::set_password(&app, "investigator").await;
    let escrow = app
        .services
        .escrow_init(&Actor::Cli, false)
        .await
        .unwrap()
        .key;
    let (number, _) = denunciation(&app).await;
    // The password is lost: an operator sets a new one, which makes a new key pair. The case's
    // key was wrapped for the old one only: the investigator reads nothing of it.
    let investigator = investigator_actor(&app).await;
    let view = app.services.get_case(&investigator, &number).await.unwrap();
    assert_eq!(view.case.subject, "");
    // The escrow paper gives it back.
    let done = app
        .services
        .escrow_recover(&Actor::Cli, &escrow, "investigator")
        .await
        .unwrap();
    assert_eq!(done.rewrapped, 1);
    let view = app.services.get_case(&investigator, &number).await.unwrap();
    assert_eq!(view.case.subject, SUBJECT);
    let r =
        crate::identity_vault::granted_reporter(&app, Some(&escrow), &investigator, &number).await;
    assert_eq!(r.name.as_deref(), Some(NAME));
});

both_engines!(
    a_sealed_case_merges_only_with_a_sealed_case,
    |app| async move {
        let investigator = investigator_actor(&app).await;
        // One denunciation from before the escrow key (kept unsealed), two after it (sealed).
        let (old, _) = denunciation(&app).await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let (sealed, _) = denunciation(&app).await;
        let (duplicate, _) = denunciation(&app).await;
        for (from, into) in [(&old, &sealed), (&sealed, &old)] {
            let (s, j) = app
                .post(
                    "investigator",
                    &format!("/api/v1/cases/{from}/merge"),
                    json!({ "into": into }),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{j}");
            assert_eq!(j["errors"][0]["code"], "case_sealed_mismatch");
        }
        // Two sealed cases merge; the moved messages still open, each under its own case's key.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{duplicate}/merge"),
                json!({ "into": sealed }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let entries = app
            .services
            .list_timeline(&investigator, &sealed, false, None, None)
            .await
            .unwrap();
        assert_eq!(
            entries.iter().filter(|e| e.body == BODY).count(),
            2,
            "{entries:?}"
        );
    }
);
