//! Nodes' patch states: recorded from the report an `aws:runPatchBaseline` step sends
//! on its `Report` stream, read by `DescribeInstancePatchStates`,
//! `DescribeInstancePatchStatesForPatchGroup`, `DescribeInstancePatches` and
//! `DescribePatchGroupState`.
//!
//! A report comes from a node, so it is hostile input: it is recorded only when it is
//! complete (header first, counts last), every text is cut to the model's lengths, and
//! the counts are recomputed from the items rather than trusted.

use super::store::{self, PatchRow, StateRow, COUNT_COLUMNS};
use crate::commands::store::REPORT_STREAM;
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::{InstancePatch, InstancePatchState, PatchGroupState, Role};
use crate::{paging, Core};
use bosun_patch::PatchCounts;
use bosun_protocol::exec::{PatchOperation, PatchReportHeader, PatchReportLine, RebootOption};
use std::collections::BTreeMap;

/// Patches one node may report (a node has a few thousand packages at most).
const MAX_ITEMS: usize = 100_000;

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Parses a report (JSON lines); `None` unless it is complete and well-formed.
fn parse(text: &str) -> Option<(PatchReportHeader, Vec<PatchRow>, PatchCounts)> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = match serde_json::from_str(lines.next()?).ok()? {
        PatchReportLine::Header(h) => h,
        _ => return None,
    };
    let mut items: BTreeMap<String, PatchRow> = BTreeMap::new();
    let mut counts = PatchCounts::default();
    let mut ended = false;
    for line in lines {
        if ended || items.len() >= MAX_ITEMS {
            return None;
        }
        match serde_json::from_str(line).ok()? {
            PatchReportLine::Item(i) => {
                let kb_id = cut(&i.kb_id, 256);
                if items.contains_key(&kb_id) {
                    continue;
                }
                counts.add(&i);
                let row = PatchRow {
                    kb_id: kb_id.clone(),
                    title: cut(&i.title, 256),
                    classification: cut(&i.classification, 128),
                    severity: cut(&i.severity, 128),
                    state: i.state.as_str().to_string(),
                    compliance_level: i.compliance_level.unwrap_or_default().as_str().to_string(),
                    installed_time: i
                        .installed_time
                        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64),
                    cve_ids: cut(&i.cve_ids, 10_000),
                };
                items.insert(kb_id, row);
            }
            PatchReportLine::Counts(_) => ended = true,
            PatchReportLine::Header(_) => return None,
        }
    }
    ended.then(|| (header, items.into_values().collect(), counts))
}

/// Records the patch report of a finished invocation, if it sent a complete one.
/// Problems are logged, never raised: the invocation's own outcome stands either way.
pub async fn record_report(core: &Core, invocation_id: &str) {
    if let Err(e) = try_record(core, invocation_id).await {
        tracing::warn!(invocation_id, error = %e, "patch report not recorded");
    }
}

async fn try_record(core: &Core, invocation_id: &str) -> ServiceResult<()> {
    let Some(invocation) =
        crate::commands::store::invocation(core.db().pool(), invocation_id).await?
    else {
        return Ok(());
    };
    let (instance_id, command_id) = (invocation.instance_id, invocation.command_id);
    let mut text = String::new();
    let mut after = 0i64;
    loop {
        let rows = crate::commands::store::output(
            core.db().pool(),
            invocation_id,
            after,
            None,
            Some(REPORT_STREAM),
            500,
        )
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (_, _, _, data) in rows {
            text.push_str(&data);
        }
    }
    if text.is_empty() {
        return Ok(());
    }
    let Some((header, patches, counts)) = parse(&text) else {
        return Err(ServiceError::validation(
            "the report is incomplete or malformed",
        ));
    };
    let state = StateRow {
        instance_id: instance_id.clone(),
        patch_group: cut(header.patch_group.as_deref().unwrap_or(""), 256),
        baseline_id: cut(&header.baseline_id, 128),
        snapshot_id: cut(&header.snapshot_id, 36),
        operation: match header.operation {
            PatchOperation::Scan => "Scan",
            PatchOperation::Install => "Install",
        }
        .into(),
        reboot_option: match header.reboot_option {
            RebootOption::RebootIfNeeded => "RebootIfNeeded",
            RebootOption::NoReboot => "NoReboot",
        }
        .into(),
        product: cut(&header.product, 128),
        operation_start: header.operation_start,
        operation_end: header.operation_end,
        counts: [
            counts.installed,
            counts.installed_other,
            counts.installed_pending_reboot,
            counts.installed_rejected,
            counts.missing,
            counts.failed,
            counts.not_applicable,
            counts.critical_non_compliant,
            counts.security_non_compliant,
            counts.other_non_compliant,
        ]
        .map(i64::from),
        command_id,
        invocation_id: invocation_id.to_string(),
        reported_at: core.now_ms(),
    };
    let mut tx = core.db().begin().await?;
    store::put_state(&mut tx, &state).await?;
    store::put_patches(&mut tx, &instance_id, &patches).await?;
    tx.commit().await?;
    Ok(())
}

