//! `hqdesk keys`: the escrow key of sealed reports, recovery with it, and the state of every
//! key on record (design note 006 §6).
use std::future::Future;
use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use hqdesk_services::vault::Rewrapped;
use hqdesk_services::{Actor, ServiceError, Services};
use hqdesk_vault::EscrowKeyPair;
use zeroize::Zeroizing;

use super::commands::{about_user, describe, rfc3339};
use super::KeysCommand;

/// Most bytes read from a pipe for an escrow key (the key is 95 characters).
const MAX_KEY_INPUT: u64 = 4096;

/// `hqdesk keys …`; `connect` opens the database, after the escrow key (if any) was read and
/// parsed, so that a mistyped key is refused before anything else happens.
pub async fn run<F, Fut>(cmd: KeysCommand, connect: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<Services>>,
{
    match cmd {
        KeysCommand::EscrowInit { rotate } => escrow_init(&connect().await?, rotate).await,
        KeysCommand::Status => status(&connect().await?).await,
        KeysCommand::EscrowRecover { user } => {
            let Some(key) = escrow_key_or_say_why() else {
                return Ok(ExitCode::from(1));
            };
            let services = connect().await?;
            let done = services.escrow_recover(&Actor::Cli, &key, &user).await;
            drop(key);
            report(done, &user, |d| {
                let what = if d.identities {
                    "reporters' identities"
                } else {
                    "sealed reports"
                };
                format!(
                    "{} {what} wrapped for {user}'s key {} with the escrow key {} ({} \
                     were already; {} wraps of {user}'s retired keys deleted; {} left out: \
                     they name {user}, their unit or their chain of command)",
                    d.rewrapped, d.key_id, d.escrow_key_id, d.already, d.dropped, d.excluded
                )
            })
        }
        KeysCommand::EscrowRewrap { drop_old } => {
            let Some(key) = escrow_key_or_say_why() else {
                return Ok(ExitCode::from(1));
            };
            let services = connect().await?;
            let done = services.escrow_rewrap(&Actor::Cli, &key, drop_old).await;
            drop(key);
            report(done, "", |d| {
                format!(
                    "{} sealed reports of the old escrow key {} wrapped for the current escrow \
                     key {} ({} were already; {} wraps of the old key deleted), and {} \
                     reporters' identities",
                    d.rewrapped,
                    d.escrow_key_id,
                    d.key_id,
                    d.already,
                    d.dropped,
                    d.identities_rewrapped
                )
            })
        }
    }
}

/// The escrow key from standard input, or None once the reason is printed.
fn escrow_key_or_say_why() -> Option<EscrowKeyPair> {
    match read_escrow_key() {
        Ok(key) => Some(key),
        Err(message) => {
            eprintln!("hqdesk: {message}");
            None
        }
    }
}

/// The printed escrow key, from standard input: typed at a terminal (asked for on standard
/// error, one line) or piped in. Never an argument: it would land in the shell's history and
/// in `ps`.
fn read_escrow_key() -> Result<EscrowKeyPair, String> {
    let stdin = std::io::stdin();
    // Room for all of it at once: the buffer is never moved, so wiping it wipes every copy.
    let mut text = Zeroizing::new(String::with_capacity(MAX_KEY_INPUT as usize + 1));
    let read = if stdin.is_terminal() {
        eprint!("Type the escrow key (HQDESK-ESCROW-1-…) from its paper, then Enter: ");
        stdin.lock().take(MAX_KEY_INPUT).read_line(&mut text)
    } else {
        stdin.lock().take(MAX_KEY_INPUT).read_to_string(&mut text)
    };
    read.map_err(|e| format!("reading the escrow key from standard input: {e}"))?;
    if text.trim().is_empty() {
        return Err(
            "no escrow key on standard input: run this in a terminal and type the key \
                    (HQDESK-ESCROW-1-…) when asked, or pipe it in. It is never taken as an \
                    argument, where it would land in the shell's history and in `ps`."
                .into(),
        );
    }
    EscrowKeyPair::from_printable(&text).map_err(|e| format!("{e}. Nothing was changed."))
}

/// Print what a recovery or re-wrap did; exit status 1 when it was refused or a report's wrap
/// did not open.
fn report(
    done: Result<Rewrapped, ServiceError>,
    user: &str,
    summary: impl FnOnce(&Rewrapped) -> String,
) -> anyhow::Result<ExitCode> {
    let d = match done {
        Ok(d) => d,
        Err(ServiceError::NotFound) if !user.is_empty() => {
            eprintln!(
                "hqdesk: {}; nothing was changed",
                about_user(user)(ServiceError::NotFound)
            );
            return Ok(ExitCode::from(1));
        }
        Err(ServiceError::Invalid(v)) => {
            for f in &v.0 {
                eprintln!("hqdesk: {}", f.message);
            }
            return Ok(ExitCode::from(1));
        }
        Err(
            e @ (ServiceError::Conflict { .. }
            | ServiceError::Unavailable(_)
            | ServiceError::Forbidden(_)),
        ) => {
            eprintln!("hqdesk: {}", describe(e));
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(describe(e)),
    };
    eprintln!("hqdesk: {}", summary(&d));
    if d.still_missing > 0 {
        eprintln!(
            "hqdesk: {} sealed reports are wrapped for another escrow key, not for {user}'s: run \
             this again with that key's paper (or `hqdesk keys escrow-rewrap` with it first)",
            d.still_missing
        );
    }
    if d.failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "hqdesk: the escrow wrap of {} sealed reports does not open (altered in the database?), \
         they were left as they were: {}",
        d.failed.len(),
        d.failed.join(", ")
    );
    Ok(ExitCode::from(1))
}

/// `hqdesk keys escrow-init [--rotate]`: the private half on standard output, once.
#[allow(clippy::print_stdout)] // the key is the point
async fn escrow_init(services: &Services, rotate: bool) -> anyhow::Result<ExitCode> {
    match services.escrow_init(&Actor::Cli, rotate).await {
        Ok(made) => {
            println!("{}", &*made.key.to_printable());
            eprintln!(
                "hqdesk: escrow key {} made{}. The line above is its private half, shown this \
                 once: write it down or print it, check it, and keep it offline in a safe under \
                 two people's control. It is not stored anywhere; without it a report whose \
                 investigators lost their passwords cannot be read, and with a copy of the \
                 database it reads every sealed report.",
                made.key.key_id(),
                match &made.retired {
                    Some(old) => format!(" (escrow key {old} retired: keep its paper until every report is wrapped for the new key)"),
                    None => String::new(),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Conflict { message, .. }) => {
            eprintln!("hqdesk: {message}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(describe(e)),
    }
}

/// `hqdesk keys status`: ids, times and MAC checks; exit status 1 when something is wrong.
#[allow(clippy::print_stdout)] // the command line's output
async fn status(services: &Services) -> anyhow::Result<ExitCode> {
    let status = services.key_status(&Actor::Cli).await.map_err(describe)?;
    let mut ok = true;
    let mac = |good: bool| if good { "mac ok" } else { "MAC FAILS" };
    match &status.escrow {
        Some(e) => {
            ok &= e.mac_ok;
            println!(
                "escrow\t{}\t{}\t{}\t{} reports",
                e.key_id,
                rfc3339(e.created_at.millis()),
                mac(e.mac_ok),
                status.escrow_cases
            );
        }
        None => {
            ok = false;
            println!("escrow\tnone: run `hqdesk keys escrow-init`");
        }
    }
    for r in &status.retired_escrows {
        let note = if r.not_rewrapped > 0 {
            format!(
                "{} reports not yet wrapped for the current escrow key: keep its paper and run \
                 `hqdesk keys escrow-rewrap`",
                r.not_rewrapped
            )
        } else {
            "every report also wrapped for the current escrow key".to_string()
        };
        ok &= r.key.mac_ok;
        println!(
            "escrow retired\t{}\t{}\t{}\t{note}",
            r.key.key_id,
            rfc3339(r.key.created_at.millis()),
            mac(r.key.mac_ok)
        );
    }
    for i in &status.investigators {
        let state = if i.active { "" } else { "\tinactive" };
        let (role, what) = if i.custodian {
            ("custodian", "identities")
        } else {
            ("investigator", "reports")
        };
        match (&i.key_id, i.created_at) {
            (Some(id), Some(at)) => {
                ok &= i.mac_ok || !i.active;
                println!(
                    "{role} {}\t{id}\t{}\t{}\t{} {what}\t{} to recover{state}",
                    i.username,
                    rfc3339(at.millis()),
                    mac(i.mac_ok),
                    i.cases,
                    i.to_recover
                );
            }
            _ => println!(
                "{role} {}\tno key pair yet (made at their next sign-in or password set){state}",
                i.username
            ),
        }
    }
    println!(
        "reports wrapped for the escrow only\t{}{}",
        status.escrow_only,
        if status.escrow_only > 0 {
            "\tno investigator can open them: `hqdesk keys escrow-recover --user NAME`"
        } else {
            ""
        }
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
