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

/// A node's patch state (`instance_patch_states`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateRow {
    pub instance_id: String,
    pub patch_group: String,
    pub baseline_id: String,
    pub snapshot_id: String,
    pub operation: String,
    pub reboot_option: String,
    pub product: String,
    pub operation_start: i64,
    pub operation_end: i64,
    /// installed, installed_other, installed_pending_reboot, installed_rejected,
    /// missing, failed, not_applicable, critical_non_compliant, security_non_compliant,
    /// other_non_compliant — in [`COUNT_COLUMNS`] order.
    pub counts: [i64; 10],
    pub command_id: String,
    pub invocation_id: String,
    pub reported_at: i64,
}

/// The counters of `instance_patch_states`, in [`StateRow::counts`] order.
pub const COUNT_COLUMNS: [&str; 10] = [
    "installed",
    "installed_other",
    "installed_pending_reboot",
    "installed_rejected",
    "missing",
    "failed",
    "not_applicable",
    "critical_non_compliant",
    "security_non_compliant",
    "other_non_compliant",
];

/// One reported patch (`instance_patches`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchRow {
    pub kb_id: String,
    pub title: String,
    pub classification: String,
    pub severity: String,
    pub state: String,
    /// `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `INFORMATIONAL` or `UNSPECIFIED`.
    pub compliance_level: String,
    pub installed_time: Option<i64>,
    pub cve_ids: String,
}

const STATE_COLUMNS: &str = "instance_id, patch_group, baseline_id, snapshot_id, operation, reboot_option, product, operation_start, operation_end, installed, installed_other, installed_pending_reboot, installed_rejected, missing, failed, not_applicable, critical_non_compliant, security_non_compliant, other_non_compliant, command_id, invocation_id, reported_at";

fn state_row(r: &crate::db::Row) -> Result<StateRow, sqlx::Error> {
    let mut counts = [0i64; 10];
    for (i, c) in COUNT_COLUMNS.iter().enumerate() {
        counts[i] = r.try_get(*c)?;
    }
    Ok(StateRow {
        instance_id: r.try_get("instance_id")?,
        patch_group: r.try_get("patch_group")?,
        baseline_id: r.try_get("baseline_id")?,
        snapshot_id: r.try_get("snapshot_id")?,
        operation: r.try_get("operation")?,
        reboot_option: r.try_get("reboot_option")?,
        product: r.try_get("product")?,
        operation_start: r.try_get("operation_start")?,
        operation_end: r.try_get("operation_end")?,
        counts,
        command_id: r.try_get("command_id")?,
        invocation_id: r.try_get("invocation_id")?,
        reported_at: r.try_get("reported_at")?,
    })
}

/// Replaces a node's patch state.
pub async fn put_state(tx: &mut crate::db::Tx, s: &StateRow) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM instance_patch_states WHERE instance_id = $1")
        .bind(&s.instance_id)
        .execute(&mut **tx)
        .await?;
    let slots: Vec<String> = (1..=22).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO instance_patch_states ({STATE_COLUMNS}) VALUES ({})",
        slots.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(&s.instance_id)
        .bind(&s.patch_group)
        .bind(&s.baseline_id)
        .bind(&s.snapshot_id)
        .bind(&s.operation)
        .bind(&s.reboot_option)
        .bind(&s.product)
        .bind(s.operation_start)
        .bind(s.operation_end);
    for c in s.counts {
        q = q.bind(c);
    }
    q.bind(&s.command_id)
        .bind(&s.invocation_id)
        .bind(s.reported_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces a node's reported patches.
pub async fn put_patches(
    tx: &mut crate::db::Tx,
    instance_id: &str,
    patches: &[PatchRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM instance_patches WHERE instance_id = $1")
        .bind(instance_id)
        .execute(&mut **tx)
        .await?;
    const PER_ROW: usize = 9;
    for part in patches.chunks(crate::db::MAX_BINDS / PER_ROW) {
        let values: Vec<String> = (0..part.len())
            .map(|i| {
                let b = i * PER_ROW;
                let slots: Vec<String> = (1..=PER_ROW).map(|k| format!("${}", b + k)).collect();
                format!("({})", slots.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO instance_patches (instance_id, kb_id, title, classification, severity, state, compliance_level, installed_time, cve_ids) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for p in part {
            q = q
                .bind(instance_id)
                .bind(&p.kb_id)
                .bind(&p.title)
                .bind(&p.classification)
                .bind(&p.severity)
                .bind(&p.state)
                .bind(&p.compliance_level)
                .bind(p.installed_time)
                .bind(&p.cve_ids);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The patch states of these nodes (those that have one), by instance id.
pub async fn states_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    instance_ids: &[String],
) -> Result<Vec<StateRow>, sqlx::Error> {
    if instance_ids.is_empty() {
        return Ok(Vec::new());
    }
    let slots: Vec<String> = (1..=instance_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {STATE_COLUMNS} FROM instance_patch_states WHERE instance_id IN ({}) ORDER BY instance_id",
        slots.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in instance_ids {
        q = q.bind(id);
    }
    q.fetch_all(e).await?.iter().map(state_row).collect()
}

/// The patch states reported by the nodes of a patch group, by instance id.
pub async fn states_in_group<'e, E: Executor<'e, Database = Any>>(
    e: E,
    patch_group: &str,
) -> Result<Vec<StateRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {STATE_COLUMNS} FROM instance_patch_states WHERE patch_group = $1 ORDER BY instance_id"
    ))
    .bind(patch_group)
    .fetch_all(e)
    .await?
    .iter()
    .map(state_row)
    .collect()
}

/// A node's reported patches, by KB id.
pub async fn patches_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    instance_id: &str,
) -> Result<Vec<PatchRow>, sqlx::Error> {
    sqlx::query(
        "SELECT kb_id, title, classification, severity, state, compliance_level, installed_time, cve_ids FROM instance_patches \
         WHERE instance_id = $1 ORDER BY kb_id",
    )
    .bind(instance_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(|r| {
        Ok(PatchRow {
            kb_id: r.try_get("kb_id")?,
            title: r.try_get("title")?,
            classification: r.try_get("classification")?,
            severity: r.try_get("severity")?,
            state: r.try_get("state")?,
            compliance_level: r.try_get("compliance_level")?,
            installed_time: r.try_get("installed_time")?,
            cve_ids: r.try_get("cve_ids")?,
        })
    })
    .collect()
}

/// Every node's patch state, by instance id (the console's compliance dashboard).
pub async fn all_states<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<StateRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {STATE_COLUMNS} FROM instance_patch_states ORDER BY instance_id"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(state_row)
    .collect()
}
