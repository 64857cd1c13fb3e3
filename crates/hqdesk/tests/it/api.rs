//! The JSON API, as a client meets it, on both engines.
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;

fn inquiry(subject: &str) -> Value {
    json!({"kind":"inquiry","branch":2,"channel":"api","subject":subject,"body":"Doanh nghiệp không đăng ký được tài khoản.",
           "requester":{"name":"Nguyễn Văn An","email":"an.nguyen@tanphat.com.vn","phone":"0912 345 678","tax_code":"0100233488"}})
}

both_engines!(create_then_read_round_trips, |app| async move {
    let (s, created) = app
        .post(
            "agent",
            "/api/v1/cases",
            inquiry("Lỗi đăng ký tài khoản VNACCS"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let number = created["number"].as_str().unwrap();
    assert!(number.starts_with("HQ2611-"), "{number}");
    assert_eq!(created["status"], "new");
    assert_eq!(created["requester"]["phone"], "+84912345678");
    assert_eq!(created["requester"]["tax_code"], "0100233488");
    assert_eq!(created["requester"]["kind"], "business");
    assert_eq!(
        created["first_response_due_at"], "2026-11-23T17:20:00.000Z",
        "normal priority: 8 hours"
    );
    let (s, read) = app.get("agent", &format!("/api/v1/cases/{number}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        read, created,
        "a read answers exactly what the create answered"
    );
    let (_, msgs) = app
        .get("agent", &format!("/api/v1/cases/{number}/messages"))
        .await;
    assert_eq!(
        msgs["items"][0]["body"],
        "Doanh nghiệp không đăng ký được tài khoản."
    );
    assert_eq!(msgs["items"][0]["kind"], "inbound");
});

both_engines!(
    bad_input_gets_problem_json_and_writes_nothing,
    |app| async move {
        let cases = [
            ("{not json", StatusCode::BAD_REQUEST, "json_malformed", None),
            (
                r#"{"kind":"inquiry","subject":"x","colour":"red","requester":{"email":"a@b.vn"}}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("colour"),
            ),
            (
                r#"{"kind":"inquiry","subject":"x","requester":{"email":"a@b.vn","fax":"1"}}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("requester.fax"),
            ),
            (
                r#"{"kind":"inquiry","subject":"x","requester":{"email":"a@b.vn","tax_code":"0100233480"}}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("requester.tax_code"),
            ),
            (
                &format!(
                    r#"{{"kind":"inquiry","subject":"{}","requester":{{"email":"a@b.vn"}}}}"#,
                    "ệ".repeat(201)
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("subject"),
            ),
            (
                r#"{"kind":"inquiry","subject":"x","branch":"two","requester":{"email":"a@b.vn"}}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("branch"),
            ),
            (
                r#"{"kind":"inquiry","subject":"x"}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("requester"),
            ),
            (
                r#"{"kind":"gossip","subject":"x","requester":{"email":"a@b.vn"}}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("kind"),
            ),
        ];
        for (body, status, code, field) in cases {
            let (s, ctype, j) = app
                .call(Some("agent"), "POST", "/api/v1/cases", Some(body), &[])
                .await;
            assert_eq!(s, status, "{body}: {j}");
            assert_eq!(ctype, "application/problem+json", "{body}");
            assert_eq!(j["code"], code, "{body}: {j}");
            if let Some(f) = field {
                assert!(
                    j["errors"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["field"] == f),
                    "{body}: expected an error on {f}: {j}"
                );
            }
        }
        // Several invalid fields are reported together.
        let (_, j) = app.post("agent", "/api/v1/cases", json!({"kind":"inquiry","subject":"","requester":{"email":"nope","phone":"0123456789"}})).await;
        let fields: Vec<&str> = j["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in ["subject", "requester.email", "requester.phone"] {
            assert!(fields.contains(&f), "{fields:?}");
        }
        let (s, _, _) = app
            .call(Some("agent"), "POST", "/api/v1/cases", None, &[])
            .await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(app.count_rows("cases").await, 0, "no case was written");
        assert_eq!(
            app.count_rows("requesters").await,
            0,
            "no half-written requester"
        );
        let (s, ctype, j) = app.call(None, "GET", "/api/v1/cases", None, &[]).await;
        assert_eq!(
            (s, ctype.as_str(), j["code"].as_str()),
            (
                StatusCode::UNAUTHORIZED,
                "application/problem+json",
                Some("unauthenticated")
            )
        );
        let (s, _, _) = app
            .call(
                Some("agent"),
                "GET",
                "/api/v1/cases/HQ2611-0000000",
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_engines!(
    denunciations_exist_only_for_investigators,
    |app| async move {
        let public = app.open("agent", inquiry("Hỏi về thủ tục hải quan")).await;
        let (s, den) = app.post("hotline", "/api/v1/cases", json!({"kind":"denunciation","channel":"phone","subject":"Tố giác buôn lậu hàng điện tử qua cửa khẩu Móng Cái",
        "body":"Người báo tin đề nghị giữ bí mật.","category":"b1.denunciation.smuggling","unit":"DDN",
        "requester":{"name":"Trần Thị Bình","phone":"0987654321"}})).await;
        assert_eq!(s, StatusCode::CREATED, "{den}");
        assert_eq!(den["confidential"], true);
        assert_eq!(den["branch"], 1);
        assert!(
            den["requester"].is_null(),
            "the reporter is never a shared contact"
        );
        let number = den["number"].as_str().unwrap().to_string();
        assert_eq!(
            app.count_rows("requesters").await,
            1,
            "only the inquiry's requester is in the directory"
        );

        for role in ["agent", "hotline", "unit_officer", "supervisor", "admin"] {
            let (s, j) = app.get(role, &format!("/api/v1/cases/{number}")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{role} reads: {j}");
            assert_eq!(j["code"], "not_found");
            let (s, _) = app
                .get(role, &format!("/api/v1/cases/{number}/messages"))
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{role} reads messages");
            let (s, _) = app
                .post(
                    role,
                    &format!("/api/v1/cases/{number}/messages"),
                    json!({"body":"x","internal":true}),
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{role} adds a note");
            for q in [
                "",
                "?kind=denunciation",
                "?q=buon%20lau",
                "?q=Tr%E1%BA%A7n%20Th%E1%BB%8B%20B%C3%ACnh",
                "?branch=1",
            ] {
                let (s, list) = app.get(role, &format!("/api/v1/cases{q}")).await;
                assert_eq!(s, StatusCode::OK);
                let numbers: Vec<&str> = list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["number"].as_str().unwrap())
                    .collect();
                assert!(
                    !numbers.contains(&number.as_str()),
                    "{role} lists it with {q:?}"
                );
                let visible_public = if role == "unit_officer" {
                    0
                } else {
                    numbers.contains(&public.as_str()) as i64
                };
                assert_eq!(
                    list["total"].as_i64().unwrap(),
                    numbers.len() as i64,
                    "{role} {q}: the count hides it too"
                );
                let _ = visible_public;
            }
        }
        let (s, j) = app
            .get("investigator", &format!("/api/v1/cases/{number}"))
            .await;
        assert_eq!(s, StatusCode::OK);
        // The reporter is kept apart, in the identity vault: the API never answers it (a
        // custodian opens it to an investigator in the console).
        assert!(j["reporter"].is_null(), "{j}");
        let reporter = crate::identity_vault::stored_reporter(&app, &number).await;
        assert_eq!(reporter.name.as_deref(), Some("Trần Thị Bình"));
        assert_eq!(reporter.phone.as_deref(), Some("+84987654321"));
        let (_, list) = app
            .get(
                "investigator",
                "/api/v1/cases?q=buon%20lau&kind=denunciation",
            )
            .await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["number"], number.as_str());
        // The investigator's read is in the audit log.
        let mut conn = app.services.store().read().await.unwrap();
        let reads = hqdesk_store::audit::for_object(&mut conn, &format!("case:{number}"), 10)
            .await
            .unwrap();
        assert!(
            reads
                .iter()
                .any(|e| e.action == "case.read_confidential" && e.actor == "user:investigator"),
            "{reads:?}"
        );
        // Only an investigator may be given it.
        let (s, j) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"agent"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{j}");
        let (s, _) = app
            .post(
                "investigator",
                &format!("/api/v1/cases/{number}/assign"),
                json!({"assignee":"me"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
);

both_engines!(unit_officers_see_their_units_cases, |app| async move {
    let mut body = inquiry("Vướng mắc kiểm tra hàng tại Móng Cái");
    body["kind"] = json!("procedure_problem");
    body["unit"] = json!("KV8-MC");
    let mine = app.open("hotline", body).await;
    let mut other = inquiry("Vướng mắc tại Cát Lái");
    other["unit"] = json!("KV2");
    let elsewhere = app.open("hotline", other).await;
    let (s, _) = app
        .get("unit_officer", &format!("/api/v1/cases/{mine}"))
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a team below the officer's sub-department is theirs"
    );
    let (s, _) = app
        .get("unit_officer", &format!("/api/v1/cases/{elsewhere}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.get("unit_officer", "/api/v1/cases").await;
    assert_eq!(list["total"], 1);
});

both_engines!(search_folds_vietnamese, |app| async move {
    let a = app
        .open("agent", inquiry("Hướng dẫn thủ tục Hải quan điện tử"))
        .await;
    // Decomposed input, as windows-1258 mail produces.
    let decomposed: String = unicode_nfd("Đăng ký chữ ký số cho HẢI QUAN");
    let b = app.open("agent", inquiry(&decomposed)).await;
    let c = app.open("agent", inquiry("Nộp thuế điện tử 24/7")).await;
    for q in ["hai%20quan", "H%E1%BA%A2I%20QUAN", "h%E1%BA%A3i%20quan"] {
        let (_, j) = app.get("agent", &format!("/api/v1/cases?q={q}")).await;
        let mut got: Vec<String> = j["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["number"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        let mut want = vec![a.clone(), b.clone()];
        want.sort();
        assert_eq!(got, want, "q={q}");
    }
    let (_, j) = app.get("agent", "/api/v1/cases?q=dang%20ky").await;
    assert_eq!(
        j["total"], 3,
        "đ matches d (and every inquiry body says đăng ký)"
    );
    let (_, j) = app.get("agent", "/api/v1/cases?q=thue%20dien%20tu").await;
    assert_eq!(j["items"][0]["number"], c.as_str());
    assert_eq!(j["total"], 1);
    let (_, j) = app.get("agent", "/api/v1/cases?q=0912345678").await;
    assert_eq!(
        j["total"], 3,
        "a phone typed nationally finds the E.164 form the index holds (issue 15)"
    );
    let (_, j) = app.get("agent", "/api/v1/cases?q=84912345678").await;
    assert_eq!(j["total"], 3, "requester identifiers are searchable");
    let (s, _) = app.get("agent", "/api/v1/cases?q=%21%21").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
});

/// The numbers of a list response's cases, in order.
fn numbers(j: &Value) -> Vec<String> {
    j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_string())
        .collect()
}

both_engines!(search_pages_newest_first_with_a_cursor, |app| async move {
    // Seven matching cases, a minute apart, and one that does not match.
    let mut opened = vec![];
    for i in 0..7 {
        opened.push(
            app.open("agent", inquiry(&format!("Hoàn thuế nhập khẩu lô {i}")))
                .await,
        );
        app.clock.advance_seconds(60);
    }
    app.open("agent", inquiry("Tra cứu biểu thuế")).await;
    let newest_first: Vec<String> = opened.iter().rev().cloned().collect();
    let (s, first) = app
        .get("agent", "/api/v1/cases?q=hoan%20thue&limit=3")
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["total"], 7);
    assert_eq!(first["total_exact"], true, "seven is below the cap");
    let mut got = numbers(&first);
    let mut cursor = first["next_cursor"].as_str().map(String::from);
    let mut pages = 1;
    while let Some(cur) = cursor {
        let (s, j) = app
            .get(
                "agent",
                &format!("/api/v1/cases?q=hoan%20thue&limit=3&cursor={cur}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert!(j["items"].as_array().unwrap().len() <= 3);
        got.extend(numbers(&j));
        cursor = j["next_cursor"].as_str().map(String::from);
        pages += 1;
        assert!(pages <= 3, "three pages of three hold seven cases");
    }
    assert_eq!(got, newest_first, "newest first, every case once");
    // An older case gets a new matching message: it is still listed once across the pages.
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{}/messages", opened[1]),
            json!({"body":"Đã nhận hồ sơ hoàn thuế bổ sung.","internal":true}),
        )
        .await;
    assert!(s.is_success(), "{j}");
    let mut all = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?q=hoan%20thue&limit=2&cursor={c}"),
            None => "/api/v1/cases?q=hoan%20thue&limit=2".to_string(),
        };
        let (_, j) = app.get("agent", &path).await;
        all.extend(numbers(&j));
        cursor = j["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
        assert!(all.len() <= 8, "the pages end");
    }
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), all.len(), "no case twice: {all:?}");
    let mut want = opened.clone();
    want.sort();
    assert_eq!(sorted, want);
    // An explicit sort keeps its exact order under a search.
    let (_, j) = app
        .get("agent", "/api/v1/cases?q=hoan%20thue&sort=created&limit=50")
        .await;
    assert_eq!(numbers(&j), newest_first);
    // A narrow search: one case, by its number.
    let (_, j) = app
        .get("agent", &format!("/api/v1/cases?q={}", opened[3]))
        .await;
    assert_eq!(numbers(&j), vec![opened[3].clone()]);
    assert_eq!(j["total"], 1);
    assert_eq!(j["total_exact"], true);
    // Lists without a search always count exactly.
    let (_, j) = app.get("agent", "/api/v1/cases?limit=1").await;
    assert_eq!(j["total"], 8);
    assert_eq!(j["total_exact"], true);
});

both_engines!(search_total_is_capped_and_says_so, |app| async move {
    use hqdesk_store::cases::{self, CaseFilter};
    for i in 0..5 {
        app.open("agent", inquiry(&format!("Hoàn thuế giá trị gia tăng {i}")))
            .await;
    }
    app.open("agent", inquiry("Tra cứu biểu thuế")).await;
    let mut conn = app.services.store().read().await.unwrap();
    let mut f = CaseFilter::new(hqdesk_domain::access::CaseScope::All);
    f.search_tokens = vec!["hoan".into(), "thue".into()];
    for (cap, want) in [
        (3, (3, false)),
        (4, (4, false)),
        (5, (5, true)),
        (50, (5, true)),
    ] {
        assert_eq!(
            cases::count_capped(&mut conn, &f, cap).await.unwrap(),
            want,
            "cap {cap}"
        );
    }
    f.search_tokens = vec!["bieu".into(), "thue".into()];
    assert_eq!(
        cases::count_capped(&mut conn, &f, 3).await.unwrap(),
        (1, true)
    );
    f.search_tokens = vec![];
    assert_eq!(
        cases::count_capped(&mut conn, &f, 3).await.unwrap(),
        (6, true),
        "without a search the count is exact"
    );
    f.scope = hqdesk_domain::access::CaseScope::NonConfidential;
    f.search_tokens = vec!["thue".into()];
    assert_eq!(
        cases::count_capped(&mut conn, &f, 10).await.unwrap(),
        (6, true)
    );
});

/// Every page of a newest-first search, each with the cursor it hands on, paged by cursor.
async fn search_pages(
    conn: &mut sqlx::AnyConnection,
    f: &hqdesk_store::cases::CaseFilter,
    limit: i64,
    walk: hqdesk_store::cases::SearchWalk,
) -> Vec<(Vec<String>, Option<hqdesk_store::cases::Cursor>)> {
    let mut pages = vec![];
    let mut after = None;
    loop {
        let (items, next) =
            hqdesk_store::cases::list_latest_match_walking(conn, f, after, limit, walk)
                .await
                .unwrap();
        pages.push((
            items
                .iter()
                .map(|c| c.number.as_str().to_string())
                .collect(),
            next,
        ));
        match next {
            Some(c) => after = Some(c),
            None => return pages,
        }
        assert!(pages.len() <= 60, "the pages end ({walk:?})");
    }
}

both_engines!(
    search_walk_and_index_agree_at_every_bound,
    |app| async move {
        use hqdesk_domain::access::CaseScope;
        use hqdesk_store::cases::{self, CaseFilter, CaseOrder, SearchWalk};
        // Sixteen cases: matching in the subject, in a message only, in several documents, or not
        // at all; some routed to KV8, some confidential (denunciations).
        for i in 0..16 {
            let number = if i % 5 == 4 {
                let (s, j) = app
                    .post(
                        "hotline",
                        "/api/v1/cases",
                        json!({"kind":"denunciation","channel":"phone",
                    "subject":format!("Tố giác buôn lậu thủy sản đông lạnh {i}"),
                    "body":"Người báo tin đề nghị giữ bí mật.",
                    "category":"b1.denunciation.smuggling","unit":"DDN",
                    "requester":{"name":"Trần Thị Bình","phone":"0987654321"}}),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{j}");
                j["number"].as_str().unwrap().to_string()
            } else {
                let subject = if i % 3 == 2 {
                    format!("Tra cứu biểu thuế {i}")
                } else {
                    format!("Hoàn thuế lô thủy sản đông lạnh {i}")
                };
                let mut body = inquiry(&subject);
                if i % 4 == 0 {
                    body["unit"] = json!("KV8");
                }
                app.open("agent", body).await
            };
            if i % 3 == 2 || i % 4 == 1 {
                let (s, j) = app
                    .post(
                        "investigator",
                        &format!("/api/v1/cases/{number}/messages"),
                        json!({"body":"Bổ sung hồ sơ lô thủy sản đông lạnh.","internal":true}),
                    )
                    .await;
                assert!(s.is_success(), "{j}");
            }
            app.clock.advance_seconds(60);
        }
        let docs = app.count_rows("case_search").await;
        let mut conn = app.services.store().read().await.unwrap();
        let kv8 = hqdesk_store::units::by_code(&mut conn, "KV8")
            .await
            .unwrap()
            .id;
        let officer = hqdesk_store::users::by_username(&mut conn, "unit_officer")
            .await
            .unwrap()
            .id;
        let scopes = [
            CaseScope::All,
            CaseScope::NonConfidential,
            CaseScope::NonConfidentialOfUnitsOrAssignee {
                units: vec![kv8],
                user_id: officer,
            },
        ];
        for tokens in [
            vec!["thuy", "san", "dong", "lanh"],
            vec!["thue"],
            vec!["zeppelin"],
        ] {
            for scope in &scopes {
                let mut f = CaseFilter::new(scope.clone());
                f.search_tokens = tokens.iter().map(|t| t.to_string()).collect();
                // The index alone, against the exact sorted path: the same cases, each once.
                let index = search_pages(&mut conn, &f, 2, SearchWalk::Docs(0)).await;
                let mut listed: Vec<String> = index.iter().flat_map(|p| p.0.clone()).collect();
                let (exact, _) = cases::list(&mut conn, &f, CaseOrder::CreatedDesc, None, 100)
                    .await
                    .unwrap();
                let mut want: Vec<String> = exact
                    .iter()
                    .map(|c| c.number.as_str().to_string())
                    .collect();
                listed.sort();
                want.sort();
                assert_eq!(listed, want, "{tokens:?} {scope:?}");
                // Every window, so that a page starts, ends and straddles the walk's boundary.
                for limit in [1, 2, 3, 50] {
                    let index = search_pages(&mut conn, &f, limit, SearchWalk::Docs(0)).await;
                    let windows = (1..=docs + 1)
                        .filter(|w| limit == 2 || w % 3 == 1)
                        .map(SearchWalk::Docs)
                        .chain([SearchWalk::Docs(10_000), SearchWalk::Estimated]);
                    for walk in windows {
                        assert_eq!(
                            search_pages(&mut conn, &f, limit, walk).await,
                            index,
                            "{tokens:?} {scope:?} limit {limit} {walk:?}"
                        );
                        // The first page with its total, from one walk.
                        for cap in [2, 5, 100] {
                            let first =
                                cases::search_first_page_walking(&mut conn, &f, limit, cap, walk)
                                    .await
                                    .unwrap();
                            let numbers: Vec<String> = first
                                .items
                                .iter()
                                .map(|c| c.number.as_str().to_string())
                                .collect();
                            assert_eq!(
                                (numbers, first.next, first.total, first.total_exact),
                                (
                                    index[0].0.clone(),
                                    index[0].1,
                                    want.len().min(cap as usize) as i64,
                                    want.len() as i64 <= cap
                                ),
                                "{tokens:?} {scope:?} limit {limit} cap {cap} {walk:?}"
                            );
                        }
                    }
                }
                // The capped count, below, at and above the number of matches.
                for cap in [1, 2, 3, 5, 8, 100] {
                    let index =
                        cases::count_capped_walking(&mut conn, &f, cap, SearchWalk::Docs(0))
                            .await
                            .unwrap();
                    assert_eq!(
                        index,
                        (
                            want.len().min(cap as usize) as i64,
                            want.len() as i64 <= cap
                        ),
                        "{tokens:?} {scope:?} cap {cap}"
                    );
                    for walk in (1..=docs + 1)
                        .map(SearchWalk::Docs)
                        .chain([SearchWalk::Estimated])
                    {
                        assert_eq!(
                            cases::count_capped_walking(&mut conn, &f, cap, walk)
                                .await
                                .unwrap(),
                            index,
                            "{tokens:?} {scope:?} cap {cap} {walk:?}"
                        );
                    }
                }
            }
        }
    }
);

fn unicode_nfd(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().collect()
}

both_engines!(
    idempotency_key_replays_and_refuses_reuse,
    |app| async move {
        let body = inquiry("Đề nghị hỗ trợ khai báo").to_string();
        let h = [("idempotency-key", "7b1f0d2e-retry-1")];
        let (s1, _, first) = app
            .call(Some("agent"), "POST", "/api/v1/cases", Some(&body), &h)
            .await;
        let (s2, _, second) = app
            .call(Some("agent"), "POST", "/api/v1/cases", Some(&body), &h)
            .await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(first, second);
        assert_eq!(app.count_rows("cases").await, 1);
        let other = inquiry("Một yêu cầu khác").to_string();
        let (s, _, j) = app
            .call(Some("agent"), "POST", "/api/v1/cases", Some(&other), &h)
            .await;
        assert_eq!(
            (s, j["code"].as_str()),
            (StatusCode::CONFLICT, Some("idempotency_key_reused"))
        );
        // Keys belong to their caller: the same key from someone else is a new request.
        let (s, _, j) = app
            .call(Some("hotline"), "POST", "/api/v1/cases", Some(&body), &h)
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_ne!(j["number"], first["number"]);
        // Messages too.
        let number = first["number"].as_str().unwrap();
        let path = format!("/api/v1/cases/{number}/messages");
        let msg = r#"{"body":"Kính gửi Quý Doanh nghiệp, đề nghị cung cấp số tờ khai."}"#;
        let hm = [("idempotency-key", "reply-1")];
        let (a, _, m1) = app.call(Some("agent"), "POST", &path, Some(msg), &hm).await;
        let (b, _, m2) = app.call(Some("agent"), "POST", &path, Some(msg), &hm).await;
        assert_eq!((a, b), (StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(m1["id"], m2["id"]);
        let (_, list) = app.get("agent", &path).await;
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            2,
            "the request and one reply"
        );
    }
);

both_engines!(case_lifecycle_and_state_machine, |app| async move {
    let mut body = inquiry("Không gửi được tờ khai IDA");
    body["channel"] = json!("email");
    let n = app.open("agent", body).await;
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{n}/status"),
            json!({"status":"closed"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "new → closed is not allowed: {j}"
    );
    assert_eq!(j["errors"][0]["code"], "status_transition");
    app.clock.advance_seconds(600);
    let (s, reply) = app.post("agent", &format!("/api/v1/cases/{n}/messages"), json!({"body":"Kính gửi Quý Doanh nghiệp, vui lòng kiểm tra chữ ký số.","internal":false})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        reply["delivery_state"], "queued",
        "an e-mail case's reply waits in the outbox"
    );
    assert_eq!(reply["author"], "agent");
    let (_, case) = app.get("agent", &format!("/api/v1/cases/{n}")).await;
    assert_eq!(case["status"], "open", "the first reply opens the case");
    assert_eq!(case["first_responded_at"], "2026-11-23T09:30:00.000Z");
    let (s, note) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{n}/messages"),
            json!({"body":"Đã gọi điện cho doanh nghiệp.","internal":true}),
        )
        .await;
    assert_eq!(
        (
            s,
            note["internal"].as_bool(),
            note["delivery_state"].as_str()
        ),
        (StatusCode::CREATED, Some(true), None)
    );
    assert_eq!(
        app.count_rows("jobs WHERE kind = 'message.deliver'").await,
        1,
        "notes are never sent"
    );
    for st in ["waiting", "resolved", "closed"] {
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{n}/status"),
                json!({"status":st}),
            )
            .await;
        assert_eq!((s, j["status"].as_str()), (StatusCode::OK, Some(st)), "{j}");
    }
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{n}/messages"),
            json!({"body":"Thêm"}),
        )
        .await;
    assert_eq!(
        (s, j["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_closed"))
    );
    let (_, all) = app
        .get("agent", &format!("/api/v1/cases/{n}/messages?all=true"))
        .await;
    let events: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "event")
        .collect();
    assert_eq!(events.len(), 4, "open, waiting, resolved, closed: {all}");
    assert_eq!(events[3]["meta"]["status"]["to"], "closed");
    let (s, _, j) = app
        .call(
            Some("admin"),
            "POST",
            &format!("/api/v1/cases/{n}/status"),
            Some(r#"{"status":"open"}"#),
            &[],
        )
        .await;
    assert_eq!(
        (s, j["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
});

both_engines!(update_assign_and_directory, |app| async move {
    let n = app.open("agent", inquiry("Hỏi mã HS")).await;
    let (s, _, j) = app.call(Some("agent"), "PATCH", &format!("/api/v1/cases/{n}"), Some(r#"{"category":"b2.policy.tariff","priority":"high","subject":"Hỏi mã HS cho linh kiện điện tử"}"#), &[]).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(
        (j["category"].as_str(), j["priority"].as_str()),
        (Some("b2.policy.tariff"), Some("high"))
    );
    let (_, found) = app.get("agent", "/api/v1/cases?q=linh%20kien").await;
    assert_eq!(found["total"], 1, "a new subject is searchable");
    // The audit entry records the change of subject and the other fields' values, but not the
    // subject's words (the append-only log keeps no case text).
    let mut conn = app.services.store().read().await.unwrap();
    let detail: String = sqlx::query_scalar(&format!(
        "SELECT detail FROM audit_log WHERE action = 'case.update' AND object = 'case:{n}'"
    ))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert!(
        detail.contains("\"changed\":true") && detail.contains("high"),
        "{detail}"
    );
    assert!(
        !detail.contains("linh kiện") && !detail.contains("Hỏi mã HS"),
        "{detail}"
    );
    let (s, _, j) = app
        .call(
            Some("agent"),
            "PATCH",
            &format!("/api/v1/cases/{n}"),
            Some(r#"{"category":"b1.denunciation.smuggling"}"#),
            &[],
        )
        .await;
    assert_eq!(
        (s, j["errors"][0]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("category_kind_mismatch")
        )
    );
    let (s, _, j) = app
        .call(
            Some("agent"),
            "PATCH",
            &format!("/api/v1/cases/{n}"),
            Some(r#"{"kind":"denunciation"}"#),
            &[],
        )
        .await;
    assert_eq!(
        (s, j["errors"][0]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("kind_confidentiality_change")
        )
    );
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{n}/assign"),
            json!({"unit":"KV8","assignee":"unit_officer"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(
        (j["unit"].as_str(), j["assignee"].as_str()),
        (Some("KV8"), Some("unit_officer"))
    );
    let (_, mine) = app.get("unit_officer", "/api/v1/cases?assignee=me").await;
    assert_eq!(mine["total"], 1);
    let (s, _) = app.post("agent", "/api/v1/units", json!({"code":"KV3","name":"Chi cục Hải quan khu vực III","level":"sub_department","parent":"CHQ"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, j) = app.post("admin", "/api/v1/units", json!({"code":"KV3","name":"Chi cục Hải quan khu vực III","level":"sub_department","parent":"CHQ"})).await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    let (s, j) = app
        .post(
            "admin",
            "/api/v1/units",
            json!({"code":"kv3","name":"again","level":"team"}),
        )
        .await;
    assert_eq!(
        (s, j["code"].as_str()),
        (StatusCode::CONFLICT, Some("unit_code_taken"))
    );
    let (s, _, j) = app
        .call(
            Some("admin"),
            "PATCH",
            "/api/v1/units/CHQ",
            Some(r#"{"parent":"KV3"}"#),
            &[],
        )
        .await;
    assert_eq!(
        (s, j["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_cycle"))
    );
    let (s, j) = app.post("admin", "/api/v1/users", json!({"username":"lan.nguyen","display_name":"Nguyễn Thị Lan","role":"agent","password":"một mật khẩu dài"})).await;
    assert_eq!(
        (s, j["role"].as_str()),
        (StatusCode::CREATED, Some("agent")),
        "{j}"
    );
    let (s, j) = app
        .post(
            "admin",
            "/api/v1/users",
            json!({"username":"x","role":"boss"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{j}");
    let (_, cats) = app.get("agent", "/api/v1/categories").await;
    assert!(
        cats["items"].as_array().unwrap().len() >= 20,
        "the default tree is seeded"
    );
    let (s, _) = app.post("admin", "/api/v1/categories", json!({"code":"b2.it.vnaccs_error.e1001","parent":"b2.it.vnaccs_error","name_vi":"Lỗi E1001","name_en":"Error E1001","kind":"inquiry"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, contacts) = app
        .get("agent", "/api/v1/contacts?identifier=0912%20345%20678")
        .await;
    assert_eq!(
        contacts["items"].as_array().unwrap().len(),
        1,
        "found by the phone as typed"
    );
    let id = contacts["items"][0]["id"].as_i64().unwrap();
    let (_, c) = app.get("agent", &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(c["cases"].as_array().unwrap().len(), 1);
    assert_eq!(c["tax_code"], "0100233488");
});

both_engines!(openapi_document_matches_the_routes, |app| async move {
    let (s, _, doc) = app
        .call(None, "GET", "/api/v1/openapi.json", None, &[])
        .await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{:?}", paths.keys());
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path
                .replace("{number}", "HQ2611-0000000")
                .replace("{code}", "KV8")
                .replace("{username}", "agent")
                .replace("{id}", "1");
            let body = if method == "get" { None } else { Some("{}") };
            let (s, _, _) = app
                .call(None, &method.to_uppercase(), &concrete, body, &[])
                .await;
            let expected = match path.as_str() {
                "/healthz" => StatusCode::OK,
                // Off until HQDESK_TELEPHONY_SECRET is set; then it checks signatures, not tokens.
                "/api/v1/telephony/events" => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            assert_eq!(
                s, expected,
                "{method} {path} is documented, so it must be routed (and protected)"
            );
        }
    }
    // The documented case fields are the fields a case answer has.
    // (`receipt` is answered once, to an anonymous tip's creation: `anonymous_tips`.)
    let schema: Vec<&String> = doc["components"]["schemas"]["CaseResponse"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.as_str() != "receipt")
        .collect();
    let (_, case) = app
        .post("agent", "/api/v1/cases", inquiry("Kiểm tra tài liệu"))
        .await;
    let actual: Vec<&String> = case.as_object().unwrap().keys().collect();
    let (mut a, mut b) = (schema.clone(), actual.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let (s, ctype, j) = app.call(None, "GET", "/healthz", None, &[]).await;
    assert_eq!(
        (s, j["status"].as_str()),
        (StatusCode::OK, Some("ok")),
        "{ctype}"
    );
    let (s, ctype, j) = app
        .call(None, "GET", "/api/v1/no-such-thing", None, &[])
        .await;
    assert_eq!(
        (s, ctype.as_str(), j["code"].as_str()),
        (
            StatusCode::NOT_FOUND,
            "application/problem+json",
            Some("not_found")
        )
    );
    let (s, ctype, _) = app
        .call(None, "GET", "/console/no-such-page", None, &[])
        .await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::NOT_FOUND, "text/html; charset=utf-8"),
        "people get a page, not JSON"
    );
    let (s, _, _) = app.call(None, "DELETE", "/api/v1/cases", None, &[]).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
});

both_engines!(audit_chain_records_every_change, |app| async move {
    let n = app.open("agent", inquiry("Kiểm tra nhật ký")).await;
    app.post(
        "agent",
        &format!("/api/v1/cases/{n}/messages"),
        json!({"body":"Đã nhận."}),
    )
    .await;
    match app.services.verify_audit().await.unwrap() {
        hqdesk_store::audit::Verification::Intact { entries, .. } => {
            assert!(entries >= 14, "units, users, tokens, case: {entries}")
        }
        other => panic!("{other:?}"),
    }
    // The database itself refuses to change the log.
    let mut conn = app.services.store().read().await.unwrap();
    let r = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        .execute(&mut *conn)
        .await;
    assert!(r.is_err(), "UPDATE on audit_log must fail");
    let r = sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(&mut *conn)
        .await;
    assert!(r.is_err(), "DELETE on audit_log must fail");
});

both_engines!(link_and_merge_duplicates, |app| async move {
    let a = app
        .open("agent", inquiry("Lỗi chữ ký số khi gửi tờ khai"))
        .await;
    let dup = app.open("agent", inquiry("Lỗi chữ ký số (gửi lại)")).await;
    let other = app.open("agent", inquiry("Hỏi C/O mẫu D")).await;
    let den = app
        .open(
            "hotline",
            json!({"kind":"denunciation","subject":"Tố giác gian lận xuất xứ"}),
        )
        .await;
    let (s, _) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{a}/links"),
            json!({"other": other}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, links) = app
        .get("agent", &format!("/api/v1/cases/{other}/links"))
        .await;
    assert_eq!(
        links["items"][0]["number"],
        a.as_str(),
        "links go both ways"
    );
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{a}/links"),
            json!({"other": den}),
        )
        .await;
    assert_eq!(
        (s, j["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("case_unknown")),
        "a hidden case is an unknown case"
    );
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{a}/merge"),
            json!({"into": a}),
        )
        .await;
    assert_eq!(
        (s, j["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("case_same"))
    );
    let (s, merged) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{dup}/merge"),
            json!({"into": a}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{merged}");
    assert_eq!(merged["number"], a.as_str());
    assert_eq!(
        merged["message_count"], 2,
        "the duplicate's message moved over"
    );
    let (_, d) = app.get("agent", &format!("/api/v1/cases/{dup}")).await;
    assert_eq!(d["status"], "closed");
    let (_, l) = app
        .get("agent", &format!("/api/v1/cases/{dup}/links"))
        .await;
    assert_eq!(l["merged_into"], a.as_str());
    let (_, found) = app.get("agent", "/api/v1/cases?q=gui%20lai").await;
    assert_eq!(
        found["items"][0]["number"],
        a.as_str(),
        "its text is now searched under the case it joined"
    );
    let (s, j) = app
        .post(
            "agent",
            &format!("/api/v1/cases/{dup}/merge"),
            json!({"into": other}),
        )
        .await;
    assert_eq!(
        (s, j["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_closed"))
    );
    let (s, _) = app
        .post(
            "investigator",
            &format!("/api/v1/cases/{den}/merge"),
            json!({"into": a}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confidential and public cases never mix"
    );
});

both_engines!(
    attachments_are_stored_once_served_as_downloads_and_hidden_with_their_case,
    |app| async move {
        use base64::Engine as _;
        let n = app.open("agent", inquiry("Ảnh chụp màn hình lỗi")).await;
        let png = b"\x89PNG\r\n\x1a\nnot really a picture";
        let b64 = base64::engine::general_purpose::STANDARD.encode(png);
        let (s, m) = app.post("agent", &format!("/api/v1/cases/{n}/messages"), json!({"body":"Đính kèm ảnh lỗi","internal":true,
        "attachments":[{"filename":"../../etc/ảnh lỗi.png","content_type":"image/png","content_base64": b64}, {"filename":"copy.png","content_base64": b64}]})).await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let atts = m["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 2);
        assert_eq!(atts[0]["filename"], "ảnh lỗi.png", "no path survives");
        assert_eq!(
            atts[0]["sha256"], atts[1]["sha256"],
            "same content, one blob"
        );
        let url = atts[0]["url"].as_str().unwrap();
        let (s, headers_ct, _) = app.call(Some("agent"), "GET", url, None, &[]).await;
        assert_eq!((s, headers_ct.as_str()), (StatusCode::OK, "image/png"));
        let (s, _, _) = app.call(Some("unit_officer"), "GET", url, None, &[]).await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "an attachment is as hidden as its case"
        );
        let (_, found) = app.get("agent", "/api/v1/cases?q=anh%20loi%20png").await;
        assert_eq!(found["total"], 1, "file names are searchable");
        let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 10 * 1024 * 1024 + 1]);
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{n}/messages"),
                json!({"body":"x","attachments":[{"filename":"big.bin","content_base64": big}]}),
            )
            .await;
        assert_eq!(
            (s, j["errors"][0]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("attachment_too_large")
            )
        );
        let (s, j) = app
            .post(
                "agent",
                &format!("/api/v1/cases/{n}/messages"),
                json!({"body":"x","attachments":[{"filename":"a","content_base64":"***"}]}),
            )
            .await;
        assert_eq!(
            (s, j["errors"][0]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("attachments[0].content_base64")
            )
        );
        assert_eq!(
            app.count_rows("attachments").await,
            2,
            "refused messages leave no attachment behind"
        );
        let (_, list) = app
            .get("agent", &format!("/api/v1/cases/{n}/messages"))
            .await;
        assert_eq!(list["items"][1]["attachments"].as_array().unwrap().len(), 2);
    }
);
