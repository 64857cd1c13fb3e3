//! Anonymous tips (issue 18, design note 006 §5): a denunciation with no name and no contact,
//! reached again only by its 16-digit receipt, shown once.
//!
//! Nothing of the sender is kept: no requester, no tracking link, no mail, and no address, not
//! even the salted hash the other forms are counted under (tips and receipt checks are limited
//! for everyone together). A form instance sent again answers "already sent", never the receipt
//! again: the creation is recorded under a key derived from the form's secret (the idempotency
//! record), which holds the case, never the receipt.
//!
//! Coming back: the receipt is checked once (Argon2id, the guess limit), then the page carries
//! a short-lived access (`sealing::access_token`, 30 minutes) in a hidden field, so that a reply
//! needs neither the receipt again nor a cookie.
use hqdesk_domain::{FieldError, ValidationErrors};
use hqdesk_store::attachments::Attachment;
use hqdesk_store::cases;
use sha2::{Digest, Sha256};

use super::limits::*;
use super::submit::{check_typed, rename_fields, Typed};
use super::topics::topic;
use super::{form_instance, token_for_form, TrackedCase, PORTAL};
use crate::cases::{
    idempotency_scope, AddMessage, Direction, IdempotencyKey, NewAttachment, OpenCase, TipReceipt,
};
use crate::sealing::{CaseKeys, Opened};
use crate::{ServiceError, Services};

/// An anonymous tip as typed: no field of the sender's.
#[derive(Debug, Clone, Default)]
pub struct PortalTip {
    /// A confidential topic (`denunciation`).
    pub topic: String,
    pub subject: String,
    pub description: String,
    /// Where, when, goods, vehicles, people, evidence.
    pub tip: super::topics::TipDetails,
    pub attachments: Vec<NewAttachment>,
    /// As in [`super::PortalRequest`]: the article read before writing.
    pub from_article: Option<String>,
    pub from_query: Option<String>,
    /// As in [`super::PortalRequest`]: sent again, the form answers "already sent".
    pub form_instance: Option<String>,
}

/// What a filed tip answers, once.
#[derive(Debug)]
pub struct TipFiled {
    pub receipt: TipReceipt,
}

/// A tip as its reporter sees it after a receipt check, and the access that keeps it open.
#[derive(Debug)]
pub struct TipView {
    pub tracked: TrackedCase,
    /// For the page's hidden field: opaque, sealed for the installation, valid for
    /// [`crate::sealing::ACCESS_MINUTES`] from the check.
    pub access: String,
}

/// The code of the answer to a form sent twice.
pub const ALREADY_SUBMITTED: &str = "already_submitted";

fn already_submitted() -> ServiceError {
    ServiceError::Conflict {
        code: ALREADY_SUBMITTED,
        message: "this form was sent already".into(),
    }
}

/// The idempotency key a tip's form instance is recorded under (its secret never stored).
fn tip_key(instance: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hqdesk portal anonymous tip\0");
    h.update(instance.as_bytes());
    format!("tip:{}", hex::encode(h.finalize()))
}

/// Every sending of one tip form carries this: a second one is a retry whatever it says.
const TIP_FINGERPRINT: &str = "portal-anonymous-tip";

impl Services {
    /// Whether the form instance `instance` filed a tip already.
    pub(super) async fn tip_filed_before(&self, instance: &str) -> Result<bool, ServiceError> {
        let mut conn = self.store().read().await?;
        let scope = idempotency_scope(&PORTAL, "case.open");
        Ok(
            hqdesk_store::idempotency::find(&mut conn, &scope, &tip_key(instance))
                .await?
                .is_some(),
        )
    }

    /// File an anonymous tip from the portal: a confidential denunciation with no reporter's
    /// identity, sealed when the installation has an escrow key, with a receipt returned once.
    /// The same form instance sent again is refused with `already_submitted`.
    pub async fn portal_submit_tip(&self, t: PortalTip) -> Result<TipFiled, ServiceError> {
        let instance = form_instance(&t.form_instance);
        if let Some(i) = instance {
            if self.tip_filed_before(i).await?
                || self
                    .submitted_before(Some(i), &token_for_form(i))
                    .await?
                    .is_some()
            {
                return Err(already_submitted());
            }
        }
        self.global_rate_check(TIP_BUCKET, WINDOW_MS, TIPS_PER_HOUR)
            .await?;
        let mut errors = ValidationErrors::new();
        let topic = topic(t.topic.trim()).filter(|t| t.confidential());
        if topic.is_none() {
            errors.push(FieldError {
                field: "topic".into(),
                code: "topic_unknown",
                message: "choose what your request is about".into(),
            });
        }
        check_typed(
            &mut errors,
            &Typed {
                subject: Some(&t.subject),
                text_field: "description",
                text: &t.description,
                name: &None,
                business_name: &None,
                email: &None,
                phone: &None,
                attachments: &t.attachments,
            },
        );
        errors.into_result()?;
        let Some(topic) = topic else {
            return Err(ServiceError::Internal("topic checked above".into()));
        };
        let mut body = t.tip.lines();
        body.push_str(t.description.trim());
        let read = super::PortalRequest {
            from_article: t.from_article.clone(),
            from_query: t.from_query.clone(),
            ..Default::default()
        };
        if let Some(line) = self.read_before(&read).await {
            body.push_str("\n\n");
            body.push_str(&line);
        }
        let view = self
            .open_case(
                &PORTAL,
                OpenCase {
                    kind: topic.kind.into(),
                    branch: Some(i64::from(topic.branch)),
                    channel: "portal".into(),
                    subject: t.subject.clone(),
                    body: Some(body),
                    category: Some(topic.category.into()),
                    attachments: t.attachments,
                    anonymous: true,
                    ..Default::default()
                },
                instance.map(|i| IdempotencyKey {
                    key: tip_key(i),
                    fingerprint: TIP_FINGERPRINT.into(),
                }),
            )
            .await
            .map_err(rename_fields("description"))?;
        // Without a receipt, the answer is a retry's: the first sending has it.
        let receipt = view.receipt.ok_or_else(already_submitted)?;
        if let Err(e) = self
            .global_rate_hit(&[(TIP_BUCKET, WINDOW_MS, i64::MAX)])
            .await
        {
            tracing::warn!(error = %e, "portal: an accepted tip was not counted");
        }
        Ok(TipFiled { receipt })
    }

