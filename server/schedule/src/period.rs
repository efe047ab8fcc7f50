//! `StartDate`/`EndDate` (the active period) and `Duration`/`Cutoff`.

use jiff::civil::DateTime;
use jiff::Timestamp;

use crate::error::ScheduleError;

/// The window's active period: it never runs before `start` or after `end` (both
/// inclusive). The time zone of the schedule plays no part here: the dates are instants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActivePeriod {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

impl ActivePeriod {
    /// No bounds.
    pub const ALWAYS: ActivePeriod = ActivePeriod {
        start: None,
        end: None,
    };

    /// Parses `StartDate` and `EndDate` as AWS takes them (ISO 8601 extended, e.g.
    /// `2026-12-01T00:00:00Z` or `2021-04-07T14:29:00-08:00`; without an offset the time
    /// is UTC; a bare date is midnight UTC) and checks that the start is before the end.
    pub fn parse(start: Option<&str>, end: Option<&str>) -> Result<ActivePeriod, ScheduleError> {
        let start = start.map(|s| parse_date("StartDate", s)).transpose()?;
        let end = end.map(|s| parse_date("EndDate", s)).transpose()?;
        if let (Some(start), Some(end)) = (start, end) {
            if start >= end {
                return Err(ScheduleError::StartNotBeforeEnd {
                    start: start.to_string(),
                    end: end.to_string(),
                });
            }
        }
        Ok(ActivePeriod { start, end })
    }

    /// The rule for creating (or changing the dates of) a window: `EndDate`, if any, must
    /// be after `now`. It is separate from [`ActivePeriod::parse`] because a stored window
    /// whose end has passed is still valid: it just never runs again.
    pub fn check_end_in_future(&self, now: Timestamp) -> Result<(), ScheduleError> {
        match self.end {
            Some(end) if end <= now => Err(ScheduleError::EndDateNotInFuture {
                end: end.to_string(),
                now: now.to_string(),
            }),
            _ => Ok(()),
        }
    }

    pub fn contains(&self, ts: Timestamp) -> bool {
        self.start.is_none_or(|start| ts >= start) && self.end.is_none_or(|end| ts <= end)
    }
}

/// Parses one ISO 8601 date-time as AWS's `MaintenanceWindowStringDateTime`.
pub fn parse_date(parameter: &'static str, value: &str) -> Result<Timestamp, ScheduleError> {
    let error = |message: &str| ScheduleError::Date {
        parameter,
        value: value.to_owned(),
        message: message.to_owned(),
    };
    if value.is_empty() || value.len() > 64 {
        return Err(error(
            "expected a value such as 2026-12-01T00:00:00Z or 2021-04-07T14:29:00-08:00",
        ));
    }
    // Time zone annotations ("[America/New_York]") are not ISO 8601 and an annotation
    // without an offset would silently be read as UTC below.
    if value.contains('[') {
        return Err(error(
            "use a UTC offset (Z or ±hh:mm), not a bracketed time zone name",
        ));
    }
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Ok(ts);
    }
    match value.parse::<DateTime>() {
        Ok(dt) => jiff::tz::Offset::UTC
            .to_timestamp(dt)
            .map_err(|_| error("the date is out of range")),
        Err(_) => Err(error(
            "expected a value such as 2026-12-01T00:00:00Z or 2021-04-07T14:29:00-08:00",
        )),
    }
}

