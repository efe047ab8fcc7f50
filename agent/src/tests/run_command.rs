//! Run Command end to end: the real `run` loop against the fake server, with real
//! processes (or the simulated executor), reconnects, restarts and cancels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bosun_protocol::exec::{
    InvocationResult, OnFailure, Outcome, OutputChunk, StepSpec, Stream, MAX_STEPS,
};
use bosun_protocol::{RunInvocation, ServerMessage};

use super::e2e::{register_opts, Agent};
use super::fake_server::{FakeServer, Mode, ServerEvent};
use crate::exec::journal::INTERRUPTED_DETAIL;
use crate::exec::runner::STOPPED_DETAIL;
use crate::exec::tests::group_alive;
use crate::state::tests::TempDir;
use crate::{register, AgentEvent, BackoffConfig, Execution, RunOptions};

/// Reconnects come quickly in these tests.
fn fast_backoff() -> BackoffConfig {
    BackoffConfig {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(100),
        healthy_after: Duration::from_secs(3600),
    }
}

fn step(script: &str) -> StepSpec {
    StepSpec {
        name: "step".into(),
        plugin: "aws:runShellScript".into(),
        script: script.into(),
        working_directory: None,
        timeout_seconds: 60,
        env: Vec::new(),
        on_failure: OnFailure::Exit,
        is_end: false,
        patch: None,
    }
}

