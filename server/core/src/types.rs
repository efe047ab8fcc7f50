//! Types shared by the console (server-rendered and hydrated) and the backend.
//! Only serde here: this module compiles to wasm.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in principal may do. Checked in the service layer only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read-only.
    Viewer,
    /// Read and change fleet resources, run commands.
    Operator,
    /// Everything, including users and service settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// Whether this role includes everything `other` may do.
    pub fn at_least(self, other: Role) -> bool {
        self >= other
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request came from; recorded in the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Console,
    Api,
    Cli,
    Agent,
    System,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Console => "console",
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Agent => "agent",
            Source::System => "system",
        }
    }
}

/// The signed-in user as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub name: String,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub access_keys: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeySummary {
    pub access_key_id: String,
    pub user: String,
    pub description: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A freshly created key. The secret exists in clear only in this value, once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccessKey {
    #[serde(rename = "AccessKeyId")]
    pub access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    pub secret_access_key: String,
}

impl fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub source: String,
    pub client_addr: String,
    pub action: String,
    pub resource: String,
    pub outcome: String,
    pub detail: String,
}

/// One SSM service setting, as GetServiceSetting returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSetting {
    pub setting_id: String,
    pub setting_value: String,
    pub last_modified_date: i64,
    pub last_modified_user: String,
    pub arn: String,
    /// `Default`, `Customized` or `PendingUpdate`.
    pub status: String,
    /// Values the setting accepts (for the console).
    pub allowed_values: Vec<String>,
    pub description: String,
}

/// What the tagging facility calls each taggable resource (AWS's `ResourceTypeForTagging`
/// values where AWS has one). Here so the console's wasm build can name them too.
pub mod resource_type {
    pub const MANAGED_INSTANCE: &str = "ManagedInstance";
    pub const PARAMETER: &str = "Parameter";
    pub const DOCUMENT: &str = "Document";
    pub const ACTIVATION: &str = "Activation";
    pub const PATCH_BASELINE: &str = "PatchBaseline";
}

/// A resource tag (AWS `Tag`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A hybrid activation as DescribeActivations and the console show it. The code is not
/// here: it exists in clear only in [`NewActivation`], once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub activation_id: String,
    pub description: String,
    pub default_instance_name: String,
    pub iam_role: String,
    pub registration_limit: i64,
    pub registrations_count: i64,
    /// Unix milliseconds.
    pub expiration_date: i64,
    pub expired: bool,
    pub created_date: i64,
    pub tags: Vec<Tag>,
}

/// What CreateActivation returns: the id and the code, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewActivation {
    pub activation_id: String,
    pub activation_code: String,
}

impl fmt::Debug for NewActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewActivation")
            .field("activation_id", &self.activation_id)
            .field("activation_code", &"<redacted>")
            .finish()
    }
}

/// A managed node (SSM `InstanceInformation`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedNode {
    pub instance_id: String,
    pub name: String,
    /// `Online`, `ConnectionLost` or `Inactive`.
    pub ping_status: String,
    pub last_ping_at: Option<i64>,
    pub registered_at: i64,
    pub activation_id: String,
    pub iam_role: String,
    pub hostname: String,
    pub computer_name: String,
    pub ip_addresses: Vec<String>,
    pub platform_name: String,
    pub platform_version: String,
    pub platform_type: String,
    pub kernel: String,
    pub architecture: String,
    pub agent_version: String,
    pub tags: Vec<Tag>,
}

/// A page of a server-side paginated, sorted, filtered list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        if self.total <= 0 || self.per_page == 0 {
            1
        } else {
            let pages = (self.total as u64).div_ceil(u64::from(self.per_page));
            u32::try_from(pages).unwrap_or(u32::MAX)
        }
    }
}

/// How a list is asked for: the same shape for every table in the console.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// 1-based page number; 0 means 1.
    pub page: u32,
    /// 0 means the default (25); capped at 100.
    pub per_page: u32,
    /// A column key the list understands; unknown keys fall back to the default order.
    pub sort: Option<String>,
    pub desc: bool,
    /// Free-text filter.
    pub q: Option<String>,
    /// Named filters (`outcome=denied`, `source=api`, …).
    pub filters: Vec<(String, String)>,
}

impl ListQuery {
    pub const DEFAULT_PER_PAGE: u32 = 25;
    pub const MAX_PER_PAGE: u32 = 100;

    pub fn page(&self) -> u32 {
        self.page.max(1)
    }

