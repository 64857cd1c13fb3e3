//! Issue 16, the console's case page and texts: names instead of usernames, category and unit
//! by name, due times as countdowns, image previews and PDFs opened inline (safe types only), the
//! requester panel in one language, no "other cases" for anonymous reporters, placeholders of
//! this month, the list of keyboard shortcuts; one language per page across the console; 403
//! and 404 pages under the header; one favicon. Browser tests save before/after screenshots of
//! every page in vi and en.
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::Actor;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::browser::{serve, Browser};
use crate::console::{set_password, sign_in_password};
use crate::console_session::{sign_in, Session};
use crate::support::{Engine, TestApp};

/// A real PNG of 96 × 64 pixels (a red banner on a chequered ground), so the preview loads and
/// shows in the screenshots.
const PNG_B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAGAAAABACAIAAABqVuVZAAAAnUlEQVR42u3YsQ2AMAwEwExBkfnZigWYIC0sgBVRIBT7Ind2ddXn23GOx7mCV+2+AQIECBAgQIDSAkWLfeulJoIDBAgQIECAAOUFihbVgF4naUCAAH0K5LMKCBCgP/sgcJMkDQgQIECAAAFaHgiEJA0IECBAgADpgwRFSRoQIECAAAHSBwmKkjQgQIAAAQKkDwIHCBAgQIAAAUp7fwN7hfFFiGEdHAAAAABJRU5ErkJggg==";

/// The display names of the test users: pages show these, never the usernames.
const NAMES: [(&str, &str); 6] = [
    ("agent", "Nguyễn Thị Lan"),
    ("hotline", "Trần Văn Hùng"),
    ("investigator", "Lê Minh Đức"),
    ("unit_officer", "Phạm Thu Hà"),
    ("supervisor", "Võ Thanh Tâm"),
    ("admin", "Đặng Quốc Bảo"),
];

