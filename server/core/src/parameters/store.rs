//! SQL for parameters, their versions, labels and policy events.

use crate::db::{Row, Tx};
use sqlx::{Any, Executor, Row as _};

/// A parameter's current state (no value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamRow {
    pub name: String,
    pub path: String,
    pub r#type: String,
    pub tier: String,
    pub data_type: String,
    pub version: i64,
    pub description: String,
    pub allowed_pattern: String,
    pub key_id: String,
    pub policies: String,
    pub modified_at: i64,
    pub modified_by: String,
    pub expires_at: Option<i64>,
    pub expiry_notice_at: Option<i64>,
    pub no_change_at: Option<i64>,
}

const PARAM_COLUMNS: &str = "name, path, type, tier, data_type, version, description, allowed_pattern, key_id, policies, modified_at, modified_by, expires_at, expiry_notice_at, no_change_at";

fn param_row(r: &Row) -> Result<ParamRow, sqlx::Error> {
    Ok(ParamRow {
        name: r.try_get("name")?,
        path: r.try_get("path")?,
        r#type: r.try_get("type")?,
        tier: r.try_get("tier")?,
        data_type: r.try_get("data_type")?,
        version: r.try_get("version")?,
        description: r.try_get("description")?,
        allowed_pattern: r.try_get("allowed_pattern")?,
        key_id: r.try_get("key_id")?,
        policies: r.try_get("policies")?,
        modified_at: r.try_get("modified_at")?,
        modified_by: r.try_get("modified_by")?,
        expires_at: r.try_get("expires_at")?,
        expiry_notice_at: r.try_get("expiry_notice_at")?,
        no_change_at: r.try_get("no_change_at")?,
    })
}

/// One kept version, with its value (clear for String/StringList, sealed for
/// SecureString).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRow {
    pub name: String,
    pub version: i64,
    pub r#type: String,
    pub tier: String,
    pub data_type: String,
    pub description: String,
    pub allowed_pattern: String,
    pub key_id: String,
    pub policies: String,
    pub value: Option<String>,
    pub sealed: Option<Vec<u8>>,
    pub modified_at: i64,
    pub modified_by: String,
}

const VERSION_COLUMNS: &str = "name, version, type, tier, data_type, description, allowed_pattern, key_id, policies, value, sealed, modified_at, modified_by";

/// [`VERSION_COLUMNS`] qualified by the alias `v` (for joins with `parameters p`).
fn version_columns_of_v() -> String {
    VERSION_COLUMNS
        .split(", ")
        .map(|c| format!("v.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn version_row(r: &Row) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        r#type: r.try_get("type")?,
        tier: r.try_get("tier")?,
        data_type: r.try_get("data_type")?,
        description: r.try_get("description")?,
        allowed_pattern: r.try_get("allowed_pattern")?,
        key_id: r.try_get("key_id")?,
        policies: r.try_get("policies")?,
        value: r.try_get("value")?,
        sealed: r.try_get("sealed")?,
        modified_at: r.try_get("modified_at")?,
        modified_by: r.try_get("modified_by")?,
    })
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<Option<ParamRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PARAM_COLUMNS} FROM parameters WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(e)
    .await?
    .map(|r| param_row(&r))
    .transpose()
}

/// The parameter and one of its versions (`None`: the latest), in one query.
pub async fn get_version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    version: Option<i64>,
) -> Result<Option<VersionRow>, sqlx::Error> {
    let cols = version_columns_of_v();
    let sql = match version {
        None => format!(
            "SELECT {} FROM parameters p JOIN parameter_versions v ON v.name = p.name AND v.version = p.version WHERE p.name = $1",
            cols
        ),
        Some(_) => format!(
            "SELECT {} FROM parameter_versions v WHERE v.name = $1 AND v.version = $2",
            cols
        ),
    };
    let mut q = sqlx::query(&sql).bind(name);
    if let Some(v) = version {
        q = q.bind(v);
    }
    q.fetch_optional(e)
        .await?
        .map(|r| version_row(&r))
        .transpose()
}

/// The version a label names.
pub async fn label_version<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    label: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM parameter_labels WHERE name = $1 AND label = $2")
        .bind(name)
        .bind(label)
        .fetch_optional(e)
        .await
}

/// The latest versions of many parameters (with values), by name.
pub async fn latest_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    names: &[String],
) -> Result<Vec<VersionRow>, sqlx::Error> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let cols = version_columns_of_v();
    let slots: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {} FROM parameters p JOIN parameter_versions v ON v.name = p.name AND v.version = p.version WHERE p.name IN ({}) ORDER BY p.name",
        cols,
        slots.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for n in names {
        q = q.bind(n);
    }
    q.fetch_all(e).await?.iter().map(version_row).collect()
}

/// The condition (on the `parameters` columns, prefixed `p.` when `qualified`) that
/// selects the names under a path, and its binds.
fn path_condition(path: &str, recursive: bool, qualified: bool) -> (String, Vec<String>) {
    let col = |c: &str| {
        if qualified {
            format!("p.{c}")
        } else {
            c.to_string()
        }
    };
    if recursive {
        // Names below `/a` sort between `/a/` and `/a0` ('0' follows '/').
        let (lo, hi) = if path == "/" {
            ("/".to_string(), "0".to_string())
        } else {
            (format!("{path}/"), format!("{path}0"))
        };
        (format!("{0} >= $1 AND {0} < $2", col("name")), vec![lo, hi])
    } else {
        (format!("{} = $1", col("path")), vec![path.to_string()])
    }
}

