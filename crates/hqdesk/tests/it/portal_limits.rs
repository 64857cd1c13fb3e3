//! The portal's per-address limit (issue 14, item 15), on both engines: only accepted
//! submissions count, and `X-Forwarded-For` names the visitor only when the peer is a proxy the
//! operator trusts (`HQDESK_TRUSTED_PROXIES`), read from the right.
use axum::http::StatusCode;
use hqdesk_services::portal::REQUESTS_PER_HOUR;

use crate::portal_forms::{with, Visitor, VNACCS_ERROR};

crate::both_engines!(
    ten_typos_do_not_lock_an_office_out_and_accepted_requests_still_do,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.60").await;
        for i in 0..REQUESTS_PER_HOUR {
            let p = v
                .submit(&with(VNACCS_ERROR, "tax_code", "0100231227"), &[])
                .await;
            assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "typo {i}");
        }
        // The typos did not count: a whole hour's worth of requests is still accepted.
        for i in 0..REQUESTS_PER_HOUR {
            let p = v.submit(VNACCS_ERROR, &[]).await;
            assert_eq!(p.status, StatusCode::OK, "request {i}: {}", p.html);
        }
        assert_eq!(app.count_rows("cases").await, REQUESTS_PER_HOUR);
        // Accepted ones do count.
        let p = v.submit(VNACCS_ERROR, &[]).await;
        assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.html);
        // A suggestion shares the limit; a reply through the tracking link has its own.
        let p = v
            .post_form("/suggestions", &[("unit", "KV8"), ("message", "Góp ý")])
            .await;
        assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.html);
        assert_eq!(app.count_rows("cases").await, REQUESTS_PER_HOUR);
    }
);

crate::both_engines!(
    forwarded_for_names_the_visitor_only_behind_a_trusted_proxy,
    |app| async move {
        // Nobody trusted (the default): a local peer's header is ignored, so changing it does
        // not buy a fresh limit.
        let mut v = Visitor::new(&app, "127.0.0.1").await;
        for i in 0..REQUESTS_PER_HOUR {
            v.forwarded_for = Some(format!("198.51.100.{i}"));
            let p = v.submit(VNACCS_ERROR, &[]).await;
            assert_eq!(p.status, StatusCode::OK, "request {i}: {}", p.html);
        }
        v.forwarded_for = Some("198.51.100.200".into());
        let p = v.submit(VNACCS_ERROR, &[]).await;
        assert_eq!(
            p.status,
            StatusCode::TOO_MANY_REQUESTS,
            "X-Forwarded-For from an untrusted peer must not name a new visitor"
        );

        // Behind a trusted proxy on this host: the rightmost address it does not trust is the
        // visitor; whatever the visitor wrote further left is not believed.
        let router = hqdesk_web::router_with(
            app.services.clone(),
            hqdesk_web::WebConfig {
                trusted_proxies: "127.0.0.1, ::1".parse().unwrap(),
                ..Default::default()
            },
        );
        let mut v = Visitor::with_router(&app, router.clone(), "127.0.0.1").await;
        for i in 0..REQUESTS_PER_HOUR {
            v.forwarded_for = Some(format!("10.9.9.{i}, 203.0.113.70"));
            let p = v.submit(VNACCS_ERROR, &[]).await;
            assert_eq!(p.status, StatusCode::OK, "request {i}: {}", p.html);
        }
        v.forwarded_for = Some("10.9.9.200, 203.0.113.70".into());
        let p = v.submit(VNACCS_ERROR, &[]).await;
        assert_eq!(
            p.status,
            StatusCode::TOO_MANY_REQUESTS,
            "a spoofed leftmost entry must not buy a fresh limit"
        );
        // Another visitor behind the same proxy has their own limit.
        let mut other = Visitor::with_router(&app, router, "127.0.0.1").await;
        other.forwarded_for = Some("203.0.113.71".into());
        assert_eq!(other.submit(VNACCS_ERROR, &[]).await.status, StatusCode::OK);
        assert_eq!(app.count_rows("cases").await, 2 * REQUESTS_PER_HOUR + 1);
    }
);
