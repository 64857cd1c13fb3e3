//! Email intake through `Services::ingest_raw_mail`, on both engines: threading, duplicates,
//! acknowledgements, bounces and unreadable mail.
use hqdesk_domain::Timestamp;
use hqdesk_services::mail::{Classification, IngestOutcome, MailSource};
use hqdesk_store::mail::{self as mailstore, Direction};

use crate::both_engines;
use crate::console_session::{request, sign_in};
use crate::support::TestApp;

/// A mailbox row as the transport side would create it (defaults: branch 2, no category).
pub async fn add_mailbox(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.services.store().begin().await.unwrap();
    let id: i64 = sqlx::query_scalar("INSERT INTO mailboxes (name, address, imap_url, smtp_url, insecure_plain, default_branch, enabled, last_uid, created_at, updated_at) VALUES ($1, $2, 'imap://u:p@127.0.0.1:1/INBOX', 'smtp://127.0.0.1:1', 1, 2, 1, 0, 0, 0) RETURNING id")
        .bind(name)
        .bind(format!("{name}@hqdesk.test"))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    conn.commit().await.unwrap();
    id
}

/// A plain-text mail.
pub fn mail(from: &str, subject: &str, message_id: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "Received: from mx.khach.test by hqdesk.test\r\nFrom: {from}\r\nTo: support@hqdesk.test\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Mon, 23 Nov 2026 16:20:00 +0700\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n{extra}\r\n{body}\r\n"
    )
    .into_bytes()
}

fn src(uid: i64) -> MailSource {
    MailSource {
        uidvalidity: Some(7),
        uid: Some(uid),
    }
}

async fn ingest(app: &TestApp, mb: i64, uid: i64, raw: &[u8]) -> IngestOutcome {
    app.services
        .ingest_raw_mail(mb, src(uid), raw)
        .await
        .unwrap()
}

async fn acks(app: &TestApp) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'mail.notify'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn inbound_entries(app: &TestApp, case_id: i64) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM timeline_entries WHERE case_id = $1 AND kind = 'inbound'",
    )
    .bind(case_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
}

