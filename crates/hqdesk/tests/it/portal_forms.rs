//! The portal's forms through the real router, on both engines: a request with a file, the
//! tracking link, a reply, resolution by an agent and the rating; what each refusal stores
//! (nothing); CSRF, honeypot and the per-address flood limit; suggestions; dissatisfied ratings.
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use crate::support::TestApp;

/// A visitor's browser: keeps the form cookie, reads the CSRF field out of the pages.
pub(crate) struct Visitor<'a> {
    app: &'a TestApp,
    /// The router the visitor talks to (the app's, unless a test configures another).
    pub(crate) router: axum::Router,
    /// The form cookie; `lang` is the language cookie, when chosen; `sent` the confirmation's.
    cookie: String,
    lang: String,
    pub(crate) sent: String,
    pub(crate) csrf: String,
    /// Every request comes from this address (the peer of the connection).
    from: String,
    /// Sent with every request, when set (as a reverse proxy would).
    pub(crate) forwarded_for: Option<String>,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) html: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) location: String,
    pub(crate) set_cookies: Vec<String>,
}

pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "hqdesk-portal-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl<'a> Visitor<'a> {
    pub(crate) async fn new(app: &'a TestApp, from: &str) -> Visitor<'a> {
        Visitor::with_router(app, app.router.clone(), from).await
    }

    pub(crate) async fn with_router(
        app: &'a TestApp,
        router: axum::Router,
        from: &str,
    ) -> Visitor<'a> {
        let mut v = Visitor {
            app,
            router,
            cookie: String::new(),
            lang: String::new(),
            sent: String::new(),
            csrf: String::new(),
            from: from.into(),
            forwarded_for: None,
        };
        let p = v.get("/request?topic=vnaccs_error").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(!v.cookie.is_empty(), "the form page sets the form cookie");
        v
    }

    pub(crate) async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Page {
        let mut req = req.header(
            "cookie",
            format!(
                "hqdesk_form={}; hqdesk_lang={}; hqdesk_sent={}",
                self.cookie, self.lang, self.sent
            ),
        );
        if let Some(f) = &self.forwarded_for {
            req = req.header("x-forwarded-for", f);
        }
        let mut req = req.body(body).unwrap();
        // The connection's peer (see hqdesk_web::client_addr).
        let peer: std::net::IpAddr = self.from.parse().unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                peer, 40000,
            ))));
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let mut set_cookies = Vec::new();
        for c in resp.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            set_cookies.push(c.to_string());
            if let Some(rest) = c.strip_prefix("hqdesk_form=") {
                self.cookie = rest.split(';').next().unwrap().to_string();
            }
            if let Some(rest) = c.strip_prefix("hqdesk_lang=") {
                self.lang = rest.split(';').next().unwrap().to_string();
            }
            if let Some(rest) = c.strip_prefix("hqdesk_sent=") {
                self.sent = rest.split(';').next().unwrap().to_string();
            }
        }
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(resp.into_body(), 50 << 20)
            .await
            .unwrap();
        let html = String::from_utf8_lossy(&bytes).to_string();
        if let Some(i) = html.find("name=\"csrf\" value=\"") {
            let rest = &html[i + 19..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
        Page {
            status,
            html,
            bytes: bytes.to_vec(),
            location,
            set_cookies,
        }
    }

    /// A second handle on this browser (its cookies and CSRF field), to send two requests at once.
    pub(crate) fn same_browser(&self) -> Visitor<'a> {
        Visitor {
            app: self.app,
            router: self.router.clone(),
            cookie: self.cookie.clone(),
            lang: self.lang.clone(),
            sent: self.sent.clone(),
            csrf: self.csrf.clone(),
            from: self.from.clone(),
            forwarded_for: self.forwarded_for.clone(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// An accepted form redirects to its confirmation: follow the redirect as a browser does.
    pub(crate) async fn follow(&mut self, p: Page) -> Page {
        if p.status == StatusCode::SEE_OTHER && p.location == "/submitted" {
            self.get("/submitted").await
        } else {
            p
        }
    }

    /// Post a request form (multipart) and follow the redirect of an accepted one.
    pub(crate) async fn submit(
        &mut self,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Page {
        let p = self.post_multipart("/request", fields, files).await;
        self.follow(p).await
    }

    pub(crate) async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Page {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let (ctype, body) = multipart(&all, files);
        self.send(
            Request::post(path).header("content-type", ctype),
            Body::from(body),
        )
        .await
    }

    pub(crate) async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.clone())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.send(
            Request::post(path).header("content-type", "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }
}

pub(crate) const VNACCS_ERROR: &[(&str, &str)] = &[
    ("topic", "vnaccs_error"),
    ("subject", "Lỗi E1234 khi gửi tờ khai nhập khẩu"),
    ("system", "VNACCS/VCIS"),
    ("error_message", "E1234: Không tìm thấy số tờ khai"),
    ("declaration_number", "1035 2468 0120"),
    (
        "description",
        "Chúng tôi không gửi được tờ khai từ sáng nay.",
    ),
    ("name", "Nguyễn Thị Lan"),
    ("business_name", "Công ty TNHH Thương mại Hải Long"),
    ("tax_code", "0100231226"),
    ("email", "lan.nguyen@hailong.vn"),
];

pub(crate) fn with(
    base: &[(&'static str, &'static str)],
    k: &'static str,
    v: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<_> = base.iter().filter(|(x, _)| *x != k).copied().collect();
    out.push((k, v));
    out
}

/// Every table a refused submission must leave untouched.
pub(crate) async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for t in [
        "cases",
        "requesters",
        "timeline_entries",
        "attachments",
        "tracking_tokens",
        "jobs",
        "audit_log",
    ] {
        counts.push(app.count_rows(t).await);
    }
    counts
}

pub(crate) fn track_path(html: &str) -> String {
    let i = html.find("href=\"/track/").expect("tracking link");
    let rest = &html[i + 6..];
    rest[..rest.find('"').unwrap()].to_string()
}

crate::both_engines!(
    request_with_a_file_is_tracked_answered_resolved_and_rated,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.10").await;
        let p = v
            .submit(
                VNACCS_ERROR,
                &[("loi-e1234.png", b"\x89PNG fake screenshot")],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let number = {
            let i = p.html.find("id=\"case-number\">").unwrap();
            let rest = &p.html[i + 17..];
            rest[..rest.find('<').unwrap()].to_string()
        };
        let track = track_path(&p.html);
        assert_eq!(track.len(), "/track/".len() + 40, "160-bit token");

        // Filed where the topic says, with the details the form asked for.
        let (s, c) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["channel"], "portal");
        assert_eq!(c["kind"], "inquiry");
        assert_eq!(c["branch"], 2);
        assert_eq!(c["category"], "b2.it.vnaccs_error");
        assert_eq!(c["requester"]["tax_code"], "0100231226");
        assert_eq!(c["requester"]["email"], "lan.nguyen@hailong.vn");
        let (_, msgs) = app
            .get("agent", &format!("/api/v1/cases/{number}/messages"))
            .await;
        let first = msgs["items"][0]["body"].as_str().unwrap().to_string();
        assert!(first.contains("Số tờ khai: 103524680120"), "{first}");
        assert!(first.contains("E1234"), "{first}");
        assert_eq!(app.count_rows("attachments").await, 1);
        // The token itself is never stored, only its hash.
        let token = track.trim_start_matches("/track/");
        assert_eq!(
            app.count_rows(&format!("tracking_tokens WHERE token_hash = '{token}'"))
                .await,
            0
        );
        // The confirmation mail waits in the outbox, in Vietnamese, with the case number.
        let mut conn = app.services.store().read().await.unwrap();
        let payload: String =
            sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'mail.notify'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        drop(conn);
        let mail: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(mail["to"], "lan.nguyen@hailong.vn");
        assert!(
            mail["subject"].as_str().unwrap().contains(&number),
            "{mail}"
        );
        assert!(mail["text"].as_str().unwrap().contains(&track), "{mail}");

        // The tracking page: status, the conversation, the file.
        let p = v.get(&track).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.html.contains(&number) && p.html.contains("loi-e1234.png"),
            "{}",
            p.html
        );
        let file_link = {
            let i = p.html.find(&format!("{track}/files/")).unwrap();
            let rest = &p.html[i..];
            rest[..rest.find('"').unwrap()].to_string()
        };
        let f = v.get(&file_link).await;
        assert_eq!(f.status, StatusCode::OK);
        assert_eq!(f.bytes, b"\x89PNG fake screenshot");

        // The agent answers through the API; the requester sees it and replies with a file.
        let (s, _) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/messages"),
                json!({"body": "Đề nghị Quý Công ty cập nhật chữ ký số rồi gửi lại."}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let p = v.get(&track).await;
        assert!(p.html.contains("cập nhật chữ ký số"), "{}", p.html);
        // The reply also goes to the requester's mailbox, through the outbox.
        let mut conn = app.services.store().read().await.unwrap();
        let notices: Vec<String> =
            sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'mail.notify' ORDER BY id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        drop(conn);
        assert_eq!(
            notices.len(),
            2,
            "confirmation, then the reply: {notices:?}"
        );
        assert!(notices[1].contains("portal.reply") && notices[1].contains("cập nhật chữ ký số"));
        assert!(
            !p.html.contains("may_rate") && !p.html.contains("rate-form"),
            "no rating before resolution"
        );
        let p = v
            .post_multipart(
                &format!("{track}/reply"),
                &[("body", "Đã cập nhật, vẫn lỗi <script>alert(1)</script>")],
                &[("lan2.png", b"second")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        assert_eq!(p.location, format!("{track}?done=reply#conversation"));
        let p = v.get(&track).await;
        assert!(
            p.html.contains("vẫn lỗi &#60;script&#62;"),
            "escaped: {}",
            p.html
        );
        assert!(
            !p.html.contains("<script>alert"),
            "never rendered unescaped"
        );
        assert_eq!(app.count_rows("attachments").await, 2);

        // Rating too early is refused.
        let p = v
            .post_form(&format!("{track}/rate"), &[("score", "5")])
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert_eq!(app.count_rows("ratings").await, 0);

        // The agent resolves; the requester rates; staff see it.
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{number}/status"),
                json!({"status": "resolved"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let p = v.get(&track).await;
        assert!(p.html.contains("id=\"rate-form\""), "{}", p.html);
        let p = v
            .post_form(
                &format!("{track}/rate"),
                &[("score", "4"), ("comment", "Trả lời nhanh, rõ ràng")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        let p = v.get(&track).await;
        assert!(p.html.contains("id=\"rating-given\""), "{}", p.html);
        let agent = app
            .services
            .authenticate_token(app.token("agent"))
            .await
            .unwrap();
        let rating = app
            .services
            .case_rating(&agent, &number)
            .await
            .unwrap()
            .expect("rating visible to staff");
        assert_eq!(
            (rating.score, rating.comment.as_deref()),
            (4, Some("Trả lời nhanh, rõ ràng"))
        );
        // Once only.
        let p = v
            .post_form(
                &format!("{track}/rate"),
                &[("score", "1"), ("comment", "x")],
            )
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert_eq!(app.count_rows("ratings").await, 1);

        // A wrong token and another case's file are simply not there.
        assert_eq!(
            v.get("/track/0000000000000000000000000000000000000000")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            v.get(&format!("{track}/files/999")).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

crate::both_engines!(
    refused_submissions_store_nothing_and_say_why,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.20").await;
        let before = footprint(&app).await;

        // A tax code with a wrong check digit.
        let p = v
            .post_multipart(
                "/request",
                &with(VNACCS_ERROR, "tax_code", "0100231227"),
                &[("a.png", b"x")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.html.contains("id=\"tax_code-err\""), "{}", p.html);
        assert!(p.html.contains("sai chữ số kiểm tra"), "{}", p.html);
        assert!(
            p.html.contains("Lỗi E1234 khi gửi tờ khai nhập khẩu"),
            "what was typed is kept"
        );

        // A file over the limit (10 MB each).
        let big = vec![7u8; hqdesk_services::cases::MAX_ATTACHMENT_BYTES + 1];
        let p = v
            .post_multipart("/request", VNACCS_ERROR, &[("scan.png", &big)])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.html.contains("id=\"files-err\""), "{}", p.html);
        assert!(p.html.contains("10 MB"), "{}", p.html);

        // A missing required detail and a bad declaration number, reported together.
        let mut fields = with(VNACCS_ERROR, "declaration_number", "12345");
        fields.retain(|(k, _)| *k != "error_message");
        let p = v.post_multipart("/request", &fields, &[]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.html.contains("id=\"declaration_number-err\"")
                && p.html.contains("id=\"error_message-err\""),
            "{}",
            p.html
        );

        // No CSRF token (a form posted from elsewhere), and a filled honeypot.
        let saved = std::mem::take(&mut v.csrf);
        let p = v.post_multipart("/request", VNACCS_ERROR, &[]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        v.csrf = saved;
        let p = v
            .post_multipart(
                "/request",
                &with(VNACCS_ERROR, "website", "http://spam.example"),
                &[],
            )
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);

        assert_eq!(footprint(&app).await, before, "nothing partial was stored");
    }
);

crate::both_engines!(
    a_flood_from_one_address_is_stopped_with_a_clear_message,
    |app| async move {
        let mut v = Visitor::new(&app, "198.51.100.77").await;
        for i in 0..hqdesk_services::portal::REQUESTS_PER_HOUR {
            let p = v.submit(VNACCS_ERROR, &[]).await;
            assert_eq!(p.status, StatusCode::OK, "request {i}: {}", p.html);
        }
        let before = footprint(&app).await;
        let p = v.post_multipart("/request", VNACCS_ERROR, &[]).await;
        assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(p.html.contains("quá nhiều yêu cầu"), "{}", p.html);
        assert!(p.html.contains("1900 9299"), "a way out: {}", p.html);
        assert_eq!(
            footprint(&app).await,
            before,
            "nothing stored for the refused one"
        );
        // Another address is not affected; the same one is again after the hour.
        let mut other = Visitor::new(&app, "198.51.100.78").await;
        assert_eq!(other.submit(VNACCS_ERROR, &[]).await.status, StatusCode::OK);
        app.clock.advance_seconds(61 * 60);
        assert_eq!(v.submit(VNACCS_ERROR, &[]).await.status, StatusCode::OK);
    }
);

crate::both_engines!(
    suggestions_reach_their_unit_and_may_be_anonymous,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.30").await;
        let p = v.get("/suggestions").await;
        assert!(
            p.html.contains("value=\"KV8\""),
            "units offered: {}",
            p.html
        );
        let p = v
            .post_form(
                "/suggestions",
                &[
                    ("unit", "KV8"),
                    (
                        "message",
                        "Đề nghị bố trí thêm chỗ đỗ xe tại khu vực kiểm hóa.",
                    ),
                    ("name", "Trần Văn Bình"),
                    ("email", "binh@example.vn"),
                    ("anonymous", "on"),
                ],
            )
            .await;
        let p = v.follow(p).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let track = track_path(&p.html);
        let (_, list) = app.get("supervisor", "/api/v1/cases?kind=suggestion").await;
        let c = &list["items"][0];
        assert_eq!(c["unit"], "KV8");
        assert!(
            c["requester"].is_null(),
            "anonymous: nothing of the sender kept: {c}"
        );
        assert_eq!(
            app.count_rows("jobs WHERE kind = 'mail.notify'").await,
            0,
            "no address, no mail"
        );
        assert_eq!(
            v.get(&track).await.status,
            StatusCode::OK,
            "still followed by its link"
        );
        // A unit that does not exist is a field error, not a 500.
        let p = v
            .post_form("/suggestions", &[("unit", "NOPE"), ("message", "x")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.html.contains("id=\"unit-err\""), "{}", p.html);
    }
);

crate::both_engines!(
    a_dissatisfied_rating_needs_a_comment_and_opens_a_follow_up,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.40").await;
        let p = v.submit(VNACCS_ERROR, &[]).await;
        let track = track_path(&p.html);
        let number = app.get("agent", "/api/v1/cases?channel=portal").await.1["items"][0]["number"]
            .as_str()
            .unwrap()
            .to_string();
        app.post(
            "agent",
            &format!("/api/v1/cases/{number}/status"),
            json!({"status": "resolved"}),
        )
        .await;
        let p = v
            .post_form(&format!("{track}/rate"), &[("score", "1")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.html.contains("id=\"comment-err\""), "{}", p.html);
        assert_eq!(app.count_rows("ratings").await, 0);
        let p = v
            .post_form(
                &format!("{track}/rate"),
                &[("score", "1"), ("comment", "Chờ 3 ngày mới có trả lời")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        let (_, list) = app
            .get("supervisor", "/api/v1/cases?kind=rating_follow_up")
            .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        let follow = list["items"][0]["number"].as_str().unwrap();
        let (_, links) = app
            .get("supervisor", &format!("/api/v1/cases/{follow}/links"))
            .await;
        assert!(
            links.to_string().contains(&number),
            "linked to the rated case: {links}"
        );
    }
);

/// The value of attribute `name` in one tag's text, if present.
fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let needle = format!(" {name}=\"");
    let i = tag.find(&needle)? + needle.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// Every form control a person fills in has a label: `<label for=id>`, an enclosing `<label>`,
/// or `aria-label`. The page says its language and has one main heading.
fn check_accessible(path: &str, html: &str) {
    assert!(
        html.contains("<html lang=\"vi\">") || html.contains("<html lang=\"en\">"),
        "{path}: lang"
    );
    assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
    for kind in ["<input", "<select", "<textarea"] {
        let mut from = 0;
        while let Some(i) = html[from..].find(kind) {
            let start = from + i;
            let tag = &html[start..start + html[start..].find('>').unwrap()];
            from = start + kind.len();
            if matches!(attr(tag, "type"), Some("hidden" | "submit")) {
                continue;
            }
            let before = &html[..start];
            let inside_label = before.rfind("<label").unwrap_or(0)
                > before.rfind("</label>").unwrap_or(0)
                && before.rfind("<label").is_some();
            let labelled = inside_label
                || attr(tag, "aria-label").is_some()
                || attr(tag, "id").is_some_and(|id| html.contains(&format!("<label for=\"{id}\"")));
            assert!(labelled, "{path}: no label for {tag}>");
        }
    }
}

crate::both_engines!(every_portal_page_labels_its_fields, |app| async move {
    hqdesk::kb::import(&app.services, None).await.unwrap();
    let mut v = Visitor::new(&app, "203.0.113.50").await;
    let mut paths: Vec<String> = vec![
        "/".into(),
        "/kb?q=chu+ky+so".into(),
        "/kb/dang-ky-tai-khoan-vnaccs".into(),
        "/procedures".into(),
        "/procedures/hq-01".into(),
        "/request".into(),
        "/suggestions".into(),
    ];
    for t in hqdesk_services::portal::TOPICS {
        paths.push(format!("/request?topic={}", t.code));
    }
    let p = v.submit(VNACCS_ERROR, &[]).await;
    paths.push(track_path(&p.html));
    paths.push("/submitted".into());
    for lang in ["vi", "en"] {
        v.get(&format!("/lang/{lang}")).await;
        for path in &paths {
            let p = v.get(path).await;
            assert_eq!(p.status, StatusCode::OK, "{path}");
            assert!(
                p.html.contains(&format!("<html lang=\"{lang}\">")),
                "{path} in {lang}"
            );
            check_accessible(path, &p.html);
        }
    }
});
