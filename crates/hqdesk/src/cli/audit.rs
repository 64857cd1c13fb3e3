//! `hqdesk audit verify` and `hqdesk audit checkpoint`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use hqdesk_domain::audit::checkpoint::Checkpoint;
use hqdesk_services::Services;
use hqdesk_store::audit::Verification;

fn describe(e: hqdesk_services::ServiceError) -> anyhow::Error {
    anyhow::anyhow!(e.to_string())
}

/// Walk the chain, then hold it against the checkpoint files given.
#[allow(clippy::print_stdout)] // the command line's output
pub async fn verify(services: &Services, checkpoint_files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    match services.verify_audit().await.map_err(describe)? {
        Verification::Intact {
            entries,
            unkeyed,
            head_seq,
            head,
        } => {
            println!(
                "audit log intact: {entries} entries ({unkeyed} from before the secret key, \
                 unkeyed), head seq {head_seq} {head}"
            );
        }
        Verification::Broken(b) => {
            println!("audit log BROKEN at seq {}: {}", b.seq, b.reason);
            return Ok(ExitCode::from(1));
        }
    }
    let mut failed = false;
    for file in checkpoint_files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading checkpoints from {}", file.display()))?;
        let checkpoints = Checkpoint::parse_lines(&text)
            .with_context(|| format!("checkpoints in {}", file.display()))?;
        let problems = services
            .check_audit_checkpoints(&checkpoints)
            .await
            .map_err(describe)?;
        for p in &problems {
            println!("checkpoint FAILED ({}): {p}", file.display());
        }
        if problems.is_empty() {
            println!(
                "{}: {} checkpoint(s) hold",
                file.display(),
                checkpoints.len()
            );
        }
        failed |= !problems.is_empty();
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Sign the head of a verified chain; print it or append it to `output`.
#[allow(clippy::print_stdout)] // the command line's output
pub async fn checkpoint(services: &Services, output: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let cp = match services.audit_checkpoint().await.map_err(describe)? {
        Ok(cp) => cp,
        Err(b) => {
            println!(
                "audit log BROKEN at seq {}: {} (no checkpoint made)",
                b.seq, b.reason
            );
            return Ok(ExitCode::from(1));
        }
    };
    match output {
        None => println!("{}", cp.to_line()),
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("opening {}", path.display()))?;
            writeln!(f, "{}", cp.to_line())
                .and_then(|()| f.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "hqdesk: checkpoint of seq {} appended to {}",
                cp.seq,
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
