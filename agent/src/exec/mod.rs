//! Run Command on the node (see `bosun_protocol::exec` for the messages):
//!
//! - [`journal`]: the at-most-once record of every invocation id (started before
//!   anything runs, result before anyone hears of it) and the spool of its output
//!   until the server stored it; on disk under `<state dir>/invocations`, or in memory
//!   for simulated nodes.
//! - [`executor`]: runs the steps (`/bin/sh -c` in its own process group; timeouts and
//!   cancel kill the group) and streams numbered chunks; [`simulate`](mod@simulate) is its
//!   process-free twin for `bosun-swarm`.
//! - `runner` (`Invocations`): the node's invocations across sessions. The run loop
//!   (`run.rs`) owns it for the agent's whole life; a session feeds it the server's
//!   `Run`/`Cancel`/acks and sends what it yields.
//!
//! How a `Run` is answered (the id decides, through the journal):
//!
//! | the id is…                          | the agent sends                                  |
//! |-------------------------------------|--------------------------------------------------|
//! | new                                 | `InvocationStarted`, chunks, `InvocationFinished` |
//! | running in this process             | `InvocationStarted`, chunks after the last ack, then the rest as it comes |
//! | started by a previous agent process | chunks after the last ack, `InvocationFinished` (Failed, "the agent stopped…") |
//! | finished                            | chunks after the last ack, `InvocationFinished` (the stored result) |
//! | over `MAX_STEPS`, or unjournalable  | `InvocationFinished` (Failed, with a detail); nothing runs |
//!
//! Output is numbered per invocation from 1 without gaps; each chunk is spooled before
//! it is sent, and the spool is replayed after every reconnect from the server's last
//! `OutputAck`, so the union of what the server receives is every chunk (it dedupes by
//! seq). A result is sent only after all chunks of its invocation, and again after
//! every reconnect until `FinishedAck`, which drops the spool (the id is kept a week).
//!
//! When the agent starts, journal entries without a result were running when the
//! previous agent process died: they are failed (never re-run) and reported — except an
//! invocation that rebooted the machine on purpose (a patch Install with
//! `RebootIfNeeded`, a script's `exit 194`): its journaled `Resume` lets it go on from
//! the step that asked, and a stop while it waits for the reboot leaves it unfinished. A clean
//! stop kills the running invocations' process groups and journals them as Failed
//! ("the agent was stopped…"), reporting them before the goodbye when connected.

pub mod executor;
pub mod journal;
mod patch_step;
pub(crate) mod runner;
pub mod simulate;

pub use executor::{execute, execute_from};
pub use journal::{Journal, JournalError, PatchResume, Resume, Seen};
pub use simulate::simulate;

#[cfg(test)]
pub(crate) mod tests;
