//! Sealing a misfiled denunciation (issue 18; design note 006 §9.6): a denunciation that came by
//! e-mail into the ordinary queue is sealed by the agent who sees it. From that moment it is
//! encrypted at rest (its text, its reporter, its attachment and the raw mail), gone from the
//! agent's case page, search and counts, and read by investigators only; in a real browser it
//! leaves the agent's open queue at once.
use axum::http::StatusCode;
use hqdesk_services::mail::MailSource;
use hqdesk_services::Actor;
use serde_json::json;

use crate::both_engines;
use crate::browser::{serve, Browser};
use crate::console::{set_password, sign_in_password};
use crate::mail_ingest::add_mailbox;
use crate::sealed_cases::{investigator_actor, scalar_i64 as count};
use crate::sealed_marker::{files_under, markers_found};
use crate::support::{Engine, TestApp};

const SUBJECT: &str = "Tố giác buôn lậu xăng dầu MKSEALSUBJ4e4e";
const BODY: &str = "Tàu cá chở xăng lậu cập bến đêm qua MKSEALBODY5f5f";
const FILE_TEXT: &str = "Ảnh chụp tàu MKSEALFILE6a6a";
const SENDER: &str = "mksealsender7b7b@khach.test";
const MARKERS: [&str; 4] = [
    "MKSEALSUBJ4e4e",
    "MKSEALBODY5f5f",
    "MKSEALFILE6a6a",
    "mksealsender7b7b",
];

/// A denunciation written to the ordinary support mailbox, with a photo's description attached.
fn misfiled_mail(uid: i64) -> Vec<u8> {
    use base64::Engine as _;
    let part = base64::engine::general_purpose::STANDARD.encode(FILE_TEXT);
    format!(
        "From: Người dân <{SENDER}>\r\nTo: support@hqdesk.test\r\nSubject: {SUBJECT}\r\n\
         Message-ID: <misfiled-{uid}@khach.test>\r\nDate: Mon, 23 Nov 2026 16:20:00 +0700\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{BODY}\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8; name=\"anh-tau.txt\"\r\n\
         Content-Disposition: attachment; filename=\"anh-tau.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{part}\r\n\
         --b1--\r\n"
    )
    .into_bytes()
}

/// The ordinary case a misfiled mail became: its number.
async fn misfiled_case(app: &TestApp, uid: i64) -> String {
    let mailbox = add_mailbox(app, &format!("support{uid}")).await;
    let out = app
        .services
        .ingest_raw_mail(
            mailbox,
            MailSource {
                uidvalidity: Some(7),
                uid: Some(uid),
            },
            &misfiled_mail(uid),
        )
        .await
        .unwrap();
    assert!(out.created_case);
    out.case_number.unwrap()
}

/// The markers found in any file under `dir`, with the file.
fn markers_in_files(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    files
        .iter()
        .flat_map(|f| {
            markers_found(&std::fs::read(f).unwrap(), &MARKERS)
                .into_iter()
                .map(move |m| format!("{m} in {}", f.display()))
        })
        .collect()
}

