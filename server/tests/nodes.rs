//! Managed nodes with the real agent (the bosun-agent library) over a real WebSocket
//! to the real server: registration, limits, ping status, deregistration, impostors,
//! and reconnection after a server restart.

mod common;

use aws_sdk_ssm::types::InstanceInformationStringFilter;
use bosun_agent::{AgentEvent, BackoffConfig, RegisterOptions, RunOptions};
use bosun_core::activations::{self, CreateActivation};
use bosun_core::testing::TestDb;
use bosun_core::types::{NewActivation, Role};
use bosun_core::Actor;
use common::{aws_error, TestServer};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("bosun-agent-test-{}", uuid::Uuid::new_v4()))
}

async fn activation(srv: &TestServer, limit: i64) -> NewActivation {
    activations::create_activation(
        &srv.core,
        &Actor::cli(),
        CreateActivation {
            iam_role: "SSMServiceRole".into(),
            default_instance_name: "web".into(),
            registration_limit: Some(limit),
            ..Default::default()
        },
    )
    .await
    .expect("activation")
}

fn register_opts(srv: &TestServer, a: &NewActivation, dir: &Path) -> RegisterOptions {
    RegisterOptions {
        server: srv.url.clone(),
        activation_id: a.activation_id.clone(),
        activation_code: a.activation_code.clone(),
        state_dir: dir.to_path_buf(),
        name: None,
        force: false,
        ca_file: None,
    }
}

/// Starts the agent's run loop; returns its task and event stream.
fn start_agent(
    dir: &Path,
) -> (
    tokio::task::JoinHandle<Result<(), bosun_agent::AgentError>>,
    UnboundedReceiver<AgentEvent>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (tx, rx) = unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut opts = RunOptions::new(dir.to_path_buf());
    opts.backoff = BackoffConfig {
        base: Duration::from_millis(50),
        cap: Duration::from_millis(400),
        healthy_after: Duration::from_secs(30),
    };
    opts.events = Some(tx);
    let task = tokio::spawn(bosun_agent::run(opts, async move {
        let _ = stop_rx.await;
    }));
    (task, rx, stop_tx)
}

