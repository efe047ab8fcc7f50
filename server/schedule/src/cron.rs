//! AWS cron expressions: parsing, validation and the search for the next wall-clock match.
//!
//! The grammar is the one AWS documents for maintenance windows (Quartz-like): six fields
//! `minutes hours day-of-month month day-of-week year`, optionally preceded by `seconds`.
//! Every field takes `*`, lists (`,`), ranges (`-`, wrapping around like Quartz: `FRI-MON`,
//! `22-2`, except in the year field) and increments (`/`: `0/15`, `*/10`, `10-40/5`).
//! Day-of-month also takes `L` (last day), `LW` (last weekday) and `nW` (the weekday
//! nearest day n, within the month). Day-of-week takes 1–7 or SUN–SAT (1 = Sunday), `L`
//! (Saturday, the last day of the week), `nL` (the last weekday n of the month) and `n#k`
//! (the k-th weekday n of the month). Exactly one of day-of-month and day-of-week is `?`.
//! Names are case-insensitive.
//!
//! Matching never walks minute by minute: [`CronExpr::next_match_from`] steps through the
//! year set, then months, then the days that match in that month, then the time-of-day
//! sets, so even `cron(0 0 29 2 ? *)` or a lone year 2199 answers after a few thousand
//! bit operations at most.

use crate::civil::{aws_weekday, days_in_month, Civil};
use crate::error::{CronField, ScheduleError};

/// The first and last year the year field accepts.
pub(crate) const FIRST_YEAR: i32 = 1970;
pub(crate) const LAST_YEAR: i32 = 2199;

/// The shortest gap allowed between two runs of a cron expression. The AWS
/// documentation: "Cron expressions that lead to rates faster than five (5) minute aren't
/// supported."
pub(crate) const MIN_CRON_GAP_SECONDS: u32 = 5 * 60;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A set of small integers (0–255); the year field stores `year - 1970`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Bits([u64; 4]);

impl Bits {
    fn insert(&mut self, i: u32) {
        if let Some(word) = self.0.get_mut((i / 64) as usize) {
            *word |= 1 << (i % 64);
        }
    }

    fn contains(&self, i: u32) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }

    /// The smallest member `>= from`.
    fn next_from(&self, from: u32) -> Option<u32> {
        let mut index = (from / 64) as usize;
        let mut mask = u64::MAX.checked_shl(from % 64).unwrap_or(0);
        while let Some(word) = self.0.get(index) {
            let bits = word & mask;
            if bits != 0 {
                return Some(index as u32 * 64 + bits.trailing_zeros());
            }
            index += 1;
            mask = u64::MAX;
        }
        None
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..256).filter(|&i| self.contains(i))
    }

    #[cfg(test)]
    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
}

/// How one numeric field reads and bounds its values.
struct FieldSpec {
    field: CronField,
    min: u32,
    max: u32,
    /// Names for `min..`, e.g. JAN = 1.
    names: &'static [&'static str],
    /// What the range reads as in messages, e.g. "1-12 (JAN-DEC)".
    range_text: &'static str,
    /// Whether `a-b` with `a > b` wraps around (not for years).
    wraps: bool,
    /// Subtracted from a value to give its bit (1970 for years, which `Bits` cannot hold
    /// as they are).
    base: u32,
}

const SECONDS: FieldSpec = FieldSpec {
    field: CronField::Seconds,
    min: 0,
    max: 59,
    names: &[],
    range_text: "0-59",
    wraps: true,
    base: 0,
};
const MINUTES: FieldSpec = FieldSpec {
    field: CronField::Minutes,
    min: 0,
    max: 59,
    names: &[],
    range_text: "0-59",
    wraps: true,
    base: 0,
};
const HOURS: FieldSpec = FieldSpec {
    field: CronField::Hours,
    min: 0,
    max: 23,
    names: &[],
    range_text: "0-23",
    wraps: true,
    base: 0,
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    field: CronField::DayOfMonth,
    min: 1,
    max: 31,
    names: &[],
    range_text: "1-31",
    wraps: true,
    base: 0,
};
const MONTH: FieldSpec = FieldSpec {
    field: CronField::Month,
    min: 1,
    max: 12,
    names: &MONTH_NAMES,
    range_text: "1-12 (JAN-DEC)",
    wraps: true,
    base: 0,
};
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    field: CronField::DayOfWeek,
    min: 1,
    max: 7,
    names: &DAY_NAMES,
    range_text: "1-7 (SUN-SAT)",
    wraps: true,
    base: 0,
};
const YEAR: FieldSpec = FieldSpec {
    field: CronField::Year,
    min: FIRST_YEAR as u32,
    max: LAST_YEAR as u32,
    names: &[],
    range_text: "1970-2199",
    wraps: false,
    base: FIRST_YEAR as u32,
};