both_engines!(
    an_agent_seals_a_misfiled_denunciation_and_only_investigators_read_it,
    |app| async move {
        let investigator = investigator_actor(&app).await;
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let number = misfiled_case(&app, 1).await;
        // In the ordinary queue: the agent sees and finds it.
        let (s, _) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::OK);
        let (_, found) = app.get("agent", "/api/v1/cases?q=MKSEALSUBJ4e4e").await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

        let (s, j) = app
            .post("agent", &format!("/api/v1/cases/{number}/seal"), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(j["encrypted"], true);

        // Gone for the agent, by number and by search; the count is the investigators'.
        let (s, _) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, found) = app.get("agent", "/api/v1/cases?q=MKSEALSUBJ4e4e").await;
        assert_eq!(found["items"].as_array().unwrap().len(), 0, "{found}");
        let (s, _) = app
            .post("agent", &format!("/api/v1/cases/{number}/seal"), json!({}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "no one learns it was sealed");
        // Sealing twice is a clear conflict for those who see it.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/seal"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{j}");

        // At rest: nothing of it in clear, in the database or the blob store, once the clear
        // copies of the files are collected.
        let registry = hqdesk_services::mail::sender::registry();
        while app.services.run_one_job(&registry, "test").await.unwrap() {}
        for (table, column) in [
            ("cases", "subject"),
            ("timeline_entries", "body"),
            ("timeline_entries", "meta"),
            ("attachments", "filename"),
            ("confidential_reporters", "email"),
            ("case_search", "tokens"),
            ("audit_log", "detail"),
            ("jobs", "payload"),
        ] {
            for m in MARKERS {
                let n = count(
                    &app,
                    &format!(
                        "SELECT COUNT(*) FROM {table} WHERE LOWER({column}) LIKE '%{}%'",
                        m.to_lowercase()
                    ),
                )
                .await;
                assert_eq!(n, 0, "{m} in {table}.{column}");
            }
        }
        let found = markers_in_files(app.services.blobs().unwrap().root());
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'case.seal'"
            )
            .await,
            1
        );

        // The investigator reads all of it: subject, message, reporter, file and raw mail.
        let view = app.services.get_case(&investigator, &number).await.unwrap();
        assert!(view.case.sealed && view.case.confidential);
        assert_eq!(view.case.subject, SUBJECT);
        assert!(
            view.reporter.is_none(),
            "the identity is sealed to investigators"
        );
        let reporter = crate::identity_vault::granted_reporter(
            &app,
            Some(&escrow.key),
            &investigator,
            &number,
        )
        .await;
        assert_eq!(reporter.email.as_deref(), Some(SENDER));
        let bodies: Vec<String> = app
            .services
            .list_timeline(&investigator, &number, true, None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.body)
            .collect();
        assert!(bodies.iter().any(|b| b.contains(BODY)), "{bodies:?}");
        let files = app
            .services
            .case_attachments(&investigator, &number)
            .await
            .unwrap();
        let photo = files.iter().find(|f| f.filename == "anh-tau.txt").unwrap();
        let (_, bytes) = app
            .services
            .attachment(&investigator, photo.id)
            .await
            .unwrap();
        assert_eq!(bytes, FILE_TEXT.as_bytes());
        // The reporter's next mail threads to the sealed case (by the address's lookup hash).
        let again = app
            .services
            .ingest_raw_mail(
                add_mailbox(&app, "support9").await,
                MailSource {
                    uidvalidity: Some(7),
                    uid: Some(9),
                },
                format!(
                    "From: <{SENDER}>\r\nTo: support@hqdesk.test\r\nSubject: Re: [{number}] thêm\r\n\
                     Message-ID: <again-9@khach.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThêm thông tin\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(again.case_number.as_deref(), Some(number.as_str()));
    }
);

