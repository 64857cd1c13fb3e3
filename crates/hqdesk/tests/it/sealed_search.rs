//! Search over sealed cases (issue 18; design note 006 §4): the index holds nothing of a sealed
//! case, so an investigator signed in to the console finds one by opening their sealed set in
//! the request — with and without diacritics, by a word of the subject or of a later message —
//! while the same search finds nothing for an API token, an agent or a supervisor, on both
//! engines. Each match is a read, audited as one.
use axum::http::StatusCode;
use hqdesk_services::cases::{AddMessage, Direction, ListCases};
use serde_json::json;

use crate::both_engines;
use hqdesk_services::session::Lookup;

use crate::console::PASSWORD;
use crate::console_session::{enrol_second_factor, request, sign_in, Session};
use crate::sealed_cases::scalar_i64;
use crate::support::TestApp;

const SUBJECT: &str = "Tố giác kho xăng lậu ở Xuyên Mộc";
const BODY: &str = "Xe bồn biển số 72C-555.88 đổ xăng lúc 2 giờ sáng";
const LATER: &str = "Bổ sung: chủ kho tên là Phạm Văn Khoáng";

async fn sealed_denunciation(app: &TestApp) -> String {
    let (s, den) = app
        .post(
            "hotline",
            "/api/v1/cases",
            json!({"kind":"denunciation","channel":"phone","subject":SUBJECT,"body":BODY,
                   "category":"b1.denunciation.smuggling",
                   "requester":{"name":"Người báo tin","phone":"0987654321"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{den}");
    den["number"].as_str().unwrap().to_string()
}

fn search(q: &str) -> ListCases {
    ListCases {
        q: Some(q.to_string()),
        ..Default::default()
    }
}

both_engines!(
    an_investigator_finds_a_sealed_case_by_its_words_and_nobody_else_does,
    |app| async move {
        // Signed in once: setting the password again would give them a new key pair.
        crate::console::set_password(&app, "investigator").await;
        let enrolled = enrol_second_factor(&app, "192.0.2.7", "investigator", PASSWORD).await;
        let Lookup::Alive(alive) = app.services.session_lookup(&enrolled.token).await.unwrap()
        else {
            panic!("the session is alive");
        };
        let investigator = alive.actor;
        let console = Session {
            token: enrolled.token.clone(),
            csrf: String::new(),
        };
        app.services
            .escrow_init(&hqdesk_services::Actor::Cli, false)
            .await
            .unwrap();
        let number = sealed_denunciation(&app).await;
        let sealed: i64 = scalar_i64(
            &app,
            &format!("SELECT sealed FROM cases WHERE number = '{number}'"),
        )
        .await;
        assert_eq!(sealed, 1, "the denunciation is sealed at intake");
        // A later message, sealed by the store, is searched too.
        app.services
            .add_message(
                &investigator,
                &number,
                AddMessage {
                    body: LATER.into(),
                    internal: true,
                    direction: Direction::Outbound,
                    attachments: vec![],
                },
                None,
            )
            .await
            .unwrap();

        for q in ["xăng Xuyên Mộc", "xang xuyen moc", "72c 555", "Khoáng"] {
            let page = app
                .services
                .list_cases(&investigator, search(q))
                .await
                .unwrap();
            let found: Vec<String> = page
                .sealed
                .items
                .iter()
                .map(|c| c.number.to_string())
                .collect();
            assert_eq!(found, vec![number.clone()], "{q}");
            assert_eq!(page.sealed.items[0].subject, SUBJECT, "opened for the page");
            assert!(page.sealed.searched >= 1);
            // The index never had it.
            assert!(page.items.iter().all(|c| c.number.to_string() != number));
        }
        // Every query word must be in the case.
        let page = app
            .services
            .list_cases(&investigator, search("xăng Móng Cái"))
            .await
            .unwrap();
        assert!(page.sealed.items.is_empty());
        // Other filters still apply: a resolved-only search does not list the new case.
        let page = app
            .services
            .list_cases(
                &investigator,
                ListCases {
                    status: vec!["resolved".into()],
                    ..search("xang")
                },
            )
            .await
            .unwrap();
        assert!(page.sealed.items.is_empty());

        // The match is a read of the case: audited, without the words searched.
        let audited = scalar_i64(
            &app,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'case.read_confidential' \
                 AND object = 'case:{number}' AND detail LIKE '%search%'"
            ),
        )
        .await;
        assert!(audited >= 1, "the search's reads are audited");
        let words = scalar_i64(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%Xuy%' OR detail LIKE '%xuyen%'",
        )
        .await;
        assert_eq!(words, 0, "no searched word in the audit log");

        // In the console: the investigator's search page lists it under the sealed matches.
        let page = request(&app, &console, "GET", "/console?q=xang+xuyen+moc", &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        let section = page
            .body
            .split("id=\"sealed-matches\"")
            .nth(1)
            .expect("the sealed matches section");
        assert!(section.contains(&number), "{section}");
        assert!(section.contains(SUBJECT));

        // Nobody else finds it: no key, no sealed matches; the index has nothing either.
        for role in ["agent", "supervisor", "hotline"] {
            let session = sign_in(&app, role).await;
            let page = request(&app, &session, "GET", "/console?q=xang+xuyen+moc", &[]).await;
            assert_eq!(page.status, StatusCode::OK, "{role}");
            assert!(!page.body.contains(&number), "{role}");
            assert!(!page.body.contains("id=\"sealed-matches\""), "{role}");
        }
        let (s, api) = app
            .get("investigator", "/api/v1/cases?q=xang+xuyen+moc")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !api.to_string().contains(&number),
            "an API token opens nothing: {api}"
        );
    }
);
