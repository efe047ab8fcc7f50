//! The schedule maths of AWS Systems Manager maintenance windows, as a pure library.
//!
//! This crate owns everything about *when* a maintenance window runs: parsing and
//! validating `Schedule` (`cron(...)`, `rate(...)`, `at(...)`), `ScheduleTimezone`,
//! `ScheduleOffset`, `StartDate`/`EndDate`, `Duration` and `Cutoff`, and computing the
//! next runs. The server's scheduler, GetMaintenanceWindow's `NextExecutionTime` and
//! DescribeMaintenanceWindowSchedule use it, and so does the console (compiled to wasm32)
//! to preview the next runs while the operator types.
//!
//! ```
//! use bosun_schedule::{ActivePeriod, Schedule, Timestamp, WindowSchedule};
//!
//! let schedule = Schedule::parse("cron(30 23 ? * TUE#3 *)", Some("America/New_York"), Some(2))?;
//! let period = ActivePeriod::parse(None, Some("2027-12-31T00:00:00Z"))?;
//! let created: Timestamp = "2026-11-26T12:00:00Z".parse()?;
//! period.check_end_in_future(created)?;
//! let window = WindowSchedule::new(schedule, period, created);
//! // Two days after the third Tuesday of December 2026, at 23:30 in New York.
//! let next = window.next_after(created).expect("runs again");
//! assert_eq!(window.format(next), "2026-12-17T23:30:00-05:00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Invariants:
//! - **Pure.** No I/O, no clock (every "now" is a parameter), no system time zone: the
//!   time-zone database is compiled in, so the server and the browser give the same
//!   answers.
//! - **A window runs at most once per instant, and `next_after` is strictly increasing:**
//!   `next_after(t) > t`, and `next_after(r - ε) == r` for every run `r`.
//! - **Daylight saving** (see `zone`): a wall-clock time that does not exist runs at the
//!   end of the gap, once; one that happens twice runs at its first occurrence only.
//! - **Bounded work.** The cron search steps over years, months and matching days, never
//!   minute by minute; the year field ends in 2199, so every search ends.

mod civil;
mod cron;
mod error;
mod period;
mod schedule;
mod window;
mod zone;

pub use error::{CronField, ScheduleError};
pub use period::{parse_date, validate_duration_and_cutoff, ActivePeriod};
pub use schedule::{
    Rate, RateUnit, Schedule, ScheduleKind, MAX_SCHEDULE_LENGTH, MIN_INTERVAL_MINUTES,
};
pub use window::{AnchorKey, Upcoming, WindowSchedule};
pub use zone::ScheduleZone;

/// The instant type of this API, re-exported so callers need not depend on `jiff`
/// themselves (and cannot pick a different version of it).
pub use jiff::Timestamp;

/// Conversions from and to the `time` crate, which the rest of Bosun (its `Clock`, its
/// stored timestamps) uses.
#[cfg(feature = "time")]
pub mod time_compat {
    use super::Timestamp;

    /// `time` allows a slightly wider range than jiff; the out-of-range ends clamp.
    pub fn from_offset_date_time(t: time::OffsetDateTime) -> Timestamp {
        let nanos = t.unix_timestamp_nanos();
        Timestamp::from_nanosecond(nanos).unwrap_or(if nanos < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
    }

    /// Every jiff timestamp (years -9999 to 9999) is in `time`'s default range; the
    /// fallback is unreachable and only avoids a panic path.
    pub fn to_offset_date_time(ts: Timestamp) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(ts.as_nanosecond())
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
        use super::*;

        #[test]
        fn round_trip() {
            let t =
                time::OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_123_000_000).unwrap();
            let ts = from_offset_date_time(t);
            assert_eq!(ts.to_string(), "2026-11-18T11:06:40.123Z");
            assert_eq!(to_offset_date_time(ts), t);
        }
    }
}
