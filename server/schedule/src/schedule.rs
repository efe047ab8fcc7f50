//! A window's `Schedule`, `ScheduleTimezone` and `ScheduleOffset`, parsed and validated
//! together (the offset's validity depends on the expression's kind).

use std::fmt;

use jiff::SignedDuration;

use crate::civil::{days_in_month, Civil};
use crate::cron::CronExpr;
use crate::error::ScheduleError;
use crate::zone::ScheduleZone;

/// The longest `Schedule` AWS accepts.
pub const MAX_SCHEDULE_LENGTH: usize = 256;

/// The shortest interval a maintenance window may run at, for rate expressions as for cron
/// expressions. The AWS documentation refuses cron expressions "that lead to rates faster
/// than five (5) minute"; a rate expression is held to the same floor so that the two
/// ways of writing one schedule agree.
pub const MIN_INTERVAL_MINUTES: u32 = 5;

/// Which of the three expression forms a schedule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScheduleKind {
    Cron,
    Rate,
    At,
}

impl ScheduleKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Cron => "cron",
            ScheduleKind::Rate => "rate",
            ScheduleKind::At => "at",
        }
    }
}

impl fmt::Display for ScheduleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unit of a rate expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateUnit {
    Minute,
    Hour,
    Day,
}

impl RateUnit {
    const fn seconds(self) -> i64 {
        match self {
            RateUnit::Minute => 60,
            RateUnit::Hour => 3600,
            RateUnit::Day => 86_400,
        }
    }

    const fn singular(self) -> &'static str {
        match self {
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
            RateUnit::Day => "day",
        }
    }

    const fn plural(self) -> &'static str {
        match self {
            RateUnit::Minute => "minutes",
            RateUnit::Hour => "hours",
            RateUnit::Day => "days",
        }
    }
}

/// `rate(value unit)`: a fixed interval of elapsed time. A day is 86,400 seconds, so
/// across a daylight-saving change a `rate(1 day)` window keeps its spacing in UTC and
/// moves by an hour on the wall clock (cron is the tool for "same local time every day").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    pub value: u32,
    pub unit: RateUnit,
}

impl Rate {
    /// The interval as a duration.
    pub fn interval(&self) -> SignedDuration {
        SignedDuration::from_secs(i64::from(self.value) * self.unit.seconds())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expression {
    Cron(CronExpr),
    Rate(Rate),
    /// A wall-clock time in the schedule's zone.
    At(Civil),
}

/// A validated maintenance window schedule: the expression, its time zone and its
/// offset in days. It says *when the expression matches*; [`crate::WindowSchedule`] adds
/// the active period and the anchor and answers *when the window runs*.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    source: String,
    pub(crate) expression: Expression,
    pub(crate) zone: ScheduleZone,
    pub(crate) offset_days: u8,
}

impl Schedule {
    /// Parses `Schedule`, `ScheduleTimezone` (IANA name; `None` means UTC) and
    /// `ScheduleOffset` (1–6 days, cron expressions only) as CreateMaintenanceWindow and
    /// UpdateMaintenanceWindow take them. The expression is checked first, then the zone,
    /// then the offset, so the first error reported is the most fundamental one.
    pub fn parse(
        schedule: &str,
        timezone: Option<&str>,
        offset: Option<i32>,
    ) -> Result<Schedule, ScheduleError> {
        let expression = parse_expression(schedule)?;
        let zone = match timezone {
            Some(name) => ScheduleZone::parse(name)?,
            None => ScheduleZone::utc(),
        };
        let offset_days = match offset {
            None => 0,
            Some(offset) if !(1..=6).contains(&offset) => {
                return Err(ScheduleError::OffsetOutOfRange { offset })
            }
            Some(offset) => match expression {
                Expression::Cron(_) => offset as u8,
                Expression::Rate(_) => {
                    return Err(ScheduleError::OffsetWithoutCron { kind: "rate" })
                }
                Expression::At(_) => return Err(ScheduleError::OffsetWithoutCron { kind: "at" }),
            },
        };
        Ok(Schedule {
            source: schedule.to_owned(),
            expression,
            zone,
            offset_days,
        })
    }

    /// The expression exactly as given.
    pub fn expression(&self) -> &str {
        &self.source
    }

    pub fn kind(&self) -> ScheduleKind {
        match self.expression {
            Expression::Cron(_) => ScheduleKind::Cron,
            Expression::Rate(_) => ScheduleKind::Rate,
            Expression::At(_) => ScheduleKind::At,
        }
    }

