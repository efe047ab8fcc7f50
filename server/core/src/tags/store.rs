//! SQL for tags.

use crate::types::Tag;
use sqlx::{Any, Executor, Row};

/// Adds or overwrites tags of one resource.
pub async fn put(
    tx: &mut crate::db::Tx,
    resource_type: &str,
    resource_id: &str,
    tags: &[Tag],
) -> Result<(), sqlx::Error> {
    for t in tags {
        sqlx::query(
            "INSERT INTO tags (resource_type, resource_id, key, value) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (resource_type, resource_id, key) DO UPDATE SET value = excluded.value",
        )
        .bind(resource_type)
        .bind(resource_id)
        .bind(&t.key)
        .bind(&t.value)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    resource_type: &str,
    resource_id: &str,
) -> Result<Vec<Tag>, sqlx::Error> {
    sqlx::query(
        "SELECT key, value FROM tags WHERE resource_type = $1 AND resource_id = $2 ORDER BY key",
    )
    .bind(resource_type)
    .bind(resource_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(|r| {
        Ok(Tag {
            key: r.try_get("key")?,
            value: r.try_get("value")?,
        })
    })
    .collect()
}

pub async fn delete_all<'e, E: Executor<'e, Database = Any>>(
    e: E,
    resource_type: &str,
    resource_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2")
        .bind(resource_type)
        .bind(resource_id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn delete_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    resource_type: &str,
    resource_id: &str,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2 AND key = $3")
        .bind(resource_type)
        .bind(resource_id)
        .bind(key)
        .execute(e)
        .await?;
    Ok(())
}
