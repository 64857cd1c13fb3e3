//! The email channel's transport against real servers on loopback (Dovecot for IMAP, Postfix for
//! SMTP delivering into Dovecot), started by scripts/test.sh: a mail sent to the support mailbox
//! becomes a case through the running fetcher, an agent's reply arrives threaded in the
//! requester's mailbox, the requester's answer lands on the same case; and the faults: an IMAP
//! connection cut in the middle of a fetch, the SMTP server down while replies are queued.
//!
//! Any address in hqdesk.test and khach.test exists on the test servers (one password), so each
//! test uses addresses of its own and the tests run in parallel on one pair of servers.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hqdesk_services::mail::fetcher::{run_supervisor, FetcherConfig};
use hqdesk_services::mail::imap::{self, Timeouts};
use hqdesk_services::mail::mailboxes::MailboxForm;
use hqdesk_services::mail::transport::{parse_imap, ImapTarget};
use hqdesk_services::Actor;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::both_engines;
use crate::support::{fresh_database, Engine, TestApp};

/// Where the test servers are, or None (reason printed) when they are not running.
#[derive(Clone)]
pub struct MailEnv {
    pub imap: String,
    pub smtp: String,
    pub password: String,
}

pub fn mail_env() -> Option<MailEnv> {
    match (
        std::env::var("HQDESK_TEST_IMAP"),
        std::env::var("HQDESK_TEST_SMTP"),
    ) {
        (Ok(imap), Ok(smtp)) if !imap.is_empty() && !smtp.is_empty() => Some(MailEnv {
            imap,
            smtp,
            password: std::env::var("HQDESK_TEST_MAIL_PASSWORD")
                .unwrap_or_else(|_| "hqdesk-test".into()),
        }),
        _ => {
            if std::env::var("HQDESK_REQUIRE_MAIL").is_ok() {
                panic!("HQDESK_REQUIRE_MAIL is set but HQDESK_TEST_IMAP/HQDESK_TEST_SMTP are not");
            }
            eprintln!(
                "SKIPPED (mail): HQDESK_TEST_IMAP/HQDESK_TEST_SMTP are not set; run scripts/test.sh \
                 (as root) to start Dovecot and Postfix"
            );
            None
        }
    }
}

