//! Knowledge-base retrieval: the articles that answer a text, best first.
//!
//! Today's portal search needs every word of the query in the article, which finds nothing for
//! an e-mail of eighty words. This module ranks the published articles for any text a person
//! wrote: BM25 over folded words of the title (boosted), the body and the category, with the
//! text's words expanded by the customs vocabulary ([`crate::vocabulary`]): "tk" finds "tờ
//! khai", "chữ ký số" finds "cks", "declaration" finds both.
//!
//! What a text contributes, in order:
//! - at most [`MAX_TEXT_BYTES`] of it are read (a 2-page e-mail is 5–10 KB; the rest of a 1 MB
//!   paste is an attachment or noise), cut at a character boundary;
//! - quoted lines (`>`), what follows a reply header ("On … wrote:", "Vào … đã viết:",
//!   "-----Original Message-----"), a signature delimiter (`--`) or a confidentiality notice are
//!   cut; what follows a closing ("Trân trọng", "Best regards", …) counts for
//!   [`SIGNATURE_WEIGHT`];
//! - words are folded ([`hqdesk_domain::text::fold`]) and split on anything that is not a letter or
//!   a digit; a word no article has that reads as a Telex or VNI leftover ("tows" → "to",
//!   "looix" → "loi", "đươc5" → "duoc") is read as the word it was meant to be;
//! - vocabulary concepts found (a variant of one or more words in a row), stop words dropped
//!   (Vietnamese and English, [`STOP_WORDS`]), words, pairs of adjacent words (bigrams), error
//!   codes (`E1001`: a letter and four digits) weighted [`CODE_WEIGHT`];
//! - of the terms the articles have, only the [`MAX_QUERY_TERMS`] most informative are kept
//!   (the highest weight × IDF), which bounds the ranking work whatever the text's length.
//!
//! The score of an article is an estimate of the probability that it is the right one: a logistic
//! function of its BM25 score's share of the best score any article could get for the same text
//! terms, of how far the best article stands above the second, and of the raw score itself,
//! fitted on the dev questions ([`CALIBRATION`]). It lies in 0..1 and a threshold means the same
//! for a one-line question and a long e-mail ([`CONFIDENT_SCORE`]).
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use hqdesk_domain::text::fold;

use crate::vocabulary::VOCABULARY;

/// A published article, as the ranker sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArticleDoc {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
}

/// An article suggested for a text, with a score in 0..1 (higher is closer).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suggestion {
    pub slug: String,
    pub score: f32,
}

/// The score above which the best article is sent in an e-mail acknowledgement ("this may
/// already answer your question"). Chosen on the dev questions as the lowest threshold (in steps
/// of 0.05) at which the acknowledgement is right at least 90% of the times it is sent with 95%
/// confidence (one-sided Wilson lower bound of the dev precision ≥ 0.90): on dev it is sent for
/// 58% of the questions, right 96% of the time, and for 1 of 36 questions without an article.
pub const CONFIDENT_SCORE: f32 = 0.75;

/// Suggestions scoring below this are not returned at all: nothing close.
pub const MIN_SCORE: f32 = 0.01;

/// How much of a text is read, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// How many distinct terms of a text are used for ranking at most.
pub const MAX_QUERY_TERMS: usize = 64;

/// Weight of words after a closing formula ("Trân trọng", "Best regards"): the signature.
pub const SIGNATURE_WEIGHT: f32 = 0.25;

/// An error code (`E1001`) in a text counts this many times as much as a word.
pub const CODE_WEIGHT: f32 = 6.0;

/// The ranker's weights. [`Weights::DEFAULT`] is what [`KbIndex::build`] uses; the others exist
/// for tuning on the dev questions.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub word: f32,
    pub bigram: f32,
    pub concept: f32,
    pub code: f32,
    pub title: f32,
    pub category: f32,
    pub k1: f32,
    pub b: f32,
    /// Saturation of a term repeated in the text (BM25's k3).
    pub k3: f32,
    pub max_terms: usize,
}

