//! Storage contract: behaviours that differ between engines unless made not to.
use hqdesk_domain::Timestamp;
use hqdesk_store::jobs::{self, NewJob};
use hqdesk_store::Store;

use crate::both_engines;
use crate::support::T0;

both_engines!(
    jobs_are_claimed_once_and_reclaimed_after_the_lease,
    |app| async move {
        let store = app.services.store().clone();
        let mut tx = store.begin().await.unwrap();
        for i in 0..20 {
            jobs::enqueue(
                &mut tx,
                &NewJob {
                    kind: "test.job",
                    payload: format!("{{\"i\":{i}}}"),
                    dedup_key: Some(format!("k{i}")),
                    run_at: T0,
                    max_attempts: 3,
                },
                T0,
            )
            .await
            .unwrap();
        }
        assert_eq!(
            jobs::enqueue(
                &mut tx,
                &NewJob {
                    kind: "test.job",
                    payload: "{}".into(),
                    dedup_key: Some("k0".into()),
                    run_at: T0,
                    max_attempts: 3
                },
                T0
            )
            .await
            .unwrap(),
            None,
            "dedup"
        );
        Store::commit(tx).await.unwrap();
        // Eight workers claim at once: every job is claimed exactly once.
        let mut handles = vec![];
        for w in 0..8 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                let mut got = vec![];
                loop {
                    let mut tx = store.begin().await.unwrap();
                    let j = jobs::claim(&mut tx, &["test.job"], &format!("w{w}"), T0, 60_000)
                        .await
                        .unwrap();
                    Store::commit(tx).await.unwrap();
                    match j {
                        Some(j) => got.push(j.id),
                        None => break got,
                    }
                }
            }));
        }
        let mut all = vec![];
        for h in handles {
            all.extend(h.await.unwrap());
        }
        all.sort();
        let before = all.len();
        all.dedup();
        assert_eq!(
            (before, all.len()),
            (20, 20),
            "each job claimed by one worker"
        );
        // Nothing more is due while the leases hold; after they run out, the jobs come back.
        let mut tx = store.begin().await.unwrap();
        assert!(jobs::claim(
            &mut tx,
            &["test.job"],
            "late",
            Timestamp(T0.millis() + 59_000),
            60_000
        )
        .await
        .unwrap()
        .is_none());
        let again = jobs::claim(
            &mut tx,
            &["test.job"],
            "late",
            Timestamp(T0.millis() + 61_000),
            60_000,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(again.attempts, 2);
        jobs::complete(&mut tx, again.id, "ok", T0).await.unwrap();
        Store::commit(tx).await.unwrap();
        let mut conn = store.read().await.unwrap();
        assert_eq!(
            jobs::pending_by_kind(&mut conn).await.unwrap(),
            vec![("test.job".to_string(), 19)]
        );
    }
);

both_engines!(a_failed_write_leaves_nothing_behind, |app| async move {
    let store = app.services.store().clone();
    let mut tx = store.begin().await.unwrap();
    hqdesk_store::units::insert(
        &mut tx,
        "TMP",
        "Tạm",
        hqdesk_domain::unit::UnitLevel::Team,
        None,
        T0,
    )
    .await
    .unwrap();
    let dup = hqdesk_store::units::insert(
        &mut tx,
        "TMP",
        "Tạm",
        hqdesk_domain::unit::UnitLevel::Team,
        None,
        T0,
    )
    .await;
    assert!(
        matches!(dup, Err(hqdesk_store::StoreError::Conflict(_))),
        "{dup:?}"
    );
    drop(tx);
    let mut conn = store.read().await.unwrap();
    assert!(matches!(
        hqdesk_store::units::by_code(&mut conn, "TMP").await,
        Err(hqdesk_store::StoreError::NotFound)
    ));
});