/// A one-step invocation whose script sees `$MARK`, a file it can append to.
fn invocation(id: &str, script: &str, mark: &Path) -> RunInvocation {
    let mut s = step(script);
    s.env = vec![("MARK".into(), mark.display().to_string())];
    RunInvocation {
        invocation_id: id.into(),
        command_id: "cmd-1".into(),
        steps: vec![s],
    }
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// A registered node, its running agent (connected), and the server it talks to.
struct Node {
    server: FakeServer,
    tmp: TempDir,
    agent: Agent,
}

impl Node {
    async fn start(name: &str) -> Node {
        Node::start_with(name, Execution::Real).await
    }

    async fn start_with(name: &str, execution: Execution) -> Node {
        let mut server = FakeServer::start(1, None).await;
        let tmp = TempDir::new(name);
        register(&register_opts(&server.http_url(), tmp.path()))
            .await
            .unwrap();
        server
            .wait_for(|e| matches!(e, ServerEvent::Registered { .. }))
            .await;
        let agent = start_agent(tmp.path(), execution);
        let mut node = Node { server, tmp, agent };
        node.agent.connected().await;
        node.authenticated().await;
        node
    }

    fn mark(&self) -> PathBuf {
        self.tmp.path().join("mark")
    }

    fn spool(&self, id: &str) -> PathBuf {
        self.tmp.path().join(format!("invocations/{id}.out"))
    }

    fn send(&self, message: ServerMessage) {
        assert!(self.server.send(message), "no connection to send on");
    }

    /// Waits until the agent's (next) connection is authenticated.
    async fn authenticated(&mut self) {
        self.server
            .wait_for(|e| matches!(e, ServerEvent::Authenticated { .. }))
            .await;
    }

    /// The next invocation message the server receives (heartbeats etc. skipped).
    async fn next(&mut self) -> ServerEvent {
        self.server
            .wait_for(|e| {
                matches!(
                    e,
                    ServerEvent::Started { .. } | ServerEvent::Output(_) | ServerEvent::Finished(_)
                )
            })
            .await
    }

    /// Output and the result of `id`, up to its result (other invocations' messages
    /// are skipped).
    async fn until_finished(&mut self, id: &str) -> (Vec<OutputChunk>, InvocationResult) {
        let mut chunks = Vec::new();
        loop {
            match self.next().await {
                ServerEvent::Output(c) if c.invocation_id == id => chunks.push(c),
                ServerEvent::Finished(r) if r.invocation_id == id => return (chunks, r),
                _ => {}
            }
        }
    }

    async fn started(&mut self, id: &str) {
        self.server
            .wait_for(
                |e| matches!(e, ServerEvent::Started { invocation_id } if invocation_id == id),
            )
            .await;
    }
}

fn start_agent(state_dir: &Path, execution: Execution) -> Agent {
    Agent::start_with(
        RunOptions {
            backoff: fast_backoff(),
            execution,
            ..RunOptions::new(state_dir)
        },
        None,
    )
}

fn text(chunks: &[OutputChunk], stream: Stream) -> String {
    chunks
        .iter()
        .filter(|c| c.stream == stream)
        .map(|c| c.data.as_str())
        .collect()
}

/// What a server that keeps a high-water mark per invocation (as Bosun's does) makes
/// of chunks in arrival order: duplicates are ignored, and a gap would be output lost
/// for good, so the agent must never send a chunk past `last + 1`. The text stored.
fn stored_by_high_water(chunks: &[OutputChunk]) -> String {
    let mut last = 0;
    let mut text = String::new();
    for c in chunks {
        assert!(c.seq <= last + 1, "gap: chunk {} after {last}", c.seq);
        if c.seq == last + 1 {
            last = c.seq;
            text.push_str(&c.data);
        }
    }
    text
}

/// Reads chunks until one holds a process id (a script's `echo $$`).
async fn pid_from_output(node: &mut Node, id: &str) -> i32 {
    loop {
        if let ServerEvent::Output(c) = node.next().await {
            if c.invocation_id == id {
                if let Some(pid) = c.data.lines().find_map(|l| l.trim().parse().ok()) {
                    return pid;
                }
            }
        }
    }
}

#[tokio::test]
async fn a_run_streams_numbered_output_then_its_result_and_the_ack_drops_the_spool() {
    let mut node = Node::start("rc-basic").await;
    let run = invocation("inv-hi", "echo hi; echo err >&2", &node.mark());
    node.send(ServerMessage::Run(run));

    assert_eq!(
        node.next().await,
        ServerEvent::Started {
            invocation_id: "inv-hi".into()
        }
    );
    let (chunks, result) = node.until_finished("inv-hi").await;
    let seqs: Vec<u64> = chunks.iter().map(|c| c.seq).collect();
    assert_eq!(
        seqs,
        (1..=chunks.len() as u64).collect::<Vec<_>>(),
        "in order, no gaps"
    );
    assert_eq!(text(&chunks, Stream::Stdout), "hi\n");
    assert_eq!(text(&chunks, Stream::Stderr), "err\n");
    assert_eq!((result.outcome, result.exit_code), (Outcome::Success, 0));
    assert_eq!(result.last_seq, *seqs.last().unwrap());
    assert_eq!(result.steps.len(), 1);
    node.agent
        .wait_for(|e| {
            *e == AgentEvent::InvocationFinished {
                invocation_id: "inv-hi".into(),
                outcome: Outcome::Success,
            }
        })
        .await;

    // The spool stays until the server says it stored everything; the id stays after.
    assert!(node.spool("inv-hi").exists());
    node.send(ServerMessage::FinishedAck {
        invocation_id: "inv-hi".into(),
    });
    node.agent
        .wait_for(|e| matches!(e, AgentEvent::InvocationAcknowledged { invocation_id } if invocation_id == "inv-hi"))
        .await;
    assert!(!node.spool("inv-hi").exists());
    assert!(node.tmp.path().join("invocations/inv-hi.json").exists());

    // Acknowledged: a reconnect reports nothing again.
    node.server.kick();
    node.authenticated().await;
    node.send(ServerMessage::Run(invocation(
        "inv-next",
        "true",
        &node.mark(),
    )));
    assert_eq!(
        node.next().await,
        ServerEvent::Started {
            invocation_id: "inv-next".into()
        }
    );
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn a_repeated_run_never_runs_twice_also_after_a_reconnect() {
    let mut node = Node::start("rc-twice").await;
    let run = invocation(
        "inv-once",
        "echo ran >> \"$MARK\"; echo started; sleep 0.5; echo done",
        &node.mark(),
    );
    node.send(ServerMessage::Run(run.clone()));
    node.started("inv-once").await;
    // While it runs: the same Run is answered with Started again, not a second run.
    node.send(ServerMessage::Run(run.clone()));
    node.started("inv-once").await;
    let (chunks, first) = node.until_finished("inv-once").await;
    assert_eq!(first.outcome, Outcome::Success);
    // The replay may repeat chunks (nothing was acknowledged); by seq they are exact.
    assert_eq!(stored_by_high_water(&chunks), "started\ndone\n");
    let by_seq: BTreeMap<u64, String> = chunks.into_iter().map(|c| (c.seq, c.data)).collect();
    assert_eq!(
        by_seq.keys().copied().collect::<Vec<_>>(),
        (1..=first.last_seq).collect::<Vec<_>>()
    );
    assert_eq!(
        by_seq.values().cloned().collect::<String>(),
        "started\ndone\n"
    );

    // Finished: answered from the journal.
    node.send(ServerMessage::Run(run.clone()));
    let (_, again) = node.until_finished("inv-once").await;
    assert_eq!(again, first);

    // After a reconnect the agent reports the unacknowledged result by itself, and a
    // Run is answered the same way.
    node.server.kick();
    node.authenticated().await;
    let (_, reported) = node.until_finished("inv-once").await;
    assert_eq!(reported, first);
    node.send(ServerMessage::Run(run));
    let (_, again) = node.until_finished("inv-once").await;
    assert_eq!(again, first);
    assert_eq!(lines(&node.mark()), 1, "ran once");
    let starts = node
        .agent
        .pending_events()
        .into_iter()
        .filter(|e| matches!(e, AgentEvent::InvocationStarted { .. }))
        .count();
    assert_eq!(starts, 1);
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn invocations_run_concurrently() {
    let mut node = Node::start("rc-concurrent").await;
    let mark = node.mark();
    node.send(ServerMessage::Run(invocation(
        "inv-slow",
        "sleep 1; echo slow",
        &mark,
    )));
    node.send(ServerMessage::Run(invocation(
        "inv-fast",
        "echo fast",
        &mark,
    )));
    let mut finished = Vec::new();
    while finished.len() < 2 {
        if let ServerEvent::Finished(r) = node.next().await {
            assert_eq!(r.outcome, Outcome::Success);
            finished.push(r.invocation_id);
        }
    }
    assert_eq!(
        finished,
        ["inv-fast", "inv-slow"],
        "the fast one did not wait"
    );
    node.agent.stop().await.unwrap();
}

/// A command prints 30 lines over 1.5 s; after five chunks the server drops the link
/// and refuses reconnections until the command has printed at least three more lines
/// (they are produced while the node is offline), then lets the node back.
async fn output_survives_a_reconnect(name: &str, auto_ack: bool) {
    let mut node = Node::start(name).await;
    node.server.set_auto_ack(auto_ack);
    let script = "i=1; while [ $i -le 30 ]; do echo line-$i; echo $i > \"$MARK\"; \
                  i=$((i+1)); sleep 0.05; done";
    node.send(ServerMessage::Run(invocation(
        "inv-stream",
        script,
        &node.mark(),
    )));
    node.started("inv-stream").await;

    let mut received: Vec<OutputChunk> = Vec::new();
    while received.len() < 5 {
        if let ServerEvent::Output(c) = node.next().await {
            received.push(c);
        }
    }
    let line = |c: &OutputChunk| -> u32 {
        c.data
            .lines()
            .filter_map(|l| l.strip_prefix("line-")?.parse().ok())
            .max()
            .unwrap_or(0)
    };
    let seen = received.iter().map(line).max().unwrap();
    node.server.set_mode(Mode::Unavailable);
    node.server.kick();
    // The agent's refused attempts pace this wait; the command's progress ends it.
    loop {
        node.server
            .wait_for(|e| matches!(e, ServerEvent::Refused(_)))
            .await;
        let progress: u32 = std::fs::read_to_string(node.mark())
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        if progress >= seen + 3 {
            break;
        }
    }
    node.server.set_mode(Mode::Normal);
    node.authenticated().await;
    let (rest, result) = node.until_finished("inv-stream").await;
    assert!(!rest.is_empty());
    received.extend(rest);
    assert_eq!(result.outcome, Outcome::Success);

    // In arrival order no chunk skips ahead (the server keeps a high-water mark), and
    // deduplicated by seq the union is exactly 1..=last_seq: every line, in order.
    let expected: String = (1..=30).map(|i| format!("line-{i}\n")).collect();
    assert_eq!(stored_by_high_water(&received), expected);
    let total = received.len() as u64;
    let by_seq: BTreeMap<u64, OutputChunk> = received.into_iter().map(|c| (c.seq, c)).collect();
    assert_eq!(
        by_seq.keys().copied().collect::<Vec<_>>(),
        (1..=result.last_seq).collect::<Vec<_>>()
    );
    assert!(by_seq.values().all(|c| c.stream == Stream::Stdout));
    let got: String = by_seq.values().map(|c| c.data.as_str()).collect();
    assert_eq!(got, expected);
    let repeated = total - result.last_seq;
    eprintln!("{name}: {} chunks, {repeated} repeated", result.last_seq);
    if !auto_ack {
        // Nothing was acknowledged: the replay starts from the first chunk again.
        assert!(repeated >= 5, "{repeated}");
    }
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn output_is_neither_lost_nor_duplicated_across_a_reconnect() {
    output_survives_a_reconnect("rc-reconnect-acked", true).await;
}

#[tokio::test]
async fn without_acks_the_whole_spool_is_replayed_after_a_reconnect() {
    output_survives_a_reconnect("rc-reconnect-unacked", false).await;
}

#[tokio::test]
async fn cancel_kills_the_process_group_at_once() {
    let mut node = Node::start("rc-cancel").await;
    let run = invocation(
        "inv-cancel",
        "echo $$; sleep 30 & sleep 30; wait",
        &node.mark(),
    );
    node.send(ServerMessage::Run(run.clone()));
    let pgid = pid_from_output(&mut node, "inv-cancel").await;
    let asked = Instant::now();
    node.send(ServerMessage::Cancel {
        invocation_id: "inv-cancel".into(),
    });
    let (_, result) = node.until_finished("inv-cancel").await;
    let took = asked.elapsed();
    eprintln!("cancelled in {took:?}");
    assert!(
        took < Duration::from_secs(10),
        "long before the sleep's end: {took:?}"
    );
    assert_eq!(result.outcome, Outcome::Cancelled);
    assert_eq!(result.steps[0].outcome, Outcome::Cancelled);
    assert!(!group_alive(pgid), "nothing of the group survives");

    // A Cancel of a finished invocation reports its result again.
    node.send(ServerMessage::Cancel {
        invocation_id: "inv-cancel".into(),
    });
    let (_, again) = node.until_finished("inv-cancel").await;
    assert_eq!(again, result);
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn a_cancel_before_its_run_means_it_never_runs() {
    let mut node = Node::start("rc-early-cancel").await;
    node.send(ServerMessage::Cancel {
        invocation_id: "inv-early".into(),
    });
    let (chunks, result) = node.until_finished("inv-early").await;
    assert!(chunks.is_empty());
    assert_eq!(result.outcome, Outcome::Cancelled);
    assert!(result.detail.is_some());

    node.send(ServerMessage::Run(invocation(
        "inv-early",
        "echo ran >> \"$MARK\"",
        &node.mark(),
    )));
    let (_, again) = node.until_finished("inv-early").await;
    assert_eq!(again.outcome, Outcome::Cancelled);
    assert!(!node.mark().exists(), "never ran");
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn a_clean_stop_kills_running_invocations_and_reports_them_failed() {
    let mut node = Node::start("rc-stop").await;
    let run = invocation(
        "inv-stopped",
        "echo ran >> \"$MARK\"; echo $$; sleep 30",
        &node.mark(),
    );
    node.send(ServerMessage::Run(run.clone()));
    let pgid = pid_from_output(&mut node, "inv-stopped").await;

    // The stop kills the group and reports the invocation before the goodbye.
    node.agent.request_stop();
    let (_, result) = node.until_finished("inv-stopped").await;
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(result.detail.as_deref(), Some(STOPPED_DETAIL));
    node.server
        .wait_for(|e| *e == ServerEvent::AgentClosed)
        .await;
    node.agent.finished().await.unwrap();
    assert!(!group_alive(pgid));

    // The next agent reports it again (never acknowledged) and never re-runs it.
    node.agent = start_agent(node.tmp.path(), Execution::Real);
    node.authenticated().await;
    let (_, reported) = node.until_finished("inv-stopped").await;
    assert_eq!(reported, result);
    node.send(ServerMessage::Run(run));
    let (_, again) = node.until_finished("inv-stopped").await;
    assert_eq!(again, result);
    assert_eq!(lines(&node.mark()), 1, "ran once");
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn a_stop_while_disconnected_still_kills_and_journals_running_invocations() {
    let mut node = Node::start("rc-stop-offline").await;
    let run = invocation("inv-offline", "echo $$; sleep 30", &node.mark());
    node.send(ServerMessage::Run(run));
    let pgid = pid_from_output(&mut node, "inv-offline").await;
    node.server.set_mode(Mode::Unavailable);
    node.server.kick();
    node.server
        .wait_for(|e| matches!(e, ServerEvent::Refused(_)))
        .await;

    node.agent.stop().await.unwrap();
    assert!(!group_alive(pgid));
    assert!(node
        .agent
        .pending_events()
        .contains(&AgentEvent::InvocationFinished {
            invocation_id: "inv-offline".into(),
            outcome: Outcome::Failed,
        }));

    // Reported by the next agent.
    node.server.set_mode(Mode::Normal);
    node.agent = start_agent(node.tmp.path(), Execution::Real);
    node.authenticated().await;
    let (_, reported) = node.until_finished("inv-offline").await;
    assert_eq!(reported.outcome, Outcome::Failed);
    assert_eq!(reported.detail.as_deref(), Some(STOPPED_DETAIL));
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn an_invocation_cut_off_by_an_agent_crash_is_failed_not_rerun() {
    let mut node = Node::start("rc-crash").await;
    let run = invocation(
        "inv-crash",
        "echo ran >> \"$MARK\"; echo $$; sleep 30",
        &node.mark(),
    );
    node.send(ServerMessage::Run(run.clone()));
    let pgid = pid_from_output(&mut node, "inv-crash").await;

    // The agent dies without a shutdown: the journal says started, no result.
    node.agent.crash().await;
    // (Dropping the run loop aborts its invocations, which kills their groups; a real
    // crash would leave them running. The test makes sure either way.)
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pgid),
        nix::sys::signal::Signal::SIGKILL,
    );

    // The next agent fails it at start, reports it once connected, and never runs it.
    node.agent = start_agent(node.tmp.path(), Execution::Real);
    assert_eq!(
        node.agent.next_event().await,
        AgentEvent::InvocationFinished {
            invocation_id: "inv-crash".into(),
            outcome: Outcome::Failed,
        }
    );
    node.authenticated().await;
    let (_, reported) = node.until_finished("inv-crash").await;
    assert_eq!(reported.outcome, Outcome::Failed);
    assert_eq!(reported.detail.as_deref(), Some(INTERRUPTED_DETAIL));
    assert_eq!(reported.steps.len(), 1, "each step is reported failed");
    node.send(ServerMessage::Run(run));
    let (_, again) = node.until_finished("inv-crash").await;
    assert_eq!(again, reported);
    assert_eq!(lines(&node.mark()), 1, "ran once");
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn too_many_steps_are_refused_without_running() {
    let mut node = Node::start("rc-limits").await;
    let mut run = invocation("inv-huge", "echo ran >> \"$MARK\"", &node.mark());
    run.steps = vec![run.steps[0].clone(); MAX_STEPS + 1];
    node.send(ServerMessage::Run(run));
    let ServerEvent::Finished(result) = node.next().await else {
        panic!("expected a refusal, not a start");
    };
    assert_eq!(result.outcome, Outcome::Failed);
    assert!(
        result.detail.as_deref().unwrap().contains("at most"),
        "{result:?}"
    );
    assert!(!node.mark().exists());
    node.agent.stop().await.unwrap();
}

#[tokio::test]
async fn simulated_execution_answers_echo_without_a_process() {
    let mut node = Node::start_with("rc-simulated", Execution::Simulated).await;
    let mut run = invocation("inv-sim", "echo hi", &node.mark());
    run.steps.push(step("uptime > /nonexistent/x"));
    node.send(ServerMessage::Run(run.clone()));
    node.started("inv-sim").await;
    let (chunks, result) = node.until_finished("inv-sim").await;
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        (
            chunks[0].seq,
            chunks[0].step,
            chunks[0].stream,
            chunks[0].data.as_str()
        ),
        (1, 0, Stream::Stdout, "hi\n")
    );
    assert_eq!(
        (result.outcome, result.exit_code, result.last_seq),
        (Outcome::Success, 0, 1)
    );
    assert_eq!(result.steps.len(), 2);
    // At most once, in memory: the same id is answered, not run again.
    node.send(ServerMessage::Run(run));
    let (_, again) = node.until_finished("inv-sim").await;
    assert_eq!(again, result);
    // Nothing on disk.
    assert!(!node.tmp.path().join("invocations").exists());
    node.agent.stop().await.unwrap();
}
