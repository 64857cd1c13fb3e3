//! The benchmark suite's seeder and queue scenarios on a small SQLite database: the rows load and
//! the scenarios answer full pages. No timing is asserted here: timing belongs to
//! `hqdesk bench queue`, run on a million cases, not to the tests.
use std::sync::Arc;

use axum::http::StatusCode;
use hqdesk::bench::{self, QueueBench};
use hqdesk_services::{Services, SystemClock};
use hqdesk_store::{Store, StoreOptions};

use crate::support::{fresh_database, Engine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_database_answers_the_queue_scenarios_with_full_pages() {
    let Some((url, _dir)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    let services = Services::new(store, Arc::new(SystemClock));
    services.prepare().await.unwrap();

    let stats = bench::seed(&services, 10_000, |_| {}).await.unwrap();
    assert_eq!(stats.cases, 10_000);
    assert!(stats.timeline_entries >= 10_000 && stats.timeline_entries <= 30_000);
    assert!(stats.search_documents >= 10_000);
    assert_eq!(
        hqdesk_store::bulk::case_count(services.store())
            .await
            .unwrap(),
        10_000
    );

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
    let table = bench::table("sqlite", 10_000, &timings);
    assert!(table.contains("p95 ms"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_twice_adds_cases_with_fresh_numbers() {
    let Some((url, _dir)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    let services = Services::new(store, Arc::new(SystemClock));
    services.prepare().await.unwrap();
    let first = bench::seed(&services, 500, |_| {}).await.unwrap();
    let again = bench::seed(&services, 500, |_| {}).await.unwrap();
    // Units and staff are added once; case numbers never collide (the column is unique).
    assert!(first.units > 0 && first.users > 0);
    assert_eq!((again.units, again.users), (0, 0));
    assert_eq!(
        hqdesk_store::bulk::case_count(services.store())
            .await
            .unwrap(),
        1_000
    );
}
