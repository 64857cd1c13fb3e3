//! Seeded cases as rows, generated on their own thread one chunk ahead of the writes: the
//! case, its conversation, calls, callback attempts, rating and search documents.
use std::collections::{HashMap, HashSet};

use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::text::search_tokens;
use hqdesk_domain::Timestamp;
use hqdesk_sample::people::{person_name, MOBILE_PREFIXES};
use hqdesk_sample::{bulk, Rng};
use hqdesk_store::StoreError;

use super::directory::{Staff, Units};
use super::{SeedOptions, CASES_PER_CHUNK, DAY, MINUTE, SPAN};

pub(super) struct World {
    pub(super) opts: SeedOptions,
    pub(super) units: Units,
    pub(super) staff: Staff,
    pub(super) categories: Vec<(i64, CaseKind, Branch)>,
    pub(super) requesters: usize,
}

pub(super) struct CaseRow {
    pub(super) number: String,
    pub(super) kind: CaseKind,
    pub(super) branch: Branch,
    pub(super) channel: Channel,
    pub(super) category_id: Option<i64>,
    pub(super) priority: Priority,
    pub(super) status: Status,
    pub(super) subject: String,
    /// Index into the requesters.
    pub(super) requester: Option<usize>,
    pub(super) unit_id: Option<i64>,
    pub(super) assignee_id: Option<i64>,
    pub(super) created_by: Option<i64>,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
    pub(super) first_response_due_at: Option<i64>,
    pub(super) resolution_due_at: Option<i64>,
    pub(super) first_responded_at: Option<i64>,
    pub(super) resolved_at: Option<i64>,
    pub(super) closed_at: Option<i64>,
    pub(super) message_count: i64,
    /// A denunciation's reporter: (anonymous, name, phone).
    pub(super) reporter: Option<(bool, Option<String>, Option<String>)>,
    /// A callback's number to call back.
    pub(super) callback_number: Option<String>,
}

pub(super) struct EntryRow {
    /// Index of the case in its chunk.
    pub(super) case: usize,
    pub(super) kind: EntryKind,
    pub(super) channel: Option<Channel>,
    pub(super) author_user_id: Option<i64>,
    pub(super) body: String,
    pub(super) delivery_state: Option<DeliveryState>,
    pub(super) meta: Option<String>,
    pub(super) created_at: i64,
}

pub(super) struct CallRow {
    pub(super) case: usize,
    pub(super) call_id: String,
    pub(super) from_number: String,
    pub(super) branch: i64,
    pub(super) answered_user_id: Option<i64>,
    pub(super) offered_at: i64,
    pub(super) answered_at: Option<i64>,
    pub(super) ended_at: i64,
    pub(super) cause: &'static str,
}

pub(super) struct AttemptRow {
    pub(super) case: usize,
    pub(super) outcome: &'static str,
    pub(super) user_id: Option<i64>,
    pub(super) at: i64,
}

pub(super) struct RatingRow {
    pub(super) case: usize,
    pub(super) score: i64,
    pub(super) comment: Option<String>,
    pub(super) created_at: i64,
}

/// Cases ready to insert, with what hangs off them (rows refer to their case by its index in
/// the chunk) and their search documents (tokens, case index).
#[derive(Default)]
pub(super) struct Chunk {
    pub(super) cases: Vec<CaseRow>,
    pub(super) entries: Vec<EntryRow>,
    pub(super) docs: Vec<(String, usize)>,
    pub(super) calls: Vec<CallRow>,
    pub(super) attempts: Vec<AttemptRow>,
    pub(super) ratings: Vec<RatingRow>,
}

/// Generate every case in chunks of `CASES_PER_CHUNK`, in creation order, and send them.
pub(super) fn generate(
    world: World,
    mut taken: HashSet<String>,
    send: tokio::sync::mpsc::Sender<Result<Chunk, StoreError>>,
) {
    let n = world.opts.cases;
    let mut rng = Rng::new(world.opts.seed);
    let mut per_month: HashMap<String, u32> = HashMap::new();
    let mut i = 0u64;
    while i < n {
        let end = (i + CASES_PER_CHUNK as u64).min(n);
        let mut chunk = Chunk {
            cases: Vec::with_capacity((end - i) as usize),
            entries: Vec::with_capacity((end - i) as usize * 9),
            docs: Vec::with_capacity((end - i) as usize * 9),
            ..Chunk::default()
        };
        for j in i..end {
            // Volume grows over the years: density rises linearly towards now.
            let f = ((j as f64 + rng.unit()) / n as f64).sqrt();
            let created_at = world.opts.now.millis() - SPAN + (SPAN as f64 * f) as i64
                - rng.between(MINUTE, 30 * MINUTE);
            let number = match unique_number(created_at, &mut per_month, &mut taken) {
                Ok(n) => n,
                Err(e) => {
                    let _ = send.blocking_send(Err(e));
                    return;
                }
            };
            make_case(&world, &mut rng, &mut chunk, number, created_at);
        }
        if send.blocking_send(Ok(chunk)).is_err() {
            return;
        }
        i = end;
    }
}

