//! Raw bytes → parsed mail → the pure part of intake (case subject and body, thread keys,
//! acknowledgement decision). Must never panic. Run: `cargo +nightly fuzz run parse_mail`
//! (seed it with `crates/hqdesk-mail/tests/corpus`). Without nightly, the same function runs
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
