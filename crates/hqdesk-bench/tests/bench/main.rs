#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point
//! The benchmarks' smoke tests: they run at a small size and check that every figure is there,
//! never how fast. The suite against the real server runs on both engines.
mod support;

mod ingest;
mod suite;
