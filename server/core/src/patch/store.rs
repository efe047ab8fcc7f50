//! SQL for custom patch baselines, default registrations and patch groups, and for the
//! nodes' patch states and reported patches (with the fleet-wide reads of the console
//! and the effective patches).

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
    /// The end of the last Install with NoReboot (kept across later operations by
    /// [`put_state`] when this report is not one).
    pub last_no_reboot_install_at: Option<i64>,
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
    /// The baseline's decision (`APPROVED`, `EXPLICIT_APPROVED`, `PENDING_APPROVAL`,
    /// `EXPLICIT_REJECTED`); empty when the baseline does not mention the patch or the
    /// agent did not say.
    pub deployment_status: String,
    /// Unix milliseconds at 00:00 UTC of the day of approval, when dated.
    pub approval_date: Option<i64>,
    /// dnf: the notice's id; empty otherwise.
    pub advisory_id: String,
}

const PATCH_COLUMNS: &str = "kb_id, title, classification, severity, state, compliance_level, installed_time, cve_ids, deployment_status, approval_date, advisory_id";

fn patch_row(r: &crate::db::Row) -> Result<PatchRow, sqlx::Error> {
    Ok(PatchRow {
        kb_id: r.try_get("kb_id")?,
        title: r.try_get("title")?,
        classification: r.try_get("classification")?,
        severity: r.try_get("severity")?,
        state: r.try_get("state")?,
        compliance_level: r.try_get("compliance_level")?,
        installed_time: r.try_get("installed_time")?,
        cve_ids: r.try_get("cve_ids")?,
        deployment_status: r.try_get("deployment_status")?,
        approval_date: r.try_get("approval_date")?,
        advisory_id: r.try_get("advisory_id")?,
    })
}

const STATE_COLUMNS: &str = "instance_id, patch_group, baseline_id, snapshot_id, operation, reboot_option, product, operation_start, operation_end, installed, installed_other, installed_pending_reboot, installed_rejected, missing, failed, not_applicable, critical_non_compliant, security_non_compliant, other_non_compliant, command_id, invocation_id, reported_at, last_no_reboot_install_at";

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
        last_no_reboot_install_at: r.try_get("last_no_reboot_install_at")?,
    })
}

/// Replaces a node's patch state.
pub async fn put_state(tx: &mut crate::db::Tx, s: &StateRow) -> Result<(), sqlx::Error> {
    let previous: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT last_no_reboot_install_at FROM instance_patch_states WHERE instance_id = $1",
    )
    .bind(&s.instance_id)
    .fetch_optional(&mut **tx)
    .await?;
    let last_no_reboot = s.last_no_reboot_install_at.or(previous.flatten());
    sqlx::query("DELETE FROM instance_patch_states WHERE instance_id = $1")
        .bind(&s.instance_id)
        .execute(&mut **tx)
        .await?;
    let slots: Vec<String> = (1..=23).map(|i| format!("${i}")).collect();
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
        .bind(last_no_reboot)
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
    const PER_ROW: usize = 12;
    for part in patches.chunks(crate::db::MAX_BINDS / PER_ROW) {
        let values: Vec<String> = (0..part.len())
            .map(|i| {
                let b = i * PER_ROW;
                let slots: Vec<String> = (1..=PER_ROW).map(|k| format!("${}", b + k)).collect();
                format!("({})", slots.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO instance_patches (instance_id, {PATCH_COLUMNS}) VALUES {}",
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
                .bind(&p.cve_ids)
                .bind(&p.deployment_status)
                .bind(p.approval_date)
                .bind(&p.advisory_id);
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

/// Which of a node's patches to read: each list is alternatives (empty: any), the
/// lists all apply.
#[derive(Clone, Debug, Default)]
pub struct PatchSelection {
    pub classifications: Vec<String>,
    pub kb_ids: Vec<String>,
    /// Compared lower-cased: give them lower-cased.
    pub severities_lower: Vec<String>,
    /// As stored (`MISSING`…).
    pub states: Vec<String>,
    /// Title or KB id contains, case-insensitively.
    pub text: Option<String>,
}

fn patch_where(instance_id: &str, f: &PatchSelection) -> (String, Vec<String>) {
    let mut w = crate::db::Where::default();
    let id = w.bind(instance_id);
    w.push(format!("instance_id = {id}"));
    w.any_of("classification", &f.classifications)
        .any_of("kb_id", &f.kb_ids)
        .any_of("LOWER(severity)", &f.severities_lower)
        .any_of("state", &f.states)
        .text_in(&["title", "kb_id"], f.text.as_deref());
    w.finish()
}

/// How many of a node's patches `f` selects.
pub async fn count_patches<'e, E: Executor<'e, Database = Any>>(
    e: E,
    instance_id: &str,
    f: &PatchSelection,
) -> Result<i64, sqlx::Error> {
    let (clause, binds) = patch_where(instance_id, f);
    crate::db::count_where(e, "instance_patches", &clause, binds).await
}

/// One page of a node's patches `f` selects, by KB id.
pub async fn patches_page<'e, E: Executor<'e, Database = Any>>(
    e: E,
    instance_id: &str,
    f: &PatchSelection,
    limit: i64,
    offset: i64,
) -> Result<Vec<PatchRow>, sqlx::Error> {
    let (clause, binds) = patch_where(instance_id, f);
    let sql = format!(
        "SELECT {PATCH_COLUMNS} FROM instance_patches {clause} ORDER BY kb_id LIMIT {limit} OFFSET {offset}"
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e).await?.iter().map(patch_row).collect()
}

/// A node's reported patches, by KB id.
pub async fn patches_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    instance_id: &str,
) -> Result<Vec<PatchRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PATCH_COLUMNS} FROM instance_patches WHERE instance_id = $1 ORDER BY kb_id"
    ))
    .bind(instance_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(patch_row)
    .collect()
}

