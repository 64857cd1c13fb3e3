//! Sending a portal form again (issue 14, items 21 and 22), on both engines: an accepted form
//! answers with a redirect to its confirmation, which keeps the tracking link out of every
//! address; the same form instance sent twice opens one case; a refused form reports every
//! mistake at once and names the files to attach again.
use axum::http::StatusCode;

use crate::portal_forms::{footprint, track_path, with, Visitor, VNACCS_ERROR};

/// The hidden form-instance id of a form page.
fn form_id(html: &str) -> String {
    let i = html
        .find("name=\"form_id\" value=\"")
        .expect("form_id field")
        + 22;
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// The request form's fields, as sent from the form instance `id`.
fn from_form(id: &str) -> Vec<(&str, &str)> {
    let mut fields: Vec<(&str, &str)> = VNACCS_ERROR.to_vec();
    fields.push(("form_id", id));
    fields
}

crate::both_engines!(
    an_accepted_request_redirects_and_a_reload_shows_the_same_confirmation,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.80").await;
        let p = v.post_multipart("/request", VNACCS_ERROR, &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        assert_eq!(p.location, "/submitted", "no secret in the address");
        let sent = p
            .set_cookies
            .iter()
            .find(|c| c.starts_with("hqdesk_sent="))
            .expect("the confirmation's cookie");
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/submitted", "Max-Age="] {
            assert!(sent.contains(attr), "{attr} in {sent}");
        }

        let first = v.get("/submitted").await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.html);
        let track = track_path(&first.html);
        assert!(sent.contains(track.trim_start_matches("/track/")));
        // A reload: the same confirmation, nothing filed again.
        let again = v.get("/submitted").await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(track_path(&again.html), track);
        assert_eq!(app.count_rows("cases").await, 1);
        assert_eq!(app.count_rows("jobs WHERE kind = 'mail.notify'").await, 1);
        assert_eq!(v.get(&track).await.status, StatusCode::OK);

        // Without the cookie, or with one naming nothing, back to the form.
        v.sent = "0000000000000000000000000000000000000000".into();
        let p = v.get("/submitted").await;
        assert_eq!(
            (p.status, p.location.as_str()),
            (StatusCode::SEE_OTHER, "/request")
        );
        v.sent.clear();
        let p = v.get("/submitted").await;
        assert_eq!(
            (p.status, p.location.as_str()),
            (StatusCode::SEE_OTHER, "/request")
        );
    }
);

crate::both_engines!(the_same_form_sent_twice_opens_one_case, |app| async move {
    let mut v = Visitor::new(&app, "203.0.113.81").await;
    let id = form_id(&v.get("/request?topic=vnaccs_error").await.html);
    let fields = from_form(&id);

    // A double click, or Back and send again: one case, the same confirmation.
    let first = v.submit(&fields, &[("a.png", b"png")]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.html);
    let second = v.submit(&fields, &[("a.png", b"png")]).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.html);
    assert_eq!(track_path(&first.html), track_path(&second.html));
    assert_eq!(app.count_rows("cases").await, 1);
    assert_eq!(app.count_rows("attachments").await, 1);
    assert_eq!(app.count_rows("jobs WHERE kind = 'mail.notify'").await, 1);

    // Both at once (the writer commits them together or one after the other).
    let id = form_id(&v.get("/request?topic=vnaccs_error").await.html);
    let fields = from_form(&id);
    let mut twin = v.same_browser();
    let (p1, p2) = tokio::join!(
        v.post_multipart("/request", &fields, &[]),
        twin.post_multipart("/request", &fields, &[])
    );
    assert_eq!(p1.status, StatusCode::SEE_OTHER, "{}", p1.html);
    assert_eq!(p2.status, StatusCode::SEE_OTHER, "{}", p2.html);
    assert_eq!(app.count_rows("cases").await, 2);

    // A new form is a new request.
    let id = form_id(&v.get("/request?topic=vnaccs_error").await.html);
    let fields = from_form(&id);
    assert_eq!(v.submit(&fields, &[]).await.status, StatusCode::OK);
    assert_eq!(app.count_rows("cases").await, 3);

    // Another browser cannot replay someone's form id: without their form cookie it is
    // another form instance.
    let mut stranger = Visitor::new(&app, "203.0.113.82").await;
    let p = stranger.submit(&fields, &[]).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_ne!(
        track_path(&p.html),
        track_path(&v.get("/submitted").await.html)
    );
    assert_eq!(app.count_rows("cases").await, 4);

    // The suggestion box too.
    let id = form_id(&v.get("/suggestions").await.html);
    let fields = [
        ("unit", "KV8"),
        ("message", "Đề nghị niêm yết lịch kiểm hóa."),
        ("form_id", id.as_str()),
    ];
    for _ in 0..2 {
        let p = v.post_form("/suggestions", &fields).await;
        assert_eq!(
            (p.status, p.location.as_str()),
            (StatusCode::SEE_OTHER, "/submitted")
        );
    }
    assert_eq!(app.count_rows("cases WHERE kind = 'suggestion'").await, 1);
});

crate::both_engines!(
    a_refused_request_reports_every_mistake_at_once_and_names_its_files,
    |app| async move {
        let mut v = Visitor::new(&app, "203.0.113.83").await;
        let before = footprint(&app).await;
        let mut fields = with(VNACCS_ERROR, "subject", "");
        fields = with(&fields, "tax_code", "0100231227");
        fields = with(&fields, "email", "");
        fields = with(&fields, "name", "   ");
        let p = v
            .post_multipart("/request", &fields, &[("anh-loi.png", b"\x89PNG")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
        for id in ["subject-err", "tax_code-err", "email-err"] {
            assert!(p.html.contains(&format!("id=\"{id}\"")), "{id}: {}", p.html);
        }
        assert!(p.html.contains("id=\"files-again\""), "{}", p.html);
        assert!(
            p.html.contains("anh-loi.png"),
            "the file is named: {}",
            p.html
        );
        // Bad formats too, beside a missing detail.
        let mut fields = with(VNACCS_ERROR, "email", "không phải thư");
        fields = with(&fields, "phone", "12");
        fields.retain(|(k, _)| *k != "error_message");
        let p = v.post_multipart("/request", &fields, &[]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
        for id in ["email-err", "phone-err", "error_message-err"] {
            assert!(p.html.contains(&format!("id=\"{id}\"")), "{id}: {}", p.html);
        }
        assert!(
            !p.html.contains("id=\"files-again\""),
            "no files, no notice"
        );
        assert_eq!(footprint(&app).await, before, "nothing stored");
    }
);
