//! A read-only Asterisk Manager Interface (AMI) client: it logs in, listens to the queue events
//! and turns them into canonical [`CallEvent`]s for [`Services::record_call_event`].
//!
//! The wire format (research note §1.3): one banner line `Asterisk Call Manager/x.y.z`, then
//! messages made of `Key: Value` lines ended by an empty line. Keys may repeat, line ends may be
//! `\r\n` or a bare `\n`, and old servers answer `Action: Command` with `Response: Follows` and a
//! free-text body ending in `--END COMMAND--` (which may contain empty lines).
//!
//! The mapping follows the production AMI→CTI bridge (research note §1.2):
//!
//! | AMI event | canonical event |
//! |---|---|
//! | `QueueCallerJoin` (`Join` before Asterisk 12), `QueueEntry` (resync) | Offered: `Uniqueid`, from `CallerIDNum`, to `Queue`, direction in, branch from the queue name |
//! | `AgentConnect` | Answered by `MemberName` (else `Interface`) without `SIP/`/`PJSIP/` |
//! | `AgentComplete` | Answered (an agent completed it, so it was answered) then Ended, `normalClearing` |
//! | `QueueCallerAbandon` | Ended, `cancel` |
//! | `Hangup` of a channel whose `Uniqueid` is a known call | Ended, cause from the Q.850 `Cause` |
//!
//! `AgentComplete` also reports the answer so that an `AgentComplete` overtaking its
//! `AgentConnect` never looks like a missed call. Events may come twice or out of order: the
//! services are idempotent per call id, the client only forwards. After every login the client
//! sends `Action: QueueStatus`, whose `QueueEntry` events make the calls still waiting (for
//! instance those that started while the connection was down) known; later events complete them.
//!
//! The client never sends anything but `Login`, `QueueStatus` and `Ping`.
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use hqdesk_domain::input;
use hqdesk_domain::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::telephony::{CallEvent, CallEventKind};
use crate::{Actor, Services};

/// Where and how to log in.
#[derive(Clone)]
pub struct AmiConfig {
    /// `host:port`, usually port 5038.
    pub addr: String,
    pub username: String,
    pub secret: String,
    /// How long to wait before connecting again after a failure or a dropped connection.
    pub reconnect_delay: Duration,
}

impl std::fmt::Debug for AmiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmiConfig")
            .field("addr", &self.addr)
            .field("username", &self.username)
            .field("secret", &"…")
            .field("reconnect_delay", &self.reconnect_delay)
            .finish()
    }
}

const ACTOR: Actor = Actor::System("ami");
const LOGIN_ID: &str = "hq-1";
const QUEUE_STATUS_ID: &str = "hq-2";
const PING_ID: &str = "hq-ping";
/// Connecting, the banner and the login answer must each come within this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Without any traffic for this long the client sends a `Ping`…
const PING_EVERY: Duration = Duration::from_secs(30);
/// …and after this many silent periods in a row it gives the connection up.
const MAX_SILENT_PERIODS: u32 = 3;
/// A message larger than this is not AMI: the connection is dropped.
const MAX_BUFFER: usize = 1 << 20;
/// How many call ids the client remembers to recognise the `Hangup` of a queued call.
const KNOWN_CALLS: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// Parsing and framing (pure)

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_follows(line: &[u8]) -> bool {
    let line = String::from_utf8_lossy(line);
    match line.split_once(':') {
        Some((k, v)) => {
            k.trim().eq_ignore_ascii_case("Response") && v.trim().eq_ignore_ascii_case("Follows")
        }
        None => false,
    }
}

/// Take one line (the banner) off the front of `buf`, without its line end, once it is complete.
pub fn take_line(buf: &mut Vec<u8>) -> Option<String> {
    let end = buf.iter().position(|&b| b == b'\n')?;
    let line: Vec<u8> = buf.drain(..=end).collect();
    Some(String::from_utf8_lossy(trim_cr(&line[..line.len() - 1])).into_owned())
}

