//! The real `bosun-agent` binary as a child process (built by `cargo xtask test`, path in
//! `BOSUN_AGENT_BIN`): registration, start, and the waits tests need around it — on the
//! server's change events, or (for what only the node's files show) on polling.

use super::TestServer;
use bosun_core::activations::{self, CreateActivation};
use bosun_core::types::{CommandInfo, NewActivation};
use bosun_core::Actor;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub const WAIT: Duration = Duration::from_secs(30);

pub fn agent_binary() -> PathBuf {
    let path = std::env::var("BOSUN_AGENT_BIN").unwrap_or_else(|_| {
        panic!(
            "BOSUN_AGENT_BIN is not set: run through `cargo xtask test`, or build the agent \
             (cargo build -p bosun-agent) and set BOSUN_AGENT_BIN to its path"
        )
    });
    let path = PathBuf::from(path);
    assert!(path.is_file(), "{} is not built", path.display());
    path
}

pub fn temp_dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bosun-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub async fn activation(srv: &TestServer) -> NewActivation {
    activations::create_activation(
        &srv.core,
        &Actor::cli(),
        CreateActivation {
            iam_role: "SSMServiceRole".into(),
            registration_limit: Some(1),
            ..Default::default()
        },
    )
    .await
    .expect("activation")
}

/// `bosun-agent register`; returns the instance id it prints.
pub async fn register(srv: &TestServer, a: &NewActivation, state_dir: &Path) -> String {
    let out = Command::new(agent_binary())
        .args(["register", "--server", &srv.url, "--activation-id"])
        .arg(&a.activation_id)
        .arg("--state-dir")
        .arg(state_dir)
        .env("BOSUN_ACTIVATION_CODE", &a.activation_code)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run bosun-agent register");
    assert!(
        out.status.success(),
        "register failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `bosun-agent run` on `state_dir` with `env` added, its log appended to
/// `<state_dir>/../agent.log`.
pub fn run_agent(state_dir: &Path, env: &[(&str, &std::ffi::OsStr)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state_dir.with_file_name("agent.log"))
        .expect("agent log");
    Command::new(agent_binary())
        .arg("run")
        .arg("--state-dir")
        .arg(state_dir)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start bosun-agent run")
}

/// Waits until the command's row satisfies `done`, re-reading it at each change event
/// the server publishes for it (as `run_command.rs` does).
pub async fn wait_command(
    srv: &TestServer,
    command_id: &str,
    done: impl Fn(&CommandInfo) -> bool,
) -> CommandInfo {
    let mut rx = srv.core.commands().subscribe(&format!("cmd:{command_id}"));
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let c = bosun_core::commands::get_command(&srv.core, &Actor::cli(), command_id)
            .await
            .expect("command");
        if done(&c) {
            return c;
        }
        if tokio::time::timeout_at(deadline, rx.recv()).await.is_err() {
            panic!(
                "command {command_id} still {} / {}",
                c.status, c.status_details
            );
        }
    }
}

pub fn terminal(c: &CommandInfo) -> bool {
    !matches!(c.status.as_str(), "Pending" | "InProgress" | "Cancelling")
}

/// Polls what only the node's file system shows (there is no event for it).
pub async fn wait_for(what: &str, ok: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !ok() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn ping_status(srv: &TestServer, id: &str) -> String {
    sqlx::query_scalar("SELECT ping_status FROM managed_instances WHERE id = $1")
        .bind(id)
        .fetch_one(srv.core.db().pool())
        .await
        .expect("node row")
}

/// Waits until the node's ping status is Online (polled: the link has no event for
/// tests).
pub async fn wait_online(srv: &TestServer, node: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while ping_status(srv, node).await != "Online" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the agent did not come Online"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends SIGTERM to the agent and waits for its clean exit.
pub async fn stop_agent(agent: &mut Child) {
    let pid = agent.id().expect("agent pid");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let stopped = tokio::time::timeout(WAIT, agent.wait())
        .await
        .expect("the agent stops on SIGTERM")
        .expect("reap the agent");
    assert!(stopped.success(), "{stopped:?}");
}
