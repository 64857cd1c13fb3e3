//! Limits on each request: how many are handled at once, how large a body may be (small by
//! default, larger only on the routes that accept files), and how long the client may take to
//! send it. A body over the limit is refused from its `Content-Length` before any of it is
//! read, and cut off where it passes the limit when it comes without one.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use http_body_util::Limited;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::problem::Problem;

/// Limits on requests (see the README's Configuration table).
#[derive(Debug, Clone)]
pub struct RequestLimits {
    /// The largest body of a route that takes no files: room for a message of the longest
    /// allowed text, form-encoded.
    pub max_body_bytes: usize,
    /// The whole body must arrive within this time of the request's head.
    pub body_timeout: Duration,
    /// Requests handled at once; more wait up to [`QUEUE_WAIT`], then get 503.
    pub max_requests: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_body_bytes: 1024 * 1024,
            body_timeout: Duration::from_secs(120),
            max_requests: 128,
        }
    }
}

impl RequestLimits {
    /// The largest body of a route that accepts files: every file of one message (base64 in the
    /// JSON API) and the form's other fields.
    pub fn max_upload_bytes(&self) -> usize {
        hqdesk_services::cases::MAX_ATTACHMENTS_TOTAL_BYTES / 3 * 4 + self.max_body_bytes
    }
}

/// How long a request waits for its turn when `max_requests` are being handled.
const QUEUE_WAIT: Duration = Duration::from_secs(2);

/// The state of [`guard`].
pub(crate) struct Guard {
    limits: RequestLimits,
    in_flight: Arc<Semaphore>,
    /// `(method, route)` pairs that accept files.
    uploads: &'static [(Method, &'static str)],
}

impl Guard {
    pub(crate) fn new(
        limits: RequestLimits,
        uploads: &'static [(Method, &'static str)],
    ) -> Arc<Guard> {
        Arc::new(Guard {
            in_flight: Arc::new(Semaphore::new(limits.max_requests.max(1))),
            limits,
            uploads,
        })
    }

    fn body_limit(&self, req: &Request) -> usize {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let upload = self
            .uploads
            .iter()
            .any(|(m, r)| m == req.method() && Some(*r) == route);
        if upload {
            self.limits.max_upload_bytes()
        } else {
            self.limits.max_body_bytes
        }
    }
}

/// Middleware: wait for a turn, refuse an over-size body, then hand on the body with its size
/// limit and deadline.
pub(crate) async fn guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let Ok(Ok(_turn)) = tokio::time::timeout(QUEUE_WAIT, g.in_flight.clone().acquire_owned()).await
    else {
        return refusal(&req, Refusal::Busy);
    };
    let limit = g.body_limit(&req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refusal(&req, Refusal::TooLarge(limit));
    }
    let deadline = Instant::now() + g.limits.body_timeout;
    let req = req.map(|body| Body::new(Deadline::new(Limited::new(body, limit), deadline)));
    next.run(req).await
}

enum Refusal {
    Busy,
    TooLarge(usize),
}

/// problem+json for machines (the API, health, metrics), a page for people everywhere else.
fn refusal(req: &Request, why: Refusal) -> Response {
    let path = req.uri().path();
    let machine = path.starts_with("/api/") || path == "/healthz" || path == "/metrics";
    let mut resp = match (&why, machine) {
        (Refusal::Busy, true) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the server is handling as many requests as it may; retry in a moment",
        )
        .into_response(),
        (Refusal::TooLarge(limit), true) => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body may be at most {limit} bytes"),
        )
        .into_response(),
        (Refusal::Busy, false) => crate::portal::message_page(
            req.headers(),
            StatusCode::SERVICE_UNAVAILABLE,
            "limits.busy",
        ),
        (Refusal::TooLarge(_), false) => crate::portal::message_page(
            req.headers(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "limits.too_large",
        ),
    };
    if matches!(why, Refusal::Busy) {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    // The rest of the body is not read: the connection cannot serve another request.
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Read a whole body (already bounded by [`guard`]), for handlers that check who is asking
/// before they read what is sent.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| body_problem(&e))
}

/// Why a body could not be read, as problem+json.
pub(crate) fn body_problem(e: &(dyn std::error::Error + 'static)) -> Problem {
    if timed_out(e) {
        Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "the request body did not arrive in time",
        )
    } else {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body could not be read: {e}"),
        )
    }
}

/// The error of a body that did not arrive in time.
#[derive(Debug)]
pub struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}

/// Whether reading a body failed because it came too slowly.
pub(crate) fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<BodyTimedOut>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// A request body that fails with [`BodyTimedOut`] once its deadline has passed.
struct Deadline<B> {
    inner: B,
    sleep: Pin<Box<Sleep>>,
}

impl<B> Deadline<B> {
    fn new(inner: B, deadline: Instant) -> Self {
        Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

impl<B> http_body::Body for Deadline<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match this.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_body_that_stops_coming_fails_at_its_deadline() {
        use futures_util::StreamExt;
        let chunks = futures_util::stream::once(async {
            Ok::<_, std::io::Error>(Bytes::from_static(b"start"))
        })
        .chain(futures_util::stream::pending());
        let body = Body::from_stream(chunks);
        let mut b = Deadline::new(body, Instant::now() + Duration::from_millis(50));
        let first = b.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from_static(b"start"));
        let err = b.frame().await.unwrap().unwrap_err();
        assert!(timed_out(err.as_ref()), "{err}");
    }
}
