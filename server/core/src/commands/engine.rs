//! What happens to a command after SendCommand returns.
//!
//! - **Dispatcher** ([`settle`], DESIGN-NOTES §3): runs inside every transaction that
//!   ends invocations (and in SendCommand's and CancelCommand's), under the command's
//!   row lock: recount, release the next waiting invocations while fewer than the
//!   concurrency limit run and errors do not exceed MaxErrors; once they do, the waiting
//!   ones end "Terminated"; then the command's own status.
//! - **Delivery** ([`deliver`], [`on_connected`]): after the commit, a released
//!   invocation's `Run` goes to its node's link if this process holds it; otherwise a
//!   cluster notice asks the replica that does. A node that (re)connects is sent every
//!   open invocation it has (agents answer a repeated `Run` from their journal).
//! - **Ingest** ([`Runtime::agent_message`], the writer task): what agents report goes
//!   through one bounded queue to one writer that applies a burst of messages in one
//!   transaction, then acknowledges them (OutputAck, FinishedAck) and tells live
//!   subscribers. A full queue slows the links down, never the database.
//! - **Sweeper**: every second, invocations not started by their command's expiry end
//!   "Delivery Timed Out" (and their node is told to cancel, so a late Run never runs);
//!   started ones whose node went silent past their deadline end "Execution Timed Out";
//!   open ones of a deregistered node end "Undeliverable".
//! - **Live** ([`Runtime::subscribe`], DESIGN-NOTES §4): per-invocation and per-command
//!   broadcast channels with bounded buffers; a subscriber that falls behind is told it
//!   lagged and reads from storage.
//!
//! On start ([`start`]) every open command is settled again, so work interrupted by a
//! crash resumes: nodes get their invocations when they connect, deadlines still apply.

use super::store::{self, Counts};
use super::{command_status, PluginState};
use crate::cluster::{self, Notice};
use crate::db::Tx;
use crate::error::ServiceResult;
use crate::types::OutputChunkInfo;
use crate::Core;
use bosun_protocol::exec::{InvocationResult, Outcome, OutputChunk, StepSpec, Stream};
use bosun_protocol::{RunInvocation, ServerMessage};
use sqlx::Row as _;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Messages waiting for the writer; links wait when it is full.
const INGEST_QUEUE: usize = 8192;
/// Messages applied in one transaction at most.
const BATCH: usize = 1024;
/// Events a live subscriber may fall behind before it is told to catch up.
const LIVE_BUFFER: usize = 512;
/// Open invocation rows the writer keeps in memory at most ([`Runtime::remember`]).
const REMEMBERED: usize = 200_000;
/// While the writer is behind, a Started report waits this long at most for its
/// invocation's next report, so both change the row once ([`StartHold`]). Under a
/// fan-out to thousands of nodes a quick command's Finished comes about a second after
/// its Started (every other node's Started is queued between them); a shorter hold
/// lets most of them go alone, each costing a row write at the worst moment.
const START_HOLD: Duration = Duration::from_secs(2);
/// Messages applied in one transaction at most when held Starteds are released with a
/// burst (a long transaction blocks every other writer of an SQLite database).
const APPLY_AT_MOST: usize = 4 * BATCH;
/// The writer keeps up once it has not been behind for this long (then what it holds
/// goes).
const CALM: Duration = Duration::from_millis(200);
/// Held Starteds let go at one look at most, unless their invocation reported.
const LET_GO: usize = 512;
/// Started reports held at most.
const HELD: usize = 50_000;
/// A started invocation whose node never reports is given up this long after the sum
/// of its steps' timeouts.
const DEADLINE_GRACE_MS: i64 = 60_000;
/// How far a command's counts may lag its invocations while the writer applies a
/// stream of reports (see [`Settled`]).
const SETTLE_EVERY: Duration = Duration::from_millis(100);
/// The sweeper's period.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// What an agent reported about an invocation.
#[derive(Clone, Debug)]
pub enum AgentReport {
    Started(String),
    Output(OutputChunk),
    Finished(InvocationResult),
}

struct Ingest {
    instance_id: String,
    report: AgentReport,
    /// When the writer took it from the queue (the clock's ms): an invocation's
    /// `started_at` is when its Started arrived, even if it was held.
    received_ms: i64,
}

/// What live subscribers hear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// A new output chunk of the invocation.
    Output(OutputChunkInfo),
    /// The invocation's or command's status changed: read it again.
    Changed,
}

/// Run Command's in-process machinery (one per [`Core`]).
#[derive(Default)]
pub struct Runtime {
    /// The running writer's queue (replaced by each [`start`]: a server that stops and
    /// starts again over the same `Core` gets a new writer).
    ingest: Mutex<Option<mpsc::Sender<Ingest>>>,
    topics: Mutex<HashMap<String, broadcast::Sender<LiveEvent>>>,
    /// Open invocations as this process last stored them (SendCommand's insert, the
    /// writer's bursts), so a burst of reports reads only the rows it does not hold.
    /// A row here may be stale (the sweeper, a cancel or another replica changed it):
    /// every other writer of an invocation changes its status, and the writer's update
    /// is guarded by the status and sequence it started from, so a stale row is a
    /// conflict, and the burst is applied again over rows read from the database.
    remembered: Mutex<HashMap<String, store::InvocationRow>>,
}

impl Runtime {
    /// Queues what a node's link received, in order and side by side (it waits while
    /// the writer is behind). Without a writer it is dropped unacknowledged; the agent
    /// sends it again.
    pub async fn agent_messages(&self, instance_id: &str, reports: Vec<AgentReport>) {
        let tx = self
            .ingest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(tx) = tx else { return };
        // Room for all at once, so the reports of one node are not spread through the
        // queue by other links' (a quick invocation's then share one burst).
        let Ok(permits) = tx.reserve_many(reports.len().min(INGEST_QUEUE)).await else {
            return;
        };
        let mut reports = reports.into_iter();
        for (permit, report) in permits.zip(reports.by_ref()) {
            permit.send(Ingest {
                instance_id: instance_id.to_string(),
                report,
                received_ms: 0,
            });
        }
        for report in reports {
            let _ = tx
                .send(Ingest {
                    instance_id: instance_id.to_string(),
                    report,
                    received_ms: 0,
                })
                .await;
        }
    }

    /// Live events of `topic`: `inv:<invocation id>` (output and changes) or
    /// `cmd:<command id>` (changes).
    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<LiveEvent> {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        topics
            .entry(topic.to_string())
            .or_insert_with(|| broadcast::channel(LIVE_BUFFER).0)
            .subscribe()
    }

