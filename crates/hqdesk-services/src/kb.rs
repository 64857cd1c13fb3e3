//! Knowledge base and administrative procedures: what the portal shows before anyone opens a
//! case, maintained by staff and importable from Markdown files.
use hqdesk_domain::access::Action;
use hqdesk_domain::relevance::relevance;
use hqdesk_domain::{case, input, text, FieldError, ValidationErrors};
use hqdesk_store::portal::{self, Article, ArticleFields, Procedure};
use hqdesk_store::Store;
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// How many matching articles a search ranks before it keeps the first page.
const RANKED_MATCHES: i64 = 1000;

/// An article as written in a Markdown file with front matter:
///
/// ```text
/// ---
/// slug: dang-ky-tai-khoan-vnaccs
/// title: Đăng ký tài khoản người sử dụng hệ thống VNACCS/VCIS
/// category: b2.it.vnaccs_account
/// related: chu-ky-so, loi-e1001
/// visibility: public        (optional; public or internal)
/// status: published         (optional; published or draft)
/// ---
/// Markdown…
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSource {
    pub slug: String,
    pub title: String,
    pub category: Option<String>,
    pub related: Vec<String>,
    pub visibility: String,
    pub status: String,
    pub body: String,
}

pub fn parse_article(src: &str) -> Result<ArticleSource, ServiceError> {
    let bad = |m: &str| ServiceError::invalid_field("article", "article_invalid", m.to_string());
    let src = src.trim_start_matches('\u{feff}');
    let rest = src
        .strip_prefix("---")
        .ok_or_else(|| bad("an article starts with a --- front matter block"))?;
    let (front, body) = rest
        .split_once("\n---")
        .ok_or_else(|| bad("the front matter is not closed with ---"))?;
    let mut a = ArticleSource {
        slug: String::new(),
        title: String::new(),
        category: None,
        related: vec![],
        visibility: "public".into(),
        status: "published".into(),
        body: body
            .trim_start_matches(['-', '\r', '\n'])
            .trim()
            .to_string(),
    };
    for line in front.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim().to_string();
        match k.trim() {
            "slug" => a.slug = v,
            "title" => a.title = text::normalize_input(&v),
            "category" => a.category = Some(v).filter(|c| !c.is_empty()),
            "related" => {
                a.related = v
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            "visibility" => a.visibility = v,
            "status" => a.status = v,
            _ => {}
        }
    }
    a.validated()
}

/// The longest slug an article may have.
pub const MAX_SLUG_LEN: usize = 120;

/// A slug made from a title, the Vietnamese folded: `Đăng ký tài khoản` → `dang-ky-tai-khoan`.
/// The console's editor makes the same one as the title is typed (kb-editor.js).
pub fn slug_from_title(title: &str) -> String {
    let folded = text::fold(title);
    let mut slug = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= MAX_SLUG_LEN {
            break;
        }
    }
    slug.trim_end_matches('-').to_string()
}

impl ArticleSource {
    /// Check every field, reporting all problems at once (the console's form marks each).
    pub fn validated(mut self) -> Result<Self, ServiceError> {
        let mut errors = ValidationErrors::new();
        self.slug = self.slug.trim().to_string();
        if self.slug.is_empty()
            || self.slug.len() > MAX_SLUG_LEN
            || !self
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            errors.push(FieldError {
                field: "slug".into(),
                code: "slug_invalid",
                message: "a slug is 1–120 lowercase ASCII letters, digits and hyphens".into(),
            });
        }
        self.title = text::normalize_input(self.title.trim());
        errors.check("title", case::parse_subject(&self.title));
        if !matches!(self.visibility.as_str(), "public" | "internal") {
            errors.push(FieldError {
                field: "visibility".into(),
                code: "visibility_invalid",
                message: "visibility is public or internal".into(),
            });
        }
        if !matches!(self.status.as_str(), "published" | "draft") {
            errors.push(FieldError {
                field: "status".into(),
                code: "article_status_invalid",
                message: "status is published or draft".into(),
            });
        }
        errors.check("body", case::parse_body(&self.body));
        // Articles also come from files (`hqdesk kb import`): the input rule here too.
        let names = self.category.iter().map(|c| ("category", c.as_str()));
        for (field, value) in names.chain(self.related.iter().map(|r| ("related", r.as_str()))) {
            if let Err(e) = input::check_field(field, value) {
                errors.push(e);
            }
        }
        self.related.retain(|r| !r.is_empty() && *r != self.slug);
        errors.into_result()?;
        Ok(self)
    }
}

