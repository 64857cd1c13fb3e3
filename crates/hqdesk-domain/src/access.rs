//! Who may do what. Pure functions over facts about the actor and the case, so the whole policy is
//! tested as a matrix of roles × actions × cases, and the store can turn the same rules into a
//! query filter ([`CaseScope`]) so lists, counts and search never contain what a read would refuse.
//!
//! Confidential cases (denunciations) exist only for task-force investigators: for everybody else
//! the service layer answers "not found", never "forbidden". Custodians see no case at all: they
//! only decide investigators' requests to open a reporter's identity (the identity vault).
use crate::user::Role;

/// What an actor asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    CreateCase,
    ReadCase,
    /// Subject, category, priority, kind, branch, requester.
    UpdateCase,
    AssignCase,
    ChangeStatus,
    /// A message to the requester.
    Reply,
    /// An internal note.
    AddNote,
    /// Seal a case that turns out to be a denunciation: it leaves every ordinary queue.
    SealCase,
    ReadContacts,
    ManageContacts,
    ReadUnits,
    ManageUnits,
    ReadCategories,
    ManageCategories,
    ManageUsers,
    /// See the list of staff accounts (read-only).
    ReadUsers,
    /// Create, edit and delete the canned responses agents insert into replies.
    ManageCannedResponses,
    /// Knowledge-base articles and the procedures catalogue of the portal.
    EditKnowledge,
    /// The email channel's mailboxes (IMAP/SMTP settings with their passwords).
    ManageMailboxes,
    /// Appoint a user to a role that sees confidential cases, or set the password or issue a
    /// token of such a user: no role may, only the server's command line.
    ManageConfidentialAccounts,
    /// Working calendars, service-level policies with their escalation ladders, and the legal
    /// deadlines' rules.
    ManageServiceLevels,
    /// Ask, with a reason, for a sealed case's reporter's identity (granted by a custodian).
    RequestIdentity,
    /// See the pending identity requests and approve or refuse them: custodians only.
    DecideIdentityRequests,
    /// Send a verifying unit a redacted copy of a report (without the reporter, the marked
    /// parts and the files' metadata): investigators, on a report of the task force.
    ForwardRedacted,
}

impl Action {
    pub const ALL: [Action; 24] = [
        Action::CreateCase,
        Action::ReadCase,
        Action::UpdateCase,
        Action::AssignCase,
        Action::ChangeStatus,
        Action::Reply,
        Action::AddNote,
        Action::SealCase,
        Action::ReadContacts,
        Action::ManageContacts,
        Action::ReadUnits,
        Action::ManageUnits,
        Action::ReadCategories,
        Action::ManageCategories,
        Action::ManageUsers,
        Action::ReadUsers,
        Action::ManageCannedResponses,
        Action::EditKnowledge,
        Action::ManageMailboxes,
        Action::ManageConfidentialAccounts,
        Action::ManageServiceLevels,
        Action::RequestIdentity,
        Action::DecideIdentityRequests,
        Action::ForwardRedacted,
    ];
    /// Actions on one existing case (they need [`CaseFacts`]).
    pub fn is_on_case(self) -> bool {
        matches!(
            self,
            Action::ReadCase
                | Action::UpdateCase
                | Action::AssignCase
                | Action::ChangeStatus
                | Action::Reply
                | Action::AddNote
                | Action::SealCase
                | Action::RequestIdentity
                | Action::ForwardRedacted
        )
    }
}

/// The actor as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorFacts {
    pub user_id: i64,
    pub role: Role,
    /// The actor's unit and every unit below it (empty when the user has no unit).
    pub unit_scope: Vec<i64>,
    /// The confidential cases whose reports name this actor, their unit or their chain of
    /// command (conflict of interest): hidden from them whatever their role, exactly as a missing
    /// case. Loaded only for roles that see confidential cases ([`sees_confidential`]).
    pub excluded_cases: Vec<i64>,
}

/// Whether a role sees confidential cases at all (and so needs its conflicts of interest loaded).
pub fn sees_confidential(role: Role) -> bool {
    role == Role::Investigator
}

/// The case as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    /// None for a case not written yet (nobody can be excluded from it).
    pub id: Option<i64>,
    pub confidential: bool,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// Which cases an actor can know exist. The store turns this into a WHERE clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// Every case, confidential ones included (task-force investigators).
    All,
    /// Every case but these: an investigator whom these reports name (conflict of interest).
    /// Never empty (an empty list is [`CaseScope::All`]).
    AllBut { excluded: Vec<i64> },
    /// Every case that is not confidential.
    NonConfidential,
    /// Non-confidential cases routed to one of these units or assigned to this user.
    NonConfidentialOfUnitsOrAssignee { units: Vec<i64>, user_id: i64 },
    /// No case at all (custodians).
    Nothing,
}

