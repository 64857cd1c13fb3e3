//! `hqdesk-bench ingest` on a small SQLite database: the run completes, threads the replies it
//! generates and reports a rate. No timing is asserted here (that belongs to the benchmark run).
use crate::support::{fresh_database, services_on, Engine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_ingest_bench_smoke() {
    let Some((url, dir)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let blobs = dir.as_ref().unwrap().0.join("blobs");
    let services = services_on(&url)
        .await
        .with_blobs(hqdesk_store::blobs::BlobStore::new(blobs));
    let report = hqdesk_bench::ingest::run(&services, 200, 4).await.unwrap();
    assert_eq!(report.messages, 200);
    assert_eq!(report.cases_created + report.threaded, 200);
    // Every fifth mail (after the first five) answers an earlier one.
    assert!(report.threaded >= 30, "{report:?}");
    assert!(report.ingest_per_sec > 0.0);
    assert!(report.line().contains("messages/s"), "{}", report.line());
    assert_eq!(
        hqdesk_bench::seed::case_count(services.store())
            .await
            .unwrap(),
        i64::try_from(report.cases_created).unwrap()
    );
    // Its acknowledgements (to a mailbox with no SMTP server) are not left for a server to try.
    let mut conn = services.store().read().await.unwrap();
    assert_eq!(
        hqdesk_store::jobs::pending_by_kind(&mut conn)
            .await
            .unwrap(),
        Vec::<(String, i64)>::new()
    );
}
