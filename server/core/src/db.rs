//! The database handle. One schema and one set of queries serve SQLite and PostgreSQL
//! through sqlx's `Any` driver: queries use `$n` placeholders (both backends accept
//! them), integers are BIGINT, booleans are stored as 0/1 and times as Unix
//! milliseconds, because `Any` maps only the types both backends share. The DDL
//! differs in small ways, so each backend has its own migration folder
//! (`migrations/sqlite`, `migrations/postgres`) with the same numbered files.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's checkpointer ([`CHECKPOINT_EVERY`]), stopped with the last handle.
    _checkpointer: Option<std::sync::Arc<StopOnDrop>>,
    /// SQLite: whose turn it is to write ([`Db::begin`]).
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// The URL it was opened with (PostgreSQL's LISTEN needs its own connection). It may
    /// hold a password, so `Debug` leaves it out.
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// How often SQLite's write-ahead log is copied back into the database file, by a
/// background task with a passive checkpoint. SQLite's own automatic checkpoint runs
/// inside whichever commit crosses 1,000 log pages, copying them and syncing the file
/// while that commit's callers wait (a few times a second under a stream of audited
/// SecureString reads: their slowest answers). Once a second in the background, a page
/// changed by many commits is also copied once.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Aborts a background task when dropped.
struct StopOnDrop(tokio::task::AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Binds per statement at most. SQLite (through sqlx) looks each bind's name up in a
/// list as long as the statement's parameters, so a statement's bind cost grows with
/// the square of its parameter count: many statements of ~200 binds are far cheaper
/// than a few of thousands (measured: 18% of the server's CPU in
/// `sqlite3_bind_parameter_name` at 2,800 binds per statement).
pub const MAX_BINDS: usize = 200;

/// A write transaction that took this long to begin is logged (debug).
const SLOW_BEGIN: Duration = Duration::from_millis(20);

/// How long [`Db::begin`] waits for SQLite's write turn (as long as SQLite's own busy
/// timeout).
pub const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// A write transaction ([`Db::begin`]): the connection (`&mut **tx` / `&mut *tx` as an
/// executor) and, on SQLite, this process's write turn, held until it commits, rolls
/// back or is dropped.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }

    /// The backend the transaction runs on (for the few statements whose SQL differs).
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// A column of a [`json_rows`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonColumn {
    Text,
    BigInt,
}

/// A table of many rows passed as one bind: `slot` holds a JSON array of objects whose
/// keys are the column names (a missing key or `null` is NULL). Returns a `FROM` item
/// named `alias` with those columns: `json_each` on SQLite, `jsonb_to_recordset` on
/// PostgreSQL. One text bind instead of one per value: sqlx's SQLite driver looks every
/// bind up by name (see [`MAX_BINDS`]), and a burst of rows would otherwise take many
/// statements, each a round trip to the connection's thread.
///
/// On SQLite the row objects are materialized first (`r`), and the columns read from
/// there: `json_each` hands an object over as text made anew from its binary form at
/// each reference, so reading 14 columns straight from it made each row's text 14 times
/// (measured on the writer's update of 10,000 invocations: a third less time this way).
/// The text is parsed once per row: SQLite keeps recently parsed JSON for the statement.
/// SQLite 3.51's `jsonb_each` would avoid the text altogether; the bundled SQLite is
/// 3.46.
pub fn json_rows(
    backend: Backend,
    slot: &str,
    alias: &str,
    columns: &[(&str, JsonColumn)],
) -> String {
    match backend {
        Backend::Sqlite => {
            let cols: Vec<String> = columns
                .iter()
                .map(|(name, _)| format!("r.o ->> '{name}' AS {name}"))
                .collect();
            format!(
                "(WITH r AS MATERIALIZED (SELECT j.value AS o FROM json_each({slot}) AS j) \
                 SELECT {} FROM r) AS {alias}",
                cols.join(", ")
            )
        }
        Backend::Postgres => {
            let cols: Vec<String> = columns
                .iter()
                .map(|(name, t)| match t {
                    JsonColumn::Text => format!("{name} text"),
                    JsonColumn::BigInt => format!("{name} bigint"),
                })
                .collect();
            format!(
                "jsonb_to_recordset(CAST({slot} AS jsonb)) AS {alias}({})",
                cols.join(", ")
            )
        }
    }
}

