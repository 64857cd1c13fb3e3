//! `hqdesk-bench run`: the whole suite against the REAL server.
//!
//! The suite starts `hqdesk serve` as a child process on a free 127.0.0.1 port (the `hqdesk`
//! binary of [`RunOptions::server_exe`], on the same database), times its start until `/healthz`
//! answers, then drives it over HTTP with concurrent clients (reqwest on tokio tasks): case
//! creation through `POST /api/v1/cases` at 1 and 8 clients, the console queue page, a console
//! case page with a 50-message timeline and full-text searches with Vietnamese queries, typed
//! with and without diacritics. Last it reads the server's peak RSS (`VmHWM` of
//! `/proc/PID/status`). The figures include the client's own work (HTTP over loopback, JSON) and
//! share the machine's cores with it.
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use hqdesk_services::Services;
use serde_json::json;

use crate::queue::{ms, percentile, QueueBench};

/// What to run and how much of it.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The `hqdesk` binary to start as the server.
    pub server_exe: PathBuf,
    /// The database the server opens (the one `services` is connected to).
    pub database_url: String,
    /// The server's data directory (attachments); its log goes to `server.log` in it.
    pub data_dir: PathBuf,
    /// The server's secret key file, when its keys are not in `HQDESK_SECRET_KEY` nor in
    /// `secret.key` of `data_dir`.
    pub secret_key_file: Option<PathBuf>,
    /// Concurrent clients for the creation runs, e.g. `[1, 8]`.
    pub create_clients: Vec<usize>,
    /// Cases created per creation run.
    pub creates: usize,
    /// Measured requests per read scenario (after a few unmeasured ones).
    pub reads: usize,
    /// Messages on the case whose page is measured.
    pub timeline: usize,
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub clients: usize,
    pub requests: usize,
    /// Requests per second over the run's wall time (creation runs only).
    pub throughput: Option<f64>,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    /// What the issue asks for, in words (empty when there is no target).
    pub target: &'static str,
    pub met: Option<bool>,
    /// Creation runs: the transactions that committed the run's cases (group commit), from the
    /// server's `/metrics`.
    pub commits: Option<u64>,
}

/// The result of one run of the suite.
#[derive(Debug, Clone)]
pub struct Report {
    pub engine: &'static str,
    pub cores: usize,
    pub cases: i64,
    pub timeline_entries: i64,
    pub figures: Vec<Figure>,
    /// Spawn to the first 200 from `/healthz`.
    pub start: Duration,
    /// Peak resident set of the server process (`VmHWM`), in KiB.
    pub peak_rss_kib: Option<u64>,
    /// The 1-minute load average before and after the run.
    pub load_before: Option<String>,
    pub load_after: Option<String>,
}

/// Vietnamese searches as staff type them: with diacritics, without, mixed with codes. The
/// server folds both the same way (`hqdesk_domain::text`).
pub const SEARCHES: &[&str] = &[
    "thủy sản đông lạnh",
    "thuy san dong lanh",
    "cảng Cát Lái",
    "cang cat lai",
    "chữ ký số",
    "chu ky so",
    "E1702 VNACCS",
    "hạt điều",
    "cua khau mong cai",
    "hoàn thuế",
];

/// The server child: killed when dropped, so a failed run never leaves it behind.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

/// Start `hqdesk serve` and wait until `/healthz` answers 200; the time that took.
async fn start_server(opts: &RunOptions) -> anyhow::Result<(Server, Duration)> {
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("creating {}", opts.data_dir.display()))?;
    let log = std::fs::File::create(opts.data_dir.join("server.log"))?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()?;
    let started = Instant::now();
    let mut command = std::process::Command::new(&opts.server_exe);
    if let Some(key_file) = &opts.secret_key_file {
        command.arg("--secret-key-file").arg(key_file);
    }
    let child = command
        .arg("--database")
        .arg(&opts.database_url)
        .arg("--data-dir")
        .arg(&opts.data_dir)
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", opts.server_exe.display()))?;
    let mut server = Server { child, base };
    loop {
        if let Ok(r) = http.get(format!("{}/healthz", server.base)).send().await {
            if r.status() == reqwest::StatusCode::OK {
                return Ok((server, started.elapsed()));
            }
        }
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "the server exited ({status}) before answering; see {}",
                opts.data_dir.join("server.log").display()
            );
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the server did not answer /healthz within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// `VmHWM` (peak resident set) of a process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn load_average() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// An authenticated HTTP client of the running server.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    bearer: String,
    cookie: String,
}