both_engines!(mail_new_case_is_opened_and_acknowledged, |app| async move {
    let mb = add_mailbox(&app, "support").await;
    let raw = mail(
        "=?UTF-8?B?Tmd1eeG7hW4gVsSDbiBBbg==?= <an.new@khach.test>",
        "=?UTF-8?Q?H=E1=BB=8Fi_v=E1=BB=81_VNACCS?=",
        "m1@khach.test",
        "",
        "Tôi không khai báo được tờ khai trên VNACCS.",
    );
    let out = ingest(&app, mb, 1, &raw).await;
    assert!(
        out.created_case && !out.duplicate && out.acknowledged,
        "{out:?}"
    );
    assert_eq!(out.classification, Some(Classification::Normal));
    let number = out.case_number.clone().unwrap();
    let view = app
        .services
        .get_case(&hqdesk_services::Actor::System("test"), &number)
        .await
        .unwrap();
    assert_eq!(view.case.channel.as_str(), "email");
    assert_eq!(view.case.subject, "Hỏi về VNACCS");
    assert_eq!(view.case.branch.number(), 2);
    assert_eq!(
        view.case.message_count, 1,
        "the mail is the case's first message"
    );
    let r = view.requester.unwrap();
    assert_eq!(r.email.as_deref(), Some("an.new@khach.test"));
    assert_eq!(r.name, "Nguyễn Văn An");
    let entry = {
        let mut conn = app.services.store().read().await.unwrap();
        hqdesk_store::timeline::get(&mut conn, out.entry_id.unwrap())
            .await
            .unwrap()
    };
    assert!(entry.body.contains("VNACCS"), "{}", entry.body);
    assert!(entry.meta.unwrap().contains("m1@khach.test"));
    // The acknowledgement names the case and answers the mail.
    let mut conn = app.services.store().read().await.unwrap();
    let payload: String = sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'mail.notify'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(p["to"], "an.new@khach.test");
    assert_eq!(p["in_reply_to"], "m1@khach.test");
    assert_eq!(p["mailbox_id"], mb);
    assert!(p["subject"].as_str().unwrap().contains(&number));
    assert!(p["text"].as_str().unwrap().contains("Dear customer"));
    assert!(p["text"].as_str().unwrap().contains("Kính gửi"));
    // The same mail, a second reader: a known address finds the same requester.
    let again = ingest(
        &app,
        mb,
        2,
        &mail(
            "an.new@khach.test",
            "Câu hỏi khác",
            "m2@khach.test",
            "",
            "x",
        ),
    )
    .await;
    assert!(again.created_case);
    let v2 = app
        .services
        .get_case(
            &hqdesk_services::Actor::System("test"),
            again.case_number.as_deref().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(v2.case.requester_id, view.case.requester_id);
});

both_engines!(
    mail_reply_threads_by_in_reply_to_with_a_changed_subject,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let first = ingest(
            &app,
            mb,
            1,
            &mail("a@khach.test", "Hồ sơ C/O", "t1@khach.test", "", "một"),
        )
        .await;
        let reply = ingest(
            &app,
            mb,
            2,
            &mail(
                "a@khach.test",
                "Bổ sung chứng từ (tiêu đề mới)",
                "t2@khach.test",
                "In-Reply-To: <t1@khach.test>\r\n",
                "hai",
            ),
        )
        .await;
        assert!(!reply.created_case, "{reply:?}");
        assert_eq!(reply.case_id, first.case_id);
        assert!(!reply.acknowledged);
        assert_eq!(inbound_entries(&app, first.case_id.unwrap()).await, 2);
        assert_eq!(acks(&app).await, 1);
        // An answer to one of our outbound mails threads through the index too.
        let mut tx = app.services.store().begin().await.unwrap();
        mailstore::record_message_id(
            &mut tx,
            "out-1@hqdesk.test",
            first.case_id.unwrap(),
            None,
            Direction::Out,
            Timestamp(0),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let ans = ingest(
            &app,
            mb,
            3,
            &mail(
                "a@khach.test",
                "Re: [HQ] trả lời",
                "t3@khach.test",
                "In-Reply-To: <out-1@hqdesk.test>\r\n",
                "ba",
            ),
        )
        .await;
        assert_eq!(ans.case_id, first.case_id);
    }
);

both_engines!(mail_reply_threads_by_references_only, |app| async move {
    let mb = add_mailbox(&app, "support").await;
    let first = ingest(
        &app,
        mb,
        1,
        &mail("b@khach.test", "Thuế nhập khẩu", "r1@khach.test", "", "x"),
    )
    .await;
    let reply = ingest(
        &app,
        mb,
        2,
        &mail(
            "b@khach.test",
            "Re: Thuế nhập khẩu",
            "r3@khach.test",
            "References: <unknown@x.test>\r\n <r1@khach.test> <r2@elsewhere.test>\r\n",
            "y",
        ),
    )
    .await;
    assert_eq!(reply.case_id, first.case_id);
    assert!(!reply.created_case);
    let view = app
        .services
        .get_case(
            &hqdesk_services::Actor::System("test"),
            first.case_number.as_deref().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(view.case.message_count, 2, "the mail and its reply");
});

both_engines!(
    mail_reply_threads_by_case_number_only_from_the_requester,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let first = ingest(
            &app,
            mb,
            1,
            &mail("c@khach.test", "Kiểm tra hàng", "n1@khach.test", "", "x"),
        )
        .await;
        let number = first.case_number.clone().unwrap();
        // Same sender, no threading headers, the number in the subject.
        let same = ingest(
            &app,
            mb,
            2,
            &mail(
                "C@Khach.test",
                &format!("Re: [{number}] Kiểm tra hàng"),
                "n2@khach.test",
                "",
                "y",
            ),
        )
        .await;
        assert_eq!(same.case_id, first.case_id);
        assert!(!same.created_case);
        // Someone else quoting the number: a new case and a merge suggestion, no silent guess.
        let other = ingest(
            &app,
            mb,
            3,
            &mail(
                "stranger@khach.test",
                &format!("Về hồ sơ {number}"),
                "n3@khach.test",
                "",
                "z",
            ),
        )
        .await;
        assert!(other.created_case);
        assert_ne!(other.case_id, first.case_id);
        let s = app
            .services
            .merge_suggestions(
                &hqdesk_services::Actor::System("test"),
                other.case_number.as_deref().unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].target_number, number);
        assert_eq!(s[0].reason, "case_number_other_sender");
        // A number with a wrong check digit is no match at all.
        let mut bad = number.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        let typo = ingest(
            &app,
            mb,
            4,
            &mail(
                "c@khach.test",
                &format!("Re: {bad}"),
                "n4@khach.test",
                "",
                "w",
            ),
        )
        .await;
        assert!(typo.created_case);
    }
);

