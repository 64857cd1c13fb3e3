//! How a sealed case's values are stored (design note 006 §9): in the same TEXT columns as an
//! ordinary case's, as `hqsv1.`/`hqsa1.` text (`text`), each bound to its place (`places`).
//! Opening is the services' (they hold the keys, through `hqdesk-vault`). Sealing what is
//! written is the store's (`append`): every write of a sealed case's text passes here, so no write
//! path can forget; the store also frames the bytes and names the places, once, so that a writer
//! and a reader can never disagree on either.
pub mod append;
pub mod places;
pub mod reseal;
pub mod text;

pub use append::CaseSeal;
pub use text::{is_sealed_text, SealedText};
