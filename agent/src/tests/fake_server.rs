//! The server side of the agent protocol, just enough to test the agent against: one
//! activation, Ed25519 verification of `Authenticate`, heartbeat acks, and knobs to drop
//! connections, refuse, stay silent, or forget a node. It reports what it sees as
//! [`ServerEvent`]s so tests wait on events rather than on time.
//!
//! Run Command: [`FakeServer::send`] pushes any message (`Run`, `Cancel`, acks) to the
//! node's current connection; `InvocationStarted`, `Output` and `InvocationFinished`
//! come back as events, and [`FakeServer::set_auto_ack`] makes it acknowledge every
//! chunk as it arrives, as the real server does once a chunk is stored.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosun_protocol::{
    auth_payload, decode_agent_message, encode, AgentMessage, ErrorCode, InstanceInfo,
    InvocationResult, OutputChunk, ServerMessage, CHALLENGE_BYTES, MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
};
use ed25519_dalek::{Signature, VerifyingKey};
use futures_util::{SinkExt, StreamExt};
use rand::RngCore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub(crate) const ACTIVATION_ID: &str = "8a3b3c1e-7f2d-4c55-9a0e-2b7d5f0c9e11";
pub(crate) const ACTIVATION_CODE: &str = "s3cret-Activation-Code-0123456789";

/// How the server treats the next connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    /// Answer every `Hello` with `Error{unavailable}`.
    Unavailable,
    /// Authenticate, then never acknowledge a heartbeat.
    Silent,
    /// Authenticate, then send a frame over the protocol's size limit.
    Oversized,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ServerEvent {
    Registered {
        instance_id: String,
        public_key: String,
        name: Option<String>,
    },
    Authenticated {
        instance_id: String,
    },
    Info(InstanceInfo),
    Heartbeat {
        seq: u64,
    },
    Refused(ErrorCode),
    /// The agent sent a Close frame.
    AgentClosed,
    Started {
        invocation_id: String,
    },
    Output(OutputChunk),
    Finished(InvocationResult),
}

struct Shared {
    heartbeat_seconds: u32,
    mode: Mutex<Mode>,
    nodes: Mutex<HashMap<String, VerifyingKey>>,
    next_id: AtomicU64,
    /// Bumped to make every open connection drop (as if the server died).
    kick: watch::Sender<u64>,
    events: mpsc::UnboundedSender<ServerEvent>,
    /// The latest authenticated connection's queue of messages to the node.
    outbox: Mutex<Option<mpsc::UnboundedSender<ServerMessage>>>,
    /// Acknowledge every output chunk as it arrives.
    auto_ack: AtomicBool,
}

pub(crate) struct FakeServer {
    pub(crate) addr: SocketAddr,
    pub(crate) events: mpsc::UnboundedReceiver<ServerEvent>,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.accept.abort();
        self.kick();
    }
}

