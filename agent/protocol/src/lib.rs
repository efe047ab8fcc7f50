//! The agent link: messages between `bosun-agent` and the server over one WebSocket
//! (`GET /agent/ws`), as JSON text frames. Defined once, here, and compiled by both.
//!
//! Every connection starts with the agent's [`AgentMessage::Hello`]; the server answers
//! [`ServerMessage::Welcome`] with a fresh challenge. Then exactly one of:
//! - **registration**: [`AgentMessage::Register`] with an activation id and code and
//!   the node's new Ed25519 public key → [`ServerMessage::Registered`] with the managed
//!   instance id; the connection then closes.
//! - **session**: [`AgentMessage::Authenticate`] with the instance id and the node's
//!   signature over [`auth_payload`] → [`ServerMessage::Authenticated`]; then
//!   [`AgentMessage::InstanceInfo`] and periodic [`AgentMessage::Heartbeat`]s.
//!
//! Anything else before authentication, an unknown message type, a frame over
//! [`MAX_FRAME_BYTES`], or a protocol version the other side does not speak ends the
//! connection with [`ServerMessage::Error`]. Adding a message type or an optional field
//! keeps the version; changing the meaning of one bumps [`PROTOCOL_VERSION`].

use serde::{Deserialize, Serialize};

pub mod exec;
pub use exec::{InvocationResult, OutputChunk, RunInvocation};

/// The protocol version both sides speak.
pub const PROTOCOL_VERSION: u32 = 1;
/// Where the server accepts agent connections.
pub const WS_PATH: &str = "/agent/ws";
/// The largest frame either side accepts (text, bytes).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Challenges are this many random bytes (hex on the wire).
pub const CHALLENGE_BYTES: usize = 32;
/// Bounds on node-reported strings, so hostile agents cannot bloat the database.
pub const MAX_INFO_FIELD_CHARS: usize = 256;
pub const MAX_IP_ADDRESSES: usize = 64;
pub const MAX_IP_ADDRESS_CHARS: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentMessage {
    Hello {
        protocol: u32,
        agent_version: String,
    },
    Register {
        activation_id: String,
        activation_code: String,
        /// Ed25519 public key, 32 bytes, hex.
        public_key: String,
        /// The node's name; the activation's default name when absent.
        #[serde(default)]
        name: Option<String>,
    },
    Authenticate {
        instance_id: String,
        /// Ed25519 signature (64 bytes, hex) over [`auth_payload`].
        signature: String,
    },
    InstanceInfo(InstanceInfo),
    Heartbeat {
        seq: u64,
    },
    /// The invocation is journaled and its first step is starting.
    InvocationStarted {
        invocation_id: String,
    },
    Output(OutputChunk),
    /// The invocation ended (also the answer to a `Run` of an invocation that already
    /// ended on this node: it is never run twice).
    InvocationFinished(InvocationResult),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// No deny_unknown_fields here: a newer server may add optional fields that older
// agents must be able to ignore. (The server is strict about what agents send.)
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Welcome {
        protocol: u32,
        /// [`CHALLENGE_BYTES`] random bytes, hex.
        challenge: String,
    },
    Registered {
        instance_id: String,
    },
    Authenticated {
        instance_id: String,
        /// How often the agent sends a heartbeat.
        heartbeat_seconds: u32,
    },
    HeartbeatAck {
        seq: u64,
    },
    /// Run an invocation (or report it, if this node has seen the id before).
    Run(RunInvocation),
    /// Stop a running invocation: its process group is killed.
    Cancel {
        invocation_id: String,
    },
    /// The server stored every output chunk up to `seq`.
    OutputAck {
        invocation_id: String,
        seq: u64,
    },
    /// The server stored the invocation's result and all its output: the agent may
    /// drop its spool (it keeps the id, so the invocation is never run again).
    FinishedAck {
        invocation_id: String,
    },
    /// The connection ends after this. `code` is stable (see [`ErrorCode`]).
    Error {
        code: ErrorCode,
        message: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not a message of this protocol (or too large).
    BadMessage,
    /// The versions do not match.
    UnsupportedProtocol,
    /// Unknown activation id (AWS: InvalidActivationId).
    InvalidActivationId,
    /// Wrong code, expired or exhausted activation (AWS: InvalidActivation).
    InvalidActivation,
    /// Unknown instance, bad signature, or deregistered node: do not retry.
    AuthenticationFailed,
    /// A newer connection of the same node took over.
    Superseded,
    /// The server is shutting down or failed; retry later.
    Unavailable,
}

impl ErrorCode {
    /// Whether an agent should stop retrying (its credentials will never work).
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            ErrorCode::AuthenticationFailed
                | ErrorCode::InvalidActivation
                | ErrorCode::InvalidActivationId
        )
    }
}

/// What a node reports about itself after authenticating.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceInfo {
    pub hostname: String,
    pub computer_name: String,
    pub ip_addresses: Vec<String>,
    /// e.g. "Debian GNU/Linux"
    pub platform_name: String,
    /// e.g. "12"
    pub platform_version: String,
    /// "Linux" (SSM's PlatformType).
    pub platform_type: String,
    pub kernel: String,
    pub architecture: String,
    pub agent_version: String,
}