fn state_of(r: StateRow) -> InstancePatchState {
    let [installed, installed_other, installed_pending_reboot, installed_rejected, missing, failed, not_applicable, critical_non_compliant, security_non_compliant, other_non_compliant] =
        r.counts;
    InstancePatchState {
        instance_id: r.instance_id,
        patch_group: r.patch_group,
        baseline_id: r.baseline_id,
        snapshot_id: r.snapshot_id,
        operation: r.operation,
        reboot_option: r.reboot_option,
        product: r.product,
        operation_start: r.operation_start,
        operation_end: r.operation_end,
        installed,
        installed_other,
        installed_pending_reboot,
        installed_rejected,
        missing,
        failed,
        not_applicable,
        critical_non_compliant,
        security_non_compliant,
        other_non_compliant,
        command_id: r.command_id,
        invocation_id: r.invocation_id,
    }
}

const DEFAULT_PAGE: i64 = 50;

/// DescribeInstancePatchStates (viewer): the nodes' latest patch states; nodes that
/// never reported one are left out, as AWS does.
pub async fn describe_instance_patch_states(
    core: &Core,
    actor: &Actor,
    instance_ids: &[String],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<InstancePatchState>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatchStates",
        "instancepatchstate/*",
    )
    .await?;
    if instance_ids.len() > 50 {
        return Err(ServiceError::validation("At most 50 instance ids."));
    }
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let offset = paging::offset_of("instance-patch-states", next_token)?;
    let rows = store::states_of(core.db().pool(), instance_ids).await?;
    let states = rows.into_iter().map(state_of);
    Ok(paging::page_of(
        states,
        "instance-patch-states",
        offset,
        limit,
    ))
}

/// Every node's latest patch state (viewer): the console's compliance dashboard.
pub async fn list_instance_patch_states(
    core: &Core,
    actor: &Actor,
) -> ServiceResult<Vec<InstancePatchState>> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatchStates",
        "instancepatchstate/*",
    )
    .await?;
    Ok(store::all_states(core.db().pool())
        .await?
        .into_iter()
        .map(state_of)
        .collect())
}

/// One `InstancePatchStateFilter`: a count compared with a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateFilter {
    pub key: String,
    pub values: Vec<String>,
    /// `Equal`, `NotEqual`, `LessThan`, `GreaterThan`.
    pub kind: String,
}

fn invalid_filter(message: String) -> ServiceError {
    ServiceError::validation(message).with_exception("InvalidFilter")
}

fn count_of(s: &InstancePatchState, key: &str) -> Option<i64> {
    Some(match key {
        "InstalledCount" => s.installed,
        "InstalledOtherCount" => s.installed_other,
        "InstalledPendingRebootCount" => s.installed_pending_reboot,
        "InstalledRejectedCount" => s.installed_rejected,
        "MissingCount" => s.missing,
        "FailedCount" => s.failed,
        "NotApplicableCount" => s.not_applicable,
        "UnreportedNotApplicableCount" => 0,
        _ => return None,
    })
}

