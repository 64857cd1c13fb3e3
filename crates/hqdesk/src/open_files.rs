//! The open-file limit: every connection is a file descriptor. Linux starts a process with a
//! soft limit of 1,024 (often) while allowing much more; `serve` raises it to the hard limit
//! and keeps the connection limit below it, so that accepting never fails with "Too many open
//! files" (which also stops `/healthz` from answering).

/// Descriptors kept for everything but client connections: database connections, attachment
/// files, mail connections, logs.
const RESERVED: u64 = 256;

/// Raise the soft open-file limit as far as allowed and return `wanted`, lowered (with a
/// warning) to what the limit leaves for connections.
pub fn fit_connections(wanted: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "could not read or raise the open-file limit");
            return wanted;
        }
    };
    let room = usize::try_from(limit.saturating_sub(RESERVED).max(16)).unwrap_or(usize::MAX);
    if wanted > room {
        tracing::warn!(
            open_file_limit = limit,
            max_connections = room,
            "the open-file limit allows fewer connections than configured; raise it (ulimit -n, \
             systemd LimitNOFILE=) to allow more"
        );
        room
    } else {
        tracing::info!(
            open_file_limit = limit,
            max_connections = wanted,
            "connection limit"
        );
        wanted
    }
}
