//! Answering a sealed report's reporter by e-mail (issue 18; design note 006 §12): a
//! denunciation that came to the support mailbox is sealed by the agent who saw it; the
//! investigator's reply (with a file) reaches the reporter through the real mail servers, under
//! a subject that says nothing of the report, threaded to their mail; while it waits its text,
//! file and address are nowhere in clear; the reporter's answer threads back into the sealed
//! case, which no agent can list. Both engines.
use hqdesk_services::cases::{AddMessage, Direction, FileContent, NewAttachment};
use hqdesk_services::Actor;
use serde_json::json;

use crate::both_engines;
use crate::email::{
    add_mailbox, cases, eventually, header, mail_env, requester_mail, start_workers, unique,
};
use crate::sealed_cases::{investigator_actor, scalar_i64};

const REPORT: &str = "Kho hàng lậu ở bến Bình Đông, xe vào ban đêm";
const QUESTION: &str = "Cảm ơn anh. Xin cho biết thêm giờ xe vào kho.";
const ANSWER: &str = "Xe vào lúc 2 giờ sáng thứ Ba";

both_engines!(
    an_investigator_answers_a_sealed_reporter_by_mail_and_the_answer_threads_back,
    |app| async move {
        let Some(env) = mail_env() else { return };
        let support = unique("support", "hqdesk.test");
        let reporter = unique("nguoibaotin", "khach.test");
        add_mailbox(&app, &env, &support, &env.imap, &env.smtp).await;
        let investigator = investigator_actor(&app).await;
        app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        let _workers = start_workers(&app, true);

        // A denunciation written to the support mailbox, sealed by the agent who sees it.
        let first = unique("first", "khach.test");
        env.send(
            &reporter,
            &support,
            &requester_mail(&reporter, &support, "Phan anh", &first, "", REPORT),
        )
        .await;
        eventually(30, "a case from the mail", || async {
            !cases(&app).await.is_empty()
        })
        .await;
        let number = cases(&app).await[0]["number"].as_str().unwrap().to_string();
        let (s, sealed) = app
            .post("agent", &format!("/api/v1/cases/{number}/seal"), json!({}))
            .await;
        assert_eq!(s, 200, "{sealed}");
        assert_eq!(sealed["encrypted"], true);

        // The investigator answers, with a file.
        app.services
            .add_message(
                &investigator,
                &number,
                AddMessage {
                    body: QUESTION.into(),
                    internal: false,
                    direction: Direction::Outbound,
                    attachments: vec![NewAttachment {
                        filename: "mau-khai.txt".into(),
                        content_type: "text/plain".into(),
                        content: FileContent::Bytes("gio xe vao kho".as_bytes().to_vec()),
                    }],
                },
                None,
            )
            .await
            .unwrap();
        let in_clear = scalar_i64(
            &app,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE payload LIKE '%{}%' OR payload LIKE '%giờ xe%' OR payload LIKE '%gio xe%'",
                reporter.split('@').next().unwrap()
            ),
        )
        .await;
        assert_eq!(
            in_clear, 0,
            "the waiting reply shows no text, file or address"
        );

        // It reaches the reporter, threaded, under a subject that does not say what they
        // reported, with its file.
        eventually(30, "the reply in the reporter's mailbox", || {
            let (env, reporter) = (env.clone(), reporter.clone());
            async move {
                env.inbox(&reporter)
                    .await
                    .iter()
                    .any(|m| m.contains("mau-khai.txt"))
            }
        })
        .await;
        let mails = env.inbox(&reporter).await;
        let raw = mails.iter().find(|m| m.contains("mau-khai.txt")).unwrap();
        assert_eq!(
            header(raw, "In-Reply-To").as_deref(),
            Some(format!("<{first}>").as_str())
        );
        let mail = hqdesk_mail::parse(raw.as_bytes()).unwrap();
        assert!(mail.subject.contains(&number), "{}", mail.subject);
        assert!(!mail.subject.contains("Phan anh"), "{}", mail.subject);
        assert!(mail.text.contains(QUESTION), "{}", mail.text);
        let file = mail
            .parts
            .iter()
            .find(|p| p.filename == "mau-khai.txt")
            .unwrap();
        assert_eq!(file.bytes, b"gio xe vao kho");
        let reply_id = header(raw, "Message-ID").unwrap();

        // The reporter answers: into the sealed case, which no agent lists.
        let answer = unique("answer", "khach.test");
        env.send(
            &reporter,
            &support,
            &requester_mail(
                &reporter,
                &support,
                "Re: tra loi",
                &answer,
                &format!("In-Reply-To: {reply_id}\r\nReferences: <{first}> {reply_id}\r\n"),
                ANSWER,
            ),
        )
        .await;
        eventually(30, "the answer on the sealed case", || {
            let (app, investigator, number) = (&app, &investigator, number.clone());
            async move {
                app.services
                    .list_timeline(investigator, &number, true, None, Some(100))
                    .await
                    .unwrap()
                    .iter()
                    .any(|e| e.body.contains(ANSWER))
            }
        })
        .await;
        assert!(
            cases(&app)
                .await
                .iter()
                .all(|c| c["number"] != number.as_str()),
            "no agent lists the sealed case"
        );
    }
);
