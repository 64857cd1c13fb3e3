//! The portal as a workplace for the public (issue 16): the confirmation page with the full
//! tracking address, a printable receipt and when to expect an answer; a new tracking link for a
//! requester who lost theirs; matched words marked in search results and articles, "this did not
//! help" carrying the article and the query into the request; branch cards that lead somewhere,
//! the hotline as a `tel:` link, the menu on a phone; procedures with their code, legal basis,
//! online submission and forms; truthful required marks and file rules; "Quý vị" everywhere.
//! Every page is audited (`Browser::audit`) before and after the visitor's action, in Vietnamese
//! and in English, at 1366 and 390 px: no sideways scrolling, no serious axe-core violation.
use axum::http::StatusCode;
use serde_json::Value;

use crate::browser::{serve, Browser};
use crate::portal_forms::Visitor;
use crate::support::{Engine, TestApp};

async fn js(b: &Browser, script: &str) -> Value {
    b.client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// The tracking link of the newest mail in the outbox (its text holds `…/track/<token>`).
async fn newest_mailed_link(app: &TestApp) -> (String, Value) {
    let mut conn = app.services.store().read().await.unwrap();
    let payload: String = sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE kind = 'mail.notify' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let mail: Value = serde_json::from_str(&payload).unwrap();
    let text = mail["text"].as_str().unwrap();
    let i = text.find("/track/").expect("a tracking link in the mail");
    let token: String = text[i + 7..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (format!("/track/{token}"), mail)
}

async fn mails(app: &TestApp) -> i64 {
    app.count_rows("jobs WHERE kind = 'mail.notify'").await
}

async fn portal() -> Option<(TestApp, Browser, String)> {
    let app = TestApp::new(Engine::Sqlite).await?;
    let b = Browser::start().await?;
    hqdesk::kb::import(&app.services, None).await.unwrap();
    let base = serve(app.router.clone()).await;
    Some((app, b, base))
}

/// Items 1 and 2: a request is sent; the confirmation shows the whole address (selectable,
/// copied with a button), the receipt to print and when the answer is due. The requester then
/// loses the link and gets a new one by mail: the old one says it was replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_workplace_confirmation_receipt_and_a_new_link_for_a_lost_one() {
    let Some((app, b, base)) = portal().await else {
        return;
    };
    for lang in ["vi", "en"] {
        b.goto(&format!("{base}/lang/{lang}")).await;
        b.goto(&format!("{base}/request?topic=policy")).await;
        b.wait_for("form#request-form", 10).await;
        b.audit("portal-confirmation-before").await;
        b.fill("#subject", "Thủ tục hoàn thuế nhập khẩu nguyên liệu")
            .await;
        b.fill("#description", "Xin hướng dẫn hồ sơ hoàn thuế.")
            .await;
        b.fill("#email", "lan.nguyen@hailong.vn").await;
        b.click("#request-submit").await;
        b.wait_for("#case-number", 10).await;
        let number = b.text("#case-number").await;
        // The whole address, selectable text in a field, starting with this site's address.
        let url = js(&b, "return document.getElementById('track-url').value").await;
        let url = url.as_str().unwrap().to_string();
        let track_path = js(
            &b,
            "return document.getElementById('track-link').getAttribute('href')",
        )
        .await;
        let track_path = track_path.as_str().unwrap().to_string();
        assert_eq!(url, format!("{base}{track_path}"), "the address in full");
        assert!(track_path.starts_with("/track/") && track_path.len() == 47);
        // The receipt: subject, when it was sent, when to expect an answer (service level).
        b.wait_for_text("#receipt-subject", "hoàn thuế nhập khẩu", 5)
            .await;
        let expect = b.text("#receipt-expect").await;
        let due = js(
            &b,
            "return document.getElementById('receipt-expect').getAttribute('data-at')",
        )
        .await;
        let due = due.as_str().expect("a due time").to_string();
        assert!(expect.contains(&due), "{expect} names {due}");
        let words = if lang == "vi" {
            "trong vòng"
        } else {
            "within"
        };
        assert!(expect.contains(words), "{expect}");
        let mut conn = app.services.store().read().await.unwrap();
        let (first, resolution): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT first_response_due_at, resolution_due_at FROM cases WHERE number = $1",
        )
        .bind(&number)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        let due_at = hqdesk_domain::Timestamp(first.or(resolution).expect("a service level"));
        assert_eq!(
            due,
            due_at.to_vietnam().format("%d/%m/%Y %H:%M").to_string()
        );
        // Copy and print are buttons (with the script); the receipt has a print layout.
        b.click("#copy-link").await;
        let copied = if lang == "vi" {
            "Đã sao chép"
        } else {
            "copied"
        };
        b.wait_for_text("#copy-done", copied, 5).await;
        b.wait_for("#print-receipt:not([hidden])", 5).await;
        let print_rules = js(
            &b,
            "return Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules)).filter(r => r.media && r.media.mediaText === 'print').length",
        )
        .await;
        assert!(print_rules.as_i64().unwrap() >= 1, "a print style sheet");
        b.audit("portal-confirmation-after").await;

        // The requester lost the link: a wrong pair gives the same answer and sends nothing.
        b.goto(&format!("{base}{track_path}")).await;
        b.wait_for("#track-number", 10).await;
        b.goto(&format!("{base}/lost-link")).await;
        b.wait_for("form#lost-form", 10).await;
        b.audit("portal-lost-link-before").await;
        let before = mails(&app).await;
        b.fill("#case_number", &number).await;
        b.fill("#email", "someone.else@example.vn").await;
        b.click("#lost-submit").await;
        b.wait_for("#lost-done", 10).await;
        let wrong_answer = b.text("#lost-done").await;
        assert_eq!(mails(&app).await, before, "nothing sent for a wrong pair");
        // The right pair (the address typed in capitals): the same words, and a new link mailed.
        b.goto(&format!("{base}/lost-link")).await;
        b.fill("#case_number", &number.to_lowercase()).await;
        b.fill("#email", "LAN.NGUYEN@HAILONG.VN").await;
        b.click("#lost-submit").await;
        b.wait_for("#lost-done", 10).await;
        assert_eq!(b.text("#lost-done").await, wrong_answer, "the same answer");
        b.audit("portal-lost-link-after").await;
        assert_eq!(mails(&app).await, before + 1, "one new mail");
        let (new_link, mail) = newest_mailed_link(&app).await;
        assert_eq!(mail["to"], "lan.nguyen@hailong.vn");
        assert_eq!(mail["purpose"], "portal.new_link");
        assert!(mail["subject"].as_str().unwrap().contains(&number));
        assert_ne!(new_link, track_path);
        // The old link says it was replaced and offers the page again; the new one works.
        b.goto(&format!("{base}{track_path}")).await;
        b.wait_for("#error-message", 10).await;
        let replaced = if lang == "vi" {
            "đã được thay"
        } else {
            "replaced"
        };
        b.wait_for_text("#error-message", replaced, 5).await;
        b.wait_for("a#lost-link[href=\"/lost-link\"]", 5).await;
        b.audit("portal-track-replaced").await;
        b.goto(&format!("{base}{new_link}")).await;
        b.wait_for_text("#track-number", &number, 10).await;
        b.audit("portal-track").await;
    }
    b.close().await;
}

