//! Group commit of case creations.
//!
//! Opening a case writes about ten rows (requester, case, first message, search documents,
//! audit entry, …). Written one case per transaction, concurrent creations queue behind the one
//! writer (SQLite) or the audit chain's lock (PostgreSQL) and each pays its own round trips and
//! commit. Here concurrent creations share one transaction: whoever finds the writer free takes
//! every creation waiting at that moment and writes them together, table by table with multi-row
//! statements, then commits once. Each caller is answered only after that commit, so nothing is
//! acknowledged before it is durable, exactly as with one transaction per case.
//!
//! If the shared transaction fails (an idempotency key taken by another node between check and
//! insert, or any error), nothing of it is kept and each creation is written again in a
//! transaction of its own, so one creation's failure never becomes another's.
use std::sync::{Arc, Mutex};

use hqdesk_domain::Timestamp;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::requesters::{Requester, RequesterFields};
use hqdesk_store::{idempotency, requesters, Store, StoreError};
use tokio::sync::oneshot;

use crate::case_write::CaseToInsert;
use crate::{ServiceError, Services};

/// Creations written in one transaction, at most (bounds a batch's latency and its statements).
const MAX_GROUP: usize = 64;

/// A validated case creation, ready to be written.
pub(crate) struct PendingCase {
    /// The case and what is written with it; its requester is resolved when it is written.
    pub insert: CaseToInsert,
    /// The requester to find or add in the directory (never for a confidential case).
    pub requester: Option<RequesterFields>,
    /// `(scope, key, fingerprint)` of the request's Idempotency-Key.
    pub idempotency: Option<(String, String, String)>,
}

/// What a written creation got.
#[derive(Debug, Clone)]
pub(crate) struct Created {
    /// The case as committed.
    pub case: CaseRecord,
    /// The case's requester as committed (found, completed or added), so that the caller need
    /// not read it again.
    pub requester: Option<Requester>,
}

/// Error code when a creation's idempotency key was recorded by someone else meanwhile.
pub(crate) const IDEMPOTENCY_KEY_TAKEN: &str = "idempotency_key_taken";

type Reply = oneshot::Sender<Result<Created, ServiceError>>;

/// The queue of creations waiting for the writer, shared by the clones of one `Services`.
#[derive(Default)]
pub(crate) struct GroupCommit {
    waiting: Mutex<Vec<(PendingCase, Reply)>>,
    writer: Arc<tokio::sync::Mutex<()>>,
    stats: Mutex<GroupCommitStats>,
}

/// How creations were committed since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Transactions that committed creations.
    pub commits: u64,
    /// Creations they committed.
    pub cases: u64,
    /// Groups that failed and were written again case by case.
    pub fallbacks: u64,
}

impl Services {
    /// How creations were committed since this `Services` was made.
    pub fn group_commit_stats(&self) -> GroupCommitStats {
        self.group_commit
            .stats
            .lock()
            .map(|s| *s)
            .unwrap_or_default()
    }

    fn count_commit(&self, cases: usize, fallback: bool) {
        if cases > 0 {
            metrics::counter!("hqdesk_case_creation_commits_total").increment(1);
            metrics::counter!("hqdesk_case_creations_committed_total").increment(cases as u64);
        }
        if fallback {
            metrics::counter!("hqdesk_case_creation_group_fallbacks_total").increment(1);
        }
        if let Ok(mut s) = self.group_commit.stats.lock() {
            s.commits += u64::from(cases > 0);
            s.cases += cases as u64;
            s.fallbacks += u64::from(fallback);
        }
    }

    /// Write one creation, together with those waiting beside it; answers after the commit.
    pub(crate) async fn create_case(&self, case: PendingCase) -> Result<Created, ServiceError> {
        let (reply, mut done) = oneshot::channel();
        self.group_commit()
            .waiting
            .lock()
            .map_err(|_| ServiceError::Internal("case writer queue poisoned".into()))?
            .push((case, reply));
        let writer = self.group_commit().writer.clone();
        let guard = tokio::select! {
            biased;
            // Another caller took this creation into its group.
            answer = &mut done => return flatten(answer),
            guard = writer.lock_owned() => guard,
        };
        let group: Vec<(PendingCase, Reply)> = {
            let mut waiting = self
                .group_commit()
                .waiting
                .lock()
                .map_err(|_| ServiceError::Internal("case writer queue poisoned".into()))?;
            let n = waiting.len().min(MAX_GROUP);
            waiting.drain(..n).collect()
        };
        if !group.is_empty() {
            // On its own task: a caller that goes away (a closed connection drops its future)
            // must not abandon the others' transaction half way.
            let services = self.clone();
            let write = async move {
                let started = std::time::Instant::now();
                let n = group.len();
                services.write_group(group).await;
                tracing::debug!(
                    cases = n,
                    micros = started.elapsed().as_micros() as u64,
                    "case group written"
                );
                drop(guard);
            };
            match writer_runtime() {
                Some(rt) => drop(rt.spawn(write)),
                None => drop(tokio::spawn(write)),
            }
        }
        flatten(done.await)
    }