/// Which days of a month match: the one of day-of-month / day-of-week that is not `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DaySpec {
    /// Days of the month, 1–31 (a day that a month lacks never matches in that month).
    MonthDays(Bits),
    /// `L`: the last day of the month.
    LastDay,
    /// `LW`: the last Monday–Friday of the month.
    LastWeekday,
    /// `nW`: the Monday–Friday nearest day n, without leaving the month.
    NearestWeekday(u8),
    /// Days of the week, 1 = Sunday … 7 = Saturday.
    WeekDays(Bits),
    /// `nL`: the last weekday n of the month.
    LastOfWeekday(u8),
    /// `n#k`: the k-th weekday n of the month.
    NthWeekday { weekday: u8, nth: u8 },
}

/// A parsed, validated cron expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CronExpr {
    seconds: Bits,
    minutes: Bits,
    hours: Bits,
    days: DaySpec,
    months: Bits,
    /// `year - 1970`.
    years: Bits,
}

fn field_error(field: CronField, message: impl Into<String>) -> ScheduleError {
    ScheduleError::CronField {
        field,
        message: message.into(),
    }
}

impl CronExpr {
    /// Parses the text between `cron(` and `)`.
    pub fn parse(body: &str) -> Result<CronExpr, ScheduleError> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            6 => (None, &fields[..]),
            7 => (Some(fields[0]), &fields[1..]),
            found => return Err(ScheduleError::CronFieldCount { found }),
        };
        let [minutes, hours, day_of_month, month, day_of_week, year] = rest else {
            return Err(ScheduleError::CronFieldCount {
                found: fields.len(),
            });
        };

        let seconds = match seconds {
            Some(text) => parse_plain(&SECONDS, text)?,
            None => {
                let mut zero = Bits::default();
                zero.insert(0);
                zero
            }
        };
        let minutes = parse_plain(&MINUTES, minutes)?;
        let hours = parse_plain(&HOURS, hours)?;
        let months = parse_plain(&MONTH, month)?;
        let years = parse_plain(&YEAR, year)?;

        let dom = parse_day_of_month(day_of_month)?;
        let dow = parse_day_of_week(day_of_week)?;
        let days = match (dom, dow) {
            (Some(days), None) | (None, Some(days)) => days,
            _ => {
                return Err(ScheduleError::CronDayFields {
                    day_of_month: (*day_of_month).to_owned(),
                    day_of_week: (*day_of_week).to_owned(),
                })
            }
        };

        let expr = CronExpr {
            seconds,
            minutes,
            hours,
            days,
            months,
            years,
        };
        expr.check_frequency()?;
        Ok(expr)
    }

    /// Refuses expressions whose runs on one day can be less than five minutes apart.
    ///
    /// Only gaps within a day are measured: a pair such as 23:58 and 00:01 on consecutive
    /// days depends on the day fields and is let through rather than wrongly refusing,
    /// say, `cron(1,58 0,23 ? * MON *)`, whose runs are never that close.
    fn check_frequency(&self) -> Result<(), ScheduleError> {
        let mut previous: Option<u32> = None;
        let mut best: Option<(u32, u32)> = None;
        for h in self.hours.iter() {
            for m in self.minutes.iter() {
                for s in self.seconds.iter() {
                    let t = h * 3600 + m * 60 + s;
                    if let Some(p) = previous {
                        if best.is_none_or(|(a, b)| t - p < b - a) {
                            best = Some((p, t));
                        }
                    }
                    previous = Some(t);
                }
            }
        }
        match best {
            Some((a, b)) if b - a < MIN_CRON_GAP_SECONDS => Err(ScheduleError::CronTooFrequent {
                gap: describe_gap(b - a),
                first: time_of_day(a),
                second: time_of_day(b),
            }),
            _ => Ok(()),
        }
    }

    /// The first wall-clock time `>= from` that the expression matches, if any before the
    /// end of 2199.
    pub fn next_match_from(&self, from: Civil) -> Option<Civil> {
        let from = if from.year < FIRST_YEAR {
            Civil::midnight(FIRST_YEAR, 1, 1)
        } else {
            from
        };
        if from.year > LAST_YEAR {
            return None;
        }
        let mut year_index = self.years.next_from((from.year - FIRST_YEAR) as u32)?;
        loop {
            let year = FIRST_YEAR + year_index as i32;
            if year > LAST_YEAR {
                return None;
            }
            let same_year = year == from.year;
            let first_month = if same_year { u32::from(from.month) } else { 1 };
            let mut month_cursor = first_month;
            while let Some(month) = self.months.next_from(month_cursor).filter(|&m| m <= 12) {
                let month = month as u8;
                let same_month = same_year && month == from.month;
                let days = self.days_of(year, month);
                let mut day_cursor = if same_month { u32::from(from.day) } else { 1 };
                while let Some(day) = next_bit(days, day_cursor) {
                    let day = day as u8;
                    let same_day = same_month && day == from.day;
                    let start = if same_day {
                        (from.hour, from.minute, from.second)
                    } else {
                        (0, 0, 0)
                    };
                    if let Some((hour, minute, second)) = self.first_time_from(start) {
                        return Some(Civil::new(year, month, day, hour, minute, second));
                    }
                    day_cursor = u32::from(day) + 1;
                }
                month_cursor = u32::from(month) + 1;
            }
            year_index = self.years.next_from(year_index + 1)?;
        }
    }

    /// Whether the expression matches this wall-clock time (used by tests as the slow,
    /// obviously-right reference for [`CronExpr::next_match_from`]).
    #[cfg(test)]
    pub fn matches(&self, c: Civil) -> bool {
        (FIRST_YEAR..=LAST_YEAR).contains(&c.year)
            && self.years.contains((c.year - FIRST_YEAR) as u32)
            && self.months.contains(u32::from(c.month))
            && self.days_of(c.year, c.month) & (1 << c.day) != 0
            && self.hours.contains(u32::from(c.hour))
            && self.minutes.contains(u32::from(c.minute))
            && self.seconds.contains(u32::from(c.second))
    }

    /// The earliest time of day `>= (hour, minute, second)` in the time sets.
    fn first_time_from(&self, (h0, m0, s0): (u8, u8, u8)) -> Option<(u8, u8, u8)> {
        let mut hour_cursor = u32::from(h0);
        while let Some(hour) = self.hours.next_from(hour_cursor).filter(|&h| h <= 23) {
            let same_hour = hour == u32::from(h0);
            let mut minute_cursor = if same_hour { u32::from(m0) } else { 0 };
            while let Some(minute) = self.minutes.next_from(minute_cursor).filter(|&m| m <= 59) {
                let from_second = if same_hour && minute == u32::from(m0) {
                    u32::from(s0)
                } else {
                    0
                };
                if let Some(second) = self.seconds.next_from(from_second).filter(|&s| s <= 59) {
                    return Some((hour as u8, minute as u8, second as u8));
                }
                minute_cursor = minute + 1;
            }
            hour_cursor = hour + 1;
        }
        None
    }

    /// The matching days of one month, as bits 1–31.
    fn days_of(&self, year: i32, month: u8) -> u32 {
        let last = days_in_month(year, month);
        let weekday = |day: u8| aws_weekday(year, month, day);
        match &self.days {
            DaySpec::MonthDays(days) => (1..=last)
                .filter(|&d| days.contains(u32::from(d)))
                .fold(0, |acc, d| acc | 1 << d),
            DaySpec::LastDay => 1 << last,
            DaySpec::LastWeekday => {
                let day = match weekday(last) {
                    1 => last - 2,
                    7 => last - 1,
                    _ => last,
                };
                1 << day
            }
            DaySpec::NearestWeekday(n) => {
                let n = *n;
                if n > last {
                    return 0;
                }
                let day = match weekday(n) {
                    // Saturday: the Friday before, unless that leaves the month.
                    7 if n == 1 => 3,
                    7 => n - 1,
                    // Sunday: the Monday after, unless that leaves the month.
                    1 if n == last => n - 2,
                    1 => n + 1,
                    _ => n,
                };
                1 << day
            }
            DaySpec::WeekDays(days) => (1..=last)
                .filter(|&d| days.contains(u32::from(weekday(d))))
                .fold(0, |acc, d| acc | 1 << d),
            DaySpec::LastOfWeekday(w) => {
                let back = (weekday(last) + 7 - w) % 7;
                1 << (last - back)
            }
            DaySpec::NthWeekday { weekday: w, nth } => {
                let first = 1 + (w + 7 - weekday(1)) % 7;
                let day = first + 7 * (nth - 1);
                if day <= last {
                    1 << day
                } else {
                    0
                }
            }
        }
    }
}

