//! The Asterisk Manager Interface client against a scripted AMI server on loopback that speaks
//! the real wire format: banner, Login checked and answered, the QueueStatus resync answered,
//! then queue events written as a PBX writes them.
use std::time::Duration;

use axum::http::StatusCode;
use hqdesk_services::ami::{field, parse_block, run_ami, AmiConfig};
use hqdesk_store::calls::{self, Call};
use hqdesk_store::StoreError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::both_engines;
use crate::support::TestApp;

/// The longest any expectation may take to come true.
const WAIT: Duration = Duration::from_secs(10);
const CALLER: &str = "0912345678";
const CALLER_E164: &str = "+84912345678";
const QUEUE: &str = "hotline-2";

// --- the scripted server ---------------------------------------------------------------------

struct FakeAmi {
    listener: TcpListener,
}

/// The client under test, running as it would in production.
struct Client {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Client {
    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the client stops when told")
            .expect("the client did not panic");
    }
}

async fn start(app: &TestApp) -> (FakeAmi, Client) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cfg = AmiConfig {
        addr: listener.local_addr().unwrap().to_string(),
        username: "hqdesk".into(),
        secret: "s3cret pass".into(),
        reconnect_delay: Duration::from_millis(50),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run_ami(app.services.clone(), cfg, async {
        let _ = stopped.await;
    }));
    (FakeAmi { listener }, Client { stop, task })
}

/// Read one action exactly as it came on the wire (it must end with an empty CRLF line).
async fn read_action(sock: &mut TcpStream) -> (String, Vec<(String, String)>) {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, sock.read(&mut byte))
            .await
            .expect("an action in time")
            .expect("read");
        assert_eq!(n, 1, "the client closed the connection mid-action: {raw:?}");
        raw.push(byte[0]);
    }
    let text = String::from_utf8(raw).unwrap();
    let fields = parse_block(&text);
    (text, fields)
}

impl FakeAmi {
    /// Accept the client's next connection, check its Login, accept it, answer its QueueStatus
    /// with one `QueueEntry` per waiting `(uniqueid, caller)`, and hand the socket over.
    async fn accept(&self, waiting: &[(&str, &str)]) -> TcpStream {
        let (mut sock, _) = tokio::time::timeout(WAIT, self.listener.accept())
            .await
            .expect("the client connects in time")
            .unwrap();
        sock.write_all(b"Asterisk Call Manager/5.0.1\r\n")
            .await
            .unwrap();
        let (text, login) = read_action(&mut sock).await;
        assert_eq!(
            text,
            "Action: Login\r\nActionID: hq-1\r\nUsername: hqdesk\r\nSecret: s3cret pass\r\nEvents: call,agent\r\n\r\n"
        );
        assert_eq!(field(&login, "Action"), Some("Login"));
        sock.write_all(
            b"Response: Success\r\nActionID: hq-1\r\nMessage: Authentication accepted\r\n\r\n\
              Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 120\r\nLastReload: 120\r\nStatus: Fully Booted\r\n\r\n",
        )
        .await
        .unwrap();
        let (_, status) = read_action(&mut sock).await;
        assert_eq!(field(&status, "Action"), Some("QueueStatus"));
        let id = field(&status, "ActionID").unwrap().to_string();
        let mut answer = format!(
            "Response: Success\r\nActionID: {id}\r\nEventList: start\r\nMessage: Queue status will follow\r\n\r\n\
             Event: QueueParams\r\nQueue: {QUEUE}\r\nMax: 0\r\nStrategy: ringall\r\nCalls: {n}\r\nHoldtime: 0\r\nTalkTime: 0\r\nCompleted: 0\r\nAbandoned: 0\r\nServiceLevel: 60\r\nServicelevelPerf: 0.0\r\nWeight: 0\r\nActionID: {id}\r\n\r\n\
             Event: QueueMember\r\nQueue: {QUEUE}\r\nName: Nguyen Van An\r\nLocation: PJSIP/101\r\nStateInterface: PJSIP/101\r\nMembership: static\r\nPenalty: 0\r\nCallsTaken: 0\r\nLastCall: 0\r\nInCall: 0\r\nStatus: 1\r\nPaused: 0\r\nActionID: {id}\r\n\r\n",
            n = waiting.len()
        );
        for (pos, (uid, num)) in waiting.iter().enumerate() {
            answer += &format!(
                "Event: QueueEntry\r\nQueue: {QUEUE}\r\nPosition: {p}\r\nChannel: PJSIP/trunk-vnpt-0000002{p}\r\nUniqueid: {uid}\r\nCallerIDNum: {num}\r\nCallerIDName: unknown\r\nConnectedLineNum: unknown\r\nConnectedLineName: unknown\r\nWait: 12\r\nPriority: 0\r\nActionID: {id}\r\n\r\n",
                p = pos + 1
            );
        }
        answer += &format!(
            "Event: QueueStatusComplete\r\nActionID: {id}\r\nEventList: Complete\r\nListItems: {}\r\n\r\n",
            2 + waiting.len()
        );
        sock.write_all(answer.as_bytes()).await.unwrap();
        sock
    }
}