both_engines!(
    mail_reply_all_from_a_cc_address_threads_by_headers,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let first = ingest(
            &app,
            mb,
            1,
            &mail(
                "boss@khach.test",
                "Lô hàng 123",
                "cc1@khach.test",
                "Cc: clerk@khach.test\r\n",
                "x",
            ),
        )
        .await;
        let reply = ingest(
        &app,
        mb,
        2,
        &mail("clerk@khach.test", "RE: Lô hàng 123", "cc2@khach.test", "Cc: boss@khach.test\r\nIn-Reply-To: <cc1@khach.test>\r\nReferences: <cc1@khach.test>\r\n", "y"),
    )
    .await;
        assert_eq!(reply.case_id, first.case_id);
        assert!(!reply.created_case);
        assert_eq!(acks(&app).await, 1);
    }
);

both_engines!(
    mail_outlook_thread_index_threads_when_references_are_stripped,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let first = ingest(
            &app,
            mb,
            1,
            &mail(
                "d@khach.test",
                "Hoàn thuế",
                "ti1@khach.test",
                "Thread-Index: AdnL3m1w9hU4pXqXQ0OQ1w2m2Q3n5Q==\r\n",
                "x",
            ),
        )
        .await;
        // Outlook appends 5 bytes per reply to the same 22-byte conversation header.
        let reply = ingest(
            &app,
            mb,
            2,
            &mail(
                "d@khach.test",
                "Hoàn thuế - bổ sung",
                "ti2@khach.test",
                "Thread-Index: AdnL3m1w9hU4pXqXQ0OQ1w2m2Q3n5QAAAEFCRA==\r\n",
                "y",
            ),
        )
        .await;
        assert_eq!(reply.case_id, first.case_id, "{reply:?}");
        // From someone else, Thread-Index alone is only a suggestion.
        let other = ingest(
            &app,
            mb,
            3,
            &mail(
                "e@khach.test",
                "Hoàn thuế",
                "ti3@khach.test",
                "Thread-Index: AdnL3m1w9hU4pXqXQ0OQ1w2m2Q3n5QAAAEFCRB==\r\n",
                "z",
            ),
        )
        .await;
        assert!(other.created_case);
        let s = app
            .services
            .merge_suggestions(
                &hqdesk_services::Actor::System("test"),
                other.case_number.as_deref().unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(s[0].reason, "thread_index_other_sender");
    }
);

both_engines!(
    mail_duplicate_delivery_creates_nothing_twice,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let raw = mail("f@khach.test", "Một lần thôi", "dup1@khach.test", "", "x");
        let first = ingest(&app, mb, 1, &raw).await;
        // The same UID again (a fetch retried after a cut connection).
        let again = ingest(&app, mb, 1, &raw).await;
        assert!(again.duplicate);
        assert_eq!(again.raw_id, first.raw_id);
        assert_eq!(again.case_id, first.case_id);
        assert_eq!(again.entry_id, first.entry_id);
        // The same mail under another UID, with other trace headers (moved, or copied to a
        // second mailbox).
        let mut moved =
            b"Received: from another.hop by hqdesk.test\r\nDelivered-To: other@hqdesk.test\r\n"
                .to_vec();
        moved.extend_from_slice(&raw);
        let mb2 = add_mailbox(&app, "second").await;
        let twin = ingest(&app, mb2, 99, &moved).await;
        assert!(twin.duplicate, "{twin:?}");
        assert_eq!(twin.case_id, first.case_id);
        assert_ne!(twin.raw_id, first.raw_id);
        assert_eq!(app.count_rows("cases").await, 1);
        assert_eq!(inbound_entries(&app, first.case_id.unwrap()).await, 1);
        assert_eq!(acks(&app).await, 1);
        // Same Message-ID but a different body is a different mail (kept, threaded as a reply).
        let edited = mail(
            "f@khach.test",
            "Một lần thôi",
            "dup1@khach.test",
            "",
            "khác",
        );
        let other = ingest(&app, mb, 2, &edited).await;
        assert!(!other.duplicate);
        // uid 1 (twice), uid 99 in the second mailbox, uid 2.
        assert_eq!(app.count_rows("mail_inbound").await, 3);
    }
);

