//! Texts per second of `hqdesk triage` (issue 19): the work it does for each input line —
//! parse the JSON, classify, rank the starter set's articles — on one core, over the triage
//! corpus's held-out texts and knowledge-base questions (short and long, with and without
//! diacritics, e-mails with their wrappers), as the command reads them.
use std::time::{Duration, Instant};

use hqdesk::triage_cli::{answer, starter_articles};
use hqdesk_triage::retrieve::KbIndex;

use crate::run::{figure, Figure};

const HELDOUT: &str = include_str!("../../hqdesk-triage/corpus/heldout.jsonl");
const QUESTIONS: &str = include_str!("../../hqdesk-triage/corpus/kb_questions_heldout.jsonl");

/// The input lines, `{"text": …}` each.
fn lines() -> Vec<String> {
    HELDOUT
        .lines()
        .chain(QUESTIONS.lines())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            v["text"]
                .as_str()
                .map(|t| serde_json::json!({ "text": t }).to_string())
        })
        .collect()
}

/// The figure: each line's time, and the texts per second over the run.
pub fn triage_figure(rounds: usize) -> Figure {
    let index = KbIndex::build(&starter_articles());
    let lines = lines();
    // One unmeasured pass: the model and the index's first touches.
    for (i, l) in lines.iter().enumerate() {
        std::hint::black_box(answer(&index, i + 1, l));
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(lines.len() * rounds);
    let started = Instant::now();
    for _ in 0..rounds.max(1) {
        for (i, l) in lines.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(answer(&index, i + 1, l));
            samples.push(t.elapsed());
        }
    }
    let wall = started.elapsed();
    figure(
        format!(
            "hqdesk triage: classify + top 3 articles, one core, {} corpus texts",
            lines.len()
        ),
        1,
        samples,
        Some(wall),
        "≥ 1,000 texts/s",
        |throughput, _, _| throughput.map(|t| t >= 1000.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corpus_text_is_answered_once_a_round() {
        let n = lines().len();
        assert!(n >= 500, "the corpus's held-out texts and questions: {n}");
        let f = triage_figure(1);
        assert_eq!(f.requests, n);
        assert!(f.throughput.is_some_and(|t| t > 0.0));
    }
}
