//! Train the classifier: reads `corpus/train.jsonl` and `corpus/seen_heldout_v1.jsonl`
//! ([`TRAINING_FILES`]; never the blind `heldout.jsonl`), tunes the
//! thresholds by cross-validation, writes `model/triage.model` and prints the cross-validated
//! ("dev") figures.
//!
//! `cargo run -p hqdesk-triage --release --bin hqdesk-triage-train [-- --check]`: with
//! `--check`, writes nothing and fails when the committed model differs from a retrain.
use hqdesk_triage::classify::train::{parse_corpus, train, Settings, TRAINING_FILES};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = Vec::new();
    for name in TRAINING_FILES {
        let parsed = std::fs::read_to_string(dir.join("corpus").join(name))
            .map_err(|e| e.to_string())
            .and_then(|text| parse_corpus(&text));
        match parsed {
            Ok(e) => examples.extend(e),
            Err(e) => {
                eprintln!("corpus/{name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let started = std::time::Instant::now();
    let trained = train(&examples, &Settings::default());
    let cv = &trained.cv;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "trained on {} texts in {:.2} s; model {} bytes\n\
         {}-fold cross-validation over train + seen_heldout_v1 (dev):\n  \
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
    let _ = writeln!(out, "  what recall costs (cross-validated):");
    for (target, threshold, precision) in &cv.confidential_tradeoff {
        let _ = writeln!(
            out,
            "    recall >= {target:.3}: threshold {threshold:.3}, precision {precision:.3}"
        );
    }
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
