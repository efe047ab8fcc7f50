//! Maintenance Windows: windows (a schedule, a duration and a cutoff), the targets
//! registered with them, their prioritised tasks, and their executions.
//!
//! - `scheduler`: fires due windows exactly once across replicas and drives each
//!   execution's tasks and invocations (Run Command commands) to their end.
//!
//! - `store`: SQL only. A window's schedule fields are columns (the scheduler and the
//!   filters read them); a task is its AWS shape as JSON next to the columns the
//!   listings sort and filter on.
//! - `service`: the rules — every constraint of the AWS model, AWS's quotas, the
//!   schedule maths of `bosun_schedule` (validation, NextExecutionTime, the schedule
//!   listing), role checks and audit records.
//!
//! Invariant: `maintenance_windows.next_execution_at` is always the window's next run
//! after the later of its last change and its last execution, or NULL when it has none
//! (disabled, past its EndDate, a spent `at()`): every write of the schedule fields
//! recomputes it in the same transaction.

pub mod console;
pub mod scheduler;
pub mod service;
pub mod store;

pub use service::*;

/// The resource type of windows for the tagging operations.
pub const TAG_RESOURCE_TYPE: &str = "MaintenanceWindow";

/// AWS's quotas (Systems Manager service quotas): windows per account, targets and
/// tasks per window.
pub const MAX_WINDOWS: i64 = 50;
pub const MAX_TARGETS_PER_WINDOW: i64 = 100;
pub const MAX_TASKS_PER_WINDOW: i64 = 20;
/// Targets (keys) in one registration, and values of one key (the model's `Targets`
/// list and AWS's instance-ids-per-target quota).
pub const MAX_TARGET_KEYS: usize = 5;
pub const MAX_TARGET_VALUES: usize = 50;
