//! The settings, resolved once at start-up. Each comes, from highest to lowest precedence, from a
//! command-line flag, an environment variable, a key of the TOML file (`--config FILE` or
//! `HQDESK_CONFIG`) or a default: the README's Configuration table lists them all.
//! Secrets (the telephony webhook secret, the AMI secret, the metrics token) have no flag, since
//! flags show in `ps`; the secret key itself (`HQDESK_SECRET_KEY`) is read from the environment
//! only, by `cli::secret_keys`.
mod file;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use hqdesk_web::client_addr::TrustedProxies;
use hqdesk_web::{ConnectionLimits, RequestLimits};

pub use file::FileConfig;
pub use hqdesk_domain::secret::Secret;

use crate::cli::{Cli, Command, LimitArgs, ServeArgs};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hqdesk.db";
pub const DEFAULT_DATA_DIR: &str = "hqdesk-data";
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,tower_http=info";

/// The variables read here rather than by the command line parser: the secrets, which have no
/// flag.
pub const TELEPHONY_SECRET_ENV: &str = "HQDESK_TELEPHONY_SECRET";
pub const AMI_SECRET_ENV: &str = "HQDESK_AMI_SECRET";
pub const METRICS_TOKEN_ENV: &str = "HQDESK_METRICS_TOKEN";

/// A non-empty environment variable of this process (an empty one counts as unset).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Every setting in force, after every layer was applied.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub log_json: bool,
    pub log_filter: String,
    /// Used when `HQDESK_SECRET_KEY` is not set.
    pub secret_key_file: PathBuf,
    /// The server's settings, resolved for `serve` only.
    pub serve: Option<ServeSettings>,
}

/// What `serve` needs beyond the database.
#[derive(Clone, Debug)]
pub struct ServeSettings {
    pub listen: String,
    /// Links in mails start with it; without it, with the address the server listens on.
    pub public_url: Option<String>,
    pub trusted_proxies: TrustedProxies,
    pub request_limits: RequestLimits,
    pub connection_limits: ConnectionLimits,
    /// The signed telephony webhook's shared secret; the webhook is off without it.
    pub telephony_secret: Option<Secret>,
    /// Reads /metrics from anywhere; without it only this machine may.
    pub metrics_token: Option<Secret>,
    /// Asterisk's manager interface, when configured.
    pub ami: Option<AmiSettings>,
}

#[derive(Clone, Debug)]
pub struct AmiSettings {
    pub addr: String,
    pub user: String,
    pub secret: Secret,
}

/// The database URL may hold a password: shown without it.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &hqdesk_store::dialect::redact(&self.database_url),
            )
            .field("data_dir", &self.data_dir)
            .field("log_json", &self.log_json)
            .field("log_filter", &self.log_filter)
            .field("secret_key_file", &self.secret_key_file)
            .field("serve", &self.serve)
            .finish()
    }
}

