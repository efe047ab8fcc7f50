//! Run Command's services: SendCommand, ListCommands, ListCommandInvocations,
//! GetCommandInvocation, CancelCommand, and the console's reads. The API and the
//! console call these; the engine does the rest once a command is stored.

use super::plan::{self, RateLimit};
use super::store::{self, CommandRow, InvocationRow, NewInvocation};
use super::{engine, PluginState};
use crate::audit::{self, Outcome};
use crate::documents::{self, model::CommandDocument, VersionSelector};
use crate::error::{ServiceError, ServiceResult};
use crate::types::{CommandInfo, CommandTarget, InvocationInfo, OutputChunkInfo, PluginInfo, Role};
use crate::{Actor, Core};
use bosun_protocol::exec::StepSpec;
use sqlx::Row as _;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// InstanceIds per SendCommand (the model's limit).
pub const MAX_INSTANCE_IDS: usize = 50;
/// Targets per SendCommand (the model's limit).
pub const MAX_TARGET_KEYS: usize = 5;
/// Nodes one command may reach (beyond it: "Rate Exceeded").
pub const MAX_RESOLVED_TARGETS: usize = 50_000;
/// TimeoutSeconds bounds and default (delivery timeout).
pub const MIN_TIMEOUT_SECONDS: i64 = 30;
pub const MAX_TIMEOUT_SECONDS: i64 = 2_592_000;
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 3600;
pub const MAX_COMMENT_CHARS: usize = 100;
/// What the API returns of a plugin's output (AWS's limits, in characters).
pub const API_STDOUT_CHARS: usize = 24_000;
pub const API_STDERR_CHARS: usize = 8_000;
pub const API_PLUGIN_OUTPUT_CHARS: usize = 2_500;
/// The server setting that caps the output stored per invocation.
pub const OUTPUT_LIMIT_SETTING: &str = "/ssm/run-command/output-limit-bytes";

fn invalid_command(id: &str) -> ServiceError {
    ServiceError::not_found(format!("There is no command with the id {id}."))
        .with_exception("InvalidCommandId")
}

fn invalid_instance(message: String) -> ServiceError {
    ServiceError::validation(message).with_exception("InvalidInstanceId")
}

/// What SendCommand takes.
#[derive(Clone, Debug, Default)]
pub struct SendCommand {
    pub document_name: String,
    pub document_version: Option<String>,
    pub instance_ids: Vec<String>,
    pub targets: Vec<CommandTarget>,
    pub parameters: BTreeMap<String, Vec<String>>,
    pub timeout_seconds: Option<i64>,
    pub comment: Option<String>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
}

/// A node a command reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetNode {
    pub instance_id: String,
    pub name: String,
    pub platform_type: String,
    /// Connected now (its invocation is Pending, not Delayed, when released).
    pub online: bool,
}

fn no_duplicates(ids: &[String]) -> ServiceResult<()> {
    let mut seen = BTreeSet::new();
    match ids.iter().find(|id| !seen.insert(id.as_str())) {
        Some(dup) => Err(ServiceError::invalid_field(
            "targets",
            format!("The node {dup} is listed twice."),
        )
        .with_exception("DuplicateInstanceId")),
        None => Ok(()),
    }
}

fn check_limits(input: &SendCommand) -> ServiceResult<(RateLimit, RateLimit, i64)> {
    if input.instance_ids.is_empty() == input.targets.is_empty() {
        return Err(ServiceError::invalid_field(
            "targets",
            "Give either InstanceIds or Targets (one of them, not both).",
        ));
    }
    if input.instance_ids.len() > MAX_INSTANCE_IDS {
        return Err(ServiceError::invalid_field(
            "targets",
            format!("At most {MAX_INSTANCE_IDS} InstanceIds; use Targets for more nodes."),
        ));
    }
    no_duplicates(&input.instance_ids)?;
    if input.targets.len() > MAX_TARGET_KEYS {
        return Err(ServiceError::invalid_field(
            "targets",
            format!("At most {MAX_TARGET_KEYS} Targets."),
        ));
    }
    let timeout = input.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    if !(MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&timeout) {
        return Err(ServiceError::invalid_field(
            "timeout_seconds",
            format!("The timeout is {MIN_TIMEOUT_SECONDS}–{MAX_TIMEOUT_SECONDS} seconds."),
        ));
    }
    if input
        .comment
        .as_deref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ServiceError::invalid_field(
            "comment",
            format!("A comment is at most {MAX_COMMENT_CHARS} characters."),
        ));
    }
    let concurrency = match input.max_concurrency.as_deref() {
        None | Some("") => RateLimit::Count(50),
        Some(s) => RateLimit::parse(s, false).ok_or_else(|| {
            ServiceError::invalid_field(
                "max_concurrency",
                format!("MaxConcurrency {s:?} is not a number from 1 or a percentage (10%)."),
            )
        })?,
    };
    let errors = match input.max_errors.as_deref() {
        None | Some("") => RateLimit::Count(0),
        Some(s) => RateLimit::parse(s, true).ok_or_else(|| {
            ServiceError::invalid_field(
                "max_errors",
                format!("MaxErrors {s:?} is not a number or a percentage (10%)."),
            )
        })?,
    };
    Ok((concurrency, errors, timeout))
}

