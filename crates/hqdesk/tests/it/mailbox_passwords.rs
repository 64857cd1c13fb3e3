//! A stored mailbox password stays with its server (issue 14, item 12): the console sends the
//! mailbox's URLs back with `***` for the password, and the stored password is put back only
//! when scheme, host, port and user are unchanged. Before, changing only the host and pressing
//! "test" sent the password to any server an administrator chose.
use std::sync::{Arc, Mutex};

use hqdesk_services::mail::mailboxes::MailboxForm;
use hqdesk_services::{Actor, ServiceError};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::TestApp;

const SECRET: &str = "mật-khẩu-hộp-thư-7f3a";

/// A server that greets like IMAP, answers OK to everything and keeps every line it is sent.
async fn listening_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let keep = heard.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let _ = write.write_all(b"* OK IMAP4rev1 ready\r\n").await;
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let tag = line.split(' ').next().unwrap_or("*").to_string();
                    keep.lock().unwrap().push(line);
                    let _ = write
                        .write_all(format!("{tag} OK done\r\n").as_bytes())
                        .await;
                }
            });
        }
    });
    (port, heard)
}

fn form(imap_url: &str, smtp_url: &str, insecure_plain: bool) -> MailboxForm {
    MailboxForm {
        name: "hotro".into(),
        address: "hotro@customs.gov.vn".into(),
        imap_url: imap_url.into(),
        smtp_url: smtp_url.into(),
        insecure_plain,
        default_branch: None,
        default_category: None,
        enabled: false,
    }
}

crate::both_engines!(
    a_stored_mailbox_password_is_never_sent_to_another_server,
    |app| async move {
        let admin = app
            .services
            .authenticate_token(app.token("admin"))
            .await
            .unwrap();
        let secret = urlencoding(SECRET);
        let added = app
            .services
            .add_mailbox(
                &Actor::Cli,
                form(
                    &format!("imaps://hotro:{secret}@127.0.0.2:993/INBOX"),
                    &format!("smtps://hotro:{secret}@127.0.0.2:465"),
                    false,
                ),
            )
            .await
            .unwrap();
        let shown = app.services.mailbox(&admin, added.id).await.unwrap();
        assert!(shown.imap_url.contains(":***@"), "{}", shown.imap_url);
        let stored = |app: &TestApp| {
            let id = added.id;
            let store = app.services.store().clone();
            async move {
                let mut conn = store.read().await.unwrap();
                hqdesk_store::mailboxes::get(&mut conn, id).await.unwrap()
            }
        };
        let before = stored(&app).await;

        // The attack: the same redacted URLs, pointed at a server of one's own, then "test".
        let (port, heard) = listening_server().await;
        for (imap, smtp) in [
            (
                shown
                    .imap_url
                    .replace("127.0.0.2:993", &format!("127.0.0.1:{port}")),
                shown.smtp_url.clone(),
            ),
            (
                shown
                    .imap_url
                    .replace("imaps://", "imap://")
                    .replace(":993", &format!(":{port}")),
                shown.smtp_url.clone(),
            ),
            (
                shown.imap_url.replace("hotro:", "other:"),
                shown.smtp_url.clone(),
            ),
            (
                shown.imap_url.clone(),
                shown
                    .smtp_url
                    .replace("127.0.0.2:465", &format!("127.0.0.1:{port}")),
            ),
        ] {
            let r = app
                .services
                .update_mailbox(&admin, added.id, form(&imap, &smtp, true))
                .await;
            let Err(ServiceError::Invalid(v)) = &r else {
                panic!("{imap} / {smtp}: {r:?}");
            };
            assert!(
                v.0.iter().any(|e| e.code == "password_retype"),
                "{imap} / {smtp}: {v:?}"
            );
            let _ = app.services.test_mailbox(&admin, added.id).await;
        }
        assert_eq!(stored(&app).await, before, "nothing was changed");
        let heard = heard.lock().unwrap().join("\n");
        assert!(
            !heard.contains(&secret) && !heard.contains(SECRET),
            "the password reached the other server: {heard}"
        );

        // The same server and user with another folder keeps the password; a new password
        // typed in full is taken as typed.
        let other_folder = shown.imap_url.replace("/INBOX", "/Support");
        app.services
            .update_mailbox(
                &admin,
                added.id,
                form(&other_folder, &shown.smtp_url, false),
            )
            .await
            .unwrap();
        let after = stored(&app).await;
        assert!(after.imap_url.contains(&format!("hotro:{secret}@")));
        assert!(after.imap_url.ends_with("/Support"));
        app.services
            .update_mailbox(
                &admin,
                added.id,
                form(
                    &format!("imap://hotro:moi@127.0.0.1:{port}/INBOX"),
                    &shown.smtp_url,
                    true,
                ),
            )
            .await
            .unwrap();
        assert!(stored(&app).await.imap_url.contains("hotro:moi@127.0.0.1"));
    }
);

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