/// A patch as the nodes that use a baseline reported it, with the product of the node
/// whose report it was taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectivePatchRow {
    pub patch: PatchRow,
    pub product: String,
}

/// The reported patches the baseline decided on (a deployment status), once per title:
/// reports of nodes whose latest state names `baseline_id`.
const EFFECTIVE_FROM: &str =
    "FROM instance_patches p JOIN instance_patch_states s ON s.instance_id = p.instance_id \
     WHERE s.baseline_id = $1 AND p.deployment_status <> ''";

/// How many distinct patches (by title) the nodes on `baseline_id` reported a decision for.
pub async fn count_effective_patches<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT COUNT(DISTINCT p.title) {EFFECTIVE_FROM}"))
        .bind(baseline_id)
        .fetch_one(e)
        .await
}

/// One page of those patches, by title (bytes on both databases). When several nodes
/// reported one title, the most recent report's line is taken (then the lowest node id).
pub async fn effective_patches<'e, E: Executor<'e, Database = Any>>(
    e: E,
    baseline_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<EffectivePatchRow>, sqlx::Error> {
    let columns: Vec<String> = PATCH_COLUMNS
        .split(", ")
        .map(|c| format!("p.{c}"))
        .collect();
    let sql = format!(
        "SELECT {PATCH_COLUMNS}, product FROM (\
           SELECT {}, s.product, ROW_NUMBER() OVER (PARTITION BY p.title ORDER BY s.reported_at DESC, p.instance_id) AS pick \
           {EFFECTIVE_FROM}\
         ) latest WHERE pick = 1 ORDER BY title LIMIT {limit} OFFSET {offset}",
        columns.join(", ")
    );
    sqlx::query(&sql)
        .bind(baseline_id)
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            Ok(EffectivePatchRow {
                patch: patch_row(r)?,
                product: r.try_get("product")?,
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

/// Which managed nodes the compliance dashboard lists (registered ones, scanned or
/// not).
#[derive(Clone, Debug, Default)]
pub struct ComplianceSelection {
    /// `compliant`, `non_compliant`, `not_scanned`; anything else: every node.
    pub status: Option<String>,
    /// The patch group the node's state names.
    pub patch_group: Option<String>,
    /// Node id or name contains, case-insensitively.
    pub text: Option<String>,
}

/// Non-compliant counters of a state row `s` (the ones `PatchCounts::non_compliant` adds).
const NON_COMPLIANT_SUM: &str =
    "(s.missing + s.failed + s.installed_rejected + s.installed_pending_reboot)";
const REGISTERED_NODES: &str =
    "managed_instances m LEFT JOIN instance_patch_states s ON s.instance_id = m.id";

fn compliance_where(f: &ComplianceSelection) -> (String, Vec<String>) {
    let mut w = crate::db::Where::default();
    w.push("m.deregistered_at IS NULL".into());
    match f.status.as_deref() {
        Some("compliant") => {
            w.push(format!(
                "s.instance_id IS NOT NULL AND {NON_COMPLIANT_SUM} = 0"
            ));
        }
        Some("non_compliant") => {
            w.push(format!("{NON_COMPLIANT_SUM} > 0"));
        }
        Some("not_scanned") => {
            w.push("s.instance_id IS NULL".into());
        }
        _ => {}
    }
    if let Some(g) = f.patch_group.as_deref().filter(|g| !g.is_empty()) {
        let slot = w.bind(g);
        w.push(format!("s.patch_group = {slot}"));
    }
    w.text_in(&["m.id", "m.name"], f.text.as_deref());
    w.finish()
}

/// A registered node and its patch state, if it reported one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeComplianceRow {
    pub instance_id: String,
    pub name: String,
    pub ping_status: String,
    pub platform_name: String,
    pub platform_version: String,
    pub state: Option<StateRow>,
}

/// How many registered nodes `f` selects.
pub async fn count_compliance_nodes<'e, E: Executor<'e, Database = Any>>(
    e: E,
    f: &ComplianceSelection,
) -> Result<i64, sqlx::Error> {
    let (clause, binds) = compliance_where(f);
    crate::db::count_where(e, REGISTERED_NODES, &clause, binds).await
}

/// The orders the compliance dashboard sorts by (the last key is the node id).
pub enum ComplianceOrder {
    Node,
    Name,
    /// Missing, then failed patches.
    Missing,
    /// When the last patch operation ended (never scanned first).
    Time,
}

/// One page of registered nodes `f` selects, with their patch states.
pub async fn compliance_nodes<'e, E: Executor<'e, Database = Any>>(
    e: E,
    f: &ComplianceSelection,
    order: ComplianceOrder,
    desc: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<NodeComplianceRow>, sqlx::Error> {
    let (clause, binds) = compliance_where(f);
    let dir = if desc { "DESC" } else { "ASC" };
    // Never-scanned nodes sort as zeros / the earliest time, on both databases.
    let order = match order {
        ComplianceOrder::Node => format!("m.id {dir}"),
        ComplianceOrder::Name => format!("m.name {dir}, m.id {dir}"),
        ComplianceOrder::Missing => {
            format!("COALESCE(s.missing, -1) {dir}, COALESCE(s.failed, -1) {dir}, m.id {dir}")
        }
        ComplianceOrder::Time => format!("COALESCE(s.operation_end, -1) {dir}, m.id {dir}"),
    };
    let state_columns: Vec<String> = STATE_COLUMNS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect();
    let sql = format!(
        "SELECT m.id AS node_id, m.name AS node_name, m.ping_status AS node_ping_status, \
         m.platform_name AS node_platform_name, m.platform_version AS node_platform_version, {} \
         FROM {REGISTERED_NODES} {clause} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        state_columns.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            let reported: Option<String> = r.try_get("instance_id")?;
            Ok(NodeComplianceRow {
                instance_id: r.try_get("node_id")?,
                name: r.try_get("node_name")?,
                ping_status: r.try_get("node_ping_status")?,
                platform_name: r.try_get("node_platform_name")?,
                platform_version: r.try_get("node_platform_version")?,
                state: reported.map(|_| state_row(r)).transpose()?,
            })
        })
        .collect()
}

/// The compliance dashboard's totals over the registered nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComplianceTotals {
    pub nodes: i64,
    pub reporting: i64,
    pub compliant: i64,
    pub non_compliant: i64,
    pub missing: i64,
    pub failed: i64,
    pub pending_reboot: i64,
    pub critical: i64,
    pub security: i64,
    pub other: i64,
}

pub async fn compliance_totals<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<ComplianceTotals, sqlx::Error> {
    // PostgreSQL sums BIGINTs as NUMERIC, which the Any driver cannot read: cast back.
    let sum = |expr: &str| format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)");
    let flag = |cond: &str| sum(&format!("CASE WHEN {cond} THEN 1 ELSE 0 END"));
    let sql = format!(
        "SELECT COUNT(*) AS nodes, COUNT(s.instance_id) AS reporting, \
         {} AS compliant, {} AS non_compliant, {} AS missing, {} AS failed, {} AS pending_reboot, \
         {} AS critical, {} AS security, {} AS other \
         FROM {REGISTERED_NODES} WHERE m.deregistered_at IS NULL",
        flag(&format!(
            "s.instance_id IS NOT NULL AND {NON_COMPLIANT_SUM} = 0"
        )),
        flag(&format!("{NON_COMPLIANT_SUM} > 0")),
        sum("s.missing"),
        sum("s.failed"),
        sum("s.installed_pending_reboot"),
        flag("s.critical_non_compliant > 0"),
        flag("s.security_non_compliant > 0"),
        flag("s.other_non_compliant > 0"),
    );
    let r = sqlx::query(&sql).fetch_one(e).await?;
    Ok(ComplianceTotals {
        nodes: r.try_get("nodes")?,
        reporting: r.try_get("reporting")?,
        compliant: r.try_get("compliant")?,
        non_compliant: r.try_get("non_compliant")?,
        missing: r.try_get("missing")?,
        failed: r.try_get("failed")?,
        pending_reboot: r.try_get("pending_reboot")?,
        critical: r.try_get("critical")?,
        security: r.try_get("security")?,
        other: r.try_get("other")?,
    })
}

/// The patch groups nodes reported, sorted.
pub async fn reported_groups<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT patch_group FROM instance_patch_states WHERE patch_group <> '' ORDER BY patch_group",
    )
    .fetch_all(e)
    .await
}
