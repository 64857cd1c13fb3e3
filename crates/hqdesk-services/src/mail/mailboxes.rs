//! Mailbox administration (administrators and the CLI only): add, change, enable/disable, list,
//! and test the connection. Passwords live in the stored URLs and are never handed back: views
//! carry redacted URLs, and a form that sends a redacted URL back (`imap://user:***@host/…`) keeps
//! the stored password.
use std::time::Duration;

use hqdesk_domain::access::Action;
use hqdesk_domain::case::Branch;
use hqdesk_domain::requester::Email;
use hqdesk_domain::{FieldError, Timestamp, ValidationErrors};
use hqdesk_store::mailboxes::{self, Mailbox, MailboxSettings};
use hqdesk_store::{Store, StoreError};
use serde_json::json;

use super::imap::{self, Timeouts};
use super::transport::{self, redact};
use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// What an administrator submits.
#[derive(Debug, Clone, Default)]
pub struct MailboxForm {
    pub name: String,
    pub address: String,
    pub imap_url: String,
    pub smtp_url: String,
    pub insecure_plain: bool,
    /// 1 or 2; empty: decided by intake.
    pub default_branch: Option<String>,
    pub default_category: Option<String>,
    pub enabled: bool,
}

/// A mailbox as shown to an administrator: no passwords.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailboxView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub imap_url: String,
    pub smtp_url: String,
    pub insecure_plain: bool,
    pub default_branch: Option<i64>,
    pub default_category: Option<String>,
    pub enabled: bool,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub last_error: Option<String>,
    pub last_sync_at: Option<Timestamp>,
    /// The node fetching it now, if any.
    pub fetched_by: Option<String>,
}

impl MailboxView {
    pub fn of(m: &Mailbox, now: Timestamp) -> Self {
        MailboxView {
            id: m.id,
            name: m.name.clone(),
            address: m.address.clone(),
            imap_url: redact(&m.imap_url),
            smtp_url: redact(&m.smtp_url),
            insecure_plain: m.insecure_plain,
            default_branch: m.default_branch,
            default_category: m.default_category.clone(),
            enabled: m.enabled,
            uidvalidity: m.uidvalidity,
            last_uid: m.last_uid,
            last_error: m.last_error.clone(),
            last_sync_at: m.last_sync_at,
            fetched_by: m
                .lease_owner
                .clone()
                .filter(|_| m.lease_until.is_some_and(|u| u.millis() >= now.millis())),
        }
    }
}

/// The result of "test connection": one line per side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionReport {
    pub imap: Result<String, String>,
    pub smtp: Result<String, String>,
}

impl ConnectionReport {
    pub fn ok(&self) -> bool {
        self.imap.is_ok() && self.smtp.is_ok()
    }
}

fn field(field: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code,
        message: message.into(),
    }
}

fn parse_name(s: &str) -> Result<String, FieldError> {
    let n = s.trim();
    let ok = (1..=64).contains(&n.chars().count())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(n.to_string())
    } else {
        Err(field(
            "name",
            "mailbox_name",
            "a mailbox name is 1–64 letters, digits, '.', '_', '-' or '@'",
        ))
    }
}

/// Where a URL's password is sent: scheme, host, port (the scheme's default when none is
/// written) and user name.
fn destination(u: &url::Url) -> (String, String, Option<u16>, String) {
    let default_port = match u.scheme() {
        "imap" => Some(143),
        "imaps" => Some(993),
        "smtp" => Some(25),
        "smtps" => Some(465),
        _ => None,
    };
    (
        u.scheme().to_ascii_lowercase(),
        u.host_str().unwrap_or_default().to_ascii_lowercase(),
        u.port().or(default_port),
        u.username().to_string(),
    )
}

/// Put the stored password back into a URL whose password was sent back redacted (`***`), but
/// only towards the same scheme, host, port and user: otherwise an administrator could send the
/// stored password to a server of their own by changing the host and pressing "test".
fn keep_password(field: &str, submitted: &str, stored: Option<&str>) -> Result<String, FieldError> {
    let submitted = submitted.trim();
    let (Some(stored), Ok(mut new)) = (stored, url::Url::parse(submitted)) else {
        return Ok(submitted.to_string());
    };
    if new.password() != Some("***") {
        return Ok(submitted.to_string());
    }
    match url::Url::parse(stored) {
        Ok(old) if destination(&old) == destination(&new) => {
            let _ = new.set_password(old.password());
            Ok(new.to_string())
        }
        _ => Err(FieldError {
            field: field.into(),
            code: "password_retype",
            message: "the server, port or user name changed: type the password again (the \
                      stored one is kept only for the same server and user)"
                .into(),
        }),
    }
}

