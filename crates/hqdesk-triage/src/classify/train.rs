//! Training: multinomial logistic regression by stochastic gradient descent, one pass per
//! epoch in a shuffled order drawn from a fixed seed, so the same corpus gives the same model
//! file byte for byte. Pure: the corpus comes in as text, the model goes out as bytes.
//!
//! The thresholds (confidential, abusive) are tuned by k-fold cross-validation over the training
//! part only: texts and their variants (a copy without diacritics, with typos, wrapped in an
//! e-mail…, which follow their original in the corpus) stay in one fold, folds are stratified by
//! topic. The blind held-out set (`corpus/heldout.jsonl`) is never read here.
use super::features::{Features, BUCKETS};
use super::model::{heads, Model, Scores, Thresholds, COLS, COL_ABUSIVE, COL_BRANCH1};
use super::model::{COL_CONFIDENTIAL, COL_KIND, COL_TOPIC};
use super::{decide, score_parts, text_features, Kind, Topic};
use serde::Deserialize;

/// The corpus files the model is trained on (and cross-validated over), in this order, under
/// `corpus/`. `seen_heldout_v1.jsonl` and `seen_heldout_v2.jsonl` are the held-out sets of
/// rounds one and two, retired once they had been seen and used for training and tuning since
/// rounds two and three; the blind held-out set `heldout.jsonl` is never among them.
pub const TRAINING_FILES: [&str; 3] = [
    "train.jsonl",
    "seen_heldout_v1.jsonl",
    "seen_heldout_v2.jsonl",
];

/// One labelled text of the corpus.
#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    pub id: String,
    pub text: String,
    pub kind: Kind,
    pub branch: u8,
    pub topic: Topic,
    pub confidential: bool,
    pub abusive: bool,
    #[serde(default)]
    pub channel: Option<String>,
}

/// Read a JSON-lines corpus; an error names the line.
pub fn parse_corpus(jsonl: &str) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ex: Example = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        if ex.branch != ex.kind.branch() {
            return Err(format!(
                "line {}: {} has branch {} but kind {}",
                i + 1,
                ex.id,
                ex.branch,
                ex.kind.as_str()
            ));
        }
        out.push(ex);
    }
    Ok(out)
}

/// Training settings. The defaults are what `hqdesk-triage-train` uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub epochs: usize,
    pub learning_rate: f32,
    /// Positive texts of the abusive head weigh this much more (they are few).
    pub abusive_weight: f32,
    /// Positive texts of the confidential head weigh this much more (a miss is the costliest
    /// error).
    pub confidential_weight: f32,
    pub seed: u64,
    pub folds: usize,
    /// The cross-validated recall of `confidential` the threshold must keep. 1.0: none of the
    /// training texts' confidential ones may be missed, which is what makes a true recall of
    /// 99% likely (with 313 positives and no miss, the one-sided 95% lower bound is about
    /// 99.0%).
    pub confidential_recall: f32,
    /// See [`Thresholds::denunciation`].
    pub denunciation_probability: f32,
    /// The topic head's gradient is multiplied by this for texts of each topic (in the order of
    /// [`Topic::ALL`]): the topics with fewer, harder texts weigh more.
    pub topic_weights: [f32; 16],
}

/// See [`Settings::topic_weights`]; chosen by cross-validation over the training files.
pub const TOPIC_WEIGHTS: [f32; 16] = [
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 2.0, 1.0,
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            epochs: 16,
            learning_rate: 4.0,
            abusive_weight: 3.0,
            confidential_weight: 2.0,
            seed: 0x5eed_2026,
            folds: 5,
            confidential_recall: 1.0,
            denunciation_probability: 0.35,
            topic_weights: TOPIC_WEIGHTS,
        }
    }
}

/// Figures of the cross-validation over the training part (the "dev" figures).
#[derive(Debug, Clone, PartialEq)]
pub struct CvReport {
    pub texts: usize,
    pub kind_accuracy: f32,
    pub branch_accuracy: f32,
    pub topic_accuracy: f32,
    pub confidential_recall: f32,
    pub confidential_precision: f32,
    pub abusive_recall: f32,
    pub abusive_precision: f32,
    pub thresholds: Thresholds,
    /// Ids of the confidential texts the cross-validated models missed.
    pub confidential_misses: Vec<String>,
    /// What recall costs: for cross-validated recall targets 1.0, 0.995, 0.99, 0.98 and 0.95,
    /// (target, the highest threshold that reaches it, the precision there).
    pub confidential_tradeoff: Vec<(f32, f32, f32)>,
}

/// A trained model: its file and the cross-validation figures.
#[derive(Debug, Clone)]
pub struct Trained {
    pub bytes: Vec<u8>,
    pub cv: CvReport,
}

