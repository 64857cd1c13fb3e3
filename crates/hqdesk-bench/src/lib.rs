//! hqdesk's benchmarks, for developers (never shipped): the bulk seeder ([`seed`]), the queue
//! pages' server time in process ([`queue`]), email intake throughput ([`ingest`]), the suite
//! against the real `hqdesk serve` over HTTP ([`run`]) and the comparison with Request Tracker
//! ([`rt`]) and `hqdesk triage`'s texts per second ([`triage`]). The `hqdesk-bench` binary is their command line.
pub mod ingest;
pub mod queue;
pub mod rt;
pub mod run;
pub mod seed;
pub mod server_exe;
pub mod triage;
