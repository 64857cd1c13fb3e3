use thiserror::Error;

/// What went wrong in storage, in terms the service layer can act on.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit (two requests raced, or a name is taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded: worth a retry, answered with 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database configuration: {0}")]
    Config(String),
    /// The secret key is missing, wrong or unreadable, or a sealed value does not open.
    #[error("secret key: {0}")]
    Secrets(String),
    /// Stored data that the domain refuses: a bug or a hand edit, never user input.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_string())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<hqdesk_domain::InvalidValue> for StoreError {
    fn from(e: hqdesk_domain::InvalidValue) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