/// The nodes `targets` select: each target narrows the set (they are ANDed), the values
/// of one target are alternatives. Deregistered nodes are never targets.
pub async fn resolve_targets(
    core: &Core,
    instance_ids: &[String],
    targets: &[CommandTarget],
) -> ServiceResult<Vec<TargetNode>> {
    let pool = core.db().pool();
    let mut sql = String::from(
        "SELECT id, name, platform_type, ping_status FROM managed_instances WHERE deregistered_at IS NULL",
    );
    let mut binds: Vec<String> = Vec::new();
    let bind = |binds: &mut Vec<String>, v: &str| {
        binds.push(v.to_string());
        format!("${}", binds.len())
    };
    let tag_type = crate::nodes::TAG_RESOURCE_TYPE;
    if !instance_ids.is_empty() {
        let slots: Vec<String> = instance_ids.iter().map(|i| bind(&mut binds, i)).collect();
        sql.push_str(&format!(" AND id IN ({})", slots.join(", ")));
    }
    for t in targets {
        if t.values.is_empty() {
            return Err(ServiceError::invalid_field(
                "targets",
                format!("The target {} has no values.", t.key),
            ));
        }
        if t.key == "InstanceIds" && t.values.len() == 1 && t.values[0] == "*" {
            // Every managed node (SSM's `Key=InstanceIds,Values=*`).
            continue;
        }
        if t.key == "InstanceIds" {
            let slots: Vec<String> = t.values.iter().map(|i| bind(&mut binds, i)).collect();
            sql.push_str(&format!(" AND id IN ({})", slots.join(", ")));
        } else if t.key == "tag-key" {
            let slots: Vec<String> = t.values.iter().map(|k| bind(&mut binds, k)).collect();
            sql.push_str(&format!(
                " AND id IN (SELECT resource_id FROM tags WHERE resource_type = '{tag_type}' AND key IN ({}))",
                slots.join(", ")
            ));
        } else if let Some(key) = t.key.strip_prefix("tag:").filter(|k| !k.is_empty()) {
            let k = bind(&mut binds, key);
            let slots: Vec<String> = t.values.iter().map(|v| bind(&mut binds, v)).collect();
            sql.push_str(&format!(
                " AND id IN (SELECT resource_id FROM tags WHERE resource_type = '{tag_type}' AND key = {k} AND value IN ({}))",
                slots.join(", ")
            ));
        } else {
            return Err(ServiceError::invalid_field(
                "targets",
                format!(
                    "Bosun targets nodes by InstanceIds, tag:KEY or tag-key; {} is not supported.",
                    t.key
                ),
            ));
        }
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {}", MAX_RESOLVED_TARGETS + 1));
    // Thousands of nodes: read as one row (see `json_row_array`).
    let sql = crate::db::json_row_array(
        core.db().backend(),
        &sql,
        &["id", "name", "platform_type", "ping_status"],
        "id",
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let row = q.fetch_one(pool).await?;
    let rows: Vec<(String, String, String, String)> = crate::db::rows_of_json(&row)?;
    let mut nodes = Vec::with_capacity(rows.len());
    for (instance_id, name, platform, ping_status) in rows {
        nodes.push(TargetNode {
            instance_id,
            name,
            // A node that has not reported its platform yet is a Linux agent.
            platform_type: if platform.is_empty() {
                "Linux".into()
            } else {
                platform
            },
            online: ping_status == "Online",
        });
    }
    if !instance_ids.is_empty() {
        let found: BTreeSet<&str> = nodes.iter().map(|n| n.instance_id.as_str()).collect();
        let missing: Vec<&str> = instance_ids
            .iter()
            .map(String::as_str)
            .filter(|i| !found.contains(i))
            .collect();
        if !missing.is_empty() {
            return Err(invalid_instance(format!(
                "These nodes are not registered managed nodes: {}.",
                missing.join(", ")
            )));
        }
        // The request's order is the dispatch order.
        let order: HashMap<&str, usize> = instance_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        nodes.sort_by_key(|n| order.get(n.instance_id.as_str()).copied().unwrap_or(0));
        nodes.dedup_by(|a, b| a.instance_id == b.instance_id);
    }
    Ok(nodes)
}

/// Plans `doc` for one platform, loading the documents `aws:runDocument` names (their
/// default versions) as planning discovers them.
async fn plan_for(
    core: &Core,
    doc: &CommandDocument,
    params: &BTreeMap<String, serde_json::Value>,
    platform: &str,
    loaded: &mut HashMap<String, Option<CommandDocument>>,
) -> ServiceResult<Vec<plan::PlannedStep>> {
    for _ in 0..=plan::MAX_NESTING + 1 {
        let missing = std::cell::RefCell::new(Vec::<String>::new());
        let result = plan::plan_steps(
            doc,
            params,
            platform,
            &|name: &str| match loaded.get(name) {
                Some(d) => d.clone(),
                None => {
                    missing.borrow_mut().push(name.to_string());
                    None
                }
            },
            0,
        );
        let missing = missing.into_inner();
        if missing.is_empty() {
            return result;
        }
        for name in missing {
            let d = match documents::resolve(core, &name, &VersionSelector::default()).await {
                Ok(r) => Some(r.document),
                Err(e) if e.kind == crate::types::ErrorKind::NotFound => None,
                Err(e) if e.exception == Some("InvalidDocument") => None,
                Err(e) => return Err(e),
            };
            loaded.insert(name, d);
        }
    }
    Err(ServiceError::validation(format!(
        "aws:runDocument nests deeper than {} documents.",
        plan::MAX_NESTING
    ))
    .with_exception("InvalidParameters"))
}

/// SendCommand (operator): validates everything, resolves and stores the targets and
/// one invocation per node, releases the first ones, and returns the command. Every
/// invocation exists when this returns (GetCommandInvocation never races it).
pub async fn send_command(
    core: &Core,
    actor: &Actor,
    input: SendCommand,
) -> ServiceResult<CommandInfo> {
    let called = std::time::Instant::now();
    let name = input.document_name.clone();
    core.authorize(
        actor,
        Role::Operator,
        "SendCommand",
        &format!("document/{name}"),
    )
    .await?;
    let (concurrency, errors, timeout) = check_limits(&input)?;
    let selector = VersionSelector {
        version: input.document_version.clone().filter(|v| !v.is_empty()),
        version_name: None,
    };
    let resolved = documents::resolve(core, &name, &selector).await?;
    if resolved.info.document_type != "Command" {
        return Err(ServiceError::validation(format!(
            "{name} is a {} document; SendCommand runs Command documents.",
            resolved.info.document_type
        ))
        .with_exception("InvalidDocument"));
    }
    let params = plan::bind_parameters(&resolved.document, &input.parameters)?;
    let checked = called.elapsed();
    let nodes = resolve_targets(core, &input.instance_ids, &input.targets).await?;
    let targeted = called.elapsed();
    if nodes.len() > MAX_RESOLVED_TARGETS {
        return Err(ServiceError::limit_exceeded(format!(
            "The targets select more than {MAX_RESOLVED_TARGETS} nodes; narrow them."
        )));
    }

    // Plan once per platform; every node of a platform runs the same steps.
    let mut loaded = HashMap::new();
    let mut planned: HashMap<String, (String, String, Arc<Vec<StepSpec>>)> = HashMap::new();
    let command_id = uuid::Uuid::new_v4().to_string();
    let mut rows = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        if !planned.contains_key(&n.platform_type) {
            let steps = plan_for(
                core,
                &resolved.document,
                &params,
                &n.platform_type,
                &mut loaded,
            )
            .await?;
            let mut specs: Vec<StepSpec> = Vec::new();
            let mut plugins = Vec::new();
            for s in steps {
                let step = s.spec.map(|spec| {
                    specs.push(spec);
                    (specs.len() - 1) as u32
                });
                plugins.push(PluginState {
                    name: s.name,
                    step,
                    status: "Pending".into(),
                    details: "Pending".into(),
                    code: -1,
                    started: None,
                    ended: None,
                });
            }
            // {{ssm:…}} resolve now; {{ssm-secure:…}} are checked and stay references
            // until delivery.
            let run =
                crate::parameters::references::resolve_at_send(core, actor, &json(&specs)?).await?;
            let specs: Vec<StepSpec> = serde_json::from_str(&run)
                .map_err(|e| ServiceError::internal("resolving parameter references", &e))?;
            planned.insert(
                n.platform_type.clone(),
                (run, json(&plugins)?, Arc::new(specs)),
            );
        }
        let (run, plugins, _) = &planned[&n.platform_type];
        rows.push(NewInvocation {
            invocation_id: format!("{command_id}-{}", n.instance_id),
            instance_id: n.instance_id.clone(),
            instance_name: n.name.clone(),
            position: i as i64,
            run: run.clone(),
            plugins: plugins.clone(),
            online: n.online,
        });
    }

    let now = core.now_ms();
    let target_count = nodes.len();
    let command = CommandRow {
        command_id: command_id.clone(),
        document_name: resolved.info.name.clone(),
        document_version: resolved.info.document_version.clone(),
        comment: input.comment.clone().unwrap_or_default(),
        parameters: json(&input.parameters)?,
        targets: json(&input.targets)?,
        instance_ids: json(&input.instance_ids)?,
        timeout_seconds: timeout,
        max_concurrency: input
            .max_concurrency
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "50".into()),
        max_errors: input
            .max_errors
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "0".into()),
        concurrency_limit: concurrency.resolve(target_count, true) as i64,
        error_limit: errors.resolve(target_count, false) as i64,
        requested_at: now,
        expires_at: now + timeout * 1000,
        requested_by: actor.name.clone(),
        status: "Pending".into(),
        status_details: "Pending".into(),
        target_count: target_count as i64,
        completed_count: 0,
        error_count: 0,
        delivery_timed_out_count: 0,
        cancel_requested: false,
    };
    // Rate control's first release happens as the rows are written: the first
    // MaxConcurrency targets go out at once (the dispatcher releases the rest as these
    // end).
    let first = (command.concurrency_limit.max(0) as usize).min(rows.len());
    let started = std::time::Instant::now();
    let mut tx = core.db().begin().await?;
    store::insert_command(&mut tx, &command, now).await?;
    store::insert_invocations(&mut tx, &command_id, &rows, first, now).await?;
    let inserted = started.elapsed();
    let mut released = engine::settle(&mut tx, &command_id, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "SendCommand",
        &format!("command/{command_id}"),
        Outcome::Success,
        &format!("{} on {target_count} node(s)", resolved.info.name),
    )
    .await?;
    tx.commit().await?;
    let committed = started.elapsed();
    // The writer starts from these rows when the nodes report (those the dispatcher
    // just released it reads: their status depends on their node).
    let settled: std::collections::HashSet<&str> =
        released.iter().map(|(id, _)| id.as_str()).collect();
    core.commands().remember(
        rows.iter()
            .enumerate()
            .filter(|(_, r)| !settled.contains(r.invocation_id.as_str()))
            .map(|(i, r)| r.stored(&command_id, i < first, now)),
    );
    // The first wave's steps are in memory: no need to read them back (unless they
    // hold SecureString references, which delivery resolves from the stored steps).
    let mut first_wave: Vec<(String, String, Arc<Vec<StepSpec>>)> = Vec::new();
    for (r, n) in rows[..first].iter().zip(&nodes) {
        let (run, _, specs) = &planned[&n.platform_type];
        if crate::parameters::references::has_secure(run) {
            released.push((r.invocation_id.clone(), r.instance_id.clone()));
        } else {
            first_wave.push((
                r.invocation_id.clone(),
                r.instance_id.clone(),
                specs.clone(),
            ));
        }
    }
    engine::deliver_planned(core, &command_id, first_wave).await;
    engine::deliver(core, &command_id, &std::mem::take(&mut released)).await;
    core.commands().changed(&command_id);
    // Where SendCommand's time goes (the fan-out benchmark): ms since the call at the
    // end of the checks (document, parameters), the target query and the planning,
    // then since the transaction began.
    tracing::debug!(
        command_id,
        targets = target_count,
        checked_ms = checked.as_millis() as u64,
        targeted_ms = targeted.as_millis() as u64,
        planned_ms = (started - called).as_millis() as u64,
        insert_ms = inserted.as_millis() as u64,
        commit_ms = committed.as_millis() as u64,
        delivered_ms = started.elapsed().as_millis() as u64,
        "command sent"
    );
    get_command(core, actor, &command_id).await
}