    pub fn per_page(&self) -> u32 {
        match self.per_page {
            0 => Self::DEFAULT_PER_PAGE,
            n => n.min(Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page() - 1) * i64::from(self.per_page())
    }

    pub fn filter(&self, key: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// The kinds of failure every layer agrees on. The API maps them to AWS exception
/// names; the console to readable messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    Validation,
    NotFound,
    AlreadyExists,
    Conflict,
    Unauthenticated,
    AccessDenied,
    Throttled,
    LimitExceeded,
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_order_and_parse() {
        assert!(Role::Admin.at_least(Role::Operator));
        assert!(Role::Operator.at_least(Role::Viewer));
        assert!(!Role::Viewer.at_least(Role::Operator));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn list_query_bounds() {
        let q = ListQuery {
            page: 0,
            per_page: 1000,
            ..Default::default()
        };
        assert_eq!(q.page(), 1);
        assert_eq!(q.per_page(), 100);
        assert_eq!(q.offset(), 0);
        let q = ListQuery {
            page: 3,
            per_page: 0,
            ..Default::default()
        };
        assert_eq!(q.offset(), 50);
    }

    #[test]
    fn page_count() {
        let p = Page::<()> {
            items: vec![],
            total: 51,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.pages(), 3);
        let p = Page::<()> {
            items: vec![],
            total: 0,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.pages(), 1);
    }

    #[test]
    fn new_access_key_debug_hides_secret() {
        let k = NewAccessKey {
            access_key_id: "AKIAX".into(),
            secret_access_key: "s3cr3t".into(),
        };
        assert!(!format!("{k:?}").contains("s3cr3t"));
    }
}

/// A document parameter as DescribeDocument and the console's run form show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentParameterInfo {
    pub name: String,
    /// String, StringList, Integer, Boolean, StringMap or MapList.
    pub kind: String,
    pub description: String,
    /// The default as text (JSON for lists and maps).
    pub default_value: Option<String>,
    pub allowed_values: Vec<String>,
    /// Shown as a multi-line field (`displayType: textarea`).
    pub textarea: bool,
}

/// A document (one version of it) as DescribeDocument, ListDocuments and the console
/// show it. `owner` is the account id for documents made here, `Amazon` for built-ins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub name: String,
    pub display_name: String,
    pub owner: String,
    pub document_type: String,
    pub schema_version: String,
    pub document_format: String,
    /// The version described.
    pub document_version: String,
    pub version_name: Option<String>,
    pub default_version: String,
    pub latest_version: String,
    pub description: String,
    pub platform_types: Vec<String>,
    pub parameters: Vec<DocumentParameterInfo>,
    /// SHA-256 of the content (hex).
    pub hash: String,
    pub created_date: i64,
    pub target_type: String,
    pub status: String,
    pub tags: Vec<Tag>,
}

/// One version of a document (ListDocumentVersions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentVersionInfo {
    pub name: String,
    pub display_name: String,
    pub document_version: String,
    pub version_name: Option<String>,
    pub created_date: i64,
    pub is_default_version: bool,
    pub document_format: String,
    pub status: String,
}

/// A document's content (GetDocument), in the format asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentContent {
    pub name: String,
    pub display_name: String,
    pub document_version: String,
    pub version_name: Option<String>,
    pub document_type: String,
    pub document_format: String,
    pub content: String,
    pub created_date: i64,
    pub status: String,
}

/// A Run Command target (AWS `Target`): `InstanceIds`, `tag:KEY` or `tag-key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandTarget {
    pub key: String,
    pub values: Vec<String>,
}

/// A command as ListCommands and the console show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandInfo {
    pub command_id: String,
    pub document_name: String,
    pub document_version: String,
    pub comment: String,
    /// Parameter name → values, as requested.
    pub parameters: std::collections::BTreeMap<String, Vec<String>>,
    pub targets: Vec<CommandTarget>,
    pub instance_ids: Vec<String>,
    /// Unix milliseconds.
    pub requested_at: i64,
    pub expires_at: i64,
    pub requested_by: String,
    pub status: String,
    pub status_details: String,
    pub timeout_seconds: i64,
    pub max_concurrency: String,
    pub max_errors: String,
    pub target_count: i64,
    pub completed_count: i64,
    pub error_count: i64,
    pub delivery_timed_out_count: i64,
}

