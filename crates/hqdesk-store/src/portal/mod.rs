//! Knowledge base, procedures catalogue, tracking links, anonymous tips' receipts, ratings and
//! rate limits.
mod kb;
mod procedures;
mod rate_limits;
mod ratings;
mod receipts;
mod tracking;

pub use kb::{
    article_by_slug, articles_fingerprint, count_solved, deflection_of, published_articles,
    record_deflection, search_articles, upsert_article, Article, ArticleFields,
};
pub use procedures::{procedure, procedures, set_procedure_links, upsert_procedure, Procedure};
pub use rate_limits::{forget_windows_before, hit, hits};
pub use ratings::{rate, rating};
pub use receipts::{find_receipt, put_receipt};
pub use tracking::{
    case_for_tracking, is_retired_tracking, replace_tracking, set_tracking, set_tracking_wrap,
    tracking_wrap,
};
