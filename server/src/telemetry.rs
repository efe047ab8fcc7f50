//! Logging through `tracing`: human-readable by default, JSON with `--log-format json`,
//! always on stderr (stdout carries command output such as `--json` and the first
//! admin password). Filter with `RUST_LOG`. Nothing logs request bodies, headers that
//! carry credentials, passwords or secrets; types holding secrets redact their `Debug`.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // try_init: a second call (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
