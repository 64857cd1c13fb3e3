//! The binary as an operator uses it: user add, token issue, audit verify, serve --demo.
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::{fresh_database, Engine};

fn hqdesk(url: &str, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args(args)
        .env("HQDESK_DATABASE_URL", url)
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
        vec!["migrate", "--help"],
    ] {
        let (code, out, err) = hqdesk("sqlite://unused.db", &args, None);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("Usage"), "{args:?}: {out}");
    }
}
