//! A report's text for a verifying unit: the investigator marks what must not leave between
//! `[[` and `]]`, and each marked part becomes a placeholder. The draft they start from has the
//! contact details found in the text (e-mail addresses, telephone numbers) marked already: a
//! reporter often signs with them, and keeping one is a choice made by removing its brackets.

/// Opens a part to remove.
pub const OPEN: &str = "[[";
/// Closes a part to remove.
pub const CLOSE: &str = "]]";

/// Why marked text cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("a part marked with [[ is not closed with ]] (at character {0})")]
    Unclosed(usize),
    #[error("]] closes nothing (at character {0})")]
    Unopened(usize),
}

/// `text` with every `[[…]]` replaced by `placeholder`, and how many parts were removed.
pub fn apply_marks(text: &str, placeholder: &str) -> Result<(String, usize), MarkError> {
    let mut out = String::with_capacity(text.len());
    let mut removed = 0;
    let mut rest = text;
    loop {
        let open = rest.find(OPEN);
        let close = rest.find(CLOSE);
        match (open, close) {
            (None, None) => break,
            (None, Some(c)) => return Err(MarkError::Unopened(char_at(text, rest, c))),
            (Some(o), Some(c)) if c < o => return Err(MarkError::Unopened(char_at(text, rest, c))),
            (Some(o), _) => {
                let after = &rest[o + OPEN.len()..];
                let Some(end) = after.find(CLOSE) else {
                    return Err(MarkError::Unclosed(char_at(text, rest, o)));
                };
                if after[..end].contains(OPEN) {
                    return Err(MarkError::Unclosed(char_at(text, rest, o)));
                }
                out.push_str(&rest[..o]);
                out.push_str(placeholder);
                removed += 1;
                rest = &after[end + CLOSE.len()..];
            }
        }
    }
    out.push_str(rest);
    Ok((out, removed))
}

/// The position, in characters of `whole`, of byte `at` of its tail `rest`.
fn char_at(whole: &str, rest: &str, at: usize) -> usize {
    let offset = whole.len() - rest.len() + at;
    whole[..offset].chars().count() + 1
}

/// `text` with its e-mail addresses and telephone numbers marked for removal, and how many.
pub fn mark_contact_details(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 16);
    let mut marked = 0;
    // Words, with the separators kept: a contact detail is one word (an address) or a run of
    // digit groups (a number written "0912 345 678" or "+84 912.345.678").
    let tokens = split_keeping(text);
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        if is_email(t) {
            out.push_str(&mark(t));
            marked += 1;
            i += 1;
            continue;
        }
        if let Some(end) = phone_run(&tokens, i) {
            let run: String = tokens[i..end].concat();
            out.push_str(&mark(&run));
            marked += 1;
            i = end;
            continue;
        }
        out.push_str(t);
        i += 1;
    }
    (out, marked)
}

/// `s` marked, with the punctuation around it left outside the mark.
fn mark(s: &str) -> String {
    let core = trim_punct(s);
    let at = s.find(core).unwrap_or(0);
    format!("{}{OPEN}{core}{CLOSE}{}", &s[..at], &s[at + core.len()..])
}

