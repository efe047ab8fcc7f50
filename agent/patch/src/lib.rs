//! Patch Manager's baseline rules, shared by the server and `bosun-agent`.
//!
//! This crate owns the patch baseline as the AWS API defines it ([`PatchBaseline`] and its
//! parts, with AWS's JSON names), its validation ([`validate`]), what the agent knows of
//! one package ([`PackageInfo`]), the approval decision for a package ([`evaluate`]), the
//! per-package compliance state ([`classify`]), a node's patch report built one package
//! at a time ([`ReportBuilder`]) and the predefined `AWS-…` baselines ([`predefined`]).
//! It is pure: no I/O, no clock (callers pass `today`), no database, so the agent links
//! it without sqlx or leptos.
//!
//! Invariants:
//! - **The rejected list beats everything**: a package named by `RejectedPatches` is never
//!   approved, whatever the approved list or the rules say.
//! - **Only validated baselines are evaluated.** [`evaluate`] assumes [`validate`] passed
//!   (the server refuses to store anything else); on an invalid baseline it still answers,
//!   but the answer is unspecified.
//! - **Dates are UTC calendar days.** Approval delays and cutoffs compare days, never
//!   times of day.
//! - Only the apt family (Debian, Ubuntu, Raspberry Pi OS) and the yum/dnf family (RHEL,
//!   Rocky, Alma, CentOS, Oracle, Amazon Linux) are evaluated; baselines for the other
//!   operating systems of the model are accepted (model constraints only) but never
//!   evaluated: their nodes report NotApplicable.

mod baseline;
pub mod dates;
mod evaluate;
pub mod names;
mod package;
pub mod predefined;
mod report;
mod validate;

pub use baseline::{
    ComplianceLevel, OperatingSystem, OsFamily, PatchBaseline, PatchComplianceStatus, PatchFilter,
    PatchFilterGroup, PatchFilterKey, PatchRule, PatchRuleGroup, PatchSource,
    RejectedPatchesAction, APT_PRIORITIES, DNF_CLASSIFICATIONS, DNF_SEVERITIES,
};
pub use evaluate::{
    classify, evaluate, install_action, ApprovedBy, Decision, InstallAction, PatchDeploymentStatus,
};
pub use package::{
    Advisory, AdvisoryKind, AptDetails, DnfDetails, PackageDetails, PackageInfo, PatchState,
};
pub use report::{InstallFacts, PatchCounts, PatchItem, PatchReport, ReportBuilder};
pub use validate::{validate, Problem, ProblemKind};
