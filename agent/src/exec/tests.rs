//! The journal and the executor with real processes.

use super::*;
use bosun_protocol::exec::{OnFailure, Outcome, OutputChunk, StepResult, StepSpec, Stream};
use bosun_protocol::RunInvocation;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

fn step(name: &str, script: &str) -> StepSpec {
    StepSpec {
        name: name.into(),
        plugin: "aws:runShellScript".into(),
        script: script.into(),
        working_directory: None,
        timeout_seconds: 60,
        env: Vec::new(),
        on_failure: OnFailure::Continue,
        is_end: false,
        patch: None,
    }
}

fn invocation(id: &str, steps: Vec<StepSpec>) -> RunInvocation {
    RunInvocation {
        invocation_id: id.into(),
        command_id: "cmd-1".into(),
        steps,
    }
}

struct Fixture {
    _dir: crate::state::tests::TempDir,
    journal: Journal,
}

fn fixture(name: &str) -> Fixture {
    let dir = crate::state::tests::TempDir::new(name);
    let journal = Journal::open(dir.path()).expect("journal");
    Fixture { _dir: dir, journal }
}

/// Runs to the end, collecting every chunk.
async fn run_all(
    f: &Fixture,
    run: &RunInvocation,
) -> (bosun_protocol::InvocationResult, Vec<OutputChunk>) {
    assert_eq!(f.journal.begin(run, 1).expect("begin"), Seen::New);
    // A small channel drained as it fills, as the link does.
    let (tx, mut rx) = mpsc::channel(8);
    let collector = tokio::spawn(async move {
        let mut chunks = Vec::new();
        while let Some(c) = rx.recv().await {
            chunks.push(c);
        }
        chunks
    });
    let (_cancel_tx, cancel) = watch::channel(false);
    let result = execute(run, &f.journal, &tx, cancel)
        .await
        .expect("execute");
    drop(tx);
    (result, collector.await.expect("collector"))
}

fn text(chunks: &[OutputChunk], step: u32, stream: Stream) -> String {
    chunks
        .iter()
        .filter(|c| c.step == step && c.stream == stream)
        .map(|c| c.data.as_str())
        .collect()
}

#[tokio::test]
async fn steps_run_in_order_with_env_and_directory_and_numbered_output() {
    let f = fixture("exec-order");
    let mut second = step("second", "pwd; echo \"$SSM_who\"; echo oops >&2; exit 3");
    second.working_directory = Some("/tmp".into());
    second.env = vec![("SSM_who".into(), "world; rm -rf /".into())];
    let run = invocation(
        "inv-order",
        vec![
            step("first", "echo one; echo two"),
            second,
            step("third", "echo three"),
        ],
    );
    let (r, chunks) = run_all(&f, &run).await;
    assert_eq!(text(&chunks, 0, Stream::Stdout), "one\ntwo\n");
    assert_eq!(text(&chunks, 1, Stream::Stdout), "/tmp\nworld; rm -rf /\n");
    assert_eq!(text(&chunks, 1, Stream::Stderr), "oops\n");
    assert_eq!(text(&chunks, 2, Stream::Stdout), "three\n");
    let seqs: Vec<u64> = chunks.iter().map(|c| c.seq).collect();
    assert_eq!(
        seqs,
        (1..=chunks.len() as u64).collect::<Vec<_>>(),
        "no gaps"
    );
    assert_eq!(r.last_seq, chunks.len() as u64);
    assert_eq!(
        r.outcome,
        Outcome::Failed,
        "a failed step fails the invocation"
    );
    assert_eq!(r.steps[1].exit_code, 3);
    assert_eq!(
        r.steps[2].outcome,
        Outcome::Success,
        "onFailure continue runs the rest"
    );
    assert_eq!(r.exit_code, 0, "the last step's code");
}

#[tokio::test]
async fn on_failure_exit_and_success_and_exit() {
    let f = fixture("exec-onfailure");
    let mut failing = step("a", "exit 2");
    failing.on_failure = OnFailure::Exit;
    let (r, _) = run_all(
        &f,
        &invocation("inv-exit", vec![failing.clone(), step("b", "echo never")]),
    )
    .await;
    assert_eq!((r.outcome, r.exit_code), (Outcome::Failed, 2));
    assert_eq!(r.steps[1].outcome, Outcome::Skipped);

    failing.on_failure = OnFailure::SuccessAndExit;
    let (r, chunks) = run_all(
        &f,
        &invocation("inv-sae", vec![failing, step("b", "echo never")]),
    )
    .await;
    assert_eq!((r.outcome, r.exit_code), (Outcome::Success, 0));
    assert!(chunks.is_empty());

    let mut end = step("a", "true");
    end.is_end = true;
    let (r, _) = run_all(
        &f,
        &invocation("inv-end", vec![end, step("b", "echo never")]),
    )
    .await;
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(r.steps[1].outcome, Outcome::Skipped);

    let mut missing = step("a", "true");
    missing.working_directory = Some("/nonexistent/dir".into());
    let (r, chunks) = run_all(&f, &invocation("inv-cwd", vec![missing])).await;
    assert_eq!(r.outcome, Outcome::Failed);
    assert!(text(&chunks, 0, Stream::Stderr).contains("/nonexistent/dir does not exist"));
}