    /// The reporter comes back with their receipt, as typed (spaces, dashes and dots between
    /// the digits are ignored). In the order of `hqdesk_vault::receipt`'s note: a malformed
    /// receipt is refused at once (`receipt_malformed`, the format is public); a well-formed
    /// one is counted against the guess limit (`RateLimited`), then checked with the same work
    /// whatever it is; an unknown receipt and one whose wrap does not open are both `NotFound`.
    /// The web pads the answer to a fixed minimum time.
    pub async fn portal_receipt_check(&self, typed: &str) -> Result<TipView, ServiceError> {
        let receipt = TipReceipt::parse(typed).map_err(|_| {
            ServiceError::invalid_field("receipt", "receipt_malformed", "a receipt has 16 digits")
        })?;
        self.count_receipt_check().await?;
        let mut conn = self.store().read().await?;
        let opened = crate::sealing::check_receipt(&mut conn, &receipt).await?;
        drop(receipt);
        let access = crate::sealing::access_token(&opened, self.now())?;
        let tracked = self.tip_view(&mut conn, opened).await?;
        Ok(TipView { tracked, access })
    }

    /// The tip an access opens, while it is valid (`Unauthenticated` after: enter the receipt
    /// again).
    pub async fn portal_tip(&self, access: &str) -> Result<TipView, ServiceError> {
        let opened = crate::sealing::open_access(access, self.now())?;
        let mut conn = self.store().read().await?;
        let tracked = self.tip_view(&mut conn, opened).await?;
        Ok(TipView {
            tracked,
            access: access.trim().to_string(),
        })
    }

    async fn tip_view(
        &self,
        conn: &mut hqdesk_store::Connection,
        opened: Opened,
    ) -> Result<TrackedCase, ServiceError> {
        let case = cases::by_id(conn, opened.case_id).await?;
        let keys = match opened.data_key {
            Some(k) => CaseKeys::with_data_key(case.id, k),
            None => CaseKeys::none(),
        };
        let mut tracked = self.requester_view(conn, case, keys).await?;
        // Nobody rates an anonymous tip: there is no one to ask.
        tracked.rating = None;
        Ok(tracked)
    }

    /// The reporter writes again, with files, through an access (no receipt, no cookie). The
    /// store seals it like any message on the case. `form_id` (the reply form's own random id)
    /// makes a reply sent twice one message. Limited per case and hour.
    pub async fn portal_tip_reply(
        &self,
        access: &str,
        body: &str,
        attachments: Vec<NewAttachment>,
        form_id: Option<&str>,
    ) -> Result<TipView, ServiceError> {
        let opened = crate::sealing::open_access(access, self.now())?;
        let number = {
            let mut conn = self.store().read().await?;
            cases::by_id(&mut conn, opened.case_id).await?.number
        };
        let bucket = format!("portal.tip_reply:{}", opened.case_id);
        self.global_rate_check(&bucket, WINDOW_MS, TIP_REPLIES_PER_HOUR)
            .await?;
        self.add_message(
            &PORTAL,
            number.as_str(),
            AddMessage {
                body: body.to_string(),
                internal: false,
                direction: Direction::Inbound,
                attachments,
            },
            form_id.filter(|f| f.len() >= 32).map(|f| IdempotencyKey {
                key: format!("tip-reply:{f}"),
                fingerprint: hex::encode(Sha256::digest(body.as_bytes())),
            }),
        )
        .await?;
        if let Err(e) = self
            .global_rate_hit(&[(bucket.as_str(), WINDOW_MS, i64::MAX)])
            .await
        {
            tracing::warn!(error = %e, "portal: a tip's reply was not counted");
        }
        self.portal_tip(access).await
    }

    /// One file of the tip's conversation, through an access.
    pub async fn portal_tip_attachment(
        &self,
        access: &str,
        id: i64,
    ) -> Result<(Attachment, Vec<u8>), ServiceError> {
        let view = self.portal_tip(access).await?;
        if !view.tracked.attachments.iter().any(|a| a.id == id) {
            return Err(ServiceError::NotFound);
        }
        // Opened with the access's key (the portal itself holds none).
        let opened = crate::sealing::open_access(access, self.now())?;
        let mut keys = match opened.data_key {
            Some(k) => CaseKeys::with_data_key(opened.case_id, k),
            None => CaseKeys::none(),
        };
        self.attachment_opened_with(&PORTAL, id, &mut keys).await
    }
}
