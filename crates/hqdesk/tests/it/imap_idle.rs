//! How the IMAP client waits, against a scripted server on loopback (the real Dovecot cannot be
//! told when to announce what): news announced before IDLE must end the wait at once, and the
//! wait must end at its deadline even when the server sends keep-alives all the time.
use std::time::{Duration, Instant};

use hqdesk_services::mail::imap::{self, Timeouts};
use hqdesk_services::mail::transport::parse_imap;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the scripted server does besides the usual answers.
#[derive(Clone, Copy)]
struct Script {
    /// Announce a new mail (`* 2 EXISTS`) in the answer to UID SEARCH, as a server does when
    /// mail arrives while a command runs.
    exists_during_search: bool,
    /// While idling, send `* OK Still here` this often (Dovecot does every 2 min).
    keepalive: Option<Duration>,
}

/// A one-connection IMAP server speaking just enough for connect, SELECT, UID SEARCH and IDLE.
/// Returns its address.
async fn scripted_server(script: Script) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"* OK [CAPABILITY IMAP4rev1 IDLE] scripted\r\n")
            .await
            .unwrap();
        while let Ok(Some(line)) = lines.next_line().await {
            let (tag, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            let command = rest.to_ascii_uppercase();
            let answer = if command.starts_with("LOGIN") {
                format!("{tag} OK logged in\r\n")
            } else if command.starts_with("CAPABILITY") {
                format!("* CAPABILITY IMAP4rev1 IDLE\r\n{tag} OK done\r\n")
            } else if command.starts_with("SELECT") {
                format!(
                    "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n\
                     {tag} OK [READ-WRITE] selected\r\n"
                )
            } else if command.starts_with("UID SEARCH") {
                let news = if script.exists_during_search {
                    "* 2 EXISTS\r\n"
                } else {
                    ""
                };
                format!("* SEARCH 1\r\n{news}{tag} OK searched\r\n")
            } else if command.starts_with("IDLE") {
                w.write_all(b"+ idling\r\n").await.unwrap();
                // Keep-alives until the client says DONE.
                loop {
                    let next = match script.keepalive {
                        Some(every) => tokio::time::timeout(every, lines.next_line()).await,
                        None => Ok(lines.next_line().await),
                    };
                    match next {
                        Err(_) => {
                            if w.write_all(b"* OK Still here\r\n").await.is_err() {
                                return;
                            }
                        }
                        Ok(Ok(Some(done))) if done.eq_ignore_ascii_case("DONE") => break,
                        Ok(_) => return,
                    }
                }
                format!("{tag} OK idle done\r\n")
            } else if command.starts_with("LOGOUT") {
                let _ = w
                    .write_all(format!("* BYE\r\n{tag} OK bye\r\n").as_bytes())
                    .await;
                return;
            } else {
                format!("{tag} BAD not scripted\r\n")
            };
            if w.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    addr
}

async fn session_at(addr: &str) -> imap::ImapSession {
    let target = parse_imap(&format!("imap://hotro:secret@{addr}/INBOX"), true).unwrap();
    let mut s = imap::connect(
        &target,
        Timeouts {
            connect: Duration::from_secs(5),
            command: Duration::from_secs(5),
        },
    )
    .await
    .unwrap();
    assert!(s.supports_idle());
    s.select("INBOX").await.unwrap();
    s
}

/// Mail announced while the fetcher was busy (here: during its search) was lost: IDLE then
/// waited for an announcement the server had already made, for the whole IDLE period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_announced_before_idle_ends_the_wait_at_once() {
    let addr = scripted_server(Script {
        exists_during_search: true,
        keepalive: None,
    })
    .await;
    let mut s = session_at(&addr).await;
    s.take_news(); // what SELECT announced: the search below covers it
    assert_eq!(s.uids_after(0).await.unwrap(), vec![1]);
    let started = Instant::now();
    let waited = tokio::time::timeout(Duration::from_secs(20), s.wait(Duration::from_secs(60)))
        .await
        .expect("the wait ends at once: the server already announced new mail");
    let s = waited.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woke after {:?}",
        started.elapsed()
    );
    s.logout().await;
}

/// The IDLE period is a deadline: keep-alives from the server do not extend it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_ends_at_its_deadline_despite_keepalives() {
    let addr = scripted_server(Script {
        exists_during_search: false,
        keepalive: Some(Duration::from_millis(200)),
    })
    .await;
    let mut s = session_at(&addr).await;
    s.take_news();
    assert_eq!(s.uids_after(0).await.unwrap(), vec![1]);
    let started = Instant::now();
    let waited = tokio::time::timeout(Duration::from_secs(15), s.wait(Duration::from_secs(2)))
        .await
        .expect("IDLE ends after 2 s although the server sends a keep-alive every 200 ms");
    let s = waited.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(8),
        "IDLE of 2 s took {took:?}"
    );
    // The session is still usable after DONE.
    assert_eq!(search_then_logout(s).await, vec![1]);
}

async fn search_then_logout(mut s: imap::ImapSession) -> Vec<u32> {
    let uids = s.uids_after(0).await.unwrap();
    s.logout().await;
    uids
}
