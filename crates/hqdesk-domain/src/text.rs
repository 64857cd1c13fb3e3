//! Vietnamese text folding for search.
//!
//! People type Vietnamese with or without diacritics, in either case, and with precomposed (NFC)
//! or decomposed (NFD) characters depending on the keyboard/IME. Search must treat all of these as
//! the same word, and SQLite FTS5 and PostgreSQL must agree exactly, so the folding happens here,
//! once, in Rust; the stores index and query the folded text.
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Canonical form for every text input: NFC (so equal-looking strings are equal bytes) and
/// trimmed (so stray spaces from copy/paste never become part of a value).
pub fn normalize_input(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.trim().to_owned()
}

/// Fold text for accent- and case-insensitive matching: `Đà Nẵng` → `da nang`.
///
/// NFC → lowercase → NFD → drop combining marks → `đ`→`d` → NFC. Lowercasing happens before
/// decomposition so `Đ` becomes `đ` and is caught by the same mapping; `đ` needs an explicit map
/// because Unicode treats it as its own letter, not `d` plus a mark. Non-letters are kept.
pub fn fold(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    let lower = nfc.to_lowercase();
    let stripped: String = lower
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            // `ð` (U+00F0, Icelandic eth) is a common look-alike typed for `đ`.
            'đ' | 'ð' => 'd',
            other => other,
        })
        .collect();
    stripped.nfc().collect()
}

/// Folded text as space-separated search tokens: `VNACCS/VCIS` → `vnaccs vcis`.
///
/// Anything that is not alphanumeric after folding separates tokens, so e-mail addresses, codes
/// like `0314409058-002` and punctuation split into words that match however the user typed them.
pub fn search_tokens(s: &str) -> String {
    let folded = fold(s);
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    tokens.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CORPUS: &[(&str, &str)] = &[
        ("Đà Nẵng", "da nang"),
        ("điện tử", "dien tu"),
        ("Việt", "viet"),
        ("người nộp thuế", "nguoi nop thue"),
        ("tờ khai", "to khai"),
        ("khiếu nại, tố cáo", "khieu nai, to cao"),
        ("hoà", "hoa"),
        ("hòa", "hoa"),
        ("thuỷ", "thuy"),
        ("thủy", "thuy"),
        ("HẢI QUAN", "hai quan"),
        ("Hải quan", "hai quan"),
        ("hai quan", "hai quan"),
    ];

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn folds_corpus() {
        for (input, want) in CORPUS {
            assert_eq!(fold(input), *want, "fold({input:?})");
        }
    }

    #[test]
    fn folds_decomposed_corpus() {
        for (input, want) in CORPUS {
            let decomposed = nfd(input);
            // Make sure the test really exercises decomposed input where there are diacritics.
            if !input.is_ascii() {
                assert_ne!(decomposed.as_str(), *input);
            }
            assert_eq!(fold(&decomposed), *want, "fold(nfd({input:?}))");
        }
    }

    #[test]
    fn tokens_for_corpus() {
        assert_eq!(search_tokens("khiếu nại, tố cáo"), "khieu nai to cao");
        assert_eq!(search_tokens(&nfd("khiếu nại, tố cáo")), "khieu nai to cao");
        assert_eq!(search_tokens("Đà Nẵng"), "da nang");
        assert_eq!(search_tokens(&nfd("NGƯỜI NỘP THUẾ")), "nguoi nop thue");
    }

    #[test]
    fn capital_d_with_stroke() {
        assert_eq!(fold("ĐĂNG KÝ"), "dang ky");
        assert_eq!(fold("đ"), "d");
        assert_eq!(fold("Ð"), "d"); // eth look-alike
    }

    #[test]
    fn keeps_non_letters() {
        assert_eq!(fold("Số 12/2025, (E1001)!"), "so 12/2025, (e1001)!");
        assert_eq!(fold("  a  b "), "  a  b ");
    }

    #[test]
    fn tokens_example() {
        assert_eq!(
            search_tokens("Lỗi E1001 khi đăng ký tài khoản VNACCS/VCIS: an.nguyen@abc.vn"),
            "loi e1001 khi dang ky tai khoan vnaccs vcis an nguyen abc vn"
        );
        assert_eq!(search_tokens("0314409058-002"), "0314409058 002");
        assert_eq!(search_tokens("  --  "), "");
        assert_eq!(search_tokens(""), "");
    }

    #[test]
    fn normalize_input_composes_and_trims() {
        let decomposed = format!("  {}\n", nfd("Hải quan"));
        assert_eq!(normalize_input(&decomposed), "Hải quan");
        assert_eq!(normalize_input("\t"), "");
        // Case and diacritics are kept: this is storage, not search.
        assert_eq!(normalize_input("HẢI QUAN"), "HẢI QUAN");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC*") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn fold_is_idempotent_vietnamese(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđĐèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ \\u{300}-\\u{323}]*") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn fold_ignores_normalization_form(s in "\\PC*") {
            let decomposed: String = s.nfd().collect();
            let composed: String = s.nfc().collect();
            prop_assert_eq!(fold(&decomposed), fold(&composed));
        }

        #[test]
        fn search_tokens_shape(s in "\\PC*") {
            let t = search_tokens(&s);
            prop_assert!(!t.starts_with(' ') && !t.ends_with(' '), "{:?}", t);
            prop_assert!(!t.contains("  "), "{:?}", t);
            prop_assert!(t.chars().all(|c| c == ' ' || c.is_alphanumeric()), "{:?}", t);
        }
    }
}