impl CaseScope {
    pub fn contains(&self, case: &CaseFacts) -> bool {
        match self {
            CaseScope::All => true,
            CaseScope::AllBut { excluded } => !case.id.is_some_and(|id| excluded.contains(&id)),
            CaseScope::NonConfidential => !case.confidential,
            CaseScope::NonConfidentialOfUnitsOrAssignee { units, user_id } => {
                !case.confidential
                    && (case.assignee_id == Some(*user_id)
                        || case.unit_id.is_some_and(|u| units.contains(&u)))
            }
            CaseScope::Nothing => false,
        }
    }

    /// Whether confidential cases are in it (some of them at least).
    pub fn includes_confidential(&self) -> bool {
        matches!(self, CaseScope::All | CaseScope::AllBut { .. })
    }
}

/// The cases this actor may know exist.
pub fn case_scope(actor: &ActorFacts) -> CaseScope {
    match actor.role {
        Role::Investigator if actor.excluded_cases.is_empty() => CaseScope::All,
        Role::Investigator => CaseScope::AllBut {
            excluded: actor.excluded_cases.clone(),
        },
        Role::UnitOfficer => CaseScope::NonConfidentialOfUnitsOrAssignee {
            units: actor.unit_scope.clone(),
            user_id: actor.user_id,
        },
        Role::Agent | Role::Hotline | Role::Supervisor | Role::Admin => CaseScope::NonConfidential,
        Role::Custodian => CaseScope::Nothing,
    }
}

/// The outcome of a policy question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Permit,
    /// The actor may see the object but not do this to it.
    Forbidden,
    /// The actor may not know the object exists: answer exactly as for a missing one.
    Hidden,
}

/// May `actor` do `action` (to `case`, for actions on a case)?
pub fn decide(actor: &ActorFacts, action: Action, case: Option<&CaseFacts>) -> Decision {
    if let Some(case) = case {
        if !case_scope(actor).contains(case) {
            return Decision::Hidden;
        }
    }
    let role = actor.role;
    // A custodian decides identity requests and does nothing else: no case, contact, unit or
    // article (what they approve says only which case and who asks).
    if role == Role::Custodian {
        return if action == Action::DecideIdentityRequests {
            Decision::Permit
        } else {
            Decision::Forbidden
        };
    }
    let permitted = match action {
        Action::ReadCase | Action::ReadContacts | Action::ReadUnits | Action::ReadCategories => {
            true
        }
        // Anyone on duty may record a contact, denunciations included: a misdirected
        // denunciation must never be refused. The case then disappears from their view.
        Action::CreateCase => true,
        // Whoever sees a denunciation where it does not belong takes it out of sight at once:
        // sealing only ever narrows who sees a case.
        Action::SealCase => true,
        Action::UpdateCase
        | Action::AssignCase
        | Action::ChangeStatus
        | Action::Reply
        | Action::AddNote => role != Role::Admin,
        Action::ManageContacts => role != Role::Admin,
        Action::ManageUnits
        | Action::ManageCategories
        | Action::ManageUsers
        | Action::ManageMailboxes => role == Role::Admin,
        // Supervisors keep the team's canned answers and see who is on it; only administrators
        // change accounts.
        Action::ReadUsers | Action::ManageCannedResponses => {
            matches!(role, Role::Supervisor | Role::Admin)
        }
        // The HelpDesk writes the answers it keeps giving; supervisors and admins review them.
        Action::EditKnowledge => matches!(role, Role::Agent | Role::Supervisor | Role::Admin),
        // Whoever could appoint an investigator could read every denunciation.
        Action::ManageConfidentialAccounts => false,
        // The due times every team works to: those who run the teams and the installation.
        Action::ManageServiceLevels => matches!(role, Role::Supervisor | Role::Admin),
        // Those who work the case; the identity itself is a custodian's to give.
        Action::RequestIdentity => role == Role::Investigator,
        Action::DecideIdentityRequests => false,
        // Only a report of the task force has a reporter to keep out and parts to mark; an
        // ordinary case is answered in the open.
        Action::ForwardRedacted => {
            role == Role::Investigator && case.is_some_and(|c| c.confidential)
        }
    };
    if permitted {
        Decision::Permit
    } else {
        Decision::Forbidden
    }
}