impl Services {
    async fn check_mailbox_form(
        &self,
        form: &MailboxForm,
        stored: Option<&Mailbox>,
    ) -> Result<MailboxSettings, ServiceError> {
        let mut errors = ValidationErrors::new();
        let name = parse_name(&form.name).map_err(|e| errors.push(e)).ok();
        let address = errors.check("address", Email::parse(form.address.trim()));
        let imap_url = keep_password("imap", &form.imap_url, stored.map(|m| m.imap_url.as_str()))
            .map_err(|e| errors.push(e))
            .ok();
        let smtp_url = keep_password("smtp", &form.smtp_url, stored.map(|m| m.smtp_url.as_str()))
            .map_err(|e| errors.push(e))
            .ok();
        if let Some(Err(e)) = imap_url
            .as_deref()
            .map(|u| transport::parse_imap(u, form.insecure_plain))
        {
            errors.push(field("imap", e.code, e.message));
        }
        if let Some(Err(e)) = smtp_url
            .as_deref()
            .map(|u| transport::parse_smtp(u, form.insecure_plain))
        {
            errors.push(field("smtp", e.code, e.message));
        }
        let default_branch = match form.default_branch.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(b) => match b
                .parse::<i64>()
                .map_err(|_| ())
                .and_then(|n| Branch::from_number(n).map_err(|_| ()))
            {
                Ok(b) => Some(i64::from(b.number())),
                Err(()) => {
                    errors.push(field(
                        "default_branch",
                        "branch_unknown",
                        "the branch is 1 or 2",
                    ));
                    None
                }
            },
        };
        let default_category = match form.default_category.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => {
                let mut conn = self.store().read().await?;
                match hqdesk_store::categories::by_code(&mut conn, code).await {
                    Ok(c) => Some(c.code),
                    Err(StoreError::NotFound) => {
                        errors.push(field(
                            "default_category",
                            "category_unknown",
                            format!("there is no category {code:?}"),
                        ));
                        None
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        errors.clone().into_result()?;
        let (Some(name), Some(address), Some(imap_url), Some(smtp_url)) =
            (name, address, imap_url, smtp_url)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        Ok(MailboxSettings {
            name,
            address: address.as_str().to_string(),
            imap_url,
            smtp_url,
            insecure_plain: form.insecure_plain,
            default_branch,
            default_category,
            enabled: form.enabled,
        })
    }

    /// Add a mailbox; running servers pick it up within seconds.
    pub async fn add_mailbox(
        &self,
        actor: &Actor,
        form: MailboxForm,
    ) -> Result<MailboxView, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let settings = self.check_mailbox_form(&form, None).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let id = mailboxes::insert(&mut tx, &settings, now)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Conflict {
                    code: "mailbox_name_taken",
                    message: format!("there is already a mailbox named {:?}", settings.name),
                },
                other => other.into(),
            })?;
        audit(
            &mut tx,
            now,
            actor,
            "mailbox.create",
            &format!("mailbox:{}", settings.name),
            json!({ "address": settings.address, "imap": redact(&settings.imap_url),
                    "smtp": redact(&settings.smtp_url), "insecure_plain": settings.insecure_plain }),
        )
        .await?;
        Store::commit(tx).await?;
        self.mailbox(actor, id).await
    }

    /// Change a mailbox. URLs sent back with `***` as password keep the stored password.
    pub async fn update_mailbox(
        &self,
        actor: &Actor,
        id: i64,
        form: MailboxForm,
    ) -> Result<MailboxView, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let stored = {
            let mut conn = self.store().read().await?;
            mailboxes::get(&mut conn, id).await?
        };
        let settings = self.check_mailbox_form(&form, Some(&stored)).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        mailboxes::update(&mut tx, id, &settings, now)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Conflict {
                    code: "mailbox_name_taken",
                    message: format!("there is already a mailbox named {:?}", settings.name),
                },
                other => other.into(),
            })?;
        audit(
            &mut tx,
            now,
            actor,
            "mailbox.update",
            &format!("mailbox:{}", settings.name),
            json!({ "address": settings.address, "imap": redact(&settings.imap_url),
                    "smtp": redact(&settings.smtp_url), "enabled": settings.enabled,
                    "password_changed": settings.imap_url != stored.imap_url || settings.smtp_url != stored.smtp_url }),
        )
        .await?;
        Store::commit(tx).await?;
        self.mailbox(actor, id).await
    }

    pub async fn set_mailbox_enabled(
        &self,
        actor: &Actor,
        id: i64,
        enabled: bool,
    ) -> Result<MailboxView, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let m = mailboxes::get(&mut tx, id).await?;
        mailboxes::set_enabled(&mut tx, id, enabled, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            if enabled {
                "mailbox.enable"
            } else {
                "mailbox.disable"
            },
            &format!("mailbox:{}", m.name),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        self.mailbox(actor, id).await
    }

    pub async fn mailbox(&self, actor: &Actor, id: i64) -> Result<MailboxView, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let mut conn = self.store().read().await?;
        let m = mailboxes::get(&mut conn, id).await?;
        Ok(MailboxView::of(&m, self.now()))
    }

    pub async fn mailbox_by_name(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<MailboxView, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let mut conn = self.store().read().await?;
        let m = mailboxes::by_name(&mut conn, name.trim()).await?;
        Ok(MailboxView::of(&m, self.now()))
    }

    pub async fn list_mailboxes(&self, actor: &Actor) -> Result<Vec<MailboxView>, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let mut conn = self.store().read().await?;
        let now = self.now();
        Ok(mailboxes::list(&mut conn)
            .await?
            .iter()
            .map(|m| MailboxView::of(m, now))
            .collect())
    }

    /// Try the stored mailbox's IMAP (login, select) and SMTP (EHLO, TLS, login) without
    /// fetching or sending anything.
    pub async fn test_mailbox(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<ConnectionReport, ServiceError> {
        actor.require(Action::ManageMailboxes, None)?;
        let m = {
            let mut conn = self.store().read().await?;
            mailboxes::get(&mut conn, id).await?
        };
        Ok(test_connection(&m.imap_url, &m.smtp_url, m.insecure_plain, &m.address).await)
    }
}