/// Write event blocks, each in two pieces so that messages straddle TCP reads.
async fn send(sock: &mut TcpStream, events: &[String]) {
    for e in events {
        let (a, b) = e.split_at(e.len() / 2);
        sock.write_all(a.as_bytes()).await.unwrap();
        sock.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
        sock.write_all(b.as_bytes()).await.unwrap();
    }
    sock.flush().await.unwrap();
}

// --- events as Asterisk 18 writes them -------------------------------------------------------

fn caller_block(uid: &str, num: &str) -> String {
    format!(
        "Channel: PJSIP/trunk-vnpt-00000012\r\nChannelState: 6\r\nChannelStateDesc: Up\r\nCallerIDNum: {num}\r\nCallerIDName: <unknown>\r\n\
         ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: vi\r\nAccountCode: \r\nContext: hotline\r\nExten: 19009299\r\n\
         Priority: 4\r\nUniqueid: {uid}\r\nLinkedid: {uid}\r\n"
    )
}

fn join(uid: &str, num: &str) -> String {
    format!(
        "Event: QueueCallerJoin\r\nPrivilege: agent,all\r\n{}Queue: {QUEUE}\r\nPosition: 1\r\nCount: 1\r\n\r\n",
        caller_block(uid, num)
    )
}

fn connect(uid: &str, num: &str) -> String {
    format!(
        "Event: AgentConnect\r\nPrivilege: agent,all\r\n{}DestChannel: PJSIP/101-00000013\r\nDestChannelState: 6\r\nDestCallerIDNum: 101\r\n\
         DestUniqueid: {uid}9\r\nDestLinkedid: {uid}\r\nQueue: {QUEUE}\r\nMemberName: PJSIP/101\r\nInterface: PJSIP/101\r\nHoldTime: 7\r\nRingTime: 3\r\n\r\n",
        caller_block(uid, num)
    )
}

fn complete(uid: &str, num: &str, reason: &str) -> String {
    format!(
        "Event: AgentComplete\r\nPrivilege: agent,all\r\n{}DestChannel: PJSIP/101-00000013\r\nDestUniqueid: {uid}9\r\n\
         Queue: {QUEUE}\r\nMemberName: PJSIP/101\r\nInterface: PJSIP/101\r\nHoldTime: 7\r\nTalkTime: 95\r\nReason: {reason}\r\n\r\n",
        caller_block(uid, num)
    )
}

fn abandon(uid: &str, num: &str) -> String {
    format!(
        "Event: QueueCallerAbandon\r\nPrivilege: agent,all\r\n{}Queue: {QUEUE}\r\nPosition: 1\r\nOriginalPosition: 1\r\nHoldTime: 41\r\n\r\n",
        caller_block(uid, num)
    )
}

/// A Hangup, with bare `\n` line ends as some AMI proxies forward them.
fn hangup(uid: &str, num: &str, cause: u32) -> String {
    format!(
        "Event: Hangup\r\nPrivilege: call,all\r\n{}Cause: {cause}\r\nCause-txt: Q.850 {cause}\r\n\r\n",
        caller_block(uid, num)
    )
    .replace("\r\n", "\n")
}

// --- expectations ----------------------------------------------------------------------------

async fn find_call(app: &TestApp, id: &str) -> Option<Call> {
    let mut conn = app.services.store().read().await.unwrap();
    match calls::get(&mut conn, id).await {
        Ok(c) => Some(c),
        Err(StoreError::NotFound) => None,
        Err(e) => panic!("{e}"),
    }
}