    fn publish(&self, topic: &str, event: LiveEvent) {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = topics.get(topic) {
            if tx.send(event).is_err() {
                // Nobody listens any more.
                topics.remove(topic);
            }
        }
    }

    /// Keeps open invocation rows for the writer (see `remembered`). Past
    /// [`REMEMBERED`] rows it forgets them all: they are a cache, and rows of invocations
    /// that end without a report from their node (timeouts) are forgotten this way.
    pub fn remember(&self, rows: impl IntoIterator<Item = store::InvocationRow>) {
        let mut kept = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        for row in rows {
            if kept.len() >= REMEMBERED {
                kept.clear();
            }
            kept.insert(row.invocation_id.clone(), row);
        }
    }

    /// Takes the remembered rows of `ids` out of memory (the caller remembers them
    /// again once they are stored).
    fn recall(&self, ids: &[&str]) -> Vec<store::InvocationRow> {
        let mut kept = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        ids.iter().filter_map(|id| kept.remove(*id)).collect()
    }

    /// Tells subscribers of a command that it changed.
    pub fn changed(&self, command_id: &str) {
        self.publish(&format!("cmd:{command_id}"), LiveEvent::Changed);
    }
}

/// Outcome → (status, status details) of an invocation or plugin.
fn status_of(outcome: Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Success => ("Success", "Success"),
        Outcome::Failed => ("Failed", "Failed"),
        Outcome::TimedOut => ("TimedOut", "Execution Timed Out"),
        Outcome::Cancelled => ("Cancelled", "Cancelled"),
        Outcome::Skipped => ("Success", "Skipped"),
    }
}

fn is_terminal(status: &str) -> bool {
    !matches!(status, "Pending" | "Delayed" | "InProgress" | "Cancelling")
}

/// The dispatcher, inside the caller's transaction: see the module docs. Returns the
/// invocations it released (deliver them after the commit).
pub async fn settle(
    tx: &mut Tx,
    command_id: &str,
    now: i64,
) -> ServiceResult<Vec<(String, String)>> {
    Ok(settle_counted(tx, command_id, now).await?.0)
}

/// [`settle`], and what the writer keeps of the command (`None`: no such command).
async fn settle_counted(
    tx: &mut Tx,
    command_id: &str,
    now: i64,
) -> ServiceResult<(Vec<(String, String)>, Option<Settled>)> {
    let Some(cmd) = store::lock_command(tx, command_id, now).await? else {
        return Ok((Vec::new(), None));
    };
    let mut c: Counts = store::counts(tx, command_id).await?;
    let mut released = Vec::new();
    if c.waiting > 0 {
        if cmd.cancel_requested {
            store::end_waiting(tx, command_id, "Cancelled", "Cancelled", now).await?;
            c = store::counts(tx, command_id).await?;
        } else if c.errors > cmd.error_limit {
            store::end_waiting(tx, command_id, "Cancelled", "Terminated", now).await?;
            c = store::counts(tx, command_id).await?;
        } else {
            let n = super::plan::can_start(
                c.running as usize,
                c.errors as usize,
                cmd.concurrency_limit as usize,
                cmd.error_limit as usize,
                c.waiting as usize,
            );
            released = store::release_next(tx, command_id, n as i64, now).await?;
            if !released.is_empty() {
                c = store::counts(tx, command_id).await?;
            }
        }
    }
    let no_targets = if cmd.targets == "[]" {
        "Success"
    } else {
        "No Instances In Tag"
    };
    let (status, details) = command_status(&c, cmd.error_limit, cmd.cancel_requested, no_targets);
    // A command with released but unstarted invocations only is still Pending.
    store::update_command_status(tx, command_id, status, details, &c, now).await?;
    let settled = Settled {
        at: std::time::Instant::now(),
        all_released: cmd.concurrency_limit >= cmd.target_count && !cmd.cancel_requested,
        target_count: cmd.target_count,
        terminal: c.terminal,
        owed: false,
    };
    Ok((released, Some(settled)))
}

/// What the writer knows of a command since it last ran the dispatcher for it. The
/// dispatcher recounts the command's invocations (DESIGN-NOTES §3): under a fan-out
/// that was a third of each burst's time. For a command whose targets all went out
/// at once (nothing waits for a release) the writer runs it at most every
/// [`SETTLE_EVERY`] while reports stream in, and at once when the invocations it
/// knows ended may be the last ones; a command it skipped is owed a run within
/// [`SETTLE_EVERY`] even if no report comes. So the command ends in the burst that
/// ends its last invocation (or, when another writer ended some of them, within
/// [`SETTLE_EVERY`]: each writer runs the dispatcher after its own last ending, and
/// that recount sees every committed one), and its counts lag by 100 ms at most.
#[derive(Clone, Copy, Debug)]
struct Settled {
    at: std::time::Instant,
    /// Every target was released at once and no cancel is asked: the dispatcher has
    /// nothing to release or end, only counts to write.
    all_released: bool,
    target_count: i64,
    /// Terminal invocations at that run, plus those this writer ended since.
    terminal: i64,
    /// This writer changed invocations since: the dispatcher must run again.
    owed: bool,
}

impl Settled {
    /// Whether a burst that ends `ended` invocations may leave the counts for later.
    fn may_wait(&self, ended: i64, now: std::time::Instant) -> bool {
        self.all_released
            && now < self.at + SETTLE_EVERY
            && self.terminal + ended < self.target_count
    }
}

/// The commands the writer owes a dispatcher run, when the first is due.
fn settle_due(settled: &HashMap<String, Settled>) -> Option<std::time::Instant> {
    settled
        .values()
        .filter(|s| s.owed)
        .map(|s| s.at + SETTLE_EVERY)
        .min()
}

/// Runs the dispatcher for the owed commands due by `by`.
async fn settle_owed(core: &Core, settled: &mut HashMap<String, Settled>, by: std::time::Instant) {
    let due: Vec<String> = settled
        .iter()
        .filter(|(_, s)| s.owed && s.at + SETTLE_EVERY <= by)
        .map(|(c, _)| c.clone())
        .collect();
    for c in due {
        match settle_now(core, &c).await {
            Ok(Some(info)) => {
                settled.insert(c, info);
            }
            Ok(None) => {
                settled.remove(&c);
            }
            Err(e) => {
                // Tried again after another interval.
                tracing::warn!(command_id = %c, error = %e.message, "command counts not updated");
                if let Some(s) = settled.get_mut(&c) {
                    s.at = std::time::Instant::now();
                }
            }
        }
    }
    // Forget what is settled and quiet (the next report starts with a full run).
    let now = std::time::Instant::now();
    settled.retain(|_, s| s.owed || now < s.at + Duration::from_secs(10));
}

