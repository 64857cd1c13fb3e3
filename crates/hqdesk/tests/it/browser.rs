//! Browser harness for end-to-end tests of the web console: a headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini.
//!
//! `Browser::start()` returns None (printing why) when chromedriver is not installed, unless
//! `HQDESK_REQUIRE_BROWSER` is set (scripts/test.sh sets it), in which case it panics.
//! Screenshots go to `$HQDESK_TEST_OUTPUT/screenshots/` (default `<workspace>/target/test-output`).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long `fill`, `click` and `text` wait for their element to appear.
const DEFAULT_WAIT_SECS: u64 = 10;
/// The widths every audited page is seen at: a laptop, and a phone held upright.
const AUDIT_WIDTHS: [u32; 2] = [1366, 390];

/// axe-core's source (`$HQDESK_AXE_JS`, fetched by scripts/test.sh), read once. None (said once)
/// when unset and not required.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| match std::env::var_os("HQDESK_AXE_JS") {
            Some(path) if !path.is_empty() => {
                Some(std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!("read HQDESK_AXE_JS {}: {e}", Path::new(&path).display())
                }))
            }
            _ if std::env::var_os("HQDESK_REQUIRE_BROWSER").is_some() => panic!(
                "HQDESK_REQUIRE_BROWSER is set but HQDESK_AXE_JS is not: run scripts/test.sh, \
                 which fetches axe-core"
            ),
            _ => {
                eprintln!("SKIPPED (accessibility): HQDESK_AXE_JS is not set; run scripts/test.sh");
                None
            }
        })
        .as_deref()
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Holds the Chromium profile (`profile/`) and chromedriver's log (`chromedriver.log`).
    tmp: PathBuf,
}

/// Serves `router` on a fresh local port in a background task; returns `http://127.0.0.1:PORT`.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("axum::serve");
    });
    format!("http://{addr}")
}

/// The workspace's test output directory: `$HQDESK_TEST_OUTPUT`, else `<workspace>/target/test-output`.
pub fn test_output_dir() -> PathBuf {
    match std::env::var_os("HQDESK_TEST_OUTPUT") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output"),
    }
}

