//! SQL for commands, invocations and output. Statuses are written only through the
//! transitions here, each guarded by the statuses it may leave (`WHERE status IN …`), so
//! a terminal invocation never changes and two replicas racing on one transition apply
//! it once.

use crate::db::{json_rows, json_strings, JsonColumn, Row, Tx};
use sqlx::{Any, Executor, Row as _};

pub use crate::db::MAX_BINDS;

/// Invocation statuses that are not terminal.
pub const OPEN_STATUSES: &str = "'Pending', 'Delayed', 'InProgress', 'Cancelling'";

#[derive(Clone, Debug)]
pub struct CommandRow {
    pub command_id: String,
    pub document_name: String,
    pub document_version: String,
    pub comment: String,
    pub parameters: String,
    pub targets: String,
    pub instance_ids: String,
    pub timeout_seconds: i64,
    pub max_concurrency: String,
    pub max_errors: String,
    pub concurrency_limit: i64,
    pub error_limit: i64,
    pub requested_at: i64,
    pub expires_at: i64,
    pub requested_by: String,
    pub status: String,
    pub status_details: String,
    pub target_count: i64,
    pub completed_count: i64,
    pub error_count: i64,
    pub delivery_timed_out_count: i64,
    pub cancel_requested: bool,
}

const COMMAND_COLUMNS: &str = "command_id, document_name, document_version, comment, parameters, targets, instance_ids, timeout_seconds, max_concurrency, max_errors, concurrency_limit, error_limit, requested_at, expires_at, requested_by, status, status_details, target_count, completed_count, error_count, delivery_timed_out_count, cancel_requested";

fn command_row(r: &Row) -> Result<CommandRow, sqlx::Error> {
    Ok(CommandRow {
        command_id: r.try_get("command_id")?,
        document_name: r.try_get("document_name")?,
        document_version: r.try_get("document_version")?,
        comment: r.try_get("comment")?,
        parameters: r.try_get("parameters")?,
        targets: r.try_get("targets")?,
        instance_ids: r.try_get("instance_ids")?,
        timeout_seconds: r.try_get("timeout_seconds")?,
        max_concurrency: r.try_get("max_concurrency")?,
        max_errors: r.try_get("max_errors")?,
        concurrency_limit: r.try_get("concurrency_limit")?,
        error_limit: r.try_get("error_limit")?,
        requested_at: r.try_get("requested_at")?,
        expires_at: r.try_get("expires_at")?,
        requested_by: r.try_get("requested_by")?,
        status: r.try_get("status")?,
        status_details: r.try_get("status_details")?,
        target_count: r.try_get("target_count")?,
        completed_count: r.try_get("completed_count")?,
        error_count: r.try_get("error_count")?,
        delivery_timed_out_count: r.try_get("delivery_timed_out_count")?,
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
    })
}

#[derive(Clone, Debug)]
pub struct InvocationRow {
    pub invocation_id: String,
    pub command_id: String,
    pub instance_id: String,
    pub instance_name: String,
    pub position: i64,
    pub status: String,
    pub status_details: String,
    pub released: bool,
    pub released_at: Option<i64>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub response_code: i64,
    pub run: String,
    pub plugins: String,
    pub output_bytes: i64,
    pub output_dropped: i64,
    pub last_seq: i64,
    pub detail: String,
}

const INVOCATION_COLUMNS: &str = "invocation_id, command_id, instance_id, instance_name, position, status, status_details, released, released_at, started_at, ended_at, deadline_at, response_code, run, plugins, output_bytes, output_dropped, last_seq, detail";

fn invocation_row(r: &Row) -> Result<InvocationRow, sqlx::Error> {
    Ok(InvocationRow {
        invocation_id: r.try_get("invocation_id")?,
        command_id: r.try_get("command_id")?,
        instance_id: r.try_get("instance_id")?,
        instance_name: r.try_get("instance_name")?,
        position: r.try_get("position")?,
        status: r.try_get("status")?,
        status_details: r.try_get("status_details")?,
        released: r.try_get::<i64, _>("released")? != 0,
        released_at: r.try_get("released_at")?,
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
        deadline_at: r.try_get("deadline_at")?,
        response_code: r.try_get("response_code")?,
        run: r.try_get("run")?,
        plugins: r.try_get("plugins")?,
        output_bytes: r.try_get("output_bytes")?,
        output_dropped: r.try_get("output_dropped")?,
        last_seq: r.try_get("last_seq")?,
        detail: r.try_get("detail")?,
    })
}

