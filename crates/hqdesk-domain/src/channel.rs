//! The channels a contact arrives through.
use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Email,
    Portal,
    Api,
    /// Entered by staff: walk-in, paper letter, a call taken outside the telephone system.
    Staff,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Phone,
        Channel::Email,
        Channel::Portal,
        Channel::Api,
        Channel::Staff,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Portal => "portal",
            Channel::Api => "api",
            Channel::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "channel_unknown",
                    format!(
                        "unknown channel {s:?}; expected one of phone, email, portal, api, staff"
                    ),
                )
            })
    }
    /// Whether a reply to the requester leaves hqdesk through this channel (and so goes through
    /// the outbox), or is only recorded: an answer given on the phone, or one the requester reads
    /// on the portal or fetches through the API.
    pub fn delivers_replies(self) -> bool {
        matches!(self, Channel::Email)
    }
}