// A case number that is taken is skipped, not an error: the transaction goes on (PostgreSQL
// would abort it on a failed insert) and the caller draws that case a new number.
both_engines!(
    a_case_whose_number_is_taken_is_skipped_and_the_transaction_goes_on,
    |app| async move {
        use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority};
        use hqdesk_domain::channel::Channel;
        use hqdesk_store::cases::{self, NewCase};
        let case = |n: u32| NewCase {
            number: CaseNumber::compose(T0, n),
            kind: CaseKind::Inquiry,
            branch: Branch::Two,
            channel: Channel::Api,
            category_id: None,
            priority: Priority::Normal,
            subject: format!("Hồ sơ {n}"),
            requester_id: None,
            unit_id: None,
            assignee_id: None,
            created_by: None,
            first_response_due_at: None,
            resolution_due_at: None,
            sealed: false,
        };
        let store = app.services.store().clone();
        let mut tx = store.begin().await.unwrap();
        let first = cases::insert_many(&mut tx, &[case(7)], &[0], T0)
            .await
            .unwrap();
        assert!(matches!(first.as_slice(), [Some(_)]), "{first:?}");
        let again = cases::insert_many(&mut tx, &[case(8), case(7), case(9)], &[1, 1, 0], T0)
            .await
            .unwrap();
        assert!(
            matches!(again.as_slice(), [Some(a), None, Some(b)] if a != b && Some(*a) != first[0]),
            "{again:?}"
        );
        Store::commit(tx).await.unwrap();
        let mut conn = store.read().await.unwrap();
        for (n, messages) in [(7, 0), (8, 1), (9, 0)] {
            let c = cases::by_number(&mut conn, &CaseNumber::compose(T0, n))
                .await
                .unwrap();
            assert_eq!(
                (c.subject.as_str(), c.message_count),
                (format!("Hồ sơ {n}").as_str(), messages)
            );
        }
    }
);

// A checkpoint copies what the writer committed into the database file (SQLite; PostgreSQL has
// nothing to do), and the server's loop of them stops with the server.
both_engines!(a_checkpoint_copies_the_committed_log, |app| async move {
    let store = app.services.store().clone();
    let mut tx = store.begin().await.unwrap();
    for i in 0..50 {
        hqdesk_store::units::insert(
            &mut tx,
            &format!("CK{i}"),
            "Đơn vị thử",
            hqdesk_domain::unit::UnitLevel::Team,
            None,
            T0,
        )
        .await
        .unwrap();
    }
    Store::commit(tx).await.unwrap();
    match store.engine() {
        hqdesk_store::Engine::Sqlite => {
            let (log, copied) = store.checkpoint_wal().await.unwrap().unwrap();
            assert!(log > 0, "the commit above is in the log");
            assert_eq!(copied, log, "every committed frame copied");
        }
        hqdesk_store::Engine::Postgres => {
            assert_eq!(store.checkpoint_wal().await.unwrap(), None);
        }
    }
    // The server's loop (which calls the above) ends when told to.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let background = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .run_wal_checkpoints(std::time::Duration::from_millis(10), async {
                    let _ = stopped.await;
                })
                .await;
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let _ = stop.send(());
    tokio::time::timeout(std::time::Duration::from_secs(5), background)
        .await
        .expect("the checkpoint loop stops")
        .unwrap();
});

/// Both engines end up with the same tables and columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_schemas_have_the_same_tables_and_columns() {
    let Some(pg) = crate::support::TestApp::new(crate::support::Engine::Postgres).await else {
        return;
    };
    let lite = crate::support::TestApp::new(crate::support::Engine::Sqlite)
        .await
        .unwrap();
    let mut c = lite.services.store().read().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'case_search_%' AND name NOT LIKE 'kb_search_%' ORDER BY name").fetch_all(&mut *c).await.unwrap();
    let mut lite_cols = vec![];
    for t in &tables {
        let cols: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT name FROM pragma_table_info('{t}') ORDER BY name"
        ))
        .fetch_all(&mut *c)
        .await
        .unwrap();
        for col in cols {
            lite_cols.push(format!("{t}.{col}"));
        }
    }
    let mut p = pg.services.store().read().await.unwrap();
    let mut pg_cols: Vec<String> = sqlx::query_scalar("SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' AND column_name <> 'tsv'")
        .fetch_all(&mut *p)
        .await
        .unwrap();
    lite_cols.sort();
    pg_cols.sort();
    assert_eq!(lite_cols, pg_cols);
}
