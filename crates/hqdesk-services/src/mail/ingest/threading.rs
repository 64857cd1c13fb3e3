//! Threading: which case a mail belongs on, or which case to suggest merging it into.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::{CaseNumber, Status};
use hqdesk_domain::requester::Email;
use hqdesk_mail::ParsedMail;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::mail::{self as mailstore};
use hqdesk_store::{cases, requesters, Connection, StoreError};

use crate::{Actor, ServiceError, Services};

/// Why a mail did not thread onto the case it seems to belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionReason {
    /// The subject names the case but the sender is not its requester.
    CaseNumberOtherSender,
    /// The mail answers a message of a case that is closed.
    ClosedCase,
    /// Only Outlook's Thread-Index links it, and the sender is not the case's requester.
    ThreadIndexOtherSender,
}

impl SuggestionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionReason::CaseNumberOtherSender => "case_number_other_sender",
            SuggestionReason::ClosedCase => "closed_case",
            SuggestionReason::ThreadIndexOtherSender => "thread_index_other_sender",
        }
    }
}

/// Where a parsed mail goes: the pure part of the mapping is in [`thread_keys`].
pub(super) enum Target {
    Existing {
        case: CaseRecord,
        by: &'static str,
    },
    New {
        suggest: Option<(CaseRecord, SuggestionReason)>,
    },
}

/// The keys a mail may thread by, in the order they are tried (pure, used by the fuzz target).
pub fn thread_keys(p: &ParsedMail) -> (Vec<String>, Option<CaseNumber>, Option<String>) {
    (
        p.thread_candidates(),
        p.case_number.clone(),
        p.thread_key.clone(),
    )
}

pub(super) fn sender_email(p: &ParsedMail) -> Option<String> {
    p.requester()
        .and_then(|a| Email::parse(&a.address).ok())
        .map(|e| e.as_str().to_string())
        .or_else(|| {
            p.from
                .as_ref()
                .and_then(|a| Email::parse(&a.address).ok())
                .map(|e| e.as_str().to_string())
        })
}

fn same_address(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

impl Services {
    pub(super) async fn resolve_target(
        &self,
        tx: &mut Connection,
        p: &ParsedMail,
        sender: Option<&str>,
    ) -> Result<Target, ServiceError> {
        let (candidates, number, thread_key) = thread_keys(p);
        for id in &candidates {
            if let Some(r) = mailstore::find_message_id(tx, id).await? {
                let case = cases::by_id(tx, r.case_id).await?;
                if case.status == Status::Closed {
                    return Ok(Target::New {
                        suggest: Some((case, SuggestionReason::ClosedCase)),
                    });
                }
                return Ok(Target::Existing {
                    case,
                    by: "references",
                });
            }
        }
        // A weaker key (the case number in the subject, Outlook's Thread-Index) files the mail
        // on its case only when the sender is the case's requester; otherwise it is a suggestion.
        let mut fallback = None;
        if let Some(n) = number {
            match cases::by_number(tx, &n).await {
                Ok(case) => {
                    match self
                        .weak_match(tx, case, sender, SuggestionReason::CaseNumberOtherSender)
                        .await?
                    {
                        Ok(case) => {
                            return Ok(Target::Existing {
                                case,
                                by: "case_number",
                            })
                        }
                        Err(suggestion) => fallback = Some(suggestion),
                    }
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if fallback.is_none() {
            if let Some(key) = thread_key {
                if let Some(r) = mailstore::find_message_id(tx, &key).await? {
                    let case = cases::by_id(tx, r.case_id).await?;
                    match self
                        .weak_match(tx, case, sender, SuggestionReason::ThreadIndexOtherSender)
                        .await?
                    {
                        Ok(case) => {
                            return Ok(Target::Existing {
                                case,
                                by: "thread_index",
                            })
                        }
                        Err(suggestion) => fallback = Some(suggestion),
                    }
                }
            }
        }
        Ok(Target::New { suggest: fallback })
    }

    /// Whether a mail that could not be filed belongs with a confidential case: then its work
    /// item (the raw mail attached) must be confidential too. When that cannot be told, it is
    /// taken to be: an ordinary mail seen only by the task force is the lesser harm.
    pub(super) async fn threads_to_confidential(
        &self,
        p: &ParsedMail,
    ) -> Result<bool, ServiceError> {
        // On a connection of its own: a failing statement must not spoil the work item's
        // transaction.
        let mut conn = self.store().read().await?;
        match self
            .resolve_target(&mut conn, p, sender_email(p).as_deref())
            .await
        {
            Ok(Target::Existing { case, .. }) => Ok(case.confidential),
            Ok(Target::New { suggest }) => Ok(suggest.is_some_and(|(t, _)| t.confidential)),
            Err(e @ ServiceError::Unavailable(_)) => Err(e),
            Err(_) => Ok(true),
        }
    }

    /// `Ok(case)` when a mail found by a weak key belongs on `case` (open, and from its
    /// requester); otherwise the merge suggestion to make instead.
    async fn weak_match(
        &self,
        tx: &mut Connection,
        case: CaseRecord,
        sender: Option<&str>,
        other_sender: SuggestionReason,
    ) -> Result<Result<CaseRecord, (CaseRecord, SuggestionReason)>, ServiceError> {
        if case.status == Status::Closed {
            return Ok(Err((case, SuggestionReason::ClosedCase)));
        }
        let is_requester = match sender {
            // A sealed case's reporter's address is kept sealed: compared by its lookup hash.
            Some(sender) if case.sealed => {
                cases::is_sealed_reporter_email(tx, case.id, sender).await?
            }
            _ => same_address(self.requester_email(tx, &case).await?.as_deref(), sender),
        };
        Ok(if is_requester {
            Ok(case)
        } else {
            Err((case, other_sender))
        })
    }

    /// The address a case's own requester writes from: a confidential case's reporter's,
    /// kept apart from the directory.
    async fn requester_email(
        &self,
        tx: &mut Connection,
        case: &CaseRecord,
    ) -> Result<Option<String>, ServiceError> {
        if case.confidential {
            return Ok(cases::confidential_reporter(tx, case.id)
                .await?
                .and_then(|r| r.email));
        }
        Ok(match case.requester_id {
            Some(id) => requesters::get(tx, id).await?.email,
            None => None,
        })
    }

    /// Open "merge into case …" suggestions of a case the actor may read, naming only cases
    /// the actor may see too.
    pub async fn merge_suggestions(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<mailstore::MergeSuggestion>, ServiceError> {
        let number = CaseNumber::parse(number).map_err(|_| ServiceError::NotFound)?;
        let mut conn = self.store().read().await?;
        let case = cases::by_number(&mut conn, &number).await?;
        actor.require(Action::ReadCase, Some(&case.facts()))?;
        let scope = actor.case_scope();
        Ok(mailstore::merge_suggestions(&mut conn, case.id)
            .await?
            .into_iter()
            .filter(|s| scope.contains(&s.target_facts()))
            .collect())
    }
}
