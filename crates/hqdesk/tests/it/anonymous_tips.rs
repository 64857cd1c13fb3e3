//! Anonymous tips (issue 18, design note 006 §5), on both engines: the portal's anonymous track
//! keeps nothing of its sender and shows the receipt once; the reporter comes back with the
//! receipt alone (no cookie), reads the investigator's question and answers it with a file
//! through a short-lived access; wrong, tampered and malformed receipts; the guess limit; the
//! API's `"anonymous": true`.
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use hqdesk_services::Actor;
use serde_json::json;
use tower::ServiceExt;

use crate::both_engines;
use crate::portal_forms::{multipart, Visitor};
use crate::sealed_cases::{scalar_i64, texts};
use crate::support::TestApp;

const SUBJECT: &str = "Tố giác nhận hối lộ tại cảng MKTIPSUBJ";
/// Two of the details a tip's form asks for (where, vehicles).
const TIP_PLACE: &str = "Bãi tập kết số 7, Xuyên Mộc MKTIPPLACE";
const TIP_VEHICLES: &str = "Xe bồn 72C-555.88";
const BODY: &str = "Cán bộ ca đêm thu tiền ngoài để thông quan nhanh MKTIPBODY";
const IGNORED_NAME: &str = "Lê Văn MKIGNORED";
const IGNORED_EMAIL: &str = "mkignored@example.vn";
const QUESTION: &str = "Xin cho biết giờ và số hiệu xe MKQUESTION";
const NOTE: &str = "Ghi chú nội bộ MKNOTE";
const ANSWER: &str = "Khoảng 23 giờ, xe 51C-999.99 MKANSWER";
const ADDRESS: &str = "203.0.113.77";
const USER_AGENT: &str = "Mozilla/5.0 MKAGENT";

/// The text between `after` and the next `until` in `html`.
fn between(html: &str, after: &str, until: char) -> Option<String> {
    let i = html.find(after)? + after.len();
    Some(html[i..i + html[i..].find(until)?].to_string())
}

/// The receipt a page shows (`1234 5678 9012 3456`).
pub(crate) fn receipt_of(html: &str) -> String {
    let shown = between(html, "id=\"tip-receipt\"", '<').expect("the receipt");
    shown
        .split_once('>')
        .expect("the receipt's text")
        .1
        .trim()
        .to_string()
}

fn access_of(html: &str) -> String {
    between(html, "name=\"access\" value=\"", '"').expect("the access field")
}

pub(crate) fn is_grouped_receipt(r: &str) -> bool {
    r.len() == 19
        && r.split(' ').count() == 4
        && r.split(' ')
            .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit()))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
    bytes: Vec<u8>,
    took: Duration,
}

/// A request with no cookie at all, as a new browser (or Tor Browser) sends it.
async fn bare(app: &TestApp, method: &str, path: &str, ctype: &str, body: Vec<u8>) -> Answer {
    bare_with(app, method, path, ctype, body, &[]).await
}

async fn bare_with(
    app: &TestApp,
    method: &str,
    path: &str,
    ctype: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "hqdesk.test")
        .header("content-type", ctype);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let started = Instant::now();
    let resp = app
        .router
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 50 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        html: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
        took: started.elapsed(),
    }
}

async fn check_receipt(app: &TestApp, typed: &str) -> Answer {
    check_receipt_in(app, typed, &[]).await
}

async fn check_receipt_in(app: &TestApp, typed: &str, headers: &[(&str, &str)]) -> Answer {
    let body = serde_urlencoded::to_string([("receipt", typed)]).unwrap();
    bare_with(
        app,
        "POST",
        "/receipt",
        "application/x-www-form-urlencoded",
        body.into_bytes(),
        headers,
    )
    .await
}

async fn reply(
    app: &TestApp,
    access: &str,
    form_id: &str,
    text: &str,
    files: &[(&str, &[u8])],
) -> Answer {
    let (ctype, body) = multipart(
        &[("access", access), ("form_id", form_id), ("body", text)],
        files,
    );
    bare(app, "POST", "/receipt/reply", &ctype, body).await
}