impl Weights {
    pub const DEFAULT: Weights = Weights {
        word: 0.6,
        bigram: 0.8,
        concept: 1.2,
        code: CODE_WEIGHT,
        title: 2.0,
        category: 2.0,
        k1: 1.2,
        b: 0.75,
        k3: 1.5,
        max_terms: MAX_QUERY_TERMS,
    };
}

/// Stop words, folded: Vietnamese function words and forms of address, English function words.
/// Words that double as content words once folded stay out: "to" is "tờ", "do" is "đỏ", "an" is
/// "ẩn", "tu" is "tử", "mot" is "một", "dang" is "đăng", "ma" is "mã", "so" is "số", "no" is
/// "nợ", "vang" is "vàng", "sau" and "truoc" are "after" and "before" clearance.
pub const STOP_WORDS: &[&str] = &[
    // Vietnamese (folded)
    "toi", "tui", "minh", "anh", "chi", "em", "ban", "a", "ah", "ak", "xin", "cho", "hoi", "la",
    "gi", "co", "khong", "ko", "k", "kg", "thi", "va", "cua", "duoc", "dc", "nhung", "voi", "o",
    "dau", "nao", "sao", "vay", "nhu", "lam", "roi", "da", "se", "can", "phai", "bi", "nay", "kia",
    "cac", "nhieu", "the", "vao", "ra", "len", "khi", "neu", "hay", "hoac", "chua", "ai", "oi",
    "nhe", "ha", "u", "uh", "ok", "oke", "vs", "trong", "tren", "duoi", "ve", "qua", "luc", "bao",
    "lau", "moi", "nhat", "rat", "nua", "cai", "con", "ong", "ba", "quy", "kinh", "chao", "cam",
    "on", "tran", "giup", "dum", "ho", "biet", "muon", "nen", "vui", "thay", "bang", "cach",
    "theo", "den", "hien", "hom", // English
    "the", "and", "or", "of", "in", "for", "is", "are", "was", "were", "we", "our", "you", "your",
    "it", "its", "does", "did", "how", "what", "which", "when", "where", "why", "please", "could",
    "would", "should", "be", "been", "with", "from", "this", "that", "these", "those", "at", "by",
    "have", "has", "had", "i", "my", "me", "us", "they", "their", "thank", "thanks", "dear",
    "regards", "best", "sir", "madam", "hello", "hi", "will", "not", "yes", "if", "as", "but",
    "there", "any", "all", "about", "into", "still", "need", "want", "get", "got", "also", "just",
    "only", "some", "than", "then",
];

/// Words that mean nothing together but something apart ("vui lòng" is "please", "lòng" alone
/// belongs to "hài lòng"): dropped as a pair before the stop words.
const STOP_PAIRS: &[(&str, &str)] = &[
    ("vui", "long"),
    ("cam", "on"),
    ("tran", "trong"),
    ("xin", "chao"),
    ("kinh", "gui"),
    ("thank", "you"),
    ("best", "regards"),
    ("kind", "regards"),
];

/// Lines that begin the closing of a letter, folded: what follows is a signature.
const CLOSINGS: &[&str] = &[
    "tran trong",
    "than ai",
    "best regards",
    "kind regards",
    "regards",
    "sincerely",
    "yours faithfully",
    "thanks and regards",
    "thanks & regards",
    "tks",
    "thanks,",
    "cheers",
];

/// Lines that begin something that is not the writer's text at all: cut there.
const CUTS: &[&str] = &[
    "-----original message",
    "confidentiality notice",
    "this e-mail and any attachments",
    "this email and any attachments",
    "disclaimer",
    "from:",
    "sent from my",
    "gui tu",
];

// ---------------------------------------------------------------- the vocabulary matcher

/// The vocabulary folded into phrases of words, each naming a concept term (`~canonical`).
struct Vocab {
    /// First word of a phrase → the phrases starting with it: (the words after it, concept).
    by_first: HashMap<String, Vec<(Vec<String>, u32)>>,
    /// Concept index → its term as stored in the index.
    concepts: Vec<String>,
}

