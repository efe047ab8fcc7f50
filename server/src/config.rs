//! The server's configuration: flags and environment variables (`bosun serve --help`).

use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// Where state lives; shared by `serve` and the admin commands.
#[derive(Clone, Debug, Args)]
pub struct StorageArgs {
    /// Data directory: the SQLite file and key material (created 0700 on first start).
    #[arg(
        long,
        global = true,
        env = "BOSUN_DATA_DIR",
        default_value = "./bosun-data"
    )]
    pub data_dir: PathBuf,
    /// A postgres:// URL switches storage to PostgreSQL; default is SQLite in the data dir.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The master key file (32 bytes or 64 hex digits) that seals stored secrets.
    /// Default: <data-dir>/keys/master.key, created on first start. Replicas sharing a
    /// PostgreSQL database must share this key.
    #[arg(long, global = true, env = "BOSUN_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Overrides the 12-digit account id chosen at first start.
    #[arg(long, global = true, env = "BOSUN_ACCOUNT_ID")]
    pub account_id: Option<String>,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on (console, AWS API and agents share it).
    #[arg(long, env = "BOSUN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The URL users reach the console at. `https://` makes session cookies Secure.
    #[arg(long, env = "BOSUN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Console sessions end after this many minutes without a request.
    #[arg(long, env = "BOSUN_SESSION_IDLE_MINUTES", default_value_t = 60)]
    pub session_idle_minutes: i64,
    /// When set, GET /metrics requires `Authorization: Bearer <token>`.
    #[arg(long, env = "BOSUN_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve console assets (pkg/) from this folder instead of those built into the
    /// binary (development: `cargo xtask watch`).
    #[arg(long, env = "BOSUN_SITE_DIR")]
    pub site_dir: Option<PathBuf>,
    #[arg(long, env = "BOSUN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// The bosun-agent binary that `/agent/install.sh` installs on nodes (default:
    /// `bosun-agent` next to this program). It must be built for this server's
    /// architecture.
    #[arg(long, env = "BOSUN_AGENT_BINARY")]
    pub agent_binary: Option<PathBuf>,
    /// POST notifications (parameter policies firing, …) to this URL as JSON, with
    /// retries. `https://` trusts the system's CA store (or `SSL_CERT_FILE`).
    #[arg(long, env = "BOSUN_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// Signs webhook requests: `X-Bosun-Signature: v1=<hex HMAC-SHA256 of
    /// "<X-Bosun-Timestamp>.<body>">`. Prefer the environment variable to the flag.
    #[arg(long, env = "BOSUN_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<Redacted>,
    /// The agent link's timing (not a flag: tests shorten it).
    #[arg(skip)]
    pub link_timings: crate::link::LinkTimings,
}

impl ServeArgs {
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// The first admin's password on first start (read once, never logged).
pub const ADMIN_PASSWORD_ENV: &str = "BOSUN_ADMIN_PASSWORD";

/// A secret given on the command line or in the environment: `Debug` never shows it.
#[derive(Clone)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Redacted {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Redacted(s.to_string()))
    }
}
