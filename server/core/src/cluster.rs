//! Several server replicas over one database (DESIGN-NOTES §5).
//!
//! Every server process is a *replica* with a random id (`Core::replica_id`) and a row
//! in `replicas` that it refreshes every [`BEAT`]. A node's row records which replica
//! holds its current connection (`managed_instances.connected_replica`), so:
//!
//! - a replica that starts, stops or dies never leaves nodes shown `Online` that no
//!   replica holds: at start the nodes of replicas that are gone are marked
//!   `ConnectionLost`; at a clean stop a replica releases its own; a crashed replica's
//!   row stops moving and the first replica to notice ([`STALE_AFTER_MS`]) releases its
//!   nodes and removes the row;
//! - a change on one replica that concerns a link another holds travels as a
//!   [`Notice`]: applied at once in this process and, on PostgreSQL, sent with
//!   `pg_notify` on the [`CHANNEL`] that every replica LISTENs to. A notice missed while
//!   a listener reconnects is covered by the link itself: a connection whose heartbeat
//!   no longer updates its row (superseded, deregistered) ends.
//!
//! With SQLite there is one replica by construction (the file is local): at start it
//! removes every other replica row, and notices stay in-process.

use crate::db::Backend;
use crate::links::CutReason;
use crate::Core;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, Row as _};
use std::time::Duration;

/// How often a replica refreshes its row and sweeps for dead replicas.
pub const BEAT: Duration = Duration::from_secs(5);
/// A replica whose row has not moved for this long is dead.
pub const STALE_AFTER_MS: i64 = 20_000;
/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "bosun_cluster";

/// Something every replica must apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Notice {
    /// Cut the node's link if it is older than `below_generation` (deregistration
    /// sends `i64::MAX`: any link).
    CutLink {
        instance_id: String,
        below_generation: i64,
        reason: CutReason,
    },
    /// Deliver the command's released invocations to the nodes whose links this
    /// replica holds (Run is too large for a notice; the replica reads it).
    Deliver { command_id: String },
    /// Cancel an invocation on the node, if this replica holds its link.
    Cancel {
        instance_id: String,
        invocation_id: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    notice: Notice,
}

fn apply(core: &Core, notice: &Notice) {
    match notice {
        Notice::CutLink {
            instance_id,
            below_generation,
            reason,
        } => {
            core.links()
                .cut_older(instance_id, *below_generation, *reason);
        }
        Notice::Deliver { command_id } => {
            let (core, command_id) = (core.clone(), command_id.clone());
            tokio::spawn(async move {
                crate::commands::engine::deliver_here(&core, &command_id).await;
            });
        }
        Notice::Cancel {
            instance_id,
            invocation_id,
        } => {
            core.links().send(
                instance_id,
                bosun_protocol::ServerMessage::Cancel {
                    invocation_id: invocation_id.clone(),
                },
            );
        }
    }
}

/// Applies `notice` here and tells the other replicas. Call it after the change it
/// announces has committed.
pub async fn publish(core: &Core, notice: Notice) {
    apply(core, &notice);
    publish_to_others(core, notice).await;
}

/// Tells the other replicas only (this one has done its part already). Nothing with
/// SQLite, which has one replica.
pub async fn publish_to_others(core: &Core, notice: Notice) {
    if core.db().backend() != Backend::Postgres {
        return;
    }
    let payload = match serde_json::to_string(&Envelope {
        origin: core.replica_id().to_string(),
        notice,
    }) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cluster notice not encoded");
            return;
        }
    };
    if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(core.db().pool())
        .await
    {
        tracing::warn!(error = %e, "cluster notice not sent; links recover by heartbeat");
    }
}

/// Joins the cluster before the server accepts links: records this replica and
/// releases the nodes no live replica holds.
pub async fn join(core: &Core) -> Result<u64, sqlx::Error> {
    let now = core.now_ms();
    let pool = core.db().pool();
    if core.db().backend() == Backend::Sqlite {
        sqlx::query("DELETE FROM replicas").execute(pool).await?;
    }
    upsert(pool, core.replica_id(), now).await?;
    sweep(pool, now).await
}

