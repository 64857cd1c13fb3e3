//! Fetching: one loop per enabled mailbox, started and stopped by a supervisor that watches the
//! `mailboxes` table (a mailbox added by the CLI or the console is picked up without a restart).
//!
//! A loop holds the mailbox's lease (one node fetches a mailbox at a time), connects, selects the
//! folder and, for each UID above the last one ingested, in order: fetches the raw bytes
//! (`BODY.PEEK[]`: `\Seen` is never touched), hands them to [`Services::ingest_raw_mail`] (which
//! stores them durably, parses and commits the case), and only after that succeeded moves
//! `last_uid` forward and marks the message on the server. A crash or a cut connection anywhere
//! in between means the message is fetched again and intake recognises it (per mailbox,
//! UIDVALIDITY and UID, and per Message-ID and content hash): nothing is lost, nothing doubled.
//! A changed UIDVALIDITY starts the folder over from UID 1 for the same reason.
//!
//! It looks again until a search finds nothing new (mail that arrived during a fetch is fetched
//! at once, not after the next wait), then waits for news: IDLE when the server offers it,
//! polling otherwise. Errors are written to the mailbox (`last_error`, shown in the console) and
//! the loop reconnects with backoff.
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use hqdesk_store::mailboxes::{self, Mailbox};
use hqdesk_store::Store;
use tokio::sync::watch;

use super::imap::{self, ImapSession, Timeouts};
use super::ingest::MailSource;
use super::transport;
use crate::{ServiceError, Services};

/// How the fetchers behave; the defaults suit production, tests shorten them.
#[derive(Debug, Clone)]
pub struct FetcherConfig {
    /// This node's name in leases (unique per process).
    pub node: String,
    /// How often the supervisor looks for added, changed or disabled mailboxes.
    pub supervise_every: Duration,
    /// Without IDLE: the pause between two looks at the folder.
    pub poll_every: Duration,
    /// With IDLE: the longest wait before looking anyway (servers drop IDLE after ~30 min).
    pub idle_max: Duration,
    /// First pause after an error; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How long a lease lasts without renewal (a crashed node's mailboxes move after this).
    pub lease: Duration,
    pub timeouts: Timeouts,
}

