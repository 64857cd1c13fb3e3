//! A case's clocks as people see them (the console's case page, the API's `sla` object).
use hqdesk_domain::access::Action;
use hqdesk_domain::sla::ClockStatus;
use hqdesk_domain::Timestamp;
use hqdesk_store::case_clocks::{self, CaseClock};

use crate::{Actor, ServiceError, Services};

/// The status of a stored clock at `now`: breached when its due time passed before it was met,
/// or, unmet, before now.
pub(crate) fn status(c: &CaseClock, now: Timestamp) -> ClockStatus {
    ClockStatus {
        kind: c.kind,
        calendar: c.calendar.clone(),
        started_at: c.started_at,
        due_at: c.due_at,
        met_at: c.met_at,
        paused: c.met_at.is_none() && c.paused(),
        pause_reason: if c.met_at.is_none() {
            c.pause_reason.clone()
        } else {
            None
        },
        breached: c.due_at.is_some_and(|d| c.met_at.unwrap_or(now) > d),
        extensions: c.extensions,
    }
}

impl Services {
    /// The clocks of the case `number`, in the order of `ClockKind::ALL`; "not found" for a
    /// case the actor may not read.
    pub async fn case_clocks(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<ClockStatus>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let now = self.now();
        Ok(case_clocks::for_case(&mut conn, case.id)
            .await?
            .iter()
            .map(|c| status(c, now))
            .collect())
    }
}