/// A telephone call as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallFacts {
    /// The IVR routed it to the denunciation choice, or it is attached to a denunciation.
    pub confidential: bool,
    /// The user whose extension answered it.
    pub answered_by: Option<i64>,
    /// The case it is attached to (or the callback it became).
    pub case: Option<CaseFacts>,
}

/// May `actor` see this call (its page, its screen-pop, it in a caller's history)? Confidential
/// calls exist only for task-force investigators, like denunciations. The others are for those
/// who take or supervise calls; a unit officer sees a call they answered or one attached to a
/// case of theirs. Administrators read no call, as they read no case's content.
pub fn call_visible(actor: &ActorFacts, call: &CallFacts) -> bool {
    let case_confidential = call.case.is_some_and(|c| c.confidential);
    if call.confidential || case_confidential {
        // A call attached to a report that names the actor is that report's.
        return actor.role == Role::Investigator
            && call.case.is_none_or(|c| case_scope(actor).contains(&c));
    }
    match actor.role {
        Role::Investigator | Role::Hotline | Role::Agent | Role::Supervisor => true,
        Role::UnitOfficer => {
            call.answered_by == Some(actor.user_id)
                || call.case.is_some_and(|c| case_scope(actor).contains(&c))
        }
        Role::Admin | Role::Custodian => false,
    }
}

/// Whether the report `case` names `actor` (or their unit, or their chain of command).
pub fn is_excluded(actor: &ActorFacts, case: &CaseFacts) -> bool {
    case.id.is_some_and(|id| actor.excluded_cases.contains(&id))
}