/// `Duration` (1–24 hours) and `Cutoff` (0–23 hours, and smaller than `Duration`: tasks
/// stop being started `Cutoff` hours before the window ends, so a cutoff as long as the
/// window would leave no time to start any).
pub fn validate_duration_and_cutoff(duration: i32, cutoff: i32) -> Result<(), ScheduleError> {
    if !(1..=24).contains(&duration) {
        return Err(ScheduleError::Duration { hours: duration });
    }
    if !(0..=23).contains(&cutoff) {
        return Err(ScheduleError::CutoffOutOfRange { hours: cutoff });
    }
    if cutoff >= duration {
        return Err(ScheduleError::CutoffNotBeforeEnd { cutoff, duration });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn dates_as_aws_takes_them() {
        let cases = [
            ("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"),
            ("2021-04-07T14:29:00-08:00", "2021-04-07T22:29:00Z"),
            ("2019-01-01T00:03:15+09:00", "2018-12-31T15:03:15Z"),
            ("2026-12-01T00:00:00.250Z", "2026-12-01T00:00:00.25Z"),
            ("2026-12-01T00:00:00", "2026-12-01T00:00:00Z"),
            ("2026-12-01T09:30", "2026-12-01T09:30:00Z"),
            ("2026-12-01", "2026-12-01T00:00:00Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_date("StartDate", input).unwrap(),
                ts(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn bad_dates() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T00:00:00Z",
            "2026-02-30",
            "01/12/2026",
            "2026-12-01T00:00:00[Europe/Paris]",
        ] {
            let e = parse_date("EndDate", bad).unwrap_err();
            assert_eq!(e.parameter(), "EndDate", "{bad}");
            assert!(
                e.to_string().starts_with(&format!(
                    "EndDate {bad:?} is not an ISO 8601 date and time: "
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn start_before_end() {
        let p = ActivePeriod::parse(Some("2026-01-01T00:00:00Z"), Some("2026-06-30T00:00:00Z"))
            .unwrap();
        assert_eq!(p.start, Some(ts("2026-01-01T00:00:00Z")));
        assert!(p.contains(ts("2026-01-01T00:00:00Z")));
        assert!(p.contains(ts("2026-06-30T00:00:00Z")));
        assert!(!p.contains(ts("2026-06-30T00:00:01Z")));
        assert!(!p.contains(ts("2025-12-31T23:59:59Z")));
        let e = ActivePeriod::parse(
            Some("2026-06-30T00:00:00Z"),
            Some("2026-06-30T02:00:00+02:00"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "StartDate 2026-06-30T00:00:00Z must be earlier than EndDate 2026-06-30T00:00:00Z"
        );
        assert_eq!(e.parameter(), "StartDate");
        assert_eq!(
            ActivePeriod::parse(None, None).unwrap(),
            ActivePeriod::ALWAYS
        );
        assert!(ActivePeriod::ALWAYS.contains(Timestamp::MIN));
    }

    #[test]
    fn end_must_be_in_the_future_when_creating() {
        let p = ActivePeriod::parse(None, Some("2026-12-01T00:00:00Z")).unwrap();
        p.check_end_in_future(ts("2026-11-30T23:59:59Z")).unwrap();
        let e = p
            .check_end_in_future(ts("2026-12-01T00:00:00Z"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "EndDate 2026-12-01T00:00:00Z is not in the future (it is now 2026-12-01T00:00:00Z)"
        );
        assert_eq!(e.parameter(), "EndDate");
        ActivePeriod::ALWAYS
            .check_end_in_future(ts("2026-12-01T00:00:00Z"))
            .unwrap();
    }

    #[test]
    fn duration_and_cutoff() {
        validate_duration_and_cutoff(1, 0).unwrap();
        validate_duration_and_cutoff(24, 23).unwrap();
        validate_duration_and_cutoff(4, 1).unwrap();
        let cases = [
            (
                0,
                0,
                "Duration 0 is out of range: it must be 1 to 24 hours",
                "Duration",
            ),
            (
                25,
                0,
                "Duration 25 is out of range: it must be 1 to 24 hours",
                "Duration",
            ),
            (
                4,
                -1,
                "Cutoff -1 is out of range: it must be 0 to 23 hours",
                "Cutoff",
            ),
            (
                24,
                24,
                "Cutoff 24 is out of range: it must be 0 to 23 hours",
                "Cutoff",
            ),
            (
                5,
                5,
                "Cutoff 5 must be smaller than Duration 5: new tasks could never start",
                "Cutoff",
            ),
            (
                5,
                12,
                "Cutoff 12 must be smaller than Duration 5: new tasks could never start",
                "Cutoff",
            ),
        ];
        for (duration, cutoff, message, parameter) in cases {
            let e = validate_duration_and_cutoff(duration, cutoff).unwrap_err();
            assert_eq!(e.to_string(), message);
            assert_eq!(e.parameter(), parameter);
        }
    }
}
