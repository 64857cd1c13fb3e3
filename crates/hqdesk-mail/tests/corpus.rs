#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // test code
//! The MIME corpus under tests/corpus: every message parses as its expectation says, and no
//! input — the corpus or thousands of mutations of it — makes the parser panic.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Expectations {
    message: Vec<Expect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    file: String,
    requester: Option<String>,
    subject: Option<String>,
    snippet: Option<String>,
    classification: String,
    threads_to: Option<String>,
    #[serde(default)]
    duplicate: bool,
    attachments: Option<usize>,
    bounce_original: Option<String>,
    bounce_recipient: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn all_files(dir: &Path, out: &mut BTreeSet<String>, root: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out, root);
        } else if p.extension().is_some_and(|x| x == "eml") {
            out.insert(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

fn load() -> Vec<Expect> {
    let text = std::fs::read_to_string(corpus_dir().join("expectations.toml")).unwrap();
    toml::from_str::<Expectations>(&text).unwrap().message
}

#[test]
fn corpus_has_at_least_60_messages_each_with_an_expectation() {
    let mut files = BTreeSet::new();
    let root = corpus_dir();
    all_files(&root, &mut files, &root);
    let expected: BTreeSet<String> = load().into_iter().map(|e| e.file).collect();
    assert!(files.len() >= 60, "{} messages", files.len());
    let missing: Vec<_> = files.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&files).collect();
    assert!(
        missing.is_empty(),
        "messages without expectation: {missing:?}"
    );
    assert!(stale.is_empty(), "expectations without message: {stale:?}");
}

#[test]
fn corpus_messages_parse_as_expected() {
    let root = corpus_dir();
    let mut failures = Vec::new();
    for e in load() {
        let raw = std::fs::read(root.join(&e.file)).unwrap();
        let got = hqdesk_mail::parse(&raw);
        let mut bad = |what: String| failures.push(format!("{}: {what}", e.file));
        match (&got, e.classification.as_str()) {
            (Err(_), "unparseable") => continue,
            (Err(f), _) => {
                bad(format!("parse failed: {f}"));
                continue;
            }
            (Ok(_), "unparseable") => {
                bad("parsed, expected a failure".into());
                continue;
            }
            _ => {}
        }
        let p = got.unwrap();
        if p.classification.as_str() != e.classification {
            bad(format!("classification {}", p.classification.as_str()));
        }
        if let Some(r) = &e.requester {
            let got = p.requester().map(|a| a.address.to_lowercase());
            if got.as_deref() != Some(r.to_lowercase().as_str()) {
                bad(format!("requester {got:?}"));
            }
        }
        if let Some(s) = &e.subject {
            let want: String = s.chars().take(200).collect();
            if p.case_subject() != want {
                bad(format!("subject {:?}", p.case_subject()));
            }
        }
        if let Some(s) = &e.snippet {
            if !p.case_body().contains(s.as_str()) {
                bad(format!("snippet {s:?} not in {:?}", p.case_body()));
            }
        }
        if let Some(n) = e.attachments {
            if p.parts.len() != n {
                bad(format!("{} attachments", p.parts.len()));
            }
        }
        if e.bounce_original.is_some() || e.bounce_recipient.is_some() {
            let b = p.bounce.clone().unwrap_or_default();
            if b.original_message_id != e.bounce_original {
                bad(format!("bounce original {:?}", b.original_message_id));
            }
            if b.recipient != e.bounce_recipient {
                bad(format!("bounce recipient {:?}", b.recipient));
            }
        }
        // Text leaves the crate NFC-normalised.
        use unicode_normalization::UnicodeNormalization;
        let body = p.case_body();
        if body.nfc().collect::<String>() != body {
            bad("body is not NFC".into());
        }
        let _ = (&e.threads_to, e.duplicate);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small deterministic generator (no dependency): xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// What the fuzz target runs: parse, then the pure part of the ingest mapping.
fn exercise(raw: &[u8]) {
    if let Ok(p) = hqdesk_mail::parse(raw) {
        let _ = p.case_subject();
        let _ = p.case_body();
        let _ = p.thread_candidates();
        let _ = p.requester();
        let _ = p.classification.acknowledge();
    }
}

#[test]
fn mutations_of_the_corpus_never_panic() {
    let root = corpus_dir();
    let mut files = BTreeSet::new();
    all_files(&root, &mut files, &root);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut runs = 0;
    // Interesting bytes for MIME: structure characters and high bytes.
    let specials = b"\r\n:;=?\"<>-\\\x00\xff\xc3\xe0";
    for f in &files {
        let raw = std::fs::read(root.join(f)).unwrap();
        exercise(&raw);
        for round in 0..24 {
            let mut m = raw.clone();
            match round % 4 {
                0 => {
                    // bit flips
                    for _ in 0..1 + rng.below(8) {
                        let i = rng.below(m.len());
                        if let Some(b) = m.get_mut(i) {
                            *b ^= 1 << rng.below(8);
                        }
                    }
                }
                1 => {
                    // truncation
                    m.truncate(rng.below(m.len() + 1));
                }
                2 => {
                    // special bytes
                    for _ in 0..1 + rng.below(6) {
                        let i = rng.below(m.len());
                        if let Some(b) = m.get_mut(i) {
                            *b = specials[rng.below(specials.len())];
                        }
                    }
                }
                _ => {
                    // a slice duplicated in place (repeated boundaries, headers)
                    if !m.is_empty() {
                        let a = rng.below(m.len());
                        let b = (a + rng.below(200)).min(m.len());
                        let chunk = m[a..b].to_vec();
                        let at = rng.below(m.len());
                        m.splice(at..at, chunk);
                    }
                }
            }
            exercise(&m);
            runs += 1;
        }
    }
    assert!(runs >= 3000, "{runs} mutations");
}

/// Print expectations recorded from the parser for messages without one (a maintenance aid:
/// `HQDESK_CORPUS_RECORD=1 cargo test -p hqdesk-mail --test corpus record -- --nocapture`).
#[test]
fn record() {
    if std::env::var("HQDESK_CORPUS_RECORD").is_err() {
        println!(
            "not recording: set HQDESK_CORPUS_RECORD=1 to print expectations for new messages"
        );
        return;
    }
    let root = corpus_dir();
    let mut files = BTreeSet::new();
    all_files(&root, &mut files, &root);
    let known: BTreeSet<String> = std::fs::read_to_string(root.join("expectations.toml"))
        .ok()
        .and_then(|t| toml::from_str::<Expectations>(&t).ok())
        .map(|e| e.message.into_iter().map(|m| m.file).collect())
        .unwrap_or_default();
    for f in files.difference(&known) {
        let raw = std::fs::read(root.join(f)).unwrap();
        println!("[[message]]\nfile = {f:?}");
        match hqdesk_mail::parse(&raw) {
            Err(_) => println!("classification = \"unparseable\""),
            Ok(p) => {
                if let Some(r) = p.requester() {
                    println!("requester = {:?}", r.address);
                }
                println!("subject = {:?}", p.case_subject());
                let snippet: String = p
                    .case_body()
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" ");
                if !snippet.is_empty() && p.case_body().contains(&snippet) {
                    println!("snippet = {snippet:?}");
                }
                println!("classification = {:?}", p.classification.as_str());
            }
        }
        println!();
    }
}

/// Inputs that once crashed the fuzz target: they must parse or fail, never panic.
#[test]
fn fuzz_regressions_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let raw = std::fs::read(e.unwrap().path()).unwrap();
        exercise(&raw);
        n += 1;
    }
    assert!(n >= 1);
}