/// Ends an open invocation (from one of `from`) with `status`/`details`; its open
/// plugins end the same way. False when it had already moved on.
pub async fn end_invocation(
    tx: &mut Tx,
    invocation_id: &str,
    from: &[&str],
    status: &str,
    details: &str,
    now: i64,
    detail: Option<&str>,
) -> ServiceResult<bool> {
    let Some(inv) = store::invocation(&mut **tx, invocation_id).await? else {
        return Ok(false);
    };
    if !from.contains(&inv.status.as_str()) {
        return Ok(false);
    }
    let mut plugins = super::plugins_of(&inv);
    for p in &mut plugins {
        if !is_terminal(&p.status) {
            p.status = status.into();
            p.details = details.into();
            p.ended = Some(now);
        }
    }
    let plugins = serde_json::to_string(&plugins).unwrap_or_else(|_| inv.plugins.clone());
    Ok(store::transition(
        tx,
        invocation_id,
        from,
        status,
        details,
        store::Transition {
            ended_at: Some(now),
            plugins: Some(&plugins),
            detail,
            ..Default::default()
        },
    )
    .await?)
}

/// The `Run` message for a stored invocation. SecureString references are resolved
/// here, on the way to the agent, and nowhere else (`cache` spans one delivery). An
/// invocation whose steps cannot be read or whose reference no longer resolves ends
/// Failed with the reason, instead of being sent.
async fn run_message(
    core: &Core,
    node: &str,
    invocation_id: &str,
    command_id: &str,
    run: &str,
    cache: &mut BTreeMap<String, String>,
) -> Option<ServerMessage> {
    let resolved;
    let run = if crate::parameters::references::has_secure(run) {
        match crate::parameters::references::resolve_at_delivery(core, command_id, run, cache).await
        {
            Ok(r) => {
                resolved = r;
                resolved.as_str()
            }
            Err(e) => {
                fail_before_delivery(core, invocation_id, command_id, &e.message).await;
                return None;
            }
        }
    } else {
        run
    };
    let steps: Vec<StepSpec> = match serde_json::from_str(run) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(invocation_id, error = %e, "stored steps unreadable; not delivered");
            fail_before_delivery(
                core,
                invocation_id,
                command_id,
                "the stored steps are unreadable",
            )
            .await;
            return None;
        }
    };
    let steps = with_patch_snapshots(core, node, invocation_id, command_id, steps).await?;
    Some(ServerMessage::Run(RunInvocation {
        invocation_id: invocation_id.to_string(),
        command_id: command_id.to_string(),
        steps,
    }))
}

/// Fills in the node's patch baseline for its `aws:runPatchBaseline` steps, as the
/// invocation leaves for the node (so it is the baseline that applies now, and is never
/// stored with the command). An invocation whose baseline cannot be read ends Failed.
/// `None` also while the node has not reported its operating system on this connection
/// yet (a node that just enrolled): its `InstanceInfo` comes first on every connection,
/// and the open invocations are delivered right after it.
async fn with_patch_snapshots(
    core: &Core,
    node: &str,
    invocation_id: &str,
    command_id: &str,
    mut steps: Vec<StepSpec>,
) -> Option<Vec<StepSpec>> {
    if !steps.iter().any(|s| s.patch.is_some()) {
        return Some(steps);
    }
    if let Ok(Some((name, _))) = crate::nodes::store::platform(core.db().pool(), node).await {
        if name.is_empty() {
            return None;
        }
    }
    match crate::patch::snapshot_for_node(core, node).await {
        Ok(snapshot) => {
            for step in &mut steps {
                if let Some(p) = step.patch.as_mut() {
                    p.snapshot = snapshot.clone();
                }
            }
            Some(steps)
        }
        Err(e) => {
            tracing::error!(invocation_id, error = %e, "patch baseline unreadable; not delivered");
            fail_before_delivery(
                core,
                invocation_id,
                command_id,
                "the node's patch baseline could not be read",
            )
            .await;
            None
        }
    }
}

