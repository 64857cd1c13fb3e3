//! `hqdesk serve`: the wiring of the server from its settings: the data directory, the listener,
//! the background jobs (job queue, WAL checkpoints, mail fetchers, Asterisk), the HTTP app, and
//! a graceful stop on SIGTERM or Ctrl-C.
use anyhow::Context;
use hqdesk_services::Services;

use crate::config::{ServeSettings, Settings};

/// Serve until a stop signal, then wait for the background tasks and close the database.
pub async fn run(
    settings: &Settings,
    serve: &ServeSettings,
    services: Services,
    demo: bool,
) -> anyhow::Result<()> {
    let mut connection_limits = serve.connection_limits.clone();
    connection_limits.max_connections =
        crate::open_files::fit_connections(connection_limits.max_connections);
    let blobs = settings.data_dir.join("blobs");
    std::fs::create_dir_all(&blobs)
        .with_context(|| format!("creating the data directory {}", blobs.display()))?;
    let services = services.with_blobs(hqdesk_store::blobs::BlobStore::new(blobs));
    // Listen before loading the demo: a start that cannot listen (the port is in use) must not
    // load the demo and print its passwords into a failure nobody reads.
    let listener = tokio::net::TcpListener::bind(&serve.listen)
        .await
        .with_context(|| format!("listening on {}", serve.listen))?;
    if demo {
        crate::demo::load_if_empty(&services).await?;
    }
    services
        .schedule_periodic_jobs()
        .await
        .map_err(crate::cli::describe)?;
    let addr = listener.local_addr()?;
    let public_url = serve
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let services = services.with_public_url(&public_url);
    tracing::info!(%addr, engine = services.store().engine().name(), "hqdesk serving");
    eprintln!(
        "hqdesk: serving on http://{addr} (database {})",
        hqdesk_store::dialect::redact(&settings.database_url)
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |rx: &tokio::sync::watch::Receiver<bool>| {
        let mut rx = rx.clone();
        async move {
            let _ = rx.changed().await;
        }
    };
    let worker = format!("{}:{}", std::process::id(), addr);
    let jobs = {
        let services = services.clone();
        let stop = stopped(&stop_rx);
        tokio::spawn(async move {
            services
                .run_jobs(hqdesk_services::mail::sender::registry(), worker, stop)
                .await;
        })
    };
    // SQLite's write-ahead log, checkpointed beside the writer rather than inside its commits.
    let checkpoints = {
        let store = services.store().clone();
        let stop = stopped(&stop_rx);
        tokio::spawn(async move {
            store
                .run_wal_checkpoints(std::time::Duration::from_millis(200), stop)
                .await;
        })
    };
    // The email channel: one fetch loop per enabled mailbox, picked up from the database (a
    // mailbox added with `hqdesk mailbox add` or in the console starts within seconds).
    let mail = {
        let services = services.clone();
        let stop = stopped(&stop_rx);
        let cfg = hqdesk_services::mail::fetcher::FetcherConfig::new(format!(
            "{}:{}:{}",
            hostname(),
            std::process::id(),
            addr
        ));
        tokio::spawn(async move {
            hqdesk_services::mail::fetcher::run_supervisor(services, cfg, stop).await;
        })
    };
    let ami = serve.ami.as_ref().map(|ami| {
        let cfg = hqdesk_services::ami::AmiConfig {
            addr: ami.addr.clone(),
            username: ami.user.clone(),
            secret: ami.secret.expose().to_string(),
            reconnect_delay: std::time::Duration::from_secs(5),
        };
        let services = services.clone();
        let stop = stopped(&stop_rx);
        tokio::spawn(async move {
            hqdesk_services::ami::run_ami(services, cfg, stop).await;
        })
    });
    let web = hqdesk_web::WebConfig {
        telephony_secret: serve.telephony_secret.clone(),
        public_url: Some(public_url),
        trusted_proxies: serve.trusted_proxies.clone(),
        metrics_token: serve.metrics_token.clone(),
        stopping: Some(stop_rx.clone()),
        limits: serve.request_limits.clone(),
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
