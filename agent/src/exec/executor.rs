//! Runs an invocation's steps: each step is `/bin/sh -c <script>` in its own process
//! group, with its environment and working directory; stdout and stderr are read as
//! they come and cut into numbered chunks (never inside a UTF-8 character), spooled,
//! then handed to the link. A step's timeout or a cancel kills the whole process group
//! at once. `aws:runPatchBaseline` steps run inside the agent instead (`patch_step`).

use super::journal::{Journal, JournalError, Resume};
use crate::NodeSettings;
use bosun_protocol::exec::{
    InvocationResult, OnFailure, Outcome, OutputChunk, StepResult, StepSpec, Stream,
    MAX_CHUNK_BYTES,
};
use bosun_protocol::RunInvocation;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, watch};

/// After the shell exits, output still in the pipes is read for at most this long
/// (a background child may keep them open forever).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(1);

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How many bytes at the end of `b` start a UTF-8 character that is not complete yet.
fn incomplete_tail(b: &[u8]) -> usize {
    for k in 1..=b.len().min(3) {
        let c = b[b.len() - k];
        if c >= 0xC0 {
            let need = if c >= 0xF0 {
                4
            } else if c >= 0xE0 {
                3
            } else {
                2
            };
            return if need > k { k } else { 0 };
        }
        if c < 0x80 {
            return 0;
        }
    }
    0
}

/// Bytes to text without splitting a character: converts at most `max` bytes from the
/// front, leaving an incomplete trailing character for later (at end of stream it is
/// converted too, as U+FFFD). Invalid bytes become U+FFFD.
fn take_text(pending: &mut Vec<u8>, max: usize, eof: bool) -> String {
    let cut = if pending.len() > max {
        max - incomplete_tail(&pending[..max])
    } else if eof {
        pending.len()
    } else {
        pending.len() - incomplete_tail(pending)
    };
    let rest = pending.split_off(cut);
    let text = String::from_utf8_lossy(pending).into_owned();
    *pending = rest;
    text
}

/// Output is sent when a chunk is full or this long after its first byte: few frames
/// for chatty commands, and still live (the target is under 100 ms to the browser).
const FLUSH_AFTER: Duration = Duration::from_millis(20);

pub(super) struct Emitter<'a, T> {
    invocation_id: String,
    seq: u64,
    pub(super) journal: &'a Journal,
    out: &'a mpsc::Sender<T>,
}

impl<T: From<OutputChunk>> Emitter<'_, T> {
    pub(super) async fn emit(
        &mut self,
        step: u32,
        stream: Stream,
        data: String,
    ) -> Result<(), JournalError> {
        if data.is_empty() {
            return Ok(());
        }
        self.seq += 1;
        let chunk = OutputChunk {
            invocation_id: self.invocation_id.clone(),
            seq: self.seq,
            step,
            stream,
            data,
        };
        self.journal.spool(&chunk)?;
        // A closed link drops live chunks; they are in the spool and sent again.
        let _ = self.out.send(chunk.into()).await;
        Ok(())
    }
}

