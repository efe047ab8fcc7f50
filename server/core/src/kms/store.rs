//! SQL for named keys and their material versions.

use crate::db::Row;
use sqlx::{Any, Executor, Row as _};

pub struct KeyRow {
    pub id: String,
    pub alias: Option<String>,
    pub description: String,
    pub current_version: i64,
    pub created_at: i64,
    pub created_by: String,
    /// Material versions stored, and how many of them are retired.
    pub versions: i64,
    pub retired_versions: i64,
}

pub struct NewKeyRow<'a> {
    pub id: &'a str,
    pub alias: Option<&'a str>,
    pub description: &'a str,
    pub created_at: i64,
    pub created_by: &'a str,
}

const COLUMNS: &str = "k.id, k.alias, k.description, k.current_version, k.created_at, k.created_by, \
     (SELECT COUNT(*) FROM kms_key_versions v WHERE v.key_id = k.id) AS versions, \
     (SELECT COUNT(*) FROM kms_key_versions v WHERE v.key_id = k.id AND v.retired_at IS NOT NULL) AS retired_versions";

fn from_row(r: &Row) -> Result<KeyRow, sqlx::Error> {
    Ok(KeyRow {
        id: r.try_get("id")?,
        alias: r.try_get("alias")?,
        description: r.try_get("description")?,
        current_version: r.try_get("current_version")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        versions: r.try_get("versions")?,
        retired_versions: r.try_get("retired_versions")?,
    })
}

/// Inserts a key at version 1 unless its id or alias exists; whether it did. The
/// caller inserts version 1's material in the same transaction.
pub async fn insert_key_if_absent<'e, E: Executor<'e, Database = Any>>(
    e: E,
    k: &NewKeyRow<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO kms_keys (id, alias, description, current_version, created_at, created_by) \
         VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(k.id)
    .bind(k.alias)
    .bind(k.description)
    .bind(k.created_at)
    .bind(k.created_by)
    .execute(e)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_id: &str,
    version: i64,
    material_sealed: &[u8],
    created_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO kms_key_versions (key_id, version, material_sealed, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(key_id)
    .bind(version)
    .bind(material_sealed.to_vec())
    .bind(created_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<KeyRow>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM kms_keys k WHERE k.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn by_alias<'e, E: Executor<'e, Database = Any>>(
    e: E,
    alias: &str,
) -> Result<Option<KeyRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM kms_keys k WHERE k.alias = $1"
    ))
    .bind(alias)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Every key, aliased ones first by alias, then by creation.
pub async fn list<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<Vec<KeyRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM kms_keys k \
         ORDER BY CASE WHEN k.alias IS NULL THEN 1 ELSE 0 END, k.alias, k.created_at, k.id"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The sealed material of one version.
pub async fn material<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_id: &str,
    version: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT material_sealed FROM kms_key_versions WHERE key_id = $1 AND version = $2",
    )
    .bind(key_id)
    .bind(version)
    .fetch_optional(e)
    .await
}

/// Moves a key's current version one up; the new version, or `None` for an unknown
/// key. The `UPDATE` comes first so that, on PostgreSQL, a concurrent rotation of the
/// same key waits on the row lock and then moves one further.
pub async fn bump_current_version(
    tx: &mut crate::db::Tx,
    key_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let done =
        sqlx::query("UPDATE kms_keys SET current_version = current_version + 1 WHERE id = $1")
            .bind(key_id)
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT current_version FROM kms_keys WHERE id = $1")
        .bind(key_id)
        .fetch_optional(&mut **tx)
        .await
}

/// Versions of a key that are neither retired nor `current` (candidates to retire).
pub async fn retirable_versions<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_id: &str,
    current: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT version FROM kms_key_versions WHERE key_id = $1 AND version <> $2 AND retired_at IS NULL ORDER BY version",
    )
    .bind(key_id)
    .bind(current)
    .fetch_all(e)
    .await
}

/// Marks one version retired unless it is the key's current version (checked in the
/// statement, so a rotation cannot slip in between); whether it did.
pub async fn retire_version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_id: &str,
    version: i64,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE kms_key_versions SET retired_at = $3 WHERE key_id = $1 AND version = $2 AND retired_at IS NULL \
         AND version <> (SELECT current_version FROM kms_keys WHERE id = $1)",
    )
    .bind(key_id)
    .bind(version)
    .bind(now_ms)
    .execute(e)
    .await?;
    Ok(done.rows_affected() == 1)
}