    /// The interval of a rate expression.
    pub fn rate(&self) -> Option<Rate> {
        match self.expression {
            Expression::Rate(rate) => Some(rate),
            _ => None,
        }
    }

    pub fn zone(&self) -> &ScheduleZone {
        &self.zone
    }

    /// `ScheduleOffset`, or `None` when the window has none.
    pub fn offset_days(&self) -> Option<u8> {
        (self.offset_days > 0).then_some(self.offset_days)
    }
}

fn parse_expression(schedule: &str) -> Result<Expression, ScheduleError> {
    let length = schedule.chars().count();
    if !(1..=MAX_SCHEDULE_LENGTH).contains(&length) {
        return Err(ScheduleError::Length { length });
    }
    let trimmed = schedule.trim();
    let body = |prefix: &str| {
        trimmed
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
    };
    if let Some(body) = body("cron(") {
        Ok(Expression::Cron(CronExpr::parse(body)?))
    } else if let Some(body) = body("rate(") {
        Ok(Expression::Rate(parse_rate(trimmed, body)?))
    } else if let Some(body) = body("at(") {
        Ok(Expression::At(parse_at(trimmed, body)?))
    } else {
        Err(ScheduleError::UnknownExpression {
            expression: schedule.to_owned(),
        })
    }
}

fn parse_rate(expression: &str, body: &str) -> Result<Rate, ScheduleError> {
    let error = |message: String| ScheduleError::Rate {
        expression: expression.to_owned(),
        message,
    };
    let parts: Vec<&str> = body.split_whitespace().collect();
    let [value, unit] = parts[..] else {
        return Err(error(
            "write rate(value unit), for example rate(30 minutes), rate(1 hour) or rate(7 days)"
                .to_owned(),
        ));
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(format!("the value {value:?} is not a whole number")));
    }
    let value: u32 = value
        .parse()
        .map_err(|_| error(format!("the value {value} is too large")))?;
    if value == 0 {
        return Err(error("the value must be at least 1".to_owned()));
    }
    let (unit, plural) = match unit {
        "minute" => (RateUnit::Minute, false),
        "minutes" => (RateUnit::Minute, true),
        "hour" => (RateUnit::Hour, false),
        "hours" => (RateUnit::Hour, true),
        "day" => (RateUnit::Day, false),
        "days" => (RateUnit::Day, true),
        other => {
            return Err(error(format!(
                "the unit {other:?} is not one of minute, minutes, hour, hours, day, days"
            )))
        }
    };
    if value == 1 && plural {
        return Err(error(format!(
            "a value of 1 takes the singular unit: rate(1 {})",
            unit.singular()
        )));
    }
    if value > 1 && !plural {
        return Err(error(format!(
            "a value other than 1 takes the plural unit: rate({value} {})",
            unit.plural()
        )));
    }
    if unit == RateUnit::Minute && value < MIN_INTERVAL_MINUTES {
        return Err(error(format!(
            "a maintenance window cannot run more often than every {MIN_INTERVAL_MINUTES} minutes"
        )));
    }
    Ok(Rate { value, unit })
}