/// Ends an invocation that cannot be sent (Failed, with `detail`).
async fn fail_before_delivery(core: &Core, invocation_id: &str, command_id: &str, detail: &str) {
    let now = core.now_ms();
    let result = async {
        let mut tx = core.db().begin().await?;
        let ended = end_invocation(
            &mut tx,
            invocation_id,
            &["Pending", "Delayed"],
            "Failed",
            "Failed",
            now,
            Some(detail),
        )
        .await?;
        let released = if ended {
            settle(&mut tx, command_id, now).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        ServiceResult::Ok(released)
    }
    .await;
    match result {
        Ok(released) => {
            core.commands()
                .publish(&format!("inv:{invocation_id}"), LiveEvent::Changed);
            core.commands().changed(command_id);
            // Boxed: delivery may fail invocations, which may release others.
            Box::pin(deliver(core, command_id, &released)).await;
        }
        Err(e) => {
            tracing::warn!(invocation_id, error = %e.message, "undeliverable invocation not ended; it times out instead")
        }
    }
}

/// Sends released invocations to their nodes: directly when this process holds the
/// link, through the replica that does otherwise.
pub async fn deliver(core: &Core, command_id: &str, released: &[(String, String)]) {
    if released.is_empty() {
        return;
    }
    let mut cache = BTreeMap::new();
    let local: Vec<&str> = released
        .iter()
        .filter(|(_, node)| core.links().holds(node))
        .map(|(id, _)| id.as_str())
        .collect();
    for chunk in local.chunks(store::MAX_BINDS) {
        let slots: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT invocation_id, instance_id, run FROM command_invocations WHERE invocation_id IN ({})",
            slots.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        match q.fetch_all(core.db().pool()).await {
            Ok(rows) => {
                for r in rows {
                    let (Ok(id), Ok(node), Ok(run)) = (
                        r.try_get::<String, _>("invocation_id"),
                        r.try_get::<String, _>("instance_id"),
                        r.try_get::<String, _>("run"),
                    ) else {
                        continue;
                    };
                    if let Some(m) =
                        run_message(core, &node, &id, command_id, &run, &mut cache).await
                    {
                        core.links().send(&node, m);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(command_id, error = %e, "delivery deferred: nodes get it when they reconnect");
            }
        }
    }
    if local.len() < released.len() {
        cluster::publish_to_others(
            core,
            Notice::Deliver {
                command_id: command_id.to_string(),
            },
        )
        .await;
    }
}

/// [`deliver`] for invocations whose steps are still in memory (SendCommand's first
/// wave): `(invocation id, node, steps)`.
pub async fn deliver_planned(
    core: &Core,
    command_id: &str,
    released: Vec<(String, String, std::sync::Arc<Vec<StepSpec>>)>,
) {
    let mut elsewhere = false;
    for (invocation_id, node, steps) in released {
        if !core.links().holds(&node) {
            elsewhere = true;
            continue;
        }
        let Some(steps) =
            with_patch_snapshots(core, &node, &invocation_id, command_id, (*steps).clone()).await
        else {
            continue;
        };
        let m = ServerMessage::Run(RunInvocation {
            invocation_id,
            command_id: command_id.to_string(),
            steps,
        });
        core.links().send(&node, m);
    }
    if elsewhere {
        cluster::publish_to_others(
            core,
            Notice::Deliver {
                command_id: command_id.to_string(),
            },
        )
        .await;
    }
}

/// A cluster notice's half of [`deliver`]: this replica's nodes' undelivered
/// invocations of the command.
pub async fn deliver_here(core: &Core, command_id: &str) {
    let mut cache = BTreeMap::new();
    match store::deliverable_here(core.db().pool(), command_id, core.replica_id()).await {
        Ok(rows) => {
            for r in rows {
                let m = if r.status == "Cancelling" {
                    ServerMessage::Cancel {
                        invocation_id: r.invocation_id.clone(),
                    }
                } else {
                    match run_message(
                        core,
                        &r.instance_id,
                        &r.invocation_id,
                        &r.command_id,
                        &r.run,
                        &mut cache,
                    )
                    .await
                    {
                        Some(m) => m,
                        None => continue,
                    }
                };
                core.links().send(&r.instance_id, m);
            }
        }
        Err(e) => tracing::warn!(command_id, error = %e, "delivery notice not applied"),
    }
}

/// Tells the node to cancel an invocation, wherever its link is.
pub async fn send_cancel(core: &Core, instance_id: &str, invocation_id: &str) {
    let m = ServerMessage::Cancel {
        invocation_id: invocation_id.to_string(),
    };
    if !core.links().send(instance_id, m) {
        cluster::publish_to_others(
            core,
            Notice::Cancel {
                instance_id: instance_id.to_string(),
                invocation_id: invocation_id.to_string(),
            },
        )
        .await;
    }
}

/// A node's link is up (attached in this process): send it every open invocation it
/// has. Agents answer a `Run` they have seen from their journal, so this is safe to
/// repeat.
pub async fn on_connected(core: &Core, instance_id: &str) {
    let mut cache = BTreeMap::new();
    match store::open_for_node(core.db().pool(), instance_id).await {
        Ok(rows) => {
            for r in rows {
                let m = if r.status == "Cancelling" {
                    ServerMessage::Cancel {
                        invocation_id: r.invocation_id.clone(),
                    }
                } else {
                    match run_message(
                        core,
                        &r.instance_id,
                        &r.invocation_id,
                        &r.command_id,
                        &r.run,
                        &mut cache,
                    )
                    .await
                    {
                        Some(m) => m,
                        None => continue,
                    }
                };
                core.links().send(instance_id, m);
            }
        }
        Err(e) => {
            tracing::warn!(instance_id, error = %e, "open invocations not sent; they are sent at the next connection")
        }
    }
}

/// Starts the writer and the sweeper, after settling every open command again
/// (resume after a restart). Call once per process, before links are accepted.
pub async fn start(core: &Core) -> Vec<tokio::task::JoinHandle<()>> {
    match store::open_commands(core.db().pool()).await {
        Ok(ids) => {
            for id in ids {
                if let Err(e) = settle_now(core, &id).await {
                    tracing::warn!(command_id = %id, error = %e.message, "open command not resumed");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "open commands not listed at start"),
    }
    let (tx, rx) = mpsc::channel(INGEST_QUEUE);
    *core
        .commands()
        .ingest
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(tx);
    let mut handles = Vec::new();
    let c = core.clone();
    handles.push(match core.db().backend() {
        crate::db::Backend::Sqlite => spawn_on_own_thread(c, rx),
        crate::db::Backend::Postgres => tokio::spawn(async move { writer(c, rx).await }),
    });
    let c = core.clone();
    handles.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&c).await {
                tracing::warn!(error = %e.message, "command sweep failed");
            }
        }
    }));
    handles
}

/// The dispatcher in a transaction of its own, then the deliveries it released; what
/// the writer keeps of the command (`None`: no such command).
async fn settle_now(core: &Core, command_id: &str) -> ServiceResult<Option<Settled>> {
    let mut tx = core.db().begin().await?;
    let (released, settled) = settle_counted(&mut tx, command_id, core.now_ms()).await?;
    tx.commit().await?;
    deliver(core, command_id, &released).await;
    core.commands().changed(command_id);
    Ok(settled)
}

/// One sweep: delivery and execution deadlines. Returns how many invocations ended.
pub async fn sweep(core: &Core) -> ServiceResult<usize> {
    let now = core.now_ms();
    let pool = core.db().pool();
    let expired = store::delivery_expired(pool, now).await?;
    let past = store::past_deadline(pool, now).await?;
    let gone = store::on_deregistered_nodes(pool).await?;
    if expired.is_empty() && past.is_empty() && gone.is_empty() {
        return Ok(0);
    }
    let mut tx = core.db().begin().await?;
    let mut touched = BTreeSet::new();
    let mut cancels = Vec::new();
    let mut ended = 0;
    for (id, command_id, node, released) in expired {
        if end_invocation(
            &mut tx,
            &id,
            &["Pending", "Delayed"],
            "TimedOut",
            "Delivery Timed Out",
            now,
            None,
        )
        .await?
        {
            ended += 1;
            if released {
                cancels.push((node, id));
            }
            touched.insert(command_id);
        }
    }
    for (id, command_id, status) in past {
        let (to, details, detail) = if status == "Cancelling" {
            (
                "Cancelled",
                "Cancelled",
                "the node did not confirm the cancel before the deadline",
            )
        } else {
            (
                "TimedOut",
                "Execution Timed Out",
                "the node did not report an end before the deadline",
            )
        };
        if end_invocation(
            &mut tx,
            &id,
            &[status.as_str()],
            to,
            details,
            now,
            Some(detail),
        )
        .await?
        {
            ended += 1;
            touched.insert(command_id);
        }
    }
    for (id, command_id, status) in gone {
        // Neither an error nor a success (SSM's Undeliverable).
        if end_invocation(
            &mut tx,
            &id,
            &[status.as_str()],
            "Failed",
            "Undeliverable",
            now,
            Some("the node was deregistered"),
        )
        .await?
        {
            ended += 1;
            touched.insert(command_id);
        }
    }
    let mut released = Vec::new();
    for id in &touched {
        released.push((id.clone(), settle(&mut tx, id, now).await?));
    }
    tx.commit().await?;
    for (node, id) in cancels {
        send_cancel(core, &node, &id).await;
    }
    for (id, r) in released {
        deliver(core, &id, &r).await;
        core.commands().changed(&id);
    }
    Ok(ended)
}

