//! Behaviour of [`WindowSchedule`]: documented AWS examples, daylight saving in both
//! hemispheres, offsets, active periods, rate anchors, leap years, and property checks
//! against a brute-force minute-by-minute reference.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use super::*;
use crate::civil::Civil;
use crate::schedule::Expression;
use crate::{ActivePeriod, Schedule};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn window(expr: &str, tz: Option<&str>, offset: Option<i32>, anchor: &str) -> WindowSchedule {
    let schedule = Schedule::parse(expr, tz, offset).unwrap_or_else(|e| panic!("{expr}: {e}"));
    WindowSchedule::new(schedule, ActivePeriod::ALWAYS, ts(anchor))
}

fn bounded(
    expr: &str,
    tz: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
    anchor: &str,
) -> WindowSchedule {
    let schedule = Schedule::parse(expr, tz, None).unwrap();
    let period = ActivePeriod::parse(start, end).unwrap();
    WindowSchedule::new(schedule, period, ts(anchor))
}

/// The next `n` runs after `after`, in UTC.
fn runs(w: &WindowSchedule, after: &str, n: usize) -> Vec<String> {
    w.upcoming(ts(after))
        .take(n)
        .map(|t| t.to_string())
        .collect()
}

/// The next `n` runs after `after`, as AWS would show them (in the schedule's zone).
fn local_runs(w: &WindowSchedule, after: &str, n: usize) -> Vec<String> {
    w.upcoming(ts(after)).take(n).map(|t| w.format(t)).collect()
}

const ANCHOR: &str = "2020-01-01T00:00:00Z";

#[test]
fn cron_field_forms_in_utc() {
    let after = "2026-11-26T12:00:00Z"; // a Thursday
    let cases: &[(&str, &[&str])] = &[
        (
            "cron(0 10 * * ? *)",
            &["2026-11-27T10:00:00Z", "2026-11-28T10:00:00Z"],
        ),
        (
            "cron(15 10 ? * MON-FRI *)",
            &["2026-11-27T10:15:00Z", "2026-11-30T10:15:00Z"],
        ),
        (
            "cron(0/20 12 * * ? *)",
            &[
                "2026-11-26T12:20:00Z",
                "2026-11-26T12:40:00Z",
                "2026-11-27T12:00:00Z",
            ],
        ),
        (
            "cron(0 2 L * ? *)",
            &[
                "2026-11-30T02:00:00Z",
                "2026-12-31T02:00:00Z",
                "2027-01-31T02:00:00Z",
                "2027-02-28T02:00:00Z",
            ],
        ),
        (
            "cron(15 10 ? * 6L *)",
            &[
                "2026-11-27T10:15:00Z",
                "2026-12-25T10:15:00Z",
                "2027-01-29T10:15:00Z",
            ],
        ),
        (
            "cron(0 2 ? * THU#3 *)",
            &["2026-12-17T02:00:00Z", "2027-01-21T02:00:00Z"],
        ),
        (
            "cron(0 2 ? * 5#3 *)",
            &["2026-12-17T02:00:00Z", "2027-01-21T02:00:00Z"],
        ),
        (
            "cron(0 0 15W * ? *)",
            &[
                "2026-12-15T00:00:00Z",
                "2027-01-15T00:00:00Z",
                "2027-02-15T00:00:00Z",
                "2027-03-15T00:00:00Z",
                "2027-04-15T00:00:00Z",
                "2027-05-14T00:00:00Z",
            ],
        ),
        (
            "cron(0 0 LW * ? *)",
            &[
                "2026-11-30T00:00:00Z",
                "2026-12-31T00:00:00Z",
                "2027-01-29T00:00:00Z",
            ],
        ),
        ("cron(24 30 09 ? * * *)", &["2026-11-27T09:30:24Z"]),
        (
            "cron(0 0 1 JAN,jul ? *)",
            &[
                "2027-01-01T00:00:00Z",
                "2027-07-01T00:00:00Z",
                "2028-01-01T00:00:00Z",
            ],
        ),
        (
            "cron(0 12 25 DEC ? 2027,2029)",
            &["2027-12-25T12:00:00Z", "2029-12-25T12:00:00Z"],
        ),
        (
            "cron(0 6 ? * SAT,SUN 2026)",
            &[
                "2026-11-28T06:00:00Z",
                "2026-11-29T06:00:00Z",
                "2026-12-05T06:00:00Z",
            ],
        ),
        // Friday's 00:00–02:00 come first: the day fields apply to each run's own date.
        (
            "cron(0 22-2 ? * FRI-MON *)",
            &[
                "2026-11-27T00:00:00Z",
                "2026-11-27T01:00:00Z",
                "2026-11-27T02:00:00Z",
                "2026-11-27T22:00:00Z",
                "2026-11-27T23:00:00Z",
                "2026-11-28T00:00:00Z",
            ],
        ),
    ];
    for (expr, expected) in cases {
        let w = window(expr, None, None, ANCHOR);
        assert_eq!(runs(&w, after, expected.len()), *expected, "{expr}");
    }
}

