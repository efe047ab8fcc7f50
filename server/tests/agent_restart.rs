//! An agent killed mid-command, with the real `bosun-agent` binary (built by `cargo
//! xtask test`, path in `BOSUN_AGENT_BIN`) as a child process, against the real server
//! on SQLite and PostgreSQL: after SIGKILL and a restart on the same state directory,
//! the invocation that was running ends Failed ("the agent stopped…"), is never run
//! again, and the command ends. Waits are on the server's change events (and on the
//! script's own files for what happens on the node), never on fixed sleeps.

mod common;

use aws_sdk_ssm::types::CommandInvocationStatus;
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use bosun_core::Actor;
use common::agent::{
    activation, agent_binary, register, run_agent, temp_dir, terminal, wait_command, wait_for,
};
use common::TestServer;
use std::path::Path;
use std::process::Stdio;

/// The processes (pid, command line) whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(raw) = std::fs::read(e.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
            if cmdline.contains(marker) {
                found.push((pid, cmdline));
            }
        }
    }
    found
}

/// The live processes of process group `pgid` (from `/proc/PID/stat`).
fn group_members(pgid: u32) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
            let mut after = stat
                .rsplit_once(')')
                .map_or("", |(_, r)| r)
                .split_whitespace();
            let state = after.next();
            let pgrp = after.nth(1).and_then(|g| g.parse::<u32>().ok());
            pgrp == Some(pgid) && state != Some("Z")
        })
        .count()
}

/// Kills what is left of the killed agent's step: its process group (the shell wrote
/// its pid, which is the group's id, to `pgid_file`), and any process still carrying
/// the script's marker. Returns how many processes the group still had.
fn kill_leftovers(pgid_file: &Path, marker: &str) -> usize {
    let mut left = 0;
    if let Some(pgid) = std::fs::read_to_string(pgid_file)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
    {
        left = group_members(pgid);
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stderr(Stdio::null())
            .status();
    }
    for (pid, _) in processes_with(marker) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    left
}

#[tokio::test]
async fn an_agent_killed_mid_command_reports_it_failed_after_restart_and_never_reruns_it() {
    let _ = agent_binary(); // fail early and clearly when it is not built
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let a = activation(&srv).await;
        let base = temp_dir("agent-restart");
        let state_dir = base.join("state");
        let node = register(&srv, &a, &state_dir).await;
        assert!(node.starts_with("mi-"), "{node}");

        let mut agent = run_agent(&state_dir, &[]);
        common::agent::wait_online(&srv, &node).await;

        // Appends a line, records its process group, then sleeps; the marker finds
        // what survives of it.
        let runs = base.join("runs");
        let pgid_file = base.join("pgid");
        let marker = format!("bosun-agent-restart-{}", uuid::Uuid::new_v4());
        let script = format!(
            "echo $$ > {}; echo run >> {}; sleep 30 # {marker}",
            pgid_file.display(),
            runs.display()
        );
        let sent = ssm
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&node)
            .set_parameters(Some(
                [("commands".to_string(), vec![script])]
                    .into_iter()
                    .collect(),
            ))
            .send()
            .await
            .expect("send-command");
        let id = sent
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        wait_command(&srv, &id, |c| c.status == "InProgress").await;
        wait_for("the script appended its line", || {
            std::fs::read_to_string(&runs).is_ok_and(|s| s == "run\n")
        })
        .await;

        // SIGKILL: no clean stop, nothing reported, the step's group left behind.
        agent.start_kill().expect("SIGKILL the agent");
        let status = agent.wait().await.expect("reap the agent");
        assert!(!status.success(), "{status:?}");
        let during = bosun_core::commands::get_invocation(&srv.core, &Actor::cli(), &id, &node)
            .await
            .expect("invocation");
        assert_eq!(during.status, "InProgress", "{during:?}");

        // The same node starts again on the same state directory.
        let mut agent = run_agent(&state_dir, &[]);
        let done = wait_command(&srv, &id, terminal).await;
        assert_eq!(
            (done.status.as_str(), done.status_details.as_str()),
            ("Failed", "Failed"),
            "{done:?}"
        );
        assert_eq!((done.completed_count, done.error_count), (1, 1));

        let inv = bosun_core::commands::get_invocation(&srv.core, &Actor::cli(), &id, &node)
            .await
            .expect("invocation");
        assert_eq!(inv.status, "Failed", "{inv:?}");
        assert_eq!(
            inv.detail,
            bosun_agent::exec::journal::INTERRUPTED_DETAIL,
            "{inv:?}"
        );
        assert!(inv.detail.contains("agent stopped"), "{}", inv.detail);
        let api = ssm
            .get_command_invocation()
            .command_id(&id)
            .instance_id(&node)
            .send()
            .await
            .expect("get-command-invocation");
        assert_eq!(api.status(), Some(&CommandInvocationStatus::Failed));

        // A clean stop of the restarted agent: had it run the invocation again, the
        // file would have its second line by now.
        common::agent::stop_agent(&mut agent).await;
        assert_eq!(
            std::fs::read_to_string(&runs).expect("runs file"),
            "run\n",
            "the invocation ran again after the restart"
        );

        // The killed agent's `sleep` outlived it (its own process group): end it.
        let left = kill_leftovers(&pgid_file, &marker);
        wait_for("the leftover step's processes are gone", || {
            processes_with(&marker).is_empty()
        })
        .await;
        println!(
            "{}: the killed agent's invocation ended {} ({:?}); {left} leftover process(es) of its step killed",
            srv.core.db().backend().as_str(),
            inv.status,
            inv.detail
        );

        srv.stop().await;
        let _ = std::fs::remove_dir_all(&base);
    }
}
