//! The organisation and the people of a seeded database: units, staff, requesters.
use std::collections::HashMap;

use hqdesk_domain::unit::UnitLevel;
use hqdesk_domain::user::Role;
use hqdesk_domain::Timestamp;
use hqdesk_sample::customs::{region_name, HEADQUARTERS, ROMAN, TASK_FORCE};
use hqdesk_sample::people::{self, person_name, MAIL_HOSTS, MOBILE_PREFIXES};
use hqdesk_sample::Rng;
use hqdesk_store::multirow::{add, values};
use hqdesk_store::{Store, StoreError};
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use super::write::rows_per_insert;
use super::{SeedOptions, SeedStats, BENCH_UNIT, DAY, SPAN};

/// Unit ids by role in the routing.
#[derive(Debug, Clone)]
pub(super) struct Units {
    pub(super) helpdesk: i64,
    pub(super) task_force: i64,
    /// Per sub-department: (its id, its Q&A team, its control team), biggest ports first.
    pub(super) regions: Vec<(i64, i64, i64)>,
}

pub(super) async fn insert_units(
    conn: &mut AnyConnection,
    now: Timestamp,
    stats: &mut SeedStats,
) -> Result<Units, StoreError> {
    let mut tree: Vec<(String, String, UnitLevel, Option<String>)> = HEADQUARTERS
        .iter()
        .map(|u| {
            (
                u.code.to_string(),
                u.name.to_string(),
                u.level,
                u.parent.map(String::from),
            )
        })
        .collect();
    for (i, roman) in ROMAN.iter().enumerate() {
        let code = format!("KV{}", i + 1);
        tree.push((
            code.clone(),
            region_name(i + 1),
            UnitLevel::SubDepartment,
            Some("CHQ".into()),
        ));
        tree.push((
            format!("{code}-TT"),
            format!("Đội Thủ tục hải quan khu vực {roman}"),
            UnitLevel::Team,
            Some(code.clone()),
        ));
        tree.push((
            format!("{code}-KS"),
            format!("Đội Kiểm soát hải quan khu vực {roman}"),
            UnitLevel::Team,
            Some(code),
        ));
    }
    let mut ids: HashMap<String, i64> = HashMap::new();
    for (code, name, level, parent) in &tree {
        let parent_id = parent.as_ref().and_then(|p| ids.get(p).copied());
        let n = sqlx::query(
            "INSERT INTO units (code, name, level, parent_id, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code.as_str())
        .bind(name.as_str())
        .bind(level.as_str())
        .bind(parent_id)
        .bind(now.millis() - SPAN - DAY)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stats.units += n;
        let id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
            .bind(code.as_str())
            .fetch_one(&mut *conn)
            .await?;
        ids.insert(code.clone(), id);
    }
    let id = |code: &str| {
        ids.get(code)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("unit {code} vanished")))
    };
    let mut regions = Vec::new();
    for i in 1..=ROMAN.len() {
        regions.push((
            id(&format!("KV{i}"))?,
            id(&format!("KV{i}-TT"))?,
            id(&format!("KV{i}-KS"))?,
        ));
    }
    Ok(Units {
        helpdesk: id(BENCH_UNIT)?,
        task_force: id(TASK_FORCE)?,
        regions,
    })
}

/// User ids by what they work on.
#[derive(Debug, Clone)]
pub(super) struct Staff {
    pub(super) agents: Vec<i64>,
    pub(super) hotline: Vec<i64>,
    pub(super) investigators: Vec<i64>,
    /// Unit officers per region (same order as `Units::regions`).
    pub(super) officers: Vec<Vec<i64>>,
}

