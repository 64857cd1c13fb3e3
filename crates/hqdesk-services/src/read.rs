//! The records the use cases return, as the web shows them: the store's read models, named here
//! so that the HTTP layer depends on the services alone.
pub use hqdesk_store::attachments::Attachment;
pub use hqdesk_store::calls::Call;
pub use hqdesk_store::cases::CaseRecord;
pub use hqdesk_store::categories::Category;
pub use hqdesk_store::identity::{IdentityRequest, RequestStatus as IdentityRequestStatus};
pub use hqdesk_store::portal::Procedure;
pub use hqdesk_store::requesters::Requester;
pub use hqdesk_store::timeline::{delivery_error, Entry};
pub use hqdesk_store::units::Unit;
pub use hqdesk_store::users::User;