#[test]
fn aws_example_start_date_with_time_zone() {
    // "Example 1: Specify a maintenance window start date": nothing before the start, then
    // 9 AM Pacific every Wednesday (the first Wednesday of 2021 is the 6th).
    let w = bounded(
        "cron(0 09 ? * WED *)",
        Some("America/Los_Angeles"),
        Some("2021-01-01T00:00:00-08:00"),
        None,
        "2020-12-01T00:00:00Z",
    );
    assert_eq!(
        local_runs(&w, "2020-12-01T00:00:00Z", 2),
        ["2021-01-06T09:00:00-08:00", "2021-01-13T09:00:00-08:00"]
    );
}

#[test]
fn aws_example_rate_with_start_and_end_date() {
    // "Example 2": rate(7 days) counted from the start date, ending before June 30.
    let w = bounded(
        "rate(7 days)",
        Some("Asia/Tokyo"),
        Some("2019-01-01T00:03:15+09:00"),
        Some("2019-06-30T00:06:15+09:00"),
        "2018-12-01T00:00:00Z",
    );
    let all: Vec<String> = w
        .upcoming(ts("2018-12-01T00:00:00Z"))
        .map(|t| w.format(t))
        .collect();
    assert_eq!(all.len(), 25);
    assert_eq!(all[0], "2019-01-08T00:03:15+09:00");
    assert_eq!(all[24], "2019-06-25T00:03:15+09:00");
}

#[test]
fn aws_example_offset_runs_days_after_the_match() {
    // Third Tuesday of the month at 23:30, run two days later.
    let w = window("cron(30 23 ? * TUE#3 *)", None, Some(2), ANCHOR);
    assert_eq!(
        runs(&w, "2026-11-01T00:00:00Z", 3),
        [
            "2026-11-19T23:30:00Z",
            "2026-12-17T23:30:00Z",
            "2027-01-21T23:30:00Z"
        ]
    );
}

#[test]
fn offset_does_not_revive_a_match_before_the_anchor() {
    // Created on Wednesday 18 Nov 2026, the day after the third Tuesday: the run of
    // Thursday the 19th belongs to a match that had already passed, so it is skipped.
    let w = window(
        "cron(30 23 ? * TUE#3 *)",
        None,
        Some(2),
        "2026-11-18T09:00:00Z",
    );
    assert_eq!(
        runs(&w, "2026-11-18T09:00:00Z", 2),
        ["2026-12-17T23:30:00Z", "2027-01-21T23:30:00Z"]
    );
    // Created on the Tuesday before 23:30, it runs that Thursday.
    let w = window(
        "cron(30 23 ? * TUE#3 *)",
        None,
        Some(2),
        "2026-11-17T20:00:00Z",
    );
    assert_eq!(
        runs(&w, "2026-11-17T20:00:00Z", 1),
        ["2026-11-19T23:30:00Z"]
    );
}