/// A valid case number for the month of `at`, never used before: the six-digit serial is a
/// per-month counter scrambled by a bijection of 0..10^6 (so numbers still look random).
fn unique_number(
    at: i64,
    per_month: &mut HashMap<String, u32>,
    taken: &mut HashSet<String>,
) -> Result<String, StoreError> {
    let probe = CaseNumber::compose(Timestamp(at), 0);
    let month = probe.as_str().get(2..6).unwrap_or("").to_string();
    let counter = per_month.entry(month.clone()).or_insert(0);
    loop {
        if *counter >= 1_000_000 {
            return Err(StoreError::Config(format!(
                "more than a million cases in month {month}: seed fewer cases"
            )));
        }
        let serial = (u64::from(*counter) * 738_211 + 421_559) % 1_000_000;
        *counter += 1;
        let number = CaseNumber::compose(Timestamp(at), serial as u32)
            .as_str()
            .to_string();
        if taken.is_empty() || taken.insert(number.clone()) {
            return Ok(number);
        }
    }
}

/// Messages in one case's conversation (inbound, replies and notes), at least and at most.
const MESSAGES_PER_CASE: (usize, usize) = (5, 10);

/// What a case's timeline is made from.
struct Conversation<'a> {
    index: usize,
    kind: CaseKind,
    channel: Channel,
    phone: &'a str,
    number: &'a str,
    created_by: Option<i64>,
    assignee_id: Option<i64>,
    created_at: i64,
    first_responded_at: Option<i64>,
    resolved_at: Option<i64>,
    now: i64,
}

impl Conversation<'_> {
    /// Push the case's timeline entries and search documents; returns its message count.
    ///
    /// The first message is what came in (for a callback, the missed call and then the agent's
    /// call notes); an unanswered case has only the requester's messages; an answered one has
    /// the first answer at its first-response time, then follow-ups, replies and notes spread up
    /// to its resolution (or now), then the status change.
    fn write(&self, rng: &mut Rng, chunk: &mut Chunk) -> i64 {
        let (lo, hi) = MESSAGES_PER_CASE;
        let n = lo + rng.below(hi - lo + 1);
        let end = self
            .resolved_at
            .unwrap_or(self.now - MINUTE)
            .max(self.created_at + MINUTE);
        let mut times: Vec<i64> = Vec::with_capacity(n);
        times.push(self.created_at);
        let rest_from = match self.first_responded_at {
            Some(at) => {
                times.push(at.max(self.created_at));
                at.max(self.created_at)
            }
            // Nobody answered yet: the requester wrote again within a few days.
            None => self.created_at,
        };
        let rest_to = match self.first_responded_at {
            Some(_) => end.max(rest_from + 1),
            None => end.min(self.created_at + 3 * DAY).max(rest_from + 1),
        };
        let fixed = times.len();
        while times.len() < n {
            times.push(rng.between(rest_from, rest_to));
        }
        times[fixed..].sort_unstable();

        if self.kind == CaseKind::Callback {
            chunk.entries.push(EntryRow {
                case: self.index,
                kind: EntryKind::Call,
                channel: Some(Channel::Phone),
                author_user_id: None,
                body: format!("Cuộc gọi nhỡ từ {}", self.phone),
                delivery_state: None,
                meta: Some(format!(
                    "{{\"direction\":\"in\",\"from\":\"{}\",\"duration_s\":0}}",
                    self.phone
                )),
                created_at: self.created_at,
            });
        }
        let answered = self.first_responded_at.is_some();
        let thread = bulk::Thread {
            kind: self.kind,
            delivers_replies: self.channel.delivers_replies(),
            number: self.number,
            phone: self.phone,
        };
        for (i, at) in times.into_iter().enumerate() {
            let kind = match (i, answered, self.kind) {
                (0, _, CaseKind::Callback) => EntryKind::Note,
                (0, _, _) | (_, false, _) => EntryKind::Inbound,
                (1, true, _) if self.channel.delivers_replies() || rng.chance(0.5) => {
                    EntryKind::Outbound
                }
                (1, true, _) => EntryKind::Note,
                _ => rng
                    .weighted(&[
                        (EntryKind::Inbound, 45),
                        (EntryKind::Outbound, 40),
                        (EntryKind::Note, 15),
                    ])
                    .unwrap_or(EntryKind::Note),
            };
            let body = bulk::message(rng, &thread, i, kind);
            let (author, channel, delivery) = match kind {
                EntryKind::Inbound => (
                    if self.channel.delivers_replies() {
                        None
                    } else {
                        self.created_by.or(self.assignee_id)
                    },
                    Some(self.channel),
                    None,
                ),
                EntryKind::Outbound => (
                    self.assignee_id.or(self.created_by),
                    Some(self.channel),
                    Some(if self.channel.delivers_replies() {
                        DeliveryState::Sent
                    } else {
                        DeliveryState::NotApplicable
                    }),
                ),
                _ => (self.assignee_id.or(self.created_by), None, None),
            };
            chunk.docs.push((search_tokens(&body), self.index));
            chunk.entries.push(EntryRow {
                case: self.index,
                kind,
                channel,
                author_user_id: author,
                body,
                delivery_state: delivery,
                meta: None,
                created_at: at,
            });
        }
        if let Some(at) = self.resolved_at {
            chunk.entries.push(EntryRow {
                case: self.index,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: self.assignee_id,
                body: "status".into(),
                delivery_state: None,
                meta: Some("{\"status\":{\"from\":\"open\",\"to\":\"resolved\"}}".into()),
                created_at: at,
            });
        }
        n as i64
    }
}