/// Parameters under a path: directly in it, or at any depth below it (`recursive`),
/// in name order. `/` recursive is every name that has a path.
pub async fn under_path<'e, E: Executor<'e, Database = Any>>(
    e: E,
    path: &str,
    recursive: bool,
) -> Result<Vec<ParamRow>, sqlx::Error> {
    let (cond, binds) = path_condition(path, recursive, false);
    let sql = format!("SELECT {PARAM_COLUMNS} FROM parameters WHERE {cond} ORDER BY name");
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e).await?.iter().map(param_row).collect()
}

/// One page of the latest versions (with values) of the parameters under a path, in
/// name order, starting after the name `after`: [`under_path`] and [`latest_of`] in one
/// statement that reads only the page's rows.
pub async fn latest_under_path<'e, E: Executor<'e, Database = Any>>(
    e: E,
    path: &str,
    recursive: bool,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    let (mut cond, mut binds) = path_condition(path, recursive, true);
    if let Some(after) = after {
        binds.push(after.to_string());
        cond.push_str(&format!(" AND p.name > ${}", binds.len()));
    }
    let cols = version_columns_of_v();
    let sql = format!(
        "SELECT {} FROM parameters p JOIN parameter_versions v ON v.name = p.name AND v.version = p.version \
         WHERE {cond} ORDER BY p.name LIMIT {limit}",
        cols
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e).await?.iter().map(version_row).collect()
}

/// Every parameter, in name order (DescribeParameters filters in memory).
pub async fn all<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<Vec<ParamRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PARAM_COLUMNS} FROM parameters ORDER BY name"
    ))
    .fetch_all(e)
    .await?
    .iter()
    .map(param_row)
    .collect()
}

/// Inserts or replaces the parameter's current state.
pub async fn upsert(tx: &mut Tx, p: &ParamRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO parameters ({PARAM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (name) DO UPDATE SET path = excluded.path, type = excluded.type, tier = excluded.tier, \
         data_type = excluded.data_type, version = excluded.version, description = excluded.description, \
         allowed_pattern = excluded.allowed_pattern, key_id = excluded.key_id, policies = excluded.policies, \
         modified_at = excluded.modified_at, modified_by = excluded.modified_by, expires_at = excluded.expires_at, \
         expiry_notice_at = excluded.expiry_notice_at, no_change_at = excluded.no_change_at"
    ))
    .bind(&p.name)
    .bind(&p.path)
    .bind(&p.r#type)
    .bind(&p.tier)
    .bind(&p.data_type)
    .bind(p.version)
    .bind(&p.description)
    .bind(&p.allowed_pattern)
    .bind(&p.key_id)
    .bind(&p.policies)
    .bind(p.modified_at)
    .bind(&p.modified_by)
    .bind(p.expires_at)
    .bind(p.expiry_notice_at)
    .bind(p.no_change_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert_version(tx: &mut Tx, v: &VersionRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO parameter_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&v.name)
    .bind(v.version)
    .bind(&v.r#type)
    .bind(&v.tier)
    .bind(&v.data_type)
    .bind(&v.description)
    .bind(&v.allowed_pattern)
    .bind(&v.key_id)
    .bind(&v.policies)
    .bind(v.value.as_deref())
    .bind(v.sealed.clone())
    .bind(v.modified_at)
    .bind(&v.modified_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The oldest kept version and how many are kept.
pub async fn version_span(tx: &mut Tx, name: &str) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query(
        "SELECT COALESCE(MIN(version), 0) AS lo, COUNT(*) AS n FROM parameter_versions WHERE name = $1",
    )
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;
    Ok((r.try_get("lo")?, r.try_get("n")?))
}

pub async fn delete_version(tx: &mut Tx, name: &str, version: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM parameter_versions WHERE name = $1 AND version = $2")
        .bind(name)
        .bind(version)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes a parameter with its versions and labels; false when it did not exist.
pub async fn delete(tx: &mut Tx, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM parameter_labels WHERE name = $1")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM parameter_versions WHERE name = $1")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    let r = sqlx::query("DELETE FROM parameters WHERE name = $1")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Labels of a parameter: (label, version), by label.
pub async fn labels<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query("SELECT label, version FROM parameter_labels WHERE name = $1 ORDER BY label")
        .bind(name)
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("label")?, r.try_get("version")?)))
        .collect()
}

/// Every (parameter, label), for label filters.
pub async fn all_labels<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query("SELECT name, label FROM parameter_labels")
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("label")?)))
        .collect()
}

/// Every (parameter, tag key, tag value), for tag filters.
pub async fn all_tags<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query("SELECT resource_id, key, value FROM tags WHERE resource_type = $1")
        .bind(super::TAG_RESOURCE_TYPE)
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("resource_id")?,
                r.try_get("key")?,
                r.try_get("value")?,
            ))
        })
        .collect()
}

