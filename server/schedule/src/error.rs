//! The one error type of this crate.
//!
//! Every variant's `Display` is a complete sentence fragment meant for the operator: it
//! names the request parameter (or the cron field) and says what is wrong with which
//! value. AWS answers all of these with a `ValidationException`; [`ScheduleError::parameter`]
//! tells the console which input to mark.

use std::fmt;

/// The fields of a cron expression, in order. The optional `Seconds` field comes first
/// when an expression has seven fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CronField {
    Seconds,
    Minutes,
    Hours,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

impl CronField {
    /// The name used in messages, as the AWS documentation spells it.
    pub const fn name(self) -> &'static str {
        match self {
            CronField::Seconds => "seconds",
            CronField::Minutes => "minutes",
            CronField::Hours => "hours",
            CronField::DayOfMonth => "day-of-month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day-of-week",
            CronField::Year => "year",
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a schedule, its time zone, offset, active period, duration or cutoff was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    #[error("Schedule must be 1 to 256 characters long; it has {length}")]
    Length { length: usize },

    #[error(
        "Schedule {expression:?} is not a schedule expression: use cron(...), rate(...) or at(...)"
    )]
    UnknownExpression { expression: String },

    #[error(
        "cron expression has {found} field{s}; it needs 6 (minutes hours day-of-month month \
         day-of-week year) or 7 with a leading seconds field",
        s = if *found == 1 { "" } else { "s" }
    )]
    CronFieldCount { found: usize },

    /// One field of a cron expression is malformed or out of range.
    #[error("{field} field: {message}")]
    CronField { field: CronField, message: String },

    #[error(
        "cron expression: day-of-month is {day_of_month:?} and day-of-week is {day_of_week:?}; \
         exactly one of the two must be ? (for example cron(0 2 ? * SUN *) or cron(0 2 1 * ? *))"
    )]
    CronDayFields {
        day_of_month: String,
        day_of_week: String,
    },

    #[error(
        "cron expression runs {gap} apart (at {first} and {second}); a maintenance window \
         cannot run more often than every 5 minutes"
    )]
    CronTooFrequent {
        /// The shortest gap, e.g. "2 minutes".
        gap: String,
        /// Two times of day (hh:mm:ss) that close together.
        first: String,
        second: String,
    },

    #[error("rate expression {expression:?}: {message}")]
    Rate { expression: String, message: String },

    #[error("at expression {expression:?}: {message}")]
    At { expression: String, message: String },

    #[error(
        "ScheduleTimezone {name:?} is not a known IANA time zone name (for example UTC, \
         America/Los_Angeles or Europe/London)"
    )]
    TimeZone { name: String },

    #[error("ScheduleOffset {offset} is out of range: it must be 1 to 6 days")]
    OffsetOutOfRange { offset: i32 },

    #[error(
        "ScheduleOffset applies to cron expressions only, and the schedule is a {kind} expression"
    )]
    OffsetWithoutCron { kind: &'static str },

    #[error("{parameter} {value:?} is not an ISO 8601 date and time: {message}")]
    Date {
        parameter: &'static str,
        value: String,
        message: String,
    },

    #[error("StartDate {start} must be earlier than EndDate {end}")]
    StartNotBeforeEnd { start: String, end: String },

    #[error("EndDate {end} is not in the future (it is now {now})")]
    EndDateNotInFuture { end: String, now: String },

    #[error("Duration {hours} is out of range: it must be 1 to 24 hours")]
    Duration { hours: i32 },

    #[error("Cutoff {hours} is out of range: it must be 0 to 23 hours")]
    CutoffOutOfRange { hours: i32 },

    #[error(
        "Cutoff {cutoff} must be smaller than Duration {duration}: new tasks could never start"
    )]
    CutoffNotBeforeEnd { cutoff: i32, duration: i32 },
}

impl ScheduleError {
    /// The AWS request parameter this error is about (`Schedule`, `ScheduleTimezone`,
    /// `ScheduleOffset`, `StartDate`, `EndDate`, `Duration` or `Cutoff`), so the console
    /// can show the message next to the right input.
    pub fn parameter(&self) -> &'static str {
        match self {
            ScheduleError::Length { .. }
            | ScheduleError::UnknownExpression { .. }
            | ScheduleError::CronFieldCount { .. }
            | ScheduleError::CronField { .. }
            | ScheduleError::CronDayFields { .. }
            | ScheduleError::CronTooFrequent { .. }
            | ScheduleError::Rate { .. }
            | ScheduleError::At { .. } => "Schedule",
            ScheduleError::TimeZone { .. } => "ScheduleTimezone",
            ScheduleError::OffsetOutOfRange { .. } | ScheduleError::OffsetWithoutCron { .. } => {
                "ScheduleOffset"
            }
            ScheduleError::Date { parameter, .. } => parameter,
            ScheduleError::StartNotBeforeEnd { .. } => "StartDate",
            ScheduleError::EndDateNotInFuture { .. } => "EndDate",
            ScheduleError::Duration { .. } => "Duration",
            ScheduleError::CutoffOutOfRange { .. } | ScheduleError::CutoffNotBeforeEnd { .. } => {
                "Cutoff"
            }
        }
    }
}
