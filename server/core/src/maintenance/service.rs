//! Maintenance window rules: windows (create with ClientToken idempotency, read, update
//! with or without Replace, delete, list with filters), their targets and tasks, the
//! upcoming runs (DescribeMaintenanceWindowSchedule) and the windows targeting a node.

use super::store::{self, TargetRow, TaskRow, WindowRow};
use super::{
    MAX_TARGETS_PER_WINDOW, MAX_TARGET_KEYS, MAX_TARGET_VALUES, MAX_TASKS_PER_WINDOW, MAX_WINDOWS,
    TAG_RESOURCE_TYPE,
};
use crate::audit::{self, Outcome};
use crate::commands::plan::RateLimit;
use crate::core::Actor;
use crate::error::{is_unique_violation, ServiceError, ServiceResult};
use crate::types::{CommandTarget, Role, Tag};
use crate::{paging, tags, Core};
use bosun_schedule::{ActivePeriod, AnchorKey, Schedule, ScheduleError, Timestamp, WindowSchedule};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const DEFAULT_PAGE: i64 = 50;
/// DescribeMaintenanceWindowSchedule looks this far ahead (and lists at most
/// [`MAX_SCHEDULED`] runs): a year of a `rate(5 minutes)` window is 105,120 runs.
const SCHEDULE_HORIZON_MS: i64 = 366 * 24 * 3600 * 1000;
const MAX_SCHEDULED: usize = 1000;

// ---------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------

/// What CreateMaintenanceWindow and UpdateMaintenanceWindow set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WindowSpec {
    pub name: String,
    pub description: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub schedule: String,
    pub schedule_timezone: Option<String>,
    pub schedule_offset: Option<i32>,
    pub duration: i32,
    pub cutoff: i32,
    pub allow_unassociated_targets: bool,
}

#[derive(Clone, Debug, Default)]
pub struct CreateWindow {
    pub spec: WindowSpec,
    pub client_token: Option<String>,
    pub tags: Vec<Tag>,
}

/// A window as GetMaintenanceWindow (and, without `created`/`modified`,
/// DescribeMaintenanceWindows) show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowInfo {
    pub window_id: String,
    pub spec: WindowSpec,
    pub enabled: bool,
    /// ISO 8601 in the window's time zone.
    pub next_execution_time: Option<String>,
    /// Unix ms that `rate()` and `ScheduleOffset` count from: the last time the
    /// schedule changed (bosun_schedule's rule).
    pub schedule_anchor: i64,
    pub created_date: i64,
    pub modified_date: i64,
}

/// UpdateMaintenanceWindow: the members given. Without `replace` the others keep their
/// values; with it the required ones must be given and the optional ones are cleared.
#[derive(Clone, Debug, Default)]
pub struct UpdateWindow {
    pub window_id: String,
    pub replace: bool,
    pub name: Option<String>,
    pub description: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub schedule: Option<String>,
    pub schedule_timezone: Option<String>,
    pub schedule_offset: Option<i32>,
    pub duration: Option<i32>,
    pub cutoff: Option<i32>,
    pub allow_unassociated_targets: Option<bool>,
    pub enabled: Option<bool>,
}

/// A filter of a Describe operation (`Key`, `Values`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub key: String,
    pub values: Vec<String>,
}

/// A registered target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    pub window_id: String,
    pub window_target_id: String,
    pub resource_type: String,
    pub targets: Vec<CommandTarget>,
    pub owner_information: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct RegisterTarget {
    pub window_id: String,
    pub resource_type: String,
    pub targets: Vec<CommandTarget>,
    pub owner_information: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub client_token: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct UpdateTarget {
    pub window_id: String,
    pub window_target_id: String,
    pub replace: bool,
    pub targets: Option<Vec<CommandTarget>>,
    pub owner_information: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// A task as stored and returned, beyond its id, ARN, type and priority. JSON members
/// keep the AWS shapes as the API took them (TaskInvocationParameters, LoggingInfo,
/// AlarmConfiguration, the deprecated TaskParameters).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    #[serde(default)]
    pub targets: Vec<CommandTarget>,
    #[serde(default)]
    pub task_parameters: Option<Value>,
    #[serde(default)]
    pub invocation_parameters: Option<Value>,
    #[serde(default)]
    pub max_concurrency: Option<String>,
    #[serde(default)]
    pub max_errors: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `CONTINUE_TASK` or `CANCEL_TASK`.
    pub cutoff_behavior: String,
    #[serde(default)]
    pub service_role_arn: Option<String>,
    #[serde(default)]
    pub logging_info: Option<Value>,
    #[serde(default)]
    pub alarm_configuration: Option<Value>,
}

/// A registered task.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskInfo {
    pub window_id: String,
    pub window_task_id: String,
    pub task_arn: String,
    pub task_type: String,
    pub priority: i64,
    pub spec: TaskSpec,
}

#[derive(Clone, Debug, Default)]
pub struct RegisterTask {
    pub window_id: String,
    pub task_arn: String,
    pub task_type: String,
    /// Default 1.
    pub priority: Option<i64>,
    /// `cutoff_behavior` empty means `CONTINUE_TASK`.
    pub spec: TaskSpec,
    pub client_token: Option<String>,
}

/// UpdateMaintenanceWindowTask: the members given (see [`UpdateWindow`] for Replace).
#[derive(Clone, Debug, Default)]
pub struct UpdateTask {
    pub window_id: String,
    pub window_task_id: String,
    pub replace: bool,
    pub task_arn: Option<String>,
    pub priority: Option<i64>,
    pub targets: Option<Vec<CommandTarget>>,
    pub task_parameters: Option<Value>,
    pub invocation_parameters: Option<Value>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub cutoff_behavior: Option<String>,
    pub service_role_arn: Option<String>,
    pub logging_info: Option<Value>,
    pub alarm_configuration: Option<Value>,
}

/// The Run Command part of a task's TaskInvocationParameters, as the scheduler uses it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunCommandParameters {
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub document_version: Option<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub timeout_seconds: Option<i64>,
    #[serde(default)]
    pub document_hash: Option<String>,
    #[serde(default)]
    pub document_hash_type: Option<String>,
    #[serde(default)]
    pub output_s3_bucket_name: Option<String>,
    #[serde(default)]
    pub output_s3_key_prefix: Option<String>,
    #[serde(default)]
    pub service_role_arn: Option<String>,
    #[serde(default)]
    pub notification_config: Option<Value>,
    #[serde(default)]
    pub cloud_watch_output_config: Option<Value>,
}

/// One run of a window, as DescribeMaintenanceWindowSchedule lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledRun {
    pub window_id: String,
    pub name: String,
    /// ISO 8601 in the window's time zone.
    pub execution_time: String,
    /// Unix ms (the console shows it in the viewer's zone too).
    pub at_ms: i64,
}

// ---------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------

fn window_not_found(id: &str) -> ServiceError {
    ServiceError::not_found(format!("Maintenance window {id} does not exist."))
        .with_exception("DoesNotExistException")
}

fn target_not_found(window_id: &str, id: &str) -> ServiceError {
    ServiceError::not_found(format!(
        "Maintenance window {window_id} has no target {id}."
    ))
    .with_exception("DoesNotExistException")
}

fn task_not_found(window_id: &str, id: &str) -> ServiceError {
    ServiceError::not_found(format!("Maintenance window {window_id} has no task {id}."))
        .with_exception("DoesNotExistException")
}

/// The answer to a request whose ClientToken was seen before: the same id for the same
/// request, IdempotentParameterMismatch for another.
fn retry_of(
    existing_hash: &Option<String>,
    request_hash: &Option<String>,
    existing_id: String,
    what: &str,
) -> ServiceResult<String> {
    if existing_hash == request_hash {
        Ok(existing_id)
    } else {
        Err(ServiceError::validation(format!(
            "This ClientToken was used with different parameters: use a new token for a new \
             {what}."
        ))
        .with_exception("IdempotentParameterMismatch"))
    }
}

