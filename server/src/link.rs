//! The agent link adapter: `GET /agent/ws`, one WebSocket per node, speaking
//! `bosun_protocol`. This module only moves messages; registration, authentication and
//! status are `bosun_core::nodes` services.
//!
//! Timing: the agent must say Hello and then Register or Authenticate within
//! [`HANDSHAKE_TIMEOUT`]; once authenticated the server pings every [`PING_EVERY`] and
//! closes a link that has been silent for [`SILENCE_LIMIT`] (a half-open TCP
//! connection). The silence is checked at each ping, so a link that goes dead shows
//! `ConnectionLost` within `SILENCE_LIMIT + PING_EVERY` = 25 s (the promise is 30 s); a
//! closed socket shows it at once.

use crate::web::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use bosun_core::commands::{self, engine::AgentReport};
use bosun_core::links::CutReason;
use bosun_core::nodes::{self, NodeSession};
use bosun_core::{crypto, Core, ServiceError};
use bosun_protocol::{
    decode_agent_message, encode, AgentMessage, ErrorCode, ServerMessage, CHALLENGE_BYTES,
    MAX_FRAME_BYTES, PROTOCOL_VERSION,
};
use futures_util::FutureExt as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::{timeout, Instant};

pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
pub const PING_EVERY: Duration = Duration::from_secs(5);
pub const SILENCE_LIMIT: Duration = Duration::from_secs(20);
pub const HEARTBEAT_SECONDS: u32 = 15;
/// Bytes read from a node's socket at a time.
const LINK_READ_BUFFER: usize = 4 * 1024;
/// Reports of one node read together and queued together at most (a link waiting for
/// room in the writer's queue holds them: output counts by its size).
const READ_TOGETHER: usize = 32;
const READ_TOGETHER_BYTES: usize = 16 * 1024;

/// The link's timing. Production uses the constants above; tests shorten them to
/// observe half-open detection without waiting half a minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkTimings {
    pub handshake_timeout: Duration,
    pub ping_every: Duration,
    pub silence_limit: Duration,
    pub heartbeat_seconds: u32,
}

impl Default for LinkTimings {
    fn default() -> Self {
        LinkTimings {
            handshake_timeout: HANDSHAKE_TIMEOUT,
            ping_every: PING_EVERY,
            silence_limit: SILENCE_LIMIT,
            heartbeat_seconds: HEARTBEAT_SECONDS,
        }
    }
}

pub async fn agent_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ws: WebSocketUpgrade,
) -> Response {
    let addr = peer.ip().to_string();
    let core = state.core.clone();
    let timings = state.link_timings;
    // Small buffers: an idle node costs a few KiB, not tungstenite's default 128 KiB
    // read buffer (measured by benches/agents.sh); frames are small, and each send is
    // flushed anyway.
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(LINK_READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(core, socket, addr, timings))
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    socket
        .send(Message::Text(Utf8Bytes::from(encode(message))))
        .await
        .is_ok()
}

/// Sends an error and closes: the end of every refused connection.
async fn refuse(socket: &mut WebSocket, code: ErrorCode, message: &str) {
    let _ = send(
        socket,
        &ServerMessage::Error {
            code,
            message: message.to_string(),
        },
    )
    .await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1008,
            reason: Utf8Bytes::from_static("refused"),
        })))
        .await;
}

/// The next protocol message, or why there is none.
enum Next {
    Message(AgentMessage),
    Bad(String),
    Closed,
}

async fn next_message(socket: &mut WebSocket) -> Next {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => {
                return match decode_agent_message(text.as_str()) {
                    Ok(m) => Next::Message(m),
                    Err(e) => Next::Bad(e.to_string()),
                }
            }
            Some(Ok(Message::Binary(_))) => {
                return Next::Bad("binary frames are not part of the protocol".into())
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Next::Closed,
        }
    }
}

