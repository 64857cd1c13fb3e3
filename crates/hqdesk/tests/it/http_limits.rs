//! Limits, timeouts and headers (issue 14 items 13, 14, 25), against the real `hqdesk serve`
//! over raw TCP: what a slow, idle, over-size or forged client gets, and how much memory ten
//! slow uploads cost the server.
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Engine, TestApp};

/// A `hqdesk serve` on a fresh SQLite database and a free port, killed when dropped.
struct Server {
    child: std::process::Child,
    addr: String,
    data: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn hqdesk(data: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hqdesk"))
        .args(args)
        .env(
            "HQDESK_DATABASE_URL",
            format!("sqlite://{}", data.join("hqdesk.db").display()),
        )
        .env("HQDESK_DATA_DIR", data)
        .env("HQDESK_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Server {
    async fn start(env: &[(&str, &str)]) -> Server {
        use std::io::BufRead;
        let data = std::env::temp_dir().join(format!("hqdesk-limits-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&data).unwrap();
        hqdesk(&data, &["migrate"]);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hqdesk"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .env(
                "HQDESK_DATABASE_URL",
                format!("sqlite://{}", data.join("hqdesk.db").display()),
            )
            .env("HQDESK_DATA_DIR", &data)
            .env("HQDESK_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("hqdesk serve printed its address");
        Server { child, addr, data }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.addr).await.unwrap()
    }

    /// Resident memory of the server process, in bytes.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kb * 1024
    }
}

/// Read until the server closes the connection or `secs` pass; what came, and whether it closed.
async fn read_until_closed(s: &mut TcpStream, secs: u64) -> (String, bool) {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let mut buf = [0u8; 8192];
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

/// Read one response head (and whatever of the body came with it), waiting at most `secs`.
async fn read_head(s: &mut TcpStream, secs: u64) -> String {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
        let mut buf = [0u8; 8192];
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

async fn get(server: &Server, path: &str) -> String {
    let mut s = server.connect().await;
    s.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    read_until_closed(&mut s, 10).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_does_not_finish_its_headers_or_idles_is_closed() {
    let server = Server::start(&[("HQDESK_HEADER_TIMEOUT", "1")]).await;
    // Headers begun, never finished.
    let mut slow = server.connect().await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Nothing sent at all.
    let mut silent = server.connect().await;
    // One request answered, then idle on a kept-alive connection.
    let mut kept = server.connect().await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(read_head(&mut kept, 10).await.starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    for (what, s) in [
        ("unfinished headers", &mut slow),
        ("silent", &mut silent),
        ("idle keep-alive", &mut kept),
    ] {
        let (_, closed) = read_until_closed(s, 6).await;
        assert!(closed, "{what}: still open after {:?}", started.elapsed());
    }
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_idle_connections_are_closed_and_healthz_keeps_answering() {
    let server = Server::start(&[
        ("HQDESK_HEADER_TIMEOUT", "3"),
        ("HQDESK_MAX_CONNECTIONS", "100"),
    ])
    .await;
    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(server.connect().await);
    }
    // Four times the connection limit is open and idle: health still answers at once.
    let asked = Instant::now();
    let health = tokio::time::timeout(Duration::from_secs(5), get(&server, "/healthz"))
        .await
        .expect("healthz answers while 400 idle connections are open");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    // And every idle connection is closed by the server within the header timeout.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut open = 0;
    for s in &mut idle {
        if !read_until_closed(s, 1).await.1 {
            open += 1;
        }
    }
    assert_eq!(open, 0, "idle connections left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_size_json_body_is_refused_before_it_is_read() {
    let server = Server::start(&[]).await;
    hqdesk(&server.data, &["user", "add", "lan", "--role", "agent"]);
    let token = hqdesk(&server.data, &["token", "issue", "lan"]);
    let mut s = server.connect().await;
    // 2 MB announced (over the 1 MiB default), a few bytes sent, the rest never comes.
    s.write_all(
        format!(
            "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{{\"subject\":\""
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let head = read_head(&mut s, 5).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    let (rest, closed) = read_until_closed(&mut s, 5).await;
    assert!(closed, "the connection is closed rather than the body read");
    assert!(
        format!("{head}{rest}").contains("\"code\":\"body_too_large\""),
        "{head}{rest}"
    );

    // The same request within the limit is read and answered as usual (here: invalid JSON).
    let mut s = server.connect().await;
    s.write_all(
        format!(
            "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{{x}}"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    assert!(read_head(&mut s, 10).await.starts_with("HTTP/1.1 400"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cti_webhook_checks_its_token_before_reading_the_body() {
    let server = Server::start(&[]).await;
    let mut s = server.connect().await;
    s.write_all(
        b"POST /api/v1/cti/hqd_not-a-token HTTP/1.1\r\nHost: x\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500000\r\n\r\nevent=newCall&",
    )
    .await
    .unwrap();
    let head = read_head(&mut s, 5).await;
    assert!(
        head.starts_with("HTTP/1.1 401"),
        "answered before the body came: {head}"
    );
}

/// A visitor of the portal: the form cookie and CSRF token from the request page.
async fn visitor(server: &Server) -> (String, String) {
    let page = get(server, "/request?topic=vnaccs_error").await;
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: hqdesk_form="))
        .and_then(|c| c.split(';').next())
        .expect("form cookie")
        .to_string();
    let i = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    let csrf = page[i..i + page[i..].find('"').unwrap()].to_string();
    (cookie, csrf)
}

const BOUNDARY: &str = "hqdesk-limits-boundary";

/// The head and the first parts of a portal request with one file of `file_len` bytes; the
/// file's bytes and the closing boundary are left to the caller.
fn upload_start(server: &Server, cookie: &str, csrf: &str, file_len: usize) -> (Vec<u8>, Vec<u8>) {
    let mut first = Vec::new();
    for (k, v) in [
        ("csrf", csrf),
        ("topic", "vnaccs_error"),
        ("subject", "Lỗi E1234 khi gửi tờ khai"),
        ("system", "VNACCS/VCIS"),
        ("error_message", "E1234: Không tìm thấy số tờ khai"),
        ("declaration_number", "1035 2468 0120"),
        ("description", "Không gửi được tờ khai."),
        ("name", "Nguyễn Thị Lan"),
        ("business_name", "Công ty TNHH Thương mại Hải Long"),
        ("tax_code", "0100231226"),
        ("email", "lan@example.vn"),
    ] {
        first.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    first.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"scan.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n").into_bytes();
    let head = format!(
        "POST /request HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nCookie: hqdesk_form={cookie}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len}\r\n\r\n",
        host = server.addr,
        len = first.len() + file_len + tail.len()
    );
    let mut start = head.into_bytes();
    start.extend_from_slice(&first);
    (start, tail)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_upload_with_a_bad_csrf_token_is_refused_before_its_files_are_read() {
    let server = Server::start(&[]).await;
    let (cookie, _) = visitor(&server).await;
    let (start, _) = upload_start(
        &server,
        &cookie,
        "0000forged0000forged0000forged00",
        5_000_000,
    );
    let mut s = server.connect().await;
    s.write_all(&start).await.unwrap();
    s.write_all(&[b'%'; 4096]).await.unwrap();
    // 5 MB announced, 4 kB of the file sent: the answer comes without the rest.
    let head = read_head(&mut s, 5).await;
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    let staged = std::fs::read_dir(server.data.join("blobs/.staging"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(staged, 0, "nothing of the file was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_slow_anonymous_uploads_are_streamed_to_disk_not_memory() {
    const FILE: usize = 9 * 1024 * 1024;
    let server = Server::start(&[]).await;
    let (cookie, csrf) = visitor(&server).await;
    let before = server.rss();
    let chunk = vec![b'x'; 256 * 1024];
    let mut uploads = Vec::new();
    for _ in 0..10 {
        let (start, tail) = upload_start(&server, &cookie, &csrf, FILE);
        let mut s = server.connect().await;
        s.write_all(&start).await.unwrap();
        // All of the file but its last 256 kB: the upload stays open, unfinished.
        let mut sent = 0;
        while sent + chunk.len() < FILE {
            s.write_all(&chunk).await.unwrap();
            sent += chunk.len();
        }
        uploads.push((s, FILE - sent, tail));
    }
    // The server has read nearly 90 MB of files; they wait on disk, not in its memory.
    let mut on_disk = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        on_disk = std::fs::read_dir(server.data.join("blobs/.staging"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum::<u64>()
            })
            .unwrap_or(0);
        if on_disk as usize >= 10 * (FILE - 4 * 1024 * 1024) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        on_disk as usize >= 10 * (FILE - 4 * 1024 * 1024),
        "streamed to disk: {on_disk} bytes"
    );
    let grown = server.rss().saturating_sub(before);
    assert!(
        grown < 40 * 1024 * 1024,
        "the server grew by {} MB",
        grown / 1024 / 1024
    );

    // Finished, each becomes a case with its file (the per-address limit allows ten).
    for (mut s, left, tail) in uploads {
        s.write_all(&vec![b'x'; left]).await.unwrap();
        s.write_all(&tail).await.unwrap();
        let head = read_head(&mut s, 30).await;
        // Accepted: on to the confirmation (POST/redirect/GET).
        assert!(
            head.starts_with("HTTP/1.1 303") && head.contains("location: /submitted"),
            "{head}"
        );
    }
    let left = std::fs::read_dir(server.data.join("blobs/.staging"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "staged files were kept under their hash");
}

/// The headers every answer carries, pages and API alike.
fn assert_security_headers(path: &str, h: &axum::http::HeaderMap) {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    let csp = get("content-security-policy");
    assert_eq!(csp, hqdesk_web::CONTENT_SECURITY_POLICY, "{path}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{path}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert_eq!(get("x-frame-options"), "DENY", "{path}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(get("referrer-policy"), "same-origin", "{path}");
}

async fn fetch(router: &axum::Router, path: &str) -> axum::response::Response {
    use tower::ServiceExt;
    router
        .clone()
        .oneshot(
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers_and_https_makes_cookies_secure() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let pages = [
        "/",
        "/kb",
        "/request?topic=vnaccs_error",
        "/suggestions",
        "/procedures",
        "/track/0000000000000000000000000000000000000000",
        "/console/login",
        "/console",
        "/console/cases/HQ-1",
        "/no/such/page",
        "/assets/app.js",
        "/api/v1/openapi.json",
        "/api/v1/cases",
        "/healthz",
    ];
    for path in pages {
        let resp = fetch(&app.router, path).await;
        assert_security_headers(path, resp.headers());
        assert!(
            resp.headers().get("strict-transport-security").is_none(),
            "{path}: no HSTS over http"
        );
    }
    let form = fetch(&app.router, "/request").await;
    let cookie = form.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");

    // Behind a TLS proxy (the public address is https://), without any X-Forwarded-Proto.
    let tls = hqdesk_web::router_with(
        app.services.clone(),
        hqdesk_web::WebConfig {
            public_url: Some("https://hotro.customs.gov.vn".into()),
            ..Default::default()
        },
    );
    for path in pages {
        let resp = fetch(&tls, path).await;
        assert_security_headers(path, resp.headers());
        assert_eq!(
            resp.headers()
                .get("strict-transport-security")
                .and_then(|v| v.to_str().ok()),
            Some("max-age=31536000"),
            "{path}"
        );
        for c in resp.headers().get_all("set-cookie") {
            assert!(c.to_str().unwrap().ends_with("; Secure"), "{path}: {c:?}");
        }
    }
    let form = fetch(&tls, "/request").await;
    assert!(form
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("; Secure"));
    let lang = fetch(&tls, "/lang/en").await;
    assert!(lang
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("; Secure"));
}

/// Run in the page: an inline script, as an injected `<script>` would be. Under the policy the
/// browser refuses it (and says so with a `securitypolicyviolation` event).
const INLINE_PROBE: &str = "
    var refused = false;
    document.addEventListener('securitypolicyviolation', function () { refused = true; });
    var s = document.createElement('script');
    s.textContent = 'document.documentElement.dataset.inline = \"ran\"';
    document.head.appendChild(s);
    return new Promise(function (done) {
        setTimeout(function () {
            done((document.documentElement.dataset.inline || 'blocked') + (refused ? ' (reported)' : ''));
        }, 100);
    });";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_refuses_inline_script_and_our_own_scripts_still_work() {
    use crate::browser::{serve, Browser};
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    hqdesk::kb::import(&app.services, None).await.unwrap();
    crate::console::set_password(&app, "agent").await;
    let base = serve(app.router.clone()).await;
    let probe = |b: &Browser| {
        let client = b.client.clone();
        async move {
            client
                .execute_async(
                    &format!("var callback = arguments[arguments.length - 1]; (async function () {{ {INLINE_PROBE} }})().then(callback);"),
                    vec![],
                )
                .await
                .unwrap()
        }
    };
    for path in [
        "/",
        "/kb",
        "/request?topic=vnaccs_error",
        "/suggestions",
        "/procedures",
        "/console/login",
    ] {
        b.goto(&format!("{base}{path}")).await;
        assert_eq!(
            probe(&b).await,
            serde_json::json!("blocked (reported)"),
            "{path}"
        );
    }
    // The portal's own script: articles offered while the subject is typed.
    b.goto(&format!("{base}/request?topic=vnaccs_error")).await;
    b.fill("#subject", "dang ky tai khoan vnaccs").await;
    b.wait_for("#suggestion-list li a", 10).await;
    // The console's: '/' jumps to the search field on the queue page.
    crate::console::sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    assert_eq!(
        probe(&b).await,
        serde_json::json!("blocked (reported)"),
        "queue"
    );
    b.press_key("/").await;
    let focused = b
        .client
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!("q"));
    b.screenshot("csp-console-queue").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_comes_too_slowly_is_cut_off_at_the_body_timeout() {
    let server = Server::start(&[("HQDESK_BODY_TIMEOUT", "1")]).await;
    hqdesk(&server.data, &["user", "add", "lan", "--role", "agent"]);
    let token = hqdesk(&server.data, &["token", "issue", "lan"]);
    let mut s = server.connect().await;
    s.write_all(
        format!(
            "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"subject\":"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let head = read_head(&mut s, 6).await;
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}