fn json<T: serde::Serialize>(v: &T) -> ServiceResult<String> {
    serde_json::to_string(v).map_err(|e| ServiceError::internal("encoding a command", &e))
}

fn command_info(r: CommandRow) -> CommandInfo {
    CommandInfo {
        parameters: serde_json::from_str(&r.parameters).unwrap_or_default(),
        targets: serde_json::from_str(&r.targets).unwrap_or_default(),
        instance_ids: serde_json::from_str(&r.instance_ids).unwrap_or_default(),
        command_id: r.command_id,
        document_name: r.document_name,
        document_version: r.document_version,
        comment: r.comment,
        requested_at: r.requested_at,
        expires_at: r.expires_at,
        requested_by: r.requested_by,
        status: r.status,
        status_details: r.status_details,
        timeout_seconds: r.timeout_seconds,
        max_concurrency: r.max_concurrency,
        max_errors: r.max_errors,
        target_count: r.target_count,
        completed_count: r.completed_count,
        error_count: r.error_count,
        delivery_timed_out_count: r.delivery_timed_out_count,
    }
}

pub fn plugins_of(r: &InvocationRow) -> Vec<PluginState> {
    serde_json::from_str(&r.plugins).unwrap_or_default()
}

fn invocation_info(r: InvocationRow, c: &CommandRow) -> InvocationInfo {
    let plugins = plugins_of(&r)
        .into_iter()
        .map(|p| PluginInfo {
            name: p.name,
            status: p.status,
            status_details: p.details,
            response_code: p.code,
            started_at: p.started,
            ended_at: p.ended,
        })
        .collect();
    InvocationInfo {
        invocation_id: r.invocation_id,
        command_id: r.command_id,
        instance_id: r.instance_id,
        instance_name: r.instance_name,
        document_name: c.document_name.clone(),
        document_version: c.document_version.clone(),
        comment: c.comment.clone(),
        requested_at: c.requested_at,
        status: r.status,
        status_details: r.status_details,
        response_code: r.response_code,
        started_at: r.started_at,
        ended_at: r.ended_at,
        plugins,
        output_bytes: r.output_bytes,
        output_dropped: r.output_dropped,
        detail: r.detail,
    }
}

