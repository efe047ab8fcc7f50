//! SQL for users and access keys. No rules here: see `service`.

use crate::db::{like_pattern, Row};
use crate::types::{AccessKeySummary, ListQuery, Role, UserSummary};
use sqlx::{Any, Executor, Row as _};

#[derive(Clone)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub session_epoch: i64,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

fn user_from_row(r: &Row) -> Result<UserRecord, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(UserRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: Role::parse(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role:?}").into()))?,
        password_hash: r.try_get("password_hash")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        session_epoch: r.try_get("session_epoch")?,
    })
}

const USER_COLUMNS: &str = "id, name, role, password_hash, disabled, session_epoch";

pub async fn count_users<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(e)
        .await
}

pub async fn count_enabled_admins<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
        .fetch_one(e)
        .await
}

pub async fn insert_user<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, name, role, password_hash, disabled, session_epoch, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, 0, $5, $5)",
    )
    .bind(id)
    .bind(name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now_ms)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn user_by_name<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1");
    sqlx::query(&sql)
        .bind(name)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

pub async fn user_by_id<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

pub async fn set_role<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    role: Role,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now_ms)
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn set_disabled<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    disabled: bool,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled = $1, session_epoch = session_epoch + 1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(now_ms)
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// Sets the password hash and moves the session epoch; returns the new epoch.
pub async fn set_password<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    hash: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now_ms)
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn touch_login<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn delete_sessions_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    user_id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(e)
        .await?
        .rows_affected())
}

fn user_sort(key: Option<&str>) -> &'static str {
    match key {
        Some("role") => "u.role",
        Some("created") => "u.created_at",
        Some("last_login") => "u.last_login_at",
        Some("status") => "u.disabled",
        _ => "u.name",
    }
}

pub async fn list_users<'e, E>(e: E, query: &ListQuery) -> Result<Vec<UserSummary>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let (where_clause, binds) = user_filter(query);
    let sql = format!(
        "SELECT u.name, u.role, u.disabled, u.created_at, u.last_login_at, \
         (SELECT COUNT(*) FROM access_keys k WHERE k.user_id = u.id) AS keys \
         FROM users u {where_clause} ORDER BY {} {}, u.name LIMIT {} OFFSET {}",
        user_sort(query.sort.as_deref()),
        if query.desc { "DESC" } else { "ASC" },
        query.per_page(),
        query.offset()
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(UserSummary {
                name: r.try_get("name")?,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                disabled: r.try_get::<i64, _>("disabled")? != 0,
                created_at: r.try_get("created_at")?,
                last_login_at: r.try_get("last_login_at")?,
                access_keys: r.try_get("keys")?,
            })
        })
        .collect()
}

pub async fn count_users_matching<'e, E: Executor<'e, Database = Any>>(
    e: E,
    query: &ListQuery,
) -> Result<i64, sqlx::Error> {
    let (where_clause, binds) = user_filter(query);
    let sql = format!("SELECT COUNT(*) FROM users u {where_clause}");
    let mut q = sqlx::query_scalar(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_one(e).await
}

fn user_filter(query: &ListQuery) -> (String, Vec<String>) {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        binds.push(like_pattern(&q.to_lowercase()));
        conditions.push(format!("LOWER(u.name) LIKE ${} ESCAPE '\\'", binds.len()));
    }
    if let Some(role) = query.filter("role").and_then(Role::parse) {
        binds.push(role.as_str().to_string());
        conditions.push(format!("u.role = ${}", binds.len()));
    }
    match query.filter("status") {
        Some("active") => conditions.push("u.disabled = 0".into()),
        Some("disabled") => conditions.push("u.disabled = 1".into()),
        _ => {}
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (clause, binds)
}

pub async fn insert_access_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    access_key_id: &str,
    user_id: &str,
    sealed: &[u8],
    description: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, description, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(access_key_id)
    .bind(user_id)
    .bind(sealed.to_vec())
    .bind(description)
    .bind(now_ms)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn count_access_keys<'e, E: Executor<'e, Database = Any>>(
    e: E,
    user_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM access_keys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(e)
        .await
}

pub async fn access_keys_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    user_id: &str,
) -> Result<Vec<AccessKeySummary>, sqlx::Error> {
    sqlx::query(
        "SELECT k.access_key_id, u.name, k.description, k.created_at, k.last_used_at \
         FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.user_id = $1 ORDER BY k.created_at, k.access_key_id",
    )
    .bind(user_id)
    .fetch_all(e)
    .await?
    .iter()
    .map(|r| {
        Ok(AccessKeySummary {
            access_key_id: r.try_get("access_key_id")?,
            user: r.try_get("name")?,
            description: r.try_get("description")?,
            created_at: r.try_get("created_at")?,
            last_used_at: r.try_get("last_used_at")?,
        })
    })
    .collect()
}

/// The key's owner id and sealed secret.
pub async fn access_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    access_key_id: &str,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT user_id, secret_sealed FROM access_keys WHERE access_key_id = $1")
            .bind(access_key_id)
            .fetch_optional(e)
            .await?;
    row.map(|r| Ok((r.try_get("user_id")?, r.try_get("secret_sealed")?)))
        .transpose()
}

/// A key's sealed secret and its owner, in one query (every signed request asks).
pub async fn access_key_owner<'e, E: Executor<'e, Database = Any>>(
    e: E,
    access_key_id: &str,
) -> Result<Option<(Vec<u8>, UserRecord)>, sqlx::Error> {
    let cols: Vec<String> = USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect();
    let row = sqlx::query(&format!(
        "SELECT k.secret_sealed, {} FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key_id = $1",
        cols.join(", ")
    ))
    .bind(access_key_id)
    .fetch_optional(e)
    .await?;
    row.map(|r| Ok((r.try_get("secret_sealed")?, user_from_row(&r)?)))
        .transpose()
}

pub async fn delete_access_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    access_key_id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM access_keys WHERE access_key_id = $1")
            .bind(access_key_id)
            .execute(e)
            .await?
            .rows_affected(),
    )
}

/// Records use, at most once a minute per key, so signed requests do not all write.
pub async fn touch_access_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    access_key_id: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE access_keys SET last_used_at = $1 WHERE access_key_id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now_ms)
    .bind(access_key_id)
    .bind(now_ms - 60_000)
    .execute(e)
    .await?;
    Ok(())
}