/// One plugin (document step) of an invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub status: String,
    pub status_details: String,
    pub response_code: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// A command invocation: one command on one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvocationInfo {
    pub invocation_id: String,
    pub command_id: String,
    pub instance_id: String,
    pub instance_name: String,
    pub document_name: String,
    pub document_version: String,
    pub comment: String,
    pub requested_at: i64,
    pub status: String,
    pub status_details: String,
    pub response_code: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub plugins: Vec<PluginInfo>,
    /// Output bytes stored, and dropped over the per-invocation cap.
    pub output_bytes: i64,
    pub output_dropped: i64,
    /// Why it ended this way, when that is not the script's own doing.
    pub detail: String,
}

/// Output as stored: numbered chunks, per plugin and stream (1 stdout, 2 stderr).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputChunkInfo {
    pub seq: i64,
    pub plugin: i64,
    pub stream: u8,
    pub data: String,
}

/// A parameter policy as shown (AWS `ParameterInlinePolicy`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterPolicyInfo {
    pub policy_text: String,
    pub policy_type: String,
    /// `Pending`, `Finished` or `Failed`.
    pub policy_status: String,
}

/// A parameter without its value (AWS `ParameterMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterInfo {
    pub name: String,
    pub arn: String,
    pub r#type: String,
    /// SecureString only.
    pub key_id: Option<String>,
    pub last_modified_at: i64,
    pub last_modified_user: String,
    pub description: String,
    pub allowed_pattern: String,
    pub version: i64,
    pub tier: String,
    pub policies: Vec<ParameterPolicyInfo>,
    pub data_type: String,
}

/// A parameter's value as GetParameter returns it (AWS `Parameter`). A SecureString
/// read without decryption holds its sealed form (base64), never clear text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterValue {
    pub name: String,
    pub arn: String,
    pub r#type: String,
    pub value: String,
    pub version: i64,
    /// `:3` or `:label` when the request named one.
    pub selector: Option<String>,
    pub last_modified_at: i64,
    pub data_type: String,
    /// Whether `value` is clear text (false for a SecureString read without
    /// decryption).
    pub decrypted: bool,
}

impl std::fmt::Debug for ParameterValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a decrypted secret: never in Debug output (logs).
        f.debug_struct("ParameterValue")
            .field("name", &self.name)
            .field("type", &self.r#type)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// One kept version (AWS `ParameterHistory`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterVersionInfo {
    pub name: String,
    pub r#type: String,
    pub key_id: Option<String>,
    pub last_modified_at: i64,
    pub last_modified_user: String,
    pub description: String,
    pub value: String,
    pub decrypted: bool,
    pub allowed_pattern: String,
    pub version: i64,
    pub labels: Vec<String>,
    pub tier: String,
    pub policies: Vec<ParameterPolicyInfo>,
    pub data_type: String,
}

impl std::fmt::Debug for ParameterVersionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParameterVersionInfo")
            .field("name", &self.name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// What a parameter policy produced (expiration, notifications).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterEvent {
    pub name: String,
    /// `Expired`, `ExpirationNotification`, `NoChangeNotification`.
    pub kind: String,
    pub detail: String,
    pub at: i64,
}

/// A parameter filter (AWS `ParameterStringFilter`; the older `ParametersFilter` maps
/// onto it with option `Equals`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterFilter {
    pub key: String,
    pub option: Option<String>,
    pub values: Vec<String>,
}

/// One path of the parameter hierarchy, as the console's tree shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterPathInfo {
    /// `/`, `/app`, `/app/db`.
    pub path: String,
    /// Levels below `/` (`/` is 0).
    pub depth: u32,
    /// Parameters directly in this path.
    pub direct: i64,
    /// Parameters in this path or below it.
    pub total: i64,
}

/// A patch baseline with what the service knows about it (`GetPatchBaseline`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchBaselineInfo {
    /// `pb-` and 17 hex digits.
    pub baseline_id: String,
    pub baseline: bosun_patch::PatchBaseline,
    /// The patch groups registered with it, sorted.
    pub patch_groups: Vec<String>,
    /// Unix milliseconds (predefined baselines: when Bosun's table of them was written).
    pub created_date: i64,
    pub modified_date: i64,
    /// One of the read-only `AWS-…` baselines compiled into Bosun.
    pub predefined: bool,
    /// The default baseline for its operating system.
    pub default_baseline: bool,
}

/// A baseline in listings (`PatchBaselineIdentity`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchBaselineIdentity {
    pub baseline_id: String,
    pub name: String,
    pub operating_system: bosun_patch::OperatingSystem,
    pub description: Option<String>,
    pub default_baseline: bool,
    pub predefined: bool,
}

