//! Request Tracker, the peer product the suite is compared with: its `hey` reports, read from
//! the results directory of its benchmark scripts (kept outside the repository, see
//! docs/performance.md), and, on request, a fresh run of those scripts (`run.sh`, which installs
//! RT from Debian packages as root). This lives in the development tool only: the shipped
//! `hqdesk` never runs another product's script.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::queue::ms;
use crate::run::Report;

/// One `hey` report: requests per second and latency percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct HeyFigures {
    pub per_second: f64,
    pub p50: Option<Duration>,
    pub p95: Option<Duration>,
    pub p99: Option<Duration>,
    /// `Status code distribution`: (status, responses).
    pub statuses: Vec<(u16, u64)>,
}

impl HeyFigures {
    /// The answers that were not a success ("403 ×1200"), if any: such a run measured how
    /// fast RT refuses, not how fast it works, and is not compared.
    pub fn refused(&self) -> Option<String> {
        let bad: Vec<String> = self
            .statuses
            .iter()
            .filter(|(code, _)| !(200..300).contains(code))
            .map(|(code, n)| format!("{code} ×{n}"))
            .collect();
        (!bad.is_empty() || self.statuses.is_empty()).then(|| {
            if bad.is_empty() {
                "no status codes in the report".to_string()
            } else {
                bad.join(", ")
            }
        })
    }
}

pub fn parse_hey(text: &str) -> Option<HeyFigures> {
    let per_second = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())?;
    let pct = |p: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{p}% in ")))
            .and_then(|v| v.trim().trim_end_matches("secs").trim().parse::<f64>().ok())
            .map(Duration::from_secs_f64)
    };
    // "  [201]\t400 responses" lines after "Status code distribution:".
    let statuses = text
        .lines()
        .skip_while(|l| !l.trim().starts_with("Status code distribution"))
        .skip(1)
        .map_while(|l| {
            let (code, rest) = l.trim().strip_prefix('[')?.split_once(']')?;
            let n = rest.trim().strip_suffix("responses")?.trim().parse().ok()?;
            Some((code.parse().ok()?, n))
        })
        .collect();
    Some(HeyFigures {
        per_second,
        p50: pct("50"),
        p95: pct("95"),
        p99: pct("99"),
        statuses,
    })
}

/// Request Tracker's figures, read from the results directory of its benchmark directory.
#[derive(Debug, Clone)]
pub struct RtFigures {
    pub dir: PathBuf,
    /// The first line of `machine.txt`: when RT was measured.
    pub measured_at: Option<String>,
    pub create_c8_session: Option<HeyFigures>,
    pub create_c8_token: Option<HeyFigures>,
    pub search_fts_c1: Option<HeyFigures>,
    /// Tickets in RT's database at the end of its run (`final_ticket_count.txt`).
    pub tickets: Option<i64>,
}

impl RtFigures {
    pub fn read(dir: &std::path::Path) -> anyhow::Result<RtFigures> {
        if !dir.is_dir() {
            bail!("{} is not a directory of RT results", dir.display());
        }
        let hey = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .ok()
                .as_deref()
                .and_then(parse_hey)
        };
        let rt = RtFigures {
            dir: dir.to_path_buf(),
            measured_at: std::fs::read_to_string(dir.join("machine.txt"))
                .ok()
                .and_then(|m| m.lines().next().map(str::to_string)),
            create_c8_session: hey("create_session_c8.hey"),
            create_c8_token: hey("create_token_c8.hey"),
            search_fts_c1: hey("search_content_fts_session_c1.hey"),
            tickets: std::fs::read_to_string(dir.join("final_ticket_count.txt"))
                .ok()
                .and_then(|t| t.trim().parse().ok()),
        };
        if rt.create_c8_session.is_none() && rt.create_c8_token.is_none() {
            bail!(
                "{} has no create_session_c8.hey or create_token_c8.hey",
                dir.display()
            );
        }
        Ok(rt)
    }
}

/// Run Request Tracker's own benchmark on this machine: copy its scripts (`peer`, the
/// benchmark directory) to `work` and run `run.sh` there (install from Debian packages, set up,
/// measure; about 25 minutes on 2 cores, as root). Returns the new results directory.
pub fn run_rt(peer: &std::path::Path, work: &std::path::Path) -> anyhow::Result<PathBuf> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).with_context(|| format!("creating {}", work.display()))?;
    for entry in std::fs::read_dir(peer).with_context(|| format!("reading {}", peer.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), work.join(entry.file_name()))?;
        }
    }
    let status = std::process::Command::new("bash")
        .arg(work.join("run.sh"))
        .status()
        .with_context(|| format!("running {}/run.sh", work.display()))?;
    if !status.success() {
        bail!("{}/run.sh failed ({status})", work.display());
    }
    Ok(work.join("results"))
}

