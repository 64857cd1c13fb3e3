//! The binary as an operator uses it: user add, token issue, audit verify, serve --demo.
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::{fresh_database, Engine};

pub(crate) fn hqdesk(url: &str, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args(args)
        .env("HQDESK_DATABASE_URL", url)
        .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .env("HQDESK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hqdesk");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn operator_story(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let (code, _, err) = hqdesk(
        &url,
        &[
            "user",
            "add",
            "lan.nguyen",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some("một mật khẩu rất dài\n"),
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = hqdesk(&url, &["user", "add", "x", "--role", "chief"], None);
    assert_ne!(code, 0);
    assert!(err.contains("role"), "{err}");
    let (code, token, err) = hqdesk(&url, &["token", "issue", "lan.nguyen"], None);
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();
    assert!(
        token.starts_with("hqd_") && token.len() == 68 && !token.contains(char::is_whitespace),
        "the token alone on stdout: {token:?}"
    );

    // The token works against a server on the same database.
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let services =
        hqdesk_services::Services::new(store, std::sync::Arc::new(hqdesk_services::SystemClock));
    let actor = services
        .authenticate_token(&token)
        .await
        .expect("token authenticates");
    assert_eq!(actor.role(), Some(hqdesk_domain::user::Role::Agent));
    let opened = services
        .open_case(
            &actor,
            hqdesk_services::cases::OpenCase {
                kind: "inquiry".into(),
                channel: "phone".into(),
                subject: "Hỏi đáp".into(),
                requester: Some(serde_json::from_value(json!({"phone":"0912345678"})).unwrap()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let (code, out, _) = hqdesk(&url, &["audit", "verify"], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    // Someone with the table owner's rights disables the guard and alters one row by hand.
    let mut conn = services.store().read().await.unwrap();
    match engine {
        Engine::Sqlite => {
            sqlx::query("DROP TRIGGER audit_log_no_update")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        Engine::Postgres => {
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    }
    let target: i64 = sqlx::query_scalar("SELECT seq FROM audit_log WHERE action = 'case.create'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET detail = '{\"kind\":\"suggestion\"}' WHERE seq = $1")
        .bind(target)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let (code, out, _) = hqdesk(&url, &["audit", "verify"], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("seq {target}")),
        "names the altered row: {out}"
    );
    let _ = opened;
}

/// Tokens with an expiry, listed and revoked one by one; an investigator appointed on the
/// command line with a new password (issue 14, items 11 and 18).
async fn tokens_and_appointments(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let (code, _, err) = hqdesk(&url, &["user", "add", "pbx", "--role", "hotline"], None);
    assert_eq!(code, 0, "{err}");
    let (code, first, err) = hqdesk(
        &url,
        &[
            "token",
            "issue",
            "pbx",
            "--label",
            "tổng đài",
            "--expires",
            "12w",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("expires"), "{err}");
    let (code, second, err) = hqdesk(&url, &["token", "issue", "pbx"], None);
    assert_eq!(code, 0, "{err}");
    for bad in ["0d", "731d", "1y", "soon"] {
        let (code, _, err) = hqdesk(&url, &["token", "issue", "pbx", "--expires", bad], None);
        assert_ne!(code, 0, "{bad}");
        assert!(err.contains("lifetime"), "{bad}: {err}");
    }

    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let services =
        hqdesk_services::Services::new(store, std::sync::Arc::new(hqdesk_services::SystemClock));
    let (first, second) = (first.trim(), second.trim());
    assert!(services.authenticate_token(first).await.is_ok());

    // The list shows each token's id, label, expiry and state, never the token.
    let (code, list, err) = hqdesk(&url, &["token", "list"], None);
    assert_eq!(code, 0, "{err}");
    assert!(!list.contains(first) && !list.contains(second), "{list}");
    let line = list
        .lines()
        .find(|l| l.contains("tổng đài"))
        .unwrap_or_else(|| panic!("{list}"));
    let id = line.split('\t').next().unwrap().to_string();
    let day = |millis: i64| {
        chrono::DateTime::from_timestamp_millis(millis)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    let in_12_weeks = services.now().millis() + 84 * 86_400_000;
    assert!(
        (line.contains(&day(in_12_weeks)) || line.contains(&day(in_12_weeks - 3_600_000)))
            && line.ends_with("active"),
        "{line}"
    );

    let (code, _, err) = hqdesk(&url, &["token", "revoke", &id], None);
    assert_eq!(code, 0, "{err}");
    assert!(services.authenticate_token(first).await.is_err());
    assert!(services.authenticate_token(second).await.is_ok());
    let (code, list, _) = hqdesk(&url, &["token", "list"], None);
    assert_eq!(code, 0);
    assert!(
        list.lines()
            .any(|l| l.starts_with(&format!("{id}\t")) && l.contains("revoked")),
        "{list}"
    );
    let (code, _, _) = hqdesk(&url, &["token", "revoke", &id], None);
    assert_ne!(code, 0, "revoking twice is an error");

    // Appointing an investigator: on the command line, with a new password.
    let (code, _, err) = hqdesk(&url, &["user", "role", "pbx", "investigator"], None);
    assert_ne!(code, 0);
    assert!(err.contains("password"), "{err}");
    let (code, _, err) = hqdesk(
        &url,
        &["user", "role", "pbx", "investigator", "--password-stdin"],
        Some("mật khẩu điều tra viên mới\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        services.authenticate_token(second).await.is_err(),
        "the appointment ends the old tokens"
    );
    let signed = services
        .sign_in("test", "pbx", "mật khẩu điều tra viên mới")
        .await
        .unwrap()
        .expect("signed in");
    assert_eq!(signed.stage, hqdesk_services::session::Stage::MustEnrol);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_appointments_sqlite() {
    tokens_and_appointments(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_appointments_postgres() {
    tokens_and_appointments(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_story_sqlite() {
    operator_story(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_story_postgres() {
    operator_story(Engine::Postgres).await
}

async fn count(services: &hqdesk_services::Services, sql: &str) -> i64 {
    let mut conn = services.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

/// `hqdesk user password NAME`: the way back in when a password is lost, the demo's included
/// (passwords are stored as hashes, so nothing can print them again).
async fn user_password_story(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let old = "một mật khẩu rất dài";
    let (code, _, err) = hqdesk(
        &url,
        &[
            "user",
            "add",
            "lan.nguyen",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some(&format!("{old}\n")),
    );
    assert_eq!(code, 0, "{err}");
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let services =
        hqdesk_services::Services::new(store, std::sync::Arc::new(hqdesk_services::SystemClock));
    services
        .sign_in("test", "lan.nguyen", old)
        .await
        .unwrap()
        .expect("signed in");
    assert_eq!(count(&services, "SELECT COUNT(*) FROM sessions").await, 1);

    // Generated: printed alone on stdout, works at once, the old one no longer does.
    let (code, out, err) = hqdesk(&url, &["user", "password", "lan.nguyen"], None);
    assert_eq!(code, 0, "{err}");
    let new = out.trim().to_string();
    assert!(
        new.len() >= 16 && !new.contains(char::is_whitespace) && out.lines().count() == 1,
        "the password alone on stdout: {out:?}"
    );
    assert!(
        services
            .sign_in("test", "lan.nguyen", old)
            .await
            .unwrap()
            .is_err(),
        "the old password is refused"
    );
    assert_eq!(
        count(&services, "SELECT COUNT(*) FROM sessions").await,
        0,
        "the session opened with the old password ended"
    );
    services
        .sign_in("test", "lan.nguyen", &new)
        .await
        .unwrap()
        .expect("the new password works");

    // From standard input: nothing printed on stdout; validated like any password.
    let chosen = "mật khẩu mới do quản trị đặt";
    let (code, out, err) = hqdesk(
        &url,
        &["user", "password", "lan.nguyen", "--password-stdin"],
        Some(&format!("{chosen}\n")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out:?}");
    services
        .sign_in("test", "lan.nguyen", chosen)
        .await
        .unwrap()
        .expect("the chosen password works");
    let (code, _, err) = hqdesk(
        &url,
        &["user", "password", "lan.nguyen", "--password-stdin"],
        Some("ngắn\n"),
    );
    assert_ne!(code, 0);
    assert!(err.contains("password"), "{err}");
    let (code, _, err) = hqdesk(&url, &["user", "password", "nobody"], None);
    assert_ne!(code, 0);
    assert!(err.contains("no user named"), "{err}");

    // Audited (twice: generated, then chosen), never with the password.
    assert_eq!(
        count(
            &services,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_set' AND object = 'user:lan.nguyen'"
        )
        .await,
        2
    );
    let mut conn = services.store().read().await.unwrap();
    let details: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'user.password_set'")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(
        details
            .iter()
            .all(|d| !d.contains(&new) && !d.contains(chosen)),
        "{details:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_password_story_sqlite() {
    user_password_story(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_password_story_postgres() {
    user_password_story(Engine::Postgres).await
}

/// `serve --demo` whose start fails (the port is taken) loads nothing, so the passwords are
/// printed by the start that works; a start on a database that has users says how to set a
/// password instead.
async fn demo_passwords_are_not_lost(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let data = std::env::temp_dir().join(format!("hqdesk-demo-{}", uuid::Uuid::new_v4()));
    let data_dir = data.to_string_lossy().into_owned();
    let listen = format!("127.0.0.1:{port}");
    let (code, out, err) = hqdesk(
        &url,
        &[
            "serve",
            "--demo",
            "--listen",
            &listen,
            "--data-dir",
            &data_dir,
        ],
        None,
    );
    assert_ne!(code, 0, "the port is taken: {out}");
    assert!(err.contains("listening on"), "{err}");
    assert!(
        !out.contains("Demo users"),
        "no passwords printed into a failed start: {out}"
    );
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let services =
        hqdesk_services::Services::new(store, std::sync::Arc::new(hqdesk_services::SystemClock));
    assert_eq!(
        count(&services, "SELECT COUNT(*) FROM users").await,
        0,
        "nothing loaded: the next start loads the demo and prints its passwords"
    );

    // A database with users: the start says how to get a password.
    drop(taken);
    let (code, _, err) = hqdesk(
        &url,
        &[
            "user",
            "add",
            "lan.nguyen",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some("một mật khẩu rất dài\n"),
    );
    assert_eq!(code, 0, "{err}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &listen,
            "--data-dir",
            &data_dir,
        ])
        .env("HQDESK_DATABASE_URL", &url)
        .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .env("HQDESK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read what it says until it serves (or ends), then stop it.
    let stderr = server.stderr.take().unwrap();
    let said = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut said = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            said.push_str(&line);
            said.push('\n');
            if line.contains("serving on") {
                break;
            }
        }
        said
    });
    let said = tokio::time::timeout(std::time::Duration::from_secs(60), said).await;
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let err = said
        .expect("serve --demo says something within a minute")
        .unwrap();
    assert!(err.contains("serving on"), "serve --demo started: {err}");
    assert!(
        err.contains("hqdesk user password NAME"),
        "the start says how to set a password: {err}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_passwords_are_not_lost_sqlite() {
    demo_passwords_are_not_lost(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_passwords_are_not_lost_postgres() {
    demo_passwords_are_not_lost(Engine::Postgres).await
}

/// The demo's conversations are made up, with addresses at real mail providers: none of the
/// mail they queued may leave, not even after a mailbox is added.
async fn demo_mail_is_never_sent(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let services = hqdesk::cli::connect(&url, &crate::support::test_key_file())
        .await
        .unwrap();
    hqdesk::demo::load(&services, 40).await.unwrap();
    let mail_jobs = "kind IN ('message.deliver', 'mail.notify')";
    assert!(
        count(
            &services,
            &format!("SELECT COUNT(*) FROM jobs WHERE {mail_jobs} AND outcome = 'cancelled'")
        )
        .await
            > 0,
        "the demo queued mail (replies, confirmations)"
    );
    assert_eq!(
        count(
            &services,
            &format!("SELECT COUNT(*) FROM jobs WHERE {mail_jobs} AND finished_at IS NULL")
        )
        .await,
        0,
        "none of it is left to send"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mail_is_never_sent_sqlite() {
    demo_mail_is_never_sent(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mail_is_never_sent_postgres() {
    demo_mail_is_never_sent(Engine::Postgres).await
}

#[test]
fn help_explains_every_command() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "password", "--help"],
        vec!["token", "issue", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["user", "role", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "checkpoint", "--help"],
        vec!["secrets", "rotate", "--help"],
        vec!["keys", "escrow-init", "--help"],
        vec!["keys", "status", "--help"],
        vec!["migrate", "--help"],
    ] {
        let (code, out, err) = hqdesk("sqlite://unused.db", &args, None);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("Usage"), "{args:?}: {out}");
    }
}

/// A graceful stop must not wait for browsers: a console keeps a live-update stream open
/// forever, and `serve` still stops within seconds of SIGTERM (and stops cleanly, exit code 0).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_promptly_with_a_live_update_stream_open() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some((url, _dir)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let (code, _, err) = hqdesk(
        &url,
        &[
            "user",
            "add",
            "lan.nguyen",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some("một mật khẩu rất dài\n"),
    );
    assert_eq!(code, 0, "{err}");
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let services =
        hqdesk_services::Services::new(store, std::sync::Arc::new(hqdesk_services::SystemClock));
    let session = services
        .sign_in("test", "lan.nguyen", "một mật khẩu rất dài")
        .await
        .unwrap()
        .expect("signed in");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = std::env::temp_dir().join(format!("hqdesk-stop-{}", uuid::Uuid::new_v4()));
    let mut server = Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&data)
        .env("HQDESK_DATABASE_URL", &url)
        .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .env("HQDESK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stream = None;
    for _ in 0..100 {
        if let Ok(s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            stream = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut stream = stream.expect("server listening");
    stream
        .write_all(
            format!(
                "GET /console/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: hqdesk_session={}\r\nAccept: text/event-stream\r\n\r\n",
                session.token
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut head = vec![0u8; 512];
    let n = stream.read(&mut head).await.unwrap();
    let head = String::from_utf8_lossy(&head[..n]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/event-stream"), "{head}");

    let stopped_at = std::time::Instant::now();
    let pid = server.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        if stopped_at.elapsed() > std::time::Duration::from_secs(10) {
            let _ = server.kill();
            panic!("serve still running 10 s after SIGTERM with a live stream open");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit: {status}");
    let _ = std::fs::remove_dir_all(&data);
}

/// `hqdesk keys`: the escrow key printed once, a second one refused, the keys on record listed
/// with their MAC checks (issue 18).
async fn keys_story(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let (code, out, _) = hqdesk(&url, &["keys", "status"], None);
    assert_eq!(code, 1, "no escrow key yet: {out}");
    assert!(out.contains("escrow\tnone"), "{out}");
    let (code, printed, err) = hqdesk(&url, &["keys", "escrow-init"], None);
    assert_eq!(code, 0, "{err}");
    let printed = printed.trim().to_string();
    assert!(
        printed.starts_with("HQDESK-ESCROW-1-") && !printed.contains(char::is_whitespace),
        "the private half alone on stdout: {printed:?}"
    );
    assert!(err.contains("offline"), "{err}");
    let (code, out, err) = hqdesk(&url, &["keys", "escrow-init"], None);
    assert_eq!(code, 1, "a second escrow key is refused: {out}");
    assert!(out.is_empty() && err.contains("--rotate"), "{err}");
    let (code, again, err) = hqdesk(&url, &["keys", "escrow-init", "--rotate"], None);
    assert_eq!(code, 0, "{err}");
    assert_ne!(again.trim(), printed);
    let (code, _, err) = hqdesk(
        &url,
        &[
            "user",
            "add",
            "minh.tran",
            "--role",
            "investigator",
            "--password-stdin",
        ],
        Some("một mật khẩu rất dài\n"),
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = hqdesk(&url, &["keys", "status"], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("investigator minh.tran\t")
                && l.ends_with("\tmac ok\t0 reports\t0 to recover")),
        "{out}"
    );
    assert!(!out.contains(&printed[16..]), "no secret in the status");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_story_sqlite() {
    keys_story(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_story_postgres() {
    keys_story(Engine::Postgres).await
}