impl FetcherConfig {
    pub fn new(node: impl Into<String>) -> Self {
        FetcherConfig {
            node: node.into(),
            supervise_every: Duration::from_secs(5),
            poll_every: Duration::from_secs(30),
            idle_max: Duration::from_secs(120),
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
            lease: Duration::from_secs(300),
            timeouts: Timeouts::default(),
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Why a sync round ended.
#[derive(Debug)]
enum Stop {
    /// Asked to stop (shutdown, mailbox disabled or changed).
    Requested,
    /// Another node holds the lease.
    LeaseLost,
    /// Connection, server or database trouble: record, back off, reconnect.
    Failed(String),
}

impl From<ServiceError> for Stop {
    fn from(e: ServiceError) -> Self {
        Stop::Failed(e.to_string())
    }
}

impl From<hqdesk_store::StoreError> for Stop {
    fn from(e: hqdesk_store::StoreError) -> Self {
        Stop::Failed(format!("database: {e}"))
    }
}

impl From<imap::ImapError> for Stop {
    fn from(e: imap::ImapError) -> Self {
        Stop::Failed(e.message)
    }
}

/// What a mailbox loop is started with; a change restarts it.
fn fingerprint(m: &Mailbox) -> (String, bool) {
    (m.imap_url.clone(), m.insecure_plain)
}

/// A started loop: what it was started with, its stop signal, its task.
type Running = (
    (String, bool),
    watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
);

/// Watch the mailboxes table until `shutdown` resolves: start a loop for each enabled mailbox,
/// stop the loops of disabled, removed or reconfigured ones.
pub async fn run_supervisor(
    services: Services,
    cfg: FetcherConfig,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut running: HashMap<i64, Running> = HashMap::new();
    loop {
        match list(services.store()).await {
            Ok(all) => {
                let wanted: HashMap<i64, &Mailbox> = all
                    .iter()
                    .filter(|m| m.enabled)
                    .map(|m| (m.id, m))
                    .collect();
                running.retain(|id, (fp, stop, task)| {
                    let keep = !task.is_finished()
                        && wanted.get(id).map(|m| fingerprint(m)) == Some(fp.clone());
                    if !keep {
                        let _ = stop.send(true);
                    }
                    keep
                });
                for (id, m) in wanted {
                    if running.contains_key(&id) {
                        continue;
                    }
                    let (tx, rx) = watch::channel(false);
                    let task = tokio::spawn(run_mailbox(services.clone(), cfg.clone(), id, rx));
                    tracing::info!(mailbox = %m.name, "mail fetcher started");
                    running.insert(id, (fingerprint(m), tx, task));
                }
            }
            Err(e) => tracing::warn!(error = %e, "mail supervisor: cannot list mailboxes"),
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(cfg.supervise_every) => {}
        }
    }
    for (_, (_, stop, task)) in running.drain() {
        let _ = stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
}

async fn list(store: &Store) -> Result<Vec<Mailbox>, hqdesk_store::StoreError> {
    let mut conn = store.read().await?;
    mailboxes::list(&mut conn).await
}

/// One mailbox's loop: lease, sync, wait, reconnect with backoff, until told to stop or the
/// lease is lost (the supervisor starts it again later, when the other node may have let go).
pub async fn run_mailbox(
    services: Services,
    cfg: FetcherConfig,
    id: i64,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = cfg.backoff_min;
    loop {
        if *stop.borrow() {
            break;
        }
        let outcome = sync(&services, &cfg, id, &mut stop).await;
        let pause = match outcome {
            Stop::Requested | Stop::LeaseLost => break,
            Stop::Failed(e) => {
                tracing::warn!(mailbox.id = id, error = %e, "mail fetch failed; reconnecting");
                let _ = record(&services, id, Some(&e)).await;
                let p = backoff;
                backoff = (backoff * 2).min(cfg.backoff_max);
                p
            }
        };
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(pause) => {}
        }
    }
    if let Ok(mut tx) = services.store().begin().await {
        if mailboxes::release_lease(&mut tx, id, &cfg.node)
            .await
            .is_ok()
        {
            let _ = Store::commit(tx).await;
        }
    }
}

async fn record(services: &Services, id: i64, error: Option<&str>) -> Result<(), ServiceError> {
    let mut tx = services.store().begin().await?;
    mailboxes::record_sync(&mut tx, id, error, services.now()).await?;
    Store::commit(tx).await?;
    Ok(())
}

async fn lease(services: &Services, cfg: &FetcherConfig, id: i64) -> Result<bool, ServiceError> {
    let now = services.now();
    let until = hqdesk_domain::Timestamp(now.millis().saturating_add(ms(cfg.lease)));
    let mut tx = services.store().begin().await?;
    let ok = mailboxes::try_lease(&mut tx, id, &cfg.node, now, until).await?;
    Store::commit(tx).await?;
    Ok(ok)
}

/// Connect and keep the folder in sync until something stops it.
async fn sync(
    services: &Services,
    cfg: &FetcherConfig,
    id: i64,
    stop: &mut watch::Receiver<bool>,
) -> Stop {
    match sync_inner(services, cfg, id, stop).await {
        Ok(s) | Err(s) => s,
    }
}

async fn sync_inner(
    services: &Services,
    cfg: &FetcherConfig,
    id: i64,
    stop: &mut watch::Receiver<bool>,
) -> Result<Stop, Stop> {
    if !lease(services, cfg, id).await? {
        return Ok(Stop::LeaseLost);
    }
    let mailbox = {
        let mut conn = services.store().read().await.map_err(ServiceError::from)?;
        mailboxes::get(&mut conn, id).await?
    };
    let target = transport::parse_imap(&mailbox.imap_url, mailbox.insecure_plain)
        .map_err(|e| Stop::Failed(e.message))?;
    let session = tokio::select! {
        s = imap::connect(&target, cfg.timeouts) => s?,
        _ = stop.changed() => return Ok(Stop::Requested),
    };
    let (reason, session) =
        sync_session(services, cfg, &mailbox, &target.folder, session, stop).await?;
    if let Some(session) = session {
        session.logout().await;
    }
    Ok(reason)
}

/// The selected-folder loop. Returns the session (for a clean LOGOUT) when it still has it.
async fn sync_session(
    services: &Services,
    cfg: &FetcherConfig,
    mailbox: &Mailbox,
    folder: &str,
    mut s: ImapSession,
    stop: &mut watch::Receiver<bool>,
) -> Result<(Stop, Option<ImapSession>), Stop> {
    let id = mailbox.id;
    let selected = s.select(folder).await?;
    let uidvalidity = i64::from(selected.uidvalidity);
    let mut last_uid = {
        let mut tx = services.store().begin().await.map_err(ServiceError::from)?;
        let last = mailboxes::begin_sync(&mut tx, id, uidvalidity, services.now()).await?;
        Store::commit(tx).await.map_err(ServiceError::from)?;
        last
    };
    if mailbox.uidvalidity.is_some_and(|v| v != uidvalidity) {
        tracing::warn!(mailbox = %mailbox.name, old = ?mailbox.uidvalidity, new = uidvalidity,
            "UIDVALIDITY changed: syncing the folder again from UID 1");
    }
    loop {
        let last = u32::try_from(last_uid.max(0)).unwrap_or(u32::MAX);
        // Whatever the server announced so far, this search sees; only later news counts.
        s.take_news();
        let before = last_uid;
        for uid in s.uids_after(last).await? {
            if *stop.borrow() {
                return Ok((Stop::Requested, Some(s)));
            }
            let Some(raw) = s.fetch_raw(uid).await? else {
                continue; // expunged meanwhile
            };
            let source = MailSource {
                uidvalidity: Some(uidvalidity),
                uid: Some(i64::from(uid)),
            };
            services.ingest_raw_mail(id, source, &raw).await?;
            {
                let mut tx = services.store().begin().await.map_err(ServiceError::from)?;
                mailboxes::advance(&mut tx, id, uidvalidity, i64::from(uid), services.now())
                    .await?;
                Store::commit(tx).await.map_err(ServiceError::from)?;
            }
            last_uid = i64::from(uid);
            if let Err(e) = s.mark_ingested(uid).await {
                // Informative only: the sync goes by UID. A broken connection shows up next.
                tracing::debug!(mailbox.id = id, uid, error = %e, "could not flag the message");
            }
        }
        record(services, id, None).await?;
        if !lease(services, cfg, id).await? {
            return Ok((Stop::LeaseLost, Some(s)));
        }
        if last_uid != before {
            continue; // mail may have arrived during the fetch: look again before waiting
        }
        let wait = if s.supports_idle() {
            cfg.idle_max
        } else {
            cfg.poll_every
        };
        tokio::select! {
            r = s.wait(wait) => s = r?,
            _ = stop.changed() => return Ok((Stop::Requested, None)),
        }
    }
}