/// `^[a-zA-Z0-9_\-.]{3,128}$` (window, target and task names).
fn check_name(field: &'static str, name: &str) -> ServiceResult<()> {
    let len = name.chars().count();
    let ok = (3..=128).contains(&len)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::invalid_field(
            field,
            format!(
                "The name {name:?} must be 3 to 128 letters, digits, hyphens, underscores or \
                 periods."
            ),
        ))
    }
}

/// 1 to `max` characters (descriptions, owner information).
fn check_text(
    field: &'static str,
    what: &str,
    text: Option<&str>,
    max: usize,
) -> ServiceResult<()> {
    match text {
        Some(t) if t.is_empty() || t.chars().count() > max => Err(ServiceError::invalid_field(
            field,
            format!("The {what} must be 1 to {max} characters."),
        )),
        _ => Ok(()),
    }
}

fn schedule_error(e: ScheduleError) -> ServiceError {
    ServiceError::validation(format!("{}: {e}.", e.parameter()))
}

pub(super) fn ms_of(ts: Timestamp) -> i64 {
    ts.as_millisecond()
}

pub(super) fn ts_of(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The schedule a window's fields make, validated.
fn window_schedule(spec: &WindowSpec, anchor_ms: i64) -> ServiceResult<WindowSchedule> {
    let schedule = Schedule::parse(
        &spec.schedule,
        spec.schedule_timezone.as_deref(),
        spec.schedule_offset,
    )
    .map_err(schedule_error)?;
    let period = ActivePeriod::parse(spec.start_date.as_deref(), spec.end_date.as_deref())
        .map_err(schedule_error)?;
    Ok(WindowSchedule::new(schedule, period, ts_of(anchor_ms)))
}

/// Every rule of a window's fields; `now_ms` for the EndDate-in-the-future rule.
fn check_window(spec: &WindowSpec, now_ms: i64) -> ServiceResult<WindowSchedule> {
    check_name("name", &spec.name)?;
    check_text(
        "description",
        "description",
        spec.description.as_deref(),
        128,
    )?;
    bosun_schedule::validate_duration_and_cutoff(spec.duration, spec.cutoff)
        .map_err(schedule_error)?;
    let ws = window_schedule(spec, now_ms)?;
    ws.period()
        .check_end_in_future(ts_of(now_ms))
        .map_err(schedule_error)?;
    Ok(ws)
}

/// The next run after `after_ms`, when the window is enabled.
fn next_run(ws: &WindowSchedule, enabled: bool, after_ms: i64) -> Option<i64> {
    if !enabled {
        return None;
    }
    ws.next_after(ts_of(after_ms)).map(ms_of)
}

/// A stored window's schedule.
pub(super) fn schedule_of_row(row: &WindowRow) -> ServiceResult<WindowSchedule> {
    window_schedule(&spec_of(row), row.schedule_anchor)
}

fn spec_of(row: &WindowRow) -> WindowSpec {
    WindowSpec {
        name: row.name.clone(),
        description: row.description.clone(),
        start_date: row.start_date.clone(),
        end_date: row.end_date.clone(),
        schedule: row.schedule.clone(),
        schedule_timezone: row.schedule_timezone.clone(),
        schedule_offset: row.schedule_offset,
        duration: row.duration,
        cutoff: row.cutoff,
        allow_unassociated_targets: row.allow_unassociated_targets,
    }
}

fn anchor_key(spec: &WindowSpec) -> AnchorKey<'_> {
    AnchorKey {
        schedule: &spec.schedule,
        timezone: spec.schedule_timezone.as_deref(),
        offset: spec.schedule_offset,
        start_date: spec.start_date.as_deref(),
    }
}

fn info_of(row: &WindowRow) -> WindowInfo {
    let spec = spec_of(row);
    let next_execution_time = row.next_execution_at.and_then(|at| {
        window_schedule(&spec, row.schedule_anchor)
            .ok()
            .map(|ws| ws.format(ts_of(at)))
    });
    WindowInfo {
        window_id: row.window_id.clone(),
        spec,
        enabled: row.enabled,
        next_execution_time,
        schedule_anchor: row.schedule_anchor,
        created_date: row.created_at,
        modified_date: row.modified_at,
    }
}

fn new_window_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("mw-{}", &hex[..17])
}

fn hash_of(parts: &[&str]) -> String {
    crate::crypto::sha256_hex(parts.join("\n").as_bytes())
}

fn json<T: Serialize>(what: &str, v: &T) -> ServiceResult<String> {
    serde_json::to_string(v).map_err(|e| ServiceError::internal(what, &e))
}

/// Targets of a window target registration: 1–5 keys, each with 1–50 values;
/// `InstanceIds`, `tag:KEY` or `tag-key` (Bosun has no resource groups).
fn check_window_targets(resource_type: &str, targets: &[CommandTarget]) -> ServiceResult<()> {
    if resource_type != "INSTANCE" {
        return Err(ServiceError::invalid_field(
            "resource_type",
            match resource_type {
                "RESOURCE_GROUP" => "Bosun has no resource groups: register targets of \
                                     ResourceType INSTANCE (by InstanceIds, tag:KEY or tag-key)."
                    .to_string(),
                other => format!("ResourceType {other:?} is not INSTANCE or RESOURCE_GROUP."),
            },
        ));
    }
    if targets.is_empty() || targets.len() > MAX_TARGET_KEYS {
        return Err(ServiceError::invalid_field(
            "targets",
            format!("Give 1 to {MAX_TARGET_KEYS} targets."),
        ));
    }
    for t in targets {
        let key_ok = t.key == "InstanceIds"
            || t.key == "tag-key"
            || t.key.strip_prefix("tag:").is_some_and(|k| !k.is_empty());
        if !key_ok {
            return Err(ServiceError::invalid_field(
                "targets",
                format!(
                    "A maintenance window targets nodes by InstanceIds, tag:KEY or tag-key; {:?} \
                     is none of them.",
                    t.key
                ),
            ));
        }
        if t.values.is_empty() || t.values.len() > MAX_TARGET_VALUES {
            return Err(ServiceError::invalid_field(
                "targets",
                format!(
                    "The target {} needs 1 to {MAX_TARGET_VALUES} values.",
                    t.key
                ),
            ));
        }
    }
    Ok(())
}

/// A task's targets: `WindowTargetIds` (registered with this window) or `InstanceIds`.
async fn check_task_targets(
    core: &Core,
    window_id: &str,
    task_type: &str,
    targets: &[CommandTarget],
) -> ServiceResult<()> {
    if targets.len() > MAX_TARGET_KEYS {
        return Err(ServiceError::invalid_field(
            "targets",
            format!("A task has at most {MAX_TARGET_KEYS} targets."),
        ));
    }
    if task_type == "RUN_COMMAND" && targets.is_empty() {
        return Err(ServiceError::invalid_field(
            "targets",
            "A RUN_COMMAND task needs targets: WindowTargetIds of the window's registered \
             targets, or InstanceIds.",
        ));
    }
    for t in targets {
        if t.values.is_empty() || t.values.len() > MAX_TARGET_VALUES {
            return Err(ServiceError::invalid_field(
                "targets",
                format!(
                    "The target {} needs 1 to {MAX_TARGET_VALUES} values.",
                    t.key
                ),
            ));
        }
        match t.key.as_str() {
            "InstanceIds" => {}
            "WindowTargetIds" => {
                for id in &t.values {
                    if store::target(core.db().pool(), window_id, id)
                        .await?
                        .is_none()
                    {
                        return Err(ServiceError::invalid_field(
                            "targets",
                            format!("{id} is not a target registered with window {window_id}."),
                        )
                        .with_exception("DoesNotExistException"));
                    }
                }
            }
            other => {
                return Err(ServiceError::invalid_field(
                    "targets",
                    format!("A task targets WindowTargetIds or InstanceIds; {other:?} is neither."),
                ))
            }
        }
    }
    Ok(())
}

