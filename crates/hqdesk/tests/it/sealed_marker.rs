//! Issue 18's marker test (design note 006 §9.8): markers written into a sealed case through its
//! channels — a portal report with a file (subject, description, reporter's name and e-mail,
//! file name and content), an investigator's note with a file, the reporter's mail threaded to
//! the case with an attachment — are then looked for, in any letter case, in the raw database
//! (the SQLite file and its WAL; a `pg_dump` of PostgreSQL), every file of the blob directory,
//! and everything the server logged meanwhile at the most verbose level. They are nowhere, and
//! the investigator still reads them all.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::StatusCode;
use base64::Engine as _;
use hqdesk_services::cases::{FileContent, NewAttachment};
use hqdesk_services::mail::MailSource;
use hqdesk_services::portal::PortalRequest;
use hqdesk_services::Actor;
use serde_json::json;

use crate::mail_ingest::add_mailbox;
use crate::sealed_cases::investigator_actor;
use crate::support::{Engine, TestApp};

const SUBJECT: &str = "Tố cáo buôn lậu qua cửa khẩu MKSUBJ7f3a";
const BODY: &str = "Xe tải chở thuốc lá lậu lúc 2 giờ sáng MKBODY91c2";
const NAME: &str = "Trần Thị MKNAME5d0e";
const EMAIL: &str = "mkmail4b1c@khach.test";
const FILE_NAME: &str = "bien-ban-MKFNAME22d1.txt";
const FILE_TEXT: &str = "Biên bản ghi nhận MKFILE83e7";
const NOTE: &str = "Đã xác minh sơ bộ MKNOTE5a5a";
const NOTE_FILE_NAME: &str = "ghi-chu-MKNFNAME7c7c.txt";
const NOTE_FILE_TEXT: &str = "Nội dung xác minh MKNFILE6b6b";
const MAIL_BODY: &str = "Tôi gửi thêm ảnh chụp MKMAILBODY1f1f";
const MAIL_FILE_NAME: &str = "anh-MKMAILNAME2e2e.txt";
const MAIL_FILE_TEXT: &str = "Ảnh chụp biển số MKMAILFILE3d3d";

/// The markers, each a token no other data contains.
const MARKERS: [&str; 12] = [
    "MKSUBJ7f3a",
    "MKBODY91c2",
    "MKNAME5d0e",
    "mkmail4b1c",
    "MKFNAME22d1",
    "MKFILE83e7",
    "MKNOTE5a5a",
    "MKNFNAME7c7c",
    "MKNFILE6b6b",
    "MKMAILBODY1f1f",
    "MKMAILNAME2e2e",
    "MKMAILFILE3d3d",
];

/// The markers found in `bytes`, in any letter case (the search index folds to lower case).
fn markers_in(bytes: &[u8]) -> Vec<&'static str> {
    markers_found(bytes, &MARKERS)
}

/// Those of `markers` found in `bytes`, in any letter case.
pub(crate) fn markers_found<'a>(bytes: &[u8], markers: &[&'a str]) -> Vec<&'a str> {
    let lower = bytes.to_ascii_lowercase();
    markers
        .iter()
        .filter(|m| {
            let m = m.to_ascii_lowercase().into_bytes();
            lower.windows(m.len()).any(|w| w == m.as_slice())
        })
        .copied()
        .collect()
}

/// Every file under `dir`, at any depth.
pub(crate) fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The reporter's mail threaded to case `number`, with a text attachment.
fn follow_up_mail(number: &str) -> Vec<u8> {
    let part = base64::engine::general_purpose::STANDARD.encode(MAIL_FILE_TEXT);
    format!(
        "From: {NAME} <{EMAIL}>\r\nTo: support@hqdesk.test\r\nSubject: Re: [{number}] bổ sung\r\n\
         Message-ID: <followup-7f3a@khach.test>\r\nDate: Mon, 23 Nov 2026 16:20:00 +0700\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{MAIL_BODY}\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8; name=\"{MAIL_FILE_NAME}\"\r\n\
         Content-Disposition: attachment; filename=\"{MAIL_FILE_NAME}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{part}\r\n\
         --b1--\r\n"
    )
    .into_bytes()
}

