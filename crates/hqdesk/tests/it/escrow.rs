//! Escrow recovery and key upkeep through the command line (issue 18; design note 006 §6):
//! `hqdesk keys escrow-recover`, `keys escrow-rewrap`, the wraps a role removal deletes, and
//! the counts `keys status` shows, on both engines. The escrow key goes in on standard input.
use hqdesk_services::directory::UpdateUser;
use hqdesk_services::Actor;
use hqdesk_store::sealed::places;
use hqdesk_store::{case_keys, vault_keys, Store};
use hqdesk_vault::{DataKey, EscrowKeyPair, KeyPair, SealedSecretKey, WrappedKey};
use rand::rngs::OsRng;
use serde_json::json;

use crate::both_engines;
use crate::cli::hqdesk;
use crate::console::{set_password, PASSWORD};
use crate::support::TestApp;

const NEW_PASSWORD: &str = "mật khẩu mới sau khi quên";

/// A sealed case as intake would leave it: its data key wrapped for the escrow and the
/// investigator, and one value sealed under it to tell the key by.
struct Sealed {
    id: i64,
    number: String,
    subject: Vec<u8>,
}

const MARKER: &[u8] = b"marker: hang lau qua cua khau";

async fn user_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    hqdesk_store::users::by_username(&mut conn, name)
        .await
        .unwrap()
        .id
}

async fn current_key(app: &TestApp, name: &str) -> vault_keys::UserKey {
    let id = user_id(app, name).await;
    let mut conn = app.services.store().read().await.unwrap();
    vault_keys::current_for_user(&mut conn, id)
        .await
        .unwrap()
        .expect("a current key pair")
}

/// The investigator's current private key, opened with `password` as a sign-in would.
async fn unlocked(app: &TestApp, name: &str, password: &str) -> KeyPair {
    use base64::Engine as _;
    let row = current_key(app, name).await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(row.sealed_secret_key.unwrap())
        .unwrap();
    SealedSecretKey::from_bytes(&bytes)
        .unwrap()
        .open(password)
        .unwrap()
}