/// Every text column a request could leave something of its sender in.
const COLUMNS: &[(&str, &str)] = &[
    ("cases", "subject"),
    ("cases", "callback_number"),
    ("timeline_entries", "body"),
    ("timeline_entries", "meta"),
    ("attachments", "filename"),
    ("confidential_reporters", "name"),
    ("confidential_reporters", "email"),
    ("confidential_reporters", "phone"),
    ("audit_log", "actor"),
    ("audit_log", "object"),
    ("audit_log", "detail"),
    ("jobs", "payload"),
    ("idempotency_keys", "key"),
    ("idempotency_keys", "resource"),
    ("idempotency_keys", "answer"),
    ("rate_limits", "bucket"),
    ("case_receipts", "lookup"),
    ("case_receipts", "wrapped"),
    ("case_search", "tokens"),
];

async fn assert_nowhere(app: &TestApp, needles: &[&str]) {
    for needle in needles {
        for (table, column) in COLUMNS {
            let n = scalar_i64(
                app,
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{needle}%'"),
            )
            .await;
            assert_eq!(n, 0, "{needle:?} in {table}.{column}");
        }
    }
}

/// An anonymous tip sent through the portal's form by `v`, with whatever identity fields a
/// careless reporter might fill in (ignored), from form instance `form_id`.
async fn send_tip(v: &mut Visitor<'_>, form_id: &str, track: &str) -> crate::portal_forms::Page {
    let csrf = v.csrf.clone();
    let (ctype, body) = multipart(
        &[
            ("csrf", csrf.as_str()),
            ("topic", "denunciation"),
            ("form_id", form_id),
            ("track", track),
            ("subject", SUBJECT),
            ("tip_place", TIP_PLACE),
            ("tip_vehicles", TIP_VEHICLES),
            ("description", BODY),
            ("name", IGNORED_NAME),
            ("email", IGNORED_EMAIL),
            ("phone", "0912 000 111"),
        ],
        &[("so-do-kho.png", b"\x89PNG MKFILEBYTES")],
    );
    v.send(
        Request::post("/request")
            .header("content-type", ctype)
            .header("user-agent", USER_AGENT),
        Body::from(body),
    )
    .await
}

async fn number_of_the_only_case(app: &TestApp) -> String {
    texts(app, "SELECT number FROM cases").await.remove(0)
}

