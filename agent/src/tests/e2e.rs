use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosun_protocol::{is_managed_instance_id, ErrorCode};
use rand::rngs::mock::StepRng;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::fake_server::{FakeServer, Mode, ServerEvent, TestCa, ACTIVATION_CODE, ACTIVATION_ID};
use crate::identity::NodeKey;
use crate::run::run_with_rng;
use crate::state::tests::{mode, TempDir};
use crate::{
    register, run, AgentError, AgentEvent, BackoffConfig, RegisterOptions, RunOptions, State,
};

/// Guards every wait on an event, so a broken agent fails the test instead of hanging it.
const GUARD: Duration = Duration::from_secs(10);

pub(crate) fn register_opts(server: &str, state_dir: &Path) -> RegisterOptions {
    RegisterOptions {
        server: server.to_string(),
        activation_id: ACTIVATION_ID.to_string(),
        activation_code: ACTIVATION_CODE.to_string(),
        state_dir: state_dir.to_path_buf(),
        name: None,
        force: false,
        ca_file: None,
    }
}

/// A jitter source that always draws the top of the window: every delay is (within a
/// nanosecond) its ceiling, so tests can tell the attempts apart.
fn max_draw() -> StepRng {
    StepRng::new(u64::MAX, 0)
}

fn assert_ceiling(delay: Duration, config: &BackoffConfig, attempt: u32) {
    let ceiling = config.ceiling(attempt);
    assert!(
        delay <= ceiling && delay + Duration::from_micros(1) >= ceiling,
        "attempt {attempt}: {delay:?}, expected the ceiling {ceiling:?}"
    );
}

/// A running agent (the library's `run`, spawned) and its event stream.
pub(crate) struct Agent {
    events: mpsc::UnboundedReceiver<AgentEvent>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), AgentError>>,
}

impl Agent {
    /// Starts `run`, or with `rng` the same loop with predictable jitter.
    pub(crate) fn start(state_dir: &Path, backoff: BackoffConfig, rng: Option<StepRng>) -> Agent {
        Agent::start_with(
            RunOptions {
                backoff,
                ..RunOptions::new(state_dir)
            },
            rng,
        )
    }

    pub(crate) fn start_with(mut opts: RunOptions, rng: Option<StepRng>) -> Agent {
        let (events_tx, events) = mpsc::unbounded_channel();
        opts.events = Some(events_tx);
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = match rng {
            None => tokio::spawn(run(opts, shutdown)),
            Some(rng) => tokio::spawn(run_with_rng(opts, shutdown, rng)),
        };
        Agent {
            events,
            stop: Some(stop),
            task,
        }
    }

    pub(crate) async fn next_event(&mut self) -> AgentEvent {
        tokio::time::timeout(GUARD, self.events.recv())
            .await
            .expect("no agent event within the guard")
            .expect("the agent stopped reporting")
    }

    /// The next `Disconnected` (skipping heartbeat acks): its reason and retry delay.
    async fn next_disconnect(&mut self) -> (String, Option<Duration>) {
        loop {
            match self.next_event().await {
                AgentEvent::HeartbeatAcked { .. } => {}
                AgentEvent::Disconnected { reason, retry_in } => return (reason, retry_in),
                other => panic!("expected a disconnection, got {other:?}"),
            }
        }
    }

    /// Waits for the next `Connected`, whatever failed attempts come first.
    pub(crate) async fn connected(&mut self) -> String {
        loop {
            if let AgentEvent::Connected { instance_id } = self.next_event().await {
                return instance_id;
            }
        }
    }

    /// What `run` returned, without asking it to stop.
    pub(crate) async fn finished(&mut self) -> Result<(), AgentError> {
        tokio::time::timeout(GUARD, &mut self.task)
            .await
            .expect("the agent did not stop")
            .expect("the agent panicked")
    }

    /// Fires the shutdown signal and returns what `run` returned.
    pub(crate) async fn stop(&mut self) -> Result<(), AgentError> {
        self.request_stop();
        self.finished().await
    }

