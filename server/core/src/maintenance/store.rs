//! SQL for maintenance windows, their targets and tasks.

use sqlx::{Any, Executor, Row as _};

/// A window's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowRow {
    pub window_id: String,
    pub name: String,
    pub description: Option<String>,
    pub schedule: String,
    pub schedule_timezone: Option<String>,
    pub schedule_offset: Option<i32>,
    pub duration: i32,
    pub cutoff: i32,
    pub allow_unassociated_targets: bool,
    pub enabled: bool,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub schedule_anchor: i64,
    pub next_execution_at: Option<i64>,
    pub client_token: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: i64,
    pub modified_at: i64,
}

/// A registered target's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRow {
    pub window_target_id: String,
    pub window_id: String,
    pub resource_type: String,
    /// `Vec<CommandTarget>` as JSON.
    pub targets: String,
    pub owner_information: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub client_token: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: i64,
}

/// A registered task's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    pub window_task_id: String,
    pub window_id: String,
    pub task_arn: String,
    pub task_type: String,
    pub priority: i64,
    /// `TaskSpec` as JSON.
    pub definition: String,
    pub client_token: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: i64,
}

const WINDOW_COLUMNS: &str = "window_id, name, description, schedule, schedule_timezone, \
     schedule_offset, duration, cutoff, allow_unassociated_targets, enabled, start_date, \
     end_date, schedule_anchor, next_execution_at, client_token, request_hash, created_at, \
     modified_at";
const TARGET_COLUMNS: &str = "window_target_id, window_id, resource_type, targets, \
     owner_information, name, description, client_token, request_hash, created_at";
const TASK_COLUMNS: &str = "window_task_id, window_id, task_arn, task_type, priority, \
     definition, client_token, request_hash, created_at";

fn window_row(r: &crate::db::Row) -> Result<WindowRow, sqlx::Error> {
    let offset: Option<i64> = r.try_get("schedule_offset")?;
    let duration: i64 = r.try_get("duration")?;
    let cutoff: i64 = r.try_get("cutoff")?;
    Ok(WindowRow {
        window_id: r.try_get("window_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        schedule: r.try_get("schedule")?,
        schedule_timezone: r.try_get("schedule_timezone")?,
        schedule_offset: offset.map(|o| o as i32),
        duration: duration as i32,
        cutoff: cutoff as i32,
        allow_unassociated_targets: r.try_get::<i64, _>("allow_unassociated_targets")? != 0,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        start_date: r.try_get("start_date")?,
        end_date: r.try_get("end_date")?,
        schedule_anchor: r.try_get("schedule_anchor")?,
        next_execution_at: r.try_get("next_execution_at")?,
        client_token: r.try_get("client_token")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
        modified_at: r.try_get("modified_at")?,
    })
}

fn target_row(r: &crate::db::Row) -> Result<TargetRow, sqlx::Error> {
    Ok(TargetRow {
        window_target_id: r.try_get("window_target_id")?,
        window_id: r.try_get("window_id")?,
        resource_type: r.try_get("resource_type")?,
        targets: r.try_get("targets")?,
        owner_information: r.try_get("owner_information")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        client_token: r.try_get("client_token")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
    })
}

fn task_row(r: &crate::db::Row) -> Result<TaskRow, sqlx::Error> {
    Ok(TaskRow {
        window_task_id: r.try_get("window_task_id")?,
        window_id: r.try_get("window_id")?,
        task_arn: r.try_get("task_arn")?,
        task_type: r.try_get("task_type")?,
        priority: r.try_get("priority")?,
        definition: r.try_get("definition")?,
        client_token: r.try_get("client_token")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert_window<'e, E: Executor<'e, Database = Any>>(
    e: E,
    w: &WindowRow,
    created_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO maintenance_windows ({WINDOW_COLUMNS}, created_by) VALUES ($1, $2, $3, $4, \
         $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    ))
    .bind(&w.window_id)
    .bind(&w.name)
    .bind(&w.description)
    .bind(&w.schedule)
    .bind(&w.schedule_timezone)
    .bind(w.schedule_offset.map(i64::from))
    .bind(i64::from(w.duration))
    .bind(i64::from(w.cutoff))
    .bind(i64::from(w.allow_unassociated_targets))
    .bind(i64::from(w.enabled))
    .bind(&w.start_date)
    .bind(&w.end_date)
    .bind(w.schedule_anchor)
    .bind(w.next_execution_at)
    .bind(&w.client_token)
    .bind(&w.request_hash)
    .bind(w.created_at)
    .bind(w.modified_at)
    .bind(created_by)
    .execute(e)
    .await?;
    Ok(())
}

/// Writes every changeable field of a window (the id, token and creation stay).
pub async fn update_window<'e, E: Executor<'e, Database = Any>>(
    e: E,
    w: &WindowRow,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE maintenance_windows SET name = $1, description = $2, schedule = $3, \
         schedule_timezone = $4, schedule_offset = $5, duration = $6, cutoff = $7, \
         allow_unassociated_targets = $8, enabled = $9, start_date = $10, end_date = $11, \
         schedule_anchor = $12, next_execution_at = $13, modified_at = $14 WHERE window_id = $15",
    )
    .bind(&w.name)
    .bind(&w.description)
    .bind(&w.schedule)
    .bind(&w.schedule_timezone)
    .bind(w.schedule_offset.map(i64::from))
    .bind(i64::from(w.duration))
    .bind(i64::from(w.cutoff))
    .bind(i64::from(w.allow_unassociated_targets))
    .bind(i64::from(w.enabled))
    .bind(&w.start_date)
    .bind(&w.end_date)
    .bind(w.schedule_anchor)
    .bind(w.next_execution_at)
    .bind(w.modified_at)
    .bind(&w.window_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn window<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
) -> Result<Option<WindowRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {WINDOW_COLUMNS} FROM maintenance_windows WHERE window_id = $1"
    ))
    .bind(window_id)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(window_row)
    .transpose()
}

