//! E-mail wrappers and the parts of a text.
//!
//! A short tip inside a long e-mail is diluted: the greeting ("Kính gửi Bộ phận hỗ trợ,"), the
//! sign-off ("Trân trọng,"), a signature block (name, company, tax code, phone), a
//! confidentiality disclaimer and quoted earlier messages weigh as much as the tip itself in a
//! unit-length feature vector, and they mostly look like support mail. Two remedies, both
//! generic (no word list of any one text):
//!
//! - [`body`]: the text without its wrapper, which is what the model reads (in training too);
//! - [`parts`]: the text cut into sentence-sized parts (quoted lines included), each scored on
//!   its own, so that `confidential` can be the highest score over the whole text and its
//!   parts: a denunciation inside a long mail is not diluted by the rest of it.
use hqdesk_domain::text::fold;
use std::borrow::Cow;

/// A part is at least this many bytes (shorter sentences are joined to the next one).
pub const MIN_PART_BYTES: usize = 40;
/// At most this many parts are scored; the rest of the text is joined to the last one.
pub const MAX_PARTS: usize = 24;

/// Greetings that open a mail, folded.
const GREETINGS: &[&str] = &[
    "kinh gui",
    "kinh thua",
    "kinh chao",
    "xin kinh gui",
    "gui ",
    "than gui",
    "chao",
    "xin chao",
    "thua",
    "dear",
    "hi",
    "hello",
    "good morning",
    "good afternoon",
    "to whom it may concern",
];

/// Sign-offs that close a mail, folded: from such a (short) line on, the rest is signature.
const SIGN_OFFS: &[&str] = &[
    "tran trong",
    "tran trong cam on",
    "tran trong kinh chao",
    "kinh thu",
    "than ai",
    "than",
    "than chao",
    "xin cam on",
    "cam on",
    "em cam on",
    "xin chan thanh cam on",
    "chan thanh cam on",
    "best",
    "best regards",
    "regards",
    "kind regards",
    "warm regards",
    "thanks",
    "thanks and regards",
    "thanks regards",
    "thank you",
    "many thanks",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "cheers",
    "br",
];

/// Lines of a disclaimer or a mail program's footer, folded; such a line and what follows it
/// are not the message.
const FOOTERS: &[&str] = &[
    "confidentiality",
    "is confidential and",
    "are confidential and",
    "this e-mail",
    "this email",
    "this message",
    "intended solely",
    "intended only",
    "intended recipient",
    "privileged information",
    "legally privileged",
    "sent from my",
    "sent from outlook",
    "sent from yahoo",
    "gui tu dien thoai",
    "gui tu yahoo",
    "gui tu iphone",
    "gui tu thiet bi",
    "neu nhan nham",
    "thu dien tu nay",
    "email nay co the",
    "email nay chi",
    "thong tin bao mat",
];

/// Header lines of a quoted or forwarded message, folded.
const QUOTE_HEADERS: &[&str] = &[
    "original message",
    "forwarded message",
    "from:",
    "sent:",
    "to:",
    "cc:",
    "subject:",
    "date:",
    "tu:",
    "ngay:",
    "tieu de:",
    "chu de:",
];

/// The line, folded, without quote marks, list marks and surrounding spaces.
fn clean(line: &str) -> String {
    let f = fold(line.trim_start().trim_start_matches(['>', ' ']).trim());
    f.trim_matches(|c: char| c.is_whitespace() || c == '-' || c == '*' || c == '_')
        .to_owned()
}

/// `prefix` followed by the end of the line, a space or punctuation: a whole phrase.
fn starts_phrase(line: &str, phrase: &str) -> bool {
    if phrase.ends_with(' ') || phrase.ends_with(':') {
        return line.starts_with(phrase);
    }
    line.strip_prefix(phrase)
        .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
}

fn is_greeting(line: &str) -> bool {
    line.chars().count() <= 70 && GREETINGS.iter().any(|g| starts_phrase(line, g))
}

fn is_sign_off(line: &str) -> bool {
    let words = line
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    words <= 5 && SIGN_OFFS.iter().any(|s| starts_phrase(line, s))
}

fn is_footer(line: &str) -> bool {
    line == "--" || FOOTERS.iter().any(|f| line.contains(f))
}

fn is_quote_header(raw: &str, line: &str) -> bool {
    let wrote = (line.starts_with("on ") && line.ends_with("wrote:"))
        || (line.starts_with("vao ") && line.ends_with("da viet:"));
    wrote
        || raw.trim_start().starts_with("-----")
        || QUOTE_HEADERS.iter().any(|h| starts_phrase(line, h))
}

/// The message without its e-mail wrapper: the opening greeting lines, the sign-off and all
/// below it (signature, disclaimer), footer lines, and quoted or forwarded earlier messages
/// when the writer's own text comes first. A text of one line, or one where nothing would be
/// left, is returned as it is.
pub fn body(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return Cow::Borrowed(text);
    }
    let lines: Vec<&str> = text.lines().collect();
    let cleaned: Vec<String> = lines.iter().map(|l| clean(l)).collect();
    let quoted = |i: usize| lines[i].trim_start().starts_with('>');
    let mut keep: Vec<&str> = Vec::new();
    let mut own_bytes = 0usize;
    let mut seen_content = false;
    let mut i = 0;
    while i < lines.len() {
        let line = cleaned[i].as_str();
        if line.is_empty() {
            i += 1;
            continue;
        }
        if !seen_content && is_greeting(line) {
            i += 1;
            continue;
        }
        if is_quote_header(lines[i], line) || quoted(i) {
            // Earlier messages below the writer's own text are not the message; a text that is
            // only a forward keeps the forwarded lines.
            if own_bytes >= MIN_PART_BYTES {
                break;
            }
            if !quoted(i) {
                i += 1;
                continue;
            }
            keep.push(lines[i].trim_start().trim_start_matches(['>', ' ']));
            seen_content = true;
            i += 1;
            continue;
        }
        if seen_content && (is_sign_off(line) || is_footer(line)) {
            // The rest is signature, footer or quoted history; a forward further down is kept
            // only when nothing of the writer's own came before it.
            if own_bytes >= MIN_PART_BYTES {
                break;
            }
            i += 1;
            continue;
        }
        if is_footer(line) {
            i += 1;
            continue;
        }
        keep.push(lines[i]);
        own_bytes += lines[i].len();
        seen_content = true;
        i += 1;
    }
    let joined = keep.join("\n");
    if joined.trim().is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(joined)
    }
}

