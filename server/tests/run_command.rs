//! Run Command end to end: the official AWS SDK against the real server, real agents
//! (the bosun-agent library, running real `/bin/sh` processes) over real WebSockets,
//! on SQLite and PostgreSQL. Waits are on the server's own change events, never on
//! fixed sleeps.

mod common;

use aws_sdk_ssm::types::{CommandInvocationStatus, CommandStatus, Target};
use bosun_agent::{AgentEvent, BackoffConfig, RegisterOptions, RunOptions};
use bosun_core::activations::{self, CreateActivation};
use bosun_core::testing::TestDb;
use bosun_core::types::{NewActivation, Role, Tag};
use bosun_core::Actor;
use common::{aws_error, TestServer};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// A bound for failures only (a patch scan of this machine takes several seconds).
const WAIT: Duration = Duration::from_secs(90);

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("bosun-rc-test-{}", uuid::Uuid::new_v4()))
}

async fn activation(srv: &TestServer, limit: i64) -> NewActivation {
    activations::create_activation(
        &srv.core,
        &Actor::cli(),
        CreateActivation {
            iam_role: "SSMServiceRole".into(),
            default_instance_name: "node".into(),
            registration_limit: Some(limit),
            ..Default::default()
        },
    )
    .await
    .expect("activation")
}

