//! Whether the service can work: the database answers.
use crate::{Engine, Services};

impl Services {
    /// The database engine in use.
    pub fn engine(&self) -> Engine {
        self.store().engine()
    }

    /// Ok when the database answers a trivial query.
    pub async fn ping_database(&self) -> Result<(), crate::ServiceError> {
        Ok(self.store().ping().await?)
    }
}
