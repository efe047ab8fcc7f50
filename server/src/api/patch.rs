//! Patch Manager operations: patch baselines, default baselines, patch groups and patch
//! properties. Translation only; the rules are `bosun_core::patch` and `bosun_patch`.

use super::error::ApiError;
use super::ops::{epoch_seconds, output, TagIo};
use bosun_core::bosun_patch::{
    ComplianceLevel, OperatingSystem, PatchBaseline, PatchComplianceStatus, PatchFilterGroup,
    PatchRuleGroup, PatchSource, RejectedPatchesAction,
};
use bosun_core::patch::{
    self, compliance, CreatePatchBaseline, OrchestratorFilter, UpdatePatchBaseline,
};
use bosun_core::types::{
    EffectivePatch, InstancePatch, InstancePatchState, PatchBaselineIdentity, PatchBaselineInfo,
    PatchGroupState, Tag,
};
use bosun_core::{Actor, Core};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Runs `operation` if it is a Patch Manager operation.
pub(super) async fn call(
    core: &Core,
    actor: &Actor,
    operation: &str,
    body: Value,
) -> Option<Result<Value, ApiError>> {
    macro_rules! op {
        ($handler:ident) => {
            super::ops::dispatch!(core, actor, body, $handler)
        };
    }
    Some(match operation {
        "CreatePatchBaseline" => op!(create_patch_baseline),
        "GetPatchBaseline" => op!(get_patch_baseline),
        "UpdatePatchBaseline" => op!(update_patch_baseline),
        "DeletePatchBaseline" => op!(delete_patch_baseline),
        "DescribePatchBaselines" => op!(describe_patch_baselines),
        "RegisterDefaultPatchBaseline" => op!(register_default_patch_baseline),
        "GetDefaultPatchBaseline" => op!(get_default_patch_baseline),
        "RegisterPatchBaselineForPatchGroup" => op!(register_patch_baseline_for_patch_group),
        "DeregisterPatchBaselineForPatchGroup" => op!(deregister_patch_baseline_for_patch_group),
        "GetPatchBaselineForPatchGroup" => op!(get_patch_baseline_for_patch_group),
        "DescribePatchGroups" => op!(describe_patch_groups),
        "DescribePatchProperties" => op!(describe_patch_properties),
        "DescribeInstancePatchStates" => op!(describe_instance_patch_states),
        "DescribeInstancePatchStatesForPatchGroup" => {
            op!(describe_instance_patch_states_for_patch_group)
        }
        "DescribeInstancePatches" => op!(describe_instance_patches),
        "DescribePatchGroupState" => op!(describe_patch_group_state),
        "DescribeEffectivePatchesForPatchBaseline" => {
            op!(describe_effective_patches_for_patch_baseline)
        }
        "ListComplianceItems" => op!(list_compliance_items),
        "ListResourceComplianceSummaries" => op!(list_resource_compliance_summaries),
        "ListComplianceSummaries" => op!(list_compliance_summaries),
        _ => return None,
    })
}

fn service(e: bosun_core::ServiceError) -> ApiError {
    ApiError::from_service(e)
}

