//! Wall-clock ("civil") date and time arithmetic at one-second resolution.
//!
//! The cron search works on wall-clock values in the schedule's time zone and only turns
//! them into instants at the end (see `zone`). These helpers are infallible integer maths
//! (proleptic Gregorian calendar), so the search loop has no error paths and allocates
//! nothing.

use std::fmt;

/// A wall-clock date and time, to the second. Field order makes the derived `Ord`
/// chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Civil {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Civil {
    pub const fn new(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Civil {
        Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    pub const fn midnight(year: i32, month: u8, day: u8) -> Civil {
        Civil::new(year, month, day, 0, 0, 0)
    }

    /// The next second on the wall clock (time zones play no part here).
    pub fn next_second(self) -> Civil {
        let mut c = self;
        if c.second < 59 {
            c.second += 1;
            return c;
        }
        c.second = 0;
        if c.minute < 59 {
            c.minute += 1;
            return c;
        }
        c.minute = 0;
        if c.hour < 23 {
            c.hour += 1;
            return c;
        }
        c.hour = 0;
        c.add_days(1)
    }

    /// The same wall-clock time `days` days later (or earlier, if negative).
    pub fn add_days(self, days: i64) -> Civil {
        let (year, month, day) =
            civil_from_days(days_from_civil(self.year, self.month, self.day) + days);
        Civil {
            year,
            month,
            day,
            ..self
        }
    }
}

impl fmt::Display for Civil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

pub(crate) fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Every value is in range by construction: month 1–12, day 1–31, and the year of any
    // day count this crate produces (years 1970–2199 plus a few days) fits an i32.
    (year as i32, month as u8, day as u8)
}

/// AWS's day-of-week number: 1 = Sunday … 7 = Saturday.
pub(crate) fn aws_weekday(year: i32, month: u8, day: u8) -> u8 {
    // 1970-01-01 was a Thursday, which is 5 in AWS's numbering.
    ((days_from_civil(year, month, day) + 4).rem_euclid(7) + 1) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_across_four_centuries() {
        let start = days_from_civil(1900, 1, 1);
        let end = days_from_civil(2300, 12, 31);
        let mut expected = (1900, 1, 1);
        for d in start..=end {
            let got = civil_from_days(d);
            assert_eq!(got, expected, "day {d}");
            assert_eq!(days_from_civil(got.0, got.1, got.2), d);
            let (y, m, day) = expected;
            expected = if day < days_in_month(y, m) {
                (y, m, day + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn epoch_and_known_weekdays() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(aws_weekday(1970, 1, 1), 5, "Thursday");
        assert_eq!(aws_weekday(2026, 11, 26), 5, "Thursday");
        assert_eq!(aws_weekday(2026, 11, 29), 1, "Sunday");
        assert_eq!(aws_weekday(2026, 11, 28), 7, "Saturday");
        assert_eq!(aws_weekday(2000, 2, 29), 3, "Tuesday");
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(2100));
        assert!(!is_leap_year(2026));
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
    }

    #[test]
    fn next_second_rolls_over_year() {
        let c = Civil::new(2026, 12, 31, 23, 59, 59);
        assert_eq!(c.next_second(), Civil::midnight(2027, 1, 1));
        let c = Civil::new(2028, 2, 28, 23, 59, 59);
        assert_eq!(c.next_second(), Civil::midnight(2028, 2, 29));
    }

    #[test]
    fn add_days_keeps_time_of_day() {
        let c = Civil::new(2026, 2, 27, 23, 30, 0);
        assert_eq!(c.add_days(2), Civil::new(2026, 3, 1, 23, 30, 0));
        assert_eq!(c.add_days(-58), Civil::new(2025, 12, 31, 23, 30, 0));
    }
}