/// Items 3, 4 and 6: home with branch cards that lead somewhere, the hotline as a link and the
/// menu on a phone; search typed without diacritics finds the article whose title was typed
/// first, with the matched words marked there and in the article; "this did not help" carries
/// the article and the query into the request form, whose marks and file rules tell the truth,
/// and the case records them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_workplace_home_search_article_and_request() {
    let Some((app, b, base)) = portal().await else {
        return;
    };
    for lang in ["vi", "en"] {
        b.goto(&format!("{base}/lang/{lang}")).await;
        b.goto(&format!("{base}/suggestions")).await;
        b.wait_for("form#suggest-form", 10).await;
        b.audit("portal-suggestions").await;
        b.goto(&format!("{base}/kb")).await;
        b.wait_for("form#kb-search", 10).await;
        b.audit("portal-search-before").await;
        b.goto(&format!("{base}/")).await;
        b.wait_for("form#kb-search", 10).await;
        b.audit("portal-home-before").await;
        // The hotline is a phone link; the branch cards lead to their forms and to the guides.
        b.wait_for("#hotline a[href=\"tel:19009299\"]", 5).await;
        for (link, href) in [
            ("#branch1-report", "/request?topic=denunciation"),
            ("#branch1-procedure", "/request?topic=procedure"),
            ("#branch2-search", "/kb"),
            ("#branch2-request", "/request"),
        ] {
            let got = js(
                &b,
                &format!("return document.querySelector('{link}').getAttribute('href')"),
            )
            .await;
            assert_eq!(got.as_str(), Some(href), "{link}");
        }
        b.click("#branch1-report").await;
        b.wait_for("input[name=topic][value=denunciation]", 10)
            .await;
        b.goto(&format!("{base}/")).await;
        b.click("#branch1-procedure").await;
        b.wait_for("#tax_code", 10).await;

        // On a phone the menu is a button that opens and closes the navigation.
        b.goto(&format!("{base}/")).await;
        b.set_width(390).await;
        b.wait_for("#menu-button:not([hidden])", 5).await;
        let shown =
            "return getComputedStyle(document.getElementById('portal-nav')).display !== 'none'";
        assert_eq!(js(&b, shown).await, Value::Bool(false), "closed at first");
        b.click("#menu-button").await;
        assert_eq!(js(&b, shown).await, Value::Bool(true), "opened");
        let expanded = js(
            &b,
            "return document.getElementById('menu-button').getAttribute('aria-expanded')",
        )
        .await;
        assert_eq!(expanded.as_str(), Some("true"));
        b.screenshot(&format!("portal-menu-open-{lang}-390")).await;
        b.click("#menu-button").await;
        assert_eq!(js(&b, shown).await, Value::Bool(false), "closed again");
        b.set_width(1366).await;
        assert_eq!(
            js(&b, shown).await,
            Value::Bool(true),
            "always there on a desk"
        );

        // The query, typed into the box: the registration article first, words marked.
        b.fill("#kb-q", "dang ky tai khoan vnaccs").await;
        b.click("form#kb-search button[type=submit]").await;
        b.wait_for("#kb-results li", 10).await;
        let first = js(
            &b,
            "return document.querySelector('#kb-results li a').getAttribute('href')",
        )
        .await;
        assert_eq!(
            first.as_str(),
            Some("/kb/dang-ky-tai-khoan-vnaccs?q=dang%20ky%20tai%20khoan%20vnaccs")
        );
        let marked = js(
            &b,
            "return Array.from(document.querySelectorAll('#kb-results li:first-child a mark')).map(m => m.textContent)",
        )
        .await;
        let marked: Vec<&str> = marked
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            marked.contains(&"Đăng") && marked.contains(&"ký") && marked.contains(&"VNACCS"),
            "{marked:?}"
        );
        b.audit("portal-search-after").await;
        b.click("#kb-results li:first-child a").await;
        b.wait_for("#article-title mark", 10).await;
        b.wait_for(".kb-body mark", 5).await;
        b.audit("portal-article-before").await;

        // "This did not help": the request form names the article and the search.
        b.click("#not-helpful").await;
        b.wait_for("form#topic-form", 10).await;
        b.click("input[value=vnaccs_account]").await;
        b.click("form#topic-form button[type=submit]").await;
        b.wait_for("#from-article a[href=\"/kb/dang-ky-tai-khoan-vnaccs\"]", 10)
            .await;
        b.wait_for_text("#from-article", "dang ky tai khoan vnaccs", 5)
            .await;
        // Marks that tell the truth: e-mail OR phone, said so; file rules before the input.
        b.wait_for("#required-note", 5).await;
        b.wait_for("#contact-rule", 5).await;
        let rule = b.text("#contact-rule").await;
        let or = if lang == "vi" { "hoặc" } else { " or " };
        assert!(rule.contains(or), "{rule}");
        let rules_first = js(
            &b,
            "return !!(document.getElementById('files-help').compareDocumentPosition(document.getElementById('files')) & Node.DOCUMENT_POSITION_FOLLOWING)",
        )
        .await;
        assert_eq!(
            rules_first,
            Value::Bool(true),
            "the rules come before the input"
        );
        let files_rules = b.text("#files-help").await;
        assert!(
            files_rules.contains("25 MB") && files_rules.contains("10 MB"),
            "{files_rules}"
        );
        b.audit("portal-request-from-article-before").await;
        b.fill("#subject", "Chưa đăng ký được tài khoản").await;
        b.fill("#tax_code", "0100231226").await;
        b.fill("#description", "Đã làm theo bài viết nhưng chưa được.")
            .await;
        b.fill("#phone", "0912345678").await;
        b.click("#request-submit").await;
        b.wait_for("#case-number", 10).await;
        b.audit("portal-request-from-article-after").await;
        let number = b.text("#case-number").await;
        let (_, msgs) = app
            .get("agent", &format!("/api/v1/cases/{number}/messages"))
            .await;
        let body = msgs["items"][0]["body"].as_str().unwrap().to_string();
        assert!(
            body.contains("/kb/dang-ky-tai-khoan-vnaccs")
                && body.contains("dang ky tai khoan vnaccs"),
            "the case records the article and the search: {body}"
        );
    }

    // Other titles typed into the search box, as callers type them: the article first.
    b.goto(&format!("{base}/lang/vi")).await;
    for (typed, slug) in [
        ("chu ky so het han gia han", "chu-ky-so-het-han-gia-han"),
        ("nop thue dien tu 24/7", "nop-thue-dien-tu-24-7"),
        ("huy to khai hai quan", "huy-to-khai-hai-quan"),
        (
            "loi sai ma nguoi su dung mat khau hoac terminal id",
            "loi-dang-nhap-vnaccs",
        ),
        ("C/O mau D dien tu ASW", "c-o-mau-d-dien-tu-asw"),
    ] {
        b.goto(&format!("{base}/kb")).await;
        b.fill("#kb-q", typed).await;
        b.click("form#kb-search button[type=submit]").await;
        b.wait_for("#kb-results li", 10).await;
        let first = js(
            &b,
            "return document.querySelector('#kb-results li a').getAttribute('href')",
        )
        .await;
        let first = first.as_str().unwrap().to_string();
        assert!(
            first.starts_with(&format!("/kb/{slug}?")),
            "{typed:?} found {first} first"
        );
    }
    b.close().await;
}

