//! The run loop: keep one authenticated session with the server, for as long as the
//! agent lives.
//!
//! Shape (after tokio's mini-redis): shutdown is injected as a future, and every wait
//! (connecting, each reply, each heartbeat tick, each read, each backoff sleep) races it
//! in `select!`. A session ends with an error; the loop then sleeps a backoff delay and
//! reconnects, unless the error is permanent, which ends [`run()`].
//!
//! "Healthy" is defined as: the session was authenticated for at least
//! [`healthy_after`](crate::BackoffConfig::healthy_after). Only such a session resets
//! the backoff, so a server that accepts and then drops connections at once still sees
//! the node back off.
//!
//! Run Command: the loop owns the node's [`Invocations`] (see `exec::runner`) for its
//! whole life, so commands outlive connections. Before the first connection, journal
//! entries left unfinished by a previous agent process are failed (never re-run).
//! While no session is established (connecting, handshaking, backing off) every wait
//! also drains the invocations' update channel, throwing chunks away (they are
//! spooled), so no process ever waits on the network. Once authenticated and
//! `InstanceInfo` is sent, the session announces what runs (`InvocationStarted`),
//! replays spooled output after the server's last `OutputAck`, and re-reports every
//! unacknowledged result; then its loop serves `Run`/`Cancel`/`OutputAck`/`FinishedAck`
//! and forwards output and results, reads taking priority over sends (so the server's
//! acks never back up behind a burst of output). Every send has a deadline
//! ([`SEND_TIMEOUT`]): a link that stops taking data ends the session.
//!
//! Stopping (shutdown, or a permanent error): running invocations' process groups are
//! killed and journaled `Failed` ("the agent was stopped…"); when connected, their
//! output and results go to the server before the Close frame. This takes at most
//! [`STOP_GRACE`]; an invocation still running then is abandoned (reported as
//! interrupted at the next start).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bosun_protocol::{AgentMessage, ServerMessage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::{Instant, MissedTickBehavior};

use crate::backoff::Backoff;
use crate::error::AgentError;
use crate::exec::runner::Invocations;
use crate::exec::{Journal, JournalError};
use crate::identity::NodeKey;
use crate::info;
use crate::link::{tls_config, unexpected, ws_url, Incoming, Link};
use crate::state::{State, StateDir};
use crate::{AgentEvent, Execution, RunOptions};

/// How long one send to the server may take before the link is presumed dead.
pub(crate) const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Ready messages sent in one write at most (output chunks are at most 8 KiB).
const SEND_TOGETHER: usize = 16;
/// How long stopping waits for killed invocations to end and be reported.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(5);

/// Runs the node's session until `shutdown` completes (then `Ok`, after a Close frame
/// when connected) or a permanent error occurs (then that error). Transient failures
/// are retried forever with [`BackoffConfig`](crate::BackoffConfig)'s delays.
///
/// Fails at once, before any connection, when the state directory holds no valid
/// registration or the CA file cannot be used.
pub async fn run(opts: RunOptions, shutdown: impl Future<Output = ()>) -> Result<(), AgentError> {
    run_with_rng(opts, shutdown, StdRng::from_entropy()).await
}

