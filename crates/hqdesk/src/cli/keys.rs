//! `hqdesk keys`: the escrow key of sealed reports and the state of every key on record
//! (design note 006 §6).
use std::process::ExitCode;

use hqdesk_services::{Actor, ServiceError, Services};

use super::commands::{describe, rfc3339};

/// `hqdesk keys escrow-init [--rotate]`: the private half on standard output, once.
#[allow(clippy::print_stdout)] // the key is the point
pub async fn escrow_init(services: &Services, rotate: bool) -> anyhow::Result<ExitCode> {
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
pub async fn status(services: &Services) -> anyhow::Result<ExitCode> {
    let status = services.key_status(&Actor::Cli).await.map_err(describe)?;
    let mut ok = true;
    let mac = |good: bool| if good { "mac ok" } else { "MAC FAILS" };
    match &status.escrow {
        Some(e) => {
            ok &= e.mac_ok;
            println!(
                "escrow\t{}\t{}\t{}",
                e.key_id,
                rfc3339(e.created_at.millis()),
                mac(e.mac_ok)
            );
        }
        None => {
            ok = false;
            println!("escrow\tnone: run `hqdesk keys escrow-init`");
        }
    }
    for i in &status.investigators {
        let state = if i.active { "" } else { "\tinactive" };
        match (&i.key_id, i.created_at) {
            (Some(id), Some(at)) => {
                ok &= i.mac_ok || !i.active;
                println!(
                    "investigator {}\t{id}\t{}\t{}{state}",
                    i.username,
                    rfc3339(at.millis()),
                    mac(i.mac_ok)
                );
            }
            _ => println!(
                "investigator {}\tno key pair yet (made at their next sign-in or password set){state}",
                i.username
            ),
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