/// Item 5: the procedures' search box says what it searches; a procedure shows its official
/// code, legal basis, where to submit online and its forms to download.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_workplace_procedures_show_code_basis_online_and_forms() {
    let Some((app, b, base)) = portal().await else {
        return;
    };
    let forms = vec![hqdesk_services::portal::ProcedureForm {
        name: "Mẫu số 09: Công văn đề nghị hoàn thuế".into(),
        url: "https://www.customs.gov.vn/mau-09-de-nghi-hoan-thue.pdf".into(),
    }];
    app.services
        .save_procedure_links(
            &hqdesk_services::Actor::Cli,
            "hq-09",
            "1.000000",
            "Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn",
            &forms,
        )
        .await
        .unwrap();
    // Only web addresses are links.
    let bad = vec![hqdesk_services::portal::ProcedureForm {
        name: "x".into(),
        url: "javascript:alert(1)".into(),
    }];
    assert!(matches!(
        app.services
            .save_procedure_links(&hqdesk_services::Actor::Cli, "hq-09", "", "", &bad)
            .await,
        Err(hqdesk_services::ServiceError::Invalid(_))
    ));
    for lang in ["vi", "en"] {
        b.goto(&format!("{base}/lang/{lang}")).await;
        b.goto(&format!("{base}/procedures")).await;
        b.wait_for("form#proc-search", 10).await;
        let help = b.text("#proc-q-help").await;
        let says = if lang == "vi" {
            "căn cứ pháp lý"
        } else {
            "legal bases"
        };
        assert!(help.contains(says), "{help}");
        let described = js(
            &b,
            "return document.getElementById('proc-q').getAttribute('aria-describedby')",
        )
        .await;
        assert_eq!(described.as_str(), Some("proc-q-help"));
        b.audit("portal-procedures-before").await;
        b.fill("#proc-q", "hoan thue").await;
        b.click("form#proc-search button[type=submit]").await;
        b.wait_for("#procedures a[href=\"/procedures/hq-09\"]", 10)
            .await;
        b.audit("portal-procedures-after").await;
        b.click("#procedures a[href=\"/procedures/hq-09\"]").await;
        b.wait_for("#procedure-title", 10).await;
        b.wait_for_text("#procedure-code", "1.000000", 5).await;
        b.wait_for_text("#procedure-legal-basis", "Luật", 5).await;
        b.wait_for("#procedure-online a[href=\"https://dichvucong.gov.vn\"]", 5)
            .await;
        b.wait_for(
            "#procedure-forms a[href=\"https://www.customs.gov.vn/mau-09-de-nghi-hoan-thue.pdf\"]",
            5,
        )
        .await;
        b.audit("portal-procedure-after").await;
        // A procedure of the starter set says where to submit, and that its forms are not listed.
        b.goto(&format!("{base}/procedures/hq-04")).await;
        b.wait_for(
            "#procedure-online a[href=\"https://www.customs.gov.vn\"]",
            10,
        )
        .await;
        b.wait_for("#procedure-no-forms", 5).await;
        b.audit("portal-procedure-starter").await;
    }
    b.close().await;
}

