//! Investigators' key pairs, the escrow key and the private key unlocked for a session (issue
//! 18; design note 006 §1, §4, §6, §8), on both engines.
use axum::http::StatusCode;
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::session::Lookup;
use hqdesk_services::{Actor, ServiceError, Services};
use hqdesk_store::{vault_keys, Store, StoreOptions};

use crate::both_engines;
use crate::console::PASSWORD;
use crate::console_session::{enrol_second_factor, request, sign_in, Enrolled};
use crate::support::{Engine, TestApp};

const NEW_PASSWORD: &str = "một mật khẩu mới thật dài";

async fn user_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    hqdesk_store::users::by_username(&mut conn, name)
        .await
        .unwrap()
        .id
}

async fn current_key(app: &TestApp, name: &str) -> Option<vault_keys::UserKey> {
    let id = user_id(app, name).await;
    let mut conn = app.services.store().read().await.unwrap();
    vault_keys::current_for_user(&mut conn, id).await.unwrap()
}

async fn all_keys(app: &TestApp, name: &str) -> Vec<vault_keys::UserKey> {
    let id = user_id(app, name).await;
    let mut conn = app.services.store().read().await.unwrap();
    vault_keys::all_for_user(&mut conn, id).await.unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    let mut tx = app.services.store().begin().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    Store::commit(tx).await.unwrap();
}