pub(crate) fn unique(prefix: &str, domain: &str) -> String {
    format!(
        "{prefix}-{}@{domain}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

fn enc(s: &str) -> String {
    s.replace('@', "%40")
}

impl MailEnv {
    fn imap_url_at(&self, hostport: &str, user: &str) -> String {
        format!("imap://{}:{}@{hostport}/INBOX", enc(user), self.password)
    }
    fn imap_target(&self, user: &str) -> ImapTarget {
        parse_imap(&self.imap_url_at(&self.imap, user), true).unwrap()
    }

    /// Send `raw` over SMTP (a minimal client: the test controls every header byte).
    pub(crate) async fn send(&self, from: &str, to: &str, raw: &str) {
        smtp_send(&self.smtp, from, to, raw).await.unwrap();
    }

    /// Every mail in `user`'s INBOX, raw, in UID order.
    pub(crate) async fn inbox(&self, user: &str) -> Vec<String> {
        let target = self.imap_target(user);
        let mut s = imap::connect(&target, Timeouts::default()).await.unwrap();
        s.select("INBOX").await.unwrap();
        let mut out = Vec::new();
        for uid in s.uids_after(0).await.unwrap() {
            if let Some(b) = s.fetch_raw(uid).await.unwrap() {
                out.push(String::from_utf8_lossy(&b).into_owned());
            }
        }
        s.logout().await;
        out
    }

    /// Wait until `user`'s INBOX holds at least `n` mails; return them.
    async fn wait_inbox(&self, user: &str, n: usize, secs: u64) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let mails = self.inbox(user).await;
            if mails.len() >= n || tokio::time::Instant::now() > deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn smtp_send(hostport: &str, from: &str, to: &str, raw: &str) -> Result<(), String> {
    let stream = TcpStream::connect(hostport)
        .await
        .map_err(|e| e.to_string())?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Result<String, String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
                return Err(format!("connection closed after {all:?}"));
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        if all.starts_with('2') || all.starts_with('3') {
            Ok(all)
        } else {
            Err(all)
        }
    }
    reply(&mut r).await?;
    for cmd in [
        "EHLO khach.test".to_string(),
        format!("MAIL FROM:<{from}>"),
        format!("RCPT TO:<{to}>"),
        "DATA".to_string(),
    ] {
        w.write_all(format!("{cmd}\r\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        reply(&mut r).await?;
    }
    let mut body = raw.replace("\r\n", "\n").replace('\n', "\r\n");
    if !body.ends_with("\r\n") {
        body.push_str("\r\n");
    }
    let body = body.replace("\r\n.", "\r\n..");
    w.write_all(body.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    w.write_all(b".\r\nQUIT\r\n")
        .await
        .map_err(|e| e.to_string())?;
    reply(&mut r).await?;
    Ok(())
}

pub(crate) fn requester_mail(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    extra: &str,
    body: &str,
) -> String {
    format!(
        "From: Nguyễn Văn An <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Mon, 23 Nov 2026 16:20:00 +0700\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n{extra}\r\n{body}\r\n"
    )
}

/// A header's value (first occurrence, unfolded).
pub(crate) fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let mut out: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(v) = out.as_mut() {
            if line.starts_with(' ') || line.starts_with('\t') {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case(name) {
                out = Some(v.trim().to_string());
            }
        }
    }
    out
}

/// Poll `check` until it is true or `secs` pass.
pub(crate) async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The fetchers and the job runner of a test, stopped when dropped.
pub(crate) struct Workers {
    stop: watch::Sender<bool>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub(crate) fn fast_fetcher(node: &str) -> FetcherConfig {
    let mut cfg = FetcherConfig::new(node);
    cfg.supervise_every = Duration::from_millis(300);
    cfg.poll_every = Duration::from_millis(300);
    cfg.idle_max = Duration::from_secs(5);
    cfg.backoff_min = Duration::from_millis(100);
    cfg.backoff_max = Duration::from_millis(500);
    cfg.timeouts = Timeouts {
        connect: Duration::from_secs(5),
        command: Duration::from_secs(10),
    };
    cfg
}

/// Start the fetch supervisor and (when `jobs`) the job runner with the mail handlers.
pub(crate) fn start_workers(app: &TestApp, jobs: bool) -> Workers {
    start_workers_with(app, fast_fetcher("test-node"), jobs)
}

fn start_workers_with(app: &TestApp, fetcher: FetcherConfig, jobs: bool) -> Workers {
    start_workers_on(&app.services, fetcher, jobs)
}

/// [`start_workers_with`] on these services (a test that needs other settings, such as the
/// public address the acknowledgement's links start with).
pub(crate) fn start_workers_on(
    services: &hqdesk_services::Services,
    fetcher: FetcherConfig,
    jobs: bool,
) -> Workers {
    let (stop, rx) = watch::channel(false);
    let app_services = services.clone();
    let services = app_services.clone();
    let mut r1 = rx.clone();
    tokio::spawn(async move {
        run_supervisor(services, fetcher, async move {
            let _ = r1.changed().await;
        })
        .await;
    });
    if jobs {
        let services = app_services.clone();
        let mut r2 = rx.clone();
        tokio::spawn(async move {
            services
                .run_jobs(
                    hqdesk_services::mail::sender::registry(),
                    "test-jobs".into(),
                    async move {
                        let _ = r2.changed().await;
                    },
                )
                .await;
        });
    }
    Workers { stop }
}

pub(crate) async fn add_mailbox(
    app: &TestApp,
    env: &MailEnv,
    address: &str,
    imap_hostport: &str,
    smtp_hostport: &str,
) -> i64 {
    app.services
        .add_mailbox(
            &Actor::Cli,
            MailboxForm {
                name: address.split('@').next().unwrap().to_string(),
                address: address.into(),
                imap_url: env.imap_url_at(imap_hostport, address),
                smtp_url: format!("smtp://{smtp_hostport}"),
                insecure_plain: true,
                default_branch: Some("2".into()),
                default_category: None,
                enabled: true,
            },
        )
        .await
        .unwrap()
        .id
}

pub(crate) async fn cases(app: &TestApp) -> Vec<Value> {
    let (s, j) = app.get("agent", "/api/v1/cases?limit=100").await;
    assert_eq!(s, 200, "{j}");
    j["items"].as_array().cloned().unwrap_or_default()
}

async fn messages(app: &TestApp, number: &str) -> Vec<Value> {
    let (s, j) = app
        .get("agent", &format!("/api/v1/cases/{number}/messages"))
        .await;
    assert_eq!(s, 200, "{j}");
    j["items"].as_array().cloned().unwrap_or_default()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

/// The replies written by agents (not acknowledgements) in a mailbox's raw mails.
fn agent_replies(mails: &[String]) -> Vec<&String> {
    mails
        .iter()
        .filter(|m| header(m, "X-Hqdesk-Case").is_some() && header(m, "Auto-Submitted").is_none())
        .collect()
}

both_engines!(email_round_trip_through_real_servers, |app| async move {
    let Some(env) = mail_env() else { return };
    let support = unique("support", "hqdesk.test");
    let requester = unique("an", "khach.test");
    add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
    let _workers = start_workers(&app, true);

    // 1. The requester writes; the running fetcher makes a case of it.
    let first_id = unique("first", "khach.test");
    env.send(
        &requester,
        &support,
        &requester_mail(
            &requester,
            &support,
            "=?UTF-8?B?TOG7l2kgxJHEg25nIGvDvSB0w6BpIGtob+G6o24gVk5BQ0NT?=",
            &first_id,
            // Outlook's conversation key: indexed for threading, never put in our headers.
            "Thread-Index: AdnGq2R5c3Rlc3RrZXkAAAAAAAAAAA==\r\n",
            "Xin chào, tôi không đăng ký được tài khoản VNACCS.",
        ),
    )
    .await;
    eventually(30, "a case from the mail", || async {
        !cases(&app).await.is_empty()
    })
    .await;
    let list = cases(&app).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let case = &list[0];
    assert_eq!(case["channel"], "email", "{case}");
    assert_eq!(case["subject"], "Lỗi đăng ký tài khoản VNACCS");
    let number = case["number"].as_str().unwrap().to_string();

    // 2. An agent replies through the API; it arrives in the requester's mailbox, threaded.
    let (s, reply) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{number}/messages"),
            json!({ "body": "Chào anh An, anh vui lòng đặt lại mật khẩu theo hướng dẫn." }),
        )
        .await;
    assert_eq!(s, 201, "{reply}");
    assert_eq!(reply["delivery_state"], "queued");
    eventually(
        30,
        "the acknowledgement and the reply in the requester's mailbox",
        || {
            let env = env.clone();
            let requester = requester.clone();
            async move {
                let mails = env.inbox(&requester).await;
                !agent_replies(&mails).is_empty()
                    && mails.iter().any(|m| header(m, "Auto-Submitted").is_some())
            }
        },
    )
    .await;
    let mails = env.inbox(&requester).await;
    let replies = agent_replies(&mails);
    assert_eq!(replies.len(), 1);
    let r = replies[0];
    assert_eq!(
        header(r, "In-Reply-To").as_deref(),
        Some(format!("<{first_id}>").as_str())
    );
    let refs = header(r, "References").unwrap_or_default();
    assert!(refs.contains(&format!("<{first_id}>")), "{r}");
    assert!(
        !refs.contains("ti:"),
        "no Thread-Index key in References: {r}"
    );
    assert!(
        header(r, "Subject")
            .unwrap()
            .contains(&format!("[{number}]")),
        "{r}"
    );
    assert_eq!(header(r, "From").as_deref(), Some(support.as_str()));
    assert!(header(r, "To").unwrap().contains(&requester));
    assert_eq!(header(r, "X-Loop").as_deref(), Some("hqdesk"));
    let reply_id = header(r, "Message-ID").unwrap();
    eventually(10, "the reply marked sent", || async {
        messages(&app, &number)
            .await
            .iter()
            .any(|m| m["id"] == reply["id"] && m["delivery_state"] == "sent")
    })
    .await;

    // 3. The requester answers the reply (a changed subject: the headers carry the thread).
    let answer_id = unique("answer", "khach.test");
    env.send(
        &requester,
        &support,
        &requester_mail(
            &requester,
            &support,
            "Cảm ơn, đã được",
            &answer_id,
            &format!("In-Reply-To: {reply_id}\r\nReferences: <{first_id}> {reply_id}\r\n"),
            "Cảm ơn anh, tôi đã đăng nhập được.",
        ),
    )
    .await;
    eventually(30, "the answer on the same case", || async {
        messages(&app, &number)
            .await
            .iter()
            .filter(|m| m["kind"] == "inbound")
            .count()
            == 2
    })
    .await;
    assert_eq!(cases(&app).await.len(), 1, "no second case");
    let msgs = messages(&app, &number).await;
    assert!(
        msgs.iter()
            .any(|m| m["kind"] == "inbound"
                && m["body"].as_str().unwrap().contains("đăng nhập được")),
        "{msgs:?}"
    );
    // The acknowledgement went out too, and its Message-ID is indexed on the case (a bounce of it
    // lands there).
    let ack = mails
        .iter()
        .find(|m| header(m, "Auto-Submitted").as_deref() == Some("auto-replied"))
        .expect("an acknowledgement");
    let ack_id = header(ack, "Message-ID").unwrap();
    let ack_id = ack_id.trim_start_matches('<').trim_end_matches('>');
    let mut conn = app.services.store().read().await.unwrap();
    let indexed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_message_ids WHERE message_id = $1 AND direction = 'out'",
    )
    .bind(ack_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(indexed, 1, "{ack_id}");
    // The sync state is visible to administrators.
    let views = app.services.list_mailboxes(&Actor::Cli).await.unwrap();
    assert_eq!(views[0].last_uid, 2);
    assert_eq!(views[0].last_error, None);
    assert!(
        !views[0].imap_url.contains(&env.password),
        "{}",
        views[0].imap_url
    );
});

/// A TCP proxy to `upstream`. While `budgets` has entries, the n-th connection is cut after that
/// many bytes from the server (mid-literal of a fetch); later connections pass everything.
struct Proxy {
    addr: String,
    connections: Arc<AtomicUsize>,
}

async fn start_proxy(upstream: String, budgets: Vec<usize>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let connections = Arc::new(AtomicUsize::new(0));
    let c = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let n = c.fetch_add(1, Ordering::SeqCst);
            let budget = budgets.get(n).copied();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut sent = 0usize;
                let mut buf = vec![0u8; 4096];
                while let Ok(k) = sr.read(&mut buf).await {
                    if k == 0 {
                        break;
                    }
                    let k = match budget {
                        Some(b) if sent + k >= b => {
                            let part = b.saturating_sub(sent);
                            let _ = cw.write_all(&buf[..part]).await;
                            break; // cut: both halves dropped below
                        }
                        _ => k,
                    };
                    if cw.write_all(&buf[..k]).await.is_err() {
                        break;
                    }
                    sent += k;
                }
                up.abort();
            });
        }
    });
    Proxy { addr, connections }
}

