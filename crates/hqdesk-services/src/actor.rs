//! Who is asking.
use hqdesk_domain::access::{self, Action, ActorFacts, CaseFacts, Decision};
use hqdesk_domain::user::Role;
use hqdesk_store::users::User;

use crate::vault::UnlockedKey;
use crate::ServiceError;

#[derive(Debug, Clone)]
pub enum Actor {
    /// A signed-in staff member or an API token holder. `unlocked` is an investigator's private
    /// key, opened from their console session's seal for this request; API tokens carry none
    /// (sealed content is read in the console only: a token in a telephone system's
    /// configuration must not open reports).
    User {
        user: User,
        facts: ActorFacts,
        unlocked: Option<UnlockedKey>,
    },
    /// The command line run by the operator on the server (`hqdesk user add`…): may manage
    /// users, units and categories, never read cases.
    Cli,
    /// A background job.
    System(&'static str),
}

impl Actor {
    /// The name written in the audit log.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::User { user, .. } => format!("user:{}", user.username),
            Actor::Cli => "cli".to_string(),
            Actor::System(job) => format!("system:{job}"),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { user, .. } => Some(user.id),
            _ => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::User { user, .. } => Some(user.role),
            _ => None,
        }
    }

    /// The private key of a signed-in investigator, for this request (design note 006 §4).
    pub fn unlocked_key(&self) -> Option<&hqdesk_vault::KeyPair> {
        match self {
            Actor::User {
                unlocked: Some(k), ..
            } => Some(k.key_pair()),
            _ => None,
        }
    }

    /// Decide, turning "hidden" into not-found and "forbidden" into a 403 with a reason.
    pub fn require(&self, action: Action, case: Option<&CaseFacts>) -> Result<(), ServiceError> {
        let decision = match self {
            Actor::User { facts, .. } => access::decide(facts, action, case),
            Actor::Cli => match action {
                Action::ManageUsers
                | Action::ReadUsers
                | Action::ManageCannedResponses
                | Action::ManageMailboxes
                | Action::ManageConfidentialAccounts
                | Action::ManageServiceLevels
                | Action::ManageUnits
                | Action::ManageCategories
                | Action::EditKnowledge
                | Action::ReadUnits
                | Action::ReadCategories => Decision::Permit,
                _ if case.is_some() => Decision::Hidden,
                _ => Decision::Forbidden,
            },
            // Jobs act on behalf of the system and are trusted.
            Actor::System(_) => Decision::Permit,
        };
        match decision {
            Decision::Permit => Ok(()),
            Decision::Hidden => Err(ServiceError::NotFound),
            Decision::Forbidden => Err(ServiceError::Forbidden(format!(
                "your role may not {}",
                action_words(action)
            ))),
        }
    }

    /// The cases this actor may know exist.
    pub fn case_scope(&self) -> access::CaseScope {
        match self {
            Actor::User { facts, .. } => access::case_scope(facts),
            Actor::System(_) => access::CaseScope::All,
            // The CLI sees no cases: an impossible scope.
            Actor::Cli => access::CaseScope::NonConfidentialOfUnitsOrAssignee {
                units: vec![],
                user_id: -1,
            },
        }
    }
}

fn action_words(a: Action) -> &'static str {
    match a {
        Action::CreateCase => "open cases",
        Action::ReadCase => "read this case",
        Action::UpdateCase => "change cases",
        Action::AssignCase => "assign cases",
        Action::ChangeStatus => "change the status of cases",
        Action::Reply => "reply to requesters",
        Action::AddNote => "add notes",
        Action::SealCase => "seal cases",
        Action::ReadContacts => "read contacts",
        Action::ManageContacts => "change contacts",
        Action::ReadUnits => "read units",
        Action::ManageUnits => "manage units",
        Action::ReadCategories => "read categories",
        Action::ManageCategories => "manage categories",
        Action::EditKnowledge => "edit the knowledge base and the procedures catalogue",
        Action::ManageUsers => "manage users",
        Action::ReadUsers => "see the list of users",
        Action::ManageCannedResponses => "manage canned responses",
        Action::ManageMailboxes => "manage mailboxes",
        Action::ManageConfidentialAccounts => {
            "appoint investigators or change their passwords or tokens (only `hqdesk user role` \
             on the server's command line may)"
        }
        Action::ManageServiceLevels => "manage calendars, service levels and legal deadlines",
        Action::RequestIdentity => "ask for a reporter's identity",
        Action::DecideIdentityRequests => {
            "decide requests to open a reporter's identity (custodians only)"
        }
        Action::ForwardRedacted => {
            "forward a redacted copy (investigators only, and only a report of the task force)"
        }
    }
}
