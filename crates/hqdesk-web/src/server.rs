//! The server's connections: how many may be open, and how long one may take to send a request
//! head, when it opens and between requests (keep-alive). `axum::serve` sets neither: a
//! connection that never finishes its headers, or sits idle, stays open for ever, until the
//! process runs out of file descriptors. Connections are served here with hyper (HTTP/1.1).
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::Service;

/// How old a connection must be before it is closed to make room.
const MIN_AGE_TO_SHED: Duration = Duration::from_millis(250);

/// Limits on connections (see the README's Configuration table).
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// A connection must send a whole request head within this time of opening and of its
    /// previous response; otherwise it is closed. This is also the keep-alive idle timeout.
    pub header_timeout: Duration,
    /// Open connections at most. At the limit, connections idle between requests are closed to
    /// make room, and new ones wait in the listen backlog until one has gone.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            max_connections: 4096,
        }
    }
}

/// Serve `app` on `listener` until `shutdown` completes, then let open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Bumped when the server is full: connections idle between requests close.
    let (shed_tx, shed_rx) = watch::channel(0u64);
    // Set when the server stops: every connection closes after its current request.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection limit reached: closing idle connections"
                );
                // Asked again while full: connections too young to be shed at first are by then.
                let permit = loop {
                    shed_tx.send_modify(|n| *n += 1);
                    tokio::select! {
                        p = slots.clone().acquire_owned() => break p.ok(),
                        () = tokio::time::sleep(MIN_AGE_TO_SHED) => {}
                        () = &mut shutdown => break None,
                    }
                };
                match permit {
                    Some(p) => p,
                    None => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or the peer went away before the accept: wait a
                    // little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = match make_service.call(peer).await {
            Ok(s) => s,
            Err(never) => match never {},
        };
        // Only what is signalled from now on concerns this connection.
        let (mut shed, mut stop) = (shed_rx.clone(), stop_rx.clone());
        shed.mark_unchanged();
        stop.mark_unchanged();
        connections.spawn(serve_connection(
            stream,
            TowerToHyperService::new(service),
            limits.header_timeout,
            (shed, stop),
            permit,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<S>(
    stream: TcpStream,
    service: S,
    header_timeout: Duration,
    (mut shed, mut stop): (watch::Receiver<u64>, watch::Receiver<bool>),
    _slot: OwnedSemaphorePermit,
) where
    S: hyper::service::HttpService<hyper::body::Incoming> + Send,
    S::Future: Send,
    S::ResBody: Send + 'static,
    <S::ResBody as hyper::body::Body>::Data: Send,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let opened = tokio::time::Instant::now();
    let mut closing = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            Ok(()) = shed.changed(), if !closing => {
                // One just accepted may not have been read yet: it is left its first request
                // (the server asks again while it is full).
                if opened.elapsed() >= MIN_AGE_TO_SHED {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            Ok(()) = stop.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}
