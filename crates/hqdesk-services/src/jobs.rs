//! The job runner: claims due jobs from the database and runs the registered handler for each
//! kind. Every node runs one; the database decides who gets which job.
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hqdesk_domain::Timestamp;
use hqdesk_store::jobs::{self, Job, NewJob, WaitFor};
use hqdesk_store::Store;

use crate::{ServiceError, Services};

/// What a handler says about a job it ran.
#[derive(Debug)]
pub enum JobOutcome {
    Done(String),
    /// Periodic job: run again at this time.
    RunAgainAt(Timestamp),
    /// It cannot succeed until the condition holds (a mail with no mailbox to send it from):
    /// parked, not retried, until then. Said once in the log, not once per job.
    WaitFor(WaitFor),
}

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<JobOutcome, String>> + Send>>;
pub type Handler = Arc<dyn Fn(Services, Job) -> HandlerFuture + Send + Sync>;

/// Kind → handler. Kinds without a handler on this node stay in the table for a node that has one.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
}

impl Registry {
    pub fn register(&mut self, kind: &'static str, h: Handler) {
        self.handlers.insert(kind, h);
    }
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }
    /// The handlers every node runs.
    pub fn standard() -> Self {
        let mut r = Registry::default();
        r.register(
            EXPIRE_IDEMPOTENCY_KEYS,
            Arc::new(|s, _job| Box::pin(async move { expire_idempotency_keys(s).await })),
        );
        r.register(
            EXPIRE_SESSIONS,
            Arc::new(|s, _job| Box::pin(async move { expire_sessions(s).await })),
        );
        crate::sla::recompute::register(&mut r);
        crate::sealing::files::register(&mut r);
        crate::sealing::identity::register(&mut r);
        crate::sla_escalation::register(&mut r);
        r
    }
}

/// Periodic: forget idempotency keys older than a day.
pub const EXPIRE_IDEMPOTENCY_KEYS: &str = "idempotency.expire";
const IDEMPOTENCY_KEEP_MS: i64 = 24 * 3600 * 1000;

async fn expire_idempotency_keys(s: Services) -> Result<JobOutcome, String> {
    let now = s.now();
    let mut tx = s.store().begin().await.map_err(|e| e.to_string())?;
    let n =
        hqdesk_store::idempotency::expire(&mut tx, Timestamp(now.millis() - IDEMPOTENCY_KEEP_MS))
            .await
            .map_err(|e| e.to_string())?;
    Store::commit(tx).await.map_err(|e| e.to_string())?;
    tracing::debug!(expired = n, "idempotency keys expired");
    Ok(JobOutcome::RunAgainAt(now.plus_minutes(60)))
}

/// Periodic: delete the console sessions that ended (idle or absolute expiry) and, with them,
/// investigators' session-sealed keys: a session is refused as soon as it ends, but its row
/// (and a cookie kept past its end, with a copy of the database, would open the key) goes here,
/// within five minutes, and at every sign-in.
pub const EXPIRE_SESSIONS: &str = "sessions.expire";

async fn expire_sessions(s: Services) -> Result<JobOutcome, String> {
    let now = s.now();
    let mut tx = s.store().begin().await.map_err(|e| e.to_string())?;
    let n =
        hqdesk_store::sessions::delete_expired(&mut tx, now, crate::session::IDLE_MINUTES * 60_000)
            .await
            .map_err(|e| e.to_string())?;
    Store::commit(tx).await.map_err(|e| e.to_string())?;
    tracing::debug!(deleted = n, "ended sessions deleted");
    Ok(JobOutcome::RunAgainAt(now.plus_minutes(5)))
}

/// Retry delays grow exponentially from 10 s up to one hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(1, 12) - 1).unwrap_or(0);
    (10_000i64 * 2i64.pow(exp)).min(3_600_000)
}

impl Services {
    /// Make sure the periodic jobs exist (one row each, shared by all nodes).
    pub async fn schedule_periodic_jobs(&self) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        jobs::enqueue(
            &mut tx,
            &NewJob {
                kind: EXPIRE_IDEMPOTENCY_KEYS,
                payload: "{}".into(),
                dedup_key: Some(EXPIRE_IDEMPOTENCY_KEYS.into()),
                run_at: now,
                max_attempts: 1_000_000,
            },
            now,
        )
        .await?;
        jobs::enqueue(
            &mut tx,
            &NewJob {
                kind: EXPIRE_SESSIONS,
                payload: "{}".into(),
                dedup_key: Some(EXPIRE_SESSIONS.into()),
                run_at: now,
                max_attempts: 1_000_000,
            },
            now,
        )
        .await?;
        jobs::enqueue(
            &mut tx,
            &NewJob {
                kind: crate::sealing::EXPIRE_GRANTS_JOB,
                payload: "{}".into(),
                dedup_key: Some(crate::sealing::EXPIRE_GRANTS_JOB.into()),
                run_at: now,
                max_attempts: 1_000_000,
            },
            now,
        )
        .await?;
        crate::sla_escalation::schedule_sweep(&mut tx, now).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Claim and run one due job. Returns whether there was one.
    pub async fn run_one_job(
        &self,
        registry: &Registry,
        worker: &str,
    ) -> Result<bool, ServiceError> {
        let kinds = registry.kinds();
        let now = self.now();
        let job = {
            let mut tx = self.store().begin().await?;
            let job = jobs::claim(&mut tx, &kinds, worker, now, 5 * 60_000).await?;
            Store::commit(tx).await?;
            job
        };
        let Some(job) = job else { return Ok(false) };
        let Some(handler) = registry.handlers.get(job.kind.as_str()).cloned() else {
            return Ok(true);
        };
        let (id, attempts, max) = (job.id, job.attempts, job.max_attempts);
        let kind = job.kind.clone();
        let result = handler(self.clone(), job).await;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        match result {
            Ok(JobOutcome::Done(outcome)) => jobs::complete(&mut tx, id, &outcome, now).await?,
            Ok(JobOutcome::RunAgainAt(t)) => jobs::reschedule(&mut tx, id, t).await?,
            Ok(JobOutcome::WaitFor(condition)) => {
                let first = jobs::waiting(&mut tx, condition).await? == 0;
                jobs::park(&mut tx, id, condition).await?;
                if first {
                    tracing::warn!(job.id = id, job.kind = %kind, "{}", condition.describe());
                } else {
                    tracing::debug!(job.id = id, job.kind = %kind, waiting_for = condition.as_str(), "job parked");
                }
            }
            Err(e) => {
                tracing::warn!(job.id = id, job.kind = %kind, attempts, error = %e, "job failed");
                let retry = (attempts < max).then(|| now.plus_seconds(backoff_ms(attempts) / 1000));
                jobs::fail(&mut tx, id, &e, retry, now).await?;
            }
        }
        Store::commit(tx).await?;
        Ok(true)
    }

    /// Run jobs until `shutdown` resolves, polling when idle.
    pub async fn run_jobs(
        &self,
        registry: Registry,
        worker: String,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let idle = match self.run_one_job(&registry, &worker).await {
                Ok(ran) => !ran,
                Err(e) => {
                    tracing::warn!(error = %e, "job runner");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(1), 10_000);
        assert_eq!(backoff_ms(2), 20_000);
        assert_eq!(backoff_ms(30), 3_600_000);
    }
}
