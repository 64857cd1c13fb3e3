//! Bulk loading of realistic rows, for benchmarks (`hqdesk-bench seed`).
//!
//! Writes units, staff users, requesters, cases spread over ten years with the status, branch,
//! kind, priority, unit and assignee mix of a customs contact centre, a conversation of five to
//! ten messages per case (the requester's, the answers, internal notes) and its status change,
//! the calls behind telephone cases and the attempts to call back missed ones, the requesters'
//! satisfaction ratings, and the search documents of every text, in multi-row `INSERT`s inside
//! transactions of 20,000 cases. One code path for both engines (`$N` placeholders); statements
//! carry at most [`MAX_PARAMS`](hqdesk_store::multirow::MAX_PARAMS) parameters (see there for why so few).
//!
//! Seeded data is **not audited**: nothing is written to the audit log, because the rows do not
//! come from anybody's action. It is for measuring, never for a production database.
//!
//! The generator is deterministic (a fixed seed gives the same rows) and runs on its own thread,
//! one chunk ahead of the database writes.
use std::collections::HashSet;

use hqdesk_domain::case::{Branch, CaseKind};
use hqdesk_domain::Timestamp;
use hqdesk_sample::customs::HELPDESK;
use hqdesk_store::{Engine, Store, StoreError};

mod cases;
mod directory;
mod write;

use cases::{generate, Chunk, World};
use directory::{insert_requesters, insert_units, insert_users};
use write::insert_chunk;

/// The seeded HelpDesk agent the benchmarks sign in as (it has cases assigned like any agent).
pub const BENCH_AGENT: &str = "agent.001";
/// The seeded unit with the most cases (the HelpDesk team): the benchmarks' unit filter.
pub const BENCH_UNIT: &str = HELPDESK;

/// Cases generated (and sent to the writer) at a time.
const CASES_PER_CHUNK: usize = 1_000;
/// Cases per transaction.
const CASES_PER_TX: usize = 20_000;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// Ten years of cases, ending now.
const SPAN: i64 = 3_652 * DAY;

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub cases: u64,
    /// The end of the ten years (the newest case is a few minutes old).
    pub now: Timestamp,
    /// The generator's seed: the same seed gives the same rows.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedStats {
    pub units: u64,
    pub users: u64,
    pub requesters: u64,
    pub cases: u64,
    pub confidential_reporters: u64,
    pub timeline_entries: u64,
    /// Of the timeline entries, the messages (inbound, outbound, notes).
    pub messages: u64,
    pub search_documents: u64,
    pub calls: u64,
    pub callback_attempts: u64,
    pub ratings: u64,
}

impl SeedStats {
    /// Every row written.
    pub fn rows(&self) -> u64 {
        self.units
            + self.users
            + self.requesters
            + self.cases
            + self.confidential_reporters
            + self.timeline_entries
            + self.search_documents
            + self.calls
            + self.callback_attempts
            + self.ratings
    }
}

/// Seed `opts.cases` cases (and what they refer to) into a migrated database. Units and users are
/// added once (existing codes and usernames are kept); cases are always added, with numbers that
/// collide neither with each other nor with cases already there. `progress` is called after each
/// committed transaction.
pub async fn seed(
    store: &Store,
    opts: &SeedOptions,
    mut progress: impl FnMut(&SeedStats),
) -> Result<SeedStats, StoreError> {
    let mut stats = SeedStats::default();
    let mut tx = store.begin().await?;
    let units = insert_units(&mut tx, opts.now, &mut stats).await?;
    let staff = insert_users(&mut tx, &units, opts.now, &mut stats).await?;
    let categories: Vec<(i64, CaseKind, Branch)> = hqdesk_store::categories::list(&mut tx)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| (c.id, c.kind, c.branch))
        .collect();
    let taken: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT number FROM cases")
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    Store::commit(tx).await?;
    progress(&stats);

    let requester_count = requesters_for(opts.cases);
    let requester_ids = insert_requesters(store, opts, requester_count, &mut stats).await?;
    progress(&stats);

    let world = World {
        opts: opts.clone(),
        units,
        staff,
        categories,
        requesters: requester_count,
    };
    let (send, mut recv) = tokio::sync::mpsc::channel::<Result<Chunk, StoreError>>(2);
    let generator = std::thread::Builder::new()
        .name("hqdesk-seed".into())
        .spawn(move || generate(world, taken, send))
        .map_err(|e| StoreError::Config(format!("starting the generator thread: {e}")))?;

    let mut tx = store.begin().await?;
    let mut in_tx = 0usize;
    while let Some(chunk) = recv.recv().await {
        let chunk = chunk?;
        insert_chunk(&mut tx, &chunk, &requester_ids, &mut stats).await?;
        in_tx += chunk.cases.len();
        if in_tx >= CASES_PER_TX {
            Store::commit(tx).await?;
            progress(&stats);
            tx = store.begin().await?;
            in_tx = 0;
        }
    }
    Store::commit(tx).await?;
    let _ = generator.join();
    progress(&stats);
    Ok(stats)
}

/// Seed `cases` cases ending at the services' clock, then [`settle`] the database as a
/// server's would be. `progress` sees the running totals after each transaction.
pub async fn seed_settled(
    services: &hqdesk_services::Services,
    cases: u64,
    progress: impl FnMut(&SeedStats),
) -> Result<SeedStats, StoreError> {
    let opts = SeedOptions {
        cases,
        now: services.now(),
        seed: 2026,
    };
    let stats = seed(services.store(), &opts, progress).await?;
    settle(services.store()).await?;
    Ok(stats)
}

/// Bring the database to the state a server's database is in after such a load. On PostgreSQL,
/// `VACUUM ANALYZE`: what autovacuum does after a load (planner statistics, and the visibility
/// map that index-only scans need). On SQLite, nothing: a server's file has no planner
/// statistics unless an operator runs `ANALYZE`, so the benchmark measures plans without them
/// (docs/performance.md has the numbers with them too).
pub async fn settle(store: &Store) -> Result<(), StoreError> {
    if store.engine() == Engine::Postgres {
        // VACUUM cannot run in a transaction; on PostgreSQL reads and writes share a pool. The
        // second pass marks all-visible the pages the first could not (an autovacuum running
        // beside it holds a snapshot back), as the next autovacuum would.
        let mut conn = store.read().await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many cases the database holds (for the benchmark's report).
pub async fn case_count(store: &Store) -> Result<i64, StoreError> {
    let mut conn = store.read().await?;
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&mut *conn)
        .await?)
}

/// One requester for about every two cases: businesses and people come back.
fn requesters_for(cases: u64) -> usize {
    usize::try_from((cases / 2).clamp(1, 5_000_000)).unwrap_or(1)
}
