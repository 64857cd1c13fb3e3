//! Inbound mail, from raw bytes to what the email channel needs to open or continue a case.
//!
//! Pure: no IO, no database. [`parse`] never panics, whatever the input (a fuzz target and a
//! mutation test check it); what it cannot make sense of is a [`ParseFailure`] with a reason, which
//! the services layer turns into a visible work item with the raw mail attached.
//!
//! Decoding is mail-parser's (MIME structure, RFC 2047 encoded words, quoted-printable, base64,
//! charsets including windows-1258); everything textual leaving this crate is NFC-normalised,
//! because windows-1258 and some Vietnamese clients send tone marks as combining characters, and
//! obeys the input rule (control characters replaced, see `scrub`).
use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use hqdesk_domain::case::CaseNumber;
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

mod classify;
mod scrub;
pub use classify::{Bounce, Classification};

/// Value of the `X-Loop` header hqdesk puts on every mail it sends: a mail carrying it came from
/// hqdesk (ours looping back, or another instance) and is never acknowledged.
pub const LOOP_MARKER: &str = "hqdesk";

/// A part larger than this is recorded by name and size, without its bytes.
pub const MAX_PART_BYTES: usize = 10 * 1024 * 1024;
/// At most this many attachments and inline images are kept; the rest are listed as skipped.
pub const MAX_PARTS: usize = 20;
/// Sanitised HTML longer than this is not kept (the text rendering always is).
pub const MAX_HTML_CHARS: usize = 512 * 1024;
/// The text body is cut at this many characters (the case engine's limit on a message body).
pub const MAX_TEXT_CHARS: usize = 100_000;

/// A parsed mailbox address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    pub name: Option<String>,
    /// As written, trimmed; lower-cased domain not enforced here (the domain's `Email` does that).
    pub address: String,
}

/// An attachment or inline image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPart {
    pub filename: String,
    pub content_type: String,
    /// `Content-ID` without angle brackets, for inline images referenced as `cid:` in the HTML.
    pub content_id: Option<String>,
    pub inline: bool,
    /// Decoded size in bytes (also when the bytes were dropped for being too large).
    pub size: usize,
    /// Empty when `oversized`.
    pub bytes: Vec<u8>,
    pub oversized: bool,
}

/// Everything the email channel uses from one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Outlook's conversation key: `ti:` + hex of the first 22 bytes of `Thread-Index`.
    pub thread_key: Option<String>,
    pub subject: String,
    pub from: Option<MailAddress>,
    pub reply_to: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    /// Milliseconds since the epoch, from the `Date` header.
    pub date: Option<i64>,
    /// Plain text: the text part, or a rendering of the HTML part; forwarded mails appended.
    pub text: String,
    /// Sanitised HTML for display, when the mail had an HTML part.
    pub html: Option<String>,
    pub parts: Vec<MailPart>,
    /// Parts beyond [`MAX_PARTS`]: (file name, size).
    pub skipped_parts: Vec<(String, usize)>,
    pub classification: Classification,
    pub bounce: Option<Bounce>,
    /// A valid case number found in the subject.
    pub case_number: Option<CaseNumber>,
}

impl ParsedMail {
    /// The address replies and acknowledgements go to: Reply-To, else From.
    pub fn requester(&self) -> Option<&MailAddress> {
        self.reply_to.as_ref().or(self.from.as_ref())
    }