async fn name_everyone(app: &TestApp) {
    for (user, name) in NAMES {
        app.services
            .update_user(
                &Actor::Cli,
                user,
                UpdateUser {
                    display_name: Some(name.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
}

async fn set_locale(app: &TestApp, role: &str, lang: &str) {
    let actor = app
        .services
        .authenticate_token(app.token(role))
        .await
        .unwrap();
    app.services.set_locale(&actor, lang).await.unwrap();
}

/// Screenshots of the page as it is now at 1366 and 390 px (`name-<lang>-<width>`), no sideways
/// scrolling, no serious axe-core violation.
async fn audit(b: &Browser, name: &str) {
    b.audit(name).await;
}

/// An active inquiry category and its names (vi, en).
async fn inquiry_category(app: &TestApp) -> (String, String, String) {
    let k = app
        .services
        .list_categories(&Actor::Cli)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.active && k.kind.as_str() == "inquiry" && k.name_vi != k.name_en)
        .expect("an inquiry category");
    (k.code, k.name_vi, k.name_en)
}

/// A case with a requester, routed to KV8, given to the agent, with a category and three files
/// (a picture, a PDF, a web page); another case of the same requester; an anonymous case.
struct Cases {
    main: String,
    other: String,
    anonymous: String,
}

async fn seed(app: &TestApp, category: &str) -> Cases {
    use base64::Engine as _;
    let requester = json!({"name":"Công ty TNHH Tân Phát","business_name":"Công ty TNHH Tân Phát","phone":"0912345678","email":"ketoan@tanphat.vn","tax_code":"0100233488"});
    let main = app.open("hotline", json!({"kind":"inquiry","branch":2,"channel":"phone","subject":"Không ký số được tờ khai IDA",
        "body":"Doanh nghiệp báo lỗi chữ ký số khi gửi tờ khai.","requester": requester,"category": category})).await;
    let other = app
        .open(
            "agent",
            json!({"kind":"inquiry","subject":"Hỏi thủ tục hoàn thuế nhập khẩu","requester": requester}),
        )
        .await;
    let anonymous = app
        .open(
            "hotline",
            json!({"kind":"suggestion","channel":"phone","subject":"Người gọi không để lại tên góp ý giờ làm việc"}),
        )
        .await;
    let (s, j) = app
        .post(
            "supervisor",
            &format!("/api/v1/cases/{main}/assign"),
            json!({"unit":"KV8","assignee":"agent"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4\n%%EOF\n");
    let html = base64::engine::general_purpose::STANDARD.encode(b"<script>alert(1)</script>");
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{main}/messages"),
            json!({"body":"Ảnh chụp màn hình lỗi và công văn kèm theo.","internal":true,"attachments":[
                {"filename":"ảnh lỗi.png","content_type":"image/png","content_base64": PNG_B64},
                {"filename":"công văn.pdf","content_type":"application/pdf","content_base64": pdf},
                {"filename":"trang.html","content_type":"text/html","content_base64": html}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    Cases {
        main,
        other,
        anonymous,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_page_shows_names_countdowns_previews_one_language_and_the_shortcuts() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    name_everyone(&app).await;
    set_password(&app, "agent").await;
    let (category, category_vi, category_en) = inquiry_category(&app).await;
    let cases = seed(&app, &category).await;
    let this_month = &hqdesk_domain::case::CaseNumber::compose(app.services.now(), 0)
        .as_str()
        .to_string()[..7];
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;

    for lang in ["vi", "en"] {
        set_locale(&app, "agent", lang).await;
        let vi = lang == "vi";
        // The queue, before the agent opens the case.
        b.goto(&format!("{base}/console")).await;
        b.wait_for("table#queue", 10).await;
        audit(&b, "case-page-before").await;
        b.goto(&format!("{base}/console/cases/{}", cases.main))
            .await;
        b.wait_for("#case-subject", 10).await;
        let html_lang = b
            .client
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap();
        assert_eq!(html_lang, json!(lang));

        // 1. Names, never usernames: assignee, timeline authors, the assign list.
        assert_eq!(b.text("#case-assignee").await, "Nguyễn Thị Lan");
        let authors = b.text("#timeline").await;
        assert!(authors.contains("Nguyễn Thị Lan"), "{authors}");
        assert!(authors.contains("Trần Văn Hùng"), "{authors}");
        let options = b
            .client
            .execute(
                "return Array.from(document.querySelectorAll('#assign-user option')).map(o => o.value + '=' + o.textContent)",
                vec![],
            )
            .await
            .unwrap();
        let options: Vec<String> = serde_json::from_value(options).unwrap();
        assert!(
            options.contains(&"agent=Nguyễn Thị Lan".to_string()),
            "{options:?}"
        );
        assert!(
            options.iter().all(|o| !o.ends_with(")")),
            "no usernames beside names: {options:?}"
        );
        // 2. Category and unit by their names (the category in the reader's language).
        assert_eq!(b.text("#case-unit").await, "Chi cục Hải quan khu vực VIII");
        assert_eq!(
            b.text("#case-category").await,
            if vi { &category_vi } else { &category_en }.as_str()
        );
        // 3. Due times as coloured countdowns, the time itself on hover.
        let due = b.wait_for("#case-due-resolution .due", 5).await;
        let class = due.attr("class").await.unwrap().unwrap_or_default();
        assert!(
            ["due-ok", "due-soon", "due-overdue"]
                .iter()
                .any(|c| class.contains(c)),
            "{class}"
        );
        let text = due.text().await.unwrap();
        assert!(
            text.contains(if vi { "còn" } else { "left" }),
            "a countdown: {text}"
        );
        assert!(due
            .attr("title")
            .await
            .unwrap()
            .is_some_and(|t| t.contains('/')));
        // 4. The picture previewed (loaded, its file name as alt text), the PDF opened in the
        //    browser, the web page only downloaded.
        let loaded = b
            .client
            .execute(
                "var i = document.querySelector('img.thumb'); return i && i.complete ? [i.naturalWidth, i.alt] : null",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(loaded, json!([96, "ảnh lỗi.png"]));
        let pdf = b.text(".attachment-pdf a.view").await;
        assert!(pdf.contains("công văn.pdf"), "{pdf}");
        let file = b
            .wait_for(".attachment-file a.download", 5)
            .await
            .attr("download")
            .await
            .unwrap();
        assert_eq!(file.as_deref(), Some("trang.html"));
        assert!(
            b.client
                .find(fantoccini::Locator::Css(
                    ".attachment-file a.view, .attachment-file img"
                ))
                .await
                .is_err(),
            "a web page is never shown"
        );
        // 5. The requester panel in the reader's language only.
        let panel = b.text("#requester").await;
        let (mine, theirs) = if vi {
            (["Mã số thuế", "Điện thoại"], ["Tax code", "Phone"])
        } else {
            (["Tax code", "Phone"], ["Mã số thuế", "Điện thoại"])
        };
        for w in mine {
            assert!(panel.contains(w), "{w} in {panel}");
        }
        for w in theirs {
            assert!(!panel.contains(w), "no {w} in {panel}");
        }
        // 6. Other cases of a known requester are listed.
        b.wait_for_text("#earlier", &cases.other, 5).await;
        // 7. The link and merge placeholders are numbers of this month.
        for id in ["#link-other", "#merge-into"] {
            let p = b
                .wait_for(id, 5)
                .await
                .attr("placeholder")
                .await
                .unwrap()
                .unwrap_or_default();
            assert!(
                p.starts_with(this_month) && p.len() == 14,
                "{id} placeholder {p}"
            );
        }
        // 8. "?" opens the list of shortcuts (focus inside), Escape closes it; so does the
        //    header's button.
        b.client
            .execute("document.activeElement.blur()", vec![])
            .await
            .unwrap();
        b.press_key("?").await;
        wait_js(&b, "return document.getElementById('shortcuts').open").await;
        let focus = b
            .client
            .execute("return document.activeElement.id", vec![])
            .await
            .unwrap();
        assert_eq!(focus, json!("shortcuts-close"));
        let list = b.text("#shortcuts").await;
        for key in ["/", "j", "k", "Enter", "x", "r", "n", "e", "Esc", "?"] {
            assert!(list.contains(key), "{key} listed in {list}");
        }
        audit(&b, "case-page-shortcuts").await;
        b.press_key("Escape").await;
        wait_js(&b, "return !document.getElementById('shortcuts').open").await;
        b.click("#shortcuts-open").await;
        wait_js(&b, "return document.getElementById('shortcuts').open").await;
        b.press_key("Escape").await;
        wait_js(&b, "return !document.getElementById('shortcuts').open").await;
        audit(&b, "case-page-after").await;

        // 6. An anonymous reporter: no "other cases" at all.
        b.goto(&format!("{base}/console/cases/{}", cases.anonymous))
            .await;
        b.wait_for("#case-subject", 10).await;
        assert!(b
            .client
            .find(fantoccini::Locator::Css("#earlier"))
            .await
            .is_err());
        let panel = b.text("#requester").await;
        assert!(!panel.contains(if vi {
            "Vụ việc khác"
        } else {
            "Other cases"
        }));
        audit(&b, "case-page-anonymous").await;

        // 10. A 404 and a 403 keep the header and a way back, in the reader's language.
        b.goto(&format!("{base}/console/khong-co-trang-nay")).await;
        b.wait_for("#error-title", 10).await;
        b.wait_for("header.top #q", 5).await;
        b.wait_for_text("header.top .who", "Nguyễn Thị Lan", 5)
            .await;
        b.wait_for_text(
            "#error-title",
            if vi {
                "Không tìm thấy"
            } else {
                "not found"
            },
            5,
        )
        .await;
        audit(&b, "console-404").await;
        b.goto(&format!("{base}/console/admin")).await;
        b.wait_for("#error-title", 10).await;
        b.wait_for("header.top #q", 5).await;
        b.wait_for_text(
            "#error-message",
            if vi {
                "không được phép"
            } else {
                "may not"
            },
            5,
        )
        .await;
        audit(&b, "console-403").await;
        b.click("#error-back").await;
        b.wait_for("table#queue", 10).await;
        audit(&b, "console-403-back").await;
    }

    // 10 and 11 on the portal: its 404 keeps the header and a way home, in the visitor's
    // language; both sides show the one favicon.
    for lang in ["vi", "en"] {
        b.goto(&format!("{base}/lang/{lang}")).await;
        b.goto(&format!("{base}/")).await;
        b.wait_for("main#main", 10).await;
        audit(&b, "portal-404-before").await;
        b.goto(&format!("{base}/khong-co-trang-nay")).await;
        b.wait_for("#error-title", 10).await;
        b.wait_for("header.top a.brand", 5).await;
        audit(&b, "portal-404-after").await;
        let icon = b
            .client
            .execute(
                "var l = document.querySelectorAll('link[rel=icon]'); return l.length === 1 ? l[0].href : null",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(icon, json!(format!("{base}/assets/favicon.svg")));
        b.click("#error-home, main a[href='/']").await;
        b.wait_for("main#main", 10).await;
        assert_eq!(b.current_path().await, "/");
    }
    b.goto(&format!("{base}/console")).await;
    b.wait_for("table#queue", 10).await;
    let loaded = b
        .client
        .execute(
            "return fetch(document.querySelector('link[rel=icon]').href).then(r => r.ok && r.headers.get('content-type'))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!("image/svg+xml"));
    b.close().await;
}

/// Polls a script until it returns true (5 s at most).
async fn wait_js(b: &Browser, script: &str) {
    for _ in 0..50 {
        if b.client.execute(script, vec![]).await.unwrap() == json!(true) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{script} stayed false");
}

/// A console GET with the session's cookie: status, headers, body.
async fn get(
    app: &TestApp,
    session: Option<&Session>,
    path: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut req = Request::get(path).header("host", "hqdesk.test");
    if let Some(s) = session {
        req = req.header("cookie", s.cookie());
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 10 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

crate::both_engines!(
    attachments_open_inline_only_for_safe_types,
    |app| async move {
        use base64::Engine as _;
        let n = app
            .open(
                "agent",
                json!({"kind":"inquiry","subject":"Tệp đính kèm đủ loại","requester":{"phone":"0912000111"}}),
            )
            .await;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let files = [
            ("a.png", "image/png"),
            ("b.jpg", "image/jpeg"),
            ("c.gif", "image/gif"),
            ("d.webp", "image/webp"),
            ("e.pdf", "application/pdf"),
            ("f.png", "IMAGE/PNG; name=f.png"),
            ("g.svg", "image/svg+xml"),
            ("h.html", "text/html"),
            ("i.bmp", "image/bmp"),
            ("j.bin", "application/octet-stream"),
        ];
        let attachments: Vec<Value> = files
            .iter()
            .map(|(f, t)| json!({"filename": f, "content_type": t, "content_base64": b64(b"x")}))
            .collect();
        let (s, m) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{n}/messages"),
                json!({"body":"Các tệp","internal":true,"attachments": attachments}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let ids: Vec<i64> = m["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        let agent = sign_in(&app, "agent").await;
        for ((name, _), id) in files.iter().zip(&ids) {
            let (s, h, _) = get(&app, Some(&agent), &format!("/console/attachments/{id}")).await;
            assert_eq!(s, StatusCode::OK, "{name}");
            let disposition = h["content-disposition"].to_str().unwrap();
            let ctype = h["content-type"].to_str().unwrap();
            assert_eq!(h["x-content-type-options"], "nosniff", "{name}");
            let inline = matches!(
                *name,
                "a.png" | "b.jpg" | "c.gif" | "d.webp" | "e.pdf" | "f.png"
            );
            assert_eq!(
                disposition.starts_with("inline;"),
                inline,
                "{name}: {disposition}"
            );
            assert_eq!(
                disposition.starts_with("attachment;"),
                !inline,
                "{name}: {disposition}"
            );
            if *name == "f.png" {
                assert_eq!(ctype, "image/png", "the stored type's essence is sent");
            }
            let csp = h["content-security-policy"].to_str().unwrap();
            if *name == "e.pdf" {
                assert!(csp.starts_with("sandbox"), "a PDF is sandboxed: {csp}");
            }
        }
        // Access is unchanged: the unit officer may not see the case, nor its files.
        let officer = sign_in(&app, "unit_officer").await;
        let (s, _, body) = get(
            &app,
            Some(&officer),
            &format!("/console/attachments/{}", ids[0]),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(!body.contains("Các tệp"));
        // The case page previews the pictures and offers the PDF to open; the rest downloads.
        let (_, _, page) = get(&app, Some(&agent), &format!("/console/cases/{n}")).await;
        assert_eq!(page.matches("<img class=\"thumb\"").count(), 5, "{page}");
        assert!(page.contains("alt=\"a.png\""));
        assert_eq!(page.matches("class=\"view\"").count(), 1);
    }
);

crate::both_engines!(
    console_403_and_404_keep_the_header_and_a_way_back_and_one_favicon,
    |app| async move {
        name_everyone(&app).await;
        let agent = sign_in(&app, "agent").await;
        for lang in ["vi", "en"] {
            set_locale(&app, "agent", lang).await;
            let vi = lang == "vi";
            let (s, _, page) = get(&app, Some(&agent), "/console/khong-co").await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            for needle in [
                "id=\"search\"",
                "Nguyễn Thị Lan",
                "href=\"/console\" id=\"error-back\"",
                "id=\"sign-out\"",
                &format!("lang=\"{lang}\""),
                if vi {
                    "Không tìm thấy trang"
                } else {
                    "Page not found"
                },
            ] {
                assert!(page.contains(needle), "404 has {needle}: {page}");
            }
            let (s, _, page) = get(&app, Some(&agent), "/console/admin").await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            for needle in [
                "id=\"search\"",
                "href=\"/console\" id=\"error-back\"",
                if vi {
                    "Không có quyền truy cập"
                } else {
                    "Access denied"
                },
                if vi {
                    "Chỉ quản trị viên và giám sát viên"
                } else {
                    "Administrators and supervisors only"
                },
            ] {
                assert!(page.contains(needle), "403 has {needle}: {page}");
            }
            // A refusal of the services (English words for developers) is said in the reader's.
            let (s, _, page) = get(&app, Some(&agent), "/console/wallboard").await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            assert!(
                page.contains(if vi {
                    "Vai trò của bạn không được phép"
                } else {
                    "Your role may not"
                }),
                "{page}"
            );
            assert!(page.contains("id=\"search\"") && page.contains("id=\"error-back\""));
            assert!(!page.contains("wallboard is for"), "{page}");
            assert!(
                !page.contains("your role may not"),
                "no service English: {page}"
            );
            // A case that does not exist (or is hidden): the same page, under the header.
            let (s, _, page) = get(&app, Some(&agent), "/console/cases/HQ2611-4839207").await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            assert!(page.contains("id=\"search\"") && page.contains("id=\"error-back\""));
        }
        // Signed out: still the console's page, with its navigation and a way back.
        let (s, _, page) = get(&app, None, "/console/khong-co").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(page.contains("id=\"search\"") && page.contains("id=\"error-back\""));
        assert!(
            !page.contains("id=\"sign-out\""),
            "no sign-out without a session"
        );
        // The portal's 404 keeps its header and a way home, in the visitor's language.
        for (cookie, home, title) in [
            ("hqdesk_lang=vi", "Trang chủ", "lang=\"vi\""),
            ("hqdesk_lang=en", "Home", "lang=\"en\""),
        ] {
            let resp = app
                .router
                .clone()
                .oneshot(
                    Request::get("/khong-co")
                        .header("cookie", cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::NOT_FOUND);
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap();
            let page = String::from_utf8_lossy(&body);
            assert!(page.contains("<header class=\"top portal-top\">"), "{page}");
            assert!(page.contains("<a href=\"/\">"), "{page}");
            assert!(page.contains(title), "{page}");
            let _ = home;
        }
        // One favicon, linked from the console and the portal.
        let (s, h, svg) = get(&app, None, "/assets/favicon.svg").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["content-type"], "image/svg+xml");
        assert!(svg.starts_with("<svg"));
        let (s, _, _) = get(&app, None, "/favicon.ico").await;
        assert_eq!(s, StatusCode::OK);
        for path in ["/console/login", "/", "/khong-co"] {
            let (_, _, page) = get(&app, None, path).await;
            assert!(
                page.contains("<link rel=\"icon\" href=\"/assets/favicon.svg\""),
                "{path}: {page}"
            );
        }
        let (_, _, page) = get(&app, Some(&agent), "/console").await;
        assert_eq!(page.matches("rel=\"icon\"").count(), 1);
    }
);

/// What a person reads on a page: the text outside tags, scripts and styles, plus placeholders,
/// labels for assistive technology, titles and alt texts.
fn readable(html: &str) -> String {
    // Scripts and styles are not read; code and keys are commands, not words; addresses and
    // `{{placeholders}}` are syntax.
    let re_drop = regex::Regex::new(
        r#"(?s)<script.*?</script>|<style.*?</style>|<code.*?</code>|<kbd.*?</kbd>|\{\{[^}]*\}\}|--[a-z][a-z-]*|[a-z]+://[^\s"<]+"#,
    )
    .unwrap();
    let html = re_drop.replace_all(html, " ");
    let re_attr =
        regex::Regex::new(r#"(?:placeholder|aria-label|title|alt|data-title|data-open)="([^"]*)""#)
            .unwrap();
    let mut out: Vec<String> = re_attr
        .captures_iter(&html)
        .map(|c| c[1].to_string())
        .collect();
    let re_tag = regex::Regex::new(r"(?s)<[^>]*>").unwrap();
    out.push(re_tag.replace_all(&html, " ").into_owned());
    out.join(" ")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// English words that must not appear on a Vietnamese page.
const ENGLISH: &[&str] = &[
    "admin",
    "administrator",
    "supervisor",
    "agent",
    "hotline",
    "investigator",
    "unit_officer",
    "officer",
    "unit",
    "department",
    "sub_department",
    "team",
    "required",
    "invalid",
    "status",
    "priority",
    "search",
    "save",
    "sign",
    "open",
    "new",
    "waiting",
    "resolved",
    "closed",
    "inquiry",
    "denunciation",
    "suggestion",
    "callback",
    "low",
    "normal",
    "high",
    "urgent",
    "the",
    "and",
    "your",
    "please",
    "error",
    "wallboard",
    "queue",
    "case",
    "cases",
    "account",
    "password",
    "ringing",
    "answered",
    "ended",
];

/// Vietnamese letters (with their marks) that must not appear on an English page outside what
/// people typed.
fn vietnamese_letters(text: &str) -> Vec<char> {
    const MARKED: &str = "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ";
    let mut found: Vec<char> = text
        .to_lowercase()
        .chars()
        .filter(|c| MARKED.contains(*c))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// About 120 characters of `text` around byte `at`, on one line.
fn around(text: &str, at: usize) -> String {
    let mut start = at.saturating_sub(60);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let s: String = text[start..].chars().take(120).collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

crate::both_engines!(
    every_console_page_speaks_the_readers_language_only,
    |app| async move {
        name_everyone(&app).await;
        let (category, ..) = inquiry_category(&app).await;
        let cases = seed(&app, &category).await;
        // What people typed (names, subjects, units, categories in Vietnamese): not the page's
        // language, so taken out before the English pages are read.
        let mut typed: Vec<String> = NAMES.iter().map(|(_, n)| n.to_string()).collect();
        typed.extend(
            [
                "Công ty TNHH Tân Phát",
                "Không ký số được tờ khai IDA",
                "Doanh nghiệp báo lỗi chữ ký số khi gửi tờ khai.",
                "Hỏi thủ tục hoàn thuế nhập khẩu",
                "Người gọi không để lại tên góp ý giờ làm việc",
                "Ảnh chụp màn hình lỗi và công văn kèm theo.",
                "ảnh lỗi.png",
                "công văn.pdf",
                "Tiếng Việt",
                "tờ khai",
            ]
            .map(String::from),
        );
        // A call, for the call page.
        let token = app.token("hotline").to_string();
        let resp = app
            .router
            .clone()
            .oneshot(
                Request::post(format!("/api/v1/cti/{token}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(
                        "event=newCall&from=0912345678&to=19009299&direction=in&callId=texts-1&branch=2",
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        for u in app.services.list_units(&Actor::Cli).await.unwrap() {
            typed.push(u.name);
        }
        // Longest first, so that a name inside a longer text goes with it.
        typed.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
        let english: Vec<regex::Regex> = ENGLISH
            .iter()
            .map(|w| regex::Regex::new(&format!(r"(?i)(^|[^\p{{L}}_]){w}([^\p{{L}}_]|$)")).unwrap())
            .collect();
        let mut problems: Vec<String> = Vec::new();
        for role in [
            "agent",
            "hotline",
            "investigator",
            "unit_officer",
            "supervisor",
            "admin",
        ] {
            let session = sign_in(&app, role).await;
            for lang in ["vi", "en"] {
                set_locale(&app, role, lang).await;
                let mut pages: Vec<String> = [
                    "/console",
                    "/console?queue=mine",
                    "/console?queue=unit",
                    "/console?queue=unassigned_1",
                    "/console?queue=unassigned_2",
                    "/console?queue=waiting",
                    "/console?queue=due_soon",
                    "/console?queue=overdue",
                    "/console?queue=all",
                    "/console?q=t%E1%BB%9D+khai",
                    "/console/account",
                    "/console/notifications",
                    "/console/wallboard",
                    "/console/kb",
                    "/console/kb/new",
                    "/console/procedures",
                    "/console/procedures/new",
                    "/console/admin",
                    "/console/admin/mailboxes",
                    "/console/khong-co",
                    "/console/calls/texts-1",
                ]
                .map(String::from)
                .to_vec();
                for n in [&cases.main, &cases.other, &cases.anonymous] {
                    pages.push(format!("/console/cases/{n}"));
                }
                for path in &pages {
                    let (status, _, html) = get(&app, Some(&session), path).await;
                    assert!(
                        status.is_success()
                            || status == StatusCode::NOT_FOUND
                            || status == StatusCode::FORBIDDEN,
                        "{role} {lang} {path}: {status}"
                    );
                    let mut text = readable(&html);
                    if path == "/console/admin" {
                        // The user table lists usernames: identifiers, not words.
                        for (user, _) in NAMES {
                            text = text.replace(&format!(" {user} "), " ");
                        }
                    }
                    if lang == "vi" {
                        // Strings of the product that are names, not English words.
                        text = text.replace("hqdesk", " ");
                        for re in &english {
                            if let Some(m) = re.find(&text) {
                                problems.push(format!(
                                    "{role} vi {path}: {:?} in …{}…",
                                    m.as_str().trim(),
                                    around(&text, m.start())
                                ));
                            }
                        }
                    } else {
                        for t in &typed {
                            text = text.replace(t.as_str(), " ");
                        }
                        let letters = vietnamese_letters(&text);
                        if !letters.is_empty() {
                            let first = text
                                .char_indices()
                                .find(|(_, c)| letters.contains(&c.to_lowercase().next().unwrap()))
                                .map(|(i, _)| i)
                                .unwrap_or(0);
                            problems.push(format!(
                                "{role} en {path}: {letters:?} in …{}…",
                                around(&text, first)
                            ));
                        }
                    }
                }
            }
        }
        problems.dedup();
        assert!(
            problems.is_empty(),
            "{} pages mix languages:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
);

crate::both_engines!(
    console_form_errors_are_in_the_readers_language,
    |app| async move {
        use crate::console_session::request;
        let n = app
            .open(
                "agent",
                json!({"kind":"inquiry","subject":"Hỏi về mã HS","requester":{"phone":"0912000222"}}),
            )
            .await;
        // The same number with its check digit wrong.
        let last = n.chars().last().unwrap().to_digit(10).unwrap();
        let typo = format!("{}{}", &n[..n.len() - 1], (last + 1) % 10);
        let agent = sign_in(&app, "agent").await;
        for lang in ["vi", "en"] {
            set_locale(&app, "agent", lang).await;
            let vi = lang == "vi";
            for (path, form, want, not) in [
                (
                    "link",
                    vec![("other", "HQ123")],
                    if vi {
                        "Không có vụ việc số này"
                    } else {
                        "There is no case with this number"
                    },
                    "there is no case",
                ),
                (
                    "merge",
                    vec![("into", typo.as_str())],
                    if vi {
                        "Không có vụ việc số này"
                    } else {
                        "There is no case with this number"
                    },
                    "there is no case",
                ),
                (
                    "update",
                    vec![("category", "khong.co.linh.vuc"), ("priority", "normal")],
                    if vi {
                        "Không có lĩnh vực này"
                    } else {
                        "There is no such category"
                    },
                    "there is no active category",
                ),
            ] {
                let a = request(
                    &app,
                    &agent,
                    "POST",
                    &format!("/console/cases/{n}/{path}"),
                    &form,
                )
                .await;
                assert!(
                    a.status.is_client_error(),
                    "{path}: {} {}",
                    a.status,
                    a.body
                );
                assert!(a.body.contains(want), "{lang} {path}: {want} in {}", a.body);
                assert!(!a.body.contains(not), "{lang} {path}: no service English");
                assert!(a.body.contains(&format!("<html lang=\"{lang}\"")));
            }
        }
    }
);

crate::both_engines!(
    other_cases_are_never_listed_beside_a_confidential_or_anonymous_reporter,
    |app| async move {
        // The reporter also has an ordinary case under the same phone number.
        let ordinary = app
            .open(
                "agent",
                json!({"kind":"inquiry","subject":"Hỏi thủ tục tạm nhập","requester":{"name":"Trần Thị Bình","phone":"0987654321"}}),
            )
            .await;
        let named = app.open("hotline", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác buôn lậu qua cửa khẩu Móng Cái",
            "body":"Người báo tin đề nghị giữ bí mật.","unit":"DDN","requester":{"name":"Trần Thị Bình","phone":"0987654321"}})).await;
        let anonymous = app.open("hotline", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác nặc danh về kho hàng lậu",
            "body":"Không để lại tên.","unit":"DDN"})).await;
        let investigator = sign_in(&app, "investigator").await;
        for lang in ["vi", "en"] {
            set_locale(&app, "investigator", lang).await;
            for n in [&named, &anonymous] {
                let (s, _, page) =
                    get(&app, Some(&investigator), &format!("/console/cases/{n}")).await;
                assert_eq!(s, StatusCode::OK, "{page}");
                assert!(!page.contains("id=\"earlier\""), "{lang} {n}: {page}");
                assert!(
                    !page.contains(&ordinary),
                    "{lang} {n}: the reporter's other case shows"
                );
            }
            let (_, _, page) = get(
                &app,
                Some(&investigator),
                &format!("/console/cases/{named}"),
            )
            .await;
            // The reporter's details, labelled in the reader's language only.
            let (mine, theirs) = if lang == "vi" {
                ("Điện thoại", "Phone")
            } else {
                ("Phone", "Điện thoại")
            };
            assert!(page.contains(mine) && !page.contains(theirs), "{page}");
        }
        // An ordinary case of a known requester lists the others the reader may see.
        let agent = sign_in(&app, "agent").await;
        let (_, _, page) = get(&app, Some(&agent), &format!("/console/cases/{ordinary}")).await;
        assert!(page.contains("id=\"earlier\""), "{page}");
        assert!(
            !page.contains(&named) && !page.contains(&anonymous),
            "{page}"
        );
    }
);
