//! Answer suggestions (issue 19): the knowledge-base articles and canned responses that answer a
//! case, ranked by `hqdesk_triage::retrieve` (the customs vocabulary, BM25, a calibrated score);
//! the portal's suggestions while a request is typed; and the article offered in an e-mail
//! acknowledgement, with the signed link by which a requester says it solved their request
//! (a deflection).
//!
//! **The indexes** live in `Services` and are rebuilt lazily: every use first reads a cheap
//! fingerprint of the knowledge base and the canned responses (how many rows, the latest change)
//! together with a generation number that this process bumps on each edit it makes itself (an
//! edit within the same millisecond, or a canned response changed in place, moves no column the
//! fingerprint reads). When either moved, the indexes are built again from the database, off the
//! async workers. Lazily rather than on each write, so that an article imported by
//! `hqdesk kb import` in another process while the server runs is suggested too, and a burst of
//! edits costs one build; the two small aggregate queries per use are the price.
//!
//! Three indexes: the published public articles (the portal, the acknowledgement), the published
//! public and internal ones (staff), and the active canned responses (title and text, the
//! response's id as its slug).
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::Status;
use hqdesk_domain::Timestamp;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::links::{self, Canned};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{cases, portal, Connection, Store};
use hqdesk_triage::retrieve::{ArticleDoc, KbIndex};
use serde_json::json;

use crate::audit::record as audit;
use crate::case_write::write_status_change;
use crate::{Actor, ServiceError, Services};

pub use hqdesk_triage::retrieve::CONFIDENT_SCORE;

/// How many articles and canned responses a case is given.
pub const CASE_SUGGESTIONS: usize = 3;
/// How many articles the portal offers while a request is typed.
pub const PORTAL_SUGGESTIONS: usize = 5;
/// How much of a case's requester text is read (the ranker reads at most 64 KiB anyway).
const MAX_CASE_TEXT: usize = 64 * 1024;
/// How long the "this solved my request" link of an acknowledgement works.
pub const DEFLECTION_LINK_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;
/// The domain of the deflection link's signature (see `hqdesk_store::secrets::lookup`).
const DEFLECTION_DOMAIN: &str = "kb.deflection";
/// The portal acts as this actor when a requester follows the link.
const PORTAL: Actor = Actor::System("portal");

/// An article suggested for a case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArticleSuggestion {
    pub slug: String,
    pub title: String,
    /// 0..1, about the probability that this is the right article (see `CONFIDENT_SCORE`).
    pub score: f32,
    /// `public` or `internal`.
    pub visibility: String,
    /// The article's first lines in plain text, for a reply.
    pub summary: String,
    /// Where requesters read it (public articles only; relative when the server was not told
    /// its public address).
    pub url: Option<String>,
}

/// A canned response suggested for a case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CannedSuggestion {
    pub id: i64,
    pub title: String,
    pub score: f32,
    /// The response's text as written (placeholders not filled: the console fills them).
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CaseSuggestions {
    pub articles: Vec<ArticleSuggestion>,
    pub canned: Vec<CannedSuggestion>,
}

/// What the portal shows while a request is typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalSuggestion {
    pub slug: String,
    pub title: String,
    pub score: f32,
}

#[derive(Debug, Clone)]
struct ArticleInfo {
    title: String,
    visibility: String,
    summary: String,
}

/// The indexes of one state of the knowledge base and the canned responses.
struct Built {
    key: Key,
    public: KbIndex,
    staff: KbIndex,
    canned: KbIndex,
    articles: HashMap<String, ArticleInfo>,
    canned_rows: HashMap<i64, Canned>,
}

/// (this process's generation, articles' count and latest change, canned responses' count,
/// newest id and active count).
type Key = (u64, i64, i64, i64, i64, i64);

/// The indexes kept in `Services` (shared by its clones).
#[derive(Default)]
pub(crate) struct SuggestIndexes {
    generation: AtomicU64,
    built: RwLock<Option<Arc<Built>>>,
}

impl SuggestIndexes {
    /// Something this process changed: the next use rebuilds.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
    fn current(&self, key: &Key) -> Option<Arc<Built>> {
        let built = self.built.read().unwrap_or_else(|e| e.into_inner());
        built.as_ref().filter(|b| b.key == *key).cloned()
    }
    fn keep(&self, b: Arc<Built>) {
        *self.built.write().unwrap_or_else(|e| e.into_inner()) = Some(b);
    }
}