impl Client {
    async fn check(r: reqwest::Response, want: u16) -> anyhow::Result<Vec<u8>> {
        let status = r.status();
        let body = r.bytes().await?;
        if status.as_u16() != want {
            bail!(
                "answered {status} (wanted {want}): {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(body.to_vec())
    }

    /// A counter of the server's `/metrics` (0 before its first increment).
    async fn counter(&self, name: &str) -> anyhow::Result<u64> {
        let mut req = self.http.get(format!("{}/metrics", self.base));
        // The server inherits this environment: with a metrics token it wants it back.
        if let Ok(token) = std::env::var("HQDESK_METRICS_TOKEN") {
            if !token.is_empty() {
                req = req.bearer_auth(token);
            }
        }
        let text = req.send().await.context("GET /metrics")?.text().await?;
        Ok(text
            .lines()
            .filter_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .find_map(|v| v.trim().parse::<f64>().ok())
            .map(|v| v as u64)
            .unwrap_or(0))
    }

    async fn post_json(&self, path: &str, body: &serde_json::Value) -> anyhow::Result<Vec<u8>> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("authorization", &self.bearer)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        Self::check(r, 201)
            .await
            .with_context(|| format!("POST {path}"))
    }

    /// GET with the API token (`/api/…`) or the console session (anything else).
    async fn get(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let req = self.http.get(format!("{}{path}", self.base));
        let req = if path.starts_with("/api/") {
            req.header("authorization", &self.bearer)
        } else {
            req.header("cookie", &self.cookie)
        };
        let r = req.send().await.with_context(|| format!("GET {path}"))?;
        Self::check(r, 200)
            .await
            .with_context(|| format!("GET {path}"))
    }
}

/// A new case's request body: an inquiry by a business, with a different requester each time.
fn new_case(i: usize, salt: u32) -> serde_json::Value {
    let goods = [
        "linh kiện điện tử",
        "hàng may mặc",
        "thủy sản đông lạnh",
        "hạt điều",
    ];
    let g = goods[i % goods.len()];
    json!({
        "kind": "inquiry",
        "channel": "api",
        "subject": format!("Hỏi về thủ tục nhập khẩu {g} (lô {i})"),
        "body": format!(
            "Kính gửi Tổng đài hỗ trợ. Công ty chúng tôi nhập khẩu {g} qua cảng Cát Lái, tờ khai IDA \
             báo lỗi E1702 trên hệ thống VNACCS/VCIS. Đề nghị hướng dẫn cách xử lý. Xin cảm ơn."
        ),
        "unit": crate::seed::BENCH_UNIT,
        "requester": {
            "name": "Nguyễn Văn Bình",
            "business_name": "Công ty TNHH Thương mại Sao Mai",
            "email": format!("bench.{salt:08x}.{i}@example.vn"),
        }
    })
}

fn case_number(body: &[u8]) -> anyhow::Result<String> {
    let v: serde_json::Value = serde_json::from_slice(body)?;
    v.get("number")
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .context("the created case has no number")
}

/// `clients` tasks creating `total` cases between them; per-request latencies and wall time.
async fn create_run(
    client: &Client,
    clients: usize,
    total: usize,
    salt: u32,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let client = client.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let body = new_case(i, salt);
                let t = Instant::now();
                client.post_json("/api/v1/cases", &body).await?;
                samples.push(t.elapsed());
            }
            anyhow::Ok(samples)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.context("a client task failed")??);
    }
    Ok((all, started.elapsed()))
}

/// `warmup` unmeasured then `n` measured GETs, one at a time, cycling through `paths`.
async fn read_run(
    client: &Client,
    paths: &[String],
    warmup: usize,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(n);
    for i in 0..warmup + n {
        let path = &paths[i % paths.len()];
        let t = Instant::now();
        client.get(path).await?;
        if i >= warmup {
            samples.push(t.elapsed());
        }
    }
    Ok(samples)
}