both_engines!(
    email_imap_cut_mid_fetch_loses_and_doubles_nothing,
    |app| async move {
        let Some(env) = mail_env() else { return };
        let support = unique("support", "hqdesk.test");
        // Five mails of ~20 kB wait in the mailbox before hqdesk looks at it.
        let filler = "Nội dung tờ khai hải quan điện tử. ".repeat(500);
        let mut subjects = Vec::new();
        for i in 0..5 {
            let from = unique(&format!("dn{i}"), "khach.test");
            let subject = format!("Tờ khai số {i} bị lỗi");
            env.send(
                &from,
                &support,
                &requester_mail(
                    &from,
                    &support,
                    &subject,
                    &unique("cut", "khach.test"),
                    "",
                    &filler,
                ),
            )
            .await;
            subjects.push(subject);
        }
        let target = env.imap_target(&support);
        eventually(20, "five mails in the support INBOX", || {
            let target = target.clone();
            async move {
                let Ok(mut s) = imap::connect(&target, Timeouts::default()).await else {
                    return false;
                };
                let n = s.select("INBOX").await.map(|x| x.exists).unwrap_or(0);
                s.logout().await;
                n == 5
            }
        })
        .await;

        // The first three connections through the proxy are cut in the middle of a message body.
        let proxy = start_proxy(env.imap.clone(), vec![15_000, 35_000, 60_000]).await;
        add_mailbox(&app, &env, &support, &proxy.addr, &env.smtp).await;
        let _workers = start_workers(&app, false);
        eventually(60, "five cases", || async { cases(&app).await.len() >= 5 }).await;
        // Let the fetcher go round once more: nothing new may appear.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let list = cases(&app).await;
        assert!(
            proxy.connections.load(Ordering::SeqCst) >= 4,
            "the cuts happened"
        );
        assert_eq!(list.len(), 5, "every mail is a case exactly once: {list:?}");
        for s in &subjects {
            assert_eq!(
                list.iter().filter(|c| c["subject"] == s.as_str()).count(),
                1,
                "{s}"
            );
            assert!(list.iter().all(|c| c["channel"] == "email"));
        }
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM mail_inbound").await, 5);
        assert_eq!(scalar(&app, "SELECT MAX(last_uid) FROM mailboxes").await, 5);
    }
);

/// A small TCP forwarder on a fixed local port that can be stopped and started again.
struct Forwarder {
    addr: String,
    task: Option<tokio::task::JoinHandle<()>>,
    upstream: String,
}