pub async fn window_by_client_token<'e, E: Executor<'e, Database = Any>>(
    e: E,
    token: &str,
) -> Result<Option<WindowRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {WINDOW_COLUMNS} FROM maintenance_windows WHERE client_token = $1"
    ))
    .bind(token)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(window_row)
    .transpose()
}

/// Every window, by name then id.
pub async fn windows<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<WindowRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {WINDOW_COLUMNS} FROM maintenance_windows ORDER BY name, window_id"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(window_row)
    .collect()
}

pub async fn count_windows<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM maintenance_windows")
        .fetch_one(e)
        .await
}

/// Takes the write lock on a window's row for the rest of the transaction (a no-op
/// update: PostgreSQL locks the row, SQLite the database). Returns whether it exists.
pub async fn lock_window<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE maintenance_windows SET modified_at = modified_at WHERE window_id = $1",
    )
    .bind(window_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Deletes a window with its targets and tasks.
pub async fn delete_window(tx: &mut crate::db::Tx, window_id: &str) -> Result<bool, sqlx::Error> {
    for table in ["maintenance_window_targets", "maintenance_window_tasks"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE window_id = $1"))
            .bind(window_id)
            .execute(&mut **tx)
            .await?;
    }
    let r = sqlx::query("DELETE FROM maintenance_windows WHERE window_id = $1")
        .bind(window_id)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_target<'e, E: Executor<'e, Database = Any>>(
    e: E,
    t: &TargetRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO maintenance_window_targets ({TARGET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, \
         $6, $7, $8, $9, $10)"
    ))
    .bind(&t.window_target_id)
    .bind(&t.window_id)
    .bind(&t.resource_type)
    .bind(&t.targets)
    .bind(&t.owner_information)
    .bind(&t.name)
    .bind(&t.description)
    .bind(&t.client_token)
    .bind(&t.request_hash)
    .bind(t.created_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn update_target<'e, E: Executor<'e, Database = Any>>(
    e: E,
    t: &TargetRow,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE maintenance_window_targets SET targets = $1, owner_information = $2, name = $3, \
         description = $4 WHERE window_target_id = $5 AND window_id = $6",
    )
    .bind(&t.targets)
    .bind(&t.owner_information)
    .bind(&t.name)
    .bind(&t.description)
    .bind(&t.window_target_id)
    .bind(&t.window_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn target<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
    window_target_id: &str,
) -> Result<Option<TargetRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {TARGET_COLUMNS} FROM maintenance_window_targets WHERE window_id = $1 AND \
         window_target_id = $2"
    ))
    .bind(window_id)
    .bind(window_target_id)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(target_row)
    .transpose()
}

pub async fn target_by_client_token<'e, E: Executor<'e, Database = Any>>(
    e: E,
    token: &str,
) -> Result<Option<TargetRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {TARGET_COLUMNS} FROM maintenance_window_targets WHERE client_token = $1"
    ))
    .bind(token)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(target_row)
    .transpose()
}