/// One command (viewer).
pub async fn get_command(
    core: &Core,
    actor: &Actor,
    command_id: &str,
) -> ServiceResult<CommandInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "ListCommands",
        &format!("command/{command_id}"),
    )
    .await?;
    store::command(core.db().pool(), command_id)
        .await?
        .map(command_info)
        .ok_or_else(|| invalid_command(command_id))
}

/// ListCommands / ListCommandInvocations filters (AWS `CommandFilter`) plus the
/// console's own.
#[derive(Clone, Debug, Default)]
pub struct CommandFilter {
    pub command_id: Option<String>,
    pub instance_id: Option<String>,
    pub invoked_after: Option<i64>,
    pub invoked_before: Option<i64>,
    pub statuses: Vec<String>,
    pub document_name: Option<String>,
    /// `Executing` (open) or `Complete` (terminal).
    pub execution_stage: Option<String>,
    pub requested_by: Option<String>,
    /// Free text over the command id, comment and document name (console search).
    pub text: Option<String>,
}

/// Reads AWS's CommandFilter list (key, value) into a [`CommandFilter`].
pub fn filter_from(
    filters: &[(String, String)],
    mut f: CommandFilter,
) -> ServiceResult<CommandFilter> {
    for (key, value) in filters {
        let bad = |what: &str| {
            ServiceError::validation(format!("The {key} filter value {value:?} is not {what}."))
                .with_exception("InvalidFilterKey")
        };
        match key.as_str() {
            "InvokedAfter" | "InvokedBefore" => {
                let ms = parse_time(value).ok_or_else(|| bad("a time (2021-06-15T00:00:00Z)"))?;
                if key == "InvokedAfter" {
                    f.invoked_after = Some(ms);
                } else {
                    f.invoked_before = Some(ms);
                }
            }
            "Status" => {
                let ok = [
                    "Pending",
                    "InProgress",
                    "Success",
                    "Cancelled",
                    "Failed",
                    "TimedOut",
                    "Cancelling",
                ];
                if !ok.contains(&value.as_str()) {
                    return Err(bad("a command status"));
                }
                f.statuses.push(value.clone());
            }
            "ExecutionStage" => {
                if !matches!(value.as_str(), "Executing" | "Complete") {
                    return Err(bad("Executing or Complete"));
                }
                f.execution_stage = Some(value.clone());
            }
            "DocumentName" => f.document_name = Some(value.clone()),
            _ => {
                return Err(
                    ServiceError::validation(format!("{key} is not a command filter key."))
                        .with_exception("InvalidFilterKey"),
                )
            }
        }
    }
    Ok(f)
}

