//! SQL for documents and their versions.

use sqlx::{Any, Executor, Row as _};

/// A document's row.
#[derive(Clone, Debug)]
pub struct DocumentRow {
    pub name: String,
    pub document_type: String,
    pub target_type: String,
    pub default_version: i64,
    pub latest_version: i64,
    pub created_at: i64,
}

/// One version's row.
#[derive(Clone, Debug)]
pub struct VersionRow {
    pub name: String,
    pub version: i64,
    pub version_name: Option<String>,
    pub display_name: String,
    pub content: String,
    pub format: String,
    pub schema_version: String,
    pub description: String,
    pub hash: String,
    pub created_at: i64,
}

const DOC_COLUMNS: &str =
    "name, document_type, target_type, default_version, latest_version, created_at";
const VERSION_COLUMNS: &str = "name, version, version_name, display_name, content, format, schema_version, description, hash, created_at";

fn doc_row(r: &crate::db::Row) -> Result<DocumentRow, sqlx::Error> {
    Ok(DocumentRow {
        name: r.try_get("name")?,
        document_type: r.try_get("document_type")?,
        target_type: r.try_get("target_type")?,
        default_version: r.try_get("default_version")?,
        latest_version: r.try_get("latest_version")?,
        created_at: r.try_get("created_at")?,
    })
}

fn version_row(r: &crate::db::Row) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        version_name: r.try_get("version_name")?,
        display_name: r.try_get("display_name")?,
        content: r.try_get("content")?,
        format: r.try_get("format")?,
        schema_version: r.try_get("schema_version")?,
        description: r.try_get("description")?,
        hash: r.try_get("hash")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn document<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(doc_row)
    .transpose()
}

/// Every document (the service filters and pages; accounts hold hundreds, not
/// millions).
pub async fn documents<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {DOC_COLUMNS} FROM documents ORDER BY name"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(doc_row)
    .collect()
}

pub async fn insert_document<'e, E: Executor<'e, Database = Any>>(
    e: E,
    d: &DocumentRow,
    created_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO documents (name, document_type, target_type, default_version, latest_version, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&d.name)
    .bind(&d.document_type)
    .bind(&d.target_type)
    .bind(d.default_version)
    .bind(d.latest_version)
    .bind(d.created_at)
    .bind(created_by)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn insert_version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    v: &VersionRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO document_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&v.name)
    .bind(v.version)
    .bind(&v.version_name)
    .bind(&v.display_name)
    .bind(&v.content)
    .bind(&v.format)
    .bind(&v.schema_version)
    .bind(&v.description)
    .bind(&v.hash)
    .bind(v.created_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    version: i64,
) -> Result<Option<VersionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM document_versions WHERE name = $1 AND version = $2"
    ))
    .bind(name)
    .bind(version)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(version_row)
    .transpose()
}

pub async fn version_named<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    version_name: &str,
) -> Result<Option<VersionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM document_versions WHERE name = $1 AND version_name = $2"
    ))
    .bind(name)
    .bind(version_name)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(version_row)
    .transpose()
}

/// Versions of a document, newest first.
pub async fn versions<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM document_versions WHERE name = $1 ORDER BY version DESC LIMIT $2 OFFSET $3"
    ))
    .bind(name)
    .bind(limit)
    .bind(offset)
    .fetch_all(e)
    .await?
    .iter()
    .map(version_row)
    .collect()
}

/// Moves `latest_version` forward to `version` if `expected` is still the latest (a
/// concurrent update loses). Returns whether it moved.
pub async fn advance_latest<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    expected: i64,
    version: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE documents SET latest_version = $1 WHERE name = $2 AND latest_version = $3",
    )
    .bind(version)
    .bind(name)
    .bind(expected)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_default<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE documents SET default_version = $1 WHERE name = $2")
        .bind(version)
        .bind(name)
        .execute(e)
        .await?;
    Ok(())
}

/// Recomputes `latest_version` after a version was deleted.
pub async fn refresh_latest<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE documents SET latest_version = (SELECT MAX(version) FROM document_versions WHERE document_versions.name = documents.name) \
         WHERE name = $1",
    )
    .bind(name)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn delete_document<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<bool, sqlx::Error> {
    // Versions go with it (ON DELETE CASCADE on both databases).
    let r = sqlx::query("DELETE FROM documents WHERE name = $1")
        .bind(name)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    version: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM document_versions WHERE name = $1 AND version = $2")
        .bind(name)
        .bind(version)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn count_versions<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM document_versions WHERE name = $1")
        .bind(name)
        .fetch_one(e)
        .await
}