/// `/usr/bin/<name>` when executable, else the first `<name>` on PATH.
fn find_executable(preferred: &str) -> Option<PathBuf> {
    let preferred = Path::new(preferred);
    if is_executable(preferred) {
        return Some(preferred.to_path_buf());
    }
    let name = preferred.file_name()?;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn skip_or_panic(what: &str) -> Option<Browser> {
    if std::env::var_os("HQDESK_REQUIRE_BROWSER").is_some() {
        panic!(
            "HQDESK_REQUIRE_BROWSER is set but {what} was not found \
             (install chromium and chromium-driver, or run scripts/test.sh)"
        );
    }
    eprintln!("SKIPPED (browser): {what} not found; run scripts/test.sh");
    None
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// True when `GET /status` on 127.0.0.1:port answers 200.
async fn status_ok(port: u16) -> bool {
    let attempt = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        // chromedriver rejects HTTP/1.0; the status line is all we need.
        s.write_all(b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut buf = Vec::new();
        while buf.len() < 12 {
            let mut chunk = [0u8; 256];
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200"))
    };
    tokio::time::timeout(Duration::from_secs(2), attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Kills the chromedriver process group (chromedriver and the Chromium it started), then the
/// child itself, and reaps it.
fn kill_driver(driver: &mut Child) {
    if let Ok(None) = driver.try_wait() {
        // chromedriver was started as the leader of its own process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", driver.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = driver.kill();
    }
    let _ = driver.wait();
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or returns None (printing
    /// `SKIPPED (browser): …`) when they are not installed and `HQDESK_REQUIRE_BROWSER` is unset.
    pub async fn start() -> Option<Browser> {
        let Some(chromedriver) = find_executable(CHROMEDRIVER) else {
            return skip_or_panic("chromedriver");
        };
        let Some(chromium) = find_executable(CHROMIUM) else {
            return skip_or_panic("chromium");
        };

        let tmp = std::env::temp_dir().join(format!("hqdesk-browser-{}", uuid::Uuid::new_v4()));
        let profile = tmp.join("profile");
        std::fs::create_dir_all(&profile).expect("create browser temp dir");
        let log_path = tmp.join("chromedriver.log");

        // The port may be taken between picking and binding it: retry a few times.
        let mut started = None;
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(&log_path).expect("create chromedriver log");
            let log2 = log.try_clone().expect("clone log file handle");
            let mut driver = {
                use std::os::unix::process::CommandExt;
                Command::new(&chromedriver)
                    .arg(format!("--port={port}"))
                    .stdin(Stdio::null())
                    .stdout(log)
                    .stderr(log2)
                    .process_group(0)
                    .spawn()
                    .unwrap_or_else(|e| panic!("spawn {}: {e}", chromedriver.display()))
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut ready = false;
            while Instant::now() < deadline {
                if status_ok(port).await {
                    ready = true;
                    break;
                }
                if let Ok(Some(_)) = driver.try_wait() {
                    break; // exited early, e.g. the port was taken
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if ready {
                started = Some((driver, port));
                break;
            }
            kill_driver(&mut driver);
        }
        let Some((mut driver, port)) = started else {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let _ = std::fs::remove_dir_all(&tmp);
            panic!(
                "chromedriver ({}) did not answer /status within 10 s; its output:\n{log}",
                chromedriver.display()
            );
        };

        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1366,900",
                    format!("--user-data-dir={}", profile.display()),
                    "--lang=vi-VN",
                ],
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("capabilities are a JSON object")
        };
        let connected = ClientBuilder::rustls()
            .expect("fantoccini rustls connector")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match connected {
            Ok(client) => Some(Browser {
                client,
                driver,
                tmp,
            }),
            Err(e) => {
                kill_driver(&mut driver);
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                let _ = std::fs::remove_dir_all(&tmp);
                panic!("could not start a Chromium session via chromedriver: {e}\n{log}");
            }
        }
    }

    /// Ends the WebDriver session (closing Chromium), then stops chromedriver.
    pub async fn close(self) {
        if let Err(e) = self.client.clone().close().await {
            eprintln!("browser: closing the WebDriver session failed: {e}");
        }
        // Drop kills chromedriver and removes the temp dir.
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Waits for `css`, clears it and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css, DEFAULT_WAIT_SECS).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Waits for `css` and clicks it.
    pub async fn click(&self, css: &str) {
        let el = self.wait_for(css, DEFAULT_WAIT_SECS).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Waits for `css` and returns its rendered text.
    pub async fn text(&self, css: &str) -> String {
        let el = self.wait_for(css, DEFAULT_WAIT_SECS).await;
        el.text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// Polls every 100 ms for an element matching `css`; panics with the current URL and the
    /// start of the page source when none appears within `timeout_secs`.
    pub async fn wait_for(&self, css: &str, timeout_secs: u64) -> Element {
        let deadline = Instant::now() + Duration::from_secs(timeout_secs);
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                return el;
            }
            if Instant::now() >= deadline {
                self.fail(&format!(
                    "no element matches {css:?} after {timeout_secs} s"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls every 100 ms until an element matching `css` has text containing `needle`.
    pub async fn wait_for_text(&self, css: &str, needle: &str, timeout_secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(timeout_secs);
        let mut last = None;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = el.text().await {
                    if text.contains(needle) {
                        return;
                    }
                    last = Some(text);
                }
            }
            if Instant::now() >= deadline {
                let seen = match &last {
                    Some(t) => format!("its text was {t:?}"),
                    None => "no element matched".to_owned(),
                };
                self.fail(&format!(
                    "{css:?} did not contain {needle:?} after {timeout_secs} s ({seen})"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses and releases one key on whatever has focus. `key` is a single character or a
    /// key name: Enter, Escape, Tab, Backspace, Delete, Space, ArrowUp/Down/Left/Right,
    /// Home, End, PageUp, PageDown, F1…F12.
    pub async fn press_key(&self, key: &str) {
        let value: char = match key {
            "Enter" => Key::Enter.into(),
            "Return" => Key::Return.into(),
            "Escape" | "Esc" => Key::Escape.into(),
            "Tab" => Key::Tab.into(),
            "Backspace" => Key::Backspace.into(),
            "Delete" => Key::Delete.into(),
            "Space" | " " => Key::Space.into(),
            "ArrowUp" | "Up" => Key::Up.into(),
            "ArrowDown" | "Down" => Key::Down.into(),
            "ArrowLeft" | "Left" => Key::Left.into(),
            "ArrowRight" | "Right" => Key::Right.into(),
            "Home" => Key::Home.into(),
            "End" => Key::End.into(),
            "PageUp" => Key::PageUp.into(),
            "PageDown" => Key::PageDown.into(),
            "F1" => Key::F1.into(),
            "F2" => Key::F2.into(),
            "F3" => Key::F3.into(),
            "F4" => Key::F4.into(),
            "F5" => Key::F5.into(),
            "F6" => Key::F6.into(),
            "F7" => Key::F7.into(),
            "F8" => Key::F8.into(),
            "F9" => Key::F9.into(),
            "F10" => Key::F10.into(),
            "F11" => Key::F11.into(),
            "F12" => Key::F12.into(),
            other => {
                let mut chars = other.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => c,
                    _ => panic!("press_key: unknown key {other:?}"),
                }
            }
        };
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("press {key}: {e}"));
        let _ = self.client.release_actions().await;
    }

    /// The path (plus query and fragment, if any) of the current page, e.g. `/tickets?q=x`.
    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        if let Some(f) = url.fragment() {
            path.push('#');
            path.push_str(f);
        }
        path
    }

    /// Saves a PNG of the viewport to `<test output>/screenshots/{name}.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("take screenshot");
        let dir = test_output_dir().join("screenshots");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Resizes the window so the page's viewport is `width` CSS pixels wide (900 high).
    pub async fn set_width(&self, width: u32) {
        // The window is wider than its viewport by the frame, if any: measure and correct once.
        self.client
            .set_window_size(width, 900)
            .await
            .unwrap_or_else(|e| panic!("resize to {width}: {e}"));
        let inner = self.viewport_width().await;
        if inner != width && inner > 0 {
            let outer = width + (width.saturating_sub(inner));
            let _ = self.client.set_window_size(outer, 900).await;
        }
    }

    async fn viewport_width(&self) -> u32 {
        let v = self
            .client
            .execute("return window.innerWidth;", vec![])
            .await
            .expect("read window.innerWidth");
        v.as_u64().unwrap_or(0) as u32
    }

    /// Reviews the current page as it is: saves screenshots at 1366 and 390 px wide
    /// (`<name>-<lang>-1366.png`, `<name>-<lang>-390.png`, lang from `<html lang>`), and at each
    /// width fails when the page scrolls sideways or axe-core finds a serious or critical
    /// violation. Leaves the window at 1366 px.
    pub async fn audit(&self, name: &str) {
        let lang = self
            .client
            .execute("return document.documentElement.lang || 'none';", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "none".into());
        let mut problems = Vec::new();
        for width in AUDIT_WIDTHS {
            self.set_width(width).await;
            // Let the layout settle (media queries, fonts) before measuring and capturing.
            tokio::time::sleep(Duration::from_millis(150)).await;
            self.screenshot(&format!("{name}-{lang}-{width}")).await;
            let overflow = self.horizontal_overflow().await;
            if overflow > 1 {
                problems.push(format!(
                    "at {width} px the page scrolls sideways by {overflow} px ({})",
                    self.widest_elements().await
                ));
            }
            for v in self.axe_violations().await {
                problems.push(format!("at {width} px axe: {v}"));
            }
        }
        self.set_width(AUDIT_WIDTHS[0]).await;
        if !problems.is_empty() {
            self.fail(&format!(
                "audit of {name} ({lang}) found:\n  {}",
                problems.join("\n  ")
            ))
            .await;
        }
    }

    /// How many CSS pixels the page is wider than the viewport (0 when it fits).
    pub async fn horizontal_overflow(&self) -> i64 {
        self.client
            .execute(
                "var d = document.documentElement; return Math.max(0, d.scrollWidth - d.clientWidth);",
                vec![],
            )
            .await
            .expect("measure horizontal overflow")
            .as_i64()
            .unwrap_or(0)
    }

    /// The elements sticking out of the viewport, for the overflow message.
    async fn widest_elements(&self) -> String {
        let script = "var w = document.documentElement.clientWidth, out = [];
            document.querySelectorAll('body *').forEach(function (e) {
              var r = e.getBoundingClientRect();
              if (r.right > w + 1 && out.length < 5) {
                out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                  (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                  ' right=' + Math.round(r.right));
              }
            });
            return out.join(', ');";
        match self.client.execute(script, vec![]).await {
            Ok(v) => v.as_str().unwrap_or_default().to_owned(),
            Err(e) => format!("<could not list: {e}>"),
        }
    }

    /// axe-core's serious and critical violations on the current page, one line each (rule,
    /// impact, help, the first few offending elements). Empty when there are none; skipped with a
    /// message when axe-core is not available and `HQDESK_REQUIRE_BROWSER` is unset.
    pub async fn axe_violations(&self) -> Vec<String> {
        let Some(source) = axe_source() else {
            return Vec::new();
        };
        let loaded = self
            .client
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if !loaded {
            self.client
                .execute(&format!("{source}\nreturn true;"), vec![])
                .await
                .unwrap_or_else(|e| panic!("inject axe-core: {e}"));
        }
        let script = "var done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
              done(r.violations
                .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                .map(function (v) {
                  return v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                    v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(' | ');
                }));
            }, function (e) { done(['axe failed: ' + e]); });";
        let found = self
            .client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("run axe-core: {e}"));
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Panics with `msg`, the current URL and the first 2000 characters of the page source.
    async fn fail(&self, msg: &str) -> ! {
        let url = match self.client.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("<unknown: {e}>"),
        };
        let source = match self.client.source().await {
            Ok(s) => s.chars().take(2000).collect::<String>(),
            Err(e) => format!("<unavailable: {e}>"),
        };
        panic!("{msg}\ncurrent URL: {url}\npage source (first 2000 chars):\n{source}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_driver(&mut self.driver);
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_renders_a_local_page() {
    use axum::response::IntoResponse;

    let router = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            (
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                r#"<html><body><h1 id="t">Xin chào Hải quan</h1><input id="q"></body></html>"#,
            )
                .into_response()
        }),
    );
    let base = serve(router).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.goto(&format!("{base}/")).await;
    browser.wait_for_text("#t", "Hải quan", 10).await;
    assert_eq!(browser.current_path().await, "/");
    browser.fill("#q", "tờ khai").await;
    let typed = browser
        .wait_for("#q", 5)
        .await
        .prop("value")
        .await
        .expect("input value");
    assert_eq!(typed.as_deref(), Some("tờ khai"));
    assert_eq!(browser.text("#t").await, "Xin chào Hải quan");
    browser.click("#q").await;
    browser.press_key("End").await;
    browser.press_key("x").await;
    let typed = browser
        .wait_for("#q", 5)
        .await
        .prop("value")
        .await
        .expect("input value");
    assert_eq!(typed.as_deref(), Some("tờ khaix"));
    let png = browser.screenshot("harness-selftest").await;
    let meta = std::fs::metadata(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(meta.len() > 0, "{} is empty", png.display());
    let bytes = std::fs::read(&png).expect("read screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        png.display()
    );
    browser.close().await;
}
