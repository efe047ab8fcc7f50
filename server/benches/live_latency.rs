//! Agent → browser latency of one output line (issue target: p95 < 100 ms).
//!
//! The real server (in-process, SQLite) and a real agent (the library, running a real
//! `/bin/sh`) on loopback; the "browser" is an HTTP client signed in to the console and
//! reading the same Server-Sent Events stream the command page reads. The script prints
//! the time (`date +%s%N`) on each line; the client subtracts it from the time the line
//! arrives. Both ends share this machine's clock, so no synchronisation is needed; the
//! figure includes `date`'s own start (a fork), the agent's 20 ms output coalescing,
//! storage, publication and the SSE hop.
//!
//! `cargo bench -p bosun-server --bench live_latency` (`LINES=400` to change the count).

#[path = "../tests/common/mod.rs"]
mod common;

use bosun_agent::{AgentEvent, RegisterOptions, RunOptions};
use bosun_core::activations::{self, CreateActivation};
use bosun_core::commands::{self, SendCommand};
use bosun_core::testing::TestDb;
use bosun_core::Actor;
use common::TestServer;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(bench());
}

async fn bench() {
    let lines: usize = std::env::var("LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let a = activations::create_activation(
        &srv.core,
        &Actor::cli(),
        CreateActivation {
            iam_role: "SSMServiceRole".into(),
            default_instance_name: "bench".into(),
            registration_limit: Some(1),
            ..Default::default()
        },
    )
    .await
    .expect("activation");
    let dir = std::env::temp_dir().join(format!("bosun-latency-{}", uuid::Uuid::new_v4()));
    let node = bosun_agent::register(&RegisterOptions {
        server: srv.url.clone(),
        activation_id: a.activation_id.clone(),
        activation_code: a.activation_code.clone(),
        state_dir: dir.clone(),
        name: None,
        force: false,
        ca_file: None,
    })
    .await
    .expect("register");
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut opts = RunOptions::new(dir.clone());
    opts.events = Some(tx);
    let agent = tokio::spawn(bosun_agent::run(opts, async move {
        let _ = stop_rx.await;
    }));
    while let Some(e) = events.recv().await {
        if matches!(e, AgentEvent::Connected { .. }) {
            break;
        }
    }

    // Sign in as the console does.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let cookie = common::console_cookie(&srv).await;

    // A second's pause first, so the stream is open before the first line.
    let script = format!("sleep 1; for i in $(seq 1 {lines}); do date +%s%N; sleep 0.05; done");
    let c = commands::send_command(
        &srv.core,
        &Actor::cli(),
        SendCommand {
            document_name: "AWS-RunShellScript".into(),
            instance_ids: vec![node.clone()],
            parameters: [("commands".to_string(), vec![script])]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    )
    .await
    .expect("send");
    let invocation = format!("{}-{node}", c.command_id);
    let mut res = http
        .get(format!("{}/live/invocations/{invocation}", srv.url))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("stream");
    assert_eq!(res.status().as_u16(), 200, "the stream opens");

    let mut latencies_ms: Vec<f64> = Vec::with_capacity(lines);
    let mut buf = String::new();
    let mut partial = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60 + lines as u64);
    'read: while latencies_ms.len() < lines {
        let chunk = match tokio::time::timeout_at(deadline, res.chunk()).await {
            Ok(Ok(Some(c))) => c,
            _ => break,
        };
        let arrived = now_ns();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        // SSE events end with a blank line.
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let is_chunk = event.lines().any(|l| l == "event: chunk");
            if event.lines().any(|l| l == "event: end") {
                break 'read;
            }
            if !is_chunk {
                continue;
            }
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                .collect();
            let Ok(c) = serde_json::from_str::<bosun_core::types::OutputChunkInfo>(&data) else {
                continue;
            };
            partial.push_str(&c.data);
            while let Some(nl) = partial.find('\n') {
                let line: String = partial.drain(..nl + 1).collect();
                if let Ok(ts) = line.trim().parse::<i128>() {
                    latencies_ms.push((arrived - ts) as f64 / 1e6);
                }
            }
        }
    }
    let _ = stop_tx.send(());
    let _ = agent.await;
    srv.stop().await;
    let _ = std::fs::remove_dir_all(&dir);

    latencies_ms.sort_by(|a, b| a.total_cmp(b));
    let n = latencies_ms.len();
    assert!(n > 0, "no line arrived");
    let pct = |p: f64| latencies_ms[((n as f64 * p).ceil() as usize).clamp(1, n) - 1];
    println!("agent → browser latency of one output line ({n} lines, SSE, loopback):");
    println!(
        "  p50 {:.1} ms   p95 {:.1} ms   p99 {:.1} ms   max {:.1} ms   (target p95 < 100 ms)",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        latencies_ms[n - 1]
    );
}
