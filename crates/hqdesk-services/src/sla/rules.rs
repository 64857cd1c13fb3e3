//! The rules clocks are computed from, read once per transaction: policies (in the order they
//! are tried), calendars by name, legal rules.
use std::collections::HashMap;

use hqdesk_domain::calendar::Calendar;
use hqdesk_domain::case::CaseKind;
use hqdesk_domain::sla::{LadderStep, Policy};
use hqdesk_store::legal_rules::LegalRule;
use hqdesk_store::{calendars, legal_rules, sla_policies, Connection};

use crate::ServiceError;

pub(crate) struct Rules {
    pub policies: Vec<Policy>,
    pub calendars: HashMap<String, Calendar>,
    pub legal: Vec<LegalRule>,
}

impl Rules {
    pub async fn load(conn: &mut Connection) -> Result<Self, ServiceError> {
        let policies = sla_policies::list(conn).await?;
        let calendars = calendars::list(conn)
            .await?
            .into_iter()
            .map(|c| (c.calendar.name.clone(), c.calendar))
            .collect();
        let legal = legal_rules::list(conn).await?;
        Ok(Self {
            policies,
            calendars,
            legal,
        })
    }

    pub fn calendar(&self, name: &str) -> Result<&Calendar, ServiceError> {
        self.calendars
            .get(name)
            .ok_or_else(|| ServiceError::Internal(format!("calendar {name:?} is missing")))
    }

    pub fn policy(&self, id: Option<i64>) -> Option<&Policy> {
        id.and_then(|id| self.policies.iter().find(|p| p.id == id))
    }

    /// The escalation ladder of the policy `id` (none for a legal deadline).
    pub fn ladder(&self, id: Option<i64>) -> &[LadderStep] {
        self.policy(id).map(|p| p.ladder.as_slice()).unwrap_or(&[])
    }

    pub fn legal_for(&self, kind: CaseKind) -> impl Iterator<Item = &LegalRule> {
        self.legal.iter().filter(move |r| r.kind == kind)
    }
}
