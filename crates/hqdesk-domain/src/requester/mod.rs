//! Requesters: the people and businesses who contact the service, and their identifiers.
mod email;
mod phone;
mod tax_code;

pub use email::Email;
pub use phone::PhoneE164;
pub use tax_code::TaxCode;