impl InstanceInfo {
    /// Cuts every field to the protocol's bounds (the server stores what it gets).
    pub fn bounded(mut self) -> Self {
        for f in [
            &mut self.hostname,
            &mut self.computer_name,
            &mut self.platform_name,
            &mut self.platform_version,
            &mut self.platform_type,
            &mut self.kernel,
            &mut self.architecture,
            &mut self.agent_version,
        ] {
            if f.chars().count() > MAX_INFO_FIELD_CHARS {
                *f = f.chars().take(MAX_INFO_FIELD_CHARS).collect();
            }
        }
        self.ip_addresses.truncate(MAX_IP_ADDRESSES);
        for ip in &mut self.ip_addresses {
            if ip.chars().count() > MAX_IP_ADDRESS_CHARS {
                *ip = ip.chars().take(MAX_IP_ADDRESS_CHARS).collect();
            }
        }
        self
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("not a message of this protocol: {0}")]
    Malformed(String),
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ProtocolError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(ProtocolError::TooLarge(text.len()));
    }
    serde_json::from_str(text).map_err(|e| {
        // The message may quote the input: cut it by characters, never inside one.
        ProtocolError::Malformed(e.to_string().chars().take(200).collect())
    })
}

pub fn decode_agent_message(text: &str) -> Result<AgentMessage, ProtocolError> {
    decode(text)
}

pub fn decode_server_message(text: &str) -> Result<ServerMessage, ProtocolError> {
    decode(text)
}

/// Serializes a message (these types always serialize).
pub fn encode<T: Serialize>(message: &T) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

/// The bytes a node signs to authenticate: domain-separated, bound to its instance id
/// and to this connection's challenge, so a signature cannot be replayed elsewhere.
pub fn auth_payload(instance_id: &str, challenge_hex: &str) -> Vec<u8> {
    format!("bosun-agent-auth-v{PROTOCOL_VERSION}\n{instance_id}\n{challenge_hex}").into_bytes()
}

/// Whether `id` is a managed instance id as SSM forms them: `mi-` and 17 hex digits.
pub fn is_managed_instance_id(id: &str) -> bool {
    id.len() == 20
        && id.starts_with("mi-")
        && id[3..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let msgs = vec![
            AgentMessage::Hello {
                protocol: 1,
                agent_version: "0.1.0".into(),
            },
            AgentMessage::Register {
                activation_id: "a".into(),
                activation_code: "c".into(),
                public_key: "00".into(),
                name: Some("web-1".into()),
            },
            AgentMessage::Authenticate {
                instance_id: "mi-0123456789abcdef0".into(),
                signature: "ff".into(),
            },
            AgentMessage::InstanceInfo(InstanceInfo {
                hostname: "h".into(),
                ..Default::default()
            }),
            AgentMessage::Heartbeat { seq: 7 },
        ];
        for m in msgs {
            assert_eq!(decode_agent_message(&encode(&m)), Ok(m));
        }
        let s = ServerMessage::Error {
            code: ErrorCode::Superseded,
            message: "newer".into(),
        };
        assert_eq!(decode_server_message(&encode(&s)), Ok(s));
    }

    #[test]
    fn hostile_frames_are_refused() {
        // An error that quotes multi-byte input is cut on a character boundary (a cut
        // at byte 200 would fall inside an "é" here and panic).
        let long_variant = format!(r#"{{"type":"{}"}}"#, "é".repeat(300));
        assert!(matches!(
            decode_agent_message(&long_variant),
            Err(ProtocolError::Malformed(_))
        ));
        let big = format!(
            "{{\"type\":\"heartbeat\",\"seq\":1,\"pad\":\"{}\"}}",
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert!(matches!(
            decode_agent_message(&big),
            Err(ProtocolError::TooLarge(_))
        ));
        for bad in [
            "",
            "null",
            "{}",
            "{\"type\":\"launch_missiles\"}",
            "{\"type\":\"heartbeat\"}",
            "{\"type\":\"heartbeat\",\"seq\":-1}",
            "{\"type\":\"heartbeat\",\"seq\":1,\"extra\":true}",
            "[1,2,3]",
            "{\"type\":\"hello\",\"protocol\":\"1\",\"agent_version\":\"x\"}",
        ] {
            assert!(
                matches!(decode_agent_message(bad), Err(ProtocolError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn managed_instance_ids() {
        assert!(is_managed_instance_id("mi-0123456789abcdef0"));
        for bad in [
            "mi-0123456789abcdef",
            "mi-0123456789ABCDEF0",
            "i-0123456789abcdef01",
            "mi-0123456789abcdefg",
        ] {
            assert!(!is_managed_instance_id(bad), "{bad}");
        }
    }

    #[test]
    fn info_is_bounded() {
        let info = InstanceInfo {
            hostname: "h".repeat(1000),
            ip_addresses: vec!["1.1.1.1".into(); 100],
            ..Default::default()
        }
        .bounded();
        assert_eq!(info.hostname.chars().count(), MAX_INFO_FIELD_CHARS);
        assert_eq!(info.ip_addresses.len(), MAX_IP_ADDRESSES);
    }

    #[test]
    fn auth_payload_binds_instance_and_challenge() {
        assert_ne!(auth_payload("mi-a", "00"), auth_payload("mi-b", "00"));
        assert_ne!(auth_payload("mi-a", "00"), auth_payload("mi-a", "01"));
    }
}
