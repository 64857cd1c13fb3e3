#![allow(clippy::print_stdout)] // test code: the answers are printed for the record
//! Bad input gets an answer with topic `other` and low confidences, never a panic.
use hqdesk_triage::classify::{classify, Topic, Triage, LOW_CONFIDENCE};

fn assert_low(what: &str, t: &Triage) {
    println!("{what}: {t:?}");
    assert_eq!(t.topic, Topic::Other, "{what}");
    let c = &t.confidence;
    for (name, v) in [
        ("kind", c.kind),
        ("branch", c.branch),
        ("topic", c.topic),
        ("confidential", c.confidential),
        ("abusive", c.abusive),
    ] {
        assert!(
            (0.0..=LOW_CONFIDENCE).contains(&v),
            "{what}: {name} confidence {v}"
        );
    }
    assert_eq!(t.kind.branch(), t.branch, "{what}");
}

/// A fixed pseudo-random byte stream (xorshift), so the garbage is the same on every run.
fn garbage(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn empty_and_blank_text() {
    for text in ["", " ", "\n\t  \r\n", ".,;!?", "\u{0}"] {
        assert_low(&format!("{text:?}"), &classify(text));
    }
}

#[test]
fn one_megabyte_of_text() {
    // A log pasted into the portal: realistic words, but a megabyte of them.
    let line = "2025-06-01 10:15:02 INFO ecus5 client sync ok batch=00042 status=200\n";
    let big = line.repeat(1024 * 1024 / line.len() + 1);
    assert!(big.len() >= 1024 * 1024);
    assert_low("1 MB log", &classify(&big));

    // A megabyte that starts with a denunciation: still other and low, but still sealed.
    let report = "Công chức kiểm hóa tại Cát Lái đòi 2 triệu mỗi container mới kiểm hóa nhanh, không đưa thì hẹn lần lữa. ";
    let big = report.repeat(1024 * 1024 / report.len() + 1);
    let t = classify(&big);
    assert_low("1 MB denunciation", &t);
    assert!(t.confidential, "a huge denunciation is still confidential");
}

#[test]
fn binary_garbage() {
    for seed in 1..=5u64 {
        let bytes = garbage(64 * 1024, seed);
        let text = String::from_utf8_lossy(&bytes);
        assert_low(&format!("garbage {seed}"), &classify(&text));
    }
    // Every byte value and control characters, valid UTF-8 or not.
    let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    assert_low("all bytes", &classify(&String::from_utf8_lossy(&all)));
    let controls: String = (0u32..32)
        .filter_map(char::from_u32)
        .cycle()
        .take(500)
        .collect();
    assert_low("controls", &classify(&controls));
    // A base64 attachment pasted as text.
    let b64 =
        "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURlY29kZT4+"
            .repeat(50);
    assert_low("base64", &classify(&b64));
}

#[test]
fn other_languages() {
    for text in [
        "您好，请问从越南进口的货物在海关被扣留了怎么办？我的报关单号是多少？",
        "Bonjour, pouvez-vous m'aider avec le dédouanement de ma voiture importée d'Allemagne ?",
        "Здравствуйте, моя посылка задержана на таможне уже две недели, что делать?",
        "안녕하세요, 제 화물이 세관에서 보류되었습니다. 어떻게 해야 하나요?",
        "Guten Tag, ich habe eine Frage zur Verzollung meiner Sendung aus Deutschland.",
        "สวัสดีครับ สินค้าของผมติดอยู่ที่ศุลกากร",
    ] {
        assert_low(text, &classify(text));
    }
}

#[test]
fn unusual_but_valid_text_does_not_panic() {
    let long_word = "a".repeat(100_000);
    let emoji = "😀🚢📦".repeat(1000);
    let mixed = format!("{}{}", "tờ khai ".repeat(5000), "\u{0301}".repeat(5000));
    let cut = "ả".repeat(5000); // multi-byte characters across the read prefix's end
    for text in [
        long_word.as_str(),
        emoji.as_str(),
        mixed.as_str(),
        cut.as_str(),
    ] {
        let t = classify(text);
        assert_eq!(t.kind.branch(), t.branch);
        for v in [t.confidence.kind, t.confidence.topic, t.confidence.branch] {
            assert!((0.0..=1.0).contains(&v));
        }
    }
}