    async fn write_group(&self, mut group: Vec<(PendingCase, Reply)>) {
        if group.len() == 1 {
            if let Some((case, reply)) = group.pop() {
                let written = self.write_alone(&case).await;
                self.count_commit(usize::from(written.is_ok()), false);
                let _ = reply.send(written);
            }
            return;
        }
        // A retry whose key is taken (earlier, or by another creation of this group) would fail
        // the whole group: write it alone afterwards, where it finds the key and replays.
        let (group, alone) = self.split_retries(group).await;
        let cases: Vec<&PendingCase> = group.iter().map(|(c, _)| c).collect();
        match self.write_cases(&cases).await {
            Ok(created) => {
                self.count_commit(created.len(), false);
                for ((_, reply), created) in group.into_iter().zip(created) {
                    let _ = reply.send(Ok(created));
                }
            }
            Err(e) => {
                tracing::info!(error = %e, cases = group.len(), "group commit failed, writing the cases one by one");
                self.count_commit(0, true);
                for (case, reply) in group {
                    let written = self.write_alone(&case).await;
                    self.count_commit(usize::from(written.is_ok()), false);
                    let _ = reply.send(written);
                }
            }
        }
        for (case, reply) in alone {
            let written = self.write_alone(&case).await;
            self.count_commit(usize::from(written.is_ok()), false);
            let _ = reply.send(written);
        }
    }

    /// Take out of `group` the creations whose idempotency key is recorded already or used by
    /// an earlier creation of the group.
    async fn split_retries(
        &self,
        group: Vec<(PendingCase, Reply)>,
    ) -> (Vec<(PendingCase, Reply)>, Vec<(PendingCase, Reply)>) {
        if group.iter().all(|(c, _)| c.idempotency.is_none()) {
            return (group, Vec::new());
        }
        let mut keep = Vec::with_capacity(group.len());
        let mut alone = Vec::new();
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut conn = self.store().read().await.ok();
        for (case, reply) in group {
            let Some((scope, key, _)) = &case.idempotency else {
                keep.push((case, reply));
                continue;
            };
            let pair = (scope.clone(), key.clone());
            let recorded = match conn.as_mut() {
                Some(c) => !matches!(idempotency::find(c, scope, key).await, Ok(None)),
                None => true,
            };
            if recorded || seen.contains(&pair) {
                alone.push((case, reply));
            } else {
                seen.push(pair);
                keep.push((case, reply));
            }
        }
        (keep, alone)
    }

    /// One creation in its own transaction.
    async fn write_alone(&self, case: &PendingCase) -> Result<Created, ServiceError> {
        self.write_cases(&[case]).await.map(|mut v| v.remove(0))
    }

    /// Write `cases` in one transaction, table by table.
    async fn write_cases(&self, group: &[&PendingCase]) -> Result<Vec<Created>, ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;

        let requesters = resolve_requesters(&mut tx, group, now).await?;
        let inserts: Vec<(&CaseToInsert, Option<i64>)> = group
            .iter()
            .zip(&requesters)
            .map(|(c, r)| (&c.insert, r.as_ref().map(|r| r.id)))
            .collect();
        let records = crate::case_write::insert_cases(&mut tx, &inserts, self.blobs(), now).await?;
        let created: Vec<Created> = records
            .into_iter()
            .zip(requesters)
            .map(|(case, requester)| Created { case, requester })
            .collect();
        for (c, done) in group.iter().zip(&created) {
            let n = &done.case.number;
            if let Some((scope, key, fingerprint)) = &c.idempotency {
                // A retry answers with this, never with a fresh read (see `first_answer`).
                let answer = crate::first_answer::encode(
                    &done.case,
                    done.requester.as_ref(),
                    c.insert.reporter.as_ref(),
                )?;
                idempotency::record(
                    &mut tx,
                    scope,
                    key,
                    fingerprint,
                    &format!("case:{n}"),
                    Some(&answer),
                    now,
                )
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(m) => ServiceError::Conflict {
                        code: IDEMPOTENCY_KEY_TAKEN,
                        message: m,
                    },
                    e => e.into(),
                })?;
            }
        }
        Store::commit(tx).await?;
        for done in &created {
            tracing::info!(case.number = %done.case.number, "case opened");
        }
        Ok(created)
    }
}