/// An RFC 3339 time (`2021-06-15T00:00:00Z`) → Unix milliseconds.
fn parse_time(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Unix milliseconds → `2021-06-15T00:00:00.123Z` (GetCommandInvocation's times).
pub fn iso_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

fn where_of(f: &CommandFilter, alias: &str) -> crate::db::Where {
    let mut w = crate::db::Where::default();
    let col = |c: &str| format!("{alias}{c}");
    if let Some(id) = &f.command_id {
        let s = w.bind(id.clone());
        w.push(format!("{} = {s}", col("command_id")));
    }
    if let Some(after) = f.invoked_after {
        w.push(format!("{} >= {after}", col("requested_at")));
    }
    if let Some(before) = f.invoked_before {
        w.push(format!("{} <= {before}", col("requested_at")));
    }
    if !f.statuses.is_empty() {
        w.any_of(&col("status"), &f.statuses);
    }
    if let Some(d) = &f.document_name {
        let s = w.bind(d.clone());
        w.push(format!("{} = {s}", col("document_name")));
    }
    match f.execution_stage.as_deref() {
        Some("Executing") => {
            w.push(format!("{} = 1", col("open")));
        }
        Some("Complete") => {
            w.push(format!("{} = 0", col("open")));
        }
        _ => {}
    }
    if let Some(u) = &f.requested_by {
        let s = w.bind(u.clone());
        w.push(format!("{} = {s}", col("requested_by")));
    }
    w.text_in(
        &[&col("command_id"), &col("comment"), &col("document_name")],
        f.text.as_deref(),
    );
    w
}

/// ListCommands (viewer): newest first.
pub async fn list_commands(
    core: &Core,
    actor: &Actor,
    f: &CommandFilter,
    offset: i64,
    limit: i64,
) -> ServiceResult<Vec<CommandInfo>> {
    core.authorize(actor, Role::Viewer, "ListCommands", "command/*")
        .await?;
    let mut w = where_of(f, "");
    if let Some(node) = &f.instance_id {
        let s = w.bind(node.clone());
        w.push(format!(
            "command_id IN (SELECT command_id FROM command_invocations WHERE instance_id = {s})"
        ));
    }
    let (clause, binds) = w.finish();
    Ok(
        store::list_commands(core.db().pool(), &clause, binds, offset, limit)
            .await?
            .into_iter()
            .map(command_info)
            .collect(),
    )
}

/// ListCommandInvocations (viewer).
pub async fn list_invocations(
    core: &Core,
    actor: &Actor,
    f: &CommandFilter,
    offset: i64,
    limit: i64,
) -> ServiceResult<Vec<InvocationInfo>> {
    core.authorize(actor, Role::Viewer, "ListCommandInvocations", "command/*")
        .await?;
    if let Some(id) = &f.command_id {
        if store::command(core.db().pool(), id).await?.is_none() {
            return Err(invalid_command(id));
        }
    }
    let mut w = where_of(f, "c.");
    if let Some(node) = &f.instance_id {
        let s = w.bind(node.clone());
        w.push(format!("i.instance_id = {s}"));
    }
    let (clause, binds) = w.finish();
    let rows = store::list_invocations(core.db().pool(), &clause, binds, offset, limit).await?;
    let mut commands: HashMap<String, CommandRow> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if !commands.contains_key(&r.command_id) {
            if let Some(c) = store::command(core.db().pool(), &r.command_id).await? {
                commands.insert(r.command_id.clone(), c);
            }
        }
        if let Some(c) = commands.get(&r.command_id) {
            out.push(invocation_info(r, c));
        }
    }
    Ok(out)
}

/// One invocation (viewer): `InvocationDoesNotExist` when the command has no
/// invocation on that node.
pub async fn get_invocation(
    core: &Core,
    actor: &Actor,
    command_id: &str,
    instance_id: &str,
) -> ServiceResult<InvocationInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetCommandInvocation",
        &format!("command/{command_id}"),
    )
    .await?;
    let pool = core.db().pool();
    let Some(c) = store::command(pool, command_id).await? else {
        return Err(invalid_command(command_id));
    };
    let id = format!("{command_id}-{instance_id}");
    match store::invocation(pool, &id).await? {
        Some(r) if r.instance_id == instance_id => Ok(invocation_info(r, &c)),
        _ => Err(ServiceError::not_found(format!(
            "The command {command_id} has no invocation on {instance_id}."
        ))
        .with_exception("InvocationDoesNotExist")),
    }
}

