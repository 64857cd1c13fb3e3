//! Answer suggestions (issue 19), on both engines: a case's top articles and canned responses on
//! the API (hidden with the case from who may not read it), the index following the knowledge
//! base's edits, the portal's suggestions while typing; and, with the real mail servers of
//! `email.rs`, the acknowledgement that offers an article with its signed "this solved my
//! request" link, the deflection that link records (once), and a confidential mail's
//! acknowledgement that offers nothing.
use axum::http::StatusCode;
use hqdesk_services::kb::ArticleSource;
use hqdesk_services::Actor;
use serde_json::{json, Value};

use crate::both_engines;
use crate::email::{
    add_mailbox, fast_fetcher, header, mail_env, requester_mail, start_workers_on, unique, MailEnv,
};
use crate::support::TestApp;

const CKS_ARTICLE: &str = "chu-ky-so-het-han-gia-han";
const CKS_CANNED: &str = "Hướng dẫn gia hạn chữ ký số";

async fn admin(app: &TestApp) -> Actor {
    app.services
        .authenticate_token(app.token("admin"))
        .await
        .unwrap()
}

/// The starter knowledge base and three canned responses, one of them about expired signatures.
async fn knowledge(app: &TestApp) {
    hqdesk::kb::import(&app.services, None).await.unwrap();
    let admin = admin(app).await;
    for (title, body) in [
        (CKS_CANNED, "Kính gửi {{requester.name}},\n\nChữ ký số hết hạn cần được gia hạn với nhà cung cấp dịch vụ chứng thực, sau đó đăng ký lại chứng thư số mới với hải quan trên VNACCS."),
        ("Hướng dẫn nộp thuế điện tử", "Kính gửi {{requester.name}},\n\nQuý doanh nghiệp có thể nộp thuế điện tử 24/7 qua ngân hàng phối hợp thu."),
        ("Cảm ơn và kết thúc", "Cảm ơn Quý doanh nghiệp đã liên hệ tổng đài hải quan."),
    ] {
        app.services.add_canned(&admin, title, body).await.unwrap();
    }
}

