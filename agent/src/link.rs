//! The link: one WebSocket to the server carrying [`bosun_protocol`] messages.
//!
//! [`Link`] owns the framing: JSON text frames in, [`ServerMessage`]s out, no frame over
//! [`MAX_FRAME_BYTES`] accepted (tungstenite refuses it before buffering it whole). Pings
//! are answered by tungstenite while the link is being read, so a session must keep
//! reading. TLS is rustls with the ring provider; the server is verified against the
//! webpki roots, or only against the CA of `--ca-file` when one is given.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bosun_protocol::{
    decode_server_message, encode, AgentMessage, ServerMessage, MAX_FRAME_BYTES, PROTOCOL_VERSION,
    WS_PATH,
};
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{printable, AgentError};

/// How long opening a connection (TCP, TLS and the WebSocket upgrade) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server may take to answer a step of the handshake.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a polite close waits for the server's Close reply.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Frames fed together are written once this many bytes are buffered, or at the flush.
const WRITE_TOGETHER: usize = 16 * 1024;

/// The WebSocket URL of the agent endpoint for a server URL. `http(s)://host[:port][/prefix]`
/// maps to `ws(s)://host[:port][/prefix]/agent/ws`; `ws(s)://` URLs are taken as they are,
/// with the endpoint's path added unless they already end with it. Credentials, queries
/// and fragments are refused: none has a meaning here, and a URL is logged and stored.
pub(crate) fn ws_url(server: &str) -> Result<String, AgentError> {
    let invalid = |reason| AgentError::InvalidServerUrl {
        url: printable(server, 200),
        reason,
    };
    let (scheme, rest) = server
        .split_once("://")
        .ok_or_else(|| invalid("it must start with http://, https://, ws:// or wss://"))?;
    let ws_scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(invalid("the scheme must be http, https, ws or wss")),
    };
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("it contains spaces or control characters"));
    }
    if rest.contains(['?', '#']) {
        return Err(invalid("it must not have a query or a fragment"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(invalid("it has no host"));
    }
    if authority.contains('@') {
        return Err(invalid("it must not carry credentials"));
    }
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(WS_PATH).unwrap_or(path);
    Ok(format!("{ws_scheme}://{authority}{path}{WS_PATH}"))
}

/// The TLS client configuration: rustls with the ring provider, trusting the webpki
/// roots, or only the certificates in `ca_file` (PEM) when given.
pub(crate) fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, AgentError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| AgentError::Tls(format!("{}: {e}", path.display())))?;
            for cert in certs {
                let cert = cert.map_err(|e| AgentError::Tls(format!("{}: {e}", path.display())))?;
                roots
                    .add(cert)
                    .map_err(|e| AgentError::Tls(format!("{}: {e}", path.display())))?;
            }
            if roots.is_empty() {
                return Err(AgentError::Tls(format!(
                    "{}: no certificate in the file",
                    path.display()
                )));
            }
        }
    }
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| AgentError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

/// What one read of the link produced.
#[derive(Debug)]
pub(crate) enum Incoming {
    Message(ServerMessage),
    /// A frame that is not a message of this protocol version (a binary frame, or a
    /// message type a newer server added); the reason, without the frame's contents.
    Undecodable(String),
}

pub(crate) struct Link {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Link {
    /// Opens the WebSocket (TCP, TLS for `wss://`, upgrade), within [`CONNECT_TIMEOUT`].
    pub(crate) async fn connect(url: &str, tls: &Arc<ClientConfig>) -> Result<Link, AgentError> {
        // Small buffers keep an idle agent small. Frames written together
        // ([`send_all`](Self::send_all)) share writes up to `WRITE_TOGETHER` bytes.
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES))
            .read_buffer_size(8 * 1024)
            .write_buffer_size(WRITE_TOGETHER);
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            url,
            Some(config),
            true,
            Some(tokio_tungstenite::Connector::Rustls(tls.clone())),
        );
        match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Err(_) => Err(AgentError::Timeout("connecting to the server")),
            Ok(Err(e)) => Err(network_error(e)),
            Ok(Ok((ws, _response))) => Ok(Link { ws }),
        }
    }

    pub(crate) async fn send(&mut self, message: &AgentMessage) -> Result<(), AgentError> {
        self.send_all(std::slice::from_ref(message)).await
    }

    /// Several messages, in order, in as few writes as they fit (then flushed): a
    /// quick command's Started, output and result usually leave together.
    pub(crate) async fn send_all(&mut self, messages: &[AgentMessage]) -> Result<(), AgentError> {
        for message in messages {
            self.ws
                .feed(Message::text(encode(message)))
                .await
                .map_err(network_error)?;
        }
        self.ws.flush().await.map_err(network_error)
    }

    /// The next protocol frame. Control frames are handled here; the end of the stream
    /// is [`AgentError::Closed`]. Cancel-safe (a partly read frame stays buffered).
    pub(crate) async fn recv(&mut self) -> Result<Incoming, AgentError> {
        loop {
            let frame = match self.ws.next().await {
                None => return Err(AgentError::Closed(String::new())),
                Some(Err(e)) => return Err(network_error(e)),
                Some(Ok(frame)) => frame,
            };
            return Ok(match frame {
                Message::Text(text) => match decode_server_message(&text) {
                    Ok(message) => Incoming::Message(message),
                    Err(e) => Incoming::Undecodable(printable(&e.to_string(), 200)),
                },
                Message::Binary(_) => Incoming::Undecodable("a binary frame".into()),
                Message::Close(frame) => return Err(AgentError::Closed(describe_close(frame))),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            });
        }
    }

    /// The opening every connection shares: `Hello` → `Welcome`. Returns the challenge.
    pub(crate) async fn hello(&mut self) -> Result<String, AgentError> {
        self.send(&AgentMessage::Hello {
            protocol: PROTOCOL_VERSION,
            agent_version: env!("CARGO_PKG_VERSION").to_string(),
        })
        .await?;
        match self.reply("waiting for the server's welcome").await? {
            ServerMessage::Welcome {
                protocol,
                challenge,
            } if protocol == PROTOCOL_VERSION => Ok(challenge),
            ServerMessage::Welcome { protocol, .. } => Err(AgentError::Protocol(format!(
                "the server speaks protocol {protocol}, this agent {PROTOCOL_VERSION}"
            ))),
            other => Err(unexpected(&other)),
        }
    }

    /// The server's answer to a handshake step, within [`REPLY_TIMEOUT`]. A server
    /// `Error` becomes [`AgentError::Rejected`]; a frame that is not a message is a
    /// protocol error here (before authentication nothing new may appear).
    pub(crate) async fn reply(
        &mut self,
        waiting_for: &'static str,
    ) -> Result<ServerMessage, AgentError> {
        match tokio::time::timeout(REPLY_TIMEOUT, self.recv()).await {
            Err(_) => Err(AgentError::Timeout(waiting_for)),
            Ok(Err(e)) => Err(e),
            Ok(Ok(Incoming::Undecodable(reason))) => Err(AgentError::Protocol(reason)),
            Ok(Ok(Incoming::Message(ServerMessage::Error { code, message }))) => {
                Err(AgentError::rejected(code, &message))
            }
            Ok(Ok(Incoming::Message(message))) => Ok(message),
        }
    }

    /// Ends the connection politely: a Close frame, then the server's reply, waited for
    /// at most [`CLOSE_TIMEOUT`]. Errors are ignored: the connection is over either way.
    pub(crate) async fn close(mut self) {
        let closing = async {
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            };
            if self.ws.close(Some(frame)).await.is_ok() {
                while let Some(Ok(_)) = self.ws.next().await {}
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
    }
}

