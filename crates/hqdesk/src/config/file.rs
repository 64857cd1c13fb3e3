//! The TOML configuration file (`--config FILE` or `HQDESK_CONFIG`): one key per setting, named
//! in the README's Configuration table.
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::Secret;

/// Unknown keys are refused so that a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    /// `text` (default) or `json`.
    pub log_format: Option<String>,
    /// Which log lines are written, e.g. `info,sqlx=warn`.
    pub log_filter: Option<String>,
    /// Where attachments are kept (`blobs/` inside it).
    pub data_dir: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub body_timeout_secs: Option<u64>,
    pub header_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_requests: Option<usize>,
    /// The secret key file (default: `secret.key` in the data directory).
    pub secret_key_file: Option<String>,
    /// The address visitors use, e.g. `https://hotro.customs.gov.vn`.
    pub public_url: Option<String>,
    /// Addresses or CIDR networks, comma-separated.
    pub trusted_proxies: Option<String>,
    /// Asterisk's manager interface, `host:port`.
    pub ami_addr: Option<String>,
    pub ami_user: Option<String>,
    pub ami_secret: Option<Secret>,
    pub telephony_secret: Option<Secret>,
    pub metrics_token: Option<Secret>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        FileConfig::parse(&text).with_context(|| format!("config file {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<FileConfig> {
        Ok(toml::from_str(text)?)
    }
}
