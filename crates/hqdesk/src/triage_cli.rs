//! `hqdesk triage`: the classifier's reading of texts and the knowledge-base articles that answer
//! them, for evaluation and batch use (issue 19).
//!
//! One JSON line in, one JSON line out, in order: a line that does not parse, or has no
//! `"text"` string, gets `{"line": N, "error": "…"}` and the run goes on. The knowledge base
//! ranked is the database's published public articles, or the built-in starter set when it has
//! none (a fresh installation).
use std::io::{BufRead, Write};
use std::process::ExitCode;

use hqdesk_services::kb::parse_article;
use hqdesk_services::Services;
use hqdesk_triage::retrieve::{ArticleDoc, KbIndex};
use serde_json::{json, Value};

/// How many articles a line names.
const KB_SUGGESTIONS: usize = 3;

/// The starter set's published public articles.
pub fn starter_articles() -> Vec<ArticleDoc> {
    crate::kb::ARTICLES
        .iter()
        .filter_map(|(_, src)| parse_article(src).ok())
        .filter(|a| a.status == "published" && a.visibility == "public")
        .map(|a| ArticleDoc {
            slug: a.slug,
            title: a.title,
            body: a.body,
            category: a.category,
        })
        .collect()
}

/// The answer for one input line (numbered from 1): what `hqdesk triage` writes for it.
pub fn answer(index: &KbIndex, line_no: usize, line: &str) -> Value {
    let text = match serde_json::from_str::<Value>(line) {
        Ok(v) => match v.get("text").and_then(Value::as_str) {
            Some(t) => t.to_string(),
            None => return json!({ "line": line_no, "error": "the object has no \"text\" string" }),
        },
        Err(e) => return json!({ "line": line_no, "error": format!("not JSON: {e}") }),
    };
    let t = hqdesk_triage::classify::classify(&text);
    let kb: Vec<String> = index
        .suggest(&text, KB_SUGGESTIONS)
        .into_iter()
        .map(|s| s.slug)
        .collect();
    json!({
        "kind": t.kind.as_str(),
        "branch": t.branch,
        "topic": t.topic.as_str(),
        "confidential": t.confidential,
        "abusive": t.abusive,
        "confidence": t.confidence,
        "kb": kb,
    })
}

/// Read standard input to its end, answering line by line.
#[allow(clippy::print_stdout)] // the command line's output
pub async fn run(services: &Services) -> anyhow::Result<ExitCode> {
    let mut docs = services.public_article_docs().await?;
    if docs.is_empty() {
        docs = starter_articles();
    }
    let index = KbIndex::build(&docs);
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Lines as bytes: binary garbage is an error line, not the end of the run.
    for (i, line) in stdin.lock().split(b'\n').enumerate() {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        writeln!(out, "{}", answer(&index, i + 1, line))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