    /// Message-IDs this mail answers, most specific first: In-Reply-To, then References from the
    /// newest to the oldest. Duplicates removed.
    pub fn thread_candidates(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in self.in_reply_to.iter().chain(self.references.iter().rev()) {
            if Some(id) != self.message_id.as_ref() && !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }

    /// A subject fit for a case: one line, at most 200 characters, never empty.
    pub fn case_subject(&self) -> String {
        let one_line: String = self
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let trimmed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
        if trimmed.is_empty() {
            return "(không có tiêu đề / no subject)".to_string();
        }
        trimmed.chars().take(200).collect()
    }

    /// A body fit for a timeline entry: never empty, within the engine's limit.
    pub fn case_body(&self) -> String {
        let t = self.text.trim();
        if t.is_empty() {
            if self.parts.is_empty() {
                "(thư không có nội dung / empty message)".to_string()
            } else {
                "(thư chỉ có tệp đính kèm / attachments only)".to_string()
            }
        } else {
            t.chars().take(MAX_TEXT_CHARS).collect()
        }
    }
}

/// Why a mail could not be made into a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub reason: String,
}

impl fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ParseFailure {}

fn fail(reason: impl Into<String>) -> ParseFailure {
    ParseFailure {
        reason: reason.into(),
    }
}

/// SHA-256 (hex) of the raw mail: the name of its bytes in the blob store.
pub fn sha256_hex(raw: &[u8]) -> String {
    hex::encode(Sha256::digest(raw))
}

/// SHA-256 (hex) of the body of the raw mail (everything after the first empty line). The same
/// mail delivered twice differs in its trace headers (Received, Delivered-To) but not here.
pub fn content_hash(raw: &[u8]) -> String {
    let body = find_body(raw).map_or(raw, |i| &raw[i..]);
    sha256_hex(body)
}

fn find_body(raw: &[u8]) -> Option<usize> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A Message-ID as stored: without angle brackets and surrounding space.
pub fn normalize_message_id(s: &str) -> Option<String> {
    let t = s
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if t.is_empty() || t.len() > 500 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        None
    } else {
        Some(t.to_string())
    }
}

pub(crate) fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Parse one raw mail. Never panics: a panic inside the MIME or HTML libraries (mail-parser has
/// `debug_assert!`s that malformed multiparts reach, found by the fuzz target) is caught and
/// reported as a failure, so the mail becomes a work item instead of stopping intake.
pub fn parse(raw: &[u8]) -> Result<ParsedMail, ParseFailure> {
    std::panic::catch_unwind(|| parse_inner(raw))
        .unwrap_or_else(|_| Err(fail("the mail's MIME structure could not be read")))
}

fn parse_inner(raw: &[u8]) -> Result<ParsedMail, ParseFailure> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(fail("the mail is empty"));
    }
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| fail("no MIME structure could be read"))?;
    if msg.headers().is_empty() {
        return Err(fail("the mail has no header"));
    }
    let from = first_address(msg.from()).or_else(|| first_address(msg.sender()));
    let Some(from) = from else {
        return Err(fail("the mail has no sender address (From)"));
    };
    let reply_to = first_address(msg.reply_to());
    let subject = repair_8bit_header(&msg, raw, "Subject", msg.subject().unwrap_or(""));
    let message_id = msg.message_id().and_then(normalize_message_id);
    let in_reply_to = id_list(msg.in_reply_to());
    let references = id_list(msg.references());
    let thread_key = msg.header_raw("Thread-Index").and_then(thread_key_of);
    let date = msg.date().map(|d| d.to_timestamp().saturating_mul(1000));

    let mut text = body_text(&msg);
    let html = body_html(&msg);
    let mut parts = Vec::new();
    let mut skipped_parts = Vec::new();
    collect_parts(&msg, &mut parts, &mut skipped_parts, &mut text, 0);
    let text = clamp(nfc(&text));

    let (classification, bounce) = classify::classify(&msg, &from, &subject);
    let case_number = find_case_number(&subject);
    Ok(scrub::scrubbed(ParsedMail {
        message_id,
        in_reply_to,
        references,
        thread_key,
        subject,
        from: Some(from),
        reply_to,
        to: all_addresses(msg.to()),
        cc: all_addresses(msg.cc()),
        date,
        text,
        html,
        parts,
        skipped_parts,
        classification,
        bounce,
        case_number,
    }))
}

