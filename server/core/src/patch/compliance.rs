//! Patch compliance in the shape of AWS's compliance operations (`ListComplianceItems`,
//! `ListResourceComplianceSummaries`, `ListComplianceSummaries`), computed from the
//! nodes' recorded patch states. Compliance type `Patch` is the only one Bosun has so
//! far; the resource type is always `ManagedInstance`.
//!
//! Mapping (as Patch Manager does): one compliance item per reported patch, id = KB id,
//! status COMPLIANT for INSTALLED, INSTALLED_OTHER and NOT_APPLICABLE, else
//! NON_COMPLIANT; severity = the compliance level of the rule or list approving the
//! patch. A node is NON_COMPLIANT when any of its items is; its overall severity is
//! the highest severity among its non-compliant items (UNSPECIFIED when none). Summary
//! counts count items per severity; `ListComplianceSummaries` counts nodes.

use super::store::{self, PatchRow, StateRow};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::Role;
use crate::{paging, Core};
use std::collections::BTreeMap;

pub const COMPLIANCE_TYPE: &str = "Patch";
pub const RESOURCE_TYPE: &str = "ManagedInstance";
/// Severities from the highest.
pub const SEVERITIES: [&str; 6] = [
    "CRITICAL",
    "HIGH",
    "MEDIUM",
    "LOW",
    "INFORMATIONAL",
    "UNSPECIFIED",
];

/// One `ComplianceStringFilter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplianceFilter {
    pub key: String,
    pub values: Vec<String>,
    /// `EQUAL` (the default), `NOT_EQUAL`, `BEGIN_WITH`, `LESS_THAN`, `GREATER_THAN`.
    pub kind: Option<String>,
}

impl ComplianceFilter {
    fn matches(&self, value: &str) -> bool {
        let any = |f: &dyn Fn(&str) -> bool| self.values.iter().any(|v| f(v));
        match self.kind.as_deref().unwrap_or("EQUAL") {
            "NOT_EQUAL" => !any(&|v| v == value),
            "BEGIN_WITH" => any(&|v| value.starts_with(v)),
            "LESS_THAN" => any(&|v| value < v),
            "GREATER_THAN" => any(&|v| value > v),
            _ => any(&|v| v == value),
        }
    }
}

fn check_filters(filters: &[ComplianceFilter], keys: &[&str]) -> ServiceResult<()> {
    for f in filters {
        if !keys.contains(&f.key.as_str()) {
            return Err(ServiceError::validation(format!(
                "{:?} is not a filter key here; use {}.",
                f.key,
                keys.join(", ")
            ))
            .with_exception("InvalidFilter"));
        }
        if let Some(k) = &f.kind {
            if !matches!(
                k.as_str(),
                "EQUAL" | "NOT_EQUAL" | "BEGIN_WITH" | "LESS_THAN" | "GREATER_THAN"
            ) {
                return Err(ServiceError::validation(format!(
                    "{k:?} is not a comparison; use EQUAL, NOT_EQUAL, BEGIN_WITH, LESS_THAN or GREATER_THAN."
                ))
                .with_exception("InvalidFilter"));
            }
        }
    }
    Ok(())
}

fn passes(filters: &[ComplianceFilter], field: impl Fn(&str) -> Option<String>) -> bool {
    filters
        .iter()
        .all(|f| field(&f.key).is_some_and(|v| f.matches(&v)))
}

fn compliant_state(state: &str) -> bool {
    bosun_patch::PatchState::parse(state).is_some_and(bosun_patch::PatchState::is_compliant)
}

fn status(compliant: bool) -> &'static str {
    if compliant {
        "COMPLIANT"
    } else {
        "NON_COMPLIANT"
    }
}

fn rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(SEVERITIES.len() - 1)
}

/// Counts per severity, in [`SEVERITIES`] order.
pub type SeverityCounts = [i64; 6];

/// A compliance item (`ComplianceItem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplianceItem {
    pub resource_id: String,
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub severity: String,
    /// When the reporting operation ended (Unix ms) and the command that ran it.
    pub execution_time: i64,
    pub execution_id: String,
    pub details: BTreeMap<String, String>,
}

