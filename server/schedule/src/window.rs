//! When a maintenance window runs: a [`Schedule`] within its [`ActivePeriod`], counted
//! from its anchor.

use jiff::{SignedDuration, Timestamp};

use crate::period::ActivePeriod;
use crate::schedule::{Expression, Schedule};

/// What decides a window's runs, compared to know whether an update moves its anchor
/// (see [`WindowSchedule`]): the service when it saves, the console's edit form when it
/// previews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnchorKey<'a> {
    pub schedule: &'a str,
    pub timezone: Option<&'a str>,
    pub offset: Option<i32>,
    pub start_date: Option<&'a str>,
}

impl AnchorKey<'_> {
    /// The anchor to keep after an update from `before` to `self`: `anchor` while
    /// nothing that decides the runs changed, `now` otherwise.
    pub fn anchor_after(&self, before: &AnchorKey<'_>, anchor: i64, now: i64) -> i64 {
        if self == before {
            anchor
        } else {
            now
        }
    }
}

/// A window's complete timing, ready to answer "when does it run next?".
///
/// The **anchor** is when the schedule took effect: the window's creation, or the last
/// update that changed `Schedule`, `ScheduleTimezone`, `ScheduleOffset` or `StartDate`.
/// It matters in three ways, all as AWS documents them:
/// - `rate(...)` counts from `max(anchor, StartDate)` ("if you provide a start date that
///   occurs in the past, the current date and time are used"), and the first run is one
///   interval after that, never at the origin itself (a window does not run the moment it
///   is created).
/// - With `ScheduleOffset`, a cron match at or before the anchor does not count even if
///   match + offset is still ahead ("if you specify a cron expression that would have run
///   a maintenance window yesterday and add a schedule offset of two days, the maintenance
///   window won't run tomorrow").
/// - Nothing runs at or before the anchor (an `at` time in the past never runs).
///
/// Runs happen within the active period, bounds included: not before `StartDate`, not
/// after `EndDate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowSchedule {
    schedule: Schedule,
    period: ActivePeriod,
    anchor: Timestamp,
}

impl WindowSchedule {
    pub fn new(schedule: Schedule, period: ActivePeriod, anchor: Timestamp) -> WindowSchedule {
        WindowSchedule {
            schedule,
            period,
            anchor,
        }
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn period(&self) -> &ActivePeriod {
        &self.period
    }

    pub fn anchor(&self) -> Timestamp {
        self.anchor
    }

    /// The first run strictly after `after`, or `None` if the window never runs again
    /// (its `EndDate` or `at` time has passed, or its cron expression has no match left
    /// before the end of 2199).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        // Runs must be >= start, i.e. > start - 1ns (instants are whole nanoseconds).
        let lower = match self.period.start {
            Some(start) if start > after => start
                .checked_sub(SignedDuration::from_nanos(1))
                .unwrap_or(after),
            _ => after,
        };
        let run = match &self.schedule.expression {
            Expression::Cron(_) => self.next_cron_run(lower)?,
            Expression::Rate(rate) => self.next_rate_run(lower, rate.interval())?,
            Expression::At(at) => Some(self.schedule.zone.resolve(*at)?)
                .filter(|&ts| ts > lower && ts > self.anchor)?,
        };
        match self.period.end {
            Some(end) if run > end => None,
            _ => Some(run),
        }
    }

    /// The runs after `after`, in order (`upcoming(now).take(n)` for a preview or
    /// DescribeMaintenanceWindowSchedule).
    pub fn upcoming(&self, after: Timestamp) -> Upcoming<'_> {
        Upcoming {
            window: self,
            cursor: Some(after),
        }
    }

    /// `ts` as AWS shows execution times: ISO 8601 in the schedule's time zone.
    pub fn format(&self, ts: Timestamp) -> String {
        self.schedule.zone.format(ts)
    }

    fn next_cron_run(&self, lower: Timestamp) -> Option<Timestamp> {
        let Expression::Cron(cron) = &self.schedule.expression else {
            return None;
        };
        let zone = &self.schedule.zone;
        let offset = i64::from(self.schedule.offset_days);
        // Wall-clock times map to instants monotonically (see `zone`), so a match whose
        // run is on the wall clock before `lower`'s (to the second) cannot run after
        // `lower`, and a match before the anchor's wall-clock second cannot be after the
        // anchor: start the walk at the later of the two.
        let mut from = zone
            .civil(lower)
            .add_days(-offset)
            .max(zone.civil(self.anchor));
        loop {
            let matched = cron.next_match_from(from)?;
            let run = zone.resolve(matched.add_days(offset))?;
            // At most a fold's worth (an hour or so) of matches is skipped here: those
            // whose run maps back before `lower` through a fold or the sub-second part.
            if run > lower && zone.resolve(matched)? > self.anchor {
                return Some(run);
            }
            from = matched.next_second();
        }
    }

    fn next_rate_run(&self, lower: Timestamp, interval: SignedDuration) -> Option<Timestamp> {
        let origin = match self.period.start {
            Some(start) if start > self.anchor => start,
            _ => self.anchor,
        };
        let step = interval.as_nanos();
        if step <= 0 {
            // Parsing guarantees at least five minutes; never divide by zero regardless.
            return None;
        }
        let elapsed = lower.as_nanosecond() - origin.as_nanosecond();
        let k = if elapsed < 0 { 1 } else { elapsed / step + 1 };
        Timestamp::from_nanosecond(origin.as_nanosecond().checked_add(k.checked_mul(step)?)?).ok()
    }
}

/// The iterator of [`WindowSchedule::upcoming`].
#[derive(Clone, Debug)]
pub struct Upcoming<'a> {
    window: &'a WindowSchedule,
    cursor: Option<Timestamp>,
}

impl Iterator for Upcoming<'_> {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        let next = self.window.next_after(self.cursor?);
        self.cursor = next;
        next
    }
}

impl std::iter::FusedIterator for Upcoming<'_> {}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