/// `OperatingSystem` as given (the model's enum was checked by the gateway), defaulting
/// to `WINDOWS` as the model documents.
fn os_of(os: Option<String>) -> Result<OperatingSystem, ApiError> {
    match os {
        None => Ok(OperatingSystem::Windows),
        Some(s) => patch::operating_system(&s).map_err(service),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BaselineIdInput {
    baseline_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BaselineIdOut {
    baseline_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    #[serde(flatten)]
    baseline: PatchBaseline,
    #[serde(default)]
    client_token: Option<String>,
    #[serde(default)]
    tags: Vec<TagIo>,
}

async fn create_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: CreateInput,
) -> Result<Value, ApiError> {
    let baseline_id = patch::create_patch_baseline(
        core,
        actor,
        CreatePatchBaseline {
            baseline: i.baseline,
            client_token: i.client_token,
            tags: i.tags.into_iter().map(Tag::from).collect(),
        },
    )
    .await
    .map_err(service)?;
    output(BaselineIdOut { baseline_id })
}

/// GetPatchBaseline's and UpdatePatchBaseline's result: the baseline's members plus
/// these.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BaselineOut {
    baseline_id: String,
    #[serde(flatten)]
    baseline: PatchBaseline,
    #[serde(skip_serializing_if = "Option::is_none")]
    patch_groups: Option<Vec<String>>,
    created_date: f64,
    modified_date: f64,
}

fn baseline_out(b: PatchBaselineInfo, with_groups: bool) -> BaselineOut {
    BaselineOut {
        baseline_id: b.baseline_id,
        baseline: b.baseline,
        patch_groups: with_groups.then_some(b.patch_groups),
        created_date: epoch_seconds(b.created_date),
        modified_date: epoch_seconds(b.modified_date),
    }
}

async fn get_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: BaselineIdInput,
) -> Result<Value, ApiError> {
    let b = patch::get_patch_baseline(core, actor, &i.baseline_id)
        .await
        .map_err(service)?;
    output(baseline_out(b, true))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    baseline_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    global_filters: Option<PatchFilterGroup>,
    #[serde(default)]
    approval_rules: Option<PatchRuleGroup>,
    #[serde(default)]
    approved_patches: Option<Vec<String>>,
    #[serde(default)]
    approved_patches_compliance_level: Option<ComplianceLevel>,
    #[serde(default)]
    approved_patches_enable_non_security: Option<bool>,
    #[serde(default)]
    rejected_patches: Option<Vec<String>>,
    #[serde(default)]
    rejected_patches_action: Option<RejectedPatchesAction>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    sources: Option<Vec<PatchSource>>,
    #[serde(default)]
    available_security_updates_compliance_status: Option<PatchComplianceStatus>,
    #[serde(default)]
    replace: Option<bool>,
}

async fn update_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: UpdateInput,
) -> Result<Value, ApiError> {
    let b = patch::update_patch_baseline(
        core,
        actor,
        UpdatePatchBaseline {
            baseline_id: i.baseline_id,
            replace: i.replace.unwrap_or(false),
            name: i.name,
            description: i.description,
            global_filters: i.global_filters,
            approval_rules: i.approval_rules,
            approved_patches: i.approved_patches,
            approved_patches_compliance_level: i.approved_patches_compliance_level,
            approved_patches_enable_non_security: i.approved_patches_enable_non_security,
            rejected_patches: i.rejected_patches,
            rejected_patches_action: i.rejected_patches_action,
            sources: i.sources,
            available_security_updates_compliance_status: i
                .available_security_updates_compliance_status,
        },
    )
    .await
    .map_err(service)?;
    output(baseline_out(b, false))
}

