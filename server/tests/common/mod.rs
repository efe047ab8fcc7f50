//! The real server, started in-process on 127.0.0.1:0 over a fresh database (SQLite or
//! PostgreSQL), with an injected shutdown; plus the official AWS SDK pointed at it.

#![allow(dead_code)]

pub mod agent;

use aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
use bosun_core::accounts::{self, Bootstrap};
use bosun_core::testing::TestDb;
use bosun_core::types::{NewAccessKey, Role};
use bosun_core::{Actor, Core};
use bosun_server::config::{LogFormat, ServeArgs, StorageArgs};
use std::net::SocketAddr;
use std::time::SystemTime;

pub const ADMIN_PASSWORD: &str = "admin password for tests";
pub const PASSWORD: &str = "a password for tests";

pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub core: Core,
    db: Option<TestDb>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub fn serve_args(public_url: Option<&str>) -> ServeArgs {
    ServeArgs {
        storage: StorageArgs {
            data_dir: std::env::temp_dir(),
            database_url: None,
            master_key_file: None,
            account_id: None,
        },
        listen: "127.0.0.1:0".parse().expect("addr"),
        public_url: public_url.map(str::to_string),
        session_idle_minutes: 60,
        metrics_token: None,
        site_dir: None,
        log_format: LogFormat::Human,
        agent_binary: None,
        webhook_url: None,
        webhook_secret: None,
        link_timings: Default::default(),
    }
}

impl TestServer {
    pub async fn start(db: TestDb) -> TestServer {
        Self::start_with(db, serve_args(None)).await
    }

    pub async fn start_with(db: TestDb, args: ServeArgs) -> TestServer {
        Self::start_full(
            db,
            args,
            std::sync::Arc::new(bosun_core::clock::SystemClock),
        )
        .await
    }

    /// A server whose services read `clock` (tests move time instead of waiting).
    pub async fn start_with_clock(
        db: TestDb,
        clock: std::sync::Arc<dyn bosun_core::clock::Clock>,
    ) -> TestServer {
        Self::start_full(db, serve_args(None), clock).await
    }

    pub async fn start_full(
        db: TestDb,
        args: ServeArgs,
        clock: std::sync::Arc<dyn bosun_core::clock::Clock>,
    ) -> TestServer {
        let core = bosun_core::testing::core_with_clock(&db.db, clock).await;
        assert_eq!(
            accounts::bootstrap_admin(&core, Some(ADMIN_PASSWORD.into()))
                .await
                .expect("bootstrap"),
            Bootstrap::CreatedWithGivenPassword
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bosun_server::run(
            core.clone(),
            args,
            listener,
            async move {
                let _ = rx.await;
            },
        ));
        TestServer {
            addr,
            url: format!("http://{addr}"),
            core,
            db: Some(db),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// A second replica: another server (its own `Core`, pool and replica id) over the
    /// same database and master key, as a second process would be.
    pub async fn replica(&self) -> TestServer {
        let db = bosun_core::db::Db::connect(self.core.db().url())
            .await
            .expect("connect the replica");
        let core = Core::open(
            db,
            self.core.master_key().clone(),
            std::sync::Arc::new(bosun_core::clock::SystemClock),
            bosun_core::CoreConfig::default(),
        )
        .await
        .expect("open the replica");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bosun_server::run(
            core.clone(),
            serve_args(None),
            listener,
            async move {
                let _ = rx.await;
            },
        ));
        TestServer {
            addr,
            url: format!("http://{addr}"),
            core,
            db: None,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Adds a user with `role` and returns an access key for them.
    pub async fn user_with_key(&self, name: &str, role: Role) -> NewAccessKey {
        accounts::create_user(&self.core, &Actor::cli(), name, role, PASSWORD)
            .await
            .expect("create user");
        accounts::create_access_key(&self.core, &Actor::cli(), Some(name), "test")
            .await
            .expect("create key")
    }

    pub fn ssm(&self, key_id: &str, secret: &str) -> aws_sdk_ssm::Client {
        self.ssm_at(key_id, secret, None)
    }

    /// An SDK client; `clock` fixes the time the SDK signs with.
    pub fn ssm_at(
        &self,
        key_id: &str,
        secret: &str,
        clock: Option<SystemTime>,
    ) -> aws_sdk_ssm::Client {
        let http = aws_smithy_http_client::Builder::new().build_http();
        let mut config = aws_sdk_ssm::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new(key_id, secret, None, None, "test"))
            .endpoint_url(&self.url)
            .http_client(http)
            .retry_config(aws_sdk_ssm::config::retry::RetryConfig::disabled());
        if let Some(t) = clock {
            config = config.time_source(aws_smithy_async::time::StaticTimeSource::new(t));
        }
        aws_sdk_ssm::Client::from_conf(config.build())
    }

    /// Stops the HTTP server and starts it again on the same address and database
    /// (a server restart, as agents see it).
    pub async fn restart(&mut self) {
        self.halt().await;
        self.resume().await;
    }

    /// Stops the server (HTTP, agent links and background loops such as the
    /// maintenance window scheduler) and keeps its database: [`Self::resume`] starts it
    /// again, as a server process that was down for a while.
    pub async fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Starts a halted server again on the same address and database.
    pub async fn resume(&mut self) {
        assert!(self.task.is_none(), "resume: the server is running");
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("bind the same address again");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.task = Some(tokio::spawn(bosun_server::run(
            self.core.clone(),
            serve_args(None),
            listener,
            async move {
                let _ = rx.await;
            },
        )));
        self.shutdown = Some(tx);
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        match self.db.take() {
            Some(db) => db.cleanup().await,
            None => self.core.db().close().await,
        }
    }
}

/// The exception name and message of an SDK error.
pub fn aws_error<E, R>(e: &aws_sdk_ssm::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_ssm::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match e {
        aws_sdk_ssm::error::SdkError::ServiceError(s) => (
            s.err().code().unwrap_or_default().to_string(),
            s.err().message().unwrap_or_default().to_string(),
        ),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// Signs in to the console as the first admin (the login server function); returns the
/// session cookie pair (`name=value`) to send with console requests.
pub async fn console_cookie(srv: &TestServer) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = http
        .post(format!("{}/api/login", srv.url))
        .header("origin", &srv.url)
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{}=", bosun_server::web::SESSION_COOKIE)))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_string()
}