/// Reads one pipe to the end, in chunks of at most [`MAX_CHUNK_BYTES`].
async fn pump(
    mut pipe: impl AsyncRead + Unpin,
    stream: Stream,
    tx: mpsc::Sender<(Stream, Vec<u8>, bool)>,
) {
    let mut buf = vec![0u8; MAX_CHUNK_BYTES];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = tx.send((stream, Vec::new(), true)).await;
                return;
            }
            Ok(n) => {
                if tx.send((stream, buf[..n].to_vec(), false)).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Kills a step's process group if the step is abandoned half-way: a journal error
/// returns early, or the task running the invocation is aborted (the agent stopping
/// without waiting). A step that ends normally disarms it.
struct GroupGuard(Option<u32>);

impl GroupGuard {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

/// How a process a step ran ended.
pub(super) enum Ended {
    Exited(i32),
    TimedOut,
    Cancelled,
}

async fn run_step<T: From<OutputChunk>>(
    index: u32,
    step: &StepSpec,
    emitter: &mut Emitter<'_, T>,
    cancel: &mut watch::Receiver<bool>,
) -> Result<StepResult, JournalError> {
    let started_at = now_ms();
    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.arg("-c").arg(&step.script);
    if let Some(dir) = step.working_directory.as_deref().filter(|d| !d.is_empty()) {
        cmd.current_dir(dir);
    }
    for (k, v) in &step.env {
        cmd.env(k, v);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(step.timeout_seconds.max(1));
    let ended = match run_process(index, cmd, deadline, emitter, cancel).await? {
        Ok(ended) => ended,
        Err(e) => {
            let why = match step.working_directory.as_deref() {
                Some(d) if !d.is_empty() && !std::path::Path::new(d).is_dir() => {
                    format!("the working directory {d} does not exist\n")
                }
                _ => format!("the step could not start: {e}\n"),
            };
            emitter.emit(index, Stream::Stderr, why).await?;
            return Ok(StepResult {
                step: index,
                outcome: Outcome::Failed,
                exit_code: -1,
                started_at,
                ended_at: now_ms(),
            });
        }
    };
    let (outcome, exit_code) = match ended {
        Ended::Exited(0) => (Outcome::Success, 0),
        Ended::Exited(code) => (Outcome::Failed, code),
        Ended::TimedOut => (Outcome::TimedOut, -1),
        Ended::Cancelled => (Outcome::Cancelled, -1),
    };
    Ok(StepResult {
        step: index,
        outcome,
        exit_code,
        started_at,
        ended_at: now_ms(),
    })
}

/// Runs `cmd` in its own process group, stdin closed, streaming its stdout and stderr
/// as step `index`'s output, until it exits, `deadline` passes or `cancel` is set (both
/// kill the whole group). The inner error is a process that could not start.
pub(super) async fn run_process<T: From<OutputChunk>>(
    index: u32,
    mut cmd: tokio::process::Command,
    deadline: tokio::time::Instant,
    emitter: &mut Emitter<'_, T>,
    cancel: &mut watch::Receiver<bool>,
) -> Result<Result<Ended, std::io::Error>, JournalError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let pid = child.id();
    let mut guard = GroupGuard(pid);
    let (tx, mut rx) = mpsc::channel::<(Stream, Vec<u8>, bool)>(8);
    if let Some(p) = child.stdout.take() {
        tokio::spawn(pump(p, Stream::Stdout, tx.clone()));
    }
    if let Some(p) = child.stderr.take() {
        tokio::spawn(pump(p, Stream::Stderr, tx.clone()));
    }
    drop(tx);
    let mut pending_out = Vec::new();
    let mut pending_err = Vec::new();
    let deadline = tokio::time::sleep_until(deadline);
    tokio::pin!(deadline);
    let mut open_pipes = 2u8;
    let mut ended: Option<Ended> = None;
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut flush_at: Option<tokio::time::Instant> = None;
    if *cancel.borrow() {
        kill_group(pid);
    }
    loop {
        if ended.is_some() && open_pipes == 0 {
            break;
        }
        let drain = async {
            match drain_until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let flush = async {
            match flush_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            piece = rx.recv() => match piece {
                Some((stream, bytes, eof)) => {
                    let pending = if stream == Stream::Stdout { &mut pending_out } else { &mut pending_err };
                    pending.extend_from_slice(&bytes);
                    while pending.len() >= MAX_CHUNK_BYTES {
                        let text = take_text(pending, MAX_CHUNK_BYTES, false);
                        emitter.emit(index, stream, text).await?;
                    }
                    if eof {
                        let text = take_text(pending, MAX_CHUNK_BYTES, true);
                        emitter.emit(index, stream, text).await?;
                        open_pipes = open_pipes.saturating_sub(1);
                    } else if !pending.is_empty() && flush_at.is_none() {
                        flush_at = Some(tokio::time::Instant::now() + FLUSH_AFTER);
                    }
                }
                None => open_pipes = 0,
            },
            () = flush => {
                flush_at = None;
                let text = take_text(&mut pending_out, MAX_CHUNK_BYTES, false);
                emitter.emit(index, Stream::Stdout, text).await?;
                let text = take_text(&mut pending_err, MAX_CHUNK_BYTES, false);
                emitter.emit(index, Stream::Stderr, text).await?;
            }
            status = child.wait(), if ended.is_none() => {
                let code = status.ok().and_then(|s| s.code()).unwrap_or(-1);
                ended = Some(if *cancel.borrow() { Ended::Cancelled } else { Ended::Exited(code) });
                drain_until = Some(tokio::time::Instant::now() + DRAIN_AFTER_EXIT);
            }
            () = &mut deadline, if ended.is_none() => {
                kill_group(pid);
                let _ = child.wait().await;
                ended = Some(Ended::TimedOut);
                drain_until = Some(tokio::time::Instant::now() + DRAIN_AFTER_EXIT);
            }
            changed = cancel.changed(), if ended.is_none() => {
                if changed.is_err() || *cancel.borrow() {
                    kill_group(pid);
                    let _ = child.wait().await;
                    ended = Some(Ended::Cancelled);
                    drain_until = Some(tokio::time::Instant::now() + DRAIN_AFTER_EXIT);
                }
            }
            () = drain => break,
        }
    }
    // What is left (and an incomplete character, as U+FFFD) goes out now.
    while !pending_out.is_empty() {
        let rest = take_text(&mut pending_out, MAX_CHUNK_BYTES, true);
        emitter.emit(index, Stream::Stdout, rest).await?;
    }
    while !pending_err.is_empty() {
        let rest = take_text(&mut pending_err, MAX_CHUNK_BYTES, true);
        emitter.emit(index, Stream::Stderr, rest).await?;
    }
    guard.disarm();
    Ok(Ok(ended.unwrap_or(Ended::Exited(-1))))
}

/// A script that exits with this code asks the agent to reboot the machine and run it
/// again after the reboot (SSM's code for Linux and macOS).
pub const REBOOT_EXIT_CODE: i32 = 194;

/// An invocation reboots the machine at most this many times: a script that asks
/// every time fails then instead of rebooting the machine forever.
pub const MAX_REBOOTS: u32 = 10;

/// How a reboot an invocation asked for ended when the machine did not go down.
pub(super) enum RebootEnd {
    Cancelled,
    TimedOut,
    /// The reboot command failed (why).
    Failed(String),
}

/// Journals `resume` (durably, before anything else), runs the reboot command, and
/// waits for the machine to go down under the agent — only a cancel or `deadline` ends
/// the wait. When the agent stops meanwhile, the runner leaves the invocation
/// unfinished and the next agent process goes on with it. When the reboot does not
/// happen, the journal forgets it.
pub(super) async fn reboot<T: From<OutputChunk>>(
    index: u32,
    resume: &Resume,
    node: &NodeSettings,
    deadline: tokio::time::Instant,
    emitter: &mut Emitter<'_, T>,
    cancel: &mut watch::Receiver<bool>,
) -> Result<RebootEnd, JournalError> {
    emitter.journal.await_reboot(resume)?;
    let mut command = tokio::process::Command::new("/bin/sh");
    command.arg("-c").arg(&node.reboot_command);
    let end = match run_process(index, command, deadline, emitter, cancel).await? {
        Ok(Ended::Exited(0)) => {
            let expiry = tokio::time::sleep_until(deadline);
            tokio::pin!(expiry);
            loop {
                tokio::select! {
                    () = &mut expiry => break RebootEnd::TimedOut,
                    changed = cancel.changed() => {
                        if changed.is_err() || *cancel.borrow() {
                            break RebootEnd::Cancelled;
                        }
                    }
                }
            }
        }
        Ok(Ended::Cancelled) => RebootEnd::Cancelled,
        Ok(Ended::TimedOut) => RebootEnd::TimedOut,
        Ok(Ended::Exited(code)) => RebootEnd::Failed(format!("exited with code {code}")),
        Err(e) => RebootEnd::Failed(format!("could not start: {e}")),
    };
    emitter.journal.forget_reboot(&resume.run.invocation_id)?;
    Ok(end)
}

/// A script exited [`REBOOT_EXIT_CODE`]: reboot, and run it again when the agent is
/// back. `r` becomes the step's result when the machine does not go down.
#[allow(clippy::too_many_arguments)]
async fn reboot_for_script<T: From<OutputChunk>>(
    index: u32,
    step: &StepSpec,
    r: &mut StepResult,
    run: &RunInvocation,
    done: &[StepResult],
    failed: bool,
    reboots: u32,
    node: &NodeSettings,
    emitter: &mut Emitter<'_, T>,
    cancel: &mut watch::Receiver<bool>,
) -> Result<(), JournalError> {
    if reboots >= MAX_REBOOTS {
        emitter
            .emit(
                index,
                Stream::Stderr,
                format!(
                    "The script asked for a reboot (exit code {REBOOT_EXIT_CODE}) after \
                     {reboots} reboots of this command; not rebooting again.\n"
                ),
            )
            .await?;
        return Ok(());
    }
    emitter
        .emit(
            index,
            Stream::Stdout,
            format!(
                "The script asked for a reboot (exit code {REBOOT_EXIT_CODE}): rebooting the \
                 node. The step runs again when the agent is back.\n"
            ),
        )
        .await?;
    let resume = Resume {
        run: run.clone(),
        step: index,
        done: done.to_vec(),
        failed,
        requested_at: now_ms(),
        step_started_at: r.started_at,
        patch: None,
        reboots: reboots + 1,
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(step.timeout_seconds.max(1));
    match reboot(index, &resume, node, deadline, emitter, cancel).await? {
        RebootEnd::Cancelled => r.outcome = Outcome::Cancelled,
        RebootEnd::TimedOut => r.outcome = Outcome::TimedOut,
        RebootEnd::Failed(why) => {
            emitter
                .emit(
                    index,
                    Stream::Stderr,
                    format!("The reboot command ({}) {why}.\n", node.reboot_command),
                )
                .await?;
        }
    }
    r.ended_at = now_ms();
    Ok(())
}

/// Runs every step of `run` (already recorded as started in `journal`), streaming
/// output to `out`, and records the result in the journal before returning it.
///
/// Each chunk is spooled *before* it is sent on `out`, so whoever drains `out` may
/// drop chunks (while the link is down) and find them in the spool later. `out` is
/// anything a chunk converts into, so the session can carry chunks and results on one
/// channel, in order.
pub async fn execute<T: From<OutputChunk>>(
    run: &RunInvocation,
    journal: &Journal,
    out: &mpsc::Sender<T>,
    cancel: watch::Receiver<bool>,
) -> Result<InvocationResult, JournalError> {
    execute_from(run, journal, out, cancel, &NodeSettings::default(), None).await
}

/// [`execute`] with the node's patch settings, going on from `resume` when the
/// invocation rebooted the node (the steps before `resume.step` are not run again).
pub async fn execute_from<T: From<OutputChunk>>(
    run: &RunInvocation,
    journal: &Journal,
    out: &mpsc::Sender<T>,
    mut cancel: watch::Receiver<bool>,
    node: &NodeSettings,
    resume: Option<Resume>,
) -> Result<InvocationResult, JournalError> {
    let mut emitter = Emitter {
        invocation_id: run.invocation_id.clone(),
        seq: journal.last_seq(&run.invocation_id)?,
        journal,
        out,
    };
    let (mut results, mut failed, first) = match &resume {
        Some(r) => (r.done.clone(), r.failed, r.step as usize),
        None => (Vec::new(), false, 0),
    };
    let mut stop: Option<Outcome> = None;
    for (i, step) in run.steps.iter().enumerate().skip(first) {
        let index = i as u32;
        if stop.is_some() || *cancel.borrow() {
            let now = now_ms();
            results.push(StepResult {
                step: index,
                outcome: if *cancel.borrow() {
                    Outcome::Cancelled
                } else {
                    Outcome::Skipped
                },
                exit_code: -1,
                started_at: now,
                ended_at: now,
            });
            continue;
        }
        let reboots = resume.as_ref().map_or(0, |r| r.reboots);
        let r = if step.plugin == bosun_protocol::exec::RUN_PATCH_BASELINE {
            let context = super::patch_step::Context {
                run,
                done: &results,
                failed,
                settings: node,
                resume: resume.as_ref().filter(|r| r.step == index),
                reboots,
            };
            super::patch_step::run(index, step, &mut emitter, &mut cancel, &context).await?
        } else {
            let mut r = run_step(index, step, &mut emitter, &mut cancel).await?;
            if r.outcome == Outcome::Failed && r.exit_code == REBOOT_EXIT_CODE {
                reboot_for_script(
                    index,
                    step,
                    &mut r,
                    run,
                    &results,
                    failed,
                    reboots,
                    node,
                    &mut emitter,
                    &mut cancel,
                )
                .await?;
            }
            r
        };
        match r.outcome {
            Outcome::Success => {}
            Outcome::Cancelled => stop = Some(Outcome::Cancelled),
            Outcome::TimedOut => stop = Some(Outcome::TimedOut),
            _ => {
                failed = true;
                match step.on_failure {
                    OnFailure::Continue => {}
                    OnFailure::Exit => stop = Some(Outcome::Failed),
                    OnFailure::SuccessAndExit => {
                        failed = false;
                        stop = Some(Outcome::Success);
                    }
                }
            }
        }
        if step.is_end && stop.is_none() {
            stop = Some(if failed {
                Outcome::Failed
            } else {
                Outcome::Success
            });
        }
        results.push(r);
    }
    let outcome = match stop {
        Some(o) => o,
        None if failed => Outcome::Failed,
        None => Outcome::Success,
    };
    // The exit code of the last step that ran.
    let exit_code = results
        .iter()
        .rev()
        .find(|r| r.outcome != Outcome::Skipped)
        .map(|r| r.exit_code)
        .unwrap_or(-1);
    let result = InvocationResult {
        invocation_id: run.invocation_id.clone(),
        outcome,
        exit_code: if outcome == Outcome::Success {
            0
        } else {
            exit_code
        },
        steps: results,
        last_seq: emitter.seq,
        detail: None,
    };
    journal.finish(&result)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_never_cut_inside_a_character() {
        let mut p = "hé".as_bytes().to_vec();
        p.pop(); // half of é
        assert_eq!(take_text(&mut p, 64, false), "h");
        assert_eq!(p.len(), 1);
        p.push(0xA9);
        assert_eq!(take_text(&mut p, 64, false), "é");
        assert!(p.is_empty());
        let mut bad = vec![b'a', 0xFF, b'b'];
        assert_eq!(take_text(&mut bad, 64, false), "a\u{FFFD}b");
        let mut tail = vec![0xE2, 0x82];
        assert_eq!(take_text(&mut tail, 64, true), "\u{FFFD}");
        // A cut at `max` never splits a character: "aé" cut at 2 bytes gives "a".
        let mut p = "aé".as_bytes().to_vec();
        assert_eq!(take_text(&mut p, 2, false), "a");
        assert_eq!(take_text(&mut p, 2, false), "é");
    }
}