/// A small, fixed pseudo-random generator (xorshift64*): the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fnv64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn targets(ex: &Example) -> [f32; COLS] {
    let mut y = [0.0f32; COLS];
    y[COL_KIND + ex.kind as usize] = 1.0;
    y[COL_BRANCH1] = if ex.branch == 1 { 1.0 } else { 0.0 };
    y[COL_TOPIC + ex.topic as usize] = 1.0;
    y[COL_CONFIDENTIAL] = if ex.confidential { 1.0 } else { 0.0 };
    y[COL_ABUSIVE] = if ex.abusive { 1.0 } else { 0.0 };
    y
}

/// One run of stochastic gradient descent over `subset`: the weights (rows × columns) and
/// biases.
fn sgd(
    examples: &[Example],
    feats: &[Features],
    subset: &[usize],
    settings: &Settings,
    row_of: &[u32],
    rows: usize,
) -> (Vec<f32>, [f32; COLS]) {
    let mut w = vec![0.0f32; rows * COLS];
    let mut bias = [0.0f32; COLS];
    let mut order: Vec<usize> = subset.to_vec();
    let mut rng = Rng(settings.seed | 1);
    for epoch in 0..settings.epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let lr = settings.learning_rate / (1.0 + 0.25 * epoch as f32);
        for &i in &order {
            let f = &feats[i];
            let mut z = bias;
            for &(b, v) in &f.items {
                let r = row_of[b as usize] as usize;
                for (zc, wc) in z.iter_mut().zip(&w[r * COLS..(r + 1) * COLS]) {
                    *zc += v * wc;
                }
            }
            let p = heads(&z, 1.0);
            let y = targets(&examples[i]);
            let mut g = [0.0f32; COLS];
            for (k, pk) in p.kind.iter().enumerate() {
                g[COL_KIND + k] = pk - y[COL_KIND + k];
            }
            g[COL_BRANCH1] = p.branch1 - y[COL_BRANCH1];
            let tw = settings.topic_weights[examples[i].topic as usize];
            for (k, pk) in p.topic.iter().enumerate() {
                g[COL_TOPIC + k] = tw * (pk - y[COL_TOPIC + k]);
            }
            let cw = if y[COL_CONFIDENTIAL] > 0.5 {
                settings.confidential_weight
            } else {
                1.0
            };
            g[COL_CONFIDENTIAL] = cw * (p.confidential - y[COL_CONFIDENTIAL]);
            let aw = if y[COL_ABUSIVE] > 0.5 {
                settings.abusive_weight
            } else {
                1.0
            };
            g[COL_ABUSIVE] = aw * (p.abusive - y[COL_ABUSIVE]);
            for &(b, v) in &f.items {
                let r = row_of[b as usize] as usize;
                for (wc, gc) in w[r * COLS..(r + 1) * COLS].iter_mut().zip(&g) {
                    *wc -= lr * gc * v;
                }
            }
            for (bc, gc) in bias.iter_mut().zip(&g) {
                *bc -= lr * gc;
            }
        }
    }
    (w, bias)
}

/// Fit on the examples `subset` and return the model file.
fn fit(
    examples: &[Example],
    feats: &[Features],
    subset: &[usize],
    settings: &Settings,
    thresholds: Thresholds,
) -> Vec<u8> {
    // Rows: the buckets seen in this subset, in ascending order.
    let mut buckets: Vec<u32> = subset
        .iter()
        .flat_map(|&i| feats[i].items.iter().map(|(b, _)| *b))
        .collect();
    buckets.sort_unstable();
    buckets.dedup();
    let mut row_of = vec![u32::MAX; BUCKETS as usize];
    for (r, b) in buckets.iter().enumerate() {
        row_of[*b as usize] = r as u32;
    }
    let (w, bias) = sgd(examples, feats, subset, settings, &row_of, buckets.len());
    let rows: Vec<(u32, [f32; COLS])> = buckets
        .iter()
        .enumerate()
        .map(|(r, b)| {
            let mut row = [0.0f32; COLS];
            row.copy_from_slice(&w[r * COLS..(r + 1) * COLS]);
            (*b, row)
        })
        .collect();
    Model::to_bytes(thresholds, &bias, &rows)
}

