//! Redacted forwarding (issue 18; design note 006 §11): an investigator signed in to the console
//! sends a verifying unit a copy of a sealed report without the reporter's contact details, the
//! passages they mark, or the metadata of its photo; nobody else can, the copy waits sealed in the
//! outbox, the case keeps a sealed note and the audit log no text. Through the real mail servers
//! the unit receives exactly that copy. Both engines.
use axum::http::StatusCode;
use hqdesk_services::cases::{AddMessage, Direction, FileContent, NewAttachment};
use hqdesk_services::sealing::ForwardRedacted;
use hqdesk_services::{Actor, ServiceError};
use serde_json::json;

use crate::both_engines;
use crate::email::{add_mailbox, drain_jobs, eventually, header, mail_env, unique};
use crate::sealed_cases::{investigator_actor, scalar_i64};
use crate::support::TestApp;

const PHONE: &str = "0912 345 678";
const REPORTER_MAIL: &str = "nguoi.bao.tin@thu.test";
const PASSAGE: &str = "Tôi là em họ của chủ kho nên biết rõ";
const EVIDENCE: &str = "Xe bồn 72C-555.88 đổ xăng lậu vào kho lúc 2 giờ sáng";
const GPS: &str = "GPS N10.6321E107.4197";

fn body() -> String {
    format!("{EVIDENCE}. {PASSAGE}. Liên hệ tôi: {PHONE} hoặc {REPORTER_MAIL}.")
}

fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((contents.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(contents);
    s
}

/// A photo as a phone takes it: its EXIF says where.
fn phone_photo() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(segment(0xE1, format!("Exif\0\0{GPS}").as_bytes()));
    j.extend(segment(0xDB, &[0u8; 65]));
    j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
    j
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// An investigator signed in to the console (their key unlocked), and a sealed report with a
/// photo and a video: (investigator, number, photo id, video id).
async fn sealed_report(app: &TestApp) -> (Actor, String, i64, i64) {
    let investigator = investigator_actor(app).await;
    app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let (s, den) = app
        .post(
            "hotline",
            "/api/v1/cases",
            json!({"kind":"denunciation","channel":"phone","subject":"Kho xăng lậu ở Xuyên Mộc",
                   "body": body(), "category":"b1.denunciation.smuggling",
                   "requester":{"name":"Người báo tin","phone":"0987654321"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{den}");
    let number = den["number"].as_str().unwrap().to_string();
    app.services
        .add_message(
            &investigator,
            &number,
            AddMessage {
                body: "Ảnh và đoạn phim người báo tin gửi thêm".into(),
                internal: false,
                direction: Direction::Inbound,
                attachments: vec![
                    NewAttachment {
                        filename: "hien-truong.jpg".into(),
                        content_type: "image/jpeg".into(),
                        content: FileContent::Bytes(phone_photo()),
                    },
                    NewAttachment {
                        filename: "clip.mp4".into(),
                        content_type: "video/mp4".into(),
                        content: FileContent::Bytes(b"\0\0\0\x18ftypmp42 GPS".to_vec()),
                    },
                ],
            },
            None,
        )
        .await
        .unwrap();
    let files = app
        .services
        .case_attachments(&investigator, &number)
        .await
        .unwrap();
    let id = |name: &str| files.iter().find(|a| a.filename == name).unwrap().id;
    let (photo, video) = (id("hien-truong.jpg"), id("clip.mp4"));
    (investigator, number, photo, video)
}

fn code_of(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) => v.0[0].code.to_string(),
        ServiceError::Conflict { code, .. } => code.to_string(),
        other => format!("{other:?}"),
    }
}

both_engines!(
    an_investigator_forwards_a_redacted_copy_and_nobody_else_can,
    |app| async move {
        let (investigator, number, photo, video) = sealed_report(&app).await;

        // The draft: the report's words, its contact details marked, its files judged.
        let draft = app
            .services
            .forward_draft(&investigator, &number)
            .await
            .unwrap();
        assert!(draft.text.contains(EVIDENCE), "{}", draft.text);
        assert!(
            draft.text.contains(&format!("[[{PHONE}]]")),
            "{}",
            draft.text
        );
        assert!(draft.text.contains(&format!("[[{REPORTER_MAIL}]]")));
        assert_eq!(draft.marked, 2);
        let file = |id: i64| draft.files.iter().find(|f| f.id == id).unwrap();
        assert_eq!(file(photo).removes, Some(vec!["EXIF/XMP"]));
        assert_eq!(file(video).removes, None);
        assert_eq!(file(video).refusal, Some("unsupported"));

        // Nobody but an investigator with the key: an agent is told nothing of the case, an
        // investigator's API token holds no key.
        let send = |to: &str, text: &str, files: Vec<i64>| ForwardRedacted {
            to: to.into(),
            text: text.into(),
            files,
        };
        let path = format!("/api/v1/cases/{number}/forward");
        let (s, j) = app
            .post("agent", &path, json!({"to":"a@b.test","text":"x"}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{j}");
        let (s, j) = app
            .post("investigator", &path, json!({"to":"a@b.test","text":"x"}))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{j}");
        assert_eq!(j["code"], "sealed_key_required", "{j}");

        // Bad input: a clear refusal naming what is wrong.
        let unit = "xacminh@cuc-dtcbl.test";
        for (cmd, want) in [
            (send("not an address", &draft.text, vec![]), "email_invalid"),
            (send(unit, "Xem [[đoạn này", vec![]), "marks_unbalanced"),
            (send(unit, "  \n ", vec![]), "body_empty"),
            (send(unit, "Xem ảnh", vec![video]), "file_not_cleanable"),
            (
                send(unit, "Xem ảnh", vec![photo, 999_999]),
                "file_not_in_report",
            ),
        ] {
            let e = app
                .services
                .forward_redacted(&investigator, &number, cmd)
                .await
                .unwrap_err();
            assert_eq!(code_of(&e), want, "{e:?}");
        }

        // Sent: the passage marked too.
        let text = draft.text.replace(PASSAGE, &format!("[[{PASSAGE}]]"));
        let done = app
            .services
            .forward_redacted(&investigator, &number, send(unit, &text, vec![photo]))
            .await
            .unwrap();
        assert_eq!(done.removed_parts, 3);
        assert_eq!(done.files, vec!["hien-truong.jpg".to_string()]);

        // At rest nothing of it is readable: the queued mail is sealed, the note too, the audit
        // entry holds counts only.
        let jobs_in_clear = scalar_i64(
            &app,
            "SELECT COUNT(*) FROM jobs WHERE payload LIKE '%72C-555%' OR payload LIKE '%cuc-dtcbl%'",
        )
        .await;
        assert_eq!(jobs_in_clear, 0, "the forwarded mail waits sealed");
        let queued = scalar_i64(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.notify'").await;
        assert!(queued >= 1, "the forward is queued");
        let notes_in_clear = scalar_i64(
            &app,
            "SELECT COUNT(*) FROM timeline_entries WHERE body LIKE '%cuc-dtcbl%' OR body LIKE '%72C-555%'",
        )
        .await;
        assert_eq!(notes_in_clear, 0);
        let audit = scalar_i64(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'case.forward' AND detail NOT LIKE '%cuc-dtcbl%' AND detail NOT LIKE '%72C%'",
        )
        .await;
        assert_eq!(audit, 1, "audited, without the address or the text");

        // The investigator reads on the case what was sent, to whom.
        let timeline = app
            .services
            .list_timeline(&investigator, &number, true, None, Some(100))
            .await
            .unwrap();
        let note = timeline
            .iter()
            .find(|e| e.id == done.entry_id)
            .expect("the note of the forward");
        assert!(note.body.contains(unit), "{}", note.body);
        assert!(note.body.contains("[đã che]") && !note.body.contains(PHONE));
    }
);

both_engines!(
    a_redacted_copy_reaches_the_unit_through_real_mail_servers,
    |app| async move {
        let Some(env) = mail_env() else { return };
        let support = unique("support", "hqdesk.test");
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        let (investigator, number, photo, _) = sealed_report(&app).await;
        let unit = unique("xacminh", "hqdesk.test");
        let draft = app
            .services
            .forward_draft(&investigator, &number)
            .await
            .unwrap();
        let text = draft.text.replace(PASSAGE, &format!("[[{PASSAGE}]]"));
        app.services
            .forward_redacted(
                &investigator,
                &number,
                ForwardRedacted {
                    to: unit.clone(),
                    text,
                    files: vec![photo],
                },
            )
            .await
            .unwrap();
        drain_jobs(&app).await;
        eventually(30, "the copy in the unit's mailbox", || {
            let env = env.clone();
            let unit = unit.clone();
            async move {
                env.inbox(&unit)
                    .await
                    .iter()
                    .any(|m| m.contains("hien-truong.jpg"))
            }
        })
        .await;
        let mails = env.inbox(&unit).await;
        let raw = mails
            .iter()
            .find(|m| m.contains("hien-truong.jpg"))
            .unwrap();
        assert_eq!(header(raw, "Auto-Submitted"), None, "written by a person");
        let mail = hqdesk_mail::parse(raw.as_bytes()).unwrap();
        assert!(mail.subject.contains(&number), "{}", mail.subject);
        assert!(mail.text.contains(EVIDENCE), "{}", mail.text);
        for gone in [PHONE, REPORTER_MAIL, PASSAGE] {
            assert!(!mail.text.contains(gone), "{gone} left in {}", mail.text);
        }
        assert!(mail.text.contains("[đã che]"));
        let photo = mail
            .parts
            .iter()
            .find(|p| p.filename == "hien-truong.jpg")
            .unwrap();
        assert!(photo.bytes.starts_with(&[0xFF, 0xD8]), "still a JPEG");
        assert!(!contains(&photo.bytes, GPS), "the position is gone");
        assert!(
            photo.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]),
            "the picture stays"
        );
    }
);
