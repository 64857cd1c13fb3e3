//! An anonymous tip in headless Chromium (issue 18): the reporter sends it with a file and gets
//! the receipt; an investigator (key unlocked, through the service) asks a question; later, in
//! a new browser with no cookie, the reporter types the receipt, reads the question and answers
//! with a file; the investigator reads the answer.
use hqdesk_services::cases::{AddMessage, Direction};
use hqdesk_services::Actor;

use crate::anonymous_tips::is_grouped_receipt;
use crate::browser::{serve, Browser};
use crate::support::{Engine, TestApp};

const SUBJECT: &str = "Tố giác buôn lậu thuốc lá qua cửa khẩu";
const BODY: &str = "Xe tải chở thuốc lá lậu đi qua lối mở lúc 2 giờ sáng thứ Ba.";
const QUESTION: &str = "Cảm ơn Quý vị. Xin cho biết biển số xe nếu có.";
const ANSWER: &str = "Biển số 24C-123.45, xe màu xanh.";

fn file(name: &str, bytes: &[u8]) -> String {
    let path = crate::browser::test_output_dir().join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_reporter_comes_back_in_a_new_browser_and_answers_the_question() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let investigator = crate::sealed_cases::investigator_actor(&app).await;
    app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let base = serve(app.router.clone()).await;
    let photo = file("xe-tai.png", b"\x89PNG\r\n\x1a\n xe tai");
    let plate = file("bien-so.png", b"\x89PNG\r\n\x1a\n bien so");

    // Sending: the anonymous way hides the identity fields.
    let Some(b) = Browser::start().await else {
        return;
    };
    b.goto(&format!("{base}/request?topic=denunciation")).await;
    b.wait_for("form#request-form", 10).await;
    assert!(b.wait_for("#name", 5).await.is_displayed().await.unwrap());
    b.click("#track-anonymous").await;
    assert!(
        !b.wait_for("#name", 5).await.is_displayed().await.unwrap(),
        "no name asked"
    );
    b.fill("#subject", SUBJECT).await;
    b.fill("#description", BODY).await;
    b.fill("#files", &photo).await;
    b.audit("portal-tip-form").await;
    b.click("#request-submit").await;
    b.wait_for("#tip-receipt", 15).await;
    let receipt = b.text("#tip-receipt").await;
    assert!(is_grouped_receipt(&receipt), "{receipt}");
    assert_eq!(
        b.current_path().await,
        "/request",
        "the receipt is in no address"
    );
    assert!(b
        .wait_for("#print-receipt", 5)
        .await
        .is_displayed()
        .await
        .unwrap());
    b.audit("portal-tip-filed").await;
    let cookies = b.client.get_all_cookies().await.unwrap();
    assert!(
        cookies
            .iter()
            .all(|c| !c.value().contains(&receipt.replace(' ', ""))),
        "{cookies:?}"
    );
    b.close().await;

    // The investigator asks a question.
    let number: String = {
        let mut conn = app.services.store().read().await.unwrap();
        sqlx::query_scalar("SELECT number FROM cases")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    let view = app.services.get_case(&investigator, &number).await.unwrap();
    assert_eq!(view.case.subject, SUBJECT);
    app.services
        .add_message(
            &investigator,
            &number,
            AddMessage {
                body: QUESTION.into(),
                internal: false,
                direction: Direction::Outbound,
                attachments: vec![],
            },
            None,
        )
        .await
        .unwrap();

    // Later, another browser: no cookie, the receipt typed without spaces.
    let Some(b) = Browser::start().await else {
        return;
    };
    b.goto(&format!("{base}/")).await;
    b.click("#branch1-receipt").await;
    b.wait_for("form#receipt-form", 10).await;
    b.audit("portal-receipt-form").await;
    b.fill("#receipt", &receipt.replace(' ', "")).await;
    b.click("#receipt-submit").await;
    b.wait_for_text("#conversation", QUESTION, 15).await;
    b.wait_for_text("#conversation", BODY, 5).await;
    b.wait_for_text("button.file-link", "xe-tai.png", 5).await;
    // The file is a button in a form (the access never goes in an address), shown as a link.
    let color = b
        .client
        .execute(
            "return getComputedStyle(document.querySelector('button.file-link')).color;",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        color.as_str(),
        Some("rgb(255, 255, 255)"),
        "the file's name is visible"
    );
    b.audit("portal-tip-page").await;
    b.fill("#body", ANSWER).await;
    b.fill("#files", &plate).await;
    b.click("#reply-submit").await;
    b.wait_for("#tip-notice", 15).await;
    b.wait_for_text("#conversation", ANSWER, 5).await;
    b.wait_for_text("#conversation", "bien-so.png", 5).await;
    b.screenshot("portal-tip-answered-vi").await;
    b.close().await;

    // The investigator reads the answer and its file.
    let entries = app
        .services
        .list_timeline(&investigator, &number, false, None, None)
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.body == ANSWER), "{entries:?}");
    let files = app
        .services
        .case_attachments(&investigator, &number)
        .await
        .unwrap();
    let names: Vec<&str> = files.iter().map(|a| a.filename.as_str()).collect();
    assert!(
        names.contains(&"bien-so.png") && names.contains(&"xe-tai.png"),
        "{names:?}"
    );
}