/// The document a RUN_COMMAND task's TaskArn names (a name or an ARN ending in
/// `document/NAME`).
pub fn document_name_of(task_arn: &str) -> &str {
    task_arn
        .rsplit_once(":document/")
        .map_or(task_arn, |(_, name)| name)
}

fn unsupported_task(task_type: &str) -> ServiceError {
    let why = match task_type {
        "AUTOMATION" => "Automation runbooks are not available in Bosun yet",
        "LAMBDA" => "Bosun runs no AWS Lambda functions",
        "STEP_FUNCTIONS" => "Bosun runs no AWS Step Functions state machines",
        other => {
            return ServiceError::invalid_field(
                "task_type",
                format!(
                    "TaskType {other:?} is not RUN_COMMAND, AUTOMATION, STEP_FUNCTIONS or LAMBDA."
                ),
            )
        }
    };
    ServiceError::validation(format!(
        "{why}: a maintenance window task here is RUN_COMMAND."
    ))
    .with_exception("FeatureNotAvailableException")
}

fn rate(field: &'static str, v: Option<&str>, allow_zero: bool) -> ServiceResult<()> {
    match v {
        Some(s) if RateLimit::parse(s, allow_zero).is_none() || s.len() > 7 => {
            Err(ServiceError::invalid_field(
                field,
                format!(
                    "{s:?} is not a number{} or a percentage (10%).",
                    if allow_zero { "" } else { " from 1" }
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The Run Command parameters of a task, validated (`None` when not given).
pub fn run_command_parameters(spec: &TaskSpec) -> ServiceResult<Option<RunCommandParameters>> {
    let Some(v) = &spec.invocation_parameters else {
        return Ok(None);
    };
    let Some(obj) = v.as_object() else {
        return Err(ServiceError::invalid_field(
            "task_invocation_parameters",
            "TaskInvocationParameters must be an object.",
        ));
    };
    if let Some(other) = obj.keys().find(|k| k.as_str() != "RunCommand") {
        return Err(ServiceError::invalid_field(
            "task_invocation_parameters",
            format!("A RUN_COMMAND task takes TaskInvocationParameters.RunCommand, not {other}."),
        ));
    }
    let Some(rc) = obj.get("RunCommand") else {
        return Ok(None);
    };
    let p: RunCommandParameters = serde_json::from_value(rc.clone()).map_err(|e| {
        ServiceError::invalid_field(
            "task_invocation_parameters",
            format!("TaskInvocationParameters.RunCommand is not valid: {e}."),
        )
    })?;
    if p.comment
        .as_deref()
        .is_some_and(|c| c.chars().count() > 100)
    {
        return Err(ServiceError::invalid_field(
            "task_invocation_parameters",
            "RunCommand.Comment is at most 100 characters.",
        ));
    }
    if let Some(v) = p.document_version.as_deref() {
        let ok = v == "$LATEST"
            || v == "$DEFAULT"
            || (!v.starts_with('0') && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(ServiceError::invalid_field(
                "task_invocation_parameters",
                format!("RunCommand.DocumentVersion {v:?} is not $LATEST, $DEFAULT or a version number."),
            ));
        }
    }
    if let Some(t) = p.timeout_seconds {
        if !(30..=2_592_000).contains(&t) {
            return Err(ServiceError::invalid_field(
                "task_invocation_parameters",
                "RunCommand.TimeoutSeconds is 30 to 2592000.",
            ));
        }
    }
    if let Some(h) = p.document_hash_type.as_deref() {
        if h != "Sha256" && h != "Sha1" {
            return Err(ServiceError::invalid_field(
                "task_invocation_parameters",
                "RunCommand.DocumentHashType is Sha256 or Sha1.",
            ));
        }
    }
    Ok(Some(p))
}

/// Every rule of a task, except the window's existence.
async fn check_task(
    core: &Core,
    window_id: &str,
    task_arn: &str,
    task_type: &str,
    priority: i64,
    spec: &TaskSpec,
) -> ServiceResult<()> {
    if task_type != "RUN_COMMAND" {
        return Err(unsupported_task(task_type));
    }
    if task_arn.is_empty() || task_arn.len() > 1600 {
        return Err(ServiceError::invalid_field(
            "task_arn",
            "TaskArn is 1 to 1600 characters: the name or ARN of a Command document.",
        ));
    }
    let name = document_name_of(task_arn);
    let exists = crate::documents::builtin::get(name).is_some()
        || crate::documents::store::document(core.db().pool(), name)
            .await?
            .is_some_and(|d| d.document_type == "Command");
    if !exists {
        return Err(ServiceError::invalid_field(
            "task_arn",
            format!("{name} is not a Command document: create it first, or name a built-in one (AWS-RunShellScript, AWS-RunPatchBaseline)."),
        )
        .with_exception("DoesNotExistException"));
    }
    if priority < 0 {
        return Err(ServiceError::invalid_field(
            "priority",
            "Priority is 0 or more (lower runs first).",
        ));
    }
    check_task_targets(core, window_id, task_type, &spec.targets).await?;
    if !spec.targets.is_empty() && (spec.max_concurrency.is_none() || spec.max_errors.is_none()) {
        return Err(ServiceError::invalid_field(
            "max_concurrency",
            "A task with targets needs MaxConcurrency and MaxErrors.",
        ));
    }
    rate("max_concurrency", spec.max_concurrency.as_deref(), false)?;
    rate("max_errors", spec.max_errors.as_deref(), true)?;
    if let Some(n) = &spec.name {
        check_name("name", n)?;
    }
    check_text(
        "description",
        "description",
        spec.description.as_deref(),
        128,
    )?;
    if !matches!(
        spec.cutoff_behavior.as_str(),
        "CONTINUE_TASK" | "CANCEL_TASK"
    ) {
        return Err(ServiceError::invalid_field(
            "cutoff_behavior",
            format!(
                "CutoffBehavior {:?} is not CONTINUE_TASK or CANCEL_TASK.",
                spec.cutoff_behavior
            ),
        ));
    }
    run_command_parameters(spec)?;
    Ok(())
}

fn targets_json(targets: &[CommandTarget]) -> ServiceResult<String> {
    json("encoding targets", &targets)
}

fn target_info(row: &TargetRow) -> ServiceResult<TargetInfo> {
    Ok(TargetInfo {
        window_id: row.window_id.clone(),
        window_target_id: row.window_target_id.clone(),
        resource_type: row.resource_type.clone(),
        targets: serde_json::from_str(&row.targets)
            .map_err(|e| ServiceError::internal("stored window targets", &e))?,
        owner_information: row.owner_information.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
    })
}

fn task_info(row: &TaskRow) -> ServiceResult<TaskInfo> {
    Ok(TaskInfo {
        window_id: row.window_id.clone(),
        window_task_id: row.window_task_id.clone(),
        task_arn: row.task_arn.clone(),
        task_type: row.task_type.clone(),
        priority: row.priority,
        spec: serde_json::from_str(&row.definition)
            .map_err(|e| ServiceError::internal("stored window task", &e))?,
    })
}

async fn existing_window(core: &Core, window_id: &str) -> ServiceResult<WindowRow> {
    store::window(core.db().pool(), window_id)
        .await?
        .ok_or_else(|| window_not_found(window_id))
}

fn unknown_filter(key: &str, keys: &str) -> ServiceError {
    ServiceError::validation(format!("{key:?} is not a filter key here; use {keys}."))
}

// ---------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------

/// CreateMaintenanceWindow (operator). Returns the new window's id.
pub async fn create_maintenance_window(
    core: &Core,
    actor: &Actor,
    input: CreateWindow,
) -> ServiceResult<String> {
    let CreateWindow {
        spec,
        client_token,
        tags,
    } = input;
    core.authorize(
        actor,
        Role::Operator,
        "CreateMaintenanceWindow",
        &format!("maintenancewindow/{}", spec.name),
    )
    .await?;
    let now = core.now_ms();
    let ws = check_window(&spec, now)?;
    tags::validate(&tags)?;
    let request_hash = client_token.as_ref().map(|_| {
        hash_of(&[
            &spec.name,
            spec.description.as_deref().unwrap_or(""),
            spec.start_date.as_deref().unwrap_or(""),
            spec.end_date.as_deref().unwrap_or(""),
            &spec.schedule,
            spec.schedule_timezone.as_deref().unwrap_or(""),
            &format!(
                "{:?}/{}/{}/{}",
                spec.schedule_offset, spec.duration, spec.cutoff, spec.allow_unassociated_targets
            ),
            &serde_json::to_string(&tags).unwrap_or_default(),
        ])
    });
    if let Some(token) = &client_token {
        if let Some(existing) = store::window_by_client_token(core.db().pool(), token).await? {
            return retry_of(
                &existing.request_hash,
                &request_hash,
                existing.window_id,
                "maintenance window",
            );
        }
    }
    let id = new_window_id();
    let row = WindowRow {
        window_id: id.clone(),
        name: spec.name.clone(),
        description: spec.description.clone(),
        schedule: spec.schedule.clone(),
        schedule_timezone: spec.schedule_timezone.clone(),
        schedule_offset: spec.schedule_offset,
        duration: spec.duration,
        cutoff: spec.cutoff,
        allow_unassociated_targets: spec.allow_unassociated_targets,
        enabled: true,
        start_date: spec.start_date.clone(),
        end_date: spec.end_date.clone(),
        schedule_anchor: now,
        next_execution_at: next_run(&ws, true, now),
        client_token: client_token.clone(),
        request_hash: request_hash.clone(),
        created_at: now,
        modified_at: now,
    };
    let mut tx = core.db().begin().await?;
    if store::count_windows(&mut *tx).await? >= MAX_WINDOWS {
        return Err(ServiceError::limit_exceeded(format!(
            "An account holds at most {MAX_WINDOWS} maintenance windows: delete one first."
        )));
    }
    if let Err(e) = store::insert_window(&mut *tx, &row, &actor.name).await {
        if let (true, Some(token)) = (is_unique_violation(&e), &client_token) {
            drop(tx);
            if let Some(existing) = store::window_by_client_token(core.db().pool(), token).await? {
                return retry_of(
                    &existing.request_hash,
                    &request_hash,
                    existing.window_id,
                    "maintenance window",
                );
            }
        }
        return Err(e.into());
    }
    if !tags.is_empty() {
        tags::store::put(&mut tx, TAG_RESOURCE_TYPE, &id, &tags).await?;
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreateMaintenanceWindow",
        &format!("maintenancewindow/{id}"),
        Outcome::Success,
        &format!("{} {}", spec.name, spec.schedule),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// GetMaintenanceWindow (viewer).
pub async fn get_maintenance_window(
    core: &Core,
    actor: &Actor,
    window_id: &str,
) -> ServiceResult<WindowInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetMaintenanceWindow",
        &format!("maintenancewindow/{window_id}"),
    )
    .await?;
    Ok(info_of(&existing_window(core, window_id).await?))
}

/// UpdateMaintenanceWindow (operator). Returns the window as it is now.
pub async fn update_maintenance_window(
    core: &Core,
    actor: &Actor,
    input: UpdateWindow,
) -> ServiceResult<WindowInfo> {
    core.authorize(
        actor,
        Role::Operator,
        "UpdateMaintenanceWindow",
        &format!("maintenancewindow/{}", input.window_id),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, &input.window_id).await? {
        return Err(window_not_found(&input.window_id));
    }
    let old = store::window(&mut *tx, &input.window_id)
        .await?
        .ok_or_else(|| window_not_found(&input.window_id))?;
    let before = spec_of(&old);
    let spec = if input.replace {
        let missing: Vec<&str> = [
            ("Name", input.name.is_none()),
            ("Schedule", input.schedule.is_none()),
            ("Duration", input.duration.is_none()),
            ("Cutoff", input.cutoff.is_none()),
            (
                "AllowUnassociatedTargets",
                input.allow_unassociated_targets.is_none(),
            ),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| *n)
        .collect();
        if !missing.is_empty() {
            return Err(ServiceError::validation(format!(
                "With Replace, give every member CreateMaintenanceWindow requires; missing: {}.",
                missing.join(", ")
            )));
        }
        WindowSpec {
            name: input.name.clone().unwrap_or_default(),
            description: input.description.clone(),
            start_date: input.start_date.clone(),
            end_date: input.end_date.clone(),
            schedule: input.schedule.clone().unwrap_or_default(),
            schedule_timezone: input.schedule_timezone.clone(),
            schedule_offset: input.schedule_offset,
            duration: input.duration.unwrap_or_default(),
            cutoff: input.cutoff.unwrap_or_default(),
            allow_unassociated_targets: input.allow_unassociated_targets.unwrap_or_default(),
        }
    } else {
        WindowSpec {
            name: input.name.clone().unwrap_or(before.name.clone()),
            description: input.description.clone().or(before.description.clone()),
            start_date: input.start_date.clone().or(before.start_date.clone()),
            end_date: input.end_date.clone().or(before.end_date.clone()),
            schedule: input.schedule.clone().unwrap_or(before.schedule.clone()),
            schedule_timezone: input
                .schedule_timezone
                .clone()
                .or(before.schedule_timezone.clone()),
            schedule_offset: input.schedule_offset.or(before.schedule_offset),
            duration: input.duration.unwrap_or(before.duration),
            cutoff: input.cutoff.unwrap_or(before.cutoff),
            allow_unassociated_targets: input
                .allow_unassociated_targets
                .unwrap_or(before.allow_unassociated_targets),
        }
    };
    let enabled = input
        .enabled
        .unwrap_or(if input.replace { true } else { old.enabled });
    check_name("name", &spec.name)?;
    check_text(
        "description",
        "description",
        spec.description.as_deref(),
        128,
    )?;
    bosun_schedule::validate_duration_and_cutoff(spec.duration, spec.cutoff)
        .map_err(schedule_error)?;
    // The anchor moves only with what decides the runs (bosun_schedule's rule): a rename
    // keeps a pending offset run.
    let anchor = anchor_key(&spec).anchor_after(&anchor_key(&before), old.schedule_anchor, now);
    let ws = window_schedule(&spec, anchor)?;
    if spec.end_date != before.end_date {
        ws.period()
            .check_end_in_future(ts_of(now))
            .map_err(schedule_error)?;
    }
    let row = WindowRow {
        name: spec.name.clone(),
        description: spec.description.clone(),
        schedule: spec.schedule.clone(),
        schedule_timezone: spec.schedule_timezone.clone(),
        schedule_offset: spec.schedule_offset,
        duration: spec.duration,
        cutoff: spec.cutoff,
        allow_unassociated_targets: spec.allow_unassociated_targets,
        enabled,
        start_date: spec.start_date.clone(),
        end_date: spec.end_date.clone(),
        schedule_anchor: anchor,
        next_execution_at: next_run(&ws, enabled, now),
        modified_at: now,
        ..old.clone()
    };
    store::update_window(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateMaintenanceWindow",
        &format!("maintenancewindow/{}", row.window_id),
        Outcome::Success,
        &format!(
            "{} {}{}",
            row.name,
            row.schedule,
            if enabled { "" } else { " (disabled)" }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(info_of(&row))
}

/// DeleteMaintenanceWindow (operator): the window, its targets, tasks and tags.
pub async fn delete_maintenance_window(
    core: &Core,
    actor: &Actor,
    window_id: &str,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Operator,
        "DeleteMaintenanceWindow",
        &format!("maintenancewindow/{window_id}"),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::delete_window(&mut tx, window_id).await? {
        return Err(window_not_found(window_id));
    }
    tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, window_id).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeleteMaintenanceWindow",
        &format!("maintenancewindow/{window_id}"),
        Outcome::Success,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(window_id.to_string())
}

/// DescribeMaintenanceWindows (viewer): filters `Name` (any of the values) and
/// `Enabled` (`true`/`false`); pages of 10–100 (default 50), by name.
pub async fn describe_maintenance_windows(
    core: &Core,
    actor: &Actor,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<WindowInfo>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "DescribeMaintenanceWindows", "*")
        .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let offset = paging::offset_of("DescribeMaintenanceWindows", next_token)?;
    for f in filters {
        match f.key.as_str() {
            "Name" => {}
            "Enabled" => {
                if let Some(v) = f.values.iter().find(|v| *v != "true" && *v != "false") {
                    return Err(ServiceError::validation(format!(
                        "The Enabled filter takes true or false, not {v:?}."
                    )));
                }
            }
            other => return Err(unknown_filter(other, "Name or Enabled")),
        }
    }
    let rows = store::windows(core.db().pool()).await?;
    let matching = rows.iter().filter(|w| {
        filters.iter().all(|f| match f.key.as_str() {
            "Name" => f.values.contains(&w.name),
            "Enabled" => f.values.iter().any(|v| (v == "true") == w.enabled),
            _ => true,
        })
    });
    Ok(paging::page_of(
        matching.map(info_of),
        "DescribeMaintenanceWindows",
        offset,
        limit,
    ))
}

// ---------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------

/// RegisterTargetWithMaintenanceWindow (operator). Returns the WindowTargetId.
pub async fn register_target_with_maintenance_window(
    core: &Core,
    actor: &Actor,
    input: RegisterTarget,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Operator,
        "RegisterTargetWithMaintenanceWindow",
        &format!("maintenancewindow/{}", input.window_id),
    )
    .await?;
    check_window_targets(&input.resource_type, &input.targets)?;
    check_text(
        "owner_information",
        "owner information",
        input.owner_information.as_deref(),
        128,
    )?;
    if let Some(n) = &input.name {
        check_name("name", n)?;
    }
    check_text(
        "description",
        "description",
        input.description.as_deref(),
        128,
    )?;
    let targets = targets_json(&input.targets)?;
    let request_hash = input.client_token.as_ref().map(|_| {
        hash_of(&[
            &input.window_id,
            &input.resource_type,
            &targets,
            input.owner_information.as_deref().unwrap_or(""),
            input.name.as_deref().unwrap_or(""),
            input.description.as_deref().unwrap_or(""),
        ])
    });
    let answer = |existing: TargetRow| {
        retry_of(
            &existing.request_hash,
            &request_hash,
            existing.window_target_id,
            "target",
        )
    };
    if let Some(token) = &input.client_token {
        if let Some(existing) = store::target_by_client_token(core.db().pool(), token).await? {
            return answer(existing);
        }
    }
    let now = core.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, &input.window_id).await? {
        return Err(window_not_found(&input.window_id));
    }
    if store::count_targets(&mut *tx, &input.window_id).await? >= MAX_TARGETS_PER_WINDOW {
        return Err(ServiceError::limit_exceeded(format!(
            "A maintenance window has at most {MAX_TARGETS_PER_WINDOW} targets."
        )));
    }
    let row = TargetRow {
        window_target_id: id.clone(),
        window_id: input.window_id.clone(),
        resource_type: input.resource_type.clone(),
        targets,
        owner_information: input.owner_information.clone(),
        name: input.name.clone(),
        description: input.description.clone(),
        client_token: input.client_token.clone(),
        request_hash: request_hash.clone(),
        created_at: now,
    };
    if let Err(e) = store::insert_target(&mut *tx, &row).await {
        if let (true, Some(token)) = (is_unique_violation(&e), &input.client_token) {
            drop(tx);
            if let Some(existing) = store::target_by_client_token(core.db().pool(), token).await? {
                return answer(existing);
            }
        }
        return Err(e.into());
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "RegisterTargetWithMaintenanceWindow",
        &format!("maintenancewindow/{}/target/{id}", input.window_id),
        Outcome::Success,
        &row.targets,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// UpdateMaintenanceWindowTarget (operator).
pub async fn update_maintenance_window_target(
    core: &Core,
    actor: &Actor,
    input: UpdateTarget,
) -> ServiceResult<TargetInfo> {
    core.authorize(
        actor,
        Role::Operator,
        "UpdateMaintenanceWindowTarget",
        &format!(
            "maintenancewindow/{}/target/{}",
            input.window_id, input.window_target_id
        ),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, &input.window_id).await? {
        return Err(window_not_found(&input.window_id));
    }
    let old = store::target(&mut *tx, &input.window_id, &input.window_target_id)
        .await?
        .ok_or_else(|| target_not_found(&input.window_id, &input.window_target_id))?;
    let old_info = target_info(&old)?;
    let (targets, owner, name, description) = if input.replace {
        let Some(targets) = input.targets.clone() else {
            return Err(ServiceError::validation(
                "With Replace, give Targets: a target registration requires them.",
            ));
        };
        (
            targets,
            input.owner_information.clone(),
            input.name.clone(),
            input.description.clone(),
        )
    } else {
        (
            input.targets.clone().unwrap_or(old_info.targets.clone()),
            input
                .owner_information
                .clone()
                .or(old.owner_information.clone()),
            input.name.clone().or(old.name.clone()),
            input.description.clone().or(old.description.clone()),
        )
    };
    check_window_targets(&old.resource_type, &targets)?;
    check_text(
        "owner_information",
        "owner information",
        owner.as_deref(),
        128,
    )?;
    if let Some(n) = &name {
        check_name("name", n)?;
    }
    check_text("description", "description", description.as_deref(), 128)?;
    let row = TargetRow {
        targets: targets_json(&targets)?,
        owner_information: owner,
        name,
        description,
        ..old
    };
    store::update_target(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateMaintenanceWindowTarget",
        &format!(
            "maintenancewindow/{}/target/{}",
            row.window_id, row.window_target_id
        ),
        Outcome::Success,
        &row.targets,
    )
    .await?;
    tx.commit().await?;
    target_info(&row)
}

/// DeregisterTargetFromMaintenanceWindow (operator). With `safe`, a target a task
/// still names is refused (`TargetInUseException`); without, it goes, and the tasks no
/// longer reach it.
pub async fn deregister_target_from_maintenance_window(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    window_target_id: &str,
    safe: bool,
) -> ServiceResult<()> {
    core.authorize(
        actor,
        Role::Operator,
        "DeregisterTargetFromMaintenanceWindow",
        &format!("maintenancewindow/{window_id}/target/{window_target_id}"),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, window_id).await? {
        return Err(window_not_found(window_id));
    }
    if safe {
        for task in store::tasks(&mut *tx, window_id).await? {
            let info = task_info(&task)?;
            let uses = info.spec.targets.iter().any(|t| {
                t.key == "WindowTargetIds" && t.values.iter().any(|v| v == window_target_id)
            });
            if uses {
                return Err(ServiceError::conflict(format!(
                    "Task {} still targets {window_target_id}: deregister or update the task \
                     first, or deregister without Safe.",
                    info.window_task_id
                ))
                .with_exception("TargetInUseException"));
            }
        }
    }
    if !store::delete_target(&mut *tx, window_id, window_target_id).await? {
        return Err(target_not_found(window_id, window_target_id));
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeregisterTargetFromMaintenanceWindow",
        &format!("maintenancewindow/{window_id}/target/{window_target_id}"),
        Outcome::Success,
        if safe { "safe" } else { "" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// DescribeMaintenanceWindowTargets (viewer): filters `Type`, `WindowTargetId`,
/// `OwnerInformation`; pages of 10–100 (default 50).
pub async fn describe_maintenance_window_targets(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<TargetInfo>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeMaintenanceWindowTargets",
        &format!("maintenancewindow/{window_id}"),
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("DescribeMaintenanceWindowTargets/{window_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    for f in filters {
        if !matches!(
            f.key.as_str(),
            "Type" | "WindowTargetId" | "OwnerInformation"
        ) {
            return Err(unknown_filter(
                &f.key,
                "Type, WindowTargetId or OwnerInformation",
            ));
        }
    }
    existing_window(core, window_id).await?;
    let mut out = Vec::new();
    for row in store::targets(core.db().pool(), Some(window_id)).await? {
        let keep = filters.iter().all(|f| {
            let v = match f.key.as_str() {
                "Type" => Some(row.resource_type.as_str()),
                "WindowTargetId" => Some(row.window_target_id.as_str()),
                _ => row.owner_information.as_deref(),
            };
            v.is_some_and(|v| f.values.iter().any(|x| x == v))
        });
        if keep {
            out.push(target_info(&row)?);
        }
    }
    Ok(paging::page_of(out, &scope, offset, limit))
}

// ---------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------

/// RegisterTaskWithMaintenanceWindow (operator). Returns the WindowTaskId.
pub async fn register_task_with_maintenance_window(
    core: &Core,
    actor: &Actor,
    input: RegisterTask,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Operator,
        "RegisterTaskWithMaintenanceWindow",
        &format!("maintenancewindow/{}", input.window_id),
    )
    .await?;
    existing_window(core, &input.window_id).await?;
    let mut spec = input.spec.clone();
    if spec.cutoff_behavior.is_empty() {
        spec.cutoff_behavior = "CONTINUE_TASK".into();
    }
    let priority = input.priority.unwrap_or(1);
    check_task(
        core,
        &input.window_id,
        &input.task_arn,
        &input.task_type,
        priority,
        &spec,
    )
    .await?;
    let definition = json("encoding a window task", &spec)?;
    let request_hash = input.client_token.as_ref().map(|_| {
        hash_of(&[
            &input.window_id,
            &input.task_arn,
            &input.task_type,
            &priority.to_string(),
            &definition,
        ])
    });
    let answer = |existing: TaskRow| {
        retry_of(
            &existing.request_hash,
            &request_hash,
            existing.window_task_id,
            "task",
        )
    };
    if let Some(token) = &input.client_token {
        if let Some(existing) = store::task_by_client_token(core.db().pool(), token).await? {
            return answer(existing);
        }
    }
    let now = core.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, &input.window_id).await? {
        return Err(window_not_found(&input.window_id));
    }
    if store::count_tasks(&mut *tx, &input.window_id).await? >= MAX_TASKS_PER_WINDOW {
        return Err(ServiceError::limit_exceeded(format!(
            "A maintenance window has at most {MAX_TASKS_PER_WINDOW} tasks."
        )));
    }
    let row = TaskRow {
        window_task_id: id.clone(),
        window_id: input.window_id.clone(),
        task_arn: input.task_arn.clone(),
        task_type: input.task_type.clone(),
        priority,
        definition,
        client_token: input.client_token.clone(),
        request_hash: request_hash.clone(),
        created_at: now,
    };
    if let Err(e) = store::insert_task(&mut *tx, &row).await {
        if let (true, Some(token)) = (is_unique_violation(&e), &input.client_token) {
            drop(tx);
            if let Some(existing) = store::task_by_client_token(core.db().pool(), token).await? {
                return answer(existing);
            }
        }
        return Err(e.into());
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "RegisterTaskWithMaintenanceWindow",
        &format!("maintenancewindow/{}/task/{id}", input.window_id),
        Outcome::Success,
        &format!("{} {} priority {priority}", input.task_type, input.task_arn),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// GetMaintenanceWindowTask (viewer).
pub async fn get_maintenance_window_task(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    window_task_id: &str,
) -> ServiceResult<TaskInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetMaintenanceWindowTask",
        &format!("maintenancewindow/{window_id}/task/{window_task_id}"),
    )
    .await?;
    existing_window(core, window_id).await?;
    let row = store::task(core.db().pool(), window_id, window_task_id)
        .await?
        .ok_or_else(|| task_not_found(window_id, window_task_id))?;
    task_info(&row)
}

/// UpdateMaintenanceWindowTask (operator).
pub async fn update_maintenance_window_task(
    core: &Core,
    actor: &Actor,
    input: UpdateTask,
) -> ServiceResult<TaskInfo> {
    core.authorize(
        actor,
        Role::Operator,
        "UpdateMaintenanceWindowTask",
        &format!(
            "maintenancewindow/{}/task/{}",
            input.window_id, input.window_task_id
        ),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, &input.window_id).await? {
        return Err(window_not_found(&input.window_id));
    }
    let old = store::task(&mut *tx, &input.window_id, &input.window_task_id)
        .await?
        .ok_or_else(|| task_not_found(&input.window_id, &input.window_task_id))?;
    let before = task_info(&old)?;
    let (task_arn, priority, spec) = if input.replace {
        let Some(task_arn) = input.task_arn.clone() else {
            return Err(ServiceError::validation(
                "With Replace, give TaskArn: a task registration requires it.",
            ));
        };
        (
            task_arn,
            input.priority.unwrap_or(1),
            TaskSpec {
                targets: input.targets.clone().unwrap_or_default(),
                task_parameters: input.task_parameters.clone(),
                invocation_parameters: input.invocation_parameters.clone(),
                max_concurrency: input.max_concurrency.clone(),
                max_errors: input.max_errors.clone(),
                name: input.name.clone(),
                description: input.description.clone(),
                cutoff_behavior: input
                    .cutoff_behavior
                    .clone()
                    .unwrap_or_else(|| "CONTINUE_TASK".into()),
                service_role_arn: input.service_role_arn.clone(),
                logging_info: input.logging_info.clone(),
                alarm_configuration: input.alarm_configuration.clone(),
            },
        )
    } else {
        let b = before.spec.clone();
        (
            input.task_arn.clone().unwrap_or(before.task_arn.clone()),
            input.priority.unwrap_or(before.priority),
            TaskSpec {
                targets: input.targets.clone().unwrap_or(b.targets),
                task_parameters: input.task_parameters.clone().or(b.task_parameters),
                invocation_parameters: input
                    .invocation_parameters
                    .clone()
                    .or(b.invocation_parameters),
                max_concurrency: input.max_concurrency.clone().or(b.max_concurrency),
                max_errors: input.max_errors.clone().or(b.max_errors),
                name: input.name.clone().or(b.name),
                description: input.description.clone().or(b.description),
                cutoff_behavior: input.cutoff_behavior.clone().unwrap_or(b.cutoff_behavior),
                service_role_arn: input.service_role_arn.clone().or(b.service_role_arn),
                logging_info: input.logging_info.clone().or(b.logging_info),
                alarm_configuration: input.alarm_configuration.clone().or(b.alarm_configuration),
            },
        )
    };
    check_task(
        core,
        &input.window_id,
        &task_arn,
        &before.task_type,
        priority,
        &spec,
    )
    .await?;
    let row = TaskRow {
        task_arn,
        priority,
        definition: json("encoding a window task", &spec)?,
        ..old
    };
    store::update_task(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateMaintenanceWindowTask",
        &format!(
            "maintenancewindow/{}/task/{}",
            row.window_id, row.window_task_id
        ),
        Outcome::Success,
        &format!("{} priority {}", row.task_arn, row.priority),
    )
    .await?;
    tx.commit().await?;
    task_info(&row)
}

/// DeregisterTaskFromMaintenanceWindow (operator).
pub async fn deregister_task_from_maintenance_window(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    window_task_id: &str,
) -> ServiceResult<()> {
    core.authorize(
        actor,
        Role::Operator,
        "DeregisterTaskFromMaintenanceWindow",
        &format!("maintenancewindow/{window_id}/task/{window_task_id}"),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::lock_window(&mut *tx, window_id).await? {
        return Err(window_not_found(window_id));
    }
    if !store::delete_task(&mut *tx, window_id, window_task_id).await? {
        return Err(task_not_found(window_id, window_task_id));
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeregisterTaskFromMaintenanceWindow",
        &format!("maintenancewindow/{window_id}/task/{window_task_id}"),
        Outcome::Success,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// DescribeMaintenanceWindowTasks (viewer): filters `WindowTaskId`, `TaskArn`,
/// `Priority`, `TaskType`; by priority; pages of 10–100 (default 50).
pub async fn describe_maintenance_window_tasks(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<TaskInfo>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeMaintenanceWindowTasks",
        &format!("maintenancewindow/{window_id}"),
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("DescribeMaintenanceWindowTasks/{window_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    for f in filters {
        if !matches!(
            f.key.as_str(),
            "WindowTaskId" | "TaskArn" | "Priority" | "TaskType"
        ) {
            return Err(unknown_filter(
                &f.key,
                "WindowTaskId, TaskArn, Priority or TaskType",
            ));
        }
    }
    existing_window(core, window_id).await?;
    let mut out = Vec::new();
    for row in store::tasks(core.db().pool(), window_id).await? {
        let priority = row.priority.to_string();
        let keep = filters.iter().all(|f| {
            let v = match f.key.as_str() {
                "WindowTaskId" => row.window_task_id.as_str(),
                "TaskArn" => row.task_arn.as_str(),
                "Priority" => priority.as_str(),
                _ => row.task_type.as_str(),
            };
            f.values.iter().any(|x| x == v)
        });
        if keep {
            out.push(task_info(&row)?);
        }
    }
    Ok(paging::page_of(out, &scope, offset, limit))
}

// ---------------------------------------------------------------------------------
// Schedules and targets
// ---------------------------------------------------------------------------------

/// The windows whose registered targets select `instance_id` now.
async fn windows_targeting(core: &Core, instance_id: &str) -> ServiceResult<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for t in store::targets(core.db().pool(), None).await? {
        if found.contains(&t.window_id) {
            continue;
        }
        let info = target_info(&t)?;
        let nodes = crate::commands::service::resolve_targets(core, &[], &info.targets).await?;
        if nodes.iter().any(|n| n.instance_id == instance_id) {
            found.insert(t.window_id);
        }
    }
    Ok(found)
}

/// The one node a Targets list of DescribeMaintenanceWindowSchedule or
/// DescribeMaintenanceWindowsForTarget names (`InstanceIds` with one id).
fn one_node(resource_type: &str, targets: &[CommandTarget]) -> ServiceResult<String> {
    if resource_type != "INSTANCE" {
        return Err(ServiceError::invalid_field(
            "resource_type",
            "Bosun has no resource groups: ask with ResourceType INSTANCE.",
        ));
    }
    match targets {
        [t] if t.key == "InstanceIds" && t.values.len() == 1 => Ok(t.values[0].clone()),
        _ => Err(ServiceError::invalid_field(
            "targets",
            "Name one node: Targets=[{Key=InstanceIds,Values=[mi-…]}].",
        )),
    }
}

/// DescribeMaintenanceWindowSchedule (viewer): the upcoming runs of one window, or of
/// every window targeting one node, in time order — within a year, at most 1,000.
/// Filters: `ScheduledBefore`, `ScheduledAfter` (ISO 8601; the latter replaces "now").
#[allow(clippy::too_many_arguments)]
pub async fn describe_maintenance_window_schedule(
    core: &Core,
    actor: &Actor,
    window_id: Option<&str>,
    targets: &[CommandTarget],
    resource_type: Option<&str>,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ScheduledRun>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeMaintenanceWindowSchedule",
        &format!("maintenancewindow/{}", window_id.unwrap_or("*")),
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 1..=i64::from(i32::MAX))?;
    let now = core.now_ms();
    let mut after = now;
    let mut before = now + SCHEDULE_HORIZON_MS;
    for f in filters {
        let [value] = f.values.as_slice() else {
            return Err(ServiceError::validation(format!(
                "The {} filter takes one date.",
                f.key
            )));
        };
        let at = bosun_schedule::parse_date("Filters", value)
            .map_err(schedule_error)
            .map(ms_of)?;
        match f.key.as_str() {
            "ScheduledBefore" => before = before.min(at),
            "ScheduledAfter" => after = after.max(at),
            other => return Err(unknown_filter(other, "ScheduledBefore or ScheduledAfter")),
        }
    }
    let windows: Vec<WindowRow> =
        match (window_id, targets.is_empty()) {
            (Some(id), true) => vec![existing_window(core, id).await?],
            (None, false) => {
                let node = one_node(resource_type.unwrap_or("INSTANCE"), targets)?;
                let ids = windows_targeting(core, &node).await?;
                let mut rows = Vec::new();
                for id in ids {
                    if let Some(w) = store::window(core.db().pool(), &id).await? {
                        rows.push(w);
                    }
                }
                rows
            }
            _ => return Err(ServiceError::validation(
                "Give either WindowId or Targets (with ResourceType), not both and not neither.",
            )),
        };
    let scope = format!(
        "DescribeMaintenanceWindowSchedule/{}/{after}/{before}",
        window_id.unwrap_or("targets")
    );
    let offset = paging::offset_of(&scope, next_token)?;
    let mut runs = Vec::new();
    for w in windows.iter().filter(|w| w.enabled) {
        let ws = window_schedule(&spec_of(w), w.schedule_anchor)?;
        for ts in ws.upcoming(ts_of(after)).take(MAX_SCHEDULED) {
            let at = ms_of(ts);
            if at > before {
                break;
            }
            runs.push(ScheduledRun {
                window_id: w.window_id.clone(),
                name: w.name.clone(),
                execution_time: ws.format(ts),
                at_ms: at,
            });
        }
    }
    runs.sort_by(|a, b| (a.at_ms, &a.window_id).cmp(&(b.at_ms, &b.window_id)));
    runs.truncate(MAX_SCHEDULED);
    Ok(paging::page_of(runs, &scope, offset, limit))
}

/// DescribeMaintenanceWindowsForTarget (viewer): the windows whose registered targets
/// select the node, as `(WindowId, Name)`, by name.
pub async fn describe_maintenance_windows_for_target(
    core: &Core,
    actor: &Actor,
    targets: &[CommandTarget],
    resource_type: &str,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<(String, String)>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeMaintenanceWindowsForTarget",
        "*",
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 1..=i64::from(i32::MAX))?;
    let node = one_node(resource_type, targets)?;
    let scope = format!("DescribeMaintenanceWindowsForTarget/{node}");
    let offset = paging::offset_of(&scope, next_token)?;
    let ids = windows_targeting(core, &node).await?;
    let mut out: Vec<(String, String)> = store::windows(core.db().pool())
        .await?
        .into_iter()
        .filter(|w| ids.contains(&w.window_id))
        .map(|w| (w.window_id, w.name))
        .collect();
    out.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    Ok(paging::page_of(out, &scope, offset, limit))
}

/// Whether a window exists (tagging).
pub async fn window_exists(core: &Core, window_id: &str) -> ServiceResult<bool> {
    Ok(store::window(core.db().pool(), window_id).await?.is_some())
}

// ---------------------------------------------------------------------------------
// Executions
// ---------------------------------------------------------------------------------

pub use super::store::{ExecutionRow, ExecutionTaskRow, InvocationRow};

fn execution_not_found(id: &str) -> ServiceError {
    ServiceError::not_found(format!("Maintenance window execution {id} does not exist."))
        .with_exception("DoesNotExistException")
}

fn in_range(f: &Filter, at: i64) -> ServiceResult<bool> {
    let mut ok = true;
    for v in &f.values {
        let t = bosun_schedule::parse_date("Filters", v)
            .map_err(schedule_error)
            .map(ms_of)?;
        ok &= match f.key.as_str() {
            "ExecutedBefore" => at <= t,
            _ => at >= t,
        };
    }
    Ok(ok)
}

/// DescribeMaintenanceWindowExecutions (viewer): newest first; filters
/// `ExecutedBefore`, `ExecutedAfter` (ISO 8601); pages of 10–100 (default 50).
pub async fn describe_maintenance_window_executions(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ExecutionRow>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeMaintenanceWindowExecutions",
        &format!("maintenancewindow/{window_id}"),
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("DescribeMaintenanceWindowExecutions/{window_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    for f in filters {
        if !matches!(f.key.as_str(), "ExecutedBefore" | "ExecutedAfter") {
            return Err(unknown_filter(&f.key, "ExecutedBefore or ExecutedAfter"));
        }
    }
    let mut out = Vec::new();
    for x in store::executions(core.db().pool(), window_id).await? {
        let mut keep = true;
        for f in filters {
            keep &= in_range(f, x.start_time)?;
        }
        if keep {
            out.push(x);
        }
    }
    Ok(paging::page_of(out, &scope, offset, limit))
}

/// GetMaintenanceWindowExecution (viewer): the execution and its tasks' ids.
pub async fn get_maintenance_window_execution(
    core: &Core,
    actor: &Actor,
    window_execution_id: &str,
) -> ServiceResult<(ExecutionRow, Vec<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetMaintenanceWindowExecution",
        &format!("maintenancewindowexecution/{window_execution_id}"),
    )
    .await?;
    let x = store::execution(core.db().pool(), window_execution_id)
        .await?
        .ok_or_else(|| execution_not_found(window_execution_id))?;
    let tasks = store::execution_tasks(core.db().pool(), window_execution_id)
        .await?
        .into_iter()
        .map(|t| t.task_execution_id)
        .collect();
    Ok((x, tasks))
}

fn status_filter(filters: &[Filter], status: &str) -> ServiceResult<bool> {
    let mut keep = true;
    for f in filters {
        if f.key != "Status" {
            return Err(unknown_filter(&f.key, "Status"));
        }
        keep &= f.values.iter().any(|v| v == status);
    }
    Ok(keep)
}

/// DescribeMaintenanceWindowExecutionTasks (viewer): filter `Status`; by priority.
pub async fn describe_maintenance_window_execution_tasks(
    core: &Core,
    actor: &Actor,
    window_execution_id: &str,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ExecutionTaskRow>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeMaintenanceWindowExecutionTasks",
        &format!("maintenancewindowexecution/{window_execution_id}"),
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("DescribeMaintenanceWindowExecutionTasks/{window_execution_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    store::execution(core.db().pool(), window_execution_id)
        .await?
        .ok_or_else(|| execution_not_found(window_execution_id))?;
    let mut out = Vec::new();
    for t in store::execution_tasks(core.db().pool(), window_execution_id).await? {
        if status_filter(filters, &t.status)? {
            out.push(t);
        }
    }
    Ok(paging::page_of(out, &scope, offset, limit))
}

/// The task of an execution, with its stored spec.
pub async fn get_maintenance_window_execution_task(
    core: &Core,
    actor: &Actor,
    window_execution_id: &str,
    task_execution_id: &str,
) -> ServiceResult<(ExecutionTaskRow, TaskSpec)> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetMaintenanceWindowExecutionTask",
        &format!("maintenancewindowexecution/{window_execution_id}/task/{task_execution_id}"),
    )
    .await?;
    let t = store::execution_tasks(core.db().pool(), window_execution_id)
        .await?
        .into_iter()
        .find(|t| t.task_execution_id == task_execution_id)
        .ok_or_else(|| {
            execution_not_found(&format!("{window_execution_id}/{task_execution_id}"))
        })?;
    let spec = serde_json::from_str(&t.definition)
        .map_err(|e| ServiceError::internal("stored task", &e))?;
    Ok((t, spec))
}

/// DescribeMaintenanceWindowExecutionTaskInvocations (viewer): filter `Status`.
pub async fn describe_maintenance_window_execution_task_invocations(
    core: &Core,
    actor: &Actor,
    window_execution_id: &str,
    task_execution_id: &str,
    filters: &[Filter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<InvocationRow>, Option<String>)> {
    get_maintenance_window_execution_task(core, actor, window_execution_id, task_execution_id)
        .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("DescribeMaintenanceWindowExecutionTaskInvocations/{task_execution_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    let mut out = Vec::new();
    for i in store::invocations(core.db().pool(), task_execution_id).await? {
        if status_filter(filters, &i.status)? {
            out.push(i);
        }
    }
    Ok(paging::page_of(out, &scope, offset, limit))
}

/// GetMaintenanceWindowExecutionTaskInvocation (viewer).
pub async fn get_maintenance_window_execution_task_invocation(
    core: &Core,
    actor: &Actor,
    window_execution_id: &str,
    task_execution_id: &str,
    invocation_id: &str,
) -> ServiceResult<InvocationRow> {
    get_maintenance_window_execution_task(core, actor, window_execution_id, task_execution_id)
        .await?;
    store::invocations(core.db().pool(), task_execution_id)
        .await?
        .into_iter()
        .find(|i| i.invocation_id == invocation_id)
        .ok_or_else(|| execution_not_found(&format!("{task_execution_id}/{invocation_id}")))
}

/// CancelMaintenanceWindowExecution (operator): tasks not started are cancelled and
/// running ones' commands cancelled; the execution ends CANCELLED when they have.
pub async fn cancel_maintenance_window_execution(
    core: &Core,
    actor: &Actor,
    window_execution_id: &str,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Operator,
        "CancelMaintenanceWindowExecution",
        &format!("maintenancewindowexecution/{window_execution_id}"),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let x = store::execution(&mut *tx, window_execution_id)
        .await?
        .ok_or_else(|| execution_not_found(window_execution_id))?;
    if !store::set_execution_status(
        &mut *tx,
        window_execution_id,
        &["PENDING", "IN_PROGRESS"],
        "CANCELLING",
        "Cancelling.",
        None,
    )
    .await?
    {
        return Err(ServiceError::validation(format!(
            "Execution {window_execution_id} is {}: only a pending or running execution can be cancelled.",
            x.status
        )));
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "CancelMaintenanceWindowExecution",
        &format!("maintenancewindowexecution/{window_execution_id}"),
        Outcome::Success,
        &x.window_id,
    )
    .await?;
    tx.commit().await?;
    super::scheduler::advance(core, window_execution_id).await?;
    Ok(window_execution_id.to_string())
}