both_engines!(
    mail_automatic_mail_is_never_acknowledged,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        for (i, extra) in [
            "Auto-Submitted: auto-replied\r\n",
            "Precedence: bulk\r\nList-Id: <tin-tuc.khach.test>\r\n",
            "X-Loop: hqdesk\r\n",
            "X-Autoreply: yes\r\n",
        ]
        .iter()
        .enumerate()
        {
            let out = ingest(
                &app,
                mb,
                i as i64 + 1,
                &mail(
                    &format!("auto{i}@khach.test"),
                    "Out of office",
                    &format!("auto{i}@khach.test"),
                    extra,
                    "Tôi vắng mặt",
                ),
            )
            .await;
            assert!(out.created_case, "{extra}");
            assert!(!out.acknowledged, "{extra}");
            assert_ne!(out.classification, Some(Classification::Normal), "{extra}");
        }
        assert_eq!(acks(&app).await, 0);
    }
);

both_engines!(
    mail_acknowledgements_are_rate_limited_per_sender,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let mut acked = 0;
        for i in 0..5 {
            let out = ingest(
                &app,
                mb,
                i + 1,
                &mail(
                    "flood@khach.test",
                    &format!("Câu hỏi {i}"),
                    &format!("fl{i}@khach.test"),
                    "",
                    "x",
                ),
            )
            .await;
            assert!(out.created_case);
            acked += i64::from(out.acknowledged);
        }
        assert_eq!(acked, 3);
        assert_eq!(acks(&app).await, 3);
        // Another sender is not affected; an hour later the sender is acknowledged again.
        assert!(
            ingest(
                &app,
                mb,
                10,
                &mail("calm@khach.test", "Hỏi", "calm@khach.test", "", "x")
            )
            .await
            .acknowledged
        );
        app.clock.advance_seconds(3600);
        assert!(
            ingest(
                &app,
                mb,
                11,
                &mail("flood@khach.test", "Lại hỏi", "fl9@khach.test", "", "x")
            )
            .await
            .acknowledged
        );
    }
);

both_engines!(
    mail_bounce_attaches_to_the_case_of_the_original,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let first = ingest(
            &app,
            mb,
            1,
            &mail("g@khach.test", "Hỏi", "b1@khach.test", "", "x"),
        )
        .await;
        let case_id = first.case_id.unwrap();
        // Our reply on that case, as the sender records it.
        let mut tx = app.services.store().begin().await.unwrap();
        let entry_id = hqdesk_store::timeline::insert(
            &mut tx,
            &hqdesk_store::timeline::NewEntry {
                case_id,
                kind: hqdesk_domain::case::timeline::EntryKind::Outbound,
                channel: Some(hqdesk_domain::channel::Channel::Email),
                author_user_id: None,
                body: "Trả lời",
                delivery_state: Some(hqdesk_domain::case::timeline::DeliveryState::Sent),
                meta: None,
            },
            Timestamp(0),
        )
        .await
        .unwrap();
        mailstore::record_message_id(
            &mut tx,
            "reply-1@hqdesk.test",
            case_id,
            Some(entry_id),
            Direction::Out,
            Timestamp(0),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let dsn = "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.khach.test (Mail Delivery System)\r\nTo: support@hqdesk.test\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.khach.test>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n--BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.khach.test\r\n\r\nFinal-Recipient: rfc822; g@khach.test\r\nAction: failed\r\nStatus: 5.1.1\r\n--BB\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@hqdesk.test\r\nTo: g@khach.test\r\nSubject: Re: Hỏi\r\nMessage-ID: <reply-1@hqdesk.test>\r\n\r\nTrả lời\r\n--BB--\r\n";
        let out = ingest(&app, mb, 2, dsn.as_bytes()).await;
        assert_eq!(out.classification, Some(Classification::Bounce));
        assert_eq!(out.case_id, Some(case_id));
        assert!(!out.created_case && !out.acknowledged);
        assert_eq!(app.count_rows("cases").await, 1);
        let mut conn = app.services.store().read().await.unwrap();
        let note = hqdesk_store::timeline::get(&mut conn, out.entry_id.unwrap())
            .await
            .unwrap();
        assert_eq!(note.kind.as_str(), "note");
        assert!(
            note.body.contains("5.1.1") && note.body.contains("g@khach.test"),
            "{}",
            note.body
        );
        let reply = hqdesk_store::timeline::get(&mut conn, entry_id)
            .await
            .unwrap();
        assert_eq!(reply.delivery_state.map(|d| d.as_str()), Some("failed"));
        assert_eq!(acks(&app).await, 1);
    }
);

