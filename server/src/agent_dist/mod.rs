//! Agent distribution: `GET /agent/install.sh` and `GET /agent/download/<file>`.
//!
//! A node enrols with one line:
//! `curl -fsSL http://SERVER/agent/install.sh | sudo sh -s -- --id ID --code CODE`.
//! The script (`install.sh`, a template filled in per request) downloads the agent
//! binary from this server, checks its SHA-256, registers with the activation and
//! installs a systemd unit. Both routes are public: a node has no session, and the
//! activation code, not the download, is the secret.
//!
//! The server offers the agent for its own architecture: the `bosun-agent` binary
//! next to `bosun` (as `cargo xtask build` and a release archive leave them) or the
//! file `--agent-binary` names. Its checksum is taken once at start.

use crate::web::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const TEMPLATE: &str = include_str!("install.sh");

/// The agent binary this server hands out.
#[derive(Debug)]
pub struct AgentBinary {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

/// The architecture nodes must have (`uname -m` spelling, which Rust's matches on
/// Linux for the architectures we build).
pub fn arch() -> &'static str {
    std::env::consts::ARCH
}

/// The download's file name.
pub fn file_name() -> String {
    format!("bosun-agent-linux-{}", arch())
}

impl AgentBinary {
    /// Finds and checksums the agent binary: `configured`, else `bosun-agent` next to
    /// the running program. `None` (with a warning) when there is none.
    pub fn locate(configured: Option<PathBuf>) -> Option<AgentBinary> {
        let explicit = configured.is_some();
        let path = configured.or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|d| d.join("bosun-agent")))
        })?;
        match std::fs::read(&path) {
            Ok(bytes) => Some(AgentBinary {
                sha256: hex::encode(Sha256::digest(&bytes)),
                size: bytes.len() as u64,
                path,
            }),
            Err(e) => {
                if explicit {
                    tracing::error!(path = %path.display(), error = %e, "the agent binary cannot be read; /agent/install.sh will refuse to install");
                } else {
                    tracing::warn!(path = %path.display(), "no bosun-agent next to this program; /agent/install.sh will refuse to install (build it, or pass --agent-binary)");
                }
                None
            }
        }
    }
}

/// The URL nodes reach this server at: `--public-url`, else the request's Host (only
/// a plain host[:port] is accepted, since it is written into a shell script).
fn server_url(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(url) = &state.public_url {
        return Some(url.trim_end_matches('/').to_string());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !plain {
        return None;
    }
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    Some(format!("{}://{host}", if https { "https" } else { "http" }))
}

/// A URL that is safe inside single quotes in the script.
fn safe_in_script(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://"))
        && url.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'/' | b'[' | b']' | b'_')
        })
}

/// The script for this server, or why there is none.
pub fn render(server: &str, agent: Option<&AgentBinary>) -> Result<String, String> {
    let Some(agent) = agent else {
        return Err(format!(
            "this Bosun server has no agent binary to offer for {} (start it with --agent-binary, or put bosun-agent next to bosun)",
            arch()
        ));
    };
    if !safe_in_script(server) {
        return Err("this server's public URL cannot be written into the install script".into());
    }
    Ok(TEMPLATE
        .replace("@SERVER@", server)
        .replace("@ARCH@", arch())
        .replace("@SHA256@", &agent.sha256)
        .replace("@VERSION@", env!("CARGO_PKG_VERSION")))
}

/// A script that only says why it cannot install: `curl | sh` shows a message and
/// fails, rather than running nothing silently.
fn failing_script(why: &str) -> String {
    let quoted = why.replace('\'', "'\\''");
    format!("#!/bin/sh\necho 'bosun-agent install: {quoted}' >&2\nexit 1\n")
}

fn script_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/x-shellscript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

pub async fn install_script(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(server) = server_url(&state, &headers) else {
        return script_response(
            StatusCode::BAD_REQUEST,
            failing_script("the request's Host header is not a plain host name; set --public-url on the server"),
        );
    };
    match render(&server, state.agent_binary.as_deref()) {
        Ok(script) => script_response(StatusCode::OK, script),
        Err(why) => script_response(StatusCode::OK, failing_script(&why)),
    }
}

pub async fn download(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(agent) = state.agent_binary.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            "this server has no agent binary to offer\n",
        )
            .into_response();
    };
    if file != file_name() {
        return (
            StatusCode::NOT_FOUND,
            format!("this server offers {} only\n", file_name()),
        )
            .into_response();
    }
    let f = match tokio::fs::File::open(&agent.path).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(path = %agent.path.display(), error = %e, "agent binary unreadable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the agent binary is unavailable\n",
            )
                .into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, agent.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file_name()),
            ),
            (
                header::HeaderName::from_static("x-checksum-sha256"),
                agent.sha256.clone(),
            ),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(f)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> AgentBinary {
        AgentBinary {
            path: PathBuf::from("/nonexistent"),
            sha256: "ab".repeat(32),
            size: 1,
        }
    }

    #[test]
    fn the_script_is_filled_in_and_hostile_urls_are_refused() {
        let s = render("http://bosun.example:8080", Some(&agent())).expect("script");
        assert!(s.contains("SERVER='http://bosun.example:8080'"));
        assert!(s.contains(&format!("ARCH='{}'", arch())));
        assert!(s.contains(&format!("SHA256='{}'", "ab".repeat(32))));
        for placeholder in ["@SERVER@", "@ARCH@", "@SHA256@", "@VERSION@"] {
            assert!(!s.contains(placeholder), "{placeholder} is filled in");
        }
        assert!(render("http://x'; rm -rf / #", Some(&agent())).is_err());
        assert!(render("ftp://x", Some(&agent())).is_err());
        assert!(render("http://x", None).is_err());
    }

    #[test]
    fn a_failing_script_quotes_its_message() {
        let s = failing_script("it's broken");
        assert!(s.contains("it'\\''s broken'"), "{s}");
    }
}