/// Points `label` at `version` (moving it from another version if it was there).
pub async fn set_label(
    tx: &mut Tx,
    name: &str,
    label: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO parameter_labels (name, label, version) VALUES ($1, $2, $3) \
         ON CONFLICT (name, label) DO UPDATE SET version = excluded.version",
    )
    .bind(name)
    .bind(label)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes `label` from `version`; false when it was not there.
pub async fn remove_label(
    tx: &mut Tx,
    name: &str,
    label: &str,
    version: i64,
) -> Result<bool, sqlx::Error> {
    let r =
        sqlx::query("DELETE FROM parameter_labels WHERE name = $1 AND label = $2 AND version = $3")
            .bind(name)
            .bind(label)
            .bind(version)
            .execute(&mut **tx)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Kept versions of a parameter, oldest first, `offset`/`limit` paged.
pub async fn history<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM parameter_versions WHERE name = $1 ORDER BY version LIMIT {limit} OFFSET {offset}"
    ))
    .bind(name)
    .fetch_all(e)
    .await?
    .iter()
    .map(version_row)
    .collect()
}

/// Every SecureString version (name, version, sealed), for re-wrapping after a key
/// rotation; `after` pages by (name, version).
pub async fn sealed_page<'e, E: Executor<'e, Database = Any>>(
    e: E,
    after: Option<(&str, i64)>,
    limit: i64,
) -> Result<Vec<(String, i64, Vec<u8>)>, sqlx::Error> {
    let (n, v) = after.unwrap_or(("", 0));
    sqlx::query(&format!(
        "SELECT name, version, sealed FROM parameter_versions WHERE sealed IS NOT NULL \
         AND (name > $1 OR (name = $1 AND version > $2)) ORDER BY name, version LIMIT {limit}"
    ))
    .bind(n)
    .bind(v)
    .fetch_all(e)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("name")?,
            r.try_get("version")?,
            r.try_get("sealed")?,
        ))
    })
    .collect()
}

/// Replaces a version's sealed value if it is still `was` (a concurrent put or delete
/// wins).
pub async fn replace_sealed(
    tx: &mut Tx,
    name: &str,
    version: i64,
    was: &[u8],
    now: &[u8],
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE parameter_versions SET sealed = $4 WHERE name = $1 AND version = $2 AND sealed = $3",
    )
    .bind(name)
    .bind(version)
    .bind(was.to_vec())
    .bind(now.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a policy event.
pub async fn add_event(
    tx: &mut Tx,
    name: &str,
    kind: &str,
    detail: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO parameter_events (name, kind, detail, at) VALUES ($1, $2, $3, $4)")
        .bind(name)
        .bind(kind)
        .bind(detail)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Policy events, newest first; of one parameter or all.
pub async fn events<'e, E: Executor<'e, Database = Any>>(
    e: E,
    name: Option<&str>,
    limit: i64,
) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT name, kind, detail, at FROM parameter_events {} ORDER BY at DESC, id DESC LIMIT {limit}",
        if name.is_some() { "WHERE name = $1" } else { "" }
    );
    let mut q = sqlx::query(&sql);
    if let Some(n) = name {
        q = q.bind(n.to_string());
    }
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("name")?,
                r.try_get("kind")?,
                r.try_get("detail")?,
                r.try_get("at")?,
            ))
        })
        .collect()
}

/// Names with a policy moment due at or before `now`: (name, which) where which is
/// `expires_at`, `expiry_notice_at` or `no_change_at`.
pub async fn due<'e, E: Executor<'e, Database = Any>>(
    e: E,
    now: i64,
) -> Result<Vec<(String, &'static str)>, sqlx::Error> {
    let mut out = Vec::new();
    let rows = sqlx::query(
        "SELECT name, expires_at, expiry_notice_at, no_change_at FROM parameters \
         WHERE expires_at <= $1 OR expiry_notice_at <= $1 OR no_change_at <= $1",
    )
    .bind(now)
    .fetch_all(e)
    .await?;
    for r in rows {
        let name: String = r.try_get("name")?;
        for col in ["expires_at", "expiry_notice_at", "no_change_at"] {
            if r.try_get::<Option<i64>, _>(col)?.is_some_and(|t| t <= now) {
                out.push((name.clone(), col));
            }
        }
    }
    Ok(out)
}

/// Clears a policy moment if it is still due (one replica wins); true if this call
/// cleared it.
pub async fn take_due(
    tx: &mut Tx,
    name: &str,
    column: &'static str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(&format!(
        "UPDATE parameters SET {column} = NULL WHERE name = $1 AND {column} <= $2"
    ))
    .bind(name)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets the policies JSON (statuses) of the parameter and its latest version.
pub async fn set_policies(
    tx: &mut Tx,
    name: &str,
    version: i64,
    policies: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE parameters SET policies = $2 WHERE name = $1")
        .bind(name)
        .bind(policies)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE parameter_versions SET policies = $3 WHERE name = $1 AND version = $2")
        .bind(name)
        .bind(version)
        .bind(policies)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
