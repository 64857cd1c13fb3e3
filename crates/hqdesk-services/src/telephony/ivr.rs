//! The IVR: the caller's choice, and whether to offer a callback instead of waiting.
use hqdesk_domain::case::Branch;
use hqdesk_store::calls::{self};
use hqdesk_store::Store;

use super::may_report_calls;
use crate::{Actor, ServiceError, Services};

/// What the caller chose in the IVR within a branch. Branch 1 offers two: denunciations
/// (smuggling, trade fraud, corruption, misconduct) and problems met during customs procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvrChoice {
    /// Confidential: the call, its callback and anything opened from it are for the task force.
    Denunciation,
    Procedure,
}

impl IvrChoice {
    /// Every choice as written on the wire.
    pub const NAMES: [&'static str; 2] = ["denunciation", "procedure"];

    /// `denunciation` or `procedure` (the field is `choice`).
    pub fn parse(raw: &str) -> Result<IvrChoice, ServiceError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "denunciation" => Ok(IvrChoice::Denunciation),
            "procedure" => Ok(IvrChoice::Procedure),
            other => Err(ServiceError::invalid_field(
                "choice",
                "choice_unknown",
                format!("choice must be denunciation or procedure, not {other:?}"),
            )),
        }
    }
}

/// What the IVR should do with a new call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvrDecision {
    /// `none` until incidents and holiday notices exist (roadmap 10 and 11).
    pub announcement: String,
    pub staffed: bool,
    pub agents: i64,
    pub waiting: i64,
    pub wait_seconds: i64,
    pub offer_callback: bool,
}

/// Average handling time used for the wait estimate: the sources give 5–10 minutes per request.
pub const AVERAGE_HANDLING_SECONDS: i64 = 300;
/// Offer a callback instead of waiting when the estimate is longer than this.
pub const MAX_WAIT_BEFORE_CALLBACK_SECONDS: i64 = 120;

impl Services {
    /// Record a signed webhook delivery id; false if it was already received (a replay).
    pub async fn first_telephony_delivery(&self, delivery_id: &str) -> Result<bool, ServiceError> {
        let mut tx = self.store().begin().await?;
        let first = calls::first_delivery(&mut tx, delivery_id, self.now()).await?;
        Store::commit(tx).await?;
        Ok(first)
    }

    /// The IVR's decision for a caller who chose `branch` (and within it `choice`, when the IVR
    /// asks): staffed means someone who works that branch was active in the console in the last
    /// 15 minutes. The denunciation choice is staffed by task-force investigators only, and its
    /// waiting calls are counted apart.
    pub async fn ivr_decision(
        &self,
        actor: &Actor,
        branch: i64,
        choice: Option<&str>,
    ) -> Result<IvrDecision, ServiceError> {
        if !may_report_calls(actor) {
            return Err(ServiceError::Forbidden(
                "this account may not ask for IVR decisions".into(),
            ));
        }
        let branch = Branch::from_number(branch).map_err(|e| ServiceError::invalid("branch", e))?;
        let choice = match choice.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(IvrChoice::parse(raw)?),
        };
        let denunciation = choice == Some(IvrChoice::Denunciation);
        let now = self.now();
        let roles: &[&str] = match branch {
            _ if denunciation => &["investigator"],
            Branch::One => &["hotline", "investigator"],
            Branch::Two => &["agent"],
        };
        let mut conn = self.store().read().await?;
        let agents =
            hqdesk_store::sessions::active_users(&mut conn, roles, now.plus_minutes(-15)).await?;
        let waiting = calls::waiting(&mut conn, now.plus_minutes(-60))
            .await?
            .into_iter()
            .filter(|c| {
                c.is_confidential() == denunciation
                    && c.branch.unwrap_or(2) == i64::from(branch.number())
            })
            .count();
        let waiting = i64::try_from(waiting).unwrap_or(i64::MAX);
        let wait_seconds = if agents > 0 {
            waiting * AVERAGE_HANDLING_SECONDS / agents
        } else {
            0
        };
        Ok(IvrDecision {
            announcement: "none".into(),
            staffed: agents > 0,
            agents,
            waiting,
            wait_seconds,
            offer_callback: agents == 0 || wait_seconds > MAX_WAIT_BEFORE_CALLBACK_SECONDS,
        })
    }
}
