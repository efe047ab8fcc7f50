//! SQL for activations.

use crate::db::Row;
use sqlx::{Any, Executor, Row as _};

pub struct ActivationRow {
    pub id: String,
    pub description: String,
    pub default_instance_name: String,
    pub iam_role: String,
    pub registration_limit: i64,
    pub registrations_count: i64,
    pub expires_at: i64,
    pub created_at: i64,
}

pub struct NewActivationRow<'a> {
    pub id: &'a str,
    pub code_hash: &'a str,
    pub description: &'a str,
    pub default_instance_name: &'a str,
    pub iam_role: &'a str,
    pub registration_limit: i64,
    pub registration_metadata: &'a str,
    pub expires_at: i64,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, description, default_instance_name, iam_role, registration_limit, registrations_count, expires_at, created_at";

fn from_row(r: &Row) -> Result<ActivationRow, sqlx::Error> {
    Ok(ActivationRow {
        id: r.try_get("id")?,
        description: r.try_get("description")?,
        default_instance_name: r.try_get("default_instance_name")?,
        iam_role: r.try_get("iam_role")?,
        registration_limit: r.try_get("registration_limit")?,
        registrations_count: r.try_get("registrations_count")?,
        expires_at: r.try_get("expires_at")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn exists<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT 1 FROM activations WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await?
        .is_some())
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    e: E,
    a: &NewActivationRow<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO activations (id, code_hash, description, default_instance_name, iam_role, registration_limit, \
         registrations_count, registration_metadata, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)",
    )
    .bind(a.id)
    .bind(a.code_hash)
    .bind(a.description)
    .bind(a.default_instance_name)
    .bind(a.iam_role)
    .bind(a.registration_limit)
    .bind(a.registration_metadata)
    .bind(a.expires_at)
    .bind(a.created_at)
    .execute(e)
    .await?;
    Ok(())
}

/// Filters: ids (any of), default instance names (any of), IAM roles (any of); empty
/// lists do not filter.
#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub ids: Vec<String>,
    pub default_instance_names: Vec<String>,
    pub iam_roles: Vec<String>,
    /// Free text over id, description and default name (console).
    pub text: Option<String>,
}

fn where_clause(f: &Filter) -> (String, Vec<String>) {
    let mut w = crate::db::Where::default();
    w.any_of("id", &f.ids)
        .any_of("default_instance_name", &f.default_instance_names)
        .any_of("iam_role", &f.iam_roles)
        .text_in(
            &["id", "description", "default_instance_name"],
            f.text.as_deref(),
        );
    w.finish()
}

pub async fn count<'e, E: Executor<'e, Database = Any>>(
    e: E,
    f: &Filter,
) -> Result<i64, sqlx::Error> {
    let (clause, binds) = where_clause(f);
    crate::db::count_where(e, "activations", &clause, binds).await
}

/// Newest first; `order` is a column this module chose, never caller text.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    e: E,
    f: &Filter,
    order: &'static str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ActivationRow>, sqlx::Error> {
    let (clause, binds) = where_clause(f);
    crate::db::page_where(
        e,
        &format!("{COLUMNS} FROM activations"),
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

pub async fn delete<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM activations WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?
        .rows_affected())
}
