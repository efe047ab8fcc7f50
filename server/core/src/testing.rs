//! Test support: every store test runs its body on SQLite *and* PostgreSQL.
//!
//! PostgreSQL comes from `BOSUN_TEST_DATABASE_URL` (a role that may create databases;
//! the test command starts a local server and sets it). Each test gets a fresh database
//! (`bosun_t_<random>`) that is dropped afterwards. Without the variable the tests fail
//! loudly — unless `BOSUN_TEST_SKIP_POSTGRES=1` is set, which is said on stderr.

use crate::clock::{Clock, SystemClock};
use crate::crypto::{random_hex, MasterKey};
use crate::db::{Backend, Db};
use crate::{Core, CoreConfig};
use sqlx::Connection;
use std::sync::Arc;

pub const POSTGRES_ENV: &str = "BOSUN_TEST_DATABASE_URL";
pub const SKIP_POSTGRES_ENV: &str = "BOSUN_TEST_SKIP_POSTGRES";

/// A migrated, empty database that removes itself on [`TestDb::cleanup`].
pub struct TestDb {
    pub db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("bosun-test-{}", random_hex(8)));
        crate::crypto::create_private_dir(&dir).expect("create test dir");
        let db = Db::connect(&Db::sqlite_url(&dir))
            .await
            .expect("open sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDb {
            db,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// `None` only when PostgreSQL is explicitly skipped.
    pub async fn postgres() -> Option<TestDb> {
        Self::postgres_created_with("").await
    }

    /// A PostgreSQL database whose default collation is linguistic (ICU `en-US`: case
    /// and punctuation ordered unlike bytes), as an operator's database may be.
    pub async fn postgres_linguistic() -> Option<TestDb> {
        Self::postgres_created_with(
            "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' TEMPLATE template0",
        )
        .await
    }

    /// A PostgreSQL database made by `CREATE DATABASE <name> <options>`.
    async fn postgres_created_with(options: &str) -> Option<TestDb> {
        let admin_url = match std::env::var(POSTGRES_ENV) {
            Ok(url) => url,
            Err(_) if std::env::var(SKIP_POSTGRES_ENV).as_deref() == Ok("1") => {
                eprintln!("warning: {SKIP_POSTGRES_ENV}=1 — this test ran on SQLite only");
                return None;
            }
            Err(_) => panic!(
                "{POSTGRES_ENV} is not set. Store tests run on SQLite and PostgreSQL; run them through \
                 `cargo xtask test`, which starts PostgreSQL, or set {POSTGRES_ENV}=postgres://USER:PASS@HOST/postgres \
                 (or {SKIP_POSTGRES_ENV}=1 to skip PostgreSQL knowingly)."
            ),
        };
        let name = format!("bosun_t_{}", random_hex(8));
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name} {options}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = replace_database(&admin_url, &name);
        let db = Db::connect(&url).await.expect("open postgres");
        db.migrate().await.expect("migrate postgres");
        Some(TestDb {
            db,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Both backends (PostgreSQL unless knowingly skipped).
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }

    pub async fn cleanup(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            }
        }
    }
}

/// Replaces the database name (the URL path) of a PostgreSQL URL.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A [`Core`] over `db` with a fresh master key and the given clock.
pub async fn core_with_clock(db: &Db, clock: Arc<dyn Clock>) -> Core {
    Core::open(
        db.clone(),
        MasterKey::generate(),
        clock,
        CoreConfig::default(),
    )
    .await
    .expect("open core")
}

pub async fn core(db: &Db) -> Core {
    core_with_clock(db, Arc::new(SystemClock)).await
}

/// A registered node (named as its id, never connected), as store tests need one.
pub async fn insert_node(db: &Db, id: &str, now_ms: i64) {
    crate::nodes::store::insert(
        db.pool(),
        &crate::nodes::store::NewNode {
            id,
            name: id,
            activation_id: "act",
            iam_role: "role",
            public_key: "00",
            now_ms,
        },
    )
    .await
    .expect("insert node");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_database_keeps_credentials_and_query() {
        assert_eq!(
            replace_database(
                "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
                "x"
            ),
            "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