/// `at(yyyy-mm-ddThh:mm:ss)`, exactly that shape, read as wall-clock time in the
/// schedule's zone (UTC by default).
fn parse_at(expression: &str, body: &str) -> Result<Civil, ScheduleError> {
    let error = |message: String| ScheduleError::At {
        expression: expression.to_owned(),
        message,
    };
    let shape = || {
        error(
            "write at(yyyy-mm-ddThh:mm:ss), for example at(2026-07-07T15:55:00), in the \
             schedule's time zone"
                .to_owned(),
        )
    };
    let bytes = body.as_bytes();
    let digits_at = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if bytes.len() != 19
        || !digits_at.iter().all(|&i| bytes[i].is_ascii_digit())
        || !separators.iter().all(|&(i, c)| bytes[i] == c)
    {
        return Err(shape());
    }
    let number = |from: usize, to: usize| -> u32 {
        bytes[from..to]
            .iter()
            .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (number(0, 4), number(5, 7), number(8, 10));
    let (hour, minute, second) = (number(11, 13), number(14, 16), number(17, 19));
    if year < 1970 {
        return Err(error(format!("the year {year} is before 1970")));
    }
    let year = year as i32;
    if !(1..=12).contains(&month) {
        return Err(error(format!("the month {month} is out of range 01-12")));
    }
    let month = month as u8;
    let last = days_in_month(year, month);
    if !(1..=u32::from(last)).contains(&day) {
        return Err(error(format!(
            "the day {day} is out of range 01-{last} for {year:04}-{month:02}"
        )));
    }
    if hour > 23 {
        return Err(error(format!("the hour {hour} is out of range 00-23")));
    }
    if minute > 59 {
        return Err(error(format!("the minute {minute} is out of range 00-59")));
    }
    if second > 59 {
        return Err(error(format!("the second {second} is out of range 00-59")));
    }
    Ok(Civil::new(
        year,
        month,
        day as u8,
        hour as u8,
        minute as u8,
        second as u8,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn err(schedule: &str) -> String {
        Schedule::parse(schedule, None, None)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn kinds() {
        let s = Schedule::parse("cron(0 2 ? * THU#3 *)", None, None).unwrap();
        assert_eq!(s.kind(), ScheduleKind::Cron);
        assert_eq!(s.zone().name(), "UTC");
        assert_eq!(s.offset_days(), None);
        assert_eq!(s.expression(), "cron(0 2 ? * THU#3 *)");
        let s = Schedule::parse("rate(7 days)", Some("Asia/Tokyo"), None).unwrap();
        assert_eq!(s.kind(), ScheduleKind::Rate);
        assert_eq!(
            s.rate(),
            Some(Rate {
                value: 7,
                unit: RateUnit::Day
            })
        );
        assert_eq!(
            s.rate().unwrap().interval(),
            SignedDuration::from_hours(168)
        );
        let s =
            Schedule::parse("at(2021-07-07T13:15:30)", Some("America/Los_Angeles"), None).unwrap();
        assert_eq!(s.kind(), ScheduleKind::At);
        assert_eq!(
            s.expression,
            Expression::At(Civil::new(2021, 7, 7, 13, 15, 30))
        );
    }

    #[test]
    fn rate_units_singular_and_plural() {
        for (text, value, unit) in [
            ("rate(5 minutes)", 5, RateUnit::Minute),
            ("rate(30 minutes)", 30, RateUnit::Minute),
            ("rate(1 hour)", 1, RateUnit::Hour),
            ("rate(5 hours)", 5, RateUnit::Hour),
            ("rate(1 day)", 1, RateUnit::Day),
            ("rate(25 days)", 25, RateUnit::Day),
            ("rate( 2  days )", 2, RateUnit::Day),
        ] {
            let s = Schedule::parse(text, None, None).unwrap();
            assert_eq!(s.rate(), Some(Rate { value, unit }), "{text}");
        }
    }

    #[test]
    fn rate_errors() {
        let cases = [
            ("rate(1 hours)", "rate expression \"rate(1 hours)\": a value of 1 takes the singular unit: rate(1 hour)"),
            ("rate(5 hour)", "rate expression \"rate(5 hour)\": a value other than 1 takes the plural unit: rate(5 hours)"),
            ("rate(1 minute)", "rate expression \"rate(1 minute)\": a maintenance window cannot run more often than every 5 minutes"),
            ("rate(4 minutes)", "rate expression \"rate(4 minutes)\": a maintenance window cannot run more often than every 5 minutes"),
            ("rate(0 hours)", "rate expression \"rate(0 hours)\": the value must be at least 1"),
            ("rate(-1 hours)", "rate expression \"rate(-1 hours)\": the value \"-1\" is not a whole number"),
            ("rate(1.5 hours)", "rate expression \"rate(1.5 hours)\": the value \"1.5\" is not a whole number"),
            ("rate(99999999999 days)", "rate expression \"rate(99999999999 days)\": the value 99999999999 is too large"),
            ("rate(2 weeks)", "rate expression \"rate(2 weeks)\": the unit \"weeks\" is not one of minute, minutes, hour, hours, day, days"),
            ("rate(2 Hours)", "rate expression \"rate(2 Hours)\": the unit \"Hours\" is not one of minute, minutes, hour, hours, day, days"),
            ("rate(7)", "rate expression \"rate(7)\": write rate(value unit), for example rate(30 minutes), rate(1 hour) or rate(7 days)"),
            ("rate()", "rate expression \"rate()\": write rate(value unit), for example rate(30 minutes), rate(1 hour) or rate(7 days)"),
        ];
        for (text, message) in cases {
            assert_eq!(err(text), message, "{text}");
        }
    }

    #[test]
    fn at_errors() {
        let shape = "write at(yyyy-mm-ddThh:mm:ss), for example at(2026-07-07T15:55:00), in the schedule's time zone";
        let cases = [
            ("at(2026-07-07)", shape.to_owned()),
            ("at(2026-07-07T15:55)", shape.to_owned()),
            ("at(2026-07-07T15:55:00Z)", shape.to_owned()),
            ("at(2026-07-07 15:55:00)", shape.to_owned()),
            (
                "at(2026-02-29T10:00:00)",
                "the day 29 is out of range 01-28 for 2026-02".to_owned(),
            ),
            (
                "at(2026-13-01T10:00:00)",
                "the month 13 is out of range 01-12".to_owned(),
            ),
            (
                "at(2026-12-01T24:00:00)",
                "the hour 24 is out of range 00-23".to_owned(),
            ),
            (
                "at(2026-12-01T10:60:00)",
                "the minute 60 is out of range 00-59".to_owned(),
            ),
            (
                "at(2026-12-01T10:00:60)",
                "the second 60 is out of range 00-59".to_owned(),
            ),
            (
                "at(1969-12-31T10:00:00)",
                "the year 1969 is before 1970".to_owned(),
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                err(text),
                format!("at expression {text:?}: {message}"),
                "{text}"
            );
        }
        // Leap day exists in 2028.
        Schedule::parse("at(2028-02-29T10:00:00)", None, None).unwrap();
    }

    #[test]
    fn expression_errors() {
        assert_eq!(
            err(""),
            "Schedule must be 1 to 256 characters long; it has 0"
        );
        let long = format!("cron(0 0 * * ? *){}", " ".repeat(250));
        assert_eq!(
            err(&long),
            "Schedule must be 1 to 256 characters long; it has 267"
        );
        for bad in [
            "0 0 * * ? *",
            "cron 0 0 * * ? *",
            "CRON(0 0 * * ? *)",
            "cron(0 0 * * ? *",
            "every(5 minutes)",
        ] {
            assert_eq!(
                err(bad),
                format!("Schedule {bad:?} is not a schedule expression: use cron(...), rate(...) or at(...)")
            );
        }
        // Whitespace around the expression is tolerated.
        Schedule::parse(" cron(0 0 * * ? *) ", None, None).unwrap();
    }

    #[test]
    fn offset_rules() {
        let s = Schedule::parse("cron(30 23 ? * TUE#3 *)", None, Some(2)).unwrap();
        assert_eq!(s.offset_days(), Some(2));
        for offset in [0, 7, -1] {
            assert_eq!(
                Schedule::parse("cron(30 23 ? * TUE#3 *)", None, Some(offset)).unwrap_err(),
                ScheduleError::OffsetOutOfRange { offset }
            );
        }
        assert_eq!(
            Schedule::parse("cron(30 23 ? * TUE#3 *)", None, Some(7))
                .unwrap_err()
                .to_string(),
            "ScheduleOffset 7 is out of range: it must be 1 to 6 days"
        );
        let e = Schedule::parse("rate(7 days)", None, Some(1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ScheduleOffset applies to cron expressions only, and the schedule is a rate expression"
        );
        assert_eq!(e.parameter(), "ScheduleOffset");
        let e = Schedule::parse("at(2026-07-07T15:55:00)", None, Some(1)).unwrap_err();
        assert_eq!(e, ScheduleError::OffsetWithoutCron { kind: "at" });
    }

    #[test]
    fn errors_name_their_parameter() {
        let e = Schedule::parse("cron(0 0 ? * 8 *)", None, None).unwrap_err();
        assert_eq!(e.parameter(), "Schedule");
        assert_eq!(
            e.to_string(),
            "day-of-week field: 8 is out of range 1-7 (SUN-SAT)"
        );
        let e = Schedule::parse("cron(0 0 ? * 1 *)", Some("Nowhere/Land"), None).unwrap_err();
        assert_eq!(e.parameter(), "ScheduleTimezone");
        // The expression is checked before the zone.
        let e = Schedule::parse("cron(0 0 ? * 8 *)", Some("Nowhere/Land"), None).unwrap_err();
        assert_eq!(e.parameter(), "Schedule");
    }
}