impl Forwarder {
    /// Reserve a port with nothing listening on it (connections are refused).
    async fn closed(upstream: &str) -> Forwarder {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        drop(l);
        Forwarder {
            addr,
            task: None,
            upstream: upstream.into(),
        }
    }
    async fn open(&mut self) {
        let listener = TcpListener::bind(&self.addr).await.unwrap();
        let upstream = self.upstream.clone();
        self.task = Some(tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Run due jobs until none is left (the runner's own loop, driven by hand with the manual clock).
pub(crate) async fn drain_jobs(app: &TestApp) {
    let registry = hqdesk_services::mail::sender::registry();
    while app.services.run_one_job(&registry, "test").await.unwrap() {}
}

both_engines!(
    email_smtp_down_then_back_delivers_each_reply_once,
    |app| async move {
        let Some(env) = mail_env() else { return };
        let support = unique("support", "hqdesk.test");
        let requester = unique("binh", "khach.test");
        let mut smtp = Forwarder::closed(&env.smtp).await;
        add_mailbox(&app, &env, &support, &env.imap, &smtp.addr).await;
        let _workers = start_workers(&app, false);
        let first_id = unique("q", "khach.test");
        env.send(
            &requester,
            &support,
            &requester_mail(
                &requester,
                &support,
                "Hỏi về thuế nhập khẩu",
                &first_id,
                "",
                "Xin hỏi thuế suất.",
            ),
        )
        .await;
        eventually(30, "a case from the mail", || async {
            !cases(&app).await.is_empty()
        })
        .await;
        let number = cases(&app).await[0]["number"].as_str().unwrap().to_string();

        // Three replies while the SMTP server cannot be reached.
        let mut ids = Vec::new();
        for i in 0..3 {
            let (s, j) = app
                .post(
                    "agent",
                    &format!("/api/v1/cases/{number}/messages"),
                    json!({ "body": format!("Trả lời số {i}") }),
                )
                .await;
            assert_eq!(s, 201, "{j}");
            ids.push(j["id"].clone());
        }
        drain_jobs(&app).await;
        let msgs = messages(&app, &number).await;
        for id in &ids {
            let m = msgs.iter().find(|m| m["id"] == *id).unwrap();
            assert_eq!(
                m["delivery_state"], "queued",
                "still queued while SMTP is down: {m}"
            );
        }
        assert!(
        scalar(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'message.deliver' AND last_error IS NOT NULL").await >= 3,
        "each delivery was tried and failed"
    );

        // The server comes back; the retries (due after the runner's backoff) deliver each once.
        smtp.open().await;
        app.clock.advance_seconds(3600);
        drain_jobs(&app).await;
        // A second pass finds nothing more to send.
        app.clock.advance_seconds(3600);
        drain_jobs(&app).await;
        let mails = env.wait_inbox(&requester, 4, 30).await; // the acknowledgement + 3 replies
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mails = {
            let again = env.inbox(&requester).await;
            assert_eq!(again.len(), mails.len(), "nothing arrives late");
            again
        };
        let replies = agent_replies(&mails);
        assert_eq!(replies.len(), 3, "each reply delivered exactly once");
        let mut seen: Vec<String> = replies
            .iter()
            .map(|m| header(m, "Message-ID").unwrap())
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 3, "three distinct Message-IDs");
        for r in &replies {
            assert_eq!(header(r, "In-Reply-To"), Some(format!("<{first_id}>")));
        }
        let msgs = messages(&app, &number).await;
        for id in &ids {
            let m = msgs.iter().find(|m| m["id"] == *id).unwrap();
            assert_eq!(m["delivery_state"], "sent", "{m}");
        }
    }
);

both_engines!(
    email_permanent_refusal_fails_without_retry,
    |app| async move {
        let Some(env) = mail_env() else { return };
        let support = unique("support", "hqdesk.test");
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        // A case for a requester whose domain the server refuses for good (550).
        let number = app
            .open(
                "agent",
                json!({"kind":"inquiry","branch":2,"channel":"email","subject":"Hỏi đáp",
                   "body":"…","requester":{"name":"Lê Văn C","email":"c@outside.example"}}),
            )
            .await;
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/messages"),
                json!({"body":"Trả lời"}),
            )
            .await;
        assert_eq!(s, 201, "{j}");
        drain_jobs(&app).await;
        let msgs = messages(&app, &number).await;
        let m = msgs.iter().find(|m| m["id"] == j["id"]).unwrap();
        assert_eq!(m["delivery_state"], "failed", "{m}");
        assert!(
            m["meta"].to_string().contains("550"),
            "the server's words are kept: {m}"
        );
        assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'message.deliver' AND finished_at IS NOT NULL AND attempts = 1").await,
        1,
        "no retry after a permanent refusal"
    );
    }
);

both_engines!(
    email_mailbox_admin_is_for_administrators,
    |app| async move {
        // No servers needed: access and validation.
        let form = MailboxForm {
            name: "hotro".into(),
            address: "hotro@customs.gov.vn".into(),
            imap_url: "imaps://hotro%40customs.gov.vn:s3cret@mail.customs.gov.vn/INBOX".into(),
            smtp_url: "smtps://hotro%40customs.gov.vn:s3cret@mail.customs.gov.vn".into(),
            insecure_plain: false,
            default_branch: Some("2".into()),
            default_category: None,
            enabled: true,
        };
        let agent = app
            .services
            .authenticate_token(app.token("agent"))
            .await
            .unwrap();
        let e = app
            .services
            .add_mailbox(&agent, form.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(e, hqdesk_services::ServiceError::Forbidden(_)),
            "{e:?}"
        );
        let admin = app
            .services
            .authenticate_token(app.token("admin"))
            .await
            .unwrap();
        let m = app
            .services
            .add_mailbox(&admin, form.clone())
            .await
            .unwrap();
        assert!(
            !m.imap_url.contains("s3cret") && !m.smtp_url.contains("s3cret"),
            "{m:?}"
        );
        let e = app
            .services
            .add_mailbox(&admin, form.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(e, hqdesk_services::ServiceError::Conflict { .. }),
            "{e:?}"
        );
        // Plain text to a remote host is refused, with the reason.
        let e = app
            .services
            .add_mailbox(
                &admin,
                MailboxForm {
                    name: "x".into(),
                    imap_url: "imap://u:p@mail.customs.gov.vn/INBOX".into(),
                    smtp_url: "smtp://mail.customs.gov.vn".into(),
                    insecure_plain: true,
                    ..form.clone()
                },
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("plain text")
                || format!("{e:?}").contains("insecure_plain_remote"),
            "{e:?}"
        );
        // Sending the redacted URL back keeps the password.
        let edited = app
            .services
            .update_mailbox(
                &admin,
                m.id,
                MailboxForm {
                    imap_url: m.imap_url.clone(),
                    smtp_url: m.smtp_url.clone(),
                    default_branch: Some("1".into()),
                    ..form.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.default_branch, Some(1));
        let mut conn = app.services.store().read().await.unwrap();
        let stored = hqdesk_store::mailboxes::get(&mut conn, m.id).await.unwrap();
        assert!(stored.imap_url.contains("s3cret") && stored.smtp_url.contains("s3cret"));
        let off = app
            .services
            .set_mailbox_enabled(&admin, m.id, false)
            .await
            .unwrap();
        assert!(!off.enabled);
    }
);

fn hqdesk(url: &str, data_dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args(args)
        .env("HQDESK_DATABASE_URL", url)
        .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
        .env("HQDESK_DATA_DIR", data_dir)
        .env("HQDESK_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct KillOnDrop(std::process::Child);
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn cli_mailbox_add_is_picked_up_by_a_running_server(engine: Engine) {
    let Some(env) = mail_env() else { return };
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let data = std::env::temp_dir().join(format!("hqdesk-mailcli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).unwrap();
    let (code, _, err) = hqdesk(&url, &data, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    let _server = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_hqdesk"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("HQDESK_DATABASE_URL", &url)
            .env("HQDESK_SECRET_KEY", crate::support::TEST_SECRET_KEY)
            .env("HQDESK_DATA_DIR", &data)
            .env("HQDESK_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let support = unique("support", "hqdesk.test");
    let imap = env.imap_url_at(&env.imap, &support);
    let smtp = format!("smtp://{}", env.smtp);

    // Bad input is refused with a reason, never half-stored.
    for (args, says) in [
        (
            vec![
                "--imap",
                "imap://u:p@mail.example.vn/INBOX",
                "--smtp",
                "smtp://mail.example.vn",
                "--insecure-plain",
            ],
            "only to this machine",
        ),
        (
            vec![
                "--imap",
                "pop3://u:p@127.0.0.1/INBOX",
                "--smtp",
                smtp.as_str(),
            ],
            "imap://",
        ),
        (
            vec!["--imap", "imap://127.0.0.1/INBOX", "--smtp", smtp.as_str()],
            "user name",
        ),
        (
            vec!["--imap", imap.as_str(), "--smtp", "smtp://u@127.0.0.1:25"],
            "user name and a password",
        ),
    ] {
        let mut a = vec!["mailbox", "add", "bad", "--address", support.as_str()];
        a.extend(args);
        let (code, _, err) = hqdesk(&url, &data, &a);
        assert_ne!(code, 0);
        assert!(err.contains(says), "{says:?} in {err}");
    }
    let (code, _, err) = hqdesk(
        &url,
        &data,
        &[
            "mailbox",
            "add",
            "support",
            "--address",
            &support,
            "--imap",
            &imap,
            "--smtp",
            &smtp,
            "--insecure-plain",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains(&env.password),
        "the password is not echoed: {err}"
    );
    let (code, out, err) = hqdesk(&url, &data, &["mailbox", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&support) && !out.contains(&env.password),
        "{out}"
    );
    let (code, out, err) = hqdesk(&url, &data, &["mailbox", "test", "support"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ok: IMAP") && out.contains("ok: SMTP"),
        "{out}"
    );

    // The running server starts fetching it without a restart.
    let requester = unique("cli", "khach.test");
    env.send(
        &requester,
        &support,
        &requester_mail(
            &requester,
            &support,
            "Qua dòng lệnh",
            &unique("m", "khach.test"),
            "",
            "Nội dung",
        ),
    )
    .await;
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    eventually(40, "a case made by the running server", || {
        let store = store.clone();
        async move {
            let mut conn = store.read().await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE channel = 'email'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            n == 1
        }
    })
    .await;
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_cli_mailbox_add_picked_up_without_restart_sqlite() {
    cli_mailbox_add_is_picked_up_by_a_running_server(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_cli_mailbox_add_picked_up_without_restart_postgres() {
    cli_mailbox_add_is_picked_up_by_a_running_server(Engine::Postgres).await;
}

/// The console's mailbox page in a real browser: add a mailbox pointing at the test servers,
/// test the connection (IMAP login + select, SMTP EHLO), edit it without retyping the password,
/// disable it. The password never reaches the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_console_mailbox_admin_with_test_connection() {
    use crate::browser::{serve, Browser};
    let Some(env) = mail_env() else { return };
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let password = "mật khẩu thật dài 2026";
    app.services
        .update_user(
            &Actor::Cli,
            "admin",
            hqdesk_services::directory::UpdateUser {
                password: Some(password.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let base = serve(app.router.clone()).await;
    b.goto(&format!("{base}/console/login")).await;
    b.wait_for("form#login", 10).await;
    b.fill("#username", "admin").await;
    b.fill("#password", password).await;
    b.click("form#login button[type=submit]").await;
    // Administrators must enrol a second factor first.
    crate::console::confirm_enrolment(&b, &app.services).await;

    b.goto(&format!("{base}/console/admin")).await;
    b.wait_for("#admin-mailboxes", 10).await;
    b.click("#admin-mailboxes").await;
    b.wait_for("form#add-mailbox", 10).await;
    b.wait_for("#no-mailboxes", 10).await;
    let support = unique("support", "hqdesk.test");
    b.fill("form#add-mailbox input[name=name]", "hotro").await;
    b.fill("form#add-mailbox input[name=address]", &support)
        .await;
    // Plain text to a remote host is refused, with the reason on the page.
    b.fill(
        "form#add-mailbox input[name=imap_url]",
        "imap://u:p@mail.example.vn/INBOX",
    )
    .await;
    b.fill(
        "form#add-mailbox input[name=smtp_url]",
        "smtp://mail.example.vn",
    )
    .await;
    b.click("form#add-mailbox input[name=insecure_plain]").await;
    b.click("form#add-mailbox button[type=submit]").await;
    b.wait_for_text(".banner", "mail.example.vn", 10).await;
    b.fill("form#add-mailbox input[name=name]", "hotro").await;
    b.fill("form#add-mailbox input[name=address]", &support)
        .await;
    b.fill(
        "form#add-mailbox input[name=imap_url]",
        &env.imap_url_at(&env.imap, &support),
    )
    .await;
    b.fill(
        "form#add-mailbox input[name=smtp_url]",
        &format!("smtp://{}", env.smtp),
    )
    .await;
    b.click("form#add-mailbox input[name=insecure_plain]").await;
    b.click("form#add-mailbox button[type=submit]").await;
    b.wait_for("tr[data-mailbox=\"hotro\"]", 10).await;
    b.click("tr[data-mailbox=\"hotro\"] button.test-connection")
        .await;
    b.wait_for("#mailbox-test", 20).await;
    let imap_line = b.text("#test-imap").await;
    let smtp_line = b.text("#test-smtp").await;
    assert!(
        imap_line.contains("IMAP: tốt") && imap_line.contains("INBOX"),
        "{imap_line}"
    );
    assert!(smtp_line.contains("SMTP: tốt"), "{smtp_line}");
    b.screenshot("console-mailboxes-test").await;
    let html = b.client.source().await.unwrap();
    assert!(
        !html.contains(&env.password),
        "the password never reaches the page"
    );

    // Edit (default branch) leaving the redacted password as it is: the stored one is kept.
    b.click("tr.mailbox-edit summary").await;
    b.client
        .execute(
            "document.querySelector('tr.mailbox-edit select[name=default_branch]').value = '1'",
            vec![],
        )
        .await
        .unwrap();
    b.click("tr.mailbox-edit button[type=submit]").await;
    // The page reloads after the post: wait for the stored change, not for the old page.
    eventually(10, "the edit saved", || async {
        app.services.list_mailboxes(&Actor::Cli).await.unwrap()[0].default_branch == Some(1)
    })
    .await;
    b.goto(&format!("{base}/console/admin/mailboxes")).await;
    b.wait_for("tr[data-mailbox=\"hotro\"]", 10).await;
    let views = app.services.list_mailboxes(&Actor::Cli).await.unwrap();
    assert!(views[0].enabled);
    let report = app
        .services
        .test_mailbox(&Actor::Cli, views[0].id)
        .await
        .unwrap();
    assert!(report.ok(), "the stored password still works: {report:?}");
    // Disable.
    b.click("tr[data-mailbox=\"hotro\"] form[action$=\"/enabled\"] button")
        .await;
    b.wait_for_text("tr[data-mailbox=\"hotro\"]", "đã tắt", 10)
        .await;
    assert!(!app.services.list_mailboxes(&Actor::Cli).await.unwrap()[0].enabled);
    b.close().await;
}

both_engines!(
    email_uidvalidity_change_resyncs_without_duplicates,
    |app| async move {
        let Some(env) = mail_env() else { return };
        let support = unique("support", "hqdesk.test");
        let id = add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        let workers = start_workers(&app, false);
        for i in 0..2 {
            let from = unique(&format!("uv{i}"), "khach.test");
            env.send(
                &from,
                &support,
                &requester_mail(
                    &from,
                    &support,
                    &format!("Câu hỏi {i}"),
                    &unique("uv", "khach.test"),
                    "",
                    "…",
                ),
            )
            .await;
        }
        eventually(30, "two cases", || async { cases(&app).await.len() == 2 }).await;
        drop(workers);
        tokio::time::sleep(Duration::from_millis(500)).await;
        // As if the server had renumbered the folder: another UIDVALIDITY, UIDs far ahead.
        {
            let mut tx = app.services.store().begin().await.unwrap();
            sqlx::query("UPDATE mailboxes SET uidvalidity = 1, last_uid = 99, lease_owner = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let _workers = start_workers(&app, false);
        eventually(30, "the folder synced again from UID 1", || async {
            scalar(&app, "SELECT last_uid FROM mailboxes").await == 2
                && scalar(&app, "SELECT uidvalidity FROM mailboxes").await != 1
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(cases(&app).await.len(), 2, "nothing ingested twice");
    }
);

both_engines!(
    email_one_node_at_a_time_fetches_a_mailbox,
    |app| async move {
        use hqdesk_domain::Timestamp;
        use hqdesk_store::mailboxes;
        let id = app
            .services
            .add_mailbox(
                &Actor::Cli,
                MailboxForm {
                    name: "hotro".into(),
                    address: "hotro@hqdesk.test".into(),
                    imap_url: "imap://u:p@127.0.0.1:1/INBOX".into(),
                    smtp_url: "smtp://127.0.0.1:1".into(),
                    insecure_plain: true,
                    enabled: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        let t = |s: i64| Timestamp(1_795_425_600_000 + s * 1000);
        let lease = |owner: &'static str, now: i64| {
            let store = app.services.store().clone();
            async move {
                let mut tx = store.begin().await.unwrap();
                let ok = mailboxes::try_lease(&mut tx, id, owner, t(now), t(now + 300))
                    .await
                    .unwrap();
                hqdesk_store::Store::commit(tx).await.unwrap();
                ok
            }
        };
        assert!(lease("a", 0).await, "a free mailbox is taken");
        assert!(!lease("b", 10).await, "held by a: b must wait");
        assert!(lease("a", 200).await, "the holder renews");
        assert!(!lease("b", 400).await, "renewed until 500");
        assert!(lease("b", 501).await, "a stopped renewing: b takes over");
        assert!(!lease("a", 502).await);
        let mut tx = app.services.store().begin().await.unwrap();
        mailboxes::release_lease(&mut tx, id, "b").await.unwrap();
        hqdesk_store::Store::commit(tx).await.unwrap();
        assert!(lease("a", 503).await, "released: free again");
        app.services
            .set_mailbox_enabled(&Actor::Cli, id, false)
            .await
            .unwrap();
        assert!(
            !lease("a", 504).await,
            "a disabled mailbox is fetched by nobody"
        );
    }
);

/// TLS from the first byte (imaps://, smtps://) and STARTTLS required (imap://, smtp:// without
/// --insecure-plain) against the test servers' certificate (a throwaway CA trusted through
/// SSL_CERT_FILE). The other email tests use STARTTLS too: the servers offer it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_tls_and_starttls_are_verified() {
    use hqdesk_services::mail::mailboxes::test_connection;
    let Some(env) = mail_env() else { return };
    let (Ok(imaps), Ok(smtps), Ok(_)) = (
        std::env::var("HQDESK_TEST_IMAPS"),
        std::env::var("HQDESK_TEST_SMTPS"),
        std::env::var("SSL_CERT_FILE"),
    ) else {
        assert!(
            std::env::var("HQDESK_REQUIRE_MAIL").is_err(),
            "HQDESK_REQUIRE_MAIL is set but HQDESK_TEST_IMAPS/SMTPS/SSL_CERT_FILE are not"
        );
        eprintln!(
            "SKIPPED (mail TLS): HQDESK_TEST_IMAPS/HQDESK_TEST_SMTPS/SSL_CERT_FILE are not set"
        );
        return;
    };
    let user = unique("tls", "hqdesk.test");
    let pw = &env.password;
    let u = enc(&user);
    // Implicit TLS.
    let r = test_connection(
        &format!("imaps://{u}:{pw}@{imaps}/INBOX"),
        &format!("smtps://{u}:{pw}@{smtps}"),
        false,
        &user,
    )
    .await;
    assert!(r.ok(), "{r:?}");
    assert!(r.imap.as_ref().unwrap().contains("(TLS)"), "{r:?}");
    assert!(r.smtp.as_ref().unwrap().contains("logged in"), "{r:?}");
    // STARTTLS, required (no --insecure-plain).
    let r = test_connection(
        &format!("imap://{u}:{pw}@{}/INBOX", env.imap),
        &format!("smtp://{u}:{pw}@{}", env.smtp),
        false,
        &user,
    )
    .await;
    assert!(r.ok(), "{r:?}");
    assert!(r.imap.as_ref().unwrap().contains("(STARTTLS)"), "{r:?}");
    // A wrong password is refused with the server's words, on both sides.
    let r = test_connection(
        &format!("imaps://{u}:wrong@{imaps}/INBOX"),
        &format!("smtps://{u}:wrong@{smtps}"),
        false,
        &user,
    )
    .await;
    assert!(r.imap.as_ref().unwrap_err().contains("refused"), "{r:?}");
    assert!(r.smtp.is_err(), "{r:?}");
    // TLS spoken to a plain-text port fails clearly instead of hanging.
    let r = test_connection(
        &format!("imaps://{u}:{pw}@{}/INBOX", env.imap),
        &format!("smtps://{}", env.smtp),
        false,
        &user,
    )
    .await;
    assert!(r.imap.is_err() && r.smtp.is_err(), "{r:?}");
}

/// Append `mails` to `user`'s INBOX in one burst: one connection, every APPEND pipelined
/// (LITERAL+, no round trip per mail), then read every answer.
async fn append_burst(env: &MailEnv, user: &str, mails: &[String]) {
    async fn answer(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, tag: &str) {
        loop {
            let mut line = String::new();
            assert!(r.read_line(&mut line).await.unwrap() > 0, "IMAP closed");
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                assert!(rest.starts_with("OK"), "{tag}: {line}");
                return;
            }
        }
    }
    let stream = TcpStream::connect(&env.imap).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut greeting = String::new();
    r.read_line(&mut greeting).await.unwrap();
    w.write_all(format!("l LOGIN \"{user}\" \"{}\"\r\n", env.password).as_bytes())
        .await
        .unwrap();
    answer(&mut r, "l").await;
    let mut burst = Vec::new();
    for (i, m) in mails.iter().enumerate() {
        burst.extend_from_slice(format!("a{i} APPEND INBOX {{{}+}}\r\n", m.len()).as_bytes());
        burst.extend_from_slice(m.as_bytes());
        burst.extend_from_slice(b"\r\n");
    }
    w.write_all(&burst).await.unwrap();
    for i in 0..mails.len() {
        answer(&mut r, &format!("a{i}")).await;
    }
    w.write_all(b"z LOGOUT\r\n").await.unwrap();
}

both_engines!(
    email_burst_arriving_during_a_fetch_becomes_cases_within_seconds,
    |app| async move {
        // A burst appended while the fetcher is busy fetching the start of it: the server
        // announces the rest during the fetch. Those mails must not wait for the IDLE period
        // (here the production one, 2 min) to end.
        let Some(env) = mail_env() else { return };
        let support = unique("burst", "hqdesk.test");
        let requester = unique("dong", "khach.test");
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        let mut fetcher = fast_fetcher("test-node");
        fetcher.idle_max = FetcherConfig::new("defaults").idle_max;
        assert!(fetcher.idle_max >= Duration::from_secs(60));
        let _workers = start_workers_with(&app, fetcher, false);
        let email_cases = "SELECT COUNT(*) FROM cases WHERE channel = 'email'";
        eventually(30, "the first sync of the empty mailbox", || async {
            scalar(
                &app,
                "SELECT COUNT(*) FROM mailboxes WHERE last_sync_at IS NOT NULL",
            )
            .await
                == 1
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await; // now idling

        let mails: Vec<String> = (0..120)
            .map(|i| {
                requester_mail(
                    &requester,
                    &support,
                    &format!("Tờ khai số {i} bị treo"),
                    &unique(&format!("burst{i}"), "khach.test"),
                    "",
                    &format!("Tờ khai 1055{i:04} không nhận được phản hồi."),
                )
            })
            .collect();
        let (first, rest) = mails.split_at(50);
        append_burst(&env, &support, first).await;
        // The fetcher woke up and is fetching the first part: the rest arrives meanwhile.
        eventually(30, "the fetch of the first part to start", || async {
            scalar(&app, email_cases).await >= 1
        })
        .await;
        append_burst(&env, &support, rest).await;
        let appended = std::time::Instant::now();
        let during = scalar(&app, email_cases).await;
        eprintln!("cases when the burst was appended: {during} of 120");
        eventually(20, "every mail of the burst to become a case", || async {
            scalar(&app, email_cases).await == 120
        })
        .await;
        eprintln!(
            "all 120 cases {:?} after the last append",
            appended.elapsed()
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM mail_inbound WHERE state = 'ingested'"
            )
            .await,
            120,
            "each mail once"
        );
    }
);

/// The warnings the code under test logs on this thread, as text.
#[derive(Clone, Default)]
struct Warnings(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Warnings {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Warnings {
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let w = self.clone();
        tracing::subscriber::set_default(
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::WARN)
                .with_ansi(false)
                .with_writer(move || w.clone())
                .finish(),
        )
    }
    fn count(&self, needle: &str) -> usize {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .matches(needle)
            .count()
    }
}

both_engines!(
    email_mail_without_a_mailbox_waits_then_goes_when_one_is_added,
    |app| async move {
        // No mailbox yet: a reply and a notification have nowhere to go. They wait, parked (not
        // retried with backoff, the log says so once), and go as soon as a mailbox is added.
        let Some(env) = mail_env() else { return };
        let support = unique("later", "hqdesk.test");
        let requester = unique("giang", "khach.test");
        let warnings = Warnings::default();
        let _guard = warnings.capture();
        let number = app
            .open(
                "agent",
                json!({"kind":"inquiry","branch":2,"channel":"email","subject":"Hỏi về C/O",
                   "body":"…","requester":{"name":"Trần Thị Giang","email": requester}}),
            )
            .await;
        for body in ["Trả lời thứ nhất", "Trả lời thứ hai"] {
            let (s, j) = app
                .post(
                    "agent",
                    &format!("/api/v1/cases/{number}/messages"),
                    json!({ "body": body }),
                )
                .await;
            assert_eq!(s, 201, "{j}");
        }
        {
            let mut tx = app.services.store().begin().await.unwrap();
            hqdesk_services::outbox::enqueue_notification(
                &mut tx,
                &hqdesk_services::outbox::NotificationMail {
                    purpose: "test.notice".into(),
                    to: requester.clone(),
                    subject: "Thong bao kiem thu".into(),
                    text: "Yêu cầu của chị đã được tiếp nhận.".into(),
                    case_id: None,
                    in_reply_to: None,
                    mailbox_id: None,
                    ..Default::default()
                },
                "one",
                app.services.now(),
            )
            .await
            .unwrap();
            hqdesk_services::Store::commit(tx).await.unwrap();
        }
        let mail_jobs = "kind IN ('message.deliver', 'mail.notify')";
        drain_jobs(&app).await;
        assert_eq!(
            scalar(&app, &format!("SELECT COUNT(*) FROM jobs WHERE {mail_jobs} AND finished_at IS NULL AND waiting_for = 'mailbox' AND attempts = 0")).await,
            3,
            "the three mails wait for a mailbox, their try not counted"
        );
        // Days pass: nothing is retried (nothing is even claimed) while there is no mailbox.
        for _ in 0..3 {
            app.clock.advance_seconds(24 * 3600);
            let registry = hqdesk_services::mail::sender::registry();
            while app.services.run_one_job(&registry, "test").await.unwrap() {
                let left = scalar(
                    &app,
                    &format!(
                        "SELECT COUNT(*) FROM jobs WHERE {mail_jobs} AND locked_by IS NOT NULL"
                    ),
                )
                .await;
                assert_eq!(left, 0, "a mail job was claimed while no mailbox exists");
            }
        }
        assert_eq!(
            scalar(&app, &format!("SELECT COUNT(*) FROM jobs WHERE {mail_jobs} AND attempts = 0 AND finished_at IS NULL")).await,
            3
        );
        assert_eq!(
            warnings.count("no mailbox is configured"),
            1,
            "said once, not once per mail or per try"
        );
        let msgs = messages(&app, &number).await;
        assert!(
            msgs.iter()
                .filter(|m| m["kind"] == "outbound")
                .all(|m| m["delivery_state"] == "queued"),
            "{msgs:?}"
        );

        // A mailbox is added: everything that waited goes, once.
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        drain_jobs(&app).await;
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM jobs WHERE {mail_jobs} AND finished_at IS NULL")
            )
            .await,
            0
        );
        let mails = env.wait_inbox(&requester, 3, 30).await;
        assert_eq!(agent_replies(&mails).len(), 2, "both replies arrived");
        assert!(
            mails
                .iter()
                .any(|m| header(m, "Subject").as_deref() == Some("Thong bao kiem thu")),
            "the notification arrived"
        );
        let msgs = messages(&app, &number).await;
        assert!(
            msgs.iter()
                .filter(|m| m["kind"] == "outbound")
                .all(|m| m["delivery_state"] == "sent"),
            "{msgs:?}"
        );
    }
);