/// A window's targets in registration order (`None`: every window's).
pub async fn targets<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: Option<&str>,
) -> Result<Vec<TargetRow>, sqlx::Error> {
    let rows = match window_id {
        Some(w) => {
            sqlx::query(&format!(
                "SELECT {TARGET_COLUMNS} FROM maintenance_window_targets WHERE window_id = $1 \
             ORDER BY created_at, window_target_id"
            ))
            .bind(w)
            .fetch_all(e)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {TARGET_COLUMNS} FROM maintenance_window_targets ORDER BY window_id, \
             created_at, window_target_id"
            ))
            .fetch_all(e)
            .await?
        }
    };
    rows.iter().map(target_row).collect()
}

pub async fn count_targets<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM maintenance_window_targets WHERE window_id = $1")
        .bind(window_id)
        .fetch_one(e)
        .await
}

pub async fn delete_target<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
    window_target_id: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "DELETE FROM maintenance_window_targets WHERE window_id = $1 AND window_target_id = $2",
    )
    .bind(window_id)
    .bind(window_target_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_task<'e, E: Executor<'e, Database = Any>>(
    e: E,
    t: &TaskRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO maintenance_window_tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, \
         $7, $8, $9)"
    ))
    .bind(&t.window_task_id)
    .bind(&t.window_id)
    .bind(&t.task_arn)
    .bind(&t.task_type)
    .bind(t.priority)
    .bind(&t.definition)
    .bind(&t.client_token)
    .bind(&t.request_hash)
    .bind(t.created_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn update_task<'e, E: Executor<'e, Database = Any>>(
    e: E,
    t: &TaskRow,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE maintenance_window_tasks SET task_arn = $1, priority = $2, definition = $3 \
         WHERE window_task_id = $4 AND window_id = $5",
    )
    .bind(&t.task_arn)
    .bind(t.priority)
    .bind(&t.definition)
    .bind(&t.window_task_id)
    .bind(&t.window_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn task<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
    window_task_id: &str,
) -> Result<Option<TaskRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM maintenance_window_tasks WHERE window_id = $1 AND \
         window_task_id = $2"
    ))
    .bind(window_id)
    .bind(window_task_id)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(task_row)
    .transpose()
}

pub async fn task_by_client_token<'e, E: Executor<'e, Database = Any>>(
    e: E,
    token: &str,
) -> Result<Option<TaskRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM maintenance_window_tasks WHERE client_token = $1"
    ))
    .bind(token)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(task_row)
    .transpose()
}

/// A window's tasks by priority (lower first), then registration.
pub async fn tasks<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM maintenance_window_tasks WHERE window_id = $1 ORDER BY \
         priority, created_at, window_task_id"
    ))
    .bind(window_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(task_row)
    .collect()
}

pub async fn count_tasks<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM maintenance_window_tasks WHERE window_id = $1")
        .bind(window_id)
        .fetch_one(e)
        .await
}

pub async fn delete_task<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
    window_task_id: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "DELETE FROM maintenance_window_tasks WHERE window_id = $1 AND window_task_id = $2",
    )
    .bind(window_id)
    .bind(window_task_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------
// Executions
// ---------------------------------------------------------------------------------

/// An execution of a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionRow {
    pub window_execution_id: String,
    pub window_id: String,
    pub scheduled_at: i64,
    pub status: String,
    pub status_details: String,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub cutoff_at: i64,
    pub ends_at: i64,
}

/// A task of an execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionTaskRow {
    pub task_execution_id: String,
    pub window_execution_id: String,
    pub window_task_id: String,
    pub task_arn: String,
    pub task_type: String,
    pub priority: i64,
    pub status: String,
    pub status_details: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    /// The task's `TaskSpec` as it was when the execution started.
    pub definition: String,
}

/// One node's run of an execution's task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvocationRow {
    pub invocation_id: String,
    pub window_execution_id: String,
    pub task_execution_id: String,
    pub resource_id: String,
    /// The Run Command command, once sent.
    pub execution_id: Option<String>,
    pub task_type: String,
    /// The parameters sent (JSON), pseudo-parameters replaced.
    pub parameters: String,
    pub status: String,
    pub status_details: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub owner_information: Option<String>,
    pub window_target_id: Option<String>,
}

