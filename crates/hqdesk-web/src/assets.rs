//! The style sheet and scripts of the console and the portal, built into the binary.
use axum::response::IntoResponse;

/// A file of `assets/`, cached for an hour.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            ("content-type", content_type),
            ("cache-control", "public, max-age=3600"),
        ],
        body,
    )
}

pub(crate) async fn app_css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", include_str!("../assets/app.css"))
}

pub(crate) async fn app_js() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    )
}

/// The knowledge editor's live preview and slug (only on its page).
pub(crate) async fn kb_editor_js() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/kb-editor.js"),
    )
}

pub(crate) async fn live_worker_js() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/live-worker.js"),
    )
}

pub(crate) async fn portal_js() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/portal.js"),
    )
}

/// The one icon of the console and the portal (also answered at `/favicon.ico`, which browsers
/// ask for on their own).
pub(crate) async fn favicon() -> impl IntoResponse {
    asset("image/svg+xml", include_str!("../assets/favicon.svg"))
}