/// A patch group's registration (`PatchGroupPatchBaselineMapping`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchGroupMapping {
    pub patch_group: String,
    pub baseline: PatchBaselineIdentity,
}

/// A node's patch state as its last patch operation reported it (`InstancePatchState`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancePatchState {
    pub instance_id: String,
    /// Empty when the node is in no patch group.
    pub patch_group: String,
    pub baseline_id: String,
    pub snapshot_id: String,
    /// `Scan` or `Install`.
    pub operation: String,
    pub reboot_option: String,
    /// Patch Manager's product name of the node (`Debian12`).
    pub product: String,
    /// Unix milliseconds.
    pub operation_start: i64,
    pub operation_end: i64,
    pub installed: i64,
    pub installed_other: i64,
    pub installed_pending_reboot: i64,
    pub installed_rejected: i64,
    pub missing: i64,
    pub failed: i64,
    pub not_applicable: i64,
    pub critical_non_compliant: i64,
    pub security_non_compliant: i64,
    pub other_non_compliant: i64,
    /// The command and invocation that reported it.
    pub command_id: String,
    pub invocation_id: String,
    /// When the last Install with NoReboot ended (Unix ms), if one ran.
    #[serde(default)]
    pub last_no_reboot_install_time: Option<i64>,
}

impl InstancePatchState {
    /// Missing, failed, rejected-but-installed or waiting for a reboot: non-compliant.
    pub fn non_compliant(&self) -> i64 {
        self.missing + self.failed + self.installed_rejected + self.installed_pending_reboot
    }
}

/// One patch on one node (`PatchComplianceData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancePatch {
    /// `name.arch`.
    pub kb_id: String,
    pub title: String,
    pub classification: String,
    pub severity: String,
    /// AWS's spelling: `MISSING`, `INSTALLED_OTHER`…
    pub state: String,
    /// The compliance level of the rule or list that approves it (`CRITICAL`…
    /// `UNSPECIFIED`): the severity of its compliance item.
    pub compliance_level: String,
    /// Unix milliseconds, when known.
    pub installed_time: Option<i64>,
    pub cve_ids: String,
}

/// A registered node on the compliance dashboard: its patch state, or `None` when it
/// never reported one (not scanned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePatchCompliance {
    pub instance_id: String,
    pub name: String,
    pub ping_status: String,
    pub platform_name: String,
    pub platform_version: String,
    pub state: Option<InstancePatchState>,
}

/// The compliance dashboard's totals over the registered nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchComplianceSummary {
    /// Registered nodes.
    pub nodes: i64,
    /// Nodes that reported a patch state, and those that never did.
    pub reporting: i64,
    pub not_scanned: i64,
    pub compliant: i64,
    pub non_compliant: i64,
    /// Patches, over every node.
    pub missing: i64,
    pub failed: i64,
    pub pending_reboot: i64,
    /// Nodes with at least one non-compliant patch of the class.
    pub critical: i64,
    pub security: i64,
    pub other: i64,
    /// The registered patch groups and the groups nodes reported, sorted.
    pub groups: Vec<String>,
}

/// A patch and a baseline's decision about it (`EffectivePatch`), as the nodes using the
/// baseline reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectivePatch {
    /// `name.arch:epoch:version-release` (rpm) or `name.arch:version` (deb).
    pub title: String,
    /// `name.arch`, the KB id `DescribeInstancePatches` reports.
    pub kb_id: String,
    pub name: String,
    pub arch: String,
    /// The version's epoch, when it has one (rpm titles always do).
    pub epoch: Option<i64>,
    pub version: String,
    pub release: String,
    pub classification: String,
    pub severity: String,
    /// Patch Manager's product of the node that reported it (`Debian12`).
    pub product: String,
    pub cve_ids: Vec<String>,
    pub advisory_ids: Vec<String>,
    /// `APPROVED`, `EXPLICIT_APPROVED`, `PENDING_APPROVAL` or `EXPLICIT_REJECTED`.
    pub deployment_status: String,
    /// `CRITICAL` … `UNSPECIFIED`.
    pub compliance_level: String,
    /// Unix milliseconds at 00:00 UTC of the day it was (or will be) approved, when dated.
    pub approval_date: Option<i64>,
}

