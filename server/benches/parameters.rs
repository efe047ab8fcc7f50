//! Parameter Store throughput and latency through the AWS API (issue targets:
//! GetParameter ≥ 5,000/s with p99 < 5 ms; GetParametersByPath over 500 parameters
//! < 50 ms).
//!
//! The real server (in-process, SQLite in a temp data dir) and a load generator on its
//! own runtime thread: `CONNECTIONS` (default 8) HTTP/1.1 keep-alive connections, each
//! request signed with SigV4 by the AWS signer crate and verified by the server as any
//! client's. Each case runs `SECONDS` (default 5) after a short warm-up and prints
//! requests/s and p50/p90/p99 latency:
//! - GetParameter of a String;
//! - GetParameter of a SecureString WithDecryption (envelope decryption + the audit
//!   record every decryption writes);
//! - GetParametersByPath over 500 parameters (50 pages of 10: the time to read all
//!   500, one client at a time, and per page under load);
//! - PutParameter (Overwrite) of a String, one name per connection.
//!
//! `cargo bench -p bosun-server --bench parameters` (release build of the server code);
//! `CASES=get,secure,page,walk,put` runs some of the cases (for profiling one).

#[path = "../tests/common/mod.rs"]
mod common;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use common::TestServer;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    host: String,
    key: Arc<(String, String)>,
}

