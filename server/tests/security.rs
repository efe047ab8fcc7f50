//! The security checklist, against the real server over HTTP: every console route and
//! every server function refuses anonymous callers; cross-origin state changes are
//! refused; session cookies carry the right flags and rotate at sign-in; sign-in
//! throttling engages before hashing; disabling a user ends their sessions.

mod common;

use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use bosun_core::Actor;
use common::{serve_args, TestServer, ADMIN_PASSWORD, PASSWORD};
use reqwest::header::{HeaderMap, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Signs in through the login server function; returns the session cookie pair.
async fn sign_in(srv: &TestServer, user: &str, password: &str) -> Result<String, (u16, String)> {
    let res = client()
        .post(format!("{}/api/login", srv.url))
        .header(ORIGIN, &srv.url)
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let cookie = session_cookie(res.headers());
    let body = res.text().await.unwrap_or_default();
    match (status, cookie) {
        (200..=399, Some(c)) => Ok(c.split(';').next().unwrap_or_default().to_string()),
        _ => Err((status, body)),
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{}=", bosun_server::web::SESSION_COOKIE)))
        .map(str::to_string)
}

#[tokio::test]
async fn anonymous_requests_to_every_route_and_server_function_are_refused() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let http = client();

    let pages: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(pages.len() >= 5, "{pages:?}");
    for path in pages.iter().filter(|p| *p != "/login") {
        let res = http
            .get(format!("{}{path}", srv.url))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status().as_u16(), 303, "{path}");
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(location.starts_with("/login"), "{path} -> {location}");
    }

    let functions: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p)
        .collect();
    assert!(functions.len() >= 12, "{functions:?}");
    for path in functions.iter().filter(|p| **p != "/api/login") {
        // Same-origin headers, so the session check (not the CSRF check) answers.
        let res = http
            .post(format!("{}{path}", srv.url))
            .header(ORIGIN, &srv.url)
            .form(&[("x", "y")])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status().as_u16(), 401, "{path}");
        let body: serde_json::Value = res.json().await.expect("json error body");
        assert_eq!(body["kind"], "Unauthenticated", "{path}");
    }

    // A forged or stale cookie is no better than none.
    let res = http
        .get(format!("{}/users", srv.url))
        .header("cookie", "bosun_session=AAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 303);

    // Public routes stay public.
    for path in ["/healthz", "/readyz", "/login", "/metrics"] {
        let res = http
            .get(format!("{}{path}", srv.url))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status().as_u16(), 200, "{path}");
    }
    srv.stop().await;
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let cookie = sign_in(&srv, "admin", ADMIN_PASSWORD)
        .await
        .expect("sign in");
    let http = client();
    let form = [
        ("name", "mallory"),
        ("role", "admin"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let create = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut req = http
            .post(format!("{}/api/create_user", srv.url))
            .header("cookie", &cookie)
            .form(&form);
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        if let Some(s) = fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        req.send()
    };
    assert_eq!(
        create(Some("http://evil.example"), None)
            .await
            .expect("send")
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        create(Some(&srv.url), Some("cross-site"))
            .await
            .expect("send")
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        create(None, Some("same-site"))
            .await
            .expect("send")
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        create(None, None).await.expect("send").status().as_u16(),
        403,
        "neither header: refused"
    );
    let users = bosun_core::accounts::list_users(&srv.core, &Actor::cli(), &Default::default())
        .await
        .expect("list");
    assert!(
        users.items.iter().all(|u| u.name != "mallory"),
        "nothing was created"
    );

    // The same request from our own origin works.
    assert_eq!(
        create(None, Some("same-origin"))
            .await
            .expect("send")
            .status()
            .as_u16(),
        200
    );

    // Sign-in itself is protected against login CSRF.
    let res = http
        .post(format!("{}/api/login", srv.url))
        .header(ORIGIN, "http://evil.example")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 403);
    srv.stop().await;
}

#[tokio::test]
async fn session_cookie_flags_and_rotation() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let res = client()
        .post(format!("{}/api/login", srv.url))
        .header(ORIGIN, &srv.url)
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("send");
    let cookie = session_cookie(res.headers()).expect("session cookie set at sign-in");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: not Secure ({cookie})"
    );
    // A new session id at every sign-in.
    let a = sign_in(&srv, "admin", ADMIN_PASSWORD).await.expect("a");
    let b = sign_in(&srv, "admin", ADMIN_PASSWORD).await.expect("b");
    assert_ne!(a, b);
    srv.stop().await;

    let srv = TestServer::start_with(
        TestDb::sqlite().await,
        serve_args(Some("https://bosun.example.com")),
    )
    .await;
    let res = client()
        .post(format!("{}/api/login", srv.url))
        .header(ORIGIN, &srv.url)
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("send");
    let cookie = session_cookie(res.headers()).expect("cookie");
    assert!(
        cookie.contains("Secure"),
        "served over HTTPS: Secure ({cookie})"
    );
    srv.stop().await;
}

#[tokio::test]
async fn sign_in_throttling_engages() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    for _ in 0..5 {
        let (status, body) = sign_in(&srv, "admin", "not the password")
            .await
            .expect_err("wrong");
        assert!(
            status >= 400 && body.contains("Incorrect user name or password."),
            "{status} {body}"
        );
    }
    let (_, body) = sign_in(&srv, "admin", ADMIN_PASSWORD)
        .await
        .expect_err("throttled even with the right password");
    assert!(body.contains("Too many failed sign-in attempts"), "{body}");
    // Unknown names answer exactly like wrong passwords.
    let (_, unknown) = sign_in(&srv, "nobody-here", "whatever password")
        .await
        .expect_err("unknown");
    assert!(
        unknown.contains("Incorrect user name or password.") || unknown.contains("Too many"),
        "{unknown}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn disabling_a_user_and_signing_out_end_sessions() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        srv.user_with_key("olga", Role::Operator).await;
        let cookie = sign_in(&srv, "olga", PASSWORD).await.expect("sign in");
        let http = client();
        let get = |path: &'static str| {
            http.get(format!("{}{path}", srv.url))
                .header("cookie", &cookie)
                .send()
        };
        assert_eq!(get("/").await.expect("get").status().as_u16(), 200);
        bosun_core::accounts::set_user_disabled(&srv.core, &Actor::cli(), "olga", true)
            .await
            .expect("disable");
        assert_eq!(
            get("/").await.expect("get").status().as_u16(),
            303,
            "session ended"
        );

        let cookie = sign_in(&srv, "admin", ADMIN_PASSWORD).await.expect("admin");
        let res = http
            .post(format!("{}/api/logout", srv.url))
            .header("cookie", &cookie)
            .header(ORIGIN, &srv.url)
            .send()
            .await
            .expect("logout");
        assert!(res.status().is_success() || res.status().is_redirection());
        let res = http
            .get(format!("{}/", srv.url))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status().as_u16(), 303, "signed out");
        srv.stop().await;
    }
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let http = client();
    let _ = http
        .get(format!("{}/login", srv.url))
        .send()
        .await
        .expect("login page");
    let metrics = http
        .get(format!("{}/metrics", srv.url))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("bosun_http_requests_total{"), "{metrics}");
    assert!(
        metrics.contains("route=\"/login\""),
        "labelled by route pattern: {metrics}"
    );
    assert!(
        metrics.contains("bosun_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("bosun_db_pool_connections"), "{metrics}");
    srv.stop().await;
}