impl Report {
    /// The ratios to Request Tracker: creation per second at 8 clients, search latency.
    pub fn compare_rt(&self, rt: &RtFigures) -> String {
        let ours_create = self
            .figures
            .iter()
            .find(|f| f.name.starts_with("case creation") && f.clients == 8)
            .and_then(|f| f.throughput.map(|t| (t, f.p95)));
        let ours_search = self
            .figures
            .iter()
            .find(|f| f.name.starts_with("full-text search"))
            .map(|f| (f.p50, f.p95));
        let mut s = format!(
            "Request Tracker 5 (results in {}, measured {}):\n\n\
             | figure | hqdesk ({}) | Request Tracker 5 (PostgreSQL) | ratio |\n|---|---:|---:|---|\n",
            rt.dir.display(),
            rt.measured_at.as_deref().unwrap_or("at an unknown time"),
            self.engine,
        );
        let modes = [
            ("session cookie", &rt.create_c8_session),
            ("auth token", &rt.create_c8_token),
        ];
        for (label, fig) in modes {
            if let (Some((ours, _)), Some(theirs)) = (ours_create, fig) {
                match theirs.refused() {
                    None => s.push_str(&format!(
                        "| creation, 8 clients, per s (RT: {label}) | {ours:.0} | {:.2} | hqdesk ÷ RT = {:.0} (target ≥ 100) |\n",
                        theirs.per_second,
                        ours / theirs.per_second.max(1e-9),
                    )),
                    Some(refused) => s.push_str(&format!(
                        "| creation, 8 clients, per s (RT: {label}) | {ours:.0} | not counted: RT answered {refused} | none |\n"
                    )),
                }
            }
        }
        // Latency against RT's fastest mode that created its tickets.
        let answered = modes
            .iter()
            .filter_map(|(label, fig)| fig.as_ref().map(|f| (label, f)))
            .find(|(_, f)| f.refused().is_none());
        if let (Some((_, ours_p95)), Some((label, theirs))) = (ours_create, answered) {
            if let Some(p95) = theirs.p95 {
                s.push_str(&format!(
                    "| creation, 8 clients, p95 ms (RT: {label}) | {} | {} | RT ÷ hqdesk = {:.0} |\n",
                    ms(ours_p95),
                    ms(p95),
                    p95.as_secs_f64() / ours_p95.as_secs_f64().max(1e-9),
                ));
            }
        }
        if let (Some((p50, p95)), Some(theirs)) = (
            ours_search,
            rt.search_fts_c1.as_ref().filter(|f| f.refused().is_none()),
        ) {
            for (label, ours, their) in [("p50", p50, theirs.p50), ("p95", p95, theirs.p95)] {
                if let Some(their) = their {
                    s.push_str(&format!(
                        "| full-text search, 1 client, {label} ms (hqdesk: {} cases; RT: {} tickets, `Content LIKE`) | {} | {} | RT ÷ hqdesk = {:.2} |\n",
                        self.cases,
                        rt.tickets.map(|t| format!("about {t}")).unwrap_or_else(|| "its".into()),
                        ms(ours),
                        ms(their),
                        their.as_secs_f64() / ours.as_secs_f64().max(1e-9),
                    ));
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Figure;

    #[test]
    fn hey_reports_are_read() {
        let text = "\nSummary:\n  Total:\t233.9481 secs\n  Requests/sec:\t5.1293\n\nLatency distribution:\n  \
                    50% in 1.5132 secs\n  95% in 2.1677 secs\n  99% in 3.0707 secs\n";
        let h = parse_hey(text).unwrap();
        assert!((h.per_second - 5.1293).abs() < 1e-9);
        assert_eq!(h.p50, Some(Duration::from_secs_f64(1.5132)));
        assert_eq!(h.p99, Some(Duration::from_secs_f64(3.0707)));
        assert_eq!(parse_hey("no summary"), None);
        // Without a status code distribution nothing says RT did the work.
        assert!(h.refused().is_some());
    }

    #[test]
    fn refused_requests_are_never_compared() {
        let report = |codes: &str| {
            format!(
                "\nSummary:\n  Requests/sec:\t923.3493\n\nLatency distribution:\n  50% in 0.0080 secs\n  \
                 95% in 0.0158 secs\n\nStatus code distribution:\n{codes}\n\n"
            )
        };
        let created = parse_hey(&report("  [201]\t400 responses")).unwrap();
        assert_eq!(created.statuses, vec![(201, 400)]);
        assert_eq!(created.refused(), None);
        let refused = parse_hey(&report("  [201]\t10 responses\n  [403]\t1190 responses")).unwrap();
        assert_eq!(refused.refused().as_deref(), Some("403 ×1190"));

        let ours = Report {
            engine: "sqlite",
            cores: 2,
            cases: 1000,
            timeline_entries: 5000,
            figures: vec![Figure {
                name: "case creation, POST /api/v1/cases".into(),
                clients: 8,
                requests: 3000,
                throughput: Some(1900.0),
                p50: Duration::from_millis(3),
                p95: Duration::from_millis(6),
                p99: Duration::from_millis(9),
                target: "",
                met: None,
                commits: None,
            }],
            start: Duration::from_millis(10),
            peak_rss_kib: None,
            load_before: None,
            load_after: None,
        };
        let token = HeyFigures {
            per_second: 3.4,
            ..created.clone()
        };
        let table = ours.compare_rt(&RtFigures {
            dir: PathBuf::from("results"),
            measured_at: None,
            create_c8_session: Some(refused),
            create_c8_token: Some(token),
            search_fts_c1: None,
            tickets: None,
        });
        assert!(
            table.contains("not counted: RT answered 403 ×1190"),
            "{table}"
        );
        assert!(!table.contains("hqdesk ÷ RT = 2 "), "{table}");
        assert!(
            table.contains("hqdesk ÷ RT = 559 (target ≥ 100)"),
            "{table}"
        );
        assert!(table.contains("p95 ms (RT: auth token)"), "{table}");
    }
}
