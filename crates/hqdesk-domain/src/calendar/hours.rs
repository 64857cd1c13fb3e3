//! Weekly working hours: for each weekday, several periods of the day.
use serde::{Deserialize, Serialize};

/// A period of a day, in minutes from local midnight: `start < end <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: u16,
    pub end: u16,
}

/// Index 0 is Monday, 6 is Sunday. A day without periods is a weekly rest day. Periods of a day
/// are sorted and do not overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(pub [Vec<Period>; 7]);
