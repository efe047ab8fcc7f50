//! SQL for custom patch baselines, default registrations and patch groups.

use sqlx::{Any, Executor, Row as _};

/// A custom baseline's row.
#[derive(Clone, Debug)]
pub struct BaselineRow {
    pub baseline_id: String,
    pub name: String,
    pub operating_system: String,
    /// `bosun_patch::PatchBaseline` as JSON.
    pub definition: String,
    pub client_token: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: i64,
    pub modified_at: i64,
}

/// A patch group's registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub patch_group: String,
    pub operating_system: String,
    pub baseline_id: String,
}

const COLUMNS: &str = "baseline_id, name, operating_system, definition, client_token, request_hash, created_at, modified_at";

fn baseline_row(r: &crate::db::Row) -> Result<BaselineRow, sqlx::Error> {
    Ok(BaselineRow {
        baseline_id: r.try_get("baseline_id")?,
        name: r.try_get("name")?,
        operating_system: r.try_get("operating_system")?,
        definition: r.try_get("definition")?,
        client_token: r.try_get("client_token")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
        modified_at: r.try_get("modified_at")?,
    })
}

fn group_row(r: &crate::db::Row) -> Result<GroupRow, sqlx::Error> {
    Ok(GroupRow {
        patch_group: r.try_get("patch_group")?,
        operating_system: r.try_get("operating_system")?,
        baseline_id: r.try_get("baseline_id")?,
    })
}

pub async fn insert_baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    b: &BaselineRow,
    created_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO patch_baselines ({COLUMNS}, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&b.baseline_id)
    .bind(&b.name)
    .bind(&b.operating_system)
    .bind(&b.definition)
    .bind(&b.client_token)
    .bind(&b.request_hash)
    .bind(b.created_at)
    .bind(b.modified_at)
    .bind(created_by)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
) -> Result<Option<BaselineRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM patch_baselines WHERE baseline_id = $1"
    ))
    .bind(baseline_id)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(baseline_row)
    .transpose()
}

pub async fn baseline_by_client_token<'e, E: Executor<'e, Database = Any>>(
    e: E,
    client_token: &str,
) -> Result<Option<BaselineRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM patch_baselines WHERE client_token = $1"
    ))
    .bind(client_token)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(baseline_row)
    .transpose()
}

/// Every custom baseline, by name (an account holds at most 50).
pub async fn baselines<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<BaselineRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM patch_baselines ORDER BY name, baseline_id"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(baseline_row)
    .collect()
}

pub async fn count_baselines<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM patch_baselines")
        .fetch_one(e)
        .await
}

/// Takes the write lock on a baseline's row for the rest of the transaction (a no-op
/// update: PostgreSQL locks the row, SQLite the database). Returns whether it exists.
pub async fn lock_baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
) -> Result<bool, sqlx::Error> {
    let r =
        sqlx::query("UPDATE patch_baselines SET modified_at = modified_at WHERE baseline_id = $1")
            .bind(baseline_id)
            .execute(e)
            .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn update_baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
    name: &str,
    definition: &str,
    modified_at: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE patch_baselines SET name = $1, definition = $2, modified_at = $3 WHERE baseline_id = $4",
    )
    .bind(name)
    .bind(definition)
    .bind(modified_at)
    .bind(baseline_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM patch_baselines WHERE baseline_id = $1")
        .bind(baseline_id)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The baseline registered as default for `operating_system`, if any.
pub async fn default_baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    operating_system: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT baseline_id FROM patch_default_baselines WHERE operating_system = $1",
    )
    .bind(operating_system)
    .fetch_optional(e)
    .await
}

/// Every registered default: (operating system, baseline id).
pub async fn default_baselines<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT operating_system, baseline_id FROM patch_default_baselines")
        .fetch_all(e)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("operating_system")?, r.try_get("baseline_id")?)))
        .collect()
}

pub async fn set_default_baseline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    operating_system: &str,
    baseline_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO patch_default_baselines (operating_system, baseline_id, registered_at) VALUES ($1, $2, $3) \
         ON CONFLICT (operating_system) DO UPDATE SET baseline_id = excluded.baseline_id, registered_at = excluded.registered_at",
    )
    .bind(operating_system)
    .bind(baseline_id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// Registers a group; a unique violation means the group already has a baseline for
/// this operating system.
pub async fn insert_group<'e, E: Executor<'e, Database = Any>>(
    e: E,
    g: &GroupRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO patch_groups (patch_group, operating_system, baseline_id, registered_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&g.patch_group)
    .bind(&g.operating_system)
    .bind(&g.baseline_id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn delete_group<'e, E: Executor<'e, Database = Any>>(
    e: E,
    patch_group: &str,
    baseline_id: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM patch_groups WHERE patch_group = $1 AND baseline_id = $2")
        .bind(patch_group)
        .bind(baseline_id)
        .execute(e)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The registration of `patch_group` for `operating_system`.
pub async fn group<'e, E: Executor<'e, Database = Any>>(
    e: E,
    patch_group: &str,
    operating_system: &str,
) -> Result<Option<GroupRow>, sqlx::Error> {
    sqlx::query(
        "SELECT patch_group, operating_system, baseline_id FROM patch_groups WHERE patch_group = $1 AND operating_system = $2",
    )
    .bind(patch_group)
    .bind(operating_system)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(group_row)
    .transpose()
}

/// The groups registered with a baseline, sorted.
pub async fn groups_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT patch_group FROM patch_groups WHERE baseline_id = $1 ORDER BY patch_group",
    )
    .bind(baseline_id)
    .fetch_all(e)
    .await
}

/// Every registration, by group then operating system.
pub async fn groups<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query(
        "SELECT patch_group, operating_system, baseline_id FROM patch_groups ORDER BY patch_group, operating_system",
    )
    .fetch_all(e)
    .await?
    .iter()
    .map(group_row)
    .collect()
}

/// The operating systems a baseline is the registered default for.
pub async fn defaults_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT operating_system FROM patch_default_baselines WHERE baseline_id = $1 ORDER BY operating_system",
    )
    .bind(baseline_id)
    .fetch_all(e)
    .await
}
