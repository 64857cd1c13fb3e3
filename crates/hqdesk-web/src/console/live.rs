//! The console's live updates: server-sent events with the changes to cases the user may see
//! now (re-checked for every batch, see `hqdesk_services::live`) and the screen-pop of calls
//! answered on their extension.
//!
//! Event ids are opaque: the change feed's position sealed (XChaCha20-Poly1305, random nonce)
//! under a key derived from the session's cookie token. A browser that reconnects sends the last
//! one back (`Last-Event-ID`) and the stream goes on from there; the ids say nothing about how
//! many changes happened in between that the user was not shown, and open for no other session.
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use futures_util::StreamExt;
use hqdesk_services::{Actor, Services};
use rand::RngCore;
use sha2::Sha256;

use super::calls::national;
use super::queue::{nav_counts, row};
use super::service_error;
use super::session::{cookie_token, Console};
use super::views::QueueRowPart;
use crate::i18n::Tr;
use crate::state::AppState;

/// How often the stream looks for new changes.
const POLL: Duration = Duration::from_millis(700);
/// A reconnection further behind than this many feed entries starts from the newest instead.
const MAX_CATCH_UP: i64 = 20_000;

/// Seals and opens the event ids of one session's streams.
pub(crate) struct EventIds {
    cipher: XChaCha20Poly1305,
}