/// A query whose one row holds every row of `select` (its columns `columns`, in that
/// order) as a JSON array of arrays, ordered by `order_by`; read it with
/// [`rows_of_json`]. For reads of thousands of rows: sqlx's SQLite driver hands rows
/// from its connection thread to the reading task through a channel of 50, so 10,000
/// rows took 200 hand-offs, each waiting for the reading task to be scheduled again
/// (64–143 ms for SendCommand's 10,000 targets while links were busy); one row is one
/// hand-off. `select` is a complete `SELECT` (with its own `ORDER BY`/`LIMIT`).
pub fn json_row_array(backend: Backend, select: &str, columns: &[&str], order_by: &str) -> String {
    let cols = columns
        .iter()
        .map(|c| format!("q.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => format!(
            "SELECT json_group_array(json_array({cols}) ORDER BY q.{order_by}) AS row_array \
             FROM ({select}) AS q"
        ),
        Backend::Postgres => format!(
            "SELECT CAST(COALESCE(json_agg(json_build_array({cols}) ORDER BY q.{order_by}), '[]') \
             AS text) AS row_array FROM ({select}) AS q"
        ),
    }
}

/// The rows of a [`json_row_array`] answer.
pub fn rows_of_json<T: serde::de::DeserializeOwned>(row: &Row) -> Result<Vec<T>, sqlx::Error> {
    let text: String = sqlx::Row::try_get(row, "row_array")?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A subquery of the strings in `slot`, a JSON array of strings (for `x IN (…)` over
/// many values in one bind; see [`json_rows`]).
pub fn json_strings(backend: Backend, slot: &str) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT value FROM json_each({slot})"),
        Backend::Postgres => format!("SELECT jsonb_array_elements_text(CAST({slot} AS jsonb))"),
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }
}
pub type Row = AnyRow;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// SQLite: checkpoints the write-ahead log every [`CHECKPOINT_EVERY`] without blocking
/// readers or writers (pages a reader still needs stay in the log until the next one).
async fn checkpoint_wal(pool: AnyPool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "WAL checkpoint failed; the next one copies what this one did not");
        }
    }
}

