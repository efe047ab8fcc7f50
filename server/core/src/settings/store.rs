//! SQL for service settings.

use sqlx::{Any, Executor, Row};

pub struct StoredSetting {
    pub value: String,
    pub last_modified_at: i64,
    pub last_modified_user: String,
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<Option<StoredSetting>, sqlx::Error> {
    let row = sqlx::query("SELECT value, last_modified_at, last_modified_user FROM service_settings WHERE setting_id = $1")
        .bind(id)
        .fetch_optional(e)
        .await?;
    row.map(|r| {
        Ok(StoredSetting {
            value: r.try_get("value")?,
            last_modified_at: r.try_get("last_modified_at")?,
            last_modified_user: r.try_get("last_modified_user")?,
        })
    })
    .transpose()
}

pub async fn upsert<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
    value: &str,
    now_ms: i64,
    user_arn: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_settings (setting_id, value, last_modified_at, last_modified_user) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (setting_id) DO UPDATE SET value = excluded.value, last_modified_at = excluded.last_modified_at, \
         last_modified_user = excluded.last_modified_user",
    )
    .bind(id)
    .bind(value)
    .bind(now_ms)
    .bind(user_arn)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn delete<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM service_settings WHERE setting_id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// When the account came to be (first start): the date default settings report.
pub async fn account_created_at<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<i64, sqlx::Error> {
    let at: Option<i64> =
        sqlx::query_scalar("SELECT updated_at FROM server_state WHERE key = 'account_id'")
            .fetch_optional(e)
            .await?;
    Ok(at.unwrap_or(0))
}