/// DescribeInstancePatchStatesForPatchGroup (viewer), with count filters.
pub async fn describe_instance_patch_states_for_patch_group(
    core: &Core,
    actor: &Actor,
    patch_group: &str,
    filters: &[StateFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<InstancePatchState>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatchStatesForPatchGroup",
        &format!("patchgroup/{patch_group}"),
    )
    .await?;
    let probe = InstancePatchState::default();
    let mut checks = Vec::new();
    for f in filters {
        if count_of(&probe, &f.key).is_none() {
            return Err(invalid_filter(format!(
                "{:?} is not a filter key: use InstalledCount, InstalledOtherCount, \
                 InstalledPendingRebootCount, InstalledRejectedCount, MissingCount, FailedCount, \
                 NotApplicableCount or UnreportedNotApplicableCount.",
                f.key
            )));
        }
        let [value] = f.values.as_slice() else {
            return Err(invalid_filter(format!(
                "{} takes exactly one value.",
                f.key
            )));
        };
        let n: i64 = value.trim().parse().map_err(|_| {
            invalid_filter(format!(
                "{} compares with a whole number, not {value:?}.",
                f.key
            ))
        })?;
        if !matches!(
            f.kind.as_str(),
            "Equal" | "NotEqual" | "LessThan" | "GreaterThan"
        ) {
            return Err(invalid_filter(format!(
                "{:?} is not a comparison: use Equal, NotEqual, LessThan or GreaterThan.",
                f.kind
            )));
        }
        checks.push((f.key.clone(), f.kind.clone(), n));
    }
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("group-patch-states:{patch_group}");
    let offset = paging::offset_of(&scope, next_token)?;
    let states: Vec<InstancePatchState> = store::states_in_group(core.db().pool(), patch_group)
        .await?
        .into_iter()
        .map(state_of)
        .filter(|s| {
            checks.iter().all(|(key, kind, n)| {
                let v = count_of(s, key).unwrap_or(0);
                match kind.as_str() {
                    "Equal" => v == *n,
                    "NotEqual" => v != *n,
                    "LessThan" => v < *n,
                    _ => v > *n,
                }
            })
        })
        .collect();
    Ok(paging::page_of(states, &scope, offset, limit))
}

/// `Installed`, `INSTALLED`, `installed_other` and `InstalledOther` name one state.
fn same_state(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .to_ascii_lowercase()
    };
    norm(a) == norm(b)
}