/// The calls behind a telephone case: the answered call that opened it, or for a callback the
/// missed call and the agents' attempts to call back.
fn add_calls(rng: &mut Rng, chunk: &mut Chunk, c: &Conversation<'_>, branch: Branch) {
    let missed = c.kind == CaseKind::Callback;
    let offered_at = c.created_at - rng.between(20_000, 120_000);
    let answered_at = (!missed).then(|| offered_at + rng.between(3_000, 40_000));
    let ended_at = answered_at.unwrap_or(offered_at) + rng.between(20_000, 15 * MINUTE);
    chunk.calls.push(CallRow {
        case: c.index,
        call_id: format!("seed-{}", c.number),
        from_number: c.phone.to_string(),
        branch: i64::from(branch.number()),
        answered_user_id: answered_at.and(c.created_by),
        offered_at,
        answered_at,
        ended_at,
        cause: if missed {
            "no_answer"
        } else {
            "normalClearing"
        },
    });
    if missed {
        let attempts = 1 + rng.below(3);
        let base = c.first_responded_at.unwrap_or(c.created_at + 10 * MINUTE);
        for k in 0..attempts {
            let reached = k + 1 == attempts && c.resolved_at.is_some();
            chunk.attempts.push(AttemptRow {
                case: c.index,
                outcome: if reached {
                    "reached"
                } else if rng.chance(0.3) {
                    "busy"
                } else {
                    "no_answer"
                },
                user_id: c.assignee_id.or(c.created_by),
                at: (base + k as i64 * 30 * MINUTE).min(c.now - MINUTE),
            });
        }
    }
}

