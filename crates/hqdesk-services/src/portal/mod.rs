//! The public portal's use cases: a visitor sends a request or a suggestion, follows it through
//! a private tracking link, replies, and rates the handling once it is resolved.
//!
//! Visitors are not users. They act as `Actor::System("portal")` and reach exactly one case: the
//! one their tracking token names, or the anonymous tip their receipt opens (`tips`). Only the token's SHA-256 is stored, so a database dump does
//! not hand out the links. Anonymous submissions are limited per source address (only accepted
//! ones count); the address is kept only as a salted hash inside a one-hour window.
//!
//! A form sent twice (a double click, Back and send again, a browser retrying) opens one case:
//! the tracking token is derived from a secret of the form instance, so the second submission
//! finds the case the first one opened by the token's hash, and answers with it.

pub(crate) mod limits;
mod lost_link;
mod procedure_links;
mod ratings;
mod submit;
mod tips;
mod topics;
mod tracking;

pub use limits::{
    RECEIPT_CHECKS_PER_HOUR, RECEIPT_CHECKS_PER_MINUTE, RECEIPT_HOUR_BUCKET, RECEIPT_MINUTE_BUCKET,
    REPLIES_PER_HOUR, REPLY_LIMIT, REQUESTS_PER_HOUR, REQUEST_LIMIT, TIPS_PER_HOUR,
    TIP_REPLIES_PER_HOUR,
};
pub use lost_link::{LostLink, LOST_LINK_LIMIT};
pub use procedure_links::{procedure_forms, ProcedureForm};
pub use ratings::DISSATISFIED_AT_MOST;
pub use submit::parse_declaration_number;
pub use tips::{PortalTip, TipFiled, TipView, ALREADY_SUBMITTED};
pub use topics::{topic, Detail, TipDetails, Topic, SYSTEMS, TOPICS};
pub(crate) use tracking::notify_reply;

use hmac::{Hmac, Mac};
use hqdesk_domain::case::Status;
use hqdesk_domain::{FieldError, Timestamp};
use hqdesk_store::attachments::Attachment;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::timeline::Entry;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::cases::NewAttachment;
use crate::Actor;

const PORTAL: Actor = Actor::System("portal");

/// A request sent from the portal form, as typed.
#[derive(Debug, Clone, Default)]
pub struct PortalRequest {
    pub topic: String,
    pub subject: String,
    pub description: String,
    pub name: Option<String>,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
    pub declaration_number: Option<String>,
    pub system: Option<String>,
    pub error_message: Option<String>,
    /// A denunciation's details (ignored for other topics).
    pub tip: topics::TipDetails,
    pub attachments: Vec<NewAttachment>,
    /// The knowledge-base article the visitor read before writing ("this did not help"), and
    /// what they had searched for: recorded at the end of the first message.
    pub from_article: Option<String>,
    pub from_query: Option<String>,
    /// `vi` or `en`: the language of the confirmation mail.
    pub lang: String,
    /// Where visitors reach the portal (`https://…`, no trailing slash), for the mailed link.
    pub link_base: String,
    /// Where it came from (the client's address), for the hourly limit.
    pub source: String,
    /// A secret of the form instance (at least 128 random bits): sent again, the same form
    /// answers with the case it opened the first time. `None`: every submission is new.
    pub form_instance: Option<String>,
}

/// A suggestion (góp ý) for one unit, optionally anonymous.
#[derive(Debug, Clone, Default)]
pub struct PortalSuggestion {
    pub unit: String,
    pub subject: String,
    pub message: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: String,
    pub link_base: String,
    /// As in [`PortalRequest`].
    pub source: String,
    pub form_instance: Option<String>,
}

/// What the visitor gets back: the case number and the private link's token (shown once).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub case_number: String,
    pub tracking_token: String,
}

/// What the confirmation page shows about the case a tracking token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub case_number: String,
    pub suggestion: bool,
    pub subject: String,
    pub opened: Timestamp,
    /// When the service level promises a first answer, if it does.
    pub answer_due: Option<Timestamp>,
}

/// A case as its requester sees it through the tracking link.
#[derive(Debug, Clone)]
pub struct TrackedCase {
    pub case: CaseRecord,
    /// Messages between this requester and the service (never notes or internal events, never
    /// the conversation of a case merged into this one).
    pub messages: Vec<Entry>,
    pub attachments: Vec<Attachment>,
    pub rating: Option<Rating>,
}

impl TrackedCase {
    pub fn may_reply(&self) -> bool {
        self.case.status != Status::Closed
    }
    pub fn may_rate(&self) -> bool {
        self.rating.is_none() && matches!(self.case.status, Status::Resolved | Status::Closed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 5 = very satisfied … 1 = very dissatisfied.
    pub score: i64,
    pub comment: Option<String>,
    pub at: Timestamp,
}

impl Rating {
    fn from_row((score, comment, at): (i64, Option<String>, i64)) -> Rating {
        Rating {
            score,
            comment,
            at: Timestamp(at),
        }
    }
}

/// A fresh tracking token: 160 random bits, in hex (safe in URLs and read aloud on the phone).
fn new_token() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The tracking token of a form instance: 160 bits of HMAC-SHA-256 keyed with the instance's
/// secret. The same form sent twice yields the same token; without the secret it cannot be told.
fn token_for_form(instance: &str) -> String {
    // HMAC takes keys of any length: this cannot fail.
    match Hmac::<Sha256>::new_from_slice(instance.as_bytes()) {
        Ok(mut mac) => {
            mac.update(b"hqdesk portal tracking token");
            hex::encode(&mac.finalize().into_bytes()[..20])
        }
        Err(_) => new_token(),
    }
}

/// A form instance's secret is used only when it is long enough to be unguessable.
fn form_instance(instance: &Option<String>) -> Option<&str> {
    instance.as_deref().filter(|i| i.len() >= 32)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn missing(field: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: "required",
        message: "this field is required".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_files_in_a_seeded_category_of_its_branch() {
        for t in TOPICS {
            let c = hqdesk_domain::category::DEFAULT_CATEGORIES
                .iter()
                .find(|c| c.code == t.category)
                .unwrap_or_else(|| panic!("{} has no category {}", t.code, t.category));
            assert_eq!(c.branch.number(), t.branch, "{}", t.code);
            assert_eq!(c.kind.as_str(), t.kind, "{}", t.code);
            assert!(t.requires.iter().all(|d| t.asks.contains(d)), "{}", t.code);
        }
    }

    #[test]
    fn declaration_numbers_have_twelve_digits() {
        assert_eq!(
            parse_declaration_number("1035 2468 0120").unwrap(),
            "103524680120"
        );
        assert!(parse_declaration_number("10352468012").is_err());
        assert!(parse_declaration_number("10352468012a").is_err());
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 40, "160 bits in hex");
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
