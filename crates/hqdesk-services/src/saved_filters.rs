//! A console user's saved filters of queues and search results: kept per user, seen and
//! changed by that user only.
use hqdesk_store::saved_filters::{self, SavedFilter};

use crate::{Actor, ServiceError, Services};

/// The longest name of a saved filter, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The longest query a saved filter keeps, in bytes.
pub const MAX_QUERY_BYTES: usize = 1000;
/// How many filters one user may keep.
pub const MAX_PER_USER: i64 = 30;

fn user_id(actor: &Actor) -> Result<i64, ServiceError> {
    match actor {
        Actor::User { user, .. } => Ok(user.id),
        _ => Err(ServiceError::Forbidden(
            "only a signed-in user has saved filters".into(),
        )),
    }
}

impl Services {
    /// The actor's saved filters, by name.
    pub async fn saved_filters(&self, actor: &Actor) -> Result<Vec<SavedFilter>, ServiceError> {
        let id = user_id(actor)?;
        let mut conn = self.store().read().await?;
        Ok(saved_filters::list(&mut conn, id).await?)
    }

    /// Save the list query `query` under `name` for the actor (a filter of the same name is
    /// replaced). The query is kept as given: the console checks it whenever it is used.
    pub async fn save_filter(
        &self,
        actor: &Actor,
        name: &str,
        query: &str,
    ) -> Result<i64, ServiceError> {
        let id = user_id(actor)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(ServiceError::invalid_field(
                "name",
                "name_empty",
                "give the filter a name",
            ));
        }
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(ServiceError::invalid_field(
                "name",
                "name_invalid",
                format!("a filter's name is one line of at most {MAX_NAME_CHARS} characters"),
            ));
        }
        if query.len() > MAX_QUERY_BYTES || query.chars().any(char::is_control) {
            return Err(ServiceError::invalid_field(
                "query",
                "query_invalid",
                "this filter is too long to keep",
            ));
        }
        let mut tx = self.store().begin().await?;
        let existing = saved_filters::list(&mut tx, id).await?;
        if !existing.iter().any(|f| f.name == name)
            && saved_filters::count(&mut tx, id).await? >= MAX_PER_USER
        {
            return Err(ServiceError::Conflict {
                code: "too_many_filters",
                message: format!("at most {MAX_PER_USER} saved filters; delete one first"),
            });
        }
        let saved = saved_filters::save(&mut tx, id, name, query, self.now()).await?;
        hqdesk_store::Store::commit(tx).await?;
        Ok(saved)
    }

    /// Delete one of the actor's saved filters; another user's is not found.
    pub async fn delete_saved_filter(
        &self,
        actor: &Actor,
        filter: i64,
    ) -> Result<(), ServiceError> {
        let id = user_id(actor)?;
        let mut tx = self.store().begin().await?;
        if !saved_filters::delete(&mut tx, id, filter).await? {
            return Err(ServiceError::NotFound);
        }
        hqdesk_store::Store::commit(tx).await?;
        Ok(())
    }
}