async fn serve(core: Core, mut socket: WebSocket, addr: String, timings: LinkTimings) {
    let challenge = crypto::random_hex(CHALLENGE_BYTES);
    match timeout(timings.handshake_timeout, next_message(&mut socket)).await {
        Ok(Next::Message(AgentMessage::Hello { protocol, .. })) if protocol == PROTOCOL_VERSION => {
        }
        Ok(Next::Message(AgentMessage::Hello { protocol, .. })) => {
            return refuse(
                &mut socket,
                ErrorCode::UnsupportedProtocol,
                &format!("this server speaks protocol {PROTOCOL_VERSION}, not {protocol}"),
            )
            .await;
        }
        Ok(Next::Message(_)) => {
            return refuse(
                &mut socket,
                ErrorCode::BadMessage,
                "the first message must be hello",
            )
            .await
        }
        Ok(Next::Bad(why)) => return refuse(&mut socket, ErrorCode::BadMessage, &why).await,
        Ok(Next::Closed) => return,
        Err(_) => return refuse(&mut socket, ErrorCode::BadMessage, "no hello in time").await,
    }
    if !send(
        &mut socket,
        &ServerMessage::Welcome {
            protocol: PROTOCOL_VERSION,
            challenge: challenge.clone(),
        },
    )
    .await
    {
        return;
    }
    match timeout(timings.handshake_timeout, next_message(&mut socket)).await {
        Ok(Next::Message(AgentMessage::Register {
            activation_id,
            activation_code,
            public_key,
            name,
        })) => {
            match nodes::register_node(
                &core,
                &activation_id,
                &activation_code,
                &public_key,
                name.as_deref(),
                &addr,
            )
            .await
            {
                Ok(instance_id) => {
                    tracing::info!(%instance_id, %activation_id, %addr, "node registered");
                    let _ = send(&mut socket, &ServerMessage::Registered { instance_id }).await;
                    let _ = socket.send(Message::Close(None)).await;
                }
                Err(e) => {
                    tracing::info!(%activation_id, %addr, reason = %e.message, "registration refused");
                    refuse(&mut socket, registration_error(&e), &e.message).await;
                }
            }
        }
        Ok(Next::Message(AgentMessage::Authenticate {
            instance_id,
            signature,
        })) => match nodes::authenticate_node(&core, &instance_id, &challenge, &signature).await {
            Ok(session) => run_session(&core, socket, session, &addr, timings).await,
            Err(e) => {
                tracing::info!(%instance_id, %addr, reason = %e.message, "node authentication refused");
                refuse(&mut socket, ErrorCode::AuthenticationFailed, &e.message).await;
            }
        },
        Ok(Next::Message(_)) => {
            refuse(
                &mut socket,
                ErrorCode::BadMessage,
                "expected register or authenticate",
            )
            .await
        }
        Ok(Next::Bad(why)) => refuse(&mut socket, ErrorCode::BadMessage, &why).await,
        Ok(Next::Closed) => {}
        Err(_) => {
            refuse(
                &mut socket,
                ErrorCode::BadMessage,
                "no register or authenticate in time",
            )
            .await
        }
    }
}

fn registration_error(e: &ServiceError) -> ErrorCode {
    match e.exception {
        Some("InvalidActivationId") => ErrorCode::InvalidActivationId,
        Some("InvalidActivation") => ErrorCode::InvalidActivation,
        _ if e.kind == bosun_core::types::ErrorKind::Internal => ErrorCode::Unavailable,
        _ => ErrorCode::BadMessage,
    }
}

