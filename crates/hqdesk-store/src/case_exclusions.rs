//! Conflict of interest (issue 18; design note 006 §10): who may not see a confidential case
//! because its report names them, kept so that the database does not say who.
//!
//! - `case_exclusions (case_id, tag)`: each tag is a lookup hash (`secrets::lookup`, domain
//!   [`DOMAIN`]) of `"<case>|user:<id>"` (a named staff member), `"<case>|unit:<id>"` (a named
//!   unit: its members and those of every unit below it) or `"<case>|chain:<unit>"` (a unit of a
//!   named person's or unit's chain of command: its own members). The case id inside the hash
//!   keeps one person's tags on two cases apart: a copy of the database tells neither who is
//!   named nor that two reports name the same person.
//! - `case_named (id, case_id, named)`: the list as the investigators see it, one row per naming,
//!   sealed to the case like its other values (place `case:<c>:named:<id>`), JSON in clear only
//!   on a confidential case kept unsealed.
//!
//! Whether an actor is excluded is computed from the directory when they ask ([`Exclusions`]):
//! their id, their unit and the units above it.
use std::collections::{BTreeSet, HashMap, HashSet};

use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::sealed::{append, places};
use crate::secrets::lookup::{lookup_hash, lookup_hashes};
use crate::StoreError;

/// The lookup hash domain of exclusion tags.
pub const DOMAIN: &str = "case-exclusion";

/// What an exclusion tag says, before it is hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tag {
    /// A named staff member.
    User(i64),
    /// A named unit: its members and those of the units below it.
    Unit(i64),
    /// A unit of the chain of command above a named person or unit: its own members.
    Chain(i64),
}

impl Tag {
    fn value(self, case_id: i64) -> String {
        match self {
            Tag::User(id) => format!("{case_id}|user:{id}"),
            Tag::Unit(id) => format!("{case_id}|unit:{id}"),
            Tag::Chain(id) => format!("{case_id}|chain:{id}"),
        }
    }
}

/// Add `tags` to `case_id`'s exclusions (a tag already there stays as it is).
pub async fn add(
    conn: &mut AnyConnection,
    case_id: i64,
    tags: &BTreeSet<Tag>,
    now: Timestamp,
) -> Result<(), StoreError> {
    for tag in tags {
        // Under every installed key: a tag written before `secrets rotate` is found as it is.
        let known = lookup_hashes(DOMAIN, &tag.value(case_id))?;
        let list = known
            .iter()
            .map(|h| format!("'{h}'"))
            .collect::<Vec<_>>()
            .join(", ");
        // Hashes are hex and a fixed prefix: safe to inline.
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM case_exclusions WHERE case_id = $1 AND tag IN ({list})"
        ))
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await?;
        if n > 0 {
            continue;
        }
        sqlx::query("INSERT INTO case_exclusions (case_id, tag, created_at) VALUES ($1, $2, $3)")
            .bind(case_id)
            .bind(lookup_hash(DOMAIN, &tag.value(case_id))?)
            .bind(now.millis())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether any report names someone on `case_id`.
pub async fn any_for_case(conn: &mut AnyConnection, case_id: i64) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_exclusions WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// Forget who `case_id` names (its exclusions and its list): the case is no report any more
/// (unsealed as another kind).
pub async fn delete_case(conn: &mut AnyConnection, case_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM case_exclusions WHERE case_id = $1")
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM case_named WHERE case_id = $1")
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The exclusions of confidential cases, to tell whom they exclude.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    tags: HashMap<i64, HashSet<String>>,
}

impl Exclusions {
    /// Every confidential case's exclusions (few: only reports name people). One statement.
    pub async fn load(conn: &mut AnyConnection) -> Result<Exclusions, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT e.case_id, e.tag FROM case_exclusions e JOIN cases c ON c.id = e.case_id \
             WHERE c.confidential = 1",
        )
        .fetch_all(conn)
        .await?;
        Ok(Self::from_rows(rows))
    }

    /// One case's exclusions.
    pub async fn of_case(conn: &mut AnyConnection, case_id: i64) -> Result<Exclusions, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT case_id, tag FROM case_exclusions WHERE case_id = $1")
                .bind(case_id)
                .fetch_all(conn)
                .await?;
        Ok(Self::from_rows(rows))
    }

    fn from_rows(rows: Vec<(i64, String)>) -> Exclusions {
        let mut tags: HashMap<i64, HashSet<String>> = HashMap::new();
        for (case_id, tag) in rows {
            tags.entry(case_id).or_default().insert(tag);
        }
        Exclusions { tags }
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// Whether `case_id` excludes the user `user_id` whose unit and the units above it are
    /// `unit_chain` (nearest first; empty for a user without a unit).
    pub fn excludes(
        &self,
        case_id: i64,
        user_id: i64,
        unit_chain: &[i64],
    ) -> Result<bool, StoreError> {
        let Some(tags) = self.tags.get(&case_id) else {
            return Ok(false);
        };
        let mut candidates = vec![Tag::User(user_id)];
        candidates.extend(unit_chain.iter().map(|u| Tag::Unit(*u)));
        candidates.extend(unit_chain.first().map(|u| Tag::Chain(*u)));
        for tag in candidates {
            for h in lookup_hashes(DOMAIN, &tag.value(case_id))? {
                if tags.contains(&h) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// The cases that exclude that user, in id order.
    pub fn cases_excluding(
        &self,
        user_id: i64,
        unit_chain: &[i64],
    ) -> Result<Vec<i64>, StoreError> {
        let mut out = Vec::new();
        for case_id in self.tags.keys() {
            if self.excludes(*case_id, user_id, unit_chain)? {
                out.push(*case_id);
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

/// Keep one naming's list (`json`) with `case_id`: sealed to the case when it is sealed.
pub async fn add_named(
    conn: &mut AnyConnection,
    case_id: i64,
    json: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let seal = append::of_case(&mut *conn, case_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO case_named (case_id, named, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(case_id)
    .bind(if seal.is_some() { "" } else { json })
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    if let Some(seal) = seal {
        // The id names the place: the row is inserted empty, its sealed value written now.
        let sealed = seal.seal(&places::named(case_id, id), json)?;
        sqlx::query("UPDATE case_named SET named = $1 WHERE id = $2")
            .bind(sealed)
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A naming's list as stored (sealed or not).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NamedRow {
    pub id: i64,
    pub case_id: i64,
    pub named: String,
    pub created_at: i64,
}

/// Every naming of `case_id`, oldest first.
pub async fn named_of_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<NamedRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, case_id, named, created_at FROM case_named WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_case_and_what_they_are() {
        assert_eq!(Tag::User(7).value(42), "42|user:7");
        assert_eq!(Tag::Unit(7).value(42), "42|unit:7");
        assert_eq!(Tag::Chain(7).value(42), "42|chain:7");
        assert_ne!(Tag::User(7).value(4), Tag::User(27).value(4));
    }
}
