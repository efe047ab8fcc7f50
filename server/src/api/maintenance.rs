//! Maintenance Windows operations: windows, their targets and tasks, their schedule.
//! Translation only; the rules are `bosun_core::maintenance` and `bosun_schedule`.

use super::error::ApiError;
use super::ops::{epoch_seconds, output, TagIo, TargetIo};
use bosun_core::maintenance::{
    self, CreateWindow, ExecutionRow, ExecutionTaskRow, Filter, InvocationRow, RegisterTarget,
    RegisterTask, TargetInfo, TaskInfo, TaskSpec, UpdateTarget, UpdateTask, UpdateWindow,
    WindowInfo, WindowSpec,
};
use bosun_core::types::{CommandTarget, Tag};
use bosun_core::{Actor, Core};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Runs `operation` if it is a Maintenance Windows operation.
pub(super) async fn call(
    core: &Core,
    actor: &Actor,
    operation: &str,
    body: Value,
) -> Option<Result<Value, ApiError>> {
    macro_rules! op {
        ($handler:ident) => {
            super::ops::dispatch!(core, actor, body, $handler)
        };
    }
    Some(match operation {
        "CreateMaintenanceWindow" => op!(create_maintenance_window),
        "GetMaintenanceWindow" => op!(get_maintenance_window),
        "UpdateMaintenanceWindow" => op!(update_maintenance_window),
        "DeleteMaintenanceWindow" => op!(delete_maintenance_window),
        "DescribeMaintenanceWindows" => op!(describe_maintenance_windows),
        "RegisterTargetWithMaintenanceWindow" => op!(register_target_with_maintenance_window),
        "UpdateMaintenanceWindowTarget" => op!(update_maintenance_window_target),
        "DeregisterTargetFromMaintenanceWindow" => {
            op!(deregister_target_from_maintenance_window)
        }
        "DescribeMaintenanceWindowTargets" => op!(describe_maintenance_window_targets),
        "RegisterTaskWithMaintenanceWindow" => op!(register_task_with_maintenance_window),
        "GetMaintenanceWindowTask" => op!(get_maintenance_window_task),
        "UpdateMaintenanceWindowTask" => op!(update_maintenance_window_task),
        "DeregisterTaskFromMaintenanceWindow" => op!(deregister_task_from_maintenance_window),
        "DescribeMaintenanceWindowTasks" => op!(describe_maintenance_window_tasks),
        "DescribeMaintenanceWindowSchedule" => op!(describe_maintenance_window_schedule),
        "DescribeMaintenanceWindowsForTarget" => op!(describe_maintenance_windows_for_target),
        "DescribeMaintenanceWindowExecutions" => op!(describe_maintenance_window_executions),
        "GetMaintenanceWindowExecution" => op!(get_maintenance_window_execution),
        "DescribeMaintenanceWindowExecutionTasks" => {
            op!(describe_maintenance_window_execution_tasks)
        }
        "GetMaintenanceWindowExecutionTask" => op!(get_maintenance_window_execution_task),
        "DescribeMaintenanceWindowExecutionTaskInvocations" => {
            op!(describe_maintenance_window_execution_task_invocations)
        }
        "GetMaintenanceWindowExecutionTaskInvocation" => {
            op!(get_maintenance_window_execution_task_invocation)
        }
        "CancelMaintenanceWindowExecution" => op!(cancel_maintenance_window_execution),
        _ => return None,
    })
}

fn service(e: bosun_core::ServiceError) -> ApiError {
    ApiError::from_service(e)
}

fn targets_in(t: Vec<TargetIo>) -> Vec<CommandTarget> {
    t.into_iter().map(CommandTarget::from).collect()
}