async fn run_session(
    core: &Core,
    mut socket: WebSocket,
    session: NodeSession,
    addr: &str,
    timings: LinkTimings,
) {
    let id = session.instance_id.clone();
    let mut link = core.links().attach(&id, session.generation);
    let mut sent_open = false;
    tracing::info!(instance_id = %id, %addr, generation = session.generation, "node online");
    let mut ping = tokio::time::interval(timings.ping_every);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let ended = if !send(
        &mut socket,
        &ServerMessage::Authenticated {
            instance_id: id.clone(),
            heartbeat_seconds: timings.heartbeat_seconds,
        },
    )
    .await
    {
        "send failed".to_string()
    } else {
        loop {
            tokio::select! {
                changed = link.cut.changed() => {
                    let reason = if changed.is_ok() { *link.cut.borrow() } else { Some(CutReason::ShuttingDown) };
                    let (code, message) = match reason {
                        Some(CutReason::Superseded) => (ErrorCode::Superseded, "a newer connection of this node took over"),
                        Some(CutReason::Deregistered) => (ErrorCode::AuthenticationFailed, "this node was deregistered"),
                        _ => (ErrorCode::Unavailable, "the server is shutting down"),
                    };
                    refuse(&mut socket, code, message).await;
                    break format!("cut: {message}");
                }
                Some(message) = link.outbox.recv() => {
                    if !send(&mut socket, &message).await {
                        break "send failed".to_string();
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() >= timings.silence_limit {
                        break "silent (half-open link)".to_string();
                    }
                    if socket.send(Message::Ping(Default::default())).await.is_err() {
                        break "ping failed".to_string();
                    }
                }
                frame = socket.recv() => {
                    last_heard = Instant::now();
                    // Frames already read with this one go on together: a quick
                    // command's Started, output and result take one place in the
                    // writer's queue (and usually one transaction).
                    let mut reports = Vec::new();
                    let mut next = Some(frame);
                    let mut end = None;
                    while let Some(frame) = next.take() {
                        if let Err(reason) = on_frame(core, &mut socket, &session, &mut sent_open, frame, &mut reports).await {
                            end = Some(reason);
                            break;
                        }
                        let bytes: usize = reports.iter().map(report_bytes).sum();
                        if reports.len() < READ_TOGETHER && bytes < READ_TOGETHER_BYTES {
                            next = socket.recv().now_or_never();
                        }
                    }
                    if !reports.is_empty() {
                        core.commands().agent_messages(&id, reports).await;
                    }
                    if let Some(reason) = end {
                        break reason;
                    }
                }
            }
        }
    };
    core.links().detach(&id, session.generation);
    if let Err(e) = nodes::link_closed(core, &session).await {
        tracing::warn!(instance_id = %id, error = %e.message, "could not record the lost link");
    }
    tracing::info!(instance_id = %id, reason = %ended, "node link ended");
}

/// About what a report weighs in memory.
fn report_bytes(report: &AgentReport) -> usize {
    match report {
        AgentReport::Output(chunk) => chunk.data.len(),
        _ => 128,
    }
}

/// One frame of an authenticated link: reports are added to `reports` (the caller
/// queues them), everything else is answered here. `Err` ends the link, with why.
async fn on_frame(
    core: &Core,
    socket: &mut WebSocket,
    session: &NodeSession,
    sent_open: &mut bool,
    frame: Option<Result<Message, axum::Error>>,
    reports: &mut Vec<AgentReport>,
) -> Result<(), String> {
    let id = &session.instance_id;
    match frame {
        Some(Ok(Message::Text(text))) => match decode_agent_message(text.as_str()) {
            Ok(AgentMessage::Heartbeat { seq }) => {
                // Stored with others within a second; a connection then found stale is
                // cut (the `link.cut` arm of the session loop).
                nodes::heartbeat(core, session);
                if !send(socket, &ServerMessage::HeartbeatAck { seq }).await {
                    return Err("send failed".to_string());
                }
            }
            Ok(AgentMessage::InstanceInfo(info)) => {
                if let Err(e) = nodes::report_instance_info(core, session, info).await {
                    tracing::warn!(instance_id = %id, error = %e.message, "instance information not recorded");
                }
                // The agent is settled in (it reports its facts first, then resends
                // what it has unacknowledged): now hand it its open invocations.
                if !*sent_open {
                    *sent_open = true;
                    commands::engine::on_connected(core, id).await;
                }
            }
            Ok(AgentMessage::InvocationStarted { invocation_id }) => {
                reports.push(AgentReport::Started(invocation_id));
            }
            Ok(AgentMessage::Output(chunk)) => reports.push(AgentReport::Output(chunk)),
            Ok(AgentMessage::InvocationFinished(result)) => {
                reports.push(AgentReport::Finished(result));
            }
            Ok(_) => {
                refuse(
                    socket,
                    ErrorCode::BadMessage,
                    "unexpected message after authentication",
                )
                .await;
                return Err("protocol violation".to_string());
            }
            Err(e) => {
                refuse(socket, ErrorCode::BadMessage, &e.to_string()).await;
                return Err("bad frame".to_string());
            }
        },
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
        Some(Ok(Message::Binary(_))) => {
            refuse(
                socket,
                ErrorCode::BadMessage,
                "binary frames are not part of the protocol",
            )
            .await;
            return Err("bad frame".to_string());
        }
        Some(Ok(Message::Close(_))) | None => return Err("closed by the node".to_string()),
        Some(Err(e)) => return Err(format!("transport error: {e}")),
    }
    Ok(())
}