/// Text of one plugin's stream, at most `max_chars` characters (whole chunks are read
/// in order until enough), and whether there was more.
pub async fn output_text(
    core: &Core,
    invocation_id: &str,
    plugin: Option<i64>,
    stream: i64,
    max_chars: usize,
) -> ServiceResult<(String, bool)> {
    let mut out = String::new();
    let mut chars = 0usize;
    let mut after = 0i64;
    loop {
        let rows = store::output(
            core.db().pool(),
            invocation_id,
            after,
            plugin,
            Some(stream),
            200,
        )
        .await?;
        if rows.is_empty() {
            return Ok((out, false));
        }
        for (seq, _, _, data) in rows {
            after = seq;
            let n = data.chars().count();
            if chars + n > max_chars {
                out.extend(data.chars().take(max_chars - chars));
                return Ok((out, true));
            }
            chars += n;
            out.push_str(&data);
        }
    }
}

/// Stored output chunks after `after_seq` (viewer), for the console and downloads.
pub async fn read_output(
    core: &Core,
    actor: &Actor,
    invocation_id: &str,
    after_seq: i64,
    limit: i64,
) -> ServiceResult<Vec<OutputChunkInfo>> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetCommandInvocation",
        &format!("invocation/{invocation_id}"),
    )
    .await?;
    Ok(store::output(
        core.db().pool(),
        invocation_id,
        after_seq,
        None,
        None,
        limit.clamp(1, 5000),
    )
    .await?
    .into_iter()
    .map(|(seq, plugin, stream, data)| OutputChunkInfo {
        seq,
        plugin,
        stream: stream as u8,
        data,
    })
    .collect())
}

