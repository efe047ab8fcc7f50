//! The audit log: who did what, when, from where, through which door, and how it ended.
//!
//! Invariant: a change and its audit record are written in one transaction — services
//! call [`record`] with the transaction that makes the change, so there is no change
//! without its row. Refusals and failed sign-ins, which change nothing, are recorded on
//! their own. Details never hold secrets.

use crate::core::Actor;
use crate::db::like_pattern;
use crate::error::ServiceResult;
use crate::types::{AuditEntry, ListQuery, Page, Role};
use crate::Core;
use sqlx::{Any, Executor, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// The audit table's columns, in the order every INSERT binds them.
const INSERT_INTO: &str =
    "INSERT INTO audit_log (at, actor, source, client_addr, action, resource, outcome, detail) VALUES";
/// Columns per audit row, and so rows per INSERT within [`crate::db::MAX_BINDS`].
const COLUMNS: usize = 8;
const ROWS_PER_INSERT: usize = crate::db::MAX_BINDS / COLUMNS;

pub async fn record<'e, E>(
    executor: E,
    actor: &Actor,
    at_ms: i64,
    action: &str,
    resource: &str,
    outcome: Outcome,
    detail: &str,
) -> ServiceResult<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(&format!("{INSERT_INTO} ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(at_ms)
        .bind(&actor.name)
        .bind(actor.source.as_str())
        .bind(&actor.client_addr)
        .bind(action)
        .bind(resource)
        .bind(outcome.as_str())
        .bind(detail)
        .execute(executor)
        .await?;
    Ok(())
}

/// Audit records that are not part of a change's transaction but must be durable
/// before the caller answers (every SecureString decryption): many concurrent
/// requests' records are written by one multi-row INSERT (group commit), each caller
/// waiting until its own is committed. Without it every decryption would be its own
/// write transaction, serialized behind SQLite's single writer.
#[derive(Default)]
pub struct GroupWriter {
    tx: std::sync::Mutex<Option<tokio::sync::mpsc::Sender<Grouped>>>,
}

struct Grouped {
    actor: Actor,
    at_ms: i64,
    action: String,
    resource: String,
    outcome: Outcome,
    detail: String,
    done: tokio::sync::oneshot::Sender<bool>,
}

impl GroupWriter {
    fn sender(&self, core: &Core) -> tokio::sync::mpsc::Sender<Grouped> {
        let mut slot = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = slot.as_ref().filter(|tx| !tx.is_closed()) {
            return tx.clone();
        }
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        // The writer holds the database handle, not the Core; it ends when the Core (and
        // so this sender) is dropped.
        tokio::spawn(group_writer(core.db().clone(), rx));
        *slot = Some(tx.clone());
        tx
    }
}

async fn group_writer(db: crate::db::Db, mut rx: tokio::sync::mpsc::Receiver<Grouped>) {
    let mut batch = Vec::with_capacity(256);
    // The writer's own connection, taken out of the pool (which opens a replacement):
    // a batch then waits neither for a pooled connection behind the requests it serves
    // nor for the pool's ping on every release. Dropped on any error and taken again.
    let mut conn: Option<sqlx::AnyConnection> = None;
    while rx.recv_many(&mut batch, 256).await > 0 {
        // Let the requests that are ready to run add theirs first: one commit for more
        // records (when nothing else is ready this returns at once).
        tokio::task::yield_now().await;
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(g) => batch.push(g),
                Err(_) => break,
            }
        }
        // One multi-row INSERT per chunk, each atomic on its own (no transaction around
        // them: a chunk's waiters learn that chunk's outcome).
        while !batch.is_empty() {
            let chunk: Vec<Grouped> = batch.drain(..batch.len().min(ROWS_PER_INSERT)).collect();
            let ok = match conn.take() {
                Some(c) => Ok(c),
                None => db.pool().acquire().await.map(|c| c.detach()),
            };
            let ok = match ok {
                Ok(mut c) => {
                    let written = write_chunk(&mut c, &chunk).await;
                    if written.is_ok() {
                        conn = Some(c);
                    }
                    written
                }
                Err(e) => Err(e),
            };
            if let Err(e) = &ok {
                tracing::error!(error = %e, records = chunk.len(), "audit records not written");
            }
            for g in chunk {
                let _ = g.done.send(ok.is_ok());
            }
        }
    }
}