async fn delete_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: BaselineIdInput,
) -> Result<Value, ApiError> {
    let baseline_id = patch::delete_patch_baseline(core, actor, &i.baseline_id)
        .await
        .map_err(service)?;
    output(BaselineIdOut { baseline_id })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FilterIo {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    values: Vec<String>,
}

fn filters_of(filters: Vec<FilterIo>) -> Vec<OrchestratorFilter> {
    filters
        .into_iter()
        .map(|f| OrchestratorFilter {
            key: f.key.unwrap_or_default(),
            values: f.values,
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct IdentityOut {
    baseline_id: String,
    baseline_name: String,
    operating_system: OperatingSystem,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_description: Option<String>,
    default_baseline: bool,
}

impl From<PatchBaselineIdentity> for IdentityOut {
    fn from(b: PatchBaselineIdentity) -> Self {
        IdentityOut {
            baseline_id: b.baseline_id,
            baseline_name: b.name,
            operating_system: b.operating_system,
            baseline_description: b.description,
            default_baseline: b.default_baseline,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeBaselinesOut {
    baseline_identities: Vec<IdentityOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_patch_baselines(
    core: &Core,
    actor: &Actor,
    i: DescribeInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = patch::describe_patch_baselines(
        core,
        actor,
        &filters_of(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(DescribeBaselinesOut {
        baseline_identities: rows.into_iter().map(IdentityOut::from).collect(),
        next_token,
    })
}

async fn register_default_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: BaselineIdInput,
) -> Result<Value, ApiError> {
    let baseline_id = patch::register_default_patch_baseline(core, actor, &i.baseline_id)
        .await
        .map_err(service)?;
    output(BaselineIdOut { baseline_id })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OperatingSystemInput {
    #[serde(default)]
    operating_system: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DefaultOut {
    baseline_id: String,
    operating_system: OperatingSystem,
}

async fn get_default_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: OperatingSystemInput,
) -> Result<Value, ApiError> {
    let os = os_of(i.operating_system)?;
    let baseline_id = patch::get_default_patch_baseline(core, actor, os)
        .await
        .map_err(service)?;
    output(DefaultOut {
        baseline_id,
        operating_system: os,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupInput {
    baseline_id: String,
    patch_group: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupOut {
    baseline_id: String,
    patch_group: String,
}

async fn register_patch_baseline_for_patch_group(
    core: &Core,
    actor: &Actor,
    i: GroupInput,
) -> Result<Value, ApiError> {
    let baseline_id =
        patch::register_patch_baseline_for_patch_group(core, actor, &i.baseline_id, &i.patch_group)
            .await
            .map_err(service)?;
    output(GroupOut {
        baseline_id,
        patch_group: i.patch_group,
    })
}

async fn deregister_patch_baseline_for_patch_group(
    core: &Core,
    actor: &Actor,
    i: GroupInput,
) -> Result<Value, ApiError> {
    let baseline_id = patch::deregister_patch_baseline_for_patch_group(
        core,
        actor,
        &i.baseline_id,
        &i.patch_group,
    )
    .await
    .map_err(service)?;
    output(GroupOut {
        baseline_id,
        patch_group: i.patch_group,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupOsInput {
    patch_group: String,
    #[serde(default)]
    operating_system: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupOsOut {
    baseline_id: String,
    patch_group: String,
    operating_system: OperatingSystem,
}

async fn get_patch_baseline_for_patch_group(
    core: &Core,
    actor: &Actor,
    i: GroupOsInput,
) -> Result<Value, ApiError> {
    let os = os_of(i.operating_system)?;
    let baseline_id = patch::get_patch_baseline_for_patch_group(core, actor, &i.patch_group, os)
        .await
        .map_err(service)?;
    output(GroupOsOut {
        baseline_id,
        patch_group: i.patch_group,
        operating_system: os,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MappingOut {
    patch_group: String,
    baseline_identity: IdentityOut,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeGroupsOut {
    mappings: Vec<MappingOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_patch_groups(
    core: &Core,
    actor: &Actor,
    i: DescribeInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = patch::describe_patch_groups(
        core,
        actor,
        &filters_of(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(DescribeGroupsOut {
        mappings: rows
            .into_iter()
            .map(|m| MappingOut {
                patch_group: m.patch_group,
                baseline_identity: m.baseline.into(),
            })
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PropertiesInput {
    operating_system: String,
    property: String,
    #[serde(default)]
    patch_set: Option<String>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

async fn describe_patch_properties(
    core: &Core,
    actor: &Actor,
    i: PropertiesInput,
) -> Result<Value, ApiError> {
    let os = os_of(Some(i.operating_system))?;
    let (properties, next_token) = patch::describe_patch_properties(
        core,
        actor,
        os,
        &i.property,
        i.patch_set.as_deref(),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    Ok(with_next_token(
        serde_json::json!({ "Properties": properties }),
        next_token,
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PatchStateOut {
    instance_id: String,
    patch_group: String,
    baseline_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    snapshot_id: String,
    installed_count: i64,
    installed_other_count: i64,
    installed_pending_reboot_count: i64,
    installed_rejected_count: i64,
    missing_count: i64,
    failed_count: i64,
    unreported_not_applicable_count: i64,
    not_applicable_count: i64,
    operation_start_time: f64,
    operation_end_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_no_reboot_install_operation_time: Option<f64>,
    operation: String,
    reboot_option: String,
    critical_non_compliant_count: i64,
    security_non_compliant_count: i64,
    other_non_compliant_count: i64,
}

impl From<InstancePatchState> for PatchStateOut {
    fn from(s: InstancePatchState) -> Self {
        PatchStateOut {
            instance_id: s.instance_id,
            patch_group: s.patch_group,
            baseline_id: s.baseline_id,
            snapshot_id: s.snapshot_id,
            installed_count: s.installed,
            installed_other_count: s.installed_other,
            installed_pending_reboot_count: s.installed_pending_reboot,
            installed_rejected_count: s.installed_rejected,
            missing_count: s.missing,
            failed_count: s.failed,
            unreported_not_applicable_count: 0,
            not_applicable_count: s.not_applicable,
            operation_start_time: epoch_seconds(s.operation_start),
            operation_end_time: epoch_seconds(s.operation_end),
            last_no_reboot_install_operation_time: s.last_no_reboot_install_time.map(epoch_seconds),
            operation: s.operation,
            reboot_option: s.reboot_option,
            critical_non_compliant_count: s.critical_non_compliant,
            security_non_compliant_count: s.security_non_compliant,
            other_non_compliant_count: s.other_non_compliant,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PatchStatesOut {
    instance_patch_states: Vec<PatchStateOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PatchStatesInput {
    instance_ids: Vec<String>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

async fn describe_instance_patch_states(
    core: &Core,
    actor: &Actor,
    i: PatchStatesInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = patch::describe_instance_patch_states(
        core,
        actor,
        &i.instance_ids,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(PatchStatesOut {
        instance_patch_states: rows.into_iter().map(PatchStateOut::from).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StateFilterIo {
    key: String,
    values: Vec<String>,
    #[serde(rename = "Type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupStatesInput {
    patch_group: String,
    #[serde(default)]
    filters: Vec<StateFilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

async fn describe_instance_patch_states_for_patch_group(
    core: &Core,
    actor: &Actor,
    i: GroupStatesInput,
) -> Result<Value, ApiError> {
    let filters: Vec<patch::StateFilter> = i
        .filters
        .into_iter()
        .map(|f| patch::StateFilter {
            key: f.key,
            values: f.values,
            kind: f.kind,
        })
        .collect();
    let (rows, next_token) = patch::describe_instance_patch_states_for_patch_group(
        core,
        actor,
        &i.patch_group,
        &filters,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(PatchStatesOut {
        instance_patch_states: rows.into_iter().map(PatchStateOut::from).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstancePatchesInput {
    instance_id: String,
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PatchOut {
    title: String,
    #[serde(rename = "KBId")]
    kb_id: String,
    classification: String,
    severity: String,
    state: String,
    /// Required by the model: AWS reports the epoch for patches not installed.
    installed_time: f64,
    #[serde(rename = "CVEIds", skip_serializing_if = "String::is_empty")]
    cve_ids: String,
}

impl From<InstancePatch> for PatchOut {
    fn from(p: InstancePatch) -> Self {
        PatchOut {
            title: p.title,
            kb_id: p.kb_id,
            classification: p.classification,
            severity: p.severity,
            state: p.state,
            installed_time: epoch_seconds(p.installed_time.unwrap_or(0)),
            cve_ids: p.cve_ids,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EffectivePatchesInput {
    baseline_id: String,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

/// `Patch`: the members a Linux report gives (`Id` is Windows-only).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EffectivePatchOut {
    title: String,
    /// The KB id `DescribeInstancePatches` reports (`name.arch`).
    kb_number: String,
    name: String,
    arch: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch: Option<i64>,
    version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    release: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    classification: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    severity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    product: String,
    #[serde(rename = "CVEIds", skip_serializing_if = "Vec::is_empty")]
    cve_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisory_ids: Vec<String>,
}

/// `PatchStatus`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PatchStatusOut {
    deployment_status: String,
    compliance_level: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    approval_date: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EffectivePatchEntry {
    patch: EffectivePatchOut,
    patch_status: PatchStatusOut,
}

impl From<EffectivePatch> for EffectivePatchEntry {
    fn from(p: EffectivePatch) -> Self {
        EffectivePatchEntry {
            patch_status: PatchStatusOut {
                deployment_status: p.deployment_status,
                compliance_level: p.compliance_level,
                approval_date: p.approval_date.map(epoch_seconds),
            },
            patch: EffectivePatchOut {
                title: p.title,
                kb_number: p.kb_id,
                name: p.name,
                arch: p.arch,
                epoch: p.epoch,
                version: p.version,
                release: p.release,
                classification: p.classification,
                severity: p.severity,
                product: p.product,
                cve_ids: p.cve_ids,
                advisory_ids: p.advisory_ids,
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EffectivePatchesOut {
    effective_patches: Vec<EffectivePatchEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_effective_patches_for_patch_baseline(
    core: &Core,
    actor: &Actor,
    i: EffectivePatchesInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = patch::describe_effective_patches_for_patch_baseline(
        core,
        actor,
        &i.baseline_id,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(EffectivePatchesOut {
        effective_patches: rows.into_iter().map(EffectivePatchEntry::from).collect(),
        next_token,
    })
}

async fn describe_instance_patches(
    core: &Core,
    actor: &Actor,
    i: InstancePatchesInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = patch::describe_instance_patches(
        core,
        actor,
        &i.instance_id,
        &filters_of(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    Ok(with_next_token(
        serde_json::json!({
            "Patches": rows.into_iter().map(PatchOut::from).collect::<Vec<_>>(),
        }),
        next_token,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PatchGroupInput {
    patch_group: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupStateOut {
    instances: i64,
    instances_with_installed_patches: i64,
    instances_with_installed_other_patches: i64,
    instances_with_installed_pending_reboot_patches: i64,
    instances_with_installed_rejected_patches: i64,
    instances_with_missing_patches: i64,
    instances_with_failed_patches: i64,
    instances_with_not_applicable_patches: i64,
    instances_with_unreported_not_applicable_patches: i64,
    instances_with_critical_non_compliant_patches: i64,
    instances_with_security_non_compliant_patches: i64,
    instances_with_other_non_compliant_patches: i64,
    instances_with_available_security_updates: i64,
}

impl From<PatchGroupState> for GroupStateOut {
    fn from(g: PatchGroupState) -> Self {
        GroupStateOut {
            instances: g.instances,
            instances_with_installed_patches: g.with_installed,
            instances_with_installed_other_patches: g.with_installed_other,
            instances_with_installed_pending_reboot_patches: g.with_installed_pending_reboot,
            instances_with_installed_rejected_patches: g.with_installed_rejected,
            instances_with_missing_patches: g.with_missing,
            instances_with_failed_patches: g.with_failed,
            instances_with_not_applicable_patches: g.with_not_applicable,
            instances_with_unreported_not_applicable_patches: 0,
            instances_with_critical_non_compliant_patches: g.with_critical_non_compliant,
            instances_with_security_non_compliant_patches: g.with_security_non_compliant,
            instances_with_other_non_compliant_patches: g.with_other_non_compliant,
            instances_with_available_security_updates: 0,
        }
    }
}

async fn describe_patch_group_state(
    core: &Core,
    actor: &Actor,
    i: PatchGroupInput,
) -> Result<Value, ApiError> {
    let g = patch::describe_patch_group_state(core, actor, &i.patch_group)
        .await
        .map_err(service)?;
    output(GroupStateOut::from(g))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ComplianceFilterIo {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default, rename = "Type")]
    kind: Option<String>,
}

fn compliance_filters(filters: Vec<ComplianceFilterIo>) -> Vec<compliance::ComplianceFilter> {
    filters
        .into_iter()
        .map(|f| compliance::ComplianceFilter {
            key: f.key.unwrap_or_default(),
            values: f.values,
            kind: f.kind,
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ComplianceItemsInput {
    #[serde(default)]
    filters: Vec<ComplianceFilterIo>,
    #[serde(default)]
    resource_ids: Vec<String>,
    #[serde(default)]
    resource_types: Vec<String>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

fn execution_summary(time_ms: i64, id: &str) -> Value {
    serde_json::json!({
        "ExecutionTime": epoch_seconds(time_ms),
        "ExecutionId": id,
        "ExecutionType": "Command",
    })
}

async fn list_compliance_items(
    core: &Core,
    actor: &Actor,
    i: ComplianceItemsInput,
) -> Result<Value, ApiError> {
    let (items, next_token) = compliance::list_compliance_items(
        core,
        actor,
        &i.resource_ids,
        &i.resource_types,
        &compliance_filters(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|c| {
            serde_json::json!({
                "ComplianceType": compliance::COMPLIANCE_TYPE,
                "ResourceType": compliance::RESOURCE_TYPE,
                "ResourceId": c.resource_id,
                "Id": c.id,
                "Title": c.title,
                "Status": c.status,
                "Severity": c.severity,
                "ExecutionSummary": execution_summary(c.execution_time, &c.execution_id),
                "Details": c.details,
            })
        })
        .collect();
    Ok(with_next_token(
        serde_json::json!({ "ComplianceItems": items }),
        next_token,
    ))
}

/// `result` with `NextToken` when there is a next page.
fn with_next_token(mut result: Value, next_token: Option<String>) -> Value {
    if let Some(t) = next_token {
        result["NextToken"] = Value::String(t);
    }
    result
}

fn compliant_summary(counts: &compliance::SeverityCounts) -> Value {
    serde_json::json!({
        "CompliantCount": counts.iter().sum::<i64>(),
        "SeveritySummary": severity_summary(counts),
    })
}

fn non_compliant_summary(counts: &compliance::SeverityCounts) -> Value {
    serde_json::json!({
        "NonCompliantCount": counts.iter().sum::<i64>(),
        "SeveritySummary": severity_summary(counts),
    })
}

fn severity_summary(counts: &compliance::SeverityCounts) -> Value {
    serde_json::json!({
        "CriticalCount": counts[0],
        "HighCount": counts[1],
        "MediumCount": counts[2],
        "LowCount": counts[3],
        "InformationalCount": counts[4],
        "UnspecifiedCount": counts[5],
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ComplianceListInput {
    #[serde(default)]
    filters: Vec<ComplianceFilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

async fn list_resource_compliance_summaries(
    core: &Core,
    actor: &Actor,
    i: ComplianceListInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = compliance::list_resource_compliance_summaries(
        core,
        actor,
        &compliance_filters(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "ComplianceType": compliance::COMPLIANCE_TYPE,
                "ResourceType": compliance::RESOURCE_TYPE,
                "ResourceId": s.resource_id,
                "Status": s.status,
                "OverallSeverity": s.overall_severity,
                "ExecutionSummary": execution_summary(s.execution_time, &s.execution_id),
                "CompliantSummary": compliant_summary(&s.compliant),
                "NonCompliantSummary": non_compliant_summary(&s.non_compliant),
            })
        })
        .collect();
    Ok(with_next_token(
        serde_json::json!({ "ResourceComplianceSummaryItems": rows }),
        next_token,
    ))
}

async fn list_compliance_summaries(
    core: &Core,
    actor: &Actor,
    i: ComplianceListInput,
) -> Result<Value, ApiError> {
    let (rows, next_token) = compliance::list_compliance_summaries(
        core,
        actor,
        &compliance_filters(i.filters),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "ComplianceType": s.compliance_type,
                "CompliantSummary": compliant_summary(&s.compliant),
                "NonCompliantSummary": non_compliant_summary(&s.non_compliant),
            })
        })
        .collect();
    Ok(with_next_token(
        serde_json::json!({ "ComplianceSummaryItems": rows }),
        next_token,
    ))
}
