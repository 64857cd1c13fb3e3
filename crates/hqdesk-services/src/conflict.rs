//! Conflict of interest (issue 18; design note 006 §10): a report may name officers (staff
//! accounts) and units; those named, and on request their chain of command, can neither see nor
//! be given the case, even as investigators.
//!
//! - **Who is excluded** is kept as keyed hashes (`hqdesk_store::case_exclusions`) and computed
//!   from the directory whenever an actor is built ([`excluded_cases`]): their id, their unit and
//!   the units above it. The domain's access policy then hides those cases from them exactly as
//!   missing ones (`ActorFacts::excluded_cases`, `CaseScope::AllBut`): pages, lists, counts,
//!   search, the live stream, links and calls alike.
//! - **Naming** ([`Services::name_involved`] from the case page, or `named_officers` /
//!   `named_units` at intake through the API) writes the tags, deletes the case key's wraps of
//!   everyone the naming covers (every key pair they ever had), takes the case from its assignee
//!   when they are covered, keeps the list itself sealed with the case, all in one transaction
//!   with a timeline event and a `case.name_involved` audit entry that names nobody.
//! - **Wrapping for users** skips the excluded: intake's recipients, escrow recovery.
use std::collections::{BTreeSet, HashMap};

use hqdesk_domain::access::{self, Action};
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::{FieldError, Timestamp, ValidationErrors};
use hqdesk_store::case_exclusions::{self, Exclusions, Tag};
use hqdesk_store::cases::{CaseChanges, CaseRecord};
use hqdesk_store::sealed::places;
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::units::{self, Unit};
use hqdesk_store::users::{self, User};
use hqdesk_store::{case_keys, cases, timeline, vault_keys, Connection, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// Who a report names, as typed: usernames and unit codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameInvolved {
    pub officers: Vec<String>,
    pub units: Vec<String>,
    /// Also exclude their chain of command: a named person's unit and every unit above it; every
    /// unit above a named unit.
    pub chain: bool,
}

impl NameInvolved {
    pub fn is_empty(&self) -> bool {
        self.officers.iter().all(|o| o.trim().is_empty())
            && self.units.iter().all(|u| u.trim().is_empty())
    }
}

/// [`NameInvolved`] found in the directory.
#[derive(Debug, Clone, Default)]
pub(crate) struct Named {
    pub officers: Vec<User>,
    pub units: Vec<Unit>,
    pub chain: bool,
}

impl Named {
    pub fn is_empty(&self) -> bool {
        self.officers.is_empty() && self.units.is_empty()
    }
}

/// One naming as kept with the case (sealed): ids, with the names as they were, for the page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct NamedList {
    #[serde(default)]
    officers: Vec<(i64, String)>,
    #[serde(default)]
    units: Vec<(i64, String)>,
    #[serde(default)]
    chain: bool,
}

/// Who a report names, for those who may see it (the case page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Involved {
    /// Named officers: (username, display name).
    pub officers: Vec<(String, String)>,
    /// Named units: (code, name).
    pub units: Vec<(String, String)>,
    /// Whether any naming asked for the chain of command too.
    pub chain: bool,
    /// Some naming could not be read (a sealed list without the reader's key).
    pub unreadable: bool,
    /// Everyone the report excludes now (usernames): never offered as its assignee.
    pub excluded: BTreeSet<String>,
}

/// The units of the directory, to walk up a chain of command in memory.
pub(crate) struct UnitTree {
    parent: HashMap<i64, Option<i64>>,
}

impl UnitTree {
    pub async fn load(conn: &mut Connection) -> Result<UnitTree, ServiceError> {
        Ok(UnitTree {
            parent: units::list(conn)
                .await?
                .into_iter()
                .map(|u| (u.id, u.parent_id))
                .collect(),
        })
    }

    /// `unit` and every unit above it, nearest first (at most 64: the directory refuses cycles).
    pub fn chain(&self, unit: Option<i64>) -> Vec<i64> {
        let mut out = Vec::new();
        let mut next = unit;
        while let Some(u) = next {
            if out.len() >= 64 || out.contains(&u) {
                break;
            }
            out.push(u);
            next = self.parent.get(&u).copied().flatten();
        }
        out
    }
}

/// The confidential cases whose reports exclude `user` (none for roles that see no
/// confidential case: the policy hides those cases from them anyway; custodians' are counted,
/// as they decide who opens a reporter's identity).
pub(crate) async fn excluded_cases(
    conn: &mut Connection,
    user: &User,
) -> Result<Vec<i64>, ServiceError> {
    if !access::sees_confidential(user.role) && user.role != hqdesk_domain::user::Role::Custodian {
        return Ok(vec![]);
    }
    let exclusions = Exclusions::load(conn).await?;
    if exclusions.is_empty() {
        return Ok(vec![]);
    }
    let chain = match user.unit_id {
        Some(u) => units::ancestors(conn, u).await?,
        None => vec![],
    };
    Ok(exclusions.cases_excluding(user.id, &chain)?)
}

