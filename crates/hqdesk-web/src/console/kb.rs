//! The console's knowledge pages: staff write knowledge-base articles in Markdown (draft or
//! published, public or internal, category, related articles) and keep the procedures
//! catalogue the portal lists. Every role may read them here; the service decides who edits.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_domain::access::Action;
use hqdesk_domain::Timestamp;
use hqdesk_services::kb::ArticleSource;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::service_error;
use super::session::Console;
use super::views::Me;
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{render, when};
use crate::i18n::Tr;
use crate::markdown::markdown_html;
use crate::state::AppState;

token_in_csrf_field!(ArticleForm, ProcedureForm, PreviewForm);

fn may_edit(c: &Console) -> bool {
    c.actor().require(Action::EditKnowledge, None).is_ok()
}

/// Field errors of a refused save, keyed by form field, plus the banner text.
fn field_errors(tr: Tr, e: &ServiceError) -> Option<(HashMap<String, String>, String)> {
    match e {
        ServiceError::Invalid(v) => Some((
            v.0.iter()
                .map(|f| {
                    let text = tr
                        .lookup(&format!("kbe.err.{}", f.code))
                        .map(str::to_string)
                        .unwrap_or_else(|| super::field_error_text(tr, f));
                    // `forms[2]` is the third line of the field `forms`.
                    let field = f.field.split('[').next().unwrap_or(&f.field);
                    (field.to_string(), text)
                })
                .collect(),
            tr.t("kb.fix_fields").to_string(),
        )),
        _ => None,
    }
}

// --- Articles -------------------------------------------------------------------------------

pub struct ArticleRow {
    pub slug: String,
    pub title: String,
    pub category: String,
    pub status: String,
    pub visibility: String,
    pub solved: i64,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "kb_list.html")]
struct ListPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    kb_q: String,
    can_edit: bool,
    articles: Vec<ArticleRow>,
    /// The category chosen ("" for all, "-" for articles without one).
    category: String,
    /// (code, name, number of articles) of the categories articles are in.
    categories: Vec<(String, String, usize)>,
    uncategorised: usize,
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    q: Option<String>,
    category: Option<String>,
}

/// Is an article of category `article` in the filter `chosen` ("" all, "-" none, else the
/// category or one below it: `b2.it` holds `b2.it.vnaccs_account`)?
fn in_category(article: Option<&str>, chosen: &str) -> bool {
    match (chosen, article) {
        ("", _) => true,
        ("-", a) => a.is_none_or(str::is_empty),
        (c, Some(a)) => a == c || a.strip_prefix(c).is_some_and(|r| r.starts_with('.')),
        (_, None) => false,
    }
}

pub(crate) async fn list(
    State(s): State<AppState>,
    c: Console,
    Query(p): Query<SearchQuery>,
) -> Response {
    let kb_q: String = p.q.unwrap_or_default().chars().take(200).collect();
    let chosen: String = p
        .category
        .unwrap_or_default()
        .trim()
        .chars()
        .take(64)
        .collect();
    let names = category_choices(&s, &c).await;
    let name_of = |code: &str| {
        names
            .iter()
            .find(|(k, _)| k == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string())
    };
    match s.services.search_articles(&kb_q, false, 500).await {
        Ok(list) => {
            let mut counts: Vec<(String, String, usize)> = Vec::new();
            let mut uncategorised = 0;
            for a in &list {
                match a.category.as_deref().filter(|k| !k.is_empty()) {
                    Some(k) => match counts.iter_mut().find(|(code, _, _)| code == k) {
                        Some(row) => row.2 += 1,
                        None => counts.push((k.to_string(), name_of(k), 1)),
                    },
                    None => uncategorised += 1,
                }
            }
            counts.sort_by(|a, b| a.1.cmp(&b.1));
            render(
                StatusCode::OK,
                &ListPage {
                    tr: c.tr,
                    me: c.me(),
                    csrf: c.csrf(),
                    q: String::new(),
                    recommend_2fa: c.recommend_2fa,
                    kb_q,
                    can_edit: may_edit(&c),
                    categories: counts,
                    uncategorised,
                    articles: list
                        .into_iter()
                        .filter(|a| in_category(a.category.as_deref(), &chosen))
                        .map(|a| ArticleRow {
                            category: a.category.as_deref().map(&name_of).unwrap_or_default(),
                            slug: a.slug,
                            title: a.title,
                            status: a.status,
                            visibility: a.visibility,
                            solved: a.solved,
                            updated: when(Timestamp(a.updated_at)),
                        })
                        .collect(),
                    category: chosen,
                },
            )
        }
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Template)]
#[template(path = "kb_edit.html")]
struct EditPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    /// Editing an existing article (its slug is then fixed).
    existing: bool,
    can_edit: bool,
    a: ArticleForm,
    errors: HashMap<String, String>,
    preview_html: String,
    categories: Vec<(String, String)>,
}

impl EditPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ArticleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub visibility: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub related: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    existing: String,
}