struct Agent {
    id: String,
    dir: PathBuf,
    task: Option<tokio::task::JoinHandle<Result<(), bosun_agent::AgentError>>>,
    events: UnboundedReceiver<AgentEvent>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Agent {
    async fn register(srv: &TestServer, a: &NewActivation) -> Agent {
        Self::register_at(&srv.url, a).await
    }

    /// Registers through the server at `url` (the agent keeps connecting there).
    async fn register_at(url: &str, a: &NewActivation) -> Agent {
        let dir = state_dir();
        let id = bosun_agent::register(&RegisterOptions {
            server: url.to_string(),
            activation_id: a.activation_id.clone(),
            activation_code: a.activation_code.clone(),
            state_dir: dir.clone(),
            name: None,
            force: false,
            ca_file: None,
        })
        .await
        .expect("register");
        let (_tx, events) = unbounded_channel();
        Agent {
            id,
            dir,
            task: None,
            events,
            stop: None,
        }
    }

    /// Starts the run loop and waits until it is connected.
    async fn start(&mut self) {
        let (tx, rx) = unbounded_channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let mut opts = RunOptions::new(self.dir.clone());
        opts.backoff = BackoffConfig {
            base: Duration::from_millis(50),
            cap: Duration::from_millis(400),
            healthy_after: Duration::from_secs(30),
        };
        opts.events = Some(tx);
        self.task = Some(tokio::spawn(bosun_agent::run(opts, async move {
            let _ = stop_rx.await;
        })));
        self.events = rx;
        self.stop = Some(stop_tx);
        self.wait(|e| matches!(e, AgentEvent::Connected { .. }))
            .await;
    }

    async fn wait(&mut self, want: impl Fn(&AgentEvent) -> bool) -> AgentEvent {
        let rx = &mut self.events;
        let wait = async {
            loop {
                match rx.recv().await {
                    Some(e) if want(&e) => return e,
                    Some(_) => continue,
                    None => panic!("the agent stopped sending events"),
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .expect("agent event in time")
    }

    async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// A test's agent leaves nothing behind: its run loop is stopped and its state
/// directory removed.
impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn fleet(srv: &TestServer, n: usize) -> Vec<Agent> {
    let a = activation(srv, n as i64).await;
    let mut agents = Vec::new();
    for _ in 0..n {
        let mut agent = Agent::register(srv, &a).await;
        agent.start().await;
        agents.push(agent);
    }
    agents
}

async fn tag(srv: &TestServer, id: &str, key: &str, value: &str) {
    bosun_core::tags::add_tags_to_resource(
        &srv.core,
        &Actor::cli(),
        "ManagedInstance",
        id,
        &[Tag {
            key: key.into(),
            value: value.into(),
        }],
    )
    .await
    .expect("tag");
}

/// Waits until the command's row satisfies `done`, re-reading it at each change event
/// the server publishes for it.
async fn wait_command(
    srv: &TestServer,
    command_id: &str,
    done: impl Fn(&bosun_core::types::CommandInfo) -> bool,
) -> bosun_core::types::CommandInfo {
    let mut rx = srv.core.commands().subscribe(&format!("cmd:{command_id}"));
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let c = bosun_core::commands::get_command(&srv.core, &Actor::cli(), command_id)
            .await
            .expect("command");
        if done(&c) {
            return c;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(_) => {}
            Err(_) => panic!(
                "command {command_id} still {} / {}",
                c.status, c.status_details
            ),
        }
    }
}

fn terminal(c: &bosun_core::types::CommandInfo) -> bool {
    !matches!(c.status.as_str(), "Pending" | "InProgress" | "Cancelling")
}

/// Sends AWS-RunShellScript with `lines` to one node through `ssm` and waits until
/// the command ends (on `srv`); its id and final state.
async fn run_shell(
    srv: &TestServer,
    ssm: &aws_sdk_ssm::Client,
    node: &str,
    lines: &[&str],
) -> (String, bosun_core::types::CommandInfo) {
    let sent = ssm
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(node)
        .set_parameters(Some(shell(lines)))
        .send()
        .await
        .expect("send");
    let id = sent
        .command()
        .and_then(|c| c.command_id())
        .expect("id")
        .to_string();
    let done = wait_command(srv, &id, terminal).await;
    (id, done)
}

/// GetCommandInvocation through the AWS SDK (the whole invocation, default plugin).
async fn invocation(
    ssm: &aws_sdk_ssm::Client,
    command_id: &str,
    node: &str,
) -> aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationOutput {
    ssm.get_command_invocation()
        .command_id(command_id)
        .instance_id(node)
        .send()
        .await
        .expect("get")
}

fn shell(commands: &[&str]) -> std::collections::HashMap<String, Vec<String>> {
    [(
        "commands".to_string(),
        commands.iter().map(|s| s.to_string()).collect(),
    )]
    .into_iter()
    .collect()
}

#[tokio::test]
async fn send_command_by_tag_runs_on_the_tagged_nodes_and_reports_output() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let mut agents = fleet(&srv, 3).await;
        tag(&srv, &agents[0].id, "env", "prod").await;
        tag(&srv, &agents[1].id, "env", "prod").await;
        tag(&srv, &agents[2].id, "env", "dev").await;

        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .targets(Target::builder().key("tag:env").values("prod").build())
            .set_parameters(Some(shell(&[
                "echo hello from $(hostname)",
                "echo oops >&2",
            ])))
            .comment("by tag")
            .send()
            .await
            .expect("send-command");
        let cmd = sent.command().expect("command");
        let id = cmd.command_id().expect("id").to_string();
        assert_eq!(cmd.target_count(), 2);
        assert_eq!(cmd.max_concurrency(), Some("50"));
        assert_eq!(cmd.max_errors(), Some("0"));
        assert_eq!(cmd.comment(), Some("by tag"));

        // The invocation exists the moment SendCommand returns (the CommandExecuted
        // waiter's first call must not meet InvocationDoesNotExist).
        let first = ssm
            .get_command_invocation()
            .command_id(&id)
            .instance_id(&agents[0].id)
            .send()
            .await
            .expect("invocation exists at once");
        assert!(
            matches!(
                first.status(),
                Some(
                    CommandInvocationStatus::Pending
                        | CommandInvocationStatus::InProgress
                        | CommandInvocationStatus::Success
                )
            ),
            "{:?}",
            first.status()
        );

        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(
            (done.status.as_str(), done.status_details.as_str()),
            ("Success", "Success")
        );
        assert_eq!((done.completed_count, done.error_count), (2, 0));

        for a in &agents[..2] {
            let inv = ssm
                .get_command_invocation()
                .command_id(&id)
                .instance_id(&a.id)
                .send()
                .await
                .expect("get-command-invocation");
            assert_eq!(inv.status(), Some(&CommandInvocationStatus::Success));
            assert_eq!(inv.status_details(), Some("Success"));
            assert_eq!(inv.response_code(), 0);
            assert!(
                inv.standard_output_content()
                    .unwrap_or_default()
                    .starts_with("hello from "),
                "{:?}",
                inv.standard_output_content()
            );
            assert_eq!(inv.standard_error_content(), Some("oops\n"));
            assert_eq!(inv.plugin_name(), Some("aws:runShellScript"));
            assert!(inv
                .execution_start_date_time()
                .is_some_and(|t| t.ends_with('Z')));
        }
        // `InstanceIds=*` reaches every node.
        let all = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .targets(Target::builder().key("InstanceIds").values("*").build())
            .set_parameters(Some(shell(&["true"])))
            .send()
            .await
            .expect("send to all");
        assert_eq!(all.command().map(|c| c.target_count()), Some(3));
        // The untagged node was never a target.
        let e = ssm
            .get_command_invocation()
            .command_id(&id)
            .instance_id(&agents[2].id)
            .send()
            .await
            .expect_err("not a target");
        assert_eq!(aws_error(&e).0, "InvocationDoesNotExist");

        let list = ssm
            .list_command_invocations()
            .command_id(&id)
            .details(true)
            .send()
            .await
            .expect("list-command-invocations");
        assert_eq!(list.command_invocations().len(), 2);
        for inv in list.command_invocations() {
            let plugins = inv.command_plugins();
            assert_eq!(plugins.len(), 1);
            let out = plugins[0].output().unwrap_or_default();
            assert!(
                out.contains("hello from") && out.contains("----------ERROR-------\noops"),
                "{out}"
            );
        }
        let cmds = ssm
            .list_commands()
            .command_id(&id)
            .filters(
                aws_sdk_ssm::types::CommandFilter::builder()
                    .key(aws_sdk_ssm::types::CommandFilterKey::Status)
                    .value("Success")
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("list-commands with a filter");
        assert_eq!(cmds.commands().len(), 1);
        assert_eq!(cmds.commands()[0].status(), Some(&CommandStatus::Success));

        // Unknown ids and bad requests get the model's exceptions.
        let e = ssm
            .list_commands()
            .command_id("00000000-0000-0000-0000-000000000000")
            .send()
            .await
            .expect_err("unknown command");
        assert_eq!(aws_error(&e).0, "InvalidCommandId");
        let e = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids("mi-00000000000000000")
            .set_parameters(Some(shell(&["true"])))
            .send()
            .await
            .expect_err("unknown node");
        assert_eq!(aws_error(&e).0, "InvalidInstanceId");
        let e = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&agents[0].id)
            .set_parameters(Some(
                [("nope".to_string(), vec!["x".to_string()])]
                    .into_iter()
                    .collect(),
            ))
            .send()
            .await
            .expect_err("unknown parameter");
        assert_eq!(aws_error(&e).0, "InvalidParameters");
        let e = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&agents[0].id)
            .instance_ids(&agents[0].id)
            .set_parameters(Some(shell(&["true"])))
            .send()
            .await
            .expect_err("duplicate");
        assert_eq!(aws_error(&e).0, "DuplicateInstanceId");

        for a in &mut agents {
            a.stop().await;
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn max_concurrency_is_never_exceeded_and_max_errors_stops_the_rollout() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let mut agents = fleet(&srv, 4).await;
        for a in &agents {
            tag(&srv, &a.id, "fleet", "all").await;
        }
        let target = Target::builder().key("tag:fleet").values("all").build();

        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .targets(target.clone())
            .max_concurrency("2")
            .set_parameters(Some(shell(&["sleep 0.3", "echo done"])))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        wait_command(&srv, &id, terminal).await;
        let invs = bosun_core::commands::list_invocations(
            &srv.core,
            &Actor::cli(),
            &bosun_core::commands::CommandFilter {
                command_id: Some(id.clone()),
                ..Default::default()
            },
            0,
            50,
        )
        .await
        .expect("invocations");
        assert_eq!(invs.len(), 4);
        // At no instant were more than two running (from the recorded times).
        let mut edges: Vec<(i64, i32)> = Vec::new();
        for i in &invs {
            assert_eq!(i.status, "Success", "{i:?}");
            edges.push((i.started_at.expect("started"), 1));
            edges.push((i.ended_at.expect("ended"), -1));
        }
        edges.sort();
        let (mut running, mut most) = (0, 0);
        for (_, d) in edges {
            running += d;
            most = most.max(running);
        }
        assert!(most <= 2, "{most} ran at once with MaxConcurrency 2");

        // One at a time, no errors allowed: the first failure stops the rollout.
        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .targets(target)
            .max_concurrency("1")
            .max_errors("0")
            .set_parameters(Some(shell(&["echo failing", "exit 3"])))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(
            (done.status.as_str(), done.status_details.as_str()),
            ("Failed", "Failed")
        );
        assert_eq!(done.error_count, 1);
        let invs = bosun_core::commands::list_invocations(
            &srv.core,
            &Actor::cli(),
            &bosun_core::commands::CommandFilter {
                command_id: Some(id.clone()),
                ..Default::default()
            },
            0,
            50,
        )
        .await
        .expect("invocations");
        let failed: Vec<_> = invs.iter().filter(|i| i.status == "Failed").collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].response_code, 3);
        let terminated = invs
            .iter()
            .filter(|i| i.status_details == "Terminated")
            .count();
        assert_eq!(terminated, 3, "{invs:?}");

        for a in &mut agents {
            a.stop().await;
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn execution_timeout_and_cancel_kill_the_process_group() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let mut agents = fleet(&srv, 1).await;
        let node = agents[0].id.clone();
        let marker = agents[0].dir.join("child-alive");

        // executionTimeout 2 s; the script's background child dies with the group.
        let mut params = shell(&[&format!(
            "(sleep 5; touch {}) & echo started; sleep 30",
            marker.display()
        )]);
        params.insert("executionTimeout".into(), vec!["2".into()]);
        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&node)
            .set_parameters(Some(params))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(
            (done.status.as_str(), done.status_details.as_str()),
            ("TimedOut", "Execution Timed Out")
        );
        let inv = invocation(&ssm, &id, &node).await;
        assert_eq!(inv.status(), Some(&CommandInvocationStatus::TimedOut));
        assert_eq!(inv.standard_output_content(), Some("started\n"));

        // Cancel a long command while it runs.
        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&node)
            .set_parameters(Some(shell(&["echo running", "sleep 30"])))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        wait_command(&srv, &id, |c| c.status == "InProgress").await;
        let asked = std::time::Instant::now();
        ssm.cancel_command()
            .command_id(&id)
            .send()
            .await
            .expect("cancel");
        let done = wait_command(&srv, &id, terminal).await;
        let took = asked.elapsed();
        assert_eq!(
            (done.status.as_str(), done.status_details.as_str()),
            ("Cancelled", "Cancelled")
        );
        assert!(took < Duration::from_secs(10), "cancel took {took:?}");
        println!("cancel to Cancelled: {took:?}");
        let e = ssm
            .cancel_command()
            .command_id("00000000-0000-0000-0000-000000000000")
            .send()
            .await
            .expect_err("unknown");
        assert_eq!(aws_error(&e).0, "InvalidCommandId");