pub async fn insert_command(tx: &mut Tx, c: &CommandRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO commands ({COMMAND_COLUMNS}, open, updated_at) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
    ))
    .bind(&c.command_id)
    .bind(&c.document_name)
    .bind(&c.document_version)
    .bind(&c.comment)
    .bind(&c.parameters)
    .bind(&c.targets)
    .bind(&c.instance_ids)
    .bind(c.timeout_seconds)
    .bind(&c.max_concurrency)
    .bind(&c.max_errors)
    .bind(c.concurrency_limit)
    .bind(c.error_limit)
    .bind(c.requested_at)
    .bind(c.expires_at)
    .bind(&c.requested_by)
    .bind(&c.status)
    .bind(&c.status_details)
    .bind(c.target_count)
    .bind(c.completed_count)
    .bind(c.error_count)
    .bind(c.delivery_timed_out_count)
    .bind(i64::from(c.cancel_requested))
    .bind(i64::from(c.target_count > 0))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a new invocation row holds.
#[derive(Clone, Debug)]
pub struct NewInvocation {
    pub invocation_id: String,
    pub instance_id: String,
    pub instance_name: String,
    pub position: i64,
    pub run: String,
    pub plugins: String,
    /// The node is connected (Pending rather than Delayed once released).
    pub online: bool,
}

impl NewInvocation {
    /// Its status as inserted (see [`NewInvocation::stored`]).
    fn initial_status(&self, go: bool) -> &'static str {
        if go && !self.online {
            "Delayed"
        } else {
            "Pending"
        }
    }

    /// The row [`insert_invocations`] stores: released at once (`go`: rate control's
    /// first wave) it is Pending when its node is online and Delayed otherwise; waiting,
    /// it is Pending and unreleased.
    pub fn stored(&self, command_id: &str, go: bool, now: i64) -> InvocationRow {
        let status = self.initial_status(go);
        InvocationRow {
            invocation_id: self.invocation_id.clone(),
            command_id: command_id.to_string(),
            instance_id: self.instance_id.clone(),
            instance_name: self.instance_name.clone(),
            position: self.position,
            status: status.into(),
            status_details: status.into(),
            released: go,
            released_at: go.then_some(now),
            started_at: None,
            ended_at: None,
            deadline_at: None,
            response_code: -1,
            run: self.run.clone(),
            plugins: self.plugins.clone(),
            output_bytes: 0,
            output_dropped: 0,
            last_seq: 0,
            detail: String::new(),
        }
    }
}