both_engines!(
    mail_unreadable_mail_becomes_a_visible_work_item,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let raw = b"this is not a mail at all, no header, no sender\r\n\r\n\xff\xfe";
        let out = ingest(&app, mb, 1, raw).await;
        assert!(out.created_case);
        assert_eq!(out.classification, None);
        let number = out.case_number.clone().unwrap();
        // In the normal queue, for an agent.
        let (status, page) = app.get("agent", "/api/v1/cases?channel=email").await;
        assert_eq!(status, axum::http::StatusCode::OK, "{page}");
        assert!(page.to_string().contains(&number), "{page}");
        // With the raw mail attached, byte for byte.
        let atts = app
            .services
            .case_attachments(&hqdesk_services::Actor::System("test"), &number)
            .await
            .unwrap();
        assert_eq!(atts.len(), 1);
        assert_eq!(atts[0].content_type, "message/rfc822");
        let (_, bytes) = app
            .services
            .attachment(&hqdesk_services::Actor::System("test"), atts[0].id)
            .await
            .unwrap();
        assert_eq!(bytes, raw.to_vec());
        assert_eq!(acks(&app).await, 0);
        // Delivered again: still one work item.
        assert!(ingest(&app, mb, 1, raw).await.duplicate);
        assert_eq!(app.count_rows("cases").await, 1);
    }
);

both_engines!(
    mail_attachments_and_inline_images_are_stored,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let big = "A".repeat(15 * 1024 * 1024 / 3 * 4 / 76 * 76);
        let raw = format!("From: h@khach.test\r\nTo: support@hqdesk.test\r\nSubject: =?UTF-8?B?VOG7nSBraGFp?=\r\nMessage-ID: <att1@khach.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\nContent-Type: multipart/related; boundary=\"Y\"\r\n\r\n--Y\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Xem ảnh <img src=\"cid:logo@khach\"></p><script>alert(1)</script>\r\n--Y\r\nContent-Type: image/png\r\nContent-ID: <logo@khach>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--Y--\r\n--X\r\nContent-Type: application/pdf; name=\"=?UTF-8?Q?t=E1=BB=9D_khai.pdf?=\"\r\nContent-Disposition: attachment; filename*=UTF-8''t%E1%BB%9D%20khai.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--X\r\nContent-Type: application/zip; name=\"big.zip\"\r\nContent-Disposition: attachment; filename=\"big.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--X--\r\n", big.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n"));
        let out = ingest(&app, mb, 1, raw.as_bytes()).await;
        let number = out.case_number.clone().unwrap();
        let atts = app
            .services
            .case_attachments(&hqdesk_services::Actor::System("test"), &number)
            .await
            .unwrap();
        let names: Vec<&str> = atts.iter().map(|a| a.filename.as_str()).collect();
        assert!(names.contains(&"tờ khai.pdf"), "{names:?}");
        assert!(
            atts.iter().any(|a| a.content_type == "image/png"),
            "{names:?}"
        );
        assert!(!names.contains(&"big.zip"), "{names:?}");
        let tl = app
            .services
            .list_timeline(
                &hqdesk_services::Actor::System("test"),
                &number,
                true,
                None,
                None,
            )
            .await
            .unwrap();
        assert!(
            tl.iter().any(|e| e.body.contains("big.zip")),
            "the oversized file is named in a note"
        );
        let msg = tl.iter().find(|e| e.id == out.entry_id.unwrap()).unwrap();
        assert!(msg.body.contains("Xem ảnh"), "{}", msg.body);
        let meta: serde_json::Value = serde_json::from_str(msg.meta.as_deref().unwrap()).unwrap();
        let html = meta["email"]["html"].as_str().unwrap();
        assert!(
            html.contains("cid:logo@khach") && !html.contains("script"),
            "{html}"
        );
    }
);

