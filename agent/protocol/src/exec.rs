//! Run Command on the link: the server hands an agent an invocation ([`RunInvocation`]:
//! steps with every parameter already substituted), the agent journals it before it
//! starts anything, streams numbered output chunks that the server acknowledges, and
//! reports each step's and the invocation's outcome. An invocation id the agent has
//! seen before is never run again: the agent answers with what it knows.

use serde::{Deserialize, Serialize};

/// The most output bytes one [`OutputChunk`] carries. JSON escaping can grow text up to
/// six times (control characters), and 6 × 8 KiB stays under `MAX_FRAME_BYTES`.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024;
/// Steps in one invocation (documents with more are refused before sending).
pub const MAX_STEPS: usize = 100;

/// Whether `id` may name an invocation (it becomes a file name in the agent's journal):
/// 1–64 ASCII letters, digits and `-`.
pub fn is_invocation_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Run the next step anyway (the invocation still fails).
    Continue,
    /// Stop; the invocation fails.
    Exit,
    /// Stop; the invocation succeeds.
    SuccessAndExit,
}

/// One step, ready to run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// The step's name (the plugin name in AWS's API).
    pub name: String,
    /// `aws:runShellScript` (the only plugin agents run; `aws:runDocument` is expanded
    /// by the server into the steps of the document it names).
    pub plugin: String,
    /// The script `/bin/sh` runs (commands joined with newlines).
    pub script: String,
    #[serde(default)]
    pub working_directory: Option<String>,
    /// The step is killed (its whole process group) after this many seconds.
    pub timeout_seconds: u64,
    /// Extra environment (`SSM_<parameter>` for `interpolationType: ENV_VAR`).
    #[serde(default)]
    pub env: Vec<(String, String)>,
    pub on_failure: OnFailure,
    /// The invocation ends after this step, whatever its outcome.
    #[serde(default)]
    pub is_end: bool,
    /// `aws:runPatchBaseline` steps only: what to do, and the node's patch baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchStep>,
}

/// The plugin that scans for and installs patches (documents name it in `action`).
pub const RUN_PATCH_BASELINE: &str = "aws:runPatchBaseline";

/// `AWS-RunPatchBaseline`'s `Operation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatchOperation {
    Scan,
    Install,
}

/// `AWS-RunPatchBaseline`'s `RebootOption`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RebootOption {
    RebootIfNeeded,
    NoReboot,
}

/// An `aws:runPatchBaseline` step. The server plans `operation`, `reboot_option` and
/// `snapshot_id` when the command is sent, and fills in `snapshot` as it delivers the
/// invocation to the node: the baseline that applies to that node at that moment (the
/// counterpart of AWS's GetDeployablePatchSnapshotForInstance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchStep {
    pub operation: PatchOperation,
    pub reboot_option: RebootOption,
    #[serde(default)]
    pub snapshot_id: String,
    /// `None` until delivery, and at delivery when no baseline applies to the node (an
    /// operating system Bosun does not patch): the node then reports NotApplicable.
    #[serde(default)]
    pub snapshot: Option<PatchSnapshot>,
}

/// The baseline a node evaluates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSnapshot {
    pub baseline_id: String,
    /// The node's patch group (its `Patch Group` or `PatchGroup` tag), if any.
    #[serde(default)]
    pub patch_group: Option<String>,
    pub baseline: bosun_patch::PatchBaseline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInvocation {
    pub invocation_id: String,
    pub command_id: String,
    pub steps: Vec<StepSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
    /// Machine-readable results of a step, never shown as output: for
    /// `aws:runPatchBaseline`, the node's patch report as [`PatchReportLine`]s, one JSON
    /// object per line, chunks cut at line ends. Numbered, spooled and acknowledged like
    /// the other streams, so a report is neither lost nor doubled across reconnects.
    Report,
}

/// Output, numbered per invocation from 1 with no gaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputChunk {
    pub invocation_id: String,
    pub seq: u64,
    /// Index of the step in [`RunInvocation::steps`].
    pub step: u32,
    pub stream: Stream,
    /// The bytes as UTF-8; invalid sequences are replaced (U+FFFD), and a multi-byte
    /// character is never split between chunks.
    pub data: String,
}

/// How a step or an invocation ended, in SSM's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Failed,
    TimedOut,
    Cancelled,
    /// Not run: an earlier step ended the invocation, or the platform does not match.
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepResult {
    pub step: u32,
    pub outcome: Outcome,
    /// The exit code; -1 when the process was killed or never started.
    pub exit_code: i32,
    /// Unix milliseconds.
    pub started_at: i64,
    pub ended_at: i64,
}

/// The end of an invocation: every step's result and the highest output `seq` sent,
/// so the server knows when it has all the output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvocationResult {
    pub invocation_id: String,
    pub outcome: Outcome,
    pub exit_code: i32,
    pub steps: Vec<StepResult>,
    pub last_seq: u64,
    /// Why it ended this way, when that is not the process's own doing (the agent
    /// restarted while it ran, a working directory did not exist…).
    #[serde(default)]
    pub detail: Option<String>,
}

/// One line of a patch report ([`Stream::Report`]): a header, then one item per
/// reported package, then the counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchReportLine {
    Header(PatchReportHeader),
    Item(bosun_patch::PatchItem),
    Counts(bosun_patch::PatchCounts),
}

/// What a patch report is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchReportHeader {
    pub operation: PatchOperation,
    pub reboot_option: RebootOption,
    pub baseline_id: String,
    #[serde(default)]
    pub patch_group: Option<String>,
    #[serde(default)]
    pub snapshot_id: String,
    /// Patch Manager's product name of the node (`Debian12`, `RedhatEnterpriseLinux9.3`).
    pub product: String,
    /// Unix milliseconds.
    pub operation_start: i64,
    pub operation_end: i64,
}