/// A header written in raw 8-bit bytes that are not UTF-8 (old clients skip RFC 2047) comes out
/// of mail-parser with U+FFFD in it; decode those bytes with the charset the body declares (else
/// windows-1252, the usual culprit) instead.
fn repair_8bit_header(msg: &Message<'_>, raw: &[u8], name: &str, decoded: &str) -> String {
    let fallback = || nfc(decoded).trim().to_string();
    if !decoded.contains('\u{FFFD}') {
        return fallback();
    }
    let Some(h) = msg
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
    else {
        return fallback();
    };
    let (start, end) = (h.offset_start() as usize, h.offset_end() as usize);
    let Some(bytes) = raw.get(start..end) else {
        return fallback();
    };
    if std::str::from_utf8(bytes).is_ok() {
        return fallback();
    }
    let charset = msg
        .text_part(0)
        .or_else(|| msg.html_part(0))
        .and_then(|p| p.content_type())
        .and_then(|c| c.attribute("charset"))
        .unwrap_or("windows-1252")
        .to_string();
    let decoder = mail_parser::decoders::charsets::map::charset_decoder(charset.as_bytes())
        .or_else(|| mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252"));
    match decoder {
        Some(d) => {
            let text = d(bytes);
            nfc(text.split_whitespace().collect::<Vec<_>>().join(" ").trim())
        }
        None => fallback(),
    }
}

fn clamp(s: String) -> String {
    if s.chars().count() > MAX_TEXT_CHARS {
        s.chars().take(MAX_TEXT_CHARS).collect()
    } else {
        s
    }
}

fn addr_of(a: &mail_parser::Addr<'_>) -> Option<MailAddress> {
    let address = a.address.as_deref()?.trim();
    if address.is_empty() || !address.contains('@') {
        return None;
    }
    let name = a
        .name
        .as_deref()
        .map(|n| nfc(n.trim().trim_matches('"').trim()))
        .filter(|n| !n.is_empty() && n != address);
    Some(MailAddress {
        name,
        address: address.to_string(),
    })
}

fn all_addresses(a: Option<&Address<'_>>) -> Vec<MailAddress> {
    match a {
        Some(Address::List(list)) => list.iter().filter_map(addr_of).collect(),
        Some(Address::Group(groups)) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .filter_map(addr_of)
            .collect(),
        None => Vec::new(),
    }
}

fn first_address(a: Option<&Address<'_>>) -> Option<MailAddress> {
    all_addresses(a).into_iter().next()
}

pub(crate) fn id_list(v: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<&str> = match v {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(l) => l.iter().map(|c| c.as_ref()).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        // A client may put several ids in one Text value.
        for piece in r.split(|c: char| c.is_whitespace() || c == ',') {
            if let Some(id) = normalize_message_id(piece) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}

fn thread_key_of(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    // Lenient: clients pad (or not) and leave stray trailing bits; only the first 22 bytes count.
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(compact.as_bytes()).ok()?;
    if bytes.len() < 22 {
        return None;
    }
    Some(format!("ti:{}", hex::encode(&bytes[..22])))
}

fn body_text(msg: &Message<'_>) -> String {
    let mut pieces: Vec<String> = Vec::new();
    for i in 0..msg.text_body_count() {
        if let Some(t) = msg.body_text(i) {
            let t = t.trim();
            if !t.is_empty() {
                pieces.push(t.to_string());
            }
        }
    }
    pieces.join("\n\n")
}

fn body_html(msg: &Message<'_>) -> Option<String> {
    let part = msg.html_part(0)?;
    let PartType::Html(html) = &part.body else {
        return None;
    };
    if html.len() > MAX_HTML_CHARS * 4 {
        return None;
    }
    let clean = ammonia::Builder::default()
        .add_url_schemes(["cid"])
        .clean(html)
        .to_string();
    let clean = nfc(&clean);
    (clean.chars().count() <= MAX_HTML_CHARS && !clean.trim().is_empty()).then_some(clean)
}

fn collect_parts(
    msg: &Message<'_>,
    parts: &mut Vec<MailPart>,
    skipped: &mut Vec<(String, usize)>,
    text: &mut String,
    depth: usize,
) {
    for part in msg.attachments() {
        let ctype = part
            .content_type()
            .map(|c| match &c.c_subtype {
                Some(s) => format!("{}/{}", c.c_type, s),
                None => c.c_type.to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_string())
            .to_ascii_lowercase();
        if let PartType::Message(inner) = &part.body {
            // A forwarded mail: its text joins the body so the agent reads it in place.
            if depth < 3 {
                let mut inner_text = body_text(inner);
                collect_parts(inner, parts, skipped, &mut inner_text, depth + 1);
                let from = first_address(inner.from())
                    .map(|a| a.address)
                    .unwrap_or_default();
                let subject = inner.subject().unwrap_or("");
                text.push_str(&format!(
                    "\n\n---------- Forwarded message ----------\nFrom: {from}\nSubject: {subject}\n\n{}",
                    inner_text.trim()
                ));
            }
            continue;
        }
        // Delivery reports are read by the classifier, not kept as files.
        if ctype == "message/delivery-status" || ctype == "text/rfc822-headers" {
            continue;
        }
        let bytes: Cow<'_, [u8]> = match &part.body {
            PartType::Text(t) | PartType::Html(t) => Cow::Borrowed(t.as_bytes()),
            PartType::Binary(b) | PartType::InlineBinary(b) => Cow::Borrowed(b.as_ref()),
            PartType::Message(_) | PartType::Multipart(_) => continue,
        };
        let content_id = part.content_id().and_then(normalize_message_id);
        let inline = matches!(part.body, PartType::InlineBinary(_))
            || part
                .content_disposition()
                .is_some_and(|d| d.c_type.eq_ignore_ascii_case("inline"));
        let filename = part
            .attachment_name()
            .map(|n| nfc(n.trim()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| default_name(&ctype, content_id.as_deref()));
        let size = bytes.len();
        if parts.len() >= MAX_PARTS {
            skipped.push((filename, size));
            continue;
        }
        let oversized = size > MAX_PART_BYTES;
        parts.push(MailPart {
            filename,
            content_type: ctype,
            content_id,
            inline,
            size,
            bytes: if oversized {
                Vec::new()
            } else {
                bytes.into_owned()
            },
            oversized,
        });
    }
}

fn default_name(ctype: &str, cid: Option<&str>) -> String {
    let ext = match ctype {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/html" => "html",
        _ => "bin",
    };
    let stem = cid
        .and_then(|c| c.split('@').next())
        .filter(|s| !s.is_empty() && s.len() <= 60)
        .unwrap_or("attachment");
    format!("{stem}.{ext}")
}

/// The first valid case number (`HQ2611-4839207`, also `HQ2611 4839207`, `hq26114839207`) in a
/// subject. Candidates with a wrong check digit are ignored.
pub fn find_case_number(subject: &str) -> Option<CaseNumber> {
    let chars: Vec<char> = subject.chars().collect();
    let mut i = 0;
    while i + 1 < chars.len() {
        let starts = chars[i].eq_ignore_ascii_case(&'h')
            && chars[i + 1].eq_ignore_ascii_case(&'q')
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        if starts {
            let mut candidate = String::from("HQ");
            let mut digits = 0;
            let mut j = i + 2;
            while j < chars.len() && digits < 11 {
                let c = chars[j];
                if c.is_ascii_digit() {
                    candidate.push(c);
                    digits += 1;
                } else if (c == '-' || c == ' ') && digits == 4 {
                    // the separator after YYMM
                } else {
                    break;
                }
                j += 1;
            }
            let ends = j >= chars.len() || !chars[j].is_alphanumeric();
            if digits == 11 && ends {
                if let Ok(n) = CaseNumber::parse(&candidate) {
                    return Some(n);
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;
