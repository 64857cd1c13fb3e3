//! Who may read `/metrics`. Its counters say when requests arrive and cases are created, and so
//! when denunciations are filed: never public. With `HQDESK_METRICS_TOKEN` set, only a request
//! with `Authorization: Bearer <token>` reads them (from anywhere); without it, only a request
//! from this machine that no proxy forwarded.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::problem::Problem;

pub(crate) fn check(token: Option<&str>, req: &Request) -> Result<(), Problem> {
    match token {
        Some(want) => {
            let got = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim())
                .unwrap_or("");
            // Compared as hashes: the time taken says nothing about the token.
            if Sha256::digest(got.as_bytes()) == Sha256::digest(want.as_bytes()) {
                Ok(())
            } else {
                Err(Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "metrics_unauthorized",
                    "send Authorization: Bearer with the metrics token (HQDESK_METRICS_TOKEN)",
                ))
            }
        }
        None => {
            let peer_local = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|ConnectInfo(a)| a.ip().is_loopback());
            let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|h| req.headers().contains_key(*h));
            if peer_local && !forwarded {
                Ok(())
            } else {
                Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "metrics_local_only",
                    "/metrics answers only this machine; set HQDESK_METRICS_TOKEN to read it from elsewhere",
                ))
            }
        }
    }
}