/// A node's compliance summary (`ResourceComplianceSummaryItem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceSummary {
    pub resource_id: String,
    pub status: &'static str,
    pub overall_severity: String,
    pub execution_time: i64,
    pub execution_id: String,
    pub compliant: SeverityCounts,
    pub non_compliant: SeverityCounts,
}

fn item_of(state: &StateRow, p: PatchRow) -> ComplianceItem {
    let mut details = BTreeMap::new();
    details.insert("Classification".to_string(), p.classification.clone());
    details.insert("PatchSeverity".to_string(), p.severity.clone());
    details.insert("PatchState".to_string(), p.state.clone());
    details.insert("PatchBaselineId".to_string(), state.baseline_id.clone());
    details.insert("PatchGroup".to_string(), state.patch_group.clone());
    if !p.cve_ids.is_empty() {
        details.insert("CVEIds".to_string(), p.cve_ids.clone());
    }
    if let Some(t) = p.installed_time {
        details.insert("InstalledTime".to_string(), (t / 1000).to_string());
    }
    ComplianceItem {
        resource_id: state.instance_id.clone(),
        status: status(compliant_state(&p.state)),
        id: p.kb_id,
        title: p.title,
        severity: p.compliance_level,
        execution_time: state.operation_end,
        execution_id: state.command_id.clone(),
        details,
    }
}

fn check_resource_types(types: &[String]) -> ServiceResult<()> {
    match types.iter().find(|t| *t != RESOURCE_TYPE) {
        Some(t) => Err(ServiceError::validation(format!(
            "Compliance is kept for ManagedInstance resources, not {t:?}."
        ))
        .with_exception("InvalidResourceType")),
        None => Ok(()),
    }
}

/// The states of `resource_ids` (all nodes with one when empty).
async fn states(core: &Core, resource_ids: &[String]) -> ServiceResult<Vec<StateRow>> {
    Ok(if resource_ids.is_empty() {
        store::all_states(core.db().pool()).await?
    } else {
        store::states_of(core.db().pool(), resource_ids).await?
    })
}

/// ListComplianceItems (viewer): filters ComplianceType, Status, Severity, Id.
pub async fn list_compliance_items(
    core: &Core,
    actor: &Actor,
    resource_ids: &[String],
    resource_types: &[String],
    filters: &[ComplianceFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ComplianceItem>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "ListComplianceItems", "compliance/*")
        .await?;
    check_resource_types(resource_types)?;
    check_filters(filters, &["ComplianceType", "Status", "Severity", "Id"])?;
    let limit = paging::max_results(max_results, 50, 1..=50)?;
    let scope = format!("compliance-items:{}", resource_ids.join(","));
    let offset = paging::offset_of(&scope, next_token)?;
    let mut items = Vec::new();
    for state in states(core, resource_ids).await? {
        for p in store::patches_of(core.db().pool(), &state.instance_id).await? {
            let item = item_of(&state, p);
            let keep = passes(filters, |key| match key {
                "ComplianceType" => Some(COMPLIANCE_TYPE.to_string()),
                "Status" => Some(item.status.to_string()),
                "Severity" => Some(item.severity.clone()),
                "Id" => Some(item.id.clone()),
                _ => None,
            });
            if keep {
                items.push(item);
            }
        }
    }
    Ok(paging::page_of(items, &scope, offset, limit))
}

/// Per-node summaries (all nodes with a patch state).
async fn summaries(core: &Core) -> ServiceResult<Vec<ResourceSummary>> {
    let mut out = Vec::new();
    for state in store::all_states(core.db().pool()).await? {
        let mut compliant = [0i64; 6];
        let mut non_compliant = [0i64; 6];
        for p in store::patches_of(core.db().pool(), &state.instance_id).await? {
            let r = rank(&p.compliance_level);
            if compliant_state(&p.state) {
                compliant[r] += 1;
            } else {
                non_compliant[r] += 1;
            }
        }
        let worst = non_compliant.iter().position(|n| *n > 0);
        out.push(ResourceSummary {
            resource_id: state.instance_id,
            status: status(worst.is_none()),
            overall_severity: SEVERITIES[worst.unwrap_or(SEVERITIES.len() - 1)].to_string(),
            execution_time: state.operation_end,
            execution_id: state.command_id,
            compliant,
            non_compliant,
        });
    }
    Ok(out)
}

