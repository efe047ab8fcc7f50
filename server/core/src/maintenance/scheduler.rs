//! The maintenance window scheduler: fires due windows and drives their executions.
//!
//! Every replica runs [`spawn`]'s loop (twice a second) and every step is a guarded
//! update, so several replicas on one PostgreSQL database never fire a window twice or
//! start an invocation twice, and a crash never loses a step:
//!
//! - **Firing** ([`fire`]): a window is due when `next_execution_at <= now`. The replica
//!   that moves the pointer from that due time to the next run (a compare-and-set in
//!   the transaction that inserts the execution; `(window_id, scheduled_at)` is unique
//!   too) owns the execution. Runs missed while no server ran are not replayed one by
//!   one: the latest one is fired if it is still before its cutoff, else recorded
//!   TIMED_OUT as skipped; an execution of the window still open makes the new one
//!   SKIPPED_OVERLAPPING.
//! - **Driving** ([`advance`]), idempotent, from the stored state each time: refresh
//!   running invocations from their Run Command commands; at the cutoff (or on cancel)
//!   tasks not started are cancelled and CANCEL_TASK tasks' commands are cancelled;
//!   at the window's end (its duration) a CONTINUE_TASK task's running commands go on
//!   but its invocations not started yet never start (the task ends TIMED_OUT);
//!   start the next priority group when every lower one is over (equal priorities in
//!   parallel), one invocation per node with the pseudo-parameters filled in; start
//!   invocations within the task's MaxConcurrency until its errors exceed MaxErrors;
//!   close tasks and the execution when everything under them is over.
//!
//! An invocation is marked IN_PROGRESS *before* its command is sent (so it is sent at
//! most once); one whose command never got an id within a minute (the server stopped
//! in between) ends FAILED.

use super::service::{document_name_of, run_command_parameters, TaskSpec};
use super::store::{self, ExecutionRow, ExecutionTaskRow, InvocationRow, OPEN};
use crate::commands::plan::RateLimit;
use crate::commands::service::SendCommand;
use crate::core::Actor;
use crate::error::{is_unique_violation, ServiceError, ServiceResult};
use crate::types::CommandTarget;
use crate::Core;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How often each replica looks for due windows and open executions.
pub const TICK: Duration = Duration::from_millis(500);
const HOUR_MS: i64 = 3600 * 1000;
/// An invocation marked started whose command has no id after this long was lost
/// between the mark and the send (the server stopped).
const SEND_GRACE_MS: i64 = 60_000;
/// Why an invocation of a CONTINUE_TASK task never started.
const WINDOW_ENDED: &str = "Not started: the window ended.";

/// Starts the scheduler loop of this replica.
pub fn spawn(core: &Core) -> tokio::task::JoinHandle<()> {
    let core = core.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self::tick(&core).await {
                tracing::warn!(error = %e.message, "maintenance window scheduler tick failed");
            }
        }
    })
}

/// One pass: fire what is due, drive what is open.
pub async fn tick(core: &Core) -> ServiceResult<()> {
    let now = core.now_ms();
    for (window_id, due) in store::due_windows(core.db().pool(), now).await? {
        if let Err(e) = fire(core, &window_id, due).await {
            tracing::warn!(window_id, error = %e.message, "maintenance window not fired");
        }
    }
    for x in store::open_executions(core.db().pool()).await? {
        if let Err(e) = advance(core, &x.window_execution_id).await {
            tracing::warn!(window_execution_id = %x.window_execution_id, error = %e.message, "maintenance window execution not advanced");
        }
    }
    Ok(())
}

fn system_actor(window_id: &str) -> Actor {
    Actor {
        name: format!("maintenance-window:{window_id}"),
        ..Actor::system()
    }
}