fn make_case(world: &World, rng: &mut Rng, chunk: &mut Chunk, number: String, created_at: i64) {
    let now = world.opts.now.millis();
    let index = chunk.cases.len();
    let kind = rng
        .weighted(&[
            (CaseKind::Inquiry, 55),
            (CaseKind::ProcedureProblem, 14),
            (CaseKind::Callback, 10),
            (CaseKind::RatingFollowUp, 8),
            (CaseKind::Suggestion, 5),
            (CaseKind::Denunciation, 8),
        ])
        .unwrap_or(CaseKind::Inquiry);
    let branch = if kind != CaseKind::Denunciation && rng.chance(0.08) {
        match kind.default_branch() {
            Branch::One => Branch::Two,
            Branch::Two => Branch::One,
        }
    } else {
        kind.default_branch()
    };
    let channel = rng
        .weighted(&[
            (Channel::Phone, 55),
            (Channel::Email, 25),
            (Channel::Portal, 12),
            (Channel::Api, 3),
            (Channel::Staff, 5),
        ])
        .unwrap_or(Channel::Phone);
    let priority = rng
        .weighted(&[
            (Priority::Low, 15),
            (Priority::Normal, 65),
            (Priority::High, 15),
            (Priority::Urgent, 5),
        ])
        .unwrap_or(Priority::Normal);
    let age = now - created_at;
    let status = if age < 2 * DAY {
        rng.weighted(&[
            (Status::New, 40),
            (Status::Open, 35),
            (Status::Waiting, 10),
            (Status::Resolved, 10),
            (Status::Closed, 5),
        ])
    } else if age < 60 * DAY {
        rng.weighted(&[
            (Status::New, 8),
            (Status::Open, 25),
            (Status::Waiting, 15),
            (Status::Resolved, 27),
            (Status::Closed, 25),
        ])
    } else {
        rng.weighted(&[
            (Status::New, 5),
            (Status::Open, 12),
            (Status::Waiting, 10),
            (Status::Resolved, 25),
            (Status::Closed, 948),
        ])
    }
    .unwrap_or(Status::Closed);
    let matching: Vec<i64> = world
        .categories
        .iter()
        .filter(|(_, k, b)| *k == kind && *b == branch)
        .map(|(id, _, _)| *id)
        .collect();
    let category_id = if rng.chance(0.85) {
        rng.pick(&matching)
    } else {
        None
    };
    // Routing: the task force for denunciations, the HelpDesk or a region's Q&A team for
    // branch 2, a region (bigger ports more often) for branch 1.
    let region = {
        let r = world.units.regions.len().max(1);
        // Roughly Zipf: region k with weight 1/(k+1).
        let weights: Vec<(usize, u32)> = (0..r).map(|k| (k, 1000 / (k as u32 + 1))).collect();
        rng.weighted(&weights).unwrap_or(0)
    };
    let region_units = world.units.regions.get(region).copied();
    let unit_id = match (kind, branch) {
        (CaseKind::Denunciation, _) => rng.chance(0.9).then_some(world.units.task_force),
        (_, Branch::Two) => {
            let r = rng.unit();
            if r < 0.65 {
                Some(world.units.helpdesk)
            } else if r < 0.85 {
                region_units.map(|(_, qa, _)| qa)
            } else {
                None
            }
        }
        (_, Branch::One) => {
            let r = rng.unit();
            if r < 0.5 {
                region_units.map(|(sub, _, _)| sub)
            } else if r < 0.7 {
                region_units.map(|(_, _, ks)| ks)
            } else {
                None
            }
        }
    };
    let assigned = match status {
        Status::New => rng.chance(0.15),
        Status::Open | Status::Waiting => rng.chance(0.9),
        Status::Resolved | Status::Closed => true,
    };
    let officers = world
        .staff
        .officers
        .get(region)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let assignee_id = if !assigned {
        None
    } else if kind == CaseKind::Denunciation {
        rng.pick(&world.staff.investigators)
    } else if unit_id.is_some() && unit_id != Some(world.units.helpdesk) && rng.chance(0.7) {
        rng.pick(officers)
    } else if branch == Branch::Two {
        rng.pick(&world.staff.agents)
    } else {
        rng.pick(&world.staff.hotline)
    };
    let created_by = match channel {
        Channel::Phone | Channel::Staff => {
            if branch == Branch::One {
                rng.pick(&world.staff.hotline)
            } else {
                rng.pick(&world.staff.agents)
            }
        }
        _ => None,
    };
    let (first_target, resolution_target) = priority.default_targets_minutes();
    let first_response_due_at = Some(created_at + first_target * MINUTE);
    // Suggestions carry no resolution target: they sort last in "most urgent first".
    let resolution_due_at =
        (kind != CaseKind::Suggestion).then_some(created_at + resolution_target * MINUTE);
    let first_responded_at = (status != Status::New).then(|| {
        (created_at + rng.between(5 * MINUTE, first_target * MINUTE * 3 / 2)).min(now - MINUTE)
    });
    let resolved_at = matches!(status, Status::Resolved | Status::Closed).then(|| {
        let base = first_responded_at.unwrap_or(created_at);
        (base + rng.between(10 * MINUTE, resolution_target * MINUTE * 2)).min(now - MINUTE)
    });
    let closed_at = (status == Status::Closed).then(|| {
        resolved_at
            .map(|r| r + 7 * DAY)
            .unwrap_or(created_at)
            .min(now - MINUTE)
    });

    let requester = (kind != CaseKind::Denunciation
        && !(kind == CaseKind::Suggestion && rng.chance(0.5)))
    .then(|| rng.below(world.requesters.max(1)));
    let req = requester.map(|k| super::directory::requester(world.opts.seed, k));
    let reporter = (kind == CaseKind::Denunciation).then(|| {
        if rng.chance(0.6) {
            (true, None, None)
        } else {
            let phone = format!(
                "+84{}{:07}",
                rng.pick_str(MOBILE_PREFIXES),
                rng.below(10_000_000)
            );
            (false, Some(person_name(rng)), Some(phone))
        }
    });
    let phone = req
        .as_ref()
        .map(|r| r.phone.clone())
        .or_else(|| reporter.as_ref().and_then(|r| r.2.clone()))
        .unwrap_or_default();
    let subject = bulk::subject(kind, branch, rng, &phone);

    // The search document of the header: number, subject, requester (or reporter).
    let mut header = vec![number.clone(), subject.clone()];
    if let Some(r) = &req {
        header.push(r.name.clone());
        header.extend(
            [&r.business_name, &r.email, &r.tax_code]
                .into_iter()
                .flatten()
                .cloned(),
        );
        header.push(r.phone.clone());
    }
    if let Some((_, name, phone)) = &reporter {
        header.extend([name, phone].into_iter().flatten().cloned());
    }
    chunk.docs.push((search_tokens(&header.join(" ")), index));

    // The timeline: what came in, the conversation that followed, the resolution.
    let conversation = Conversation {
        index,
        kind,
        channel,
        phone: &phone,
        number: &number,
        created_by,
        assignee_id,
        created_at,
        first_responded_at,
        resolved_at,
        now,
    };
    let message_count = conversation.write(rng, chunk);
    if channel == Channel::Phone || kind == CaseKind::Callback {
        add_calls(rng, chunk, &conversation, branch);
    }
    if resolved_at.is_some() && requester.is_some() && rng.chance(0.25) {
        let score = rng
            .weighted(&[(5i64, 55), (4, 25), (3, 10), (2, 6), (1, 4)])
            .unwrap_or(5);
        let comment = match score {
            1 | 2 => Some(rng.pick_str(bulk::COMPLAINTS).to_string()),
            5 if rng.chance(0.3) => Some(bulk::PRAISE.to_string()),
            _ => None,
        };
        let at = resolved_at.unwrap_or(created_at) + rng.between(MINUTE, 3 * DAY);
        chunk.ratings.push(RatingRow {
            case: index,
            score,
            comment,
            created_at: at.min(now - MINUTE),
        });
    }
    let updated_at = [Some(created_at), first_responded_at, resolved_at, closed_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created_at);
    chunk.cases.push(CaseRow {
        number,
        kind,
        branch,
        channel,
        category_id,
        priority,
        status,
        subject,
        requester,
        unit_id,
        assignee_id,
        created_by,
        created_at,
        updated_at,
        first_response_due_at,
        resolution_due_at,
        first_responded_at,
        resolved_at,
        closed_at,
        message_count,
        reporter,
        callback_number: (kind == CaseKind::Callback && !phone.is_empty()).then_some(phone),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_valid_and_unique_within_a_month() {
        let mut per_month = HashMap::new();
        let mut taken = HashSet::new();
        let at = 1_795_425_600_000;
        let mut seen = HashSet::new();
        for _ in 0..5_000 {
            let n = unique_number(at, &mut per_month, &mut taken).unwrap_or_default();
            assert!(CaseNumber::parse(&n).is_ok(), "{n}");
            assert!(seen.insert(n));
        }
    }

    #[test]
    fn existing_numbers_are_skipped() {
        let at = 1_795_425_600_000;
        let mut first = HashMap::new();
        let mut none = HashSet::new();
        let n0 = unique_number(at, &mut first, &mut none).unwrap_or_default();
        let mut taken: HashSet<String> = [n0.clone()].into_iter().collect();
        let n = unique_number(at, &mut HashMap::new(), &mut taken).unwrap_or_default();
        assert_ne!(n, n0);
    }
}