const EXECUTION_COLUMNS: &str = "window_execution_id, window_id, scheduled_at, status, \
     status_details, start_time, end_time, cutoff_at, ends_at";
const EXECUTION_TASK_COLUMNS: &str = "task_execution_id, window_execution_id, window_task_id, \
     task_arn, task_type, priority, status, status_details, start_time, end_time, definition";
const INVOCATION_COLUMNS: &str = "invocation_id, window_execution_id, task_execution_id, \
     resource_id, execution_id, task_type, parameters, status, status_details, start_time, \
     end_time, owner_information, window_target_id";

/// The statuses of executions, tasks and invocations that are not over.
pub const OPEN: [&str; 3] = ["PENDING", "IN_PROGRESS", "CANCELLING"];

fn execution_row(r: &crate::db::Row) -> Result<ExecutionRow, sqlx::Error> {
    Ok(ExecutionRow {
        window_execution_id: r.try_get("window_execution_id")?,
        window_id: r.try_get("window_id")?,
        scheduled_at: r.try_get("scheduled_at")?,
        status: r.try_get("status")?,
        status_details: r.try_get("status_details")?,
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        cutoff_at: r.try_get("cutoff_at")?,
        ends_at: r.try_get("ends_at")?,
    })
}

fn execution_task_row(r: &crate::db::Row) -> Result<ExecutionTaskRow, sqlx::Error> {
    Ok(ExecutionTaskRow {
        task_execution_id: r.try_get("task_execution_id")?,
        window_execution_id: r.try_get("window_execution_id")?,
        window_task_id: r.try_get("window_task_id")?,
        task_arn: r.try_get("task_arn")?,
        task_type: r.try_get("task_type")?,
        priority: r.try_get("priority")?,
        status: r.try_get("status")?,
        status_details: r.try_get("status_details")?,
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        definition: r.try_get("definition")?,
    })
}

fn invocation_row(r: &crate::db::Row) -> Result<InvocationRow, sqlx::Error> {
    Ok(InvocationRow {
        invocation_id: r.try_get("invocation_id")?,
        window_execution_id: r.try_get("window_execution_id")?,
        task_execution_id: r.try_get("task_execution_id")?,
        resource_id: r.try_get("resource_id")?,
        execution_id: r.try_get("execution_id")?,
        task_type: r.try_get("task_type")?,
        parameters: r.try_get("parameters")?,
        status: r.try_get("status")?,
        status_details: r.try_get("status_details")?,
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        owner_information: r.try_get("owner_information")?,
        window_target_id: r.try_get("window_target_id")?,
    })
}

/// Windows whose next run is due at `now`: `(window_id, next_execution_at)`.
pub async fn due_windows<'e, E: Executor<'e, Database = Any>>(
    e: E,
    now: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT window_id, next_execution_at FROM maintenance_windows WHERE \
         next_execution_at IS NOT NULL AND next_execution_at <= $1 ORDER BY next_execution_at",
    )
    .bind(now)
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("window_id")?, r.try_get("next_execution_at")?)))
        .collect()
}

/// Moves a window's pointer from `due` to `next`; false when another replica (or an
/// update) moved it first.
pub async fn advance_window<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
    due: i64,
    next: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE maintenance_windows SET next_execution_at = $1 WHERE window_id = $2 AND \
         next_execution_at = $3",
    )
    .bind(next)
    .bind(window_id)
    .bind(due)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_execution<'e, E: Executor<'e, Database = Any>>(
    e: E,
    x: &ExecutionRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO maintenance_window_executions ({EXECUTION_COLUMNS}) VALUES ($1, $2, $3, \
         $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&x.window_execution_id)
    .bind(&x.window_id)
    .bind(x.scheduled_at)
    .bind(&x.status)
    .bind(&x.status_details)
    .bind(x.start_time)
    .bind(x.end_time)
    .bind(x.cutoff_at)
    .bind(x.ends_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn insert_execution_task<'e, E: Executor<'e, Database = Any>>(
    e: E,
    t: &ExecutionTaskRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO maintenance_window_execution_tasks ({EXECUTION_TASK_COLUMNS}) VALUES ($1, \
         $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&t.task_execution_id)
    .bind(&t.window_execution_id)
    .bind(&t.window_task_id)
    .bind(&t.task_arn)
    .bind(&t.task_type)
    .bind(t.priority)
    .bind(&t.status)
    .bind(&t.status_details)
    .bind(t.start_time)
    .bind(t.end_time)
    .bind(&t.definition)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn insert_invocation<'e, E: Executor<'e, Database = Any>>(
    e: E,
    i: &InvocationRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO maintenance_window_execution_task_invocations ({INVOCATION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&i.invocation_id)
    .bind(&i.window_execution_id)
    .bind(&i.task_execution_id)
    .bind(&i.resource_id)
    .bind(&i.execution_id)
    .bind(&i.task_type)
    .bind(&i.parameters)
    .bind(&i.status)
    .bind(&i.status_details)
    .bind(i.start_time)
    .bind(i.end_time)
    .bind(&i.owner_information)
    .bind(&i.window_target_id)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn execution<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<ExecutionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {EXECUTION_COLUMNS} FROM maintenance_window_executions WHERE \
         window_execution_id = $1"
    ))
    .bind(id)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(execution_row)
    .transpose()
}

/// A window's executions, newest first.
pub async fn executions<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_id: &str,
) -> Result<Vec<ExecutionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {EXECUTION_COLUMNS} FROM maintenance_window_executions WHERE window_id = $1 \
         ORDER BY start_time DESC, window_execution_id"
    ))
    .bind(window_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(execution_row)
    .collect()
}