/// Fires the window's run due at `due` (see the module doc). Returns the execution id,
/// or `None` when another replica (or an update of the window) got there first.
pub async fn fire(core: &Core, window_id: &str, due: i64) -> ServiceResult<Option<String>> {
    let now = core.now_ms();
    let Some(w) = store::window(core.db().pool(), window_id).await? else {
        return Ok(None);
    };
    if w.next_execution_at != Some(due) {
        return Ok(None);
    }
    let ws = super::service::schedule_of_row(&w)?;
    // The latest run at or before now (runs missed while no server ran collapse into it).
    let mut scheduled = due;
    let mut missed = 0u32;
    while let Some(n) = ws
        .next_after(super::service::ts_of(scheduled))
        .map(super::service::ms_of)
    {
        if n > now || missed >= 100_000 {
            break;
        }
        scheduled = n;
        missed += 1;
    }
    let next = if w.enabled {
        ws.next_after(super::service::ts_of(scheduled.max(now)))
            .map(super::service::ms_of)
    } else {
        None
    };
    let cutoff_at = scheduled + i64::from(w.duration - w.cutoff) * HOUR_MS;
    let ends_at = scheduled + i64::from(w.duration) * HOUR_MS;
    let open = store::executions(core.db().pool(), window_id)
        .await?
        .into_iter()
        .find(|x| OPEN.contains(&x.status.as_str()));
    let earlier = if missed > 0 {
        format!(" ({missed} earlier run(s) were missed while no Bosun server ran)")
    } else {
        String::new()
    };
    let (status, details) = if now >= cutoff_at {
        (
            "TIMED_OUT",
            format!(
                "Skipped: no Bosun server ran when the window was due, and its cutoff had \
                 passed when one came back{earlier}."
            ),
        )
    } else if let Some(x) = &open {
        (
            "SKIPPED_OVERLAPPING",
            format!(
                "Skipped: execution {} of this window is still running.",
                x.window_execution_id
            ),
        )
    } else {
        ("IN_PROGRESS", earlier.trim().to_string())
    };
    let tasks = store::tasks(core.db().pool(), window_id).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = core.db().begin().await?;
    if !store::advance_window(&mut *tx, window_id, due, next).await? {
        return Ok(None);
    }
    let over = status != "IN_PROGRESS" || tasks.is_empty();
    let x = ExecutionRow {
        window_execution_id: id.clone(),
        window_id: window_id.to_string(),
        scheduled_at: scheduled,
        status: if status == "IN_PROGRESS" && tasks.is_empty() {
            "SUCCESS".into()
        } else {
            status.into()
        },
        status_details: if status == "IN_PROGRESS" && tasks.is_empty() {
            format!("The window has no tasks.{earlier}")
        } else {
            details
        },
        start_time: now,
        end_time: over.then_some(now),
        cutoff_at,
        ends_at,
    };
    if let Err(e) = store::insert_execution(&mut *tx, &x).await {
        if is_unique_violation(&e) {
            return Ok(None);
        }
        return Err(e.into());
    }
    if status == "IN_PROGRESS" {
        for t in &tasks {
            store::insert_execution_task(
                &mut *tx,
                &ExecutionTaskRow {
                    task_execution_id: uuid::Uuid::new_v4().to_string(),
                    window_execution_id: id.clone(),
                    window_task_id: t.window_task_id.clone(),
                    task_arn: t.task_arn.clone(),
                    task_type: t.task_type.clone(),
                    priority: t.priority,
                    status: "PENDING".into(),
                    status_details: String::new(),
                    start_time: None,
                    end_time: None,
                    definition: t.definition.clone(),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    tracing::info!(window_id, window_execution_id = %id, status = %x.status, "maintenance window fired");
    if !over {
        advance(core, &id).await?;
    }
    Ok(Some(id))
}

/// `{{NAME}}` (spaces inside the braces allowed) replaced by its value, for each of
/// `vars`; other text untouched.
pub fn substitute(text: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + 2 + len].trim();
        match vars.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => {
                out.push_str(&rest[..start]);
                out.push_str(v);
            }
            None => out.push_str(&rest[..start + 2 + len + 2]),
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

fn task_spec(t: &ExecutionTaskRow) -> ServiceResult<TaskSpec> {
    serde_json::from_str(&t.definition).map_err(|e| ServiceError::internal("stored task", &e))
}

const TERMINAL_FAILURES: [&str; 2] = ["FAILED", "TIMED_OUT"];

/// The invocation status for a Run Command status (`None` while it runs).
fn status_of_command(status: &str) -> Option<&'static str> {
    match status {
        "Success" => Some("SUCCESS"),
        "Failed" => Some("FAILED"),
        "TimedOut" => Some("TIMED_OUT"),
        "Cancelled" => Some("CANCELLED"),
        _ => None,
    }
}

/// Drives an execution one step (see the module doc).
pub async fn advance(core: &Core, window_execution_id: &str) -> ServiceResult<()> {
    let pool = core.db().pool();
    let Some(x) = store::execution(pool, window_execution_id).await? else {
        return Ok(());
    };
    if !OPEN.contains(&x.status.as_str()) {
        return Ok(());
    }
    let now = core.now_ms();
    let actor = system_actor(&x.window_id);
    let cancelling = x.status == "CANCELLING";
    let past_cutoff = now >= x.cutoff_at;
    let past_end = now >= x.ends_at;

    // 1. Running invocations take their commands' ends.
    for t in store::execution_tasks(pool, window_execution_id).await? {
        if !matches!(t.status.as_str(), "IN_PROGRESS" | "CANCELLING") {
            continue;
        }
        for inv in store::invocations(pool, &t.task_execution_id).await? {
            if !matches!(inv.status.as_str(), "IN_PROGRESS" | "CANCELLING") {
                continue;
            }
            match &inv.execution_id {
                Some(cmd) => {
                    let c = crate::commands::service::get_command(core, &actor, cmd).await?;
                    if let Some(to) = status_of_command(&c.status) {
                        store::set_invocation_status(
                            pool,
                            &inv.invocation_id,
                            &["IN_PROGRESS", "CANCELLING"],
                            to,
                            &c.status_details,
                            None,
                            None,
                            Some(now),
                        )
                        .await?;
                    }
                }
                None if inv.start_time.is_some_and(|s| s + SEND_GRACE_MS < now) => {
                    store::set_invocation_status(
                        pool,
                        &inv.invocation_id,
                        &["IN_PROGRESS", "CANCELLING"],
                        "FAILED",
                        "The server stopped before it sent the command.",
                        None,
                        None,
                        Some(now),
                    )
                    .await?;
                }
                None => {}
            }
        }
    }

    // 2. The cutoff and cancels.
    let tasks = store::execution_tasks(pool, window_execution_id).await?;
    for t in &tasks {
        let spec = task_spec(t)?;
        let stop_running = cancelling || (past_cutoff && spec.cutoff_behavior == "CANCEL_TASK");
        if t.status == "PENDING" && (cancelling || past_cutoff) {
            let why = if cancelling {
                "Cancelled before it started."
            } else {
                "Not started: the window reached its cutoff."
            };
            store::set_task_status(
                pool,
                &t.task_execution_id,
                &["PENDING"],
                "CANCELLED",
                why,
                None,
                Some(now),
            )
            .await?;
        } else if t.status == "IN_PROGRESS" && stop_running {
            let why = if cancelling {
                "Cancelling: the execution was cancelled."
            } else {
                "Cancelling: the window reached its cutoff (CANCEL_TASK)."
            };
            store::set_task_status(
                pool,
                &t.task_execution_id,
                &["IN_PROGRESS"],
                "CANCELLING",
                why,
                None,
                None,
            )
            .await?;
            for inv in store::invocations(pool, &t.task_execution_id).await? {
                match inv.status.as_str() {
                    "PENDING" => {
                        store::set_invocation_status(
                            pool,
                            &inv.invocation_id,
                            &["PENDING"],
                            "CANCELLED",
                            "Cancelled before it started.",
                            None,
                            None,
                            Some(now),
                        )
                        .await?;
                    }
                    "IN_PROGRESS" => {
                        if let Some(cmd) = &inv.execution_id {
                            // A command already over refuses; its end is read next pass.
                            let _ =
                                crate::commands::service::cancel_command(core, &actor, cmd, &[])
                                    .await;
                        }
                    }
                    _ => {}
                }
            }
        } else if t.status == "IN_PROGRESS" && past_end {
            // CONTINUE_TASK: running commands go on, but nothing new starts after
            // the window's end.
            for inv in store::invocations(pool, &t.task_execution_id).await? {
                if inv.status == "PENDING" {
                    store::set_invocation_status(
                        pool,
                        &inv.invocation_id,
                        &["PENDING"],
                        "CANCELLED",
                        WINDOW_ENDED,
                        None,
                        None,
                        Some(now),
                    )
                    .await?;
                }
            }
        }
    }

    // 3. The next priority group.
    let tasks = store::execution_tasks(pool, window_execution_id).await?;
    if !cancelling && !past_cutoff {
        if let Some(p) = tasks
            .iter()
            .filter(|t| t.status == "PENDING")
            .map(|t| t.priority)
            .min()
        {
            let lower_open = tasks
                .iter()
                .any(|t| t.priority < p && OPEN.contains(&t.status.as_str()));
            if !lower_open {
                for t in tasks
                    .iter()
                    .filter(|t| t.status == "PENDING" && t.priority == p)
                {
                    start_task(core, &x, t).await?;
                }
            }
        }
    }

    // 4. Invocations within each task's rate limits.
    let tasks = store::execution_tasks(pool, window_execution_id).await?;
    for t in tasks.iter().filter(|t| t.status == "IN_PROGRESS") {
        dispatch(core, &actor, &x, t, now).await?;
    }

    // 5. Tasks whose invocations are all over.
    let tasks = store::execution_tasks(pool, window_execution_id).await?;
    for t in tasks
        .iter()
        .filter(|t| matches!(t.status.as_str(), "IN_PROGRESS" | "CANCELLING"))
    {
        let invs = store::invocations(pool, &t.task_execution_id).await?;
        if invs.iter().any(|i| OPEN.contains(&i.status.as_str())) {
            continue;
        }
        let count = |s: &str| invs.iter().filter(|i| i.status == s).count();
        let unstarted = invs
            .iter()
            .filter(|i| i.status == "CANCELLED" && i.status_details == WINDOW_ENDED)
            .count();
        let (to, why) = if invs.is_empty() {
            ("SUCCESS", "No node matched the task's targets.".to_string())
        } else if t.status == "CANCELLING" {
            (
                "CANCELLED",
                t.status_details.replace("Cancelling", "Cancelled"),
            )
        } else if count("TIMED_OUT") > 0 || unstarted > 0 {
            let mut why = Vec::new();
            if count("TIMED_OUT") > 0 {
                why.push(format!(
                    "{} of {} invocations timed out",
                    count("TIMED_OUT"),
                    invs.len()
                ));
            }
            if unstarted > 0 {
                why.push(format!(
                    "{unstarted} of {} invocations did not start before the window ended",
                    invs.len()
                ));
            }
            ("TIMED_OUT", format!("{}.", why.join("; ")))
        } else if count("FAILED") > 0 || count("CANCELLED") > 0 {
            (
                "FAILED",
                format!(
                    "{} of {} invocations failed{}.",
                    count("FAILED"),
                    invs.len(),
                    if count("CANCELLED") > 0 {
                        format!(", {} were not started (MaxErrors)", count("CANCELLED"))
                    } else {
                        String::new()
                    }
                ),
            )
        } else {
            ("SUCCESS", String::new())
        };
        store::set_task_status(
            pool,
            &t.task_execution_id,
            &["IN_PROGRESS", "CANCELLING"],
            to,
            &why,
            None,
            Some(now),
        )
        .await?;
    }

    // 6. The execution, when every task is over.
    let tasks = store::execution_tasks(pool, window_execution_id).await?;
    if tasks.iter().any(|t| OPEN.contains(&t.status.as_str())) {
        return Ok(());
    }
    let count = |s: &str| tasks.iter().filter(|t| t.status == s).count();
    let (to, why) = if cancelling {
        ("CANCELLED", "Cancelled.".to_string())
    } else if count("FAILED") > 0 {
        (
            "FAILED",
            format!("{} of {} tasks failed.", count("FAILED"), tasks.len()),
        )
    } else if count("TIMED_OUT") > 0 || count("CANCELLED") > 0 {
        (
            "TIMED_OUT",
            format!(
                "{} of {} tasks timed out or did not finish before the cutoff.",
                count("TIMED_OUT") + count("CANCELLED"),
                tasks.len()
            ),
        )
    } else {
        ("SUCCESS", String::new())
    };
    store::set_execution_status(pool, window_execution_id, &OPEN, to, &why, Some(now)).await?;
    Ok(())
}

/// The nodes a task reaches: `(node, window target id, owner information)`.
async fn task_nodes(
    core: &Core,
    window_id: &str,
    allow_unassociated: bool,
    targets: &[CommandTarget],
) -> ServiceResult<Vec<(String, Option<String>, Option<String>)>> {
    let pool = core.db().pool();
    let mut out: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    let mut registered: Option<BTreeSet<String>> = None;
    for t in targets {
        match t.key.as_str() {
            "WindowTargetIds" => {
                for id in &t.values {
                    let Some(row) = store::target(pool, window_id, id).await? else {
                        continue;
                    };
                    let selectors: Vec<CommandTarget> = serde_json::from_str(&row.targets)
                        .map_err(|e| ServiceError::internal("stored window targets", &e))?;
                    for n in
                        crate::commands::service::resolve_targets(core, &[], &selectors).await?
                    {
                        out.entry(n.instance_id)
                            .or_insert((Some(id.clone()), row.owner_information.clone()));
                    }
                }
            }
            "InstanceIds" => {
                if !allow_unassociated && registered.is_none() {
                    let mut all = BTreeSet::new();
                    for row in store::targets(pool, Some(window_id)).await? {
                        let selectors: Vec<CommandTarget> = serde_json::from_str(&row.targets)
                            .map_err(|e| ServiceError::internal("stored window targets", &e))?;
                        for n in
                            crate::commands::service::resolve_targets(core, &[], &selectors).await?
                        {
                            all.insert(n.instance_id);
                        }
                    }
                    registered = Some(all);
                }
                let nodes =
                    crate::commands::service::resolve_targets(core, &[], std::slice::from_ref(t))
                        .await?;
                for n in nodes {
                    if registered
                        .as_ref()
                        .is_none_or(|r| r.contains(&n.instance_id))
                    {
                        out.entry(n.instance_id).or_insert((None, None));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out.into_iter().map(|(n, (t, o))| (n, t, o)).collect())
}

/// Starts a task: one PENDING invocation per node, and the task IN_PROGRESS, in one
/// transaction guarded by the task's PENDING status.
async fn start_task(core: &Core, x: &ExecutionRow, t: &ExecutionTaskRow) -> ServiceResult<()> {
    let spec = task_spec(t)?;
    let Some(w) = store::window(core.db().pool(), &x.window_id).await? else {
        return Ok(());
    };
    let nodes = task_nodes(
        core,
        &x.window_id,
        w.allow_unassociated_targets,
        &spec.targets,
    )
    .await?;
    let rc = run_command_parameters(&spec)?.unwrap_or_default();
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::set_task_status(
        &mut *tx,
        &t.task_execution_id,
        &["PENDING"],
        "IN_PROGRESS",
        "",
        Some(now),
        None,
    )
    .await?
    {
        return Ok(());
    }
    for (node, window_target_id, owner) in nodes {
        let invocation_id = uuid::Uuid::new_v4().to_string();
        let vars = [
            ("RESOURCE_ID", node.as_str()),
            ("RESOURCE_TYPE", "INSTANCE"),
            ("TARGET_ID", node.as_str()),
            ("TARGET_TYPE", "INSTANCE"),
            ("WINDOW_ID", x.window_id.as_str()),
            ("WINDOW_TASK_ID", t.window_task_id.as_str()),
            (
                "WINDOW_TARGET_ID",
                window_target_id.as_deref().unwrap_or(""),
            ),
            ("WINDOW_EXECUTION_ID", x.window_execution_id.as_str()),
            ("TASK_EXECUTION_ID", t.task_execution_id.as_str()),
        ];
        let parameters: BTreeMap<String, Vec<String>> = rc
            .parameters
            .iter()
            .map(|(k, vs)| (k.clone(), vs.iter().map(|v| substitute(v, &vars)).collect()))
            .collect();
        let comment = rc.comment.as_deref().map(|c| substitute(c, &vars));
        let sent = serde_json::json!({
            "documentName": document_name_of(&t.task_arn),
            "documentVersion": rc.document_version,
            "parameters": parameters,
            "comment": comment,
            "timeoutSeconds": rc.timeout_seconds,
        });
        store::insert_invocation(
            &mut *tx,
            &InvocationRow {
                invocation_id,
                window_execution_id: x.window_execution_id.clone(),
                task_execution_id: t.task_execution_id.clone(),
                resource_id: node,
                execution_id: None,
                task_type: t.task_type.clone(),
                parameters: sent.to_string(),
                status: "PENDING".into(),
                status_details: String::new(),
                start_time: None,
                end_time: None,
                owner_information: owner,
                window_target_id,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Starts a task's pending invocations within its MaxConcurrency, until its errors
/// exceed MaxErrors (then the rest are cancelled).
async fn dispatch(
    core: &Core,
    actor: &Actor,
    x: &ExecutionRow,
    t: &ExecutionTaskRow,
    now: i64,
) -> ServiceResult<()> {
    let pool = core.db().pool();
    let spec = task_spec(t)?;
    let invs = store::invocations(pool, &t.task_execution_id).await?;
    let total = invs.len();
    let concurrency = spec
        .max_concurrency
        .as_deref()
        .and_then(|s| RateLimit::parse(s, false))
        .unwrap_or(RateLimit::Count(50))
        .resolve(total, true);
    let max_errors = spec
        .max_errors
        .as_deref()
        .and_then(|s| RateLimit::parse(s, true))
        .unwrap_or(RateLimit::Count(0))
        .resolve(total, false);
    let errors = invs
        .iter()
        .filter(|i| TERMINAL_FAILURES.contains(&i.status.as_str()))
        .count();
    if errors > max_errors {
        for inv in invs.iter().filter(|i| i.status == "PENDING") {
            store::set_invocation_status(
                pool,
                &inv.invocation_id,
                &["PENDING"],
                "CANCELLED",
                "Not started: the task's errors exceeded MaxErrors.",
                None,
                None,
                Some(now),
            )
            .await?;
        }
        return Ok(());
    }
    let running = invs.iter().filter(|i| i.status == "IN_PROGRESS").count();
    let free = concurrency.saturating_sub(running);
    for inv in invs.iter().filter(|i| i.status == "PENDING").take(free) {
        if !store::set_invocation_status(
            pool,
            &inv.invocation_id,
            &["PENDING"],
            "IN_PROGRESS",
            "",
            None,
            Some(now),
            None,
        )
        .await?
        {
            continue;
        }
        let sent: serde_json::Value = serde_json::from_str(&inv.parameters)
            .map_err(|e| ServiceError::internal("stored invocation parameters", &e))?;
        let parameters: BTreeMap<String, Vec<String>> =
            serde_json::from_value(sent["parameters"].clone()).unwrap_or_default();
        let comment = sent["comment"]
            .as_str()
            .map(|c| c.chars().take(100).collect::<String>())
            .or_else(|| {
                Some(
                    format!(
                        "Maintenance window {} task {}",
                        x.window_id, t.window_task_id
                    )
                    .chars()
                    .take(100)
                    .collect(),
                )
            });
        let input = SendCommand {
            document_name: document_name_of(&t.task_arn).to_string(),
            document_version: sent["documentVersion"].as_str().map(str::to_string),
            instance_ids: vec![inv.resource_id.clone()],
            targets: Vec::new(),
            parameters,
            timeout_seconds: sent["timeoutSeconds"].as_i64(),
            comment,
            max_concurrency: None,
            max_errors: None,
        };
        match crate::commands::service::send_command(core, actor, input).await {
            Ok(c) => {
                store::set_invocation_status(
                    pool,
                    &inv.invocation_id,
                    &["IN_PROGRESS"],
                    "IN_PROGRESS",
                    "",
                    Some(&c.command_id),
                    None,
                    None,
                )
                .await?;
            }
            Err(e) => {
                store::set_invocation_status(
                    pool,
                    &inv.invocation_id,
                    &["IN_PROGRESS"],
                    "FAILED",
                    &format!("The command could not be sent: {}", e.message),
                    None,
                    None,
                    Some(now),
                )
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::substitute;

    #[test]
    fn pseudo_parameters_are_replaced_and_other_braces_kept() {
        let vars = [("RESOURCE_ID", "mi-1"), ("WINDOW_ID", "mw-2")];
        assert_eq!(substitute("echo {{RESOURCE_ID}}", &vars), "echo mi-1");
        assert_eq!(
            substitute("{{ WINDOW_ID }}/{{RESOURCE_ID}}{{RESOURCE_ID}}", &vars),
            "mw-2/mi-1mi-1"
        );
        assert_eq!(
            substitute("{{ssm:/a/b}} {{other}}", &vars),
            "{{ssm:/a/b}} {{other}}"
        );
        assert_eq!(
            substitute("unclosed {{RESOURCE_ID", &vars),
            "unclosed {{RESOURCE_ID"
        );
        assert_eq!(substitute("", &vars), "");
    }
}