/// Inserts invocations in multi-row statements; the first `released` of them are
/// released at once (rate control's first wave; see [`NewInvocation::stored`]).
pub async fn insert_invocations(
    tx: &mut Tx,
    command_id: &str,
    rows: &[NewInvocation],
    released: usize,
    now: i64,
) -> Result<(), sqlx::Error> {
    use JsonColumn::{BigInt, Text};
    if rows.is_empty() {
        return Ok(());
    }
    // The steps and plugins are the same for every node of a platform: each distinct
    // pair travels once, the rows name theirs by number.
    let mut plans: Vec<PlanRow> = Vec::new();
    let mut plan_of: std::collections::HashMap<(&str, &str), i64> =
        std::collections::HashMap::new();
    let table: Vec<NewRow> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let go = i < released;
            let status = r.initial_status(go);
            let plan = *plan_of
                .entry((r.run.as_str(), r.plugins.as_str()))
                .or_insert_with(|| {
                    plans.push(PlanRow {
                        k: plans.len() as i64,
                        run: &r.run,
                        plugins: &r.plugins,
                    });
                    plans.len() as i64 - 1
                });
            NewRow {
                id: &r.invocation_id,
                node: &r.instance_id,
                name: &r.instance_name,
                pos: r.position,
                status,
                go: i64::from(go),
                at: go.then_some(now),
                plan,
            }
        })
        .collect();
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    let table = serde_json::to_string(&table).map_err(encode)?;
    let plans = serde_json::to_string(&plans).map_err(encode)?;
    let source = json_rows(
        tx.backend(),
        "$2",
        "v",
        &[
            ("id", Text),
            ("node", Text),
            ("name", Text),
            ("pos", BigInt),
            ("status", Text),
            ("go", BigInt),
            ("at", BigInt),
            ("plan", BigInt),
        ],
    );
    let plan_source = json_rows(
        tx.backend(),
        "$3",
        "p",
        &[("k", BigInt), ("run", Text), ("plugins", Text)],
    );
    let sql = format!(
        "INSERT INTO command_invocations (invocation_id, command_id, instance_id, instance_name, \
         position, status, status_details, released, released_at, run, plugins) \
         SELECT v.id, $1, v.node, v.name, v.pos, v.status, v.status, v.go, v.at, p.run, p.plugins \
         FROM {source} JOIN {plan_source} ON p.k = v.plan"
    );
    sqlx::query(&sql)
        .bind(command_id)
        .bind(table)
        .bind(plans)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One row of [`insert_invocations`]' JSON table.
#[derive(serde::Serialize)]
struct NewRow<'a> {
    id: &'a str,
    node: &'a str,
    name: &'a str,
    pos: i64,
    status: &'a str,
    go: i64,
    at: Option<i64>,
    plan: i64,
}

/// The steps and plugins [`NewRow`]s share, by number.
#[derive(serde::Serialize)]
struct PlanRow<'a> {
    k: i64,
    run: &'a str,
    plugins: &'a str,
}

pub async fn command<'e, E: Executor<'e, Database = Any>>(
    e: E,
    command_id: &str,
) -> Result<Option<CommandRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COMMAND_COLUMNS} FROM commands WHERE command_id = $1"
    ))
    .bind(command_id)
    .fetch_optional(e)
    .await?
    .map(|r| command_row(&r))
    .transpose()
}

/// Takes the command's row lock for the rest of the transaction (PostgreSQL; SQLite's
/// immediate transactions already serialize writers), so the dispatcher's count and
/// release are one step even with several replicas.
pub async fn lock_command(
    tx: &mut Tx,
    command_id: &str,
    now: i64,
) -> Result<Option<CommandRow>, sqlx::Error> {
    // One round trip: the row as the lock found it.
    sqlx::query(&format!(
        "UPDATE commands SET updated_at = $2 WHERE command_id = $1 RETURNING {COMMAND_COLUMNS}"
    ))
    .bind(command_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| command_row(&r))
    .transpose()
}

/// Commands matching a WHERE clause (text binds), newest first.
pub async fn list_commands<'e, E: Executor<'e, Database = Any>>(
    e: E,
    clause: &str,
    binds: Vec<String>,
    offset: i64,
    limit: i64,
) -> Result<Vec<CommandRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COMMAND_COLUMNS} FROM commands {clause} ORDER BY requested_at DESC, command_id LIMIT {limit} OFFSET {offset}"
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e).await?.iter().map(command_row).collect()
}

/// Invocations matching a WHERE clause (text binds) over `command_invocations i`
/// joined with `commands c`, newest command first, then dispatch order.
pub async fn list_invocations<'e, E: Executor<'e, Database = Any>>(
    e: E,
    clause: &str,
    binds: Vec<String>,
    offset: i64,
    limit: i64,
) -> Result<Vec<InvocationRow>, sqlx::Error> {
    let cols: Vec<String> = INVOCATION_COLUMNS
        .split(", ")
        .map(|c| format!("i.{c}"))
        .collect();
    let sql = format!(
        "SELECT {} FROM command_invocations i JOIN commands c ON c.command_id = i.command_id {clause} \
         ORDER BY c.requested_at DESC, i.command_id, i.position LIMIT {limit} OFFSET {offset}",
        cols.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e).await?.iter().map(invocation_row).collect()
}