crate::both_engines!(
    portal_workplace_a_lost_link_is_replaced_and_the_answer_never_tells,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.40").await;
        let p = v.submit(crate::portal_forms::VNACCS_ERROR, &[]).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let old = crate::portal_forms::track_path(&p.html);
        let number = {
            let i = p.html.find("id=\"case-number\">").unwrap() + 17;
            p.html[i..i + 14].to_string()
        };
        // An anonymous report, without an address: it never gets a new link.
        let p = v
            .submit(
                &[
                    ("topic", "denunciation"),
                    ("subject", "Tố giác buôn lậu xăng dầu"),
                    ("description", "Xe bồn chạy đêm qua cửa khẩu."),
                ],
                &[],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let anonymous = {
            let i = p.html.find("id=\"case-number\">").unwrap() + 17;
            p.html[i..i + 14].to_string()
        };
        let anonymous_track = crate::portal_forms::track_path(&p.html);

        let form = v.get("/lost-link").await;
        assert_eq!(form.status, StatusCode::OK);
        let jobs = mails(&app).await;
        let tokens_before = app.count_rows("tracking_tokens_retired").await;
        let mut answers = Vec::new();
        for (n, email) in [
            (number.as_str(), "someone.else@example.vn"),
            ("HQ2611-4839207", "lan.nguyen@hailong.vn"),
            (anonymous.as_str(), "lan.nguyen@hailong.vn"),
        ] {
            let p = v
                .post_form("/lost-link", &[("case_number", n), ("email", email)])
                .await;
            assert_eq!(p.status, StatusCode::OK, "{}", p.html);
            assert!(p.html.contains("id=\"lost-done\""), "{}", p.html);
            answers.push(p.html);
        }
        assert_eq!(mails(&app).await, jobs, "nothing sent for a wrong pair");
        assert_eq!(
            app.count_rows("tracking_tokens_retired").await,
            tokens_before
        );
        assert_eq!(v.get(&anonymous_track).await.status, StatusCode::OK);
        // Not a case number at all: said so (nothing about any case).
        let p = v
            .post_form(
                "/lost-link",
                &[("case_number", "12345"), ("email", "lan.nguyen@hailong.vn")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.html.contains("id=\"case_number-err\""), "{}", p.html);

        // The right pair: the same page, a new link mailed, the old one replaced.
        let p = v
            .post_form(
                "/lost-link",
                &[
                    ("case_number", &number),
                    ("email", " Lan.Nguyen@HaiLong.vn "),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.html, answers[0], "the same answer as for a wrong pair");
        assert_eq!(mails(&app).await, jobs + 1);
        let (new_link, mail) = newest_mailed_link(&app).await;
        assert_eq!(mail["to"], "lan.nguyen@hailong.vn");
        assert_ne!(new_link, old);
        let gone = v.get(&old).await;
        assert_eq!(gone.status, StatusCode::GONE);
        assert!(gone.html.contains("href=\"/lost-link\""));
        assert_eq!(v.get(&new_link).await.status, StatusCode::OK);
        let unknown = v
            .get("/track/0000000000000000000000000000000000000000")
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        // The old link cannot reply or download either; the new one can reply.
        let p = v
            .post_multipart(&format!("{old}/reply"), &[("body", "Còn đó không?")], &[])
            .await;
        assert_eq!(p.status, StatusCode::GONE);
        let p = v
            .post_multipart(&format!("{new_link}/reply"), &[("body", "Cảm ơn.")], &[])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        // Every attempt counts against the address's hourly limit, like the forms.
        let mut limited = None;
        for _ in 0..12 {
            let p = v
                .post_form(
                    "/lost-link",
                    &[("case_number", &number), ("email", "x@example.vn")],
                )
                .await;
            if p.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some(p.html);
                break;
            }
        }
        let limited = limited.expect("limited within the hour");
        assert!(limited.contains("id=\"form-message\""), "{limited}");
        // Recorded in the audit log, without the link.
        assert_eq!(
            app.count_rows("audit_log WHERE action = 'portal.tracking_link.replaced'")
                .await,
            1
        );
    }
);

/// Item 6: the public is addressed as "Quý vị" on every portal page in Vietnamese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_workplace_pages_address_the_public_as_quy_vi() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    hqdesk::kb::import(&app.services, None).await.unwrap();
    let mut v = Visitor::new(&app, "203.0.113.41").await;
    let mut pages = vec![
        "/".to_string(),
        "/kb?q=vnaccs".into(),
        "/kb/dang-ky-tai-khoan-vnaccs".into(),
        "/procedures".into(),
        "/procedures/hq-01".into(),
        "/request".into(),
        "/suggestions".into(),
        "/lost-link".into(),
        "/track/0000".into(),
        "/khong-co-trang-nay".into(),
    ];
    for t in hqdesk_services::portal::TOPICS {
        pages.push(format!("/request?topic={}", t.code));
    }
    let p = v.submit(crate::portal_forms::VNACCS_ERROR, &[]).await;
    let track = crate::portal_forms::track_path(&p.html);
    pages.push(track);
    for path in &pages {
        let p = v.get(path).await;
        let text = p.html.to_lowercase();
        for word in [
            " bạn ",
            " bạn.",
            " bạn,",
            "anh/chị",
            "anh chị",
            "quý doanh nghiệp",
        ] {
            assert!(!text.contains(word), "{path} says {word:?}");
        }
    }
    // The submitted page too.
    assert!(!p.html.to_lowercase().contains(" bạn "));
}