/// [`run()`] with the source of the backoff's jitter given, so tests can predict delays.
pub(crate) async fn run_with_rng(
    opts: RunOptions,
    shutdown: impl Future<Output = ()>,
    mut rng: impl Rng,
) -> Result<(), AgentError> {
    let dir = StateDir::new(&opts.state_dir);
    let state = State::load(dir.root())?;
    let key = NodeKey::load(&dir.key_path())?;
    let journal = match opts.execution {
        Execution::Real => Journal::open(dir.root()).map_err(journal_error)?,
        Execution::Simulated => Journal::in_memory(),
    };
    let mut invocations = Invocations::new(
        journal,
        opts.execution,
        opts.node.clone(),
        opts.events.clone(),
    );
    invocations.recover();
    let node = Node {
        url: ws_url(&state.server)?,
        tls: tls_config(opts.ca_file.as_deref())?,
        instance_id: state.instance_id,
        key,
        events: opts.events,
    };
    let mut shutdown = Shutdown::new(shutdown);
    let mut backoff = Backoff::new(opts.backoff);
    tracing::info!(instance_id = %node.instance_id, server = %node.url, "starting");
    loop {
        let (stop, authenticated_for) = node.session(&mut shutdown, &mut invocations).await;
        invocations.disconnected();
        let error = match stop {
            Stop::Shutdown => {
                stop_invocations(&mut invocations, None).await;
                node.emit(AgentEvent::Disconnected {
                    reason: "shutting down".into(),
                    retry_in: None,
                });
                tracing::info!("stopped");
                return Ok(());
            }
            Stop::Failed(error) => error,
        };
        if error.is_permanent() {
            stop_invocations(&mut invocations, None).await;
            node.emit(AgentEvent::Disconnected {
                reason: error.to_string(),
                retry_in: None,
            });
            return Err(error);
        }
        if authenticated_for.is_some_and(|d| d >= opts.backoff.healthy_after) {
            backoff.reset();
        }
        let delay = backoff.next_delay(&mut rng);
        if authenticated_for.is_some() {
            tracing::warn!(error = %error, retry_in = ?delay, "disconnected; reconnecting");
        } else {
            tracing::warn!(error = %error, retry_in = ?delay, "cannot connect; retrying");
        }
        node.emit(AgentEvent::Disconnected {
            reason: error.to_string(),
            retry_in: Some(delay),
        });
        if race_offline(&mut shutdown, &mut invocations, tokio::time::sleep(delay))
            .await
            .is_none()
        {
            stop_invocations(&mut invocations, None).await;
            tracing::info!("stopped");
            return Ok(());
        }
    }
}

/// Why a session ended.
enum Stop {
    Shutdown,
    Failed(AgentError),
}

impl From<AgentError> for Stop {
    fn from(e: AgentError) -> Self {
        Stop::Failed(e)
    }
}

/// What every session of this node uses.
struct Node {
    instance_id: String,
    key: NodeKey,
    url: String,
    tls: Arc<rustls::ClientConfig>,
    events: Option<tokio::sync::mpsc::UnboundedSender<AgentEvent>>,
}

