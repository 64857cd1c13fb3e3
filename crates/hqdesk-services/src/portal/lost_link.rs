//! A requester who lost the tracking link asks for a new one with the case number and the
//! e-mail address the case was sent with. The answer is the same whether or not they match (a
//! stranger learns nothing about which numbers or addresses exist); when they match, a new link
//! goes to that address through the outbox and the old one stops working. A case reported without
//! an address (anonymous reports) never gets a new link this way.
use hqdesk_domain::case::CaseNumber;
use hqdesk_domain::requester::Email;
use hqdesk_domain::{FieldError, ValidationErrors};
use hqdesk_i18n::Locale;
use hqdesk_store::{cases, portal, Store};
use serde_json::json;

use super::limits::REQUESTS_PER_HOUR;
use super::{new_token, token_hash, PORTAL};
use crate::audit::record as audit;
use crate::outbox::NotificationMail;
use crate::texts;
use crate::{ServiceError, Services};

/// Asking for a new link is limited per source like the forms; every attempt counts (matching
/// or not), so that guessing pairs is as slow as sending requests.
pub const LOST_LINK_LIMIT: &str = "portal.lost_link";

/// What a visitor typed on the "lost your tracking link?" page.
#[derive(Debug, Clone, Default)]
pub struct LostLink {
    pub case_number: String,
    pub email: String,
    /// `vi` or `en`: the language of the mail.
    pub lang: String,
    /// Where visitors reach the portal (`https://…`, no trailing slash), for the mailed link.
    pub link_base: String,
    /// Where it came from (the client's address), for the hourly limit.
    pub source: String,
}

impl Services {
    /// Send a new tracking link when the case number and the address match a case sent from
    /// the portal with that address. `Ok(())` whether or not they match; refused only when a
    /// field is not a case number or an address at all, or when the source asked too often.
    pub async fn portal_new_link(&self, req: LostLink) -> Result<(), ServiceError> {
        let mut errors = ValidationErrors::new();
        let number = match CaseNumber::parse(req.case_number.trim()) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(e.at("case_number"));
                None
            }
        };
        let email = match Email::parse(req.email.trim()) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push(e.at("email"));
                None
            }
        };
        if req.email.trim().is_empty() {
            errors = without(errors, "email");
            errors.push(required("email"));
        }
        if req.case_number.trim().is_empty() {
            errors = without(errors, "case_number");
            errors.push(required("case_number"));
        }
        errors.into_result()?;
        let (Some(number), Some(email)) = (number, email) else {
            return Err(ServiceError::Internal("checked above".into()));
        };
        self.portal_rate_check(LOST_LINK_LIMIT, &req.source, REQUESTS_PER_HOUR)
            .await?;
        self.count_accepted(LOST_LINK_LIMIT, &req.source).await;

        let now = self.now();
        let mut tx = self.store().begin().await?;
        let case = match cases::by_number(&mut tx, &number).await {
            Ok(c) => c,
            Err(hqdesk_store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let Some(requester_id) = case.requester_id else {
            return Ok(());
        };
        let on_file = hqdesk_store::requesters::get(&mut tx, requester_id)
            .await?
            .email;
        let matches = on_file
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .is_some_and(|e| e.as_str().to_lowercase() == email.as_str().to_lowercase());
        if !matches {
            return Ok(());
        }
        let token = new_token();
        if !portal::replace_tracking(&mut tx, case.id, &token_hash(&token), now).await? {
            // Not a portal case: it never had a link to lose.
            return Ok(());
        }
        let locale = if req.lang == "en" {
            Locale::En
        } else {
            Locale::Vi
        };
        let link = format!("{}/track/{token}", req.link_base);
        let Some(to) = on_file else {
            return Ok(());
        };
        let mail = NotificationMail {
            purpose: "portal.new_link".into(),
            to,
            subject: texts::in_locale(
                locale,
                "portal.lost.mail.subject",
                &[("number", case.number.as_str())],
            ),
            text: texts::in_locale(
                locale,
                "portal.lost.mail.text",
                &[
                    ("number", case.number.as_str()),
                    ("link", &link),
                    ("hotline", texts::HOTLINE),
                ],
            ),
            case_id: Some(case.id),
            in_reply_to: None,
            mailbox_id: None,
            ..Default::default()
        };
        let dedup = format!("case:{}:{}", case.id, &token_hash(&token)[..16]);
        crate::outbox::enqueue_notification(&mut tx, &mail, &dedup, now).await?;
        audit(
            &mut tx,
            now,
            &PORTAL,
            "portal.tracking_link.replaced",
            &format!("case:{}", case.id),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Whether `token` was a tracking link that has been replaced by a new one.
    pub async fn portal_link_replaced(&self, token: &str) -> Result<bool, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(portal::is_retired_tracking(&mut conn, &token_hash(token.trim())).await?)
    }
}

fn required(field: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: "required",
        message: "this field is required".into(),
    }
}

fn without(errors: ValidationErrors, field: &str) -> ValidationErrors {
    ValidationErrors(errors.0.into_iter().filter(|f| f.field != field).collect())
}
