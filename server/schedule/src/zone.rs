//! The schedule's time zone, and the one rule that turns a wall-clock time into an instant.
//!
//! Daylight-saving policy (the same for cron matches, offset days and `at` times):
//! - **Gap** (spring forward, the wall-clock time does not exist): the run happens at the
//!   instant the gap ends, the first valid instant after the time that was asked for. In
//!   America/New_York on 2026-03-08 a 02:30 run happens at 03:00 EDT (07:00 UTC). Every
//!   match inside one gap lands on that same instant, so the window runs there **once**.
//! - **Fold** (fall back, the wall-clock time happens twice): the run happens at the
//!   **first** occurrence only. In America/New_York on 2026-11-01 a 01:30 run happens at
//!   01:30 EDT (05:30 UTC), not again at 01:30 EST.
//!
//! Both choices make the wall-clock → instant mapping monotonic (a later wall-clock time
//! never maps to an earlier instant), which is what lets the search in `window` walk
//! wall-clock matches in order and stop at the first one past the bound. ("Compatible"
//! disambiguation, which shifts 02:30 to 03:30, would break that: 02:30 → 03:30 but
//! 03:00 → 03:00.)

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;

use crate::civil::Civil;
use crate::error::ScheduleError;

/// A validated `ScheduleTimezone`: an IANA name from the bundled time-zone database.
#[derive(Clone, Debug)]
pub struct ScheduleZone {
    name: String,
    tz: TimeZone,
}

impl PartialEq for ScheduleZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ScheduleZone {}

impl ScheduleZone {
    /// UTC, the default when a window has no `ScheduleTimezone`.
    pub fn utc() -> ScheduleZone {
        ScheduleZone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// Looks an IANA name up (case-insensitively, as the database does) in the bundled
    /// database. Offsets such as `+02:00` and POSIX TZ strings are refused: AWS takes IANA
    /// names only.
    pub fn parse(name: &str) -> Result<ScheduleZone, ScheduleError> {
        let refused = || ScheduleError::TimeZone {
            name: name.to_owned(),
        };
        if name.is_empty() || name.len() > 64 || name.trim() != name {
            return Err(refused());
        }
        let tz = TimeZone::get(name).map_err(|_| refused())?;
        // Keep the database's spelling ("america/new_york" → "America/New_York").
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Ok(ScheduleZone { name, tz })
    }

    /// The IANA name, as the database spells it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The jiff time zone, for callers that format or do their own arithmetic.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The wall-clock time of an instant, truncated to the second.
    pub(crate) fn civil(&self, ts: Timestamp) -> Civil {
        let dt = self.tz.to_datetime(ts);
        Civil::new(
            i32::from(dt.year()),
            dt.month() as u8,
            dt.day() as u8,
            dt.hour() as u8,
            dt.minute() as u8,
            dt.second() as u8,
        )
    }

    /// The instant a wall-clock time runs at, by the gap/fold rule above. `None` only
    /// outside jiff's range (years beyond ±9999), which no validated schedule reaches.
    pub(crate) fn resolve(&self, c: Civil) -> Option<Timestamp> {
        let dt = DateTime::new(
            i16::try_from(c.year).ok()?,
            c.month as i8,
            c.day as i8,
            c.hour as i8,
            c.minute as i8,
            c.second as i8,
            0,
        )
        .ok()?;
        match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok(),
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok(),
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset, the time falls just before the transition
                // (the gap is `[T + before, T + after)` on the wall clock), so the next
                // transition from there is the end of the gap.
                let probe = after.to_timestamp(dt).ok()?;
                self.tz.following(probe).next().map(|t| t.timestamp())
            }
        }
    }

    /// ISO 8601 with this zone's offset at that instant, as AWS shows `NextExecutionTime`
    /// and `ExecutionTime`: `2026-03-08T03:00:00-04:00`, or `2026-03-08T07:00:00Z` in UTC.
    /// Fractions of a second appear only when there are some (rate windows keep their
    /// anchor's milliseconds, as AWS's do).
    pub fn format(&self, ts: Timestamp) -> String {
        let offset = self.tz.to_offset(ts);
        if offset.seconds() == 0 && self.tz.iana_name().is_none_or(is_utc_name) {
            ts.to_string()
        } else {
            ts.display_with_offset(offset).to_string()
        }
    }
}