fn targets_out(t: Vec<CommandTarget>) -> Vec<TargetIo> {
    t.into_iter().map(TargetIo::from).collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FilterIo {
    key: String,
    #[serde(default)]
    values: Vec<String>,
}

fn filters_in(f: Vec<FilterIo>) -> Vec<Filter> {
    f.into_iter()
        .map(|f| Filter {
            key: f.key,
            values: f.values,
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WindowIdInput {
    window_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowIdOut {
    window_id: String,
}

// --- windows ------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateWindowInput {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
    schedule: String,
    #[serde(default)]
    schedule_timezone: Option<String>,
    #[serde(default)]
    schedule_offset: Option<i32>,
    duration: i32,
    cutoff: i32,
    allow_unassociated_targets: bool,
    #[serde(default)]
    client_token: Option<String>,
    #[serde(default)]
    tags: Vec<TagIo>,
}

async fn create_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: CreateWindowInput,
) -> Result<Value, ApiError> {
    let window_id = maintenance::create_maintenance_window(
        core,
        actor,
        CreateWindow {
            spec: WindowSpec {
                name: i.name,
                description: i.description,
                start_date: i.start_date,
                end_date: i.end_date,
                schedule: i.schedule,
                schedule_timezone: i.schedule_timezone,
                schedule_offset: i.schedule_offset,
                duration: i.duration,
                cutoff: i.cutoff,
                allow_unassociated_targets: i.allow_unassociated_targets,
            },
            client_token: i.client_token,
            tags: i.tags.into_iter().map(Tag::from).collect(),
        },
    )
    .await
    .map_err(service)?;
    output(WindowIdOut { window_id })
}

/// GetMaintenanceWindow's and UpdateMaintenanceWindow's result (Update has no
/// NextExecutionTime, CreatedDate, ModifiedDate).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowOut {
    window_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    schedule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_execution_time: Option<String>,
    duration: i32,
    cutoff: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_unassociated_targets: Option<bool>,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_date: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    modified_date: Option<f64>,
}

fn window_out(w: WindowInfo, full: bool) -> WindowOut {
    WindowOut {
        window_id: w.window_id,
        name: w.spec.name,
        description: w.spec.description,
        start_date: w.spec.start_date,
        end_date: w.spec.end_date,
        schedule: w.spec.schedule,
        schedule_timezone: w.spec.schedule_timezone,
        schedule_offset: w.spec.schedule_offset,
        next_execution_time: if full { w.next_execution_time } else { None },
        duration: w.spec.duration,
        cutoff: w.spec.cutoff,
        allow_unassociated_targets: Some(w.spec.allow_unassociated_targets),
        enabled: w.enabled,
        created_date: full.then(|| epoch_seconds(w.created_date)),
        modified_date: full.then(|| epoch_seconds(w.modified_date)),
    }
}

async fn get_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: WindowIdInput,
) -> Result<Value, ApiError> {
    let w = maintenance::get_maintenance_window(core, actor, &i.window_id)
        .await
        .map_err(service)?;
    output(window_out(w, true))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateWindowInput {
    window_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
    #[serde(default)]
    schedule: Option<String>,
    #[serde(default)]
    schedule_timezone: Option<String>,
    #[serde(default)]
    schedule_offset: Option<i32>,
    #[serde(default)]
    duration: Option<i32>,
    #[serde(default)]
    cutoff: Option<i32>,
    #[serde(default)]
    allow_unassociated_targets: Option<bool>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    replace: Option<bool>,
}

async fn update_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: UpdateWindowInput,
) -> Result<Value, ApiError> {
    let w = maintenance::update_maintenance_window(
        core,
        actor,
        UpdateWindow {
            window_id: i.window_id,
            replace: i.replace.unwrap_or(false),
            name: i.name,
            description: i.description,
            start_date: i.start_date,
            end_date: i.end_date,
            schedule: i.schedule,
            schedule_timezone: i.schedule_timezone,
            schedule_offset: i.schedule_offset,
            duration: i.duration,
            cutoff: i.cutoff,
            allow_unassociated_targets: i.allow_unassociated_targets,
            enabled: i.enabled,
        },
    )
    .await
    .map_err(service)?;
    output(window_out(w, false))
}

async fn delete_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: WindowIdInput,
) -> Result<Value, ApiError> {
    let window_id = maintenance::delete_maintenance_window(core, actor, &i.window_id)
        .await
        .map_err(service)?;
    output(WindowIdOut { window_id })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeWindowsInput {
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowIdentity {
    window_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    enabled: bool,
    duration: i32,
    cutoff: i32,
    schedule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_execution_time: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeWindowsOut {
    window_identities: Vec<WindowIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_windows(
    core: &Core,
    actor: &Actor,
    i: DescribeWindowsInput,
) -> Result<Value, ApiError> {
    let (windows, next_token) = maintenance::describe_maintenance_windows(
        core,
        actor,
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(DescribeWindowsOut {
        window_identities: windows
            .into_iter()
            .map(|w| WindowIdentity {
                window_id: w.window_id,
                name: w.spec.name,
                description: w.spec.description,
                enabled: w.enabled,
                duration: w.spec.duration,
                cutoff: w.spec.cutoff,
                schedule: w.spec.schedule,
                schedule_timezone: w.spec.schedule_timezone,
                schedule_offset: w.spec.schedule_offset,
                end_date: w.spec.end_date,
                start_date: w.spec.start_date,
                next_execution_time: w.next_execution_time,
            })
            .collect(),
        next_token,
    })
}

// --- targets ------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RegisterTargetInput {
    window_id: String,
    resource_type: String,
    #[serde(default)]
    targets: Vec<TargetIo>,
    #[serde(default)]
    owner_information: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowTargetIdOut {
    window_target_id: String,
}

async fn register_target_with_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: RegisterTargetInput,
) -> Result<Value, ApiError> {
    let window_target_id = maintenance::register_target_with_maintenance_window(
        core,
        actor,
        RegisterTarget {
            window_id: i.window_id,
            resource_type: i.resource_type,
            targets: targets_in(i.targets),
            owner_information: i.owner_information,
            name: i.name,
            description: i.description,
            client_token: i.client_token,
        },
    )
    .await
    .map_err(service)?;
    output(WindowTargetIdOut { window_target_id })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TargetOut {
    window_id: String,
    window_target_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_type: Option<String>,
    targets: Vec<TargetIo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_information: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn target_out(t: TargetInfo, with_type: bool) -> TargetOut {
    TargetOut {
        window_id: t.window_id,
        window_target_id: t.window_target_id,
        resource_type: with_type.then_some(t.resource_type),
        targets: targets_out(t.targets),
        owner_information: t.owner_information,
        name: t.name,
        description: t.description,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateTargetInput {
    window_id: String,
    window_target_id: String,
    #[serde(default)]
    targets: Option<Vec<TargetIo>>,
    #[serde(default)]
    owner_information: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    replace: Option<bool>,
}

async fn update_maintenance_window_target(
    core: &Core,
    actor: &Actor,
    i: UpdateTargetInput,
) -> Result<Value, ApiError> {
    let t = maintenance::update_maintenance_window_target(
        core,
        actor,
        UpdateTarget {
            window_id: i.window_id,
            window_target_id: i.window_target_id,
            replace: i.replace.unwrap_or(false),
            targets: i.targets.map(targets_in),
            owner_information: i.owner_information,
            name: i.name,
            description: i.description,
        },
    )
    .await
    .map_err(service)?;
    output(target_out(t, false))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeregisterTargetInput {
    window_id: String,
    window_target_id: String,
    #[serde(default)]
    safe: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowAndTargetOut {
    window_id: String,
    window_target_id: String,
}

async fn deregister_target_from_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: DeregisterTargetInput,
) -> Result<Value, ApiError> {
    maintenance::deregister_target_from_maintenance_window(
        core,
        actor,
        &i.window_id,
        &i.window_target_id,
        i.safe.unwrap_or(false),
    )
    .await
    .map_err(service)?;
    output(WindowAndTargetOut {
        window_id: i.window_id,
        window_target_id: i.window_target_id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInWindowInput {
    window_id: String,
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeTargetsOut {
    targets: Vec<TargetOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_window_targets(
    core: &Core,
    actor: &Actor,
    i: DescribeInWindowInput,
) -> Result<Value, ApiError> {
    let (targets, next_token) = maintenance::describe_maintenance_window_targets(
        core,
        actor,
        &i.window_id,
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(DescribeTargetsOut {
        targets: targets.into_iter().map(|t| target_out(t, true)).collect(),
        next_token,
    })
}

// --- tasks --------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RegisterTaskInput {
    window_id: String,
    #[serde(default)]
    targets: Vec<TargetIo>,
    task_arn: String,
    #[serde(default)]
    service_role_arn: Option<String>,
    task_type: String,
    #[serde(default)]
    task_parameters: Option<Value>,
    #[serde(default)]
    task_invocation_parameters: Option<Value>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    max_concurrency: Option<String>,
    #[serde(default)]
    max_errors: Option<String>,
    #[serde(default)]
    logging_info: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    client_token: Option<String>,
    #[serde(default)]
    cutoff_behavior: Option<String>,
    #[serde(default)]
    alarm_configuration: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowTaskIdOut {
    window_task_id: String,
}

async fn register_task_with_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: RegisterTaskInput,
) -> Result<Value, ApiError> {
    let window_task_id = maintenance::register_task_with_maintenance_window(
        core,
        actor,
        RegisterTask {
            window_id: i.window_id,
            task_arn: i.task_arn,
            task_type: i.task_type,
            priority: i.priority,
            spec: TaskSpec {
                targets: targets_in(i.targets),
                task_parameters: i.task_parameters,
                invocation_parameters: i.task_invocation_parameters,
                max_concurrency: i.max_concurrency,
                max_errors: i.max_errors,
                name: i.name,
                description: i.description,
                cutoff_behavior: i.cutoff_behavior.unwrap_or_default(),
                service_role_arn: i.service_role_arn,
                logging_info: i.logging_info,
                alarm_configuration: i.alarm_configuration,
            },
            client_token: i.client_token,
        },
    )
    .await
    .map_err(service)?;
    output(WindowTaskIdOut { window_task_id })
}

/// A task as GetMaintenanceWindowTask / UpdateMaintenanceWindowTask answer it, and (with
/// `Type` instead of `TaskType`, no invocation parameters) as
/// DescribeMaintenanceWindowTasks lists it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TaskOut {
    window_id: String,
    window_task_id: String,
    task_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_type: Option<String>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    listed_type: Option<String>,
    targets: Vec<TargetIo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_invocation_parameters: Option<Value>,
    priority: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_concurrency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_errors: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logging_info: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    cutoff_behavior: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    alarm_configuration: Option<Value>,
}

fn task_out(t: TaskInfo, listed: bool) -> TaskOut {
    TaskOut {
        window_id: t.window_id,
        window_task_id: t.window_task_id,
        task_arn: t.task_arn,
        task_type: (!listed).then(|| t.task_type.clone()),
        listed_type: listed.then_some(t.task_type),
        targets: targets_out(t.spec.targets),
        task_parameters: t.spec.task_parameters,
        task_invocation_parameters: if listed {
            None
        } else {
            t.spec.invocation_parameters
        },
        priority: t.priority,
        max_concurrency: t.spec.max_concurrency,
        max_errors: t.spec.max_errors,
        logging_info: t.spec.logging_info,
        service_role_arn: t.spec.service_role_arn,
        name: t.spec.name,
        description: t.spec.description,
        cutoff_behavior: t.spec.cutoff_behavior,
        alarm_configuration: t.spec.alarm_configuration,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TaskIdInput {
    window_id: String,
    window_task_id: String,
}

async fn get_maintenance_window_task(
    core: &Core,
    actor: &Actor,
    i: TaskIdInput,
) -> Result<Value, ApiError> {
    let t = maintenance::get_maintenance_window_task(core, actor, &i.window_id, &i.window_task_id)
        .await
        .map_err(service)?;
    output(task_out(t, false))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateTaskInput {
    window_id: String,
    window_task_id: String,
    #[serde(default)]
    targets: Option<Vec<TargetIo>>,
    #[serde(default)]
    task_arn: Option<String>,
    #[serde(default)]
    service_role_arn: Option<String>,
    #[serde(default)]
    task_parameters: Option<Value>,
    #[serde(default)]
    task_invocation_parameters: Option<Value>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    max_concurrency: Option<String>,
    #[serde(default)]
    max_errors: Option<String>,
    #[serde(default)]
    logging_info: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    replace: Option<bool>,
    #[serde(default)]
    cutoff_behavior: Option<String>,
    #[serde(default)]
    alarm_configuration: Option<Value>,
}

async fn update_maintenance_window_task(
    core: &Core,
    actor: &Actor,
    i: UpdateTaskInput,
) -> Result<Value, ApiError> {
    let t = maintenance::update_maintenance_window_task(
        core,
        actor,
        UpdateTask {
            window_id: i.window_id,
            window_task_id: i.window_task_id,
            replace: i.replace.unwrap_or(false),
            task_arn: i.task_arn,
            priority: i.priority,
            targets: i.targets.map(targets_in),
            task_parameters: i.task_parameters,
            invocation_parameters: i.task_invocation_parameters,
            max_concurrency: i.max_concurrency,
            max_errors: i.max_errors,
            name: i.name,
            description: i.description,
            cutoff_behavior: i.cutoff_behavior,
            service_role_arn: i.service_role_arn,
            logging_info: i.logging_info,
            alarm_configuration: i.alarm_configuration,
        },
    )
    .await
    .map_err(service)?;
    output(task_out(t, false))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowAndTaskOut {
    window_id: String,
    window_task_id: String,
}

async fn deregister_task_from_maintenance_window(
    core: &Core,
    actor: &Actor,
    i: TaskIdInput,
) -> Result<Value, ApiError> {
    maintenance::deregister_task_from_maintenance_window(
        core,
        actor,
        &i.window_id,
        &i.window_task_id,
    )
    .await
    .map_err(service)?;
    output(WindowAndTaskOut {
        window_id: i.window_id,
        window_task_id: i.window_task_id,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeTasksOut {
    tasks: Vec<TaskOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_window_tasks(
    core: &Core,
    actor: &Actor,
    i: DescribeInWindowInput,
) -> Result<Value, ApiError> {
    let (tasks, next_token) = maintenance::describe_maintenance_window_tasks(
        core,
        actor,
        &i.window_id,
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(DescribeTasksOut {
        tasks: tasks.into_iter().map(|t| task_out(t, true)).collect(),
        next_token,
    })
}

// --- schedule -----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScheduleInput {
    #[serde(default)]
    window_id: Option<String>,
    #[serde(default)]
    targets: Vec<TargetIo>,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ScheduledOut {
    window_id: String,
    name: String,
    execution_time: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ScheduleOut {
    scheduled_window_executions: Vec<ScheduledOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_window_schedule(
    core: &Core,
    actor: &Actor,
    i: ScheduleInput,
) -> Result<Value, ApiError> {
    let (runs, next_token) = maintenance::describe_maintenance_window_schedule(
        core,
        actor,
        i.window_id.as_deref(),
        &targets_in(i.targets),
        i.resource_type.as_deref(),
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(ScheduleOut {
        scheduled_window_executions: runs
            .into_iter()
            .map(|r| ScheduledOut {
                window_id: r.window_id,
                name: r.name,
                execution_time: r.execution_time,
            })
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ForTargetInput {
    targets: Vec<TargetIo>,
    resource_type: String,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WindowNameOut {
    window_id: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ForTargetOut {
    window_identities: Vec<WindowNameOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_windows_for_target(
    core: &Core,
    actor: &Actor,
    i: ForTargetInput,
) -> Result<Value, ApiError> {
    let (windows, next_token) = maintenance::describe_maintenance_windows_for_target(
        core,
        actor,
        &targets_in(i.targets),
        &i.resource_type,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(ForTargetOut {
        window_identities: windows
            .into_iter()
            .map(|(window_id, name)| WindowNameOut { window_id, name })
            .collect(),
        next_token,
    })
}

// --- executions ---------------------------------------------------------------------

fn seconds(ms: Option<i64>) -> Option<f64> {
    ms.map(epoch_seconds)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionOut {
    window_id: String,
    window_execution_id: String,
    status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    status_details: String,
    start_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<f64>,
}

fn execution_out(x: ExecutionRow) -> ExecutionOut {
    ExecutionOut {
        window_id: x.window_id,
        window_execution_id: x.window_execution_id,
        status: x.status,
        status_details: x.status_details,
        start_time: epoch_seconds(x.start_time),
        end_time: seconds(x.end_time),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionsOut {
    window_executions: Vec<ExecutionOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_window_executions(
    core: &Core,
    actor: &Actor,
    i: DescribeInWindowInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = maintenance::describe_maintenance_window_executions(
        core,
        actor,
        &i.window_id,
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(ExecutionsOut {
        window_executions: rows.into_iter().map(execution_out).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionIdInput {
    window_execution_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetExecutionOut {
    window_execution_id: String,
    task_ids: Vec<String>,
    status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    status_details: String,
    start_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<f64>,
}

async fn get_maintenance_window_execution(
    core: &Core,
    actor: &Actor,
    i: ExecutionIdInput,
) -> Result<Value, ApiError> {
    let (x, task_ids) =
        maintenance::get_maintenance_window_execution(core, actor, &i.window_execution_id)
            .await
            .map_err(service)?;
    output(GetExecutionOut {
        window_execution_id: x.window_execution_id,
        task_ids,
        status: x.status,
        status_details: x.status_details,
        start_time: epoch_seconds(x.start_time),
        end_time: seconds(x.end_time),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionListInput {
    window_execution_id: String,
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionTaskIdentity {
    window_execution_id: String,
    task_execution_id: String,
    status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    status_details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<f64>,
    task_arn: String,
    task_type: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionTasksOut {
    window_execution_task_identities: Vec<ExecutionTaskIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_window_execution_tasks(
    core: &Core,
    actor: &Actor,
    i: ExecutionListInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = maintenance::describe_maintenance_window_execution_tasks(
        core,
        actor,
        &i.window_execution_id,
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(ExecutionTasksOut {
        window_execution_task_identities: rows
            .into_iter()
            .map(|t: ExecutionTaskRow| ExecutionTaskIdentity {
                window_execution_id: t.window_execution_id,
                task_execution_id: t.task_execution_id,
                status: t.status,
                status_details: t.status_details,
                start_time: seconds(t.start_time),
                end_time: seconds(t.end_time),
                task_arn: t.task_arn,
                task_type: t.task_type,
            })
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionTaskInput {
    window_execution_id: String,
    task_id: String,
    #[serde(default)]
    invocation_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionTaskOut {
    window_execution_id: String,
    task_execution_id: String,
    task_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_role: Option<String>,
    #[serde(rename = "Type")]
    task_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    task_parameters: Vec<Value>,
    priority: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_concurrency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_errors: Option<String>,
    status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    status_details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alarm_configuration: Option<Value>,
}

async fn get_maintenance_window_execution_task(
    core: &Core,
    actor: &Actor,
    i: ExecutionTaskInput,
) -> Result<Value, ApiError> {
    let (t, spec) = maintenance::get_maintenance_window_execution_task(
        core,
        actor,
        &i.window_execution_id,
        &i.task_id,
    )
    .await
    .map_err(service)?;
    output(ExecutionTaskOut {
        window_execution_id: t.window_execution_id,
        task_execution_id: t.task_execution_id,
        task_arn: t.task_arn,
        service_role: spec.service_role_arn,
        task_type: t.task_type,
        task_parameters: spec.task_parameters.into_iter().collect(),
        priority: t.priority,
        max_concurrency: spec.max_concurrency,
        max_errors: spec.max_errors,
        status: t.status,
        status_details: t.status_details,
        start_time: seconds(t.start_time),
        end_time: seconds(t.end_time),
        alarm_configuration: spec.alarm_configuration,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InvocationOut {
    window_execution_id: String,
    task_execution_id: String,
    invocation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution_id: Option<String>,
    task_type: String,
    parameters: String,
    status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    status_details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_information: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window_target_id: Option<String>,
}

fn invocation_out(i: InvocationRow) -> InvocationOut {
    InvocationOut {
        window_execution_id: i.window_execution_id,
        task_execution_id: i.task_execution_id,
        invocation_id: i.invocation_id,
        execution_id: i.execution_id,
        task_type: i.task_type,
        parameters: i.parameters,
        status: i.status,
        status_details: i.status_details,
        start_time: seconds(i.start_time),
        end_time: seconds(i.end_time),
        owner_information: i.owner_information,
        window_target_id: i.window_target_id,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InvocationsOut {
    window_execution_task_invocation_identities: Vec<InvocationOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_maintenance_window_execution_task_invocations(
    core: &Core,
    actor: &Actor,
    i: ExecutionListInput,
) -> Result<Value, ApiError> {
    let task_id = i.task_id.unwrap_or_default();
    let (rows, next_token) = maintenance::describe_maintenance_window_execution_task_invocations(
        core,
        actor,
        &i.window_execution_id,
        &task_id,
        &filters_in(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(InvocationsOut {
        window_execution_task_invocation_identities: rows.into_iter().map(invocation_out).collect(),
        next_token,
    })
}

async fn get_maintenance_window_execution_task_invocation(
    core: &Core,
    actor: &Actor,
    i: ExecutionTaskInput,
) -> Result<Value, ApiError> {
    let row = maintenance::get_maintenance_window_execution_task_invocation(
        core,
        actor,
        &i.window_execution_id,
        &i.task_id,
        i.invocation_id.as_deref().unwrap_or_default(),
    )
    .await
    .map_err(service)?;
    output(invocation_out(row))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CancelOut {
    window_execution_id: String,
}

async fn cancel_maintenance_window_execution(
    core: &Core,
    actor: &Actor,
    i: ExecutionIdInput,
) -> Result<Value, ApiError> {
    let window_execution_id =
        maintenance::cancel_maintenance_window_execution(core, actor, &i.window_execution_id)
            .await
            .map_err(service)?;
    output(CancelOut {
        window_execution_id,
    })
}