both_engines!(
    without_an_escrow_key_a_sealed_case_is_the_task_forces_unencrypted,
    |app| async move {
        let number = misfiled_case(&app, 2).await;
        let (s, j) = app
            .post("agent", &format!("/api/v1/cases/{number}/seal"), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(j["encrypted"], false);
        let (s, _) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(j["subject"], SUBJECT);
        assert_eq!(j["kind"], "denunciation");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM case_search WHERE LOWER(tokens) LIKE '%mksealsubj4e4e%'"
            )
            .await,
            0,
            "out of the search index"
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_case_leaves_the_agents_open_queue_at_once() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let number = misfiled_case(&app, 3).await;
    set_password(&app, "agent").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.goto(&format!("{base}/console?queue=all")).await;
    let row = format!("tr[data-case=\"{number}\"]");
    b.wait_for(&row, 10).await;
    let queue = b.client.window().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the stream is open

    // In a second tab, the agent reads the mail, sees what it is, and seals it.
    let w = b.client.new_window(true).await.unwrap();
    b.client.switch_to_window(w.handle).await.unwrap();
    b.goto(&format!("{base}/console/cases/{number}")).await;
    b.wait_for("#seal", 10).await;
    b.screenshot("console-seal-misfiled").await;
    b.click("#seal-confirm").await;
    b.click("#seal-button").await;
    b.wait_for("#notice", 10).await;
    assert!(b.current_path().await.starts_with("/console?"));
    assert!(!b.client.source().await.unwrap().contains(&number));

    // The queue left open in the first tab loses the row without a reload.
    b.client.switch_to_window(queue).await.unwrap();
    b.wait_for_text("#live-toast", &number, 15).await;
    assert!(
        b.client
            .find_all(fantoccini::Locator::Css(&row))
            .await
            .unwrap()
            .is_empty(),
        "the sealed case's row is gone"
    );
    b.screenshot("console-seal-removed-live").await;
    let page = b.client.source().await.unwrap();
    assert!(
        !page.contains("MKSEALSUBJ4e4e"),
        "nothing of it stays on screen"
    );
    b.close().await;
    let (s, _) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both_engines!(
    an_investigator_unseals_a_case_that_is_no_denunciation,
    |app| async move {
        let investigator = investigator_actor(&app).await;
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let number = misfiled_case(&app, 4).await;
        let (s, _) = app
            .post("agent", &format!("/api/v1/cases/{number}/seal"), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK);
        let unseal = |kind: &str, reason: &str| hqdesk_services::sealing::Unseal {
            kind: kind.into(),
            reason: reason.into(),
            copy_reporter: true,
        };
        // Nobody else may; an investigator's API token holds no key; a reason and a kind that is
        // not a denunciation are required.
        let agent = app
            .services
            .authenticate_token(app.token("agent"))
            .await
            .unwrap();
        let token_investigator = app
            .services
            .authenticate_token(app.token("investigator"))
            .await
            .unwrap();
        let refused = [
            (&agent, unseal("inquiry", "nhầm"), "not found"),
            (
                &token_investigator,
                unseal("inquiry", "nhầm"),
                "sealed_key_required",
            ),
            (
                &investigator,
                unseal("denunciation", "nhầm"),
                "unseal_denunciation",
            ),
            (
                &investigator,
                unseal("inquiry", "  "),
                "unseal_reason_required",
            ),
        ];
        for (actor, cmd, why) in refused {
            let e = app
                .services
                .unseal_case(actor, &number, cmd)
                .await
                .expect_err(why);
            assert!(
                format!("{e:?} {e}").contains(why)
                    || (why == "not found" && matches!(e, hqdesk_services::ServiceError::NotFound)),
                "{why}: {e:?}"
            );
        }

        // Unsealing writes the reporter back: only with the identity open to the investigator.
        let e = app
            .services
            .unseal_case(
                &investigator,
                &number,
                unseal("inquiry", "Doanh nghiệp hỏi thủ tục, không phải tố giác"),
            )
            .await
            .expect_err("the identity is sealed");
        assert!(format!("{e:?}").contains("identity_sealed"), "{e:?}");
        crate::identity_vault::granted_reporter(&app, Some(&escrow.key), &investigator, &number)
            .await;
        app.services
            .unseal_case(
                &investigator,
                &number,
                unseal("inquiry", "Doanh nghiệp hỏi thủ tục, không phải tố giác"),
            )
            .await
            .unwrap();
        // Back in the ordinary queues, in clear, indexed, with its reporter as requester.
        let (s, j) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(j["subject"], SUBJECT);
        assert_eq!(j["kind"], "inquiry");
        assert_eq!(j["sealed"], false);
        assert_eq!(j["requester"]["email"], SENDER, "{j}");
        let (_, found) = app.get("agent", "/api/v1/cases?q=MKSEALBODY5f5f").await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
        let (_, messages) = app
            .get("agent", &format!("/api/v1/cases/{number}/messages"))
            .await;
        assert!(
            messages.to_string().contains("MKSEALBODY5f5f"),
            "{messages}"
        );
        let files = app
            .services
            .case_attachments(&agent, &number)
            .await
            .unwrap();
        let photo = files.iter().find(|f| f.filename == "anh-tau.txt").unwrap();
        let (_, bytes) = app.services.attachment(&agent, photo.id).await.unwrap();
        assert_eq!(bytes, FILE_TEXT.as_bytes());
        let id = count(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{number}'"),
        )
        .await;
        for table in ["case_keys", "case_seals", "confidential_reporters"] {
            assert_eq!(
                count(
                    &app,
                    &format!("SELECT COUNT(*) FROM {table} WHERE case_id = {id}")
                )
                .await,
                0,
                "{table}"
            );
        }
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM mail_inbound WHERE blob IS NOT NULL"
            )
            .await,
            0,
            "the raw mail is kept in clear again"
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'case.unseal'"
            )
            .await,
            1
        );
    }
);
