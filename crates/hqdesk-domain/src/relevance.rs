//! How well a short document (a knowledge-base article) answers a search, for ordering the
//! few that match every word. People type an article's title, or its first words, with or
//! without diacritics: a title that begins with the query's words comes first, then a title
//! holding them as a phrase, then a title holding more of them (the shorter title first), then
//! a phrase in the text.
use std::cmp::Reverse;

use crate::text::search_tokens;

/// Compared field by field, in declaration order: greater is more relevant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relevance {
    /// How many of the query's words the title begins with, in order.
    pub title_prefix: usize,
    /// The longest run of the query's words found in a row in the title.
    pub title_phrase: usize,
    /// How many different words of the query the title holds.
    pub title_words: usize,
    /// With the above alike, the title with fewer words besides the query's is the closer match.
    pub title_length: Reverse<usize>,
    /// The longest run of the query's words found in a row in the text.
    pub text_phrase: usize,
}

/// The relevance of a document with `title` and `text` to a query already folded into search
/// tokens ([`search_tokens`]).
pub fn relevance(query: &[&str], title: &str, text: &str) -> Relevance {
    let title = search_tokens(title);
    let title: Vec<&str> = title.split(' ').collect();
    let text = search_tokens(text);
    let text: Vec<&str> = text.split(' ').collect();
    Relevance {
        title_prefix: query.iter().zip(&title).take_while(|(q, t)| q == t).count(),
        title_phrase: longest_run(query, &title),
        title_words: query
            .iter()
            .enumerate()
            .filter(|(i, q)| !query[..*i].contains(q) && title.contains(q))
            .count(),
        title_length: Reverse(title.len()),
        text_phrase: longest_run(query, &text),
    }
}

/// The longest stretch of consecutive query words that stands in `words` in the same order.
fn longest_run(query: &[&str], words: &[&str]) -> usize {
    let mut best = 0;
    for start in 0..words.len() {
        for q in 0..query.len() {
            let run = query[q..]
                .iter()
                .zip(&words[start..])
                .take_while(|(a, b)| a == b)
                .count();
            best = best.max(run);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank<'a>(query: &str, titles: &[&'a str]) -> Vec<&'a str> {
        let q = search_tokens(query);
        let q: Vec<&str> = q.split(' ').collect();
        let mut titles = titles.to_vec();
        titles.sort_by_key(|t| std::cmp::Reverse(relevance(&q, t, "")));
        titles
    }

    const VNACCS: &[&str] = &[
        "Lỗi thường gặp khi đăng ký tài khoản VNACCS",
        "Thay đổi thông tin tài khoản VNACCS",
        "Lỗi đăng nhập VNACCS",
        "Đăng ký tài khoản người sử dụng hệ thống VNACCS/VCIS",
    ];

    #[test]
    fn a_title_that_begins_with_the_query_comes_first() {
        for q in ["dang ky tai khoan vnaccs", "Đăng ký tài khoản VNACCS"] {
            assert_eq!(
                rank(q, VNACCS)[0],
                "Đăng ký tài khoản người sử dụng hệ thống VNACCS/VCIS",
                "{q}"
            );
        }
        assert_eq!(
            rank("loi thuong gap khi dang ky tai khoan", VNACCS)[0],
            "Lỗi thường gặp khi đăng ký tài khoản VNACCS"
        );
        assert_eq!(
            rank("thay doi thong tin tai khoan", VNACCS)[0],
            "Thay đổi thông tin tài khoản VNACCS"
        );
    }

    #[test]
    fn a_phrase_in_the_title_beats_scattered_words() {
        let q = ["tai", "khoan", "vnaccs"];
        let phrase = relevance(&q, "Lỗi khi đăng ký tài khoản VNACCS", "");
        let scattered = relevance(&q, "VNACCS: khoản phí và tài liệu", "");
        assert!(phrase > scattered, "{phrase:?} {scattered:?}");
        assert_eq!(phrase.title_phrase, 3);
        assert_eq!(scattered.title_words, 3);
    }

    #[test]
    fn with_the_title_alike_a_phrase_in_the_text_decides() {
        let q = ["to", "khai", "sua", "doi"];
        let a = relevance(&q, "Hướng dẫn", "Khai tờ khai sửa đổi bổ sung");
        let b = relevance(&q, "Hướng dẫn", "Sửa tờ, đổi khai");
        assert!(a > b);
        assert_eq!(a.text_phrase, 4);
    }

    #[test]
    fn the_shorter_of_two_titles_that_match_alike_comes_first() {
        assert_eq!(
            rank("chu ky so", &["Chữ ký số hết hạn, gia hạn", "Chữ ký số"])[0],
            "Chữ ký số"
        );
    }

    #[test]
    fn repeated_query_words_count_once() {
        let r = relevance(&["vnaccs", "vnaccs"], "VNACCS", "");
        assert_eq!(r.title_words, 1);
    }
}
