//! Instants as milliseconds since the Unix epoch, UTC. Stored as a 64-bit integer on both
//! engines so comparisons and ordering are identical in SQLite and PostgreSQL.
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// Vietnam has one time zone, UTC+7, with no daylight saving.
pub const VIETNAM_OFFSET_SECONDS: i32 = 7 * 3600;

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }
    pub fn millis(self) -> i64 {
        self.0
    }
    pub fn plus_seconds(self, s: i64) -> Self {
        Self(self.0.saturating_add(s.saturating_mul(1000)))
    }
    pub fn plus_minutes(self, m: i64) -> Self {
        self.plus_seconds(m.saturating_mul(60))
    }
    pub fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
    pub fn to_vietnam(self) -> DateTime<FixedOffset> {
        match FixedOffset::east_opt(VIETNAM_OFFSET_SECONDS) {
            Some(tz) => self.to_utc().with_timezone(&tz),
            None => self.to_utc().fixed_offset(),
        }
    }
    /// RFC 3339 in UTC with millisecond precision, the form the API answers with.
    pub fn to_rfc3339(self) -> String {
        self.to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Self(dt.timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_utc_and_vietnam_time() {
        let t = Timestamp(1_795_425_600_000); // 2026-11-23T09:20:00Z
        assert_eq!(t.to_rfc3339(), "2026-11-23T09:20:00.000Z");
        assert_eq!(t.to_vietnam().to_rfc3339(), "2026-11-23T16:20:00+07:00");
        assert_eq!(t.plus_minutes(90).millis() - t.millis(), 5_400_000);
    }
}