async fn upsert<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO replicas (id, started_at, seen_at) VALUES ($1, $2, $2) \
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// Refreshes this replica's row and releases the nodes of dead replicas. Returns how
/// many nodes were released.
pub async fn beat(core: &Core) -> Result<u64, sqlx::Error> {
    let now = core.now_ms();
    let pool = core.db().pool();
    let r = sqlx::query("UPDATE replicas SET seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(core.replica_id())
        .execute(pool)
        .await?;
    if r.rows_affected() == 0 {
        // Another replica took us for dead (a long pause): our nodes were released and
        // their links end at their next heartbeat; carry on as a live replica.
        tracing::warn!(
            replica = core.replica_id(),
            "this replica was presumed dead; rejoining"
        );
        upsert(pool, core.replica_id(), now).await?;
    }
    sweep(pool, now).await
}

async fn sweep<'e, E: Executor<'e, Database = Any> + Copy>(
    e: E,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let cutoff = now - STALE_AFTER_MS;
    let released = sqlx::query(
        "UPDATE managed_instances SET ping_status = 'ConnectionLost', connected_replica = NULL \
         WHERE ping_status = 'Online' AND (connected_replica IS NULL OR connected_replica NOT IN \
         (SELECT id FROM replicas WHERE seen_at >= $1))",
    )
    .bind(cutoff)
    .execute(e)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM replicas WHERE seen_at < $1")
        .bind(cutoff)
        .execute(e)
        .await?;
    Ok(released)
}

/// Leaves the cluster at a clean stop: this replica's nodes are no longer connected.
pub async fn leave(core: &Core) -> Result<(), sqlx::Error> {
    let pool = core.db().pool();
    sqlx::query(
        "UPDATE managed_instances SET ping_status = 'ConnectionLost', connected_replica = NULL \
         WHERE connected_replica = $1 AND ping_status = 'Online'",
    )
    .bind(core.replica_id())
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM replicas WHERE id = $1")
        .bind(core.replica_id())
        .execute(pool)
        .await?;
    Ok(())
}

/// The live replicas (id, started, last seen), newest first.
pub async fn replicas(core: &Core) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query("SELECT id, started_at, seen_at FROM replicas ORDER BY started_at DESC")
        .fetch_all(core.db().pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("started_at")?,
                r.try_get("seen_at")?,
            ))
        })
        .collect()
}

/// The background work of a replica: the beat and, on PostgreSQL, the listener.
pub struct Tasks {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Tasks {
    /// Stops the background work and leaves the cluster.
    pub async fn stop(self, core: &Core) {
        for h in self.handles {
            h.abort();
        }
        if let Err(e) = leave(core).await {
            tracing::warn!(error = %e, "could not leave the cluster cleanly");
        }
    }
}

/// Starts the beat and, on PostgreSQL, the notice listener. Call after [`join`].
pub fn spawn(core: &Core) -> Tasks {
    let mut handles = Vec::new();
    let c = core.clone();
    handles.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(BEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match beat(&c).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(nodes = n, "nodes of a dead replica marked ConnectionLost"),
                Err(e) => tracing::warn!(error = %e, "replica beat failed"),
            }
        }
    }));
    if core.db().backend() == Backend::Postgres {
        let c = core.clone();
        handles.push(tokio::spawn(async move { listen(c).await }));
    }
    Tasks { handles }
}

async fn listen(core: Core) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(core.db().url()).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cluster listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cluster listener cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            // `recv` reconnects by itself after a lost connection; notices sent while
            // it was away are lost, which the links' heartbeat check covers.
            match listener.recv().await {
                Ok(n) => match serde_json::from_str::<Envelope>(n.payload()) {
                    Ok(env) if env.origin == core.replica_id() => {}
                    Ok(env) => apply(&core, &env.notice),
                    Err(e) => tracing::warn!(error = %e, "unreadable cluster notice ignored"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "cluster listener lost; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_as_json() {
        let n = Notice::CutLink {
            instance_id: "mi-0123456789abcdef0".into(),
            below_generation: i64::MAX,
            reason: CutReason::Deregistered,
        };
        let text = serde_json::to_string(&Envelope {
            origin: "r-1".into(),
            notice: n.clone(),
        })
        .expect("encode");
        assert!(
            text.len() < 8000,
            "pg_notify payloads are limited to 8000 bytes"
        );
        let back: Envelope = serde_json::from_str(&text).expect("decode");
        assert_eq!(back.notice, n);
    }
}
