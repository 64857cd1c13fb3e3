//! The job that follows a calendar edit (kind [`RECOMPUTE_JOB`], payload
//! `{"calendar":"<name>"}`, enqueued by the calendar editor in the transaction that saves the
//! calendar or a year): every case with an unmet clock on that calendar gets its due times,
//! next ladder steps, denormalised due columns and timer recomputed, a few hundred cases per
//! transaction. The request that saved the calendar never touches cases.
use hqdesk_store::jobs::Job;
use hqdesk_store::{case_clocks, Store};

use super::clocks::write_for_case;
use super::rules::Rules;
use super::RECOMPUTE_JOB;
use crate::jobs::{JobOutcome, Registry};
use crate::{ServiceError, Services};

/// Cases per transaction.
const BATCH: i64 = 300;

/// Register the handler of [`RECOMPUTE_JOB`].
pub fn register(r: &mut Registry) {
    r.register(
        RECOMPUTE_JOB,
        std::sync::Arc::new(|s, job| Box::pin(async move { run(s, job).await })),
    );
}

async fn run(s: Services, job: Job) -> Result<JobOutcome, String> {
    #[derive(serde::Deserialize)]
    struct Payload {
        calendar: String,
    }
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    let n = s
        .recompute_calendar(&p.calendar)
        .await
        .map_err(|e| e.to_string())?;
    Ok(JobOutcome::Done(format!("{n} cases recomputed")))
}

impl Services {
    /// Recompute every case with an unmet clock on `calendar`; returns how many cases.
    pub async fn recompute_calendar(&self, calendar: &str) -> Result<usize, ServiceError> {
        let mut after = 0;
        let mut total = 0;
        loop {
            let now = self.now();
            let mut tx = self.store().begin().await?;
            let ids = case_clocks::cases_running_on(&mut tx, calendar, after, BATCH).await?;
            let Some(last) = ids.last().copied() else {
                break;
            };
            let rules = Rules::load(&mut tx).await?;
            for id in &ids {
                let clocks = case_clocks::for_case(&mut tx, *id).await?;
                write_for_case(&mut tx, &rules, *id, clocks, now).await?;
            }
            Store::commit(tx).await?;
            total += ids.len();
            after = last;
        }
        Ok(total)
    }
}