#[test]
fn offset_crosses_month_and_year_ends() {
    let w = window("cron(0 4 L * ? *)", Some("Europe/Paris"), Some(6), ANCHOR);
    assert_eq!(
        local_runs(&w, "2026-12-01T00:00:00Z", 3),
        [
            "2026-12-06T04:00:00+01:00",
            "2027-01-06T04:00:00+01:00",
            "2027-02-06T04:00:00+01:00"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Daylight saving. 2026 transitions:
//   America/New_York  spring 2026-03-08 02:00 EST→03:00 EDT (07:00Z), fall 2026-11-01 02:00 EDT→01:00 EST (06:00Z)
//   Europe/London     spring 2026-03-29 01:00 GMT→02:00 BST (01:00Z), fall 2026-10-25 02:00 BST→01:00 GMT (01:00Z)
//   Australia/Sydney  fall   2026-04-05 03:00 AEDT→02:00 AEST (16:00Z on the 4th),
//                     spring 2026-10-04 02:00 AEST→03:00 AEDT (16:00Z on the 3rd)

#[test]
fn new_york_spring_forward_runs_once_at_the_end_of_the_gap() {
    let w = window("cron(30 2 * * ? *)", Some("America/New_York"), None, ANCHOR);
    assert_eq!(
        local_runs(&w, "2026-03-06T12:00:00Z", 3),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00"
        ]
    );
    // Every 15 minutes: the four matches inside the gap and 03:00 itself are one run.
    let w = window(
        "cron(0/15 * * * ? *)",
        Some("America/New_York"),
        None,
        ANCHOR,
    );
    assert_eq!(
        local_runs(&w, "2026-03-08T06:40:00Z", 3),
        [
            "2026-03-08T01:45:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:15:00-04:00"
        ]
    );
}

#[test]
fn new_york_fall_back_runs_once_at_the_first_occurrence() {
    let w = window("cron(30 1 * * ? *)", Some("America/New_York"), None, ANCHOR);
    assert_eq!(
        local_runs(&w, "2026-10-31T12:00:00Z", 2),
        ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]
    );
    // Asked during the repeated hour, after the first 01:30: the next run is tomorrow.
    assert_eq!(
        runs(&w, "2026-11-01T06:10:00Z", 1),
        ["2026-11-02T06:30:00Z"]
    );
    // Every 15 minutes: the repeated hour is not run a second time.
    let w = window(
        "cron(0/15 * * * ? *)",
        Some("America/New_York"),
        None,
        ANCHOR,
    );
    assert_eq!(
        local_runs(&w, "2026-11-01T05:40:00Z", 3),
        [
            "2026-11-01T01:45:00-04:00",
            "2026-11-01T02:00:00-05:00",
            "2026-11-01T02:15:00-05:00"
        ]
    );
}

#[test]
fn london_both_transitions() {
    let w = window("cron(30 1 * * ? *)", Some("Europe/London"), None, ANCHOR);
    assert_eq!(
        local_runs(&w, "2026-03-28T12:00:00Z", 2),
        ["2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"]
    );
    assert_eq!(
        local_runs(&w, "2026-10-24T12:00:00Z", 2),
        ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]
    );
    assert_eq!(
        runs(&w, "2026-10-24T12:00:00Z", 2),
        ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
    );
}

#[test]
fn sydney_southern_hemisphere() {
    let w = window("cron(30 2 * * ? *)", Some("Australia/Sydney"), None, ANCHOR);
    // April: DST ends, 02:00–03:00 happens twice; the first 02:30 (AEDT) runs.
    assert_eq!(
        local_runs(&w, "2026-04-03T12:00:00Z", 3),
        [
            "2026-04-04T02:30:00+11:00",
            "2026-04-05T02:30:00+11:00",
            "2026-04-06T02:30:00+10:00"
        ]
    );
    // October: DST starts, 02:00–03:00 does not exist; 02:30 runs at 03:00 AEDT.
    assert_eq!(
        local_runs(&w, "2026-10-02T12:00:00Z", 3),
        [
            "2026-10-03T02:30:00+10:00",
            "2026-10-04T03:00:00+11:00",
            "2026-10-05T02:30:00+11:00"
        ]
    );
}

