//! Console sessions in the database (a `tower_sessions::SessionStore`).
//!
//! Not the stock sqlx store: this one records the session's user in its own column, so
//! all sessions of a user can be ended at once (disable, password change), and it works
//! on both backends through the same `Any` pool as everything else.

use crate::clock::{from_unix_ms, unix_ms, Clock};
use crate::db::Db;
use async_trait::async_trait;
use sqlx::Row;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::SessionStore;

/// The session key that holds the signed-in user's id.
pub const USER_ID_KEY: &str = "bosun.user_id";
/// The session key that holds the user's session epoch at sign-in.
pub const EPOCH_KEY: &str = "bosun.epoch";

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

impl DbSessionStore {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        DbSessionStore { db, clock }
    }

    /// Deletes expired sessions; run periodically.
    pub async fn delete_expired(&self) -> std::result::Result<u64, sqlx::Error> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(self.clock.now_ms())
            .execute(self.db.pool())
            .await?;
        Ok(r.rows_affected())
    }

    async fn exists(&self, id: &Id) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(n > 0)
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely, but a new id
        // must never adopt someone else's row.
        while self.exists(&record.id).await? {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let user_id = record
            .data
            .get(USER_ID_KEY)
            .and_then(|v| v.as_str())
            .map(str::to_string);
        sqlx::query(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(user_id)
        .bind(data)
        .bind(unix_ms(record.expiry_date))
        .execute(self.db.pool())
        .await
        .map_err(|e| {
            // A session saved for a user deleted meanwhile violates the foreign key: the
            // session is simply gone.
            backend(e)
        })?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row =
            sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string())
                .bind(self.clock.now_ms())
                .fetch_optional(self.db.pool())
                .await
                .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let expires_at: i64 = row.try_get("expires_at").map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date: from_unix_ms(expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
