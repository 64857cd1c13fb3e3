//! `hqdesk-bench queue`: the server time of the pages that must stay fast on a seeded database
//! (`seed`); `run` is the suite over HTTP.
//!
//! Measurements run the real router in process (`tower::ServiceExt::oneshot`): the time is what
//! the server spends from the request to the last byte of the body (routing, session or token
//! check, every query, rendering), without the network.
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::{Actor, Services};
use rand::RngCore;
use tower::ServiceExt;

/// One request to measure.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub uri: String,
    /// `authorization` or `cookie`, and its value.
    pub credential: (&'static str, String),
}

impl Scenario {
    fn request(&self) -> anyhow::Result<Request<Body>> {
        Ok(Request::builder()
            .method("GET")
            .uri(&self.uri)
            .header(self.credential.0, &self.credential.1)
            .body(Body::empty())?)
    }

    /// Rows in an answer: items of the JSON list, case rows of the console table.
    pub fn rows(&self, body: &[u8]) -> usize {
        if self.uri.starts_with("/api/") {
            serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("items").and_then(|i| i.as_array()).map(Vec::len))
                .unwrap_or(0)
        } else {
            String::from_utf8_lossy(body)
                .matches("<tr data-case=")
                .count()
        }
    }
}

/// The seeded agent's credentials and the requests measured with them.
pub struct QueueBench {
    router: axum::Router,
    pub scenarios: Vec<Scenario>,
}

/// One answer: status, body, server time.
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl QueueBench {
    /// Sign the seeded agent in (a fresh password and session, an API token) on a database
    /// seeded by [`seed`].
    pub async fn prepare(services: &Services) -> anyhow::Result<QueueBench> {
        let agent = crate::seed::BENCH_AGENT;
        let mut secret = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut secret);
        let password: String = format!(
            "bench-{}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        services
            .update_user(
                &Actor::Cli,
                agent,
                UpdateUser {
                    password: Some(password.clone()),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| {
                format!("setting {agent}'s password: is the database seeded (`hqdesk-bench seed`)?")
            })?;
        let session = match services
            .sign_in("bench", agent, &password)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
        {
            Ok(s) => s.token,
            Err(e) => bail!("signing {agent} in: {e:?}"),
        };
        let token = services
            .issue_token(&Actor::Cli, agent, "bench", 1)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .token;
        let scenarios = vec![
            Scenario {
                name: "API list: unit, new+open, most urgent first, 50",
                uri: format!(
                    "/api/v1/cases?status=new,open&unit={}&sort=due&limit=50",
                    crate::seed::BENCH_UNIT
                ),
                credential: ("authorization", format!("Bearer {token}")),
            },
            Scenario {
                name: "console queue page (unassigned, branch 2)",
                uri: "/console?queue=unassigned_2".into(),
                credential: ("cookie", format!("hqdesk_session={session}")),
            },
        ];
        Ok(QueueBench {
            router: hqdesk_web::router(services.clone()),
            scenarios,
        })
    }

    /// Send one request through the router and read the whole body.
    pub async fn call(&self, s: &Scenario) -> anyhow::Result<Answer> {
        let req = s.request()?;
        let start = Instant::now();
        let resp = self.router.clone().oneshot(req).await?;
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let elapsed = start.elapsed();
        Ok(Answer {
            status,
            body: body.to_vec(),
            elapsed,
        })
    }

    /// `warmup` unmeasured rounds, then `iterations` measured ones; every answer must be a 200.
    pub async fn run(&self, warmup: usize, iterations: usize) -> anyhow::Result<Vec<Timing>> {
        let mut out = Vec::new();
        for s in &self.scenarios {
            let mut samples = Vec::with_capacity(iterations);
            for i in 0..warmup + iterations {
                let a = self.call(s).await?;
                if a.status != StatusCode::OK {
                    bail!(
                        "{} answered {}: {}",
                        s.uri,
                        a.status,
                        String::from_utf8_lossy(&a.body)
                    );
                }
                if i >= warmup {
                    samples.push(a.elapsed);
                }
            }
            out.push(Timing::new(s.name, &s.uri, samples));
        }
        Ok(out)
    }
}

/// Percentiles of one scenario's server times.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: &'static str,
    pub uri: String,
    pub samples: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

impl Timing {
    fn new(name: &'static str, uri: &str, mut samples: Vec<Duration>) -> Timing {
        samples.sort();
        Timing {
            name,
            uri: uri.to_string(),
            samples: samples.len(),
            p50: percentile(&samples, 50),
            p95: percentile(&samples, 95),
            p99: percentile(&samples, 99),
        }
    }
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// A duration in milliseconds, one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// The results as a Markdown table, with what they were measured on.
pub fn table(engine: &str, cases: i64, timings: &[Timing]) -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let iterations = timings.first().map(|t| t.samples).unwrap_or(0);
    let mut s = format!(
        "engine: {engine} · cases: {cases} · cores: {cores} · iterations: {iterations} (server time, in process)\n\n\
         | scenario | request | p50 ms | p95 ms | p99 ms |\n|---|---|---:|---:|---:|\n"
    );
    for t in timings {
        s.push_str(&format!(
            "| {} | `GET {}` | {} | {} | {} |\n",
            t.name,
            t.uri,
            ms(t.p50),
            ms(t.p95),
            ms(t.p99)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let xs: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&xs, 50), Duration::from_millis(50));
        assert_eq!(percentile(&xs, 99), Duration::from_millis(99));
        assert_eq!(percentile(&xs[..1], 95), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }
}