pub(crate) fn figure(
    name: String,
    clients: usize,
    mut samples: Vec<Duration>,
    wall: Option<Duration>,
    target: &'static str,
    met: impl Fn(Option<f64>, Duration, Duration) -> Option<bool>,
) -> Figure {
    samples.sort();
    let throughput = wall.map(|w| samples.len() as f64 / w.as_secs_f64().max(1e-9));
    let (p50, p95, p99) = (
        percentile(&samples, 50),
        percentile(&samples, 95),
        percentile(&samples, 99),
    );
    Figure {
        name,
        clients,
        requests: samples.len(),
        throughput,
        p50,
        p95,
        p99,
        target,
        met: met(throughput, p95, p99),
        commits: None,
    }
}

/// The server's counter of transactions that committed case creations.
const COMMITS: &str = "hqdesk_case_creation_commits_total";

const MS20: Duration = Duration::from_millis(20);
const MS50: Duration = Duration::from_millis(50);

/// Run the suite against a server started on `opts.database_url`, which `services` (connected
/// to the same database) prepares: the seeded agent's session and API token.
pub async fn run(services: &Services, opts: &RunOptions) -> anyhow::Result<Report> {
    let engine = services.store().engine().name();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cases = crate::seed::case_count(services.store()).await?;
    let timeline_entries = {
        let mut c = services.store().read().await?;
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM timeline_entries")
            .fetch_one(&mut *c)
            .await?
    };
    let creds = QueueBench::prepare(services).await?;
    let bearer = creds
        .scenarios
        .iter()
        .find(|s| s.credential.0 == "authorization")
        .map(|s| s.credential.1.clone())
        .context("no API token")?;
    let cookie = creds
        .scenarios
        .iter()
        .find(|s| s.credential.0 == "cookie")
        .map(|s| s.credential.1.clone())
        .context("no session")?;
    let load_before = load_average();

    let (server, start) = start_server(opts).await?;
    let client = Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(60))
            .build()?,
        base: server.base.clone(),
        bearer,
        cookie,
    };
    let salt: u32 = rand::random();
    let mut figures = Vec::new();

    // Case creation at each client count.
    for (k, &clients) in opts.create_clients.iter().enumerate() {
        // A few unmeasured creations open the connections and warm the statement caches.
        create_run(&client, clients, clients * 4, salt ^ (0x1000 + k as u32)).await?;
        let commits_before = client.counter(COMMITS).await?;
        let (samples, wall) = create_run(&client, clients, opts.creates, salt ^ k as u32).await?;
        let commits = client
            .counter(COMMITS)
            .await?
            .saturating_sub(commits_before);
        figures.push(figure(
            "case creation, POST /api/v1/cases".into(),
            clients,
            samples,
            Some(wall),
            if clients >= 8 {
                "≥ 3,000 cases/s, p99 ≤ 20 ms"
            } else {
                ""
            },
            move |tp, _, p99| (clients >= 8).then(|| tp.unwrap_or(0.0) >= 3000.0 && p99 <= MS20),
        ));
        if let Some(f) = figures.last_mut() {
            f.commits = Some(commits);
        }
    }

    // The case whose page is measured: a case and its timeline, written through the API.
    let number = case_number(
        &client
            .post_json("/api/v1/cases", &new_case(0, !salt))
            .await?,
    )?;
    for i in 1..opts.timeline.max(1) {
        let (direction, internal) = match i % 3 {
            0 => ("outbound", false),
            1 => ("inbound", false),
            _ => ("outbound", true),
        };
        client
            .post_json(
                &format!("/api/v1/cases/{number}/messages"),
                &json!({
                    "body": format!("Tin nhắn số {i}: doanh nghiệp bổ sung chứng từ thanh toán qua ngân hàng cho lô hàng thủy sản đông lạnh, đề nghị kiểm tra lại tờ khai."),
                    "direction": direction,
                    "internal": internal,
                }),
            )
            .await?;
    }

    let warmup = 3;
    let queue = vec!["/console?queue=unassigned_2".to_string()];
    figures.push(figure(
        "console queue page (unassigned, branch 2)".into(),
        1,
        read_run(&client, &queue, warmup, opts.reads).await?,
        None,
        "p95 ≤ 20 ms",
        |_, p95, _| Some(p95 <= MS20),
    ));
    let api_list = vec![format!(
        "/api/v1/cases?status=new,open&unit={}&sort=due&limit=50",
        crate::seed::BENCH_UNIT
    )];
    figures.push(figure(
        "API list: unit, new+open, most urgent first, 50".into(),
        1,
        read_run(&client, &api_list, warmup, opts.reads).await?,
        None,
        "",
        |_, _, _| None,
    ));
    let page = vec![format!("/console/cases/{number}")];
    figures.push(figure(
        format!("console case page, {} messages", opts.timeline),
        1,
        read_run(&client, &page, warmup, opts.reads).await?,
        None,
        "p95 ≤ 20 ms",
        |_, p95, _| Some(p95 <= MS20),
    ));
    let searches: Vec<String> = SEARCHES
        .iter()
        .map(|q| {
            let mut s = String::from("/api/v1/cases?limit=50&q=");
            s.push_str(&form_urlencode(q));
            s
        })
        .collect();
    figures.push(figure(
        format!(
            "full-text search, API, {} Vietnamese queries",
            SEARCHES.len()
        ),
        1,
        read_run(&client, &searches, warmup, opts.reads).await?,
        None,
        "p95 ≤ 50 ms",
        |_, p95, _| Some(p95 <= MS50),
    ));

    // In this process, not the server's: the command's own work per line.
    figures.push(crate::triage::triage_figure(5));

    let peak_rss_kib = peak_rss_kib(server.pid());
    drop(server);
    Ok(Report {
        engine,
        cores,
        cases,
        timeline_entries,
        figures,
        start,
        peak_rss_kib,
        load_before,
        load_after: load_average(),
    })
}

