//! The identity vault (issue 18; design note 006 §8): investigators work a denunciation without
//! its reporter's identity; opening it is a reasoned request approved by a custodian, for a
//! limited time, and logged. On both engines.
use axum::http::StatusCode;
use hqdesk_services::directory::AddUser;
use hqdesk_services::sealing::{CaseKeys, IdentityState, Unseal};
use hqdesk_services::session::Lookup;
use hqdesk_services::{Actor, ServiceError};
use hqdesk_store::sealed::places::{self, ReporterField};
use hqdesk_store::sealed::SealedText;

use crate::both_engines;
use crate::console_session::{request, sign_in, Session};
use crate::sealed_cases::{scalar_i64, texts};
use crate::support::TestApp;

const NAME: &str = "Lê Thị MKIDNAME4c1";
const EMAIL: &str = "mkidmail7e2@example.vn";
const PHONE: &str = "0912777888";
const SUBJECT: &str = "Tố giác cán bộ nhận hối lộ MKIDSUBJ9a0";
const REASON: &str = "Cần đối chiếu lời khai với người tố giác MKIDWHY3b5";

/// Add a custodian (no password yet: `sign_in` sets one, which makes their key pair).
pub(crate) async fn add_custodian(app: &TestApp, username: &str) {
    app.services
        .add_user(
            &Actor::Cli,
            AddUser {
                username: username.into(),
                display_name: Some("Người giữ danh tính".into()),
                role: "custodian".into(),
                unit: None,
                password: None,
                email: None,
            },
        )
        .await
        .unwrap();
}

/// The reporter of case `number` as stored, read straight from the database: in clear for a
/// case kept unencrypted (what the tests of intake check was recorded, now that no read of the
/// services shows it without a custodian's approval).
pub(crate) async fn stored_reporter(
    app: &TestApp,
    number: &str,
) -> hqdesk_store::cases::ConfidentialReporter {
    let id = scalar_i64(
        app,
        &format!("SELECT id FROM cases WHERE number = '{number}'"),
    )
    .await;
    let mut conn = app.services.store().read().await.unwrap();
    hqdesk_store::cases::confidential_reporter(&mut conn, id)
        .await
        .unwrap()
        .expect("a reporter")
}

/// The reporter of case `number` as `investigator` (signed in, key unlocked) reads it once a
/// custodian approved their request: a custodian is appointed if there is none, given the
/// identities with the escrow paper (`escrow`: for a sealed case), and approves.
pub(crate) async fn granted_reporter(
    app: &TestApp,
    escrow: Option<&hqdesk_vault::EscrowKeyPair>,
    investigator: &Actor,
    number: &str,
) -> hqdesk_store::cases::ConfidentialReporter {
    const USER: &str = "custodian-of-tests";
    const PASSWORD: &str = "mật khẩu người giữ danh tính";
    if app
        .services
        .list_users(&Actor::Cli)
        .await
        .unwrap()
        .iter()
        .all(|u| u.username != USER)
    {
        app.services
            .add_user(
                &Actor::Cli,
                AddUser {
                    username: USER.into(),
                    display_name: None,
                    role: "custodian".into(),
                    unit: None,
                    password: Some(PASSWORD.into()),
                    email: None,
                },
            )
            .await
            .unwrap();
    }
    if let Some(escrow) = escrow {
        app.services
            .escrow_recover(&Actor::Cli, escrow, USER)
            .await
            .unwrap();
    }
    let e = crate::console_session::enrol_second_factor(app, "192.0.2.77", USER, PASSWORD).await;
    let Lookup::Alive(info) = app.services.session_lookup(&e.token).await.unwrap() else {
        panic!("the custodian's session is alive");
    };
    let id = app
        .services
        .request_identity(investigator, number, "Cần đối chiếu với người tố giác")
        .await
        .unwrap();
    app.services
        .approve_identity_request(&info.actor, id, Some(1))
        .await
        .unwrap();
    let view = app.services.get_case(investigator, number).await.unwrap();
    assert!(matches!(view.identity, Some(IdentityState::Open { .. })));
    view.reporter.expect("the identity, opened")
}

