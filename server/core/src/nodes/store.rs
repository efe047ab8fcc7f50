//! SQL for managed nodes.

use crate::db::Row;
use crate::types::ManagedNode;
use bosun_protocol::InstanceInfo;
use sqlx::{Any, Executor, Row as _};

const COLUMNS: &str = "id, name, activation_id, iam_role, ping_status, last_ping_at, registered_at, hostname, computer_name, \
     ip_addresses, platform_name, platform_version, platform_type, kernel, architecture, agent_version";

pub fn from_row(r: &Row) -> Result<ManagedNode, sqlx::Error> {
    let ips: String = r.try_get("ip_addresses")?;
    Ok(ManagedNode {
        instance_id: r.try_get("id")?,
        name: r.try_get("name")?,
        ping_status: r.try_get("ping_status")?,
        last_ping_at: r.try_get("last_ping_at")?,
        registered_at: r.try_get("registered_at")?,
        activation_id: r.try_get("activation_id")?,
        iam_role: r.try_get("iam_role")?,
        hostname: r.try_get("hostname")?,
        computer_name: r.try_get("computer_name")?,
        ip_addresses: serde_json::from_str(&ips).unwrap_or_default(),
        platform_name: r.try_get("platform_name")?,
        platform_version: r.try_get("platform_version")?,
        platform_type: r.try_get("platform_type")?,
        kernel: r.try_get("kernel")?,
        architecture: r.try_get("architecture")?,
        agent_version: r.try_get("agent_version")?,
        tags: Vec::new(),
    })
}

pub struct ActivationForRegistration {
    pub code_hash: String,
    pub default_instance_name: String,
    pub iam_role: String,
    pub registration_limit: i64,
    pub registrations_count: i64,
    pub expires_at: i64,
}

pub async fn activation<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<ActivationForRegistration>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT code_hash, default_instance_name, iam_role, registration_limit, registrations_count, expires_at \
         FROM activations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(e)
    .await?;
    row.map(|r| {
        Ok(ActivationForRegistration {
            code_hash: r.try_get("code_hash")?,
            default_instance_name: r.try_get("default_instance_name")?,
            iam_role: r.try_get("iam_role")?,
            registration_limit: r.try_get("registration_limit")?,
            registrations_count: r.try_get("registrations_count")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Takes one registration if any is left; false when the limit is reached.
pub async fn take_registration<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE activations SET registrations_count = registrations_count + 1 \
         WHERE id = $1 AND registrations_count < registration_limit",
    )
    .bind(id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub struct NewNode<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub activation_id: &'a str,
    pub iam_role: &'a str,
    pub public_key: &'a str,
    pub now_ms: i64,
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    e: E,
    n: &NewNode<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO managed_instances (id, name, activation_id, iam_role, public_key, ping_status, registered_at) \
         VALUES ($1, $2, $3, $4, $5, 'ConnectionLost', $6)",
    )
    .bind(n.id)
    .bind(n.name)
    .bind(n.activation_id)
    .bind(n.iam_role)
    .bind(n.public_key)
    .bind(n.now_ms)
    .execute(e)
    .await?;
    Ok(())
}

/// The node's public key and status.
pub async fn credentials<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT public_key, ping_status FROM managed_instances WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await?;
    row.map(|r| Ok((r.try_get("public_key")?, r.try_get("ping_status")?)))
        .transpose()
}

/// Marks the node Online under a new connection generation held by `replica`; returns
/// the generation, or None when the node is Inactive (deregistered) or unknown.
pub async fn connect<'e, E: Executor<'e, Database = Any> + Copy>(
    e: E,
    id: &str,
    replica: &str,
    now_ms: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE managed_instances SET ping_status = 'Online', last_ping_at = $1, connection_generation = connection_generation + 1, \
         connected_replica = $2 WHERE id = $3 AND ping_status <> 'Inactive'",
    )
    .bind(now_ms)
    .bind(replica)
    .bind(id)
    .execute(e)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    let generation: i64 =
        sqlx::query_scalar("SELECT connection_generation FROM managed_instances WHERE id = $1")
            .bind(id)
            .fetch_one(e)
            .await?;
    Ok(Some(generation))
}

pub async fn save_info<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    generation: i64,
    info: &InstanceInfo,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE managed_instances SET hostname = $1, computer_name = $2, ip_addresses = $3, platform_name = $4, \
         platform_version = $5, platform_type = $6, kernel = $7, architecture = $8, agent_version = $9 \
         WHERE id = $10 AND connection_generation = $11 AND ping_status = 'Online'",
    )
    .bind(&info.hostname)
    .bind(&info.computer_name)
    .bind(serde_json::to_string(&info.ip_addresses).unwrap_or_else(|_| "[]".into()))
    .bind(&info.platform_name)
    .bind(&info.platform_version)
    .bind(&info.platform_type)
    .bind(&info.kernel)
    .bind(&info.architecture)
    .bind(&info.agent_version)
    .bind(id)
    .bind(generation)
    .execute(e)
    .await?;
    Ok(())
}

/// A node's reported platform name and version (os-release `NAME`, `VERSION_ID`).
pub async fn platform<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT platform_name, platform_version FROM managed_instances WHERE id = $1")
            .bind(id)
            .fetch_optional(e)
            .await?;
    row.map(|r| Ok((r.try_get("platform_name")?, r.try_get("platform_version")?)))
        .transpose()
}

