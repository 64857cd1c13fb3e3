//! TestApp: the real services and router over a fresh database of either engine, with a manual
//! clock and one API token per role.
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hqdesk_domain::Timestamp;
use hqdesk_services::directory::{AddUnit, AddUser};
use hqdesk_services::{Actor, ManualClock, Services};
use hqdesk_store::{Store, StoreOptions};
use serde_json::Value;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// 2026-11-23T09:20:00Z.
pub const T0: Timestamp = Timestamp(1_795_425_600_000);

/// The secret key of every test database (32 bytes in base64): installed in the test process by
/// [`fresh_database`], and handed to `hqdesk` processes started on the same database as
/// `HQDESK_SECRET_KEY`.
pub const TEST_SECRET_KEY: &str = "aHFkZXNrIHRlc3Qgc2VjcmV0IGtleTogdGVzdHMhISE=";

/// Install [`TEST_SECRET_KEY`] for this process (every test database is sealed and audited
/// with it).
pub fn install_test_secret_key() {
    hqdesk_store::secrets::install(
        hqdesk_store::secrets::Keyring::parse(
            TEST_SECRET_KEY,
            hqdesk_store::secrets::KeySource::Given,
        )
        .expect("test key"),
    );
}

/// A key file holding [`TEST_SECRET_KEY`] in a new temporary directory, for code that loads its
/// keys the way `hqdesk` does (`hqdesk::cli::connect`).
pub fn test_key_file() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hqdesk-key-{}", uuid::Uuid::new_v4()));
    let path = dir.join("secret.key");
    hqdesk_store::secrets::key_file::create(
        &path,
        &hqdesk_store::secrets::Keyring::parse(
            TEST_SECRET_KEY,
            hqdesk_store::secrets::KeySource::Given,
        )
        .expect("test key"),
    )
    .expect("test key file");
    path
}