both_engines!(
    mail_corpus_every_message_becomes_the_expected_case,
    |app| async move {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hqdesk-mail/tests/corpus");
        let text = std::fs::read_to_string(dir.join("expectations.toml")).unwrap();
        let table: toml::Value = toml::from_str(&text).unwrap();
        let messages = table["message"].as_array().unwrap();
        assert!(messages.len() >= 60);
        let mb = add_mailbox(&app, "corpus").await;
        let actor = hqdesk_services::Actor::System("test");
        let mut cases: std::collections::HashMap<String, i64> = Default::default();
        let mut failures = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let s = |k: &str| m.get(k).and_then(|v| v.as_str()).map(String::from);
            let file = s("file").unwrap();
            let class = s("classification").unwrap();
            let raw = std::fs::read(dir.join(&file)).unwrap();
            let out = app
                .services
                .ingest_raw_mail(mb, src(i64::try_from(i).unwrap() + 1), &raw)
                .await
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut bad = |what: String| failures.push(format!("{file}: {what}"));
            let Some(case_id) = out.case_id else {
                bad("no case".into());
                continue;
            };
            cases.insert(file.clone(), case_id);
            let got_class = out.classification.map_or("unparseable", |c| c.as_str());
            if got_class != class {
                bad(format!("classification {got_class}, expected {class}"));
            }
            let duplicate = m
                .get("duplicate")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if duplicate != out.duplicate {
                bad(format!("duplicate {}", out.duplicate));
            }
            if let Some(t) = s("threads_to") {
                if cases.get(&t) != Some(&case_id) {
                    bad(format!("not on the case of {t}"));
                }
            } else if file.starts_with("vi/") && !out.created_case {
                bad("threaded onto an earlier case".into());
            }
            let mut conn = app.services.store().read().await.unwrap();
            let case = hqdesk_store::cases::by_id(&mut conn, case_id)
                .await
                .unwrap();
            let entry = hqdesk_store::timeline::get(&mut conn, out.entry_id.unwrap())
                .await
                .unwrap();
            if class == "unparseable" {
                // A work item with the raw mail attached.
                let atts = hqdesk_store::attachments::for_case(&mut conn, case_id)
                    .await
                    .unwrap();
                let sha = hqdesk_mail_sha(&raw);
                if !atts
                    .iter()
                    .any(|a| a.entry_id == entry.id && a.sha256 == sha)
                {
                    bad("raw mail not attached".into());
                }
                continue;
            }
            if let Some(snippet) = s("snippet") {
                if !entry.body.contains(&snippet) {
                    bad(format!("snippet {snippet:?} not in {:?}", entry.body));
                }
            }
            if out.created_case {
                if let Some(subject) = s("subject") {
                    let want: String = subject.chars().take(200).collect();
                    if case.subject != want {
                        bad(format!("subject {:?}", case.subject));
                    }
                }
                if let Some(r) = s("requester") {
                    let want = hqdesk_domain::requester::Email::parse(&r)
                        .ok()
                        .map(|e| e.as_str().to_string());
                    let got = match case.requester_id {
                        Some(id) => {
                            hqdesk_store::requesters::get(&mut conn, id)
                                .await
                                .unwrap()
                                .email
                        }
                        None => None,
                    };
                    if got != want {
                        bad(format!("requester {got:?}, expected {want:?}"));
                    }
                }
                // Visible to an agent in the normal case views.
                if app
                    .services
                    .get_case(&actor, case.number.as_str())
                    .await
                    .is_err()
                {
                    bad("case not readable".into());
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Every raw mail was recorded, none left unprocessed.
        assert_eq!(
            app.count_rows("mail_inbound").await,
            i64::try_from(messages.len()).unwrap()
        );
        let mut conn = app.services.store().read().await.unwrap();
        assert!(mailstore::unprocessed(&mut conn, 10)
            .await
            .unwrap()
            .is_empty());
    }
);

fn hqdesk_mail_sha(raw: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(raw))
}

both_engines!(
    mail_merge_suggestion_is_shown_and_offered_on_the_case_page,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        let first = ingest(
            &app,
            mb,
            1,
            &mail(
                "owner@khach.test",
                "Kiểm tra hàng",
                "ms1@khach.test",
                "",
                "x",
            ),
        )
        .await;
        let number = first.case_number.clone().unwrap();
        let other = ingest(
            &app,
            mb,
            2,
            &mail(
                "colleague@khach.test",
                &format!("Về hồ sơ {number}"),
                "ms2@khach.test",
                "",
                "y",
            ),
        )
        .await;
        let other_number = other.case_number.clone().unwrap();
        let session = sign_in(&app, "agent").await;
        let page = request(
            &app,
            &session,
            "GET",
            &format!("/console/cases/{other_number}"),
            &[],
        )
        .await;
        assert_eq!(page.status, axum::http::StatusCode::OK);
        let html = page.body;
        let block = html
            .split("id=\"merge-suggestions\"")
            .nth(1)
            .expect("the suggestion block");
        assert!(block.contains(&number), "{block}");
        assert!(
            block.contains("Gộp vào") || block.contains("Merge into"),
            "{block}"
        );
        // The page of the case it points to has no suggestion of its own.
        let html1 = request(
            &app,
            &session,
            "GET",
            &format!("/console/cases/{number}"),
            &[],
        )
        .await
        .body;
        assert!(!html1.contains("id=\"merge-suggestions\""));
        // Accepting it is the ordinary merge.
        let merged = request(
            &app,
            &session,
            "POST",
            &format!("/console/cases/{other_number}/merge"),
            &[("into", &number)],
        )
        .await;
        assert_eq!(
            merged.status,
            axum::http::StatusCode::SEE_OTHER,
            "{}",
            merged.body
        );
        let after = request(
            &app,
            &session,
            "GET",
            &format!("/console/cases/{other_number}"),
            &[],
        )
        .await
        .body;
        assert!(
            after.contains("merged-into"),
            "the case now says where it went"
        );
    }
);

