//! The outbox table (SQL only).

use crate::db::Tx;
use sqlx::{Any, Executor, Row};

/// A queued notification as the dispatcher sees it.
#[derive(Clone, Debug)]
pub struct Queued {
    pub id: String,
    pub kind: String,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    kind: &str,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (id, kind, body, created_at, status, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $4)",
    )
    .bind(id)
    .bind(kind)
    .bind(body)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Pending notifications due at `now`, oldest first.
pub async fn due<'e, E: Executor<'e, Database = Any>>(
    e: E,
    now: i64,
    limit: i64,
) -> Result<Vec<Queued>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, body, created_at, attempts, next_attempt_at FROM outbox \
         WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, created_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Queued {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
            })
        })
        .collect()
}

/// Takes `q` for an attempt: counts it and moves its next attempt past the claim
/// period, only if no one else moved it since it was read. True when this caller holds
/// the claim.
pub async fn claim<'e, E: Executor<'e, Database = Any>>(
    e: E,
    q: &Queued,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 \
         WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
    )
    .bind(until)
    .bind(&q.id)
    .bind(q.next_attempt_at)
    .execute(e)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delivered<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'delivered', done_at = $1, last_error = NULL WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn retry_at<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND status = 'pending'",
    )
    .bind(at)
    .bind(error)
    .bind(id)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn give_up(tx: &mut Tx, id: &str, now: i64, error: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'failed', done_at = $1, last_error = $2 \
         WHERE id = $3 AND status = 'pending'",
    )
    .bind(now)
    .bind(error)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes delivered and failed notifications finished before `before`.
pub async fn prune<'e, E: Executor<'e, Database = Any>>(
    e: E,
    before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM outbox WHERE status <> 'pending' AND done_at < $1")
            .bind(before)
            .execute(e)
            .await?
            .rows_affected(),
    )
}

/// (status, attempts, last_error) of one notification.
pub async fn state<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<(String, i64, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await
}
