//! The console's queues as an agent works them (issue 16, "Console → Queues"): requester,
//! channel, age and nearest-due columns; sorting by a column; bulk actions with per-case
//! refusals; live rows and counts; filters and saved filters; the page at 390 px. Browser tests
//! in a real headless Chromium (vi and en, screenshots before and after each action), and
//! in-process HTTP tests of bulk actions, sorting, filters and saved filters on both engines.
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::console::{set_password, sign_in_password};
use crate::console_session::{request, sign_in};
use crate::support::{Engine, TestApp};

/// The numbers in a page's queue rows, top to bottom.
fn row_numbers(html: &str) -> Vec<String> {
    html.split("<tr data-case=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

async fn case_json(app: &TestApp, number: &str) -> serde_json::Value {
    let (s, v) = app
        .get("supervisor", &format!("/api/v1/cases/{number}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

crate::both_engines!(
    bulk_actions_go_case_by_case_and_refuse_hidden_cases_like_missing_ones,
    |app| async move {
        let a = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi thủ tục tạm nhập tái xuất","requester":{"phone":"0912000001"}})).await;
        let b = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi về mã HS của máy bơm","unit":"KV8","requester":{"phone":"0912000002"}})).await;
        let d = app.open("hotline", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác buôn lậu thuốc lá"})).await;
        let agent = sign_in(&app, "agent").await;
        // Assign to a unit officer: the two cases become theirs; the denunciation is refused
        // exactly as a number that does not exist.
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[
                ("action", "assign"),
                ("assignee", "unit_officer"),
                ("case", &a),
                ("case", &b),
                ("case", &d),
                ("back", "queue=all&sort=-priority&cursor=zzz&evil=1"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            r.location,
            format!("/console?queue=all&sort=-priority&done=2&refused={d}:not_found")
        );
        assert_eq!(case_json(&app, &b).await["assignee"], "unit_officer");
        assert_eq!(case_json(&app, &a).await["assignee"], "unit_officer");
        // A well-formed number that no case has.
        let missing = (1..)
            .map(|i| hqdesk_domain::case::CaseNumber::compose(app.services.now(), i).to_string())
            .find(|n| ![&a, &b, &d].contains(&n))
            .unwrap();
        let twin = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[
                ("action", "assign"),
                ("assignee", "unit_officer"),
                ("case", &missing),
            ],
        )
        .await;
        let hidden = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[
                ("action", "assign"),
                ("assignee", "unit_officer"),
                ("case", &d),
            ],
        )
        .await;
        assert_eq!(twin.status, hidden.status);
        assert_eq!(
            twin.location.replace(&missing, "N"),
            hidden.location.replace(&d, "N"),
            "a hidden case is refused like a missing one"
        );
        // The queue says what happened, per case, in the user's language.
        let page = request(&app, &agent, "GET", &r.location, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("2 hồ sơ đã cập nhật, 1 bị từ chối"),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("{d} (không tìm thấy)")));
        assert!(
            !page.body.contains("Tố giác buôn lậu"),
            "nothing of the denunciation"
        );
        // Status on two cases.
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[
                ("action", "status"),
                ("status", "waiting"),
                ("case", &a),
                ("case", &b),
                ("back", "queue=all"),
            ],
        )
        .await;
        assert_eq!(r.location, "/console?queue=all&done=2");
        assert_eq!(case_json(&app, &a).await["status"], "waiting");
        assert_eq!(case_json(&app, &b).await["status"], "waiting");
        // A second time: waiting cannot become waiting; each case says so.
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[
                ("action", "status"),
                ("status", "waiting"),
                ("case", &a),
                ("case", &b),
            ],
        )
        .await;
        assert_eq!(
            r.location,
            format!("/console?done=0&refused={a}:invalid,{b}:invalid")
        );
        let page = request(&app, &agent, "GET", &r.location, &[]).await;
        assert!(
            page.body
                .contains(&format!("{a} (không hợp lệ với hồ sơ này)")),
            "{}",
            page.body
        );
        // Unassign, then merge one into the other.
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[("action", "assign"), ("assignee", "-"), ("case", &b)],
        )
        .await;
        assert_eq!(r.location, "/console?done=1");
        assert_eq!(
            case_json(&app, &b).await["assignee"],
            serde_json::Value::Null
        );
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[("action", "merge"), ("into", &a), ("case", &b)],
        )
        .await;
        assert_eq!(r.location, "/console?done=1");
        assert_eq!(case_json(&app, &b).await["status"], "closed");
        // Merging into the denunciation: refused as into a case that does not exist.
        let c = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi lại về thuế nhập khẩu","requester":{"phone":"0912000003"}})).await;
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[("action", "merge"), ("into", &d), ("case", &c)],
        )
        .await;
        assert_eq!(r.location, format!("/console?done=0&refused={c}:target"));
        // Bad input: a clear 4xx with a translated message.
        for (form, text) in [
            (
                vec![("action", "assign"), ("assignee", ""), ("case", a.as_str())],
                "Hãy chọn người được giao.",
            ),
            (
                vec![("action", "status"), ("status", "")],
                "Hãy chọn trạng thái mới.",
            ),
            (
                vec![("action", "status"), ("status", "open")],
                "Hãy đánh dấu ít nhất một hồ sơ",
            ),
            (
                vec![("action", "explode"), ("case", a.as_str())],
                "Hãy chọn một thao tác",
            ),
        ] {
            let r = request(&app, &agent, "POST", "/console/bulk", &form).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
            assert!(r.body.contains(text), "{form:?}: {}", r.body);
        }
        let r = request(
            &app,
            &agent,
            "POST",
            "/console/bulk",
            &[("action", "status"), ("status", "flying"), ("case", &c)],
        )
        .await;
        assert_eq!(r.location, format!("/console?done=0&refused={c}:invalid"));
        // Without the form's token: refused.
        let forged = crate::console_session::Session {
            token: agent.token.clone(),
            csrf: "wrong".into(),
        };
        let r = request(
            &app,
            &forged,
            "POST",
            "/console/bulk",
            &[("action", "status"), ("status", "open"), ("case", &c)],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

crate::both_engines!(
    queue_columns_sort_and_filter_on_the_server,
    |app| async move {
        let low = app.open("hotline", json!({"kind":"inquiry","channel":"phone","priority":"low","subject":"Hỏi lịch làm việc ngày lễ","requester":{"name":"Nguyễn Văn An","phone":"0912000011"}})).await;
        app.clock.advance_seconds(3 * 3600);
        let urgent = app.open("hotline", json!({"kind":"inquiry","channel":"email","priority":"urgent","subject":"Hệ thống VNACCS không nhận tờ khai","requester":{"name":"Trần Thị Bình","business_name":"Công ty TNHH Logistics Sao Mai","email":"saomai@example.vn"}})).await;
        app.clock.advance_seconds(600);
        let agent = sign_in(&app, "agent").await;
        let page = request(&app, &agent, "GET", "/console?queue=all", &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        // Requester (business name first), channel, age and the nearest deadline with its kind.
        assert!(
            page.body
                .contains("<td class=\"requester\">Công ty TNHH Logistics Sao Mai</td>"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains("<td class=\"requester\">Nguyễn Văn An</td>"));
        assert!(
            page.body.contains("<td class=\"channel\">Thư điện tử</td>")
                || page.body.contains("<td class=\"channel\">Email</td>")
                || page.body.contains("<td class=\"channel\">E-mail</td>"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("<span title=\"") && page.body.contains(">3 giờ</span>"),
            "age of the first case"
        );
        assert!(
            page.body.contains("Hạn phản hồi đầu tiên: "),
            "which deadline, on hover"
        );
        // Sorting: by priority both ways, aria-sort on the header, the sort kept in the links.
        let asc = request(&app, &agent, "GET", "/console?queue=all&sort=priority", &[]).await;
        assert_eq!(row_numbers(&asc.body), vec![low.clone(), urgent.clone()]);
        assert!(asc.body.contains("aria-sort=\"ascending\""));
        assert!(
            asc.body
                .contains("href=\"/console?queue=all&#38;sort=-priority\""),
            "a click turns it round"
        );
        let desc = request(
            &app,
            &agent,
            "GET",
            "/console?queue=all&sort=-priority",
            &[],
        )
        .await;
        assert_eq!(row_numbers(&desc.body), vec![urgent.clone(), low.clone()]);
        assert!(desc.body.contains("aria-sort=\"descending\""));
        for sort in [
            "number", "-number", "age", "-age", "due", "-due", "status", "-status",
        ] {
            let r = request(
                &app,
                &agent,
                "GET",
                &format!("/console?queue=all&sort={sort}"),
                &[],
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{sort}");
            assert_eq!(row_numbers(&r.body).len(), 2, "{sort}");
        }
        let age = request(&app, &agent, "GET", "/console?queue=all&sort=age", &[]).await;
        assert_eq!(
            row_numbers(&age.body),
            vec![urgent.clone(), low.clone()],
            "youngest first"
        );
        // The urgent case's first answer is due within hours, the low one's much later.
        let due = request(&app, &agent, "GET", "/console?queue=all&sort=due", &[]).await;
        assert_eq!(
            row_numbers(&due.body),
            vec![urgent.clone(), low.clone()],
            "the nearest deadline first"
        );
        let due = request(&app, &agent, "GET", "/console?queue=all&sort=-due", &[]).await;
        assert_eq!(
            row_numbers(&due.body),
            vec![low.clone(), urgent.clone()],
            "the later deadline first"
        );
        // Filters: channel, requester (name, business name, e-mail), opened from/to.
        let r = request(&app, &agent, "GET", "/console?queue=all&channel=email", &[]).await;
        assert_eq!(row_numbers(&r.body), vec![urgent.clone()]);
        for who in ["Sao Mai", "saomai@example.vn", "Văn An", "0912000011"] {
            let r = request(
                &app,
                &agent,
                "GET",
                &format!(
                    "/console?queue=all&requester={}",
                    crate::support::form_encode(who)
                ),
                &[],
            )
            .await;
            assert_eq!(row_numbers(&r.body).len(), 1, "{who}");
        }
        let today = app
            .services
            .now()
            .to_vietnam()
            .format("%Y-%m-%d")
            .to_string();
        let r = request(
            &app,
            &agent,
            "GET",
            &format!("/console?queue=all&from={today}&to={today}"),
            &[],
        )
        .await;
        assert_eq!(row_numbers(&r.body).len(), 2);
        let r = request(
            &app,
            &agent,
            "GET",
            "/console?queue=all&from=2001-01-01&to=2001-01-02",
            &[],
        )
        .await;
        assert_eq!(row_numbers(&r.body).len(), 0);
        // Filters on search results too.
        let r = request(&app, &agent, "GET", "/console?q=VNACCS&channel=phone", &[]).await;
        assert_eq!(row_numbers(&r.body).len(), 0);
        let r = request(&app, &agent, "GET", "/console?q=VNACCS&channel=email", &[]).await;
        assert_eq!(row_numbers(&r.body), vec![urgent.clone()]);
        // Bad filters: 400 with a translated reason, never a 500.
        for (path, text) in [
            ("/console?queue=all&from=31-12-2026", "Ngày không hợp lệ"),
            ("/console?queue=all&sort=subject", "Không sắp xếp được"),
            (
                "/console?queue=all&category=KHONG_CO",
                "Không có lĩnh vực này",
            ),
            ("/console?queue=all&unit=ZZZ", "Không có đơn vị này"),
            ("/console?queue=all&channel=fax", "Kênh không hợp lệ"),
        ] {
            let r = request(&app, &agent, "GET", path, &[]).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
            assert!(r.body.contains(text), "{path}");
        }
    }
);

crate::both_engines!(saved_filters_belong_to_their_user, |app| async move {
    let agent = sign_in(&app, "agent").await;
    let hotline = sign_in(&app, "hotline").await;
    let r = request(
        &app,
        &agent,
        "POST",
        "/console/filters",
        &[
            ("name", "Thư điện tử KV8"),
            (
                "query",
                "queue=all&channel=email&unit=KV8&cursor=abc&done=3&evil=<b>",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location,
        "/console?queue=all&channel=email&unit=KV8&filter=saved"
    );
    let page = request(&app, &agent, "GET", &r.location, &[]).await;
    assert!(page.body.contains("Đã lưu bộ lọc."));
    assert!(page.body.contains("<a class=\"saved-filter\" href=\"/console?queue=all&#38;channel=email&#38;unit=KV8\">Thư điện tử KV8</a>"), "{}", page.body);
    // The same name again replaces it.
    let r = request(
        &app,
        &agent,
        "POST",
        "/console/filters",
        &[
            ("name", "Thư điện tử KV8"),
            ("query", "queue=all&channel=email"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let actor = app
        .services
        .authenticate_token(app.token("agent"))
        .await
        .unwrap();
    let mine = app.services.saved_filters(&actor).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].query, "queue=all&channel=email");
    // Someone else neither sees nor deletes it.
    let theirs = request(&app, &hotline, "GET", "/console", &[]).await;
    assert!(!theirs.body.contains("Thư điện tử KV8"));
    let r = request(
        &app,
        &hotline,
        "POST",
        &format!("/console/filters/{}/delete", mine[0].id),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.services.saved_filters(&actor).await.unwrap().len(), 1);
    // Bad input.
    let r = request(
        &app,
        &agent,
        "POST",
        "/console/filters",
        &[("name", "  "), ("query", "queue=all")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy đặt tên cho bộ lọc."));
    let long = "x".repeat(61);
    let r = request(
        &app,
        &agent,
        "POST",
        "/console/filters",
        &[("name", &long), ("query", "queue=all")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = request(&app, &agent, "POST", "/console/filters/abc/delete", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Deleted by its owner.
    let r = request(
        &app,
        &agent,
        "POST",
        &format!("/console/filters/{}/delete", mine[0].id),
        &[],
    )
    .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (StatusCode::SEE_OTHER, "/console?filter=deleted")
    );
    assert!(app.services.saved_filters(&actor).await.unwrap().is_empty());
    // Thirty at most.
    for i in 0..30 {
        app.services
            .save_filter(&actor, &format!("Bộ lọc {i}"), "queue=all")
            .await
            .unwrap();
    }
    let r = request(
        &app,
        &agent,
        "POST",
        "/console/filters",
        &[("name", "Một bộ nữa"), ("query", "queue=all")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("tối đa 30 bộ lọc"));
});

async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// The texts of the first row's cells (after the checkbox) for `number`.
async fn row_cells(b: &Browser, number: &str) -> Vec<String> {
    let v = js(
        b,
        &format!("return Array.from(document.querySelectorAll('tr[data-case=\"{number}\"] td')).map(function (td) {{ return td.className + '|' + td.children.length; }})"),
    )
    .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// One pass of everything an agent does in the queue, in the user's current language.
async fn walk_the_queue(
    b: &Browser,
    app: &TestApp,
    base: &str,
    lang: &str,
    cases: &(String, String),
) {
    let vi = lang == "vi";
    let (a, bb) = (cases.0.clone(), cases.1.clone());
    // 1. Columns.
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for("table#queue", 10).await;
    b.audit("queues-columns-before").await;
    let req = b
        .text(&format!("tr[data-case=\"{bb}\"] td.requester"))
        .await;
    assert_eq!(req, "Công ty CP Thương mại Hải Phòng");
    let age = b.text(&format!("tr[data-case=\"{a}\"] td.age")).await;
    assert_eq!(age, if vi { "2 giờ" } else { "2 h" });
    let due = b.wait_for(&format!("tr[data-case=\"{a}\"] .due"), 10).await;
    let due_text = due.text().await.unwrap();
    if vi {
        assert!(
            due_text.starts_with("còn ") || due_text.starts_with("quá hạn "),
            "{due_text}"
        );
    } else {
        assert!(
            due_text.ends_with(" left") || due_text.ends_with(" overdue"),
            "{due_text}"
        );
    }
    let title = due.attr("title").await.unwrap().unwrap_or_default();
    assert!(
        title.starts_with(if vi {
            "Hạn phản hồi đầu tiên"
        } else {
            "First response due"
        }),
        "{title}"
    );
    let class = due.attr("class").await.unwrap().unwrap_or_default();
    assert!(class.starts_with("due due-"), "{class}");
    b.audit("queues-columns-after").await;

    // 2. Sorting by a header.
    b.audit("queues-sort-before").await;
    b.click("#sort-priority").await;
    b.wait_for("th[aria-sort=ascending] #sort-priority", 10)
        .await;
    let order = js(b, "return Array.from(document.querySelectorAll('#queue tbody tr')).map(function (r) { return r.dataset.case; })").await;
    let order: Vec<String> = serde_json::from_value(order).unwrap();
    let (pa, pb) = (
        order.iter().position(|n| *n == a).unwrap(),
        order.iter().position(|n| *n == bb).unwrap(),
    );
    assert!(pb < pa, "low before high ascending: {order:?}");
    b.click("#sort-priority").await;
    b.wait_for("th[aria-sort=descending] #sort-priority", 10)
        .await;
    let order = js(b, "return Array.from(document.querySelectorAll('#queue tbody tr')).map(function (r) { return r.dataset.case; })").await;
    let order: Vec<String> = serde_json::from_value(order).unwrap();
    assert!(
        order.iter().position(|n| *n == a).unwrap() < order.iter().position(|n| *n == bb).unwrap(),
        "high before low descending: {order:?}"
    );
    assert!(b.current_path().await.contains("sort=-priority"));
    b.audit("queues-sort-after").await;

    // 3. Bulk: assign both to the unit officer, then set both waiting, of which one was
    // resolved meanwhile (refused, and the page says which and why).
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for("#select-all", 10).await;
    b.audit("queues-bulk-before").await;
    b.click(&format!("tr[data-case=\"{a}\"] .pick-case")).await;
    b.click(&format!("tr[data-case=\"{bb}\"] .pick-case")).await;
    js(
        b,
        "document.getElementById('bulk-assignee').value = 'unit_officer'; return 1",
    )
    .await;
    b.click("#bulk-assign").await;
    b.wait_for_text(
        ".banner.result",
        if vi {
            "2 hồ sơ đã cập nhật"
        } else {
            "2 updated"
        },
        10,
    )
    .await;
    assert_eq!(case_json(app, &a).await["assignee"], "unit_officer");
    assert_eq!(case_json(app, &bb).await["assignee"], "unit_officer");
    b.audit("queues-bulk-after").await;
    // Select all ticks every row.
    b.click("#select-all").await;
    let ticked = js(b, "return document.querySelectorAll('#queue .pick-case:checked').length === document.querySelectorAll('#queue .pick-case').length").await;
    assert_eq!(ticked, json!(true));
    b.click("#select-all").await;
    let (s, v) = app
        .post(
            "supervisor",
            &format!("/api/v1/cases/{bb}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for("#select-all", 10).await;
    b.audit("queues-bulk-status-before").await;
    b.click(&format!("tr[data-case=\"{a}\"] .pick-case")).await;
    b.click(&format!("tr[data-case=\"{bb}\"] .pick-case")).await;
    js(
        b,
        "document.getElementById('bulk-status').value = 'waiting'; return 1",
    )
    .await;
    b.click("#bulk-status-go").await;
    b.wait_for_text(
        ".banner.result",
        if vi {
            "1 hồ sơ đã cập nhật, 1 bị từ chối"
        } else {
            "1 updated, 1 refused"
        },
        10,
    )
    .await;
    let banner = b.text(".banner.result").await;
    assert!(banner.contains(&bb), "{banner}");
    assert_eq!(case_json(app, &a).await["status"], "waiting");
    assert_eq!(case_json(app, &bb).await["status"], "resolved");
    b.audit("queues-bulk-status-after").await;

    // 4. Live: a new case arrives as a row like the others, and the counts follow.
    b.goto(&format!("{base}/console?queue=all")).await;
    b.wait_for("table#queue", 10).await;
    b.audit("queues-live-before").await;
    let before: i64 = b.text("#nav-all .count").await.parse().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await; // the event stream is open
    let n = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":format!("Hỏi về kiểm tra chuyên ngành ({lang})"),"requester":{"name":"Đỗ Minh","business_name":"Công ty TNHH Cơ khí Minh Đức","phone":"0912000031"}})).await;
    b.wait_for(&format!("tr[data-case=\"{n}\"]"), 15).await;
    b.wait_for_text("#nav-all .count", &(before + 1).to_string(), 10)
        .await;
    assert_eq!(
        row_cells(b, &n).await,
        row_cells(b, &a).await,
        "same cells and classes"
    );
    assert_eq!(
        b.text(&format!("tr[data-case=\"{n}\"] td.requester")).await,
        "Công ty TNHH Cơ khí Minh Đức"
    );
    b.wait_for(&format!("tr[data-case=\"{n}\"] .pick-case"), 5)
        .await;
    b.wait_for(&format!("tr[data-case=\"{n}\"] .due"), 5).await;
    b.audit("queues-live-after").await;

    // 5. A saved filter: created, applied, deleted.
    b.audit("queues-saved-filter-before").await;
    b.click("details.filters summary").await;
    js(
        b,
        "document.getElementById('f-channel').value = 'email'; return 1",
    )
    .await;
    b.click("#filter-apply").await;
    b.wait_for("details.filters[open]", 10).await;
    assert!(b.current_path().await.contains("channel=email"));
    b.wait_for(&format!("tr[data-case=\"{bb}\"]"), 5).await;
    assert!(
        b.client
            .find(fantoccini::Locator::Css(&format!("tr[data-case=\"{a}\"]")))
            .await
            .is_err(),
        "the phone case is filtered out"
    );
    let name = format!("Email ({lang})");
    b.fill("#filter-name", &name).await;
    b.click("#filter-save").await;
    b.wait_for_text("a.saved-filter", &name, 10).await;
    b.audit("queues-saved-filter-saved").await;
    b.goto(&format!("{base}/console?queue=all")).await;
    b.click("a.saved-filter").await;
    b.wait_for("details.filters[open]", 10).await;
    assert!(b.current_path().await.contains("channel=email"));
    b.click(".saved button").await;
    b.wait_for("#saved-none", 10).await;
    b.audit("queues-saved-filter-after").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_works_the_queue_in_both_languages() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    // The cases of both passes, two hours old when the agent signs in (the clock stays still
    // after that: sessions expire by it).
    let mut sets = Vec::new();
    for lang in ["vi", "en"] {
        let a = app.open("hotline", json!({"kind":"inquiry","channel":"phone","priority":"high","subject":format!("Hỏi thủ tục hoàn thuế ({lang})"),"requester":{"name":"Lê Văn Cường","phone":"0912000021"}})).await;
        let bb = app.open("hotline", json!({"kind":"inquiry","channel":"email","priority":"low","unit":"KV8","subject":format!("Xin mẫu tờ khai trị giá ({lang})"),"requester":{"name":"Phạm Thu","business_name":"Công ty CP Thương mại Hải Phòng","email":"hp@example.vn"}})).await;
        sets.push((a, bb));
    }
    app.clock.advance_seconds(2 * 3600 + 120);
    set_password(&app, "agent").await;
    let base = serve(app.router.clone()).await;
    sign_in_password(&b, &base, "agent").await;
    b.wait_for("table#queue", 10).await;
    walk_the_queue(&b, &app, &base, "vi", &sets[0]).await;
    // The same in English.
    b.goto(&format!("{base}/console/account")).await;
    b.wait_for("form#locale", 10).await;
    js(&b, "document.getElementById('lang').value = 'en'; document.getElementById('locale').submit(); return 1").await;
    b.wait_for("html[lang=en]", 10).await;
    walk_the_queue(&b, &app, &base, "en", &sets[1]).await;
    b.close().await;
}

crate::both_engines!(live_counts_follow_visible_changes_only, |app| async move {
    let agent = sign_in(&app, "agent").await;
    let mut stream = crate::confidential_live::Stream::open(&app, &agent, None).await;
    // A denunciation: nothing reaches the agent, not even new counts.
    app.open(
        "hotline",
        json!({"kind":"denunciation","channel":"phone","subject":"Tố giác gian lận thuế"}),
    )
    .await;
    assert!(
        !stream
            .read_until("event: counts", Duration::from_millis(2500))
            .await,
        "no counts after a change the agent may not see: {}",
        stream.text
    );
    // An ordinary case: its row, rendered as the page renders rows, then the counts.
    let n = app.open("hotline", json!({"kind":"inquiry","channel":"phone","subject":"Hỏi về hạn nộp thuế","requester":{"name":"Vũ Hà","phone":"0912000041"}})).await;
    assert!(
        stream
            .read_until("event: counts", Duration::from_secs(10))
            .await,
        "{}",
        stream.text
    );
    assert!(stream.text.contains(&n));
    assert!(stream.text.contains("pick-case"), "{}", stream.text);
    assert!(
        stream
            .text
            .contains("<td class=\\\"requester\\\">Vũ Hà</td>"),
        "{}",
        stream.text
    );
    let counts = stream
        .text
        .lines()
        .skip_while(|l| *l != "event: counts")
        .find_map(|l| l.strip_prefix("data:"))
        .unwrap();
    let counts: serde_json::Value = serde_json::from_str(counts.trim()).unwrap();
    // The agent sees the ordinary case only, in "all" and unassigned branch 2.
    let page = request(&app, &agent, "GET", "/console?queue=all", &[]).await;
    assert_eq!(counts["all"], 1, "{counts}");
    assert!(page.body.contains("id=\"nav-all\""));
    assert_eq!(row_numbers(&page.body), vec![n]);
});

crate::both_engines!(
    every_column_sort_pages_through_every_case_once,
    |app| async move {
        let mut opened = Vec::new();
        for (i, (priority, channel)) in [
            ("low", "phone"),
            ("urgent", "email"),
            ("normal", "phone"),
            ("high", "email"),
            ("normal", "portal"),
        ]
        .into_iter()
        .enumerate()
        {
            opened.push(app.open("hotline", json!({"kind":"inquiry","channel":channel,"priority":priority,"subject":format!("Hỏi thủ tục số {i}"),"requester":{"phone":format!("091200010{i}")}})).await);
            app.clock.advance_seconds(600);
        }
        // One answered: its nearest deadline becomes the resolution one.
        let (s, _) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{}/messages", opened[1]),
                json!({"body":"Chúng tôi đã nhận yêu cầu."}),
            )
            .await;
        assert!(s.is_success());
        let (s, _) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{}/status", opened[2]),
                json!({"status":"resolved"}),
            )
            .await;
        assert!(s.is_success());
        for sort in [
            "number",
            "-number",
            "age",
            "-age",
            "nearest_due",
            "-nearest_due",
            "priority",
            "-priority",
            "status",
            "-status",
        ] {
            let (_, all) = app
                .get("agent", &format!("/api/v1/cases?sort={sort}&limit=200"))
                .await;
            let whole: Vec<String> = all["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["number"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(whole.len(), 5, "{sort}");
            // Page by page, two at a time: the same order, every case once.
            let mut paged = Vec::new();
            let mut cursor = String::new();
            loop {
                let (s, page) = app
                    .get(
                        "agent",
                        &format!("/api/v1/cases?sort={sort}&limit=2&cursor={cursor}"),
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{sort}: {page}");
                paged.extend(
                    page["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["number"].as_str().unwrap().to_string()),
                );
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = c.to_string(),
                    None => break,
                }
            }
            assert_eq!(paged, whole, "{sort}");
        }
        // The orders themselves.
        let order = |v: &serde_json::Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["number"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, v) = app.get("agent", "/api/v1/cases?sort=-priority").await;
        assert_eq!(order(&v)[0], opened[1], "urgent first");
        assert_eq!(order(&v)[4], opened[0], "low last");
        let (_, v) = app.get("agent", "/api/v1/cases?sort=-age").await;
        assert_eq!(order(&v), opened, "oldest first");
        let (_, v) = app.get("agent", "/api/v1/cases?sort=nearest_due").await;
        assert_eq!(
            order(&v)[4],
            opened[2],
            "a resolved case has no pending deadline: last"
        );
        let (_, v) = app.get("agent", "/api/v1/cases?sort=-status").await;
        assert_eq!(order(&v)[0], opened[2], "resolved after new");
        let mut by_number = opened.clone();
        by_number.sort();
        let (_, v) = app.get("agent", "/api/v1/cases?sort=number").await;
        assert_eq!(order(&v), by_number);
    }
);
