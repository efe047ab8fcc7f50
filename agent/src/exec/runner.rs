//! [`Invocations`]: the node's invocations across sessions. The run loop owns one for
//! the life of the agent; a connection only borrows it, so a reconnect never stops a
//! running command, and several invocations run at once.
//!
//! It does no I/O on the link itself. The session hands it what the server says
//! ([`run`](Invocations::run), [`cancel`](Invocations::cancel),
//! [`output_acked`](Invocations::output_acked),
//! [`finished_acked`](Invocations::finished_acked)) and sends whatever
//! [`next_outgoing`](Invocations::next_outgoing) yields. Between sessions (and while a
//! connection is being set up) the run loop calls
//! [`drain_offline`](Invocations::drain_offline) instead, which throws chunks away: they
//! are in the spool.
//!
//! Two sources feed the outgoing side, and their order is what makes output exact:
//!
//! - the **backlog**: answers to the server (`InvocationStarted`, results) and spool
//!   replays (every spooled chunk after the server's last `OutputAck`, then the result
//!   when the invocation ended). It always goes first.
//! - the **update channel** (bounded, [`UPDATES_CAPACITY`]): every invocation task sends
//!   its chunks, then its result, on this one channel, so a result never overtakes its
//!   output. A chunk is forwarded only if its seq is above the highest already sent
//!   for that invocation on this connection (`sent`): chunks a replay already carried
//!   are dropped, and because a task spools a chunk *before* sending it, every chunk
//!   the replay missed is still to come on the channel.
//!
//! The channel is always drained (forwarded while connected, discarded otherwise), so
//! a running process never waits on a missing connection; while connected, a slow link
//! slows the processes' output down (back-pressure) rather than growing memory.
//!
//! Results: an invocation's result is journaled before anyone hears of it, and reported
//! again after every reconnect until the server's `FinishedAck`.

use std::collections::{HashMap, VecDeque};

use bosun_protocol::exec::{is_invocation_id, InvocationResult, Outcome, OutputChunk, MAX_STEPS};
use bosun_protocol::{AgentMessage, RunInvocation};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::executor::{execute_from, now_ms};
use super::journal::{Journal, Resume, Seen, SpoolReader};
use super::simulate::simulate;
use crate::error::printable;
use crate::NodeSettings;
use crate::{AgentEvent, Execution};
use std::sync::Arc;

/// Updates (chunks and results) in flight between the invocation tasks and the link.
/// Chunks are at most `MAX_CHUNK_BYTES`, so this bounds the memory at about 0.5 MiB.
pub(crate) const UPDATES_CAPACITY: usize = 64;

/// How many invocations' acknowledged seqs are remembered. Past this the memory is
/// cleared: the only cost is replaying output the server already has (it dedupes).
const MAX_ACKED_TRACKED: usize = 4096;

/// The detail of an invocation the agent killed because it was stopping.
pub const STOPPED_DETAIL: &str =
    "the agent was stopped while this invocation ran; its processes were killed";

/// What an invocation task tells the session, in this order: chunks, then the result.
#[derive(Debug)]
pub(crate) enum Update {
    Chunk(OutputChunk),
    Finished(Box<InvocationResult>),
}

impl From<OutputChunk> for Update {
    fn from(chunk: OutputChunk) -> Self {
        Update::Chunk(chunk)
    }
}

/// Who asked a running invocation to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StopAsked {
    No,
    /// The server's `Cancel`: the result is the executor's `Cancelled`.
    Cancel,
    /// The agent's own shutdown: the result becomes `Failed` with [`STOPPED_DETAIL`].
    Shutdown,
}

struct Running {
    cancel: watch::Sender<bool>,
    task: JoinHandle<()>,
    stop: StopAsked,
}

enum Replay {
    NotOpened,
    Open(SpoolReader),
}

/// Something to send before any update from the channel.
enum Pending {
    Message(AgentMessage),
    /// The spooled chunks of an invocation after `after`, then `then` (its result).
    Resend {
        invocation_id: String,
        after: u64,
        // Opened when it reaches the front, so a long backlog holds no open files.
        replay: Replay,
        then: Option<InvocationResult>,
    },
}

pub(crate) struct Invocations {
    journal: Journal,
    execution: Execution,
    node: Arc<NodeSettings>,
    events: Option<UnboundedSender<AgentEvent>>,
    running: HashMap<String, Running>,
    /// Created with the first invocation (an idle simulated node allocates nothing).
    updates: Option<(mpsc::Sender<Update>, mpsc::Receiver<Update>)>,
    /// The highest seq the server acknowledged, per invocation (across connections).
    acked: HashMap<String, u64>,
    /// Per connection: the highest seq sent, per invocation.
    sent: HashMap<String, u64>,
    /// Per connection: what goes out before the channel.
    backlog: VecDeque<Pending>,
    /// Between [`connected`](Self::connected) and
    /// [`disconnected`](Self::disconnected): output may be forwarded. (Before the
    /// replays `connected` queues, a forwarded chunk could leave a gap the server
    /// would never fill: it keeps a high-water mark per invocation.)
    online: bool,
}