/// Poll until the call exists and satisfies `ok` (at most [`WAIT`]).
async fn wait_call(app: &TestApp, id: &str, what: &str, ok: impl Fn(&Call) -> bool) -> Call {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let c = find_call(app, id).await;
        if let Some(c) = c.clone().filter(|c| ok(c)) {
            return c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "call {id}: {what} not seen within {WAIT:?}; last: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Everything written before this has been processed: the client handles events in order.
async fn barrier(app: &TestApp, sock: &mut TcpStream, uid: &str) {
    send(sock, &[join(uid, "0987654321")]).await;
    wait_call(app, uid, "the barrier call", |_| true).await;
}

async fn callbacks(app: &TestApp) -> serde_json::Value {
    let (s, j) = app.get("agent", "/api/v1/cases?kind=callback").await;
    assert_eq!(s, StatusCode::OK, "{j}");
    j
}

async fn callback_info(app: &TestApp, case_id: i64) -> (Option<String>, i64) {
    let mut conn = app.services.store().read().await.unwrap();
    calls::callback_info(&mut conn, case_id).await.unwrap()
}

// --- scenarios -------------------------------------------------------------------------------

both_engines!(
    ami_answered_call_is_recorded_and_not_missed,
    |app| async move {
        let (server, client) = start(&app).await;
        let mut sock = server.accept(&[]).await;
        let uid = "1795425600.101";
        send(
            &mut sock,
            &[
                join(uid, CALLER),
                connect(uid, CALLER),
                complete(uid, CALLER, "caller"),
            ],
        )
        .await;
        let c = wait_call(&app, uid, "ended", |c| c.state == "ended").await;
        assert_eq!(c.direction, "in");
        assert_eq!(c.from_number.as_deref(), Some(CALLER_E164));
        assert_eq!(c.to_number.as_deref(), Some(QUEUE));
        assert_eq!(c.branch, Some(2), "hotline-2 serves branch 2");
        assert_eq!(c.answered_by.as_deref(), Some("101"), "PJSIP/ is stripped");
        assert_eq!(c.cause.as_deref(), Some("normalClearing"));
        assert!(c.offered_at.is_some() && c.answered_at.is_some());
        assert_eq!(c.case_id, None);
        assert_eq!(callbacks(&app).await["total"], 0);
        client.stop().await;
    }
);

both_engines!(ami_abandoned_call_opens_one_callback, |app| async move {
    let (server, client) = start(&app).await;
    let mut sock = server.accept(&[]).await;
    let uid = "1795425600.201";
    send(&mut sock, &[join(uid, CALLER), abandon(uid, CALLER)]).await;
    let c = wait_call(&app, uid, "ended", |c| c.state == "ended").await;
    assert_eq!(c.cause.as_deref(), Some("cancel"));
    assert_eq!(c.answered_at, None);
    let case_id = c
        .case_id
        .expect("the missed call is folded into a callback");
    // The caller's channel then hangs up (Q.850 16), and so does some unrelated channel.
    send(
        &mut sock,
        &[hangup(uid, CALLER, 16), hangup("1795425600.299", "102", 17)],
    )
    .await;
    barrier(&app, &mut sock, "1795425600.298").await;
    let after = find_call(&app, uid).await.unwrap();
    assert_eq!(
        after.cause.as_deref(),
        Some("cancel"),
        "the first cause stays"
    );
    assert!(
        find_call(&app, "1795425600.299").await.is_none(),
        "a hangup of an unknown channel is not a call"
    );
    let list = callbacks(&app).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["branch"], 2, "{list}");
    assert_eq!(
        callback_info(&app, case_id).await,
        (Some(CALLER_E164.to_string()), 1)
    );
    client.stop().await;
});

both_engines!(
    ami_duplicates_and_disorder_change_nothing_more,
    |app| async move {
        let (server, client) = start(&app).await;
        let mut sock = server.accept(&[]).await;
        // An answered call whose AgentComplete overtakes its AgentConnect, with repeats.
        let answered = "1795425600.301";
        // An abandoned call whose events all come twice, the abandon first.
        let missed = "1795425600.302";
        send(
            &mut sock,
            &[
                join(answered, CALLER),
                complete(answered, CALLER, "agent"),
                connect(answered, CALLER),
                complete(answered, CALLER, "agent"),
                join(answered, CALLER),
                abandon(missed, "0901234567"),
                join(missed, "0901234567"),
                abandon(missed, "0901234567"),
                join(missed, "0901234567"),
            ],
        )
        .await;
        barrier(&app, &mut sock, "1795425600.399").await;
        let a = find_call(&app, answered).await.unwrap();
        assert_eq!(
            (a.state.as_str(), a.answered_by.as_deref(), a.case_id),
            ("ended", Some("101"), None)
        );
        assert_eq!(a.cause.as_deref(), Some("normalClearing"));
        let m = find_call(&app, missed).await.unwrap();
        assert_eq!(m.state, "ended");
        assert!(m.offered_at.is_some());
        let list = callbacks(&app).await;
        assert_eq!(
            list["total"], 1,
            "only the abandoned call is missed: {list}"
        );
        assert_eq!(
            callback_info(&app, m.case_id.unwrap()).await,
            (Some("+84901234567".to_string()), 1),
            "a repeated abandon is the same missed call"
        );
        assert_eq!(app.count_rows("calls").await, 3);
        client.stop().await;
    }
);

both_engines!(ami_transferred_call_is_not_missed, |app| async move {
    let (server, client) = start(&app).await;
    let mut sock = server.accept(&[]).await;
    let uid = "1795425600.401";
    send(
        &mut sock,
        &[
            join(uid, CALLER),
            connect(uid, CALLER),
            complete(uid, CALLER, "transfer"),
            hangup(uid, CALLER, 16),
        ],
    )
    .await;
    let c = wait_call(&app, uid, "ended", |c| c.state == "ended").await;
    assert!(c.answered_at.is_some());
    assert_eq!(c.case_id, None);
    barrier(&app, &mut sock, "1795425600.499").await;
    assert_eq!(callbacks(&app).await["total"], 0);
    client.stop().await;
});

both_engines!(ami_reconnects_and_resynchronises, |app| async move {
    let (server, client) = start(&app).await;
    let mut sock = server.accept(&[]).await;
    let first = "1795425600.501";
    send(&mut sock, &[join(first, CALLER), abandon(first, CALLER)]).await;
    let c = wait_call(&app, first, "a callback", |c| c.case_id.is_some()).await;
    let case_id = c.case_id.unwrap();
    assert_eq!(
        callback_info(&app, case_id).await,
        (Some(CALLER_E164.to_string()), 1)
    );

    // The server goes away in the middle of a message: the second call's join is lost.
    let second = "1795425600.502";
    let partial = join(second, CALLER);
    sock.write_all(&partial.as_bytes()[..partial.len() / 2])
        .await
        .unwrap();
    sock.flush().await.unwrap();
    drop(sock);

    // The client comes back, logs in again, and learns of the waiting call from QueueStatus.
    let mut sock = server.accept(&[(second, CALLER)]).await;
    let c = wait_call(&app, second, "offered by the resync", |_| true).await;
    assert_eq!(c.state, "ringing");
    assert_eq!(c.from_number.as_deref(), Some(CALLER_E164));
    assert_eq!(c.branch, Some(2));

    // The same caller gives up again: the same callback, now for two calls.
    send(&mut sock, &[abandon(second, CALLER)]).await;
    let c = wait_call(&app, second, "ended", |c| c.state == "ended").await;
    assert_eq!(c.case_id, Some(case_id), "folded into the open callback");
    assert_eq!(
        callback_info(&app, case_id).await,
        (Some(CALLER_E164.to_string()), 2)
    );
    assert_eq!(callbacks(&app).await["total"], 1);
    client.stop().await;
});

// A refused login is retried after the delay, and a later successful one works.
both_engines!(ami_refused_login_is_retried, |app| async move {
    let (server, client) = start(&app).await;
    let (mut sock, _) = tokio::time::timeout(WAIT, server.listener.accept())
        .await
        .unwrap()
        .unwrap();
    sock.write_all(b"Asterisk Call Manager/5.0.1\r\n")
        .await
        .unwrap();
    let (_, login) = read_action(&mut sock).await;
    assert_eq!(field(&login, "Action"), Some("Login"));
    sock.write_all(b"Response: Error\r\nActionID: hq-1\r\nMessage: Authentication failed\r\n\r\n")
        .await
        .unwrap();
    drop(sock);
    let mut sock = server.accept(&[]).await;
    let uid = "1795425600.601";
    send(&mut sock, &[join(uid, CALLER)]).await;
    wait_call(&app, uid, "offered", |c| c.state == "ringing").await;
    client.stop().await;
});
