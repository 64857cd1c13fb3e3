//! Texts per second of the classifier on one core: the texts of `seen_heldout_v1.jsonl` (the
//! retired held-out part of round one) repeated, then long e-mails (each of those texts with a greeting, a signature and four earlier messages quoted
//! below it, 1.7 KB on average). Run in release: `cargo run -p hqdesk-triage --release --bin
//! hqdesk-triage-speed`.
use hqdesk_triage::classify::train::parse_corpus;
use hqdesk_triage::classify::{builtin_model, classify};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

fn measure(label: &str, texts: &[String], min_texts: usize) -> (f64, f64) {
    // One warm-up pass, then whole passes until at least `min_texts` texts.
    let mut sink = 0usize;
    for t in texts {
        sink += usize::from(classify(t).confidential);
    }
    let started = Instant::now();
    let mut n = 0usize;
    let mut bytes = 0usize;
    while n < min_texts {
        for t in texts {
            sink += usize::from(classify(t).confidential);
            bytes += t.len();
        }
        n += texts.len();
    }
    let secs = started.elapsed().as_secs_f64();
    let per_sec = n as f64 / secs;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{label}: {n} texts, mean {:.0} bytes, {secs:.2} s: {per_sec:.0} texts/s, {:.1} MB/s (checksum {sink})",
        bytes as f64 / n as f64,
        bytes as f64 / secs / 1e6
    );
    (per_sec, secs)
}

fn main() -> ExitCode {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/seen_heldout_v1.jsonl");
    let corpus = match std::fs::read_to_string(path).map_err(|e| e.to_string()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let examples = match parse_corpus(&corpus) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let loaded = builtin_model().is_some();
    let _ = writeln!(
        std::io::stdout().lock(),
        "model loaded: {loaded} in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let texts: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
    measure("seen_heldout_v1 texts, repeated", &texts, 50_000);

    let long: Vec<String> = examples
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut s = format!("Kính gửi Bộ phận hỗ trợ,\n\n{}\n\nTrân trọng,\nNguyễn Văn A\nPhòng Xuất nhập khẩu - Công ty TNHH Thương mại Minh Phát\nĐịa chỉ: Lô B2, KCN Tân Tạo, Q. Bình Tân, TP.HCM\nMST: 0314409058 | ĐT: 028 3822 1234 | Mobile: 0903 112 233\n", e.text);
            for k in 1..=4 {
                let quoted = &examples[(i + k * 37) % examples.len()].text;
                s.push_str(&format!(
                    "\n-----Original Message-----\nFrom: hotro@customs.gov.vn\nSent: Monday, {k} June 2025 09:1{k}\nSubject: RE: Ho tro to khai\n\n> {}\n> Trân trọng,\n> Bộ phận HelpDesk - Cục Hải quan\n",
                    quoted.replace('\n', "\n> ")
                ));
            }
            s
        })
        .collect();
    measure("long e-mails", &long, 20_000);
    ExitCode::SUCCESS
}