fn next_bit(bits: u32, from: u32) -> Option<u32> {
    let masked = bits & u32::MAX.checked_shl(from).unwrap_or(0);
    (masked != 0).then(|| masked.trailing_zeros())
}

fn time_of_day(t: u32) -> String {
    format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

fn describe_gap(seconds: u32) -> String {
    let plural = |n: u32, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if seconds.is_multiple_of(60) {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// Parses a field made only of numbers/names, `*`, `,`, `-` and `/`.
fn parse_plain(spec: &FieldSpec, text: &str) -> Result<Bits, ScheduleError> {
    let field = spec.field;
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '?' | '#')))
    {
        return Err(field_error(
            field,
            format!("unexpected character {c:?} in {text:?}"),
        ));
    }
    if text.contains('?') {
        let message = if matches!(field, CronField::DayOfMonth | CronField::DayOfWeek) {
            format!("{text:?}: ? stands alone (it means no specific value)")
        } else {
            format!("{text:?}: ? is only allowed in the day-of-month and day-of-week fields")
        };
        return Err(field_error(field, message));
    }
    if text.contains('#') {
        return Err(field_error(
            field,
            format!("{text:?}: # is only allowed in the day-of-week field (as in 6#3)"),
        ));
    }
    let mut bits = Bits::default();
    for item in text.split(',') {
        if item.is_empty() {
            return Err(field_error(field, format!("empty list item in {text:?}")));
        }
        parse_item(spec, item, &mut bits)?;
    }
    Ok(bits)
}

