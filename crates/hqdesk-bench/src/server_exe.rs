//! The `hqdesk` binary the suite starts as its server: the benchmarks measure the real one.
use std::path::PathBuf;

use anyhow::Context;

/// The server binary's file name on this platform.
pub const SERVER_FILE_NAME: &str = if cfg!(windows) {
    "hqdesk.exe"
} else {
    "hqdesk"
};

/// `hqdesk` in the directory of the running executable: `cargo build` puts both binaries of
/// the workspace in `target/<profile>/`.
pub fn beside_this_executable() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating the hqdesk-bench executable")?;
    let dir = me
        .parent()
        .context("the hqdesk-bench executable has no directory")?;
    Ok(dir.join(SERVER_FILE_NAME))
}