impl FakeServer {
    /// Listens on 127.0.0.1:0, plain or (with `tls`) TLS.
    pub(crate) async fn start(
        heartbeat_seconds: u32,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (events_tx, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            heartbeat_seconds,
            mode: Mutex::new(Mode::Normal),
            nodes: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0x1_0000),
            kick: watch::channel(0).0,
            events: events_tx,
            outbox: Mutex::new(None),
            auto_ack: AtomicBool::new(false),
        });
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let accept_shared = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let shared = accept_shared.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        None => {
                            if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                                serve(ws, shared).await;
                            }
                        }
                        Some(acceptor) => {
                            let Ok(tls) = acceptor.accept(tcp).await else {
                                return;
                            };
                            if let Ok(ws) = tokio_tungstenite::accept_async(tls).await {
                                serve(ws, shared).await;
                            }
                        }
                    }
                });
            }
        });
        FakeServer {
            addr,
            events,
            shared,
            accept,
        }
    }

    pub(crate) fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Drops every open connection without a Close frame.
    pub(crate) fn kick(&self) {
        self.shared.kick.send_modify(|n| *n += 1);
    }

    /// Sends a message to the node on its latest authenticated connection (false when
    /// there is none).
    pub(crate) fn send(&self, message: ServerMessage) -> bool {
        self.shared
            .outbox
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|o| o.send(message).is_ok())
    }

    /// Whether every output chunk is acknowledged (`OutputAck`) as it arrives.
    pub(crate) fn set_auto_ack(&self, on: bool) {
        self.shared.auto_ack.store(on, Ordering::Relaxed);
    }

    /// Forgets a node, as deregistration does.
    pub(crate) fn deregister(&self, instance_id: &str) {
        self.shared.nodes.lock().unwrap().remove(instance_id);
    }

    /// The next event, failing the test if none comes within 10 s (a guard against
    /// hanging, not a way to wait).
    pub(crate) async fn next_event(&mut self) -> ServerEvent {
        tokio::time::timeout(Duration::from_secs(10), self.events.recv())
            .await
            .expect("no server event within 10 s")
            .expect("server gone")
    }

    /// Skips events until one matches.
    pub(crate) async fn wait_for(&mut self, wanted: impl Fn(&ServerEvent) -> bool) -> ServerEvent {
        loop {
            let event = self.next_event().await;
            if wanted(&event) {
                return event;
            }
        }
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut ws: WebSocketStream<S>, shared: Arc<Shared>) {
    let mut kick = shared.kick.subscribe();
    tokio::select! {
        () = converse(&mut ws, &shared) => {}
        _ = kick.changed() => {}
    }
}

async fn converse<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>, shared: &Shared) {
    let send = |message: ServerMessage| Message::text(encode(&message));
    let refuse = |code: ErrorCode| {
        let _ = shared.events.send(ServerEvent::Refused(code));
        Message::text(encode(&ServerMessage::Error {
            code,
            message: format!("refused: {code:?}"),
        }))
    };

    let Some(AgentMessage::Hello { protocol, .. }) = read(ws).await else {
        return;
    };
    assert_eq!(protocol, PROTOCOL_VERSION);
    let mut challenge = [0u8; CHALLENGE_BYTES];
    rand::thread_rng().fill_bytes(&mut challenge);
    let challenge = hex::encode(challenge);
    let welcome = ServerMessage::Welcome {
        protocol: PROTOCOL_VERSION,
        challenge: challenge.clone(),
    };
    if ws.send(send(welcome)).await.is_err() {
        return;
    }
    let mode = *shared.mode.lock().unwrap();
    if mode == Mode::Unavailable {
        let _ = ws.send(refuse(ErrorCode::Unavailable)).await;
        let _ = ws.close(None).await;
        return;
    }

    match read(ws).await {
        Some(AgentMessage::Register {
            activation_id,
            activation_code,
            public_key,
            name,
        }) => {
            let reply = if activation_id != ACTIVATION_ID {
                refuse(ErrorCode::InvalidActivationId)
            } else if activation_code != ACTIVATION_CODE {
                refuse(ErrorCode::InvalidActivation)
            } else {
                let bytes: [u8; 32] = hex::decode(&public_key).unwrap().try_into().unwrap();
                let key = VerifyingKey::from_bytes(&bytes).unwrap();
                let n = shared.next_id.fetch_add(1, Ordering::Relaxed);
                let instance_id = format!("mi-{n:017x}");
                shared
                    .nodes
                    .lock()
                    .unwrap()
                    .insert(instance_id.clone(), key);
                let _ = shared.events.send(ServerEvent::Registered {
                    instance_id: instance_id.clone(),
                    public_key,
                    name,
                });
                send(ServerMessage::Registered { instance_id })
            };
            let _ = ws.send(reply).await;
            let _ = ws.close(None).await;
        }
        Some(AgentMessage::Authenticate {
            instance_id,
            signature,
        }) => {
            let key = shared.nodes.lock().unwrap().get(&instance_id).copied();
            let verified = key.is_some_and(|key| {
                let Ok(Ok(sig)) = hex::decode(&signature).map(|b| Signature::from_slice(&b)) else {
                    return false;
                };
                key.verify_strict(&auth_payload(&instance_id, &challenge), &sig)
                    .is_ok()
            });
            if !verified {
                let _ = ws.send(refuse(ErrorCode::AuthenticationFailed)).await;
                let _ = ws.close(None).await;
                return;
            }
            let authenticated = ServerMessage::Authenticated {
                instance_id: instance_id.clone(),
                heartbeat_seconds: shared.heartbeat_seconds,
            };
            if ws.send(send(authenticated)).await.is_err() {
                return;
            }
            // The outbox is in place before the test hears of the connection.
            let (outbox, outgoing) = mpsc::unbounded_channel();
            *shared.outbox.lock().unwrap() = Some(outbox);
            let _ = shared
                .events
                .send(ServerEvent::Authenticated { instance_id });
            if mode == Mode::Oversized {
                let huge = "x".repeat(MAX_FRAME_BYTES + 1);
                let _ = ws.send(Message::text(huge)).await;
            }
            session(ws, shared, mode, outgoing).await;
        }
        _ => {}
    }
}

