//! The command line. `hqdesk --help` and each subcommand's `--help` explain themselves.
mod audit;
mod commands;
mod keys;
mod secret_keys;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use hqdesk_domain::input;

pub use commands::connect;
pub(crate) use commands::describe;

#[derive(Debug, Parser)]
#[command(
    name = "hqdesk",
    version,
    about = "hqdesk: contact centre, helpdesk and integrity-report platform for a customs administration",
    long_about = "hqdesk: contact centre, helpdesk and integrity-report platform for a customs administration.\n\n\
    Start with `hqdesk serve --demo` for a living demo on an embedded SQLite file, then read the API at \
    http://127.0.0.1:8080/api/v1/openapi.json."
)]
pub struct Cli {
    /// TOML configuration file (keys: the README's Configuration table).
    #[arg(long, global = true, env = "HQDESK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH (created when missing) or postgres://USER:PASS@HOST/DB.
    // Its value may hold a password: --help does not show the variable's value.
    #[arg(
        long,
        global = true,
        env = "HQDESK_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: Option<String>,
    /// Directory for attachments and other files (created when missing).
    #[arg(long, global = true, env = "HQDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<String>,
    /// Log format: text or json.
    #[arg(long, global = true, env = "HQDESK_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Which log lines are written, e.g. `warn` or `info,sqlx=warn` [default:
    /// info,sqlx=warn,tower_http=info].
    #[arg(long, global = true, env = "HQDESK_LOG", value_name = "FILTER")]
    pub log_filter: Option<String>,
    /// The secret key file, used when HQDESK_SECRET_KEY is not set (default: secret.key in the
    /// data directory, created on the first start with mode 0600).
    #[arg(
        long,
        global = true,
        env = "HQDESK_SECRET_KEY_FILE",
        value_name = "FILE"
    )]
    pub secret_key_file: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (API, health, metrics and background jobs). Migrates the database first.
    ///
    /// Secrets have no flag, since flags show in `ps`: set HQDESK_TELEPHONY_SECRET,
    /// HQDESK_AMI_SECRET and HQDESK_METRICS_TOKEN in the environment, or telephony_secret,
    /// ami_secret and metrics_token in the --config file.
    Serve {
        #[command(flatten)]
        args: ServeArgs,
        /// Fill an empty database with Vietnamese demo data and print the demo users' passwords
        /// (printed once: later starts say how to set a new one with `hqdesk user password`).
        #[arg(long)]
        demo: bool,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Manage staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit log and export signed checkpoints of it.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The secret key that seals stored secrets and keys the audit log.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// The keys of sealed reports: the escrow key and investigators' key pairs.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The knowledge base and procedures catalogue of the public portal.
    #[command(subcommand)]
    Kb(KbCommand),
    /// The email channel's mailboxes (IMAP in, SMTP out).
    #[command(subcommand)]
    Mailbox(MailboxCommand),
    /// Read texts as the triage does: JSON lines `{"text": "…"}` on standard input, one JSON
    /// line out for each (kind, branch, topic, confidential, abusive, confidences, and `kb`: the
    /// slugs of the three best published articles of --database, or of the built-in starter set
    /// when it has none). A line that does not parse gets an error line naming it.
    Triage,
}

/// The server's settings (`serve`); each defaults to the TOML file, then to a built-in value
/// (see the README's Configuration table).
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HQDESK_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// The address visitors use (links in mails start with it); https://… also turns on HSTS
    /// and Secure cookies [default: http:// and the address listened on].
    #[arg(long, env = "HQDESK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Reverse proxies trusted to name the client in X-Forwarded-For: addresses or CIDR
    /// networks, comma-separated [default: none, the header is ignored].
    #[arg(long, env = "HQDESK_TRUSTED_PROXIES", value_name = "LIST")]
    pub trusted_proxies: Option<String>,
    /// Asterisk's manager interface to follow, HOST:PORT (with --ami-user and
    /// HQDESK_AMI_SECRET) [default: none, not connected].
    #[arg(long, env = "HQDESK_AMI_ADDR", value_name = "HOST:PORT")]
    pub ami_addr: Option<String>,
    /// The manager interface's user; its secret comes from HQDESK_AMI_SECRET or the config
    /// file's ami_secret, never a flag.
    #[arg(long, env = "HQDESK_AMI_USER", value_name = "USER")]
    pub ami_user: Option<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Limits on connections and requests (`serve`); each defaults to the TOML file, then to a
