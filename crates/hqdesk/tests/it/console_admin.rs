//! Issue 16, knowledge editor and administration, in a real headless Chromium, in Vietnamese and
//! in English: the live Markdown preview while typing, the slug made from a Vietnamese title, the
//! category filter of the article list; a supervisor keeping the canned responses (and seeing the
//! users, read-only); an administrator deactivating a user with a reason (and the audit log
//! holding it), resetting a second factor and a password, editing a unit. Every page is audited
//! (screenshots at 1366 and 390 px, no sideways scrolling, axe-core) before and after the action.
//! Then the services on both engines: reasons required, who may not be reset, unit levels.
use hqdesk_services::staff_admin::EditUser;
use hqdesk_services::{Actor, ServiceError};
use serde_json::json;

use crate::browser::{serve, Browser};
use crate::console::{confirm_enrolment, set_password, sign_in_password, PASSWORD};
use crate::support::{Engine, TestApp};

async fn actor(app: &TestApp, role: &str) -> Actor {
    app.services
        .authenticate_token(app.token(role))
        .await
        .unwrap()
}

/// The console in `lang` for the user of `role` (their account's language).
async fn use_language(app: &TestApp, role: &str, lang: &str) {
    let a = actor(app, role).await;
    app.services.set_locale(&a, lang).await.unwrap();
}

/// Before/after evidence of a page: screenshots at both widths, no sideways scrolling, axe-core.
async fn audit(b: &Browser, name: &str) {
    b.audit(name).await;
}

