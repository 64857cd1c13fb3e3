//! A case's timeline: what was said, by whom and through which channel, plus the events that
//! changed the case.
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// From the requester to the service.
    Inbound,
    /// From the service to the requester (a reply).
    Outbound,
    /// Internal note, never shown to the requester.
    Note,
    /// A telephone call record.
    Call,
    /// A change to the case (status, assignment, category…), written by the system.
    Event,
}

impl EntryKind {
    pub const ALL: [EntryKind; 5] = [
        EntryKind::Inbound,
        EntryKind::Outbound,
        EntryKind::Note,
        EntryKind::Call,
        EntryKind::Event,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Inbound => "inbound",
            EntryKind::Outbound => "outbound",
            EntryKind::Note => "note",
            EntryKind::Call => "call",
            EntryKind::Event => "event",
        }
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new("entry_kind_unknown", format!("unknown entry kind {s:?}"))
            })
    }
    /// Messages are what the messages endpoint lists: the conversation and the notes.
    pub fn is_message(self) -> bool {
        matches!(
            self,
            EntryKind::Inbound | EntryKind::Outbound | EntryKind::Note
        )
    }
}

/// Delivery of an outbound message through its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Committed and waiting in the outbox for the channel to send it.
    Queued,
    Sent,
    Failed,
    /// Nothing to send: the channel has no way back (the answer was given on the phone).
    NotApplicable,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Queued,
        DeliveryState::Sent,
        DeliveryState::Failed,
        DeliveryState::NotApplicable,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::NotApplicable => "not_applicable",
        }
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "delivery_state_unknown",
                    format!("unknown delivery state {s:?}"),
                )
            })
    }
}

/// The longest message body accepted (characters). Longer mail bodies are stored as attachments
/// by the e-mail channel.
pub const MAX_BODY_CHARS: usize = 100_000;