pub async fn invocation<'e, E: Executor<'e, Database = Any>>(
    e: E,
    invocation_id: &str,
) -> Result<Option<InvocationRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {INVOCATION_COLUMNS} FROM command_invocations WHERE invocation_id = $1"
    ))
    .bind(invocation_id)
    .fetch_optional(e)
    .await?
    .map(|r| invocation_row(&r))
    .transpose()
}

/// Per-status counts of a command's invocations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: i64,
    /// Not yet released by rate control.
    pub waiting: i64,
    /// Released and not terminal.
    pub running: i64,
    pub terminal: i64,
    pub success: i64,
    /// Failed and Execution Timed Out: what MaxErrors counts.
    pub errors: i64,
    pub failed: i64,
    pub execution_timed_out: i64,
    pub delivery_timed_out: i64,
    pub cancelled: i64,
    pub undeliverable: i64,
    pub cancelling: i64,
    /// Released and not yet pending delivery (InProgress).
    pub in_progress: i64,
}

pub async fn counts(tx: &mut Tx, command_id: &str) -> Result<Counts, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT status, status_details, released, COUNT(*) AS n FROM command_invocations \
         WHERE command_id = $1 GROUP BY status, status_details, released",
    )
    .bind(command_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut c = Counts::default();
    for r in rows {
        let status: String = r.try_get("status")?;
        let details: String = r.try_get("status_details")?;
        let released: i64 = r.try_get("released")?;
        let n: i64 = r.try_get("n")?;
        c.total += n;
        let open = matches!(
            status.as_str(),
            "Pending" | "Delayed" | "InProgress" | "Cancelling"
        );
        if open {
            if released == 0 {
                c.waiting += n;
            } else {
                c.running += n;
            }
            if status == "InProgress" {
                c.in_progress += n;
            }
            if status == "Cancelling" {
                c.cancelling += n;
            }
            continue;
        }
        c.terminal += n;
        match (status.as_str(), details.as_str()) {
            ("Success", _) => c.success += n,
            ("TimedOut", "Delivery Timed Out") => c.delivery_timed_out += n,
            ("TimedOut", _) => {
                c.execution_timed_out += n;
                c.errors += n;
            }
            ("Failed", "Undeliverable") => c.undeliverable += n,
            ("Failed", _) => {
                c.failed += n;
                c.errors += n;
            }
            _ => c.cancelled += n,
        }
    }
    Ok(c)
}