impl Client {
    async fn call(&self, target: &str, body: &Value) -> Result<Value, String> {
        let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let target = format!("AmazonSSM.{target}");
        let mut headers = vec![
            ("host".to_string(), self.host.clone()),
            (
                "content-type".to_string(),
                "application/x-amz-json-1.1".to_string(),
            ),
            ("x-amz-target".to_string(), target),
        ];
        let identity = Credentials::new(&self.key.0, &self.key.1, None, None, "bench").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("ssm")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        for (name, value) in instructions.headers() {
            headers.push((name.to_string(), value.to_string()));
        }
        let mut req = self.http.post(&self.url).body(body);
        for (k, v) in &headers {
            if k != "host" {
                req = req.header(k, v);
            }
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let v: Value = res.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(v)
        } else {
            Err(format!("{status}: {v}"))
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut lat: Vec<Duration>, elapsed: Duration, errors: usize) {
    lat.sort();
    println!(
        "{label:<44} {:>8.0} req/s   p50 {:>6.2} ms   p90 {:>6.2} ms   p99 {:>6.2} ms   ({} requests, {errors} errors)",
        lat.len() as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.90),
        percentile(&lat, 0.99),
        lat.len()
    );
}

/// Runs `op` from `connections` clients for `seconds` (after a warm-up second).
async fn load<F, Fut>(clients: &[Client], seconds: u64, op: F) -> (Vec<Duration>, Duration, usize)
where
    F: Fn(Client, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let warm_until = Instant::now() + Duration::from_secs(1);
    let end = warm_until + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, c) in clients.iter().enumerate() {
        let c = c.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut first_error = None;
            let mut n = 0usize;
            loop {
                let t = Instant::now();
                if t >= end {
                    break;
                }
                let r = op(c.clone(), i * 1_000_000 + n).await;
                n += 1;
                if t >= warm_until {
                    match r {
                        Ok(()) => lat.push(t.elapsed()),
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
            }
            (lat, errors, first_error)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((lat, e, first)) = t.await {
            all.extend(lat);
            errors += e;
            if let Some(f) = first {
                eprintln!("first error: {f}");
            }
        }
    }
    (all, Duration::from_secs(seconds), errors)
}

fn main() {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    let (srv, key) = server_rt.block_on(async {
        let srv = TestServer::start(TestDb::sqlite().await).await;
        let key = srv.user_with_key("bench", Role::Operator).await;
        (srv, key)
    });
    let url = format!("{}/", srv.url);
    let host = srv.addr.to_string();
    // The load generator runs on its own runtime (two threads), as a separate client
    // would; both share this machine's cores with the server.
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("load-generator")
        .enable_all()
        .build()
        .expect("client runtime");
    client_rt.block_on(async move {
        let connections: usize = std::env::var("CONNECTIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(8);
        let seconds: u64 = std::env::var("SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5);
        // CASES=get,secure,page,walk,put (default: all) picks the cases to run.
        let cases = std::env::var("CASES").unwrap_or_default();
        let wants = |name: &str| cases.is_empty() || cases.split(',').any(|c| c.trim() == name);
        let key = Arc::new((key.access_key_id.clone(), key.secret_access_key.clone()));
        let clients: Vec<Client> = (0..connections)
            .map(|_| Client {
                // One client per connection: each keeps its own keep-alive connection.
                http: reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .expect("http client"),
                url: url.clone(),
                host: host.clone(),
                key: key.clone(),
            })
            .collect();
        let c = &clients[0];
        let put = |name: String, value: String, ty: &str| {
            json!({"Name": name, "Value": value, "Type": ty, "Overwrite": true})
        };
        c.call("PutParameter", &put("/bench/plain".into(), "x".repeat(64), "String"))
            .await
            .expect("put plain");
        c.call(
            "PutParameter",
            &put("/bench/secret".into(), "s".repeat(64), "SecureString"),
        )
        .await
        .expect("put secret");
        let t = Instant::now();
        for i in 0..500 {
            c.call(
                "PutParameter",
                &put(format!("/bench/path/p{i:03}"), format!("value {i}"), "String"),
            )
            .await
            .expect("put path");
        }
        println!(
            "setup: 500 parameters put one after the other in {:.2} s\n",
            t.elapsed().as_secs_f64()
        );
        println!(
            "{connections} connections, SigV4 signed and verified, {seconds} s per case, SQLite:"
        );

        if wants("get") {
            let (lat, el, err) = load(&clients, seconds, |c, _| async move {
                c.call("GetParameter", &json!({"Name": "/bench/plain"}))
                    .await
                    .map(|_| ())
            })
            .await;
            report("GetParameter String", lat, el, err);
        }

        if wants("secure") {
            let (lat, el, err) = load(&clients, seconds, |c, _| async move {
                c.call(
                    "GetParameter",
                    &json!({"Name": "/bench/secret", "WithDecryption": true}),
                )
                .await
                .map(|_| ())
            })
            .await;
            report("GetParameter SecureString WithDecryption", lat, el, err);
        }

        if wants("page") {
            let (lat, el, err) = load(&clients, seconds, |c, _| async move {
                c.call(
                    "GetParametersByPath",
                    &json!({"Path": "/bench/path", "MaxResults": 10}),
                )
                .await
                .map(|_| ())
            })
            .await;
            report("GetParametersByPath (first page of 500)", lat, el, err);
        }

        if wants("walk") {
            // All 500 through pagination, one client, nothing else running.
            let mut walks = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                let mut token: Option<String> = None;
                let mut seen = 0;
                loop {
                    let mut body = json!({"Path": "/bench/path", "MaxResults": 10});
                    if let Some(tk) = &token {
                        body["NextToken"] = json!(tk);
                    }
                    let r = c.call("GetParametersByPath", &body).await.expect("by path");
                    seen += r["Parameters"].as_array().map_or(0, Vec::len);
                    match r["NextToken"].as_str() {
                        Some(tk) => token = Some(tk.to_string()),
                        None => break,
                    }
                }
                assert_eq!(seen, 500);
                walks.push(t.elapsed());
            }
            walks.sort();
            println!(
                "{:<44} p50 {:>6.1} ms   max {:>6.1} ms   (50 pages of 10, 20 walks)",
                "GetParametersByPath: all 500, paginated",
                percentile(&walks, 0.5),
                percentile(&walks, 1.0)
            );
        }

        if wants("put") {
            let (lat, el, err) = load(&clients, seconds, |c, n| async move {
                c.call(
                    "PutParameter",
                    &json!({"Name": format!("/bench/put/c{}", n / 1_000_000), "Value": format!("v{n}"), "Type": "String", "Overwrite": true}),
                )
                .await
                .map(|_| ())
            })
            .await;
            report("PutParameter (Overwrite)", lat, el, err);
        }
    });
    server_rt.block_on(srv.stop());
}