async fn write_chunk(conn: &mut sqlx::AnyConnection, chunk: &[Grouped]) -> Result<(), sqlx::Error> {
    let rows: Vec<String> = (0..chunk.len())
        .map(|r| {
            let slots: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", r * COLUMNS + c))
                .collect();
            format!("({})", slots.join(", "))
        })
        .collect();
    let sql = format!("{INSERT_INTO} {}", rows.join(", "));
    let mut q = sqlx::query(&sql);
    for g in chunk {
        q = q
            .bind(g.at_ms)
            .bind(&g.actor.name)
            .bind(g.actor.source.as_str())
            .bind(&g.actor.client_addr)
            .bind(&g.action)
            .bind(&g.resource)
            .bind(g.outcome.as_str())
            .bind(&g.detail);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Writes one record through the group-commit writer and waits until it is committed
/// (falls back to a direct write if the writer is gone).
pub async fn record_grouped(
    core: &Core,
    actor: &Actor,
    at_ms: i64,
    action: &str,
    resource: &str,
    outcome: Outcome,
    detail: &str,
) -> ServiceResult<()> {
    let (done, wait) = tokio::sync::oneshot::channel();
    let g = Grouped {
        actor: actor.clone(),
        at_ms,
        action: action.into(),
        resource: resource.into(),
        outcome,
        detail: detail.into(),
        done,
    };
    let sent = core.audit_writer().sender(core).send(g).await.is_ok();
    if sent && wait.await == Ok(true) {
        return Ok(());
    }
    record(
        core.db().pool(),
        actor,
        at_ms,
        action,
        resource,
        outcome,
        detail,
    )
    .await
}

/// Columns the audit table can sort by.
fn sort_column(key: Option<&str>) -> &'static str {
    match key {
        Some("actor") => "actor",
        Some("action") => "action",
        Some("outcome") => "outcome",
        Some("source") => "source",
        _ => "id",
    }
}

/// Lists the audit log (admin only). Filters: `q` (free text over actor, action,
/// resource, detail), `actor`, `action`, `source`, `outcome`.
pub async fn list(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<AuditEntry>> {
    core.authorize(actor, Role::Admin, "ListAuditLog", "audit-log")
        .await?;
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
        binds.push(like_pattern(&q.trim().to_lowercase()));
        let n = binds.len();
        conditions.push(format!(
            "(LOWER(actor) LIKE ${n} ESCAPE '\\' OR LOWER(action) LIKE ${n} ESCAPE '\\' \
             OR LOWER(resource) LIKE ${n} ESCAPE '\\' OR LOWER(detail) LIKE ${n} ESCAPE '\\')"
        ));
    }
    for key in ["actor", "action", "source", "outcome"] {
        if let Some(v) = query.filter(key) {
            binds.push(v.to_string());
            conditions.push(format!("{key} = ${}", binds.len()));
        }
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let order = format!(
        "{} {}",
        sort_column(query.sort.as_deref()),
        if query.desc || query.sort.is_none() {
            "DESC"
        } else {
            "ASC"
        }
    );

    let count_sql = format!("SELECT COUNT(*) FROM audit_log {where_clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(core.db().pool()).await?;

    let sql = format!(
        "SELECT id, at, actor, source, client_addr, action, resource, outcome, detail FROM audit_log \
         {where_clause} ORDER BY {order}, id DESC LIMIT {} OFFSET {}",
        query.per_page(),
        query.offset()
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(core.db().pool()).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                source: r.try_get("source")?,
                client_addr: r.try_get("client_addr")?,
                action: r.try_get("action")?,
                resource: r.try_get("resource")?,
                outcome: r.try_get("outcome")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Page {
        items,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}