fn vocab() -> &'static Vocab {
    static VOCAB: OnceLock<Vocab> = OnceLock::new();
    VOCAB.get_or_init(|| {
        let mut by_first: HashMap<String, Vec<(Vec<String>, u32)>> = HashMap::new();
        let mut concepts = Vec::new();
        for (i, entry) in VOCABULARY.iter().enumerate() {
            let id = i as u32;
            concepts.push(format!(
                "~{}",
                split_words(&fold(entry.canonical)).join(" ")
            ));
            let mut forms: Vec<Vec<String>> = std::iter::once(entry.canonical)
                .chain(entry.variants.iter().copied())
                .map(|v| split_words(&fold(v)))
                .filter(|w| !w.is_empty())
                .collect();
            forms.sort();
            forms.dedup();
            for mut words in forms {
                let first = words.remove(0);
                by_first.entry(first).or_default().push((words, id));
            }
        }
        Vocab { by_first, concepts }
    })
}

/// The concepts found in a run of words, one term per occurrence (a word may start several).
fn concepts_in(words: &[String], out: &mut Vec<String>) {
    let v = vocab();
    let mut found: Vec<u32> = Vec::new();
    for i in 0..words.len() {
        let Some(phrases) = v.by_first.get(&words[i]) else {
            continue;
        };
        found.clear();
        for (rest, id) in phrases {
            let end = i + 1 + rest.len();
            if end <= words.len() && words[i + 1..end] == rest[..] && !found.contains(id) {
                found.push(*id);
            }
        }
        for id in &found {
            if let Some(c) = v.concepts.get(*id as usize) {
                out.push(c.clone());
            }
        }
    }
}

// ---------------------------------------------------------------- text to terms

fn split_words(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_stop(w: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().copied().collect())
        .contains(w)
}

/// The vocabulary's concept for error codes in general, and for VNACCS's E-codes.
const CODE_CONCEPT: &str = "~ma loi";
const E_CODE_CONCEPT: &str = "~exxxx";

/// An error code as VNACCS writes them: one letter and four digits (`e1001`, `w1234`).
fn is_code(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 5 && b[0].is_ascii_lowercase() && b[1..].iter().all(u8::is_ascii_digit)
}

/// Standalone upper-case "CO" (not "có", which folds the same) is the certificate of origin:
/// written as "C/O" so that the vocabulary's "c o" finds it.
fn mark_certificate_of_origin(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains("CO") {
        return raw.into();
    }
    let mut out = String::with_capacity(raw.len() + 8);
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let before_ok = i == 0 || !chars[i - 1].is_alphanumeric();
        if before_ok
            && chars[i] == 'C'
            && chars.get(i + 1) == Some(&'O')
            && chars
                .get(i + 2)
                .is_none_or(|c| !c.is_alphanumeric() && *c != '.')
        {
            out.push_str("C/O");
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out.into()
}

/// Words in order, with the pairs and stop words removed: the words that carry meaning.
fn content_words(words: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if let Some(next) = words.get(i + 1) {
            if STOP_PAIRS
                .iter()
                .any(|(a, b)| *a == words[i] && *b == next.as_str())
            {
                i += 2;
                continue;
            }
        }
        let w = words[i].as_str();
        // Long numbers (tax codes, declaration numbers, phone numbers) never name an article.
        let long_number = w.len() > 4 && w.bytes().all(|b| b.is_ascii_digit());
        if !is_stop(w) && !long_number {
            out.push(w);
        }
        i += 1;
    }
    out
}