/// A message the server should not have sent at this point, named by its type only.
pub(crate) fn unexpected(message: &ServerMessage) -> AgentError {
    let kind = match message {
        ServerMessage::Welcome { .. } => "welcome",
        ServerMessage::Registered { .. } => "registered",
        ServerMessage::Authenticated { .. } => "authenticated",
        ServerMessage::HeartbeatAck { .. } => "heartbeat_ack",
        ServerMessage::Run(_) => "run",
        ServerMessage::Cancel { .. } => "cancel",
        ServerMessage::OutputAck { .. } => "output_ack",
        ServerMessage::FinishedAck { .. } => "finished_ack",
        ServerMessage::Error { .. } => "error",
    };
    AgentError::Protocol(format!("unexpected {kind} message"))
}

fn network_error(e: tungstenite::Error) -> AgentError {
    match e {
        tungstenite::Error::Capacity(e) => {
            AgentError::Protocol(format!("the server sent an oversized frame: {e}"))
        }
        tungstenite::Error::Http(response) => AgentError::Network(format!(
            "the server answered the upgrade with HTTP {}",
            response.status()
        )),
        e => AgentError::Network(printable(&e.to_string(), 300)),
    }
}

fn describe_close(frame: Option<CloseFrame>) -> String {
    match frame {
        None => String::new(),
        Some(f) if f.reason.is_empty() => format!(" ({})", u16::from(f.code)),
        Some(f) => format!(" ({}: {})", u16::from(f.code), printable(&f.reason, 120)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_map_to_the_agent_endpoint() {
        for (server, expected) in [
            ("http://bosun:8080", "ws://bosun:8080/agent/ws"),
            ("https://bosun.example", "wss://bosun.example/agent/ws"),
            ("https://bosun.example/", "wss://bosun.example/agent/ws"),
            (
                "HTTPS://Bosun.example:8443",
                "wss://Bosun.example:8443/agent/ws",
            ),
            ("https://h/prefix/", "wss://h/prefix/agent/ws"),
            ("ws://127.0.0.1:9000", "ws://127.0.0.1:9000/agent/ws"),
            ("wss://h:1/agent/ws", "wss://h:1/agent/ws"),
            ("wss://h:1/agent/ws/", "wss://h:1/agent/ws"),
            ("http://[::1]:8080", "ws://[::1]:8080/agent/ws"),
        ] {
            assert_eq!(ws_url(server).unwrap(), expected, "{server}");
        }
        for bad in [
            "",
            "bosun:8080",
            "ftp://bosun",
            "http://",
            "http:///agent",
            "http://user:pw@bosun",
            "http://bosun/?x=1",
            "http://bosun/#top",
            "http://bo sun",
            "http://bosun\n",
        ] {
            assert!(
                matches!(ws_url(bad), Err(AgentError::InvalidServerUrl { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tls_trusts_webpki_roots_or_only_the_given_ca() {
        assert!(tls_config(None).is_ok());

        let tmp = crate::state::tests::TempDir::new("ca");
        let missing = tmp.path().join("missing.pem");
        assert!(matches!(
            tls_config(Some(&missing)),
            Err(AgentError::Tls(_))
        ));
        let empty = tmp.path().join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();
        assert!(matches!(tls_config(Some(&empty)), Err(AgentError::Tls(_))));

        let ca = crate::tests::fake_server::TestCa::new();
        let pem = tmp.path().join("ca.pem");
        std::fs::write(&pem, ca.cert_pem()).unwrap();
        assert!(tls_config(Some(&pem)).is_ok());
    }
}
