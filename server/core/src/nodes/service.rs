//! Node rules: registration, link authentication and status, describe, deregister.

use super::store::{self, Filter, NewNode};
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::crypto;
use crate::error::{ServiceError, ServiceResult};
use crate::links::CutReason;
use crate::tags;
use crate::types::{ListQuery, ManagedNode, Page, Role};
use crate::Core;
use bosun_protocol::InstanceInfo;
use subtle::ConstantTimeEq;

/// The resource type nodes' tags are stored under (AWS `ResourceTypeForTagging`).
pub const TAG_RESOURCE_TYPE: &str = crate::types::resource_type::MANAGED_INSTANCE;

fn invalid_activation(message: &str) -> ServiceError {
    ServiceError::validation(message.to_string()).with_exception("InvalidActivation")
}

fn new_instance_id() -> String {
    format!("mi-{}", &crypto::random_hex(9)[..17])
}

/// Registers a node with an activation. Returns the new managed instance id.
pub async fn register_node(
    core: &Core,
    activation_id: &str,
    activation_code: &str,
    public_key_hex: &str,
    name: Option<&str>,
    client_addr: &str,
) -> ServiceResult<String> {
    let key = decode_public_key(public_key_hex)
        .ok_or_else(|| ServiceError::validation("The public key is not an Ed25519 key."))?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let Some(activation) = store::activation(&mut *tx, activation_id).await? else {
        return Err(ServiceError::not_found(format!(
            "The activation {activation_id} does not exist."
        ))
        .with_exception("InvalidActivationId"));
    };
    let given = crypto::sha256_hex(activation_code.as_bytes());
    if !bool::from(given.as_bytes().ct_eq(activation.code_hash.as_bytes())) {
        return Err(invalid_activation(
            "The activation code does not match the activation.",
        ));
    }
    if activation.expires_at <= now {
        return Err(invalid_activation("The activation has expired."));
    }
    if activation.registrations_count >= activation.registration_limit
        || !store::take_registration(&mut *tx, activation_id).await?
    {
        return Err(invalid_activation(
            "The activation has reached its registration limit.",
        ));
    }
    let id = new_instance_id();
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(256).collect::<String>())
        .unwrap_or_else(|| {
            if activation.default_instance_name.is_empty() {
                id.clone()
            } else {
                activation.default_instance_name.clone()
            }
        });
    store::insert(
        &mut *tx,
        &NewNode {
            id: &id,
            name: &name,
            activation_id,
            iam_role: &activation.iam_role,
            public_key: &hex::encode(key.as_bytes()),
            now_ms: now,
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        &Actor::node(&id, client_addr),
        now,
        "RegisterManagedInstance",
        &format!("managed-instance/{id}"),
        Outcome::Success,
        &format!("activation {activation_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn decode_public_key(hex_key: &str) -> Option<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key).ok()?.try_into().ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()
}

/// An authenticated link of a node.
#[derive(Clone, Debug)]
pub struct NodeSession {
    pub instance_id: String,
    pub generation: i64,
}

/// Verifies a node's signature over this connection's challenge and marks it Online
/// under a new connection generation. Unknown, deregistered and badly signed nodes get
/// the same `AccessDenied`.
pub async fn authenticate_node(
    core: &Core,
    instance_id: &str,
    challenge_hex: &str,
    signature_hex: &str,
) -> ServiceResult<NodeSession> {
    let denied = || ServiceError::access_denied("The node could not be authenticated.");
    if !bosun_protocol::is_managed_instance_id(instance_id) {
        return Err(denied());
    }
    let Some((public_key, status)) = store::credentials(core.db().pool(), instance_id).await?
    else {
        return Err(denied());
    };
    if status == "Inactive" {
        return Err(denied());
    }
    let key = decode_public_key(&public_key).ok_or_else(denied)?;
    let signature: [u8; 64] = hex::decode(signature_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(denied)?;
    let signature = ed25519_dalek::Signature::from_bytes(&signature);
    key.verify_strict(
        &bosun_protocol::auth_payload(instance_id, challenge_hex),
        &signature,
    )
    .map_err(|_| denied())?;
    let generation = store::connect(
        core.db().pool(),
        instance_id,
        core.replica_id(),
        core.now_ms(),
    )
    .await?
    .ok_or_else(denied)?;
    // An older connection of this node, on any replica, is superseded.
    crate::cluster::publish(
        core,
        crate::cluster::Notice::CutLink {
            instance_id: instance_id.to_string(),
            below_generation: generation,
            reason: CutReason::Superseded,
        },
    )
    .await;
    Ok(NodeSession {
        instance_id: instance_id.to_string(),
        generation,
    })
}

pub async fn report_instance_info(
    core: &Core,
    session: &NodeSession,
    info: InstanceInfo,
) -> ServiceResult<()> {
    store::save_info(
        core.db().pool(),
        &session.instance_id,
        session.generation,
        &info.bounded(),
    )
    .await?;
    Ok(())
}

/// How long a heartbeat waits to be stored with the others that arrive meanwhile.
pub const PING_FLUSH_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Heartbeats received and not stored yet: node id → (connection generation, at).
/// 10,000 nodes beating every 15 s are ~670 heartbeats a second: one transaction a
/// second for all of them instead of one each (each a write, queued behind the Run
/// Command writer on SQLite).
#[derive(Default)]
pub struct Pings {
    pending: std::sync::Mutex<std::collections::HashMap<String, (i64, i64)>>,
}

/// Records a heartbeat; it is stored within [`PING_FLUSH_AFTER`], with the others that
/// arrived meanwhile (the first one of a batch schedules the store). A connection found
/// to be no longer its node's current one then (superseded or deregistered, possibly
/// through a replica whose notice this one missed) is cut.
pub fn heartbeat(core: &Core, session: &NodeSession) {
    let first = {
        let mut pending = core
            .pings()
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let first = pending.is_empty();
        let now = core.now_ms();
        // A superseded connection beating late does not hide the newer one's beat.
        pending
            .entry(session.instance_id.clone())
            .and_modify(|(generation, at)| {
                if session.generation >= *generation {
                    (*generation, *at) = (session.generation, now);
                }
            })
            .or_insert((session.generation, now));
        first
    };
    if first {
        let core = core.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PING_FLUSH_AFTER).await;
            if let Err(e) = flush_pings(&core).await {
                tracing::warn!(error = %e.message, "heartbeats not recorded");
            }
        });
    }
}

