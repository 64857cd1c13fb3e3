//! Secrets at rest and the keyed audit log (issue 14, items 16 and 17): TOTP secrets and mailbox
//! passwords sealed with a key outside the database (and sealed in place on upgrade, sealed again
//! on rotation), finished jobs without payloads, an audit chain that cannot be recomputed without
//! the key, checkpoints that reveal a cut tail or a rewritten chain, TRUNCATE refused.
use std::process::Command;

use hqdesk_domain::audit::{entry_hash, GENESIS_HASH};
use hqdesk_domain::Timestamp;
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::jobs::{JobOutcome, Registry};
use hqdesk_services::mail::mailboxes::MailboxForm;
use hqdesk_services::session::{totp_code, Stage};
use hqdesk_services::{Actor, ServiceError, Services};
use hqdesk_store::audit::Verification;
use hqdesk_store::secrets::{self, KeySource, Keyring, SecretKey};
use hqdesk_store::{Store, StoreOptions};
use serde_json::json;

use crate::both_engines;
use crate::console_session::enrol_second_factor;
use crate::support::{fresh_database, Engine, TestApp, TEST_SECRET_KEY};

const PASSWORD: &str = "một mật khẩu rất dài";
const IMAP: &str = "imaps://hotro%40customs.gov.vn:S3cret-Pw@mail.customs.gov.vn:993/INBOX";
const SMTP: &str = "smtps://hotro%40customs.gov.vn:S3cret-Pw@mail.customs.gov.vn:465";

async fn admin(app: &TestApp) -> Actor {
    app.services
        .authenticate_token(app.token("admin"))
        .await
        .unwrap()
}