#[test]
fn offset_days_land_in_a_gap_or_a_fold() {
    // Saturday 02:30 plus one day is Sunday 02:30: in the gap on 8 March 2026…
    let w = window(
        "cron(30 2 ? * SAT *)",
        Some("America/New_York"),
        Some(1),
        ANCHOR,
    );
    assert_eq!(
        local_runs(&w, "2026-03-02T00:00:00Z", 2),
        ["2026-03-08T03:00:00-04:00", "2026-03-15T02:30:00-04:00"]
    );
    // …and Saturday 01:30 plus one day is in the fold on 1 November: first occurrence.
    let w = window(
        "cron(30 1 ? * SAT *)",
        Some("America/New_York"),
        Some(1),
        ANCHOR,
    );
    assert_eq!(
        local_runs(&w, "2026-10-26T00:00:00Z", 2),
        ["2026-11-01T01:30:00-04:00", "2026-11-08T01:30:00-05:00"]
    );
}

#[test]
fn a_skipped_calendar_day_runs_once() {
    // Samoa skipped Friday 30 December 2011 entirely (UTC-10 → UTC+14).
    let w = window(
        "cron(0 12 * * ? 2011)",
        Some("Pacific/Apia"),
        None,
        "2011-01-01T00:00:00Z",
    );
    assert_eq!(
        runs(&w, "2011-12-29T00:00:00Z", 3),
        [
            "2011-12-29T22:00:00Z",
            "2011-12-30T10:00:00Z",
            "2011-12-30T22:00:00Z"
        ]
    );
}

#[test]
fn rate_in_a_zone_keeps_elapsed_time_across_dst() {
    let w = window(
        "rate(1 day)",
        Some("America/New_York"),
        None,
        "2026-03-06T14:00:00Z",
    );
    assert_eq!(
        local_runs(&w, "2026-03-06T14:00:00Z", 3),
        [
            "2026-03-07T09:00:00-05:00",
            "2026-03-08T10:00:00-04:00",
            "2026-03-09T10:00:00-04:00"
        ]
    );
}

#[test]
fn rate_counts_from_the_anchor_keeping_its_fraction() {
    let w = window("rate(30 minutes)", None, None, "2019-05-18T23:35:24.902Z");
    assert_eq!(
        runs(&w, "2019-05-18T23:35:24.902Z", 3),
        [
            "2019-05-19T00:05:24.902Z",
            "2019-05-19T00:35:24.902Z",
            "2019-05-19T01:05:24.902Z"
        ]
    );
    // Asked much later, it lands on the same grid without iterating.
    assert_eq!(
        runs(&w, "2026-11-26T12:00:00Z", 1),
        ["2026-11-26T12:05:24.902Z"]
    );
    // Exactly on a run: the next one.
    assert_eq!(
        runs(&w, "2026-11-26T12:05:24.902Z", 1),
        ["2026-11-26T12:35:24.902Z"]
    );
    // Before the anchor: still the first run after the anchor.
    assert_eq!(
        runs(&w, "2010-01-01T00:00:00Z", 1),
        ["2019-05-19T00:05:24.902Z"]
    );
}

#[test]
fn rate_start_date_in_the_past_counts_from_the_anchor() {
    let w = bounded(
        "rate(5 hours)",
        None,
        Some("2026-01-01T00:00:00Z"),
        None,
        "2026-11-26T10:00:00Z",
    );
    assert_eq!(
        runs(&w, "2026-11-26T10:00:00Z", 2),
        ["2026-11-26T15:00:00Z", "2026-11-26T20:00:00Z"]
    );
    let w = bounded(
        "rate(5 hours)",
        None,
        Some("2026-12-01T00:00:00Z"),
        None,
        "2026-11-26T10:00:00Z",
    );
    assert_eq!(
        runs(&w, "2026-11-26T10:00:00Z", 2),
        ["2026-12-01T05:00:00Z", "2026-12-01T10:00:00Z"]
    );
}

