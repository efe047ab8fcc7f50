//! Server-side glue for server functions: the request's identity (set by the server's
//! auth middleware) and the domain handle (provided as context). Compiled only with
//! `ssr`; the wasm bundle never sees it.

use crate::error::AppError;
use bosun_core::accounts::Principal;
use bosun_core::types::Source;
use bosun_core::{Actor, Core, DEFAULT_REGION};
use leptos::prelude::*;

/// Who made the request, as the server's middleware established it. Inserted into the
/// request extensions for every request.
#[derive(Clone, Debug)]
pub struct Identity {
    pub principal: Option<Principal>,
    pub client_addr: String,
}

pub fn core() -> Result<Core, AppError> {
    use_context::<Core>().ok_or_else(|| {
        tracing::error!("Core missing from the server-function context");
        AppError::internal()
    })
}

pub fn identity() -> Result<Identity, AppError> {
    let parts = use_context::<http::request::Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the server-function context");
        AppError::internal()
    })?;
    parts.extensions.get::<Identity>().cloned().ok_or_else(|| {
        tracing::error!("identity missing: the auth middleware did not run");
        AppError::internal()
    })
}

/// The domain handle and the signed-in actor; `Unauthenticated` without a session.
pub fn actor() -> Result<(Core, Actor), AppError> {
    let core = core()?;
    let id = identity()?;
    let principal = id.principal.ok_or_else(AppError::unauthenticated)?;
    Ok((
        core,
        principal.actor(Source::Console, &id.client_addr, DEFAULT_REGION),
    ))
}

pub async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::internal()
        })
}

/// Binds `session` to `principal` under a fresh session id.
pub async fn establish_session(
    session: &tower_sessions::Session,
    principal: &Principal,
) -> Result<(), AppError> {
    use bosun_core::sessions::{EPOCH_KEY, USER_ID_KEY};
    let failed = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session store");
        AppError::internal()
    };
    session.cycle_id().await.map_err(failed)?;
    session
        .insert(USER_ID_KEY, &principal.user_id)
        .await
        .map_err(failed)?;
    session
        .insert(EPOCH_KEY, principal.epoch)
        .await
        .map_err(failed)?;
    Ok(())
}

/// The origin the browser used to reach this server (`http://host:port`), for commands
/// the console shows. `https` when the request came through TLS (X-Forwarded-Proto).
pub fn origin() -> String {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return "http://127.0.0.1:8080".into();
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let https = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        == Some("https");
    format!("{}://{host}", if https { "https" } else { "http" })
}