/// Texts that are variants of the text before them (same labels, most of their character
/// trigrams shared, or one contained in the other once folded) form one group.
fn groups(examples: &[Example]) -> Vec<usize> {
    fn key(text: &str) -> String {
        hqdesk_domain::text::search_tokens(text)
    }
    fn trigrams(s: &str) -> Vec<[char; 3]> {
        let c: Vec<char> = s.chars().collect();
        let mut t: Vec<[char; 3]> = c.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
        t.sort_unstable();
        t.dedup();
        t
    }
    let mut out = Vec::with_capacity(examples.len());
    let mut group = 0;
    let mut prev: Option<(String, Vec<[char; 3]>)> = None;
    for (i, ex) in examples.iter().enumerate() {
        let k = key(&ex.text);
        let tri = trigrams(&k);
        let same = match (&prev, i.checked_sub(1).map(|j| &examples[j])) {
            (Some((pk, pt)), Some(p))
                if p.kind == ex.kind && p.topic == ex.topic && p.abusive == ex.abusive =>
            {
                let shared = tri.iter().filter(|t| pt.binary_search(t).is_ok()).count();
                let union = tri.len() + pt.len() - shared;
                pk.contains(&k) || k.contains(pk.as_str()) || shared * 2 >= union.max(1)
            }
            _ => false,
        };
        if i > 0 && !same {
            group += 1;
        }
        out.push(group);
        prev = Some((k, tri));
    }
    out
}

/// Fold of each example: groups stratified by topic, dealt out in a fixed order.
fn folds(examples: &[Example], k: usize) -> Vec<usize> {
    let g = groups(examples);
    let mut firsts: Vec<(usize, usize)> = Vec::new(); // (group, first example)
    for (i, gi) in g.iter().enumerate() {
        if firsts.last().map(|(x, _)| *x) != Some(*gi) {
            firsts.push((*gi, i));
        }
    }
    let mut fold_of_group = vec![0usize; firsts.len()];
    for topic in Topic::ALL {
        let mut gs: Vec<&(usize, usize)> = firsts
            .iter()
            .filter(|(_, i)| examples[*i].topic == topic)
            .collect();
        gs.sort_by_key(|(_, i)| fnv64(&examples[*i].id));
        for (n, (gi, _)) in gs.into_iter().enumerate() {
            fold_of_group[*gi] = n % k;
        }
    }
    g.iter().map(|gi| fold_of_group[*gi]).collect()
}

fn ratio(a: usize, b: usize) -> f32 {
    if b == 0 {
        1.0
    } else {
        a as f32 / b as f32
    }
}

/// Figures of a set of predictions against their labels.
pub fn evaluate(
    examples: &[Example],
    scores: &[Scores],
    thresholds: Thresholds,
) -> (CvReport, Vec<super::Triage>) {
    let mut kind = 0;
    let mut branch = 0;
    let mut topic = 0;
    let (mut ctp, mut cfp, mut cfn) = (0, 0, 0);
    let (mut atp, mut afp, mut afn) = (0, 0, 0);
    let mut misses = Vec::new();
    let mut out = Vec::with_capacity(examples.len());
    for (ex, s) in examples.iter().zip(scores) {
        let t = decide(s, &thresholds, false);
        kind += usize::from(t.kind == ex.kind);
        branch += usize::from(t.branch == ex.branch);
        topic += usize::from(t.topic == ex.topic);
        match (t.confidential, ex.confidential) {
            (true, true) => ctp += 1,
            (true, false) => cfp += 1,
            (false, true) => {
                cfn += 1;
                misses.push(ex.id.clone());
            }
            (false, false) => {}
        }
        match (t.abusive, ex.abusive) {
            (true, true) => atp += 1,
            (true, false) => afp += 1,
            (false, true) => afn += 1,
            (false, false) => {}
        }
        out.push(t);
    }
    let n = examples.len();
    (
        CvReport {
            texts: n,
            kind_accuracy: ratio(kind, n),
            branch_accuracy: ratio(branch, n),
            topic_accuracy: ratio(topic, n),
            confidential_recall: ratio(ctp, ctp + cfn),
            confidential_precision: ratio(ctp, ctp + cfp),
            abusive_recall: ratio(atp, atp + afn),
            abusive_precision: ratio(atp, atp + afp),
            thresholds,
            confidential_misses: misses,
            confidential_tradeoff: Vec::new(),
        },
        out,
    )
}

/// Cross-validated scores of every example (each scored by a model that did not see its fold).
pub fn cross_validate(
    examples: &[Example],
    feats: &[Features],
    parts: &[Vec<Features>],
    settings: &Settings,
) -> Vec<Scores> {
    let fold = folds(examples, settings.folds.max(2));
    let placeholder = Thresholds {
        confidential: 0.5,
        denunciation: settings.denunciation_probability,
        abusive: 0.5,
    };
    let mut scores: Vec<Option<Scores>> = vec![None; examples.len()];
    for k in 0..settings.folds.max(2) {
        let train: Vec<usize> = (0..examples.len()).filter(|i| fold[*i] != k).collect();
        let bytes = fit(examples, feats, &train, settings, placeholder);
        let Ok(model) = Model::from_bytes(&bytes) else {
            continue;
        };
        for i in (0..examples.len()).filter(|i| fold[*i] == k) {
            scores[i] = Some(score_parts(&model, &feats[i], &parts[i]));
        }
    }
    scores
        .into_iter()
        .map(|s| s.unwrap_or_else(|| heads(&[0.0; COLS], 0.0)))
        .collect()
}