fn is_utc_name(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "UTC" | "ETC/UTC" | "UCT" | "ETC/UCT" | "ZULU" | "ETC/ZULU" | "UNIVERSAL" | "ETC/UNIVERSAL"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parse_known_and_unknown_names() {
        assert_eq!(ScheduleZone::parse("UTC").unwrap().name(), "UTC");
        assert_eq!(
            ScheduleZone::parse("america/new_york").unwrap().name(),
            "America/New_York"
        );
        assert_eq!(
            ScheduleZone::parse("Asia/Seoul").unwrap().name(),
            "Asia/Seoul"
        );
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "+02:00",
            " UTC",
            "EST5EDT,M3.2.0,M11.1.0",
        ] {
            let e = ScheduleZone::parse(bad).unwrap_err();
            assert_eq!(e, ScheduleError::TimeZone { name: bad.into() }, "{bad}");
        }
        assert_eq!(
            ScheduleZone::parse("Mars/Olympus_Mons").unwrap_err().to_string(),
            "ScheduleTimezone \"Mars/Olympus_Mons\" is not a known IANA time zone name (for example UTC, America/Los_Angeles or Europe/London)"
        );
    }

    #[test]
    fn gap_resolves_to_the_end_of_the_gap() {
        let ny = ScheduleZone::parse("America/New_York").unwrap();
        for (h, m) in [(2, 0), (2, 30), (2, 59)] {
            assert_eq!(
                ny.resolve(Civil::new(2026, 3, 8, h, m, 0)),
                Some(ts("2026-03-08T07:00:00Z")),
                "{h}:{m}"
            );
        }
        assert_eq!(
            ny.resolve(Civil::new(2026, 3, 8, 1, 59, 59)),
            Some(ts("2026-03-08T06:59:59Z"))
        );
        assert_eq!(
            ny.resolve(Civil::new(2026, 3, 8, 3, 0, 0)),
            Some(ts("2026-03-08T07:00:00Z"))
        );
        // Lord Howe Island moves by 30 minutes.
        let lhi = ScheduleZone::parse("Australia/Lord_Howe").unwrap();
        assert_eq!(
            lhi.resolve(Civil::new(2026, 10, 4, 2, 10, 0)),
            Some(ts("2026-10-03T15:30:00Z"))
        );
    }

    #[test]
    fn fold_resolves_to_the_first_occurrence() {
        let ny = ScheduleZone::parse("America/New_York").unwrap();
        assert_eq!(
            ny.resolve(Civil::new(2026, 11, 1, 1, 30, 0)),
            Some(ts("2026-11-01T05:30:00Z"))
        );
        let london = ScheduleZone::parse("Europe/London").unwrap();
        assert_eq!(
            london.resolve(Civil::new(2026, 10, 25, 1, 30, 0)),
            Some(ts("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn civil_truncates_to_the_second() {
        let ny = ScheduleZone::parse("America/New_York").unwrap();
        assert_eq!(
            ny.civil(ts("2026-11-01T06:10:00.9Z")),
            Civil::new(2026, 11, 1, 1, 10, 0)
        );
    }

    #[test]
    fn format_like_aws() {
        let utc = ScheduleZone::utc();
        assert_eq!(
            utc.format(ts("2019-05-18T23:35:24.902Z")),
            "2019-05-18T23:35:24.902Z"
        );
        assert_eq!(
            utc.format(ts("2026-03-08T07:00:00Z")),
            "2026-03-08T07:00:00Z"
        );
        let la = ScheduleZone::parse("America/Los_Angeles").unwrap();
        assert_eq!(
            la.format(ts("2019-10-20T12:34:56Z")),
            "2019-10-20T05:34:56-07:00"
        );
        let london = ScheduleZone::parse("Europe/London").unwrap();
        assert_eq!(
            london.format(ts("2026-01-10T09:00:00Z")),
            "2026-01-10T09:00:00+00:00"
        );
    }
}
