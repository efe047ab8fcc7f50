//! Formatting that must give the same text on the server and in the browser (hydration
//! compares them): times are shown in UTC.

use time::macros::format_description;
use time::OffsetDateTime;

/// `2026-11-26 06:42 UTC` for Unix milliseconds; `—` for none.
pub fn datetime(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return "—".into() };
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return "—".into();
    };
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| "—".into())
}

/// `2026-11-26` (the UTC day) for Unix milliseconds; `—` for none.
pub fn date(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return "—".into() };
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return "—".into();
    };
    t.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_else(|_| "—".into())
}

/// Seconds precision, for the audit log.
pub fn datetime_secs(ms: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return "—".into();
    };
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
    ))
    .unwrap_or_else(|_| "—".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::datetime(Some(0)), "1970-01-01 00:00 UTC");
        assert_eq!(super::datetime(None), "—");
        assert_eq!(super::date(Some(1_709_251_200_000)), "2024-03-01");
        assert_eq!(super::date(None), "—");
        assert_eq!(
            super::datetime_secs(1_700_000_000_000),
            "2023-11-14 22:13:20 UTC"
        );
    }
}