/// The terms of a run of words: concepts, content words and their bigrams, each with its
/// weight (before the region's weight).
fn terms_of(words: &[String], w: &Weights, mut emit: impl FnMut(String, f32)) {
    let mut concepts = Vec::new();
    concepts_in(words, &mut concepts);
    for c in concepts {
        emit(c, w.concept);
    }
    let content = content_words(words);
    // Any error code is an error code, known to an article or not: "W1234" finds the article on
    // error codes, "E1234" the one on E-codes.
    for word in content.iter().filter(|w| is_code(w)) {
        emit(CODE_CONCEPT.to_owned(), w.concept);
        if word.starts_with('e') {
            emit(E_CODE_CONCEPT.to_owned(), w.concept);
        }
    }
    for word in &content {
        // Numbers alone (dates, amounts) and single letters ("mẫu D") say nothing alone; they
        // still count in concepts ("form d") and numbers in pairs ("nhanh 2").
        if word.bytes().all(|b| b.is_ascii_digit()) || word.chars().nth(1).is_none() {
            continue;
        }
        emit((*word).to_owned(), w.word);
    }
    for pair in content.windows(2) {
        if pair.iter().all(|p| p.chars().nth(1).is_some()) {
            emit(format!("{} {}", pair[0], pair[1]), w.bigram);
        }
    }
}

/// The part of a text that is the writer's own, in chunks with a weight: the body (1) and what
/// follows a closing formula ([`SIGNATURE_WEIGHT`]). Quoted replies and notices are cut.
fn writer_text(text: &str) -> Vec<(String, f32)> {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut body = String::new();
    let mut signature = String::new();
    let mut in_signature = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('>') {
            continue;
        }
        if t == "--" || t == "-- " || t == "—" || t == "__" || t.starts_with("___") {
            break;
        }
        let lower = fold(t);
        if CUTS.iter().any(|c| lower.starts_with(c))
            || (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.starts_with("vao ") && lower.ends_with("da viet:"))
        {
            break;
        }
        if !in_signature && CLOSINGS.iter().any(|c| lower.starts_with(c)) {
            in_signature = true;
        }
        let target = if in_signature {
            &mut signature
        } else {
            &mut body
        };
        target.push_str(line);
        target.push('\n');
    }
    let mut out = vec![(body, 1.0)];
    if !signature.is_empty() {
        out.push((signature, SIGNATURE_WEIGHT));
    }
    out
}

/// A Telex or VNI leftover read as the word meant, when the index knows that word: tone and
/// shape keys typed but not converted ("tows" → "to", "looix" → "loi", "ddor" → "do",
/// "duoc5" → "duoc").
fn repair_typing(w: &str, known: impl Fn(&str) -> bool) -> Option<String> {
    if w.len() < 2 || w.len() > 12 {
        return None;
    }
    // VNI: digits inside a word of letters.
    if w.bytes().any(|b| b.is_ascii_digit()) && w.bytes().any(|b| b.is_ascii_alphabetic()) {
        let letters: String = w.chars().filter(|c| !c.is_ascii_digit()).collect();
        return known(&letters).then_some(letters);
    }
    if !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let unshape = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match (out.chars().last(), c) {
                (Some('a'), 'a') | (Some('e'), 'e') | (Some('o'), 'o') | (Some('d'), 'd') => {}
                (Some('a' | 'o' | 'u'), 'w') => {}
                _ => out.push(c),
            }
        }
        out
    };
    let first_vowel = w.find(['a', 'e', 'i', 'o', 'u', 'y'])?;
    let shaped = unshape(w);
    if shaped != w && known(&shaped) {
        return Some(shaped);
    }
    // One tone key (s f r x j) typed after the first vowel, last one first.
    for (i, c) in w.char_indices().rev() {
        if i > first_vowel && matches!(c, 's' | 'f' | 'r' | 'x' | 'j') {
            let mut s = String::with_capacity(w.len());
            s.push_str(&w[..i]);
            s.push_str(&w[i + 1..]);
            let s = unshape(&s);
            if known(&s) {
                return Some(s);
            }
        }
    }
    None
}

// ---------------------------------------------------------------- the index

/// The published articles, indexed for [`KbIndex::suggest`]. Build once, query many times.
#[derive(Debug, Clone)]
pub struct KbIndex {
    slugs: Vec<String>,
    /// Term → its number.
    terms: HashMap<String, u32>,
    /// Term number → (article, field-weighted frequency, already BM25-saturated).
    postings: Vec<Vec<(u32, f32)>>,
    /// Term number → inverse document frequency.
    idf: Vec<f32>,
    weights: Weights,
}

