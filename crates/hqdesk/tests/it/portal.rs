//! The public portal in a real browser: knowledge-base search without diacritics, an article,
//! "this solved it", the procedures catalogue, both languages.
use crate::browser::{serve, Browser};
use crate::support::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_finds_the_vnaccs_registration_article_without_diacritics() {
    let Some(app) = TestApp::new(Engine::Sqlite).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    let (articles, procedures) = hqdesk::kb::import(&app.services, None).await.unwrap();
    assert!(articles >= 20 && procedures >= 10);
    let base = serve(app.router.clone()).await;

    b.goto(&format!("{base}/")).await;
    b.wait_for("form#kb-search", 10).await;
    b.screenshot("portal-home-vi").await;
    b.fill("#kb-q", "dang ky tai khoan vnaccs").await;
    b.click("form#kb-search button[type=submit]").await;
    b.wait_for("#kb-results a[href=\"/kb/dang-ky-tai-khoan-vnaccs\"]", 10)
        .await;
    b.screenshot("portal-kb-search-vi").await;
    b.click("#kb-results a[href=\"/kb/dang-ky-tai-khoan-vnaccs\"]")
        .await;
    b.wait_for_text("#article-title", "Đăng ký tài khoản", 10)
        .await;
    b.screenshot("portal-article-vi").await;
    b.click("form#solved button").await;
    b.wait_for("#solved-thanks", 10).await;
    let a = app
        .services
        .article("dang-ky-tai-khoan-vnaccs", true)
        .await
        .unwrap();
    assert_eq!(a.solved, 1, "counted as answered without staff");

    b.goto(&format!("{base}/procedures?q=hoan+thue")).await;
    b.wait_for("#procedures li a", 10).await;
    b.screenshot("portal-procedures-vi").await;
    b.click("#procedures li a").await;
    b.wait_for("#procedure-title", 10).await;
    b.screenshot("portal-procedure-vi").await;

    // English.
    b.goto(&format!("{base}/lang/en")).await;
    b.wait_for_text("h1", "How can we help", 10).await;
    b.screenshot("portal-home-en").await;
    b.goto(&format!("{base}/kb?q=chu+ky+so")).await;
    b.wait_for("#kb-results li", 10).await;
    b.screenshot("portal-kb-search-en").await;
    b.goto(&format!("{base}/kb/khong-co-bai-nay")).await;
    b.wait_for("#error-title", 10).await;
    b.screenshot("portal-not-found-en").await;
    b.close().await;
}

crate::both_engines!(
    knowledge_base_search_folds_and_hides_internal_articles,
    |app| async move {
        hqdesk::kb::import(&app.services, None).await.unwrap();
        for q in [
            "dang ky tai khoan vnaccs",
            "ĐĂNG KÝ TÀI KHOẢN VNACCS",
            "đăng ký tài khoản",
        ] {
            let found = app.services.search_articles(q, true, 50).await.unwrap();
            assert!(
                found.iter().any(|a| a.slug == "dang-ky-tai-khoan-vnaccs"),
                "{q}"
            );
        }
        let internal = hqdesk_services::kb::parse_article("---\nslug: ghi-chu-noi-bo\ntitle: Mẹo Zanzibar nội bộ về VNACCS\nvisibility: internal\n---\nChỉ cán bộ xem mẹo zanzibar.").unwrap();
        app.services
            .save_article(&hqdesk_services::Actor::Cli, &internal)
            .await
            .unwrap();
        assert!(app
            .services
            .search_articles("zanzibar", true, 50)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            app.services
                .search_articles("zanzibar", false, 50)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            app.services.article("ghi-chu-noi-bo", true).await,
            Err(hqdesk_services::ServiceError::NotFound)
        ));
        let (again, _) = hqdesk::kb::import(&app.services, None).await.unwrap();
        assert_eq!(
            app.count_rows("kb_articles").await,
            i64::try_from(again).unwrap() + 1,
            "importing twice updates in place"
        );
    }
);