async fn add_mailbox(app: &TestApp) -> i64 {
    app.services
        .add_mailbox(
            &admin(app).await,
            MailboxForm {
                name: "hotro".into(),
                address: "hotro@customs.gov.vn".into(),
                imap_url: IMAP.into(),
                smtp_url: SMTP.into(),
                enabled: false,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn rows(app: &TestApp, sql: &str) -> Vec<String> {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_all(&mut *conn).await.unwrap()
}

/// Every stored secret column, as the database holds it.
async fn stored_secrets(app: &TestApp) -> Vec<String> {
    let mut all = rows(
        app,
        "SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL",
    )
    .await;
    all.extend(rows(app, "SELECT imap_url FROM mailboxes").await);
    all.extend(rows(app, "SELECT smtp_url FROM mailboxes").await);
    all.extend(rows(app, "SELECT COALESCE(imap_password, '') FROM mailboxes").await);
    all.extend(rows(app, "SELECT COALESCE(smtp_password, '') FROM mailboxes").await);
    all
}

fn key_ids(stored: &[String]) -> Vec<Option<String>> {
    stored
        .iter()
        .filter(|s| secrets::is_sealed(s))
        .map(|s| secrets::key_id_of(s).map(str::to_string))
        .collect()
}

both_engines!(
    totp_secrets_and_mailbox_passwords_are_sealed_in_the_database,
    |app| async move {
        // An agent enrols an authenticator in the console's way.
        app.services
            .update_user(
                &Actor::Cli,
                "agent",
                UpdateUser {
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let secret = enrol_second_factor(&app, "test", "agent", PASSWORD)
            .await
            .secret;
        let mailbox = add_mailbox(&app).await;

        // The database holds neither the TOTP secret nor the mailbox password.
        let stored = stored_secrets(&app).await;
        for s in &stored {
            assert!(
                !s.contains(&secret) && !s.contains("S3cret-Pw"),
                "a secret in clear: {s}"
            );
        }
        let sealed = key_ids(&stored);
        assert_eq!(
            sealed.len(),
            3,
            "TOTP secret, IMAP and SMTP passwords: {stored:?}"
        );
        let test_key = Keyring::parse(TEST_SECRET_KEY, KeySource::Given).unwrap();
        assert!(sealed
            .iter()
            .all(|id| id.as_deref() == Some(test_key.current().id())));
        let urls = rows(&app, "SELECT imap_url FROM mailboxes").await;
        assert_eq!(
            urls,
            vec!["imaps://hotro%40customs.gov.vn@mail.customs.gov.vn:993/INBOX"],
            "the URL is kept, without its password"
        );

        // Everything still works: the next sign-in takes a code from the same authenticator, and
        // the mailbox's URLs come back whole to the code that connects.
        app.clock.advance_seconds(60);
        let again = app
            .services
            .sign_in("test", "agent", PASSWORD)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(again.stage, Stage::SecondFactor));
        let session = app.services.session(&again.token).await.unwrap().unwrap();
        let code = totp_code(&secret, app.services.now()).unwrap();
        assert!(app
            .services
            .second_factor("test", &session, &code)
            .await
            .unwrap()
            .is_ok());
        let mut conn = app.services.store().read().await.unwrap();
        let m = hqdesk_store::mailboxes::get(&mut conn, mailbox)
            .await
            .unwrap();
        assert_eq!((m.imap_url.as_str(), m.smtp_url.as_str()), (IMAP, SMTP));
        // A sealed password moved to another mailbox's row does not open there.
        drop(conn);
        let other = app
            .services
            .add_mailbox(
                &admin(&app).await,
                MailboxForm {
                    name: "khac".into(),
                    address: "khac@customs.gov.vn".into(),
                    imap_url: "imaps://khac%40customs.gov.vn:Other-Pw@mail.customs.gov.vn/INBOX"
                        .into(),
                    smtp_url: "smtps://mail.customs.gov.vn".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        let mut tx = app.services.store().begin().await.unwrap();
        sqlx::query(
            "UPDATE mailboxes SET imap_password = (SELECT imap_password FROM mailboxes WHERE id = $1) WHERE id = $2",
        )
        .bind(mailbox)
        .bind(other)
        .execute(&mut *tx)
        .await
        .unwrap();
        assert!(hqdesk_store::mailboxes::get(&mut tx, other).await.is_err());
    }
);

both_engines!(
    secrets_stored_in_clear_before_the_key_are_sealed_in_place_at_the_next_start,
    |app| async move {
        // What an older hqdesk left behind: a TOTP secret and mailbox passwords in clear.
        let mut tx = app.services.store().begin().await.unwrap();
        sqlx::query("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP', totp_enabled = 1 WHERE username = 'agent'")
            .execute(&mut *tx)
            .await
            .unwrap();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mailboxes (name, address, imap_url, smtp_url, insecure_plain, enabled, last_uid, created_at, updated_at) \
             VALUES ('cu', 'cu@customs.gov.vn', 'imap://cu:Clear-Pw@127.0.0.1:1/INBOX', 'smtp://cu:Clear-Pw@127.0.0.1:2', 1, 0, 0, 0, 0) RETURNING id",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        Store::commit(tx).await.unwrap();
        // Read as they are until then.
        assert_eq!(
            app.services
                .totp_secret_of("agent")
                .await
                .unwrap()
                .as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );

        // The next start seals them where they are.
        app.services.prepare().await.unwrap();
        let stored = stored_secrets(&app).await;
        for s in &stored {
            assert!(
                !s.contains("JBSWY3DPEHPK3PXP") && !s.contains("Clear-Pw"),
                "still in clear after the start: {s}"
            );
        }
        assert_eq!(key_ids(&stored).len(), 3, "{stored:?}");
        assert_eq!(
            app.services
                .totp_secret_of("agent")
                .await
                .unwrap()
                .as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        let mut conn = app.services.store().read().await.unwrap();
        let m = hqdesk_store::mailboxes::get(&mut conn, id).await.unwrap();
        assert_eq!(m.imap_url, "imap://cu:Clear-Pw@127.0.0.1:1/INBOX");
        assert_eq!(m.smtp_url, "smtp://cu:Clear-Pw@127.0.0.1:2");
        let detail: String =
            sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'secrets.seal'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
        assert_eq!(
            (
                detail["totp_secrets"].as_i64(),
                detail["mailbox_passwords"].as_i64()
            ),
            (Some(1), Some(2))
        );
        drop(conn);
        // A second start has nothing left to seal.
        app.services.prepare().await.unwrap();
        assert_eq!(
            rows(
                &app,
                "SELECT action FROM audit_log WHERE action = 'secrets.seal'"
            )
            .await
            .len(),
            1
        );
        assert!(matches!(
            app.services.verify_audit().await.unwrap(),
            Verification::Intact { .. }
        ));
    }
);

both_engines!(
    rotation_seals_every_secret_under_the_new_key_and_old_audit_rows_still_verify,
    |app| async move {
        add_mailbox(&app).await;
        let mut tx = app.services.store().begin().await.unwrap();
        let agent: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'agent'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        hqdesk_store::sessions::set_totp(&mut tx, agent, Some("JBSWY3DPEHPK3PXP"), true)
            .await
            .unwrap();
        Store::commit(tx).await.unwrap();
        let old = Keyring::parse(TEST_SECRET_KEY, KeySource::Given).unwrap();

        // Only the command line on the server rotates.
        assert!(matches!(
            app.services.reseal_secrets(&admin(&app).await).await,
            Err(ServiceError::Forbidden(_))
        ));
        let new_key = SecretKey::generate();
        let new_id = new_key.id().to_string();
        secrets::install(old.with_current(new_key.clone()).unwrap());
        let sealed = app.services.reseal_secrets(&Actor::Cli).await.unwrap();
        assert_eq!((sealed.totp_secrets, sealed.mailbox_passwords), (1, 2));
        let stored = stored_secrets(&app).await;
        assert_eq!(
            key_ids(&stored),
            vec![Some(new_id.clone()); 3],
            "{stored:?}"
        );
        assert_eq!(
            app.services
                .totp_secret_of("agent")
                .await
                .unwrap()
                .as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        // New audit rows are keyed with the new key; the rows before it still verify with the
        // old key kept after it.
        let keyed = rows(
            &app,
            "SELECT DISTINCT key_id FROM audit_log WHERE key_id IS NOT NULL",
        )
        .await;
        assert!(keyed.contains(&new_id) && keyed.contains(&old.current().id().to_string()));
        assert!(matches!(
            app.services.verify_audit().await.unwrap(),
            Verification::Intact { .. }
        ));
        // Without the old key, the rows written under it cannot be verified, and say so.
        secrets::install(Keyring::new(vec![new_key], KeySource::Given).unwrap());
        match app.services.verify_audit().await.unwrap() {
            Verification::Broken(b) => {
                assert_eq!(b.seq, 1);
                assert!(b.reason.contains(old.current().id()), "{}", b.reason);
            }
            other => panic!("{other:?}"),
        }
    }
);

both_engines!(finished_jobs_keep_no_payload, |app| async move {
    let payload = json!({
        "purpose": "portal.confirmation",
        "to": "lan.nguyen@hailong.vn",
        "text": "Theo dõi: https://hqdesk.example.vn/track/5f1c0e",
    })
    .to_string();
    let now = app.services.now();
    let mut tx = app.services.store().begin().await.unwrap();
    for (kind, max_attempts) in [
        ("test.sent", 5),
        ("test.refused", 1),
        ("test.dropped", 5),
        ("test.later", 5),
    ] {
        hqdesk_store::jobs::enqueue(
            &mut tx,
            &hqdesk_store::jobs::NewJob {
                kind,
                payload: payload.clone(),
                dedup_key: None,
                run_at: if kind == "test.later" {
                    now.plus_minutes(60)
                } else {
                    now
                },
                max_attempts,
            },
            now,
        )
        .await
        .unwrap();
    }
    Store::commit(tx).await.unwrap();
    let mut registry = Registry::default();
    registry.register(
        "test.sent",
        std::sync::Arc::new(|_, _| Box::pin(async { Ok(JobOutcome::Done("sent".into())) })),
    );
    registry.register(
        "test.refused",
        std::sync::Arc::new(|_, _| Box::pin(async { Err("550 no such user".to_string()) })),
    );
    registry.register(
        "test.later",
        std::sync::Arc::new(|_, _| Box::pin(async { Ok(JobOutcome::Done("sent".into())) })),
    );
    while app.services.run_one_job(&registry, "w").await.unwrap() {}
    let mut tx = app.services.store().begin().await.unwrap();
    let last = hqdesk_store::jobs::last_id(&mut tx).await.unwrap();
    hqdesk_store::jobs::cancel_range(&mut tx, "test.dropped", 0, last, "no mailbox", now)
        .await
        .unwrap();
    Store::commit(tx).await.unwrap();

    let mut conn = app.services.store().read().await.unwrap();
    let jobs: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT kind, payload, outcome, last_error FROM jobs WHERE kind LIKE 'test.%' ORDER BY kind",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let by_kind = |k: &str| jobs.iter().find(|j| j.0 == k).unwrap().clone();
    // Sent, given up, cancelled: the outcome and the error stay, the address and the link go.
    assert_eq!(
        by_kind("test.sent"),
        ("test.sent".into(), "{}".into(), Some("sent".into()), None)
    );
    assert_eq!(
        by_kind("test.refused"),
        (
            "test.refused".into(),
            "{}".into(),
            Some("failed".into()),
            Some("550 no such user".into())
        )
    );
    assert_eq!(
        by_kind("test.dropped"),
        (
            "test.dropped".into(),
            "{}".into(),
            Some("cancelled".into()),
            Some("no mailbox".into())
        )
    );
    // A job still waiting keeps what it needs.
    assert_eq!(by_kind("test.later").1, payload);
});

both_engines!(
    the_audit_log_cannot_be_truncated_or_emptied,
    |app| async move {
        let before = app.count_rows("audit_log").await;
        assert!(before > 0);
        let mut conn = app.services.store().read().await.unwrap();
        // PostgreSQL's TRUNCATE runs no row trigger: refused by its own. SQLite has no TRUNCATE;
        // its DELETE without WHERE runs the row trigger.
        let sql = match app.services.store().engine() {
            hqdesk_store::Engine::Postgres => "TRUNCATE audit_log",
            hqdesk_store::Engine::Sqlite => "DELETE FROM audit_log",
        };
        let r = sqlx::query(sql).execute(&mut *conn).await;
        assert!(r.is_err(), "{sql} must fail");
        drop(conn);
        assert_eq!(app.count_rows("audit_log").await, before);
    }
);

/// Rows an older hqdesk wrote (plain SHA-256 links, no key) stay verifiable; the first start with
/// a key appends a marked row, and every row from there on is keyed.
async fn rows_from_before_the_key_then_a_marked_keyed_chain(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let mut prev = GENESIS_HASH.to_string();
    for seq in 1..=3 {
        let at = Timestamp(1_700_000_000_000 + seq);
        let hash = entry_hash(
            &prev,
            seq,
            at,
            "cli",
            "user.create",
            &format!("user:u{seq}"),
            "{}",
        );
        sqlx::query("INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash) VALUES ($1, $2, 'cli', 'user.create', $3, '{}', $4, $5)")
            .bind(seq)
            .bind(at.millis())
            .bind(format!("user:u{seq}"))
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *tx)
            .await
            .unwrap();
        prev = hash;
    }
    Store::commit(tx).await.unwrap();

    let services = Services::new(store, std::sync::Arc::new(hqdesk_services::SystemClock));
    services.prepare().await.unwrap();
    let mut conn = services.store().read().await.unwrap();
    let (action, detail, key): (String, String, Option<String>) =
        sqlx::query_as("SELECT action, detail, key_id FROM audit_log WHERE seq = 4")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    assert_eq!(action, "audit.keyed");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["unkeyed_rows"], 3);
    assert!(key.is_some());
    match services.verify_audit().await.unwrap() {
        Verification::Intact {
            unkeyed, entries, ..
        } => assert_eq!((unkeyed, entries), (3, 4)),
        other => panic!("{other:?}"),
    }
    // A second start does not mark again.
    services.prepare().await.unwrap();
    let marks: i64 = {
        let mut conn = services.store().read().await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.keyed'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(marks, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_from_before_the_key_then_a_marked_keyed_chain_sqlite() {
    rows_from_before_the_key_then_a_marked_keyed_chain(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_from_before_the_key_then_a_marked_keyed_chain_postgres() {
    rows_from_before_the_key_then_a_marked_keyed_chain(Engine::Postgres).await
}

/// `hqdesk` with a data directory and no `HQDESK_SECRET_KEY`: the key comes from the key file.
fn hqdesk(url: &str, data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args(args)
        .env("HQDESK_DATABASE_URL", url)
        .env("HQDESK_DATA_DIR", data)
        .env_remove("HQDESK_SECRET_KEY")
        .env("HQDESK_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Switch the audit log's guards off, as someone with the table owner's rights can.
async fn disable_audit_guards(conn: &mut sqlx::AnyConnection, engine: Engine) {
    let statements: &[&str] = match engine {
        Engine::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Engine::Postgres => &["ALTER TABLE audit_log DISABLE TRIGGER USER"],
    };
    for s in statements {
        sqlx::query(s).execute(&mut *conn).await.unwrap();
    }
}

/// The operator's side: the key file made on the first start, a start without it or with
/// another one refused, rotation, and checkpoints that reveal a cut tail and a chain recomputed
/// without the key, which the chain alone would call intact.
async fn key_file_rotation_and_checkpoints(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let data = std::env::temp_dir().join(format!("hqdesk-keys-{}", uuid::Uuid::new_v4()));
    let key_file = data.join("secret.key");
    let (code, _, err) = hqdesk(
        &url,
        &data,
        &["user", "add", "lan.nguyen", "--role", "agent"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("created the secret key file"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let first = std::fs::read_to_string(&key_file).unwrap();
    let key_id = hqdesk_store::secrets::key_file::read(&key_file)
        .unwrap()
        .current()
        .id()
        .to_string();

    // Without its key file the database is not opened, and no new key is made.
    let aside = data.join("secret.key.aside");
    std::fs::rename(&key_file, &aside).unwrap();
    let (code, _, err) = hqdesk(
        &url,
        &data,
        &["user", "add", "minh.tran", "--role", "agent"],
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("no key was found") && err.contains(&key_id) && err.contains("secret.key"),
        "{err}"
    );
    assert!(!key_file.exists(), "a new key file was made: {err}");
    // Nor with another installation's key.
    hqdesk_store::secrets::key_file::create(
        &key_file,
        &Keyring::new(vec![SecretKey::generate()], KeySource::Given).unwrap(),
    )
    .unwrap();
    let (code, _, err) = hqdesk(&url, &data, &["migrate"]);
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!("set up with secret key {key_id}")),
        "{err}"
    );
    std::fs::rename(&aside, &key_file).unwrap();
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), first);

    // Rotation: a new key first in the file, the old one kept after it; the log still verifies.
    let (code, out, err) = hqdesk(&url, &data, &["secrets", "rotate"]);
    assert_eq!(code, 0, "{out}{err}");
    let rotated = hqdesk_store::secrets::key_file::read(&key_file).unwrap();
    assert_eq!(rotated.keys().len(), 2);
    assert_ne!(rotated.current().id(), key_id);
    assert!(rotated.get(&key_id).is_some());
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    // A checkpoint, then more rows: the checkpoint holds.
    let checkpoints = data.join("checkpoints.jsonl");
    let cp = checkpoints.to_str().unwrap();
    let (code, _, err) = hqdesk(&url, &data, &["audit", "checkpoint", "--output", cp]);
    assert_eq!(code, 0, "{err}");
    let (code, line, err) = hqdesk(&url, &data, &["audit", "checkpoint"]);
    assert_eq!(code, 0, "{err}");
    let checkpoint: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let cp_seq = checkpoint["seq"].as_i64().unwrap();
    std::fs::write(
        &checkpoints,
        format!("{}{}", std::fs::read_to_string(&checkpoints).unwrap(), line),
    )
    .unwrap();
    let (code, _, err) = hqdesk(
        &url,
        &data,
        &["user", "add", "minh.tran", "--role", "agent"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify", "--checkpoint", cp]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 checkpoint(s) hold"), "{out}");

    // Someone who can write the database cuts the tail back past the checkpoint: the chain alone
    // is still intact; the checkpoint says rows were cut.
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    disable_audit_guards(&mut conn, engine).await;
    sqlx::query("DELETE FROM audit_log WHERE seq >= $1")
        .bind(cp_seq)
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify"]);
    assert_eq!(code, 0, "the chain alone cannot see a cut tail: {out}");
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify", "--checkpoint", cp]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("cut") && out.contains(&format!("seq {cp_seq}")),
        "{out}"
    );

    // Without the key they recompute the whole chain as rows "from before the key", with plain
    // SHA-256: the chain alone verifies, the checkpoint says the log was rewritten.
    let entries: Vec<(i64, i64, String, String, String, String)> =
        sqlx::query_as("SELECT seq, at, actor, action, object, detail FROM audit_log ORDER BY seq")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut prev = GENESIS_HASH.to_string();
    for (seq, at, actor, action, object, detail) in &entries {
        let hash = entry_hash(&prev, *seq, Timestamp(*at), actor, action, object, detail);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2, key_id = NULL WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut conn)
            .await
            .unwrap();
        prev = hash;
    }
    // Put back as many rows as were cut, so that the checkpoint's row exists again.
    for seq in (entries.len() as i64 + 1)..=cp_seq {
        let at = Timestamp(1_800_000_000_000 + seq);
        let hash = entry_hash(&prev, seq, at, "cli", "user.create", "user:x", "{}");
        sqlx::query("INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash) VALUES ($1, $2, 'cli', 'user.create', 'user:x', '{}', $3, $4)")
            .bind(seq)
            .bind(at.millis())
            .bind(&prev)
            .bind(&hash)
            .execute(&mut conn)
            .await
            .unwrap();
        prev = hash;
    }
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify"]);
    assert_eq!(
        code, 0,
        "recomputed without the key, the chain alone looks intact: {out}"
    );
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify", "--checkpoint", cp]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rewritten"), "{out}");
    // An edited checkpoint is refused too.
    let forged = line.replace(
        &format!("\"seq\":{cp_seq}"),
        &format!("\"seq\":{}", cp_seq - 1),
    );
    std::fs::write(&checkpoints, forged).unwrap();
    let (code, out, _) = hqdesk(&url, &data, &["audit", "verify", "--checkpoint", cp]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("wrong signature"), "{out}");
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_file_rotation_and_checkpoints_sqlite() {
    key_file_rotation_and_checkpoints(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_file_rotation_and_checkpoints_postgres() {
    key_file_rotation_and_checkpoints(Engine::Postgres).await
}