/// The users (every account, any role) that `case_id`'s exclusions cover now.
pub(crate) async fn covered_users(
    conn: &mut Connection,
    case_id: i64,
) -> Result<Vec<User>, ServiceError> {
    let exclusions = Exclusions::of_case(conn, case_id).await?;
    if exclusions.is_empty() {
        return Ok(vec![]);
    }
    let tree = UnitTree::load(conn).await?;
    let mut out = Vec::new();
    for u in users::list(conn).await? {
        if exclusions.excludes(case_id, u.id, &tree.chain(u.unit_id))? {
            out.push(u);
        }
    }
    Ok(out)
}

/// Find what `input` names, with a 422 naming the field for anything unknown.
pub(crate) async fn resolve(
    conn: &mut Connection,
    input: &NameInvolved,
    errors: &mut ValidationErrors,
) -> Result<Named, ServiceError> {
    let mut named = Named {
        chain: input.chain,
        ..Default::default()
    };
    for name in input.officers.iter().map(|o| o.trim().to_ascii_lowercase()) {
        if name.is_empty() || named.officers.iter().any(|u| u.username == name) {
            continue;
        }
        // A deactivated account is named too: it may come back.
        match users::by_username(conn, &name).await {
            Ok(u) => named.officers.push(u),
            Err(StoreError::NotFound) => errors.push(FieldError {
                field: "named_officers".into(),
                code: "officer_unknown",
                message: format!("there is no staff account {name:?} to name"),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    for code in input.units.iter().map(|u| u.trim().to_ascii_uppercase()) {
        if code.is_empty() || named.units.iter().any(|u| u.code == code) {
            continue;
        }
        match units::by_code(conn, &code).await {
            Ok(u) => named.units.push(u),
            Err(StoreError::NotFound) => errors.push(FieldError {
                field: "named_units".into(),
                code: "unit_unknown",
                message: format!("there is no unit {code:?} to name"),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(named)
}

/// The tags a naming writes.
fn tags(named: &Named, tree: &UnitTree) -> BTreeSet<Tag> {
    let mut tags = BTreeSet::new();
    for u in &named.officers {
        tags.insert(Tag::User(u.id));
        if named.chain {
            tags.extend(tree.chain(u.unit_id).into_iter().map(Tag::Chain));
        }
    }
    for unit in &named.units {
        tags.insert(Tag::Unit(unit.id));
        if named.chain {
            tags.extend(
                tree.chain(Some(unit.id))
                    .into_iter()
                    .skip(1)
                    .map(Tag::Chain),
            );
        }
    }
    tags
}

/// What a naming did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NamingDone {
    /// Accounts the case now excludes.
    pub covered: usize,
    /// Wraps of the case key deleted.
    pub wraps_deleted: u64,
    /// The assignee was among them: the case was taken from them.
    pub unassigned: bool,
}

/// Whether `named` covers `user` (a new case's assignee, before anything is written).
pub(crate) fn names_user(named: &Named, tree: &UnitTree, user: &User) -> bool {
    let tags = tags(named, tree);
    let chain = tree.chain(user.unit_id);
    tags.contains(&Tag::User(user.id))
        || chain.iter().any(|u| tags.contains(&Tag::Unit(*u)))
        || chain
            .first()
            .is_some_and(|u| tags.contains(&Tag::Chain(*u)))
}

/// Write the exclusions of a naming of `case_id` (before its key is wrapped at intake, so that
/// nobody it names is a recipient).
pub(crate) async fn write_tags(
    tx: &mut Connection,
    case_id: i64,
    named: &Named,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let tree = UnitTree::load(tx).await?;
    case_exclusions::add(tx, case_id, &tags(named, &tree), now).await?;
    Ok(())
}

/// Write a naming of `case` in the caller's transaction: the tags, the sealed list, the wraps of
/// everyone covered deleted, the case taken from a covered assignee. No timeline or audit entry
/// (the caller writes them).
pub(crate) async fn write_naming(
    tx: &mut Connection,
    case: &CaseRecord,
    named: &Named,
    now: Timestamp,
) -> Result<NamingDone, ServiceError> {
    write_tags(tx, case.id, named, now).await?;
    finish_naming(tx, case.id, named, now).await
}

/// The rest of a naming once its tags are written: the list kept (sealed when the case is),
/// the wraps of everyone covered deleted, the case taken from a covered assignee.
pub(crate) async fn finish_naming(
    tx: &mut Connection,
    case_id: i64,
    named: &Named,
    now: Timestamp,
) -> Result<NamingDone, ServiceError> {
    let list = NamedList {
        officers: named
            .officers
            .iter()
            .map(|u| (u.id, u.username.clone()))
            .collect(),
        units: named.units.iter().map(|u| (u.id, u.code.clone())).collect(),
        chain: named.chain,
    };
    let list = serde_json::to_string(&list)
        .map_err(|e| ServiceError::Internal(format!("the named list: {e}")))?;
    case_exclusions::add_named(tx, case_id, &list, now).await?;
    let covered = covered_users(tx, case_id).await?;
    let mut done = NamingDone {
        covered: covered.len(),
        ..Default::default()
    };
    for u in &covered {
        for key in vault_keys::all_for_user(tx, u.id).await? {
            if case_keys::delete(tx, case_id, &key.key_id).await? {
                done.wraps_deleted += 1;
            }
        }
    }
    let current = cases::by_id(tx, case_id).await?;
    if let Some(a) = current.assignee_id {
        if covered.iter().any(|u| u.id == a) {
            cases::update(
                tx,
                case_id,
                &CaseChanges {
                    assignee_id: Some(None),
                    ..Default::default()
                },
                now,
            )
            .await?;
            done.unassigned = true;
        }
    }
    Ok(done)
}

/// The timeline event of a naming: counts only (the list is kept apart, sealed).
pub(crate) async fn write_naming_event(
    tx: &mut Connection,
    author: Option<i64>,
    case_id: i64,
    named: &Named,
    done: NamingDone,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let counts = json!({
        "officers": named.officers.len(),
        "units": named.units.len(),
        "chain": named.chain,
        "unassigned": done.unassigned,
    });
    timeline::insert(
        tx,
        &NewEntry {
            case_id,
            kind: EntryKind::Event,
            channel: None,
            author_user_id: author,
            body: "named_involved",
            delivery_state: None,
            meta: Some(json!({ "named_involved": counts }).to_string()),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The detail of a `case.name_involved` audit entry: how many, never who.
pub(crate) fn naming_audit_detail(
    named: &Named,
    done: NamingDone,
    at_intake: bool,
) -> serde_json::Value {
    json!({
        "officers": named.officers.len(),
        "units": named.units.len(),
        "chain": named.chain,
        "accounts_excluded": done.covered,
        "wraps_deleted": done.wraps_deleted,
        "unassigned": done.unassigned,
        "at_intake": at_intake,
    })
}

/// Take out of `entries` the numbers of merged cases `actor` may not know exist: a duplicate
/// merged into a report that names them says "merged into —" to them (only an investigator's
/// scope leaves out some confidential cases, so only theirs can meet one).
pub(crate) async fn hide_merges_out_of_scope(
    conn: &mut Connection,
    actor: &Actor,
    entries: &mut [hqdesk_store::timeline::Entry],
) -> Result<(), ServiceError> {
    let access::CaseScope::AllBut { excluded } = actor.case_scope() else {
        return Ok(());
    };
    for e in entries.iter_mut().filter(|e| e.kind == EntryKind::Event) {
        let Some(mut meta) = e
            .meta
            .as_deref()
            .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
        else {
            continue;
        };
        let mut changed = false;
        for field in ["merged_into", "merged_from"] {
            let Some(number) = meta[field]["to"].as_str() else {
                continue;
            };
            let hidden = match hqdesk_domain::case::CaseNumber::parse(number) {
                Ok(n) => match cases::by_number(conn, &n).await {
                    Ok(c) => excluded.contains(&c.id),
                    Err(StoreError::NotFound) => false,
                    Err(err) => return Err(err.into()),
                },
                Err(_) => false,
            };
            if hidden {
                meta[field]["to"] = serde_json::Value::Null;
                changed = true;
            }
        }
        if changed {
            e.meta = Some(meta.to_string());
        }
    }
    Ok(())
}

impl Services {
    /// Name officers and units a report involves (conflict of interest): from now on they, and
    /// with `chain` their chain of command, can neither see nor be given the case. For those who
    /// may change the case (investigators); a case that is not a report is refused (422).
    pub async fn name_involved(
        &self,
        actor: &Actor,
        number: &str,
        input: NameInvolved,
    ) -> Result<(), ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::UpdateCase)
            .await?;
        if !case.confidential {
            return Err(ServiceError::invalid_field(
                "named_officers",
                "not_a_report",
                "only a denunciation names officers: seal this case first if it is one",
            ));
        }
        let mut errors = ValidationErrors::new();
        let named = resolve(&mut conn, &input, &mut errors).await?;
        drop(conn);
        errors.into_result()?;
        if named.is_empty() {
            return Err(ServiceError::invalid_field(
                "named_officers",
                "nobody_named",
                "choose at least one officer or unit that the report names",
            ));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let done = write_naming(&mut tx, &case, &named, now).await?;
        write_naming_event(&mut tx, actor.user_id(), case.id, &named, done, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "case.name_involved",
            &format!("case:{}", case.number),
            naming_audit_detail(&named, done, false),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Who the report `number` names, for those who may read it: the lists opened with the
    /// reader's key, and everyone it excludes now (to leave out of its assignee choices).
    pub async fn involved(&self, actor: &Actor, number: &str) -> Result<Involved, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let mut out = Involved::default();
        if !case.confidential {
            return Ok(out);
        }
        let rows = case_exclusions::named_of_case(&mut conn, case.id).await?;
        let mut keys = crate::sealing::CaseKeys::for_actor(actor);
        let mut officers: Vec<i64> = Vec::new();
        let mut unit_ids: Vec<i64> = Vec::new();
        for row in rows {
            let key = keys.data_key(&mut conn, case.id).await?;
            let text = crate::sealing::open_text(key, &places::named(case.id, row.id), &row.named);
            match serde_json::from_str::<NamedList>(&text) {
                Ok(list) => {
                    officers.extend(list.officers.iter().map(|o| o.0));
                    unit_ids.extend(list.units.iter().map(|u| u.0));
                    out.chain |= list.chain;
                }
                Err(_) => out.unreadable = true,
            }
        }
        let all_users = users::list(&mut conn).await?;
        for id in officers {
            if let Some(u) = all_users.iter().find(|u| u.id == id) {
                let pair = (u.username.clone(), u.display_name.clone());
                if !out.officers.contains(&pair) {
                    out.officers.push(pair);
                }
            }
        }
        let all_units = units::list(&mut conn).await?;
        for id in unit_ids {
            if let Some(u) = all_units.iter().find(|u| u.id == id) {
                let pair = (u.code.clone(), u.name.clone());
                if !out.units.contains(&pair) {
                    out.units.push(pair);
                }
            }
        }
        out.excluded = covered_users(&mut conn, case.id)
            .await?
            .into_iter()
            .map(|u| u.username)
            .collect();
        Ok(out)
    }
}

/// The refusal to give a report to someone it names (`assignee_conflict`).
pub(crate) fn assignee_conflict(username: &str) -> crate::ServiceError {
    crate::ServiceError::invalid_field(
        "assignee",
        "assignee_conflict",
        format!(
            "{username} cannot be given this report: it names them, their unit or their chain \
             of command"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_walks_up_to_the_top_and_stops_on_a_cycle() {
        let tree = UnitTree {
            parent: HashMap::from([
                (1, None),
                (2, Some(1)),
                (3, Some(2)),
                (8, Some(9)),
                (9, Some(8)),
            ]),
        };
        assert_eq!(tree.chain(Some(3)), vec![3, 2, 1]);
        assert_eq!(tree.chain(Some(1)), vec![1]);
        assert_eq!(tree.chain(None), Vec::<i64>::new());
        assert_eq!(tree.chain(Some(8)), vec![8, 9]);
    }

    #[test]
    fn a_naming_tags_the_people_and_units_and_their_chains_on_request() {
        let tree = UnitTree {
            parent: HashMap::from([(1, None), (2, Some(1)), (3, Some(2))]),
        };
        let user = |id, unit| User {
            id,
            username: format!("u{id}"),
            display_name: String::new(),
            role: hqdesk_domain::user::Role::Investigator,
            unit_id: unit,
            locale: "vi".into(),
            email: None,
            active: true,
            created_at: Timestamp(0),
        };
        let unit = |id, parent| Unit {
            id,
            code: format!("U{id}"),
            name: String::new(),
            level: hqdesk_domain::unit::UnitLevel::Team,
            parent_id: parent,
            created_at: Timestamp(0),
        };
        let mut named = Named {
            officers: vec![user(10, Some(3))],
            units: vec![unit(2, Some(1))],
            chain: false,
        };
        assert_eq!(
            tags(&named, &tree),
            BTreeSet::from([Tag::User(10), Tag::Unit(2)])
        );
        named.chain = true;
        assert_eq!(
            tags(&named, &tree),
            BTreeSet::from([
                Tag::User(10),
                Tag::Unit(2),
                // The officer's unit and those above it; above the named unit.
                Tag::Chain(3),
                Tag::Chain(2),
                Tag::Chain(1),
            ])
        );
    }
}
