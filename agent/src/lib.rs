//! `bosun-agent` as a library: enrolment ([`register()`]) and the node's session with the
//! server ([`run()`]). The binary (`main.rs`) is only the command line around these two;
//! the server's integration tests call them in-process.
//!
//! Everything goes over one WebSocket per connection to `<server>/agent/ws`, speaking
//! [`bosun_protocol`]:
//!
//! - **register**: `Hello` → `Welcome`, `Register{activation, public key}` → `Registered{id}`,
//!   then the node's state is written (see `state`) and the connection closed.
//! - **run**: `Hello` → `Welcome{challenge}`, `Authenticate{id, signature}` →
//!   `Authenticated{heartbeat_seconds}`, then `InstanceInfo` once and `Heartbeat{seq}`
//!   every `heartbeat_seconds` (the first right away; `seq` starts at 1 on each
//!   connection), each answered by `HeartbeatAck{seq}`. Two unanswered heartbeats in a
//!   row mean the connection is dead. Any ending is retried with backoff
//!   ([`BackoffConfig`]) unless the error [is permanent](AgentError::is_permanent).
//! - **Run Command**, within a session: the server's `Run`, `Cancel`, `OutputAck` and
//!   `FinishedAck`; the agent's `InvocationStarted`, `Output` and `InvocationFinished`.
//!   Invocations belong to the run loop, not to a connection, and the journal makes
//!   each id run at most once (see [`exec`] for the whole contract).
//!
//! Invariants: the agent never touches the database and links neither leptos nor sqlx;
//! the private key and the activation code appear in no log line, `Debug` output or
//! error; shutdown is injected and raced by every wait, so the agent always stops
//! promptly, saying goodbye with a Close frame when connected.

mod backoff;
mod error;
pub mod exec;
mod identity;
mod info;
mod link;
pub mod patch;
mod register;
mod run;
mod state;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

pub use backoff::BackoffConfig;
pub use error::AgentError;
pub use register::register;
pub use run::run;
pub use state::{State, DEFAULT_STATE_DIR};

/// What [`register()`] needs.
#[derive(Clone)]
pub struct RegisterOptions {
    /// The server's URL: `http(s)://host[:port]`, or the `ws(s)://` endpoint itself.
    pub server: String,
    pub activation_id: String,
    /// A secret: never logged, and hidden from `Debug`.
    pub activation_code: String,
    /// Where the node's state goes (created 0700 if missing).
    pub state_dir: PathBuf,
    /// The node's name; the activation's default name when `None`.
    pub name: Option<String>,
    /// Replace an existing registration in `state_dir`.
    pub force: bool,
    /// Trust only this CA (PEM) for `https`/`wss`, instead of the webpki roots.
    pub ca_file: Option<PathBuf>,
}

impl fmt::Debug for RegisterOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterOptions")
            .field("server", &self.server)
            .field("activation_id", &self.activation_id)
            .field("activation_code", &"<redacted>")
            .field("state_dir", &self.state_dir)
            .field("name", &self.name)
            .field("force", &self.force)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// What [`run()`] needs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The state directory a [`register()`] wrote.
    pub state_dir: PathBuf,
    /// Trust only this CA (PEM) for `https`/`wss`, instead of the webpki roots.
    pub ca_file: Option<PathBuf>,
    /// The reconnect policy; tests shorten it.
    pub backoff: BackoffConfig,
    /// Where to report [`AgentEvent`]s, so tests can wait for them instead of sleeping.
    /// Sending never blocks, and a dropped receiver is ignored.
    pub events: Option<UnboundedSender<AgentEvent>>,
    /// How `Run` is carried out: real processes and an on-disk journal, or simulated.
    pub execution: Execution,
    /// Where Patch Manager reads the node, and how the node is rebooted.
    pub node: NodeSettings,
}

/// What the agent needs to know about the machine it manages
/// ([`RunOptions::node`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSettings {
    /// Where Patch Manager reads the node's files (`etc/os-release`, the dpkg database,
    /// `run/reboot-required`, `proc/stat`): `/`. The tests point it at a sandbox, with
    /// `APT_CONFIG` sending apt and dpkg there too.
    pub root: PathBuf,
    /// The shell command (`/bin/sh -c`) that reboots the machine when an invocation
    /// asks for it: a patch Install with `RebootIfNeeded`, or a script's `exit 194`.
    pub reboot_command: String,
}

/// The production reboot command.
pub const DEFAULT_REBOOT_COMMAND: &str = "shutdown -r now";

impl Default for NodeSettings {
    fn default() -> Self {
        NodeSettings {
            root: PathBuf::from("/"),
            reboot_command: DEFAULT_REBOOT_COMMAND.into(),
        }
    }
}

/// How a node carries out the server's `Run` requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Execution {
    /// Each step is `/bin/sh -c` in its own process group; the journal is on disk in
    /// the state directory, so no invocation runs twice even across agent restarts.
    #[default]
    Real,
    /// No process is started (see [`exec::simulate`](mod@exec::simulate)): `echo` lines print their words,
    /// every step succeeds. The journal is in memory: at-most-once holds for the life
    /// of the process only. For `bosun-swarm`, where thousands of nodes share a process.
    Simulated,
}

impl RunOptions {
    /// The production settings for a state directory: webpki roots, default backoff,
    /// no events.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        RunOptions {
            state_dir: state_dir.into(),
            ca_file: None,
            backoff: BackoffConfig::default(),
            events: None,
            execution: Execution::Real,
            node: NodeSettings::default(),
        }
    }
}

/// What [`run()`] reports on [`RunOptions::events`], in order.
///
/// A session produces `Connected`, then any number of `HeartbeatAcked`, then exactly
/// one `Disconnected`. A connection attempt that fails before authenticating produces
/// only `Disconnected`. The `Invocation*` events come whenever they happen, connected
/// or not. Events may be added: match with a wildcard arm.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgentEvent {
    /// The server accepted the node's signature; `InstanceInfo` and the first heartbeat
    /// are sent right after this event.
    Connected { instance_id: String },
    /// The server acknowledged heartbeat `seq` of the current connection.
    HeartbeatAcked { seq: u64 },
    /// A connection attempt or a session ended. `retry_in` is the backoff delay before
    /// the next attempt; `None` when the agent stops (shutdown or a permanent error).
    Disconnected {
        reason: String,
        retry_in: Option<Duration>,
    },
    /// A new invocation is journaled and its execution started.
    InvocationStarted { invocation_id: String },
    /// At start, an invocation that rebooted the node goes on after the reboot.
    InvocationResumed { invocation_id: String },
    /// An invocation's result is final in this process (journaled): it ran to its end,
    /// was cancelled or stopped, was refused, or was found interrupted at start.
    /// Answers repeated from the journal produce no event.
    InvocationFinished {
        invocation_id: String,
        outcome: bosun_protocol::exec::Outcome,
    },
    /// The server's `FinishedAck` was recorded: the spool is gone.
    InvocationAcknowledged { invocation_id: String },
}