impl Settings {
    /// The settings of `cli`'s command: its flags (the parser already put the environment
    /// variables of the flags in them), else `env` for the secrets, else `file`, else the
    /// defaults. Refuses a value that cannot work, naming its environment variable.
    pub fn resolve(
        cli: &Cli,
        env: &dyn Fn(&str) -> Option<String>,
        file: &FileConfig,
    ) -> anyhow::Result<Settings> {
        let log_format = layer(&cli.log_format, &file.log_format).unwrap_or_else(|| "text".into());
        let log_json = match log_format.as_str() {
            "json" => true,
            "text" => false,
            other => anyhow::bail!("log format must be text or json, not {other:?}"),
        };
        let log_filter = layer_non_empty(&cli.log_filter, &file.log_filter)
            .unwrap_or_else(|| DEFAULT_LOG_FILTER.into());
        tracing_subscriber::EnvFilter::try_new(&log_filter)
            .map_err(|e| anyhow::anyhow!("HQDESK_LOG {log_filter:?}: {e}"))?;
        let data_dir: PathBuf = layer(&cli.data_dir, &file.data_dir)
            .unwrap_or_else(|| DEFAULT_DATA_DIR.into())
            .into();
        let secret_key_file = layer(&cli.secret_key_file, &file.secret_key_file)
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let serve = match &cli.command {
            Command::Serve { args, .. } => Some(ServeSettings::resolve(args, env, file)?),
            _ => None,
        };
        Ok(Settings {
            database_url: layer(&cli.database, &file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            data_dir,
            log_json,
            log_filter,
            secret_key_file,
            serve,
        })
    }
}

impl ServeSettings {
    fn resolve(
        args: &ServeArgs,
        env: &dyn Fn(&str) -> Option<String>,
        file: &FileConfig,
    ) -> anyhow::Result<ServeSettings> {
        let secret = |name: &str, in_file: &Option<Secret>| {
            env(name)
                .filter(|v| !v.is_empty())
                .map(Secret::new)
                .or_else(|| in_file.clone().filter(|s| !s.expose().is_empty()))
        };
        let public_url = layer_non_empty(&args.public_url, &file.public_url);
        if let Some(url) = &public_url {
            anyhow::ensure!(
                url.starts_with("http://") || url.starts_with("https://"),
                "HQDESK_PUBLIC_URL must start with http:// or https://, not {url:?}"
            );
        }
        // A typo must not silently trust nobody (or everybody).
        let trusted_proxies = layer_non_empty(&args.trusted_proxies, &file.trusted_proxies)
            .unwrap_or_default()
            .parse()
            .map_err(|e| anyhow::anyhow!("HQDESK_TRUSTED_PROXIES: {e}"))?;
        let (request_limits, connection_limits) = limits(&args.limits, file)?;
        let ami = ami(
            layer_non_empty(&args.ami_addr, &file.ami_addr),
            layer_non_empty(&args.ami_user, &file.ami_user),
            secret(AMI_SECRET_ENV, &file.ami_secret),
        )?;
        Ok(ServeSettings {
            listen: layer(&args.listen, &file.listen).unwrap_or_else(|| DEFAULT_LISTEN.into()),
            public_url,
            trusted_proxies,
            request_limits,
            connection_limits,
            telephony_secret: secret(TELEPHONY_SECRET_ENV, &file.telephony_secret),
            metrics_token: secret(METRICS_TOKEN_ENV, &file.metrics_token),
            ami,
        })
    }
}

/// The flag (or its environment variable), else the file's value.
fn layer(flag: &Option<String>, in_file: &Option<String>) -> Option<String> {
    flag.as_ref().or(in_file.as_ref()).cloned()
}

/// Like [`layer`], an empty value counting as unset (as these settings always did).
fn layer_non_empty(flag: &Option<String>, in_file: &Option<String>) -> Option<String> {
    let set = |v: &&String| !v.is_empty();
    flag.as_ref()
        .filter(set)
        .or(in_file.as_ref().filter(set))
        .cloned()
}

/// All three parts, or none.
fn ami(
    addr: Option<String>,
    user: Option<String>,
    secret: Option<Secret>,
) -> anyhow::Result<Option<AmiSettings>> {
    match (addr, user, secret) {
        (Some(addr), Some(user), Some(secret)) => Ok(Some(AmiSettings { addr, user, secret })),
        (None, None, None) => Ok(None),
        (addr, user, secret) => {
            let missing: Vec<&str> = [
                (addr.is_none(), "HQDESK_AMI_ADDR"),
                (user.is_none(), "HQDESK_AMI_USER"),
                (secret.is_none(), AMI_SECRET_ENV),
            ]
            .into_iter()
            .filter_map(|(missing, name)| missing.then_some(name))
            .collect();
            anyhow::bail!(
                "the Asterisk manager interface needs HQDESK_AMI_ADDR, HQDESK_AMI_USER and \
                 HQDESK_AMI_SECRET; missing: {}",
                missing.join(", ")
            )
        }
    }
}

/// The server's limits in force: flag or environment, else the TOML file, else the default.
fn limits(
    args: &LimitArgs,
    file: &FileConfig,
) -> anyhow::Result<(RequestLimits, ConnectionLimits)> {
    let mut request = RequestLimits::default();
    let mut connection = ConnectionLimits::default();
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