/// Releases the next `n` waiting invocations (dispatch order); returns their ids.
pub async fn release_next(
    tx: &mut Tx,
    command_id: &str,
    n: i64,
    now: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if n <= 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(&format!(
        "SELECT invocation_id, instance_id FROM command_invocations \
         WHERE command_id = $1 AND released = 0 AND status = 'Pending' ORDER BY position LIMIT {n}"
    ))
    .bind(command_id)
    .fetch_all(&mut **tx)
    .await?;
    let ids: Vec<(String, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("invocation_id")?, r.try_get("instance_id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    if ids.is_empty() {
        return Ok(ids);
    }
    // The node's status decides Pending (connected: delivery follows at once) or
    // Delayed (offline: delivered when it reconnects).
    for chunk in ids.chunks(MAX_BINDS) {
        let slots: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "UPDATE command_invocations SET released = 1, released_at = $1, \
             status = CASE WHEN (SELECT ping_status FROM managed_instances m WHERE m.id = command_invocations.instance_id) = 'Online' THEN 'Pending' ELSE 'Delayed' END, \
             status_details = CASE WHEN (SELECT ping_status FROM managed_instances m WHERE m.id = command_invocations.instance_id) = 'Online' THEN 'Pending' ELSE 'Delayed' END \
             WHERE invocation_id IN ({})",
            slots.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(now);
        for (id, _) in chunk {
            q = q.bind(id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(ids)
}

/// Ends every waiting (unreleased) invocation with `status` / `details`.
pub async fn end_waiting(
    tx: &mut Tx,
    command_id: &str,
    status: &str,
    details: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE command_invocations SET status = $2, status_details = $3, ended_at = $4 \
         WHERE command_id = $1 AND released = 0 AND status = 'Pending'",
    )
    .bind(command_id)
    .bind(status)
    .bind(details)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

/// Moves one invocation from one of `from` to `status` / `details`. False when it was
/// not in one of `from` (already moved on: nothing changes).
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    tx: &mut Tx,
    invocation_id: &str,
    from: &[&str],
    status: &str,
    details: &str,
    set: Transition<'_>,
) -> Result<bool, sqlx::Error> {
    let from_list: Vec<String> = from.iter().map(|s| format!("'{s}'")).collect();
    let r = sqlx::query(&format!(
        "UPDATE command_invocations SET status = $2, status_details = $3, \
         started_at = COALESCE($4, started_at), ended_at = COALESCE($5, ended_at), \
         deadline_at = COALESCE($6, deadline_at), response_code = COALESCE($7, response_code), \
         plugins = COALESCE($8, plugins), detail = COALESCE($9, detail) \
         WHERE invocation_id = $1 AND status IN ({})",
        from_list.join(", ")
    ))
    .bind(invocation_id)
    .bind(status)
    .bind(details)
    .bind(set.started_at)
    .bind(set.ended_at)
    .bind(set.deadline_at)
    .bind(set.response_code)
    .bind(set.plugins)
    .bind(set.detail)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The optional columns a [`transition`] sets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Transition<'a> {
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub response_code: Option<i64>,
    pub plugins: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub async fn update_command_status(
    tx: &mut Tx,
    command_id: &str,
    status: &str,
    details: &str,
    c: &Counts,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE commands SET status = $2, status_details = $3, completed_count = $4, error_count = $5, \
         delivery_timed_out_count = $6, open = $7, updated_at = $8 WHERE command_id = $1",
    )
    .bind(command_id)
    .bind(status)
    .bind(details)
    .bind(c.terminal)
    .bind(c.errors)
    .bind(c.delivery_timed_out)
    .bind(i64::from(c.terminal < c.total))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_cancel_requested(tx: &mut Tx, command_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE commands SET cancel_requested = 1 WHERE command_id = $1")
        .bind(command_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Invocations of `instance_id` the node should hear about on (re)connect: released
/// and not terminal.
pub async fn open_for_node<'e, E: Executor<'e, Database = Any>>(
    e: E,
    instance_id: &str,
) -> Result<Vec<InvocationRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {INVOCATION_COLUMNS} FROM command_invocations \
         WHERE instance_id = $1 AND released = 1 AND status IN ({OPEN_STATUSES}) ORDER BY released_at"
    ))
    .bind(instance_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(invocation_row)
    .collect()
}

/// Released, undelivered invocations of a command whose node this replica holds.
pub async fn deliverable_here<'e, E: Executor<'e, Database = Any>>(
    e: E,
    command_id: &str,
    replica_id: &str,
) -> Result<Vec<InvocationRow>, sqlx::Error> {
    let cols: Vec<String> = INVOCATION_COLUMNS
        .split(", ")
        .map(|c| format!("i.{c}"))
        .collect();
    sqlx::query(&format!(
        "SELECT {} FROM command_invocations i JOIN managed_instances m ON m.id = i.instance_id \
         WHERE i.command_id = $1 AND i.released = 1 AND i.status IN ('Pending', 'Delayed', 'Cancelling') \
         AND m.connected_replica = $2",
        cols.join(", ")
    ))
    .bind(command_id)
    .bind(replica_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(invocation_row)
    .collect()
}

/// Open invocations whose command expired before they started.
pub async fn delivery_expired<'e, E: Executor<'e, Database = Any>>(
    e: E,
    now: i64,
) -> Result<Vec<(String, String, String, bool)>, sqlx::Error> {
    sqlx::query(
        "SELECT i.invocation_id, i.command_id, i.instance_id, i.released FROM commands c \
         JOIN command_invocations i ON i.command_id = c.command_id \
         WHERE c.open = 1 AND c.expires_at <= $1 AND i.status IN ('Pending', 'Delayed')",
    )
    .bind(now)
    .fetch_all(e)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("invocation_id")?,
            r.try_get("command_id")?,
            r.try_get("instance_id")?,
            r.try_get::<i64, _>("released")? != 0,
        ))
    })
    .collect()
}

fn id_command_status(r: &Row) -> Result<(String, String, String), sqlx::Error> {
    Ok((
        r.try_get("invocation_id")?,
        r.try_get("command_id")?,
        r.try_get("status")?,
    ))
}

/// Open invocations whose node was deregistered: they can never be delivered or report.
pub async fn on_deregistered_nodes<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT i.invocation_id, i.command_id, i.status FROM commands c \
         JOIN command_invocations i ON i.command_id = c.command_id \
         JOIN managed_instances m ON m.id = i.instance_id \
         WHERE c.open = 1 AND m.deregistered_at IS NOT NULL AND i.status IN ({OPEN_STATUSES})"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(id_command_status)
    .collect()
}

