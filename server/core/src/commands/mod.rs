//! Run Command on the server.
//!
//! - `plan`: the pure rules from a SendCommand request to what agents run (rate limits,
//!   parameter binding, step planning).
//! - `store`: SQL for `commands`, `command_invocations` and `command_output`.
//! - `service`: SendCommand, ListCommands, ListCommandInvocations, GetCommandInvocation,
//!   CancelCommand and the console's reads — one implementation for both doors.
//! - `engine`: what happens after SendCommand returns: the dispatcher (rate control,
//!   evaluated whenever invocations end), delivery to nodes over their links (or to the
//!   replica that holds the link), the ingest of what agents report (batched into
//!   one transaction per burst, then acknowledged), the sweeper (delivery and execution
//!   deadlines), and the live-output hub the console subscribes to.
//!
//! Invocation states (DESIGN-NOTES §1), each written before it is acted on:
//!
//! ```text
//! Pending (waiting for rate control) ──release──► Pending (node online) / Delayed (offline)
//!   ──agent journaled it──► InProgress ──agent reported──► Success | Failed | TimedOut | Cancelled
//! Pending/Delayed ──expires_at──► TimedOut "Delivery Timed Out"
//! InProgress ──cancel──► Cancelling ──agent reported──► Cancelled
//! InProgress/Cancelling ──deadline, node silent──► TimedOut "Execution Timed Out" / Cancelled
//! waiting ──errors > MaxErrors──► Cancelled "Terminated"
//! ```

pub mod engine;
pub mod plan;
pub mod service;
pub mod store;

pub use engine::Runtime;
pub use service::*;

use serde::{Deserialize, Serialize};

/// One plugin's state, as the `plugins` column stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginState {
    pub name: String,
    /// Index of the step the agent runs; `None` when the step does not apply to the
    /// node's platform (it is reported as succeeded without running, as SSM does).
    pub step: Option<u32>,
    pub status: String,
    pub details: String,
    pub code: i64,
    pub started: Option<i64>,
    pub ended: Option<i64>,
}

/// The status of a command from its invocations' counts (SSM's "Understanding command
/// statuses"): open while any invocation is; then Cancelled if asked, Failed or
/// Execution Timed Out when errors exceeded MaxErrors, Delivery Timed Out when delivery
/// timeouts did, Success when every deliverable invocation succeeded, else Incomplete.
pub fn command_status(
    c: &store::Counts,
    error_limit: i64,
    cancel_requested: bool,
    no_targets_detail: &'static str,
) -> (&'static str, &'static str) {
    if c.total == 0 {
        return ("Success", no_targets_detail);
    }
    if c.terminal < c.total {
        if cancel_requested {
            return ("Cancelling", "Cancelling");
        }
        if c.terminal > 0 || c.in_progress > 0 {
            return ("InProgress", "In Progress");
        }
        return ("Pending", "Pending");
    }
    if cancel_requested {
        return ("Cancelled", "Cancelled");
    }
    if c.errors > error_limit {
        if c.execution_timed_out > c.failed {
            return ("TimedOut", "Execution Timed Out");
        }
        return ("Failed", "Failed");
    }
    if c.delivery_timed_out > error_limit {
        return ("TimedOut", "Delivery Timed Out");
    }
    if c.success + c.undeliverable == c.total {
        return ("Success", "Success");
    }
    ("Success", "Incomplete")
}

#[cfg(test)]
mod tests {
    use super::store::Counts;
    use super::*;

    fn counts(f: impl FnOnce(&mut Counts)) -> Counts {
        let mut c = Counts::default();
        f(&mut c);
        c
    }

    #[test]
    fn command_status_follows_ssm() {
        let open = counts(|c| {
            c.total = 3;
            c.terminal = 1;
            c.success = 1;
        });
        assert_eq!(
            command_status(&open, 0, false, ""),
            ("InProgress", "In Progress")
        );
        assert_eq!(
            command_status(&open, 0, true, ""),
            ("Cancelling", "Cancelling")
        );
        let waiting = counts(|c| c.total = 2);
        assert_eq!(
            command_status(&waiting, 0, false, ""),
            ("Pending", "Pending")
        );
        let all_ok = counts(|c| {
            c.total = 2;
            c.terminal = 2;
            c.success = 2;
        });
        assert_eq!(
            command_status(&all_ok, 0, false, ""),
            ("Success", "Success")
        );
        let one_failed = counts(|c| {
            c.total = 2;
            c.terminal = 2;
            c.success = 1;
            c.failed = 1;
            c.errors = 1;
        });
        assert_eq!(
            command_status(&one_failed, 0, false, ""),
            ("Failed", "Failed")
        );
        assert_eq!(
            command_status(&one_failed, 1, false, ""),
            ("Success", "Incomplete")
        );
        let timed_out = counts(|c| {
            c.total = 2;
            c.terminal = 2;
            c.execution_timed_out = 2;
            c.errors = 2;
        });
        assert_eq!(
            command_status(&timed_out, 0, false, ""),
            ("TimedOut", "Execution Timed Out")
        );
        let undelivered = counts(|c| {
            c.total = 1;
            c.terminal = 1;
            c.delivery_timed_out = 1;
        });
        assert_eq!(
            command_status(&undelivered, 0, false, ""),
            ("TimedOut", "Delivery Timed Out")
        );
        assert_eq!(
            command_status(&undelivered, 1, false, ""),
            ("Success", "Incomplete")
        );
        assert_eq!(
            command_status(&Counts::default(), 0, false, "No Instances In Tag"),
            ("Success", "No Instances In Tag")
        );
        let cancelled = counts(|c| {
            c.total = 1;
            c.terminal = 1;
            c.cancelled = 1;
        });
        assert_eq!(
            command_status(&cancelled, 0, true, ""),
            ("Cancelled", "Cancelled")
        );
    }
}
