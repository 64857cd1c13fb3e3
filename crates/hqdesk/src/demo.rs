//! `serve --demo`: fill an empty database with realistic Vietnamese data so a newcomer sees a
//! living system: units, users of every role (with printed passwords) and a few hundred cases.
use std::sync::Arc;

use anyhow::Context;
use hqdesk_domain::Timestamp;
use hqdesk_services::cases::{AddMessage, AssignCase, Direction, OpenCase, RequesterInput};
use hqdesk_services::directory::{AddUnit, AddUser};
use hqdesk_services::{Actor, ManualClock, Services, Store};
use rand::distributions::Alphanumeric;
use rand::Rng;

use hqdesk_sample::demo as demo_data;

pub const DEMO_CASES: usize = 300;

/// Load the demo unless the database already has users. Passwords are stored as hashes only, so
/// a later start cannot print them again: it says how to set a new one.
pub async fn load_if_empty(services: &Services) -> anyhow::Result<()> {
    let existing = services
        .list_users(&Actor::Cli)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(first) = existing.first() {
        eprintln!(
            "hqdesk: the database already has users; demo data not loaded. Passwords are printed \
             only when they are set (they are stored as hashes); to set a new one: \
             hqdesk user password NAME (e.g. hqdesk user password {})",
            first.username
        );
        return Ok(());
    }
    load(services, DEMO_CASES).await
}

/// The demo's requesters and conversations are made up (with addresses at real mail providers):
/// the mail they queued must never leave, not even once a mailbox is added to the database.
async fn cancel_demo_mail(services: &Services, jobs_before: i64) -> anyhow::Result<()> {
    let mut tx = services.store().begin().await?;
    let jobs_after = hqdesk_store::jobs::last_id(&mut tx).await?;
    for kind in [
        hqdesk_services::cases::DELIVER_MESSAGE_JOB,
        hqdesk_services::outbox::SEND_NOTIFICATION_JOB,
    ] {
        hqdesk_store::jobs::cancel_range(
            &mut tx,
            kind,
            jobs_before,
            jobs_after,
            "demo data: never sent",
            services.now(),
        )
        .await?;
    }
    Store::commit(tx).await?;
    Ok(())
}

