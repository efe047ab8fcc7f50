//! `bosun-agent`: the program that runs on each managed node.
//!
//! Only the command line lives here: `register` enrols the machine and prints its managed
//! instance id; `run` keeps it connected until SIGTERM or SIGINT. The work is done by the
//! `bosun_agent` library. Logs go to stderr (`RUST_LOG`, default `info`); stdout carries
//! only results, so `id=$(bosun-agent register …)` works.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use bosun_agent::{RegisterOptions, RunOptions, DEFAULT_STATE_DIR};
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "bosun-agent",
    version,
    about = "The Bosun node agent: enrols this machine with a Bosun server and keeps it connected"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enrol this machine with an activation; prints its managed instance id.
    Register(RegisterArgs),
    /// Connect to the server and stay connected (what the service runs).
    Run(RunArgs),
}

#[derive(Args)]
struct RegisterArgs {
    /// The Bosun server, e.g. https://bosun.example.com:8443 (ws:// and wss:// work too).
    #[arg(long, env = "BOSUN_SERVER")]
    server: String,
    /// The activation's id.
    #[arg(long)]
    activation_id: String,
    /// The activation's code. It is a secret: prefer the environment variable, since
    /// other users can see command lines.
    #[arg(long, env = "BOSUN_ACTIVATION_CODE", hide_env_values = true)]
    activation_code: String,
    /// The node's name (default: the activation's).
    #[arg(long)]
    name: Option<String>,
    /// Replace an existing registration in the state directory.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The shell command that reboots this machine when a patch Install with
    /// RebootIfNeeded needs it.
    #[arg(long, env = "BOSUN_AGENT_REBOOT_COMMAND", default_value = bosun_agent::DEFAULT_REBOOT_COMMAND)]
    reboot_command: String,
    /// Where Patch Manager reads the machine's files (os-release, the dpkg database,
    /// /run/reboot-required, /proc/stat). For tests, with APT_CONFIG pointing apt there.
    #[arg(long, env = "BOSUN_AGENT_PATCH_ROOT", default_value = "/", hide = true)]
    patch_root: PathBuf,
}

#[derive(Args)]
struct CommonArgs {
    /// Where the node's registration and private key are kept.
    #[arg(long, env = "BOSUN_AGENT_STATE_DIR", default_value = DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// Trust only this CA certificate (PEM) for the server, instead of the public roots.
    #[arg(long, env = "BOSUN_AGENT_CA_FILE")]
    ca_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bosun-agent: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Register(args) => register(args).await,
            Command::Run(args) => run(args).await,
        }
    })
}

async fn register(args: RegisterArgs) -> ExitCode {
    let opts = RegisterOptions {
        server: args.server,
        activation_id: args.activation_id,
        activation_code: args.activation_code,
        state_dir: args.common.state_dir,
        name: args.name,
        force: args.force,
        ca_file: args.common.ca_file,
    };
    tokio::select! {
        result = bosun_agent::register(&opts) => match result {
            Ok(instance_id) => {
                println!("{instance_id}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("bosun-agent: registration failed: {e}");
                ExitCode::FAILURE
            }
        },
        () = shutdown_signal() => {
            eprintln!("bosun-agent: registration interrupted");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: RunArgs) -> ExitCode {
    let mut opts = RunOptions::new(args.common.state_dir);
    opts.ca_file = args.common.ca_file;
    opts.node = bosun_agent::NodeSettings {
        root: args.patch_root,
        reboot_command: args.reboot_command,
    };
    match bosun_agent::run(opts, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bosun-agent: stopping: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            tracing::info!(signal = name, "shutting down");
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the agent gracefully");
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in journald or a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .finish();
    // Not `.init()`: that also routes the `log` crate into tracing, and tungstenite's
    // trace-level `log` output prints whole frames, an activation code among them.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid_and_versioned() {
        Cli::command().debug_assert();
        assert_eq!(
            Cli::command().get_version(),
            Some(env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn register_takes_its_options_and_defaults_the_state_dir() {
        let cli = Cli::try_parse_from([
            "bosun-agent",
            "register",
            "--server",
            "https://bosun.example",
            "--activation-id",
            "0a1b2c3d-0000-4000-8000-000000000000",
            "--activation-code",
            "code",
            "--name",
            "web-1",
        ])
        .unwrap();
        let Command::Register(args) = cli.command else {
            panic!("not register");
        };
        assert_eq!(args.server, "https://bosun.example");
        assert_eq!(args.activation_code, "code");
        assert_eq!(args.name.as_deref(), Some("web-1"));
        assert!(!args.force);
        assert_eq!(args.common.state_dir, PathBuf::from(DEFAULT_STATE_DIR));
        assert_eq!(args.common.ca_file, None);
    }

    #[test]
    fn run_takes_a_state_dir_and_a_ca_file() {
        let cli = Cli::try_parse_from([
            "bosun-agent",
            "run",
            "--state-dir",
            "/tmp/s",
            "--ca-file",
            "/etc/ca.pem",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run");
        };
        assert_eq!(args.common.state_dir, PathBuf::from("/tmp/s"));
        assert_eq!(args.common.ca_file, Some(PathBuf::from("/etc/ca.pem")));
    }

    #[test]
    fn the_activation_code_is_not_shown_in_help() {
        let help = Cli::command()
            .find_subcommand_mut("register")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains("BOSUN_ACTIVATION_CODE"), "{help}");
        assert!(!help.contains("BOSUN_ACTIVATION_CODE="), "{help}");
    }
}