impl Drop for Invocations {
    /// The run loop is gone without a clean stop (its task was aborted): no invocation
    /// may run on unobserved, so their tasks are aborted (which kills each running
    /// step's process group). Their entries stay unfinished, and the next start reports
    /// them as interrupted.
    fn drop(&mut self) {
        for r in self.running.values() {
            r.task.abort();
        }
    }
}

/// A result for an invocation that did not run (or whose journal failed).
fn failed(invocation_id: &str, last_seq: u64, detail: String) -> InvocationResult {
    InvocationResult {
        invocation_id: invocation_id.to_string(),
        outcome: Outcome::Failed,
        exit_code: -1,
        steps: Vec::new(),
        last_seq,
        detail: Some(printable(&detail, 500)),
    }
}

impl Invocations {
    pub(crate) fn new(
        journal: Journal,
        execution: Execution,
        node: NodeSettings,
        events: Option<UnboundedSender<AgentEvent>>,
    ) -> Self {
        Invocations {
            journal,
            execution,
            node: Arc::new(node),
            events,
            running: HashMap::new(),
            updates: None,
            acked: HashMap::new(),
            sent: HashMap::new(),
            backlog: VecDeque::new(),
            online: false,
        }
    }

    fn emit(&self, event: AgentEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    fn emit_finished(&self, r: &InvocationResult) {
        self.emit(AgentEvent::InvocationFinished {
            invocation_id: r.invocation_id.clone(),
            outcome: r.outcome,
        });
    }

    /// At agent start, before any connection: an invocation with no result was running
    /// when the previous agent process ended. It is failed for good (never re-run), and
    /// reported after the first connection like any unacknowledged result — unless it
    /// rebooted the node on purpose (see [`Resume`]): that one goes on, from the step
    /// that asked for the reboot. Also forgets old acknowledged ids.
    pub(crate) fn recover(&mut self) {
        if let Err(e) = self.journal.prune(now_ms()) {
            tracing::warn!(error = %e, "cannot prune the invocation journal");
        }
        if self.execution == Execution::Real {
            match self.journal.resumable() {
                Ok(resumes) => {
                    for resume in resumes {
                        let id = resume.run.invocation_id.clone();
                        tracing::info!(invocation_id = %id, step = resume.step, "going on after the reboot it asked for");
                        self.spawn(resume.run.clone(), Some(resume));
                        self.emit(AgentEvent::InvocationResumed { invocation_id: id });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the invocation journal"),
            }
        }
        let unfinished = match self.journal.unfinished() {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the invocation journal");
                return;
            }
        };
        for (id, steps) in unfinished {
            let last_seq = self.journal.last_seq(&id).unwrap_or(0);
            match self.journal.interrupt(&id, steps, last_seq) {
                Ok(r) => {
                    tracing::warn!(invocation_id = %id, "interrupted by the agent's restart; reported as failed");
                    self.emit_finished(&r);
                }
                Err(e) => {
                    tracing::warn!(invocation_id = %id, error = %e, "cannot record an interrupted invocation")
                }
            }
        }
    }

    /// Whether no invocation runs in this process.
    pub(crate) fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    /// A connection was authenticated (and `InstanceInfo` sent): tell the server what
    /// runs here (`InvocationStarted` and the output it has not acknowledged) and every
    /// result it has not acknowledged, with its output first.
    pub(crate) fn connected(&mut self) {
        self.sent.clear();
        self.backlog.clear();
        self.online = true;
        let mut ids: Vec<String> = self.running.keys().cloned().collect();
        ids.sort();
        for id in ids {
            self.backlog
                .push_back(Pending::Message(AgentMessage::InvocationStarted {
                    invocation_id: id.clone(),
                }));
            self.resend(id, None);
        }
        match self.journal.unacknowledged() {
            Ok(results) => {
                for r in results {
                    // A running one's result is still on the channel, behind its output.
                    if !self.running.contains_key(&r.invocation_id) {
                        self.resend(r.invocation_id.clone(), Some(r));
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read unacknowledged results"),
        }
    }

    /// The connection ended: what was queued for it is dropped (the journal has it).
    pub(crate) fn disconnected(&mut self) {
        self.sent.clear();
        self.backlog.clear();
        self.online = false;
    }

    /// Whether [`connected`](Self::connected) was called for the current connection.
    pub(crate) fn is_online(&self) -> bool {
        self.online
    }

    fn resend(&mut self, invocation_id: String, then: Option<InvocationResult>) {
        let after = self.acked.get(&invocation_id).copied().unwrap_or(0);
        self.backlog.push_back(Pending::Resend {
            invocation_id,
            after,
            replay: Replay::NotOpened,
            then,
        });
    }

    fn report(&mut self, result: InvocationResult) {
        self.backlog
            .push_back(Pending::Message(AgentMessage::InvocationFinished(result)));
    }

    /// The server's `Run`. Never runs an id twice: a running one is re-announced, a
    /// known one answered from the journal.
    pub(crate) fn run(&mut self, run: RunInvocation) {
        let id = run.invocation_id.clone();
        if !is_invocation_id(&id) {
            // Nothing can be journaled (or reported: the server checks ids too).
            tracing::warn!(invocation_id = %printable(&id, 80), "ignoring a run with an invalid invocation id");
            return;
        }
        if self.running.contains_key(&id) {
            // The server lost track (a reconnect, its restart): the same answer again.
            self.backlog
                .push_back(Pending::Message(AgentMessage::InvocationStarted {
                    invocation_id: id.clone(),
                }));
            self.resend(id, None);
            return;
        }
        match self.journal.begin(&run, now_ms()) {
            Ok(Seen::New) if run.steps.len() > MAX_STEPS => {
                let r = failed(
                    &id,
                    0,
                    format!(
                        "the invocation has {} steps; an agent runs at most {MAX_STEPS}",
                        run.steps.len()
                    ),
                );
                if let Err(e) = self.journal.finish(&r) {
                    tracing::warn!(invocation_id = %id, error = %e, "cannot journal a refusal");
                }
                self.emit_finished(&r);
                self.report(r);
            }
            Ok(Seen::New) => {
                tracing::info!(invocation_id = %id, command_id = %printable(&run.command_id, 80), steps = run.steps.len(), "running");
                self.spawn(run, None);
                self.backlog
                    .push_back(Pending::Message(AgentMessage::InvocationStarted {
                        invocation_id: id.clone(),
                    }));
                self.emit(AgentEvent::InvocationStarted { invocation_id: id });
            }
            // Started and not running in this process: a previous agent process ran it.
            Ok(Seen::Interrupted { .. }) => self.interrupt(&id, run.steps.len().min(MAX_STEPS)),
            Ok(Seen::Finished(r)) => self.resend(id, Some(r)),
            Err(e) => {
                tracing::warn!(invocation_id = %id, error = %e, "cannot journal an invocation; not running it");
                let r = failed(
                    &id,
                    0,
                    format!(
                        "the agent could not journal this invocation, so it did not run it: {e}"
                    ),
                );
                self.emit_finished(&r);
                self.report(r);
            }
        }
    }

    fn interrupt(&mut self, id: &str, steps: usize) {
        let last_seq = self.journal.last_seq(id).unwrap_or(0);
        match self.journal.interrupt(id, steps, last_seq) {
            Ok(r) => {
                self.emit_finished(&r);
                self.resend(id.to_string(), Some(r));
            }
            Err(e) => {
                let r = failed(
                    id,
                    last_seq,
                    format!(
                        "the agent stopped while this invocation ran, and cannot journal it: {e}"
                    ),
                );
                self.emit_finished(&r);
                self.report(r);
            }
        }
    }

    /// The server's `Cancel`: a running invocation's process group is killed (its
    /// `Cancelled` result follows its output); an unknown id is recorded as cancelled,
    /// so its `Run` will never run it; a finished one is reported again.
    pub(crate) fn cancel(&mut self, invocation_id: &str) {
        if !is_invocation_id(invocation_id) {
            tracing::warn!(invocation_id = %printable(invocation_id, 80), "ignoring a cancel with an invalid invocation id");
            return;
        }
        if let Some(r) = self.running.get_mut(invocation_id) {
            tracing::info!(invocation_id, "cancelling");
            if r.stop == StopAsked::No {
                r.stop = StopAsked::Cancel;
            }
            let _ = r.cancel.send(true);
            return;
        }
        match self.journal.lookup(invocation_id) {
            Ok(None) => match self.journal.record_cancelled(invocation_id, now_ms()) {
                Ok(r) => {
                    self.emit_finished(&r);
                    self.resend(invocation_id.to_string(), Some(r));
                }
                Err(e) => {
                    tracing::warn!(invocation_id, error = %e, "cannot journal a cancel");
                    let mut r = failed(
                        invocation_id,
                        0,
                        format!("cancelled before it started (not journaled: {e})"),
                    );
                    r.outcome = Outcome::Cancelled;
                    self.report(r);
                }
            },
            Ok(Some(Seen::Finished(r))) => self.resend(invocation_id.to_string(), Some(r)),
            Ok(Some(Seen::Interrupted { .. })) => self.interrupt(invocation_id, 0),
            Ok(Some(Seen::New)) => {}
            Err(e) => {
                tracing::warn!(invocation_id, error = %e, "cannot read the journal for a cancel")
            }
        }
    }

    /// The server's `OutputAck`: replays start after `seq` from now on.
    pub(crate) fn output_acked(&mut self, invocation_id: &str, seq: u64) {
        if !is_invocation_id(invocation_id) {
            return;
        }
        if self.acked.len() >= MAX_ACKED_TRACKED && !self.acked.contains_key(invocation_id) {
            self.acked.clear();
        }
        let acked = self.acked.entry(invocation_id.to_string()).or_insert(0);
        *acked = (*acked).max(seq);
    }

    /// The server's `FinishedAck`: the spool goes, the id stays (never run again).
    pub(crate) fn finished_acked(&mut self, invocation_id: &str) {
        if !is_invocation_id(invocation_id) {
            return;
        }
        self.acked.remove(invocation_id);
        if self.running.contains_key(invocation_id) {
            // It has no result yet: nothing the server could have stored.
            tracing::warn!(
                invocation_id,
                "ignoring the acknowledgement of a running invocation"
            );
            return;
        }
        match self.journal.acknowledge(invocation_id) {
            Ok(()) => self.emit(AgentEvent::InvocationAcknowledged {
                invocation_id: invocation_id.to_string(),
            }),
            Err(e) => tracing::warn!(invocation_id, error = %e, "cannot record an acknowledgement"),
        }
    }

    fn spawn(&mut self, run: RunInvocation, resume: Option<Resume>) {
        let (tx, _) = self
            .updates
            .get_or_insert_with(|| mpsc::channel(UPDATES_CAPACITY));
        let out = tx.clone();
        let journal = self.journal.clone();
        let execution = self.execution;
        let node = Arc::clone(&self.node);
        let (cancel, cancelled) = watch::channel(false);
        let id = run.invocation_id.clone();
        let task = tokio::spawn(async move {
            let outcome = match execution {
                Execution::Real => {
                    execute_from(&run, &journal, &out, cancelled, &node, resume).await
                }
                Execution::Simulated => simulate(&run, &journal, &out).await,
            };
            let result = outcome.unwrap_or_else(|e| {
                tracing::warn!(invocation_id = %run.invocation_id, error = %e, "the invocation's journal failed");
                let last_seq = journal.last_seq(&run.invocation_id).unwrap_or(0);
                let r = failed(&run.invocation_id, last_seq, format!("the agent's journal failed: {e}"));
                let _ = journal.finish(&r);
                r
            });
            // Never fails: the receiver lives as long as the run loop, which aborts
            // this task before it goes.
            let _ = out.send(Update::Finished(Box::new(result))).await;
        });
        self.running.insert(
            id,
            Running {
                cancel,
                task,
                stop: StopAsked::No,
            },
        );
    }

    /// An invocation task's result arrived: it no longer runs here.
    fn conclude(&mut self, mut result: InvocationResult) -> InvocationResult {
        let stop = self
            .running
            .remove(&result.invocation_id)
            .map(|r| r.stop)
            .unwrap_or(StopAsked::No);
        if stop == StopAsked::Shutdown && result.outcome == Outcome::Cancelled {
            // Nobody cancelled it: the node stopped under it. Failed, and why.
            result.outcome = Outcome::Failed;
            for s in &mut result.steps {
                if s.outcome == Outcome::Cancelled {
                    s.outcome = Outcome::Failed;
                }
            }
            result.detail = Some(STOPPED_DETAIL.into());
            if let Err(e) = self.journal.finish(&result) {
                tracing::warn!(invocation_id = %result.invocation_id, error = %e, "cannot journal a stopped invocation");
            }
        }
        tracing::info!(invocation_id = %result.invocation_id, outcome = ?result.outcome, "finished");
        self.emit_finished(&result);
        result
    }

    async fn recv(&mut self) -> Update {
        match &mut self.updates {
            // The sender half is kept here, so the channel never closes.
            Some((_, rx)) => match rx.recv().await {
                Some(update) => update,
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }

    /// The next message for the server. Cancel-safe: dropping the future loses nothing.
    pub(crate) async fn next_outgoing(&mut self) -> AgentMessage {
        loop {
            if let Some(message) = self.next_from_backlog() {
                return message;
            }
            let update = self.recv().await;
            if let Some(message) = self.forward(update) {
                return message;
            }
        }
    }

    /// The next message for the server if one is ready now (what
    /// [`next_outgoing`](Self::next_outgoing) would return without waiting).
    pub(crate) fn ready_outgoing(&mut self) -> Option<AgentMessage> {
        loop {
            if let Some(message) = self.next_from_backlog() {
                return Some(message);
            }
            let update = self.updates.as_mut()?.1.try_recv().ok()?;
            if let Some(message) = self.forward(update) {
                return Some(message);
            }
        }
    }

    /// What an update from the channel sends: nothing for a chunk a replay carried.
    fn forward(&mut self, update: Update) -> Option<AgentMessage> {
        match update {
            Update::Chunk(chunk) => {
                let sent = self.sent.entry(chunk.invocation_id.clone()).or_insert(0);
                if chunk.seq > *sent {
                    *sent = chunk.seq;
                    return Some(AgentMessage::Output(chunk));
                }
                None
            }
            Update::Finished(result) => {
                let result = self.conclude(*result);
                self.sent.remove(&result.invocation_id);
                Some(AgentMessage::InvocationFinished(result))
            }
        }
    }

    fn next_from_backlog(&mut self) -> Option<AgentMessage> {
        loop {
            match self.backlog.front_mut()? {
                Pending::Message(_) => {
                    let Some(Pending::Message(message)) = self.backlog.pop_front() else {
                        return None;
                    };
                    return Some(message);
                }
                Pending::Resend {
                    invocation_id,
                    after,
                    replay,
                    ..
                } => {
                    if let Replay::NotOpened = replay {
                        match self.journal.spool_reader(invocation_id, *after) {
                            Ok(reader) => *replay = Replay::Open(reader),
                            Err(e) => {
                                tracing::warn!(invocation_id = %invocation_id, error = %e, "cannot read the spool");
                            }
                        }
                    }
                    if let Replay::Open(reader) = replay {
                        if let Some(chunk) = reader.next() {
                            let sent = self.sent.entry(invocation_id.clone()).or_insert(0);
                            *sent = (*sent).max(chunk.seq);
                            return Some(AgentMessage::Output(chunk));
                        }
                    }
                    let Some(Pending::Resend {
                        invocation_id,
                        then,
                        ..
                    }) = self.backlog.pop_front()
                    else {
                        return None;
                    };
                    if let Some(result) = then {
                        self.sent.remove(&invocation_id);
                        return Some(AgentMessage::InvocationFinished(result));
                    }
                }
            }
        }
    }

    /// Between connections: takes one update and drops it if it is a chunk (it is in
    /// the spool). A result ends the invocation; it is reported after the next
    /// connection (it is journaled, unacknowledged). Cancel-safe.
    pub(crate) async fn drain_offline(&mut self) {
        if let Update::Finished(result) = self.recv().await {
            self.conclude(*result);
        }
    }

    /// The agent is stopping: every running invocation's process group is killed
    /// (their results, `Failed` with [`STOPPED_DETAIL`], follow on the channel). The
    /// caller drains until [`is_idle`](Self::is_idle), forwarding or not. Of the
    /// backlog only the replays of running invocations stay (they must precede the
    /// channel's chunks of those); the rest is reported again next time anyway.
    pub(crate) fn stop_all(&mut self) {
        let running = &self.running;
        self.backlog.retain(|p| {
            matches!(p, Pending::Resend { invocation_id, .. } if running.contains_key(invocation_id))
        });
        // One that rebooted the node is left unfinished (its task aborted, nothing
        // killed but the reboot command's wait): the next agent process goes on with it.
        let journal = &self.journal;
        self.running.retain(|id, r| {
            if journal.awaits_reboot(id) {
                tracing::info!(invocation_id = %id, "the node reboots; going on after the restart");
                r.task.abort();
                false
            } else {
                true
            }
        });
        for (id, r) in &mut self.running {
            tracing::info!(invocation_id = %id, "stopping with the agent");
            r.stop = StopAsked::Shutdown;
            let _ = r.cancel.send(true);
        }
    }

    /// Gives up on invocations that did not stop in time: their tasks are aborted
    /// (killing the process groups again) and their entries stay unfinished, so the
    /// next start reports them as interrupted.
    pub(crate) fn abandon(&mut self) {
        for (id, r) in self.running.drain() {
            tracing::warn!(invocation_id = %id, "did not stop in time; abandoned");
            r.task.abort();
        }
    }
}
