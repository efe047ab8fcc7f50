//! Calendar dates as AWS writes them in baselines: `YYYY-MM-DD`, UTC.

use time::macros::format_description;
use time::Date;

/// Parses `YYYY-MM-DD` (exactly ten characters, a real calendar day).
pub fn parse_ymd(text: &str) -> Option<Date> {
    if text.len() != 10 {
        return None;
    }
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_ymd(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// serde for `Option<Date>` as `"YYYY-MM-DD"` or null.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&super::format_ymd(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => super::parse_ymd(&t)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: {t}"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parses_only_real_iso_days() {
        let cases = [
            ("2024-02-29", Some(date!(2024 - 02 - 29))),
            ("2023-02-29", None),
            ("2024-13-01", None),
            ("2024-1-01", None),
            ("24-01-01", None),
            ("2024/01/01", None),
            ("2024-01-01T00:00:00Z", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_ymd(text), expected, "{text}");
        }
        assert_eq!(format_ymd(date!(2024 - 03 - 05)), "2024-03-05");
    }
}
