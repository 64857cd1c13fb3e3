//! Reading calendars (the API's `/api/v1/calendars`): any signed-in staff member may.
use hqdesk_domain::calendar::Calendar;
use hqdesk_store::calendars;

use crate::{Actor, ServiceError, Services};

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    match actor {
        Actor::User { .. } => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "calendars are read by staff accounts".into(),
        )),
    }
}

impl Services {
    /// Every calendar, by name.
    pub async fn read_calendars(&self, actor: &Actor) -> Result<Vec<Calendar>, ServiceError> {
        staff(actor)?;
        let mut conn = self.store().read().await?;
        Ok(calendars::list(&mut conn)
            .await?
            .into_iter()
            .map(|c| c.calendar)
            .collect())
    }

    /// The calendar `name`, or "not found".
    pub async fn read_calendar(&self, actor: &Actor, name: &str) -> Result<Calendar, ServiceError> {
        staff(actor)?;
        let mut conn = self.store().read().await?;
        calendars::get(&mut conn, name)
            .await?
            .map(|c| c.calendar)
            .ok_or(ServiceError::NotFound)
    }
}