/// DescribeInstancePatches (viewer): a node's reported patches; filters
/// Classification, KBId, Severity, State.
pub async fn describe_instance_patches(
    core: &Core,
    actor: &Actor,
    instance_id: &str,
    filters: &[super::OrchestratorFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<InstancePatch>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatches",
        &format!("managed-instance/{instance_id}"),
    )
    .await?;
    for f in filters {
        if !matches!(
            f.key.as_str(),
            "Classification" | "KBId" | "Severity" | "State"
        ) {
            return Err(invalid_filter(format!(
                "{:?} is not a filter key: use Classification, KBId, Severity or State.",
                f.key
            )));
        }
    }
    if crate::nodes::store::credentials(core.db().pool(), instance_id)
        .await?
        .is_none()
    {
        return Err(ServiceError::not_found(format!(
            "{instance_id} is not a registered managed node."
        ))
        .with_exception("InvalidInstanceId"));
    }
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("instance-patches:{instance_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    let patches: Vec<InstancePatch> = store::patches_of(core.db().pool(), instance_id)
        .await?
        .into_iter()
        .filter(|p| {
            filters.iter().all(|f| {
                f.values.iter().any(|v| match f.key.as_str() {
                    "Classification" => p.classification == *v,
                    "KBId" => p.kb_id == *v,
                    "Severity" => p.severity.eq_ignore_ascii_case(v),
                    _ => same_state(&p.state, v),
                })
            })
        })
        .map(|p| InstancePatch {
            kb_id: p.kb_id,
            title: p.title,
            classification: p.classification,
            severity: p.severity,
            state: p.state,
            compliance_level: p.compliance_level,
            installed_time: p.installed_time,
            cve_ids: p.cve_ids,
        })
        .collect();
    Ok(paging::page_of(patches, &scope, offset, limit))
}

/// DescribePatchGroupState (viewer): how many of the group's nodes are in each state.
pub async fn describe_patch_group_state(
    core: &Core,
    actor: &Actor,
    patch_group: &str,
) -> ServiceResult<PatchGroupState> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribePatchGroupState",
        &format!("patchgroup/{patch_group}"),
    )
    .await?;
    let mut g = PatchGroupState::default();
    for s in store::states_in_group(core.db().pool(), patch_group).await? {
        let c = s.counts;
        let has = |i: usize| i64::from(c[i] > 0);
        g.instances += 1;
        g.with_installed += has(0);
        g.with_installed_other += has(1);
        g.with_installed_pending_reboot += has(2);
        g.with_installed_rejected += has(3);
        g.with_missing += has(4);
        g.with_failed += has(5);
        g.with_not_applicable += has(6);
        g.with_critical_non_compliant += has(7);
        g.with_security_non_compliant += has(8);
        g.with_other_non_compliant += has(9);
    }
    debug_assert_eq!(COUNT_COLUMNS.len(), 10);
    Ok(g)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bosun_patch::{PatchCounts, PatchItem, PatchState};

    fn item(kb: &str, state: PatchState, security: bool) -> PatchItem {
        PatchItem {
            title: format!("{kb}:1.0"),
            kb_id: kb.into(),
            classification: String::new(),
            severity: "Required".into(),
            state,
            installed_time: None,
            cve_ids: String::new(),
            name: kb.into(),
            arch: "amd64".into(),
            installed_version: Some("1.0".into()),
            candidate_version: None,
            compliance_level: None,
            security,
            advisory_id: None,
        }
    }

    fn header() -> PatchReportHeader {
        PatchReportHeader {
            operation: PatchOperation::Scan,
            reboot_option: RebootOption::NoReboot,
            baseline_id: "pb-0b05d3b1a0000000a".into(),
            patch_group: Some("web".into()),
            snapshot_id: String::new(),
            product: "Debian12".into(),
            operation_start: 1,
            operation_end: 2,
        }
    }

    fn text(lines: &[PatchReportLine]) -> String {
        lines
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect()
    }

    #[test]
    fn a_complete_report_parses_and_its_counts_are_recomputed() {
        let lying_counts = PatchCounts {
            missing: 0,
            installed: 99,
            ..Default::default()
        };
        let t = text(&[
            PatchReportLine::Header(header()),
            PatchReportLine::Item(item("openssl.amd64", PatchState::Missing, true)),
            PatchReportLine::Item(item("bash.amd64", PatchState::Installed, false)),
            PatchReportLine::Item(item("bash.amd64", PatchState::Missing, false)),
            PatchReportLine::Counts(lying_counts),
        ]);
        let (h, rows, counts) = parse(&t).unwrap();
        assert_eq!(h.product, "Debian12");
        assert_eq!(rows.len(), 2, "a KB id is reported once");
        assert_eq!(rows[0].kb_id, "bash.amd64");
        assert_eq!(rows[1].state, "MISSING");
        assert_eq!(counts.installed, 1, "installed");
        assert_eq!(counts.missing, 1, "missing");
        assert_eq!(counts.security_non_compliant, 1, "security non-compliant");
    }

    #[test]
    fn incomplete_or_malformed_reports_are_refused() {
        let no_counts = text(&[
            PatchReportLine::Header(header()),
            PatchReportLine::Item(item("a.amd64", PatchState::Missing, false)),
        ]);
        assert!(parse(&no_counts).is_none());
        let no_header = text(&[PatchReportLine::Counts(PatchCounts::default())]);
        assert!(parse(&no_header).is_none());
        let mut garbage = text(&[PatchReportLine::Header(header())]);
        garbage.push_str("{not json}\n");
        assert!(parse(&garbage).is_none());
        assert!(same_state("InstalledOther", "INSTALLED_OTHER"));
        assert!(!same_state("Installed", "INSTALLED_OTHER"));
    }
}