async fn category_choices(s: &AppState, c: &Console) -> Vec<(String, String)> {
    s.services
        .list_categories(&c.actor())
        .await
        .map(|list| {
            list.into_iter()
                .filter(|k| k.active)
                .map(|k| {
                    let name = if c.tr.lang() == "en" {
                        k.name_en
                    } else {
                        k.name_vi
                    };
                    (k.code, name)
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn edit_page(
    s: &AppState,
    c: &Console,
    a: ArticleForm,
    existing: bool,
    errors: HashMap<String, String>,
    message: String,
    status: StatusCode,
) -> Response {
    let preview_html = if a.body.trim().is_empty() {
        String::new()
    } else {
        markdown_html(&a.body)
    };
    render(
        status,
        &EditPage {
            tr: c.tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            existing,
            can_edit: may_edit(c),
            categories: category_choices(s, c).await,
            a,
            errors,
            preview_html,
        },
    )
}

pub(crate) async fn new_article(State(s): State<AppState>, c: Console) -> Response {
    let a = ArticleForm {
        visibility: "public".into(),
        status: "draft".into(),
        ..Default::default()
    };
    edit_page(
        &s,
        &c,
        a,
        false,
        HashMap::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn edit_article(
    State(s): State<AppState>,
    c: Console,
    Path(slug): Path<String>,
) -> Response {
    match s.services.article(&slug, false).await {
        Ok(a) => {
            let form = ArticleForm {
                slug: a.slug,
                title: a.title,
                category: a.category.unwrap_or_default(),
                visibility: a.visibility,
                status: a.status,
                related: a.related,
                body: a.body,
                ..Default::default()
            };
            edit_page(
                &s,
                &c,
                form,
                true,
                HashMap::new(),
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => service_error(c.tr, e),
    }
}

pub(crate) async fn save_article(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<ArticleForm>,
) -> Response {
    let existing = f.existing == "1";
    let mut f = f;
    if !existing && f.slug.trim().is_empty() {
        // Without the script that fills it as the title is typed: the same slug, made here.
        f.slug = hqdesk_services::kb::slug_from_title(&f.title);
    }
    let source = ArticleSource {
        slug: f.slug.clone(),
        title: f.title.clone(),
        category: Some(f.category.trim().to_string()).filter(|c| !c.is_empty()),
        related: f
            .related
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        visibility: f.visibility.clone(),
        status: f.status.clone(),
        body: f.body.clone(),
    };
    // A new article must not silently replace an existing one with the same slug.
    if !existing && s.services.article(source.slug.trim(), false).await.is_ok() {
        let mut errors = HashMap::new();
        errors.insert("slug".to_string(), c.tr.t("kb.slug_taken").to_string());
        let msg = c.tr.t("kb.fix_fields").to_string();
        return edit_page(&s, &c, f, false, errors, msg, StatusCode::CONFLICT).await;
    }
    match s.services.save_article(&c.actor(), &source).await {
        Ok(()) => Redirect::to(&format!("/console/kb/{}/edit?saved=1", source.slug.trim()))
            .into_response(),
        Err(e) => match field_errors(c.tr, &e) {
            Some((errors, msg)) => {
                edit_page(
                    &s,
                    &c,
                    f,
                    existing,
                    errors,
                    msg,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => service_error(c.tr, e),
        },
    }
}

/// The longest text the live preview renders (a long article is a few tens of thousands).
const MAX_PREVIEW_CHARS: usize = 200_000;

#[derive(Deserialize)]
pub(crate) struct PreviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

/// `POST /console/kb/preview`: the Markdown being typed, rendered by the portal's own renderer
/// and sanitised, as an HTML fragment for the editor's live preview (staff only, CSRF-checked).
pub(crate) async fn preview(c: Console, CsrfForm(f): CsrfForm<PreviewForm>) -> Response {
    if f.body.chars().count() > MAX_PREVIEW_CHARS {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [("content-type", "text/plain; charset=utf-8")],
            c.tr.t("kbe.err.body_too_long").to_string(),
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store"),
        ],
        markdown_html(&f.body),
    )
        .into_response()
}

// --- Procedures -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "procedures_list.html")]
struct ProceduresPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    kb_q: String,
    can_edit: bool,
    /// (code, title, unit, updated)
    items: Vec<(String, String, String, String)>,
}

pub(crate) async fn procedures(
    State(s): State<AppState>,
    c: Console,
    Query(p): Query<SearchQuery>,
) -> Response {
    let kb_q: String = p.q.unwrap_or_default().chars().take(200).collect();
    match s.services.procedures(&kb_q).await {
        Ok(list) => render(
            StatusCode::OK,
            &ProceduresPage {
                tr: c.tr,
                me: c.me(),
                csrf: c.csrf(),
                q: String::new(),
                recommend_2fa: c.recommend_2fa,
                kb_q,
                can_edit: may_edit(&c),
                items: list
                    .into_iter()
                    .map(|p| (p.code, p.title, p.unit, when(Timestamp(p.updated_at))))
                    .collect(),
            },
        ),
        Err(e) => service_error(c.tr, e),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ProcedureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub legal_basis: String,
    /// One step per line.
    #[serde(default)]
    pub steps: String,
    /// One document per line.
    #[serde(default)]
    pub documents: String,
    #[serde(default)]
    pub time_limit: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub unit: String,
    /// The code in the national database of administrative procedures.
    #[serde(default)]
    pub official_code: String,
    /// Where to submit online (an address or a system's name).
    #[serde(default)]
    pub submit_online: String,
    /// One form per line: `name | https://address`.
    #[serde(default)]
    pub forms: String,
    #[serde(default)]
    existing: String,
}

/// `name | https://address` lines as forms; a line without `|` is a name without an address
/// (which the services refuse, saying so).
fn forms_from_lines(text: &str) -> Vec<hqdesk_services::portal::ProcedureForm> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, url) = l.rsplit_once('|').unwrap_or((l, ""));
            hqdesk_services::portal::ProcedureForm {
                name: name.trim().to_string(),
                url: url.trim().to_string(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "procedure_edit.html")]
struct ProcedureEditPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    existing: bool,
    can_edit: bool,
    p: ProcedureForm,
    errors: HashMap<String, String>,
}

impl ProcedureEditPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

fn procedure_page(
    c: &Console,
    p: ProcedureForm,
    existing: bool,
    errors: HashMap<String, String>,
    message: String,
    status: StatusCode,
) -> Response {
    render(
        status,
        &ProcedureEditPage {
            tr: c.tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            existing,
            can_edit: may_edit(c),
            p,
            errors,
        },
    )
}

pub(crate) async fn new_procedure(c: Console) -> Response {
    procedure_page(
        &c,
        ProcedureForm::default(),
        false,
        HashMap::new(),
        String::new(),
        StatusCode::OK,
    )
}

pub(crate) async fn edit_procedure(
    State(s): State<AppState>,
    c: Console,
    Path(code): Path<String>,
) -> Response {
    match s.services.procedure(&code).await {
        Ok(p) => {
            let lines = |json: &str| {
                serde_json::from_str::<Vec<String>>(json)
                    .unwrap_or_default()
                    .join("\n")
            };
            let form = ProcedureForm {
                steps: lines(&p.steps),
                documents: lines(&p.documents),
                code: p.code,
                title: p.title,
                legal_basis: p.legal_basis,
                time_limit: p.time_limit,
                fees: p.fees,
                unit: p.unit,
                official_code: p.official_code,
                submit_online: p.submit_online,
                forms: hqdesk_services::portal::procedure_forms(&p.forms)
                    .into_iter()
                    .map(|f| format!("{} | {}", f.name, f.url))
                    .collect::<Vec<_>>()
                    .join("\n"),
                ..Default::default()
            };
            procedure_page(
                &c,
                form,
                true,
                HashMap::new(),
                String::new(),
                StatusCode::OK,
            )
        }
        Err(e) => service_error(c.tr, e),
    }
}

pub(crate) async fn save_procedure(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<ProcedureForm>,
) -> Response {
    let existing = f.existing == "1";
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    if !existing && s.services.procedure(f.code.trim()).await.is_ok() {
        let mut errors = HashMap::new();
        errors.insert("code".to_string(), c.tr.t("kb.code_taken").to_string());
        let msg = c.tr.t("kb.fix_fields").to_string();
        return procedure_page(&c, f, false, errors, msg, StatusCode::CONFLICT);
    }
    let r = s
        .services
        .save_procedure(
            &c.actor(),
            &f.code,
            &f.title,
            &f.legal_basis,
            &lines(&f.steps),
            &lines(&f.documents),
            &f.time_limit,
            &f.fees,
            &f.unit,
        )
        .await;
    // Then its code, online address and forms (the procedure exists by now).
    let r = match r {
        Ok(()) => {
            s.services
                .save_procedure_links(
                    &c.actor(),
                    &f.code,
                    &f.official_code,
                    &f.submit_online,
                    &forms_from_lines(&f.forms),
                )
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Redirect::to(&format!(
            "/console/procedures/{}/edit?saved=1",
            f.code.trim()
        ))
        .into_response(),
        Err(e) => match field_errors(c.tr, &e) {
            Some((errors, msg)) => procedure_page(
                &c,
                f,
                existing,
                errors,
                msg,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            None => service_error(c.tr, e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{forms_from_lines, in_category};

    #[test]
    fn form_lines_read_as_name_and_address() {
        let forms = forms_from_lines(
            "Tờ khai hải quan | https://example.gov.vn/mau-01.docx\n\n  Mẫu 02 không có địa chỉ  ",
        );
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].name, "Tờ khai hải quan");
        assert_eq!(forms[0].url, "https://example.gov.vn/mau-01.docx");
        assert_eq!(forms[1].name, "Mẫu 02 không có địa chỉ");
        assert_eq!(forms[1].url, "");
    }

    #[test]
    fn category_filter_holds_sub_categories() {
        assert!(in_category(Some("b2.it.vnaccs_account"), ""));
        assert!(in_category(Some("b2.it.vnaccs_account"), "b2.it"));
        assert!(in_category(Some("b2.it"), "b2.it"));
        assert!(!in_category(Some("b2.item"), "b2.it"));
        assert!(!in_category(None, "b2.it"));
        assert!(in_category(None, "-"));
        assert!(!in_category(Some("b2.it"), "-"));
    }
}