impl Node {
    fn emit(&self, event: AgentEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    /// One connection, from connecting to its end. Returns why it ended and, if it got
    /// that far, how long it was authenticated.
    async fn session<F: Future<Output = ()>>(
        &self,
        shutdown: &mut Shutdown<F>,
        invocations: &mut Invocations,
    ) -> (Stop, Option<Duration>) {
        let connecting = Link::connect(&self.url, &self.tls);
        let mut link = match race_offline(shutdown, invocations, connecting).await {
            None => return (Stop::Shutdown, None),
            Some(Err(e)) => return (Stop::Failed(e), None),
            Some(Ok(link)) => link,
        };
        let mut authenticated_at = None;
        let stop = match self
            .converse(&mut link, shutdown, invocations, &mut authenticated_at)
            .await
        {
            Ok(never) => match never {},
            Err(stop) => stop,
        };
        let transport_gone = matches!(
            stop,
            Stop::Failed(AgentError::Network(_) | AgentError::HeartbeatTimeout(_))
        );
        if matches!(stop, Stop::Shutdown) && invocations.is_online() {
            // Report the invocations the stop kills before saying goodbye.
            stop_invocations(invocations, Some(&mut link)).await;
        }
        if !transport_gone {
            offline(invocations, link.close()).await;
        }
        (stop, authenticated_at.map(|at: Instant| at.elapsed()))
    }

    /// The protocol of a session; it only ever ends with a [`Stop`].
    async fn converse<F: Future<Output = ()>>(
        &self,
        link: &mut Link,
        shutdown: &mut Shutdown<F>,
        invocations: &mut Invocations,
        authenticated_at: &mut Option<Instant>,
    ) -> Result<Infallible, Stop> {
        // Until `invocations.connected()`, the invocations' output is drained and
        // dropped (it is spooled, and replayed from the spool once connected).
        let challenge = race_offline(shutdown, invocations, link.hello())
            .await
            .ok_or(Stop::Shutdown)??;
        let signature = self.key.sign_challenge(&self.instance_id, &challenge)?;
        let authenticate = AgentMessage::Authenticate {
            instance_id: self.instance_id.clone(),
            signature,
        };
        race_offline(shutdown, invocations, send(link, &authenticate))
            .await
            .ok_or(Stop::Shutdown)??;
        let waiting = link.reply("waiting for authentication");
        let reply = race_offline(shutdown, invocations, waiting)
            .await
            .ok_or(Stop::Shutdown)??;
        let heartbeat_seconds = match reply {
            ServerMessage::Authenticated {
                instance_id,
                heartbeat_seconds,
            } if instance_id == self.instance_id => heartbeat_seconds,
            ServerMessage::Authenticated { .. } => {
                return Err(AgentError::Protocol("authenticated as another instance".into()).into())
            }
            other => return Err(unexpected(&other).into()),
        };
        *authenticated_at = Some(Instant::now());
        tracing::info!(instance_id = %self.instance_id, heartbeat_seconds, "connected");
        self.emit(AgentEvent::Connected {
            instance_id: self.instance_id.clone(),
        });

        // A few small file reads and one getifaddrs call: cheap enough to do inline.
        let facts = AgentMessage::InstanceInfo(info::collect());
        race_offline(shutdown, invocations, send(link, &facts))
            .await
            .ok_or(Stop::Shutdown)??;
        // From here on output goes to the server: first what it may have missed.
        invocations.connected();

        // A server asking for 0 s would make the agent spin; 1 s is the floor.
        let period = Duration::from_secs(u64::from(heartbeat_seconds.max(1)));
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let (mut sent, mut acked) = (0u64, 0u64);
        loop {
            tokio::select! {
                biased;
                () = shutdown.wait() => return Err(Stop::Shutdown),
                _ = ticker.tick() => {
                    // The previous heartbeat got no answer for a whole period, and the
                    // one before it neither: the connection is dead even if TCP has not
                    // noticed.
                    if sent.saturating_sub(acked) >= 2 {
                        return Err(AgentError::HeartbeatTimeout(period * 2).into());
                    }
                    sent += 1;
                    race(shutdown, send(link, &AgentMessage::Heartbeat { seq: sent }))
                        .await
                        .ok_or(Stop::Shutdown)??;
                    tracing::trace!(seq = sent, "heartbeat sent");
                }
                incoming = link.recv() => match incoming? {
                    Incoming::Message(ServerMessage::HeartbeatAck { seq }) => {
                        if seq > acked && seq <= sent {
                            acked = seq;
                            self.emit(AgentEvent::HeartbeatAcked { seq });
                        } else {
                            tracing::debug!(
                                seq, sent, acked,
                                "ignoring an ack of no outstanding heartbeat"
                            );
                        }
                    }
                    Incoming::Message(ServerMessage::Error { code, message }) => {
                        return Err(AgentError::rejected(code, &message).into());
                    }
                    Incoming::Message(ServerMessage::Run(run)) => invocations.run(run),
                    Incoming::Message(ServerMessage::Cancel { invocation_id }) => {
                        invocations.cancel(&invocation_id);
                    }
                    Incoming::Message(ServerMessage::OutputAck { invocation_id, seq }) => {
                        invocations.output_acked(&invocation_id, seq);
                    }
                    Incoming::Message(ServerMessage::FinishedAck { invocation_id }) => {
                        invocations.finished_acked(&invocation_id);
                    }
                    Incoming::Message(other) => return Err(unexpected(&other).into()),
                    // A newer server may send message types this agent does not know
                    // yet; dropping the connection for them would only loop.
                    Incoming::Undecodable(reason) => {
                        tracing::warn!(
                            %reason,
                            "ignoring a message this agent does not understand"
                        );
                    }
                },
                // Last: the server's messages (acks among them) are read first.
                message = invocations.next_outgoing() => {
                    // With what else is ready: one write for several frames. One turn
                    // of the runtime first, so what a just-started invocation has at
                    // once (an instant step's output and result) joins its Started
                    // instead of following in a write of its own.
                    tokio::task::yield_now().await;
                    let mut messages = vec![message];
                    while messages.len() < SEND_TOGETHER {
                        match invocations.ready_outgoing() {
                            Some(m) => messages.push(m),
                            None => break,
                        }
                    }
                    race(shutdown, send_all(link, &messages))
                        .await
                        .ok_or(Stop::Shutdown)??;
                }
            }
        }
    }
}

/// One message to the server, within [`SEND_TIMEOUT`].
async fn send(link: &mut Link, message: &AgentMessage) -> Result<(), AgentError> {
    send_all(link, std::slice::from_ref(message)).await
}

/// Messages to the server in order, within [`SEND_TIMEOUT`].
async fn send_all(link: &mut Link, messages: &[AgentMessage]) -> Result<(), AgentError> {
    match tokio::time::timeout(SEND_TIMEOUT, link.send_all(messages)).await {
        Err(_) => Err(AgentError::Timeout("sending to the server")),
        Ok(sent) => sent,
    }
}

fn journal_error(e: JournalError) -> AgentError {
    match e {
        JournalError::Io { path, source } => AgentError::io(path, source),
        JournalError::Corrupt { path, source } => AgentError::CorruptState {
            path,
            reason: source.to_string(),
        },
        JournalError::BadId(id) => AgentError::Protocol(format!("bad invocation id {id}")),
    }
}

/// Stops every running invocation (see the module doc), forwarding their last output
/// and results on `link` when there is one, within [`STOP_GRACE`].
async fn stop_invocations(invocations: &mut Invocations, mut link: Option<&mut Link>) {
    if invocations.is_idle() {
        return;
    }
    invocations.stop_all();
    let deadline = Instant::now() + STOP_GRACE;
    while !invocations.is_idle() {
        let step = match link.as_deref_mut() {
            Some(link) => {
                let forward = async {
                    let message = invocations.next_outgoing().await;
                    send(link, &message).await.is_ok()
                };
                tokio::time::timeout_at(deadline, forward).await
            }
            None => tokio::time::timeout_at(deadline, invocations.drain_offline())
                .await
                .map(|()| true),
        };
        match step {
            Ok(true) => {}
            // The link failed: the rest is journaled, and reported next time.
            Ok(false) => link = None,
            Err(_) => {
                invocations.abandon();
                return;
            }
        }
    }
}

/// Awaits `work` while draining the invocations' updates as when no session is up.
async fn offline<T>(invocations: &mut Invocations, work: impl Future<Output = T>) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            biased;
            value = &mut work => return value,
            () = invocations.drain_offline() => {}
        }
    }
}