both_engines!(
    an_anonymous_tip_keeps_nothing_of_its_sender_and_shows_its_receipt_once,
    |app| async move {
        let investigator = crate::sealed_cases::investigator_actor(&app).await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let mut v = Visitor::new(&app, ADDRESS).await;
        let form = v.get("/request?topic=denunciation").await;
        assert!(
            form.html.contains("id=\"track-anonymous\""),
            "the choice is offered"
        );
        let form_id = "0123456789abcdef0123456789abcdef";
        let p = send_tip(&mut v, form_id, "anonymous").await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let receipt = receipt_of(&p.html);
        assert!(is_grouped_receipt(&receipt), "{receipt}");
        let digits = receipt.replace(' ', "");
        assert!(
            p.location.is_empty(),
            "no redirect: the receipt is in this answer only"
        );
        assert!(
            p.set_cookies.iter().all(|c| !c.contains(&digits)),
            "{:?}",
            p.set_cookies
        );
        assert!(p.html.contains("id=\"print-receipt\""));

        // The case: sealed, a confidential denunciation with no identity, its receipt's row.
        let number = number_of_the_only_case(&app).await;
        let id = scalar_i64(&app, "SELECT id FROM cases").await;
        assert_eq!(
            scalar_i64(&app, "SELECT sealed + confidential FROM cases").await,
            2
        );
        assert_eq!(
            texts(&app, "SELECT kind FROM cases").await,
            ["denunciation"]
        );
        assert_eq!(app.count_rows("requesters").await, 0);
        assert_eq!(app.count_rows("tracking_tokens").await, 0);
        assert_eq!(app.count_rows("jobs WHERE kind = 'mail.notify'").await, 0);
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM confidential_reporters WHERE anonymous = 1 \
                 AND name IS NULL AND email IS NULL AND phone IS NULL AND tax_code IS NULL"
            )
            .await,
            1
        );
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM case_receipts WHERE case_id = {id}")
            )
            .await,
            1
        );
        let wrapped = texts(&app, "SELECT wrapped FROM case_receipts").await;
        assert!(
            !wrapped[0].is_empty(),
            "the data key is wrapped for the receipt"
        );
        // No address, no browser, no identity, no receipt, anywhere; the rate limits hold the
        // fixed bucket only.
        let (a, b, c, d) = (&digits[..4], &digits[4..8], &digits[8..12], &digits[12..]);
        assert_nowhere(
            &app,
            &[
                ADDRESS,
                "MKAGENT",
                "MKIGNORED",
                "mkignored",
                "912000111",
                "MKTIPSUBJ",
                "MKTIPBODY",
                "MKTIPPLACE",
                digits.as_str(),
                receipt.as_str(),
                format!("{a}%{b}%{c}%{d}").as_str(),
            ],
        )
        .await;
        assert_eq!(
            texts(&app, "SELECT bucket FROM rate_limits").await,
            ["portal.tip"]
        );

        // The investigator reads it, file included.
        let view = app.services.get_case(&investigator, &number).await.unwrap();
        assert_eq!(view.case.subject, SUBJECT);
        let reporter = view.reporter.unwrap();
        assert!(reporter.anonymous && reporter.name.is_none() && reporter.email.is_none());
        let entries = app
            .services
            .list_timeline(&investigator, &number, false, None, None)
            .await
            .unwrap();
        // The details the form asked for head the report, labelled, sealed with it.
        assert_eq!(
            entries[0].body,
            format!("Địa điểm: {TIP_PLACE}\nPhương tiện: {TIP_VEHICLES}\n\n{BODY}")
        );

        // The same form sent again, either way: "already sent", never the receipt.
        for track in ["anonymous", "named"] {
            let again = send_tip(&mut v, form_id, track).await;
            assert_eq!(
                again.status,
                StatusCode::CONFLICT,
                "{track}: {}",
                again.html
            );
            assert!(!again.html.contains(&receipt) && !again.html.contains(&digits));
            assert!(again.html.contains("/receipt"), "{}", again.html);
        }
        assert_eq!(app.count_rows("cases").await, 1);
        assert_eq!(app.count_rows("case_receipts").await, 1);
    }
);