/// One list item: `*`, `v`, `a-b`, each optionally followed by `/step`.
fn parse_item(spec: &FieldSpec, item: &str, bits: &mut Bits) -> Result<(), ScheduleError> {
    let field = spec.field;
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(parse_step(spec, item, step)?)),
        None => (item, None),
    };
    let (first, last) = if range == "*" {
        (spec.min, spec.max)
    } else if let Some((a, b)) = range.split_once('-') {
        (parse_value(spec, a, item)?, parse_value(spec, b, item)?)
    } else {
        let value = parse_value(spec, range, item)?;
        // Quartz: `5/15` means from 5 to the end of the range, every 15.
        (value, if step.is_some() { spec.max } else { value })
    };
    let step = step.unwrap_or(1);
    let span = spec.max - spec.min + 1;
    let count = if first <= last {
        last - first
    } else if spec.wraps {
        last + span - first
    } else {
        return Err(field_error(
            field,
            format!("range {range:?} ends before it starts (write the smaller value first)"),
        ));
    };
    let mut k = 0;
    while k <= count {
        bits.insert(spec.min + (first - spec.min + k) % span - spec.base);
        k += step;
    }
    Ok(())
}

fn parse_step(spec: &FieldSpec, item: &str, step: &str) -> Result<u32, ScheduleError> {
    let field = spec.field;
    let span = spec.max - spec.min + 1;
    if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(
            field,
            format!("increment {step:?} in {item:?} is not a number"),
        ));
    }
    match step.parse::<u32>() {
        Ok(n) if (1..span).contains(&n) => Ok(n),
        _ => Err(field_error(
            field,
            format!(
                "increment {step} in {item:?} is out of range 1-{}",
                span - 1
            ),
        )),
    }
}

/// A number or (for month and day-of-week) a three-letter name.
fn parse_value(spec: &FieldSpec, token: &str, item: &str) -> Result<u32, ScheduleError> {
    let field = spec.field;
    if token.is_empty() {
        return Err(field_error(field, format!("{item:?} is missing a value")));
    }
    if token.bytes().all(|b| b.is_ascii_digit()) {
        return match token.parse::<u32>() {
            Ok(n) if (spec.min..=spec.max).contains(&n) => Ok(n),
            _ => Err(field_error(
                field,
                format!(
                    "{} is out of range {}",
                    without_leading_zeros(token),
                    spec.range_text
                ),
            )),
        };
    }
    let upper = token.to_ascii_uppercase();
    if let Some(i) = spec.names.iter().position(|name| *name == upper) {
        return Ok(spec.min + i as u32);
    }
    let expected = match field {
        CronField::Month => "a number or a month name (JAN-DEC)".to_owned(),
        CronField::DayOfWeek => "a number or a day name (SUN-SAT)".to_owned(),
        CronField::DayOfMonth => "a number (1-31), L, LW or a day followed by W".to_owned(),
        _ => format!("a number ({})", spec.range_text),
    };
    Err(field_error(field, format!("{token:?} is not {expected}")))
}

fn without_leading_zeros(digits: &str) -> &str {
    match digits.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    }
}

/// `None` for `?`.
fn parse_day_of_month(text: &str) -> Result<Option<DaySpec>, ScheduleError> {
    let field = CronField::DayOfMonth;
    let upper = text.to_ascii_uppercase();
    if upper == "?" {
        return Ok(None);
    }
    if upper == "L" {
        return Ok(Some(DaySpec::LastDay));
    }
    if upper == "LW" {
        return Ok(Some(DaySpec::LastWeekday));
    }
    if let Some(day) = upper.strip_suffix('W') {
        if day.is_empty() || !day.bytes().all(|b| b.is_ascii_digit()) {
            return Err(field_error(
                field,
                format!("{text:?}: W follows a single day of the month, as in 15W (the weekday nearest the 15th)"),
            ));
        }
        let day = parse_value(&DAY_OF_MONTH, day, text)?;
        return Ok(Some(DaySpec::NearestWeekday(day as u8)));
    }
    if upper.contains('L') {
        return Err(field_error(
            field,
            format!("{text:?}: L stands alone in the day-of-month field (L is the last day of the month, LW its last weekday)"),
        ));
    }
    if upper.contains('W') {
        return Err(field_error(
            field,
            format!("{text:?}: W follows a single day of the month, as in 15W"),
        ));
    }
    Ok(Some(DaySpec::MonthDays(parse_plain(&DAY_OF_MONTH, text)?)))
}

