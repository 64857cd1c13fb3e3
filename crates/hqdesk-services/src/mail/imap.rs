//! The IMAP side of a mailbox: connect (TLS, STARTTLS, or plain text on loopback when allowed),
//! LOGIN, SELECT, list the UIDs above the last one ingested, fetch one message's raw bytes
//! without touching `\Seen` (`BODY.PEEK[]`), mark it once it is committed, and IDLE when the
//! server offers it.
//!
//! The server announces new mail (`* n EXISTS`) in the answer to whatever command is running:
//! during a fetch, or just before IDLE starts. async-imap puts those announcements in the
//! session's unsolicited channel, not in IDLE's stream, so [`ImapSession::take_news`] and
//! [`ImapSession::wait`] read that channel: mail announced before IDLE wakes it at once.
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::types::UnsolicitedResponse;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::transport::{ImapTarget, Security};

/// The keyword set on a message once its case is committed. Only informative: the sync goes by
/// UID, so a mail someone else read or flagged is ingested all the same.
pub const INGESTED_KEYWORD: &str = "$HqdeskIngested";

/// What went wrong, as a sentence for the console; `auth` tells a refused login (retrying does
/// not help until someone fixes the password) from a network or server fault.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ImapError {
    pub message: String,
    pub auth: bool,
}

impl ImapError {
    fn new(message: impl Into<String>) -> Self {
        ImapError {
            message: message.into(),
            auth: false,
        }
    }
}

fn imap_err(what: &str, e: async_imap::error::Error) -> ImapError {
    ImapError::new(format!("IMAP {what}: {e}"))
}

/// A TCP or TLS stream (async-imap wants one concrete type).
pub enum MailStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for MailStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailStream::Plain(_) => f.write_str("MailStream::Plain"),
            MailStream::Tls(_) => f.write_str("MailStream::Tls"),
        }
    }
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// TLS client settings: the system's trusted roots (so an internal CA installed on the host
/// works), aws-lc-rs.
pub fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        let _ = roots.add(cert);
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS settings: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn tls_wrap(tcp: TcpStream, host: &str) -> Result<MailStream, ImapError> {
    let connector = tls_connector().map_err(ImapError::new)?;
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|e| ImapError::new(format!("TLS: invalid server name {host}: {e}")))?;
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| ImapError::new(format!("TLS handshake with {host}: {e}")))?;
    Ok(MailStream::Tls(Box::new(tls)))
}

/// Timeouts for one connection.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Any single command (a fetch of a large message included).
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(15),
            command: Duration::from_secs(120),
        }
    }
}

async fn within<T>(
    limit: Duration,
    what: &str,
    fut: impl std::future::Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| ImapError::new(format!("IMAP {what}: no answer within {limit:?}")))?
}

/// The state of the selected folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub uidvalidity: u32,
    pub uidnext: Option<u32>,
    pub exists: u32,
}

