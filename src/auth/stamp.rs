//! Moments in the key file: `YYYY-MM-DDTHH:MM:SSZ` (UTC), or a bare date
//! for midnight UTC.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::domain::Date;

/// A moment in UTC, in whole seconds since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// Now.
    pub fn now() -> Self {
        Self::from(SystemTime::now())
    }

    /// The moment `secs` seconds after 1970-01-01T00:00:00Z.
    pub fn from_unix(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> u64 {
        self.0
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD` (midnight UTC).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (date, time) = match raw.split_once('T') {
            Some((date, time)) => (date, Some(time)),
            None => (raw, None),
        };
        let days = u64::try_from(Date::parse(date).ok()?.days()).ok()?;
        let seconds = match time {
            None => 0,
            Some(time) => {
                let time = time.strip_suffix('Z')?;
                let mut parts = time.split(':');
                let mut next = |max: u64| -> Option<u64> {
                    let part = parts.next()?;
                    if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    part.parse().ok().filter(|value| *value <= max)
                };
                let (hours, minutes, seconds) = (next(23)?, next(59)?, next(59)?);
                if parts.next().is_some() {
                    return None;
                }
                hours * 3600 + minutes * 60 + seconds
            }
        };
        Some(Self(days * 86_400 + seconds))
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        Self(
            time.duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs()),
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = i64::try_from(self.0 / 86_400).unwrap_or(i64::MAX);
        let seconds = self.0 % 86_400;
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            Date::from_days(days),
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_reject_nonsense() {
        let stamp = Timestamp::parse("2026-12-01T22:50:07Z").unwrap();
        assert_eq!(stamp.to_string(), "2026-12-01T22:50:07Z");
        assert_eq!(
            Timestamp::parse("2026-12-01").unwrap().to_string(),
            "2026-12-01T00:00:00Z"
        );
        assert_eq!(Timestamp::parse("1970-01-01").unwrap().unix(), 0);
        for bad in [
            "2026-12-01T24:00:00Z",
            "2026-12-01T22:50:07",
            "2026-13-01",
            "2026-12-01T1:2:3Z",
            "2026-12-01T22:50:07:01Z",
            "tomorrow",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
    }
}
