//! Who may see a telephone call: the domain's [`access::call_visible`] applied to stored calls.
//! A confidential call (the IVR's denunciation choice, or attached to a denunciation) answers
//! exactly like a missing one to everyone but task-force investigators.
use hqdesk_domain::access::{self, CallFacts};
use hqdesk_domain::user::Role;
use hqdesk_store::calls::{Call, CallScope};
use hqdesk_store::{cases, Connection, StoreError};

use crate::{Actor, ServiceError};

/// The policy's view of a stored call (its case read on `conn`).
pub(crate) async fn call_facts(
    conn: &mut Connection,
    call: &Call,
) -> Result<CallFacts, ServiceError> {
    let case = match call.case_id {
        Some(id) => match cases::by_id(conn, id).await {
            Ok(c) => Some(c.facts()),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Ok(CallFacts {
        confidential: call.is_confidential(),
        answered_by: call.answered_user_id,
        case,
    })
}

/// Whether `actor` may see `call`. Background jobs and the telephone system see every call.
pub(crate) async fn may_see_call(
    conn: &mut Connection,
    actor: &Actor,
    call: &Call,
) -> Result<bool, ServiceError> {
    match actor {
        Actor::User { facts, .. } => {
            Ok(access::call_visible(facts, &call_facts(conn, call).await?))
        }
        Actor::System(_) => Ok(true),
        Actor::Cli => Ok(false),
    }
}

/// Which calls an actor's lists may contain before each is checked with [`may_see_call`]:
/// confidential ones only for investigators and the system.
pub(crate) fn call_scope(actor: &Actor) -> CallScope {
    match actor {
        Actor::System(_) => CallScope::All,
        _ if actor.role() == Some(Role::Investigator) => CallScope::All,
        _ => CallScope::NonConfidential,
    }
}

/// Keep the calls of `calls` that `actor` may see.
pub(crate) async fn visible_calls(
    conn: &mut Connection,
    actor: &Actor,
    calls: Vec<Call>,
) -> Result<Vec<Call>, ServiceError> {
    let mut out = Vec::with_capacity(calls.len());
    for c in calls {
        if may_see_call(conn, actor, &c).await? {
            out.push(c);
        }
    }
    Ok(out)
}