impl KbIndex {
    /// Index the articles (title boosted, body, category).
    pub fn build(articles: &[ArticleDoc]) -> KbIndex {
        Self::build_with(articles, Weights::DEFAULT)
    }

    /// [`KbIndex::build`] with other weights, for tuning.
    #[doc(hidden)]
    pub fn build_with(articles: &[ArticleDoc], weights: Weights) -> KbIndex {
        let mut terms: HashMap<String, u32> = HashMap::new();
        let mut freqs: Vec<HashMap<u32, f32>> = Vec::new();
        let mut lengths: Vec<f32> = Vec::new();
        for doc in articles {
            let mut tf: HashMap<u32, f32> = HashMap::new();
            let mut len = 0.0f32;
            let category = doc
                .category
                .as_deref()
                .map(|c| c.replace(['.', '_'], " "))
                .unwrap_or_default();
            let fields = [
                (doc.title.as_str(), weights.title),
                (doc.body.as_str(), 1.0),
                (category.as_str(), weights.category),
            ];
            for (text, boost) in fields {
                let words = split_words(&fold(&mark_certificate_of_origin(text)));
                len += words.len() as f32;
                terms_of(&words, &weights, |term, _| {
                    let n = terms.len() as u32;
                    let id = *terms.entry(term).or_insert(n);
                    *tf.entry(id).or_insert(0.0) += boost;
                });
            }
            freqs.push(tf);
            lengths.push(len);
        }
        let n_docs = articles.len() as f32;
        let avg = if lengths.is_empty() {
            1.0
        } else {
            (lengths.iter().sum::<f32>() / n_docs).max(1.0)
        };
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms.len()];
        for (d, tf) in freqs.iter().enumerate() {
            let norm = weights.k1 * (1.0 - weights.b + weights.b * lengths[d] / avg);
            for (&t, &f) in tf {
                if let Some(p) = postings.get_mut(t as usize) {
                    p.push((d as u32, f * (weights.k1 + 1.0) / (f + norm)));
                }
            }
        }
        let idf = postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        KbIndex {
            slugs: articles.iter().map(|a| a.slug.clone()).collect(),
            terms,
            postings,
            idf,
            weights,
        }
    }

    /// How many articles are indexed.
    pub fn len(&self) -> usize {
        self.slugs.len()
    }

    /// Whether no article is indexed.
    pub fn is_empty(&self) -> bool {
        self.slugs.is_empty()
    }

    /// The weighted terms of a text that the index knows, at most [`MAX_QUERY_TERMS`], the most
    /// informative: (term number, weight × IDF).
    fn query_terms(&self, text: &str) -> Vec<(u32, f32)> {
        let mut weights: HashMap<u32, f32> = HashMap::new();
        let mut codes: HashSet<u32> = HashSet::new();
        for (chunk, region) in writer_text(text) {
            let marked = mark_certificate_of_origin(&chunk);
            let mut words = split_words(&fold(&marked));
            for w in words.iter_mut() {
                if !self.terms.contains_key(w.as_str()) && !is_stop(w) {
                    if let Some(fixed) = repair_typing(w, |s| self.terms.contains_key(s)) {
                        *w = fixed;
                    }
                }
            }
            terms_of(&words, &self.weights, |term, weight| {
                if let Some(&id) = self.terms.get(&term) {
                    if is_code(&term) {
                        codes.insert(id);
                    }
                    *weights.entry(id).or_insert(0.0) += weight * region;
                }
            });
        }
        let mut out: Vec<(u32, f32)> = weights
            .into_iter()
            .map(|(id, tf)| {
                let k3 = self.weights.k3;
                let mut saturated = tf * (k3 + 1.0) / (tf + k3);
                if codes.contains(&id) {
                    saturated *= self.weights.code;
                }
                let idf = self.idf.get(id as usize).copied().unwrap_or(0.0);
                (id, saturated * idf)
            })
            .filter(|(_, w)| *w > 0.0)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(self.weights.max_terms);
        out
    }

    /// Raw BM25 scores of every article for a text, and the best score one article could get.
    fn raw_scores(&self, text: &str) -> (Vec<f32>, f32) {
        let terms = self.query_terms(text);
        let mut scores = vec![0.0f32; self.slugs.len()];
        let mut ceiling = 0.0f32;
        for (id, w) in &terms {
            ceiling += w * (self.weights.k1 + 1.0);
            if let Some(p) = self.postings.get(*id as usize) {
                for (d, sat) in p {
                    if let Some(s) = scores.get_mut(*d as usize) {
                        *s += w * sat;
                    }
                }
            }
        }
        (scores, ceiling)
    }

    /// The best `k` articles for a text, best first, with a score in 0..1 comparable across
    /// texts (so that a threshold means something), empty when nothing is close.
    pub fn suggest(&self, text: &str, k: usize) -> Vec<Suggestion> {
        if k == 0 || self.slugs.is_empty() {
            return Vec::new();
        }
        let (raw, ceiling) = self.raw_scores(text);
        if ceiling <= 0.0 {
            return Vec::new();
        }
        let mut order: Vec<usize> = (0..raw.len()).filter(|&d| raw[d] > 0.0).collect();
        order.sort_by(|&a, &b| raw[b].total_cmp(&raw[a]).then(a.cmp(&b)));
        let best = order.first().map(|&d| raw[d]).unwrap_or(0.0);
        let second = order.get(1).map(|&d| raw[d]).unwrap_or(0.0);
        order
            .iter()
            .take(k)
            .map(|&d| Suggestion {
                slug: self.slugs[d].clone(),
                score: calibrate(raw[d], best, second, ceiling),
            })
            .filter(|s| s.score >= MIN_SCORE)
            .collect()
    }
}