/// Started reports held back while the writer is behind. A quick command's Started,
/// Output and Finished arrive in different bursts when the queue is long, and each
/// burst rewrites the row (and its index entries); held for up to [`START_HOLD`], a
/// Started joins its invocation's next report and the row changes once. Nothing is
/// held while the writer keeps up, so an idle server shows InProgress at once (a busy
/// one within [`START_HOLD`]). A held Started is not acknowledged to anyone (agents
/// expect no answer to it), and its `started_at` is when it arrived.
#[derive(Default)]
struct StartHold {
    /// In arrival order: when it is due, and the report.
    held: std::collections::VecDeque<(std::time::Instant, Ingest)>,
    /// When the writer was last behind.
    behind_at: Option<std::time::Instant>,
}

impl StartHold {
    /// When the writer should look again without news: the oldest held report is due,
    /// or the writer will have kept up for [`CALM`] (at once when it has, and some
    /// are still held).
    fn next_due(&self) -> Option<std::time::Instant> {
        let (due, _) = self.held.front()?;
        Some(match self.behind_at {
            Some(at) => (*due).min(at + CALM),
            None => *due,
        })
    }

    /// What to apply now, out of a burst just received (`busy`: it filled a burst or
    /// more reports are queued behind it). While the writer is behind (busy now or
    /// within [`CALM`]), a Started waits for its invocation's next report. First go
    /// the held ones whose invocation reports in this burst, and up to [`LET_GO`] of
    /// those that are due or, once the writer has kept up for [`CALM`], of the
    /// others (the rest go at the next look, which is at once: a Started whose
    /// invocation reports meanwhile still joins that report); then the burst, less the
    /// Starteds held for later. (A queue that is empty for a moment does not mean the
    /// writer keeps up: under a fan-out the links are often just not scheduled yet.)
    fn admit(&mut self, burst: Vec<Ingest>, busy: bool, now: std::time::Instant) -> Vec<Ingest> {
        if busy {
            self.behind_at = Some(now);
        }
        let behind = self
            .behind_at
            .is_some_and(|at| now.saturating_duration_since(at) < CALM);
        let later: std::collections::HashSet<&str> = burst
            .iter()
            .filter(|m| !matches!(m.report, AgentReport::Started(_)))
            .map(|m| report_id(&m.report))
            .collect();
        let mut out = Vec::with_capacity(burst.len() + self.held.len());
        let mut keep = std::collections::VecDeque::new();
        let mut let_go = 0;
        for (due, m) in self.held.drain(..) {
            if later.contains(report_id(&m.report)) {
                out.push(m);
            } else if (!behind || due <= now) && let_go < LET_GO {
                let_go += 1;
                out.push(m);
            } else {
                keep.push_back((due, m));
            }
        }
        let mut hold = Vec::new();
        for m in &burst {
            let held = behind
                && matches!(m.report, AgentReport::Started(_))
                && !later.contains(report_id(&m.report))
                && keep.len() + hold.len() < HELD;
            hold.push(held);
        }
        drop(later);
        for (m, held) in burst.into_iter().zip(hold) {
            if held {
                keep.push_back((now + START_HOLD, m));
            } else {
                out.push(m);
            }
        }
        self.held = keep;
        out
    }

    /// Everything held (the queue closed).
    fn drain(&mut self) -> Vec<Ingest> {
        self.held.drain(..).map(|(_, m)| m).collect()
    }
}

/// Runs the writer on a thread of its own (SQLite). Each burst takes about ten round
/// trips to SQLite's connection thread, and on the shared runtime each answer woke the
/// writer behind every link task that had frames to handle: under a fan-out, thousands.
/// On its own thread the writer runs as soon as an answer comes. (PostgreSQL's
/// connections are sockets registered with the runtime that opened them: its writer
/// stays on the shared runtime.) The handle stops it as aborting a task would: at its
/// next await, an open transaction rolled back.
fn spawn_on_own_thread(core: Core, rx: mpsc::Receiver<Ingest>) -> tokio::task::JoinHandle<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = move || {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "the writer's runtime did not start");
                return;
            }
        };
        rt.block_on(async move {
            tokio::select! {
                _ = writer(core, rx) => {}
                _ = stopped => {}
            }
        });
    };
    if let Err(e) = std::thread::Builder::new()
        .name("bosun-writer".into())
        .spawn(run)
    {
        tracing::error!(error = %e, "the writer's thread did not start");
    }
    // Dropping `stop` (this task aborted or ended) stops the writer.
    tokio::spawn(async move {
        let _stop = stop;
        std::future::pending::<()>().await
    })
}

