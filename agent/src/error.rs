//! The agent's one error type, [`AgentError`], and which of its kinds end the agent.
//!
//! The run loop retries every error that is not [`permanent`](AgentError::is_permanent):
//! network failures, time-outs, protocol surprises and the server's transient refusals
//! (`superseded`, `unavailable`). A permanent error means retrying cannot help (missing or
//! corrupt state, bad configuration, credentials the server refuses); the agent stops and
//! says why.

use std::path::PathBuf;
use std::time::Duration;

use bosun_protocol::ErrorCode;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    #[error(
        "{} already holds the registration of {instance_id}; pass --force to register again",
        state_dir.display()
    )]
    AlreadyRegistered {
        state_dir: PathBuf,
        instance_id: String,
    },

    #[error(
        "this node is not registered: no {} (run `bosun-agent register` first)",
        .0.display()
    )]
    NotRegistered(PathBuf),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: {reason}", path.display())]
    CorruptState { path: PathBuf, reason: String },

    #[error("invalid server URL {url:?}: {reason}")]
    InvalidServerUrl { url: String, reason: &'static str },

    #[error("TLS setup: {0}")]
    Tls(String),

    #[error("network: {0}")]
    Network(String),

    #[error("timed out {0}")]
    Timeout(&'static str),

    #[error("protocol error: {0}")]
    Protocol(String),

    #[error("{}", describe_rejection(*code, message))]
    Rejected { code: ErrorCode, message: String },

    #[error("no heartbeat acknowledged within {0:?}; the connection is presumed dead")]
    HeartbeatTimeout(Duration),

    #[error("the server closed the connection{0}")]
    Closed(String),
}

impl AgentError {
    /// Whether retrying cannot help: the agent stops instead of reconnecting.
    pub fn is_permanent(&self) -> bool {
        match self {
            AgentError::AlreadyRegistered { .. }
            | AgentError::NotRegistered(_)
            | AgentError::Io { .. }
            | AgentError::CorruptState { .. }
            | AgentError::InvalidServerUrl { .. }
            | AgentError::Tls(_) => true,
            AgentError::Rejected { code, .. } => code.is_permanent(),
            AgentError::Network(_)
            | AgentError::Timeout(_)
            | AgentError::Protocol(_)
            | AgentError::HeartbeatTimeout(_)
            | AgentError::Closed(_) => false,
        }
    }

    /// The server's error code, when the server refused.
    pub fn rejection_code(&self) -> Option<ErrorCode> {
        match self {
            AgentError::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AgentError::Io {
            path: path.into(),
            source,
        }
    }

    /// A refusal from the server; its text is foreign input, so it is made printable.
    pub(crate) fn rejected(code: ErrorCode, message: &str) -> Self {
        AgentError::Rejected {
            code,
            message: printable(message, 300),
        }
    }
}

fn describe_rejection(code: ErrorCode, message: &str) -> String {
    let what = match code {
        ErrorCode::AuthenticationFailed => {
            "the server refused this node's credentials (was the node deregistered? \
             register it again)"
        }
        ErrorCode::InvalidActivationId => "the server does not know this activation id",
        ErrorCode::InvalidActivation => {
            "the activation was refused (wrong code, expired, or its registration limit \
             is reached)"
        }
        ErrorCode::UnsupportedProtocol => "the server does not speak this agent's protocol",
        ErrorCode::BadMessage => "the server did not understand a message",
        ErrorCode::Superseded => "a newer connection of this node took over",
        ErrorCode::Unavailable => "the server is unavailable",
    };
    if message.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {message}")
    }
}

/// Text from the other side, cut to `max` characters and with control characters
/// replaced, so it cannot forge log lines or drive a terminal.
pub(crate) fn printable(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanence_follows_the_server_codes() {
        for (code, permanent) in [
            (ErrorCode::AuthenticationFailed, true),
            (ErrorCode::InvalidActivation, true),
            (ErrorCode::InvalidActivationId, true),
            (ErrorCode::Superseded, false),
            (ErrorCode::Unavailable, false),
            (ErrorCode::BadMessage, false),
            (ErrorCode::UnsupportedProtocol, false),
        ] {
            assert_eq!(
                AgentError::rejected(code, "x").is_permanent(),
                permanent,
                "{code:?}"
            );
        }
        assert!(!AgentError::Network("refused".into()).is_permanent());
        assert!(!AgentError::HeartbeatTimeout(Duration::from_secs(2)).is_permanent());
        assert!(AgentError::NotRegistered("/x".into()).is_permanent());
    }

    #[test]
    fn server_text_is_made_printable() {
        let e = AgentError::rejected(ErrorCode::AuthenticationFailed, "bad\u{1b}[31m\nsig");
        let shown = e.to_string();
        assert!(shown.contains("deregistered"), "{shown}");
        assert!(shown.ends_with("bad?[31m?sig"), "{shown}");
        assert_eq!(printable(&"é".repeat(500), 300).chars().count(), 300);
    }
}
