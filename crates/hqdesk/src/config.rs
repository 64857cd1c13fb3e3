//! Configuration, from lowest to highest precedence: built-in defaults, an optional TOML file
//! (`--config FILE` or `HQDESK_CONFIG`), environment variables (`HQDESK_LISTEN`,
//! `HQDESK_DATABASE_URL`, `HQDESK_LOG_FORMAT`, `HQDESK_DATA_DIR`, `HQDESK_SECRET_KEY_FILE`),
//! command-line flags. The secret key itself (`HQDESK_SECRET_KEY`) is read from the environment
//! only: never a flag (visible in `ps`) nor the config file.
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hqdesk.db";
pub const DEFAULT_DATA_DIR: &str = "hqdesk-data";

/// The TOML file. Unknown keys are refused so that a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    /// `text` (default) or `json`.
    pub log_format: Option<String>,
    /// Where attachments are kept (`blobs/` inside it).
    pub data_dir: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub body_timeout_secs: Option<u64>,
    pub header_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_requests: Option<usize>,
    /// The secret key file (default: `secret.key` in the data directory).
    pub secret_key_file: Option<String>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
    }
}

/// The server's limits in force: flag or environment, else the TOML file, else the default.
pub fn limits(
    file: &FileConfig,
    args: &crate::cli::LimitArgs,
) -> anyhow::Result<(hqdesk_web::RequestLimits, hqdesk_web::ConnectionLimits)> {
    use std::time::Duration;
    let mut request = hqdesk_web::RequestLimits::default();
    let mut connection = hqdesk_web::ConnectionLimits::default();
    if let Some(n) = args.max_body_bytes.or(file.max_body_bytes) {
        anyhow::ensure!(n >= 1024, "max_body_bytes must be at least 1024");
        request.max_body_bytes = n;
    }
    if let Some(s) = args.body_timeout.or(file.body_timeout_secs) {
        anyhow::ensure!(s >= 1, "body_timeout_secs must be at least 1");
        request.body_timeout = Duration::from_secs(s);
    }
    if let Some(n) = args.max_requests.or(file.max_requests) {
        anyhow::ensure!(n >= 1, "max_requests must be at least 1");
        request.max_requests = n;
    }
    if let Some(s) = args.header_timeout.or(file.header_timeout_secs) {
        anyhow::ensure!(s >= 1, "header_timeout_secs must be at least 1");
        connection.header_timeout = Duration::from_secs(s);
    }
    if let Some(n) = args.max_connections.or(file.max_connections) {
        anyhow::ensure!(n >= 1, "max_connections must be at least 1");
        connection.max_connections = n;
    }
    Ok((request, connection))
}

/// Settings in force, after every layer was applied.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: std::path::PathBuf,
    pub listen: String,
    pub database_url: String,
    pub log_json: bool,
}

impl Settings {
    pub fn resolve(
        file: &FileConfig,
        listen: Option<String>,
        database_url: Option<String>,
        log_format: Option<String>,
        data_dir: Option<String>,
    ) -> anyhow::Result<Settings> {
        let log_format = log_format
            .or_else(|| file.log_format.clone())
            .unwrap_or_else(|| "text".into());
        let log_json = match log_format.as_str() {
            "json" => true,
            "text" => false,
            other => anyhow::bail!("log format must be text or json, not {other:?}"),
        };
        Ok(Settings {
            data_dir: data_dir
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| DEFAULT_DATA_DIR.into())
                .into(),
            listen: listen
                .or_else(|| file.listen.clone())
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            database_url: database_url
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            log_json,
        })
    }
}

/// The file of the secret keys, used when `HQDESK_SECRET_KEY` is not set: `--secret-key-file`
/// (`HQDESK_SECRET_KEY_FILE`), else `secret_key_file` in the TOML file, else `secret.key` in the
/// data directory.
pub fn secret_key_file(file: &FileConfig, flag: Option<String>, settings: &Settings) -> PathBuf {
    flag.or_else(|| file.secret_key_file.clone())
        .map(PathBuf::from)
        .unwrap_or_else(|| settings.data_dir.join("secret.key"))
}