/// How many of a patch group's nodes are in each situation (`DescribePatchGroupState`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchGroupState {
    pub instances: i64,
    pub with_installed: i64,
    pub with_installed_other: i64,
    pub with_installed_pending_reboot: i64,
    pub with_installed_rejected: i64,
    pub with_missing: i64,
    pub with_failed: i64,
    pub with_not_applicable: i64,
    pub with_critical_non_compliant: i64,
    pub with_security_non_compliant: i64,
    pub with_other_non_compliant: i64,
}

// ---------------------------------------------------------------------------------
// Maintenance windows (console)
// ---------------------------------------------------------------------------------

/// A maintenance window as the console lists and edits it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindowSummary {
    pub window_id: String,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub schedule: String,
    /// IANA name; `None` is UTC.
    pub schedule_timezone: Option<String>,
    pub schedule_offset: Option<i32>,
    /// Hours.
    pub duration: i32,
    pub cutoff: i32,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub allow_unassociated_targets: bool,
    /// The next run, ISO 8601 in the window's zone (AWS's NextExecutionTime).
    pub next_execution_time: Option<String>,
    /// The same instant as Unix milliseconds (the console shows it in the viewer's zone).
    pub next_execution_at: Option<i64>,
    /// Unix ms that `rate()` and the offset count from (the last schedule change): the
    /// edit form previews from it while the schedule stays as saved.
    pub schedule_anchor: i64,
    pub created_at: i64,
    pub modified_at: i64,
}

/// One upcoming run of a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindowRun {
    pub window_id: String,
    pub window_name: String,
    /// ISO 8601 in the window's zone.
    pub execution_time: String,
    pub at_ms: i64,
}

/// One day of the upcoming-runs calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceCalendarDay {
    /// `2026-11-27`, in the calendar's zone.
    pub date: String,
    /// `Fri`.
    pub weekday: String,
    /// The day's runs in time order (at most [`MaintenanceCalendar::MAX_RUNS_PER_DAY`]).
    pub runs: Vec<MaintenanceWindowRun>,
    /// Runs of the day left out beyond that cap.
    pub more: usize,
}

/// The runs of every enabled window over the next days, a column per day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceCalendar {
    /// The zone the days are cut in (the viewer's once the browser has said it).
    pub zone: String,
    pub days: Vec<MaintenanceCalendarDay>,
}

impl MaintenanceCalendar {
    pub const DAYS: usize = 14;
    pub const MAX_RUNS_PER_DAY: usize = 12;
}

/// A target registered with a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindowTargetInfo {
    pub window_target_id: String,
    pub targets: Vec<CommandTarget>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_information: Option<String>,
}

/// A RUN_COMMAND task of a window, with its Run Command parameters unpacked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindowTaskInfo {
    pub window_task_id: String,
    pub task_type: String,
    /// The document's name (the TaskArn's last part).
    pub document_name: String,
    pub priority: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub targets: Vec<CommandTarget>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
    pub cutoff_behavior: String,
    pub parameters: std::collections::BTreeMap<String, Vec<String>>,
    pub timeout_seconds: Option<i64>,
    pub comment: Option<String>,
}

/// One execution of a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceExecutionInfo {
    pub window_execution_id: String,
    pub window_id: String,
    pub status: String,
    pub status_details: String,
    pub scheduled_at: i64,
    pub start_time: i64,
    pub end_time: Option<i64>,
}

/// One node's run of an execution's task: a Run Command command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceInvocationInfo {
    pub invocation_id: String,
    pub resource_id: String,
    /// The Run Command command, once sent.
    pub command_id: Option<String>,
    pub status: String,
    pub status_details: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
}

/// A task of an execution with its invocations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceExecutionTaskInfo {
    pub task_execution_id: String,
    pub window_task_id: String,
    pub document_name: String,
    pub priority: i64,
    pub status: String,
    pub status_details: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub invocations: Vec<MaintenanceInvocationInfo>,
}

/// Everything a window's page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindowView {
    pub window: MaintenanceWindowSummary,
    pub targets: Vec<MaintenanceWindowTargetInfo>,
    /// By priority (lower first), then id.
    pub tasks: Vec<MaintenanceWindowTaskInfo>,
    /// The next runs (at most five).
    pub upcoming: Vec<MaintenanceWindowRun>,
    /// The server's clock, Unix ms (the schedule preview's "now" until the browser's).
    pub now_ms: i64,
}

/// An execution with its tasks and their invocations (the drill-down).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceExecutionDetail {
    pub window_name: String,
    pub execution: MaintenanceExecutionInfo,
    pub tasks: Vec<MaintenanceExecutionTaskInfo>,
}