/// A `pg_dump` of the test's schema (data and all).
fn pg_dump(url: &str) -> Vec<u8> {
    let base = std::env::var("HQDESK_TEST_POSTGRES_URL").expect("PostgreSQL URL");
    let schema = url
        .rsplit("search_path%3D")
        .next()
        .expect("the test's schema")
        .to_string();
    let bin = std::env::var("HQDESK_TEST_PG_BIN")
        .map(PathBuf::from)
        .ok()
        .or_else(|| {
            let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .flatten()
                .map(|e| e.path().join("bin"))
                .collect();
            dirs.sort();
            dirs.pop()
        })
        .expect("a PostgreSQL bin directory");
    let out = std::process::Command::new(bin.join("pg_dump"))
        .args(["--no-owner", "--schema", &schema, "--dbname", &base])
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.len() > 10_000,
        "the dump holds the schema's tables"
    );
    out.stdout
}

async fn scenario(app: TestApp, engine: Engine) {
    let investigator = investigator_actor(&app).await;
    let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();

    // 1. The reporter's portal report, with a file.
    let submitted = app
        .services
        .portal_submit(PortalRequest {
            topic: "denunciation".into(),
            subject: SUBJECT.into(),
            description: BODY.into(),
            name: Some(NAME.into()),
            email: Some(EMAIL.into()),
            attachments: vec![NewAttachment {
                filename: FILE_NAME.into(),
                content_type: "text/plain".into(),
                content: FileContent::Bytes(FILE_TEXT.as_bytes().to_vec()),
            }],
            lang: "vi".into(),
            link_base: "http://hqdesk.test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let number = submitted.case_number.clone();

    // 2. The investigator's note, with a file.
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let (s, j) = app
        .post(
            "investigator",
            &format!("/api/v1/cases/{number}/messages"),
            json!({"body": NOTE, "internal": true, "attachments": [
                {"filename": NOTE_FILE_NAME, "content_type": "text/plain", "content_base64": b64(NOTE_FILE_TEXT)}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");

    // 3. The reporter writes again by mail, with an attachment.
    let mailbox = add_mailbox(&app, "support").await;
    let out = app
        .services
        .ingest_raw_mail(
            mailbox,
            MailSource {
                uidvalidity: Some(7),
                uid: Some(1),
            },
            &follow_up_mail(&number),
        )
        .await
        .unwrap();
    assert_eq!(
        out.case_number.as_deref(),
        Some(number.as_str()),
        "threaded"
    );

    // The clear copies the sealed ones replaced go once they are no longer new.
    app.clock.advance_seconds(600);
    let registry = hqdesk_services::mail::sender::registry();
    while app.services.run_one_job(&registry, "test").await.unwrap() {}

    // The investigator reads all of it.
    let view = app.services.get_case(&investigator, &number).await.unwrap();
    assert!(view.case.sealed);
    assert_eq!(view.case.subject, SUBJECT);
    assert!(
        view.reporter.is_none(),
        "the identity is sealed to investigators"
    );
    let reporter =
        crate::identity_vault::granted_reporter(&app, Some(&escrow.key), &investigator, &number)
            .await;
    assert_eq!(reporter.name.as_deref(), Some(NAME));
    assert_eq!(reporter.email.as_deref(), Some(EMAIL));
    let bodies: Vec<String> = app
        .services
        .list_timeline(&investigator, &number, true, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    for text in [BODY, NOTE, MAIL_BODY] {
        assert!(
            bodies.iter().any(|b| b.contains(text)),
            "{text}: {bodies:?}"
        );
    }
    let files = app
        .services
        .case_attachments(&investigator, &number)
        .await
        .unwrap();
    for (name, text) in [
        (FILE_NAME, FILE_TEXT),
        (NOTE_FILE_NAME, NOTE_FILE_TEXT),
        (MAIL_FILE_NAME, MAIL_FILE_TEXT),
    ] {
        let a = files
            .iter()
            .find(|a| a.filename == name)
            .unwrap_or_else(|| panic!("{name} in {files:?}"));
        let (_, bytes) = app.services.attachment(&investigator, a.id).await.unwrap();
        assert_eq!(bytes, text.as_bytes(), "{name} opens");
    }
    // The raw mail is kept as evidence, sealed.
    let raw_blob: Option<String> = {
        let mut conn = app.services.store().read().await.unwrap();
        sqlx::query_scalar("SELECT blob FROM mail_inbound WHERE id = $1")
            .bind(out.raw_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    let raw_blob = raw_blob.expect("the raw mail names its sealed copy");
    let key_holder = investigator.unlocked_key().unwrap();
    let mut keys = hqdesk_services::sealing::CaseKeys::with_key_pair(key_holder);
    let mut conn = app.services.store().read().await.unwrap();
    let data_key = keys
        .data_key(&mut conn, view.case.id)
        .await
        .unwrap()
        .expect("the investigator's wrap");
    let raw = app
        .services
        .blobs()
        .unwrap()
        .get_sealed(&raw_blob, data_key)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(
        raw,
        follow_up_mail(&number),
        "the raw mail opens as received"
    );
    // The reporter's tracking link opens their file too.
    let tracked = app
        .services
        .portal_track(&submitted.tracking_token)
        .await
        .unwrap();
    let mine = tracked
        .attachments
        .iter()
        .find(|a| a.filename == FILE_NAME)
        .expect("the reporter's file on the tracking page");
    let (_, bytes) = app
        .services
        .portal_attachment(&submitted.tracking_token, mine.id)
        .await
        .unwrap();
    assert_eq!(bytes, FILE_TEXT.as_bytes());

    // At rest: the blob directory, every file of it.
    let mut blobs = Vec::new();
    files_under(app.services.blobs().unwrap().root(), &mut blobs);
    assert!(blobs.len() >= 4, "three files and the raw mail: {blobs:?}");
    for f in &blobs {
        let found = markers_in(&std::fs::read(f).unwrap());
        assert!(found.is_empty(), "{found:?} in {}", f.display());
    }
    // The database, as a file or as a dump.
    match engine {
        Engine::Sqlite => {
            let db = PathBuf::from(app.url.trim_start_matches("sqlite://"));
            let mut read = 0;
            for suffix in ["", "-wal"] {
                let path = PathBuf::from(format!("{}{suffix}", db.display()));
                if let Ok(bytes) = std::fs::read(&path) {
                    read += bytes.len();
                    let found = markers_in(&bytes);
                    assert!(found.is_empty(), "{found:?} in {}", path.display());
                }
            }
            assert!(read > 100_000, "the database was read ({read} bytes)");
        }
        Engine::Postgres => {
            let found = markers_in(&pg_dump(&app.url));
            assert!(found.is_empty(), "{found:?} in the PostgreSQL dump");
        }
    }
}

/// Everything logged in this process from the first call on, by every thread (SQLite's
/// statements run on its own worker thread), at the most verbose level: what a server's log
/// would hold with `HQDESK_LOG=trace`.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other logger in this test process (nextest runs one test per process)");
        log
    })
    .clone()
}

/// Run the scenario on `engine` with the log captured; then look in the log.
fn run(engine: Engine) {
    let log = captured_log();
    let before = log.lock().unwrap().len();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ran = rt.block_on(async {
        let Some(app) = TestApp::new(engine).await else {
            return false;
        };
        scenario(app, engine).await;
        true
    });
    if !ran {
        return;
    }
    let log = log.lock().unwrap();
    // Each statement is logged at debug level: a run writes far more than this.
    assert!(
        log.len() - before > 10_000,
        "the log was captured ({} bytes)",
        log.len() - before
    );
    let found = markers_in(&log);
    assert!(found.is_empty(), "{found:?} in the log");
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

mod a_sealed_cases_markers_are_nowhere_at_rest_or_in_the_log {
    use super::*;

    #[test]
    fn sqlite() {
        run(Engine::Sqlite)
    }

    #[test]
    fn postgres() {
        run(Engine::Postgres)
    }
}