/// CancelCommand (operator): every invocation, or those of `instance_ids`. Invocations
/// not started end Cancelled at once; running ones become Cancelling and their node is
/// told to kill them.
pub async fn cancel_command(
    core: &Core,
    actor: &Actor,
    command_id: &str,
    instance_ids: &[String],
) -> ServiceResult<()> {
    core.authorize(
        actor,
        Role::Operator,
        "CancelCommand",
        &format!("command/{command_id}"),
    )
    .await?;
    if instance_ids.len() > MAX_INSTANCE_IDS {
        return Err(invalid_instance(format!(
            "At most {MAX_INSTANCE_IDS} InstanceIds per CancelCommand."
        )));
    }
    no_duplicates(instance_ids)?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let Some(_) = store::lock_command(&mut tx, command_id, now).await? else {
        return Err(invalid_command(command_id));
    };
    let rows = sqlx::query(&format!(
        "SELECT invocation_id, instance_id, status, released FROM command_invocations \
         WHERE command_id = $1 AND status IN ({})",
        store::OPEN_STATUSES
    ))
    .bind(command_id)
    .fetch_all(&mut *tx)
    .await?;
    if !instance_ids.is_empty() {
        let all: BTreeSet<String> =
            sqlx::query_scalar("SELECT instance_id FROM command_invocations WHERE command_id = $1")
                .bind(command_id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let unknown: Vec<&str> = instance_ids
            .iter()
            .map(String::as_str)
            .filter(|i| !all.contains(*i))
            .collect();
        if !unknown.is_empty() {
            return Err(invalid_instance(format!(
                "The command {command_id} does not run on {}.",
                unknown.join(", ")
            )));
        }
    } else {
        store::set_cancel_requested(&mut tx, command_id).await?;
    }
    let wanted: BTreeSet<&str> = instance_ids.iter().map(String::as_str).collect();
    let mut notify: Vec<(String, String)> = Vec::new();
    for r in rows {
        let id: String = r.try_get("invocation_id")?;
        let node: String = r.try_get("instance_id")?;
        let status: String = r.try_get("status")?;
        let released = r.try_get::<i64, _>("released")? != 0;
        if !wanted.is_empty() && !wanted.contains(node.as_str()) {
            continue;
        }
        match status.as_str() {
            "Pending" | "Delayed" => {
                engine::end_invocation(
                    &mut tx,
                    &id,
                    &["Pending", "Delayed"],
                    "Cancelled",
                    "Cancelled",
                    now,
                    None,
                )
                .await?;
                if released {
                    // It may be on its way: the node records the cancel, so a late Run
                    // is answered Cancelled and never runs.
                    notify.push((node, id));
                }
            }
            "InProgress" => {
                store::transition(
                    &mut tx,
                    &id,
                    &["InProgress"],
                    "Cancelling",
                    "Cancelling",
                    store::Transition::default(),
                )
                .await?;
                notify.push((node, id));
            }
            _ => {}
        }
    }
    let released = engine::settle(&mut tx, command_id, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "CancelCommand",
        &format!("command/{command_id}"),
        Outcome::Success,
        &if instance_ids.is_empty() {
            "all invocations".to_string()
        } else {
            instance_ids.join(", ")
        },
    )
    .await?;
    tx.commit().await?;
    for (node, id) in notify {
        engine::send_cancel(core, &node, &id).await;
    }
    engine::deliver(core, command_id, &released).await;
    core.commands().changed(command_id);
    Ok(())
}

/// One invocation by its id (viewer), for the console's live view.
pub async fn invocation_by_id(
    core: &Core,
    actor: &Actor,
    invocation_id: &str,
) -> ServiceResult<InvocationInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetCommandInvocation",
        &format!("invocation/{invocation_id}"),
    )
    .await?;
    let pool = core.db().pool();
    let not_found = || {
        ServiceError::not_found(format!("There is no invocation {invocation_id}."))
            .with_exception("InvocationDoesNotExist")
    };
    let r = store::invocation(pool, invocation_id)
        .await?
        .ok_or_else(not_found)?;
    let c = store::command(pool, &r.command_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(invocation_info(r, &c))
}

