//! What a form names by a code or a user name, looked up with the field error a person
//! understands when there is no such thing (the form answers 422 with every such error at once).
use hqdesk_domain::{FieldError, ValidationErrors};
use hqdesk_store::units::{self, Unit};
use hqdesk_store::users::{self, User};
use hqdesk_store::{Connection, StoreError};

use crate::ServiceError;

/// The unit whose code is `code` (as stored: callers normalise it), or `None` with an
/// `unit_unknown` error on `field`.
pub(crate) async fn unit_named(
    conn: &mut Connection,
    field: &str,
    code: &str,
    errors: &mut ValidationErrors,
) -> Result<Option<Unit>, ServiceError> {
    match units::by_code(conn, code).await {
        Ok(u) => Ok(Some(u)),
        Err(StoreError::NotFound) => {
            errors.push(FieldError {
                field: field.into(),
                code: "unit_unknown",
                message: format!("there is no unit {code:?}"),
            });
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The active user named `username` (lower case), or `None` with a `user_unknown` error on
/// `field`: a deactivated user cannot be given a case.
pub(crate) async fn active_user_named(
    conn: &mut Connection,
    field: &str,
    username: &str,
    errors: &mut ValidationErrors,
) -> Result<Option<User>, ServiceError> {
    match users::by_username(conn, username).await {
        Ok(u) if u.active => Ok(Some(u)),
        Ok(_) | Err(StoreError::NotFound) => {
            errors.push(FieldError {
                field: field.into(),
                code: "user_unknown",
                message: format!("there is no active user {username:?}"),
            });
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