/// The actor of a console session (its key unlocked).
async fn actor_of(app: &TestApp, s: &Session) -> Actor {
    let Lookup::Alive(info) = app.services.session_lookup(&s.token).await.unwrap() else {
        panic!("the session is alive");
    };
    info.actor
}

/// A named denunciation through the portal; its number and id.
async fn named_report(app: &TestApp) -> (String, i64) {
    let submitted = app
        .services
        .portal_submit(hqdesk_services::portal::PortalRequest {
            topic: "denunciation".into(),
            subject: SUBJECT.into(),
            description: "Cán bộ đòi tiền để thông quan nhanh.".into(),
            name: Some(NAME.into()),
            email: Some(EMAIL.into()),
            phone: Some(PHONE.into()),
            lang: "vi".into(),
            link_base: "http://hqdesk.test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let number = submitted.case_number.clone();
    let id = scalar_i64(
        app,
        &format!("SELECT id FROM cases WHERE number = '{number}'"),
    )
    .await;
    (number, id)
}

/// Whether the text shows any of the reporter's identity.
fn shows_identity(text: &str) -> bool {
    text.contains("MKIDNAME4c1") || text.contains("mkidmail7e2") || text.contains("912777888")
}

async fn audit_details(app: &TestApp, action: &str) -> Vec<(String, String, String)> {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_as("SELECT actor, object, detail FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}

/// The id of the latest identity request.
async fn latest_request(app: &TestApp) -> i64 {
    scalar_i64(app, "SELECT MAX(id) FROM identity_requests").await
}

both_engines!(
    an_identity_opens_through_a_custodians_approval_until_it_ends,
    |app| async move {
        add_custodian(&app, "custodian").await;
        let investigator = sign_in(&app, "investigator").await;
        let custodian = sign_in(&app, "custodian").await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let (number, id) = named_report(&app).await;

        // At rest: every field sealed to the identity key, wrapped for the escrow and the
        // custodian, never for the investigator.
        let stored = texts(
            &app,
            &format!("SELECT name FROM confidential_reporters WHERE case_id = {id}"),
        )
        .await;
        assert!(stored[0].starts_with("hqsa1."), "{stored:?}");
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM identity_keys WHERE case_id = {id}")
            )
            .await,
            2
        );
        let inv_actor = actor_of(&app, &investigator).await;
        let inv_key = inv_actor.unlocked_key().unwrap().key_id().to_string();
        assert_eq!(
            scalar_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM identity_keys WHERE case_id = {id} AND key_id = '{inv_key}'"
                )
            )
            .await,
            0
        );
        // The investigator's key opens the case, and nothing of the identity, whichever way.
        let mut conn = app.services.store().read().await.unwrap();
        let mut keys = CaseKeys::for_actor(&inv_actor);
        let data_key = keys.data_key(&mut conn, id).await.unwrap().unwrap();
        let Some(SealedText::Appended(bytes)) = SealedText::decode(&stored[0]) else {
            panic!("an appended value");
        };
        let place = places::identity(id, ReporterField::Name);
        assert!(hqdesk_vault::open_identity(data_key, &place, &bytes).is_err());
        assert!(hqdesk_vault::open_append(data_key, &place, &bytes).is_err());
        assert!(hqdesk_vault::open_append(
            data_key,
            &places::reporter(id, ReporterField::Name),
            &bytes
        )
        .is_err());
        drop(keys);
        drop(conn);

        // The case page: the identity is sealed, with the request form.
        let page = request(
            &app,
            &investigator,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("MKIDSUBJ9a0"),
            "the investigator reads the case"
        );
        assert!(page.body.contains("id=\"identity-sealed\""));
        assert!(page.body.contains("id=\"identity-request\""));
        assert!(!shows_identity(&page.body), "{}", page.body);
        // Through the API (a token holds no key): no reporter at all.
        let (s, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert!(!shows_identity(&j.to_string()), "{j}");

        // A reason is required.
        let short = request(
            &app,
            &investigator,
            "POST",
            &format!("/console/cases/{number}/identity-request"),
            &[("reason", "cần xem")],
        )
        .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        let asked = request(
            &app,
            &investigator,
            "POST",
            &format!("/console/cases/{number}/identity-request"),
            &[("reason", REASON)],
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        let again = request(
            &app,
            &investigator,
            "POST",
            &format!("/console/cases/{number}/identity-request"),
            &[("reason", REASON)],
        )
        .await;
        assert_eq!(
            again.status,
            StatusCode::CONFLICT,
            "one pending request at a time"
        );
        let page = request(
            &app,
            &investigator,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert!(page.body.contains("id=\"identity-state\""));
        assert!(!page.body.contains("id=\"identity-request\""));
        // The reason is sealed for the installation at rest.
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM identity_requests WHERE reason LIKE '%MKIDWHY3b5%'"
            )
            .await,
            0
        );

        // The custodian's page: the case number, who asks, why, when; nothing of the case.
        let list = request(&app, &custodian, "GET", "/console/identity-requests", &[]).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(&number) && list.body.contains("MKIDWHY3b5"));
        // The header counts what waits for a custodian.
        let count = list
            .body
            .split("id=\"pending-requests\"")
            .nth(1)
            .and_then(|r| r.split('>').nth(1))
            .and_then(|r| r.split('<').next());
        assert_eq!(
            count,
            Some("1"),
            "the custodian's header counts the request"
        );
        assert!(!list.body.contains("MKIDSUBJ9a0") && !shows_identity(&list.body));
        let request_id = latest_request(&app).await;
        let approve = format!("/console/identity-requests/{request_id}/approve");
        let too_long = request(&app, &custodian, "POST", &approve, &[("hours", "73")]).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        let not_a_number = request(&app, &custodian, "POST", &approve, &[("hours", "hai")]).await;
        assert_eq!(not_a_number.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Only a custodian decides: the investigator who asked cannot approve it.
        let own = request(&app, &investigator, "POST", &approve, &[("hours", "2")]).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let ok = request(&app, &custodian, "POST", &approve, &[("hours", "2")]).await;
        assert_eq!(
            (ok.status, ok.location.as_str()),
            (
                StatusCode::SEE_OTHER,
                "/console/identity-requests?done=approved"
            ),
            "{}",
            ok.body
        );
        let twice = request(&app, &custodian, "POST", &approve, &[("hours", "2")]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "approved once only");
        // The grant wraps the identity key for the investigator's key, not in clear.
        let wrapped = texts(
            &app,
            &format!("SELECT wrapped FROM identity_grants WHERE case_id = {id}"),
        )
        .await;
        assert_eq!(wrapped.len(), 1);
        assert!(wrapped[0].starts_with("hqwk1."), "{wrapped:?}");

        // The investigator sees the identity now, on the case page only (not through the API).
        let page = request(
            &app,
            &investigator,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert!(
            page.body.contains("MKIDNAME4c1") && page.body.contains(EMAIL),
            "{}",
            page.body
        );
        assert!(!page.body.contains("id=\"identity-sealed\""));
        let (_, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert!(!shows_identity(&j.to_string()), "{j}");
        let view = app.services.get_case(&inv_actor, &number).await.unwrap();
        assert!(matches!(view.identity, Some(IdentityState::Open { .. })));
        assert_eq!(view.reporter.unwrap().name.as_deref(), Some(NAME));
        let reads = audit_details(&app, "identity.read").await;
        assert!(reads.len() >= 2, "each opening is logged: {reads:?}");
        assert!(reads
            .iter()
            .all(|(a, o, _)| a == "user:investigator" && o == &format!("case:{number}")));

        // Two hours on (the console session has ended too: the services are asked with the
        // same unlocked key), the identity is sealed again; the job deletes the grant.
        app.clock.advance_seconds(2 * 3600 + 60);
        let view = app.services.get_case(&inv_actor, &number).await.unwrap();
        assert!(view.reporter.is_none());
        assert!(
            matches!(&view.identity, Some(IdentityState::Sealed { request: Some(r) }) if r.id == request_id),
            "{:?}",
            view.identity
        );
        assert_eq!(app.count_rows("identity_grants").await, 1);
        app.services.schedule_periodic_jobs().await.unwrap();
        let registry = hqdesk_services::jobs::Registry::standard();
        assert!(registry
            .kinds()
            .contains(&hqdesk_services::sealing::EXPIRE_GRANTS_JOB));
        for _ in 0..20 {
            if !app.services.run_one_job(&registry, "test").await.unwrap() {
                break;
            }
        }
        assert_eq!(app.count_rows("identity_grants").await, 0);

        // The log has each step, and none of the identity or the reason.
        for action in ["identity.request", "identity.approve"] {
            let entries = audit_details(&app, action).await;
            assert_eq!(entries.len(), 1, "{action}: {entries:?}");
        }
        let all: Vec<String> = texts(&app, "SELECT detail FROM audit_log").await;
        for d in &all {
            assert!(!shows_identity(d) && !d.contains("MKIDWHY3b5"), "{d}");
        }
    }
);

both_engines!(
    a_refused_request_opens_nothing_and_no_other_role_reaches_the_requests,
    |app| async move {
        add_custodian(&app, "custodian").await;
        let investigator = sign_in(&app, "investigator").await;
        let custodian = sign_in(&app, "custodian").await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let (number, _) = named_report(&app).await;
        let asked = request(
            &app,
            &investigator,
            "POST",
            &format!("/console/cases/{number}/identity-request"),
            &[("reason", REASON)],
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        let request_id = latest_request(&app).await;

        // Every other role: the page and its forms are refused (403), as other role-bound pages.
        for role in ["agent", "hotline", "unit_officer", "supervisor", "admin"] {
            let s = sign_in(&app, role).await;
            let page = request(&app, &s, "GET", "/console/identity-requests", &[]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}");
            assert!(!page.body.contains(&number), "{role}");
            for (path, form) in [
                (
                    format!("/console/identity-requests/{request_id}/approve"),
                    ("hours", "24"),
                ),
                (
                    format!("/console/identity-requests/{request_id}/refuse"),
                    ("reason", "không"),
                ),
            ] {
                let r = request(&app, &s, "POST", &path, &[form]).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {path}");
            }
            // Nor can they ask: the case does not exist for them.
            let r = request(
                &app,
                &s,
                "POST",
                &format!("/console/cases/{number}/identity-request"),
                &[("reason", REASON)],
            )
            .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{role}");
        }
        // Nobody but the server's command line appoints a custodian.
        let (s, j) = app
            .post(
                "admin",
                "/api/v1/users",
                serde_json::json!({"username":"mx-custodian","role":"custodian"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{j}");
        let (s, _, j) = app
            .call(
                Some("admin"),
                "PATCH",
                "/api/v1/users/agent",
                Some(&serde_json::json!({"role":"custodian"}).to_string()),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{j}");
        // The custodian sees no case: their console opens on the requests.
        let home = request(&app, &custodian, "GET", "/console", &[]).await;
        assert_eq!(
            (home.status, home.location.as_str()),
            (StatusCode::SEE_OTHER, "/console/identity-requests")
        );
        let case = request(
            &app,
            &custodian,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert_eq!(case.status, StatusCode::NOT_FOUND);
        assert!(!case.body.contains("MKIDSUBJ9a0"));

        // A refusal needs a reason; then the investigator reads why, and may ask again.
        let refuse = format!("/console/identity-requests/{request_id}/refuse");
        let empty = request(&app, &custodian, "POST", &refuse, &[("reason", "  ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let no = request(
            &app,
            &custodian,
            "POST",
            &refuse,
            &[("reason", "Chưa đủ căn cứ MKNO8d1")],
        )
        .await;
        assert_eq!(
            (no.status, no.location.as_str()),
            (
                StatusCode::SEE_OTHER,
                "/console/identity-requests?done=refused"
            )
        );
        let approve = format!("/console/identity-requests/{request_id}/approve");
        let late = request(&app, &custodian, "POST", &approve, &[("hours", "24")]).await;
        assert_eq!(
            late.status,
            StatusCode::CONFLICT,
            "a refused request is decided"
        );
        assert_eq!(app.count_rows("identity_grants").await, 0);
        let page = request(
            &app,
            &investigator,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert!(page.body.contains("MKNO8d1"), "the refusal's reason");
        assert!(page.body.contains("id=\"identity-request\""), "asks again");
        assert!(!shows_identity(&page.body));
        assert_eq!(audit_details(&app, "identity.refuse").await.len(), 1);
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%MKNO8d1%'"
            )
            .await,
            0
        );
        // Unsealing needs the identity.
        let inv = actor_of(&app, &investigator).await;
        let refused = app
            .services
            .unseal_case(
                &inv,
                &number,
                Unseal {
                    kind: "inquiry".into(),
                    reason: "Không phải tố giác".into(),
                    copy_reporter: true,
                },
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(hqdesk_services::ServiceError::Conflict {
                    code: "identity_sealed",
                    ..
                })
            ),
            "{refused:?}"
        );
    }
);

both_engines!(
    a_misfiled_case_sealed_keeps_its_requester_in_the_vault_and_unseals_with_a_grant,
    |app| async move {
        add_custodian(&app, "custodian").await;
        let investigator = sign_in(&app, "investigator").await;
        let custodian = sign_in(&app, "custodian").await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let number = app
            .open(
                "agent",
                serde_json::json!({"kind":"inquiry","subject":"Hỏi về thủ tục MKMIS1",
                    "requester":{"name":NAME,"email":EMAIL}}),
            )
            .await;
        let agent = app
            .services
            .authenticate_token(app.token("agent"))
            .await
            .unwrap();
        app.services.seal_case(&agent, &number).await.unwrap();
        let id = scalar_i64(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{number}'"),
        )
        .await;
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM identity_keys WHERE case_id = {id}")
            )
            .await,
            2
        );
        let page = request(
            &app,
            &investigator,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await;
        assert!(page.body.contains("id=\"identity-sealed\"") && !shows_identity(&page.body));

        // Asked, approved: the identity opens, and the case can be unsealed with it.
        let inv = actor_of(&app, &investigator).await;
        let cus = actor_of(&app, &custodian).await;
        let rid = app
            .services
            .request_identity(&inv, &number, REASON)
            .await
            .unwrap();
        app.services
            .approve_identity_request(&cus, rid, None)
            .await
            .unwrap();
        let until = scalar_i64(
            &app,
            &format!("SELECT expires_at FROM identity_grants WHERE request_id = {rid}"),
        )
        .await;
        assert_eq!(
            until,
            app.services.now().millis() + 24 * 3600 * 1000,
            "24 hours by default"
        );
        let view = app.services.get_case(&inv, &number).await.unwrap();
        assert_eq!(view.reporter.unwrap().email.as_deref(), Some(EMAIL));
        app.services
            .unseal_case(
                &inv,
                &number,
                Unseal {
                    kind: "inquiry".into(),
                    reason: "Chỉ là câu hỏi về thủ tục".into(),
                    copy_reporter: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM identity_keys WHERE case_id = {id}")
            )
            .await,
            0
        );
        let agent_view = app.services.get_case(&agent, &number).await.unwrap();
        assert_eq!(agent_view.requester.unwrap().name, NAME);
    }
);

both_engines!(
    escrow_recovery_gives_a_custodian_their_identities_back,
    |app| async move {
        // The custodian's first key pair comes with the password they were appointed with.
        app.services
            .add_user(
                &Actor::Cli,
                AddUser {
                    username: "custodian".into(),
                    display_name: None,
                    role: "custodian".into(),
                    unit: None,
                    password: Some("mật khẩu bổ nhiệm ban đầu".into()),
                    email: None,
                },
            )
            .await
            .unwrap();
        let old_key = texts(&app, "SELECT k.key_id FROM user_keys k JOIN users u ON u.id = k.user_id WHERE u.username = 'custodian'").await.remove(0);
        let investigator = sign_in(&app, "investigator").await;
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let (number, id) = named_report(&app).await;
        let inv = actor_of(&app, &investigator).await;

        // The custodian lost that password: an operator sets a new one (a new key pair).
        let custodian = sign_in(&app, "custodian").await;
        let cus = actor_of(&app, &custodian).await;
        let new_key = cus.unlocked_key().unwrap().key_id().to_string();
        assert_ne!(new_key, old_key);
        let rid = app
            .services
            .request_identity(&inv, &number, REASON)
            .await
            .unwrap();
        let missing = app
            .services
            .approve_identity_request(&cus, rid, Some(1))
            .await;
        assert!(
            matches!(
                missing,
                Err(hqdesk_services::ServiceError::Conflict {
                    code: "identity_key_missing",
                    ..
                })
            ),
            "{missing:?}"
        );
        // Without their unlocked key (an API token), a custodian approves nothing either.
        let no_key = hqdesk_services::Actor::User {
            user: hqdesk_store::users::by_username(
                &mut app.services.store().read().await.unwrap(),
                "custodian",
            )
            .await
            .unwrap(),
            facts: match &cus {
                Actor::User { facts, .. } => facts.clone(),
                _ => unreachable!(),
            },
            unlocked: None,
        };
        assert!(matches!(
            app.services
                .approve_identity_request(&no_key, rid, Some(1))
                .await,
            Err(hqdesk_services::ServiceError::Conflict {
                code: "identity_key_required",
                ..
            })
        ));

        // Recovery with the escrow: the identity comes back to the new key, the old wrap goes.
        let done = app
            .services
            .escrow_recover(&Actor::Cli, &escrow.key, "custodian")
            .await
            .unwrap();
        assert!(done.identities);
        assert_eq!(
            (done.rewrapped, done.dropped, done.still_missing),
            (1, 1, 0)
        );
        let keys = texts(
            &app,
            &format!("SELECT key_id FROM identity_keys WHERE case_id = {id} ORDER BY key_id"),
        )
        .await;
        assert!(
            keys.contains(&new_key) && !keys.contains(&old_key),
            "{keys:?}"
        );
        app.services
            .approve_identity_request(&cus, rid, Some(1))
            .await
            .unwrap();
        let view = app.services.get_case(&inv, &number).await.unwrap();
        assert_eq!(view.reporter.unwrap().name.as_deref(), Some(NAME));
        // An investigator is no custodian: recovery gives them cases, never identities.
        let done = app
            .services
            .escrow_recover(&Actor::Cli, &escrow.key, "investigator")
            .await
            .unwrap();
        assert!(!done.identities);
        let inv_key = inv.unlocked_key().unwrap().key_id().to_string();
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM identity_keys WHERE key_id = '{inv_key}'")
            )
            .await,
            0
        );

        // A new escrow key: the re-wrap covers the identities too.
        let rotated = app.services.escrow_init(&Actor::Cli, true).await.unwrap();
        let done = app
            .services
            .escrow_rewrap(&Actor::Cli, &escrow.key, true)
            .await
            .unwrap();
        assert_eq!((done.rewrapped, done.identities_rewrapped), (1, 1));
        let escrow_key = rotated.key.key_id().to_string();
        assert_eq!(
            scalar_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM identity_keys WHERE case_id = {id} AND key_id = '{escrow_key}'"
                )
            )
            .await,
            1
        );
        assert_eq!(
            scalar_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM identity_keys WHERE key_id = '{}'",
                    escrow.key.key_id()
                )
            )
            .await,
            0,
            "the old escrow's wrap dropped"
        );
    }
);

both_engines!(
    a_custodian_cannot_open_an_identity_to_an_investigator_the_report_names,
    |app| async move {
        let mut app = app;
        add_custodian(&app, "custodian").await;
        crate::conflict_of_interest::add_investigator(&mut app, "dtv_hai", None).await;
        let investigator = sign_in(&app, "investigator").await;
        let custodian = sign_in(&app, "custodian").await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let (number, _) = named_report(&app).await;
        let inv = actor_of(&app, &investigator).await;
        let rid = app
            .services
            .request_identity(&inv, &number, "Cần mời người báo tin đến làm việc")
            .await
            .unwrap();
        // Since asking, another investigator learnt that the report names the one who asked.
        let other = app
            .services
            .authenticate_token(app.token("dtv_hai"))
            .await
            .unwrap();
        app.services
            .name_involved(
                &other,
                &number,
                hqdesk_services::conflict::NameInvolved {
                    officers: vec!["investigator".into()],
                    units: vec![],
                    chain: false,
                },
            )
            .await
            .unwrap();
        let cus = actor_of(&app, &custodian).await;
        let refused = app
            .services
            .approve_identity_request(&cus, rid, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, ServiceError::Conflict { code, .. } if *code == "identity_conflict"),
            "{refused:?}"
        );
        assert_eq!(
            scalar_i64(&app, "SELECT COUNT(*) FROM identity_grants").await,
            0,
            "no grant"
        );
    }
);
