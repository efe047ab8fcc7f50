//! The HTTP surface: one router for the console, the AWS API, health and metrics, and
//! the middleware every request passes.
//!
//! Request path, outermost first: request id + metrics + access log → security headers
//! → gzip → session cookie layer → identity (session → principal) → route guard
//! (refuses unauthenticated access to everything but the public routes) → CSRF guard
//! (state-changing browser requests must come from our own origin) → handler.
//! The AWS API (`POST /` with `X-Amz-Target`) carries its own SigV4 authentication and
//! ignores cookies, so the session and CSRF guards do not apply to it.

use crate::api;
use crate::assets::Assets;
use crate::config::ServeArgs;
use crate::metrics::Metrics;
use app::ssr::Identity;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRef, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bosun_core::accounts;
use bosun_core::sessions::{DbSessionStore, EPOCH_KEY, USER_ID_KEY};
use bosun_core::Core;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// What every handler and middleware shares. Cheap to clone (one `Arc`): axum clones
/// the state for each middleware layer and handler of every request, and cloning the
/// fields themselves (Leptos' options are several strings) showed up in the API's
/// profile.
#[derive(Clone)]
pub struct AppState(Arc<StateFields>);

impl std::ops::Deref for AppState {
    type Target = StateFields;

    fn deref(&self) -> &StateFields {
        &self.0
    }
}

pub struct StateFields {
    pub core: Core,
    pub leptos_options: LeptosOptions,
    pub metrics: Arc<Metrics>,
    pub assets: Arc<Assets>,
    pub sessions: DbSessionStore,
    pub session_idle: time::Duration,
    pub secure_cookies: bool,
    pub metrics_token: Option<String>,
    /// Allowed clock skew for signed API requests (AWS: 15 minutes).
    pub max_clock_skew: time::Duration,
    /// `--public-url`, without a trailing slash.
    pub public_url: Option<String>,
    /// The agent binary `/agent/install.sh` installs.
    pub agent_binary: Option<Arc<crate::agent_dist::AgentBinary>>,
    pub link_timings: crate::link::LinkTimings,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(core: Core, args: &ServeArgs) -> anyhow::Result<AppState> {
        let leptos_options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_pkg_dir("pkg")
            .site_addr(args.listen)
            .build();
        let assets = Arc::new(Assets::new(args.site_dir.clone()));
        assets.warm();
        if !assets.has_bundle() {
            tracing::warn!("the console's wasm bundle is not built into this binary; pages render but do not hydrate (build with `cargo xtask build`)");
        }
        let sessions =
            DbSessionStore::new(core.db().clone(), Arc::new(bosun_core::clock::SystemClock));
        Ok(AppState(Arc::new(StateFields {
            metrics: Arc::new(Metrics::new(core.db().clone())),
            core,
            leptos_options,
            assets,
            sessions,
            session_idle: time::Duration::minutes(args.session_idle_minutes.max(1)),
            secure_cookies: args.secure_cookies(),
            metrics_token: args.metrics_token.clone(),
            max_clock_skew: time::Duration::minutes(15),
            public_url: args
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_string()),
            agent_binary: crate::agent_dist::AgentBinary::locate(args.agent_binary.clone())
                .map(Arc::new),
            link_timings: args.link_timings,
        })))
    }
}

/// Sweeps expired sessions every ten minutes.
pub fn spawn_housekeeping(state: &AppState) {
    let sessions = state.sessions.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match sessions.delete_expired().await {
                Ok(n) if n > 0 => tracing::debug!(n, "expired sessions deleted"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}

pub const SESSION_COOKIE: &str = "bosun_session";

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let core = state.core.clone();
    let ctx_core = core.clone();
    let fn_core = core.clone();
    let options = state.leptos_options.clone();

    let session_layer = SessionManagerLayer::new(state.sessions.clone())
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(state.session_idle));

    Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(ctx_core.clone());
                content_security_policy();
            },
            move || app::shell(options.clone()),
        )
        .route(
            "/api/{*fn_name}",
            post(move |req: Request| {
                let core = fn_core.clone();
                handle_server_fns_with_context(move || provide_context(core.clone()), req)
            }),
        )
        .route("/", post(api::handle))
        .route(
            "/live/invocations/{id}",
            get(crate::live::invocation_stream),
        )
        .route(
            "/live/invocations/{id}/output.txt",
            get(crate::live::download),
        )
        .route(bosun_protocol::WS_PATH, get(crate::link::agent_ws))
        .route("/agent/install.sh", get(crate::agent_dist::install_script))
        .route("/agent/download/{file}", get(crate::agent_dist::download))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/pkg/{*file}", get(crate::assets::serve_pkg))
        .route("/favicon.svg", get(crate::assets::favicon))
        .fallback(not_found)
        // Labels metrics with the route pattern, never the raw path.
        .route_layer(middleware::from_fn(tag_route))
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        .layer(middleware::from_fn_with_state(state.clone(), route_guard))
        .layer(middleware::from_fn_with_state(state.clone(), identity))
        .layer(session_layer)
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(middleware::from_fn(security_headers))
        // A panic in a handler is a bug; the client still gets a 500, never a reset.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// A strict Content-Security-Policy for rendered pages: scripts only from us or carrying