/// `None` for `?`.
fn parse_day_of_week(text: &str) -> Result<Option<DaySpec>, ScheduleError> {
    let field = CronField::DayOfWeek;
    let upper = text.to_ascii_uppercase();
    if upper == "?" {
        return Ok(None);
    }
    if upper == "L" {
        // Quartz: L alone in day-of-week is the last day of the week, Saturday.
        let mut saturday = Bits::default();
        saturday.insert(7);
        return Ok(Some(DaySpec::WeekDays(saturday)));
    }
    if upper.contains('#') {
        if upper.contains(',') || upper.contains('-') || upper.contains('/') {
            return Err(field_error(
                field,
                format!("{text:?}: # allows one expression only, as in 6#3 (the third Friday); lists, ranges and increments cannot be combined with it"),
            ));
        }
        let Some((day, nth)) = upper.split_once('#') else {
            return Err(field_error(field, format!("{text:?} is not a day-of-week")));
        };
        let weekday = parse_value(&DAY_OF_WEEK, day, text)?;
        let nth = match nth.parse::<u8>() {
            Ok(n @ 1..=5) if nth.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(field_error(
                    field,
                    format!(
                    "{text:?}: the occurrence after # must be 1 to 5, as in 6#3 (the third Friday)"
                ),
                ))
            }
        };
        return Ok(Some(DaySpec::NthWeekday {
            weekday: weekday as u8,
            nth,
        }));
    }
    if let Some(day) = upper.strip_suffix('L') {
        if upper.contains(',') || upper.contains('-') || upper.contains('/') {
            return Err(field_error(
                field,
                format!(
                    "{text:?}: nL allows one day only, as in 6L (the last Friday of the month)"
                ),
            ));
        }
        let weekday = parse_value(&DAY_OF_WEEK, day, text)?;
        return Ok(Some(DaySpec::LastOfWeekday(weekday as u8)));
    }
    if upper.contains('W') && !DAY_NAMES.iter().any(|name| upper.contains(name)) {
        return Err(field_error(
            field,
            format!("{text:?}: W is only allowed in the day-of-month field"),
        ));
    }
    Ok(Some(DaySpec::WeekDays(parse_plain(&DAY_OF_WEEK, text)?)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cron(body: &str) -> CronExpr {
        CronExpr::parse(body).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    fn err(body: &str) -> String {
        match CronExpr::parse(body) {
            Ok(_) => panic!("{body} parsed"),
            Err(e) => e.to_string(),
        }
    }

    fn set(bits: &Bits) -> Vec<u32> {
        bits.iter().collect()
    }

    #[test]
    fn bits_next_from_crosses_words() {
        let mut b = Bits::default();
        b.insert(3);
        b.insert(70);
        b.insert(229);
        assert_eq!(b.next_from(0), Some(3));
        assert_eq!(b.next_from(4), Some(70));
        assert_eq!(b.next_from(71), Some(229));
        assert_eq!(b.next_from(230), None);
        assert_eq!(b.next_from(300), None);
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn numeric_field_forms() {
        let cases: &[(&str, Vec<u32>)] = &[
            ("*", (0..=59).collect()),
            ("5", vec![5]),
            ("05", vec![5]),
            ("1,2,30", vec![1, 2, 30]),
            ("10-13", vec![10, 11, 12, 13]),
            ("0/15", vec![0, 15, 30, 45]),
            ("5/20", vec![5, 25, 45]),
            ("*/20", vec![0, 20, 40]),
            ("10-30/10", vec![10, 20, 30]),
            ("55-5", vec![0, 1, 2, 3, 4, 5, 55, 56, 57, 58, 59]),
            ("50-10/10", vec![0, 10, 50]),
            ("1,10-12,40/10", vec![1, 10, 11, 12, 40, 50]),
        ];
        for (text, expected) in cases {
            let bits = parse_plain(&MINUTES, text).unwrap();
            assert_eq!(&set(&bits), expected, "{text}");
        }
    }

    #[test]
    fn month_and_day_names() {
        let months = parse_plain(&MONTH, "JAN,mar-May,NOV-FEB").unwrap();
        assert_eq!(set(&months), vec![1, 2, 3, 4, 5, 11, 12]);
        let days = parse_plain(&DAY_OF_WEEK, "MON-FRI").unwrap();
        assert_eq!(set(&days), vec![2, 3, 4, 5, 6]);
        let days = parse_plain(&DAY_OF_WEEK, "FRI-MON").unwrap();
        assert_eq!(set(&days), vec![1, 2, 6, 7]);
        let days = parse_plain(&DAY_OF_WEEK, "sun,7").unwrap();
        assert_eq!(set(&days), vec![1, 7]);
    }

    #[test]
    fn years() {
        let c = cron("0 0 1 1 ? 2026,2030-2032,2195/2");
        let years: Vec<i32> = c.years.iter().map(|i| FIRST_YEAR + i as i32).collect();
        assert_eq!(years, vec![2026, 2030, 2031, 2032, 2195, 2197, 2199]);
        let c = cron("0 0 1 1 ? *");
        assert_eq!(c.years.len(), 230);
    }

    #[test]
    fn seven_fields_have_seconds_first() {
        let c = cron("24 30 09 ? * * *");
        assert_eq!(set(&c.seconds), vec![24]);
        assert_eq!(set(&c.minutes), vec![30]);
        assert_eq!(set(&c.hours), vec![9]);
        let c = cron("30 09 ? * * *");
        assert_eq!(set(&c.seconds), vec![0]);
    }

    #[test]
    fn day_forms() {
        assert_eq!(cron("0 2 L * ? *").days, DaySpec::LastDay);
        assert_eq!(cron("0 2 lw * ? *").days, DaySpec::LastWeekday);
        assert_eq!(cron("0 2 15W * ? *").days, DaySpec::NearestWeekday(15));
        assert_eq!(cron("15 10 ? * 6L *").days, DaySpec::LastOfWeekday(6));
        assert_eq!(cron("15 10 ? * friL *").days, DaySpec::LastOfWeekday(6));
        assert_eq!(
            cron("0 2 ? * THU#3 *").days,
            DaySpec::NthWeekday { weekday: 5, nth: 3 }
        );
        assert_eq!(
            cron("0 2 ? * 6#3 *").days,
            DaySpec::NthWeekday { weekday: 6, nth: 3 }
        );
        let DaySpec::WeekDays(sat) = cron("0 2 ? * L *").days else {
            panic!("L in day-of-week is Saturday")
        };
        assert_eq!(set(&sat), vec![7]);
    }

    #[test]
    fn days_of_month_for_special_forms() {
        let days = |body: &str, y: i32, m: u8| -> Vec<u32> {
            let bits = cron(body).days_of(y, m);
            (1..=31).filter(|d| bits & (1 << d) != 0).collect()
        };
        // November 2026: the 1st is a Sunday, the 30th a Monday.
        assert_eq!(days("0 0 L * ? *", 2026, 11), vec![30]);
        assert_eq!(days("0 0 L * ? *", 2028, 2), vec![29]);
        assert_eq!(days("0 0 L * ? *", 2026, 2), vec![28]);
        // May 2026 ends on a Sunday: its last weekday is Friday the 29th.
        assert_eq!(days("0 0 LW * ? *", 2026, 5), vec![29]);
        // Saturday 1 Aug 2026: the nearest weekday in the month is Monday the 3rd.
        assert_eq!(days("0 0 1W * ? *", 2026, 8), vec![3]);
        // Saturday 15 Aug 2026 → Friday 14th; Sunday 16 Aug → Monday 17th.
        assert_eq!(days("0 0 15W * ? *", 2026, 8), vec![14]);
        assert_eq!(days("0 0 16W * ? *", 2026, 8), vec![17]);
        // Sunday 31 May 2026 is the last day: back to Friday the 29th.
        assert_eq!(days("0 0 31W * ? *", 2026, 5), vec![29]);
        // A weekday stays put; a day the month lacks never matches.
        assert_eq!(days("0 0 18W * ? *", 2026, 8), vec![18]);
        assert_eq!(days("0 0 31W * ? *", 2026, 4), Vec::<u32>::new());
        assert_eq!(days("0 0 31 * ? *", 2026, 4), Vec::<u32>::new());
        // Fridays of November 2026, the last one, the third one, the fifth (none).
        assert_eq!(days("0 0 ? * FRI *", 2026, 11), vec![6, 13, 20, 27]);
        assert_eq!(days("0 0 ? * 6L *", 2026, 11), vec![27]);
        assert_eq!(days("0 0 ? * 6#3 *", 2026, 11), vec![20]);
        assert_eq!(days("0 0 ? * 6#5 *", 2026, 11), Vec::<u32>::new());
        // Sunday the 1st is the first Sunday; Monday the 30th the fifth Monday.
        assert_eq!(days("0 0 ? * 1#1 *", 2026, 11), vec![1]);
        assert_eq!(days("0 0 ? * MON#5 *", 2026, 11), vec![30]);
        assert_eq!(days("0 0 ? * 2L *", 2026, 11), vec![30]);
    }

    #[test]
    fn next_match_walks_fields_in_order() {
        let c = cron("0/15 8-17 ? * MON-FRI *");
        // Friday 27 Nov 2026 17:50 → Monday 30 Nov 08:00.
        let from = Civil::new(2026, 11, 27, 17, 50, 0);
        assert_eq!(
            c.next_match_from(from),
            Some(Civil::new(2026, 11, 30, 8, 0, 0))
        );
        // Inclusive of `from`.
        let from = Civil::new(2026, 11, 30, 8, 15, 0);
        assert_eq!(c.next_match_from(from), Some(from));
        let from = Civil::new(2026, 11, 30, 8, 15, 1);
        assert_eq!(
            c.next_match_from(from),
            Some(Civil::new(2026, 11, 30, 8, 30, 0))
        );
        // Year rollover.
        let c = cron("0 0 1 1 ? *");
        assert_eq!(
            c.next_match_from(Civil::new(2026, 1, 1, 0, 0, 1)),
            Some(Civil::midnight(2027, 1, 1))
        );
    }

    #[test]
    fn next_match_is_bounded_by_the_year_field() {
        let c = cron("0 0 29 2 ? *");
        assert_eq!(
            c.next_match_from(Civil::midnight(2026, 3, 1)),
            Some(Civil::midnight(2028, 2, 29))
        );
        // 2100 is not a leap year.
        assert_eq!(
            c.next_match_from(Civil::midnight(2096, 3, 1)),
            Some(Civil::midnight(2104, 2, 29))
        );
        assert_eq!(c.next_match_from(Civil::midnight(2196, 3, 1)), None);
        let never = cron("0 0 30 2 ? *");
        assert_eq!(never.next_match_from(Civil::midnight(1970, 1, 1)), None);
        let last = cron("0 0 31 12 ? 2199");
        assert_eq!(
            last.next_match_from(Civil::midnight(1960, 1, 1)),
            Some(Civil::midnight(2199, 12, 31))
        );
        assert_eq!(last.next_match_from(Civil::midnight(2200, 1, 1)), None);
        let past = cron("0 0 1 1 ? 2020");
        assert_eq!(past.next_match_from(Civil::midnight(2026, 1, 1)), None);
    }

    #[test]
    fn matches_agrees_with_next_match_minute_by_minute() {
        let exprs = [
            "0/5 * ? * MON-FRI *",
            "30 2 L * ? *",
            "15 10 ? * 6L *",
            "0 9-17/4 15W * ? *",
            "0 0 ? * 3#2 *",
            "45 23 LW FEB-APR ? 2027-2028",
        ];
        for body in exprs {
            let c = cron(body);
            // One probe per minute (these expressions all run at second 0).
            let end = Civil::midnight(2027, 3, 3);
            let mut probes = vec![Civil::midnight(2027, 1, 30)];
            while let Some(&last) = probes.last().filter(|t| **t < end) {
                probes.push(Civil { second: 59, ..last }.next_second());
            }
            probes.retain(|p| *p < end);
            // Walk backwards so that `expected` is always the first match at or after probe.
            let mut expected = None;
            for &probe in probes.iter().rev() {
                if c.matches(probe) {
                    expected = Some(probe);
                }
                let got = c.next_match_from(probe).filter(|m| *m < end);
                assert_eq!(got, expected, "{body} from {probe}");
            }
        }
    }

    #[test]
    fn field_errors_say_what_and_where() {
        let cases = [
            ("60 * * * ? *", "minutes field: 60 is out of range 0-59"),
            ("0 24 * * ? *", "hours field: 24 is out of range 0-23"),
            ("0 0 32 * ? *", "day-of-month field: 32 is out of range 1-31"),
            ("0 0 0 * ? *", "day-of-month field: 0 is out of range 1-31"),
            ("0 0 * 13 ? *", "month field: 13 is out of range 1-12 (JAN-DEC)"),
            ("0 0 ? * 8 *", "day-of-week field: 8 is out of range 1-7 (SUN-SAT)"),
            ("0 0 ? * 0 *", "day-of-week field: 0 is out of range 1-7 (SUN-SAT)"),
            ("0 0 * * ? 1969", "year field: 1969 is out of range 1970-2199"),
            ("0 0 * * ? 2200", "year field: 2200 is out of range 1970-2199"),
            ("0 0 * JANU ? *", "month field: \"JANU\" is not a number or a month name (JAN-DEC)"),
            ("0 0 ? * MONDAY *", "day-of-week field: \"MONDAY\" is not a number or a day name (SUN-SAT)"),
            ("x 0 * * ? *", "minutes field: \"x\" is not a number (0-59)"),
            ("1,,2 0 * * ? *", "minutes field: empty list item in \"1,,2\""),
            ("*/0 0 * * ? *", "minutes field: increment 0 in \"*/0\" is out of range 1-59"),
            ("*/60 0 * * ? *", "minutes field: increment 60 in \"*/60\" is out of range 1-59"),
            ("0/x 0 * * ? *", "minutes field: increment \"x\" in \"0/x\" is not a number"),
            ("5- 0 * * ? *", "minutes field: \"5-\" is missing a value"),
            ("0 0 * * ? 2030-2020", "year field: range \"2030-2020\" ends before it starts (write the smaller value first)"),
            ("0 ? * * ? *", "hours field: \"?\": ? is only allowed in the day-of-month and day-of-week fields"),
            ("0 0 * 1#2 ? *", "month field: \"1#2\": # is only allowed in the day-of-week field (as in 6#3)"),
            ("0 0 L * ? 2026", "")
        ];
        for (body, message) in cases {
            if message.is_empty() {
                cron(body);
                continue;
            }
            assert_eq!(err(body), message, "{body}");
        }
    }

    #[test]
    fn day_field_errors() {
        let cases = [
            ("0 0 * * * *", "cron expression: day-of-month is \"*\" and day-of-week is \"*\"; exactly one of the two must be ? (for example cron(0 2 ? * SUN *) or cron(0 2 1 * ? *))"),
            ("0 0 ? * ? *", "cron expression: day-of-month is \"?\" and day-of-week is \"?\"; exactly one of the two must be ? (for example cron(0 2 ? * SUN *) or cron(0 2 1 * ? *))"),
            ("0 0 1 * MON *", "cron expression: day-of-month is \"1\" and day-of-week is \"MON\"; exactly one of the two must be ? (for example cron(0 2 ? * SUN *) or cron(0 2 1 * ? *))"),
            ("0 0 ? * 6#6 *", "day-of-week field: \"6#6\": the occurrence after # must be 1 to 5, as in 6#3 (the third Friday)"),
            ("0 0 ? * 6#0 *", "day-of-week field: \"6#0\": the occurrence after # must be 1 to 5, as in 6#3 (the third Friday)"),
            ("0 0 ? * 9#2 *", "day-of-week field: 9 is out of range 1-7 (SUN-SAT)"),
            ("0 0 ? * 3#1,6#3 *", "day-of-week field: \"3#1,6#3\": # allows one expression only, as in 6#3 (the third Friday); lists, ranges and increments cannot be combined with it"),
            ("0 0 ? * 1,6L *", "day-of-week field: \"1,6L\": nL allows one day only, as in 6L (the last Friday of the month)"),
            ("0 0 ? * 8L *", "day-of-week field: 8 is out of range 1-7 (SUN-SAT)"),
            ("0 0 ? * 2W *", "day-of-week field: \"2W\": W is only allowed in the day-of-month field"),
            ("0 0 1,15W * ? *", "day-of-month field: \"1,15W\": W follows a single day of the month, as in 15W (the weekday nearest the 15th)"),
            ("0 0 W * ? *", "day-of-month field: \"W\": W follows a single day of the month, as in 15W (the weekday nearest the 15th)"),
            ("0 0 32W * ? *", "day-of-month field: 32 is out of range 1-31"),
            ("0 0 L-3 * ? *", "day-of-month field: \"L-3\": L stands alone in the day-of-month field (L is the last day of the month, LW its last weekday)"),
            ("0 0 1,L * ? *", "day-of-month field: \"1,L\": L stands alone in the day-of-month field (L is the last day of the month, LW its last weekday)"),
            ("0 0 FRI * ? *", "day-of-month field: \"FRI\" is not a number (1-31), L, LW or a day followed by W"),
        ];
        for (body, message) in cases {
            assert_eq!(err(body), message, "{body}");
        }
    }

    #[test]
    fn field_count_errors() {
        assert_eq!(
            err("0 10 * * ?"),
            "cron expression has 5 fields; it needs 6 (minutes hours day-of-month month day-of-week year) or 7 with a leading seconds field"
        );
        assert_eq!(
            err("0 0 10 * * ? * 1"),
            "cron expression has 8 fields; it needs 6 (minutes hours day-of-month month day-of-week year) or 7 with a leading seconds field"
        );
        assert_eq!(
            err(""),
            "cron expression has 0 fields; it needs 6 (minutes hours day-of-month month day-of-week year) or 7 with a leading seconds field"
        );
    }

    #[test]
    fn five_minute_floor() {
        for ok in [
            "0/5 * * * ? *",
            "0/5 8-17 ? * MON-FRI *",
            "0,30 * * * ? *",
            "55 0,1 * * ? *",
            "0 0 * * ? *",
            "1,58 0,23 ? * MON *",
        ] {
            cron(ok);
        }
        let cases = [
            ("* * * * ? *", "cron expression runs 1 minute apart (at 00:00:00 and 00:01:00); a maintenance window cannot run more often than every 5 minutes"),
            ("0/4 * * * ? *", "cron expression runs 4 minutes apart (at 00:00:00 and 00:04:00); a maintenance window cannot run more often than every 5 minutes"),
            ("10,12 3 * * ? *", "cron expression runs 2 minutes apart (at 03:10:00 and 03:12:00); a maintenance window cannot run more often than every 5 minutes"),
            ("58,1 4,5 * * ? *", "cron expression runs 3 minutes apart (at 04:58:00 and 05:01:00); a maintenance window cannot run more often than every 5 minutes"),
            ("0,30 0 10 ? * * *", "cron expression runs 30 seconds apart (at 10:00:00 and 10:00:30); a maintenance window cannot run more often than every 5 minutes"),
        ];
        for (body, message) in cases {
            assert_eq!(err(body), message, "{body}");
        }
    }
}