/// Heartbeats of many connections, `(node id, connection generation, at)`: each moves
/// its node's `last_ping_at` only while that connection is the node's current one and
/// the node is Online. Returns the ids that moved; the others' connections are stale.
pub async fn ping_many(
    tx: &mut crate::db::Tx,
    pings: &[(String, i64, i64)],
) -> Result<Vec<String>, sqlx::Error> {
    use crate::db::JsonColumn::{BigInt, Text};
    if pings.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(serde::Serialize)]
    struct Ping<'a> {
        id: &'a str,
        generation: i64,
        at: i64,
    }
    let table: Vec<Ping> = pings
        .iter()
        .map(|(id, generation, at)| Ping {
            id,
            generation: *generation,
            at: *at,
        })
        .collect();
    let table = serde_json::to_string(&table).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // One statement, one bind (`json_rows`): the flush holds the write turn briefly
    // even while the runtime is busy with a fan-out.
    let source = crate::db::json_rows(
        tx.backend(),
        "$1",
        "v",
        &[("id", Text), ("generation", BigInt), ("at", BigInt)],
    );
    // SQLite would otherwise drive the update from the ping_status index (every Online
    // node, each scanning the whole JSON table: seconds for 10,000 nodes); the unary
    // `+` keeps that index out, so each ping finds its row by id.
    let online = match tx.backend() {
        crate::db::Backend::Sqlite => "+managed_instances.ping_status = 'Online'",
        crate::db::Backend::Postgres => "managed_instances.ping_status = 'Online'",
    };
    let sql = format!(
        "UPDATE managed_instances SET last_ping_at = v.at FROM {source} \
         WHERE managed_instances.id = v.id AND managed_instances.connection_generation = v.generation \
         AND {online} RETURNING managed_instances.id"
    );
    sqlx::query_scalar::<_, String>(&sql)
        .bind(table)
        .fetch_all(&mut **tx)
        .await
}

/// The connection ended: ConnectionLost, if it was the current one and the node is not
/// Inactive.
pub async fn disconnect<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    generation: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE managed_instances SET ping_status = 'ConnectionLost', connected_replica = NULL \
         WHERE id = $1 AND connection_generation = $2 AND ping_status = 'Online'",
    )
    .bind(id)
    .bind(generation)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn deregister<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE managed_instances SET ping_status = 'Inactive', deregistered_at = $1, connected_replica = NULL \
         WHERE id = $2 AND ping_status <> 'Inactive'",
    )
    .bind(now_ms)
    .bind(id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub ids: Vec<String>,
    pub ping_statuses: Vec<String>,
    pub platform_types: Vec<String>,
    pub agent_versions: Vec<String>,
    pub activation_ids: Vec<String>,
    pub iam_roles: Vec<String>,
    /// tag:KEY → any of the values.
    pub tags: Vec<(String, Vec<String>)>,
    /// tag-key → any of the keys present.
    pub tag_keys: Vec<String>,
    pub text: Option<String>,
}

fn where_clause(f: &Filter) -> (String, Vec<String>) {
    const TAGS_OF_NODE: &str =
        "SELECT 1 FROM tags t WHERE t.resource_type = 'ManagedInstance' AND t.resource_id = managed_instances.id";
    let mut w = crate::db::Where::default();
    w.any_of("id", &f.ids)
        .any_of("ping_status", &f.ping_statuses)
        .any_of("platform_type", &f.platform_types)
        .any_of("agent_version", &f.agent_versions)
        .any_of("activation_id", &f.activation_ids)
        .any_of("iam_role", &f.iam_roles);
    for (key, values) in &f.tags {
        let k = w.bind(key.clone());
        let slots: Vec<String> = values.iter().map(|v| w.bind(v.clone())).collect();
        w.push(format!(
            "EXISTS ({TAGS_OF_NODE} AND t.key = {k} AND t.value IN ({}))",
            slots.join(", ")
        ));
    }
    if !f.tag_keys.is_empty() {
        let slots: Vec<String> = f.tag_keys.iter().map(|v| w.bind(v.clone())).collect();
        w.push(format!(
            "EXISTS ({TAGS_OF_NODE} AND t.key IN ({}))",
            slots.join(", ")
        ));
    }
    w.text_in(
        &["id", "name", "hostname", "ip_addresses", "platform_name"],
        f.text.as_deref(),
    );
    w.finish()
}

pub async fn count<'e, E: Executor<'e, Database = Any>>(
    e: E,
    f: &Filter,
) -> Result<i64, sqlx::Error> {
    let (clause, binds) = where_clause(f);
    crate::db::count_where(e, "managed_instances", &clause, binds).await
}

pub async fn list<'e, E: Executor<'e, Database = Any>>(
    e: E,
    f: &Filter,
    order: &'static str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ManagedNode>, sqlx::Error> {
    let (clause, binds) = where_clause(f);
    crate::db::page_where(
        e,
        &format!("{COLUMNS} FROM managed_instances"),
        &clause,
        binds,
        order,
        limit,
        offset,
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Counts by ping status (for the Fleet page header).
pub async fn counts_by_status<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query("SELECT ping_status, COUNT(*) AS n FROM managed_instances GROUP BY ping_status")
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("ping_status")?, r.try_get("n")?)))
        .collect()
}
