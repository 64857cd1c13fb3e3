//! Train the classifier: reads `corpus/train.jsonl`, `corpus/seen_heldout_v1.jsonl` and
//! `corpus/seen_heldout_v2.jsonl` ([`TRAINING_FILES`]; never the blind `heldout.jsonl`), tunes the
//! thresholds by cross-validation, writes `model/triage.model` and prints the cross-validated
//! ("dev") figures.
//!
//! `cargo run -p hqdesk-triage --release --bin hqdesk-triage-train [-- --check] [--confusion]`: with
//! `--check`, writes nothing and fails when the committed model differs from a retrain.
use hqdesk_triage::classify::train::{
    cross_validate, evaluate, parse_corpus, train, Example, Settings, TRAINING_FILES,
};
use hqdesk_triage::classify::{model::Thresholds, text_features, Topic};
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
         {}-fold cross-validation over train + seen_heldout_v1 + seen_heldout_v2 (dev):\n  \
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
    if std::env::args().any(|a| a == "--confusion") {
        confusion(&examples, &trained.cv.thresholds, &mut out);
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

/// `--confusion`: the cross-validated topic accuracy per topic and the commonest topic errors
/// (true → predicted), over the training files only; with `TRIAGE_SHOW=<topic>` in the
/// environment, also the cross-validated errors on that topic's texts.
fn confusion(examples: &[Example], thresholds: &Thresholds, out: &mut impl Write) {
    let (feats, parts): (Vec<_>, Vec<_>) = examples.iter().map(|e| text_features(&e.text)).unzip();
    let scores = cross_validate(examples, &feats, &parts, &Settings::default());
    let (_, decided) = evaluate(examples, &scores, *thresholds);
    let mut pairs: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    let _ = writeln!(out, "  cross-validated topic accuracy per topic:");
    for t in Topic::ALL {
        let (n, right) = examples
            .iter()
            .zip(&decided)
            .filter(|(e, _)| e.topic == t)
            .fold((0, 0), |(n, r), (_, d)| {
                (n + 1, r + usize::from(d.topic == t))
            });
        let _ = writeln!(
            out,
            "    {:20} {:.3} ({right}/{n})",
            t.as_str(),
            right as f32 / n.max(1) as f32
        );
    }
    for (e, d) in examples.iter().zip(&decided) {
        if e.topic != d.topic && std::env::var("TRIAGE_SHOW").as_deref() == Ok(e.topic.as_str()) {
            let _ = writeln!(
                out,
                "    {} {} → {}: {}",
                e.id,
                e.topic.as_str(),
                d.topic.as_str(),
                e.text
                    .chars()
                    .take(110)
                    .collect::<String>()
                    .replace('\n', " ")
            );
        }
        if e.topic != d.topic {
            *pairs
                .entry((e.topic.as_str(), d.topic.as_str()))
                .or_default() += 1;
        }
    }
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort_by_key(|p| std::cmp::Reverse(p.1));
    let _ = writeln!(out, "  commonest topic errors:");
    for ((a, b), n) in pairs.iter().take(20) {
        let _ = writeln!(out, "    {a} → {b}: {n}");
    }
}