#[test]
fn at_runs_once_in_its_zone() {
    let w = window(
        "at(2026-07-07T15:55:00)",
        None,
        None,
        "2026-07-01T00:00:00Z",
    );
    assert_eq!(
        runs(&w, "2026-07-01T00:00:00Z", 5),
        ["2026-07-07T15:55:00Z"]
    );
    assert_eq!(runs(&w, "2026-07-07T15:55:00Z", 1), Vec::<String>::new());
    let w = window(
        "at(2021-07-07T13:15:30)",
        Some("America/Los_Angeles"),
        None,
        "2021-07-01T00:00:00Z",
    );
    assert_eq!(
        runs(&w, "2021-07-01T00:00:00Z", 2),
        ["2021-07-07T20:15:30Z"]
    );
    // In a gap and in a fold.
    let w = window(
        "at(2026-03-08T02:30:00)",
        Some("America/New_York"),
        None,
        ANCHOR,
    );
    assert_eq!(runs(&w, ANCHOR, 2), ["2026-03-08T07:00:00Z"]);
    let w = window(
        "at(2026-11-01T01:30:00)",
        Some("America/New_York"),
        None,
        ANCHOR,
    );
    assert_eq!(runs(&w, ANCHOR, 2), ["2026-11-01T05:30:00Z"]);
    // Already past when the window was created: never runs.
    let w = window(
        "at(2026-07-07T15:55:00)",
        None,
        None,
        "2026-08-01T00:00:00Z",
    );
    assert_eq!(w.next_after(ts("2026-01-01T00:00:00Z")), None);
}

#[test]
fn start_and_end_bounds_are_inclusive() {
    let w = bounded(
        "cron(0 10 * * ? *)",
        None,
        Some("2026-12-01T10:00:00Z"),
        Some("2026-12-03T10:00:00Z"),
        ANCHOR,
    );
    assert_eq!(
        runs(&w, "2026-11-01T00:00:00Z", 5),
        [
            "2026-12-01T10:00:00Z",
            "2026-12-02T10:00:00Z",
            "2026-12-03T10:00:00Z"
        ]
    );
    let w = bounded(
        "cron(0 10 * * ? *)",
        None,
        Some("2026-12-01T10:00:00.001Z"),
        Some("2026-12-03T09:59:59Z"),
        ANCHOR,
    );
    assert_eq!(
        runs(&w, "2026-11-01T00:00:00Z", 5),
        ["2026-12-02T10:00:00Z"]
    );
    // An at() outside the period never runs.
    let w = bounded(
        "at(2026-12-05T00:00:00)",
        None,
        None,
        Some("2026-12-04T00:00:00Z"),
        ANCHOR,
    );
    assert_eq!(w.next_after(ts(ANCHOR)), None);
}

#[test]
fn leap_years() {
    let w = window("cron(0 0 29 2 ? *)", None, None, ANCHOR);
    assert_eq!(
        runs(&w, "2026-11-26T00:00:00Z", 3),
        [
            "2028-02-29T00:00:00Z",
            "2032-02-29T00:00:00Z",
            "2036-02-29T00:00:00Z"
        ]
    );
    // 2100 is not a leap year; 2000 was.
    assert_eq!(
        runs(&w, "2097-01-01T00:00:00Z", 1),
        ["2104-02-29T00:00:00Z"]
    );
    // Nothing at or before the anchor (2020-01-01) runs.
    assert_eq!(
        runs(&w, "1999-01-01T00:00:00Z", 1),
        ["2020-02-29T00:00:00Z"]
    );
    let w = window("cron(0 0 29 2 ? *)", None, None, "1990-01-01T00:00:00Z");
    assert_eq!(
        runs(&w, "1999-01-01T00:00:00Z", 1),
        ["2000-02-29T00:00:00Z"]
    );
    let w = window("cron(0 0 L FEB ? *)", None, None, ANCHOR);
    assert_eq!(
        runs(&w, "2027-03-01T00:00:00Z", 2),
        ["2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"]
    );
}