/// this response's nonce (Leptos puts it on its inline hydration scripts), wasm
/// compilation allowed, no inline styles, no framing, forms only to us. Command
/// output and other hostile text is escaped anyway; this is the second wall.
fn content_security_policy() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            &*nonce
        );
        if let Ok(v) = HeaderValue::from_str(&policy) {
            res.insert_header(header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let options = state.leptos_options.clone();
    let core = state.core.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(core.clone());
            content_security_policy();
        },
        move || app::shell(options.clone()),
    );
    let mut res = handler(req).await.into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.core.db().ping().await {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
    }
}

async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    if let Some(token) = &state.metrics_token {
        let expected = format!("Bearer {token}");
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(given, expected.as_bytes())) {
            return (StatusCode::UNAUTHORIZED, "metrics need the bearer token\n").into_response();
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The matched route pattern, copied into the response for the metrics middleware.
#[derive(Clone)]
struct RouteLabel(String);

async fn tag_route(req: Request, next: Next) -> Response {
    let label = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut res = next.run(req).await;
    if let Some(l) = label {
        res.extensions_mut().insert(RouteLabel(l));
    }
    res
}

/// The API operation a response answered, for metrics (set by the API handler).
#[derive(Clone)]
pub struct OperationLabel(pub &'static str);

/// Request id, metrics and the access log.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut req = req;
    req.extensions_mut()
        .insert(api::RequestId(request_id.clone()));
    let mut res = next.run(req).await;
    let elapsed = started.elapsed();
    let route = match (
        res.extensions().get::<OperationLabel>(),
        res.extensions().get::<RouteLabel>(),
    ) {
        (Some(op), _) => format!("AmazonSSM.{}", op.0),
        (None, Some(r)) => r.0.clone(),
        (None, None) => "unmatched".to_string(),
    };
    let status = res.status().as_u16();
    state
        .metrics
        .observe(method.as_str(), &route, status, elapsed);
    tracing::debug!(%method, route, status, ms = elapsed.as_millis() as u64, request_id, "request");
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-amzn-requestid", v);
    }
    res
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

fn client_addr(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Turns the session cookie into an [`Identity`] on the request. A session whose user
/// was disabled, deleted, or whose sessions were revoked is flushed.
async fn identity(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let addr = client_addr(&req);
    let mut principal = None;
    let path = req.uri().path();
    let static_path = path.starts_with("/pkg/")
        || matches!(
            path,
            "/healthz" | "/readyz" | "/metrics" | "/favicon.svg" | bosun_protocol::WS_PATH
        );
    if !static_path && !api::is_api_request(&req) {
        if let Some(session) = req.extensions().get::<Session>().cloned() {
            let user_id = session.get::<String>(USER_ID_KEY).await.ok().flatten();
            let epoch = session.get::<i64>(EPOCH_KEY).await.ok().flatten();
            if let (Some(user_id), Some(epoch)) = (user_id, epoch) {
                match accounts::principal_for_session(&state.core, &user_id, epoch).await {
                    Ok(Some(p)) => {
                        principal = Some(p);
                        keep_alive(&session, state.core.now_ms()).await;
                    }
                    Ok(None) => {
                        let _ = session.flush().await;
                    }
                    Err(e) => {
                        return e
                            .message
                            .clone()
                            .into_response_with(StatusCode::SERVICE_UNAVAILABLE)
                    }
                }
            }
        }
    }
    req.extensions_mut().insert(Identity {
        principal,
        client_addr: addr,
    });
    next.run(req).await
}

/// The session key holding when the session last had its expiry pushed back.
const SEEN_KEY: &str = "bosun.seen";

/// Sessions end after `--session-idle-minutes` without requests. tower-sessions only
/// writes a session (and so its expiry) when it changes; touching a timestamp here at
/// most once a minute moves the expiry forward while the user is active, without a
/// database write on every request.
async fn keep_alive(session: &Session, now_ms: i64) {
    let seen = session
        .get::<i64>(SEEN_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    if now_ms - seen >= 60_000 {
        let _ = session.insert(SEEN_KEY, now_ms).await;
    }
}

trait IntoResponseWith {
    fn into_response_with(self, status: StatusCode) -> Response;
}

impl IntoResponseWith for String {
    fn into_response_with(self, status: StatusCode) -> Response {
        (status, self).into_response()
    }
}

/// Routes anyone may reach. Everything else needs a session (or, for the API, a
/// signature checked by the API handler).
fn is_public(method: &Method, path: &str) -> bool {
    // The agent link authenticates inside its protocol (activation code or signature);
    // the installer and the agent download carry no secret (the activation code is
    // given to the script by the operator).
    matches!(
        path,
        "/healthz"
            | "/readyz"
            | "/metrics"
            | "/favicon.svg"
            | "/login"
            | "/agent/install.sh"
            | bosun_protocol::WS_PATH
    ) || path.starts_with("/pkg/")
        || (method == Method::GET && path.starts_with("/agent/download/"))
        || (method == Method::POST && path == "/api/login")
}

/// The JSON body a server function's client decodes as an `AppError`.
fn server_fn_error(status: StatusCode, err: app::error::AppError) -> Response {
    let body = serde_json::to_string(&err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn route_guard(req: Request, next: Next) -> Response {
    let authenticated = req
        .extensions()
        .get::<Identity>()
        .is_some_and(|i| i.principal.is_some());
    if authenticated || api::is_api_request(&req) || is_public(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let path = req.uri().path();
    if path.starts_with("/api/") {
        return server_fn_error(
            StatusCode::UNAUTHORIZED,
            app::error::AppError::unauthenticated(),
        );
    }
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let location = if target == "/" {
            "/login".to_string()
        } else {
            format!("/login?next={}", url_encode(target))
        };
        return Redirect::to(&location).into_response();
    }
    (StatusCode::UNAUTHORIZED, "sign in first\n").into_response()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Whether a browser request comes from our own origin. Browsers send
/// `Sec-Fetch-Site` on every request (Chromium, Firefox, Safari); older ones at least
/// send `Origin` on POST. A request with neither is refused: it is not a browser form
/// of ours, and non-browser clients use the signed API instead.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        == Some(host)
}

async fn csrf_guard(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || api::is_api_request(&req) || same_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(
        path = req.uri().path(),
        "cross-origin state-changing request refused"
    );
    let err = app::error::AppError::new(
        bosun_core::types::ErrorKind::AccessDenied,
        "Cross-origin request refused.",
    );
    if req.uri().path().starts_with("/api/") {
        server_fn_error(StatusCode::FORBIDDEN, err)
    } else {
        (
            StatusCode::FORBIDDEN,
            Body::from("cross-origin request refused\n"),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_decisions() {
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[("sec-fetch-site", "same-origin")], true),
            (&[("sec-fetch-site", "none")], true),
            (
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "http://h"),
                    ("host", "h"),
                ],
                false,
            ),
            (&[("sec-fetch-site", "same-site")], false),
            (&[("origin", "http://h:8080"), ("host", "h:8080")], true),
            (&[("origin", "https://h:8080"), ("host", "h:8080")], true),
            (&[("origin", "http://evil"), ("host", "h")], false),
            (&[("origin", "null"), ("host", "h")], false),
            (&[], false),
        ];
        for (pairs, want) in cases {
            assert_eq!(same_origin(&headers(pairs)), *want, "{pairs:?}");
        }
    }

    #[test]
    fn public_routes_are_few() {
        assert!(is_public(&Method::GET, "/login"));
        assert!(is_public(&Method::POST, "/api/login"));
        assert!(!is_public(&Method::POST, "/api/create_user"));
        assert!(!is_public(&Method::GET, "/users"));
        assert!(!is_public(&Method::GET, "/"));
        assert!(is_public(&Method::GET, "/agent/ws"));
    }
}
