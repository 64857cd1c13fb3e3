//! Knowledge-base retrieval measured on the question set (`corpus/kb_questions_*.jsonl`) over
//! the starter articles (`crates/hqdesk/kb/*.md`, read-only): top-1, top-3, MRR on the questions
//! an article answers, how often the e-mail acknowledgement would fire and be right, how often it
//! would fire on questions no article answers; the vocabulary; bad input; speed.
// A test file: a missing article or a bad line must fail loudly, and the figures are printed.
#![allow(clippy::unwrap_used, clippy::print_stdout)]
use std::path::PathBuf;
use std::time::Instant;

use hqdesk_triage::retrieve::{ArticleDoc, KbIndex, Suggestion, CONFIDENT_SCORE};
use serde::Deserialize;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The starter articles, front matter parsed minimally (slug, title, category, status); drafts
/// skipped.
fn articles() -> Vec<ArticleDoc> {
    let dir = manifest().join("../hqdesk/kb");
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("md"))
        .collect();
    paths.sort();
    for path in paths {
        let src = std::fs::read_to_string(&path).unwrap();
        let rest = src
            .trim_start_matches('\u{feff}')
            .strip_prefix("---")
            .unwrap();
        let (front, body) = rest.split_once("\n---").unwrap();
        let (mut slug, mut title, mut category, mut status) =
            (String::new(), String::new(), None, "published".to_string());
        for line in front.lines() {
            if let Some((k, v)) = line.split_once(':') {
                let v = v.trim().to_string();
                match k.trim() {
                    "slug" => slug = v,
                    "title" => title = v,
                    "category" => category = Some(v).filter(|c: &String| !c.is_empty()),
                    "status" => status = v,
                    _ => {}
                }
            }
        }
        if status != "published" {
            continue;
        }
        assert!(!slug.is_empty() && !title.is_empty(), "{}", path.display());
        out.push(ArticleDoc {
            slug,
            title,
            body: body.trim_start_matches(['-', '\r', '\n']).to_string(),
            category,
        });
    }
    out
}

#[derive(Deserialize)]
struct Question {
    id: String,
    text: String,
    kb: Option<String>,
}

