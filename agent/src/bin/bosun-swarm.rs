//! `bosun-swarm`: many authenticated agents from one process, for load tests and
//! benchmarks (`benches/agents.sh`). Each simulated node is the real agent library
//! (`bosun_agent::register` and `bosun_agent::run`) with its own state directory, so
//! the server sees exactly what real nodes send. Not installed on nodes.
//!
//! ```text
//! bosun-swarm --server URL --activation-id ID --count 1000 --dir /tmp/swarm [--hold 60]
//! ```
//! Registers the nodes that `--dir` does not hold yet (the activation code comes from
//! `BOSUN_ACTIVATION_CODE` or `--activation-code`), connects all of them, prints when
//! every one is Connected, and stays connected for `--hold` seconds (or until Ctrl-C).
//!
//! Run Command: by default the nodes **simulate** execution (`--simulate true`,
//! [`Execution::Simulated`]): no process is started, `echo <words>` prints `<words>`,
//! every step succeeds, and each node's journal lives in memory (at most once for the
//! life of this process; a restarted swarm would run a re-sent id again, which a
//! server never sends after its `FinishedAck`). This keeps 10,000 nodes answering
//! `Run` at the cost of the protocol alone, which is what a server benchmark measures.
//! `--simulate false` runs real `/bin/sh` processes with each node's on-disk journal,
//! exactly as `bosun-agent` does. On exit it prints how many invocations finished.

use bosun_agent::{AgentEvent, Execution, RegisterOptions, RunOptions};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "bosun-swarm",
    about = "Many real agents from one process (load tests)"
)]
struct Cli {
    #[arg(long)]
    server: String,
    #[arg(long)]
    activation_id: Option<String>,
    #[arg(long, env = "BOSUN_ACTIVATION_CODE", hide_env_values = true)]
    activation_code: Option<String>,
    /// How many nodes.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Holds one state directory per node (node-00000, node-00001, …).
    #[arg(long)]
    dir: PathBuf,
    /// How many registrations run at once.
    #[arg(long, default_value_t = 16)]
    parallel: usize,
    /// Seconds to stay connected once all are connected (0: until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    hold: u64,
    /// Register the missing nodes and exit without connecting them.
    #[arg(long)]
    register_only: bool,
    /// Answer `Run` without starting processes (see the module doc); `false` runs
    /// real shells.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    simulate: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bosun-swarm: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(swarm(cli))
}

async fn register_missing(cli: &Cli, missing: Vec<PathBuf>) -> Result<(), String> {
    let (Some(id), Some(code)) = (cli.activation_id.clone(), cli.activation_code.clone()) else {
        return Err(format!(
            "{} nodes are not registered: give --activation-id and the code",
            missing.len()
        ));
    };
    let started = Instant::now();
    let count = missing.len();
    let mut pending = missing.into_iter();
    let mut running = tokio::task::JoinSet::new();
    let mut failed = 0usize;
    loop {
        while running.len() < cli.parallel.max(1) {
            let Some(dir) = pending.next() else { break };
            let opts = RegisterOptions {
                server: cli.server.clone(),
                activation_id: id.clone(),
                activation_code: code.clone(),
                state_dir: dir,
                name: None,
                force: false,
                ca_file: None,
            };
            running.spawn(async move { bosun_agent::register(&opts).await });
        }
        match running.join_next().await {
            None => break,
            Some(Ok(Ok(_))) => {}
            Some(Ok(Err(e))) => {
                failed += 1;
                eprintln!("bosun-swarm: registration failed: {e}");
            }
            Some(Err(e)) => {
                failed += 1;
                eprintln!("bosun-swarm: registration task failed: {e}");
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {count} registrations failed"));
    }
    println!("registered {count} nodes in {:.1?}", started.elapsed());
    Ok(())
}

async fn swarm(cli: Cli) -> ExitCode {
    let dirs: Vec<PathBuf> = (0..cli.count)
        .map(|i| cli.dir.join(format!("node-{i:05}")))
        .collect();
    let missing: Vec<PathBuf> = dirs
        .iter()
        .filter(|d| !d.join("state.json").is_file())
        .cloned()
        .collect();
    if !missing.is_empty() {
        if let Err(e) = register_missing(&cli, missing).await {
            eprintln!("bosun-swarm: {e}");
            return ExitCode::FAILURE;
        }
    }
    if cli.register_only {
        return ExitCode::SUCCESS;
    }

    let (events, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let mut agents = tokio::task::JoinSet::new();
    for dir in dirs {
        let mut opts = RunOptions::new(dir);
        opts.events = Some(events.clone());
        opts.execution = if cli.simulate {
            Execution::Simulated
        } else {
            Execution::Real
        };
        let mut stop = stop_rx.clone();
        agents.spawn(bosun_agent::run(opts, async move {
            let _ = stop.wait_for(|s| *s).await;
        }));
    }
    drop(events);
    let mut connected = 0usize;
    let mut disconnects = 0usize;
    while connected < cli.count {
        match rx.recv().await {
            Some(AgentEvent::Connected { .. }) => connected += 1,
            Some(AgentEvent::Disconnected { reason, .. }) => {
                disconnects += 1;
                if disconnects <= 5 {
                    eprintln!("bosun-swarm: a node disconnected: {reason}");
                }
            }
            Some(_) => {}
            None => break,
        }
    }
    println!(
        "connected {connected}/{} nodes in {:.1?}",
        cli.count,
        started.elapsed()
    );
    let hold = async {
        if cli.hold == 0 {
            let _ = tokio::signal::ctrl_c().await;
        } else {
            tokio::time::sleep(Duration::from_secs(cli.hold)).await;
        }
    };
    tokio::pin!(hold);
    let mut acks = 0u64;
    let mut finished = 0u64;
    loop {
        tokio::select! {
            _ = &mut hold => break,
            e = rx.recv() => match e {
                Some(AgentEvent::HeartbeatAcked { .. }) => acks += 1,
                Some(AgentEvent::Disconnected { .. }) => disconnects += 1,
                Some(AgentEvent::InvocationFinished { .. }) => finished += 1,
                Some(_) => {}
                None => break,
            },
        }
    }
    println!(
        "held {connected} connections; {acks} heartbeats acknowledged, {disconnects} disconnects, \
         {finished} invocations finished"
    );
    let _ = stop_tx.send(true);
    while agents.join_next().await.is_some() {}
    if connected == cli.count {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_is_the_default_and_can_be_turned_off() {
        let base = ["bosun-swarm", "--server", "http://x", "--dir", "/tmp/s"];
        assert!(Cli::parse_from(base).simulate);
        let real = Cli::parse_from(base.iter().chain(&["--simulate", "false"]));
        assert!(!real.simulate);
    }
}