/// Started invocations past their deadline (the node never reported an end).
pub async fn past_deadline<'e, E: Executor<'e, Database = Any>>(
    e: E,
    now: i64,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT i.invocation_id, i.command_id, i.status FROM commands c \
         JOIN command_invocations i ON i.command_id = c.command_id \
         WHERE c.open = 1 AND i.status IN ('InProgress', 'Cancelling') \
         AND i.deadline_at IS NOT NULL AND i.deadline_at <= $1",
    )
    .bind(now)
    .fetch_all(e)
    .await?
    .iter()
    .map(id_command_status)
    .collect()
}

/// The invocations with these ids (any order; unknown ids are missing), in one
/// statement.
pub async fn invocations_by_ids(
    tx: &mut Tx,
    ids: &[&str],
) -> Result<Vec<InvocationRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {INVOCATION_COLUMNS} FROM command_invocations WHERE invocation_id IN ({})",
        json_strings(tx.backend(), "$1")
    );
    let ids = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(&sql)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(invocation_row)
        .collect()
}

/// An invocation's new state, written only if it still has the state it was read with
/// (`was_status`, `was_last_seq`).
#[derive(Clone, Debug)]
pub struct InvocationUpdate<'a> {
    pub was_status: &'a str,
    pub was_last_seq: i64,
    pub row: &'a InvocationRow,
}

/// One row of [`update_invocations`]' JSON table (keys as its columns).
#[derive(serde::Serialize)]
struct UpdateRow<'a> {
    id: &'a str,
    was: &'a str,
    was_seq: i64,
    status: &'a str,
    details: &'a str,
    started: Option<i64>,
    ended: Option<i64>,
    deadline: Option<i64>,
    code: i64,
    plugins: &'a str,
    detail: &'a str,
    seq: i64,
    bytes: i64,
    dropped: i64,
}

