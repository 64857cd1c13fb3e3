//! hqdesk services: the use cases. Each one checks access, validates input into domain values,
//! writes everything that belongs together in one transaction (the change, its timeline event,
//! its audit entry, its outbox job) and only then returns.
pub mod actor;
pub mod ami;
pub mod audit;
pub mod auth;
mod call_access;
mod case_write;
pub mod cases;
pub mod clock;
mod confidential_reads;
pub mod conflict;
pub mod contacts;
mod creation;
pub mod directory;
mod error;
mod escalation_mail;
mod first_answer;
mod health;
pub mod jobs;
pub mod kb;
pub mod links;
pub mod live;
mod lookup;
pub mod mail;
pub mod notifications;
pub mod outbox;
pub mod portal;
pub mod read;
pub mod saved_filters;
pub mod sealing;
pub mod secrets;
pub mod service_levels_admin;
pub mod session;
pub mod sign_in_limits;
pub mod sla;
pub mod sla_escalation;
pub mod staff_admin;
pub mod suggest;
pub mod telephony;
mod texts;
pub mod user_password;
pub mod vault;

use std::sync::Arc;

pub use actor::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use creation::GroupCommitStats;
pub use error::ServiceError;
pub use hqdesk_store::{Engine, Store};

/// Everything a use case needs: the store and the clock. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    store: Store,
    clock: Arc<dyn Clock>,
    blobs: Option<hqdesk_store::blobs::BlobStore>,
    /// The console's public address, for links in mail written by jobs (no request to ask).
    public_url: Option<Arc<str>>,
    /// Creations waiting to be written together (see `creation`).
    group_commit: Arc<creation::GroupCommit>,
    /// The Argon2id cost of investigators' private keys and login hashes (`vault`).
    investigator_kdf: hqdesk_vault::KdfParams,
    /// The answer-suggestion indexes, rebuilt when the knowledge base changes (`suggest`).
    suggest_indexes: Arc<suggest::SuggestIndexes>,
}

impl Services {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            blobs: None,
            public_url: None,
            group_commit: Arc::default(),
            investigator_kdf: hqdesk_vault::KdfParams::INVESTIGATOR,
            suggest_indexes: Arc::default(),
        }
    }
    /// Seal investigators' private keys (and hash their passwords) at this Argon2id cost
    /// instead of `KdfParams::INVESTIGATOR` (64 MiB, 3 passes): the tests' unoptimised builds
    /// take the lowest accepted cost, so that a sign-in does not take seconds.
    pub fn with_investigator_kdf(mut self, params: hqdesk_vault::KdfParams) -> Self {
        self.investigator_kdf = params;
        self
    }
    pub fn investigator_kdf(&self) -> hqdesk_vault::KdfParams {
        self.investigator_kdf
    }
    /// Keep attachments in this blob store (without one, attachments are refused).
    pub fn with_blobs(mut self, blobs: hqdesk_store::blobs::BlobStore) -> Self {
        self.blobs = Some(blobs);
        self
    }
    /// Links in mail that jobs write (staff notifications) start with `url` (no trailing `/`).
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = Some(Arc::from(url.trim_end_matches('/')));
        self
    }
    /// The console's public address, if the server was told it.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }
    pub fn blobs(&self) -> Option<&hqdesk_store::blobs::BlobStore> {
        self.blobs.as_ref()
    }
    pub fn store(&self) -> &Store {
        &self.store
    }
    pub(crate) fn suggest_indexes(&self) -> &suggest::SuggestIndexes {
        &self.suggest_indexes
    }
    pub(crate) fn group_commit(&self) -> &creation::GroupCommit {
        &self.group_commit
    }
    pub fn now(&self) -> hqdesk_domain::Timestamp {
        self.clock.now()
    }
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Migrate the schema, check the secret key against the database and seal what is still in
    /// clear (`secrets`), and seed what a fresh installation needs (the category tree). The
    /// secret keys must be installed first (`hqdesk_store::secrets::install`).
    pub async fn prepare(&self) -> Result<(), ServiceError> {
        self.store.migrate().await?;
        self.prepare_secrets().await?;
        let mut tx = self.store.begin().await?;
        hqdesk_store::categories::seed_defaults(&mut tx, self.now()).await?;
        Store::commit(tx).await?;
        Ok(())
    }
}
