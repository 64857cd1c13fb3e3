//! The identity vault (issue 18; design note 006 §8): investigators work a denunciation without
//! its reporter's identity. Opening it is a reasoned request by an investigator allowed on the
//! case, approved by a second person (a custodian), for a limited time, and logged.
//!
//! - A case sealed since the identity vault has an identity key of its own: the store seals the
//!   reporter's fields to it (`hqdesk_store::sealed::append`), and it is wrapped for the escrow
//!   and the custodians only (`intake.rs`). No investigator's key opens it.
//! - An investigator asks with a reason ([`Services::request_identity`]); a custodian signed in
//!   to the console approves it for 1–72 hours ([`Services::approve_identity_request`]): their
//!   key unwraps the identity key and wraps it for the investigator's current public key in a
//!   grant row with its end, or refuses it with a reason.
//! - While the grant runs, the investigator's console (their unlocked key) opens the identity on
//!   the case page; each opening is audited (`identity.read`). An ended grant reads as sealed at
//!   once, and the job `identity.expire` deletes its row within five minutes.
//! - API tokens hold no key: the API never shows a confidential case's reporter.
//!
//! The same rule holds for every confidential case: one kept unencrypted (no escrow key yet) or
//! sealed before the identity vault (its reporter under the case's own key) shows its reporter
//! only through a live grant too; the grant is then a permission with no key in it.
use hqdesk_domain::access::Action;
use hqdesk_domain::Timestamp;
use hqdesk_store::cases::{self, CaseRecord, ConfidentialReporter};
use hqdesk_store::identity::{self, IdentityGrant, IdentityRequest, RequestStatus};
use hqdesk_store::sealed::places::{self, ReporterField};
use hqdesk_store::sealed::{append, SealedText};
use hqdesk_store::{users, Connection, Store};
use hqdesk_vault::{DataKey, WrappedKey};
use serde_json::json;

use super::CaseKeys;
use crate::audit::record as audit;
use crate::jobs::{JobOutcome, Registry};
use crate::{Actor, ServiceError, Services};

/// The shortest reason an investigator may give.
pub const REASON_MIN_CHARS: usize = 10;
/// The longest reason (and refusal) kept.
pub const REASON_MAX_CHARS: usize = 2000;
/// How long an approval lasts when the custodian does not say.
pub const DEFAULT_HOURS: i64 = 24;
/// The longest approval.
pub const MAX_HOURS: i64 = 72;

/// The periodic job deleting ended grants.
pub const EXPIRE_GRANTS_JOB: &str = "identity.expire";

/// What a reader of a confidential case knows of its reporter's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityState {
    /// Sealed to this reader; their latest request on the case, if any.
    Sealed { request: Option<IdentityRequest> },
    /// Open to this reader until then (a custodian approved their request).
    Open { until: Timestamp },
}

/// What a custodian's page lists.
#[derive(Debug, Clone, Default)]
pub struct IdentityRequests {
    /// Pending requests, oldest first: case number, who asks, why, when — nothing of the case.
    pub pending: Vec<IdentityRequest>,
}

/// The reporter's fields that say who they are.
fn named(r: &ConfidentialReporter) -> bool {
    [&r.name, &r.email, &r.phone, &r.tax_code]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
}