impl Db {
    /// The SQLite file for a data directory.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("bosun.db").display())
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                "database URL must start with sqlite: or postgres://".into(),
            ));
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        options = match backend {
            // SQLite allows one writer; a handful of connections serve concurrent readers
            // (WAL) while writers queue on the busy timeout. Each keeps up to 32 MiB of
            // pages (SQLite's default is 2 MiB: a fan-out to 10,000 nodes touches more
            // than that in every burst of reports).
            // No ping before handing out a connection: a local file does not go stale,
            // and each ping is a round trip to the connection's worker thread (on a
            // 2-core machine these thread hand-offs dominated a GetParameter).
            Backend::Sqlite => options
                .max_connections(8)
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                         PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768;",
                        )
                        .await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => options.max_connections(16),
        };
        let pool = options.connect(url).await?;
        let checkpointer = (backend == Backend::Sqlite).then(|| {
            std::sync::Arc::new(StopOnDrop(
                tokio::spawn(checkpoint_wal(pool.clone())).abort_handle(),
            ))
        });
        Ok(Db {
            _checkpointer: checkpointer,
            write_turn: (backend == Backend::Sqlite)
                .then(|| std::sync::Arc::new(tokio::sync::Mutex::new(()))),
            pool,
            backend,
            url: url.into(),
        })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection URL (may hold a password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes cannot upgrade its
    /// lock while another connection writes and fails with "database is locked" at
    /// once, busy timeout or not. Before that it waits for this process's write turn, a
    /// fair queue: SQLite's busy handler makes a writer that finds the lock taken sleep
    /// 1, 2, 5, 10, 15… ms and try again, which under concurrent writes (eight clients
    /// putting parameters) put 20 ms at p90 and 100 ms at p99. Waiting in the queue
    /// holds no pooled connection, so readers are not starved by queued writers.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match (self.backend, &self.write_turn) {
            (Backend::Sqlite, Some(turn)) => {
                let asked = std::time::Instant::now();
                let turn = tokio::time::timeout(WRITE_TURN_TIMEOUT, turn.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                let turned = asked.elapsed();
                // What `Pool::begin_with` does, in two steps so a slow start says
                // which one waited (`Transaction::begin` is sqlx's own, doc-hidden:
                // check it on an sqlx upgrade).
                let conn = self.pool.acquire().await?;
                let acquired = asked.elapsed();
                let inner = sqlx::Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await?;
                let begun = asked.elapsed();
                if begun >= SLOW_BEGIN {
                    // Every pooled connection was busy, a write outside the queue held
                    // SQLite's lock, or the task waited to be polled again (a busy
                    // runtime: measured 50–170 ms while a fan-out's Runs go out).
                    tracing::debug!(
                        turn_ms = turned.as_millis() as u64,
                        acquire_ms = (acquired - turned).as_millis() as u64,
                        begin_ms = (begun - acquired).as_millis() as u64,
                        "slow start of a write transaction"
                    );
                }
                Ok(Tx {
                    inner,
                    backend: self.backend,
                    _turn: Some(turn),
                })
            }
            _ => Ok(Tx {
                inner: self.pool.begin().await?,
                backend: self.backend,
                _turn: None,
            }),
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Pool occupancy for metrics: (connections open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Builds a `WHERE` clause with `$n` text binds, for the stores' filtered lists.
#[derive(Default, Debug)]
pub struct Where {
    conditions: Vec<String>,
    binds: Vec<String>,
}

impl Where {
    /// Adds a bind; returns its placeholder.
    pub fn bind(&mut self, value: impl Into<String>) -> String {
        self.binds.push(value.into());
        format!("${}", self.binds.len())
    }

    /// `column IN (…)`; nothing when `values` is empty.
    pub fn any_of(&mut self, column: &str, values: &[String]) -> &mut Self {
        if !values.is_empty() {
            let slots: Vec<String> = values.iter().map(|v| self.bind(v.clone())).collect();
            self.conditions
                .push(format!("{column} IN ({})", slots.join(", ")));
        }
        self
    }

    /// Case-insensitive substring match over any of `columns`; nothing for blank text.
    pub fn text_in(&mut self, columns: &[&str], text: Option<&str>) -> &mut Self {
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            let slot = self.bind(like_pattern(&text.to_lowercase()));
            let ors: Vec<String> = columns
                .iter()
                .map(|c| format!("LOWER({c}) LIKE {slot} ESCAPE '\\'"))
                .collect();
            self.conditions.push(format!("({})", ors.join(" OR ")));
        }
        self
    }

    /// A condition written by the store (its placeholders from [`Where::bind`]).
    pub fn push(&mut self, condition: String) -> &mut Self {
        self.conditions.push(condition);
        self
    }

    pub fn finish(self) -> (String, Vec<String>) {
        let clause = if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        };
        (clause, self.binds)
    }
}

/// `SELECT COUNT(*) FROM {table} {clause}` with text binds for the clause's `$n`.
pub async fn count_where<'e, E>(
    e: E,
    table: &'static str,
    clause: &str,
    binds: Vec<String>,
) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT COUNT(*) FROM {table} {clause}");
    let mut q = sqlx::query_scalar(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_one(e).await
}