/// Open `n` denunciations through the API and wrap a data key of this test's for the escrow and
/// for each of `holders`' current keys (in place of the wraps intake made).
async fn sealed_cases(
    app: &TestApp,
    n: usize,
    escrow: &EscrowKeyPair,
    holders: &[&str],
) -> Vec<Sealed> {
    let mut out = vec![];
    for i in 0..n {
        let number = app
            .open(
                "hotline",
                json!({"kind":"denunciation","channel":"phone","unit":"DDN",
                       "subject":format!("Tố giác buôn lậu số {i}"),
                       "body":"Người báo tin đề nghị giữ bí mật."}),
            )
            .await;
        let mut conn = app.services.store().read().await.unwrap();
        let id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE number = $1")
            .bind(&number)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        let key = DataKey::generate(&mut OsRng);
        let place = places::case_key(id);
        let subject = hqdesk_vault::seal(&key, &places::subject(id), MARKER).unwrap();
        let mut tx = app.services.store().begin().await.unwrap();
        // Intake sealed the case for every recipient already: this test's own key and wraps
        // replace those, so that each test chooses who holds what.
        sqlx::query("DELETE FROM case_keys WHERE case_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        let mut publics = vec![*escrow.public()];
        for h in holders {
            publics.push(current_key(app, h).await.public_key.parse().unwrap());
        }
        for public in publics {
            let wrap = WrappedKey::wrap_for(&key, &public, &place).unwrap();
            case_keys::put(
                &mut tx,
                id,
                &public.key_id().to_string(),
                &wrap.to_string(),
                app.services.now(),
            )
            .await
            .unwrap();
        }
        Store::commit(tx).await.unwrap();
        out.push(Sealed {
            id,
            number,
            subject,
        });
    }
    out
}

/// The wrap of `case` for `key_id` opens with `pair` to the case's data key.
async fn opens_with(app: &TestApp, case: &Sealed, pair: &KeyPair) -> bool {
    let mut conn = app.services.store().read().await.unwrap();
    let Some(row) = case_keys::get(&mut conn, case.id, &pair.key_id().to_string())
        .await
        .unwrap()
    else {
        return false;
    };
    let wrap: WrappedKey = row.wrapped.parse().unwrap();
    let key = wrap
        .unwrap_with(pair, &places::case_key(case.id))
        .expect("the wrap opens");
    hqdesk_vault::open(&key, &places::subject(case.id), &case.subject).unwrap() == MARKER
}

/// Every row of `case_keys`, to compare before and after a refused command.
async fn all_wraps(app: &TestApp) -> Vec<(i64, String, String)> {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_as("SELECT case_id, key_id, wrapped FROM case_keys ORDER BY case_id, key_id")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}

async fn wraps_for(app: &TestApp, key_id: &str) -> i64 {
    let mut conn = app.services.store().read().await.unwrap();
    case_keys::count_for_key(&mut conn, key_id).await.unwrap()
}

/// The audit entries of `action`: (actor, object, detail).
async fn audit_entries(app: &TestApp, action: &str) -> Vec<(String, String, String)> {
    let mut conn = app.services.store().read().await.unwrap();
    sqlx::query_as("SELECT actor, object, detail FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}

fn status_line<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in:\n{out}"))
}

both_engines!(a_lost_password_loses_nothing, |app| async move {
    let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let paper = escrow.key.to_printable().to_string();
    set_password(&app, "investigator").await;
    let old = unlocked(&app, "investigator", PASSWORD).await;
    let cases = sealed_cases(&app, 3, &escrow.key, &["investigator"]).await;
    for c in &cases {
        assert!(opens_with(&app, c, &old).await);
    }
    let (code, out, err) = hqdesk(&app.url, &["keys", "status"], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        status_line(&out, "investigator investigator\t").ends_with("\t3 reports\t0 to recover"),
        "{out}"
    );
    assert!(
        status_line(&out, "escrow\t").ends_with("\t3 reports"),
        "{out}"
    );
    assert_eq!(
        status_line(&out, "reports wrapped for the escrow only"),
        "reports wrapped for the escrow only\t0"
    );

    // The investigator forgot the password: an operator sets a new one (a new key pair).
    app.services
        .set_user_password(&Actor::Cli, "investigator", Some(NEW_PASSWORD.into()))
        .await
        .unwrap();
    let new_key = current_key(&app, "investigator").await;
    assert_ne!(new_key.key_id, old.key_id().to_string());
    // The old pair's wraps are kept until the recovery has run.
    assert_eq!(wraps_for(&app, &old.key_id().to_string()).await, 3);
    let (code, out, _) = hqdesk(&app.url, &["keys", "status"], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        status_line(&out, "investigator investigator\t").ends_with("\t0 reports\t3 to recover"),
        "{out}"
    );
    assert!(
        status_line(&out, "reports wrapped for the escrow only\t3\t").contains("escrow-recover"),
        "{out}"
    );

    // Two people type the paper in (here: a pipe, in lower case with spaces, as typed back).
    let typed = paper.to_lowercase().replace('-', " ");
    let (code, out, err) = hqdesk(
        &app.url,
        &["keys", "escrow-recover", "--user", "investigator"],
        Some(format!("{typed}\n").as_str()),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("3 sealed reports wrapped for investigator's key")
            && err.contains("0 were already")
            && err.contains("3 wraps of investigator's retired keys deleted"),
        "{err}"
    );
    assert!(!out.contains(&paper[16..]) && !err.contains(&paper[16..]));
    // The new pair, unlocked with the new password, opens every case to the same data key.
    let new = unlocked(&app, "investigator", NEW_PASSWORD).await;
    assert_eq!(new.key_id().to_string(), new_key.key_id);
    for c in &cases {
        assert!(opens_with(&app, c, &new).await, "{}", c.number);
    }
    // The retired pair's wraps are gone, the escrow's stay.
    assert_eq!(wraps_for(&app, &old.key_id().to_string()).await, 0);
    assert_eq!(wraps_for(&app, &escrow.key.key_id().to_string()).await, 3);
    let entries = audit_entries(&app, "keys.escrow_recover").await;
    assert_eq!(entries.len(), 1);
    let (actor, object, detail) = &entries[0];
    assert_eq!(
        (actor.as_str(), object.as_str()),
        ("cli", "user:investigator")
    );
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
    assert_eq!(detail["cases"], 3);
    assert_eq!(detail["key_id"], new_key.key_id);
    assert_eq!(detail["escrow_key_id"], escrow.key.key_id().to_string());
    let all_text = format!("{entries:?}");
    assert!(!all_text.contains("hqwk1.") && !all_text.to_uppercase().contains(&paper[16..]));

    // Idempotent: a second run adds nothing, and says so.
    let before = all_wraps(&app).await;
    let (code, out, err) = hqdesk(
        &app.url,
        &["keys", "escrow-recover", "--user", "investigator"],
        Some(paper.as_str()),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("0 sealed reports wrapped") && err.contains("3 were already"),
        "{err}"
    );
    assert_eq!(all_wraps(&app).await, before);
    assert_eq!(audit_entries(&app, "keys.escrow_recover").await.len(), 2);
    let (code, out, _) = hqdesk(&app.url, &["keys", "status"], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        status_line(&out, "investigator investigator\t").ends_with("\t3 reports\t0 to recover"),
        "{out}"
    );
    assert_eq!(
        status_line(&out, "reports wrapped for the escrow only"),
        "reports wrapped for the escrow only\t0"
    );
});

both_engines!(a_refused_recovery_writes_nothing, |app| async move {
    let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let paper = escrow.key.to_printable().to_string();
    // The test investigator has no password yet, hence no key pair.
    let _ = sealed_cases(&app, 2, &escrow.key, &[]).await;
    let before = all_wraps(&app).await;
    assert_eq!(before.len(), 2);
    let recover = |user: &str, stdin: Option<&str>| {
        hqdesk(&app.url, &["keys", "escrow-recover", "--user", user], stdin)
    };
    let other = EscrowKeyPair::generate(&mut OsRng)
        .to_printable()
        .to_string();
    let typo = {
        let at = paper.len() - 3;
        let c = if &paper[at..at + 1] == "7" { "8" } else { "7" };
        format!("{}{c}{}", &paper[..at], &paper[at + 1..])
    };
    for (user, stdin, says) in [
        // Nothing typed, or a pipe with nothing in it.
        ("investigator", None, "no escrow key on standard input"),
        (
            "investigator",
            Some("  \n"),
            "no escrow key on standard input",
        ),
        (
            "investigator",
            Some("HQDESK-ESCROW-1-ABCD"),
            "malformed escrow key",
        ),
        ("investigator", Some(typo.as_str()), "mistyped"),
        // Well-formed, but another installation's (or a stranger's) key.
        (
            "investigator",
            Some(other.as_str()),
            "not one this installation has on record",
        ),
        ("nobody", Some(paper.as_str()), "no user named \"nobody\""),
        ("agent", Some(paper.as_str()), "not investigator"),
        ("investigator", Some(paper.as_str()), "has no key pair yet"),
    ] {
        let (code, out, err) = recover(user, stdin);
        assert_eq!(code, 1, "{user} {stdin:?}: {out}{err}");
        assert!(err.contains(says), "{says}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.is_empty(), "{out}");
    }
    // A deactivated investigator is refused too.
    set_password(&app, "investigator").await;
    app.services
        .update_user(
            &Actor::Cli,
            "investigator",
            UpdateUser {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (code, _, err) = recover("investigator", Some(paper.as_str()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("deactivated"), "{err}");
    assert_eq!(all_wraps(&app).await, before);
    assert!(audit_entries(&app, "keys.escrow_recover").await.is_empty());

    // Once active, the same paper works: the two cases only the escrow held are theirs.
    app.services
        .update_user(
            &Actor::Cli,
            "investigator",
            UpdateUser {
                active: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (code, _, err) = recover("investigator", Some(paper.as_str()));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 sealed reports wrapped"), "{err}");
});

both_engines!(
    a_tampered_wrap_is_named_and_the_rest_go_on,
    |app| async move {
        let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
        set_password(&app, "investigator").await;
        let cases = sealed_cases(&app, 3, &escrow.key, &[]).await;
        // Someone with the database swaps the first case's escrow wrap for the second's.
        let mut conn = app.services.store().read().await.unwrap();
        let second = case_keys::get(&mut conn, cases[1].id, &escrow.key.key_id().to_string())
            .await
            .unwrap()
            .unwrap();
        drop(conn);
        let mut tx = app.services.store().begin().await.unwrap();
        case_keys::put(
            &mut tx,
            cases[0].id,
            &second.key_id,
            &second.wrapped,
            app.services.now(),
        )
        .await
        .unwrap();
        Store::commit(tx).await.unwrap();
        let (code, _, err) = hqdesk(
            &app.url,
            &["keys", "escrow-recover", "--user", "investigator"],
            Some(escrow.key.to_printable().as_str()),
        );
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("2 sealed reports wrapped") && err.contains(&cases[0].number),
            "{err}"
        );
        let pair = unlocked(&app, "investigator", PASSWORD).await;
        assert!(!opens_with(&app, &cases[0], &pair).await);
        assert!(opens_with(&app, &cases[1], &pair).await);
        assert!(opens_with(&app, &cases[2], &pair).await);
    }
);

both_engines!(a_rotated_escrow_key_is_rewrapped, |app| async move {
    let first = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    let old_paper = first.key.to_printable().to_string();
    set_password(&app, "investigator").await;
    let cases = sealed_cases(&app, 2, &first.key, &["investigator"]).await;
    let second = app.services.escrow_init(&Actor::Cli, true).await.unwrap();
    let new_paper = second.key.to_printable().to_string();
    let old_id = first.key.key_id().to_string();
    let new_id = second.key.key_id().to_string();
    let (code, out, _) = hqdesk(&app.url, &["keys", "status"], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        status_line(&out, &format!("escrow retired\t{old_id}\t"))
            .contains("2 reports not yet wrapped for the current escrow key"),
        "{out}"
    );
    assert!(
        status_line(&out, "escrow\t").ends_with("\t0 reports"),
        "{out}"
    );

    // The new paper is not the one to type.
    let (code, _, err) = hqdesk(
        &app.url,
        &["keys", "escrow-rewrap"],
        Some(new_paper.as_str()),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is the current escrow key"), "{err}");
    assert_eq!(wraps_for(&app, &new_id).await, 0);

    // A lost password meanwhile: the current escrow key holds nothing yet, the old one does.
    app.services
        .set_user_password(&Actor::Cli, "investigator", Some(NEW_PASSWORD.into()))
        .await
        .unwrap();
    let (code, _, err) = hqdesk(
        &app.url,
        &["keys", "escrow-recover", "--user", "investigator"],
        Some(new_paper.as_str()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("0 sealed reports wrapped")
            && err.contains("2 sealed reports are wrapped for another escrow key"),
        "{err}"
    );
    // A retired escrow key recovers what it holds.
    let (code, _, err) = hqdesk(
        &app.url,
        &["keys", "escrow-recover", "--user", "investigator"],
        Some(old_paper.as_str()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 sealed reports wrapped"), "{err}");
    let new_pair = unlocked(&app, "investigator", NEW_PASSWORD).await;
    for c in &cases {
        assert!(opens_with(&app, c, &new_pair).await);
    }

    // The re-wrap: the old key's cases for the new escrow key too, the old wraps kept.
    let (code, _, err) = hqdesk(
        &app.url,
        &["keys", "escrow-rewrap"],
        Some(old_paper.as_str()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "2 sealed reports of the old escrow key {old_id} wrapped for the current escrow key \
             {new_id}"
        )),
        "{err}"
    );
    assert_eq!(wraps_for(&app, &old_id).await, 2);
    for c in &cases {
        let mut conn = app.services.store().read().await.unwrap();
        let row = case_keys::get(&mut conn, c.id, &new_id)
            .await
            .unwrap()
            .unwrap();
        let key = second
            .key
            .unwrap(&row.wrapped.parse().unwrap(), &places::case_key(c.id))
            .unwrap();
        assert_eq!(
            hqdesk_vault::open(&key, &places::subject(c.id), &c.subject).unwrap(),
            MARKER
        );
    }
    // Again with --drop-old: nothing new, the old wraps go; the old paper opens nothing now.
    let (code, _, err) = hqdesk(
        &app.url,
        &["keys", "escrow-rewrap", "--drop-old"],
        Some(old_paper.as_str()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("0 sealed reports")
            && err.contains("2 were already")
            && err.contains("2 wraps of the old key deleted"),
        "{err}"
    );
    assert_eq!(wraps_for(&app, &old_id).await, 0);
    assert_eq!(wraps_for(&app, &new_id).await, 2);
    let (code, out, _) = hqdesk(&app.url, &["keys", "status"], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        status_line(&out, &format!("escrow retired\t{old_id}\t"))
            .ends_with("every report also wrapped for the current escrow key"),
        "{out}"
    );
    // One entry per run for the cases' keys, one for their reporters' identity keys.
    let entries = audit_entries(&app, "keys.escrow_rewrap").await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(entries.iter().all(|(a, _, _)| a == "cli"));
    assert_eq!(entries.iter().filter(|(_, o, _)| o == "escrow").count(), 2);
    assert_eq!(
        entries
            .iter()
            .filter(|(_, o, _)| o == "escrow:identities")
            .count(),
        2
    );
});

both_engines!(a_role_removal_deletes_the_wraps, |app| async move {
    let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    set_password(&app, "investigator").await;
    app.services
        .update_user(
            &Actor::Cli,
            "agent",
            UpdateUser {
                role: Some("investigator".into()),
                password: Some(PASSWORD.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let first = current_key(&app, "investigator").await.key_id;
    let cases = sealed_cases(&app, 2, &escrow.key, &["investigator", "agent"]).await;
    // A password reset keeps the retired pair's wraps…
    app.services
        .set_user_password(&Actor::Cli, "investigator", Some(NEW_PASSWORD.into()))
        .await
        .unwrap();
    let second = current_key(&app, "investigator").await.key_id;
    let _ = sealed_cases(&app, 1, &escrow.key, &["investigator", "agent"]).await;
    assert_eq!(wraps_for(&app, &first).await, 2);
    assert_eq!(wraps_for(&app, &second).await, 1);
    // …the role's removal deletes the wraps of every key the user had, in the same change.
    app.services
        .update_user(
            &Actor::Cli,
            "investigator",
            UpdateUser {
                role: Some("agent".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(wraps_for(&app, &first).await, 0);
    assert_eq!(wraps_for(&app, &second).await, 0);
    // The other investigator's and the escrow's stay.
    let agent_key = current_key(&app, "agent").await.key_id;
    assert_eq!(wraps_for(&app, &agent_key).await, 3);
    assert_eq!(wraps_for(&app, &escrow.key.key_id().to_string()).await, 3);
    let entries = audit_entries(&app, "vault.key_retired").await;
    let (_, object, detail) = entries.last().unwrap();
    assert_eq!(object, "user:investigator");
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
    assert_eq!(detail["wraps_deleted"], 3);
    assert_eq!(detail["key_id"], second);
    let agent = unlocked(&app, "agent", PASSWORD).await;
    for c in &cases {
        assert!(opens_with(&app, c, &agent).await);
    }
});

both_engines!(a_recovery_runs_in_batches, |app| async move {
    let escrow = app.services.escrow_init(&Actor::Cli, false).await.unwrap();
    set_password(&app, "investigator").await;
    let batch = hqdesk_services::vault::REWRAP_BATCH;
    let n = usize::try_from(batch).unwrap() + 3;
    let cases = sealed_cases(&app, n, &escrow.key, &[]).await;
    let (code, _, err) = hqdesk(
        &app.url,
        &["keys", "escrow-recover", "--user", "investigator"],
        Some(escrow.key.to_printable().as_str()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("{n} sealed reports wrapped")),
        "{err}"
    );
    // One transaction and one audit entry per batch.
    let counts: Vec<i64> = audit_entries(&app, "keys.escrow_recover")
        .await
        .iter()
        .map(|(_, _, d)| {
            serde_json::from_str::<serde_json::Value>(d).unwrap()["cases"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(counts, vec![batch, 3]);
    let pair = unlocked(&app, "investigator", PASSWORD).await;
    for c in [&cases[0], &cases[n / 2], &cases[n - 1]] {
        assert!(opens_with(&app, c, &pair).await, "{}", c.number);
    }
    assert_eq!(
        wraps_for(&app, &pair.key_id().to_string()).await,
        i64::try_from(n).unwrap()
    );
});