/// From raw BM25 to 0..1: a logistic model of "the best article is the right one", fitted on the
/// dev questions (see [`CALIBRATION`]), over three features: the share of the best possible score
/// the article reaches, how far it stands above the second (for the best article only; 0 for the
/// others, so the scores keep the ranking's order) and the log of its raw score (the evidence: a
/// one-word match is not enough however well it matches).
fn calibrate(raw: f32, best: f32, second: f32, ceiling: f32) -> f32 {
    let share = (raw / ceiling).clamp(0.0, 1.0);
    let lead = if best > 0.0 && raw >= best {
        ((best - second) / best).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let [bias, w_share, w_lead, w_evidence] = CALIBRATION;
    let z = bias + w_share * share + w_lead * lead + w_evidence * raw.max(0.0).ln_1p();
    1.0 / (1.0 + (-z).exp())
}

/// The calibration's coefficients: bias, share, lead, evidence. Fitted by logistic regression
/// (L2 0.01) on the dev questions with the starter set: label 1 when the best article is the
/// right one, 0 when it is not or when no article answers the question.
pub const CALIBRATION: [f32; 4] = [-7.794, 1.117, 0.907, 2.788];

#[doc(hidden)]
/// For evaluation and tuning: the raw BM25 score of the best article, of the second, and the
/// ceiling, so that the calibration can be studied. Not a stable interface.
pub fn debug_raw(index: &KbIndex, text: &str) -> (f32, f32, f32, Vec<String>) {
    let terms = index.query_terms(text);
    let names: HashMap<u32, &str> = index
        .terms
        .iter()
        .map(|(t, id)| (*id, t.as_str()))
        .collect();
    let listed = terms
        .iter()
        .map(|(id, w)| format!("{}={w:.2}", names.get(id).copied().unwrap_or("?")))
        .collect();
    let (mut raw, ceiling) = index.raw_scores(text);
    raw.sort_by(|a, b| b.total_cmp(a));
    (
        raw.first().copied().unwrap_or(0.0),
        raw.get(1).copied().unwrap_or(0.0),
        ceiling,
        listed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(slug: &str, title: &str, body: &str) -> ArticleDoc {
        ArticleDoc {
            slug: slug.into(),
            title: title.into(),
            body: body.into(),
            category: None,
        }
    }

    fn index() -> KbIndex {
        KbIndex::build(&[
            doc(
                "tk",
                "Hủy tờ khai hải quan",
                "Tờ khai đã đăng ký có thể được hủy.",
            ),
            doc(
                "cks",
                "Chữ ký số hết hạn",
                "Gia hạn chứng thư số, đăng ký lại với hải quan.",
            ),
            doc("e", "Lỗi E1001", "Mã lỗi E1001 khi khai báo trên VNACCS."),
            doc("co", "Giấy chứng nhận xuất xứ C/O", "C/O mẫu D, mẫu E."),
        ])
    }

    #[test]
    fn abbreviations_find_the_full_terms() {
        let idx = index();
        assert_eq!(idx.suggest("huy tk the nao", 1)[0].slug, "tk");
        assert_eq!(idx.suggest("cks het han", 1)[0].slug, "cks");
        assert_eq!(idx.suggest("bi loi e1001", 1)[0].slug, "e");
        assert_eq!(idx.suggest("CO form D nop ban giay khong", 1)[0].slug, "co");
    }

    #[test]
    fn code_concepts_are_in_the_vocabulary() {
        let v = vocab();
        assert!(v.concepts.iter().any(|c| c == CODE_CONCEPT));
        assert!(v.concepts.iter().any(|c| c == E_CODE_CONCEPT));
        assert!(is_code("e1001") && is_code("w1234"));
        assert!(!is_code("e100") && !is_code("12345") && !is_code("ee1001"));
    }

    #[test]
    fn telex_leftovers_are_read() {
        let idx = index();
        assert_eq!(repair_typing("tows", |s| s == "to"), Some("to".into()));
        assert_eq!(repair_typing("looix", |s| s == "loi"), Some("loi".into()));
        assert_eq!(repair_typing("ddor", |s| s == "do"), Some("do".into()));
        assert_eq!(repair_typing("duoc5", |s| s == "duoc"), Some("duoc".into()));
        assert_eq!(repair_typing("xyz", |_| false), None);
        assert_eq!(idx.suggest("huyr tows khai", 1)[0].slug, "tk");
    }

    #[test]
    fn quoted_replies_and_notices_are_cut() {
        let parts =
            writer_text("Hỏi về C/O\n> lỗi E1001\nTrân trọng,\nAn\n--\nCONFIDENTIALITY: E1001\n");
        assert_eq!(parts.len(), 2);
        assert!(!parts[0].0.contains("E1001"));
        assert!(parts[1].0.contains("An"));
        assert!(!parts[1].0.contains("E1001"));
    }

    #[test]
    fn upper_case_co_is_the_certificate() {
        assert_eq!(
            mark_certificate_of_origin("xin CO form D"),
            "xin C/O form D"
        );
        assert_eq!(mark_certificate_of_origin("e-CO"), "e-C/O");
        assert_eq!(
            mark_certificate_of_origin("MINH PHAT CO., LTD"),
            "MINH PHAT CO., LTD"
        );
        assert_eq!(mark_certificate_of_origin("CO, invoice"), "C/O, invoice");
        assert_eq!(mark_certificate_of_origin("có"), "có");
    }

    #[test]
    fn scores_lie_in_unit_interval_and_are_sorted() {
        let idx = index();
        for text in ["", "tk", "cks het han", "E1001 E1001 E1001", "xin chào"] {
            let s = idx.suggest(text, 4);
            for w in s.windows(2) {
                assert!(w[0].score >= w[1].score, "{text}: {s:?}");
            }
            for x in &s {
                assert!((0.0..=1.0).contains(&x.score), "{text}: {s:?}");
            }
        }
        assert!(idx.suggest("", 3).is_empty());
        assert!(idx.suggest("xin chào ạ", 3).is_empty());
        assert!(idx.suggest("tk", 0).is_empty());
        assert!(KbIndex::build(&[]).suggest("tk", 3).is_empty());
    }
}