/// Whether any process of group `pgid` is still running (zombies waiting for their
/// reaper do not count: they run nothing). SIGKILL is delivered asynchronously, so
/// this waits up to two seconds for the group to be gone.
pub(crate) fn group_alive(pgid: i32) -> bool {
    let running = || {
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .any(|stat| {
                // pid (comm) state ppid pgrp …; comm may contain spaces: split after ')'.
                let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
                let f: Vec<&str> = rest.split_whitespace().collect();
                f.len() > 2 && f[2] == pgid.to_string() && f[0] != "Z" && f[0] != "X"
            })
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    while running() {
        if Instant::now() > deadline {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[tokio::test]
async fn a_timeout_kills_the_whole_process_group() {
    let f = fixture("exec-timeout");
    // The shell starts a background sleeper too; both must die.
    let mut s = step("slow", "echo $$; sleep 30 & sleep 30; wait");
    s.timeout_seconds = 1;
    let started = Instant::now();
    let (r, chunks) = run_all(&f, &invocation("inv-timeout", vec![s])).await;
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(10));
    let pgid: i32 = text(&chunks, 0, Stream::Stdout)
        .trim()
        .parse()
        .expect("pid");
    assert!(!group_alive(pgid), "nothing of the group survives");
}

#[tokio::test]
async fn cancel_kills_the_running_step_and_skips_the_rest() {
    let f = fixture("exec-cancel");
    let run = invocation(
        "inv-cancel",
        vec![
            step("long", "echo ready; echo $$ >&2; sleep 30"),
            step("after", "echo never"),
        ],
    );
    assert_eq!(f.journal.begin(&run, 1).expect("begin"), Seen::New);
    let (tx, mut rx) = mpsc::channel(64);
    let (cancel_tx, cancel) = watch::channel(false);
    let journal = f.journal.clone();
    let task = tokio::spawn(async move { execute(&run, &journal, &tx, cancel).await });
    // Wait for the step to be running (its first line), then cancel.
    let mut pgid = None;
    let mut ready = false;
    while !(ready && pgid.is_some()) {
        let c: OutputChunk = rx.recv().await.expect("output");
        match c.stream {
            Stream::Stdout => ready |= c.data.contains("ready"),
            Stream::Stderr => pgid = c.data.trim().parse::<i32>().ok(),
            Stream::Report => panic!("a shell step sends no report"),
        }
    }
    let asked = Instant::now();
    cancel_tx.send(true).expect("cancel");
    let r = task.await.expect("join").expect("execute");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "cancelled within a second or so"
    );
    assert_eq!(r.outcome, Outcome::Cancelled);
    assert_eq!(r.steps[1].outcome, Outcome::Cancelled);
    assert!(!group_alive(pgid.expect("pid")));
}

#[tokio::test]
async fn large_and_multibyte_output_is_chunked_losslessly() {
    let f = fixture("exec-large");
    let run = invocation(
        "inv-large",
        vec![step(
            "big",
            "i=0; while [ $i -lt 20000 ]; do printf 'é'; i=$((i+1)); done; printf '\\377end'",
        )],
    );
    let (r, chunks) = run_all(&f, &run).await;
    assert_eq!(r.outcome, Outcome::Success);
    assert!(chunks.len() > 1);
    assert!(
        chunks.len() < 200,
        "small writes are coalesced: {} chunks",
        chunks.len()
    );
    assert!(chunks
        .iter()
        .all(|c| c.data.len() <= bosun_protocol::exec::MAX_CHUNK_BYTES));
    let out = text(&chunks, 0, Stream::Stdout);
    assert_eq!(out, format!("{}\u{FFFD}end", "é".repeat(20000)));
}

#[tokio::test]
async fn the_journal_answers_a_repeated_id_and_never_runs_it_twice() {
    let f = fixture("exec-journal");
    let run = invocation("inv-once", vec![step("a", "echo ran >> \"$MARK\"")]);
    let mark = f._dir.path().join("mark");
    let mut run = run;
    run.steps[0].env = vec![("MARK".into(), mark.display().to_string())];
    let (r, _) = run_all(&f, &run).await;
    assert_eq!(r.outcome, Outcome::Success);
    // The same id again: the journal answers with the stored result.
    match f.journal.begin(&run, 2).expect("begin again") {
        Seen::Finished(again) => assert_eq!(again, r),
        other => panic!("expected Finished, got {other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(&mark).expect("mark"),
        "ran\n",
        "ran once"
    );

    // Output stays spooled until the server confirms, then only the id remains.
    assert_eq!(
        f.journal.spooled("inv-once", 0).expect("spool").len(),
        0,
        "echo went to a file"
    );
    assert_eq!(f.journal.unacknowledged().expect("unacked").len(), 1);
    f.journal.acknowledge("inv-once").expect("ack");
    assert!(f.journal.unacknowledged().expect("unacked").is_empty());
    assert!(matches!(
        f.journal.begin(&run, 3).expect("begin"),
        Seen::Finished(_)
    ));

    // Started and never finished (the agent died): interrupted, then failed for good.
    let lost = invocation("inv-lost", vec![step("a", "true")]);
    assert_eq!(f.journal.begin(&lost, 5).expect("begin"), Seen::New);
    assert_eq!(
        f.journal.begin(&lost, 6).expect("begin"),
        Seen::Interrupted { started_at: 5 }
    );
    let failed = f.journal.interrupt("inv-lost", 1, 0).expect("interrupt");
    assert_eq!(failed.outcome, Outcome::Failed);
    assert!(matches!(
        f.journal.begin(&lost, 7).expect("begin"),
        Seen::Finished(_)
    ));

    // A week later, acknowledged invocations are forgotten; unconfirmed ones stay.
    assert_eq!(
        f.journal
            .prune(1 + journal::KEEP_FINISHED_MS + 1)
            .expect("prune"),
        1
    );
    assert_eq!(
        f.journal.unacknowledged().expect("unacked").len(),
        1,
        "inv-lost stays"
    );

    // Ids never become paths unless they are plain.
    let evil = invocation("../../etc/passwd", vec![step("a", "true")]);
    assert!(matches!(
        f.journal.begin(&evil, 1),
        Err(JournalError::BadId(_))
    ));
}

#[tokio::test]
async fn spooled_chunks_after_a_seq_are_there_to_send_again() {
    let f = fixture("exec-spool");
    let run = invocation("inv-spool", vec![step("a", "echo a; echo b >&2; echo c")]);
    let (_, chunks) = run_all(&f, &run).await;
    let again = f.journal.spooled("inv-spool", 1).expect("spooled");
    assert_eq!(again, chunks[1..].to_vec());
}

#[tokio::test]
async fn an_abandoned_execution_kills_its_process_group() {
    let f = fixture("exec-abandon");
    let run = invocation(
        "inv-abandon",
        vec![step("long", "echo $$; sleep 30 & sleep 30")],
    );
    assert_eq!(f.journal.begin(&run, 1).expect("begin"), Seen::New);
    let (tx, mut rx) = mpsc::channel::<OutputChunk>(8);
    let (_cancel_tx, cancel) = watch::channel(false);
    let journal = f.journal.clone();
    let task = tokio::spawn(async move { execute(&run, &journal, &tx, cancel).await });
    let pgid: i32 = loop {
        let c = rx.recv().await.expect("output");
        if let Ok(pid) = c.data.trim().parse() {
            break pid;
        }
    };
    // The agent gave up on it (its run loop was dropped, or a stop timed out).
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    assert!(!group_alive(pgid), "nothing of the group survives");
    // No result: the next agent start reports it as interrupted.
    assert!(matches!(
        f.journal.begin(&invocation("inv-abandon", vec![]), 2),
        Ok(Seen::Interrupted { .. })
    ));
}

#[tokio::test]
async fn an_in_memory_journal_keeps_the_same_contract() {
    let journal = Journal::in_memory();
    let run = invocation("inv-mem", vec![step("a", "true")]);
    assert_eq!(journal.begin(&run, 1).expect("begin"), Seen::New);
    assert_eq!(
        journal.begin(&run, 2).expect("begin"),
        Seen::Interrupted { started_at: 1 }
    );
    let chunk = |seq| OutputChunk {
        invocation_id: "inv-mem".into(),
        seq,
        step: 0,
        stream: Stream::Stdout,
        data: format!("{seq}\n"),
    };
    for seq in 1..=3 {
        journal.spool(&chunk(seq)).expect("spool");
    }
    assert_eq!(
        journal.spooled("inv-mem", 1).expect("spooled"),
        vec![chunk(2), chunk(3)]
    );
    assert_eq!(journal.last_seq("inv-mem").expect("last"), 3);
    assert_eq!(journal.unfinished().expect("unfinished").len(), 1);
    let r = journal.interrupt("inv-mem", 1, 3).expect("interrupt");
    assert_eq!(journal.begin(&run, 3).expect("begin"), Seen::Finished(r));
    assert_eq!(journal.unacknowledged().expect("unacked").len(), 1);
    journal.acknowledge("inv-mem").expect("ack");
    assert!(journal.spooled("inv-mem", 0).expect("spooled").is_empty());
    assert!(journal.unacknowledged().expect("unacked").is_empty());

    // Only the newest acknowledged ids are remembered.
    for i in 0..journal::MEMORY_KEEP_ACKED {
        let id = format!("inv-{i}");
        assert_eq!(
            journal
                .begin(&invocation(&id, vec![]), 10 + i as i64)
                .expect("begin"),
            Seen::New
        );
        journal.interrupt(&id, 0, 0).expect("finish");
        journal.acknowledge(&id).expect("ack");
    }
    assert_eq!(
        journal.lookup("inv-mem").expect("lookup"),
        None,
        "the oldest is forgotten"
    );
    assert!(journal.lookup("inv-0").expect("lookup").is_some());
}

#[tokio::test]
async fn cancel_records_unknown_ids_and_old_entries_still_read() {
    let f = fixture("exec-journal-more");
    assert_eq!(f.journal.lookup("inv-early").expect("lookup"), None);
    let r = f.journal.record_cancelled("inv-early", 5).expect("record");
    assert_eq!(r.outcome, Outcome::Cancelled);
    let run = invocation("inv-early", vec![step("a", "true")]);
    assert_eq!(f.journal.begin(&run, 6).expect("begin"), Seen::Finished(r));

    // An entry written before the step count was journaled reads with 0 steps.
    let old = r#"{"invocation_id":"inv-old","command_id":"c","started_at":1}"#;
    std::fs::write(f._dir.path().join("invocations/inv-old.json"), old).expect("write");
    assert_eq!(
        f.journal.unfinished().expect("unfinished"),
        vec![("inv-old".to_string(), 0)]
    );
    assert!(f
        .journal
        .interrupt("inv-old", 0, 0)
        .expect("interrupt")
        .steps
        .is_empty());
}

#[tokio::test]
async fn an_invocation_awaiting_a_reboot_resumes_instead_of_being_interrupted() {
    let f = fixture("exec-journal-reboot");
    let run = invocation(
        "inv-reboot",
        vec![step("a", "echo before"), step("b", "echo after")],
    );
    assert_eq!(f.journal.begin(&run, 1).expect("begin"), Seen::New);
    let first = StepResult {
        step: 0,
        outcome: Outcome::Success,
        exit_code: 0,
        started_at: 1,
        ended_at: 2,
    };
    let resume = Resume {
        run: run.clone(),
        step: 1,
        done: vec![first.clone()],
        failed: false,
        requested_at: 3,
        step_started_at: 2,
        patch: None,
        reboots: 1,
    };
    f.journal.await_reboot(&resume).expect("await reboot");
    assert!(f.journal.awaits_reboot("inv-reboot"));
    // Not interrupted at the next start: resumed, from its step.
    assert!(f.journal.unfinished().expect("unfinished").is_empty());
    assert_eq!(
        f.journal.resumable().expect("resumable"),
        vec![resume.clone()]
    );
    let (tx, mut rx) = mpsc::channel(8);
    let (_cancel_tx, cancel) = watch::channel(false);
    let result = execute_from(
        &run,
        &f.journal,
        &tx,
        cancel,
        &crate::NodeSettings::default(),
        Some(resume),
    )
    .await
    .expect("execute");
    drop(tx);
    let mut out = String::new();
    while let Some(c) = rx.recv().await {
        let c: OutputChunk = c;
        out.push_str(&c.data);
    }
    assert_eq!(
        out, "after\n",
        "the step before the reboot does not run again"
    );
    assert_eq!(result.outcome, Outcome::Success);
    assert_eq!(result.steps.len(), 2);
    assert_eq!(result.steps[0], first);
    // Finished: nothing left to resume.
    assert!(!f.journal.awaits_reboot("inv-reboot"));
    assert!(f.journal.resumable().expect("resumable").is_empty());

    // A reboot that did not happen is forgotten: the entry is an ordinary unfinished one.
    let other = invocation("inv-noboot", vec![step("a", "true")]);
    f.journal.begin(&other, 5).expect("begin");
    f.journal
        .await_reboot(&Resume {
            run: other.clone(),
            step: 0,
            done: Vec::new(),
            failed: false,
            requested_at: 6,
            step_started_at: 5,
            patch: None,
            reboots: 1,
        })
        .expect("await reboot");
    f.journal.forget_reboot("inv-noboot").expect("forget");
    assert_eq!(
        f.journal.unfinished().expect("unfinished"),
        vec![("inv-noboot".to_string(), 1)]
    );
}

#[tokio::test]
async fn a_script_exiting_194_reboots_the_node_and_runs_again_after_it() {
    let f = fixture("exec-reboot-194");
    let dir = f._dir.path().to_path_buf();
    let done = dir.join("first-run-done");
    let rebooted = dir.join("rebooted");
    let script = format!(
        "if [ -f {d} ]; then echo second run; else touch {d}; echo first run; exit 194; fi",
        d = done.display()
    );
    let run = invocation(
        "inv-194",
        vec![step("a", "echo before"), step("b", &script)],
    );
    assert_eq!(f.journal.begin(&run, 1).expect("begin"), Seen::New);
    let node = crate::NodeSettings {
        root: "/".into(),
        reboot_command: format!("echo rebooting; touch {}", rebooted.display()),
    };
    let (tx, mut rx) = mpsc::channel::<OutputChunk>(64);
    let (_cancel_tx, cancel) = watch::channel(false);
    let journal = f.journal.clone();
    let (run2, node2) = (run.clone(), node.clone());
    let task =
        tokio::spawn(async move { execute_from(&run2, &journal, &tx, cancel, &node2, None).await });
    // The reboot command ran: the agent now waits to go down with the machine.
    let mut seen = String::new();
    while !seen.contains("rebooting\n") {
        seen.push_str(&rx.recv().await.expect("chunk").data);
    }
    assert!(rebooted.exists());
    assert!(f.journal.awaits_reboot("inv-194"));
    // The machine goes down: the agent's task ends without a result.
    task.abort();
    let _ = task.await;
    let resumes = f.journal.resumable().expect("resumable");
    assert_eq!(resumes.len(), 1);
    assert_eq!((resumes[0].step, resumes[0].reboots), (1, 1));

    // The next agent process goes on: the script runs again, the first step does not.
    let (tx, mut rx) = mpsc::channel::<OutputChunk>(64);
    let (_cancel_tx, cancel) = watch::channel(false);
    let result = execute_from(
        &run,
        &f.journal,
        &tx,
        cancel,
        &node,
        resumes.into_iter().next(),
    )
    .await
    .expect("execute");
    drop(tx);
    let mut after = String::new();
    while let Some(c) = rx.recv().await {
        after.push_str(&c.data);
    }
    assert_eq!(after, "second run\n");
    assert_eq!(result.outcome, Outcome::Success);
    assert_eq!(result.steps.len(), 2);
    // One numbered output across both agent processes.
    let spooled = f.journal.spooled("inv-194", 0).expect("spool");
    let seqs: Vec<u64> = spooled.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let text: String = spooled.iter().map(|c| c.data.as_str()).collect();
    assert!(text.starts_with("before\nfirst run\n"), "{text}");
    assert!(text.ends_with("second run\n"), "{text}");
    assert!(!f.journal.awaits_reboot("inv-194"));
}

#[tokio::test]
async fn a_script_that_always_asks_for_a_reboot_fails_after_the_limit() {
    let f = fixture("exec-reboot-limit");
    let run = invocation("inv-194-loop", vec![step("a", "exit 194")]);
    assert_eq!(f.journal.begin(&run, 1).expect("begin"), Seen::New);
    let resume = Resume {
        run: run.clone(),
        step: 0,
        done: Vec::new(),
        failed: false,
        requested_at: 1,
        step_started_at: 1,
        patch: None,
        reboots: super::executor::MAX_REBOOTS,
    };
    let (tx, mut rx) = mpsc::channel::<OutputChunk>(64);
    let (_cancel_tx, cancel) = watch::channel(false);
    let result = execute_from(
        &run,
        &f.journal,
        &tx,
        cancel,
        &crate::NodeSettings::default(),
        Some(resume),
    )
    .await
    .expect("execute");
    drop(tx);
    let mut err = String::new();
    while let Some(c) = rx.recv().await {
        err.push_str(&c.data);
    }
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(result.exit_code, 194);
    assert!(err.contains("not rebooting again"), "{err}");
}