fn reason_text(field: &str, text: &str, min: usize) -> Result<String, ServiceError> {
    let text = text.trim();
    let n = text.chars().count();
    if n < min {
        return Err(ServiceError::invalid_field(
            field,
            "identity_reason_short",
            format!("give a reason of at least {min} characters"),
        ));
    }
    if n > REASON_MAX_CHARS {
        return Err(ServiceError::invalid_field(
            field,
            "identity_reason_long",
            format!("a reason has at most {REASON_MAX_CHARS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ServiceError::invalid_field(
            field,
            "control_character",
            "the text holds a control character",
        ));
    }
    Ok(text.to_string())
}

fn sealed_to_you() -> ServiceError {
    ServiceError::Conflict {
        code: "identity_sealed",
        message: "ask a custodian to open the reporter's identity first".into(),
    }
}

/// `stored` opened with the identity key at `place`; `None` when it does not open.
fn open_identity_text(key: &DataKey, place: &[u8], stored: &str) -> Option<String> {
    match SealedText::decode(stored) {
        Some(SealedText::Appended(b)) => hqdesk_vault::open_identity(key, place, &b)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        Some(SealedText::Value(_)) => None,
        None if hqdesk_store::sealed::is_sealed_text(stored) => None,
        None => Some(stored.to_string()),
    }
}

/// Open a reporter's fields sealed to the identity key, in place. `strict`: a value that does not
/// open is an error (unsealing writes back what it opened); otherwise it reads empty (logged).
fn open_fields(
    key: &DataKey,
    case_id: i64,
    r: &mut ConfidentialReporter,
    strict: bool,
) -> Result<(), ServiceError> {
    for (field, value) in [
        (ReporterField::Name, &mut r.name),
        (ReporterField::Email, &mut r.email),
        (ReporterField::Phone, &mut r.phone),
        (ReporterField::TaxCode, &mut r.tax_code),
    ] {
        let Some(stored) = value.as_deref() else {
            continue;
        };
        let place = places::identity(case_id, field);
        match open_identity_text(key, &place, stored) {
            Some(text) => *value = Some(text).filter(|t| !t.is_empty()),
            None => {
                tracing::error!(place = %String::from_utf8_lossy(&place), "a sealed identity does not open");
                if strict {
                    return Err(ServiceError::Conflict {
                        code: "sealed_value_damaged",
                        message: "the reporter's identity does not open; the case stays sealed"
                            .into(),
                    });
                }
                *value = None;
            }
        }
    }
    Ok(())
}

impl Services {
    /// The reporter of confidential `case` as `actor` may read it, and what they know of the
    /// identity: the reporter opened through a live grant (audited `identity.read`), an
    /// anonymous reporter as it is, or nothing with the state of their request.
    pub(crate) async fn reporter_for(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        case: &CaseRecord,
        keys: &mut CaseKeys<'_>,
    ) -> Result<(Option<ConfidentialReporter>, Option<IdentityState>), ServiceError> {
        let Some(stored) = cases::confidential_reporter(conn, case.id).await? else {
            return Ok((None, None));
        };
        if !named(&stored) {
            return Ok((Some(stored), None));
        }
        match self
            .open_granted(conn, actor, case, stored, keys, false)
            .await?
        {
            Some((reporter, grant)) => {
                let now = self.now();
                let mut tx = self.store().begin().await?;
                audit(
                    &mut tx,
                    now,
                    actor,
                    "identity.read",
                    &format!("case:{}", case.number),
                    json!({ "request": grant.request_id }),
                )
                .await?;
                Store::commit(tx).await?;
                Ok((
                    Some(reporter),
                    Some(IdentityState::Open {
                        until: grant.expires_at,
                    }),
                ))
            }
            None => {
                let request = match actor.user_id() {
                    Some(user_id) => identity::latest_request(conn, case.id, user_id).await?,
                    None => None,
                };
                Ok((None, Some(IdentityState::Sealed { request })))
            }
        }
    }

    /// The identity opened for `actor` through their live grant on `case`, with the grant;
    /// `None` without one (or without a key to open it: an API token, a grant wrapped for a key
    /// they no longer hold).
    async fn open_granted(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        case: &CaseRecord,
        mut reporter: ConfidentialReporter,
        keys: &mut CaseKeys<'_>,
        strict: bool,
    ) -> Result<Option<(ConfidentialReporter, IdentityGrant)>, ServiceError> {
        let (Some(user_id), Some(holder)) = (actor.user_id(), actor.unlocked_key()) else {
            return Ok(None);
        };
        let Some(grant) = identity::live_grant(conn, case.id, user_id, self.now()).await? else {
            return Ok(None);
        };
        if !case.sealed {
            return Ok(Some((reporter, grant)));
        }
        let identity_sealed = append::of_case(conn, case.id)
            .await?
            .is_some_and(|s| s.identity_key().is_some());
        if !identity_sealed {
            // Sealed before the identity vault: the reporter is under the case's own key.
            keys.open_reporter(conn, case.id, &mut reporter).await?;
            return Ok(Some((reporter, grant)));
        }
        let (Some(key_id), Some(wrapped)) = (&grant.key_id, &grant.wrapped) else {
            return Ok(None);
        };
        if *key_id != holder.key_id().to_string() {
            tracing::warn!(
                case.id = case.id,
                "an identity grant is wrapped for a key the investigator no longer holds"
            );
            return Ok(None);
        }
        let place = places::identity_grant(case.id, grant.request_id);
        let key = match wrapped
            .parse::<WrappedKey>()
            .and_then(|w| w.unwrap_with(holder, &place))
        {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(case.id = case.id, error = %e, "an identity grant does not open");
                return Ok(None);
            }
        };
        open_fields(&key, case.id, &mut reporter, strict)?;
        Ok(Some((reporter, grant)))
    }

    /// The reporter of sealed `case` opened for unsealing: strictly, and only through a live
    /// grant when it names someone (409 `identity_sealed` otherwise).
    pub(crate) async fn reporter_for_unsealing(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        case: &CaseRecord,
        keys: &mut CaseKeys<'_>,
    ) -> Result<Option<ConfidentialReporter>, ServiceError> {
        let Some(stored) = cases::confidential_reporter(conn, case.id).await? else {
            return Ok(None);
        };
        if !named(&stored) {
            return Ok(Some(stored));
        }
        match self
            .open_granted(conn, actor, case, stored, keys, true)
            .await?
        {
            Some((reporter, _)) => Ok(Some(reporter)),
            None => Err(sealed_to_you()),
        }
    }

    /// An investigator allowed on case `number` asks for its reporter's identity, with a reason
    /// of at least [`REASON_MIN_CHARS`] characters. Audited `identity.request` (no reason in the
    /// log). Refused: an anonymous report (409 `identity_anonymous`), an identity already open
    /// to them (409 `identity_already_open`), a request of theirs still pending (409
    /// `identity_request_pending`).
    pub async fn request_identity(
        &self,
        actor: &Actor,
        number: &str,
        reason: &str,
    ) -> Result<i64, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::RequestIdentity)
            .await?;
        let reason = reason_text("reason", reason, REASON_MIN_CHARS)?;
        let user_id = actor.user_id().ok_or(ServiceError::NotFound)?;
        let reporter = if case.confidential {
            cases::confidential_reporter(&mut conn, case.id).await?
        } else {
            None
        };
        if !reporter.as_ref().is_some_and(named) {
            return Err(ServiceError::Conflict {
                code: "identity_anonymous",
                message: "this report names no reporter: there is no identity to open".into(),
            });
        }
        let now = self.now();
        if identity::live_grant(&mut conn, case.id, user_id, now)
            .await?
            .is_some()
        {
            return Err(ServiceError::Conflict {
                code: "identity_already_open",
                message: "the reporter's identity is open to you already".into(),
            });
        }
        let pending = |r: &Option<IdentityRequest>| {
            r.as_ref()
                .is_some_and(|r| r.status == RequestStatus::Pending)
        };
        if pending(&identity::latest_request(&mut conn, case.id, user_id).await?) {
            return Err(request_pending());
        }
        drop(conn);
        let mut tx = self.store().begin().await?;
        let id = match identity::insert_request(&mut tx, case.id, user_id, &reason, now).await {
            Ok(id) => id,
            // Two requests at once: the unique index keeps one.
            Err(hqdesk_store::StoreError::Conflict(_)) => return Err(request_pending()),
            Err(e) => return Err(e.into()),
        };
        audit(
            &mut tx,
            now,
            actor,
            "identity.request",
            &format!("case:{}", case.number),
            json!({ "request": id }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(id)
    }

    /// How many identity requests wait for a decision: the count in a custodian's header (0 for
    /// anyone else).
    pub async fn pending_identity_requests(&self, actor: &Actor) -> Result<i64, ServiceError> {
        if actor.require(Action::DecideIdentityRequests, None).is_err() {
            return Ok(0);
        }
        let mut conn = self.store().read().await?;
        Ok(identity::count_pending(&mut conn).await?)
    }

    /// The pending identity requests: a custodian's page.
    pub async fn identity_requests(&self, actor: &Actor) -> Result<IdentityRequests, ServiceError> {
        actor.require(Action::DecideIdentityRequests, None)?;
        let mut conn = self.store().read().await?;
        Ok(IdentityRequests {
            pending: identity::pending(&mut conn, 500).await?,
        })
    }

    /// A custodian signed in to the console approves request `id` for `hours` (1 to
    /// [`MAX_HOURS`]): their key opens the case's identity key, wrapped then for the requesting
    /// investigator's current key until the grant ends. Audited `identity.approve`. Refused: a
    /// request decided already (409 `identity_request_decided`), one of their own, one whose
    /// investigator may no longer work the case (409 `identity_requester_gone`), without their
    /// unlocked key or a wrap of this identity for it (409 `identity_key_required`,
    /// `identity_key_missing`).
    pub async fn approve_identity_request(
        &self,
        actor: &Actor,
        id: i64,
        hours: Option<i64>,
    ) -> Result<(), ServiceError> {
        actor.require(Action::DecideIdentityRequests, None)?;
        let hours = hours.unwrap_or(DEFAULT_HOURS);
        if !(1..=MAX_HOURS).contains(&hours) {
            return Err(ServiceError::invalid_field(
                "hours",
                "identity_hours",
                format!("an approval lasts 1 to {MAX_HOURS} hours"),
            ));
        }
        let mut conn = self.store().read().await?;
        let request = self.pending_request(&mut conn, actor, id).await?;
        let case = cases::by_id(&mut conn, request.case_id).await?;
        let requester = users::get(&mut conn, request.requester_id).await?;
        if !requester.active || !requester.role.sees_confidential_cases() {
            return Err(ServiceError::Conflict {
                code: "identity_requester_gone",
                message: "the investigator who asked no longer works on sealed reports".into(),
            });
        }
        // Conflict of interest: neither the one who asked nor the custodian may be named by the
        // report (either may have been named since the request).
        let named_one = crate::conflict::excluded_cases(&mut conn, &requester)
            .await?
            .contains(&case.id);
        let named_custodian = match actor {
            Actor::User { user, .. } => crate::conflict::excluded_cases(&mut conn, user)
                .await?
                .contains(&case.id),
            _ => false,
        };
        if named_one || named_custodian {
            return Err(ServiceError::Conflict {
                code: "identity_conflict",
                message: "the report names the investigator who asked or you, their unit or \
                          their chain of command: it cannot be opened to them or by you"
                    .into(),
            });
        }
        let identity_sealed = case.sealed
            && append::of_case(&mut conn, case.id)
                .await?
                .is_some_and(|s| s.identity_key().is_some());
        let (key_id, wrapped) = if identity_sealed {
            let holder = actor.unlocked_key().ok_or_else(|| ServiceError::Conflict {
                code: "identity_key_required",
                message: "sign in to the console: only your key opens the identity".into(),
            })?;
            let missing = || ServiceError::Conflict {
                code: "identity_key_missing",
                message: "your key does not hold this reporter's identity: ask the operator to \
                          run `hqdesk keys escrow-recover --user` for you"
                    .into(),
            };
            let row = identity::get_key(&mut conn, case.id, &holder.key_id().to_string())
                .await?
                .ok_or_else(missing)?;
            let identity_key = row
                .wrapped
                .parse::<WrappedKey>()
                .and_then(|w| w.unwrap_with(holder, &places::identity_key(case.id)))
                .map_err(|e| {
                    tracing::error!(case.id = case.id, error = %e, "an identity key wrap does not open");
                    missing()
                })?;
            let to = self
                .verified_public_key(&mut conn, requester.id)
                .await?
                .ok_or_else(|| ServiceError::Conflict {
                    code: "identity_requester_gone",
                    message: "the investigator who asked has no key pair yet".into(),
                })?;
            let wrapped = WrappedKey::wrap_for(
                &identity_key,
                &to.public_key,
                &places::identity_grant(case.id, request.id),
            )
            .map_err(|e| ServiceError::Internal(format!("wrapping an identity key: {e}")))?;
            (Some(to.key_id.to_string()), Some(wrapped.to_string()))
        } else {
            (None, None)
        };
        drop(conn);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !identity::decide(&mut tx, id, decider(actor)?, Some(hours), None, now).await? {
            return Err(decided());
        }
        identity::insert_grant(
            &mut tx,
            &IdentityGrant {
                request_id: request.id,
                case_id: case.id,
                user_id: requester.id,
                key_id,
                wrapped,
                expires_at: now.plus_minutes(hours * 60),
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "identity.approve",
            &format!("case:{}", case.number),
            json!({ "request": request.id, "requester": requester.username, "hours": hours }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// A custodian refuses request `id`, saying why (kept for the investigator). Audited
    /// `identity.refuse` (no reason in the log).
    pub async fn refuse_identity_request(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Action::DecideIdentityRequests, None)?;
        let reason = reason_text("refusal", reason, 1)?;
        let mut conn = self.store().read().await?;
        let request = self.pending_request(&mut conn, actor, id).await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !identity::decide(&mut tx, id, decider(actor)?, None, Some(&reason), now).await? {
            return Err(decided());
        }
        audit(
            &mut tx,
            now,
            actor,
            "identity.refuse",
            &format!("case:{}", request.case_number),
            json!({ "request": request.id }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Request `id`, still pending and not the actor's own.
    async fn pending_request(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        id: i64,
    ) -> Result<IdentityRequest, ServiceError> {
        let request = identity::request(conn, id).await?;
        if request.status != RequestStatus::Pending {
            return Err(decided());
        }
        if Some(request.requester_id) == actor.user_id() {
            return Err(ServiceError::Conflict {
                code: "identity_own_request",
                message: "a second person decides: you cannot decide your own request".into(),
            });
        }
        Ok(request)
    }
}

fn decider(actor: &Actor) -> Result<i64, ServiceError> {
    actor
        .user_id()
        .ok_or_else(|| ServiceError::Forbidden("only a custodian decides".into()))
}

fn decided() -> ServiceError {
    ServiceError::Conflict {
        code: "identity_request_decided",
        message: "this request was decided already".into(),
    }
}

fn request_pending() -> ServiceError {
    ServiceError::Conflict {
        code: "identity_request_pending",
        message: "your request for this identity is waiting for a custodian".into(),
    }
}

/// Register the periodic job that deletes ended grants.
pub(crate) fn register(r: &mut Registry) {
    r.register(
        EXPIRE_GRANTS_JOB,
        std::sync::Arc::new(|s, _job| Box::pin(async move { expire_grants(s).await })),
    );
}

/// Periodic: delete the grants that ended (they are refused from their end already; their row,
/// with the identity key wrapped in it, goes here within five minutes).
async fn expire_grants(s: Services) -> Result<JobOutcome, String> {
    let now = s.now();
    let n = s
        .expire_identity_grants()
        .await
        .map_err(|e| e.to_string())?;
    tracing::debug!(deleted = n, "ended identity grants deleted");
    Ok(JobOutcome::RunAgainAt(now.plus_minutes(5)))
}

impl Services {
    /// Delete the identity grants that have ended; how many.
    pub async fn expire_identity_grants(&self) -> Result<u64, ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let n = identity::delete_expired_grants(&mut tx, now).await?;
        Store::commit(tx).await?;
        Ok(n)
    }
}
