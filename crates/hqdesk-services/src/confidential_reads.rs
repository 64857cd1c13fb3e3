//! Every read that returns something of a confidential case is written to the audit log
//! (`case.read_confidential`, with `via` saying which read): the case itself, its messages,
//! attachments and links, search and list results, live updates and the presence heartbeat
//! (that one once per session and case, not every few seconds); and the confidential calls shown
//! on a call page, a screen-pop or in a caller's history.
use hqdesk_domain::access::Action;
use hqdesk_store::calls::Call;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::{session_reads, Store};
use serde_json::json;

use crate::audit::record as audit;
use crate::session::ABSOLUTE_HOURS;
use crate::{Actor, ServiceError, Services};

impl Services {
    /// Record that `actor` read the confidential ones of `cases` through `via`: one audit entry
    /// per case, all in one transaction. Background jobs are not recorded.
    pub(crate) async fn record_confidential_reads<'a>(
        &self,
        actor: &Actor,
        cases: impl IntoIterator<Item = &'a CaseRecord>,
        via: &str,
    ) -> Result<(), ServiceError> {
        if matches!(actor, Actor::System(_)) {
            return Ok(());
        }
        let mut numbers: Vec<String> = cases
            .into_iter()
            .filter(|c| c.confidential)
            .map(|c| c.number.to_string())
            .collect();
        numbers.sort();
        numbers.dedup();
        if numbers.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        for number in numbers {
            audit(
                &mut tx,
                now,
                actor,
                "case.read_confidential",
                &format!("case:{number}"),
                json!({ "via": via }),
            )
            .await?;
        }
        Store::commit(tx).await?;
        Ok(())
    }

    /// Record that `actor` was shown the confidential ones of `calls` (a call page, a
    /// screen-pop, a caller's history) through `via`.
    pub(crate) async fn record_confidential_call_reads<'a>(
        &self,
        actor: &Actor,
        calls: impl IntoIterator<Item = &'a Call>,
        via: &str,
    ) -> Result<(), ServiceError> {
        if matches!(actor, Actor::System(_)) {
            return Ok(());
        }
        let ids: Vec<&str> = calls
            .into_iter()
            .filter(|c| c.is_confidential())
            .map(|c| c.call_id.as_str())
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        for id in ids {
            audit(
                &mut tx,
                now,
                actor,
                "call.read_confidential",
                &format!("call:{id}"),
                json!({ "via": via }),
            )
            .await?;
        }
        Store::commit(tx).await?;
        Ok(())
    }

    /// The presence heartbeat of a console session on a case: note what the user is doing and
    /// list who else is on it. Reading a confidential case this way is audited once per session
    /// and case.
    pub async fn case_presence(
        &self,
        actor: &Actor,
        session_hash: &str,
        number: &str,
        activity: &str,
    ) -> Result<Vec<(String, String, String)>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        drop(conn);
        if case.confidential {
            let now = self.now();
            let mut tx = self.store().begin().await?;
            let forget_before = now.plus_minutes(-ABSOLUTE_HOURS * 60);
            if session_reads::first_read(&mut tx, session_hash, case.id, now, forget_before).await?
            {
                audit(
                    &mut tx,
                    now,
                    actor,
                    "case.read_confidential",
                    &format!("case:{}", case.number),
                    json!({ "via": "presence" }),
                )
                .await?;
            }
            Store::commit(tx).await?;
        }
        let activity = if activity == "replying" {
            "replying"
        } else {
            "viewing"
        };
        self.presence(actor, case.id, Some(activity)).await
    }
}
