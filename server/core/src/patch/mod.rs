//! Patch Manager on the server: custom patch baselines (the rules themselves are the
//! `bosun-patch` crate, shared with the agent), the predefined `AWS-…` baselines, the
//! default baseline per operating system, patch-group registrations, and the
//! operations on them (`CreatePatchBaseline`, `GetPatchBaseline`, `UpdatePatchBaseline`,
//! `DeletePatchBaseline`, `DescribePatchBaselines`, `RegisterDefaultPatchBaseline`,
//! `GetDefaultPatchBaseline`, `RegisterPatchBaselineForPatchGroup`,
//! `DeregisterPatchBaselineForPatchGroup`, `GetPatchBaselineForPatchGroup`,
//! `DescribePatchGroups`, `DescribePatchProperties`), the nodes' patch states as
//! their `aws:runPatchBaseline` steps report them (`states`), and each baseline's
//! effective patches as those reports decided them (`effective`).
//!
//! Invariants:
//! - A stored baseline passed `bosun_patch::validate`; its definition is kept as the API
//!   spells it (JSON) and its operating system never changes.
//! - Predefined baselines are read-only: never updated, deleted or tagged.
//! - A baseline registered for a patch group or as a default cannot be deleted. Both
//!   registration and deletion first lock the baseline's row, so a registration racing
//!   a deletion either sees the baseline gone or blocks the deletion.
//! - A patch group has at most one baseline per operating system; a node's effective
//!   baseline is its group's for its operating system, else the default for it.
//! - Sources' `Configuration` is sensitive (the model says so): it is stored, returned
//!   to readers as AWS does, and never written to logs or the audit trail.

pub mod compliance;
mod effective;
mod properties;
mod service;
mod states;
pub mod store;

pub use effective::{describe_effective_patches_for_patch_baseline, list_effective_patches};
pub use properties::describe_patch_properties;
pub use service::*;
pub use states::{
    deployment_status_str, describe_instance_patch_states,
    describe_instance_patch_states_for_patch_group, describe_instance_patches,
    describe_patch_group_state, list_instance_patches, list_node_patch_compliance,
    patch_compliance_summary, record_report, StateFilter,
};

/// The resource type baselines' tags are stored under.
pub const TAG_RESOURCE_TYPE: &str = crate::types::resource_type::PATCH_BASELINE;
/// Custom baselines per account (AWS's quota).
pub const MAX_CUSTOM_BASELINES: i64 = 50;
/// Patch groups registered with one baseline (AWS's quota).
pub const MAX_GROUPS_PER_BASELINE: i64 = 25;
/// The node tag keys that name a node's patch group, in the order they are looked up.
pub const PATCH_GROUP_TAG_KEYS: [&str; 2] = ["Patch Group", "PatchGroup"];
