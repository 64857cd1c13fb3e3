//! Train the classifier: reads `corpus/train.jsonl` (never `heldout.jsonl`), tunes the
//! thresholds by cross-validation, writes `model/triage.model` and prints the cross-validated
//! ("dev") figures.
//!
//! `cargo run -p hqdesk-triage --release --bin hqdesk-triage-train [-- --check]`: with
//! `--check`, writes nothing and fails when the committed model differs from a retrain.
use hqdesk_triage::classify::train::{parse_corpus, train, Settings};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = match std::fs::read_to_string(dir.join("corpus/train.jsonl")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("corpus/train.jsonl: {e}");
            return ExitCode::FAILURE;
        }
    };
    let examples = match parse_corpus(&corpus) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("corpus/train.jsonl: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let trained = train(&examples, &Settings::default());
    let cv = &trained.cv;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "trained on {} texts in {:.2} s; model {} bytes\n\
         {}-fold cross-validation over train (dev):\n  \
         kind accuracy {:.3}\n  branch accuracy {:.3}\n  topic accuracy {:.3}\n  \
         confidential recall {:.3}, precision {:.3} (threshold {:.3}, or P(denunciation) >= {:.2})\n  \
         abusive recall {:.3}, precision {:.3} (threshold {:.2})\n  \
         confidential texts missed: {:?}",
        examples.len(),
        started.elapsed().as_secs_f32(),
        trained.bytes.len(),
        Settings::default().folds,
        cv.kind_accuracy,
        cv.branch_accuracy,
        cv.topic_accuracy,
        cv.confidential_recall,
        cv.confidential_precision,
        cv.thresholds.confidential,
        cv.thresholds.denunciation,
        cv.abusive_recall,
        cv.abusive_precision,
        cv.thresholds.abusive,
        cv.confidential_misses,
    );
    let path = dir.join("model/triage.model");
    if check {
        let current = std::fs::read(&path).unwrap_or_default();
        if current != trained.bytes {
            eprintln!("model/triage.model differs from a retrain: run the training command");
            return ExitCode::FAILURE;
        }
        let _ = writeln!(out, "model/triage.model matches a retrain");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&path, &trained.bytes) {
        eprintln!("{}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    let _ = writeln!(out, "wrote {}", path.display());
    ExitCode::SUCCESS
}
