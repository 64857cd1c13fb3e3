//! Reading a sealed case's values with the data key the reader's unlocked private key opens
//! (design note 006 §9.5). One [`CaseKeys`] per request: each case's data key is unwrapped at
//! most once, and dropped (wiped) with it.
//!
//! A value that cannot be opened (no key: an API token, a non-investigator, an investigator
//! appointed after the case was sealed and not yet given it; or a value that fails to
//! authenticate) reads as empty, never as its ciphertext; a failure to authenticate is logged
//! with its place, never its bytes.
use std::collections::HashMap;

use hqdesk_store::attachments::Attachment;
use hqdesk_store::cases::{CaseRecord, ConfidentialReporter};
use hqdesk_store::sealed::places::{self, AttachmentPart, EntryPart, ReporterField};
use hqdesk_store::sealed::SealedText;
use hqdesk_store::timeline::Entry;
use hqdesk_store::{case_keys, Connection};
use hqdesk_vault::{DataKey, KeyPair, WrappedKey};

use crate::{Actor, ServiceError};

/// The refusal when a sealed case's key is needed and the request holds none (an API token, a
/// session without an unlocked key): 409 `sealed_key_required`.
pub(crate) fn sealed_key_required() -> ServiceError {
    ServiceError::Conflict {
        code: "sealed_key_required",
        message: "sign in to the console: only your key opens this case".into(),
    }
}

/// The data keys of sealed cases a request may open.
pub struct CaseKeys<'a> {
    holder: Option<&'a KeyPair>,
    keys: HashMap<i64, Option<DataKey>>,
}

impl<'a> CaseKeys<'a> {
    /// The keys `actor` holds: an investigator signed in to the console holds their unlocked
    /// private key; anyone else opens nothing.
    pub fn for_actor(actor: &'a Actor) -> Self {
        CaseKeys {
            holder: actor.unlocked_key(),
            keys: HashMap::new(),
        }
    }

    /// A holder's keys (a test, or a job working with a key it was given).
    pub fn with_key_pair(holder: &'a KeyPair) -> Self {
        CaseKeys {
            holder: Some(holder),
            keys: HashMap::new(),
        }
    }

    /// No key: sealed values read empty.
    pub fn none() -> Self {
        CaseKeys {
            holder: None,
            keys: HashMap::new(),
        }
    }

    /// A case's data key already in hand (a tracking link opened it).
    pub fn with_data_key(case_id: i64, key: DataKey) -> Self {
        CaseKeys {
            holder: None,
            keys: HashMap::from([(case_id, Some(key))]),
        }
    }

    /// The data key of `case_id`, unwrapped once per request; `None` when the holder has no
    /// wrap of it (or no key at all).
    pub async fn data_key(
        &mut self,
        conn: &mut Connection,
        case_id: i64,
    ) -> Result<Option<&DataKey>, ServiceError> {
        if !self.keys.contains_key(&case_id) {
            let key = match self.holder {
                Some(holder) => unwrap_for(conn, holder, case_id).await?,
                None => None,
            };
            self.keys.insert(case_id, key);
        }
        Ok(self.keys.get(&case_id).and_then(Option::as_ref))
    }

    /// Open `case`'s subject in place (nothing to do for a case that is not sealed).
    pub async fn open_case(
        &mut self,
        conn: &mut Connection,
        case: &mut CaseRecord,
    ) -> Result<(), ServiceError> {
        if !case.sealed {
            return Ok(());
        }
        let key = self.data_key(conn, case.id).await?;
        case.subject = open_text(key, &places::subject(case.id), &case.subject);
        Ok(())
    }

    /// [`Self::open_case`] for several cases.
    pub async fn open_cases(
        &mut self,
        conn: &mut Connection,
        cases: &mut [CaseRecord],
    ) -> Result<(), ServiceError> {
        for case in cases {
            self.open_case(conn, case).await?;
        }
        Ok(())
    }