/// Train on the examples: cross-validate to tune the thresholds, then fit on all of them.
pub fn train(examples: &[Example], settings: &Settings) -> Trained {
    // The model learns from each text's body (without its e-mail wrapper); its parts are
    // scored only for the confidential decision.
    let (feats, parts): (Vec<Features>, Vec<Vec<Features>>) =
        examples.iter().map(|e| text_features(&e.text)).unzip();
    let cv = cross_validate(examples, &feats, &parts, settings);

    // Confidential: the highest threshold (in steps of 0.001) of the confidential score whose
    // cross-validated recall, with the whole decision rule, reaches the target.
    let best_threshold = |target: f32| -> (f32, f32) {
        for step in (1..=500).rev() {
            let t = Thresholds {
                confidential: step as f32 / 1000.0,
                denunciation: settings.denunciation_probability,
                abusive: 0.5,
            };
            let (r, _) = evaluate(examples, &cv, t);
            if r.confidential_recall >= target {
                return (t.confidential, r.confidential_precision);
            }
        }
        let t = Thresholds {
            confidential: 0.001,
            denunciation: settings.denunciation_probability,
            abusive: 0.5,
        };
        (0.001, evaluate(examples, &cv, t).0.confidential_precision)
    };
    let best_conf = best_threshold(settings.confidential_recall).0;
    let tradeoff: Vec<(f32, f32, f32)> = [1.0f32, 0.995, 0.99, 0.98, 0.95]
        .into_iter()
        .map(|target| {
            let (t, p) = best_threshold(target);
            (target, t, p)
        })
        .collect();
    // Abusive: the threshold with the best F1 (ties: the lower threshold).
    let mut best_ab = (0.5f32, -1.0f32);
    for step in 10..=80 {
        let t = Thresholds {
            confidential: best_conf,
            denunciation: settings.denunciation_probability,
            abusive: step as f32 / 100.0,
        };
        let (r, _) = evaluate(examples, &cv, t);
        let f1 = if r.abusive_precision + r.abusive_recall > 0.0 {
            2.0 * r.abusive_precision * r.abusive_recall / (r.abusive_precision + r.abusive_recall)
        } else {
            0.0
        };
        if f1 > best_ab.1 + 1e-6 {
            best_ab = (t.abusive, f1);
        }
    }
    let thresholds = Thresholds {
        confidential: best_conf,
        denunciation: settings.denunciation_probability,
        abusive: best_ab.0,
    };
    let (mut report, _) = evaluate(examples, &cv, thresholds);
    report.confidential_tradeoff = tradeoff;
    let all: Vec<usize> = (0..examples.len()).collect();
    let bytes = fit(examples, &feats, &all, settings, thresholds);
    Trained { bytes, cv: report }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(id: &str, text: &str, topic: Topic) -> Example {
        Example {
            id: id.into(),
            text: text.into(),
            kind: Kind::Inquiry,
            branch: 2,
            topic,
            confidential: false,
            abusive: false,
            channel: None,
        }
    }

    #[test]
    fn variants_share_a_group() {
        let e = vec![
            ex(
                "c1",
                "Chữ ký số hết hạn thì làm sao",
                Topic::DigitalSignature,
            ),
            ex(
                "c2",
                "chu ky so het han thi lam sao",
                Topic::DigitalSignature,
            ),
            ex(
                "c3",
                "Chào anh chị,\nChữ ký số hết hạn thì làm sao\nTrân trọng",
                Topic::DigitalSignature,
            ),
            ex("c4", "Tài khoản VNACCS bị khóa", Topic::DigitalSignature),
            ex("c5", "Tài khoản VNACCS bị khóa", Topic::VnaccsAccount),
        ];
        assert_eq!(groups(&e), vec![0, 0, 0, 1, 2]);
    }

    #[test]
    fn rejects_a_branch_that_contradicts_the_kind() {
        let line = r#"{"id":"x","text":"a","kind":"denunciation","branch":2,"topic":"crime","confidential":true,"abusive":false,"channel":"email"}"#;
        assert!(parse_corpus(line).unwrap_err().contains("line 1"));
    }

    #[test]
    fn the_generator_is_fixed() {
        let mut r = Rng(1);
        let v: Vec<u64> = (0..3).map(|_| r.next()).collect();
        assert_eq!(
            v,
            vec![
                5180492295206395165,
                12380297144915551517,
                13389498078930870103
            ]
        );
    }
}