/// One page of `SELECT {columns_from} {clause} ORDER BY {order}, id`, with text binds
/// (`columns_from` is `"a, b FROM t"`). Everything but the binds comes from the calling
/// store, never from input.
pub async fn page_where<'e, E>(
    e: E,
    columns_from: &str,
    clause: &str,
    binds: Vec<String>,
    order: &'static str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Row>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {columns_from} {clause} ORDER BY {order}, id LIMIT {limit} OFFSET {offset}"
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(e).await
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_builder_numbers_binds_in_order() {
        let mut w = Where::default();
        w.any_of("a", &["x".into(), "y".into()])
            .any_of("b", &[])
            .text_in(&["c", "d"], Some(" Hi "));
        let (clause, binds) = w.finish();
        assert_eq!(clause, "WHERE a IN ($1, $2) AND (LOWER(c) LIKE $3 ESCAPE '\\' OR LOWER(d) LIKE $3 ESCAPE '\\')");
        assert_eq!(binds, vec!["x".to_string(), "y".into(), "%hi%".into()]);
        assert_eq!(Where::default().finish(), (String::new(), vec![]));
    }

    #[test]
    fn like_pattern_escapes() {
        assert_eq!(like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}

#[cfg(test)]
mod checkpoint_tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn sqlite_copies_its_log_into_the_file_in_the_background_not_in_commits() {
        let dir =
            std::env::temp_dir().join(format!("bosun-db-test-{}", crate::crypto::random_hex(8)));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = Db::connect(&Db::sqlite_url(&dir)).await.expect("open");
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(db.pool())
            .await
            .expect("pragma");
        assert_eq!(auto, 0, "no commit checkpoints on its own");
        sqlx::query("CREATE TABLE filler (b TEXT)")
            .execute(db.pool())
            .await
            .expect("table");
        let chunk = "x".repeat(64 * 1024);
        for _ in 0..48 {
            sqlx::query("INSERT INTO filler (b) VALUES ($1)")
                .bind(&chunk)
                .execute(db.pool())
                .await
                .expect("insert");
        }
        // 3 MiB went to the log; the background checkpoint moves it into the file.
        let file = dir.join("bosun.db");
        let deadline = Instant::now() + CHECKPOINT_EVERY * 10;
        loop {
            let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if len >= 3 * 1024 * 1024 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the log was not checkpointed into the file ({len} bytes)"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod write_turn_tests {
    use super::*;

    /// Writers queue for SQLite's write turn without holding pooled connections, so
    /// reads go on while they wait; every queued writer then commits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_sqlite_writers_leave_the_pool_to_readers_and_all_commit() {
        let dir =
            std::env::temp_dir().join(format!("bosun-db-test-{}", crate::crypto::random_hex(8)));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = Db::connect(&Db::sqlite_url(&dir)).await.expect("open");
        sqlx::query("CREATE TABLE turns (n BIGINT)")
            .execute(db.pool())
            .await
            .expect("table");
        let held = db.begin().await.expect("first writer");
        // More writers than the pool has connections (8).
        let writers: Vec<_> = (0..16)
            .map(|n: i64| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut tx = db.begin().await.expect("queued writer");
                    sqlx::query("INSERT INTO turns (n) VALUES ($1)")
                        .bind(n)
                        .execute(&mut *tx)
                        .await
                        .expect("insert");
                    tx.commit().await.expect("commit");
                })
            })
            .collect();
        for _ in 0..20 {
            tokio::task::yield_now().await;
            // Waiting writers would otherwise hold every connection (spinning in
            // SQLite's busy handler) and this read would wait for the first writer.
            let one: i64 = tokio::time::timeout(
                WRITE_TURN_TIMEOUT / 2,
                sqlx::query_scalar("SELECT COUNT(*) FROM turns").fetch_one(db.pool()),
            )
            .await
            .expect("a read while writers queue")
            .expect("read");
            assert_eq!(
                one, 0,
                "nothing committed while the first writer holds the turn"
            );
        }
        held.commit().await.expect("first commit");
        for w in writers {
            w.await.expect("writer");
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM turns")
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(n, 16);
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
