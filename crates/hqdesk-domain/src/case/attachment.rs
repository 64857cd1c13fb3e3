//! Files attached to a case's messages, whichever channel brought them.
use crate::text;

/// At most this many characters of a file name are kept.
pub const MAX_FILENAME_CHARS: usize = 200;

/// A file name safe to store and to offer for download: no path, no control characters.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = text::normalize_input(base)
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(MAX_FILENAME_CHARS)
        .collect();
    if cleaned.trim().is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_dropped_on_either_separator() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename(r"C:\Users\lan\tờ khai.pdf"), "tờ khai.pdf");
    }

    #[test]
    fn quotes_and_control_characters_are_removed() {
        assert_eq!(clean_filename("a\"b\r\n.txt"), "ab.txt");
        assert_eq!(clean_filename("  report.pdf  "), "report.pdf");
    }

    #[test]
    fn names_are_nfc_and_bounded() {
        let decomposed = "te\u{0302}\u{0301}p.txt"; // "tếp" typed as NFD
        assert_eq!(clean_filename(decomposed), "t\u{1ebf}p.txt");
        assert_eq!(
            clean_filename(&"ệ".repeat(300)).chars().count(),
            MAX_FILENAME_CHARS
        );
    }

    #[test]
    fn an_empty_name_becomes_attachment() {
        for name in ["", "   ", "dir/", "\"\"", "\u{7}"] {
            assert_eq!(clean_filename(name), "attachment", "{name:?}");
        }
    }
}
