//! The benchmark suite's seeder and queue scenarios on a small SQLite database: the rows load and
//! the scenarios answer full pages. No timing is asserted here: timing belongs to
//! `hqdesk-bench queue`, run on a million cases, not to the tests.
use axum::http::StatusCode;
use hqdesk_bench::queue::{self, QueueBench};
use hqdesk_bench::run::{self, RunOptions};
use hqdesk_bench::seed::{case_count, seed_settled};

use crate::support::{fresh_database, services_on, Engine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_database_answers_the_queue_scenarios_with_full_pages() {
    let Some((url, _dir)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let services = services_on(&url).await;

    // Enough cases that the smallest queue scenario (unassigned, branch 2: about 0.4% of the
    // cases, most of them old) still fills a page of 50.
    let stats = seed_settled(&services, 15_000, |_| {}).await.unwrap();
    assert_eq!(stats.cases, 15_000);
    // Five to ten messages per case, plus missed calls and status changes.
    assert!(
        (75_000..=150_000).contains(&stats.messages),
        "{} messages",
        stats.messages
    );
    assert!(stats.timeline_entries > stats.messages && stats.timeline_entries <= 180_000);
    // Every message and every case header is searchable.
    assert!(stats.search_documents >= stats.messages + stats.cases - 3_000);
    // Telephone cases have their calls (over half of the cases come by phone), missed calls
    // their callback attempts, and a quarter of the resolved cases with a requester a rating.
    assert!(
        stats.calls > 6_000 && stats.calls < 12_000,
        "{} calls",
        stats.calls
    );
    assert!(
        stats.callback_attempts >= 750,
        "{}",
        stats.callback_attempts
    );
    assert!(stats.ratings > 1_500, "{} ratings", stats.ratings);
    {
        let mut conn = services.store().read().await.unwrap();
        // Each case's message count is its conversation: 5 to 10 inbound, outbound and notes.
        let (lo, hi, off): (i64, i64, i64) = sqlx::query_as(
            "SELECT MIN(n), MAX(n), SUM(CASE WHEN n <> message_count THEN 1 ELSE 0 END) FROM \
             (SELECT c.message_count, (SELECT COUNT(*) FROM timeline_entries t WHERE t.case_id = c.id \
              AND t.kind IN ('inbound', 'outbound', 'note')) AS n FROM cases c) AS per_case",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!((lo, hi, off), (5, 10, 0));
        let rows: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM calls) + (SELECT COUNT(*) FROM ratings) \
             + (SELECT COUNT(*) FROM callback_attempts)",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            rows as u64,
            stats.calls + stats.ratings + stats.callback_attempts
        );
    }
    assert_eq!(case_count(services.store()).await.unwrap(), 15_000);

    let queue = QueueBench::prepare(&services).await.unwrap();
    assert_eq!(queue.scenarios.len(), 2);
    for s in &queue.scenarios {
        for _ in 0..3 {
            let a = queue.call(s).await.unwrap();
            assert_eq!(
                a.status,
                StatusCode::OK,
                "{}: {}",
                s.uri,
                String::from_utf8_lossy(&a.body)
            );
            assert_eq!(s.rows(&a.body), 50, "{}", s.uri);
        }
    }
    // The measuring loop itself runs and reports every scenario.
    let timings = queue.run(0, 2).await.unwrap();
    assert_eq!(timings.len(), 2);
    let table = queue::table("sqlite", 15_000, &timings);
    assert!(table.contains("p95 ms"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_twice_adds_cases_with_fresh_numbers() {
    let Some((url, _dir)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let services = services_on(&url).await;
    let first = seed_settled(&services, 500, |_| {}).await.unwrap();
    let again = seed_settled(&services, 500, |_| {}).await.unwrap();
    // Units and staff are added once; case numbers never collide (the column is unique).
    assert!(first.units > 0 && first.users > 0);
    assert_eq!((again.units, again.users), (0, 0));
    assert_eq!(case_count(services.store()).await.unwrap(), 1_000);
}

/// `hqdesk-bench run` at a small size: the real server binary is started on a seeded database,
/// answers /healthz, and every scenario (creation at 1 and 8 clients, the queue page, a case page
/// with a 50-message timeline, searches) answers over HTTP; the report has every figure.
async fn suite_runs_against_the_real_server(engine: Engine) {
    let Some((url, _db_dir)) = fresh_database(engine).await else {
        return;
    };
    let services = services_on(&url).await;
    seed_settled(&services, 2_000, |_| {}).await.unwrap();
    let before = case_count(services.store()).await.unwrap();

    let data_dir = std::env::temp_dir().join(format!("hqdesk-bench-{}", uuid::Uuid::new_v4()));
    // The server started on the database reads its secret key from the data directory.
    hqdesk_store::secrets::key_file::create(
        &data_dir.join("secret.key"),
        &crate::support::test_keyring(),
    )
    .unwrap();
    let opts = RunOptions {
        server_exe: crate::support::server_exe(),
        database_url: url.clone(),
        data_dir: data_dir.clone(),
        secret_key_file: None,
        create_clients: vec![1, 8],
        creates: 60,
        reads: 20,
        timeline: 50,
    };
    let report = run::run(&services, &opts).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    let report = report.unwrap();

    assert_eq!(report.cases, 2_000);
    let names: Vec<&str> = report.figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(report.figures.len(), 7, "{names:?}");
    // `hqdesk triage`'s texts per second: five rounds over the corpus's texts, in this process.
    let triage = report
        .figures
        .iter()
        .find(|f| f.name.starts_with("hqdesk triage"))
        .expect("the triage figure");
    assert!(triage.requests >= 5 * 500, "{}", triage.requests);
    assert_eq!(triage.requests % 5, 0);
    assert!(triage.throughput.unwrap_or(0.0) > 0.0);
    let creation: Vec<_> = report
        .figures
        .iter()
        .filter(|f| f.name.starts_with("case creation"))
        .collect();
    assert_eq!(
        creation.iter().map(|f| f.clients).collect::<Vec<_>>(),
        [1, 8]
    );
    for f in &creation {
        assert_eq!(f.requests, 60);
        assert!(f.throughput.unwrap_or(0.0) > 0.0);
        // Read from the server's /metrics: at least one commit, never more than one per case.
        let commits = f.commits.unwrap_or(0);
        assert!((1..=60).contains(&commits), "{commits} commits");
    }
    for f in report.figures.iter().filter(|f| f.throughput.is_none()) {
        assert_eq!(f.requests, 20, "{}", f.name);
        assert!(f.p50 > std::time::Duration::ZERO && f.p50 <= f.p95 && f.p95 <= f.p99);
    }
    assert!(report.peak_rss_kib.unwrap_or(0) > 1_000, "{report:?}");
    assert!(report.start > std::time::Duration::ZERO);
    // Every creation was committed: 2×60 measured, 4 + 32 warm-up, 1 for the timeline.
    assert_eq!(
        case_count(services.store()).await.unwrap(),
        before + 120 + 36 + 1
    );
    // The maintained counts (migrations 0010 and 0011) followed the seeder's multi-row INSERTs
    // and every creation through the API (concurrent ones committed in groups); hqdesk's
    // `counts` tests check every count answered from them against the cases.
    let mut conn = services.store().read().await.unwrap();
    let (cases, counted, tallied): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM cases), \
         (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM case_counts), \
         (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM case_tallies)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!((counted, tallied), (cases, cases), "maintained counts");
    let confidentialities: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT confidential) FROM cases")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(confidentialities, 2, "the seed has confidential cases too");
    drop(conn);
    let table = report.table();
    let name = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    assert_eq!(report.engine, name);
    assert!(table.contains(&format!("| {name} |")), "{table}");
    assert!(
        table.contains("VmHWM") && table.contains("/healthz"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_run_suite_sqlite() {
    suite_runs_against_the_real_server(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_run_suite_postgres() {
    suite_runs_against_the_real_server(Engine::Postgres).await
}