/// Take one complete message off the front of `buf`, once it has all arrived (the bytes of an
/// incomplete one stay in `buf`). Empty lines between messages are skipped. A message ends at an
/// empty line, except a `Response: Follows` one, which ends at the line ending in
/// `--END COMMAND--` (its free-text body may contain empty lines).
pub fn take_frame(buf: &mut Vec<u8>) -> Option<String> {
    while let Some(end) = buf.iter().position(|&b| b == b'\n') {
        if !trim_cr(&buf[..end]).is_empty() {
            break;
        }
        buf.drain(..=end);
    }
    let mut pos = 0;
    let mut follows = None;
    while let Some(rel) = buf[pos..].iter().position(|&b| b == b'\n') {
        let next = pos + rel + 1;
        let line = trim_cr(&buf[pos..pos + rel]);
        let in_follows = *follows.get_or_insert_with(|| is_follows(line));
        let frame_end = if in_follows {
            line.ends_with(b"--END COMMAND--").then_some(next)
        } else {
            line.is_empty().then_some(pos)
        };
        if let Some(frame_end) = frame_end {
            let text = String::from_utf8_lossy(&buf[..frame_end]).into_owned();
            buf.drain(..next);
            return Some(text);
        }
        pos = next;
    }
    None
}

/// The headers a `Response: Follows` message has before its free-text body.
const FOLLOWS_HEADERS: [&str; 4] = ["Response", "Privilege", "ActionID", "Message"];

/// The `Key: Value` pairs of one message, in order, repeated keys kept. Keys and values are
/// trimmed; lines without a colon are ignored. In a `Response: Follows` message only the headers
/// before the free-text body are kept: the body (up to `--END COMMAND--`) is ignored.
pub fn parse_block(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut follows = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let pair = line.split_once(':').map(|(k, v)| (k.trim(), v.trim()));
        if follows
            && !pair.is_some_and(|(k, _)| FOLLOWS_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(k)))
        {
            break;
        }
        let Some((key, value)) = pair.filter(|(k, _)| !k.is_empty()) else {
            continue;
        };
        if out.is_empty()
            && key.eq_ignore_ascii_case("Response")
            && value.eq_ignore_ascii_case("Follows")
        {
            follows = true;
        }
        // The telephone system is outside: its text obeys the input rule, and an event is
        // never dropped for a stray character.
        let value = input::scrub(value, input::Shape::Line);
        out.push((key.to_string(), value.into_owned()));
    }
    out
}

/// The first non-empty value of `key` (case-insensitive).
pub fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .find(|v| !v.is_empty())
}