/// Executions that are not over (every window), oldest first.
pub async fn open_executions<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<ExecutionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {EXECUTION_COLUMNS} FROM maintenance_window_executions WHERE status IN \
         ('PENDING', 'IN_PROGRESS', 'CANCELLING') ORDER BY start_time"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(execution_row)
    .collect()
}

pub async fn execution_tasks<'e, E: Executor<'e, Database = Any>>(
    e: E,
    window_execution_id: &str,
) -> Result<Vec<ExecutionTaskRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {EXECUTION_TASK_COLUMNS} FROM maintenance_window_execution_tasks WHERE \
         window_execution_id = $1 ORDER BY priority, task_execution_id"
    ))
    .bind(window_execution_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(execution_task_row)
    .collect()
}

pub async fn invocations<'e, E: Executor<'e, Database = Any>>(
    e: E,
    task_execution_id: &str,
) -> Result<Vec<InvocationRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {INVOCATION_COLUMNS} FROM maintenance_window_execution_task_invocations WHERE \
         task_execution_id = $1 ORDER BY resource_id, invocation_id"
    ))
    .bind(task_execution_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(invocation_row)
    .collect()
}

/// `'A', 'B'` for an `IN (…)` of fixed status names (never user input).
fn quoted(statuses: &[&str]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Moves an execution from one of `from` to `to` (with its details, and its end time
/// when over); false when it was not in `from` (someone else moved it).
pub async fn set_execution_status<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    from: &[&str],
    to: &str,
    details: &str,
    end_time: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let list = quoted(from);
    let r = sqlx::query(&format!(
        "UPDATE maintenance_window_executions SET status = $1, status_details = $2, end_time = \
         $3 WHERE window_execution_id = $4 AND status IN ({list})"
    ))
    .bind(to)
    .bind(details)
    .bind(end_time)
    .bind(id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// As [`set_execution_status`], for an execution's task (`start_time` set when given).
pub async fn set_task_status<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    from: &[&str],
    to: &str,
    details: &str,
    start_time: Option<i64>,
    end_time: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let list = quoted(from);
    let r = sqlx::query(&format!(
        "UPDATE maintenance_window_execution_tasks SET status = $1, status_details = $2, \
         start_time = COALESCE($3, start_time), end_time = $4 WHERE task_execution_id = $5 AND \
         status IN ({list})"
    ))
    .bind(to)
    .bind(details)
    .bind(start_time)
    .bind(end_time)
    .bind(id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// As [`set_execution_status`], for an invocation (`execution_id` set when given).
#[allow(clippy::too_many_arguments)]
pub async fn set_invocation_status<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    from: &[&str],
    to: &str,
    details: &str,
    execution_id: Option<&str>,
    start_time: Option<i64>,
    end_time: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let list = quoted(from);
    let r = sqlx::query(&format!(
        "UPDATE maintenance_window_execution_task_invocations SET status = $1, status_details = \
         $2, execution_id = COALESCE($3, execution_id), start_time = COALESCE($4, start_time), \
         end_time = $5 WHERE invocation_id = $6 AND status IN ({list})"
    ))
    .bind(to)
    .bind(details)
    .bind(execution_id)
    .bind(start_time)
    .bind(end_time)
    .bind(id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}