/// The writer: applies bursts of agent reports, one transaction each.
async fn writer(core: Core, mut rx: mpsc::Receiver<Ingest>) {
    let mut hold = StartHold::default();
    let mut settled: HashMap<String, Settled> = HashMap::new();
    loop {
        settle_owed(&core, &mut settled, std::time::Instant::now()).await;
        let mut burst = Vec::with_capacity(BATCH);
        let next = match (hold.next_due(), settle_due(&settled)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let received = match next {
            None => rx.recv_many(&mut burst, BATCH).await,
            Some(due) => {
                match tokio::time::timeout_at(due.into(), rx.recv_many(&mut burst, BATCH)).await {
                    Ok(n) => n,
                    // Nothing new: the due ones go now.
                    Err(_) => usize::MAX,
                }
            }
        };
        let batch = if received == 0 {
            // The queue closed: what was held is applied, then the writer ends.
            let rest = hold.drain();
            if rest.is_empty() {
                // Whatever is owed, due or not.
                let all = std::time::Instant::now() + SETTLE_EVERY;
                settle_owed(&core, &mut settled, all).await;
                return;
            }
            rest
        } else {
            let now_ms = core.now_ms();
            for m in &mut burst {
                m.received_ms = now_ms;
            }
            let busy = burst.len() == BATCH || !rx.is_empty();
            hold.admit(burst, busy, std::time::Instant::now())
        };
        if batch.is_empty() {
            continue;
        }
        // Released Starteds may make a batch large: it is applied in parts, in order.
        for part in batch.chunks(APPLY_AT_MOST) {
            apply_or_reset(&core, part, &mut settled).await;
        }
    }
}

/// Applies reports; when they cannot be stored, resets the links they came from.
async fn apply_or_reset(core: &Core, batch: &[Ingest], settled: &mut HashMap<String, Settled>) {
    // A conflict (another replica or the sweeper moved one of the invocations between
    // our read and our write) rolls back; the burst is applied again over what is
    // stored now.
    let mut outcome = apply(core, batch, settled).await;
    for _ in 0..3 {
        if !matches!(outcome, Ok(false)) {
            break;
        }
        outcome = apply(core, batch, settled).await;
    }
    let failure = match outcome {
        Ok(true) => return,
        Ok(false) => "conflicting changes".to_string(),
        Err(e) => e.message,
    };
    // Nothing was acknowledged: cut the links involved, so their agents reconnect and
    // send it all again.
    tracing::error!(error = %failure, messages = batch.len(), "agent reports not stored; links reset");
    let nodes: BTreeSet<&str> = batch.iter().map(|m| m.instance_id.as_str()).collect();
    for n in nodes {
        core.links()
            .cut_older(n, i64::MAX, crate::links::CutReason::ShuttingDown);
    }
}

/// Per-invocation state while a burst is applied: the row as read, then as changed in
/// memory; it is written once at the end.
struct Working {
    row: store::InvocationRow,
    was_status: String,
    was_last_seq: i64,
    changed: bool,
    plugin_of_step: HashMap<u32, i64>,
}

/// Applies a burst of reports in one transaction: one read of the invocations, their
/// transitions in memory (each allowed only from the statuses the state machine
/// allows), then one multi-row write of the invocations and one of the output, then the
/// dispatcher for each command touched. False when a row had changed under it (rolled
/// back; apply again).
async fn apply(
    core: &Core,
    batch: &[Ingest],
    settled: &mut HashMap<String, Settled>,
) -> ServiceResult<bool> {
    let now = core.now_ms();
    let began = std::time::Instant::now();
    let mut tx = core.db().begin().await?;
    let cap = crate::settings::number_on(core, &mut *tx, super::OUTPUT_LIMIT_SETTING).await?;
    let begun = began.elapsed();
    let ids: BTreeSet<&str> = batch.iter().map(|m| report_id(&m.report)).collect();
    let ids: Vec<&str> = ids.into_iter().collect();
    let mut known = core.commands().recall(&ids);
    let missing: Vec<&str> = if known.is_empty() {
        ids
    } else {
        let held: BTreeSet<&str> = known.iter().map(|r| r.invocation_id.as_str()).collect();
        ids.into_iter().filter(|id| !held.contains(id)).collect()
    };
    let recalled = known.len();
    known.extend(store::invocations_by_ids(&mut tx, &missing).await?);
    let mut rows: HashMap<String, Working> = known
        .into_iter()
        .map(|row| {
            let plugin_of_step = super::plugins_of(&row)
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.step.map(|s| (s, i as i64)))
                .collect();
            let w = Working {
                was_status: row.status.clone(),
                was_last_seq: row.last_seq,
                changed: false,
                plugin_of_step,
                row,
            };
            (w.row.invocation_id.clone(), w)
        })
        .collect();
    let read = began.elapsed();
    let mut outputs: Vec<store::NewOutput> = Vec::new();
    let mut acks: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut finished_acks: Vec<(String, String)> = Vec::new();
    let mut live: Vec<(String, LiveEvent)> = Vec::new();
    let mut touched = BTreeSet::new();
    // Invocations this burst ends, per command.
    let mut ended: HashMap<String, i64> = HashMap::new();
    let mut patch_reports: Vec<(String, String, String)> = Vec::new();
    for m in batch {
        let id = report_id(&m.report);
        let Some(w) = rows.get_mut(id) else {
            tracing::warn!(instance_id = %m.instance_id, invocation_id = %id, "report about an unknown invocation ignored");
            continue;
        };
        // A node reports only on its own invocations.
        if w.row.instance_id != m.instance_id {
            tracing::warn!(instance_id = %m.instance_id, invocation_id = %id, "report about another node's invocation refused");
            continue;
        }
        match &m.report {
            AgentReport::Started(_) => {
                if matches!(w.row.status.as_str(), "Pending" | "Delayed") {
                    let steps: Vec<StepSpec> = serde_json::from_str(&w.row.run).unwrap_or_default();
                    let budget: i64 = steps.iter().map(|s| s.timeout_seconds as i64).sum();
                    let at = if m.received_ms > 0 {
                        m.received_ms
                    } else {
                        now
                    };
                    let mut plugins = super::plugins_of(&w.row);
                    for p in &mut plugins {
                        if p.step.is_some() && p.status == "Pending" {
                            p.status = "InProgress".into();
                            p.details = "In Progress".into();
                            p.started = Some(at);
                        }
                    }
                    w.row.plugins = serde_json::to_string(&plugins).unwrap_or_default();
                    w.row.status = "InProgress".into();
                    w.row.status_details = "In Progress".into();
                    w.row.started_at = Some(at);
                    w.row.deadline_at = Some(at + budget * 1000 + DEADLINE_GRACE_MS);
                    w.changed = true;
                    touched.insert(w.row.command_id.clone());
                    live.push((format!("inv:{id}"), LiveEvent::Changed));
                }
            }
            AgentReport::Output(chunk) => {
                let seq = chunk.seq as i64;
                if seq > w.row.last_seq {
                    let plugin = w.plugin_of_step.get(&chunk.step).copied().unwrap_or(0);
                    // NUL is the one character PostgreSQL's text cannot hold: both
                    // backends store its picture, U+2400 (as the console shows it).
                    let data = if chunk.data.contains('\0') {
                        std::borrow::Cow::Owned(chunk.data.replace('\0', "\u{2400}"))
                    } else {
                        std::borrow::Cow::Borrowed(chunk.data.as_str())
                    };
                    let room = (cap - w.row.output_bytes).max(0) as usize;
                    let (keep, dropped) = if data.len() <= room {
                        (&data[..], 0)
                    } else {
                        let mut cut = room;
                        while !data.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        (&data[..cut], (data.len() - cut) as i64)
                    };
                    // A report counts toward the invocation's output budget (so a
                    // node cannot store without bound) but is never shown live.
                    let stream = match chunk.stream {
                        Stream::Stdout => store::STDOUT_STREAM,
                        Stream::Stderr => store::STDERR_STREAM,
                        Stream::Report => store::REPORT_STREAM,
                    };
                    w.row.last_seq = seq;
                    w.row.output_bytes += keep.len() as i64;
                    w.row.output_dropped += dropped;
                    w.changed = true;
                    if !keep.is_empty() {
                        outputs.push(store::NewOutput {
                            invocation_id: id.to_string(),
                            seq,
                            plugin,
                            stream,
                            data: keep.to_string(),
                        });
                    }
                    if !keep.is_empty() && stream != store::REPORT_STREAM {
                        live.push((
                            format!("inv:{id}"),
                            LiveEvent::Output(OutputChunkInfo {
                                seq,
                                plugin,
                                stream: stream as u8,
                                data: keep.to_string(),
                            }),
                        ));
                    }
                }
                let e = acks
                    .entry((m.instance_id.clone(), id.to_string()))
                    .or_insert(0);
                *e = (*e).max(chunk.seq);
            }
            AgentReport::Finished(result) => {
                if !is_terminal(&w.row.status) {
                    // A cheap test on the stored steps (no parse on the hot path); a
                    // false positive finds no report and records nothing.
                    if w.row
                        .run
                        .contains(crate::documents::model::RUN_PATCH_BASELINE)
                    {
                        patch_reports.push((
                            id.to_string(),
                            w.row.instance_id.clone(),
                            w.row.command_id.clone(),
                        ));
                    }
                    finish(&mut w.row, result, now);
                    *ended.entry(w.row.command_id.clone()).or_insert(0) += 1;
                    w.changed = true;
                    touched.insert(w.row.command_id.clone());
                    live.push((format!("inv:{id}"), LiveEvent::Changed));
                }
                // Acknowledged whether or not it changed anything: the node may drop
                // its spool either way.
                finished_acks.push((m.instance_id.clone(), id.to_string()));
            }
        }
    }
    let updates: Vec<store::InvocationUpdate> = rows
        .values()
        .filter(|w| w.changed)
        .map(|w| store::InvocationUpdate {
            was_status: &w.was_status,
            was_last_seq: w.was_last_seq,
            row: &w.row,
        })
        .collect();
    let (updates_len, outputs_len) = (updates.len(), outputs.len());
    if store::update_invocations(&mut tx, &updates).await? < updates.len() as u64 {
        tx.rollback().await?;
        return Ok(false);
    }
    store::insert_output(&mut tx, &outputs).await?;
    // In the transaction that ends the invocation (its report is in `tx` by now): who
    // waits for the end finds the node's patch state current.
    for (invocation_id, instance_id, command_id) in &patch_reports {
        crate::patch::record_report(&mut tx, invocation_id, instance_id, command_id, now).await?;
    }
    let written = began.elapsed();
    let mut released = Vec::new();
    let mut counted = Vec::new();
    let mut waiting = Vec::new();
    let at = std::time::Instant::now();
    for c in &touched {
        let n = ended.get(c).copied().unwrap_or(0);
        if settled.get(c).is_some_and(|s| s.may_wait(n, at)) {
            waiting.push((c.clone(), n));
            continue;
        }
        let (r, info) = settle_counted(&mut tx, c, now).await?;
        released.push((c.clone(), r));
        counted.push((c.clone(), info));
    }
    let settled_us = began.elapsed();
    tx.commit().await?;
    let committed = began.elapsed();
    // Committed: what the writer knows of the commands moves on.
    for (c, info) in counted {
        match info {
            Some(info) => settled.insert(c, info),
            None => settled.remove(&c),
        };
    }
    for (c, n) in waiting {
        if let Some(s) = settled.get_mut(&c) {
            s.terminal += n;
            s.owed = true;
        }
    }
    core.commands().remember(
        rows.into_values()
            .map(|w| w.row)
            .filter(|r| !is_terminal(&r.status)),
    );
    // A FinishedAck covers the invocation's output (the node drops its spool): an
    // OutputAck in the same burst would only be one more frame each way.
    let finished: BTreeSet<(&str, &str)> = finished_acks
        .iter()
        .map(|(node, id)| (node.as_str(), id.as_str()))
        .collect();
    acks.retain(|(node, id), _| !finished.contains(&(node.as_str(), id.as_str())));
    drop(finished);
    for ((node, id), seq) in acks {
        core.links().send(
            &node,
            ServerMessage::OutputAck {
                invocation_id: id,
                seq,
            },
        );
    }
    for (node, id) in finished_acks {
        core.links()
            .send(&node, ServerMessage::FinishedAck { invocation_id: id });
    }
    let rt = core.commands();
    for (topic, e) in live {
        rt.publish(&topic, e);
    }
    for (c, r) in released {
        deliver(core, &c, &r).await;
        rt.changed(&c);
    }
    // Where a burst's time goes (profiling the fan-out benchmark): microseconds since
    // it began, at the end of each phase.
    tracing::debug!(
        messages = batch.len(),
        recalled,
        invocations = updates_len,
        begun_us = begun.as_micros() as u64,
        outputs = outputs_len,
        read_us = read.as_micros() as u64,
        written_us = written.as_micros() as u64,
        settled_us = settled_us.as_micros() as u64,
        committed_us = committed.as_micros() as u64,
        done_us = began.elapsed().as_micros() as u64,
        "agent reports applied"
    );
    Ok(true)
}