#[test]
fn rare_and_impossible_schedules_answer_without_walking_minutes() {
    // Each answer below is the result of at most a few thousand month steps; run them
    // many times so a minute-by-minute regression would make this test take hours.
    let cases: &[(&str, Option<&str>)] = &[
        ("cron(0 0 29 2 ? *)", Some("2028-02-29T00:00:00Z")),
        ("cron(0 0 1 1 ? 2199)", Some("2199-01-01T00:00:00Z")),
        ("cron(59 23 31 12 ? 2199)", Some("2199-12-31T23:59:00Z")),
        ("cron(0 0 30 2 ? *)", None),
        ("cron(0 0 31 4,6,9,11 ? *)", None),
        ("cron(0 0 ? 2 2#5 2027-2030)", None),
        ("cron(0 0 ? 2 2#5 *)", Some("2044-02-29T00:00:00Z")),
        ("cron(0 0 1 1 ? 2020)", None),
    ];
    for _ in 0..200 {
        for (expr, expected) in cases {
            let w = window(expr, Some("Europe/Berlin"), None, ANCHOR);
            let got = w.next_after(ts("2026-11-26T00:00:00Z"));
            assert_eq!(
                got.map(|t| w.format(t)).is_some(),
                expected.is_some(),
                "{expr}"
            );
        }
    }
    let w = window("cron(0 0 ? 2 2#5 *)", None, None, ANCHOR);
    assert_eq!(
        runs(&w, "2026-11-26T00:00:00Z", 1),
        ["2044-02-29T00:00:00Z"]
    );
    let w = window("cron(59 23 31 12 ? 2199)", None, None, ANCHOR);
    assert_eq!(
        runs(&w, "2026-11-26T00:00:00Z", 2),
        ["2199-12-31T23:59:00Z"]
    );
}

#[test]
fn upcoming_is_fused_and_ordered() {
    let w = bounded(
        "cron(0 0/6 * * ? *)",
        None,
        None,
        Some("2026-12-01T12:00:00Z"),
        ANCHOR,
    );
    let mut it = w.upcoming(ts("2026-11-30T20:00:00Z"));
    assert_eq!(
        it.by_ref().map(|t| t.to_string()).collect::<Vec<_>>(),
        [
            "2026-12-01T00:00:00Z",
            "2026-12-01T06:00:00Z",
            "2026-12-01T12:00:00Z"
        ]
    );
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
}

// ---------------------------------------------------------------------------------------
// Property checks.

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ZONES: [&str; 6] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
];

const EXPRESSIONS: [(&str, Option<i32>); 12] = [
    ("cron(0/15 * * * ? *)", None),
    ("cron(30 1,2 * * ? *)", None),
    ("cron(0 2 ? * SUN *)", Some(3)),
    ("cron(45 0/2 * * ? *)", None),
    ("cron(0/5 1-3 * * ? *)", Some(1)),
    ("cron(0 0 L * ? *)", Some(6)),
    ("cron(10 2 ? * 1#1 *)", None),
    ("cron(7 23 15W * ? *)", Some(2)),
    ("cron(30 45 1 * * ? *)", None),
    ("rate(7 minutes)", None),
    ("rate(13 hours)", None),
    ("at(2027-04-04T02:30:00)", None),
];

/// Random instants from 2025 to 2029 (seconds plus a random fraction).
fn random_instant(rng: &mut Rng) -> Timestamp {
    let from = ts("2025-01-01T00:00:00Z").as_second();
    let to = ts("2029-01-01T00:00:00Z").as_second();
    let second = from + rng.below((to - from) as u64) as i64;
    let nanos = if rng.below(2) == 0 {
        0
    } else {
        rng.below(1_000_000_000) as i32
    };
    Timestamp::new(second, nanos).unwrap()
}

#[test]
fn next_after_is_strictly_increasing_and_self_consistent() {
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let second = SignedDuration::from_secs(1);
    let nano = SignedDuration::from_nanos(1);
    for (expr, offset) in EXPRESSIONS {
        for zone in ZONES {
            let anchor = random_instant(&mut rng);
            let w = window(expr, Some(zone), offset, "1970-01-01T00:00:00Z");
            let w = WindowSchedule::new(w.schedule.clone(), ActivePeriod::ALWAYS, anchor);
            for _ in 0..60 {
                let t = random_instant(&mut rng);
                let Some(r) = w.next_after(t) else {
                    assert!(expr.starts_with("at("), "{expr} {zone}: no run after {t}");
                    continue;
                };
                let context = format!("{expr} in {zone}, anchor {anchor}, after {t}: {r}");
                assert!(r > t, "{context}");
                assert!(r > anchor, "{context}");
                assert_eq!(w.next_after(r - second), Some(r), "{context}");
                assert_eq!(w.next_after(r - nano), Some(r), "{context}");
                let mid = Timestamp::from_nanosecond((t.as_nanosecond() + r.as_nanosecond()) / 2)
                    .unwrap();
                assert_eq!(w.next_after(mid.max(t)), Some(r), "{context} (midpoint)");
                if let Some(after_r) = w.next_after(r) {
                    assert!(after_r > r, "{context}");
                    // Runs are never closer than the five-minute floor… except where a
                    // DST gap collapses several matches onto one instant, which is then
                    // one run; the next one is still strictly later.
                    if zone == "UTC" {
                        assert!(after_r - r >= SignedDuration::from_mins(5), "{context}");
                    }
                }
            }
        }
    }
}

