//! The enumerations of the API as OpenAPI schemas, so that schema-driven clients and fuzzers
//! send only values the server takes. Fields keep their Rust type (a `String` parsed by the
//! domain, which answers 422 for anything else) and point here with
//! `#[schema(value_type = …)]`; the values come from the domain's own lists wherever it has one.
use hqdesk_domain::case::timeline::{
    DeliveryState as DomainDeliveryState, EntryKind as DomainEntryKind,
};
use hqdesk_domain::case::{
    Branch as DomainBranch, CaseKind as DomainCaseKind, Priority as DomainPriority, Status,
};
use hqdesk_domain::channel::Channel as DomainChannel;
use hqdesk_domain::unit::UnitLevel as DomainUnitLevel;
use hqdesk_domain::user::Role as DomainRole;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

fn strings(description: &str, values: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .into()
}

macro_rules! enumeration {
    ($(#[doc = $doc:literal])+ $name:ident = $values:expr) => {
        $(#[doc = $doc])+
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                strings(concat!($($doc),+).trim(), $values)
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

enumeration! {
    /// What a case is about; `denunciation` is confidential.
    CaseKind = DomainCaseKind::ALL.map(DomainCaseKind::as_str)
}
enumeration! {
    /// Where a case stands.
    CaseStatus = Status::ALL.map(Status::as_str)
}
enumeration! {
    /// How urgent a case is.
    Priority = DomainPriority::ALL.map(DomainPriority::as_str)
}
enumeration! {
    /// How a contact arrived.
    Channel = DomainChannel::ALL.map(DomainChannel::as_str)
}
enumeration! {
    /// A staff member's role.
    Role = DomainRole::ALL.map(DomainRole::as_str)
}
enumeration! {
    /// A unit's place in the tree.
    UnitLevel = DomainUnitLevel::ALL.map(DomainUnitLevel::as_str)
}
enumeration! {
    /// What a timeline entry is.
    EntryKind = DomainEntryKind::ALL.map(DomainEntryKind::as_str)
}
enumeration! {
    /// How far a reply got.
    DeliveryState = DomainDeliveryState::ALL.map(DomainDeliveryState::as_str)
}
enumeration! {
    /// Whether a recorded message was sent to the requester or came from them.
    MessageDirection = ["outbound", "inbound"]
}
enumeration! {
    /// A person or a business.
    RequesterKind = ["person", "business"]
}
enumeration! {
    /// The order of a case list.
    CaseSort = [
        "created",
        "due",
        "updated",
        "number",
        "-number",
        "age",
        "-age",
        "nearest_due",
        "-nearest_due",
        "priority",
        "-priority",
        "status",
        "-status"
    ]
}
enumeration! {
    /// How an attempt to call back ended.
    CallbackOutcome = ["no_answer", "busy", "reached"]
}
enumeration! {
    /// An event of the generic CTI contract.
    CtiEventName = crate::api::telephony::CTI_EVENTS.map(|(name, _)| name)
}
enumeration! {
    /// An event of the signed telephony webhook.
    SignedEventName = crate::api::telephony::SIGNED_EVENTS.map(|(name, _)| name)
}
enumeration! {
    /// The caller's choice within a branch, when the IVR knows it.
    IvrChoice = hqdesk_services::telephony::IvrChoice::NAMES
}
enumeration! {
    /// Which way a call went.
    CallDirection = ["in", "out"]
}
enumeration! {
    /// Where a call stands.
    CallState = ["ringing", "answered", "ended"]
}

enumeration! {
    /// Whether the server can do its work.
    HealthStatus = ["ok", "degraded"]
}
enumeration! {
    /// Whether the database answers.
    DatabaseState = ["ok", "unreachable"]
}
enumeration! {
    /// The storage engine.
    EngineName = [hqdesk_services::Engine::Sqlite, hqdesk_services::Engine::Postgres].map(hqdesk_services::Engine::name)
}

/// The hotline branch: 1 (denunciations, procedure problems) or 2 (IT support, guidance).
pub struct Branch;

impl utoipa::PartialSchema for Branch {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some(
                "The hotline branch: 1 (denunciations, procedure problems) or 2 (IT support, guidance).",
            ))
            .enum_values(Some([DomainBranch::One, DomainBranch::Two].map(DomainBranch::number)))
            .into()
    }
}

impl utoipa::ToSchema for Branch {}
enumeration! {
    /// The state of a case's clock.
    ClockState = ["running", "paused", "met"]
}
enumeration! {
    /// Why a day is off: a Labour Code holiday, a compensatory day, an announced day off.
    DayOffKind = ["holiday", "compensatory", "announced"]
}
