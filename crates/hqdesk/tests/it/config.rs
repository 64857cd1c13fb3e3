//! The layered settings against the real binary: a flag beats its environment variable, which
//! beats the TOML file; a secret from the environment beats the file's; no secret shows in the
//! log, not even in the debug line of the settings in force.
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A data directory (with the SQLite database), removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let dir = std::env::temp_dir().join(format!("hqdesk-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn config(&self, toml: &str) -> String {
        let path = self.0.join("hqdesk.toml");
        std::fs::write(&path, toml).unwrap();
        path.display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn hqdesk(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hqdesk"));
    cmd.args(args)
        .env(
            "HQDESK_DATABASE_URL",
            format!("sqlite://{}", dir.join("hqdesk.db").display()),
        )
        .env("HQDESK_DATA_DIR", dir)
        .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .env("HQDESK_LOG", "warn");
    for name in ["HQDESK_LISTEN", "HQDESK_PUBLIC_URL", "HQDESK_METRICS_TOKEN"] {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().copied());
    cmd
}

/// A start that fails: its exit status and standard error.
fn failed_start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = hqdesk(dir, args, env).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
    err
}

/// A server started in `dir` whose standard error is collected: the address it serves on (once
/// it says so, within a minute) and, after `stop`, its whole log.
struct Running {
    child: std::process::Child,
    addr: Result<String, std::sync::mpsc::RecvTimeoutError>,
    log: std::thread::JoinHandle<String>,
}

impl Running {
    fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = hqdesk(dir, args, env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let log = std::thread::spawn(move || {
            let mut log = String::new();
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let _ = addr_tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                log.push_str(&line);
                log.push('\n');
            }
            log
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(60));
        Running { child, addr, log }
    }

    /// Kill the server; its log.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log.join().unwrap()
    }
}

/// The listen addresses are not addresses (no port), so that each start stops at once, naming
/// the one it took.
#[test]
fn a_flag_beats_its_environment_variable_which_beats_the_file() {
    let dir = Dir::new();
    let config = dir.config("listen = \"from-the-file\"\n");
    let serve = ["serve", "--config", config.as_str()];
    let err = failed_start(&dir.0, &serve, &[]);
    assert!(err.contains("listening on from-the-file"), "{err}");
    let env = [("HQDESK_LISTEN", "from-the-environment")];
    let err = failed_start(&dir.0, &serve, &env);
    assert!(err.contains("listening on from-the-environment"), "{err}");
    let flagged = [&serve[..], &["--listen", "from-the-flag"]].concat();
    let err = failed_start(&dir.0, &flagged, &env);
    assert!(err.contains("listening on from-the-flag"), "{err}");

    let env = [("HQDESK_PUBLIC_URL", "hotro.customs.gov.vn")];
    let err = failed_start(&dir.0, &serve, &env);
    assert!(
        err.contains("HQDESK_PUBLIC_URL must start with http:// or https://"),
        "{err}"
    );
    let config = dir.config("listne = \"127.0.0.1:8080\"\n");
    let err = failed_start(&dir.0, &["serve", "--config", config.as_str()], &[]);
    assert!(err.contains("unknown field `listne`"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_from_the_environment_beats_the_file_and_no_secret_is_logged() {
    let dir = Dir::new();
    let config = dir.config(
        "metrics_token = \"file-metrics-token-7f3a\"\n\
         telephony_secret = \"file-telephony-secret-7f3a\"\n\
         ami_addr = \"127.0.0.1:1\"\n\
         ami_user = \"hqdesk\"\n\
         ami_secret = \"file-ami-secret-7f3a\"\n",
    );
    let env = [
        ("HQDESK_METRICS_TOKEN", "env-metrics-token-7f3a"),
        ("HQDESK_LOG", "debug,sqlx=warn"),
    ];
    let server = Running::start(
        &dir.0,
        &["serve", "--listen", "127.0.0.1:0", "--config", &config],
        &env,
    );
    let addr = server.addr.clone();
    let metrics = |token: &'static str| {
        let url = format!("http://{}/metrics", addr.as_deref().unwrap_or(""));
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (with_env, with_file) = match &addr {
        Ok(_) => (
            metrics("env-metrics-token-7f3a").await,
            metrics("file-metrics-token-7f3a").await,
        ),
        Err(_) => (0, 0),
    };
    let log = server.stop();
    assert!(addr.is_ok(), "the server did not start: {log}");
    assert_eq!((with_env, with_file), (200, 401), "{log}");
    assert!(log.contains("settings in force"), "{log}");
    for secret in [
        "env-metrics-token-7f3a",
        "file-metrics-token-7f3a",
        "file-telephony-secret-7f3a",
        "file-ami-secret-7f3a",
    ] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
    }
}

/// The request log (debug level) names the route a request matched, never the values in its
/// path or its query: a portal tracking token, a case number or a search's words never reach the
/// log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_names_routes_not_paths_or_queries() {
    let dir = Dir::new();
    let server = Running::start(
        &dir.0,
        &["serve", "--listen", "127.0.0.1:0"],
        &[("HQDESK_LOG", "debug,sqlx=warn")],
    );
    let addr = server.addr.clone();
    let mut statuses = Vec::new();
    if let Ok(addr) = &addr {
        let client = reqwest::Client::new();
        for path in [
            "/track/tokenmarker7f3aQ9",
            "/api/v1/cases?q=tuKhoaBiMat7f3a",
            "/console/cases/HQ2612-0000042",
        ] {
            let r = client
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
        }
    }
    let log = server.stop();
    assert!(addr.is_ok(), "the server did not start: {log}");
    assert_eq!(statuses.len(), 3, "{log}");
    // The requests were logged, by route.
    assert!(log.contains("/track/{token}"), "{log}");
    assert!(log.contains("/api/v1/cases"), "{log}");
    for value in ["tokenmarker7f3aQ9", "tuKhoaBiMat7f3a", "HQ2612-0000042"] {
        assert!(!log.contains(value), "{value} in the log: {log}");
    }
}