async fn next_event(
    rx: &mut UnboundedReceiver<AgentEvent>,
    want: impl Fn(&AgentEvent) -> bool,
) -> AgentEvent {
    let wait = async {
        loop {
            match rx.recv().await {
                Some(e) if want(&e) => return e,
                Some(_) => continue,
                None => panic!("the agent stopped sending events"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("agent event in time")
}

async fn status(srv: &TestServer, id: &str) -> String {
    sqlx::query_scalar("SELECT ping_status FROM managed_instances WHERE id = $1")
        .bind(id)
        .fetch_one(srv.core.db().pool())
        .await
        .expect("node row")
}

/// Waits until the node's status is `want` (the server changes it when the link ends;
/// there is no event to await from outside the server).
async fn wait_status(srv: &TestServer, id: &str, want: &str, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = status(srv, id).await;
        if now == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} is {now}, expected {want} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_node_registers_comes_online_reports_itself_and_is_deregistered() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let a = activation(&srv, 2).await;
        let dir = state_dir();
        let id = bosun_agent::register(&register_opts(&srv, &a, &dir))
            .await
            .expect("register");
        assert!(bosun_protocol::is_managed_instance_id(&id), "{id}");
        assert_eq!(
            status(&srv, &id).await,
            "ConnectionLost",
            "registered, not yet connected"
        );

        let (task, mut events, _stop) = start_agent(&dir);
        next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
        assert_eq!(status(&srv, &id).await, "Online");
        next_event(&mut events, |e| {
            matches!(e, AgentEvent::HeartbeatAcked { .. })
        })
        .await;

        let key = srv.user_with_key("fleet-op", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let out = ssm
            .describe_instance_information()
            .filters(
                InstanceInformationStringFilter::builder()
                    .key("PingStatus")
                    .values("Online")
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("describe");
        let info = &out.instance_information_list()[0];
        assert_eq!(info.instance_id(), Some(id.as_str()));
        assert_eq!(info.name(), Some("web"), "the activation's default name");
        assert_eq!(info.platform_type().map(|p| p.as_str()), Some("Linux"));
        assert_eq!(info.agent_version(), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(info.activation_id(), Some(a.activation_id.as_str()));
        assert!(info.last_ping_date_time().is_some());
        assert!(
            info.computer_name().is_some_and(|c| !c.is_empty()),
            "instance information arrived"
        );

        // Tags through the shared facility, and a filter by tag.
        ssm.add_tags_to_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
            .resource_id(&id)
            .tags(
                aws_sdk_ssm::types::Tag::builder()
                    .key("Patch Group")
                    .value("web")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await
            .expect("tag");
        let tagged = ssm
            .describe_instance_information()
            .filters(
                InstanceInformationStringFilter::builder()
                    .key("tag:Patch Group")
                    .values("web")
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("describe by tag");
        assert_eq!(tagged.instance_information_list().len(), 1);
        let listed = ssm
            .list_tags_for_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
            .resource_id(&id)
            .send()
            .await
            .expect("list tags");
        assert_eq!(listed.tag_list().len(), 1);

        // Deregistration cuts the live link at once, and the agent stops for good.
        ssm.deregister_managed_instance()
            .instance_id(&id)
            .send()
            .await
            .expect("deregister");
        let ended = tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("agent stops")
            .expect("join");
        let err = ended.expect_err("a deregistered node's agent ends with an error");
        assert!(err.is_permanent(), "{err}");
        assert_eq!(status(&srv, &id).await, "Inactive");
        let e = ssm
            .deregister_managed_instance()
            .instance_id(&id)
            .send()
            .await
            .expect_err("already");
        assert_eq!(aws_error(&e).0, "InvalidInstanceId");
        let _ = std::fs::remove_dir_all(&dir);
        srv.stop().await;
    }
}

#[tokio::test]
async fn activations_refuse_wrong_codes_expiry_and_exhaustion() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let a = activation(&srv, 1).await;

    let wrong = NewActivation {
        activation_code: "x".repeat(20),
        ..a.clone()
    };
    let e = bosun_agent::register(&register_opts(&srv, &wrong, &state_dir()))
        .await
        .expect_err("wrong code");
    assert!(
        e.is_permanent() && e.to_string().contains("does not match"),
        "{e}"
    );

    let unknown = NewActivation {
        activation_id: uuid::Uuid::new_v4().to_string(),
        ..a.clone()
    };
    let e = bosun_agent::register(&register_opts(&srv, &unknown, &state_dir()))
        .await
        .expect_err("unknown id");
    assert!(
        e.is_permanent() && e.to_string().contains("does not exist"),
        "{e}"
    );

    bosun_agent::register(&register_opts(&srv, &a, &state_dir()))
        .await
        .expect("first registration");
    let e = bosun_agent::register(&register_opts(&srv, &a, &state_dir()))
        .await
        .expect_err("limit reached");
    assert!(e.to_string().contains("registration limit"), "{e}");

    let b = activation(&srv, 5).await;
    sqlx::query("UPDATE activations SET expires_at = 0 WHERE id = $1")
        .bind(&b.activation_id)
        .execute(srv.core.db().pool())
        .await
        .expect("expire");
    let e = bosun_agent::register(&register_opts(&srv, &b, &state_dir()))
        .await
        .expect_err("expired");
    assert!(e.to_string().contains("expired"), "{e}");
    srv.stop().await;
}

#[tokio::test]
async fn a_node_cannot_claim_another_nodes_id() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let a = activation(&srv, 2).await;
    let (dir_a, dir_b) = (state_dir(), state_dir());
    let id_a = bosun_agent::register(&register_opts(&srv, &a, &dir_a))
        .await
        .expect("a");
    let id_b = bosun_agent::register(&register_opts(&srv, &a, &dir_b))
        .await
        .expect("b");
    assert_ne!(id_a, id_b);
    // Node B's state, edited to claim A's id, with B's own key.
    let path = dir_b.join("state.json");
    let text = std::fs::read_to_string(&path)
        .expect("state")
        .replace(&id_b, &id_a);
    std::fs::write(&path, text).expect("write");
    let (task, _events, _stop) = start_agent(&dir_b);
    let ended = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("agent stops")
        .expect("join");
    assert!(ended.expect_err("refused").is_permanent());
    assert_eq!(
        status(&srv, &id_a).await,
        "ConnectionLost",
        "A was never connected"
    );
    srv.stop().await;
}

#[tokio::test]
async fn connection_lost_when_the_agent_dies_and_back_online_after_a_server_restart() {
    let mut srv = TestServer::start(TestDb::sqlite().await).await;
    let a = activation(&srv, 2).await;
    let dir = state_dir();
    let id = bosun_agent::register(&register_opts(&srv, &a, &dir))
        .await
        .expect("register");

    // Killed agent (its task dropped mid-connection): ConnectionLost within 10 s.
    let (task, mut events, _stop) = start_agent(&dir);
    next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
    task.abort();
    wait_status(&srv, &id, "ConnectionLost", Duration::from_secs(10)).await;

    // A running agent survives a server restart: it reconnects by itself.
    let (_task, mut events, stop) = start_agent(&dir);
    next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
    srv.restart().await;
    next_event(&mut events, |e| {
        matches!(e, AgentEvent::Disconnected { .. })
    })
    .await;
    next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
    assert_eq!(status(&srv, &id).await, "Online");
    let _ = stop.send(());
    wait_status(&srv, &id, "ConnectionLost", Duration::from_secs(10)).await;
    let _ = std::fs::remove_dir_all(&dir);
    srv.stop().await;
}

/// Two replicas over one PostgreSQL database (DESIGN-NOTES §5): a node connected to
/// replica B is cut at once when replica A deregisters it; a newer connection on one
/// replica supersedes the node's older connection on the other; a replica that stops
/// releases the nodes it held.
#[tokio::test]
async fn replicas_share_one_database_and_cut_each_others_links() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let a_srv = TestServer::start(db).await;
    let b_srv = a_srv.replica().await;
    assert_ne!(a_srv.core.replica_id(), b_srv.core.replica_id());
    let act = activation(&a_srv, 3).await;

    // Registered through A, connected to B.
    let dir = state_dir();
    let mut opts = register_opts(&a_srv, &act, &dir);
    opts.server = b_srv.url.clone();
    let id = bosun_agent::register(&opts).await.expect("register via B");
    let (task, mut events, _stop) = start_agent(&dir);
    next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
    wait_status(&a_srv, &id, "Online", Duration::from_secs(5)).await;
    let holder: Option<String> =
        sqlx::query_scalar("SELECT connected_replica FROM managed_instances WHERE id = $1")
            .bind(&id)
            .fetch_one(a_srv.core.db().pool())
            .await
            .expect("row");
    assert_eq!(holder.as_deref(), Some(b_srv.core.replica_id()));

    // A copy of the node's state pointed at A: its connection supersedes B's at once.
    let copy = state_dir();
    std::fs::create_dir_all(&copy).expect("copy dir");
    for f in ["state.json", "node.key"] {
        std::fs::copy(dir.join(f), copy.join(f)).expect("copy state");
    }
    let state = copy.join("state.json");
    let text = std::fs::read_to_string(&state)
        .expect("state")
        .replace(&b_srv.url, &a_srv.url);
    std::fs::write(&state, text).expect("write");
    let (copy_task, mut copy_events, _copy_stop) = start_agent(&copy);
    next_event(&mut copy_events, |e| {
        matches!(e, AgentEvent::Connected { .. })
    })
    .await;
    // Within seconds, so by the notice and not by the next heartbeat (15 s).
    let superseded = tokio::time::timeout(
        Duration::from_secs(5),
        next_event(&mut events, |e| {
            matches!(e, AgentEvent::Disconnected { .. })
        }),
    )
    .await
    .expect("B cut its link at once");
    assert!(
        format!("{superseded:?}").contains("newer connection"),
        "B cut the older link: {superseded:?}"
    );
    copy_task.abort();
    let _ = std::fs::remove_dir_all(&copy);

    // The first agent is back (on B); A deregisters the node and B's link ends at once.
    next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
    let (key, secret) = {
        let k = a_srv.user_with_key("ops", Role::Operator).await;
        (k.access_key_id, k.secret_access_key)
    };
    a_srv
        .ssm(&key, &secret)
        .deregister_managed_instance()
        .instance_id(&id)
        .send()
        .await
        .expect("deregister through A");
    let cut = tokio::time::timeout(
        Duration::from_secs(5),
        next_event(&mut events, |e| {
            matches!(e, AgentEvent::Disconnected { .. })
        }),
    )
    .await
    .expect("B cut its link at once");
    assert!(
        format!("{cut:?}").contains("deregistered"),
        "B cut the link when A deregistered: {cut:?}"
    );
    let ended = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("agent stops")
        .expect("join");
    assert!(ended.expect_err("refused for good").is_permanent());
    assert_eq!(status(&a_srv, &id).await, "Inactive");
    let _ = std::fs::remove_dir_all(&dir);

    // A replica that stops releases its nodes and its row.
    let dir2 = state_dir();
    let mut opts = register_opts(&a_srv, &act, &dir2);
    opts.server = b_srv.url.clone();
    let id2 = bosun_agent::register(&opts).await.expect("register");
    let (task2, mut events2, _stop2) = start_agent(&dir2);
    next_event(&mut events2, |e| matches!(e, AgentEvent::Connected { .. })).await;
    let b_id = b_srv.core.replica_id().to_string();
    b_srv.stop().await;
    task2.abort();
    assert_eq!(status(&a_srv, &id2).await, "ConnectionLost");
    let replicas = bosun_core::cluster::replicas(&a_srv.core)
        .await
        .expect("replicas");
    assert!(replicas.iter().all(|(r, _, _)| *r != b_id), "{replicas:?}");
    let _ = std::fs::remove_dir_all(&dir2);
    a_srv.stop().await;
}

/// A TCP relay between an agent and the server that can freeze: it keeps both sockets
/// open but stops moving bytes, which is a half-open link as the server sees it (a
/// cable pulled, a NAT entry dropped).
async fn freezable_relay(
    target: std::net::SocketAddr,
) -> (std::net::SocketAddr, tokio::sync::watch::Sender<bool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    async fn pump(
        mut from: tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
        mut frozen: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = tokio::select! {
                r = from.read(&mut buf) => match r { Ok(0) | Err(_) => return, Ok(n) => n },
                _ = frozen.wait_for(|f| *f) => 0,
            };
            if *frozen.borrow() {
                // Hold both halves open and move nothing, for good.
                std::future::pending::<()>().await;
            }
            if to.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind relay");
    let addr = listener.local_addr().expect("relay addr");
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let Ok(outbound) = tokio::net::TcpStream::connect(target).await else {
                continue;
            };
            let (ir, iw) = inbound.into_split();
            let (or, ow) = outbound.into_split();
            tokio::spawn(pump(ir, ow, rx.clone()));
            tokio::spawn(pump(or, iw, rx.clone()));
        }
    });
    (addr, tx)
}

/// A half-open link (no close, no RST: bytes just stop) is found by the server's
/// ping/pong silence check and the node shows ConnectionLost, while the agent itself
/// has not noticed anything yet. The link timings are shortened for the test; in
/// production the bound is 25 s.
#[tokio::test]
async fn a_half_open_link_is_detected_by_ping_silence() {
    let mut args = common::serve_args(None);
    args.link_timings.ping_every = Duration::from_millis(200);
    args.link_timings.silence_limit = Duration::from_millis(1000);
    let srv = TestServer::start_with(TestDb::sqlite().await, args).await;
    let a = activation(&srv, 1).await;
    let dir = state_dir();
    let id = bosun_agent::register(&register_opts(&srv, &a, &dir))
        .await
        .expect("register");
    let (relay, freeze) = freezable_relay(srv.addr).await;
    let state = dir.join("state.json");
    let text = std::fs::read_to_string(&state)
        .expect("state")
        .replace(&srv.url, &format!("http://{relay}"));
    std::fs::write(&state, text).expect("write");

    let (task, mut events, _stop) = start_agent(&dir);
    next_event(&mut events, |e| matches!(e, AgentEvent::Connected { .. })).await;
    wait_status(&srv, &id, "Online", Duration::from_secs(5)).await;
    // Pings are answered while the relay moves bytes: the link stays Online across
    // several silence limits.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(status(&srv, &id).await, "Online");

    freeze.send(true).expect("freeze");
    wait_status(&srv, &id, "ConnectionLost", Duration::from_secs(5)).await;
    while let Ok(e) = events.try_recv() {
        assert!(
            !matches!(e, AgentEvent::Disconnected { .. }),
            "the server found the dead link on its own, before the agent: {e:?}"
        );
    }
    task.abort();
    let _ = std::fs::remove_dir_all(&dir);
    srv.stop().await;
}

/// Many machines enrolling at once with one activation: exactly the limit succeeds,
/// the rest are told the limit is reached, and none sees an internal error (SQLite
/// write transactions take the write lock up front; PostgreSQL's guarded UPDATE).
#[tokio::test]
async fn concurrent_registrations_respect_the_limit_without_errors() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let a = activation(&srv, 10).await;
        let dirs: Vec<PathBuf> = (0..24).map(|_| state_dir()).collect();
        let results = futures_util::future::join_all(
            dirs.iter()
                .map(|d| async { bosun_agent::register(&register_opts(&srv, &a, d)).await }),
        )
        .await;
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 10, "{results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(
                r.rejection_code(),
                Some(bosun_protocol::ErrorCode::InvalidActivation),
                "{r}"
            );
        }
        for d in dirs {
            let _ = std::fs::remove_dir_all(d);
        }
        srv.stop().await;
    }
}