/// A command with all its invocations (viewer), for the console's command page.
pub async fn command_detail(
    core: &Core,
    actor: &Actor,
    command_id: &str,
) -> ServiceResult<(CommandInfo, Vec<InvocationInfo>)> {
    let c = get_command(core, actor, command_id).await?;
    let invs = list_invocations(
        core,
        actor,
        &CommandFilter {
            command_id: Some(command_id.to_string()),
            ..Default::default()
        },
        0,
        MAX_RESOLVED_TARGETS as i64,
    )
    .await?;
    Ok((c, invs))
}

/// The console's command history: a page, newest first, with its filters
/// (`status`, `document`, `node`, `user`, `after`/`before` as RFC 3339 or dates).
pub async fn list_for_console(
    core: &Core,
    actor: &Actor,
    query: &crate::types::ListQuery,
) -> ServiceResult<crate::types::Page<CommandInfo>> {
    let mut f = CommandFilter::default();
    if let Some(s) = query.filter("status") {
        f.statuses.push(s.to_string());
    }
    f.document_name = query.filter("document").map(str::to_string);
    f.instance_id = query.filter("node").map(str::to_string);
    f.requested_by = query.filter("user").map(str::to_string);
    let day = |s: &str| parse_time(s).or_else(|| parse_time(&format!("{s}T00:00:00Z")));
    f.invoked_after = query.filter("after").and_then(day);
    // A date given as "until" includes that whole day.
    f.invoked_before = query.filter("before").and_then(day).map(|t| {
        if query.filter("before").is_some_and(|b| b.len() == 10) {
            t + 86_399_999
        } else {
            t
        }
    });
    f.text = query.q.clone();
    let items = list_commands(core, actor, &f, query.offset(), i64::from(query.per_page())).await?;
    let mut w = where_of(&f, "");
    if let Some(node) = &f.instance_id {
        let s = w.bind(node.clone());
        w.push(format!(
            "command_id IN (SELECT command_id FROM command_invocations WHERE instance_id = {s})"
        ));
    }
    let (clause, binds) = w.finish();
    let total = crate::db::count_where(core.db().pool(), "commands", &clause, binds).await?;
    Ok(crate::types::Page {
        items,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// How many nodes a console target selection reaches (the live count on the form).
pub async fn count_targets(
    core: &Core,
    actor: &Actor,
    instance_ids: &[String],
    targets: &[CommandTarget],
) -> ServiceResult<usize> {
    core.authorize(actor, Role::Viewer, "SendCommand", "command/*")
        .await?;
    if instance_ids.is_empty() && targets.is_empty() {
        return Ok(0);
    }
    Ok(resolve_targets(core, instance_ids, targets).await?.len())
}