/// Percent-encode a query value (UTF-8 bytes; unreserved characters as they are).
fn form_urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "",
    }
}

impl Report {
    /// One Markdown table; every figure carries the engine and the core count.
    pub fn table(&self) -> String {
        let size = format!("{} cases / {} entries", self.cases, self.timeline_entries);
        let mut s = format!(
            "engine: {} · cores: {} · database: {size} · load average before: {} · after: {}\n\n\
             | figure | engine | cores | clients | requests | per s | p50 ms | p95 ms | p99 ms | target | |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
            self.engine,
            self.cores,
            self.load_before.as_deref().unwrap_or("?"),
            self.load_after.as_deref().unwrap_or("?"),
        );
        for f in &self.figures {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                f.name,
                self.engine,
                self.cores,
                f.clients,
                f.requests,
                f.throughput.map(|t| format!("{t:.0}")).unwrap_or_default(),
                ms(f.p50),
                ms(f.p95),
                ms(f.p99),
                f.target,
                verdict(f.met),
            ));
        }
        let rss = self.peak_rss_kib.map(|k| k as f64 / 1024.0);
        let grouped = self.figures.iter().filter_map(|f| {
            f.commits
                .filter(|c| *c > 0)
                .map(|c| format!("{} clients: {:.1}", f.clients, f.requests as f64 / c as f64))
        });
        let grouped: Vec<String> = grouped.collect();
        s.push_str(&format!(
            "| server peak RSS (VmHWM) after the run | {} | {} | | | | {} MB | | | ≤ 200 MB | {} |\n",
            self.engine,
            self.cores,
            rss.map(|m| format!("{m:.0}")).unwrap_or_else(|| "?".into()),
            verdict(rss.map(|m| m <= 200.0)),
        ));
        s.push_str(&format!(
            "| start: spawn `hqdesk serve` to the first 200 from /healthz | {} | {} | | | | {} ms | | | ≤ 1 s | {} |\n",
            self.engine,
            self.cores,
            self.start.as_millis(),
            verdict(Some(self.start <= Duration::from_secs(1))),
        ));
        if !grouped.is_empty() {
            s.push_str(&format!(
                "\nCases per commit during the creation runs (group commit): {}.\n",
                grouped.join(", ")
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded_for_the_url() {
        assert_eq!(
            form_urlencode("chữ ký số"),
            "ch%E1%BB%AF+k%C3%BD+s%E1%BB%91"
        );
        assert_eq!(form_urlencode("E1702 VNACCS"), "E1702+VNACCS");
    }

    #[test]
    fn rss_of_this_process_is_read() {
        assert!(peak_rss_kib(std::process::id()).unwrap_or(0) > 0);
    }
}
