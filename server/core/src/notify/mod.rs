//! Notifications for the operator's webhook: events (a parameter policy firing, and
//! what later capabilities announce) written to an outbox in the same transaction as
//! the change they describe, then delivered with retries by the server's dispatcher
//! (`bosun_server::webhook`), at least once, by one replica at a time.
//!
//! Invariants: nothing is queued unless a webhook is configured on this server
//! ([`crate::Core::enable_notifications`]); a notification body never holds a secret
//! (parameter names and policy facts only, never values); a notification that cannot
//! be delivered within [`GIVE_UP_AFTER_MS`] is marked failed, logged and audited rather
//! than retried for ever.

mod service;
pub mod store;

pub use service::*;

/// How long a replica holds a claimed notification before another may try it.
pub const CLAIM_MS: i64 = 60_000;
/// A notification still undelivered this long after it was queued is given up.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3600 * 1000;
/// Delivered and failed notifications are kept this long (for inspection), then pruned.
pub const KEEP_DONE_MS: i64 = 7 * 24 * 3600 * 1000;

/// The wait before attempt `attempts + 1` after `attempts` failed ones: 5 s doubling
/// up to 15 minutes.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.saturating_sub(1).clamp(0, 20) as u32;
    5_000i64.saturating_mul(1i64 << exp).min(15 * 60 * 1000)
}

/// The body every notification has, shaped like the EventBridge events AWS sends for
/// the same occurrences (`detail-type`, `source`, `resources`, `detail`), so receivers
/// written for AWS need little change.
pub fn envelope(
    id: &str,
    detail_type: &str,
    account: &str,
    region: &str,
    time_ms: i64,
    resources: &[String],
    detail: serde_json::Value,
) -> serde_json::Value {
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(time_ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.replace_nanosecond(0)
                .ok()?
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    serde_json::json!({
        "version": "0",
        "id": id,
        "detail-type": detail_type,
        "source": "aws.ssm",
        "account": account,
        "time": time,
        "region": region,
        "resources": resources,
        "detail": detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_to_a_quarter_hour() {
        assert_eq!(backoff_ms(0), 5_000);
        assert_eq!(backoff_ms(1), 5_000);
        assert_eq!(backoff_ms(2), 10_000);
        assert_eq!(backoff_ms(3), 20_000);
        assert_eq!(backoff_ms(8), 640_000);
        assert_eq!(backoff_ms(9), 900_000);
        assert_eq!(backoff_ms(1_000), 900_000);
    }

    #[test]
    fn envelope_carries_the_eventbridge_fields() {
        let e = envelope(
            "n-1",
            "Parameter Store Policy Action",
            "123456789012",
            "us-east-1",
            1_700_000_000_123,
            &["arn:aws:ssm:us-east-1:123456789012:parameter/a".into()],
            serde_json::json!({"parameter-name": "/a"}),
        );
        assert_eq!(e["time"], "2023-11-14T22:13:20Z");
        assert_eq!(e["detail-type"], "Parameter Store Policy Action");
        assert_eq!(e["source"], "aws.ssm");
        assert_eq!(
            e["resources"][0],
            "arn:aws:ssm:us-east-1:123456789012:parameter/a"
        );
        assert_eq!(e["detail"]["parameter-name"], "/a");
    }
}