/// Empty the unsolicited channel; true when it held an announcement of new or removed mail.
fn drain_news(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> bool {
    let mut news = false;
    while let Some(r) = next() {
        news |= matches!(
            r,
            UnsolicitedResponse::Exists(_)
                | UnsolicitedResponse::Recent(_)
                | UnsolicitedResponse::Expunge(_)
        );
    }
    news
}

/// A logged-in IMAP session.
pub struct ImapSession {
    session: async_imap::Session<MailStream>,
    idle: bool,
    timeouts: Timeouts,
    /// `STARTTLS`, `TLS` or `plain text`, for the test-connection report.
    pub security: &'static str,
}

fn offers_starttls(resp: &async_imap::imap_proto::Response<'_>) -> Option<bool> {
    use async_imap::imap_proto::{Capability, Response, ResponseCode};
    match resp {
        Response::Data { outcome, .. } => match &outcome.code {
            Some(ResponseCode::Capabilities(caps)) => Some(caps.iter().any(|c| match c {
                Capability::Atom(a) => a.eq_ignore_ascii_case("STARTTLS"),
                _ => false,
            })),
            _ => None,
        },
        _ => None,
    }
}

/// Connect and log in.
pub async fn connect(target: &ImapTarget, timeouts: Timeouts) -> Result<ImapSession, ImapError> {
    let addr = format!("{}:{}", target.host, target.port);
    let tcp = tokio::time::timeout(timeouts.connect, TcpStream::connect(&addr))
        .await
        .map_err(|_| {
            ImapError::new(format!(
                "IMAP: no connection to {addr} within {:?}",
                timeouts.connect
            ))
        })?
        .map_err(|e| ImapError::new(format!("IMAP: cannot connect to {addr}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let (stream, security) = match target.security {
        Security::Tls => (
            within(timeouts.connect, "TLS", tls_wrap(tcp, &target.host)).await?,
            "TLS",
        ),
        Security::StartTls { allow_plain } => {
            within(timeouts.connect, "STARTTLS", async {
                let mut client = async_imap::Client::new(MailStream::Plain(tcp));
                let greeting = client
                    .read_response()
                    .await
                    .map_err(|e| ImapError::new(format!("IMAP greeting: {e}")))?
                    .ok_or_else(|| ImapError::new("IMAP: the server closed the connection"))?;
                let offered = offers_starttls(greeting.parsed());
                let started = if offered == Some(false) {
                    false
                } else {
                    // Unknown (no capabilities in the greeting): ask; NO/BAD means "not offered".
                    client
                        .run_command_and_check_ok("STARTTLS", None)
                        .await
                        .is_ok()
                };
                if started {
                    let tcp = match client.into_inner() {
                        MailStream::Plain(t) => t,
                        MailStream::Tls(_) => {
                            return Err(ImapError::new("IMAP: unexpected TLS stream"))
                        }
                    };
                    Ok((tls_wrap(tcp, &target.host).await?, "STARTTLS"))
                } else if allow_plain {
                    Ok((client.into_inner(), "plain text"))
                } else {
                    Err(ImapError::new(format!(
                        "IMAP: {addr} does not offer STARTTLS; use imaps://, or --insecure-plain \
                         for a server on this machine"
                    )))
                }
            })
            .await?
        }
    };
    let mut client = async_imap::Client::new(stream);
    if security != "plain text" {
        // After STARTTLS the server does not greet again; on implicit TLS it does.
        if security == "TLS" {
            within(timeouts.command, "greeting", async {
                client
                    .read_response()
                    .await
                    .map_err(|e| ImapError::new(format!("IMAP greeting: {e}")))?
                    .ok_or_else(|| ImapError::new("IMAP: the server closed the connection"))
            })
            .await?;
        }
    }
    let mut session = within(timeouts.command, "login", async {
        client
            .login(&target.user, &target.password)
            .await
            .map_err(|(e, _)| ImapError {
                message: format!("IMAP login as {} refused: {e}", target.user),
                auth: matches!(e, async_imap::error::Error::No(_)),
            })
    })
    .await?;
    let idle = within(timeouts.command, "CAPABILITY", async {
        session
            .capabilities()
            .await
            .map(|c| c.has_str("IDLE"))
            .map_err(|e| imap_err("CAPABILITY", e))
    })
    .await?;
    Ok(ImapSession {
        session,
        idle,
        timeouts,
        security,
    })
}

impl ImapSession {
    pub fn supports_idle(&self) -> bool {
        self.idle
    }

    pub async fn select(&mut self, folder: &str) -> Result<Selected, ImapError> {
        let limit = self.timeouts.command;
        let mb = within(limit, "SELECT", async {
            self.session
                .select(folder)
                .await
                .map_err(|e| imap_err(&format!("SELECT {folder}"), e))
        })
        .await?;
        let uidvalidity = mb
            .uid_validity
            .ok_or_else(|| ImapError::new(format!("IMAP SELECT {folder}: no UIDVALIDITY")))?;
        Ok(Selected {
            uidvalidity,
            uidnext: mb.uid_next,
            exists: mb.exists,
        })
    }

    /// The UIDs above `last_uid`, ascending. (`UID SEARCH UID n:*` also answers the highest UID
    /// when there is nothing above n: filtered out here.)
    pub async fn uids_after(&mut self, last_uid: u32) -> Result<Vec<u32>, ImapError> {
        let limit = self.timeouts.command;
        let from = last_uid.saturating_add(1);
        let set = within(limit, "UID SEARCH", async {
            self.session
                .uid_search(format!("UID {from}:*"))
                .await
                .map_err(|e| imap_err("UID SEARCH", e))
        })
        .await?;
        let mut uids: Vec<u32> = set.into_iter().filter(|u| *u > last_uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The raw bytes of message `uid`, without setting `\Seen`. `None`: it was expunged meanwhile.
    pub async fn fetch_raw(&mut self, uid: u32) -> Result<Option<Vec<u8>>, ImapError> {
        let limit = self.timeouts.command;
        within(limit, "UID FETCH", async {
            let mut stream = self
                .session
                .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                .await
                .map_err(|e| imap_err("UID FETCH", e))?;
            let mut body = None;
            while let Some(item) = stream.next().await {
                let fetch = item.map_err(|e| imap_err("UID FETCH", e))?;
                if fetch.uid == Some(uid) {
                    if let Some(b) = fetch.body() {
                        body = Some(b.to_vec());
                    }
                }
            }
            Ok(body)
        })
        .await
    }

    /// Mark message `uid` as ingested (keyword [`INGESTED_KEYWORD`]; `\Seen` is left alone).
    pub async fn mark_ingested(&mut self, uid: u32) -> Result<(), ImapError> {
        let limit = self.timeouts.command;
        within(limit, "UID STORE", async {
            let mut stream = self
                .session
                .uid_store(
                    uid.to_string(),
                    format!("+FLAGS.SILENT ({INGESTED_KEYWORD})"),
                )
                .await
                .map_err(|e| imap_err("UID STORE", e))?;
            while let Some(item) = stream.next().await {
                item.map_err(|e| imap_err("UID STORE", e))?;
            }
            Ok(())
        })
        .await
    }

    /// Forget what the server announced so far; true when it announced new or removed mail.
    /// Called before a `UID SEARCH`: the search sees everything announced before it.
    pub fn take_news(&mut self) -> bool {
        let channel = &self.session.unsolicited_responses;
        drain_news(|| channel.try_recv().ok())
    }

    /// Wait for news in the selected folder: IDLE up to `max` when the server offers it, else
    /// just sleep (the caller polls). Returns the session for the next round.
    ///
    /// `max` is a deadline: async-imap's own IDLE timeout restarts on every response, and the
    /// server's keep-alives (`* OK Still here`, every 2 min on Dovecot) would push it back
    /// forever. News announced before IDLE (during the last fetch, or as IDLE starts) ends the
    /// wait at once instead of waiting for an announcement that was already made.
    pub async fn wait(self, max: Duration) -> Result<ImapSession, ImapError> {
        if !self.idle {
            tokio::time::sleep(max).await;
            // A NOOP keeps the connection honest: a dead one fails here, not in the next fetch.
            let mut me = self;
            let limit = me.timeouts.command;
            within(limit, "NOOP", async {
                me.session.noop().await.map_err(|e| imap_err("NOOP", e))
            })
            .await?;
            return Ok(me);
        }
        let ImapSession {
            session,
            idle,
            timeouts,
            security,
        } = self;
        let news = session.unsolicited_responses.clone();
        let mut handle = session.idle();
        within(timeouts.command, "IDLE", async {
            handle.init().await.map_err(|e| imap_err("IDLE", e))
        })
        .await?;
        if !drain_news(|| news.try_recv().ok()) {
            let (fut, _stop) = handle.wait_with_timeout(max);
            if let Ok(woke) = tokio::time::timeout(max, fut).await {
                woke.map_err(|e| imap_err("IDLE", e))?;
            }
        }
        let session = within(timeouts.command, "IDLE DONE", async {
            handle.done().await.map_err(|e| imap_err("IDLE DONE", e))
        })
        .await?;
        Ok(ImapSession {
            session,
            idle,
            timeouts,
            security,
        })
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}
