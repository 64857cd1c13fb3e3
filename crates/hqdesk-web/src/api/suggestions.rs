//! `/api/v1/cases/{number}/suggestions`: the knowledge-base articles and canned responses that
//! answer a case (issue 19).
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::ApiActor;
use crate::problem::Problem;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleSuggestionResponse {
    pub slug: String,
    pub title: String,
    /// 0–1: about the probability that this is the article that answers the case.
    pub score: f32,
    /// `public` or `internal` (internal articles are for staff only).
    pub visibility: String,
    /// The article's first lines in plain text.
    pub summary: String,
    /// Where requesters read it; absent for an internal article.
    pub url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CannedSuggestionResponse {
    pub id: i64,
    pub title: String,
    /// 0–1, as for articles.
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsResponse {
    /// At most three published articles, best first (possibly none).
    pub articles: Vec<ArticleSuggestionResponse>,
    /// At most three active canned responses, best first (possibly none).
    pub canned: Vec<CannedSuggestionResponse>,
}

/// The three knowledge-base articles and three canned responses that best answer the case, from
/// its subject and its requester's messages. A case the caller may not read is not found; a
/// sealed case's text is read with the caller's own key, so a caller without it gets no
/// suggestions.
#[utoipa::path(get, path = "/api/v1/cases/{number}/suggestions", tag = "cases", params(("number" = String, Path)),
    responses((status = 200, body = SuggestionsResponse), (status = 404, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn case_suggestions(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> Result<Json<SuggestionsResponse>, Problem> {
    let found = s.services.case_suggestions(&actor, &number).await?;
    Ok(Json(SuggestionsResponse {
        articles: found
            .articles
            .into_iter()
            .map(|a| ArticleSuggestionResponse {
                slug: a.slug,
                title: a.title,
                score: a.score,
                visibility: a.visibility,
                summary: a.summary,
                url: a.url,
            })
            .collect(),
        canned: found
            .canned
            .into_iter()
            .map(|k| CannedSuggestionResponse {
                id: k.id,
                title: k.title,
                score: k.score,
            })
            .collect(),
    }))
}
