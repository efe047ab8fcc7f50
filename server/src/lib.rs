//! The Bosun server: everything that speaks HTTP.
//!
//! - [`router`] assembles one axum `Router`: the console (Leptos SSR pages and server
//!   functions from `app`), the AWS SSM JSON API (`POST /`, [`api`]), health, metrics
//!   and the embedded console assets.
//! - [`serve`] runs it on a listener with an injected shutdown, so tests start the real
//!   server on port 0.
//! - Services come from `bosun_core`; this crate adds no business rules. It maps
//!   requests to a `bosun_core::Actor` (session or signature) and service errors to
//!   HTTP (AWS exception names for the API).

#![recursion_limit = "512"]

pub mod agent_dist;
pub mod api;
pub mod assets;
pub mod config;
pub mod link;
pub mod live;
pub mod metrics;
pub mod telemetry;
pub mod web;
pub mod webhook;

use crate::config::{ServeArgs, StorageArgs, ADMIN_PASSWORD_ENV};
use anyhow::Context;
use bosun_core::accounts::{self, Bootstrap};
use bosun_core::clock::SystemClock;
use bosun_core::crypto::{create_private_dir, MasterKey};
use bosun_core::db::Db;
use bosun_core::{Core, CoreConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use web::{router, AppState};

/// Opens storage: creates the data directory (0700), connects, migrates, loads or
/// creates the master key, and opens the domain.
pub async fn open_core(storage: &StorageArgs) -> anyhow::Result<Core> {
    create_private_dir(&storage.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            storage.data_dir.display()
        )
    })?;
    let url = match &storage.database_url {
        Some(url) if !url.trim().is_empty() => url.clone(),
        _ => Db::sqlite_url(&storage.data_dir),
    };
    let db = Db::connect(&url)
        .await
        .context("cannot open the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    let key = match &storage.master_key_file {
        Some(path) => MasterKey::load(path)?,
        None => MasterKey::load_or_create(&storage.data_dir.join("keys").join("master.key"))?,
    };
    let core = Core::open(
        db,
        key,
        Arc::new(SystemClock),
        CoreConfig {
            account_id: storage.account_id.clone(),
        },
    )
    .await?;
    Ok(core)
}

/// Opens storage, creates the first admin when there are no users, and runs the server
/// until `shutdown` completes.
pub async fn serve(
    args: ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let core = open_core(&args.storage).await?;
    let admin_password = std::env::var(ADMIN_PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty());
    match accounts::bootstrap_admin(&core, admin_password).await? {
        Bootstrap::AlreadyInitialised => {}
        Bootstrap::CreatedWithGivenPassword => {
            println!("Created user admin with the password from {ADMIN_PASSWORD_ENV}.");
        }
        Bootstrap::CreatedWithRandomPassword(pw) => {
            println!("Created user admin. Sign in with:  user admin   password {pw}");
            println!("This password is shown once. Change it under My account.");
        }
    }
    let result = run(core.clone(), args, listener, shutdown).await;
    core.db().close().await;
    result
}

/// Runs the HTTP server over an opened domain until `shutdown` completes. Tests call
/// this with a listener on port 0.
pub async fn run(
    core: Core,
    args: ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let hook = webhook::Webhook::from_args(&args)?;
    let lost = bosun_core::cluster::join(&core)
        .await
        .context("cannot join the cluster")?;
    if lost > 0 {
        tracing::info!(
            nodes = lost,
            "nodes no replica holds marked ConnectionLost until their agents reconnect"
        );
    }
    let cluster = bosun_core::cluster::spawn(&core);
    // Resumes open commands, then runs the ingest writer and the sweeper.
    let mut engine = bosun_core::commands::engine::start(&core).await;
    // Maintenance windows: fire due windows, drive their executions.
    engine.push(bosun_core::maintenance::scheduler::spawn(&core));
    // Parameter policies (expiration, notifications).
    engine.push(bosun_core::parameters::spawn_sweeper(&core));
    // Notifications to the operator's webhook, when one is configured.
    if let Some(hook) = hook {
        engine.push(webhook::spawn(&core, hook));
    }
    let state = AppState::new(core.clone(), &args)?;
    web::spawn_housekeeping(&state);
    let app = router(state);
    tracing::info!(%addr, backend = core.db().backend().as_str(), account = core.account_id(), replica = core.replica_id(), "bosun listening");
    println!("Bosun is listening on http://{addr}");
    let links_core = core.clone();
    let shutdown = async move {
        shutdown.await;
        // Agent links are long-lived upgraded connections that graceful shutdown does
        // not wait for: tell them to go (they reconnect to the next server).
        links_core
            .links()
            .cut_all(bosun_core::links::CutReason::ShuttingDown);
    };
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server error");
    // Reports not yet applied were not acknowledged: agents send them again.
    for task in engine {
        task.abort();
    }
    cluster.stop(&core).await;
    served
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