        // The timed-out step's background child was killed with its group.
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(!marker.exists(), "a child of the timed-out step survived");

        for a in &mut agents {
            a.stop().await;
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn an_offline_node_gets_its_invocation_on_reconnect_or_it_times_out() {
    use bosun_core::clock::ManualClock;
    for db in TestDb::all().await {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let srv = TestServer::start_with_clock(db, std::sync::Arc::new(clock.clone())).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let a = activation(&srv, 2).await;
        let mut late = Agent::register(&srv, &a).await;
        let mut never = Agent::register(&srv, &a).await;

        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&late.id)
            .instance_ids(&never.id)
            .timeout_seconds(30)
            .set_parameters(Some(shell(&["echo delivered late"])))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        let inv = invocation(&ssm, &id, &late.id).await;
        assert_eq!(inv.status(), Some(&CommandInvocationStatus::Delayed));

        late.start().await;
        let mut rx = srv.core.commands().subscribe(&format!("cmd:{id}"));
        loop {
            let inv = bosun_core::commands::get_invocation(&srv.core, &Actor::cli(), &id, &late.id)
                .await
                .expect("invocation");
            if inv.status == "Success" {
                break;
            }
            let _ = tokio::time::timeout(WAIT, rx.recv())
                .await
                .expect("the late node ran its invocation");
        }

        // Time passes beyond TimeoutSeconds: the node that never came is Delivery Timed Out.
        clock.advance(time::Duration::seconds(31));
        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(done.delivery_timed_out_count, 1);
        assert_eq!(
            (done.status.as_str(), done.status_details.as_str()),
            ("TimedOut", "Delivery Timed Out")
        );
        let inv = invocation(&ssm, &id, &never.id).await;
        assert_eq!(inv.status(), Some(&CommandInvocationStatus::TimedOut));
        assert_eq!(inv.status_details(), Some("Delivery Timed Out"));

        // When it connects after all, it does not run it (it is told to cancel).
        never.start().await;
        late.stop().await;
        never.stop().await;
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_server_restart_mid_command_loses_nothing_and_runs_nothing_twice() {
    for db in TestDb::all().await {
        let mut srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let mut agents = fleet(&srv, 1).await;
        let node = agents[0].id.clone();
        let runs = agents[0].dir.join("runs");
        let script = format!(
            "echo run >> {}; for i in 1 2 3 4 5 6; do echo line$i; sleep 0.3; done",
            runs.display()
        );
        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&node)
            .set_parameters(Some(shell(&[&script])))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        wait_command(&srv, &id, |c| c.status == "InProgress").await;
        srv.restart().await;
        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(done.status, "Success", "{done:?}");
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let inv = invocation(&ssm, &id, &node).await;
        assert_eq!(
            inv.standard_output_content(),
            Some("line1\nline2\nline3\nline4\nline5\nline6\n")
        );
        let ran = std::fs::read_to_string(&runs).expect("runs file");
        assert_eq!(ran, "run\n", "ran more than once");
        for a in &mut agents {
            a.stop().await;
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_command_sent_on_one_replica_runs_on_a_node_held_by_another() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let a_srv = TestServer::start(db).await;
    let b_srv = a_srv.replica().await;
    let key = a_srv.user_with_key("ops", Role::Operator).await;
    let ssm_a = a_srv.ssm(&key.access_key_id, &key.secret_access_key);
    let act = activation(&a_srv, 1).await;
    let mut agent = Agent::register_at(&b_srv.url, &act).await;
    agent.start().await;

    // Sent through A; the node's link is on B: B delivers (cluster notice) and stores.
    let (id, done) = run_shell(&b_srv, &ssm_a, &agent.id, &["echo across replicas"]).await;
    assert_eq!(done.status, "Success", "{done:?}");
    let inv = ssm_a
        .get_command_invocation()
        .command_id(&id)
        .instance_id(&agent.id)
        .send()
        .await
        .expect("get via A");
    assert_eq!(inv.standard_output_content(), Some("across replicas\n"));

    // A cancel through A reaches the process on B's node.
    let sent = ssm_a
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(&agent.id)
        .set_parameters(Some(shell(&["sleep 60"])))
        .send()
        .await
        .expect("send via A");
    let id = sent
        .command()
        .and_then(|c| c.command_id())
        .expect("id")
        .to_string();
    wait_command(&b_srv, &id, |c| c.status == "InProgress").await;
    ssm_a
        .cancel_command()
        .command_id(&id)
        .send()
        .await
        .expect("cancel via A");
    let done = wait_command(&b_srv, &id, terminal).await;
    assert_eq!(done.status, "Cancelled", "{done:?}");

    agent.stop().await;
    b_srv.stop().await;
    a_srv.stop().await;
}

#[tokio::test]
async fn output_beyond_the_cap_is_dropped_and_recorded_and_the_api_cuts_as_aws() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        bosun_core::settings::update_service_setting(
            &srv.core,
            &Actor::cli(),
            bosun_core::commands::OUTPUT_LIMIT_SETTING,
            "1048576",
        )
        .await
        .expect("cap 1 MiB");
        let mut agents = fleet(&srv, 1).await;
        let node = agents[0].id.clone();
        let (id, done) = run_shell(
            &srv,
            &ssm,
            &node,
            &[
                "head -c 1500000 /dev/zero | tr '\\0' a",
                "echo; echo é-and-more >&2",
            ],
        )
        .await;
        assert_eq!(done.status, "Success", "{done:?}");
        let inv = bosun_core::commands::get_invocation(&srv.core, &Actor::cli(), &id, &node)
            .await
            .expect("invocation");
        assert_eq!(inv.output_bytes, 1_048_576, "{inv:?}");
        assert_eq!(
            inv.output_bytes + inv.output_dropped,
            1_500_000 + 1 + "é-and-more\n".len() as i64
        );
        let got = invocation(&ssm, &id, &node).await;
        let out = got.standard_output_content().unwrap_or_default();
        assert_eq!(out.chars().count(), 24_000);
        assert!(out.chars().all(|c| c == 'a'));

        // NUL, which PostgreSQL's text cannot hold, is stored as U+2400 on both.
        let (id, done) = run_shell(&srv, &ssm, &node, &["printf 'nul:\\000:end\\n'"]).await;
        assert_eq!(done.status, "Success", "{done:?}");
        let got = invocation(&ssm, &id, &node).await;
        assert_eq!(got.standard_output_content(), Some("nul:\u{2400}:end\n"));
        for a in &mut agents {
            a.stop().await;
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_deregistered_node_is_undeliverable_and_the_live_routes_need_a_session() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let a = activation(&srv, 1).await;
        let gone = Agent::register(&srv, &a).await;
        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&gone.id)
            .set_parameters(Some(shell(&["echo never"])))
            .send()
            .await
            .expect("send");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        ssm.deregister_managed_instance()
            .instance_id(&gone.id)
            .send()
            .await
            .expect("deregister");
        let done = wait_command(&srv, &id, terminal).await;
        let inv = bosun_core::commands::get_invocation(&srv.core, &Actor::cli(), &id, &gone.id)
            .await
            .expect("invocation");
        assert_eq!(
            (inv.status.as_str(), inv.status_details.as_str()),
            ("Failed", "Undeliverable")
        );
        // Undeliverable counts neither as an error nor against success.
        assert_eq!((done.status.as_str(), done.error_count), ("Success", 0));

        // The live output routes need a session like every console route.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        for path in [
            format!("/live/invocations/{}", inv.invocation_id),
            format!("/live/invocations/{}/output.txt", inv.invocation_id),
        ] {
            let res = http
                .get(format!("{}{path}", srv.url))
                .send()
                .await
                .expect("get");
            assert_eq!(res.status().as_u16(), 303, "{path}");
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_console_stream_delivers_lines_while_the_command_runs() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let mut agents = fleet(&srv, 1).await;
    let node = agents[0].id.clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let cookie = common::console_cookie(&srv).await;
    let c = bosun_core::commands::send_command(
        &srv.core,
        &Actor::cli(),
        bosun_core::commands::SendCommand {
            document_name: "AWS-RunShellScript".into(),
            instance_ids: vec![node.clone()],
            parameters: shell(&["echo one; sleep 2; echo two"])
                .into_iter()
                .collect(),
            ..Default::default()
        },
    )
    .await
    .expect("send");
    let mut res = http
        .get(format!(
            "{}/live/invocations/{}-{node}",
            srv.url, c.command_id
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("stream");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/event-stream")));
    let mut text = String::new();
    // "one" arrives while the command still runs (before "two" is even printed).
    let seen_one = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(chunk)) = res.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("one\\n") {
                return true;
            }
        }
        false
    })
    .await
    .expect("first line in time");
    assert!(seen_one, "{text}");
    let running = bosun_core::commands::get_command(&srv.core, &Actor::cli(), &c.command_id)
        .await
        .expect("command");
    assert_eq!(running.status, "InProgress", "{text}");
    // The rest follows, then the end.
    let ended = tokio::time::timeout(WAIT, async {
        while let Ok(Some(chunk)) = res.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: end") {
                return true;
            }
        }
        false
    })
    .await
    .expect("end in time");
    assert!(
        ended && text.contains("two\\n") && text.contains("\"status\":\"Success\""),
        "{text}"
    );
    // The whole output as a file.
    let file = http
        .get(format!(
            "{}/live/invocations/{}-{node}/output.txt",
            srv.url, c.command_id
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(file.status().as_u16(), 200, "{:?}", file.headers());
    assert!(file
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|d| d.starts_with("attachment")));
    assert_eq!(file.text().await.expect("body"), "one\ntwo\n");
    for a in &mut agents {
        a.stop().await;
    }
    srv.stop().await;
}