/// built-in value (see the README's Configuration table).
#[derive(Debug, Default, clap::Args)]
pub struct LimitArgs {
    /// Largest request body of a route that takes no files, in bytes [default: 1048576].
    #[arg(long, env = "HQDESK_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Seconds a client has to send a request body [default: 120].
    #[arg(long, env = "HQDESK_BODY_TIMEOUT", value_name = "SECONDS")]
    pub body_timeout: Option<u64>,
    /// Seconds a connection has to send a request head after opening or after its previous
    /// response (the keep-alive idle time) [default: 10].
    #[arg(long, env = "HQDESK_HEADER_TIMEOUT", value_name = "SECONDS")]
    pub header_timeout: Option<u64>,
    /// Open connections at most; lowered to what the open-file limit allows [default: 4096].
    #[arg(long, env = "HQDESK_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
    /// Requests handled at once; more wait 2 seconds, then get 503 [default: 128].
    #[arg(long, env = "HQDESK_MAX_REQUESTS", value_name = "N")]
    pub max_requests: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff user.
    Add {
        /// Username: 2–64 lowercase letters, digits, '.', '_' or '-'.
        name: String,
        /// agent, hotline, investigator, unit_officer, supervisor, admin or custodian.
        #[arg(long)]
        role: String,
        /// Read the password (12–128 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Full name shown to colleagues.
        #[arg(long)]
        display_name: Option<String>,
        /// Code of the user's unit.
        #[arg(long)]
        unit: Option<String>,
        /// Where the user's notifications (escalation steps) are mailed.
        #[arg(long)]
        email: Option<String>,
    },
    /// Set the address a user's notifications are mailed to; an empty address ("") removes it.
    Email { name: String, address: String },
    /// Set a new password for a user: generated and printed (alone) on standard output, or read
    /// with --password-stdin. The user's sessions end and a lock-out is lifted; audited.
    Password {
        name: String,
        /// Read the password (12–128 characters) from the first line of standard input instead
        /// of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a user another role. This is the only way to appoint an investigator (a role that
    /// sees denunciations) or a custodian (who opens reporters' identities to investigators):
    /// the console and the API refuse it. An appointment takes a new
    /// password (--password-stdin) and ends the user's second factor, sessions and tokens, so
    /// that nothing set up before it carries over; the user enrols a new authenticator at their
    /// next sign-in.
    Role {
        name: String,
        /// agent, hotline, investigator, unit_officer, supervisor, admin or custodian.
        role: String,
        /// Read the new password (12–128 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for a user and print it (alone) on standard output. It is shown once.
    /// Its id and expiry go to standard error.
    Issue {
        name: String,
        /// What the token is for (e.g. the integration that uses it).
        #[arg(long, default_value = "cli")]
        label: String,
        /// How long the token works: days or weeks, e.g. 90d or 12w (at most 730d). A year by
        /// default: rotate it with the telephone system's yearly maintenance.
        #[arg(long, value_name = "LIFETIME", default_value = "365d")]
        expires: String,
    },
    /// List every API token (id, user, label, issued, expires, revoked); never the tokens.
    List,
    /// Revoke one token by the id `token list` shows; it stops working at once.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Import articles (`*.md` with front matter) and `procedures.toml` from a directory, or the
    /// starter set built into hqdesk when no directory is given. Re-importing updates in place.
    Import {
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailboxCommand {
    /// Add a mailbox. A running `hqdesk serve` starts fetching it within seconds.
    ///
    /// URLs: imap://USER:PASS@HOST:PORT/FOLDER or imaps://… (implicit TLS); smtp://[USER:PASS@]HOST:PORT
    /// or smtps://… (implicit TLS). On imap:// and smtp:// STARTTLS is required unless
    /// --insecure-plain, which is accepted for loopback hosts only. Percent-encode '@' and ':' in
    /// user names and passwords (%40, %3A).
    Add {
        /// A short name for the mailbox (letters, digits, '.', '_', '-', '@').
        name: String,
        /// The address requesters write to; replies are sent from it.
        #[arg(long)]
        address: String,
        /// Where mail is fetched from.
        #[arg(long, value_name = "URL")]
        imap: String,
        /// Where replies and notifications are sent through.
        #[arg(long, value_name = "URL")]
        smtp: String,
        /// Allow plain text (no TLS) to a server on this machine (localhost, 127.0.0.1, ::1).
        #[arg(long)]
        insecure_plain: bool,
        /// Branch (1 or 2) of cases opened from this mailbox when intake cannot tell.
        #[arg(long)]
        branch: Option<String>,
        /// Category code of cases opened from this mailbox when intake cannot tell.
        #[arg(long)]
        category: Option<String>,
        /// Add it disabled (nothing is fetched until it is enabled in the console).
        #[arg(long)]
        disabled: bool,
    },
    /// List mailboxes with their sync state (passwords are not shown).
    List,
    /// Log in to the mailbox's IMAP and SMTP servers without fetching or sending; exit status 1
    /// when either fails.
    Test { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain of the audit log; exit with status 1 and name the first broken row.
    /// With --checkpoint, also hold the log against checkpoints made earlier: a cut tail or a
    /// rewritten row exits with status 1 too.
    Verify {
        /// A file of checkpoints from `hqdesk audit checkpoint` (one a line); may be repeated.
        #[arg(long, value_name = "FILE")]
        checkpoint: Vec<PathBuf>,
    },
    /// Verify the chain, then print a signed checkpoint of its last row (one line of JSON) to
    /// keep off this machine; `audit verify --checkpoint` checks it later.
    Checkpoint {
        /// Append the checkpoint to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the escrow key and print its private half, once, on standard output: write it on
    /// paper (or print it) and keep it offline, in a safe under two people's control. Every
    /// sealed report is also wrapped for it, so that a lost password loses nothing. Refused when
    /// an escrow key exists, unless --rotate.
    EscrowInit {
        /// Replace the escrow key on record (the old one is retired: keep its paper until every
        /// report is wrapped for the new one).
        #[arg(long)]
        rotate: bool,
    },
    /// Give an investigator back every sealed report, with the escrow key: after an operator set
    /// their new password (`hqdesk user password`, which makes a new key pair), every report
    /// wrapped for the escrow key is wrapped for their new key. The escrow key (the printed
    /// HQDESK-ESCROW-1-… text) is read from standard input, never from the command line (it
    /// would land in the shell's history and in `ps`): run it in a terminal and type it when
    /// asked. Either the current escrow key or one retired by `escrow-init --rotate`. Running it
    /// again adds nothing; audited (no key material).
    ///
    /// For a custodian, the same with the reporters' identities (the identity vault).
    EscrowRecover {
        /// The investigator (or custodian) who gets the reports (or identities) back.
        #[arg(long, value_name = "NAME")]
        user: String,
    },
    /// After `escrow-init --rotate`: wrap every sealed report wrapped for the old escrow key for
    /// the current one too. The OLD escrow key is read from standard input like
    /// `escrow-recover`'s. Running it again adds nothing; audited (no key material).
    EscrowRewrap {
        /// Also delete each report's wrap for the old key once it is wrapped for the current one
        /// (then the old paper opens nothing new: destroy it).
        #[arg(long)]
        drop_old: bool,
    },
    /// Print the escrow key id and each investigator's key id, creation time and whether its
    /// MAC verifies (no secret), with how many reports each key opens and how many reports
    /// only the escrow opens. Exit status 1 when a MAC fails or no escrow key exists.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Make a new secret key current and seal every stored secret again under it. With the key
    /// file: the new key is added first to the file, the old ones kept after it (they verify the
    /// audit rows written under them). With HQDESK_SECRET_KEY: put the new key first in the
    /// variable yourself (`openssl rand -base64 32`), then run this.
    Rotate,
}

pub async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    if let Err(e) = check_arguments(&matches) {
        eprintln!("hqdesk: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match commands::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hqdesk: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Every argument, of the subcommands too, obeys the input rule for one-line text
/// (`hqdesk_domain::input`): a control character in a name or a URL is refused before anything
/// is stored.
fn check_arguments(matches: &clap::ArgMatches) -> Result<(), String> {
    for id in matches.ids() {
        let Ok(Some(values)) = matches.try_get_raw(id.as_str()) else {
            continue;
        };
        for value in values {
            let value = value.to_string_lossy();
            input::check(&value, input::Shape::Line)
                .map_err(|e| format!("argument {}: {e}", id.as_str().replace('_', "-")))?;
        }
    }
    match matches.subcommand() {
        Some((_, sub)) => check_arguments(sub),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_with_control_characters_are_refused() {
        let args = |display: &str| {
            Cli::command().get_matches_from([
                "hqdesk",
                "user",
                "add",
                "an.nguyen",
                "--role",
                "agent",
                "--display-name",
                display,
            ])
        };
        assert_eq!(check_arguments(&args("Nguyễn Văn An")), Ok(()));
        let e = check_arguments(&args("An\u{1b}[2J")).unwrap_err();
        assert!(
            e.starts_with("argument display-name: contains a control character (U+001B)"),
            "{e}"
        );
        assert!(check_arguments(&args("An\nB")).is_err());
    }

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