/// An article's first lines in plain text: headings, list marks, emphasis and link targets
/// dropped, at most about 240 characters, cut at a word.
pub fn summary_of(markdown: &str) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !out.is_empty() {
                break;
            }
            continue;
        }
        if line.starts_with('#') || line.starts_with("```") || line.starts_with('|') {
            if out.is_empty() {
                continue;
            }
            break;
        }
        let line = line
            .trim_start_matches(|c: char| matches!(c, '-' | '*' | '>' | '+') || c.is_whitespace());
        let mut plain = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' | '_' | '`' => {}
                '[' => {}
                ']' if chars.peek() == Some(&'(') => {
                    // Skip the link's target.
                    for t in chars.by_ref() {
                        if t == ')' {
                            break;
                        }
                    }
                }
                c => plain.push(c),
            }
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(plain.trim());
        if out.chars().count() > 240 {
            break;
        }
    }
    if out.chars().count() <= 240 {
        return out;
    }
    let cut: String = out.chars().take(240).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > 120 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// The message a deflection link signs.
fn deflection_message(number: &str, slug: &str, expires: i64) -> String {
    format!("{number}\n{slug}\n{expires}")
}

/// Compare two strings in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A "this solved my request" link, as the acknowledgement carries it and the portal reads it
/// back: the case, the article, until when (milliseconds), and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflectionLink {
    pub number: String,
    pub slug: String,
    pub expires: i64,
    pub signature: String,
}

impl DeflectionLink {
    /// Signed with the installation's secret key (an HMAC-SHA-256, as lookup hashes are): a
    /// link for another case, another article or a later expiry cannot be made from it.
    pub fn sign(number: &str, slug: &str, expires: i64) -> Result<Self, ServiceError> {
        let signature = hqdesk_store::secrets::lookup::lookup_hash(
            DEFLECTION_DOMAIN,
            &deflection_message(number, slug, expires),
        )?;
        Ok(DeflectionLink {
            number: number.into(),
            slug: slug.into(),
            expires,
            signature,
        })
    }

    /// The query of the portal's address (`/kb-solved?…`).
    pub fn query(&self) -> String {
        const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY).to_string();
        format!(
            "c={}&a={}&e={}&s={}",
            enc(&self.number),
            enc(&self.slug),
            self.expires,
            enc(&self.signature)
        )
    }

    /// Whether the signature is right (under any key of the keyring: a link mailed before
    /// `hqdesk secrets rotate` still works).
    fn verified(&self) -> Result<bool, ServiceError> {
        if self.signature.len() > 200 || self.number.len() > 40 || self.slug.len() > 200 {
            return Ok(false);
        }
        let expected = hqdesk_store::secrets::lookup::lookup_hashes(
            DEFLECTION_DOMAIN,
            &deflection_message(&self.number, &self.slug, self.expires),
        )?;
        Ok(expected.iter().any(|h| same(h, &self.signature)))
    }
}

/// What the page a deflection link opens shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflectionOffer {
    pub case_number: String,
    pub article_slug: String,
    pub article_title: String,
    /// The requester already said so (the link was followed before).
    pub done: bool,
}

/// Why a deflection link does not work.
pub const DEFLECTION_EXPIRED: &str = "link_expired";

impl Services {
    /// The indexes for the current knowledge base and canned responses, rebuilt if either
    /// changed (see the module's comment).
    async fn indexes(&self, conn: &mut Connection) -> Result<Arc<Built>, ServiceError> {
        let (articles, changed) = portal::articles_fingerprint(conn).await?;
        let (canned, newest, active) = links::canned_fingerprint(conn).await?;
        let generation = self.suggest_indexes().generation.load(Ordering::SeqCst);
        let key = (generation, articles, changed, canned, newest, active);
        if let Some(b) = self.suggest_indexes().current(&key) {
            return Ok(b);
        }
        let rows = portal::published_articles(conn).await?;
        let canned_rows = links::canned_list(conn, true).await?;
        let built = tokio::task::spawn_blocking(move || build(key, rows, canned_rows))
            .await
            .map_err(|e| ServiceError::Internal(format!("building the suggestion index: {e}")))?;
        let built = Arc::new(built);
        self.suggest_indexes().keep(built.clone());
        Ok(built)
    }

    /// The top articles (public and internal) and canned responses for a case, from its subject
    /// and its requester's messages. Only who may read the case gets them (anyone else: not
    /// found). A sealed case's text is opened with the reader's own keys, as its page does, and
    /// ranked in this process: nothing of it is kept or sent anywhere. Without the key (an
    /// investigator not signed in to the console, say) there is no text, so no suggestions.
    /// Reading a confidential case this way is recorded like any other read of it.
    pub async fn case_suggestions(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<CaseSuggestions, ServiceError> {
        let mut conn = self.store().read().await?;
        let mut case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let mut entries =
            timeline::list(&mut conn, case.id, &[EntryKind::Inbound], None, 200).await?;
        if case.sealed {
            let mut keys = crate::sealing::CaseKeys::for_actor(actor);
            keys.open_case(&mut conn, &mut case).await?;
            keys.open_entries(&mut conn, &mut entries).await?;
        }
        crate::conflict::hide_merges_out_of_scope(&mut conn, actor, &mut entries).await?;
        let mut text = case.subject.clone();
        for e in &entries {
            if text.len() >= MAX_CASE_TEXT {
                break;
            }
            text.push('\n');
            text.push_str(&e.body);
        }
        let built = self.indexes(&mut conn).await?;
        drop(conn);
        self.record_confidential_reads(actor, [&case], "suggestions")
            .await?;
        let base = self.public_url().unwrap_or("");
        let articles = built
            .staff
            .suggest(&text, CASE_SUGGESTIONS)
            .into_iter()
            .filter_map(|s| {
                let a = built.articles.get(&s.slug)?;
                Some(ArticleSuggestion {
                    url: (a.visibility == "public").then(|| format!("{base}/kb/{}", s.slug)),
                    slug: s.slug,
                    title: a.title.clone(),
                    score: s.score,
                    visibility: a.visibility.clone(),
                    summary: a.summary.clone(),
                })
            })
            .collect();
        let canned = built
            .canned
            .suggest(&text, CASE_SUGGESTIONS)
            .into_iter()
            .filter_map(|s| {
                let k = built.canned_rows.get(&s.slug.parse::<i64>().ok()?)?;
                Some(CannedSuggestion {
                    id: k.id,
                    title: k.title.clone(),
                    score: s.score,
                    body: k.body.clone(),
                })
            })
            .collect();
        Ok(CaseSuggestions { articles, canned })
    }

    /// Published public articles for what a visitor is typing on the portal (subject and
    /// text), best first.
    pub async fn portal_suggestions(
        &self,
        text: &str,
    ) -> Result<Vec<PortalSuggestion>, ServiceError> {
        let mut conn = self.store().read().await?;
        let built = self.indexes(&mut conn).await?;
        drop(conn);
        Ok(built
            .public
            .suggest(text, PORTAL_SUGGESTIONS)
            .into_iter()
            .filter_map(|s| {
                let a = built.articles.get(&s.slug)?;
                Some(PortalSuggestion {
                    title: a.title.clone(),
                    slug: s.slug,
                    score: s.score,
                })
            })
            .collect())
    }

    /// The public article an acknowledgement may offer for this text: the best one, when its
    /// score reaches `CONFIDENT_SCORE`. (slug, title)
    pub(crate) async fn confident_article(
        &self,
        conn: &mut Connection,
        text: &str,
    ) -> Result<Option<(String, String)>, ServiceError> {
        let built = self.indexes(conn).await?;
        Ok(built
            .public
            .suggest(text, 1)
            .into_iter()
            .find(|s| s.score >= CONFIDENT_SCORE)
            .and_then(|s| {
                let title = built.articles.get(&s.slug)?.title.clone();
                Some((s.slug, title))
            }))
    }

    /// Check a deflection link and say what it is about. A link whose signature is wrong, whose
    /// case or article is gone, or whose case is confidential (sealed since the mail, say) is
    /// "not found"; an expired one is a conflict `link_expired`.
    pub async fn deflection_offer(
        &self,
        link: &DeflectionLink,
    ) -> Result<DeflectionOffer, ServiceError> {
        let mut conn = self.store().read().await?;
        let (case, title) = self.deflection_target(&mut conn, link).await?;
        let done = portal::deflection_of(&mut conn, case.id).await?.is_some();
        Ok(DeflectionOffer {
            case_number: case.number.to_string(),
            article_slug: link.slug.clone(),
            article_title: title,
            done,
        })
    }

    async fn deflection_target(
        &self,
        conn: &mut Connection,
        link: &DeflectionLink,
    ) -> Result<(CaseRecord, String), ServiceError> {
        if !link.verified()? {
            return Err(ServiceError::NotFound);
        }
        if self.now().millis() > link.expires {
            return Err(ServiceError::Conflict {
                code: DEFLECTION_EXPIRED,
                message: "this link has expired".into(),
            });
        }
        let number = hqdesk_domain::case::CaseNumber::parse(&link.number)
            .map_err(|_| ServiceError::NotFound)?;
        let case = cases::by_number(conn, &number).await?;
        if case.confidential || case.sealed {
            return Err(ServiceError::NotFound);
        }
        let article = portal::article_by_slug(conn, &link.slug).await?;
        if article.visibility != "public" || article.status != "published" {
            return Err(ServiceError::NotFound);
        }
        Ok((case, article.title))
    }

    /// The requester says the article solved their request: counted once per case (the
    /// article's "solved" count too), and the case resolved with a timeline event saying so
    /// (unless staff resolved or closed it already). Following the link again changes nothing.
    /// Returns whether this was the first time.
    pub async fn deflection_confirm(&self, link: &DeflectionLink) -> Result<bool, ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (case, title) = self.deflection_target(&mut tx, link).await?;
        if !portal::record_deflection(&mut tx, case.id, &link.slug, now).await? {
            return Ok(false);
        }
        portal::count_solved(&mut tx, &link.slug).await?;
        deflection_event(&mut tx, &case, &link.slug, &title, now).await?;
        if case.status.can_become(Status::Resolved) {
            write_status_change(&mut tx, &PORTAL, &case, Status::Resolved, now).await?;
        }
        audit(
            &mut tx,
            now,
            &PORTAL,
            "case.deflected",
            &format!("case:{}", case.number),
            json!({ "article": link.slug }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(true)
    }
}

async fn deflection_event(
    tx: &mut Connection,
    case: &CaseRecord,
    slug: &str,
    title: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    timeline::insert(
        tx,
        &NewEntry {
            case_id: case.id,
            kind: EntryKind::Event,
            channel: None,
            author_user_id: None,
            body: &crate::texts::vi("suggest.timeline.deflected", &[("title", title)]),
            delivery_state: None,
            meta: Some(json!({ "deflected": { "slug": slug, "title": title } }).to_string()),
        },
        now,
    )
    .await?;
    Ok(())
}

/// When a deflection link made now stops working.
pub fn deflection_expiry(now: Timestamp) -> i64 {
    now.millis() + DEFLECTION_LINK_DAYS * DAY_MS
}

fn build(key: Key, rows: Vec<portal::Article>, canned_rows: Vec<Canned>) -> Built {
    let doc = |a: &portal::Article| ArticleDoc {
        slug: a.slug.clone(),
        title: a.title.clone(),
        body: a.body.clone(),
        category: a.category.clone(),
    };
    let staff_docs: Vec<ArticleDoc> = rows.iter().map(doc).collect();
    let public_docs: Vec<ArticleDoc> = rows
        .iter()
        .filter(|a| a.visibility == "public")
        .map(doc)
        .collect();
    let canned_docs: Vec<ArticleDoc> = canned_rows
        .iter()
        .map(|k| ArticleDoc {
            slug: k.id.to_string(),
            title: k.title.clone(),
            body: k.body.clone(),
            category: None,
        })
        .collect();
    Built {
        key,
        public: KbIndex::build(&public_docs),
        staff: KbIndex::build(&staff_docs),
        canned: KbIndex::build(&canned_docs),
        articles: rows
            .into_iter()
            .map(|a| {
                let summary = summary_of(&a.body);
                (
                    a.slug,
                    ArticleInfo {
                        title: a.title,
                        visibility: a.visibility,
                        summary,
                    },
                )
            })
            .collect(),
        canned_rows: canned_rows.into_iter().map(|k| (k.id, k)).collect(),
    }
}

impl Services {
    /// The published public articles, as the ranking reads them (`hqdesk triage`).
    pub async fn public_article_docs(&self) -> Result<Vec<ArticleDoc>, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(portal::published_articles(&mut conn)
            .await?
            .into_iter()
            .filter(|a| a.visibility == "public")
            .map(|a| ArticleDoc {
                slug: a.slug,
                title: a.title,
                body: a.body,
                category: a.category,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_the_first_paragraph_in_plain_text() {
        let md = "## Khi nào\n\nChữ ký số **hết hạn** thì [gia hạn](https://ca.vn/x) với nhà cung cấp.\nSau đó đăng ký lại.\n\nĐoạn hai.";
        assert_eq!(
            summary_of(md),
            "Chữ ký số hết hạn thì gia hạn với nhà cung cấp. Sau đó đăng ký lại."
        );
        let long = "từ ".repeat(200);
        let s = summary_of(&long);
        assert!(s.ends_with('…') && s.chars().count() <= 241, "{s}");
        assert_eq!(summary_of(""), "");
        assert_eq!(summary_of("# Chỉ tiêu đề"), "");
    }

    #[test]
    fn equal_strings_only() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