/// The text cut into parts of about a sentence (at least [`MIN_PART_BYTES`], at most
/// [`MAX_PARTS`] of them): cut at line ends and after `.`, `!`, `?` or `;` followed by a space.
/// Quote marks are left in (the features do not read them). A text that makes one part gives
/// no parts: the whole text already is that part.
pub fn parts(text: &str) -> Vec<&str> {
    let mut cuts: Vec<(usize, usize)> = Vec::new(); // (start, end) of each sentence
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let end_here = b == b'\n'
            || (matches!(b, b'.' | b'!' | b'?' | b';')
                && bytes.get(i + 1).is_some_and(|n| *n == b' ' || *n == b'\n'));
        if end_here {
            cuts.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        cuts.push((start, text.len()));
    }
    // Join short sentences to the next ones.
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (s, e) in cuts {
        let (os, _) = open.unwrap_or((s, e));
        let cur = (os, e);
        if text[cur.0..cur.1].trim().len() >= MIN_PART_BYTES {
            out.push(cur);
            open = None;
        } else {
            open = Some(cur);
        }
    }
    if let Some((s, e)) = open {
        if text[s..e].trim().is_empty() {
            // nothing to add
        } else if let Some(last) = out.last_mut() {
            last.1 = e;
        } else {
            out.push((s, e));
        }
    }
    if out.len() > MAX_PARTS {
        let end = out[out.len() - 1].1;
        out.truncate(MAX_PARTS);
        if let Some(last) = out.last_mut() {
            last.1 = end;
        }
    }
    if out.len() < 2 {
        return Vec::new();
    }
    out.into_iter()
        .map(|(s, e)| text[s..e].trim())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_greeting_sign_off_signature_and_disclaimer() {
        let mail = "Kính gửi Bộ phận hỗ trợ,\n\nXin chào,\ncty doi thu khai gia thap hon that, hoa don hai bo\n\nTrân trọng,\nĐỗ Mạnh Cường - Đại lý hải quan\nMST 0201234567\n--\nEmail này có thể chứa thông tin bảo mật.";
        assert_eq!(
            body(mail),
            "cty doi thu khai gia thap hon that, hoa don hai bo"
        );
    }

    #[test]
    fn strips_quoted_history_below_the_message() {
        let mail = "Hi,\nThe inspector asked our driver for cash again today before signing.\n\nThanks,\nMark\n\nOn Mon, 3 Mar 2025 at 09:12, Mark wrote:\n> How long does an inspection take?";
        assert_eq!(
            body(mail),
            "The inspector asked our driver for cash again today before signing."
        );
        let outlook = "Please see below, the declaration is still stuck in the system.\n-----Original Message-----\nFrom: HelpDesk\nSubject: RE: x\n> Dear customer, please wait.";
        assert_eq!(
            body(outlook),
            "Please see below, the declaration is still stuck in the system."
        );
    }

    #[test]
    fn keeps_a_forward_that_is_the_whole_message() {
        let fwd = "Fwd:\n-----Original Message-----\nFrom: x\n> Lô này đi đường tiểu ngạch, không làm tờ khai\n> OK anh";
        let b = body(fwd);
        assert!(b.contains("tiểu ngạch"), "{b}");
    }

    #[test]
    fn leaves_one_line_texts_and_plain_texts_alone() {
        for t in [
            "Chào anh chị, cho em hỏi lỗi E1001 là gì",
            "Cảm ơn",
            "",
            "dòng một\ndòng hai",
        ] {
            assert_eq!(body(t), t);
        }
        // Only a greeting: nothing would be left, so the text stays.
        assert_eq!(body("Chào anh chị,\n"), "Chào anh chị,\n");
    }

    #[test]
    fn a_thank_you_inside_the_message_is_not_a_sign_off() {
        let t = "Kính gửi anh chị,\nCảm ơn anh chị đã hỗ trợ lần trước rất nhiều và rất nhanh chóng.\nLần này tờ khai lại bị lỗi.\nTrân trọng";
        let b = body(t);
        assert!(b.contains("Lần này"), "{b}");
    }

    #[test]
    fn parts_are_sentences_of_a_useful_length() {
        let t = "Ban đầu tôi chỉ hỏi vì sao tờ khai chưa được duyệt sau hai ngày. Hôm nay cán bộ nhắn bảo chuyển 500k tiền cà phê thì duyệt ngay. Ok.";
        let p = parts(t);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[1].ends_with("Ok."), "{p:?}");
        assert!(parts("một câu ngắn").is_empty());
        let many = "Câu này đủ dài để thành một phần riêng biệt. ".repeat(100);
        assert_eq!(parts(&many).len(), MAX_PARTS);
    }
}