    /// Open the sealed values of `entries` in place: each under the case it was written in.
    pub async fn open_entries(
        &mut self,
        conn: &mut Connection,
        entries: &mut [Entry],
    ) -> Result<(), ServiceError> {
        for e in entries {
            if !is_sealed(&e.body) && !e.meta.as_deref().is_some_and(is_sealed) {
                continue;
            }
            let case_id = e.place_case_id();
            let key = self.data_key(conn, case_id).await?;
            e.body = open_text(key, &places::entry(case_id, e.id, EntryPart::Body), &e.body);
            e.meta = e
                .meta
                .as_deref()
                .map(|m| open_text(key, &places::entry(case_id, e.id, EntryPart::Meta), m))
                .filter(|m| !m.is_empty());
            e.delivery_error = e.delivery_error.as_deref().map(|d| {
                open_text(
                    key,
                    &places::entry(case_id, e.id, EntryPart::DeliveryError),
                    d,
                )
            });
        }
        Ok(())
    }

    /// Open the names and types of `attachments` in place.
    pub async fn open_attachments(
        &mut self,
        conn: &mut Connection,
        attachments: &mut [Attachment],
    ) -> Result<(), ServiceError> {
        for a in attachments {
            if !is_sealed(&a.filename) {
                continue;
            }
            let key = self.data_key(conn, a.case_id).await?;
            let place = |part| places::attachment(a.case_id, a.id, &a.sha256, part);
            a.filename = open_text(key, &place(AttachmentPart::Filename), &a.filename);
            a.content_type = open_text(key, &place(AttachmentPart::ContentType), &a.content_type);
        }
        Ok(())
    }

    /// Open a sealed case's reporter in place.
    pub async fn open_reporter(
        &mut self,
        conn: &mut Connection,
        case_id: i64,
        r: &mut ConfidentialReporter,
    ) -> Result<(), ServiceError> {
        let key = self.data_key(conn, case_id).await?;
        for (field, value) in [
            (ReporterField::Name, &mut r.name),
            (ReporterField::Email, &mut r.email),
            (ReporterField::Phone, &mut r.phone),
            (ReporterField::TaxCode, &mut r.tax_code),
        ] {
            if let Some(v) = value.as_deref().filter(|v| is_sealed(v)) {
                *value = Some(open_text(key, &places::reporter(case_id, field), v))
                    .filter(|v| !v.is_empty());
            }
        }
        Ok(())
    }
}

fn is_sealed(stored: &str) -> bool {
    hqdesk_store::sealed::is_sealed_text(stored)
}

async fn unwrap_for(
    conn: &mut Connection,
    holder: &KeyPair,
    case_id: i64,
) -> Result<Option<DataKey>, ServiceError> {
    let Some(row) = case_keys::get(conn, case_id, &holder.key_id().to_string()).await? else {
        return Ok(None);
    };
    let wrapped: WrappedKey = match row.wrapped.parse() {
        Ok(w) => w,
        Err(_) => {
            tracing::error!(case_id, "a case key wrap is malformed");
            return Ok(None);
        }
    };
    match wrapped.unwrap_with(holder, &places::case_key(case_id)) {
        Ok(k) => Ok(Some(k)),
        Err(e) => {
            tracing::error!(case_id, error = %e, "a case key wrap does not open");
            Ok(None)
        }
    }
}

/// `stored` opened at `place`: plain text as it is; a sealed value with the key, or empty
/// without it or when it does not authenticate.
pub(crate) fn open_text(key: Option<&DataKey>, place: &[u8], stored: &str) -> String {
    let Some(sealed) = SealedText::decode(stored) else {
        if is_sealed(stored) {
            tracing::error!(place = %String::from_utf8_lossy(place), "a sealed value is malformed");
            return String::new();
        }
        return stored.to_string();
    };
    let Some(key) = key else {
        return String::new();
    };
    let opened = match sealed {
        SealedText::Value(b) => hqdesk_vault::open(key, place, &b),
        SealedText::Appended(b) => hqdesk_vault::open_append(key, place, &b),
    };
    match opened.map(String::from_utf8) {
        Ok(Ok(text)) => text,
        _ => {
            tracing::error!(place = %String::from_utf8_lossy(place), "a sealed value does not open");
            String::new()
        }
    }
}
