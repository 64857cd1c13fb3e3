//! Searching a requester's phone number as people type it (issue 15): the index holds the
//! number in E.164 (`+84987654321`, folded to `84987654321`), so a search for the national form
//! `0987654321` found nothing. Both forms find the case, and a number written in a message is
//! still found as it was written.
use axum::http::StatusCode;
use serde_json::json;

use crate::both_engines;

both_engines!(
    a_phone_number_is_found_in_national_and_international_form,
    |app| async move {
        let by_requester = app
            .open(
                "agent",
                json!({"kind":"inquiry","subject":"Hỏi về thủ tục hoàn thuế",
                       "requester":{"name":"Nguyễn Văn An","phone":"0987 654 321"}}),
            )
            .await;
        let in_message = app
            .open(
                "agent",
                json!({"kind":"inquiry","subject":"Gọi lại cho khách",
                       "body":"Khách để lại số 0912345678 để gọi lại.",
                       "requester":{"name":"Trần Thị Bình","email":"binh@example.vn"}}),
            )
            .await;
        let found = |q: &'static str| {
            let app = &app;
            async move {
                let (s, j) = app.get("agent", &format!("/api/v1/cases?q={q}")).await;
                assert_eq!(s, StatusCode::OK, "{j}");
                j["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|c| c["number"].as_str().map(String::from))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(found("0987654321").await, vec![by_requester.clone()]);
        assert_eq!(found("%2B84987654321").await, vec![by_requester.clone()]);
        assert_eq!(found("84987654321").await, vec![by_requester]);
        assert_eq!(found("0912345678").await, vec![in_message]);
    }
);