crate::both_engines!(
    portal_workplace_addresses_start_with_the_configured_public_url,
    |app| async move {
        let router = hqdesk_web::router_with(
            app.services.clone(),
            hqdesk_web::WebConfig {
                public_url: Some("https://hotro.customs.gov.vn/".into()),
                ..Default::default()
            },
        );
        let mut v = Visitor::with_router(&app, router, "203.0.113.42").await;
        let p = v.submit(crate::portal_forms::VNACCS_ERROR, &[]).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let track = crate::portal_forms::track_path(&p.html);
        // The receipt's address in full: the public address, whatever Host the request named.
        assert!(
            p.html.contains(&format!(
                "id=\"track-url\" type=\"text\" readonly value=\"https://hotro.customs.gov.vn{track}\""
            )),
            "{}",
            p.html
        );
        let number = {
            let i = p.html.find("id=\"case-number\">").unwrap() + 17;
            p.html[i..i + 14].to_string()
        };
        v.get("/lost-link").await;
        let p = v
            .post_form(
                "/lost-link",
                &[("case_number", &number), ("email", "lan.nguyen@hailong.vn")],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK);
        let (new_link, mail) = newest_mailed_link(&app).await;
        assert!(
            mail["text"]
                .as_str()
                .unwrap()
                .contains(&format!("https://hotro.customs.gov.vn{new_link}")),
            "{mail}"
        );
    }
);

