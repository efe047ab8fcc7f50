//! [`Core`]: what every service needs — the database, the clock, the master key, the
//! account id and the login throttle — behind one cheap-to-clone handle, and
//! [`Actor`]: who is asking, through which door, from where.

use crate::audit::{self, Outcome};
use crate::clock::Clock;
use crate::crypto::MasterKey;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::throttle::LoginThrottle;
use crate::types::{Role, Source};
use rand::Rng;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct CoreConfig {
    /// Overrides the account id stored at first start (12 digits).
    pub account_id: Option<String>,
}

#[derive(Clone)]
pub struct Core(Arc<Inner>);

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    master_key: MasterKey,
    account_id: String,
    throttle: LoginThrottle,
    links: crate::links::NodeLinks,
    replica_id: String,
    commands: crate::commands::Runtime,
    kms: crate::kms::Cache,
    audit: crate::audit::GroupWriter,
    notifications: crate::notify::Notifications,
    keys: crate::accounts::KeyCache,
    parameters: crate::parameters::cache::ReadCache,
    pings: crate::nodes::Pings,
}

impl Core {
    /// Opens the domain over a migrated database. Chooses and stores the account id on
    /// first start.
    pub async fn open(
        db: Db,
        master_key: MasterKey,
        clock: Arc<dyn Clock>,
        config: CoreConfig,
    ) -> ServiceResult<Core> {
        let account_id = match config.account_id {
            Some(id) => {
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ServiceError::validation(
                        "the account id must be exactly 12 digits",
                    ));
                }
                id
            }
            None => stored_account_id(&db, clock.now_ms()).await?,
        };
        // One writer (SQLite) is what makes the parameter read cache safe.
        let parameters =
            crate::parameters::cache::ReadCache::new(db.backend() == crate::db::Backend::Sqlite);
        Ok(Core(Arc::new(Inner {
            db,
            clock,
            master_key,
            account_id,
            throttle: LoginThrottle::default(),
            links: crate::links::NodeLinks::default(),
            replica_id: format!("r-{}", crate::crypto::random_hex(8)),
            commands: crate::commands::Runtime::default(),
            kms: crate::kms::Cache::default(),
            audit: crate::audit::GroupWriter::default(),
            notifications: crate::notify::Notifications::default(),
            keys: crate::accounts::KeyCache::default(),
            parameters,
            pings: crate::nodes::Pings::default(),
        })))
    }

    /// The audit log's group-commit writer (see `audit::record_grouped`).
    pub fn audit_writer(&self) -> &crate::audit::GroupWriter {
        &self.0.audit
    }

    /// The webhook notification switch and the dispatcher's wake-up (see `notify`).
    pub fn notifications(&self) -> &crate::notify::Notifications {
        &self.0.notifications
    }

    /// Access keys resolved recently (see `accounts::KeyCache`).
    pub fn key_cache(&self) -> &crate::accounts::KeyCache {
        &self.0.keys
    }

    /// Parameter versions and pages read recently (see `parameters::cache`).
    pub fn parameter_cache(&self) -> &crate::parameters::cache::ReadCache {
        &self.0.parameters
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    pub fn now_ms(&self) -> i64 {
        self.0.clock.now_ms()
    }

    pub fn master_key(&self) -> &MasterKey {
        &self.0.master_key
    }

    /// The 12-digit account id that ARNs and `Owner` fields carry.
    pub fn account_id(&self) -> &str {
        &self.0.account_id
    }

    pub fn throttle(&self) -> &LoginThrottle {
        &self.0.throttle
    }

    /// The node links this process holds.
    pub fn links(&self) -> &crate::links::NodeLinks {
        &self.0.links
    }

    /// Heartbeats waiting to be stored (see `nodes::heartbeat`).
    pub(crate) fn pings(&self) -> &crate::nodes::Pings {
        &self.0.pings
    }

    /// Run Command's in-process machinery (ingest queue, live subscribers).
    pub fn commands(&self) -> &crate::commands::Runtime {
        &self.0.commands
    }

    /// Named keys' material this process has unsealed (see `kms`).
    pub fn kms_cache(&self) -> &crate::kms::Cache {
        &self.0.kms
    }

    /// This process's replica id (random per process; see `cluster`).
    pub fn replica_id(&self) -> &str {
        &self.0.replica_id
    }

    /// Checks that `actor` holds at least `role`. A refusal is audited (outcome `denied`)
    /// and answered with `AccessDenied`.
    pub async fn authorize(
        &self,
        actor: &Actor,
        role: Role,
        action: &str,
        resource: &str,
    ) -> ServiceResult<()> {
        if actor.role.at_least(role) {
            return Ok(());
        }
        let detail = format!("requires role {role}, has {}", actor.role);
        audit::record(
            self.db().pool(),
            actor,
            self.now_ms(),
            action,
            resource,
            Outcome::Denied,
            &detail,
        )
        .await?;
        Err(ServiceError::access_denied(format!(
            "User {} is not authorized to perform {action}: this needs the {role} role.",
            actor.name
        )))
    }
}

async fn stored_account_id(db: &Db, now_ms: i64) -> ServiceResult<String> {
    let candidate = format!(
        "{:012}",
        rand::thread_rng().gen_range(100_000_000_000u64..1_000_000_000_000)
    );
    // Insert-if-absent, then read: concurrent first starts of several replicas agree.
    sqlx::query("INSERT INTO server_state (key, value, updated_at) VALUES ('account_id', $1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(&candidate)
        .bind(now_ms)
        .execute(db.pool())
        .await?;
    let id: String = sqlx::query_scalar("SELECT value FROM server_state WHERE key = 'account_id'")
        .fetch_one(db.pool())
        .await?;
    Ok(id)
}

/// Who is asking. Built by adapters from a session, a verified signature, or the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// None for the system and the CLI.
    pub user_id: Option<String>,
    pub name: String,
    pub role: Role,
    pub source: Source,
    /// The client's address, or a description (`local`) for the CLI.
    pub client_addr: String,
    /// The region a signed request named; ARNs use it.
    pub region: String,
}

pub const DEFAULT_REGION: &str = "us-east-1";

impl Actor {
    /// The admin CLI, acting with full rights as the local operating-system user.
    pub fn cli() -> Actor {
        let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Actor {
            user_id: None,
            name: format!("cli:{who}"),
            role: Role::Admin,
            source: Source::Cli,
            client_addr: "local".into(),
            region: DEFAULT_REGION.into(),
        }
    }

    /// A node acting through its agent link (registration, status reports).
    pub fn node(instance_id: &str, client_addr: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("node:{instance_id}"),
            role: Role::Viewer,
            source: Source::Agent,
            client_addr: client_addr.to_string(),
            region: DEFAULT_REGION.into(),
        }
    }

    /// The server itself (first-start bootstrap, background work).
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            name: "system".into(),
            role: Role::Admin,
            source: Source::System,
            client_addr: "local".into(),
            region: DEFAULT_REGION.into(),
        }
    }

    /// The IAM-style ARN that `LastModifiedUser` and similar fields carry.
    pub fn arn(&self, account_id: &str) -> String {
        format!("arn:aws:iam::{account_id}:user/{}", self.name)
    }
}
