//! The classifier on the blind held-out set of the corpus (`corpus/heldout.jsonl`, written in
//! round three before the model changes of that round, never read by training or tuning; its
//! bytes are pinned by `classify_corpus::the_blind_held_out_set_is_unchanged`): prints every
//! figure and the misclassified texts, fails below the thresholds.
use hqdesk_triage::classify::train::parse_corpus;
use hqdesk_triage::classify::{classify, Kind};

const BRANCH_ACCURACY: f32 = 0.95;
const CONFIDENTIAL_RECALL: f32 = 0.99;
const TOPIC_ACCURACY: f32 = 0.85;

fn ratio(a: usize, b: usize) -> f32 {
    if b == 0 {
        1.0
    } else {
        a as f32 / b as f32
    }
}

#[test]
fn held_out_figures() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/heldout.jsonl"))
            .expect("corpus/heldout.jsonl");
    let examples = parse_corpus(&text).expect("held-out corpus parses");
    assert!(examples.len() >= 450, "{} held-out texts", examples.len());
    let positives = examples.iter().filter(|e| e.confidential).count();
    assert!(positives >= 110, "{positives} confidential held-out texts");

    let (mut kind, mut branch, mut topic) = (0, 0, 0);
    let (mut ctp, mut cfp, mut cfn) = (0, 0, 0);
    let (mut atp, mut afp, mut afn) = (0, 0, 0);
    let mut wrong_branch = Vec::new();
    let mut wrong_topic = Vec::new();
    let mut wrong_kind = Vec::new();
    let mut missed_confidential = Vec::new();
    let mut false_confidential = Vec::new();
    let mut wrong_abusive = Vec::new();
    for ex in &examples {
        let t = classify(&ex.text);
        assert_eq!(t.kind.branch(), t.branch, "{}", ex.id);
        if t.kind == Kind::Denunciation {
            assert!(t.confidential, "{}", ex.id);
        }
        if t.kind == ex.kind {
            kind += 1;
        } else {
            wrong_kind.push(format!(
                "{} ({}→{})",
                ex.id,
                ex.kind.as_str(),
                t.kind.as_str()
            ));
        }
        if t.branch == ex.branch {
            branch += 1;
        } else {
            wrong_branch.push(format!("{} ({}→{})", ex.id, ex.branch, t.branch));
        }
        if t.topic == ex.topic {
            topic += 1;
        } else {
            wrong_topic.push(format!(
                "{} ({}→{})",
                ex.id,
                ex.topic.as_str(),
                t.topic.as_str()
            ));
        }
        match (t.confidential, ex.confidential) {
            (true, true) => ctp += 1,
            (true, false) => {
                cfp += 1;
                false_confidential.push(ex.id.clone());
            }
            (false, true) => {
                cfn += 1;
                missed_confidential.push(ex.id.clone());
            }
            (false, false) => {}
        }
        match (t.abusive, ex.abusive) {
            (true, true) => atp += 1,
            (true, false) => {
                afp += 1;
                wrong_abusive.push(format!("{} (not abusive, flagged)", ex.id));
            }
            (false, true) => {
                afn += 1;
                wrong_abusive.push(format!("{} (abusive, missed)", ex.id));
            }
            (false, false) => {}
        }
    }
    let n = examples.len();
    let branch_acc = ratio(branch, n);
    let topic_acc = ratio(topic, n);
    let kind_acc = ratio(kind, n);
    let conf_recall = ratio(ctp, ctp + cfn);
    let conf_precision = ratio(ctp, ctp + cfp);
    println!(
        "held-out: {n} texts ({} confidential, {} abusive)",
        ctp + cfn,
        atp + afn
    );
    println!("  branch accuracy        {branch_acc:.3} (≥ {BRANCH_ACCURACY})");
    println!("  topic accuracy         {topic_acc:.3} (≥ {TOPIC_ACCURACY})");
    println!("  kind accuracy          {kind_acc:.3}");
    println!("  confidential recall    {conf_recall:.3} (≥ {CONFIDENTIAL_RECALL})");
    println!("  confidential precision {conf_precision:.3}");
    println!(
        "  abusive recall         {:.3}, precision {:.3}",
        ratio(atp, atp + afn),
        ratio(atp, atp + afp)
    );
    println!("  wrong branch: {wrong_branch:?}");
    println!("  wrong topic: {wrong_topic:?}");
    println!("  wrong kind: {wrong_kind:?}");
    println!("  confidential missed: {missed_confidential:?}");
    println!("  confidential but not: {false_confidential:?}");
    println!("  abusive wrong: {wrong_abusive:?}");
    assert!(
        branch_acc >= BRANCH_ACCURACY,
        "branch accuracy {branch_acc:.3}"
    );
    assert!(topic_acc >= TOPIC_ACCURACY, "topic accuracy {topic_acc:.3}");
    assert!(
        conf_recall >= CONFIDENTIAL_RECALL,
        "confidential recall {conf_recall:.3}, missed {missed_confidential:?}"
    );
}