async fn appoint(app: &TestApp, name: &str) {
    app.services
        .update_user(
            &Actor::Cli,
            name,
            UpdateUser {
                role: Some("investigator".into()),
                password: Some(PASSWORD.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// The investigator signed in through the services, second factor enrolled: stage `full`.
async fn signed_in_investigator(app: &TestApp) -> Enrolled {
    crate::console::set_password(app, "investigator").await;
    enrol_second_factor(app, "192.0.2.7", "investigator", PASSWORD).await
}

both_engines!(appointment_makes_a_key_pair, |app| async move {
    // The test investigator has no password yet, hence no key.
    assert!(current_key(&app, "investigator").await.is_none());
    // `hqdesk user role agent investigator --password-stdin`.
    appoint(&app, "agent").await;
    let key = current_key(&app, "agent").await.expect("a key pair");
    assert!(key.mac_ok);
    assert!(key.sealed_secret_key.is_some());
    let public: hqdesk_vault::PublicKey = key.public_key.parse().unwrap();
    assert_eq!(public.key_id().to_string(), key.key_id);
    // Its login hash costs what the key's seal costs, not the default.
    let mut conn = app.services.store().read().await.unwrap();
    let creds = hqdesk_store::sessions::credentials(&mut conn, "agent")
        .await
        .unwrap()
        .unwrap();
    assert!(!hqdesk_services::auth::hash_costs_less(
        creds.password_hash.as_deref().unwrap(),
        app.services.investigator_kdf()
    ));
    drop(conn);
    // Other roles get none.
    crate::console::set_password(&app, "supervisor").await;
    assert!(current_key(&app, "supervisor").await.is_none());
    // Taking the role away retires the key.
    app.services
        .update_user(
            &Actor::Cli,
            "agent",
            UpdateUser {
                role: Some("agent".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(current_key(&app, "agent").await.is_none());
    let keys = all_keys(&app, "agent").await;
    assert_eq!(keys.len(), 1);
    assert!(keys[0].retired_at.is_some() && keys[0].sealed_secret_key.is_none());
});

both_engines!(a_session_seal_opens_on_a_second_node, |app| async move {
    let e = signed_in_investigator(&app).await;
    let key = current_key(&app, "investigator").await.unwrap();
    // The seal was made at the password step and kept through the second factor.
    let mut conn = app.services.store().read().await.unwrap();
    let row = hqdesk_store::sessions::get(&mut conn, &e.session.id_hash)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert_eq!(row.stage, "full");
    assert!(row.sealed_key.is_some());
    // A second node: its own connection pool, the same database and key file.
    let store = Store::connect(&app.url, &StoreOptions::default())
        .await
        .unwrap();
    let other = Services::new(store, app.clock.clone());
    let Lookup::Alive(session) = other.session_lookup(&e.token).await.unwrap() else {
        panic!("the session is alive on the second node");
    };
    let unlocked = session.actor.unlocked_key().expect("an unlocked key");
    assert_eq!(unlocked.key_id().to_string(), key.key_id);
    assert_eq!(unlocked.public().to_string(), key.public_key);
    // The actor's Debug names the key, never the secret.
    let debug = format!("{:?}", session.actor);
    assert!(debug.contains(&key.key_id), "{debug}");
    // API tokens carry no key.
    let api = app
        .services
        .authenticate_token(app.token("investigator"))
        .await
        .unwrap();
    assert!(api.unlocked_key().is_none());
    // Before the second factor, the seal is not honoured.
    app.clock.advance_seconds(30);
    let half = app
        .services
        .sign_in("192.0.2.7", "investigator", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    let s = app.services.session(&half.token).await.unwrap().unwrap();
    assert!(s.actor.unlocked_key().is_none());
});

both_engines!(a_password_change_keeps_the_key, |app| async move {
    let e = signed_in_investigator(&app).await;
    let before = current_key(&app, "investigator").await.unwrap();
    let session = app.services.session(&e.token).await.unwrap().unwrap();
    app.services
        .change_password(&session, PASSWORD, NEW_PASSWORD)
        .await
        .unwrap();
    let after = current_key(&app, "investigator").await.unwrap();
    assert_eq!(after.key_id, before.key_id);
    assert_ne!(after.sealed_secret_key, before.sealed_secret_key);
    assert_eq!(all_keys(&app, "investigator").await.len(), 1);
    // The session that changed it keeps its key; the new password opens it at sign-in.
    let s = app.services.session(&e.token).await.unwrap().unwrap();
    assert_eq!(
        s.actor.unlocked_key().unwrap().key_id().to_string(),
        before.key_id
    );
    app.clock.advance_seconds(30);
    assert!(app
        .services
        .sign_in("192.0.2.7", "investigator", NEW_PASSWORD)
        .await
        .unwrap()
        .is_ok());
});

both_engines!(an_operator_reset_makes_a_new_key, |app| async move {
    let _ = signed_in_investigator(&app).await;
    let old = current_key(&app, "investigator").await.unwrap();
    // `hqdesk user password investigator`: the investigator lost their password.
    app.services
        .set_user_password(&Actor::Cli, "investigator", Some(NEW_PASSWORD.into()))
        .await
        .unwrap();
    let new = current_key(&app, "investigator").await.unwrap();
    assert_ne!(new.key_id, old.key_id);
    let keys = all_keys(&app, "investigator").await;
    assert_eq!(keys.len(), 2);
    let retired = keys.iter().find(|k| k.key_id == old.key_id).unwrap();
    assert!(retired.retired_at.is_some());
    assert!(retired.sealed_secret_key.is_none());
    assert!(retired.mac_ok, "a retired key keeps its public key and MAC");
});

both_engines!(a_tampered_mac_refuses_wrapping, |app| async move {
    let _ = signed_in_investigator(&app).await;
    let mut conn = app.services.store().read().await.unwrap();
    // No escrow key: nothing to wrap for.
    assert!(matches!(
        app.services.task_force_recipients(&mut conn).await,
        Err(ServiceError::Unavailable(_))
    ));
    drop(conn);
    app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let mut conn = app.services.store().read().await.unwrap();
    let r = app.services.task_force_recipients(&mut conn).await.unwrap();
    assert_eq!(r.investigators.len(), 1);
    assert_eq!(r.all().count(), 2);
    drop(conn);
    // Someone who can write the database, but has no key file, puts their own public key in.
    let attacker = hqdesk_vault::KeyPair::generate(&mut rand::rngs::OsRng);
    let key = current_key(&app, "investigator").await.unwrap();
    exec(
        &app,
        &format!(
            "UPDATE user_keys SET public_key = '{}' WHERE key_id = '{}'",
            attacker.public(),
            key.key_id
        ),
    )
    .await;
    let mut conn = app.services.store().read().await.unwrap();
    match app.services.task_force_recipients(&mut conn).await {
        Err(ServiceError::Unavailable(m)) => assert!(m.contains("investigator"), "{m}"),
        other => panic!("wrapping must be refused: {other:?}"),
    }
    drop(conn);
    let status = app.services.key_status(&Actor::Cli).await.unwrap();
    assert!(status.escrow.unwrap().mac_ok);
    assert!(!status.investigators[0].mac_ok);
    // The escrow's too.
    exec(
        &app,
        &format!(
            "UPDATE user_keys SET public_key = '{}' WHERE key_id = '{}'",
            key.public_key, key.key_id
        ),
    )
    .await;
    exec(
        &app,
        &format!(
            "UPDATE escrow_keys SET public_key = '{}'",
            attacker.public()
        ),
    )
    .await;
    let mut conn = app.services.store().read().await.unwrap();
    match app.services.task_force_recipients(&mut conn).await {
        Err(ServiceError::Unavailable(m)) => assert!(m.contains("escrow"), "{m}"),
        other => panic!("wrapping must be refused: {other:?}"),
    }
});

both_engines!(
    a_tampered_session_seal_asks_to_sign_in_again,
    |app| async move {
        for tamper in [
            // One character of the sealed private key changed: it does not open.
            "UPDATE sessions SET sealed_key = substr(sealed_key, 1, 60) || \
         CASE substr(sealed_key, 61, 1) WHEN 'A' THEN 'B' ELSE 'A' END || substr(sealed_key, 62)",
            "UPDATE sessions SET sealed_key = NULL",
        ] {
            let session = sign_in(&app, "investigator").await;
            exec(&app, tamper).await;
            let a = request(&app, &session, "GET", "/console", &[]).await;
            assert_eq!(
                (a.status, a.location.as_str()),
                (StatusCode::SEE_OTHER, "/console/login?key=1"),
                "{tamper}"
            );
            let page = request(&app, &session, "GET", "/console/login?key=1", &[]).await;
            assert!(
                page.body.contains("sign in again") || page.body.contains("đăng nhập lại"),
                "{}",
                page.body
            );
            // The session has ended: the same cookie is refused as expired from now on.
            assert!(app
                .services
                .session(&session.token)
                .await
                .unwrap()
                .is_none());
            app.clock.advance_seconds(30);
        }
    }
);

both_engines!(escrow_init_twice_is_refused, |app| async move {
    let first = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let printed = first.key.to_printable();
    assert!(printed.starts_with("HQDESK-ESCROW-1-"));
    assert!(matches!(
        app.services.escrow_init(&Actor::Cli, false).await,
        Err(ServiceError::Conflict {
            code: "escrow_exists",
            ..
        })
    ));
    let second = app.services.escrow_init(&Actor::Cli, true).await.unwrap();
    assert_eq!(second.retired, Some(first.key.key_id().to_string()));
    let status = app.services.key_status(&Actor::Cli).await.unwrap();
    assert_eq!(
        status.escrow.unwrap().key_id,
        second.key.key_id().to_string()
    );
    // Only the command line.
    let admin = app
        .services
        .authenticate_token(app.token("admin"))
        .await
        .unwrap();
    assert!(matches!(
        app.services.escrow_init(&admin, true).await,
        Err(ServiceError::Forbidden(_))
    ));
});

both_engines!(
    ended_sessions_are_deleted_with_their_seal,
    |app| async move {
        let e = signed_in_investigator(&app).await;
        app.clock.advance_seconds(31 * 60);
        // The next sign-in (anyone's) deletes the sessions that ended.
        crate::console::set_password(&app, "agent").await;
        app.services
            .sign_in("192.0.2.8", "agent", PASSWORD)
            .await
            .unwrap()
            .unwrap();
        let mut conn = app.services.store().read().await.unwrap();
        assert!(hqdesk_store::sessions::get(&mut conn, &e.session.id_hash)
            .await
            .unwrap()
            .is_none());
    }
);

/// The SQLite file and its WAL never hold the private key in clear (nor in hex or base64).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_private_key_in_clear_in_the_database_file() {
    let app = TestApp::new(Engine::Sqlite).await.unwrap();
    let e = signed_in_investigator(&app).await;
    let s = app.services.session(&e.token).await.unwrap().unwrap();
    let secret = s.actor.unlocked_key().unwrap().exposed_secret();
    let path = app.url.trim_start_matches("sqlite://").to_string();
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
        bytes.extend(wal);
    }
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&secret[..])
    };
    for needle in [
        secret.to_vec(),
        hex::encode(&secret[..]).into_bytes(),
        b64.as_bytes()[..40].to_vec(),
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
            "the private key is in the database file"
        );
    }
}