pub(super) async fn insert_users(
    conn: &mut AnyConnection,
    units: &Units,
    now: Timestamp,
    stats: &mut SeedStats,
) -> Result<Staff, StoreError> {
    let mut wanted: Vec<(String, Role, Option<i64>)> = Vec::new();
    for i in 1..=60 {
        wanted.push((format!("agent.{i:03}"), Role::Agent, Some(units.helpdesk)));
    }
    for i in 1..=30 {
        wanted.push((format!("hotline.{i:03}"), Role::Hotline, None));
    }
    for i in 1..=10 {
        wanted.push((
            format!("investigator.{i:03}"),
            Role::Investigator,
            Some(units.task_force),
        ));
    }
    for (r, (region, _, _)) in units.regions.iter().enumerate() {
        for i in 1..=2 {
            wanted.push((
                format!("officer.kv{}.{i}", r + 1),
                Role::UnitOfficer,
                Some(*region),
            ));
        }
    }
    for i in 1..=5 {
        wanted.push((format!("supervisor.{i:03}"), Role::Supervisor, None));
    }
    let mut rng = Rng::new(7);
    let mut args = AnyArguments::default();
    for (name, role, unit) in &wanted {
        add(&mut args, name.clone())?;
        add(&mut args, person_name(&mut rng))?;
        add(&mut args, role.as_str())?;
        add(&mut args, *unit)?;
        add(&mut args, now.millis() - SPAN)?;
    }
    let sql = format!(
        "INSERT INTO users (username, display_name, role, unit_id, created_at) VALUES {} \
         ON CONFLICT (username) DO NOTHING",
        values(wanted.len(), 5)
    );
    stats.users += sqlx::query_with(&sql, args)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, username FROM users")
        .fetch_all(&mut *conn)
        .await?;
    let by_name: HashMap<String, i64> = rows.into_iter().map(|(id, n)| (n, id)).collect();
    let ids = |prefix: &str| -> Vec<i64> {
        wanted
            .iter()
            .filter(|(n, _, _)| n.starts_with(prefix))
            .filter_map(|(n, _, _)| by_name.get(n).copied())
            .collect()
    };
    Ok(Staff {
        agents: ids("agent."),
        hotline: ids("hotline."),
        investigators: ids("investigator."),
        officers: (1..=units.regions.len())
            .map(|r| ids(&format!("officer.kv{r}.")))
            .collect(),
    })
}

// ---- requesters ---------------------------------------------------------------------------------

/// A requester, derived from its index alone so that cases can rebuild it for their search
/// document without keeping half a million of them in memory.
pub(super) struct Requester {
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) business_name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone: String,
    pub(super) tax_code: Option<String>,
}

pub(super) fn requester(seed: u64, k: usize) -> Requester {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(k as u64 * 0x2545_F491));
    let name = person_name(&mut rng);
    // Unique per index (a bijection of 0..10^7), so the phone identifies the row.
    let digits = ((k as u64 % 10_000_000) * 3_571_229 + 1_234_567) % 10_000_000;
    let phone = format!("+84{}{digits:07}", rng.pick_str(MOBILE_PREFIXES));
    let business = rng.chance(0.45);
    let (business_name, tax_code) = if business {
        let firm = people::firm_name(&mut rng);
        (Some(firm), people::tax_code(&mut rng))
    } else {
        (None, None)
    };
    let email = rng.chance(0.6).then(|| {
        let local = people::ascii_words(&name, ".");
        format!("{local}{}@{}", k % 1000, rng.pick_str(MAIL_HOSTS))
    });
    Requester {
        kind: if business { "business" } else { "person" },
        name,
        business_name,
        email,
        phone,
        tax_code,
    }
}

/// Insert `count` requesters; returns their ids by index.
pub(super) async fn insert_requesters(
    store: &Store,
    opts: &SeedOptions,
    count: usize,
    stats: &mut SeedStats,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = vec![0i64; count];
    let mut start = 0;
    let mut tx = store.begin().await?;
    while start < count {
        let end = (start + rows_per_insert(8)).min(count);
        let rows: Vec<Requester> = (start..end).map(|k| requester(opts.seed, k)).collect();
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
        let mut args = AnyArguments::default();
        for (i, r) in rows.iter().enumerate() {
            index.insert(r.phone.as_str(), start + i);
            // Older requesters first: spread over the ten years like the cases.
            let at = opts.now.millis() - SPAN
                + (SPAN as f64 * ((start + i) as f64 / count as f64)) as i64;
            add(&mut args, r.kind)?;
            add(&mut args, r.name.as_str())?;
            add(&mut args, r.business_name.as_deref())?;
            add(&mut args, r.email.as_deref())?;
            add(&mut args, r.phone.as_str())?;
            add(&mut args, r.tax_code.as_deref())?;
            add(&mut args, at)?;
            add(&mut args, at)?;
        }
        let sql = format!(
            "INSERT INTO requesters (kind, name, business_name, email, phone, tax_code, created_at, updated_at) \
             VALUES {} RETURNING id, phone",
            values(rows.len(), 8)
        );
        let back: Vec<(i64, String)> = sqlx::query_as_with(&sql, args).fetch_all(&mut *tx).await?;
        for (id, phone) in back {
            if let Some(k) = index.get(phone.as_str()) {
                ids[*k] = id;
            }
        }
        stats.requesters += (end - start) as u64;
        start = end;
        if start % 20_000 < rows_per_insert(8) {
            Store::commit(tx).await?;
            tx = store.begin().await?;
        }
    }
    Store::commit(tx).await?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn requesters_have_unique_phones() {
        let phones: HashSet<String> = (0..10_000).map(|k| requester(1, k).phone).collect();
        assert_eq!(phones.len(), 10_000);
    }
}