/// `text` cut into words and the single spaces between them (other white space is a word of
/// its own, which no rule matches).
fn split_keeping(text: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if start < i {
                out.push(&text[start..i]);
            }
            out.push(&text[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn trim_punct(s: &str) -> &str {
    s.trim_start_matches(['(', '<', '"', '\'', '['])
        .trim_end_matches([',', ';', ':', ')', '>', '"', '\'', '.', '!', '?', ']'])
}

fn is_email(word: &str) -> bool {
    let w = trim_punct(word);
    let Some((local, domain)) = w.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// The end of the run of tokens from `start` that writes a telephone number: 9 to 12 digits
/// in all, starting `0` or `+84`/`84`, in groups separated by single spaces, dots or dashes.
fn phone_run(tokens: &[&str], start: usize) -> Option<usize> {
    let first = trim_punct(tokens[start]);
    if !(first.starts_with('0') || first.starts_with("+84") || first.starts_with("84"))
        || !is_digit_group(first)
    {
        return None;
    }
    // A tax code (10 digits, often after "MST") is not a telephone number: the company's
    // code is usually the evidence. Numbers starting 01 have not been telephone numbers
    // since 2018; after "MST" or "thuế" nothing is.
    let before: Vec<&str> = tokens[..start]
        .iter()
        .rev()
        .filter(|t| !t.trim().is_empty())
        .take(1)
        .copied()
        .collect();
    let after_tax_word = before.first().is_some_and(|w| {
        let w = trim_punct(w).to_lowercase();
        w == "mst" || w == "thuế" || w == "thue" || w.ends_with("tax")
    });
    if after_tax_word || first.starts_with("01") {
        return None;
    }
    let mut digits = count_digits(first);
    let mut end = start + 1;
    let mut best = (9..=12).contains(&digits).then_some(end);
    // Further groups after a single space.
    // A group that ends with punctuation ("678,") ends the number; one that begins with it
    // ("(+84") begins another.
    let ends_clean = |t: &str| t.ends_with(|c: char| c.is_ascii_digit());
    while end + 1 < tokens.len()
        && ends_clean(tokens[end - 1])
        && tokens[end] == " "
        && tokens[end + 1].starts_with(|c: char| c.is_ascii_digit())
        && is_digit_group(trim_punct(tokens[end + 1]))
    {
        digits += count_digits(trim_punct(tokens[end + 1]));
        if digits > 12 {
            break;
        }
        end += 2;
        if digits >= 9 {
            best = Some(end);
        }
    }
    best
}

fn is_digit_group(s: &str) -> bool {
    let s = s.strip_prefix('+').unwrap_or(s);
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_digit())
}

fn count_digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_parts_become_the_placeholder() {
        let (out, n) = apply_marks(
            "Tôi là [[Nguyễn Văn A]], ở [[Móng Cái]]. Xe 29C-123.45 chở thuốc lá.",
            "[đã che]",
        )
        .expect("applied");
        assert_eq!(
            out,
            "Tôi là [đã che], ở [đã che]. Xe 29C-123.45 chở thuốc lá."
        );
        assert_eq!(n, 2);
        assert_eq!(
            apply_marks("nothing marked", "x"),
            Ok(("nothing marked".into(), 0))
        );
    }

    #[test]
    fn a_mark_left_open_or_closing_nothing_is_an_error_with_its_place() {
        assert_eq!(apply_marks("ab [[cd", "x"), Err(MarkError::Unclosed(4)));
        assert_eq!(apply_marks("ab ]] cd", "x"), Err(MarkError::Unopened(4)));
        assert_eq!(apply_marks("[[a [[b]]", "x"), Err(MarkError::Unclosed(1)));
        assert_eq!(apply_marks("đ [[x]] ]]", "-"), Err(MarkError::Unopened(9)));
    }

    #[test]
    fn contact_details_are_marked_and_the_rest_is_left() {
        let (out, n) = mark_contact_details(
            "Liên hệ tôi: to.cao@gmail.com hoặc 0912 345 678, (+84 912.345.679). \
             Tờ khai 102345678901 ngày 01/12, MST 0301234567, xe 29C-123.45, 3 container.",
        );
        assert_eq!(
            out,
            "Liên hệ tôi: [[to.cao@gmail.com]] hoặc [[0912 345 678]], ([[+84 912.345.679]]). \
             Tờ khai 102345678901 ngày 01/12, MST 0301234567, xe 29C-123.45, 3 container."
        );
        assert_eq!(n, 3);
        let (landline, n) = mark_contact_details("Gọi 024 3872 1234 hoặc 0101234567-001");
        assert_eq!(landline, "Gọi [[024 3872 1234]] hoặc 0101234567-001");
        assert_eq!(n, 1);
        // A marked draft applies cleanly.
        let (applied, removed) = apply_marks(&out, "[…]").expect("applied");
        assert_eq!(removed, 3);
        assert!(!applied.contains("0912") && !applied.contains("gmail"));
    }
}
