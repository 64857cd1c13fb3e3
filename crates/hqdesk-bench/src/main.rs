//! `hqdesk-bench`: the benchmarks' command line (`cargo run --release -p hqdesk-bench -- --help`).
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use hqdesk_bench::{ingest, queue, rt, run, seed, server_exe};
use hqdesk_services::Services;

#[derive(Debug, Parser)]
#[command(
    name = "hqdesk-bench",
    version,
    about = "hqdesk's benchmarks, for developers: seed a database with realistic volume, measure \
             the pages that must stay fast, email intake, and the whole suite against the real server",
    long_about = "hqdesk's benchmarks, for developers (not part of the shipped hqdesk binary).\n\n\
    Typical session: `cargo build --release -p hqdesk -p hqdesk-bench`, then \
    `cargo run --release -p hqdesk-bench -- --database sqlite:///tmp/bench.db seed --cases 1000000`, \
    `… queue` and `… run`. `run` starts the real server: the `hqdesk` binary next to this one \
    (target/<profile>/hqdesk, built by `cargo build --release -p hqdesk`) or the one given with \
    --server-exe."
)]
struct Cli {
    /// Database URL: sqlite://PATH (created when missing) or postgres://USER:PASS@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "HQDESK_DATABASE_URL",
        value_name = "URL",
        default_value = "sqlite://hqdesk.db"
    )]
    database: String,
    /// Directory for the benchmarks' files: the server's data directory and log
    /// (bench-server/), blobs of the ingest run (bench-blobs/), RT's run (rt-bench/).
    #[arg(
        long,
        global = true,
        env = "HQDESK_DATA_DIR",
        value_name = "DIR",
        default_value = "hqdesk-data"
    )]
    data_dir: PathBuf,
    /// The secret key file, used when HQDESK_SECRET_KEY is not set (default: secret.key in the
    /// data directory, created for a database that has no key yet). The server of `run` gets it
    /// too.
    #[arg(
        long,
        global = true,
        env = "HQDESK_SECRET_KEY_FILE",
        value_name = "FILE"
    )]
    secret_key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate, then add N realistic cases (units, staff, requesters, timelines, search
    /// documents) in bulk, and print the rows per second. Seeded data is not audited: never seed
    /// a production database.
    Seed {
        /// How many cases to add.
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
    },
    /// Measure the server time of the console queue page and the API list on a seeded database
    /// (in process, without the network) and print p50/p95/p99 per scenario.
    Queue {
        /// Measured requests per scenario (after 3 unmeasured ones).
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// The whole suite against the real server: start `hqdesk serve` on the database (start
    /// time), create cases through the API at each client count, time the queue page, a case
    /// page with a long timeline and full-text searches over HTTP, read the server's peak RSS,
    /// and print one table. Adds the cases it creates to the database.
    Run {
        /// The `hqdesk` binary to start as the server. Default: `hqdesk` in this executable's
        /// directory, i.e. target/<profile>/hqdesk: build it first with the same profile
        /// (`cargo build --release -p hqdesk`), or the suite measures a stale server.
        #[arg(long, value_name = "FILE")]
        server_exe: Option<PathBuf>,
        /// Cases created per creation run.
        #[arg(long, default_value_t = 3000)]
        creates: usize,
        /// Concurrent clients of the creation runs (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1,8")]
        clients: Vec<usize>,
        /// Measured requests per read scenario (after 3 unmeasured ones).
        #[arg(long, default_value_t = 200)]
        reads: usize,
        /// Messages on the case whose page is measured.
        #[arg(long, default_value_t = 50)]
        timeline: usize,
        /// Request Tracker's benchmark directory (its `run.sh` and `results/`; see docs/performance.md): print the ratios to the
        /// figures in its `results/`.
        #[arg(long, value_name = "DIR")]
        compare_rt: Option<PathBuf>,
        /// With --compare-rt: first run RT's benchmark (its `run.sh`, on a copy of the scripts in
        /// the data directory; installs Debian packages, 15–25 minutes on 2 cores, as root)
        /// and compare with those fresh results.
        #[arg(long, requires = "compare_rt")]
        run_rt: bool,
    },
    /// Ingest N generated mails (parse and store, as from IMAP) and print messages per second.
    Ingest {
        #[arg(long, default_value_t = 5_000)]
        messages: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hqdesk-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stdout)] // the reports are the commands' output
async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let key_file = cli
        .secret_key_file
        .clone()
        .unwrap_or_else(|| cli.data_dir.join("secret.key"));
    let services = hqdesk::cli::connect(&cli.database, &key_file).await?;
    let engine = services.store().engine().name();
    match cli.command {
        Command::Seed { cases } => {
            let stats = seed_with_progress(&services, cases).await?;
            println!("{}", stats);
        }
        Command::Queue { iterations } => {
            let cases = seed::case_count(services.store()).await?;
            let bench = queue::QueueBench::prepare(&services).await?;
            let timings = bench.run(3, iterations.max(1)).await?;
            println!("{}", queue::table(engine, cases, &timings));
        }
        Command::Run {
            server_exe,
            creates,
            clients,
            reads,
            timeline,
            compare_rt,
            run_rt,
        } => {
            // RT first, so that its 25 minutes of load are over when hqdesk is measured.
            let rt = match &compare_rt {
                Some(peer) => {
                    let results = if run_rt {
                        rt::run_rt(peer, &cli.data_dir.join("rt-bench"))?
                    } else {
                        peer.join("results")
                    };
                    Some(rt::RtFigures::read(&results)?)
                }
                None => None,
            };
            let server_exe = match server_exe {
                Some(path) => path,
                None => server_exe::beside_this_executable()?,
            };
            anyhow::ensure!(
                server_exe.is_file(),
                "no hqdesk server binary at {}: build it (`cargo build --release -p hqdesk`) or \
                 give its path with --server-exe",
                server_exe.display()
            );
            let opts = run::RunOptions {
                server_exe,
                database_url: cli.database.clone(),
                data_dir: cli.data_dir.join("bench-server"),
                secret_key_file: Some(key_file),
                create_clients: clients,
                creates: creates.max(1),
                reads: reads.max(1),
                timeline,
            };
            let report = run::run(&services, &opts).await?;
            println!("{}", report.table());
            if let Some(rt) = rt {
                println!("{}", report.compare_rt(&rt));
            }
        }
        Command::Ingest { messages } => {
            let blobs = cli.data_dir.join("bench-blobs");
            let services = services.with_blobs(hqdesk_store::blobs::BlobStore::new(&blobs));
            let report = ingest::run(&services, messages.max(1), 4).await;
            let _ = std::fs::remove_dir_all(&blobs);
            println!("{}", report?.line());
        }
    }
    Ok(())
}

/// Seed with a progress line on standard error; the report of what was written.
async fn seed_with_progress(services: &Services, cases: u64) -> anyhow::Result<String> {
    let engine = services.store().engine().name();
    let start = Instant::now();
    let stats = seed::seed_settled(services, cases, |s| {
        eprint!(
            "\rhqdesk-bench: {} cases, {} rows, {:.0} s   ",
            s.cases,
            s.rows(),
            start.elapsed().as_secs_f64()
        );
    })
    .await?;
    eprintln!();
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    Ok(format!(
        "seeded {engine}: {} cases, {} requesters, {} timeline entries ({} messages), \
         {} search documents, {} calls, {} callback attempts, {} ratings, \
         {} units, {} users ({} rows) in {:.1} s: {:.0} rows/s, {:.0} cases/s",
        stats.cases,
        stats.requesters,
        stats.timeline_entries,
        stats.messages,
        stats.search_documents,
        stats.calls,
        stats.callback_attempts,
        stats.ratings,
        stats.units,
        stats.users,
        stats.rows(),
        secs,
        stats.rows() as f64 / secs,
        stats.cases as f64 / secs,
    ))
}