fn report_id(r: &AgentReport) -> &str {
    match r {
        AgentReport::Started(id) => id,
        AgentReport::Output(c) => &c.invocation_id,
        AgentReport::Finished(r) => &r.invocation_id,
    }
}

/// An open invocation ends with what its node reported.
fn finish(row: &mut store::InvocationRow, result: &InvocationResult, now: i64) {
    let (status, details) = status_of(result.outcome);
    let mut plugins: Vec<PluginState> = super::plugins_of(row);
    for p in &mut plugins {
        let r = p
            .step
            .and_then(|s| result.steps.iter().find(|r| r.step == s));
        match (p.step, r) {
            (Some(_), Some(r)) => {
                let (s, d) = status_of(r.outcome);
                p.status = s.into();
                p.details = d.into();
                p.code = i64::from(r.exit_code);
                if r.started_at > 0 {
                    p.started = Some(r.started_at);
                }
                p.ended = Some(if r.ended_at > 0 { r.ended_at } else { now });
            }
            (None, _) => {
                // The step's precondition excluded this node's platform.
                p.status = "Success".into();
                p.details = "Skipped".into();
                p.code = 0;
                p.ended = Some(now);
            }
            (Some(_), None) => {
                p.status = status.into();
                p.details = details.into();
                p.ended = Some(now);
            }
        }
    }
    if result.last_seq as i64 > row.last_seq {
        tracing::warn!(invocation_id = %row.invocation_id, reported = result.last_seq, stored = row.last_seq, "invocation ended with output missing");
    }
    row.plugins = serde_json::to_string(&plugins).unwrap_or_default();
    row.status = status.into();
    row.status_details = details.into();
    row.ended_at = Some(now);
    row.response_code = i64::from(result.exit_code);
    if let Some(d) = &result.detail {
        row.detail = d.clone();
    }
    // An invocation that ended without a Started (a late report) still shows when it
    // began.
    if row.started_at.is_none() {
        row.started_at = result
            .steps
            .first()
            .map(|s| s.started_at)
            .filter(|t| *t > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn counted(at: Instant, all_released: bool, terminal: i64) -> Settled {
        Settled {
            at,
            all_released,
            target_count: 10,
            terminal,
            owed: false,
        }
    }

    #[test]
    fn the_writer_leaves_counts_for_later_only_when_nothing_can_be_released_or_end() {
        let t = Instant::now();
        // Within the interval, with targets still open after this burst: later.
        assert!(counted(t, true, 3).may_wait(2, t + Duration::from_millis(50)));
        // This burst may end the last ones: now.
        assert!(!counted(t, true, 3).may_wait(7, t));
        assert!(!counted(t, true, 9).may_wait(1, t));
        // Rate control (or a cancel) has work: every burst.
        assert!(!counted(t, false, 0).may_wait(1, t));
        // The interval is over: now.
        assert!(!counted(t, true, 0).may_wait(1, t + SETTLE_EVERY));
    }

    #[test]
    fn owed_commands_are_due_an_interval_after_their_last_count() {
        let t = Instant::now();
        let mut m = HashMap::new();
        m.insert("a".to_string(), counted(t, true, 1));
        assert_eq!(settle_due(&m), None, "nothing owed");
        m.insert(
            "b".to_string(),
            Settled {
                owed: true,
                ..counted(t + Duration::from_millis(30), true, 1)
            },
        );
        m.insert(
            "c".to_string(),
            Settled {
                owed: true,
                ..counted(t + Duration::from_millis(10), true, 1)
            },
        );
        assert_eq!(
            settle_due(&m),
            Some(t + Duration::from_millis(10) + SETTLE_EVERY)
        );
    }

    fn started(id: &str) -> Ingest {
        Ingest {
            instance_id: "mi-1".into(),
            report: AgentReport::Started(id.into()),
            received_ms: 0,
        }
    }

    fn output(id: &str) -> Ingest {
        Ingest {
            instance_id: "mi-1".into(),
            report: AgentReport::Output(OutputChunk {
                invocation_id: id.into(),
                seq: 1,
                step: 0,
                stream: Stream::Stdout,
                data: "hi\n".into(),
            }),
            received_ms: 0,
        }
    }

    fn kinds(batch: &[Ingest]) -> Vec<String> {
        batch
            .iter()
            .map(|m| {
                let kind = match m.report {
                    AgentReport::Started(_) => "started",
                    AgentReport::Output(_) => "output",
                    AgentReport::Finished(_) => "finished",
                };
                format!("{kind} {}", report_id(&m.report))
            })
            .collect()
    }

    #[test]
    fn a_writer_that_keeps_up_holds_nothing() {
        let mut hold = StartHold::default();
        let out = hold.admit(vec![started("a"), output("b")], false, Instant::now());
        assert_eq!(kinds(&out), ["started a", "output b"]);
        assert!(hold.next_due().is_none());
    }

    #[test]
    fn a_busy_writer_holds_a_started_until_its_invocation_reports_again() {
        let mut hold = StartHold::default();
        let t0 = Instant::now();
        let out = hold.admit(vec![started("a"), started("b"), output("c")], true, t0);
        assert_eq!(kinds(&out), ["output c"]);
        // Looked at again when the writer would have kept up for a while.
        assert_eq!(hold.next_due(), Some(t0 + CALM));
        // a's output comes: a's Started goes with it, first; b's stays held.
        let out = hold.admit(vec![output("a")], true, t0 + START_HOLD / 2);
        assert_eq!(kinds(&out), ["started a", "output a"]);
        assert_eq!(hold.next_due(), Some(t0 + START_HOLD / 2 + CALM));
        // A Started whose invocation reports in the same burst is not held.
        let out = hold.admit(vec![started("d"), output("d")], true, t0 + START_HOLD / 2);
        assert_eq!(kinds(&out), ["started d", "output d"]);
        // b is due: it goes even while the writer is still behind.
        let out = hold.admit(vec![output("e")], true, t0 + START_HOLD);
        assert_eq!(kinds(&out), ["started b", "output e"]);
        assert!(hold.next_due().is_none());
    }

    #[test]
    fn held_starteds_are_let_go_a_few_at_a_time_and_still_join_their_reports() {
        let mut hold = StartHold::default();
        let t0 = Instant::now();
        let ids: Vec<String> = (0..LET_GO + 2).map(|i| format!("i{i}")).collect();
        let burst = ids.iter().map(|id| started(id)).collect();
        assert!(hold.admit(burst, true, t0).is_empty());
        let calm = t0 + CALM;
        let out = hold.admit(Vec::new(), false, calm);
        assert_eq!(out.len(), LET_GO);
        assert_eq!(kinds(&out[..1]), ["started i0"]);
        // The rest are looked at again at once.
        assert!(hold.next_due().is_some_and(|due| due <= calm));
        // One of them reported meanwhile: it goes with its report.
        let last = &ids[LET_GO + 1];
        let out = hold.admit(vec![output(last)], false, calm);
        assert_eq!(out.len(), 3);
        assert_eq!(
            kinds(&out[1..]),
            [format!("started {last}"), format!("output {last}")]
        );
        assert!(hold.next_due().is_none());
    }

    #[test]
    fn everything_held_goes_once_the_writer_keeps_up_or_the_queue_closes() {
        let mut hold = StartHold::default();
        let t0 = Instant::now();
        assert!(hold.admit(vec![started("a")], true, t0).is_empty());
        // A moment without news is not calm yet.
        assert_eq!(hold.next_due(), Some(t0 + CALM));
        assert!(hold.admit(Vec::new(), false, t0 + CALM / 2).is_empty());
        assert!(hold
            .admit(vec![started("c")], false, t0 + CALM / 2)
            .is_empty());
        let out = hold.admit(Vec::new(), false, t0 + CALM);
        assert_eq!(kinds(&out), ["started a", "started c"]);
        // Calm: nothing is held.
        let out = hold.admit(vec![started("d")], false, t0 + CALM);
        assert_eq!(kinds(&out), ["started d"]);
        assert!(hold.admit(vec![started("b")], true, t0).is_empty());
        assert_eq!(kinds(&hold.drain()), ["started b"]);
        assert!(hold.next_due().is_none());
    }
}
