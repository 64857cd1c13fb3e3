//! The binary as an operator uses it: user add, token issue, audit verify, serve --demo.
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::{fresh_database, Engine};

fn hqdesk(url: &str, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_story_sqlite() {
    operator_story(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_story_postgres() {
    operator_story(Engine::Postgres).await
}

#[test]
fn help_explains_every_command() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["user", "add", "--help"],
        vec!["token", "issue", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "checkpoint", "--help"],
        vec!["secrets", "rotate", "--help"],
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
        .sign_in("lan.nguyen", "một mật khẩu rất dài")
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