#[tokio::test]
async fn parameter_store_references_resolve_and_secrets_stay_out_of_the_record() {
    let db = TestDb::sqlite().await;
    let srv = TestServer::start(db).await;
    let key = srv.user_with_key("ops", Role::Operator).await;
    let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
    let agents = fleet(&srv, 1).await;
    let secret = format!("s3cr3t-{}", uuid::Uuid::new_v4());
    ssm.put_parameter()
        .name("/app/greeting")
        .value("hello \"quoted\"")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("put plain");
    ssm.put_parameter()
        .name("/app/token")
        .value(&secret)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put secret");

    let sent = ssm
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(&agents[0].id)
        .set_parameters(Some(shell(&[
            "echo '{{ssm:/app/greeting}}'",
            "echo token-length-{{ssm-secure:/app/token}}-end | wc -c",
        ])))
        .send()
        .await
        .expect("send-command");
    let id = sent
        .command()
        .and_then(|c| c.command_id())
        .expect("id")
        .to_string();
    let done = wait_command(&srv, &id, terminal).await;
    assert_eq!(done.status, "Success", "{done:?}");
    let inv = ssm
        .get_command_invocation()
        .command_id(&id)
        .instance_id(&agents[0].id)
        .send()
        .await
        .expect("invocation");
    let out = inv.standard_output_content().unwrap_or_default();
    // The plain reference was resolved when sent; the secret reached the node (its
    // length shows it was substituted: "token-length-" + value + "-end" + newline).
    assert!(out.contains("hello \"quoted\""), "{out}");
    let expected_len = format!("token-length-{secret}-end\n").len();
    assert!(out.contains(&expected_len.to_string()), "{out}");

    // The command as the API shows it keeps the references, never the secret.
    let listed = ssm
        .list_commands()
        .command_id(&id)
        .send()
        .await
        .expect("list-commands");
    // (The SDK's Debug redacts Parameters: look at the map itself.)
    let shown = format!(
        "{:?}",
        listed.commands().first().and_then(|c| c.parameters())
    );
    assert!(shown.contains("{{ssm-secure:/app/token}}"), "{shown}");
    assert!(!shown.contains(&secret));
    // Nothing stored holds it: the command row, the invocation's steps, the audit log.
    for sql in [
        "SELECT parameters FROM commands",
        "SELECT run FROM command_invocations",
        "SELECT detail FROM audit_log",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(srv.core.db().pool())
            .await
            .expect("read");
        assert!(
            rows.iter().all(|r| !r.contains(&secret)),
            "{sql} holds the secret"
        );
    }
    let runs: Vec<String> = sqlx::query_scalar("SELECT run FROM command_invocations")
        .fetch_all(srv.core.db().pool())
        .await
        .expect("runs");
    assert!(runs.iter().all(|r| r.contains("{{ssm-secure:/app/token}}")));
    assert!(runs.iter().all(|r| r.contains("hello \\\"quoted\\\"")));
    // The delivery's decryption is audited, by parameter and command.
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'Decrypt' AND resource = 'parameter//app/token'",
    )
    .fetch_all(srv.core.db().pool())
    .await
    .expect("audit");
    assert!(audited.iter().any(|d| d.contains(&id)), "{audited:?}");

    // A reference to a missing parameter, or a SecureString referenced as plain, is
    // refused before anything is sent.
    for (script, needle) in [
        ("echo {{ssm:/app/missing}}", "names no parameter"),
        ("echo {{ssm:/app/token}}", "ssm-secure"),
        ("echo {{ssm-secure:/app/greeting}}", "not a SecureString"),
    ] {
        let e = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&agents[0].id)
            .set_parameters(Some(shell(&[script])))
            .send()
            .await
            .expect_err(script);
        let (code, message) = aws_error(&e);
        assert_eq!(code, "InvalidParameters", "{script}: {message}");
        assert!(message.contains(needle), "{script}: {message}");
        assert!(!message.contains(&secret));
    }
    srv.stop().await;
}

