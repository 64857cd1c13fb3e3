//! Raw bytes → parsed mail → the pure part of intake (case subject and body, thread keys,
//! acknowledgement decision). Must never panic. Run: `cargo +nightly fuzz run -O parse_mail`
//! (seed it with `crates/hqdesk-mail/tests/corpus`). `-O`: without it every dependency keeps its
//! debug assertions, and mail-parser has `debug_assert!`s that malformed mail reaches (release
//! builds, and hqdesk's dev profile, turn them off; `hqdesk_mail::parse` also catches panics, but
//! libFuzzer aborts on any panic before it can be caught). Without nightly, the same function runs
//! over the corpus and thousands of mutations in `cargo test -p hqdesk-mail --test corpus`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hqdesk_mail::content_hash(data);
    if let Ok(p) = hqdesk_mail::parse(data) {
        let _ = p.case_subject();
        let _ = p.case_body();
        let _ = p.thread_candidates();
        let _ = p.requester();
        let _ = p.classification.acknowledge();
        if let Some(n) = &p.case_number {
            let _ = hqdesk_mail::find_case_number(n.as_str());
        }
    }
});