/// May a case with these facts be assigned to a user with this role and unit scope? The assignee
/// must be able to see the case, or the assignment would hide it from its own owner; someone the
/// report names never can ([`is_excluded`]).
pub fn may_be_assigned(assignee: &ActorFacts, case: &CaseFacts) -> bool {
    let after = CaseFacts {
        assignee_id: Some(assignee.user_id),
        ..*case
    };
    assignee.role != Role::Admin && case_scope(assignee).contains(&after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> ActorFacts {
        ActorFacts {
            user_id: 10,
            role,
            unit_scope: if role == Role::UnitOfficer {
                vec![5, 6]
            } else {
                vec![]
            },
            excluded_cases: vec![],
        }
    }
    const PUBLIC_IN_UNIT: CaseFacts = CaseFacts {
        id: Some(1),
        confidential: false,
        unit_id: Some(6),
        assignee_id: None,
    };
    const PUBLIC_ELSEWHERE: CaseFacts = CaseFacts {
        id: Some(2),
        confidential: false,
        unit_id: Some(9),
        assignee_id: None,
    };
    const PUBLIC_ASSIGNED_TO_ME: CaseFacts = CaseFacts {
        id: Some(3),
        confidential: false,
        unit_id: None,
        assignee_id: Some(10),
    };
    const CONFIDENTIAL: CaseFacts = CaseFacts {
        id: Some(4),
        confidential: true,
        unit_id: Some(6),
        assignee_id: Some(10),
    };

    /// The whole matrix, written out so a change of policy is a visible change of this table.
    /// Columns: case in my unit, case elsewhere, case assigned to me, confidential case.
    /// P = permit, F = forbidden, H = hidden (404).
    #[test]
    fn role_action_case_matrix() {
        use Decision::{Forbidden as F, Hidden as H, Permit as P};
        let cases = [
            PUBLIC_IN_UNIT,
            PUBLIC_ELSEWHERE,
            PUBLIC_ASSIGNED_TO_ME,
            CONFIDENTIAL,
        ];
        let case_rows: &[(Role, [Decision; 4], [Decision; 4])] = &[
            // role,              read,          mutate (update/assign/status/reply/note)
            (Role::Agent, [P, P, P, H], [P, P, P, H]),
            (Role::Hotline, [P, P, P, H], [P, P, P, H]),
            (Role::Investigator, [P, P, P, P], [P, P, P, P]),
            (Role::UnitOfficer, [P, H, P, H], [P, H, P, H]),
            (Role::Supervisor, [P, P, P, H], [P, P, P, H]),
            (Role::Admin, [P, P, P, H], [F, F, F, H]),
            (Role::Custodian, [H, H, H, H], [H, H, H, H]),
        ];
        for (role, read, mutate) in case_rows {
            let a = actor(*role);
            for (i, case) in cases.iter().enumerate() {
                assert_eq!(
                    decide(&a, Action::ReadCase, Some(case)),
                    read[i],
                    "{role:?} read case {i}"
                );
                // Whoever sees a case may seal it (administrators too): it only narrows who sees it.
                assert_eq!(
                    decide(&a, Action::SealCase, Some(case)),
                    read[i],
                    "{role:?} seal case {i}"
                );
                for action in [
                    Action::UpdateCase,
                    Action::AssignCase,
                    Action::ChangeStatus,
                    Action::Reply,
                    Action::AddNote,
                ] {
                    assert_eq!(
                        decide(&a, action, Some(case)),
                        mutate[i],
                        "{role:?} {action:?} case {i}"
                    );
                }
                // Only investigators ask for a reporter's identity; whoever does not see the
                // case is told nothing of it.
                let ask = decide(&a, Action::RequestIdentity, Some(case));
                let want = match read[i] {
                    H => H,
                    _ if *role == Role::Investigator => P,
                    _ => F,
                };
                assert_eq!(ask, want, "{role:?} request identity case {i}");
                // Investigators forward a report of the task force redacted; an ordinary case
                // has nothing to redact.
                let forward = decide(&a, Action::ForwardRedacted, Some(case));
                let want = match read[i] {
                    H => H,
                    _ if *role == Role::Investigator && case.confidential => P,
                    _ => F,
                };
                assert_eq!(forward, want, "{role:?} forward case {i}");
            }
        }
        // Actions not on a case.
        let other: &[(Role, [Decision; 15])] = &[
            // create, read contacts, manage contacts, read units, manage units, read categories,
            // manage categories, manage users, read users, manage canned responses, edit
            // knowledge, manage mailboxes, manage confidential accounts, manage service levels,
            // decide identity requests
            (Role::Agent, [P, P, P, P, F, P, F, F, F, F, P, F, F, F, F]),
            (Role::Hotline, [P, P, P, P, F, P, F, F, F, F, F, F, F, F, F]),
            (
                Role::Investigator,
                [P, P, P, P, F, P, F, F, F, F, F, F, F, F, F],
            ),
            (
                Role::UnitOfficer,
                [P, P, P, P, F, P, F, F, F, F, F, F, F, F, F],
            ),
            (
                Role::Supervisor,
                [P, P, P, P, F, P, F, F, P, P, P, F, F, P, F],
            ),
            (Role::Admin, [P, P, F, P, P, P, P, P, P, P, P, P, F, P, F]),
            (
                Role::Custodian,
                [F, F, F, F, F, F, F, F, F, F, F, F, F, F, P],
            ),
        ];
        let actions = [
            Action::CreateCase,
            Action::ReadContacts,
            Action::ManageContacts,
            Action::ReadUnits,
            Action::ManageUnits,
            Action::ReadCategories,
            Action::ManageCategories,
            Action::ManageUsers,
            Action::ReadUsers,
            Action::ManageCannedResponses,
            Action::EditKnowledge,
            Action::ManageMailboxes,
            Action::ManageConfidentialAccounts,
            Action::ManageServiceLevels,
            Action::DecideIdentityRequests,
        ];
        for (role, expected) in other {
            for (action, want) in actions.iter().zip(expected) {
                assert_eq!(
                    decide(&actor(*role), *action, None),
                    *want,
                    "{role:?} {action:?}"
                );
            }
        }
        assert_eq!(
            actions.len() + 9,
            Action::ALL.len(),
            "every action is in the matrix"
        );
    }

    #[test]
    fn scope_agrees_with_decide_for_reads() {
        for role in Role::ALL {
            let a = actor(role);
            for case in [
                PUBLIC_IN_UNIT,
                PUBLIC_ELSEWHERE,
                PUBLIC_ASSIGNED_TO_ME,
                CONFIDENTIAL,
            ] {
                let visible = case_scope(&a).contains(&case);
                assert_eq!(
                    visible,
                    decide(&a, Action::ReadCase, Some(&case)) == Decision::Permit
                );
            }
        }
    }

    #[test]
    fn confidential_calls_only_for_investigators_and_unit_officers_see_their_own() {
        let plain = CallFacts {
            confidential: false,
            answered_by: None,
            case: None,
        };
        let denunciation_choice = CallFacts {
            confidential: true,
            answered_by: Some(10),
            case: None,
        };
        let attached_to_denunciation = CallFacts {
            confidential: false,
            answered_by: Some(10),
            case: Some(CONFIDENTIAL),
        };
        let answered_by_me = CallFacts {
            answered_by: Some(10),
            ..plain
        };
        let of_my_unit = CallFacts {
            case: Some(PUBLIC_IN_UNIT),
            ..plain
        };
        // Columns: plain, denunciation choice, attached to a denunciation, answered by me, of my unit.
        let rows: &[(Role, [bool; 5])] = &[
            (Role::Agent, [true, false, false, true, true]),
            (Role::Hotline, [true, false, false, true, true]),
            (Role::Investigator, [true, true, true, true, true]),
            (Role::UnitOfficer, [false, false, false, true, true]),
            (Role::Supervisor, [true, false, false, true, true]),
            (Role::Admin, [false, false, false, false, false]),
            (Role::Custodian, [false, false, false, false, false]),
        ];
        for (role, want) in rows {
            let calls = [
                plain,
                denunciation_choice,
                attached_to_denunciation,
                answered_by_me,
                of_my_unit,
            ];
            for (i, call) in calls.iter().enumerate() {
                assert_eq!(
                    call_visible(&actor(*role), call),
                    want[i],
                    "{role:?} call {i}"
                );
            }
        }
    }

    #[test]
    fn confidential_cases_go_only_to_investigators() {
        for role in Role::ALL {
            assert_eq!(
                may_be_assigned(&actor(role), &CONFIDENTIAL),
                role == Role::Investigator,
                "{role:?}"
            );
        }
        assert!(
            may_be_assigned(&actor(Role::UnitOfficer), &PUBLIC_ELSEWHERE),
            "assignment itself makes it visible"
        );
        assert!(!may_be_assigned(&actor(Role::Admin), &PUBLIC_IN_UNIT));
    }

    /// An investigator the report names (conflict of interest).
    fn named_investigator() -> ActorFacts {
        ActorFacts {
            excluded_cases: vec![4, 9],
            ..actor(Role::Investigator)
        }
    }

    #[test]
    fn a_named_investigator_s_scope_leaves_out_exactly_the_reports_naming_them() {
        let a = named_investigator();
        let scope = case_scope(&a);
        assert_eq!(
            scope,
            CaseScope::AllBut {
                excluded: vec![4, 9]
            }
        );
        assert!(scope.includes_confidential());
        assert!(!scope.contains(&CONFIDENTIAL), "the report naming them");
        let other_report = CaseFacts {
            id: Some(5),
            ..CONFIDENTIAL
        };
        assert!(scope.contains(&other_report), "another report");
        for case in [PUBLIC_IN_UNIT, PUBLIC_ELSEWHERE, PUBLIC_ASSIGNED_TO_ME] {
            assert!(scope.contains(&case), "{case:?}");
        }
        // A case not written yet names nobody.
        let unwritten = CaseFacts {
            id: None,
            ..CONFIDENTIAL
        };
        assert!(scope.contains(&unwritten));
        // Without exclusions, the plain scope (the store's fast counts depend on it).
        assert_eq!(case_scope(&actor(Role::Investigator)), CaseScope::All);
        assert!(!CaseScope::NonConfidential.includes_confidential());
    }

    #[test]
    fn a_named_investigator_gets_nothing_of_the_report_as_for_a_missing_case() {
        let a = named_investigator();
        for action in Action::ALL.into_iter().filter(|a| a.is_on_case()) {
            assert_eq!(
                decide(&a, action, Some(&CONFIDENTIAL)),
                Decision::Hidden,
                "{action:?}"
            );
            let other_report = CaseFacts {
                id: Some(5),
                ..CONFIDENTIAL
            };
            assert_eq!(
                decide(&a, action, Some(&other_report)),
                Decision::Permit,
                "{action:?} on another report"
            );
        }
        assert!(is_excluded(&a, &CONFIDENTIAL));
        assert!(!is_excluded(&actor(Role::Investigator), &CONFIDENTIAL));
        assert!(!may_be_assigned(&a, &CONFIDENTIAL), "never its assignee");
        assert!(may_be_assigned(&actor(Role::Investigator), &CONFIDENTIAL));
        // The report's call goes with it; a call of another report does not.
        let call = CallFacts {
            confidential: true,
            answered_by: None,
            case: Some(CONFIDENTIAL),
        };
        assert!(!call_visible(&a, &call));
        assert!(call_visible(&actor(Role::Investigator), &call));
        assert!(call_visible(&a, &CallFacts { case: None, ..call }));
        assert!(sees_confidential(Role::Investigator));
        assert!(Role::ALL
            .into_iter()
            .filter(|r| *r != Role::Investigator)
            .all(|r| !sees_confidential(r)));
    }
}