#[allow(clippy::print_stdout)] // the passwords are the point
pub async fn load(services: &Services, case_count: usize) -> anyhow::Result<()> {
    let err = |e: hqdesk_services::ServiceError| anyhow::anyhow!("{e}");
    let jobs_before = {
        let mut conn = services.store().read().await?;
        hqdesk_store::jobs::last_id(&mut conn).await?
    };
    for u in demo_data::units() {
        services
            .add_unit(
                &Actor::Cli,
                AddUnit {
                    code: u.code.into(),
                    name: u.name.into(),
                    level: u.level.as_str().into(),
                    parent: u.parent.map(String::from),
                },
            )
            .await
            .map_err(err)
            .with_context(|| format!("demo unit {}", u.code))?;
    }
    for k in demo_data::CANNED_RESPONSES {
        services
            .add_canned(&Actor::Cli, k.title, k.body)
            .await
            .map_err(err)
            .with_context(|| format!("demo canned response {:?}", k.title))?;
    }
    let (articles, procedures) = crate::kb::import(services, None).await?;
    println!("Knowledge base: {articles} articles, {procedures} procedures.");
    println!("Demo users (username / role / password):");
    let mut staff = std::collections::HashMap::new();
    for u in demo_data::users() {
        let password: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        let user = services
            .add_user(
                &Actor::Cli,
                AddUser {
                    username: u.username.into(),
                    display_name: Some(u.display_name.into()),
                    role: u.role.into(),
                    unit: u.unit.map(String::from),
                    password: Some(password.clone()),
                    email: None,
                },
            )
            .await
            .map_err(err)
            .with_context(|| format!("demo user {}", u.username))?;
        println!(
            "  {:<18} {:<13} {}",
            user.username,
            user.role.as_str(),
            password
        );
        staff.insert(
            u.username,
            services.actor_for_user(user.id).await.map_err(err)?,
        );
    }
    // The escrow key, so that the demo seals reports end to end; a real installation prints
    // it once with `hqdesk keys escrow-init` and keeps the paper offline.
    let escrow = services
        .escrow_init(&Actor::Cli, false)
        .await
        .map_err(err)
        .context("demo escrow key")?;
    println!(
        "Escrow key (the private half, shown once; keep it offline in a real installation):\n  {}",
        &*escrow.key.to_printable()
    );
    let hotline = staff
        .values()
        .find(|a| a.role() == Some(hqdesk_domain::user::Role::Hotline))
        .cloned()
        .unwrap_or(Actor::System("demo"));

    // Spread the cases over the last 30 days, oldest first, on a clock of their own.
    let now = services.now();
    let clock = Arc::new(ManualClock::at(Timestamp(
        now.millis() - 30 * 24 * 3600 * 1000,
    )));
    let past = Services::new(services.store().clone(), clock.clone());
    let step_ms = (30 * 24 * 3600 * 1000) / i64::try_from(case_count.max(1)).unwrap_or(1);
    for (i, c) in demo_data::cases(case_count, 20261123)
        .into_iter()
        .enumerate()
    {
        clock.set(Timestamp(
            now.millis() - 30 * 24 * 3600 * 1000 + step_ms * i64::try_from(i).unwrap_or(0),
        ));
        let opener = if c.channel == "phone" || c.channel == "staff" {
            hotline.clone()
        } else {
            Actor::System("demo")
        };
        let open = OpenCase {
            kind: c.kind.into(),
            branch: Some(i64::from(c.branch)),
            channel: c.channel.into(),
            subject: c.subject.clone(),
            body: Some(c.body.clone()),
            category: Some(c.category.into()),
            priority: Some(c.priority.into()),
            requester: c.requester.map(|r| RequesterInput {
                name: Some(r.name),
                business_name: r.business_name,
                email: r.email,
                phone: r.phone,
                tax_code: r.tax_code,
            }),
            unit: c.unit.map(String::from),
            ..Default::default()
        };
        let view = past
            .open_case(&opener, open, None)
            .await
            .map_err(err)
            .with_context(|| format!("demo case {:?}", c.subject))?;
        let number = view.case.number.to_string();
        let system = Actor::System("demo");
        if let Some(a) = c.assignee {
            past.assign_case(
                &system,
                &number,
                AssignCase {
                    unit: None,
                    assignee: Some(Some(a.into())),
                },
            )
            .await
            .map_err(err)?;
        }
        let agent = c
            .assignee
            .and_then(|a| staff.get(a).cloned())
            .unwrap_or_else(|| system.clone());
        for m in &c.replies {
            clock.advance_seconds(rand::thread_rng().gen_range(300..4 * 3600));
            let direction = if m.from_staff {
                Direction::Outbound
            } else {
                Direction::Inbound
            };
            past.add_message(
                &agent,
                &number,
                AddMessage {
                    body: m.body.clone(),
                    internal: m.internal,
                    direction,
                    attachments: vec![],
                },
                None,
            )
            .await
            .map_err(err)?;
        }
        let path: &[&str] = match c.status {
            "open" => &["open"],
            "waiting" => &["open", "waiting"],
            "resolved" => &["open", "resolved"],
            "closed" => &["open", "resolved", "closed"],
            _ => &[],
        };
        for s in path {
            let current = past
                .get_case(&system, &number)
                .await
                .map_err(err)?
                .case
                .status;
            if current.as_str() != *s
                && current.can_become(
                    hqdesk_domain::case::Status::parse(s).map_err(|e| anyhow::anyhow!("{e}"))?,
                )
            {
                past.change_status(&agent, &number, s).await.map_err(err)?;
            }
        }
    }
    cancel_demo_mail(services, jobs_before).await?;
    println!("Loaded {case_count} demo cases. Try: hqdesk token issue lan.nguyen (as the same --database), then GET /api/v1/cases.");
    Ok(())
}