/// The thread that writes the groups. Each statement of a group is a hand-off to the
/// database connection and back; on the server's runtime every wake-up of the writer waited
/// behind the HTTP work of the creations queuing for the next group.
/// `None` (and the server's runtime does the writing) if the thread could not be started.
fn writer_runtime() -> Option<&'static tokio::runtime::Runtime> {
    static RUNTIME: std::sync::OnceLock<Option<tokio::runtime::Runtime>> =
        std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("hqdesk-case-writer")
                .enable_all()
                .build()
                .map_err(|e| tracing::error!(error = %e, "could not start the case writer thread"))
                .ok()
        })
        .as_ref()
}

fn flatten(
    answer: Result<Result<Created, ServiceError>, oneshot::error::RecvError>,
) -> Result<Created, ServiceError> {
    answer.map_err(|_| ServiceError::Internal("the case writer stopped".into()))?
}

/// Find or add each creation's requester as `requesters::find_match` one by one would: the
/// directory is read once for the whole group, and a requester new to it that two creations of
/// the group share is added once.
async fn resolve_requesters(
    tx: &mut hqdesk_store::Connection,
    group: &[&PendingCase],
    now: Timestamp,
) -> Result<Vec<Option<Requester>>, ServiceError> {
    let wanted: Vec<&RequesterFields> = group.iter().filter_map(|c| c.requester.as_ref()).collect();
    if wanted.is_empty() {
        return Ok(vec![None; group.len()]);
    }
    let mut known: Vec<Requester> = requesters::candidates(tx, &wanted).await?;
    // Requesters to add get ids above every stored one, in the order they will be inserted, as
    // the database will give them; `best_match` prefers the oldest like `find_match` does.
    const PLANNED: i64 = i64::MAX / 2;
    let mut added: Vec<RequesterFields> = Vec::new();
    let mut completed_ids: Vec<i64> = Vec::new();
    let mut picked: Vec<Option<i64>> = Vec::with_capacity(group.len());
    for c in group {
        let Some(f) = &c.requester else {
            picked.push(None);
            continue;
        };
        let id = match requesters::best_match(&known, f) {
            Some(r) => {
                let id = r.id;
                if let Some(mut done) = requesters::completed(r, f) {
                    done.updated_at = now;
                    if id >= PLANNED {
                        let a = &mut added[usize::try_from(id - PLANNED).unwrap_or(0)];
                        a.email.clone_from(&done.email);
                        a.phone.clone_from(&done.phone);
                        a.tax_code.clone_from(&done.tax_code);
                        a.business_name.clone_from(&done.business_name);
                    } else if !completed_ids.contains(&id) {
                        completed_ids.push(id);
                    }
                    if let Some(slot) = known.iter_mut().find(|k| k.id == id) {
                        *slot = done;
                    }
                }
                id
            }
            None => {
                let id = PLANNED + i64::try_from(added.len()).unwrap_or(0);
                known.push(Requester {
                    id,
                    kind: String::new(),
                    name: f.name.clone(),
                    business_name: f.business_name.clone(),
                    email: f.email.clone(),
                    phone: f.phone.clone(),
                    tax_code: f.tax_code.clone(),
                    created_at: now,
                    updated_at: now,
                });
                added.push(f.clone());
                id
            }
        };
        picked.push(Some(id));
    }
    let new_ids = requesters::insert_many(tx, &added, now).await?;
    for id in completed_ids {
        if let Some(r) = known.iter().find(|k| k.id == id) {
            requesters::save_identifiers(tx, r, now).await?;
        }
    }
    // The rows as committed: planned ones get their ids, and the kind the insert gave them.
    for r in known.iter_mut().filter(|r| r.id >= PLANNED) {
        let k = usize::try_from(r.id - PLANNED).unwrap_or(usize::MAX);
        if let (Some(id), Some(f)) = (new_ids.get(k), added.get(k)) {
            r.id = *id;
            r.kind = f.kind().to_string();
        }
    }
    Ok(picked
        .into_iter()
        .map(|id| {
            id.and_then(|id| {
                let id = match usize::try_from(id - PLANNED) {
                    Ok(k) if id >= PLANNED => new_ids.get(k).copied().unwrap_or(id),
                    _ => id,
                };
                known.iter().find(|r| r.id == id).cloned()
            })
        })
        .collect())
}
