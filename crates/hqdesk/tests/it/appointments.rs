//! Who may make someone an investigator (issue 14, item 11): not an administrator through the
//! API or the console, by any route (a new account, a promotion, a password or a token for an
//! investigator); only the server's command line, which also gives the appointed user a fresh
//! start.
use axum::http::StatusCode;
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::{Actor, ServiceError};
use serde_json::json;

use crate::console::{set_password, PASSWORD};
use crate::console_session::{enrol_second_factor, Enrolled};
use crate::support::TestApp;

const NEW_PASSWORD: &str = "một mật khẩu mới thật dài";

async fn admin_actor(app: &TestApp) -> Actor {
    app.services
        .authenticate_token(app.token("admin"))
        .await
        .unwrap()
}

async fn role_of(app: &TestApp, username: &str) -> String {
    app.services
        .list_users(&Actor::Cli)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == username)
        .map(|u| u.role.as_str().to_string())
        .unwrap_or_default()
}

crate::both_engines!(
    an_administrator_cannot_make_anyone_an_investigator_or_take_one_over,
    |app| async move {
        let denunciation = app
            .open(
                "investigator",
                json!({"kind":"denunciation","channel":"phone","subject":"Tố giác buôn lậu",
                       "requester":{"name":"Trần Thị Bình","phone":"0987654321"}}),
            )
            .await;
        let users_before = app.count_rows("users").await;

        // A new account as investigator.
        let (s, j) = app
            .post(
                "admin",
                "/api/v1/users",
                json!({"username":"ghost","role":"investigator","password":NEW_PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{j}");
        assert_eq!(app.count_rows("users").await, users_before);

        // A colleague (or a second account of their own) promoted.
        let (s, _, j) = app
            .call(
                Some("admin"),
                "PATCH",
                "/api/v1/users/agent",
                Some(&json!({"role":"investigator","password":NEW_PASSWORD}).to_string()),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{j}");
        assert_eq!(role_of(&app, "agent").await, "agent");

        // An investigator's password set, to sign in as them.
        let (s, _, j) = app
            .call(
                Some("admin"),
                "PATCH",
                "/api/v1/users/investigator",
                Some(&json!({"password":NEW_PASSWORD}).to_string()),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{j}");
        assert!(app
            .services
            .sign_in("10.0.0.1", "investigator", NEW_PASSWORD)
            .await
            .unwrap()
            .is_err());

        // A token issued for an investigator.
        let admin = admin_actor(&app).await;
        assert!(matches!(
            app.services
                .issue_token(&admin, "investigator", "x", 30)
                .await,
            Err(ServiceError::Forbidden(_))
        ));

        // The console's form: the role is not offered, and a forged post is refused.
        set_password(&app, "admin").await;
        let Enrolled { token, session, .. } =
            enrol_second_factor(&app, "10.0.0.1", "admin", PASSWORD).await;
        let cookie = format!("hqdesk_session={token}");
        let (status, page) = app
            .send("GET", "/console/admin", None, &[("cookie", &cookie)])
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"add-user\""));
        assert!(
            !page.contains("<option value=\"investigator\">"),
            "the console does not offer the role"
        );
        assert!(
            page.contains("hqdesk user role"),
            "it says where it is done"
        );
        let (status, _) = app
            .send(
                "POST",
                "/console/admin/users",
                Some(format!(
                    "csrf={}&username=ghost&role=investigator&password=mot+mat+khau+moi+that+dai",
                    session.csrf
                )),
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &cookie),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.count_rows("users").await, users_before);

        // Nothing of the above let the administrator near the denunciation.
        let (s, _) = app
            .get("admin", &format!("/api/v1/cases/{denunciation}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // What an administrator may still do to an investigator: take the role away.
        let (s, _, j) = app
            .call(
                Some("admin"),
                "PATCH",
                "/api/v1/users/investigator",
                Some(&json!({"active":false}).to_string()),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let audit_rows = app
            .count_rows("audit_log WHERE action IN ('user.create', 'user.update', 'token.issue') AND actor = 'user:admin'")
            .await;
        assert_eq!(audit_rows, 1, "only the deactivation was done");
    }
);

crate::both_engines!(
    the_command_line_appoints_an_investigator_with_a_fresh_start,
    |app| async move {
        // The agent had a password an administrator set, an authenticator, a session, a token.
        set_password(&app, "agent").await;
        let signed = enrol_second_factor(&app, "10.0.0.1", "agent", PASSWORD).await;

        // An appointment without a new password is refused.
        let without = app
            .services
            .update_user(
                &Actor::Cli,
                "agent",
                UpdateUser {
                    role: Some("investigator".into()),
                    ..Default::default()
                },
            )
            .await;
        assert!(
            matches!(&without, Err(ServiceError::Invalid(v)) if v.0[0].code == "password_required"),
            "{without:?}"
        );
        app.services
            .update_user(
                &Actor::Cli,
                "agent",
                UpdateUser {
                    role: Some("investigator".into()),
                    password: Some(NEW_PASSWORD.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(role_of(&app, "agent").await, "investigator");
        // Nothing of before carries over: the old session and token are gone, the old password
        // and authenticator no longer work, and the new investigator must enrol afresh.
        assert!(app.services.session(&signed.token).await.unwrap().is_none());
        let (s, _) = app.get("agent", "/api/v1/me").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(app
            .services
            .sign_in("10.0.0.1", "agent", PASSWORD)
            .await
            .unwrap()
            .is_err());
        let fresh = app
            .services
            .sign_in("10.0.0.1", "agent", NEW_PASSWORD)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fresh.stage, hqdesk_services::session::Stage::MustEnrol);
        assert_eq!(
            app.count_rows(
                "audit_log WHERE action = 'user.update' AND actor = 'cli' \
                 AND detail LIKE '%\"appointed_to_confidential_role\":true%'"
            )
            .await,
            1
        );
    }
);