/// ListResourceComplianceSummaries (viewer): filters ComplianceType, Status,
/// OverallSeverity, ResourceId, ResourceType.
pub async fn list_resource_compliance_summaries(
    core: &Core,
    actor: &Actor,
    filters: &[ComplianceFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ResourceSummary>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "ListResourceComplianceSummaries",
        "compliance/*",
    )
    .await?;
    check_filters(
        filters,
        &[
            "ComplianceType",
            "Status",
            "OverallSeverity",
            "ResourceId",
            "ResourceType",
        ],
    )?;
    let limit = paging::max_results(max_results, 50, 1..=50)?;
    let offset = paging::offset_of("resource-compliance", next_token)?;
    let rows: Vec<ResourceSummary> = summaries(core)
        .await?
        .into_iter()
        .filter(|s| {
            passes(filters, |key| match key {
                "ComplianceType" => Some(COMPLIANCE_TYPE.to_string()),
                "Status" => Some(s.status.to_string()),
                "OverallSeverity" => Some(s.overall_severity.clone()),
                "ResourceId" => Some(s.resource_id.clone()),
                "ResourceType" => Some(RESOURCE_TYPE.to_string()),
                _ => None,
            })
        })
        .collect();
    Ok(paging::page_of(rows, "resource-compliance", offset, limit))
}

/// A compliance type's summary (`ComplianceSummaryItem`): nodes compliant and not, each
/// side counted per overall severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeSummary {
    pub compliance_type: &'static str,
    pub compliant: SeverityCounts,
    pub non_compliant: SeverityCounts,
}

/// ListComplianceSummaries (viewer): filter ComplianceType.
pub async fn list_compliance_summaries(
    core: &Core,
    actor: &Actor,
    filters: &[ComplianceFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<TypeSummary>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "ListComplianceSummaries",
        "compliance/*",
    )
    .await?;
    check_filters(filters, &["ComplianceType"])?;
    let limit = paging::max_results(max_results, 50, 1..=50)?;
    let offset = paging::offset_of("compliance-summaries", next_token)?;
    let mut summary = TypeSummary {
        compliance_type: COMPLIANCE_TYPE,
        compliant: [0; 6],
        non_compliant: [0; 6],
    };
    for s in summaries(core).await? {
        let r = rank(&s.overall_severity);
        if s.status == "COMPLIANT" {
            summary.compliant[r] += 1;
        } else {
            summary.non_compliant[r] += 1;
        }
    }
    let rows = if passes(filters, |_| Some(COMPLIANCE_TYPE.to_string())) {
        vec![summary]
    } else {
        Vec::new()
    };
    Ok(paging::page_of(rows, "compliance-summaries", offset, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compare_as_aws_documents() {
        let f = |kind: &str, v: &str| ComplianceFilter {
            key: "Status".into(),
            values: vec![v.into()],
            kind: Some(kind.into()),
        };
        assert!(f("EQUAL", "COMPLIANT").matches("COMPLIANT"));
        assert!(f("NOT_EQUAL", "COMPLIANT").matches("NON_COMPLIANT"));
        assert!(f("BEGIN_WITH", "NON").matches("NON_COMPLIANT"));
        assert!(!f("BEGIN_WITH", "NON").matches("COMPLIANT"));
        assert!(check_filters(&[f("EQUAL", "x")], &["Status"]).is_ok());
        assert_eq!(
            check_filters(&[f("LIKE", "x")], &["Status"])
                .expect_err("LIKE is no comparison")
                .exception,
            Some("InvalidFilter")
        );
    }

    #[test]
    fn severities_rank_from_critical() {
        assert_eq!(rank("CRITICAL"), 0);
        assert_eq!(rank("UNSPECIFIED"), 5);
        assert_eq!(rank("nonsense"), 5);
        assert!(compliant_state("INSTALLED_OTHER"));
        assert!(!compliant_state("INSTALLED_PENDING_REBOOT"));
    }
}
