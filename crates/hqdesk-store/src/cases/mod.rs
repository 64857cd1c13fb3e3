//! Cases: insert, read, list with filters and keyset pagination, and updates.
mod confidential;
mod counts;
mod filters;
mod list;
mod record;
mod search;
mod walk;
mod write;

pub use confidential::{
    confidential_reporter, insert_confidential_reporter, is_sealed_reporter_email,
    reporter_reply_address, ConfidentialReporter,
};
pub use counts::{
    count, count_capped, count_capped_walking, count_many, count_scanning, SEARCH_COUNT_CAP,
};
pub use filters::{CaseFilter, CaseOrder, Cursor, LegalClockFilter, SortKey};
pub use list::list;
pub use record::{by_id, by_number, CaseRecord};
pub use search::{
    list_latest_match_walking, search_first_page, search_first_page_walking, SearchPage,
};
pub use walk::{
    SearchWalk, COUNT_WALK_MAX_DOCS, PAGE_WALK_MAX_DOCS, WALK_MAX_DOCS, WALK_MIN_DOCS, WALK_PROBE,
    WALK_SAFETY,
};
pub use write::{
    bump_message_count, insert_many, is_sealed, update, CaseChanges, NewCase, NewCaseNames,
};