both_engines!(
    mail_that_cannot_be_filed_becomes_a_work_item_not_a_stuck_mailbox,
    |app| async move {
        let mb = add_mailbox(&app, "support").await;
        // Make filing this one message fail inside the transaction, as a bug or a constraint would.
        poison_timeline_inserts(&app).await;
        let raw = mail("p@khach.test", "Thư độc", "poison@khach.test", "", "XYZZY");
        let out = ingest(&app, mb, 1, &raw).await;
        assert!(out.created_case);
        assert_eq!(out.classification, None, "{out:?}");
        let number = out.case_number.clone().unwrap();
        let atts = app
            .services
            .case_attachments(&hqdesk_services::Actor::System("test"), &number)
            .await
            .unwrap();
        assert_eq!(atts.len(), 1);
        assert_eq!(atts[0].sha256, hqdesk_mail_sha(&raw));
        let mut conn = app.services.store().read().await.unwrap();
        let row = mailstore::inbound(&mut conn, out.raw_id).await.unwrap();
        assert_eq!(row.state, "failed");
        assert!(row.error.unwrap().contains("blocked by a trigger"));
        drop(conn);
        // The mailbox moves on: the next mail is filed normally, the same UID again is a duplicate.
        assert!(ingest(&app, mb, 1, &raw).await.duplicate);
        let next = ingest(
            &app,
            mb,
            2,
            &mail(
                "p@khach.test",
                "Thư thường",
                "ok@khach.test",
                "",
                "bình thường",
            ),
        )
        .await;
        assert_eq!(next.classification, Some(Classification::Normal));
    }
);

/// Make every timeline entry whose body holds `XYZZY` fail to insert, inside its transaction, as
/// a bug or a constraint would.
pub(crate) async fn poison_timeline_inserts(app: &TestApp) {
    let mut tx = app.services.store().begin().await.unwrap();
    match app.services.store().engine() {
        hqdesk_services::Engine::Sqlite => {
            sqlx::query("CREATE TRIGGER poison BEFORE INSERT ON timeline_entries WHEN NEW.body LIKE '%XYZZY%' BEGIN SELECT RAISE(ABORT, 'blocked by a trigger'); END")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        hqdesk_services::Engine::Postgres => {
            sqlx::query("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.body LIKE '%XYZZY%' THEN RAISE EXCEPTION 'blocked by a trigger'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("CREATE TRIGGER poison BEFORE INSERT ON timeline_entries FOR EACH ROW EXECUTE FUNCTION poison()")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
}