/// An action as it goes on the wire.
pub fn action(pairs: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (k, v) in pairs {
        // A value never spans lines: a line end in it would inject another header.
        let v: String = v.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        s.push_str(k);
        s.push_str(": ");
        s.push_str(&v);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s
}

// ---------------------------------------------------------------------------------------------
// Mapping (pure)

/// The hotline branch a queue serves, from its name (case-insensitive):
/// - `branch1` / `branch2` anywhere in the name (not followed by another digit) decides, e.g.
///   `hq-branch2-inquiry` → 2;
/// - otherwise a name ending in a lone `1` or `2` (not preceded by another digit), e.g.
///   `hotline-1`, `queue2` → 1, 2;
/// - otherwise none (`hotline`, `queue12`, `ext-21`), and the services use their default.
pub fn branch_of_queue(queue: &str) -> Option<i64> {
    let q = queue.trim().to_ascii_lowercase();
    let b = q.as_bytes();
    for (i, _) in q.match_indices("branch") {
        let d = i + "branch".len();
        if let Some(&c @ (b'1' | b'2')) = b.get(d) {
            if !b.get(d + 1).is_some_and(u8::is_ascii_digit) {
                return Some(i64::from(c - b'0'));
            }
        }
    }
    match b {
        [.., p, c @ (b'1' | b'2')] if !p.is_ascii_digit() => Some(i64::from(c - b'0')),
        [c @ (b'1' | b'2')] => Some(i64::from(c - b'0')),
        _ => None,
    }
}

/// Whether a queue takes the IVR's denunciation choice: its name says `denunciation` or
/// `togiac` / `to-giac` (tố giác), e.g. `hotline-branch1-denunciation`. Its calls are
/// confidential.
pub fn is_denunciation_queue(queue: &str) -> bool {
    let q = queue.trim().to_ascii_lowercase();
    ["denunciation", "togiac", "to-giac", "to_giac"]
        .iter()
        .any(|w| q.contains(w))
}

/// An agent from `MemberName`, else `Interface`, without a `SIP/` or `PJSIP/` technology prefix.
fn agent_of(fields: &[(String, String)]) -> Option<String> {
    let raw = field(fields, "MemberName").or_else(|| field(fields, "Interface"))?;
    let a = raw
        .strip_prefix("PJSIP/")
        .or_else(|| raw.strip_prefix("SIP/"))
        .unwrap_or(raw)
        .trim();
    (!a.is_empty()).then(|| a.to_string())
}

/// The event time when the server adds one (`timestampevents = yes`: `Timestamp: 1700000000.123456`).
fn timestamp_of(fields: &[(String, String)]) -> Option<Timestamp> {
    let raw = field(fields, "Timestamp")?;
    let (secs, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let secs: i64 = secs.trim().parse().ok()?;
    let frac: String = frac
        .chars()
        .take_while(char::is_ascii_digit)
        .chain("000".chars())
        .take(3)
        .collect();
    let millis: i64 = frac.parse().ok()?;
    Some(Timestamp(secs.checked_mul(1000)?.checked_add(millis)?))
}

/// What the AMI event `fields` means for hqdesk: nothing, or events about one call in the order
/// to apply them. A `Hangup` is mapped for any channel: forward it only for a known call (see
/// [`is_hangup`]).
pub fn map_event(fields: &[(String, String)]) -> Vec<CallEvent> {
    let Some(name) = field(fields, "Event") else {
        return Vec::new();
    };
    let Some(call_id) = field(fields, "Uniqueid") else {
        return Vec::new();
    };
    let at = timestamp_of(fields);
    // The event's channel block is the caller's on every queue event.
    let caller = |kind: CallEventKind| {
        let mut ev = CallEvent::new(kind, call_id);
        ev.direction = Some("in".into());
        ev.from = field(fields, "CallerIDNum")
            .filter(|n| *n != "<unknown>")
            .map(String::from);
        ev.to = field(fields, "Queue").map(String::from);
        ev.branch = field(fields, "Queue").and_then(branch_of_queue);
        ev.choice = field(fields, "Queue")
            .filter(|q| is_denunciation_queue(q))
            .map(|_| "denunciation".to_string());
        ev.at = at;
        ev
    };
    let name = name.to_ascii_lowercase();
    match name.as_str() {
        "queuecallerjoin" | "join" | "queueentry" => vec![caller(CallEventKind::Offered)],
        "agentconnect" => {
            let mut ev = caller(CallEventKind::Answered);
            ev.agent = agent_of(fields);
            vec![ev]
        }
        "agentcomplete" => {
            let mut answered = caller(CallEventKind::Answered);
            answered.agent = agent_of(fields);
            let talk: Option<i64> = field(fields, "TalkTime").and_then(|t| t.parse().ok());
            answered.at = at.zip(talk).map(|(t, s)| Timestamp(t.0 - s.max(0) * 1000));
            let mut ended = caller(CallEventKind::Ended);
            ended.cause = Some("normalClearing".into());
            vec![answered, ended]
        }
        "queuecallerabandon" => {
            let mut ev = caller(CallEventKind::Ended);
            ev.cause = Some("cancel".into());
            vec![ev]
        }
        "hangup" => {
            let mut ev = CallEvent::new(CallEventKind::Ended, call_id);
            ev.cause = field(fields, "Cause").map(String::from);
            ev.at = at;
            vec![ev]
        }
        _ => Vec::new(),
    }
}

/// Whether `fields` is a `Hangup` event (forwarded only for calls already known).
pub fn is_hangup(fields: &[(String, String)]) -> bool {
    field(fields, "Event").is_some_and(|e| e.eq_ignore_ascii_case("Hangup"))
}

// ---------------------------------------------------------------------------------------------
// The client

#[derive(Debug, thiserror::Error)]
enum AmiError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the server closed the connection")]
    Closed,
    #[error("timed out while {0}")]
    Timeout(&'static str),
    #[error("login refused: {0}")]
    Login(String),
    #[error("{0}")]
    Protocol(String),
}

/// Call ids seen on queue events, oldest forgotten first.
#[derive(Default)]
struct Known {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl Known {
    fn insert(&mut self, id: &str) {
        if self.set.insert(id.to_string()) {
            self.order.push_back(id.to_string());
            while self.order.len() > KNOWN_CALLS {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn fill(&mut self) -> Result<(), AmiError> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(AmiError::Closed);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        if self.buf.len() > MAX_BUFFER {
            return Err(AmiError::Protocol(format!(
                "no message end within {MAX_BUFFER} bytes"
            )));
        }
        Ok(())
    }

    async fn line(&mut self) -> Result<String, AmiError> {
        loop {
            if let Some(l) = take_line(&mut self.buf) {
                return Ok(l);
            }
            self.fill().await?;
        }
    }

    /// The next message, parsed. Cancel-safe: a cancelled call loses no bytes.
    async fn message(&mut self) -> Result<Vec<(String, String)>, AmiError> {
        loop {
            if let Some(text) = take_frame(&mut self.buf) {
                return Ok(parse_block(&text));
            }
            self.fill().await?;
        }
    }

    async fn send(&mut self, pairs: &[(&str, &str)]) -> Result<(), AmiError> {
        self.stream.write_all(action(pairs).as_bytes()).await?;
        Ok(())
    }
}

async fn within<T>(
    what: &'static str,
    f: impl Future<Output = Result<T, AmiError>>,
) -> Result<T, AmiError> {
    tokio::time::timeout(HANDSHAKE_TIMEOUT, f)
        .await
        .map_err(|_| AmiError::Timeout(what))?
}

/// Connect, log in, resynchronise, then forward events until the connection fails.
async fn session(
    services: &Services,
    cfg: &AmiConfig,
    known: &mut Known,
) -> Result<Infallible, AmiError> {
    let stream = within("connecting", async {
        Ok(TcpStream::connect(&cfg.addr).await?)
    })
    .await?;
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
    };
    let banner = within("waiting for the banner", conn.line()).await?;
    if !banner.starts_with("Asterisk Call Manager/") {
        tracing::warn!(ami.addr = %cfg.addr, banner = %banner, "unexpected AMI banner; trying to log in anyway");
    }
    conn.send(&[
        ("Action", "Login"),
        ("ActionID", LOGIN_ID),
        ("Username", &cfg.username),
        ("Secret", &cfg.secret),
        ("Events", "call,agent"),
    ])
    .await?;
    within("waiting for the login answer", async {
        loop {
            let m = conn.message().await?;
            let Some(response) = field(&m, "Response") else {
                continue;
            };
            if field(&m, "ActionID").is_some_and(|id| id != LOGIN_ID) {
                continue;
            }
            if response.eq_ignore_ascii_case("Success") {
                return Ok(());
            }
            return Err(AmiError::Login(
                field(&m, "Message").unwrap_or(response).to_string(),
            ));
        }
    })
    .await?;
    tracing::info!(ami.addr = %cfg.addr, banner = %banner, "AMI: logged in");
    // Calls that started while we were away: QueueEntry events, handled like any event below.
    conn.send(&[("Action", "QueueStatus"), ("ActionID", QUEUE_STATUS_ID)])
        .await?;
    let mut silent = 0;
    loop {
        let m = match tokio::time::timeout(PING_EVERY, conn.message()).await {
            Ok(m) => m?,
            Err(_) => {
                silent += 1;
                if silent >= MAX_SILENT_PERIODS {
                    return Err(AmiError::Timeout("waiting for any traffic"));
                }
                conn.send(&[("Action", "Ping"), ("ActionID", PING_ID)])
                    .await?;
                continue;
            }
        };
        silent = 0;
        if field(&m, "Event").is_none() {
            if field(&m, "Response").is_some_and(|r| r.eq_ignore_ascii_case("Error")) {
                tracing::warn!(
                    ami.action = field(&m, "ActionID").unwrap_or(""),
                    message = field(&m, "Message").unwrap_or(""),
                    "AMI action refused"
                );
            }
            continue;
        }
        forward(services, known, &m).await;
    }
}

/// Whether a `Hangup`'s channel is a call hqdesk knows (seen here, or already in the database).
async fn known_call(services: &Services, known: &mut Known, call_id: &str) -> bool {
    if known.set.contains(call_id) {
        return true;
    }
    let found = match services.store().read().await {
        Ok(mut conn) => hqdesk_store::calls::get(&mut conn, call_id).await.is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "AMI: cannot check a hangup against the calls");
            false
        }
    };
    if found {
        known.insert(call_id);
    }
    found
}

async fn forward(services: &Services, known: &mut Known, fields: &[(String, String)]) {
    let hangup = is_hangup(fields);
    for ev in map_event(fields) {
        if hangup {
            if !known_call(services, known, &ev.call_id).await {
                continue;
            }
        } else {
            known.insert(&ev.call_id);
        }
        let (call_id, kind) = (ev.call_id.clone(), ev.kind);
        if let Err(e) = services.record_call_event(&ACTOR, ev).await {
            tracing::warn!(call.id = %call_id, event = ?kind, error = %e, "AMI: call event not recorded");
        }
    }
}

/// Run the AMI client until `shutdown` completes: connect, log in, forward the call events, and
/// after any failure or a closed connection wait `cfg.reconnect_delay` and start again.
pub async fn run_ami(services: Services, cfg: AmiConfig, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut known = Known::default();
    loop {
        let ended = tokio::select! {
            _ = &mut shutdown => break,
            r = session(&services, &cfg, &mut known) => r,
        };
        let delay_ms = u64::try_from(cfg.reconnect_delay.as_millis()).unwrap_or(u64::MAX);
        match ended {
            Err(AmiError::Login(msg)) => {
                tracing::error!(ami.addr = %cfg.addr, ami.username = %cfg.username, message = %msg, retry_in_ms = delay_ms, "AMI login refused")
            }
            Err(e) => {
                tracing::warn!(ami.addr = %cfg.addr, error = %e, retry_in_ms = delay_ms, "AMI connection lost; reconnecting")
            }
            Ok(never) => match never {},
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(cfg.reconnect_delay) => {}
        }
    }
    tracing::info!(ami.addr = %cfg.addr, "AMI client stopped");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn control_characters_in_values_are_replaced_not_stored() {
        let p = parse_block("Event: Hangup\r\nCallerIDName: An\0\u{1b}[31m\r\n");
        assert_eq!(
            p,
            pairs(&[
                ("Event", "Hangup"),
                ("CallerIDName", "An\u{FFFD}\u{FFFD}[31m")
            ])
        );
    }

    #[test]
    fn the_denunciation_queue_makes_its_calls_confidential_branch_1() {
        let join = |queue: &str| {
            map_event(&pairs(&[
                ("Event", "QueueCallerJoin"),
                ("Uniqueid", "1.7"),
                ("CallerIDNum", "0912345678"),
                ("Queue", queue),
            ]))
        };
        let ev = join("hotline-branch1-denunciation");
        assert_eq!(ev[0].choice.as_deref(), Some("denunciation"));
        assert_eq!(ev[0].branch, Some(1));
        assert_eq!(
            join("hotline-togiac")[0].choice.as_deref(),
            Some("denunciation")
        );
        assert_eq!(join("hotline-branch1")[0].choice, None);
        assert_eq!(join("hotline-branch2")[0].choice, None);
    }

    #[test]
    fn repeated_keys_are_kept_in_order() {
        let p = parse_block("Event: VarSet\r\nVariable: a=1\r\nVariable: b=2\r\nValue: x: y\r\n");
        assert_eq!(
            p,
            pairs(&[
                ("Event", "VarSet"),
                ("Variable", "a=1"),
                ("Variable", "b=2"),
                ("Value", "x: y")
            ])
        );
        assert_eq!(field(&p, "variable"), Some("a=1"));
    }

    #[test]
    fn bare_newlines_frame_and_parse() {
        let mut buf = b"Asterisk Call Manager/5.0.1\nEvent: Hangup\nUniqueid: 1.1\nCause: 16\n\nEvent: Ping\n".to_vec();
        assert_eq!(
            take_line(&mut buf).as_deref(),
            Some("Asterisk Call Manager/5.0.1")
        );
        let f = take_frame(&mut buf).unwrap();
        assert_eq!(
            parse_block(&f),
            pairs(&[("Event", "Hangup"), ("Uniqueid", "1.1"), ("Cause", "16")])
        );
        // The second message is incomplete: it stays until its end arrives.
        assert_eq!(take_frame(&mut buf), None);
        assert_eq!(buf, b"Event: Ping\n");
        buf.extend_from_slice(b"\r\n");
        assert_eq!(
            parse_block(&take_frame(&mut buf).unwrap()),
            pairs(&[("Event", "Ping")])
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn a_message_split_across_reads() {
        let wire = b"\r\nResponse: Success\r\nActionID: hq-1\r\nMessage: Authentication accepted\r\n\r\nEvent: FullyBooted\r\n\r\n";
        let mut buf = Vec::new();
        let mut got = Vec::new();
        for b in wire {
            buf.push(*b);
            while let Some(f) = take_frame(&mut buf) {
                got.push(parse_block(&f));
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(field(&got[0], "Message"), Some("Authentication accepted"));
        assert_eq!(field(&got[1], "Event"), Some("FullyBooted"));
    }

    #[test]
    fn a_follows_body_is_skipped() {
        let wire = "Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nName/username: 101\n\nChannel: x\n--END COMMAND--\r\n\r\nEvent: QueueCallerJoin\r\nUniqueid: 9.9\r\n\r\n";
        let mut buf = wire.as_bytes().to_vec();
        let first = parse_block(&take_frame(&mut buf).unwrap());
        assert_eq!(
            first,
            pairs(&[
                ("Response", "Follows"),
                ("Privilege", "Command"),
                ("ActionID", "7")
            ])
        );
        let second = parse_block(&take_frame(&mut buf).unwrap());
        assert_eq!(field(&second, "Uniqueid"), Some("9.9"));
        assert_eq!(take_frame(&mut buf), None);
        // Output without a final line end before the marker.
        let mut buf = b"Response: Follows\nNo such command\n--END COMMAND--\n\n".to_vec();
        assert_eq!(
            parse_block(&take_frame(&mut buf).unwrap()),
            pairs(&[("Response", "Follows")])
        );
    }

    #[test]
    fn actions_cannot_inject_headers() {
        assert_eq!(
            action(&[("Action", "Login"), ("Secret", "a\r\nAction: Originate")]),
            "Action: Login\r\nSecret: aAction: Originate\r\n\r\n"
        );
    }

    #[test]
    fn branches_from_queue_names() {
        for (q, want) in [
            ("hotline-1", Some(1)),
            ("queue2", Some(2)),
            ("HQ-Branch2-inquiry", Some(2)),
            ("branch1", Some(1)),
            ("1", Some(1)),
            ("hotline", None),
            ("queue12", None),
            ("ext-21", None),
            ("branch12", None),
            ("", None),
        ] {
            assert_eq!(branch_of_queue(q), want, "{q}");
        }
    }

    #[test]
    fn events_map_to_call_events() {
        let join = pairs(&[
            ("Event", "QueueCallerJoin"),
            ("Uniqueid", "1700.1"),
            ("CallerIDNum", "0912345678"),
            ("Queue", "hotline-1"),
            ("Timestamp", "1700000000.5"),
        ]);
        let e = map_event(&join);
        assert_eq!(e.len(), 1);
        assert_eq!(
            (
                e[0].kind,
                e[0].call_id.as_str(),
                e[0].from.as_deref(),
                e[0].to.as_deref()
            ),
            (
                CallEventKind::Offered,
                "1700.1",
                Some("0912345678"),
                Some("hotline-1")
            )
        );
        assert_eq!(
            (e[0].direction.as_deref(), e[0].branch, e[0].at),
            (Some("in"), Some(1), Some(Timestamp(1_700_000_000_500)))
        );

        let connect = pairs(&[
            ("Event", "AgentConnect"),
            ("Uniqueid", "1700.1"),
            ("DestUniqueid", "1700.2"),
            ("MemberName", "PJSIP/101"),
            ("Interface", "PJSIP/101"),
        ]);
        let e = map_event(&connect);
        assert_eq!(
            (e[0].kind, e[0].call_id.as_str(), e[0].agent.as_deref()),
            (CallEventKind::Answered, "1700.1", Some("101"))
        );
        let connect = pairs(&[
            ("Event", "AgentConnect"),
            ("Uniqueid", "1700.1"),
            ("Interface", "SIP/102"),
        ]);
        assert_eq!(map_event(&connect)[0].agent.as_deref(), Some("102"));

        let complete = pairs(&[
            ("Event", "AgentComplete"),
            ("Uniqueid", "1700.1"),
            ("MemberName", "SIP/101"),
            ("Reason", "transfer"),
        ]);
        let e = map_event(&complete);
        assert_eq!(
            e.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [CallEventKind::Answered, CallEventKind::Ended]
        );
        assert_eq!(e[1].cause.as_deref(), Some("normalClearing"));

        let abandon = pairs(&[
            ("Event", "QueueCallerAbandon"),
            ("Uniqueid", "1700.3"),
            ("CallerIDNum", "<unknown>"),
        ]);
        let e = map_event(&abandon);
        assert_eq!(
            (e[0].kind, e[0].cause.as_deref(), e[0].from.as_deref()),
            (CallEventKind::Ended, Some("cancel"), None)
        );

        let hangup = pairs(&[
            ("Event", "Hangup"),
            ("Uniqueid", "1700.3"),
            ("Cause", "17"),
            ("Cause-txt", "User busy"),
        ]);
        let e = map_event(&hangup);
        assert!(is_hangup(&hangup));
        assert_eq!(
            (e[0].kind, e[0].cause.as_deref(), e[0].direction.as_deref()),
            (CallEventKind::Ended, Some("17"), None)
        );

        assert!(map_event(&pairs(&[("Event", "FullyBooted")])).is_empty());
        assert!(map_event(&pairs(&[("Event", "QueueCallerJoin"), ("Queue", "q")])).is_empty());
        assert!(map_event(&pairs(&[("Response", "Success")])).is_empty());
    }
}