/// After authentication: record what the agent says, ack its heartbeats (and, with
/// auto-ack, its output), and pass on what the test sends.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    shared: &Shared,
    mode: Mode,
    mut outgoing: mpsc::UnboundedReceiver<ServerMessage>,
) {
    loop {
        let frame = tokio::select! {
            frame = ws.next() => frame,
            message = outgoing.recv() => {
                let Some(message) = message else { return };
                if ws.send(Message::text(encode(&message))).await.is_err() {
                    return;
                }
                continue;
            }
        };
        match frame {
            Some(Ok(Message::Text(text))) => match decode_agent_message(&text).unwrap() {
                AgentMessage::InstanceInfo(info) => {
                    let _ = shared.events.send(ServerEvent::Info(info));
                }
                AgentMessage::Heartbeat { seq } => {
                    let _ = shared.events.send(ServerEvent::Heartbeat { seq });
                    if mode != Mode::Silent {
                        let ack = encode(&ServerMessage::HeartbeatAck { seq });
                        if ws.send(Message::text(ack)).await.is_err() {
                            return;
                        }
                    }
                }
                AgentMessage::InvocationStarted { invocation_id } => {
                    let _ = shared.events.send(ServerEvent::Started { invocation_id });
                }
                AgentMessage::Output(chunk) => {
                    let ack = ServerMessage::OutputAck {
                        invocation_id: chunk.invocation_id.clone(),
                        seq: chunk.seq,
                    };
                    let _ = shared.events.send(ServerEvent::Output(chunk));
                    if shared.auto_ack.load(Ordering::Relaxed)
                        && ws.send(Message::text(encode(&ack))).await.is_err()
                    {
                        return;
                    }
                }
                AgentMessage::InvocationFinished(result) => {
                    let _ = shared.events.send(ServerEvent::Finished(result));
                }
                other => panic!("unexpected after authentication: {other:?}"),
            },
            Some(Ok(Message::Close(_))) => {
                let _ = shared.events.send(ServerEvent::AgentClosed);
                // Keep reading so tungstenite sends the Close reply.
                while let Some(Ok(_)) = ws.next().await {}
                return;
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return,
        }
    }
}

async fn read<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
) -> Option<AgentMessage> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(text)) => return Some(decode_agent_message(&text).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// A throw-away CA and a server certificate for 127.0.0.1 signed by it.
pub(crate) struct TestCa {
    ca_pem: String,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

impl TestCa {
    pub(crate) fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Bosun agent test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "bosun test server");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = params.signed_by(&server_key, &issuer).unwrap();
        TestCa {
            ca_pem: ca_cert.pem(),
            server_cert: server_cert.der().clone(),
            server_key: server_key.serialize_der(),
        }
    }

    pub(crate) fn cert_pem(&self) -> &str {
        &self.ca_pem
    }

    pub(crate) fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![self.server_cert.clone()], key)
        .unwrap();
        Arc::new(config)
    }
}