/// [`race`] for waits outside an established session: [`offline`] too.
async fn race_offline<F: Future<Output = ()>, T>(
    shutdown: &mut Shutdown<F>,
    invocations: &mut Invocations,
    work: impl Future<Output = T>,
) -> Option<T> {
    race(shutdown, offline(invocations, work)).await
}

/// The injected shutdown signal, pollable again after it fired.
struct Shutdown<F> {
    signal: Pin<Box<F>>,
    fired: bool,
}

impl<F: Future<Output = ()>> Shutdown<F> {
    fn new(signal: F) -> Self {
        Shutdown {
            signal: Box::pin(signal),
            fired: false,
        }
    }

    /// Completes when shutdown was requested (at once if it already was). Cancel-safe.
    async fn wait(&mut self) {
        if !self.fired {
            self.signal.as_mut().await;
            self.fired = true;
        }
    }
}

/// Runs `work` unless shutdown comes first (`None`). Shutdown wins ties.
async fn race<F: Future<Output = ()>, T>(
    shutdown: &mut Shutdown<F>,
    work: impl Future<Output = T>,
) -> Option<T> {
    tokio::select! {
        biased;
        () = shutdown.wait() => None,
        value = work => Some(value),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_run_future_is_send_so_tests_can_spawn_it() {
        fn assert_send<T: Send>(_: &T) {}
        let fut = run(RunOptions::new("/nonexistent"), async {});
        assert_send(&fut);
    }

    #[tokio::test]
    async fn shutdown_stays_fired_and_wins_races() {
        let mut shutdown = Shutdown::new(async {});
        shutdown.wait().await;
        shutdown.wait().await;
        assert_eq!(race(&mut shutdown, async { 1 }).await, None);

        let mut never = Shutdown::new(std::future::pending::<()>());
        assert_eq!(race(&mut never, async { 1 }).await, Some(1));
    }

    #[tokio::test]
    async fn run_without_a_registration_fails_permanently() {
        let tmp = crate::state::tests::TempDir::new("unregistered");
        let err = run(RunOptions::new(tmp.path()), std::future::pending())
            .await
            .unwrap_err();
        assert!(matches!(err, AgentError::NotRegistered(_)), "{err}");
        assert!(err.is_permanent());
    }
}