pub struct TestApp {
    pub services: Services,
    pub clock: Arc<ManualClock>,
    pub router: axum::Router,
    pub tokens: HashMap<&'static str, String>,
    /// The database's URL, for a second node on the same database.
    pub url: String,
    _dir: Option<tempdir::Dir>,
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    pub fn new() -> Dir {
        let p = std::env::temp_dir().join(format!("hqdesk-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).expect("temp dir");
        Dir(p)
    }
}

/// A database URL for a fresh, empty database of `engine`, or None (with the reason printed)
/// when PostgreSQL is not configured and not required.
pub async fn fresh_database(engine: Engine) -> Option<(String, Option<tempdir::Dir>)> {
    install_test_secret_key();
    match engine {
        Engine::Sqlite => {
            let dir = tempdir::new();
            let url = format!("sqlite://{}", dir.0.join("hqdesk.db").display());
            Some((url, Some(dir)))
        }
        Engine::Postgres => {
            let Ok(base) = std::env::var("HQDESK_TEST_POSTGRES_URL") else {
                if std::env::var("HQDESK_REQUIRE_POSTGRES").is_ok() {
                    panic!("HQDESK_REQUIRE_POSTGRES is set but HQDESK_TEST_POSTGRES_URL is not");
                }
                eprintln!("SKIPPED (PostgreSQL): HQDESK_TEST_POSTGRES_URL is not set; run scripts/test.sh to test on PostgreSQL");
                return None;
            };
            // One schema per test: fast to create, isolated, and dropped with the cluster.
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
                .await
                .expect("connect to test PostgreSQL");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .await
                .expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            Some((
                format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                None,
            ))
        }
    }
}

impl TestApp {
    pub async fn new(engine: Engine) -> Option<TestApp> {
        let (url, mut dir) = fresh_database(engine).await?;
        let dir_path = match &dir {
            Some(d) => d.0.clone(),
            None => {
                let d = tempdir::new();
                let p = d.0.clone();
                dir = Some(d);
                p
            }
        };
        let store = Store::connect(
            &url,
            &StoreOptions {
                max_connections: 4,
                ..Default::default()
            },
        )
        .await
        .expect("connect");
        let clock = Arc::new(ManualClock::at(T0));
        let services = Services::new(store, clock.clone())
            // Clear copies replaced by sealed ones go at the next job run, not two minutes on.
            .with_blobs(
                hqdesk_store::blobs::BlobStore::new(dir_path.join("blobs"))
                    .with_grace(std::time::Duration::ZERO),
            )
            // Argon2id at the lowest accepted cost: the tests' builds are not optimised.
            .with_investigator_kdf(hqdesk_vault::KdfParams::MINIMUM);
        services.prepare().await.expect("migrate");
        for (code, name, level, parent) in [
            ("CHQ", "Cục Hải quan", "department", None),
            (
                "KV8",
                "Chi cục Hải quan khu vực VIII",
                "sub_department",
                Some("CHQ"),
            ),
            (
                "KV8-MC",
                "Hải quan cửa khẩu quốc tế Móng Cái",
                "team",
                Some("KV8"),
            ),
            (
                "KV2",
                "Chi cục Hải quan khu vực II",
                "sub_department",
                Some("CHQ"),
            ),
            ("DDN", "Đội đặc nhiệm", "team", Some("CHQ")),
        ] {
            services
                .add_unit(
                    &Actor::Cli,
                    AddUnit {
                        code: code.into(),
                        name: name.into(),
                        level: level.into(),
                        parent: parent.map(String::from),
                    },
                )
                .await
                .expect("unit");
        }
        let mut tokens = HashMap::new();
        for (name, role, unit) in [
            ("agent", "agent", None),
            ("hotline", "hotline", None),
            ("investigator", "investigator", Some("DDN")),
            ("unit_officer", "unit_officer", Some("KV8")),
            ("supervisor", "supervisor", None),
            ("admin", "admin", None),
        ] {
            services
                .add_user(
                    &Actor::Cli,
                    AddUser {
                        username: name.into(),
                        display_name: None,
                        role: role.into(),
                        unit: unit.map(String::from),
                        password: None,
                        email: None,
                    },
                )
                .await
                .expect("user");
            tokens.insert(
                role,
                services
                    .issue_token(
                        &Actor::Cli,
                        name,
                        "test",
                        hqdesk_services::auth::DEFAULT_TOKEN_DAYS,
                    )
                    .await
                    .expect("token")
                    .token,
            );
        }
        let router = hqdesk_web::router(services.clone());
        Some(TestApp {
            services,
            clock,
            router,
            tokens,
            url,
            _dir: dir,
        })
    }

    pub fn token(&self, role: &str) -> &str {
        self.tokens
            .get(role)
            .map(String::as_str)
            .expect("role token")
    }

    /// Send a request through the real router, in process.
    pub async fn call(
        &self,
        role: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(r) = role {
            req = req.header("authorization", format!("Bearer {}", self.token(r)));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
            .await
            .expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, ctype, json)
    }

    /// Send a request with exactly these headers through the real router; the answer as text.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Body::from(body.unwrap_or_default()))
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn post(&self, role: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, j) = self
            .call(Some(role), "POST", path, Some(&body.to_string()), &[])
            .await;
        (s, j)
    }

    pub async fn get(&self, role: &str, path: &str) -> (StatusCode, Value) {
        let (s, _, j) = self.call(Some(role), "GET", path, None, &[]).await;
        (s, j)
    }

    /// Open a case as `role` and return its number.
    pub async fn open(&self, role: &str, body: Value) -> String {
        let (s, j) = self.post(role, "/api/v1/cases", body).await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        j["number"].as_str().expect("number").to_string()
    }

    /// Count rows of a table directly in the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let mut conn = self.services.store().read().await.expect("conn");
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await
            .expect("count")
    }
}

/// `s` percent-encoded for a form body: every byte but ASCII letters and digits as `%XX`.
pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Run the test body on both engines: `both_engines!(name, |app| async move { … });`
#[macro_export]
macro_rules! both_engines {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run(engine: $crate::support::Engine) {
                let Some($app) = $crate::support::TestApp::new(engine).await else {
                    return;
                };
                $body.await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::support::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::support::Engine::Postgres).await
            }
        }
    };
}