fn slugs(j: &Value, list: &str, field: &str) -> Vec<String> {
    j[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {j}"))
        .iter()
        .map(|a| match &a[field] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn scores_descend(j: &Value, list: &str) {
    let scores: Vec<f64> = j[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["score"].as_f64().unwrap())
        .collect();
    assert!(scores.len() <= 3, "{j}");
    assert!(
        scores.iter().all(|s| (0.0..=1.0).contains(s)) && scores.windows(2).all(|w| w[0] >= w[1]),
        "{list}: {scores:?}"
    );
}

both_engines!(suggestions_for_a_case_rank_the_answer, |app| async move {
    knowledge(&app).await;
    let number = app
        .open(
            "agent",
            json!({"kind": "inquiry", "subject": "cks hết hạn",
                   "body": "CKS của công ty em hết hạn hôm qua nên không ký được tờ khai, giờ phải làm sao ạ?",
                   "requester": {"name": "Công ty Minh Phát", "phone": "0912000111"}}),
        )
        .await;
    let (s, j) = app
        .get("agent", &format!("/api/v1/cases/{number}/suggestions"))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let articles = slugs(&j, "articles", "slug");
    assert!(
        articles.iter().any(|a| a == CKS_ARTICLE),
        "'{CKS_ARTICLE}' in the top 3: {j}"
    );
    assert_eq!(articles[0], CKS_ARTICLE, "{j}");
    scores_descend(&j, "articles");
    scores_descend(&j, "canned");
    let best = &j["articles"][0];
    assert!(
        best["title"].as_str().unwrap().starts_with("Chữ ký số"),
        "{best}"
    );
    assert_eq!(best["visibility"], "public");
    assert_eq!(best["url"], format!("/kb/{CKS_ARTICLE}"));
    assert!(!best["summary"].as_str().unwrap().is_empty(), "{best}");
    assert_eq!(
        slugs(&j, "canned", "title").first().map(String::as_str),
        Some(CKS_CANNED),
        "{j}"
    );

    // The subject alone, as a hotline officer types it, finds it too.
    let short = app
        .open(
            "agent",
            json!({"kind": "inquiry", "subject": "cks hết hạn", "requester": {"phone": "0912000112"}}),
        )
        .await;
    let (s, j) = app
        .get("agent", &format!("/api/v1/cases/{short}/suggestions"))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert!(
        slugs(&j, "articles", "slug").contains(&CKS_ARTICLE.to_string()),
        "{j}"
    );
});

both_engines!(
    suggestions_of_an_investigators_case_are_hidden_from_agents,
    |app| async move {
        knowledge(&app).await;
        let d = app
            .open(
                "investigator",
                json!({"kind": "denunciation", "channel": "phone",
                       "subject": "Tố giác cán bộ nhận tiền để bỏ qua chữ ký số hết hạn",
                       "body": "Cán bộ nhận tiền để thông quan tờ khai ký bằng chữ ký số đã hết hạn."}),
            )
            .await;
        let (s, j) = app
            .get("investigator", &format!("/api/v1/cases/{d}/suggestions"))
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert!(j["articles"].is_array() && j["canned"].is_array(), "{j}");
        // For an agent it does not exist: the same answer as a number nobody has.
        let (s, hidden) = app
            .get("agent", &format!("/api/v1/cases/{d}/suggestions"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{hidden}");
        let made_up = (1..)
            .map(|i| hqdesk_domain::case::CaseNumber::compose(app.services.now(), 999_000 + i))
            .map(|n| n.to_string())
            .find(|n| *n != d)
            .unwrap();
        let (s, missing) = app
            .get("agent", &format!("/api/v1/cases/{made_up}/suggestions"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(hidden["code"], missing["code"], "{hidden} {missing}");
        assert!(!hidden.to_string().contains(&d), "{hidden}");
        for role in ["unit_officer", "supervisor", "admin", "hotline"] {
            let (s, j) = app
                .get(role, &format!("/api/v1/cases/{d}/suggestions"))
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{role}: {j}");
        }
        // Not a case number at all: not found either, never a 500.
        let (s, j) = app
            .get("agent", "/api/v1/cases/khong-phai-so/suggestions")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{j}");
        // Without a token: refused.
        let (s, _, _) = app
            .call(
                None,
                "GET",
                &format!("/api/v1/cases/{d}/suggestions"),
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);

both_engines!(
    suggestions_follow_the_knowledge_base_and_the_portal_uses_them,
    |app| async move {
        knowledge(&app).await;
        let subject = "Kho ngoại quan zirconia tạm ngừng hoạt động";
        let number = app
            .open(
                "agent",
                json!({"kind": "inquiry", "subject": subject,
                       "body": "Kho ngoại quan zirconia của chúng tôi muốn tạm ngừng hoạt động 6 tháng.",
                       "requester": {"phone": "0912000113"}}),
            )
            .await;
        let slug = "tam-ngung-kho-ngoai-quan-zirconia";
        let path = format!("/api/v1/cases/{number}/suggestions");
        let (_, before) = app.get("agent", &path).await;
        assert!(!slugs(&before, "articles", "slug").contains(&slug.to_string()));
        // A new article, internal: staff are offered it at once (the index is rebuilt), without
        // a public address; the portal never offers it.
        let mut article = ArticleSource {
            slug: slug.into(),
            title: "Tạm ngừng hoạt động kho ngoại quan zirconia".into(),
            category: None,
            related: vec![],
            visibility: "internal".into(),
            status: "published".into(),
            body: "Doanh nghiệp muốn tạm ngừng hoạt động kho ngoại quan zirconia gửi văn bản thông báo cho hải quan quản lý kho.".into(),
        };
        app.services
            .save_article(&admin(&app).await, &article)
            .await
            .unwrap();
        let (s, after) = app.get("agent", &path).await;
        assert_eq!(s, StatusCode::OK, "{after}");
        assert_eq!(after["articles"][0]["slug"], slug, "{after}");
        assert_eq!(after["articles"][0]["visibility"], "internal");
        assert!(after["articles"][0]["url"].is_null(), "{after}");
        let suggest = format!(
            "/kb-suggest?q={}&text={}",
            crate::support::form_encode(subject),
            crate::support::form_encode("muốn tạm ngừng kho ngoại quan")
        );
        let (s, _, portal) = app.call(None, "GET", &suggest, None, &[]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!portal.to_string().contains(slug), "{portal}");
        // Published to the public: now the portal offers it too.
        article.visibility = "public".into();
        app.services
            .save_article(&admin(&app).await, &article)
            .await
            .unwrap();
        let (_, _, portal) = app.call(None, "GET", &suggest, None, &[]).await;
        assert_eq!(portal[0]["slug"], slug, "{portal}");
        let (_, after) = app.get("agent", &path).await;
        assert_eq!(after["articles"][0]["url"], format!("/kb/{slug}"));
        // The portal reads the customs vocabulary: "cks" is "chữ ký số"; the description counts.
        let (s, _, cks) = app
            .call(None, "GET", "/kb-suggest?q=cks%20het%20han", None, &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(cks[0]["slug"], CKS_ARTICLE, "{cks}");
        let (_, by_text) = {
            let (s, _, j) = app
                .call(
                    None,
                    "GET",
                    &format!(
                        "/kb-suggest?q=&text={}",
                        crate::support::form_encode(
                            "Chữ ký số của công ty đã hết hạn, cần gia hạn"
                        )
                    ),
                    None,
                    &[],
                )
                .await;
            (s, j)
        };
        assert_eq!(by_text[0]["slug"], CKS_ARTICLE, "{by_text}");
        // Nothing typed, or garbage: an empty list, never an error.
        for q in [
            "/kb-suggest",
            "/kb-suggest?q=ab",
            "/kb-suggest?q=%00%01%02%03",
        ] {
            let (s, _, j) = app.call(None, "GET", q, None, &[]).await;
            assert!(s == StatusCode::OK || s.is_client_error(), "{q}: {s}");
            if s == StatusCode::OK {
                assert!(j.as_array().is_some_and(|a| a.is_empty()), "{q}: {j}");
            }
        }
        // A canned response added later is suggested at once too.
        app.services
            .add_canned(
                &admin(&app).await,
                "Tạm ngừng kho ngoại quan zirconia",
                "Quý doanh nghiệp gửi văn bản thông báo tạm ngừng hoạt động kho ngoại quan.",
            )
            .await
            .unwrap();
        let (_, after) = app.get("agent", &path).await;
        assert_eq!(
            after["canned"][0]["title"], "Tạm ngừng kho ngoại quan zirconia",
            "{after}"
        );
    }
);

/// The plain text of a raw mail.
fn text_of(raw: &str) -> String {
    hqdesk_services::mail::parse_mail(raw.as_bytes())
        .map(|p| p.text)
        .unwrap_or_default()
}

/// The acknowledgement among a mailbox's raw mails.
fn ack_of(mails: &[String]) -> Option<String> {
    mails
        .iter()
        .find(|m| header(m, "Auto-Submitted").as_deref() == Some("auto-replied"))
        .map(|m| text_of(m))
}

/// The acknowledgement's text once it is in `user`'s mailbox (at most 40 s).
async fn wait_ack(env: &MailEnv, user: &str) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        if let Some(ack) = ack_of(&env.inbox(user).await) {
            return ack;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no acknowledgement for {user} after 40 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

const PUBLIC: &str = "https://hotro.hqdesk.test";

/// A portal request carrying the portal's form cookie and its token, from the same site.
async fn portal_post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let token = "0123456789abcdef0123456789abcdef";
    let mut body = serde_urlencoded::to_string(fields).unwrap();
    body.push_str(&format!("&csrf={token}"));
    app.send(
        "POST",
        path,
        Some(body),
        &[
            ("host", "hqdesk.test"),
            ("origin", "http://hqdesk.test"),
            ("cookie", &format!("hqdesk_form={token}")),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
    )
    .await
}

both_engines!(
    email_acknowledgement_offers_the_article_and_counts_the_deflection,
    |app| async move {
        let Some(env) = mail_env() else { return };
        knowledge(&app).await;
        let support = unique("support", "hqdesk.test");
        let requester = unique("cks", "khach.test");
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        // The server's public address: the acknowledgement's links start with it.
        let services = app.services.clone().with_public_url(PUBLIC);
        let _workers = start_workers_on(&services, fast_fetcher("suggest-node"), true);
        env.send(
            &requester,
            &support,
            &requester_mail(
                &requester,
                &support,
                "=?UTF-8?B?Q2jhu68ga8O9IHPhu5EgaOG6v3QgaOG6oW4=?=",
                &unique("cks-1", "khach.test"),
                "",
                "Chữ ký số của công ty đã hết hạn, chúng tôi cần gia hạn và đăng ký lại với hải quan thế nào?",
            ),
        )
        .await;
        let ack = wait_ack(&env, &requester).await;
        assert!(
            ack.contains("Có thể bài viết này đã trả lời câu hỏi của quý vị"),
            "{ack}"
        );
        assert!(
            ack.contains("This article may already answer your question"),
            "{ack}"
        );
        assert!(ack.contains(&format!("{PUBLIC}/kb/{CKS_ARTICLE}")), "{ack}");
        assert!(ack.contains("Chữ ký số sắp hết hạn"), "{ack}");
        assert!(
            ack.contains("Bài viết này đã giải quyết yêu cầu của tôi"),
            "{ack}"
        );
        let link = ack
            .split_whitespace()
            .find(|w| w.starts_with(&format!("{PUBLIC}/kb-solved?")))
            .unwrap_or_else(|| panic!("a deflection link in {ack}"))
            .trim_start_matches(PUBLIC)
            .to_string();
        let number = {
            let mut conn = app.services.store().read().await.unwrap();
            let n: String = sqlx::query_scalar("SELECT number FROM cases")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            n
        };
        assert!(link.contains(&format!("c={number}")), "{link}");

        // Following it: a page asks to confirm (a link checker opening it changes nothing).
        let (s, page) = app
            .send("GET", &link, None, &[("host", "hqdesk.test")])
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"solved-confirm\""), "{page}");
        assert_eq!(app.count_rows("kb_deflections").await, 0);
        // A link altered in any part is refused, in the visitor's words.
        let forged = link.replace("&e=", "&e=9");
        let (s, page) = app
            .send("GET", &forged, None, &[("host", "hqdesk.test")])
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{page}");
        assert!(page.contains("id=\"solved-invalid\""), "{page}");
        // Confirmed: one deflection, the case resolved with an event saying why; the page thanks.
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_str(link.split_once('?').unwrap().1).unwrap();
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (s, page) = portal_post(&app, "/kb-solved", &fields).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"solved-thanks\""), "{page}");
        assert!(page.contains(&number), "{page}");
        // Again (a second click, the page reloaded): nothing more.
        let (s, page) = portal_post(&app, "/kb-solved", &fields).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"solved-already\""), "{page}");
        assert_eq!(app.count_rows("kb_deflections").await, 1);
        let (_, case) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(case["status"], "resolved", "{case}");
        let (_, timeline) = app
            .get(
                "agent",
                &format!("/api/v1/cases/{number}/messages?all=true"),
            )
            .await;
        let events: Vec<&Value> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["body"]
                    .as_str()
                    .unwrap_or("")
                    .contains("đã giải quyết yêu cầu")
            })
            .collect();
        assert_eq!(events.len(), 1, "{timeline}");
        let mut conn = app.services.store().read().await.unwrap();
        let solved: i64 = sqlx::query_scalar("SELECT solved FROM kb_articles WHERE slug = $1")
            .bind(CKS_ARTICLE)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(solved, 1);
        drop(conn);
        // Without the form's token: refused, nothing recorded twice.
        let (s, _) = app
            .send(
                "POST",
                "/kb-solved",
                Some(serde_urlencoded::to_string(&fields).unwrap()),
                &[
                    ("host", "hqdesk.test"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
            )
            .await;
        assert!(s.is_client_error(), "{s}");
        assert_eq!(app.count_rows("kb_deflections").await, 1);
    }
);

both_engines!(
    email_acknowledgement_of_a_confidential_mail_offers_nothing,
    |app| async move {
        let Some(env) = mail_env() else { return };
        knowledge(&app).await;
        let support = unique("support", "hqdesk.test");
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        let services = app.services.clone().with_public_url(PUBLIC);
        let _workers = start_workers_on(&services, fast_fetcher("suggest-conf"), true);
        // A denunciation the hotline took; someone else writes quoting its number: the new case
        // is confidential (it belongs with the denunciation), whatever its words.
        let d = app
            .open(
                "hotline",
                json!({"kind": "denunciation", "channel": "phone",
                       "subject": "Tố giác gian lận chữ ký số",
                       "body": "Người gọi kể lại.", "requester": {"email": "nguoi.bao.tin@example.vn"}}),
            )
            .await;
        let writer = unique("khac", "khach.test");
        env.send(
            &writer,
            &support,
            &requester_mail(
                &writer,
                &support,
                &format!("Ve ho so {d}"),
                &unique("conf-1", "khach.test"),
                "",
                "Chữ ký số của công ty đã hết hạn, chúng tôi cần gia hạn và đăng ký lại với hải quan thế nào?",
            ),
        )
        .await;
        // An ordinary mail with no article that answers it, alongside: no article either.
        let plain = unique("thuong", "khach.test");
        env.send(
            &plain,
            &support,
            &requester_mail(
                &plain,
                &support,
                "Hoi ve thue",
                &unique("plain-1", "khach.test"),
                "",
                "Xin hỏi thủ tục.",
            ),
        )
        .await;
        for to in [&writer, &plain] {
            let ack = wait_ack(&env, to).await;
            assert!(ack.contains("Kính gửi"), "{ack}");
            assert!(!ack.contains("kb-solved"), "{to}: {ack}");
            assert!(!ack.contains("/kb/"), "{to}: {ack}");
            assert!(!ack.contains("Có thể bài viết này"), "{to}: {ack}");
        }
        let mut conn = app.services.store().read().await.unwrap();
        let confidential: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE channel = 'email' AND confidential = 1",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            confidential, 1,
            "the quoting mail opened a confidential case"
        );
    }
);

/// The value of the reply box, as the browser holds it.
async fn reply_value(b: &crate::browser::Browser) -> String {
    b.client
        .execute("return document.getElementById('reply-body').value", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

both_engines!(
    browser_agent_inserts_a_suggested_answer_into_the_reply,
    |app| async move {
        let Some(b) = crate::browser::Browser::start().await else {
            return;
        };
        knowledge(&app).await;
        let number = app
            .open(
                "agent",
                json!({"kind": "inquiry", "subject": "cks hết hạn",
                       "body": "CKS của công ty em hết hạn hôm qua nên không ký được tờ khai, giờ phải làm sao ạ?",
                       "requester": {"name": "Công ty Minh Phát", "phone": "0912000111"}}),
            )
            .await;
        crate::console::set_password(&app, "agent").await;
        let base = crate::browser::serve(app.router.clone()).await;
        crate::console::sign_in_password(&b, &base, "agent").await;
        b.goto(&format!("{base}/console/cases/{number}")).await;
        b.wait_for("#suggested", 10).await;
        // Without the script these are plain links: the article's page, the canned response
        // put in the reply box by the page itself.
        b.wait_for(
            &format!(
                "#suggested-articles li[data-slug='{CKS_ARTICLE}'] a[href='/kb/{CKS_ARTICLE}']"
            ),
            5,
        )
        .await;
        let first =
            format!("#suggested-articles li[data-slug='{CKS_ARTICLE}'] button.suggest-insert");
        b.wait_for(&format!("{first}:not([hidden])"), 5).await;
        // A click inserts the article's title, its first lines and its public address.
        b.click(&first).await;
        let reply = reply_value(&b).await;
        assert!(reply.starts_with("Chữ ký số sắp hết hạn"), "{reply}");
        assert!(reply.contains(&format!("/kb/{CKS_ARTICLE}")), "{reply}");
        // With the keyboard: the canned response's button takes the focus, Enter inserts its
        // text (placeholders filled for this case) after what is there.
        let canned = "#suggested-canned li:first-child button.suggest-insert";
        b.wait_for(&format!("{canned}:not([hidden])"), 5).await;
        b.client
            .execute(
                &format!("document.querySelector(\"{canned}\").focus()"),
                vec![],
            )
            .await
            .unwrap();
        b.press_key("Enter").await;
        let reply = reply_value(&b).await;
        assert!(reply.starts_with("Chữ ký số sắp hết hạn"), "{reply}");
        assert!(
            reply.contains("Kính gửi Công ty Minh Phát,")
                && reply.contains("gia hạn với nhà cung cấp"),
            "{reply}"
        );
        let text = b.text("#suggested").await;
        assert!(
            text.contains("Gợi ý trả lời") || text.contains("Suggested answers"),
            "{text}"
        );
        b.close().await;
    }
);