#[tokio::test]
async fn a_patch_scan_runs_with_each_node_s_effective_baseline() {
    use aws_sdk_ssm::types::{OperatingSystem, PatchFilter, PatchFilterGroup, PatchFilterKey};
    use aws_sdk_ssm::types::{PatchRule, PatchRuleGroup};
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let mut agents = fleet(&srv, 2).await;
        // This machine is Debian: one node in patch group "web" with its own baseline,
        // the other on the default.
        let web = ssm
            .create_patch_baseline()
            .name("web-debian")
            .operating_system(OperatingSystem::Debian)
            .approval_rules(
                PatchRuleGroup::builder()
                    .patch_rules(
                        PatchRule::builder()
                            .patch_filter_group(
                                PatchFilterGroup::builder()
                                    .patch_filters(
                                        PatchFilter::builder()
                                            .key(PatchFilterKey::Priority)
                                            .values("Required")
                                            .build()
                                            .expect("filter"),
                                    )
                                    .build()
                                    .expect("group"),
                            )
                            .approve_after_days(0)
                            .build(),
                    )
                    .build()
                    .expect("rules"),
            )
            .send()
            .await
            .expect("baseline")
            .baseline_id()
            .expect("id")
            .to_string();
        ssm.register_patch_baseline_for_patch_group()
            .baseline_id(&web)
            .patch_group("web")
            .send()
            .await
            .expect("register");
        tag(&srv, &agents[0].id, "Patch Group", "web").await;

        let scan = |operation: &str| {
            ssm.send_command()
                .document_name("AWS-RunPatchBaseline")
                .instance_ids(&agents[0].id)
                .instance_ids(&agents[1].id)
                .parameters("Operation", vec![operation.to_string()])
                .send()
        };
        let id = scan("Scan")
            .await
            .expect("send scan")
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(done.status, "Success", "{}", done.status_details);
        for (agent, baseline) in [
            (&agents[0], "web-debian"),
            (&agents[1], "AWS-DebianDefaultPatchBaseline"),
        ] {
            let inv = ssm
                .get_command_invocation()
                .command_id(&id)
                .instance_id(&agent.id)
                .send()
                .await
                .expect("invocation");
            let out = inv.standard_output_content().unwrap_or_default();
            assert!(
                out.contains(&format!("with patch baseline {baseline} (")),
                "{out}"
            );
            assert!(
                out.contains("Scanned ") && out.contains("Compliance: "),
                "{out}"
            );
        }
        let first = ssm
            .get_command_invocation()
            .command_id(&id)
            .instance_id(&agents[0].id)
            .send()
            .await
            .expect("invocation");
        assert!(first
            .standard_output_content()
            .unwrap_or_default()
            .contains("patch group web"));

        // Each node's report is Patch Manager's state for it.
        let states = ssm
            .describe_instance_patch_states()
            .instance_ids(&agents[0].id)
            .instance_ids(&agents[1].id)
            .send()
            .await
            .expect("patch states");
        let states = states.instance_patch_states();
        assert_eq!(states.len(), 2);
        let of = |id: &str| {
            states
                .iter()
                .find(|s| s.instance_id() == id)
                .expect("a state per node")
        };
        let web_state = of(&agents[0].id);
        assert_eq!(web_state.patch_group(), "web");
        assert_eq!(web_state.baseline_id(), web);
        assert_eq!(
            web_state.operation(),
            &aws_sdk_ssm::types::PatchOperationType::Scan
        );
        let default_state = of(&agents[1].id);
        assert_eq!(default_state.patch_group(), "");
        assert!(default_state.baseline_id().starts_with("pb-0b05"));
        let total = |s: &aws_sdk_ssm::types::InstancePatchState| {
            s.installed_count()
                + s.installed_other_count()
                + s.installed_pending_reboot_count().unwrap_or(0)
                + s.installed_rejected_count().unwrap_or(0)
                + s.missing_count()
                + s.failed_count()
                + s.not_applicable_count()
        };
        assert!(total(default_state) > 0);
        // Every patch is listed, page by page, and the filter finds the missing ones.
        let mut listed = 0;
        let mut token = None;
        loop {
            let page = ssm
                .describe_instance_patches()
                .instance_id(&agents[1].id)
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .expect("patches");
            listed += page.patches().len() as i32;
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        assert_eq!(listed, total(default_state));
        let missing = ssm
            .describe_instance_patches()
            .instance_id(&agents[1].id)
            .filters(
                aws_sdk_ssm::types::PatchOrchestratorFilter::builder()
                    .key("State")
                    .values("Missing")
                    .build(),
            )
            .max_results(100)
            .send()
            .await
            .expect("missing patches");
        assert!(missing
            .patches()
            .iter()
            .all(|p| p.state() == &aws_sdk_ssm::types::PatchComplianceDataState::Missing));
        assert_eq!(
            missing.patches().len() as i32,
            default_state.missing_count().min(100)
        );
        let group = ssm
            .describe_patch_group_state()
            .patch_group("web")
            .send()
            .await
            .expect("group state");
        assert_eq!(group.instances(), 1);
        let in_group = ssm
            .describe_instance_patch_states_for_patch_group()
            .patch_group("web")
            .filters(
                aws_sdk_ssm::types::InstancePatchStateFilter::builder()
                    .key("MissingCount")
                    .values(web_state.missing_count().to_string())
                    .r#type(aws_sdk_ssm::types::InstancePatchStateOperatorType::Equal)
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("group states");
        assert_eq!(in_group.instance_patch_states().len(), 1);
        let e = ssm
            .describe_instance_patch_states_for_patch_group()
            .patch_group("web")
            .filters(
                aws_sdk_ssm::types::InstancePatchStateFilter::builder()
                    .key("Colour")
                    .values("1")
                    .r#type(aws_sdk_ssm::types::InstancePatchStateOperatorType::Equal)
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect_err("unknown key");
        assert_eq!(aws_error(&e).0, "InvalidFilter");

        // The same, as AWS's compliance operations see it.
        let non_compliant = default_state.missing_count()
            + default_state.failed_count()
            + default_state.installed_rejected_count().unwrap_or(0)
            + default_state.installed_pending_reboot_count().unwrap_or(0);
        let items = ssm
            .list_compliance_items()
            .resource_ids(&agents[1].id)
            .resource_types("ManagedInstance")
            .filters(
                aws_sdk_ssm::types::ComplianceStringFilter::builder()
                    .key("Status")
                    .values("NON_COMPLIANT")
                    .r#type(aws_sdk_ssm::types::ComplianceQueryOperatorType::Equal)
                    .build(),
            )
            .max_results(50)
            .send()
            .await
            .expect("compliance items");
        assert_eq!(items.compliance_items().len() as i32, non_compliant.min(50));
        assert!(items.compliance_items().iter().all(|c| {
            c.compliance_type() == Some("Patch")
                && c.status() == Some(&aws_sdk_ssm::types::ComplianceStatus::NonCompliant)
        }));
        let per_node = ssm
            .list_resource_compliance_summaries()
            .send()
            .await
            .expect("resource summaries");
        let mine = per_node
            .resource_compliance_summary_items()
            .iter()
            .find(|r| r.resource_id() == Some(agents[1].id.as_str()))
            .expect("a summary per node");
        assert_eq!(
            mine.non_compliant_summary()
                .map(|n| n.non_compliant_count())
                .unwrap_or_default(),
            non_compliant
        );
        let by_type = ssm
            .list_compliance_summaries()
            .send()
            .await
            .expect("summaries");
        let patch = &by_type.compliance_summary_items()[0];
        assert_eq!(patch.compliance_type(), Some("Patch"));
        assert_eq!(
            patch
                .compliant_summary()
                .map(|c| c.compliant_count())
                .unwrap_or(0)
                + patch
                    .non_compliant_summary()
                    .map(|c| c.non_compliant_count())
                    .unwrap_or(0),
            2
        );

        // Each baseline's effective patches: what the nodes on it reported, with the
        // baseline's decision — every patch it approved (the missing ones among them),
        // once per title, in title order, page by page.
        let effective_of = |baseline: String| {
            let ssm = &ssm;
            async move {
                let mut all = Vec::new();
                let mut token = None;
                let mut pages = 0;
                loop {
                    let page = ssm
                        .describe_effective_patches_for_patch_baseline()
                        .baseline_id(&baseline)
                        .max_results(7)
                        .set_next_token(token)
                        .send()
                        .await
                        .expect("effective patches");
                    assert!(page.effective_patches().len() <= 7);
                    pages += 1;
                    all.extend(page.effective_patches().iter().cloned());
                    token = page.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                assert!(pages > 1 || all.len() <= 7, "{pages} page(s)");
                all
            }
        };
        let mut missing_titles = Vec::new();
        let mut token = None;
        loop {
            let page = ssm
                .describe_instance_patches()
                .instance_id(&agents[1].id)
                .filters(
                    aws_sdk_ssm::types::PatchOrchestratorFilter::builder()
                        .key("State")
                        .values("Missing")
                        .build(),
                )
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .expect("missing patches");
            missing_titles.extend(page.patches().iter().map(|p| p.title().to_string()));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        for (state, product) in [(default_state, "default"), (web_state, "web")] {
            let effective = effective_of(state.baseline_id().to_string()).await;
            let titles: Vec<&str> = effective
                .iter()
                .filter_map(|e| e.patch().and_then(|p| p.title()))
                .collect();
            let mut in_order = titles.clone();
            in_order.sort_unstable();
            in_order.dedup();
            assert_eq!(titles, in_order, "{product}: by title, each once");
            // Neither baseline lists or rejects anything: every patch it decides on is
            // approved by its rule, and the others are the node's INSTALLED_OTHER.
            assert_eq!(
                effective.len() as i32,
                total(state) - state.installed_other_count(),
                "{product}"
            );
            for e in &effective {
                let status = e.patch_status().expect("status");
                assert_eq!(
                    status.deployment_status(),
                    Some(&aws_sdk_ssm::types::PatchDeploymentStatus::Approved),
                    "{product}: {e:?}"
                );
                // apt repositories publish no dates: an apt rule's approval is undated.
                assert_eq!(status.approval_date(), None, "{product}");
                let p = e.patch().expect("patch");
                let (name, arch) = (p.name().unwrap_or(""), p.arch().unwrap_or(""));
                assert!(!name.is_empty() && !arch.is_empty(), "{p:?}");
                assert_eq!(p.kb_number(), Some(format!("{name}.{arch}").as_str()));
                // This machine is Debian (Debian12…), as the node's report says.
                assert!(
                    p.product().is_some_and(|x| x.starts_with("Debian")),
                    "{p:?}"
                );
                assert!(!p.version().unwrap_or("").is_empty(), "{p:?}");
            }
            if product == "default" {
                for missing in &missing_titles {
                    assert!(
                        titles.contains(&missing.as_str()),
                        "missing {missing} is not among the default baseline's effective patches"
                    );
                }
            }
        }

        // Install is exercised in `patch_install.rs`, inside an apt sandbox: here it
        // would upgrade this machine's own packages.
        for a in &mut agents {
            a.stop().await;
        }
        srv.stop().await;
    }
}
