//! `curl -fsSL SERVER/agent/install.sh | sh -s -- --id ID --code CODE` with the real
//! script, the real agent binary (built by `cargo xtask test`, path in
//! `BOSUN_AGENT_BIN`) and the real server: download and checksum, registration, the
//! systemd unit (with `systemctl` recorded, since tests run without systemd), the
//! `--no-systemd --prefix` mode, re-runs and refusals.

mod common;

use bosun_core::activations::{self, CreateActivation};
use bosun_core::testing::TestDb;
use bosun_core::types::NewActivation;
use bosun_core::Actor;
use common::{serve_args, TestServer};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn agent_binary() -> PathBuf {
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

fn temp_dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bosun-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

async fn activation(srv: &TestServer, limit: i64) -> NewActivation {
    activations::create_activation(
        &srv.core,
        &Actor::cli(),
        CreateActivation {
            iam_role: "SSMServiceRole".into(),
            registration_limit: Some(limit),
            ..Default::default()
        },
    )
    .await
    .expect("activation")
}

/// Runs the one-liner (without sudo) with extra arguments and environment.
async fn install(srv: &TestServer, args: &str, env: &[(&str, String)]) -> Output {
    let line = format!("curl -fsSL {}/agent/install.sh | sh -s -- {args}", srv.url);
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c").arg(&line).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run sh")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn status(srv: &TestServer, id: &str) -> String {
    sqlx::query_scalar("SELECT ping_status FROM managed_instances WHERE id = $1")
        .bind(id)
        .fetch_one(srv.core.db().pool())
        .await
        .expect("node row")
}

fn instance_id(state_dir: &Path) -> String {
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(state_dir.join("state.json")).expect("state.json"),
    )
    .expect("json");
    state["instance_id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn the_one_line_installer_enrols_a_node_that_comes_online() {
    let agent = agent_binary();
    let mut args = serve_args(None);
    args.agent_binary = Some(agent.clone());
    let srv = TestServer::start_with(TestDb::sqlite().await, args).await;
    let a = activation(&srv, 2).await;
    let prefix = temp_dir("install");

    // --no-systemd --prefix: binary and state under the prefix.
    let out = install(
        &srv,
        &format!(
            "--id {} --code {} --no-systemd --prefix {} --name web-7",
            a.activation_id,
            a.activation_code,
            prefix.display()
        ),
        &[],
    )
    .await;
    assert!(out.status.success(), "install failed: {}", text(&out));
    let installed = prefix.join("bin/bosun-agent");
    assert_eq!(
        std::fs::read(&installed).expect("installed"),
        std::fs::read(&agent).expect("original"),
        "the installed binary is the server's agent"
    );
    assert_eq!(
        std::fs::metadata(&installed)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o755
    );
    let state_dir = prefix.join("var/lib/bosun-agent");
    let id = instance_id(&state_dir);
    assert!(text(&out).contains(&id), "the script shows the node id");
    assert!(
        text(&out).contains("Start the agent with"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::metadata(state_dir.join("node.key"))
            .expect("key")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert!(
        !text(&out).contains(&a.activation_code),
        "the code is not echoed"
    );

    // The installed agent, started as the script says, comes Online.
    let mut child = Command::new(&installed)
        .args(["run", "--state-dir"])
        .arg(&state_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start agent");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while status(&srv, &id).await != "Online" {
        assert!(tokio::time::Instant::now() < deadline, "node not Online");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let name: String = sqlx::query_scalar("SELECT name FROM managed_instances WHERE id = $1")
        .bind(&id)
        .fetch_one(srv.core.db().pool())
        .await
        .expect("name");
    assert_eq!(name, "web-7");
    let _ = child.kill();
    let _ = child.wait();

    // Running it again keeps the registration (no second node).
    let again = install(
        &srv,
        &format!(
            "--id {} --code {} --no-systemd --prefix {}",
            a.activation_id,
            a.activation_code,
            prefix.display()
        ),
        &[],
    )
    .await;
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("already registered"));
    assert_eq!(instance_id(&state_dir), id);

    // The systemd mode writes the unit and enables and starts it (systemctl recorded).
    let fake_bin = temp_dir("fake-systemctl");
    let calls = fake_bin.join("calls");
    std::fs::write(
        fake_bin.join("systemctl"),
        format!("#!/bin/sh\necho \"$*\" >> {}\n", calls.display()),
    )
    .expect("stub");
    std::fs::set_permissions(
        fake_bin.join("systemctl"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    let unit_dir = temp_dir("units");
    let prefix2 = temp_dir("install");
    let out = install(
        &srv,
        &format!(
            "--id {} --code {} --prefix {}",
            a.activation_id,
            a.activation_code,
            prefix2.display()
        ),
        &[
            (
                "PATH",
                format!(
                    "{}:{}",
                    fake_bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            ),
            ("BOSUN_UNIT_DIR", unit_dir.display().to_string()),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let unit = std::fs::read_to_string(unit_dir.join("bosun-agent.service")).expect("unit");
    assert!(
        unit.contains(&format!(
            "ExecStart=\"{}/bin/bosun-agent\" run --state-dir \"{}/var/lib/bosun-agent\"",
            prefix2.display(),
            prefix2.display()
        )),
        "{unit}"
    );
    assert!(unit.contains("Restart=always"));
    assert_eq!(
        std::fs::read_to_string(&calls).expect("calls"),
        "daemon-reload\nenable bosun-agent.service\nrestart bosun-agent.service\n"
    );

    // The activation is used up now: a third machine is refused, clearly.
    let prefix3 = temp_dir("install");
    let out = install(
        &srv,
        &format!(
            "--id {} --code {} --no-systemd --prefix {}",
            a.activation_id,
            a.activation_code,
            prefix3.display()
        ),
        &[],
    )
    .await;
    assert!(!out.status.success());
    assert!(text(&out).contains("registration failed"), "{}", text(&out));
    assert!(text(&out).contains("registration limit"), "{}", text(&out));

    // Missing options and a foreign architecture's download are refused.
    let out = install(&srv, "--code x --no-systemd", &[]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("--id ACTIVATION_ID is required"));
    let res = raw_get(&srv, "/agent/download/bosun-agent-linux-sparc").await;
    assert!(res.starts_with("HTTP/1.1 404"), "{res}");

    for d in [prefix, prefix2, prefix3, fake_bin, unit_dir] {
        let _ = std::fs::remove_dir_all(d);
    }
    srv.stop().await;
}

#[tokio::test]
async fn without_an_agent_binary_the_script_fails_with_a_reason() {
    let mut args = serve_args(None);
    args.agent_binary = Some(PathBuf::from("/nonexistent/bosun-agent"));
    let srv = TestServer::start_with(TestDb::sqlite().await, args).await;
    let out = install(&srv, "--id x --code y --no-systemd", &[]).await;
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no agent binary to offer"),
        "{}",
        text(&out)
    );
    srv.stop().await;
}

/// A raw HTTP/1.1 GET (status line and headers only).
async fn raw_get(srv: &TestServer, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(srv.addr).await.expect("tcp");
    s.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            srv.addr
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf).to_string()
}
