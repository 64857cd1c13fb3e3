use super::*;

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\r\n\r\n{body}").into_bytes()
}

#[test]
fn plain_utf8_mail() {
    let raw = mail(
        "From: =?UTF-8?B?Tmd1eeG7hW4gVsSDbiBBbg==?= <an@example.vn>\r\nTo: support@hq.vn\r\nSubject: =?UTF-8?Q?H=E1=BB=8Fi_v=E1=BB=81_VNACCS?=\r\nMessage-ID: <abc@example.vn>\r\nContent-Type: text/plain; charset=utf-8",
        "Xin chào",
    );
    let p = parse(&raw).unwrap();
    assert_eq!(p.subject, "Hỏi về VNACCS");
    let from = p.from.clone().unwrap();
    assert_eq!(from.address, "an@example.vn");
    assert_eq!(from.name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(p.message_id.as_deref(), Some("abc@example.vn"));
    assert_eq!(p.text, "Xin chào");
    assert_eq!(p.classification, Classification::Normal);
}

#[test]
fn windows_1258_combining_tone_marks_become_nfc() {
    // "Hải quan" in windows-1258: 'a' + 0xD2 (combining hook above) is how 1258 writes ả.
    let mut raw = b"From: a@b.vn\r\nSubject: x\r\nContent-Type: text/plain; charset=windows-1258\r\n\r\nHa\xd2i quan".to_vec();
    raw.extend_from_slice(b"\r\n");
    let p = parse(&raw).unwrap();
    assert_eq!(p.text, "Hải quan");
    assert!(p
        .text
        .chars()
        .all(|c| !('\u{300}'..='\u{36f}').contains(&c)));
}

#[test]
fn case_numbers_in_subjects() {
    let n = hqdesk_domain::case::CaseNumber::compose(
        hqdesk_domain::Timestamp(1_795_425_600_000),
        483_920,
    );
    let s = n.as_str();
    assert_eq!(
        find_case_number(&format!("Re: [{s}] câu hỏi")),
        Some(n.clone())
    );
    assert_eq!(
        find_case_number(&format!("RE: hồ sơ {}", s.replace('-', " "))),
        Some(n.clone())
    );
    assert_eq!(
        find_case_number(&format!("re {}", s.to_lowercase().replace('-', ""))),
        Some(n.clone())
    );
    // wrong check digit
    let mut bad = s.to_string();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    assert_eq!(find_case_number(&bad), None);
    assert_eq!(find_case_number("XHQ2611-4839207"), None);
    assert_eq!(find_case_number(""), None);
}

#[test]
fn references_and_thread_index() {
    let raw = mail(
        "From: a@b.vn\r\nSubject: Re: x\r\nMessage-ID: <3@b.vn>\r\nIn-Reply-To: <2@hq.vn>\r\nReferences: <1@hq.vn>\r\n <2@hq.vn>\r\nThread-Index: AdnL3m1w9hU4pXqXQ0OQ1w2m2Q3n5QAAAAAA",
        "ok",
    );
    let p = parse(&raw).unwrap();
    assert_eq!(
        p.thread_candidates(),
        vec!["2@hq.vn".to_string(), "1@hq.vn".to_string()]
    );
    assert!(p.thread_key.as_deref().unwrap().starts_with("ti:"));
}

#[test]
fn classification_markers() {
    let cases = [
        ("Auto-Submitted: auto-replied", Classification::AutoReply),
        ("Auto-Submitted: no", Classification::Normal),
        ("X-Autoreply: yes", Classification::AutoReply),
        ("X-Auto-Response-Suppress: All", Classification::AutoReply),
        ("Precedence: bulk", Classification::MailingList),
        ("List-Id: <news.example.vn>", Classification::MailingList),
        ("X-Loop: hqdesk", Classification::Loop),
        ("X-Loop: other-system", Classification::Loop),
        ("Return-Path: <>", Classification::AutoReply),
        ("X-Mailer: Outlook", Classification::Normal),
    ];
    for (h, want) in cases {
        let raw = mail(&format!("From: a@b.vn\r\nSubject: hello\r\n{h}"), "text");
        assert_eq!(parse(&raw).unwrap().classification, want, "{h}");
    }
    let raw = mail("From: a@b.vn\r\nSubject: Trả lời tự động: Hỏi", "vắng");
    assert_eq!(
        parse(&raw).unwrap().classification,
        Classification::AutoReply
    );
}

#[test]
fn dsn_bounce_names_the_original() {
    let raw = "From: MAILER-DAEMON@mx.hq.vn\r\nTo: support@hq.vn\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.hq.vn\r\n\r\nFinal-Recipient: rfc822; nobody@example.vn\r\nAction: failed\r\nStatus: 5.1.1\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@hq.vn\r\nTo: nobody@example.vn\r\nMessage-ID: <reply-17@hq.vn>\r\nSubject: Re: x\r\n--B--\r\n";
    let p = parse(raw.as_bytes()).unwrap();
    assert_eq!(p.classification, Classification::Bounce);
    let b = p.bounce.unwrap();
    assert_eq!(b.original_message_id.as_deref(), Some("reply-17@hq.vn"));
    assert_eq!(b.recipient.as_deref(), Some("nobody@example.vn"));
    assert_eq!(b.status.as_deref(), Some("5.1.1"));
}

#[test]
fn failures_never_panic() {
    for raw in [
        &b""[..],
        b"   \r\n",
        b"garbage without colon",
        b"Subject: no sender\r\n\r\nbody",
        b"\xff\xfe\x00",
    ] {
        assert!(parse(raw).is_err(), "{raw:?}");
    }
}

#[test]
fn content_hash_ignores_trace_headers() {
    let a = b"Received: from x\r\nFrom: a@b\r\n\r\nbody";
    let b = b"Received: from y\r\nDelivered-To: z\r\nFrom: a@b\r\n\r\nbody";
    assert_eq!(content_hash(a), content_hash(b));
    assert_ne!(sha256_hex(a), sha256_hex(b));
}

#[test]
fn raw_8bit_subject_uses_the_body_charset() {
    let raw = b"From: a@b.vn\r\nSubject: Die Hasen und die Fr\xf6sche\r\nContent-Type: text/plain; charset=\"iso-8859-1\"\r\n\r\nx";
    assert_eq!(parse(raw).unwrap().subject, "Die Hasen und die Frösche");
    let raw = b"From: a@b.vn\r\nSubject: Ha\xd2i quan\r\nContent-Type: text/plain; charset=windows-1258\r\n\r\nx";
    assert_eq!(parse(raw).unwrap().subject, "Hải quan");
}

#[test]
fn control_characters_are_replaced_never_refused() {
    // A NUL and an escape in the subject (RFC 2047 lets any byte through), the sender's name,
    // the body and an attachment's name: the mail is kept, the characters replaced.
    let raw = mail(
        "From: =?UTF-8?Q?An=00=1B?= <an@example.vn>\r\nSubject: =?UTF-8?Q?H=E1=BB=8Fi=00_v=E1=BB=81=0AVNACCS?=\r\nMessage-ID: <nul@example.vn>\r\nContent-Type: multipart/mixed; boundary=b",
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nD=C3=B2ng 1=00\r\n\tD=C3=B2ng 2\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename*=utf-8''a%00b.txt\r\n\r\nx\r\n--b--\r\n",
    );
    let p = parse(&raw).unwrap();
    assert_eq!(p.subject, "Hỏi\u{FFFD} về VNACCS");
    assert_eq!(
        p.from.as_ref().unwrap().name.as_deref(),
        Some("An\u{FFFD}\u{FFFD}")
    );
    assert!(p.text.contains("Dòng 1\u{FFFD}"), "{:?}", p.text);
    assert!(
        p.text.contains("\n\tDòng 2"),
        "line breaks and tabs stay: {:?}",
        p.text
    );
    assert_eq!(p.parts.len(), 1);
    assert_eq!(p.parts[0].filename, "a\u{FFFD}b.txt");
    for text in [&p.subject, &p.text, &p.parts[0].filename] {
        assert!(!text.contains('\0'));
    }
}