/// Stores the heartbeats received so far in one transaction and cuts this process's
/// links whose connection is no longer current. Returns the stale connections' node ids.
pub async fn flush_pings(core: &Core) -> ServiceResult<Vec<String>> {
    let pending = std::mem::take(
        &mut *core
            .pings()
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut pings: Vec<(String, i64, i64)> = pending
        .into_iter()
        .map(|(id, (generation, at))| (id, generation, at))
        .collect();
    // One order for every writer of these rows (PostgreSQL replicas).
    pings.sort();
    let mut tx = core.db().begin().await?;
    let current: std::collections::HashSet<String> = store::ping_many(&mut tx, &pings)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    let mut stale = Vec::new();
    for (id, generation, _) in pings {
        if !current.contains(&id) {
            core.links()
                .cut_older(&id, generation + 1, CutReason::Superseded);
            stale.push(id);
        }
    }
    Ok(stale)
}

pub async fn link_closed(core: &Core, session: &NodeSession) -> ServiceResult<()> {
    store::disconnect(core.db().pool(), &session.instance_id, session.generation).await?;
    Ok(())
}

/// DeregisterManagedInstance (operator): the node becomes Inactive, its link is cut at
/// once and it can never authenticate again.
pub async fn deregister_managed_instance(
    core: &Core,
    actor: &Actor,
    instance_id: &str,
) -> ServiceResult<()> {
    let resource = format!("managed-instance/{instance_id}");
    core.authorize(
        actor,
        Role::Operator,
        "DeregisterManagedInstance",
        &resource,
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::deregister(&mut *tx, instance_id, now).await? {
        return Err(ServiceError::not_found(format!(
            "The managed node {instance_id} does not exist or is already deregistered."
        ))
        .with_exception("InvalidInstanceId"));
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeregisterManagedInstance",
        &resource,
        Outcome::Success,
        "",
    )
    .await?;
    tx.commit().await?;
    crate::cluster::publish(
        core,
        crate::cluster::Notice::CutLink {
            instance_id: instance_id.to_string(),
            below_generation: i64::MAX,
            reason: CutReason::Deregistered,
        },
    )
    .await;
    Ok(())
}

fn invalid_filter(message: String) -> ServiceError {
    ServiceError::validation(message).with_exception("InvalidInstanceInformationFilterValue")
}

/// Builds a filter from DescribeInstanceInformation's two filter lists (both are
/// `(key, values)` here).
pub fn filter_from(filters: &[(String, Vec<String>)]) -> ServiceResult<Filter> {
    let mut f = Filter::default();
    for (key, values) in filters {
        if values.is_empty() {
            return Err(invalid_filter(format!(
                "Filter {key} needs at least one value."
            )));
        }
        match key.as_str() {
            "InstanceIds" => f.ids.extend(values.iter().cloned()),
            "PingStatus" => {
                if let Some(bad) = values
                    .iter()
                    .find(|v| !matches!(v.as_str(), "Online" | "ConnectionLost" | "Inactive"))
                {
                    return Err(invalid_filter(format!(
                        "{bad} is not a PingStatus: use Online, ConnectionLost or Inactive."
                    )));
                }
                f.ping_statuses.extend(values.iter().cloned());
            }
            "PlatformTypes" => {
                if let Some(bad) = values
                    .iter()
                    .find(|v| !matches!(v.as_str(), "Windows" | "Linux" | "MacOS"))
                {
                    return Err(invalid_filter(format!(
                        "{bad} is not a PlatformType: use Windows, Linux or MacOS."
                    )));
                }
                f.platform_types.extend(values.iter().cloned());
            }
            "AgentVersion" => f.agent_versions.extend(values.iter().cloned()),
            "ActivationIds" => f.activation_ids.extend(values.iter().cloned()),
            "IamRole" => f.iam_roles.extend(values.iter().cloned()),
            "ResourceType" => {
                // Every node here is a ManagedInstance; EC2Instance matches nothing.
                if !values.iter().any(|v| v == "ManagedInstance") {
                    f.ids.push(String::new());
                }
            }
            "tag-key" => f.tag_keys.extend(values.iter().cloned()),
            other => match other.strip_prefix("tag:") {
                Some(k) if !k.is_empty() => f.tags.push((k.to_string(), values.clone())),
                _ => {
                    return Err(ServiceError::validation(format!(
                        "{other} is not a filter key of DescribeInstanceInformation."
                    ))
                    .with_exception("InvalidFilterKey"))
                }
            },
        }
    }
    Ok(f)
}

async fn with_tags(core: &Core, mut nodes: Vec<ManagedNode>) -> ServiceResult<Vec<ManagedNode>> {
    for n in &mut nodes {
        n.tags = tags::store::of(core.db().pool(), TAG_RESOURCE_TYPE, &n.instance_id).await?;
    }
    Ok(nodes)
}

/// DescribeInstanceInformation: pages of 5–50 (default 50).
pub async fn describe_instance_information(
    core: &Core,
    actor: &Actor,
    filters: &[(String, Vec<String>)],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ManagedNode>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstanceInformation",
        "managed-instances",
    )
    .await?;
    let f = filter_from(filters)?;
    let limit = max_results.unwrap_or(50).clamp(5, 50);
    let offset = crate::paging::offset_of("nodes", next_token)?;
    let rows = store::list(core.db().pool(), &f, "registered_at ASC", limit + 1, offset).await?;
    let (rows, next) = crate::paging::split(rows, "nodes", offset, limit);
    Ok((with_tags(core, rows).await?, next))
}

/// One node with its tags (the console's node page).
pub async fn get_node(core: &Core, actor: &Actor, instance_id: &str) -> ServiceResult<ManagedNode> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstanceInformation",
        &format!("managed-instance/{instance_id}"),
    )
    .await?;
    let f = Filter {
        ids: vec![instance_id.to_string()],
        ..Filter::default()
    };
    let rows = store::list(core.db().pool(), &f, "registered_at ASC", 1, 0).await?;
    let Some(node) = rows.into_iter().next() else {
        return Err(ServiceError::not_found(format!(
            "The managed node {instance_id} does not exist."
        ))
        .with_exception("InvalidInstanceId"));
    };
    Ok(with_tags(core, vec![node]).await?.remove(0))
}