/// Writes many invocations' state in one statement (the rows as one JSON bind, see
/// [`json_rows`]). Returns how many rows still had the state they were read with and
/// so were written; the caller treats fewer than asked as a conflict.
pub async fn update_invocations(
    tx: &mut Tx,
    rows: &[InvocationUpdate<'_>],
) -> Result<u64, sqlx::Error> {
    use JsonColumn::{BigInt, Text};
    if rows.is_empty() {
        return Ok(0);
    }
    let table: Vec<UpdateRow> = rows
        .iter()
        .map(|u| UpdateRow {
            id: &u.row.invocation_id,
            was: u.was_status,
            was_seq: u.was_last_seq,
            status: &u.row.status,
            details: &u.row.status_details,
            started: u.row.started_at,
            ended: u.row.ended_at,
            deadline: u.row.deadline_at,
            code: u.row.response_code,
            plugins: &u.row.plugins,
            detail: &u.row.detail,
            seq: u.row.last_seq,
            bytes: u.row.output_bytes,
            dropped: u.row.output_dropped,
        })
        .collect();
    let table = serde_json::to_string(&table).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let source = json_rows(
        tx.backend(),
        "$1",
        "v",
        &[
            ("id", Text),
            ("was", Text),
            ("was_seq", BigInt),
            ("status", Text),
            ("details", Text),
            ("started", BigInt),
            ("ended", BigInt),
            ("deadline", BigInt),
            ("code", BigInt),
            ("plugins", Text),
            ("detail", Text),
            ("seq", BigInt),
            ("bytes", BigInt),
            ("dropped", BigInt),
        ],
    );
    let sql = format!(
        "UPDATE command_invocations SET status = v.status, status_details = v.details, \
         started_at = v.started, ended_at = v.ended, deadline_at = v.deadline, \
         response_code = v.code, plugins = v.plugins, detail = v.detail, \
         last_seq = v.seq, output_bytes = v.bytes, output_dropped = v.dropped \
         FROM {source} \
         WHERE command_invocations.invocation_id = v.id \
         AND command_invocations.status = v.was AND command_invocations.last_seq = v.was_seq"
    );
    Ok(sqlx::query(&sql)
        .bind(table)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// `command_output.stream` of stdout, stderr and a step's machine-readable report.
pub const STDOUT_STREAM: i64 = 1;
pub const STDERR_STREAM: i64 = 2;
pub const REPORT_STREAM: i64 = 3;

/// One output chunk to store.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewOutput {
    pub invocation_id: String,
    pub seq: i64,
    pub plugin: i64,
    pub stream: i64,
    pub data: String,
}

/// Stores output chunks in one statement (a chunk already stored stays as it was).
pub async fn insert_output(tx: &mut Tx, chunks: &[NewOutput]) -> Result<(), sqlx::Error> {
    use JsonColumn::{BigInt, Text};
    if chunks.is_empty() {
        return Ok(());
    }
    let source = json_rows(
        tx.backend(),
        "$1",
        "v",
        &[
            ("invocation_id", Text),
            ("seq", BigInt),
            ("plugin", BigInt),
            ("stream", BigInt),
            ("data", Text),
        ],
    );
    // `WHERE true`: SQLite's parser needs it before an upsert's ON CONFLICT.
    let sql = format!(
        "INSERT INTO command_output (invocation_id, seq, plugin, stream, data) \
         SELECT v.invocation_id, v.seq, v.plugin, v.stream, v.data FROM {source} WHERE true \
         ON CONFLICT (invocation_id, seq) DO NOTHING"
    );
    let rows = serde_json::to_string(chunks).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(&sql).bind(rows).execute(&mut **tx).await?;
    Ok(())
}

/// Stored chunks after `after_seq`, at most `limit`, optionally of one plugin/stream.
pub async fn output<'e, E: Executor<'e, Database = Any>>(
    e: E,
    invocation_id: &str,
    after_seq: i64,
    plugin: Option<i64>,
    stream: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, i64, i64, String)>, sqlx::Error> {
    let mut sql = String::from(
        "SELECT seq, plugin, stream, data FROM command_output WHERE invocation_id = $1 AND seq > $2",
    );
    if let Some(p) = plugin {
        sql.push_str(&format!(" AND plugin = {p}"));
    }
    match stream {
        Some(s) => sql.push_str(&format!(" AND stream = {s}")),
        // Output is what people read: a step's report stream is not.
        None => sql.push_str(&format!(" AND stream <> {REPORT_STREAM}")),
    }
    sql.push_str(&format!(" ORDER BY seq LIMIT {limit}"));
    sqlx::query(&sql)
        .bind(invocation_id)
        .bind(after_seq)
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("seq")?,
                r.try_get("plugin")?,
                r.try_get("stream")?,
                r.try_get("data")?,
            ))
        })
        .collect()
}

/// The command ids with invocations still open (the sweeper's and start-up's list).
pub async fn open_commands<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT command_id FROM commands WHERE open = 1")
        .fetch_all(e)
        .await
}
