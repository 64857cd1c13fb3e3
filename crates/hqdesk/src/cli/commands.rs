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

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_filter)
        .unwrap_or_else(|_| crate::config::DEFAULT_LOG_FILTER.into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[allow(clippy::print_stdout)] // the command line's output
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = FileConfig::load(cli.config.as_deref())?;
    let settings = Settings::resolve(&cli, &crate::config::process_env, &file)?;
    init_logging(&settings);
    tracing::debug!(?settings, "settings in force");
    // Every command opens the database the same way, with the keys of the same key file.
    let key_file = settings.secret_key_file.clone();
    let connect = |url: &str| {
        let url = url.to_string();
        let key_file = key_file.clone();
        async move { connect(&url, &key_file).await }
    };
    match cli.command {
        Command::Serve { demo, .. } => {
            let serve = settings.serve.as_ref().context("the server's settings")?;
            let services = connect(&settings.database_url).await?;
            crate::serve::run(&settings, serve, services, demo).await?;
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
            email,
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
                        email,
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
                .map_err(about_user(&name))?;
            if password_stdin {
                eprintln!("hqdesk: new password set for {name}; their sessions ended");
            } else {
                println!("{set}");
            }
        }
        Command::User(UserCommand::Email { name, address }) => {
            let services = connect(&settings.database_url).await?;
            let user = services
                .update_user(
                    &Actor::Cli,
                    &name,
                    UpdateUser {
                        email: Some(Some(address).filter(|a| !a.trim().is_empty())),
                        ..Default::default()
                    },
                )
                .await
                .map_err(about_user(&name))?;
            match &user.email {
                Some(a) => eprintln!("hqdesk: notifications of {} go to {a}", user.username),
                None => eprintln!("hqdesk: {} has no notification address", user.username),
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
        Command::Keys(cmd) => {
            return super::keys::run(cmd, || connect(&settings.database_url)).await;
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
        Command::Triage => {
            let services = connect(&settings.database_url).await?;
            return crate::triage_cli::run(&services).await;
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
pub(crate) fn rfc3339(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A service error as a sentence for the operator, with each invalid field.
pub(crate) fn describe(e: hqdesk_services::ServiceError) -> anyhow::Error {
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

/// A service error about the user `name`, for the operator: "not found" names the user.
pub(crate) fn about_user(
    name: &str,
) -> impl FnOnce(hqdesk_services::ServiceError) -> anyhow::Error + '_ {
    move |e| match e {
        hqdesk_services::ServiceError::NotFound => {
            anyhow::anyhow!("there is no user named {name:?}")
        }
        other => describe(other),
    }
}
