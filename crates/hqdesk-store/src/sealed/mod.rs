//! How a sealed case's values are stored (design note 006 §9): in the same TEXT columns as an
//! ordinary case's, as `hqsv1.`/`hqsa1.` text (`text`), each bound to its place (`places`).
//! Sealing and opening are the services' (they hold the keys, through `hqdesk-vault`); the store
//! only frames the bytes and names the places, once, so that a writer and a reader can never
//! disagree on either.
pub mod places;
pub mod text;

pub use text::{is_sealed_text, SealedText};
