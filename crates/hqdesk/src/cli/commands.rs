use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use hqdesk_services::directory::{AddUser, UpdateUser};
use hqdesk_services::{Actor, Services, SystemClock};
use hqdesk_store::{Store, StoreOptions};

use super::{
    AuditCommand, Cli, Command, KbCommand, MailboxCommand, SecretsCommand, TokenCommand,
    UserCommand,
};
use crate::config::{FileConfig, Settings};

/// Connect to the database, migrate it, load its secret keys (`key_file` unless
/// `HQDESK_SECRET_KEY` is set) and seed defaults.
pub async fn connect(url: &str, key_file: &std::path::Path) -> anyhow::Result<Services> {
    let store = Store::connect(url, &StoreOptions::default())
        .await
        .with_context(|| format!("connecting to {}", hqdesk_store::dialect::redact(url)))?;
    store.migrate().await.context("migrating the database")?;
    super::secret_keys::load(&store, key_file).await?;
    let services = Services::new(store, Arc::new(SystemClock));
    services.prepare().await.context("preparing the database")?;
    Ok(services)
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HQDESK_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[allow(clippy::print_stdout)] // the command line's output
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = FileConfig::load(cli.config.as_deref())?;
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let settings = Settings::resolve(
        &file,
        listen,
        cli.database.clone(),
        cli.log_format.clone(),
        cli.data_dir.clone(),
    )?;
    init_logging(settings.log_json);
    // Every command opens the database the same way, with the keys of the same key file.
    let key_file = crate::config::secret_key_file(&file, cli.secret_key_file.clone(), &settings);
    let connect = |url: &str| {
        let url = url.to_string();
        let key_file = key_file.clone();
        async move { connect(&url, &key_file).await }
    };
    match cli.command {
        Command::Serve { demo, limits, .. } => {
            let limits = crate::config::limits(&file, &limits)?;
            serve(
                &settings,
                connect(&settings.database_url).await?,
                demo,
                limits,
            )
            .await?;
        }
        Command::Migrate => {
            connect(&settings.database_url).await?;
            eprintln!("hqdesk: database is up to date");
        }
        Command::User(UserCommand::Add {
            name,
            role,
            password_stdin,
            display_name,
            unit,
        }) => {
            let password = password_from_stdin(password_stdin)?;
            let services = connect(&settings.database_url).await?;
            let user = services
                .add_user(
                    &Actor::Cli,
                    AddUser {
                        username: name,
                        display_name,
                        role,
                        unit,
                        password,
                    },
                )
                .await
                .map_err(describe)?;
            eprintln!("hqdesk: added {} ({})", user.username, user.role.as_str());
        }
        Command::User(UserCommand::Password {
            name,
            password_stdin,
        }) => {
            let password = password_from_stdin(password_stdin)?;
            let services = connect(&settings.database_url).await?;
            let set = services
                .set_user_password(&Actor::Cli, &name, password)
                .await
                .map_err(|e| match e {
                    hqdesk_services::ServiceError::NotFound => {
                        anyhow::anyhow!("there is no user named {name:?}")
                    }
                    other => describe(other),
                })?;
            if password_stdin {
                eprintln!("hqdesk: new password set for {name}; their sessions ended");
            } else {
                println!("{set}");
            }
        }
        Command::User(UserCommand::Role {
            name,
            role,
            password_stdin,
        }) => {
            let password = password_from_stdin(password_stdin)?;
            let services = connect(&settings.database_url).await?;
            let user = services
                .update_user(
                    &Actor::Cli,
                    &name,
                    UpdateUser {
                        role: Some(role),
                        password,
                        ..Default::default()
                    },
                )
                .await
                .map_err(describe)?;
            eprintln!("hqdesk: {} is now {}", user.username, user.role.as_str());
        }
        Command::Token(TokenCommand::Issue {
            name,
            label,
            expires,
        }) => {
            let days = hqdesk_services::auth::parse_lifetime_days(&expires).map_err(describe)?;
            let services = connect(&settings.database_url).await?;
            let issued = services
                .issue_token(&Actor::Cli, &name, &label, days)
                .await
                .map_err(describe)?;
            println!("{}", issued.token);
            eprintln!(
                "hqdesk: token {} for {name} expires {}",
                issued.id,
                rfc3339(issued.expires_at.millis())
            );
        }
        Command::Token(TokenCommand::List) => {
            let services = connect(&settings.database_url).await?;
            let now = services.now().millis();
            println!("id\tuser\tlabel\tissued\texpires\tstate");
            for t in services.list_tokens(&Actor::Cli).await.map_err(describe)? {
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", rfc3339(at)),
                    None if t.expires_at <= now => "expired".into(),
                    None => "active".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.username,
                    t.label,
                    rfc3339(t.created_at),
                    rfc3339(t.expires_at)
                );
            }
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            let services = connect(&settings.database_url).await?;
            let t = services
                .revoke_token(&Actor::Cli, id)
                .await
                .map_err(describe)?;
            eprintln!(
                "hqdesk: revoked token {} ({}) of {}",
                t.id, t.label, t.username
            );
        }
        Command::Audit(AuditCommand::Verify { checkpoint }) => {
            let services = connect(&settings.database_url).await?;
            return super::audit::verify(&services, &checkpoint).await;
        }
        Command::Audit(AuditCommand::Checkpoint { output }) => {
            let services = connect(&settings.database_url).await?;
            return super::audit::checkpoint(&services, output).await;
        }
        Command::Secrets(SecretsCommand::Rotate) => {
            let services = connect(&settings.database_url).await?;
            super::secret_keys::rotate(&services).await?;
        }
        Command::Kb(KbCommand::Import { dir }) => {
            let services = connect(&settings.database_url).await?;
            let (a, p) = crate::kb::import(&services, dir.as_deref()).await?;
            eprintln!("hqdesk: imported {a} articles and {p} procedures");
        }
        Command::Mailbox(cmd) => {
            let services = connect(&settings.database_url).await?;
            return mailbox(&services, cmd).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, without its line end.
#[allow(clippy::print_stdout)] // the command line's output
async fn mailbox(services: &Services, cmd: MailboxCommand) -> anyhow::Result<ExitCode> {
    use hqdesk_services::mail::mailboxes::MailboxForm;
    match cmd {
        MailboxCommand::Add {
            name,
            address,
            imap,
            smtp,
            insecure_plain,
            branch,
            category,
            disabled,
        } => {
            let m = services
                .add_mailbox(
                    &Actor::Cli,
                    MailboxForm {
                        name,
                        address,
                        imap_url: imap,
                        smtp_url: smtp,
                        insecure_plain,
                        default_branch: branch,
                        default_category: category,
                        enabled: !disabled,
                    },
                )
                .await
                .map_err(describe)?;
            eprintln!(
                "hqdesk: added mailbox {} <{}> (IMAP {}, SMTP {}){}",
                m.name,
                m.address,
                m.imap_url,
                m.smtp_url,
                if m.enabled { "" } else { ", disabled" }
            );
        }
        MailboxCommand::List => {
            for m in services
                .list_mailboxes(&Actor::Cli)
                .await
                .map_err(describe)?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}\tlast_uid={}\t{}",
                    m.name,
                    m.address,
                    if m.enabled { "enabled" } else { "disabled" },
                    m.imap_url,
                    m.smtp_url,
                    m.last_uid,
                    m.last_error.as_deref().unwrap_or("ok"),
                );
            }
        }
        MailboxCommand::Test { name } => {
            let m = services
                .mailbox_by_name(&Actor::Cli, &name)
                .await
                .map_err(|e| match e {
                    hqdesk_services::ServiceError::NotFound => {
                        anyhow::anyhow!("there is no mailbox named {name:?}")
                    }
                    other => describe(other),
                })?;
            let r = services
                .test_mailbox(&Actor::Cli, m.id)
                .await
                .map_err(describe)?;
            for side in [&r.imap, &r.smtp] {
                match side {
                    Ok(line) => println!("ok: {line}"),
                    Err(line) => println!("FAILED: {line}"),
                }
            }
            if !r.ok() {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, when the command was asked to read a password there.
fn password_from_stdin(wanted: bool) -> anyhow::Result<Option<String>> {
    if !wanted {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_string()))
}

/// A time (Unix millis) as the operator reads it, in UTC.
fn rfc3339(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A service error as a sentence for the operator, with each invalid field.
fn describe(e: hqdesk_services::ServiceError) -> anyhow::Error {
    match e {
        hqdesk_services::ServiceError::Invalid(v) => {
            anyhow::anyhow!(v
                .0
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "))
        }
        hqdesk_services::ServiceError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!(other.to_string()),
    }
}

async fn serve(
    settings: &Settings,
    services: Services,
    demo: bool,
    (request_limits, mut connection_limits): (
        hqdesk_web::RequestLimits,
        hqdesk_web::ConnectionLimits,
    ),
) -> anyhow::Result<()> {
    connection_limits.max_connections =
        crate::open_files::fit_connections(connection_limits.max_connections);
    // Checked before anything starts: a typo must not silently trust nobody (or everybody).
    let trusted_proxies: hqdesk_web::client_addr::TrustedProxies =
        std::env::var("HQDESK_TRUSTED_PROXIES")
            .unwrap_or_default()
            .parse()
            .map_err(|e| anyhow::anyhow!("HQDESK_TRUSTED_PROXIES: {e}"))?;
    let blobs = settings.data_dir.join("blobs");
    std::fs::create_dir_all(&blobs)
        .with_context(|| format!("creating the data directory {}", blobs.display()))?;
    let services = services.with_blobs(hqdesk_store::blobs::BlobStore::new(blobs));
    // Listen before loading the demo: a start that cannot listen (the port is in use) must not
    // load the demo and print its passwords into a failure nobody reads.
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    if demo {
        crate::demo::load_if_empty(&services).await?;
    }
    services.schedule_periodic_jobs().await.map_err(describe)?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, engine = services.store().engine().name(), "hqdesk serving");
    eprintln!(
        "hqdesk: serving on http://{addr} (database {})",
        hqdesk_store::dialect::redact(&settings.database_url)
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = format!("{}:{}", std::process::id(), addr);
    let jobs = {
        let services = services.clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(async move {
            services
                .run_jobs(
                    hqdesk_services::mail::sender::registry(),
                    worker,
                    async move {
                        let _ = rx.changed().await;
                    },
                )
                .await;
        })
    };
    // SQLite's write-ahead log, checkpointed beside the writer rather than inside its commits.
    let checkpoints = {
        let store = services.store().clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(async move {
            store
                .run_wal_checkpoints(std::time::Duration::from_millis(200), async move {
                    let _ = rx.changed().await;
                })
                .await;
        })
    };
    // The email channel: one fetch loop per enabled mailbox, picked up from the database (a
    // mailbox added with `hqdesk mailbox add` or in the console starts within seconds).
    let mail = {
        let services = services.clone();
        let mut rx = stop_rx.clone();
        let cfg = hqdesk_services::mail::fetcher::FetcherConfig::new(format!(
            "{}:{}:{}",
            hostname(),
            std::process::id(),
            addr
        ));
        tokio::spawn(async move {
            hqdesk_services::mail::fetcher::run_supervisor(services, cfg, async move {
                let _ = rx.changed().await;
            })
            .await;
        })
    };
    // Asterisk's manager interface, when configured (settings from the environment: the secret
    // must not show in `ps`).
    let ami = match (
        std::env::var("HQDESK_AMI_ADDR"),
        std::env::var("HQDESK_AMI_USER"),
        std::env::var("HQDESK_AMI_SECRET"),
    ) {
        (Ok(addr), Ok(username), Ok(secret)) if !addr.is_empty() => {
            let cfg = hqdesk_services::ami::AmiConfig {
                addr,
                username,
                secret,
                reconnect_delay: std::time::Duration::from_secs(5),
            };
            let services = services.clone();
            let mut rx = stop_rx.clone();
            Some(tokio::spawn(async move {
                hqdesk_services::ami::run_ami(services, cfg, async move {
                    let _ = rx.changed().await;
                })
                .await;
            }))
        }
        _ => None,
    };
    // The signed telephony webhook's secret comes from the environment only: never a flag
    // (visible in `ps`) nor the config file.
    let web = hqdesk_web::WebConfig {
        telephony_secret: std::env::var("HQDESK_TELEPHONY_SECRET")
            .ok()
            .filter(|s| !s.is_empty()),
        // Links in mails (the portal's tracking link) start with this; without it, with the
        // address this server listens on.
        public_url: Some(
            std::env::var("HQDESK_PUBLIC_URL")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("http://{addr}")),
        ),
        trusted_proxies,
        // Reads /metrics from anywhere; without it only this machine may (environment only).
        metrics_token: std::env::var("HQDESK_METRICS_TOKEN")
            .ok()
            .filter(|s| !s.is_empty()),
        stopping: Some(stop_rx.clone()),
        limits: request_limits,
    };
    let app = hqdesk_web::router_with(services.clone(), web);
    hqdesk_web::serve(listener, app, connection_limits, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    })
    .await;
    let _ = jobs.await;
    let _ = mail.await;
    let _ = checkpoints.await;
    if let Some(ami) = ami {
        let _ = ami.await;
    }
    services.store().close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}

/// This machine's name, for the mail fetchers' leases (several nodes on one database).
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into())
}
