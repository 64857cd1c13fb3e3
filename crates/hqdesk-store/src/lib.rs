//! hqdesk storage: the only crate that writes SQL.
//!
//! One code path for both engines: queries run through sqlx's `Any` driver with `$1`-style
//! placeholders, which SQLite and PostgreSQL both accept, on columns typed so that both engines
//! decode them alike (BIGINT times and flags, TEXT everything else). The few statements that must
//! differ live in [`dialect`]. Every behaviour is exercised on both engines by the contract tests
//! in `crates/hqdesk/tests/it/store.rs`.
pub mod attachments;
pub mod audit;
pub mod blob_refs;
pub mod blobs;
pub mod calendars;
pub mod calls;
pub mod case_clocks;
pub mod case_exclusions;
pub mod case_keys;
pub mod cases;
pub mod categories;
pub mod dialect;
mod error;
pub mod escalations;
pub mod idempotency;
pub mod identity;
pub mod jobs;
pub mod legal_rules;
pub mod links;
pub mod mail;
pub mod mailboxes;
pub mod multirow;
pub mod notifications;
pub mod portal;
pub mod requesters;
mod rows;
pub mod saved_filters;
pub mod sealed;
pub mod search;
pub mod secrets;
pub mod session_reads;
pub mod sessions;
pub mod sign_in_attempts;
pub mod sla_policies;
pub mod timeline;
pub mod tokens;
pub mod units;
pub mod users;
pub mod vault_keys;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};

pub use dialect::Engine;
pub use error::StoreError;
/// A connection of either engine; store functions take `&mut Connection`.
pub use sqlx::AnyConnection as Connection;

/// A connection taken from a pool, for reads.
pub type Conn = PoolConnection<Any>;
/// A write transaction: everything that belongs together is written in one.
pub type Tx = sqlx::Transaction<'static, Any>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The database behind hqdesk.
///
/// SQLite allows one writer at a time, so on SQLite writes go through a pool of exactly one
/// connection (transactions queue in the process instead of failing with SQLITE_BUSY) and reads
/// through a separate pool that WAL lets run beside the writer. On PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub struct Store {
    engine: Engine,
    write: AnyPool,
    read: AnyPool,
}

/// Connection settings beyond the URL.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl Store {
    /// Connect to `sqlite://PATH` (the file is created when missing) or `postgres://…`.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)?;
        let url = match engine {
            Engine::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let connect: AnyConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::Config(format!("database URL: {e}")))?;
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(opts.acquire_timeout)
                // A connection to a local file cannot go stale; pinging it before each use
                // was a round trip to its worker thread, about 0.1 ms on every read and write.
                .test_before_acquire(engine == Engine::Postgres)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if engine == Engine::Sqlite {
                            conn.execute(dialect::SQLITE_PRAGMAS).await?;
                        }
                        Ok(())
                    })
                })
        };
        let store = match engine {
            Engine::Sqlite => {
                let write = pool(1).connect_with(connect.clone()).await?;
                // The first connection switches the file to WAL; readers open after that.
                let read = pool(opts.max_connections).connect_with(connect).await?;
                Store {
                    engine,
                    write,
                    read,
                }
            }
            Engine::Postgres => {
                let p = pool(opts.max_connections).connect_with(connect).await?;
                Store {
                    engine,
                    write: p.clone(),
                    read: p,
                }
            }
        };
        Ok(store)
    }

    /// Bring the schema up to date. Safe to run on every start and from several nodes at once
    /// (sqlx takes a lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.write).await?;
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Begin a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// Commit a write transaction.
    pub async fn commit(tx: Tx) -> Result<(), StoreError> {
        Ok(tx.commit().await?)
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        Ok(self.read.acquire().await?)
    }

    /// Copy the SQLite write-ahead log's committed pages into the database file (a passive
    /// checkpoint: it waits for no one); `(frames in the log, frames copied)`. Nothing to do on
    /// PostgreSQL: `None`.
    pub async fn checkpoint_wal(&self) -> Result<Option<(i64, i64)>, StoreError> {
        if self.engine != Engine::Sqlite {
            return Ok(None);
        }
        let mut c = self.read().await?;
        let (_busy, log, copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&mut *c)
                .await?;
        Ok(Some((log, copied)))
    }

    /// Checkpoint the SQLite write-ahead log every `every` until `stop` resolves, so that the
    /// writer's commits need not: SQLite otherwise checkpoints inside the commit that takes the
    /// log past 1,000 pages, which a creation every few hundred commits then waits for (the
    /// p99 of case creation). A commit still checkpoints by itself past 64 MiB of log
    /// ([`dialect::SQLITE_PRAGMAS`]), should this task fall behind. Nothing on PostgreSQL.
    pub async fn run_wal_checkpoints(
        &self,
        every: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        if self.engine != Engine::Sqlite {
            return;
        }
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.checkpoint_wal().await {
                tracing::warn!(error = %e, "write-ahead log checkpoint failed");
            }
        }
    }

    /// Cheap liveness check for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.read().await?;
        sqlx::query("SELECT 1").execute(&mut *c).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}