/// The runs of a cron window in `(lo, hi]`, found the slow way: every wall-clock minute of
/// the range is tested against the expression and resolved with the gap/fold rule.
fn brute_force(w: &WindowSchedule, lo: Timestamp, hi: Timestamp) -> Vec<Timestamp> {
    let Expression::Cron(cron) = &w.schedule.expression else {
        panic!("cron only")
    };
    let zone = &w.schedule.zone;
    let offset = i64::from(w.schedule.offset_days);
    let mut c = zone.civil(lo).add_days(-offset - 1);
    c.second = 0;
    let end = zone.civil(hi).add_days(-offset + 1);
    let mut found = BTreeSet::new();
    while c <= end {
        if cron.matches(c) {
            let matched = zone.resolve(c).unwrap();
            let run = zone.resolve(c.add_days(offset)).unwrap();
            if matched > w.anchor && run > lo && run <= hi && w.period.contains(run) {
                found.insert(run);
            }
        }
        c = Civil { second: 59, ..c }.next_second();
    }
    found.into_iter().collect()
}

#[test]
fn cron_search_agrees_with_brute_force_around_transitions() {
    // Ten days around each transition, plus a quiet stretch.
    let ranges = [
        ("America/New_York", "2026-03-03T00:00:00Z"),
        ("America/New_York", "2026-10-27T00:00:00Z"),
        ("Europe/London", "2026-03-24T00:00:00Z"),
        ("Europe/London", "2026-10-20T00:00:00Z"),
        ("Australia/Sydney", "2026-03-31T00:00:00Z"),
        ("Australia/Sydney", "2026-09-29T00:00:00Z"),
        ("Australia/Lord_Howe", "2026-09-29T00:00:00Z"),
        ("Pacific/Apia", "2011-12-25T00:00:00Z"),
        ("Asia/Kolkata", "2026-06-01T00:00:00Z"),
    ];
    let exprs = [
        ("cron(0/15 * * * ? *)", None),
        ("cron(30 1,2 * * ? *)", None),
        ("cron(0 2 ? * SUN *)", Some(1)),
        ("cron(45 0/2 * * ? *)", Some(2)),
        ("cron(0/5 1-3 * * ? *)", None),
        ("cron(0 0 L * ? *)", Some(6)),
        ("cron(20 2 ? * 1#1 *)", None),
        ("cron(0 12 * * ? *)", None),
    ];
    for (zone, from) in ranges {
        let lo = ts(from);
        let hi = lo + SignedDuration::from_hours(24 * 10);
        for (expr, offset) in exprs {
            for anchor in ["1970-01-01T00:00:00Z", from] {
                let w = window(expr, Some(zone), offset, anchor);
                let expected = brute_force(&w, lo, hi);
                let got: Vec<Timestamp> = w.upcoming(lo).take_while(|&r| r <= hi).collect();
                assert_eq!(
                    got, expected,
                    "{expr} offset {offset:?} in {zone} from {from}, anchor {anchor}"
                );
            }
        }
    }
}

#[test]
fn extreme_instants_do_not_panic() {
    for (expr, offset) in EXPRESSIONS {
        for zone in ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"] {
            for anchor in [Timestamp::MIN, Timestamp::UNIX_EPOCH, Timestamp::MAX] {
                let schedule = Schedule::parse(expr, Some(zone), offset).unwrap();
                let w = WindowSchedule::new(schedule, ActivePeriod::ALWAYS, anchor);
                for after in [Timestamp::MIN, Timestamp::UNIX_EPOCH, Timestamp::MAX] {
                    if let Some(r) = w.next_after(after) {
                        assert!(r > after && r > anchor, "{expr} {zone} {anchor} {after}");
                    }
                }
            }
        }
    }
}