    /// Fires the shutdown signal.
    pub(crate) fn request_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// The events reported so far and not yet read.
    pub(crate) fn pending_events(&mut self) -> Vec<AgentEvent> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }

    /// Skips events until one matches.
    pub(crate) async fn wait_for(&mut self, wanted: impl Fn(&AgentEvent) -> bool) -> AgentEvent {
        loop {
            let event = self.next_event().await;
            if wanted(&event) {
                return event;
            }
        }
    }

    /// Ends `run` as a crash would: its future is dropped mid-flight, with no shutdown.
    pub(crate) async fn crash(&mut self) {
        self.task.abort();
        let ended = tokio::time::timeout(GUARD, &mut self.task)
            .await
            .expect("the agent did not end");
        assert!(matches!(&ended, Err(e) if e.is_cancelled()), "{ended:?}");
    }
}

#[tokio::test]
async fn registers_then_runs_heartbeats_reconnects_with_backoff_and_stops_cleanly() {
    let mut server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("e2e");
    let state_dir = tmp.path().join("var/lib/bosun-agent");

    // Registration: the server gets a public key and assigns the id.
    let opts = RegisterOptions {
        name: Some("web-1".into()),
        ..register_opts(&server.http_url(), &state_dir)
    };
    let instance_id = register(&opts).await.unwrap();
    assert!(is_managed_instance_id(&instance_id), "{instance_id}");
    let ServerEvent::Registered {
        instance_id: registered,
        public_key,
        name,
    } = server.next_event().await
    else {
        panic!("no registration");
    };
    assert_eq!(registered, instance_id);
    assert_eq!(name.as_deref(), Some("web-1"));

    // The state it left: a private directory, private files, the registered key.
    assert_eq!(mode(&state_dir), 0o700);
    assert_eq!(mode(&state_dir.join("state.json")), 0o600);
    assert_eq!(mode(&state_dir.join("node.key")), 0o600);
    assert!(!state_dir.join("node.key.pending").exists());
    assert_eq!(
        State::load(&state_dir).unwrap(),
        State {
            instance_id: instance_id.clone(),
            server: server.http_url(),
        }
    );
    let key = NodeKey::load(&state_dir.join("node.key")).unwrap();
    assert_eq!(key.public_key_hex(), public_key);

    // A session: the server verified the signature, got the node's facts, and acks
    // heartbeats (the first at once, the next a period later).
    let backoff = BackoffConfig {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(80),
        healthy_after: Duration::from_secs(3600),
    };
    let mut agent = Agent::start(&state_dir, backoff, Some(max_draw()));
    assert_eq!(
        agent.next_event().await,
        AgentEvent::Connected {
            instance_id: instance_id.clone()
        }
    );
    assert_eq!(
        server.next_event().await,
        ServerEvent::Authenticated {
            instance_id: instance_id.clone()
        }
    );
    let ServerEvent::Info(info) = server.next_event().await else {
        panic!("no instance info first");
    };
    assert_eq!(info.platform_type, "Linux");
    assert_eq!(info.agent_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(server.next_event().await, ServerEvent::Heartbeat { seq: 1 });
    assert_eq!(
        agent.next_event().await,
        AgentEvent::HeartbeatAcked { seq: 1 }
    );
    assert_eq!(
        agent.next_event().await,
        AgentEvent::HeartbeatAcked { seq: 2 }
    );

    // The server drops the connection: the agent retries after the first delay.
    server.kick();
    let (_, retry_in) = agent.next_disconnect().await;
    assert_ceiling(retry_in.unwrap(), &backoff, 0);
    assert_eq!(agent.connected().await, instance_id);

    // That session was not healthy (healthy_after is an hour), so the delays keep
    // doubling through refusals, up to the cap.
    server.set_mode(Mode::Unavailable);
    server.kick();
    let (_, retry_in) = agent.next_disconnect().await;
    assert_ceiling(retry_in.unwrap(), &backoff, 1);
    for attempt in 2..=4 {
        let (reason, retry_in) = agent.next_disconnect().await;
        assert!(reason.contains("unavailable"), "{reason}");
        assert_ceiling(retry_in.unwrap(), &backoff, attempt);
    }
    assert_eq!(backoff.ceiling(4), backoff.cap);
    server.set_mode(Mode::Normal);
    assert_eq!(agent.connected().await, instance_id);

    // Shutdown: a Close frame to the server, and Ok.
    agent.stop().await.unwrap();
    server.wait_for(|e| *e == ServerEvent::AgentClosed).await;
}

#[tokio::test]
async fn a_healthy_session_resets_the_backoff() {
    let server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("healthy");
    register(&register_opts(&server.http_url(), tmp.path()))
        .await
        .unwrap();
    let backoff = BackoffConfig {
        base: Duration::from_millis(20),
        cap: Duration::from_secs(1),
        healthy_after: Duration::ZERO,
    };
    let mut agent = Agent::start(tmp.path(), backoff, Some(max_draw()));
    // Without the reset these would be 20, 40, 80 ms.
    for _ in 0..3 {
        agent.connected().await;
        server.kick();
        let (_, retry_in) = agent.next_disconnect().await;
        assert_ceiling(retry_in.unwrap(), &backoff, 0);
    }
    agent.stop().await.unwrap();
}

#[tokio::test]
async fn a_deregistered_node_stops_with_a_permanent_error() {
    let mut server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("deregistered");
    let instance_id = register(&register_opts(&server.http_url(), tmp.path()))
        .await
        .unwrap();
    server.deregister(&instance_id);

    let mut agent = Agent::start(tmp.path(), BackoffConfig::default(), None);
    let (reason, retry_in) = agent.next_disconnect().await;
    assert_eq!(retry_in, None);
    assert!(reason.contains("deregistered"), "{reason}");
    let err = agent.finished().await.unwrap_err();
    assert_eq!(err.rejection_code(), Some(ErrorCode::AuthenticationFailed));
    assert!(err.is_permanent());
    server
        .wait_for(|e| *e == ServerEvent::Refused(ErrorCode::AuthenticationFailed))
        .await;
}

#[tokio::test]
async fn a_refused_activation_is_permanent_and_writes_no_state() {
    let server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("refused");
    for (activation_id, code, expected) in [
        (ACTIVATION_ID, "wrong-code", ErrorCode::InvalidActivation),
        (
            "unknown-activation",
            ACTIVATION_CODE,
            ErrorCode::InvalidActivationId,
        ),
    ] {
        let opts = RegisterOptions {
            activation_id: activation_id.into(),
            activation_code: code.into(),
            ..register_opts(&server.http_url(), tmp.path())
        };
        let err = register(&opts).await.unwrap_err();
        assert_eq!(err.rejection_code(), Some(expected), "{err}");
        assert!(err.is_permanent());
        for file in ["state.json", "node.key", "node.key.pending"] {
            assert!(!tmp.path().join(file).exists(), "{file}");
        }
    }
}

#[tokio::test]
async fn register_refuses_to_replace_a_registration_without_force() {
    let mut server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("force");
    let opts = register_opts(&server.http_url(), tmp.path());
    let first = register(&opts).await.unwrap();
    let first_key = std::fs::read(tmp.path().join("node.key")).unwrap();

    match register(&opts).await {
        Err(AgentError::AlreadyRegistered { instance_id, .. }) => assert_eq!(instance_id, first),
        other => panic!("{other:?}"),
    }
    assert_eq!(State::load(tmp.path()).unwrap().instance_id, first);
    assert_eq!(
        std::fs::read(tmp.path().join("node.key")).unwrap(),
        first_key
    );

    let second = register(&RegisterOptions {
        force: true,
        ..opts
    })
    .await
    .unwrap();
    assert_ne!(second, first);
    assert_eq!(State::load(tmp.path()).unwrap().instance_id, second);
    assert_ne!(
        std::fs::read(tmp.path().join("node.key")).unwrap(),
        first_key
    );
    // Two registrations reached the server (the refused one never connected).
    let mut registered = 0;
    while let Ok(event) = server.events.try_recv() {
        registered += usize::from(matches!(event, ServerEvent::Registered { .. }));
    }
    assert_eq!(registered, 2);
}

#[tokio::test]
async fn shutdown_during_backoff_stops_at_once() {
    let server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("backing-off");
    register(&register_opts(&server.http_url(), tmp.path()))
        .await
        .unwrap();
    drop(server);

    let backoff = BackoffConfig {
        base: Duration::from_secs(3600),
        cap: Duration::from_secs(3600),
        healthy_after: Duration::from_secs(30),
    };
    let mut agent = Agent::start(tmp.path(), backoff, Some(max_draw()));
    let (reason, retry_in) = agent.next_disconnect().await;
    assert!(reason.starts_with("network"), "{reason}");
    assert_ceiling(retry_in.unwrap(), &backoff, 0);
    agent.stop().await.unwrap();
}

#[tokio::test]
async fn unanswered_heartbeats_end_the_session() {
    let mut server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("silent");
    register(&register_opts(&server.http_url(), tmp.path()))
        .await
        .unwrap();
    server.set_mode(Mode::Silent);
    let mut agent = Agent::start(tmp.path(), BackoffConfig::default(), None);
    agent.connected().await;
    let (reason, retry_in) = agent.next_disconnect().await;
    assert!(reason.contains("no heartbeat acknowledged"), "{reason}");
    assert!(retry_in.is_some());
    // Heartbeats 1 and 2 went unanswered; the agent gave up instead of sending a third.
    server
        .wait_for(|e| *e == ServerEvent::Heartbeat { seq: 2 })
        .await;
    agent.stop().await.unwrap();
    while let Ok(event) = server.events.try_recv() {
        assert_ne!(event, ServerEvent::Heartbeat { seq: 3 });
    }
}

#[tokio::test]
async fn oversized_frames_are_refused_and_retried() {
    let server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("oversized");
    register(&register_opts(&server.http_url(), tmp.path()))
        .await
        .unwrap();
    server.set_mode(Mode::Oversized);
    let backoff = BackoffConfig {
        base: Duration::from_millis(10),
        ..BackoffConfig::default()
    };
    let mut agent = Agent::start(tmp.path(), backoff, None);
    agent.connected().await;
    let (reason, retry_in) = agent.next_disconnect().await;
    assert!(reason.contains("oversized"), "{reason}");
    assert!(retry_in.is_some());
    agent.stop().await.unwrap();
}

#[tokio::test]
async fn wss_with_a_private_ca() {
    let ca = TestCa::new();
    let mut server = FakeServer::start(1, Some(ca.server_config())).await;
    let tmp = TempDir::new("wss");
    let ca_file = tmp.path().join("ca.pem");
    std::fs::write(&ca_file, ca.cert_pem()).unwrap();
    let state_dir = tmp.path().join("state");
    let url = format!("https://{}", server.addr);

    // The public roots do not vouch for the test CA's server certificate.
    let err = register(&register_opts(&url, &state_dir))
        .await
        .unwrap_err();
    assert!(matches!(err, AgentError::Network(_)), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(!err.is_permanent());

    let opts = RegisterOptions {
        ca_file: Some(ca_file.clone()),
        ..register_opts(&url, &state_dir)
    };
    let instance_id = register(&opts).await.unwrap();
    let mut agent = Agent::start_with(
        RunOptions {
            ca_file: Some(ca_file),
            ..RunOptions::new(&state_dir)
        },
        None,
    );
    assert_eq!(agent.connected().await, instance_id);
    assert_eq!(
        agent.next_event().await,
        AgentEvent::HeartbeatAcked { seq: 1 }
    );
    agent.stop().await.unwrap();
    server.wait_for(|e| *e == ServerEvent::AgentClosed).await;
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the process's global subscriber (at trace level, into a buffer): scoped
/// subscribers miss events whose callsites other test threads registered first.
#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let server = FakeServer::start(1, None).await;
    let tmp = TempDir::new("logs");
    let logs = Captured::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    let opts = register_opts(&server.http_url(), tmp.path());
    register(&opts).await.unwrap();
    let mut agent = Agent::start(tmp.path(), BackoffConfig::default(), None);
    agent.connected().await;
    assert_eq!(
        agent.next_event().await,
        AgentEvent::HeartbeatAcked { seq: 1 }
    );
    agent.stop().await.unwrap();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("registered") && text.contains("connected"),
        "{text}"
    );
    assert!(!text.contains(ACTIVATION_CODE), "{text}");
    let secret = std::fs::read_to_string(tmp.path().join("node.key")).unwrap();
    assert!(!text.contains(secret.trim()), "{text}");
    assert!(!format!("{opts:?}").contains(ACTIVATION_CODE));
}

#[test]
fn options_default_to_production_settings() {
    let opts = RunOptions::new(PathBuf::from(crate::DEFAULT_STATE_DIR));
    assert_eq!(opts.backoff, BackoffConfig::default());
    assert_eq!(
        (
            opts.backoff.base,
            opts.backoff.cap,
            opts.backoff.healthy_after
        ),
        (
            Duration::from_secs(1),
            Duration::from_secs(60),
            Duration::from_secs(30)
        )
    );
    assert!(opts.ca_file.is_none() && opts.events.is_none());
    assert_eq!(opts.execution, crate::Execution::Real);
}
