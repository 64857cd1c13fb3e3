//! The console's call page shows a call's state in the page's language (issue 15): "answered"
//! was shown as is on the Vietnamese page, in the heading and in the caller's recent calls.
use axum::http::StatusCode;

use crate::both_engines;
use crate::console_session::{cti, request, sign_in};

both_engines!(
    the_call_page_names_call_states_in_vietnamese,
    |app| async move {
        for ev in [
            "event=newCall&callId=st-1&from=0987654321&direction=in&branch=2",
            "event=answer&callId=st-1",
            "event=hangup&callId=st-1&cause=normalClearing",
            "event=newCall&callId=st-2&from=0987654321&direction=in&branch=2",
            "event=answer&callId=st-2",
        ] {
            assert_eq!(cti(&app, ev).await, StatusCode::OK, "{ev}");
        }
        let session = sign_in(&app, "agent").await;
        let page = request(&app, &session, "GET", "/console/calls/st-2", &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let heading = page
            .body
            .split("class=\"meta\">")
            .nth(1)
            .and_then(|m| m.split("</p>").next())
            .expect("the call's line under its heading");
        assert!(heading.contains("Đã nghe máy"), "{heading}");
        let recent = page
            .body
            .split(">Các cuộc gọi gần đây<")
            .nth(1)
            .and_then(|r| r.split("</ul>").next())
            .expect("the recent calls");
        assert!(recent.contains("Đã kết thúc"), "{recent}");
        for english in ["ringing", "answered", "ended"] {
            assert!(
                !heading.contains(english) && !recent.contains(english),
                "{english}: {heading} / {recent}"
            );
        }
    }
);