/// Item 5, from the staff side: an agent fills in a procedure's official code, where to submit
/// online and its forms in the console's editor; a form without an address is refused with the
/// form kept; the portal then shows what was saved. In both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_workplace_staff_give_a_procedure_its_code_online_address_and_forms() {
    let Some((app, b, base)) = portal().await else {
        return;
    };
    crate::console::set_password(&app, "agent").await;
    crate::console::sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    for (lang, code) in [("vi", "hq-04"), ("en", "hq-05")] {
        let agent = app
            .services
            .authenticate_token(app.token("agent"))
            .await
            .unwrap();
        app.services.set_locale(&agent, lang).await.unwrap();
        b.goto(&format!("{base}/console/procedures/{code}/edit"))
            .await;
        b.wait_for(&format!("html[lang={lang}] form#procedure-form"), 10)
            .await;
        b.audit("console-procedure-links-before").await;
        b.fill("#official_code", "1.009999").await;
        b.fill("#submit_online", "https://dichvucong.gov.vn").await;
        // A line without an address is refused, with what was typed kept.
        b.fill("#forms", "Mẫu số 01: Văn bản đề nghị").await;
        b.click("#procedure-save").await;
        b.wait_for("#forms-err", 10).await;
        let kept = b
            .wait_for("#official_code", 5)
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("1.009999"));
        b.audit("console-procedure-links-refused").await;
        b.fill(
            "#forms",
            "Mẫu số 01: Văn bản đề nghị | https://www.customs.gov.vn/mau-01.docx",
        )
        .await;
        b.click("#procedure-save").await;
        b.wait_for("form#procedure-form #forms", 10).await;
        b.audit("console-procedure-links-after").await;
        b.goto(&format!("{base}/lang/{lang}")).await;
        b.goto(&format!("{base}/procedures/{code}")).await;
        b.wait_for_text("#procedure-code", "1.009999", 10).await;
        b.wait_for(
            "#procedure-forms a[href=\"https://www.customs.gov.vn/mau-01.docx\"]",
            5,
        )
        .await;
        b.audit("portal-procedure-links-after").await;
    }
    b.close().await;
}