/// The Fleet page's list: text search, status and platform filters, sorting.
pub async fn list_nodes(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<ManagedNode>> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstanceInformation",
        "managed-instances",
    )
    .await?;
    let mut f = Filter {
        text: query.q.clone(),
        ..Filter::default()
    };
    if let Some(s) = query.filter("status") {
        f.ping_statuses.push(s.to_string());
    }
    if let Some(p) = query.filter("platform") {
        f.platform_types.push(p.to_string());
    }
    if let Some(t) = query.filter("tag") {
        match t.split_once('=') {
            Some((k, v)) => f.tags.push((k.to_string(), vec![v.to_string()])),
            None => f.tag_keys.push(t.to_string()),
        }
    }
    let order = match (query.sort.as_deref(), query.desc) {
        (Some("name"), false) => "name ASC",
        (Some("name"), true) => "name DESC",
        (Some("status"), false) => "ping_status ASC",
        (Some("status"), true) => "ping_status DESC",
        (Some("last_ping"), false) => "last_ping_at ASC",
        (Some("last_ping"), true) => "last_ping_at DESC",
        (Some("registered"), true) => "registered_at DESC",
        _ => "registered_at ASC",
    };
    let total = store::count(core.db().pool(), &f).await?;
    let rows = store::list(
        core.db().pool(),
        &f,
        order,
        i64::from(query.per_page()),
        query.offset(),
    )
    .await?;
    Ok(Page {
        items: with_tags(core, rows).await?,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// Nodes by ping status.
pub async fn count_nodes_by_status(
    core: &Core,
    actor: &Actor,
) -> ServiceResult<Vec<(String, i64)>> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstanceInformation",
        "managed-instances",
    )
    .await?;
    Ok(store::counts_by_status(core.db().pool()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_have_ssm_shape() {
        for _ in 0..100 {
            assert!(bosun_protocol::is_managed_instance_id(&new_instance_id()));
        }
    }

    #[test]
    fn filters_are_checked() {
        let f = filter_from(&[
            ("PingStatus".into(), vec!["Online".into()]),
            ("tag:Env".into(), vec!["prod".into()]),
        ])
        .expect("ok");
        assert_eq!(f.ping_statuses, vec!["Online".to_string()]);
        assert_eq!(f.tags, vec![("Env".to_string(), vec!["prod".to_string()])]);
        let e =
            filter_from(&[("PingStatus".into(), vec!["Sleeping".into()])]).expect_err("bad value");
        assert_eq!(e.exception, Some("InvalidInstanceInformationFilterValue"));
        let e = filter_from(&[("Colour".into(), vec!["x".into()])]).expect_err("bad key");
        assert_eq!(e.exception, Some("InvalidFilterKey"));
        let e = filter_from(&[("InstanceIds".into(), vec![])]).expect_err("empty");
        assert_eq!(e.exception, Some("InvalidInstanceInformationFilterValue"));
    }
}
