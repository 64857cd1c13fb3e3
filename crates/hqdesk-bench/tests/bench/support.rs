//! What the benchmarks' tests need of a test database (the part of `hqdesk`'s `tests/it/support.rs`
//! they use) and the `hqdesk` server binary.
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use hqdesk_services::{Services, SystemClock};
use hqdesk_store::{Store, StoreOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The secret key of every test database (the same as `hqdesk`'s tests): installed in the test
/// process by [`fresh_database`], and handed to the `hqdesk` server started on it.
pub const TEST_SECRET_KEY: &str = "aHFkZXNrIHRlc3Qgc2VjcmV0IGtleTogdGVzdHMhISE=";

pub fn test_keyring() -> hqdesk_store::secrets::Keyring {
    hqdesk_store::secrets::Keyring::parse(TEST_SECRET_KEY, hqdesk_store::secrets::KeySource::Given)
        .expect("test key")
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("hqdesk-bench-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database URL for a fresh, empty database of `engine`, or None (with the reason printed)
/// when PostgreSQL is not configured and not required.
pub async fn fresh_database(engine: Engine) -> Option<(String, Option<TempDir>)> {
    hqdesk_store::secrets::install(test_keyring());
    match engine {
        Engine::Sqlite => {
            let dir = TempDir::new();
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

/// The services over a migrated database at `url`, on the system clock.
pub async fn services_on(url: &str) -> Services {
    let store = Store::connect(url, &StoreOptions::default())
        .await
        .expect("connect");
    let services = Services::new(store, Arc::new(SystemClock));
    services.prepare().await.expect("migrate");
    services
}

/// The `hqdesk` server binary of this build: `target/<profile>/hqdesk`, beside the directory of
/// this test executable (`target/<profile>/deps/`). `cargo test --workspace` and `cargo nextest
/// run --workspace` build it with the tests; when it is missing (`cargo test -p hqdesk-bench`
/// alone), it is built here with the same profile.
pub fn server_exe() -> PathBuf {
    let me = std::env::current_exe().expect("the test executable");
    let profile_dir = me
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/");
    let exe = profile_dir.join(hqdesk_bench::server_exe::SERVER_FILE_NAME);
    if !exe.is_file() {
        let profile = profile_dir
            .file_name()
            .and_then(|p| p.to_str())
            .unwrap_or("debug");
        let profile = if profile == "debug" { "dev" } else { profile };
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "-p",
                "hqdesk",
                "--bin",
                "hqdesk",
                "--profile",
                profile,
            ])
            .status()
            .expect("running cargo build -p hqdesk");
        assert!(status.success(), "cargo build -p hqdesk failed");
    }
    assert!(exe.is_file(), "no hqdesk binary at {}", exe.display());
    exe
}
