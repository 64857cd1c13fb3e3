//! One action on several cases at once (the console's queue): each case goes through the same
//! service call as from its own page, so access control and the one write path per event stay;
//! each answers for itself.
use super::AssignCase;
use crate::{Actor, ServiceError, Services};

/// The most cases one bulk action takes.
pub const MAX_BULK: usize = 100;

/// What to do to every case.
#[derive(Debug, Clone)]
pub enum BulkAction {
    /// Give the cases to this user (a user name); `None` takes them back from their assignee.
    Assign(Option<String>),
    /// Move the cases to this status.
    Status(String),
    /// Merge the cases into this case (a case number).
    Merge(String),
}

/// What happened to one case: `Ok` or why it was refused.
#[derive(Debug)]
pub struct BulkOutcome {
    /// The number as the request gave it.
    pub number: String,
    pub result: Result<(), ServiceError>,
}

impl Services {
    /// Apply `action` to each of `numbers` (repeats once), in order. A case the actor may not
    /// see is refused as not found, exactly like a number that does not exist.
    pub async fn bulk_action(
        &self,
        actor: &Actor,
        numbers: &[String],
        action: &BulkAction,
    ) -> Result<Vec<BulkOutcome>, ServiceError> {
        let mut seen = std::collections::HashSet::new();
        let numbers: Vec<&String> = numbers
            .iter()
            .filter(|n| !n.trim().is_empty() && seen.insert(n.trim().to_ascii_uppercase()))
            .collect();
        if numbers.is_empty() {
            return Err(ServiceError::invalid_field(
                "case",
                "cases_none",
                "choose at least one case",
            ));
        }
        if numbers.len() > MAX_BULK {
            return Err(ServiceError::invalid_field(
                "case",
                "cases_too_many",
                format!("at most {MAX_BULK} cases at once"),
            ));
        }
        let mut out = Vec::with_capacity(numbers.len());
        for n in numbers {
            let number = n.trim();
            let result = match action {
                BulkAction::Assign(user) => self
                    .assign_case(
                        actor,
                        number,
                        AssignCase {
                            unit: None,
                            assignee: Some(user.clone()),
                        },
                    )
                    .await
                    .map(|_| ()),
                BulkAction::Status(status) => {
                    self.change_status(actor, number, status).await.map(|_| ())
                }
                BulkAction::Merge(into) => self.merge_case(actor, number, into).await.map(|_| ()),
            };
            if let Err(ServiceError::Internal(_) | ServiceError::Unavailable(_)) = &result {
                // The store failing is no refusal: stop and say so.
                return result.map(|_| vec![]);
            }
            out.push(BulkOutcome {
                number: number.to_string(),
                result,
            });
        }
        Ok(out)
    }
}