impl EventIds {
    /// The ids of the session whose cookie token is `token` (a 256-bit random secret that only
    /// the browser holds; the server keeps its hash).
    pub(crate) fn for_session(token: &str) -> EventIds {
        let mut key = [0u8; 32];
        // HKDF-SHA-256 with a fixed info string: expanding 32 bytes cannot fail.
        let _ = hkdf::Hkdf::<Sha256>::new(Some(b"hqdesk live event ids"), token.as_bytes())
            .expand(b"v1", &mut key);
        EventIds {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// An id for the feed position `seq`: different every time, even for the same position.
    pub(crate) fn seal(&self, seq: i64) -> String {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), seq.to_be_bytes().as_slice())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The position an id of this session stands for; None for anything else.
    pub(crate) fn open(&self, id: &str) -> Option<i64> {
        let raw = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
        let (nonce, sealed) = raw.split_at_checked(24)?;
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .ok()?;
        Some(i64::from_be_bytes(plain.try_into().ok()?))
    }
}

/// `GET /console/events`.
pub(crate) async fn events(State(s): State<AppState>, c: Console, headers: HeaderMap) -> Response {
    let tr = c.tr;
    let head = match s.services.change_feed_head().await {
        Ok(h) => h,
        Err(e) => return service_error(tr, e),
    };
    let ids = EventIds::for_session(&cookie_token(&headers).unwrap_or_default());
    // A reconnecting browser goes on after the last event it saw.
    let start = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|id| ids.open(id))
        .filter(|seq| (head - MAX_CATCH_UP..=head).contains(seq))
        .unwrap_or(head);
    let services = s.services.clone();
    let session = c.session.id_hash.clone();
    let ids = Arc::new(ids);
    let stream = futures_util::stream::unfold(start, move |mut after| {
        let (services, session, ids) = (services.clone(), session.clone(), ids.clone());
        async move {
            let mut polls = 0u32;
            loop {
                // Signed out, expired or deactivated: the stream ends with the session.
                polls += 1;
                if polls % 10 == 1 && matches!(services.live_actor(&session).await, Ok(None)) {
                    return None;
                }
                match services.live_changes(&session, after).await {
                    Ok(None) => return None,
                    Ok(Some(batch)) => {
                        after = batch.last;
                        if let Some(actor) = batch.actor.as_ref() {
                            let out = batch_events(&services, actor, tr, &batch, &ids).await;
                            if !out.is_empty() {
                                return Some((futures_util::stream::iter(out), after));
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "live updates"),
                }
                tokio::time::sleep(POLL).await;
            }
        }
    });
    let mut stopping = s.stopping.clone();
    let stream = stream.flatten().take_until(async move {
        if stopping.wait_for(|stop| *stop).await.is_err() {
            // Nobody can ever say "stop": run until the browser goes away.
            std::future::pending::<()>().await;
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The events of one batch: screen-pops first, then the case changes, each with a sealed id.
async fn batch_events(
    services: &Services,
    actor: &Actor,
    tr: Tr,
    batch: &hqdesk_services::live::LiveBatch,
    ids: &EventIds,
) -> Vec<Result<Event, Infallible>> {
    let now = services.now();
    let mut out = Vec::new();
    for call_id in &batch.pops {
        if let Some(ev) = pop_event(services, actor, call_id).await {
            out.push(Ok(ev));
        }
    }
    let names = if batch.changes.is_empty() {
        Default::default()
    } else {
        super::display_names(services).await
    };
    for ch in &batch.changes {
        let r = super::queue::named(row(tr, &ch.case, now), &names);
        // The row as the queue page renders it, so that a row added live looks like the others.
        let html = crate::html::render_part(&QueueRowPart {
            tr,
            r: super::queue::named(row(tr, &ch.case, now), &names),
            live: true,
        });
        let data = serde_json::json!({ "action": ch.action, "number": r.number, "subject": r.subject, "kind": r.kind, "status": r.status, "priority": r.priority, "priority_label": r.priority_label, "assignee": r.assignee, "due": r.due.as_ref().map(|d| d.text.as_str()).unwrap_or_default(), "branch": ch.case.branch.number(), "html": html });
        out.push(Ok(Event::default()
            .event("case")
            .id(ids.seal(ch.seq))
            .data(data.to_string())));
    }
    for number in &batch.removed {
        // A case sealed out of this user's sight: only its number, which the screen shows.
        out.push(Ok(Event::default()
            .event("removed")
            .data(serde_json::json!({ "number": number }).to_string())));
    }
    if !batch.changes.is_empty() || !batch.removed.is_empty() {
        // The queues' counts as this actor may see them, after these changes.
        match nav_counts(services, actor, now).await {
            Ok(counts) => {
                let counts: serde_json::Map<String, serde_json::Value> = counts
                    .into_iter()
                    .map(|(k, n)| (k.to_string(), n.into()))
                    .collect();
                out.push(Ok(Event::default()
                    .event("counts")
                    .data(serde_json::Value::Object(counts).to_string())));
            }
            Err(e) => tracing::warn!(error = %e, "live queue counts"),
        }
    }
    out
}

/// The screen-pop's data for a call just answered on this user's extension (none for a call
/// the user may not see).
async fn pop_event(s: &Services, actor: &Actor, call_id: &str) -> Option<Event> {
    let v = s.call_view(actor, call_id).await.ok()?;
    let data = serde_json::json!({
        "call_id": v.call.call_id,
        "number": national(&v.call.from_number),
        "name": v.requester.as_ref().map(|r| r.name.clone()),
        "flag": v.flag.as_ref().map(|(reason, by, _)| format!("{reason} ({})", by.clone().unwrap_or_default())),
        "open_cases": v.open_cases.iter().map(|o| format!("{} {}", o.number, o.subject)).collect::<Vec<_>>().join(" · "),
    });
    Some(Event::default().event("call").data(data.to_string()))
}

#[cfg(test)]
mod tests {
    use super::EventIds;

    #[test]
    fn event_ids_are_opaque_and_open_only_for_their_session() {
        let mine = EventIds::for_session("a".repeat(64).as_str());
        let other = EventIds::for_session("b".repeat(64).as_str());
        let (a, b) = (mine.seal(41), mine.seal(41));
        assert_ne!(a, b, "the same position never gives the same id");
        // The id does not carry the position in the clear: a far larger position gives an id of
        // the same length, and no id reads as a number. (Checking for the digits "41" inside the
        // base64 text would fail by chance about once in seventy runs.)
        assert_eq!(a.len(), mine.seal(i64::MAX).len());
        assert!(a.parse::<i64>().is_err());
        assert_eq!(mine.open(&a), Some(41));
        assert_eq!(mine.open(&b), Some(41));
        assert_eq!(other.open(&a), None, "another session's id opens nothing");
        assert_eq!(mine.open("41"), None);
        assert_eq!(mine.open(""), None);
        let mut tampered = a.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(mine.open(&String::from_utf8(tampered).unwrap()), None);
    }
}