both_engines!(
    the_reporter_comes_back_with_the_receipt_alone_and_answers_with_a_file,
    |app| async move {
        let investigator = crate::sealed_cases::investigator_actor(&app).await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let mut v = Visitor::new(&app, ADDRESS).await;
        let p = send_tip(&mut v, "fedcba9876543210fedcba9876543210", "anonymous").await;
        let receipt = receipt_of(&p.html);
        let number = number_of_the_only_case(&app).await;
        // The investigator asks (a public message) and notes something (internal).
        for (body, internal) in [(QUESTION, false), (NOTE, true)] {
            let (s, j) = app
                .post(
                    "investigator",
                    &format!("/api/v1/cases/{number}/messages"),
                    json!({ "body": body, "internal": internal }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{j}");
        }

        // Later, in another browser: the receipt typed with other spaces, no cookie.
        let typed = format!("  {} ", receipt.replace(' ', "  "));
        let page = check_receipt(&app, &typed).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.took >= Duration::from_secs(1), "{:?}", page.took);
        assert!(page.headers.get("set-cookie").is_none(), "no cookie");
        assert_eq!(page.headers["cache-control"], "no-store");
        assert!(page.html.contains(SUBJECT));
        assert!(page.html.contains(QUESTION) && page.html.contains(BODY));
        assert!(!page.html.contains("MKNOTE"), "never an internal note");
        assert!(!page.html.contains(&receipt.replace(' ', "")));
        let access = access_of(&page.html);
        assert!(access.starts_with("sealed:v1:"), "opaque: {access}");
        assert!(!access.contains(&receipt.replace(' ', "")));

        // The answer, with a file, through the access (no receipt, no cookie); sent twice (a
        // reload), it is one message.
        let form_id = between(&page.html, "name=\"form_id\" value=\"", '"').unwrap();
        let file: &[u8] = b"\x89PNG MKREPLYFILE";
        for _ in 0..2 {
            let r = reply(&app, &access, &form_id, ANSWER, &[("bien-so.png", file)]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.html);
            assert!(r.html.contains("id=\"tip-notice\""));
            assert!(r.html.contains(ANSWER));
            assert!(r.headers.get("set-cookie").is_none());
        }
        let entries = app
            .services
            .list_timeline(&investigator, &number, false, None, None)
            .await
            .unwrap();
        assert_eq!(entries.iter().filter(|e| e.body == ANSWER).count(), 1);
        assert_eq!(
            app.count_rows("timeline_entries WHERE body LIKE '%MKANSWER%'")
                .await,
            0,
            "sealed by the store"
        );
        let files = app
            .services
            .case_attachments(&investigator, &number)
            .await
            .unwrap();
        let reply_file = files
            .iter()
            .find(|a| a.filename == "bien-so.png")
            .expect("the reply's file, named for the investigator");
        // The reporter opens their own file through the access too.
        let page = check_receipt(&app, &receipt).await;
        let access = access_of(&page.html);
        let got = bare(
            &app,
            "POST",
            &format!("/receipt/files/{}", reply_file.id),
            "application/x-www-form-urlencoded",
            serde_urlencoded::to_string([("access", access.as_str())])
                .unwrap()
                .into_bytes(),
        )
        .await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.html);
        assert_eq!(got.bytes, file);

        // An altered access, and one past its 30 minutes: the receipt again, nothing written.
        let mut altered = access.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'A' { 'B' } else { 'A' });
        let r = reply(&app, &altered, &"1".repeat(32), "MKLATE1", &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
        assert!(r.html.contains("id=\"receipt-form\""));
        let plain = reply(
            &app,
            "{\"c\":1,\"e\":99999999999999}",
            &"2".repeat(32),
            "MKLATE2",
            &[],
        )
        .await;
        assert_eq!(plain.status, StatusCode::FORBIDDEN);
        app.clock.advance_seconds(31 * 60);
        let r = reply(&app, &access, &"3".repeat(32), "MKLATE3", &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
        assert!(r.html.contains("id=\"receipt-form\""));
        let entries = app
            .services
            .list_timeline(&investigator, &number, false, None, None)
            .await
            .unwrap();
        assert!(entries.iter().all(|e| !e.body.contains("MKLATE")));
        // The receipt itself does not expire.
        assert_eq!(check_receipt(&app, &receipt).await.status, StatusCode::OK);
    }
);

both_engines!(wrong_tampered_and_malformed_receipts, |app| async move {
    app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let tip = |subject: &str| hqdesk_services::portal::PortalTip {
        topic: "denunciation".into(),
        subject: subject.into(),
        description: BODY.into(),
        ..Default::default()
    };
    let a = app.services.portal_submit_tip(tip("Tin A")).await.unwrap();
    let b = app.services.portal_submit_tip(tip("Tin B")).await.unwrap();
    let (a, b) = (a.receipt.to_string(), b.receipt.to_string());
    assert_ne!(a, b);

    // A receipt that exists nowhere.
    let mut wrong = a.replace(' ', "").into_bytes();
    wrong[15] = if wrong[15] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    let unknown = check_receipt(&app, &wrong).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.html);
    assert!(unknown.took >= Duration::from_secs(1));
    assert!(unknown.html.contains("id=\"receipt-form\""));

    // A's wrap replaced by B's: A's receipt still finds its row, the wrap does not open.
    // Answered exactly as an unknown receipt.
    let b_wrap = texts(
            &app,
            "SELECT r.wrapped FROM case_receipts r JOIN cases c ON c.id = r.case_id WHERE c.subject <> '' ORDER BY r.case_id DESC LIMIT 1",
        )
        .await
        .remove(0);
    let a_case = scalar_i64(&app, "SELECT MIN(case_id) FROM case_receipts").await;
    {
        let mut conn = app.services.store().read().await.unwrap();
        sqlx::query(&format!(
            "UPDATE case_receipts SET wrapped = '{b_wrap}' WHERE case_id = {a_case}"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    let tampered = check_receipt(&app, &a).await;
    assert_eq!(tampered.status, unknown.status);
    assert_eq!(tampered.html, unknown.html, "the same page");
    assert!(tampered.took >= Duration::from_secs(1));
    // B is untouched.
    let ok = check_receipt(&app, &b).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.html.contains("Tin B"));

    // Malformed: refused at once, counted nowhere.
    for typed in ["1234", "1234 5678 9012 345x", "", "12345678901234567"] {
        let m = check_receipt(&app, typed).await;
        assert_eq!(m.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed:?}");
        assert!(
            m.took < Duration::from_millis(900),
            "{typed:?}: {:?}",
            m.took
        );
        assert!(m.html.contains("id=\"receipt-err\""));
    }
    assert_eq!(
            scalar_i64(
                &app,
                "SELECT CAST(COALESCE(SUM(hits), 0) AS BIGINT) FROM rate_limits WHERE bucket = 'portal.receipt:minute'"
            )
            .await,
            3
        );
});

both_engines!(
    without_an_escrow_key_a_tip_is_kept_unsealed_and_its_receipt_still_opens_it,
    |app| async move {
        let done = app
            .services
            .portal_submit_tip(hqdesk_services::portal::PortalTip {
                topic: "denunciation".into(),
                subject: SUBJECT.into(),
                description: BODY.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(scalar_i64(&app, "SELECT sealed FROM cases").await, 0);
        assert_eq!(
            texts(&app, "SELECT wrapped FROM case_receipts").await,
            [""],
            "the lookup without a wrap"
        );
        let page = check_receipt(&app, &done.receipt.to_string()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains(BODY));
        let access = access_of(&page.html);
        let r = reply(&app, &access, &"4".repeat(32), ANSWER, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
        assert!(r.html.contains(ANSWER));
    }
);

both_engines!(
    the_guess_limit_is_global_and_answers_429,
    |app| async move {
        // The minute's checks are used up (by anyone, from anywhere).
        let now = app.services.now().millis();
        let minute = now - now.rem_euclid(60_000);
        {
            let mut conn = app.services.store().read().await.unwrap();
            sqlx::query(&format!(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('portal.receipt:minute', {minute}, {})",
            hqdesk_services::portal::RECEIPT_CHECKS_PER_MINUTE
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        }
        let limited = check_receipt(&app, "1111 2222 3333 4444").await;
        assert_eq!(
            limited.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            limited.html
        );
        assert!(limited.headers.get("retry-after").is_some());
        assert!(
            limited.took < Duration::from_millis(900),
            "no Argon2 for a refused check"
        );
        assert!(limited.html.contains("lượt nhập mã"), "{}", limited.html);
        let en =
            check_receipt_in(&app, "1111 2222 3333 4444", &[("cookie", "hqdesk_lang=en")]).await;
        assert_eq!(en.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(en.html.contains("Too many receipts"), "{}", en.html);
        // The next minute: checked again (the hour's limit is far).
        app.clock.advance_seconds(61);
        let next = check_receipt(&app, "1111 2222 3333 4444").await;
        assert_eq!(next.status, StatusCode::NOT_FOUND, "{}", next.html);
        // The hour's limit, likewise.
        let now = app.services.now().millis();
        let hour = now - now.rem_euclid(3_600_000);
        {
            let mut conn = app.services.store().read().await.unwrap();
            sqlx::query(&format!(
            "UPDATE rate_limits SET hits = {} WHERE bucket = 'portal.receipt:hour' AND window_start = {hour}",
            hqdesk_services::portal::RECEIPT_CHECKS_PER_HOUR
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        }
        app.clock.advance_seconds(61);
        let limited = check_receipt(&app, "1111 2222 3333 4444").await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    }
);

both_engines!(
    the_api_files_an_anonymous_tip_and_answers_its_receipt_once,
    |app| async move {
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let tip = json!({"kind":"denunciation","channel":"phone","anonymous":true,
            "subject":SUBJECT,"body":BODY,"category":"b1.denunciation.smuggling"});
        let (s, _, j) = app
            .call(
                Some("hotline"),
                "POST",
                "/api/v1/cases",
                Some(&tip.to_string()),
                &[("idempotency-key", "tip-0001")],
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        let receipt = j["receipt"].as_str().unwrap().to_string();
        assert!(is_grouped_receipt(&receipt), "{receipt}");
        assert_eq!(j["requester"], serde_json::Value::Null);
        assert_eq!(j["reporter"]["anonymous"], true);
        let number = j["number"].as_str().unwrap().to_string();
        // A retry answers as the first did, without the receipt; a read never has it.
        let (s, _, again) = app
            .call(
                Some("hotline"),
                "POST",
                "/api/v1/cases",
                Some(&tip.to_string()),
                &[("idempotency-key", "tip-0001")],
            )
            .await;
        assert!(s.is_success(), "{again}");
        assert_eq!(again["number"], number.as_str());
        assert!(again.get("receipt").is_none(), "{again}");
        assert_eq!(app.count_rows("cases").await, 1);
        let (_, read) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert!(read.get("receipt").is_none());
        assert_nowhere(&app, &[receipt.replace(' ', "").as_str(), "MKTIPSUBJ"]).await;
        // The reporter comes back with it.
        let page = check_receipt(&app, &receipt).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains(BODY));

        // Only a denunciation, and never with a requester.
        for (body, code) in [
            (
                json!({"kind":"inquiry","anonymous":true,"subject":"Hỏi","requester":{"phone":"0912345678"}}),
                "anonymous_denunciation_only",
            ),
            (
                json!({"kind":"denunciation","anonymous":true,"subject":"Tố giác","requester":{"name":"Ai đó"}}),
                "anonymous_with_requester",
            ),
        ] {
            let (s, j) = app.post("hotline", "/api/v1/cases", body).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{j}");
            assert!(j.to_string().contains(code), "{j}");
        }
    }
);

both_engines!(
    a_hotline_officer_records_an_anonymous_tip_from_a_call_and_reads_the_receipt_to_the_caller,
    |app| async move {
        use crate::console_session::{cti, request, sign_in};
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        app.services
            .set_extension(&Actor::Cli, "hotline", Some("201"))
            .await
            .unwrap();
        for ev in [
            "event=newCall&callId=tg-anon&from=0987444555&direction=in&branch=1",
            "event=answer&callId=tg-anon&user=201",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        let hotline = sign_in(&app, "hotline").await;
        let page = request(&app, &hotline, "GET", "/console/calls/tg-anon", &[]).await;
        // A branch-1 call: the caller turns out to report an officer, and wants to stay anonymous.
        assert!(
            page.body.contains("id=\"new-anonymous\""),
            "offered where a denunciation may be opened"
        );

        // Anonymous is for denunciations only: an inquiry asking for it is refused, clearly.
        let ordinary = [
            "event=newCall&callId=pl-anon&from=0912444555&direction=in&branch=2",
            "event=answer&callId=pl-anon&user=201",
        ];
        for ev in ordinary {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        let refused = request(
            &app,
            &hotline,
            "POST",
            "/console/calls/pl-anon/case",
            &[
                ("kind", "inquiry"),
                ("subject", "Hỏi thủ tục"),
                ("anonymous", "1"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(scalar_i64(&app, "SELECT COUNT(*) FROM cases").await, 0);

        let filed = request(
            &app,
            &hotline,
            "POST",
            "/console/calls/tg-anon/case",
            &[
                ("kind", "denunciation"),
                ("subject", SUBJECT),
                ("body", BODY),
                ("anonymous", "1"),
            ],
        )
        .await;
        assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
        let receipt = receipt_of(&filed.body);
        assert!(is_grouped_receipt(&receipt), "{receipt}");
        assert!(filed.location.is_empty(), "shown here, never in a URL");

        // Nothing of the caller with the report: no identity, the call not linked to it.
        let number = number_of_the_only_case(&app).await;
        let id = scalar_i64(
            &app,
            &format!("SELECT id FROM cases WHERE number = '{number}'"),
        )
        .await;
        assert_eq!(
            scalar_i64(&app, "SELECT COUNT(*) FROM calls WHERE case_id IS NOT NULL").await,
            0
        );
        assert_eq!(
            scalar_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM confidential_reporters WHERE case_id = {id} \
                     AND (name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL)"
                ),
            )
            .await,
            0
        );
        assert_nowhere(&app, &["987444555", "MKTIPSUBJ", "MKTIPBODY"]).await;

        // The caller comes back on the portal with the receipt and finds their report.
        let back = check_receipt(&app, &receipt).await;
        assert_eq!(back.status, StatusCode::OK);
        assert!(back.html.contains(SUBJECT), "{}", back.html);
    }
);
