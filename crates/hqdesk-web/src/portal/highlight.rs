//! Matched words marked (`<mark>`) in search results and in an article reached from a search.
//! Words match as the search does: folded, so `dang ky` marks `Đăng ký`.
use hqdesk_domain::text::{fold, search_tokens};

/// The query's folded words, as the search uses them.
pub fn query_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = search_tokens(q)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    words.dedup();
    words.truncate(16);
    words
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Mark the words of `text` (plain text) whose folded form is one of `words`; the result is
/// HTML, everything escaped.
pub fn mark_text(text: &str, words: &[String]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    mark_segment(text, words, &mut out, true);
    out
}

/// Mark words in `text`, which is plain (`plain`: escaped on the way) or already HTML text
/// between tags (kept as it is; entities are never split).
fn mark_segment(text: &str, words: &[String], out: &mut String, plain: bool) {
    let push = |s: &str, out: &mut String| {
        if plain {
            escape(s, out)
        } else {
            out.push_str(s)
        }
    };
    let mut rest = text;
    while !rest.is_empty() {
        // An entity (`&amp;`) in HTML text is one piece, never a word.
        if !plain && rest.starts_with('&') {
            let end = rest.find(';').map(|i| i + 1).unwrap_or(1);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let word_len: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .map(char::len_utf8)
            .sum();
        if word_len == 0 {
            let c_len = rest.chars().next().map(char::len_utf8).unwrap_or(1);
            push(&rest[..c_len], out);
            rest = &rest[c_len..];
            continue;
        }
        // A word followed by combining marks (decomposed input) keeps them.
        let word_len = word_len
            + rest[word_len..]
                .chars()
                .take_while(|c| unicode_mark(*c))
                .map(char::len_utf8)
                .sum::<usize>();
        let word = &rest[..word_len];
        if words.iter().any(|w| *w == fold(word)) {
            out.push_str("<mark>");
            push(word, out);
            out.push_str("</mark>");
        } else {
            push(word, out);
        }
        rest = &rest[word_len..];
    }
}

fn unicode_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

/// Where the tag that `s` starts with ends (its `>`), quoted attribute values skipped: a `>`
/// inside `title="a>b"` does not end the tag.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Mark the words in the text of `html` (sanitised HTML): tags and attributes are left alone.
pub fn mark_html(html: &str, words: &[String]) -> String {
    if words.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        mark_segment(&rest[..open], words, &mut out, false);
        let close = tag_end(&rest[open..])
            .map(|i| open + i + 1)
            .unwrap_or(rest.len());
        out.push_str(&rest[open..close]);
        rest = &rest[close..];
    }
    mark_segment(rest, words, &mut out, false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_words_are_marked_in_text_and_html() {
        let w = query_words("dang ky tai khoan vnaccs");
        assert_eq!(
            mark_text("Đăng ký tài khoản VNACCS/VCIS <b>", &w),
            "<mark>Đăng</mark> <mark>ký</mark> <mark>tài</mark> <mark>khoản</mark> <mark>VNACCS</mark>/VCIS &lt;b&gt;"
        );
        assert_eq!(
            mark_html("<p class=\"dang\">Cách đăng ký &amp; dang</p>", &w),
            "<p class=\"dang\">Cách <mark>đăng</mark> <mark>ký</mark> &amp; <mark>dang</mark></p>"
        );
        // Part of a word is not a match; an empty query marks nothing.
        assert_eq!(mark_text("khoảng", &w), "khoảng");
        assert_eq!(mark_html("<p>đăng</p>", &[]), "<p>đăng</p>");
        assert_eq!(
            mark_html("<a title=\"x>dang\">dang</a>", &w),
            "<a title=\"x>dang\"><mark>dang</mark></a>"
        );
        let amp = query_words("amp");
        assert_eq!(mark_html("a &amp; b", &amp), "a &amp; b");
    }
}
