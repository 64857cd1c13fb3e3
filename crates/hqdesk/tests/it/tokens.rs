//! API tokens (issue 14, item 18): the telephone system's calls carry the token in a header
//! (the path form still works, deprecated), every token expires, and each can be revoked alone.
use axum::http::StatusCode;
use hqdesk_services::Actor;

use crate::support::TestApp;

/// A CTI event with the token where `how` says: "bearer", "header" or "path".
async fn cti(app: &TestApp, token: &str, how: &str, call_id: &str) -> StatusCode {
    let body = format!("event=newCall&callId={call_id}&from=0912345678&to=19009299&direction=in");
    let (path, headers): (String, Vec<(&str, String)>) = match how {
        "bearer" => (
            "/api/v1/cti".into(),
            vec![("authorization", format!("Bearer {token}"))],
        ),
        "header" => ("/api/v1/cti".into(), vec![("x-hqdesk-token", token.into())]),
        _ => (format!("/api/v1/cti/{token}"), vec![]),
    };
    let mut h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.push(("content-type", "application/x-www-form-urlencoded"));
    app.send("POST", &path, Some(body), &h).await.0
}

async fn ivr(app: &TestApp, token: &str, how: &str) -> (StatusCode, String) {
    match how {
        "header" => {
            app.send(
                "GET",
                "/api/v1/ivr?branch=2",
                None,
                &[("x-hqdesk-token", token)],
            )
            .await
        }
        _ => {
            app.send("GET", &format!("/api/v1/ivr/{token}?branch=2"), None, &[])
                .await
        }
    }
}

crate::both_engines!(
    telephony_tokens_travel_in_a_header_expire_and_are_revoked_one_by_one,
    |app| async move {
        let issue = |label: &'static str, days: i64| {
            let services = app.services.clone();
            async move {
                services
                    .issue_token(&Actor::Cli, "hotline", label, days)
                    .await
                    .unwrap()
            }
        };
        let pbx = issue("tổng đài", 30).await;
        let spare = issue("dự phòng", 90).await;
        assert_eq!(
            pbx.expires_at.millis() - app.services.now().millis(),
            30 * 86_400_000
        );

        // The header forms, and the path form kept for PBXs configured before.
        for (i, how) in ["bearer", "header", "path"].iter().enumerate() {
            assert_eq!(
                cti(&app, &pbx.token, how, &format!("c{i}")).await,
                StatusCode::OK,
                "{how}"
            );
        }
        for how in ["header", "path"] {
            let (s, text) = ivr(&app, &pbx.token, how).await;
            assert_eq!(s, StatusCode::OK, "{how}: {text}");
            assert!(text.contains("offer_callback="), "{text}");
        }
        assert_eq!(app.count_rows("calls").await, 3);
        assert_eq!(
            cti(&app, "hqd_not_a_token", "header", "x").await,
            StatusCode::UNAUTHORIZED
        );

        // Revoking one token stops it at once, in every form; the user's other token works.
        let listed = app.services.list_tokens(&Actor::Cli).await.unwrap();
        assert!(listed
            .iter()
            .any(|t| t.id == pbx.id && t.label == "tổng đài" && t.revoked_at.is_none()));
        app.services
            .revoke_token(&Actor::Cli, pbx.id)
            .await
            .unwrap();
        for how in ["bearer", "header", "path"] {
            assert_eq!(
                cti(&app, &pbx.token, how, "r").await,
                StatusCode::UNAUTHORIZED,
                "{how}"
            );
        }
        assert_eq!(
            ivr(&app, &pbx.token, "header").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            cti(&app, &spare.token, "header", "s1").await,
            StatusCode::OK
        );
        assert!(app
            .services
            .revoke_token(&Actor::Cli, pbx.id)
            .await
            .is_err());
        // Listing and revoking take the right to manage users: a hotline token may not.
        let hotline = app
            .services
            .authenticate_token(app.token("hotline"))
            .await
            .unwrap();
        assert!(app.services.list_tokens(&hotline).await.is_err());
        assert!(app.services.revoke_token(&hotline, spare.id).await.is_err());

        // Expiry: the spare token stops after its 90 days, the path form too.
        app.clock.advance_seconds(89 * 86_400);
        assert_eq!(cti(&app, &spare.token, "path", "s2").await, StatusCode::OK);
        app.clock.advance_seconds(2 * 86_400);
        assert_eq!(
            cti(&app, &spare.token, "header", "s3").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            cti(&app, &spare.token, "path", "s4").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(app.count_rows("calls").await, 5);
        assert_eq!(
            app.count_rows("audit_log WHERE action = 'token.revoke'")
                .await,
            1
        );
    }
);