impl Services {
    /// Create or replace an article (by slug).
    pub async fn save_article(&self, actor: &Actor, a: &ArticleSource) -> Result<(), ServiceError> {
        actor.require(Action::EditKnowledge, None)?;
        let a = &a.clone().validated()?;
        let now = self.now();
        let related = a.related.join(",");
        let mut tx = self.store().begin().await?;
        portal::upsert_article(
            &mut tx,
            &ArticleFields {
                slug: &a.slug,
                title: &a.title,
                body: &a.body,
                category: a.category.as_deref(),
                visibility: &a.visibility,
                status: &a.status,
                related: &related,
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "kb.save",
            &format!("kb:{}", a.slug),
            json!({ "status": a.status, "visibility": a.visibility }),
        )
        .await?;
        Store::commit(tx).await?;
        self.suggest_indexes().changed();
        Ok(())
    }

    /// Search the knowledge base with the Vietnamese folding (`dang ky tai khoan` finds
    /// `Đăng ký tài khoản`). Visitors see published public articles only.
    pub async fn search_articles(
        &self,
        q: &str,
        public_only: bool,
        limit: i64,
    ) -> Result<Vec<Article>, ServiceError> {
        let tokens = text::search_tokens(q);
        let tokens: Vec<&str> = tokens
            .split(' ')
            .filter(|t| !t.is_empty())
            .take(12)
            .collect();
        let mut conn = self.store().read().await?;
        if tokens.is_empty() {
            return Ok(portal::search_articles(&mut conn, &tokens, public_only, limit).await?);
        }
        // Every match is ranked, not only the first page: a knowledge base is a few hundred
        // articles at most, and the best match may be the last in the store's order.
        let mut found =
            portal::search_articles(&mut conn, &tokens, public_only, RANKED_MATCHES).await?;
        found.sort_by_cached_key(|a| {
            (
                std::cmp::Reverse(relevance(&tokens, &a.title, &a.body)),
                std::cmp::Reverse(a.solved),
            )
        });
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    /// One article; an internal or draft article is "not found" for visitors.
    pub async fn article(&self, slug: &str, public_only: bool) -> Result<Article, ServiceError> {
        let mut conn = self.store().read().await?;
        let a = portal::article_by_slug(&mut conn, slug).await?;
        if public_only && (a.visibility != "public" || a.status != "published") {
            return Err(ServiceError::NotFound);
        }
        Ok(a)
    }

    /// A visitor said "this solved it": a request answered without staff.
    pub async fn article_solved(&self, slug: &str) -> Result<(), ServiceError> {
        self.article(slug, true).await?;
        let mut tx = self.store().begin().await?;
        portal::count_solved(&mut tx, slug).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Create or replace a procedure of the catalogue (by code).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_procedure(
        &self,
        actor: &Actor,
        code: &str,
        title: &str,
        legal_basis: &str,
        steps: &[String],
        documents: &[String],
        time_limit: &str,
        fees: &str,
        unit: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Action::EditKnowledge, None)?;
        let mut errors = ValidationErrors::new();
        let code = code.trim();
        if code.is_empty()
            || code.len() > 60
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            errors.push(FieldError {
                field: "code".into(),
                code: "procedure_code_invalid",
                message: "a procedure code is letters, digits, '-', '.' or '_'".into(),
            });
        }
        errors.check("title", case::parse_subject(title));
        for (field, value) in [("unit", unit), ("time_limit", time_limit)] {
            if value.trim().is_empty() {
                errors.push(FieldError {
                    field: field.into(),
                    code: "required",
                    message: "this field is required".into(),
                });
            }
        }
        // The catalogue also comes from files (`hqdesk kb import`): the input rule here too.
        let lines = [
            ("legal_basis", legal_basis),
            ("time_limit", time_limit),
            ("fees", fees),
            ("unit", unit),
        ];
        let items = steps.iter().map(|v| ("steps", v.as_str()));
        let items = items.chain(documents.iter().map(|v| ("documents", v.as_str())));
        for (field, value) in lines.into_iter().chain(items) {
            if let Err(e) = input::check_field(field, value) {
                errors.push(e);
            }
        }
        if steps.is_empty() {
            errors.push(FieldError {
                field: "steps".into(),
                code: "required",
                message: "give at least one step".into(),
            });
        }
        errors.into_result()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        portal::upsert_procedure(
            &mut tx,
            code.trim(),
            title.trim(),
            legal_basis.trim(),
            &json!(steps).to_string(),
            &json!(documents).to_string(),
            time_limit.trim(),
            fees.trim(),
            unit.trim(),
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "procedure.save",
            &format!("procedure:{code}"),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    pub async fn procedures(&self, q: &str) -> Result<Vec<Procedure>, ServiceError> {
        let tokens = text::search_tokens(q);
        let tokens: Vec<&str> = tokens
            .split(' ')
            .filter(|t| !t.is_empty())
            .take(8)
            .collect();
        let mut conn = self.store().read().await?;
        Ok(portal::procedures(&mut conn, &tokens).await?)
    }

    pub async fn procedure(&self, code: &str) -> Result<Procedure, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(portal::procedure(&mut conn, code).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_vietnamese_titles() {
        assert_eq!(slug_from_title("Đăng ký tài khoản"), "dang-ky-tai-khoan");
        assert_eq!(
            slug_from_title("  Lỗi E1001 khi gửi tờ khai VNACCS/VCIS!  "),
            "loi-e1001-khi-gui-to-khai-vnaccs-vcis"
        );
        assert_eq!(
            slug_from_title("Ưu đãi — thuế ĐẶC BIỆT"),
            "uu-dai-thue-dac-biet"
        );
        assert_eq!(slug_from_title("…"), "");
        assert!(slug_from_title(&"Hải quan ".repeat(40)).len() <= MAX_SLUG_LEN);
    }

    #[test]
    fn front_matter_is_read_and_checked() {
        let a = parse_article("---\nslug: dang-ky\ntitle: Đăng ký tài khoản\ncategory: b2.it.vnaccs_account\nrelated: a, b\n---\n## Bước 1\nLàm thế này.").unwrap();
        assert_eq!(
            (a.slug.as_str(), a.related.len(), a.status.as_str()),
            ("dang-ky", 2, "published")
        );
        assert!(a.body.starts_with("## Bước 1"));
        assert!(parse_article("no front matter").is_err());
        assert!(parse_article("---\nslug: Bad Slug\ntitle: x\n---\nbody").is_err());
    }
}