/// Test both sides of a mailbox's settings.
pub async fn test_connection(
    imap_url: &str,
    smtp_url: &str,
    insecure_plain: bool,
    address: &str,
) -> ConnectionReport {
    let imap = async {
        let target = transport::parse_imap(imap_url, insecure_plain).map_err(|e| e.message)?;
        let timeouts = Timeouts {
            connect: Duration::from_secs(10),
            command: Duration::from_secs(20),
        };
        let mut s = imap::connect(&target, timeouts)
            .await
            .map_err(|e| e.message)?;
        let sel = s.select(&target.folder).await.map_err(|e| e.message);
        let idle = s.supports_idle();
        let security = s.security;
        s.logout().await;
        let sel = sel?;
        Ok(format!(
            "IMAP {}:{} ({security}): logged in as {}, {} has {} messages (UIDVALIDITY {}){}",
            target.host,
            target.port,
            target.user,
            target.folder,
            sel.exists,
            sel.uidvalidity,
            if idle { ", IDLE" } else { ", no IDLE: polling" }
        ))
    };
    let smtp = super::sender::test_smtp(smtp_url, insecure_plain, address);
    let (imap, smtp) = tokio::join!(imap, smtp);
    ConnectionReport { imap, smtp }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redacted_url_keeps_the_stored_password_only_towards_the_same_server_and_user() {
        let stored = "imap://support:s3cret@mail.example.vn:143/INBOX";
        let keep = |submitted: &str| keep_password("imap", submitted, Some(stored));
        assert_eq!(
            keep("imap://support:***@mail.example.vn:143/INBOX").unwrap(),
            stored
        );
        // Another folder, the default port written out, the host in capitals: the same server.
        assert!(keep("imap://support:***@MAIL.example.vn/Support")
            .unwrap()
            .contains("support:s3cret@"));
        assert_eq!(
            keep("imap://support:new@mail.example.vn:143/INBOX").unwrap(),
            "imap://support:new@mail.example.vn:143/INBOX"
        );
        // Another user, host, port or scheme: the stored password does not follow.
        for other in [
            "imap://other:***@mail.example.vn:143/INBOX",
            "imap://support:***@attacker.example:143/INBOX",
            "imap://support:***@127.0.0.1:143/INBOX",
            "imap://support:***@mail.example.vn:1143/INBOX",
            "imaps://support:***@mail.example.vn:143/INBOX",
        ] {
            let e = keep(other).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code),
                ("imap", "password_retype"),
                "{other}"
            );
        }
        // A new mailbox has no stored password to keep.
        assert_eq!(
            keep_password("smtp", "smtp://a:***@h:25", None).unwrap(),
            "smtp://a:***@h:25"
        );
    }

    #[test]
    fn names() {
        assert!(parse_name("support").is_ok());
        assert!(parse_name("hotro@customs.gov.vn").is_ok());
        assert!(parse_name("").is_err());
        assert!(parse_name("a b").is_err());
    }
}