fn questions(part: &str) -> Vec<Question> {
    let path = manifest().join(format!("corpus/kb_questions_{part}.jsonl"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Figures {
    answered: usize,
    top1: f64,
    top3: f64,
    mrr: f64,
    /// Questions (with or without an article) where the best score passed CONFIDENT_SCORE.
    fired: usize,
    /// Of those, the best article was the right one.
    fired_right: usize,
    unanswered: usize,
    /// Questions without an article where the best score passed CONFIDENT_SCORE.
    unanswered_fired: usize,
    total: usize,
}

impl Figures {
    fn precision(&self) -> f64 {
        if self.fired == 0 {
            1.0
        } else {
            self.fired_right as f64 / self.fired as f64
        }
    }
    fn false_fire_rate(&self) -> f64 {
        self.unanswered_fired as f64 / self.unanswered.max(1) as f64
    }
}

fn short(s: &str) -> String {
    let one_line = s.replace('\n', " ⏎ ");
    one_line.chars().take(110).collect()
}

fn list(s: &[Suggestion]) -> String {
    s.iter()
        .map(|x| format!("{} {:.2}", x.slug, x.score))
        .collect::<Vec<_>>()
        .join(", ")
}

fn evaluate(part: &str, index: &KbIndex, slugs: &[String]) -> Figures {
    let qs = questions(part);
    let (mut answered, mut hit1, mut hit3, mut rr) = (0, 0, 0, 0.0);
    let (mut fired, mut fired_right, mut unanswered, mut unanswered_fired) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    let mut false_fires = Vec::new();
    for q in &qs {
        let s = index.suggest(&q.text, 10);
        let best = s.first();
        let fires = best.is_some_and(|b| b.score >= CONFIDENT_SCORE);
        match &q.kb {
            Some(kb) => {
                assert!(slugs.contains(kb), "{}: unknown article {kb}", q.id);
                answered += 1;
                let rank = s.iter().position(|x| &x.slug == kb);
                if rank == Some(0) {
                    hit1 += 1;
                }
                if rank.is_some_and(|r| r < 3) {
                    hit3 += 1;
                } else {
                    misses.push(format!(
                        "  {} [{kb}] {:?}\n      got: {}",
                        q.id,
                        short(&q.text),
                        list(&s[..s.len().min(3)])
                    ));
                }
                if let Some(r) = rank {
                    rr += 1.0 / (r as f64 + 1.0);
                }
                if fires {
                    fired += 1;
                    if rank == Some(0) {
                        fired_right += 1;
                    } else {
                        false_fires.push(format!(
                            "  {} [{kb}] {:?}\n      sent: {}",
                            q.id,
                            short(&q.text),
                            list(&s[..1])
                        ));
                    }
                }
            }
            None => {
                unanswered += 1;
                if fires {
                    fired += 1;
                    unanswered_fired += 1;
                    false_fires.push(format!(
                        "  {} [none] {:?}\n      sent: {}",
                        q.id,
                        short(&q.text),
                        list(&s[..1])
                    ));
                }
            }
        }
    }
    let f = Figures {
        answered,
        top1: hit1 as f64 / answered.max(1) as f64,
        top3: hit3 as f64 / answered.max(1) as f64,
        mrr: rr / answered.max(1) as f64,
        fired,
        fired_right,
        unanswered,
        unanswered_fired,
        total: qs.len(),
    };
    println!(
        "\n== {part}: {} questions, {} with an article, {} without",
        f.total, f.answered, f.unanswered
    );
    println!(
        "top-1 {:.1}%  top-3 {:.1}%  MRR {:.3}",
        100.0 * f.top1,
        100.0 * f.top3,
        f.mrr
    );
    println!(
        "acknowledgement (best score >= CONFIDENT_SCORE {CONFIDENT_SCORE}): sent for {}/{} questions \
         ({:.1}%), right {}/{} ({:.1}% precision); sent for {}/{} questions without an article ({:.1}%); \
         sent for {:.1}% of the questions with one",
        f.fired,
        f.total,
        100.0 * f.fired as f64 / f.total as f64,
        f.fired_right,
        f.fired,
        100.0 * f.precision(),
        f.unanswered_fired,
        f.unanswered,
        100.0 * f.false_fire_rate(),
        100.0 * (f.fired - f.unanswered_fired) as f64 / f.answered.max(1) as f64,
    );
    println!("misses (the right article not in the top 3):");
    for m in &misses {
        println!("{m}");
    }
    println!("acknowledgements that would be wrong:");
    for m in &false_fires {
        println!("{m}");
    }
    f
}

fn build() -> (KbIndex, Vec<String>) {
    let docs = articles();
    assert_eq!(docs.len(), 25, "the starter set has 25 published articles");
    let slugs = docs.iter().map(|d| d.slug.clone()).collect();
    (KbIndex::build(&docs), slugs)
}

/// Today's portal search (crates/hqdesk-services/src/kb.rs `search_articles`): the first 12
/// folded words of the text must all be words of the article (the store's full-text MATCH / `&`),
/// ordered by `hqdesk_domain::relevance`. Its top-3 hit rate on the questions with an article.
fn keyword_baseline(part: &str) -> f64 {
    use hqdesk_domain::text::search_tokens;
    let docs = articles();
    let words: Vec<std::collections::HashSet<String>> = docs
        .iter()
        .map(|d| {
            search_tokens(&format!("{} {}", d.title, d.body))
                .split(' ')
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let qs: Vec<Question> = questions(part)
        .into_iter()
        .filter(|q| q.kb.is_some())
        .collect();
    let mut hits = 0;
    for q in &qs {
        let tokens = search_tokens(&q.text);
        let tokens: Vec<&str> = tokens
            .split(' ')
            .filter(|t| !t.is_empty())
            .take(12)
            .collect();
        let mut found: Vec<&ArticleDoc> = docs
            .iter()
            .zip(&words)
            .filter(|(_, w)| !tokens.is_empty() && tokens.iter().all(|t| w.contains(*t)))
            .map(|(d, _)| d)
            .collect();
        found.sort_by_cached_key(|a| {
            std::cmp::Reverse(hqdesk_domain::relevance::relevance(
                &tokens, &a.title, &a.body,
            ))
        });
        if found.iter().take(3).any(|a| Some(&a.slug) == q.kb.as_ref()) {
            hits += 1;
        }
    }
    let rate = hits as f64 / qs.len() as f64;
    println!(
        "today's keyword search on {part}: top-3 {hits}/{} ({:.1}%)",
        qs.len(),
        100.0 * rate
    );
    rate
}

#[test]
fn heldout_questions() {
    let (index, slugs) = build();
    let f = evaluate("heldout", &index, &slugs);
    let baseline = keyword_baseline("heldout");
    assert!(
        f.top3 > baseline + 0.2,
        "not clearly better than the keyword search"
    );
    assert!(f.total >= 80, "{}", f.total);
    assert!(
        f.top3 >= 0.80,
        "held-out top-3 hit rate {:.3} < 0.80",
        f.top3
    );
    assert!(
        f.false_fire_rate() <= 0.20,
        "held-out: the acknowledgement fires for {:.1}% of the questions without an article",
        100.0 * f.false_fire_rate()
    );
}

#[test]
fn dev_questions() {
    let (index, slugs) = build();
    let f = evaluate("dev", &index, &slugs);
    assert!(f.total >= 120, "{}", f.total);
    assert!(f.top3 >= 0.80, "dev top-3 hit rate {:.3}", f.top3);
    // CONFIDENT_SCORE was chosen on dev for this.
    assert!(
        f.precision() >= 0.90,
        "dev precision of the acknowledgement {:.3} < 0.90",
        f.precision()
    );
    assert!(f.fired > 0, "the acknowledgement never fires");
    assert!(f.false_fire_rate() <= 0.20);
}

#[test]
fn the_question_set_is_balanced_and_distinct() {
    let (_, slugs) = build();
    let mut all = questions("dev");
    all.extend(questions("heldout"));
    assert!(all.len() >= 200, "{}", all.len());
    let with = all.iter().filter(|q| q.kb.is_some()).count() as f64;
    let share = with / all.len() as f64;
    assert!((0.70..=0.80).contains(&share), "{share}");
    let mut ids: Vec<&str> = all.iter().map(|q| q.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "duplicate ids");
    let mut texts: Vec<&str> = all.iter().map(|q| q.text.as_str()).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), all.len(), "duplicate texts");
    for slug in &slugs {
        for part in ["dev", "heldout"] {
            assert!(
                questions(part)
                    .iter()
                    .any(|q| q.kb.as_deref() == Some(slug)),
                "{slug} has no question in {part}"
            );
        }
    }
    // People do not type titles: no question holds an article's title.
    let titles: Vec<String> = articles()
        .iter()
        .map(|a| hqdesk_domain::text::search_tokens(&a.title))
        .collect();
    for q in &all {
        let t = hqdesk_domain::text::search_tokens(&q.text);
        for title in &titles {
            assert!(
                !t.contains(title.as_str()),
                "{} copies the title {title:?}",
                q.id
            );
        }
    }
}

fn top(index: &KbIndex, text: &str, k: usize) -> Vec<String> {
    index.suggest(text, k).into_iter().map(|s| s.slug).collect()
}

#[test]
fn vocabulary_finds_the_articles() {
    let (index, _) = build();
    // "tk bi loi": a declaration that fails — the declaration-error articles come first.
    let got = top(&index, "tk bi loi", 3);
    let declaration_errors = [
        "khong-gui-duoc-to-khai-ida",
        "loi-e1001-khi-khai-bao",
        "loi-khong-nhan-phan-hoi-he-thong",
        "loi-chu-ky-so-khong-hop-le",
    ];
    assert!(
        got.len() == 3 && got.iter().all(|s| declaration_errors.contains(&s.as_str())),
        "{got:?}"
    );
    assert_eq!(top(&index, "cks het han", 1), ["chu-ky-so-het-han-gia-han"]);
    assert_eq!(top(&index, "CKS hết hạn", 1), ["chu-ky-so-het-han-gia-han"]);
    assert_eq!(
        top(&index, "chuwx kys soos heets hanj", 1),
        ["chu-ky-so-het-han-gia-han"]
    );
    assert_eq!(top(&index, "E1001", 1), ["loi-e1001-khi-khai-bao"]);
    assert_eq!(
        top(&index, "ECUS bao E1001 khi gui to khai nhap", 1),
        ["loi-e1001-khi-khai-bao"]
    );
    assert_eq!(top(&index, "huy tk", 1), ["huy-to-khai-hai-quan"]);
    assert_eq!(
        top(&index, "nop thue ngoai gio thu 7", 1),
        ["nop-thue-dien-tu-24-7"]
    );
    assert_eq!(
        top(&index, "đóng thuế rồi mà hq chưa ghi nhận", 1),
        ["nop-thue-chua-duoc-ghi-nhan"]
    );
    assert_eq!(
        top(&index, "xin giay phep tren nsw", 1),
        ["nop-ho-so-cap-phep-cong-mot-cua-quoc-gia"]
    );
    assert_eq!(
        top(&index, "e-CO form D qua ASW", 1),
        ["c-o-mau-d-dien-tu-asw"]
    );
    assert_eq!(
        top(&index, "kttt can chuan bi gi", 1),
        ["kiem-tra-thuc-te-hang-hoa"]
    );
    assert_eq!(
        top(&index, "how do I cancel a customs declaration", 1),
        ["huy-to-khai-hai-quan"]
    );
    assert_eq!(
        top(&index, "advance ruling HS code", 1),
        ["de-nghi-xac-dinh-truoc-ma-so-hs"]
    );
}

#[test]
fn quoted_replies_and_signatures_do_not_drive_the_ranking() {
    let (index, _) = build();
    let question = "Cho em hỏi hủy tờ khai nhập khẩu thế nào ạ?";
    let with_tail = format!(
        "{question}\n\nTrân trọng,\nNguyễn Văn A\nPhòng XNK - chữ ký số, nộp thuế, C/O\n\n\
         > Vào 10:00 ngày 1/6, bophanhotro@customs.gov.vn đã viết:\n\
         > lỗi E1001 lỗi E1001 chữ ký số hết hạn gia hạn chữ ký số\n"
    );
    assert_eq!(top(&index, &with_tail, 1), ["huy-to-khai-hai-quan"]);
    let cut = "Hủy tờ khai thế nào?\n--\nE1001 E1001 E1001 chữ ký số hết hạn gia hạn";
    assert_eq!(top(&index, cut, 1), ["huy-to-khai-hai-quan"]);
}

#[test]
fn bad_input_gives_nothing_or_low_scores() {
    let (index, _) = build();
    let low = |text: &str| {
        let s = index.suggest(text, 3);
        assert!(s.len() <= 3);
        for x in &s {
            assert!((0.0..=1.0).contains(&x.score), "{x:?}");
        }
        s.first().map_or(0.0, |x| x.score)
    };
    assert!(index.suggest("", 3).is_empty());
    assert!(index.suggest("   \n\t ", 3).is_empty());
    assert!(index.suggest("ạ ạ ạ", 3).is_empty());
    // Binary garbage (as a mailer's lossy decoding gives it).
    let bytes: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let garbage = String::from_utf8_lossy(&bytes);
    assert!(low(&garbage) < CONFIDENT_SCORE);
    assert!(low("\u{0}\u{1}\u{fffd}\u{fffd}\u{202e}\u{200b}") < CONFIDENT_SCORE);
    // Other languages.
    assert!(index.suggest("我想查询我的报关单状态，谢谢", 3).is_empty());
    assert!(low("Здравствуйте, как дела? Я хочу купить машину.") < CONFIDENT_SCORE);
    assert!(
        low("Guten Tag, ich möchte einen Tisch für zwei Personen reservieren.") < CONFIDENT_SCORE
    );
    // 1 MB of text: answers fast, and the question at the start still counts.
    let big = format!(
        "Hủy tờ khai như thế nào?\n{}",
        "lorem ipsum dolor sit amet ".repeat(40_000)
    );
    assert!(big.len() > 1_000_000);
    let t = Instant::now();
    let s = index.suggest(&big, 3);
    let took = t.elapsed();
    assert_eq!(
        s.first().map(|x| x.slug.as_str()),
        Some("huy-to-khai-hai-quan")
    );
    println!("1 MB of text: {took:?}");
    assert!(took.as_millis() < 2_000, "{took:?}");
    // 1 MB of one word, and of customs words.
    assert!(low(&"a".repeat(1_000_000)) < CONFIDENT_SCORE);
    let spam = "tờ khai hải quan chữ ký số ".repeat(40_000);
    let s = index.suggest(&spam, 3);
    assert!(s.len() <= 3);
    // Multi-byte characters at the cut.
    let edge = "ạ".repeat(200_000);
    assert!(index.suggest(&edge, 3).is_empty());
    // k larger than the knowledge base.
    assert!(index.suggest("hủy tờ khai", 100).len() <= 25);
}

/// A realistic mix of texts: the dev and held-out questions, plus e-mails made of several of them.
fn realistic_texts() -> Vec<String> {
    let mut texts: Vec<String> = questions("dev")
        .into_iter()
        .chain(questions("heldout"))
        .map(|q| q.text)
        .collect();
    let n = texts.len();
    for i in 0..n / 3 {
        texts.push(format!(
            "Kính gửi bộ phận hỗ trợ,\n\n{}\n\n{}\n\nTrân trọng,\nNguyễn Văn A\nCông ty TNHH ABC\nĐT 0903 000 000\n\n> {}",
            texts[i],
            texts[(i * 7 + 3) % n],
            texts[(i * 13 + 5) % n]
        ));
    }
    texts
}

/// 500 articles: the starter set and synthetic variants of it (words of other articles mixed in,
/// titles changed), so that the postings are as long as a real 500-article base would give.
fn synthetic(docs: &[ArticleDoc], n: usize) -> Vec<ArticleDoc> {
    let mut out = docs.to_vec();
    let mut i = 0usize;
    while out.len() < n {
        let a = &docs[i % docs.len()];
        let b = &docs[(i * 7 + 3) % docs.len()];
        let half: String = b.body.chars().take(b.body.chars().count() / 2).collect();
        out.push(ArticleDoc {
            slug: format!("{}-v{i}", a.slug),
            title: format!("{} ({})", a.title, b.title),
            body: format!("{}\n\n{}", a.body, half),
            category: a.category.clone(),
        });
        i += 1;
    }
    out
}

fn rate(index: &KbIndex, texts: &[String], min_secs: f64) -> f64 {
    let t = Instant::now();
    let mut n = 0usize;
    let mut sink = 0usize;
    while t.elapsed().as_secs_f64() < min_secs {
        for text in texts {
            sink += index.suggest(text, 3).len();
            n += 1;
        }
    }
    assert!(sink > 0);
    n as f64 / t.elapsed().as_secs_f64()
}

#[test]
fn speed() {
    let docs = articles();
    let texts = realistic_texts();
    let avg_len = texts.iter().map(|t| t.len()).sum::<usize>() / texts.len();
    let small = KbIndex::build(&docs);
    let t = Instant::now();
    let large = KbIndex::build(&synthetic(&docs, 500));
    let build_500 = t.elapsed();
    assert_eq!(large.len(), 500);
    let r25 = rate(&small, &texts, 1.0);
    let r500 = rate(&large, &texts, 1.0);
    let long_email = texts.iter().max_by_key(|t| t.len()).unwrap().repeat(8);
    let r_long = rate(&large, std::slice::from_ref(&long_email), 0.5);
    let release = !cfg!(debug_assertions);
    println!(
        "\n== speed ({} build, one thread): {} texts averaging {avg_len} bytes\n\
         25 articles: {r25:.0} suggestions/s\n500 articles: {r500:.0} suggestions/s \
         (index built in {build_500:?})\n500 articles, a {}-byte e-mail: {r_long:.0}/s",
        if release { "release" } else { "debug" },
        texts.len(),
        long_email.len(),
    );
    if release {
        assert!(r25 >= 2_000.0, "{r25:.0}/s over 25 articles");
        assert!(r500 >= 500.0, "{r500:.0}/s over 500 articles");
    } else {
        // Debug builds are ~10-30x slower; the figures that count are the release ones.
        assert!(r25 >= 100.0, "{r25:.0}/s over 25 articles (debug)");
    }
}

/// Tuning aid on dev only: `cargo test -p hqdesk-triage --test retrieve_heldout -- --ignored
/// dev_dump --nocapture`.
#[test]
#[ignore = "a tuning aid, not a check: prints the dev questions' rankings; run by hand with --ignored dev_dump"]
fn dev_dump() {
    let (index, _) = build();
    let qs = questions("dev");
    let mut dumped = 0;
    for q in &qs {
        dumped += 1;
        let s = index.suggest(&q.text, 3);
        let (best, second, ceiling, terms) = hqdesk_triage::retrieve::debug_raw(&index, &q.text);
        let ok = match (&q.kb, s.first()) {
            (Some(kb), Some(x)) => (&x.slug == kb) as u8,
            (None, _) => 2,
            _ => 0,
        };
        println!(
            "DUMP\t{}\t{ok}\t{:.3}\t{best:.3}\t{second:.3}\t{ceiling:.3}\t{}\t{}\t{}",
            q.id,
            s.first().map_or(0.0, |x| x.score),
            q.kb.as_deref().unwrap_or("-"),
            list(&s),
            terms.join(" ")
        );
    }
    assert_eq!(dumped, qs.len());
}

/// Tuning aid on dev only: the ranking's weights on a grid, MRR on the dev questions.
/// `cargo test -p hqdesk-triage --release --test retrieve_heldout -- --ignored dev_tune --nocapture`.
#[test]
#[ignore = "a tuning aid, not a check: searches the ranking weights on the dev questions; run by hand with --ignored dev_tune"]
fn dev_tune() {
    use hqdesk_triage::retrieve::Weights;
    let docs = articles();
    let qs: Vec<Question> = questions("dev")
        .into_iter()
        .filter(|q| q.kb.is_some())
        .collect();
    let mut results = Vec::new();
    for word in [0.6f32, 1.0] {
        for bigram in [0.5f32, 0.8, 1.2] {
            for concept in [0.8f32, 1.2, 2.0] {
                for title in [2.0f32, 3.0, 5.0] {
                    for b in [0.5f32, 0.75] {
                        for max_terms in [32usize, 64] {
                            let w = Weights {
                                word,
                                bigram,
                                concept,
                                title,
                                b,
                                max_terms,
                                ..Weights::DEFAULT
                            };
                            let index = KbIndex::build_with(&docs, w);
                            let (mut h1, mut h3, mut rr) = (0, 0, 0.0);
                            for q in &qs {
                                let s = index.suggest(&q.text, 10);
                                let rank = s.iter().position(|x| Some(&x.slug) == q.kb.as_ref());
                                h1 += (rank == Some(0)) as usize;
                                h3 += rank.is_some_and(|r| r < 3) as usize;
                                rr += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
                            }
                            results.push((rr / qs.len() as f64, h1, h3, w));
                        }
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (mrr, h1, h3, w) in results.iter().take(15) {
        println!("TUNE mrr {mrr:.3} top1 {h1} top3 {h3} {w:?}");
    }
    let default = results.iter().find(|r| r.3 == Weights::DEFAULT).unwrap();
    println!("TUNE default {:?}", (default.0, default.1, default.2));
    // The weights in use are on the grid's plateau.
    assert!(default.0 >= results[0].0 - 0.01);
}