async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn value_of(b: &Browser, css: &str) -> String {
    js(
        b,
        &format!("return document.querySelector({css:?}).value;", css = css),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Signed in through the forms; a role that needs a second factor enrols one on the way.
async fn sign_in(b: &Browser, app: &TestApp, base: &str, username: &str) {
    set_password(app, username).await;
    sign_in_password(b, base, username).await;
    let needs_2fa = matches!(username, "supervisor" | "admin" | "investigator");
    if needs_2fa {
        confirm_enrolment(b, &app.services).await;
    }
    b.goto(&format!("{base}/console")).await;
    b.wait_for("header", 10).await;
}

/// The answer of the sign-in form to a name and password (303 when they are right).
async fn log_in(app: &TestApp, username: &str, password: &str) -> axum::http::StatusCode {
    app.send(
        "POST",
        "/console/login",
        Some(
            serde_urlencoded::to_string([("username", username), ("password", password)]).unwrap(),
        ),
        &[
            ("host", "hqdesk.test"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
    )
    .await
    .0
}

// --- Knowledge editor -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_editor_previews_markdown_while_typing_and_makes_the_slug_from_a_vietnamese_title(
) {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let base = serve(app.router.clone()).await;
    sign_in(&b, &app, &base, "agent").await;
    for (lang, title, slug) in [
        ("vi", "Đăng ký tài khoản", "dang-ky-tai-khoan"),
        (
            "en",
            "Đổi chứng thư số ĐẶC BIỆT",
            "doi-chung-thu-so-dac-biet",
        ),
    ] {
        use_language(&app, "agent", lang).await;
        b.goto(&format!("{base}/console/kb/new")).await;
        b.wait_for("#article-form", 10).await;
        audit(&b, "kb-editor-before").await;
        // The slug follows the title as it is typed, the Vietnamese folded.
        b.fill("#title", title).await;
        assert_eq!(value_of(&b, "#slug").await, slug, "{lang}");
        // The preview renders the Markdown being typed, with the portal's renderer, sanitised.
        b.fill(
            "#body",
            "## Bước 1\n\nMở **VNACCS** và chọn *Đăng ký*.\n\n<script>window.pwned=1</script>\n\n- một\n- hai",
        )
        .await;
        b.wait_for_text("#preview-body h2", "Bước 1", 10).await;
        b.wait_for_text("#preview-body strong", "VNACCS", 10).await;
        assert_eq!(
            js(
                &b,
                "return document.querySelectorAll('#preview-body li').length"
            )
            .await,
            json!(2)
        );
        assert_eq!(
            js(
                &b,
                "return document.querySelector('#preview-body script') === null && window.pwned === undefined"
            )
            .await,
            json!(true)
        );
        audit(&b, "kb-editor-after").await;
        // Once the slug is edited by hand, the title no longer changes it.
        b.fill("#slug", &format!("{slug}-tu-dat")).await;
        let title_el = b.wait_for("#title", 10).await;
        title_el.send_keys(" mới").await.unwrap();
        assert_eq!(value_of(&b, "#slug").await, format!("{slug}-tu-dat"));
        b.click("#article-save").await;
        b.wait_for("#view-public, #article-form", 10).await;
        let path = b.current_path().await;
        assert!(
            path.starts_with(&format!("/console/kb/{slug}-tu-dat/edit")),
            "{path}"
        );
    }
    // A slug the server refuses says why, in the reader's language.
    for (lang, needle) in [("vi", "chữ thường không dấu"), ("en", "lowercase letters")] {
        use_language(&app, "agent", lang).await;
        b.goto(&format!("{base}/console/kb/new")).await;
        b.fill("#title", "Hướng dẫn khai báo").await;
        js(
            &b,
            "document.getElementById('slug').removeAttribute('pattern'); return 1",
        )
        .await;
        b.fill("#slug", "Sai Địa Chỉ").await;
        b.fill("#body", "Nội dung.").await;
        audit(&b, "kb-slug-invalid-before").await;
        b.click("#article-save").await;
        b.wait_for_text("#slug-err", needle, 10).await;
        audit(&b, "kb-slug-invalid-after").await;
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_list_filters_articles_by_category() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    hqdesk::kb::import(&app.services, None).await.unwrap();
    let base = serve(app.router.clone()).await;
    sign_in(&b, &app, &base, "agent").await;
    for lang in ["vi", "en"] {
        use_language(&app, "agent", lang).await;
        b.goto(&format!("{base}/console/kb")).await;
        b.wait_for("#kb-category", 10).await;
        let all = js(
            &b,
            "return document.querySelectorAll('#articles tbody tr').length",
        )
        .await
        .as_i64()
        .unwrap();
        audit(&b, "kb-category-filter-before").await;
        // Pick the first category offered and filter.
        let (code, label) = {
            let v = js(&b, "const o = document.querySelector('#kb-category option[value]:not([value=\"\"])'); return [o.value, o.textContent];").await;
            (
                v[0].as_str().unwrap().to_string(),
                v[1].as_str().unwrap().to_string(),
            )
        };
        js(
            &b,
            &format!("document.getElementById('kb-category').value = {code:?}; return 1"),
        )
        .await;
        b.click("#kb-filter-submit").await;
        b.wait_for(
            &format!("#kb-category option[value={code:?}][selected]"),
            10,
        )
        .await;
        let shown = js(
            &b,
            "return document.querySelectorAll('#articles tbody tr').length",
        )
        .await
        .as_i64()
        .unwrap();
        // The option says how many articles it holds: "(n)".
        let n: i64 = label
            .rsplit('(')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .parse()
            .unwrap();
        assert!(shown > 0 && shown < all, "{shown} of {all} for {code}");
        assert_eq!(shown, n, "{label}");
        let name = label.rsplit_once(" (").unwrap().0.to_string();
        let cats = js(
            &b,
            "return [...document.querySelectorAll('#articles tbody td.kb-cat')].map(td => td.textContent)",
        )
        .await;
        for c in cats.as_array().unwrap() {
            assert_eq!(c.as_str().unwrap(), name);
        }
        assert!(b.current_path().await.contains("category="));
        audit(&b, "kb-category-filter-after").await;
    }
    b.close().await;
}

// --- Administration ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_edits_and_deletes_canned_responses_and_sees_users_read_only() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let cli = Actor::Cli;
    let mut ids = vec![];
    for (t, body) in [
        (
            "Xác nhận đã nhận",
            "Kính gửi Quý vị {{requester.name}}, đã nhận {{case.number}}.",
        ),
        (
            "Hướng dẫn chữ ký số",
            "Kính gửi Quý vị, vui lòng cài lại trình điều khiển.",
        ),
        ("Mẫu cũ cần xoá", "Nội dung cũ."),
        ("Old template to delete", "Old text."),
    ] {
        ids.push(app.services.add_canned(&cli, t, body).await.unwrap());
    }
    let base = serve(app.router.clone()).await;
    sign_in(&b, &app, &base, "supervisor").await;
    for (lang, i, new_title, doomed) in [
        ("vi", 0, "Xác nhận đã tiếp nhận yêu cầu", 2),
        ("en", 1, "Chữ ký số: cài lại driver", 3),
    ] {
        use_language(&app, "supervisor", lang).await;
        b.goto(&format!("{base}/console/admin")).await;
        b.wait_for("#canned-list", 10).await;
        // Users, read-only: the list is there, without the forms and edit links of admins.
        b.wait_for("tr[data-user=\"agent\"]", 10).await;
        b.wait_for("#users-read-only", 10).await;
        assert_eq!(
            js(&b, "return document.querySelector('form#add-user, #users a.adm-edit, form#add-unit') === null").await,
            json!(true)
        );
        audit(&b, "admin-canned-before").await;
        b.click(&format!("li[data-canned=\"{}\"] a.adm-canned-edit", ids[i]))
            .await;
        b.wait_for("form#edit-canned", 10).await;
        audit(&b, "admin-canned-edit-before").await;
        // An empty text is refused with a clear message; then the change is saved.
        js(
            &b,
            "document.getElementById('canned-body').removeAttribute('required'); return 1",
        )
        .await;
        b.fill("#canned-title", new_title).await;
        b.fill("#canned-body", " ").await;
        b.click("#canned-save").await;
        let needle = if lang == "vi" {
            "nhập nội dung"
        } else {
            "enter the text"
        };
        b.wait_for_text("#admin-message", needle, 10).await;
        b.fill(
            "#canned-body",
            "Kính gửi Quý vị {{requester.name}}, yêu cầu {{case.number}} đã được tiếp nhận.",
        )
        .await;
        b.click("#canned-save").await;
        b.wait_for_text("#canned-list", new_title, 10).await;
        audit(&b, "admin-canned-edit-after").await;
        // Delete one.
        b.goto(&format!("{base}/console/admin/canned/{}", ids[doomed]))
            .await;
        b.click("#canned-delete").await;
        b.wait_for("#canned-list", 10).await;
        assert_eq!(
            js(
                &b,
                &format!(
                    "return document.querySelector('li[data-canned=\"{}\"]') === null",
                    ids[doomed]
                )
            )
            .await,
            json!(true)
        );
        audit(&b, "admin-canned-after").await;
    }
    let list = app.services.canned_responses(false).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .any(|k| k.title == "Xác nhận đã tiếp nhận yêu cầu"));
    // A supervisor does not reach a user's page.
    b.goto(&format!("{base}/console/admin/users/agent")).await;
    b.wait_for("body", 10).await;
    assert_eq!(
        js(
            &b,
            "return document.querySelector('form#edit-user') === null"
        )
        .await,
        json!(true)
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_deactivates_a_user_with_a_reason_resets_two_factor_and_password_and_edits_a_unit(
) {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    // The supervisor has enrolled a second factor (signing in once does it).
    crate::console_session::sign_in(&app, "supervisor").await;
    let admin = actor(&app, "admin").await;
    assert!(app
        .services
        .user_has_second_factor(&admin, "supervisor")
        .await
        .unwrap());
    let base = serve(app.router.clone()).await;
    sign_in(&b, &app, &base, "admin").await;
    for (lang, target, reason, missing_reason) in [
        (
            "vi",
            "agent",
            "Nghỉ việc từ ngày 01/12, theo quyết định số 123/QĐ-HQ",
            "Vui lòng nhập lý do",
        ),
        (
            "en",
            "hotline",
            "Transferred to another department on 1 December",
            "Please give a reason",
        ),
    ] {
        use_language(&app, "admin", lang).await;
        // Deactivate, with a reason: without one the server refuses and says so.
        b.goto(&format!("{base}/console/admin")).await;
        b.wait_for(&format!("tr[data-user=\"{target}\"] a.adm-edit"), 10)
            .await;
        audit(&b, "admin-users-before").await;
        b.click(&format!("tr[data-user=\"{target}\"] a.adm-edit"))
            .await;
        b.wait_for("form#user-active", 10).await;
        audit(&b, "admin-user-deactivate-before").await;
        js(
            &b,
            "document.getElementById('active-reason').removeAttribute('required'); return 1",
        )
        .await;
        b.click("#user-active-submit").await;
        b.wait_for_text("#admin-message", missing_reason, 10).await;
        b.fill("#active-reason", reason).await;
        b.click("#user-active-submit").await;
        b.wait_for_text("#user-history", reason, 10).await;
        audit(&b, "admin-user-deactivate-after").await;
        let user = app
            .services
            .list_users(&admin)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.username == target)
            .unwrap();
        assert!(!user.active);
        let history = app.services.user_history(&admin, target, 5).await.unwrap();
        let entry = history
            .iter()
            .find(|e| e.action == "user.update")
            .expect("the deactivation is in the audit log");
        assert_eq!(entry.actor, "user:admin");
        let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap();
        assert_eq!(detail["reason"], json!(reason));
        assert_eq!(detail["active"], json!(false));
        // A deactivated user cannot sign in.
        assert_ne!(
            log_in(&app, target, PASSWORD).await,
            axum::http::StatusCode::SEE_OTHER
        );

        // Reset the supervisor's second factor, with a reason.
        b.goto(&format!("{base}/console/admin/users/supervisor"))
            .await;
        b.wait_for("form#reset-2fa", 10).await;
        audit(&b, "admin-reset-2fa-before").await;
        b.fill("#second-factor-reason", reason).await;
        b.click("#reset-2fa-submit").await;
        b.wait_for_text("#user-history", reason, 10).await;
        audit(&b, "admin-reset-2fa-after").await;
        assert!(!app
            .services
            .user_has_second_factor(&admin, "supervisor")
            .await
            .unwrap());
        let history = app
            .services
            .user_history(&admin, "supervisor", 5)
            .await
            .unwrap();
        assert!(history
            .iter()
            .any(|e| e.action == "user.second_factor_reset" && e.detail.contains(reason)));

        // Reset a password: a temporary one, shown once, that signs in.
        b.goto(&format!("{base}/console/admin/users/unit_officer"))
            .await;
        b.wait_for("form#reset-password", 10).await;
        audit(&b, "admin-reset-password-before").await;
        b.fill("#password-reason", reason).await;
        b.click("#reset-password-submit").await;
        b.wait_for("#temp-password", 10).await;
        let temporary = b.text("#temp-password").await;
        assert_eq!(temporary.chars().count(), 20, "{temporary}");
        audit(&b, "admin-reset-password-after").await;
        assert_eq!(
            log_in(&app, "unit_officer", &temporary).await,
            axum::http::StatusCode::SEE_OTHER
        );
        // Reloading the page does not show it again.
        b.goto(&format!("{base}/console/admin/users/unit_officer"))
            .await;
        b.wait_for("form#reset-password", 10).await;
        assert!(!b
            .client
            .source()
            .await
            .unwrap()
            .contains(temporary.as_str()));
    }

    // Units: a level that does not fit is refused with the reason; a rename and a new level are
    // saved and shown by name.
    for (lang, name, level_label) in [
        ("vi", "Chi cục Hải quan khu vực II (TP. Hồ Chí Minh)", "Đội"),
        ("en", "Chi cục Hải quan khu vực II — Sài Gòn", "Team"),
    ] {
        use_language(&app, "admin", lang).await;
        b.goto(&format!("{base}/console/admin/units/KV8")).await;
        b.wait_for("form#edit-unit", 10).await;
        audit(&b, "admin-unit-before").await;
        // KV8 holds a team: it cannot become... a team under a team is fine; a department
        // under a sub-department is not.
        b.goto(&format!("{base}/console/admin/units/KV8-MC")).await;
        js(
            &b,
            "document.getElementById('unit-level').value = 'department'; return 1",
        )
        .await;
        b.click("#unit-save").await;
        let needle = if lang == "vi" {
            "Cấp không phù hợp"
        } else {
            "Level does not fit"
        };
        b.wait_for_text("#admin-message", needle, 10).await;
        b.goto(&format!("{base}/console/admin/units/KV2")).await;
        b.fill("#unit-name", name).await;
        js(
            &b,
            "document.getElementById('unit-level').value = 'team'; return 1",
        )
        .await;
        b.click("#unit-save").await;
        b.wait_for_text("tr[data-unit=\"KV2\"]", name, 10).await;
        b.wait_for_text("tr[data-unit=\"KV2\"] td[data-level]", level_label, 10)
            .await;
        audit(&b, "admin-unit-after").await;
        // Back to a sub-department for the next language.
        app.services
            .update_unit(&admin, "KV2", None, Some("sub_department".into()), None)
            .await
            .unwrap();
    }
    b.close().await;
}

// --- Services, both engines ---------------------------------------------------------------------

crate::both_engines!(
    account_changes_need_a_reason_and_never_reach_investigators_or_oneself,
    |app| async move {
        let admin = actor(&app, "admin").await;
        let s = &app.services;
        // No reason, or a blank one: refused, nothing changes.
        for reason in ["", "   "] {
            match s.set_user_active(&admin, "agent", false, reason).await {
                Err(ServiceError::Invalid(v)) => assert_eq!(v.0[0].code, "reason_required"),
                other => panic!("{other:?}"),
            }
        }
        let too_long = "x".repeat(501);
        assert!(matches!(
            s.reset_user_second_factor(&admin, "agent", &too_long).await,
            Err(ServiceError::Invalid(_))
        ));
        assert!(s.list_users(&admin).await.unwrap().iter().all(|u| u.active));
        // Investigators' credentials are for the server's command line only.
        for r in [
            s.reset_user_second_factor(&admin, "investigator", "Mất điện thoại")
                .await,
            s.reset_user_password(&admin, "investigator", None, "Quên mật khẩu")
                .await
                .map(drop),
        ] {
            assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
        }
        // Nor can anyone appoint one from the console.
        let r = s
            .edit_user(
                &admin,
                "agent",
                EditUser {
                    role: Some("investigator".into()),
                    ..Default::default()
                },
                "Điều chuyển",
            )
            .await;
        assert!(
            matches!(
                r,
                Err(ServiceError::Forbidden(_)) | Err(ServiceError::Invalid(_))
            ),
            "{r:?}"
        );
        // Oneself: not deactivated, no credentials reset from here.
        assert!(matches!(
            s.set_user_active(&admin, "admin", false, "Thử").await,
            Err(ServiceError::Conflict { .. })
        ));
        assert!(matches!(
            s.reset_user_password(&admin, "admin", None, "Thử").await,
            Err(ServiceError::Conflict { .. })
        ));
        // A password typed by the administrator must be a real one.
        assert!(matches!(
            s.reset_user_password(&admin, "agent", Some("ngắn".into()), "Thử")
                .await,
            Err(ServiceError::Invalid(_))
        ));
        let set = s
            .reset_user_password(
                &admin,
                "agent",
                Some("một mật khẩu mới đủ dài".into()),
                "Thử",
            )
            .await
            .unwrap();
        assert_eq!(set, "một mật khẩu mới đủ dài");
        // Renamed and moved, with the reason in the log; an unknown user is not found.
        let u = s
            .edit_user(
                &admin,
                "agent",
                EditUser {
                    display_name: Some("Nguyễn Thị Lan".into()),
                    unit: Some(Some("KV2".into())),
                    ..Default::default()
                },
                "Điều chuyển về Chi cục khu vực II",
            )
            .await
            .unwrap();
        assert_eq!(u.display_name, "Nguyễn Thị Lan");
        assert!(s
            .user_history(&admin, "agent", 5)
            .await
            .unwrap()
            .iter()
            .any(|e| e.detail.contains("Điều chuyển về Chi cục khu vực II")));
        assert!(matches!(
            s.set_user_active(&admin, "nobody.here", false, "Thử").await,
            Err(ServiceError::NotFound)
        ));
    }
);

crate::both_engines!(
    unit_levels_fit_between_parent_and_sub_units_and_canned_responses_are_checked,
    |app| async move {
        let admin = actor(&app, "admin").await;
        let s = &app.services;
        // KV8 (sub-department) holds KV8-MC (a team): KV8 may become a team, KV8-MC never a
        // department under a sub-department, and CHQ cannot become a team over sub-departments.
        for (code, level) in [("KV8-MC", "department"), ("CHQ", "team")] {
            match s
                .update_unit(&admin, code, None, Some(level.into()), None)
                .await
            {
                Err(ServiceError::Invalid(v)) => {
                    assert_eq!(v.0[0].code, "unit_level_order", "{code}")
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        assert!(matches!(
            s.update_unit(&admin, "KV8", None, Some("castle".into()), None)
                .await,
            Err(ServiceError::Invalid(_))
        ));
        let u = s
            .update_unit(&admin, "KV8", None, Some("team".into()), None)
            .await
            .unwrap();
        assert_eq!(u.level.as_str(), "team");
        // Moving under a parent checks the new level against it.
        let r = s
            .update_unit(
                &admin,
                "DDN",
                None,
                Some("department".into()),
                Some(Some("KV2".into())),
            )
            .await;
        assert!(matches!(r, Err(ServiceError::Invalid(_))), "{r:?}");

        // Canned responses: checked like a message; an unknown one is not found.
        let sup = actor(&app, "supervisor").await;
        let id = s.add_canned(&sup, "Mẫu", "Kính gửi Quý vị.").await.unwrap();
        assert!(matches!(
            s.update_canned(&sup, id, "", "").await,
            Err(ServiceError::Invalid(v)) if v.0.len() == 2
        ));
        s.update_canned(&sup, id, "Mẫu mới", "Kính gửi Quý vị {{requester.name}}.")
            .await
            .unwrap();
        let k = s.canned_response(&sup, id).await.unwrap();
        assert_eq!((k.title.as_str(), k.active), ("Mẫu mới", 1));
        s.delete_canned(&sup, id).await.unwrap();
        assert!(matches!(
            s.delete_canned(&sup, id).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            s.update_canned(&sup, 424242, "Mẫu", "Nội dung").await,
            Err(ServiceError::NotFound)
        ));
    }
);

// The live preview answers staff only, with the form's token, and sanitises.
crate::both_engines!(
    knowledge_preview_is_for_staff_with_the_forms_token_and_sanitised,
    |app| async move {
        let session = crate::console_session::sign_in(&app, "agent").await;
        let r = crate::console_session::request(
            &app,
            &session,
            "POST",
            "/console/kb/preview",
            &[(
                "body",
                "## Bước 1\n\n**VNACCS** <img src=x onerror=alert(1)><script>alert(1)</script>",
            )],
        )
        .await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("<h2>Bước 1</h2>") && r.body.contains("<strong>VNACCS</strong>"));
        assert!(
            !r.body.contains("<script") && !r.body.contains("onerror"),
            "{}",
            r.body
        );
        // Without the token: refused.
        let forged = crate::console_session::Session {
            token: session.token.clone(),
            csrf: "-".into(),
        };
        let r = crate::console_session::request(
            &app,
            &forged,
            "POST",
            "/console/kb/preview",
            &[("body", "x")],
        )
        .await;
        assert_eq!(r.status, axum::http::StatusCode::FORBIDDEN);
        // Without a session: to the sign-in page, nothing rendered.
        let (status, body) = app
            .send(
                "POST",
                "/console/kb/preview",
                Some("csrf=x&body=%23%23+Hi".into()),
                &[
                    ("host", "hqdesk.test"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
            )
            .await;
        assert!(!body.contains("<h2>"), "{body}");
        assert!(
            status == axum::http::StatusCode::SEE_OTHER
                || status == axum::http::StatusCode::UNAUTHORIZED
                || status == axum::http::StatusCode::FORBIDDEN,
            "{status}"
        );
    }
);

// `serve --demo` ships the HelpDesk's canned responses, in Vietnamese, ready to insert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_ships_vietnamese_canned_responses() {
    let Some((url, _dir)) = crate::support::fresh_database(Engine::Sqlite).await else {
        return;
    };
    let store = hqdesk_store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let clock = std::sync::Arc::new(hqdesk_services::ManualClock::at(crate::support::T0));
    let services = hqdesk_services::Services::new(store, clock);
    services.prepare().await.unwrap();
    hqdesk::demo::load(&services, 3).await.unwrap();
    let canned = services.canned_responses(true).await.unwrap();
    assert!(canned.len() >= 10, "{}", canned.len());
    assert_eq!(canned.len(), hqdesk_sample::demo::CANNED_RESPONSES.len());
    for topic in ["VNACCS", "Chữ ký số", "Hoàn thuế", "Tin tố giác"] {
        assert!(
            canned.iter().any(|k| k.title.contains(topic)),
            "a canned response about {topic}"
        );
    }
    assert!(canned.iter().all(|k| k.body.contains("Quý vị")));
}

// The console's administration routes, by role, through the real router: an agent reaches none
// of them, a supervisor the canned responses and the list of users only, and a refused form
// changes nothing.
crate::both_engines!(
    administration_routes_by_role_in_the_console,
    |app| async move {
        use crate::console_session::{request, sign_in};
        use axum::http::StatusCode;
        let id = app
            .services
            .add_canned(&Actor::Cli, "Mẫu", "Kính gửi Quý vị.")
            .await
            .unwrap();
        let agent = sign_in(&app, "agent").await;
        let sup = sign_in(&app, "supervisor").await;
        let admin = sign_in(&app, "admin").await;
        let edit_canned = format!("/console/admin/canned/{id}");
        let canned_form: &[(&str, &str)] = &[("title", "Mẫu đã sửa"), ("body", "Kính gửi Quý vị.")];
        let deactivate: &[(&str, &str)] = &[("active", "false"), ("reason", "Thử quyền")];
        // Agents: nothing.
        for (method, path, form) in [
            ("GET", "/console/admin", &[][..]),
            ("GET", edit_canned.as_str(), &[][..]),
            ("POST", edit_canned.as_str(), canned_form),
            ("POST", "/console/admin/users/hotline/active", deactivate),
            ("GET", "/console/admin/units/KV2", &[][..]),
        ] {
            let r = request(&app, &agent, method, path, form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "agent {method} {path}");
        }
        // Supervisors: canned responses and the list of users, no account or unit changes.
        let r = request(&app, &sup, "GET", "/console/admin", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("data-user=\"hotline\"") && !r.body.contains("id=\"add-user\""));
        let r = request(&app, &sup, "POST", &edit_canned, canned_form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        for (method, path, form) in [
            ("GET", "/console/admin/users/hotline", &[][..]),
            ("POST", "/console/admin/users/hotline/active", deactivate),
            (
                "POST",
                "/console/admin/users/hotline/second-factor",
                &[("reason", "Thử")][..],
            ),
            ("GET", "/console/admin/units/KV2", &[][..]),
            (
                "POST",
                "/console/admin/units/KV2",
                &[("name", "Đổi tên"), ("level", "team"), ("parent", "")][..],
            ),
        ] {
            let r = request(&app, &sup, method, path, form).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "supervisor {method} {path}"
            );
        }
        let admin_actor = actor(&app, "admin").await;
        let users = app.services.list_users(&admin_actor).await.unwrap();
        assert!(users.iter().all(|u| u.active));
        // Administrators: a missing reason is a 422 with the message; with one, done.
        let r = request(
            &app,
            &admin,
            "POST",
            "/console/admin/users/hotline/active",
            &[("active", "false")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Vui lòng nhập lý do"), "{}", r.body);
        let r = request(
            &app,
            &admin,
            "POST",
            "/console/admin/users/hotline/active",
            deactivate,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Thử quyền"));
        // An unknown user, unit or canned response is a 404.
        for path in [
            "/console/admin/users/khong-co",
            "/console/admin/units/KHONGCO",
            "/console/admin/canned/424242",
        ] {
            let r = request(&app, &admin, "GET", path, &[]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
);
