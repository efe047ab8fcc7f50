//! Nodes' patch states: recorded from the report an `aws:runPatchBaseline` step sends
//! on its `Report` stream, read by `DescribeInstancePatchStates`,
//! `DescribeInstancePatchStatesForPatchGroup`, `DescribeInstancePatches` and
//! `DescribePatchGroupState`, and by the console's paged reads: the compliance
//! dashboard's totals and node list (every registered node, never-scanned ones
//! included) and a node's patches. Each patch keeps the baseline's decision the node
//! reported with it, for the effective patches (`effective`).
//!
//! A report comes from a node, so it is hostile input: it is recorded only when it is
//! complete (header first, counts last), every text is cut to the model's lengths, and
//! the counts are recomputed from the items rather than trusted.

use super::store::{
    self, ComplianceOrder, ComplianceSelection, PatchRow, PatchSelection, StateRow, COUNT_COLUMNS,
};
use crate::commands::store::REPORT_STREAM;
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::{
    InstancePatch, InstancePatchState, ListQuery, NodePatchCompliance, Page,
    PatchComplianceSummary, PatchGroupState, Role,
};
use crate::{paging, Core};
use bosun_patch::{PatchCounts, PatchDeploymentStatus, PatchState};
use bosun_protocol::exec::{PatchOperation, PatchReportHeader, PatchReportLine, RebootOption};
use std::collections::BTreeMap;

/// Patches one node may report (a node has a few thousand packages at most).
const MAX_ITEMS: usize = 100_000;

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// AWS's spelling of a deployment status (`PatchDeploymentStatus`).
pub fn deployment_status_str(status: PatchDeploymentStatus) -> &'static str {
    match status {
        PatchDeploymentStatus::Approved => "APPROVED",
        PatchDeploymentStatus::PendingApproval => "PENDING_APPROVAL",
        PatchDeploymentStatus::ExplicitApproved => "EXPLICIT_APPROVED",
        PatchDeploymentStatus::ExplicitRejected => "EXPLICIT_REJECTED",
    }
}

/// Unix milliseconds at 00:00 UTC of `day`.
fn day_ms(day: time::Date) -> i64 {
    day.midnight().assume_utc().unix_timestamp() * 1000
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
                    deployment_status: i
                        .deployment_status
                        .map_or("", deployment_status_str)
                        .to_string(),
                    approval_date: i.approval_date.map(day_ms),
                    advisory_id: cut(i.advisory_id.as_deref().unwrap_or(""), 128),
                };
                items.insert(kb_id, row);
            }
            PatchReportLine::Counts(_) => ended = true,
            PatchReportLine::Header(_) => return None,
        }
    }
    ended.then(|| (header, items.into_values().collect(), counts))
}

/// Records the patch report of an invocation that ends in `tx`, if it sent a complete
/// one, so the node's patch state commits together with the invocation's end: whoever
/// sees the command end finds the state current. `tx` already holds the burst's own
/// output. Problems are logged, never raised: the invocation's outcome stands either
/// way, and a failed write is undone to a savepoint (PostgreSQL would otherwise refuse
/// the rest of the transaction).
pub async fn record_report(
    tx: &mut crate::db::Tx,
    invocation_id: &str,
    instance_id: &str,
    command_id: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("SAVEPOINT patch_report")
        .execute(&mut **tx)
        .await?;
    match try_record(tx, invocation_id, instance_id, command_id, now_ms).await {
        Ok(()) => {
            sqlx::query("RELEASE SAVEPOINT patch_report")
                .execute(&mut **tx)
                .await?;
        }
        Err(e) => {
            tracing::warn!(invocation_id, error = %e, "patch report not recorded");
            sqlx::query("ROLLBACK TO SAVEPOINT patch_report")
                .execute(&mut **tx)
                .await?;
            sqlx::query("RELEASE SAVEPOINT patch_report")
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

async fn try_record(
    tx: &mut crate::db::Tx,
    invocation_id: &str,
    instance_id: &str,
    command_id: &str,
    now_ms: i64,
) -> ServiceResult<()> {
    let mut text = String::new();
    let mut after = 0i64;
    loop {
        let rows = crate::commands::store::output(
            &mut **tx,
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
        instance_id: instance_id.to_string(),
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
        command_id: command_id.to_string(),
        invocation_id: invocation_id.to_string(),
        reported_at: now_ms,
        last_no_reboot_install_at: (header.operation == PatchOperation::Install
            && header.reboot_option == RebootOption::NoReboot)
            .then_some(header.operation_end),
    };
    store::put_state(tx, &state).await?;
    store::put_patches(tx, instance_id, &patches).await?;
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
        last_no_reboot_install_time: r.last_no_reboot_install_at,
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

/// The stored spelling (`INSTALLED_OTHER`) of a state written `Installed`, `INSTALLED`,
/// `installed_other` or `InstalledOther`; unknown names are kept (they match nothing).
fn state_spelling(name: &str) -> String {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = norm(name);
    PatchState::ALL
        .into_iter()
        .find(|st| norm(st.as_str()) == wanted)
        .map_or_else(|| name.to_string(), |st| st.as_str().to_string())
}

fn instance_patch(p: PatchRow) -> InstancePatch {
    InstancePatch {
        kb_id: p.kb_id,
        title: p.title,
        classification: p.classification,
        severity: p.severity,
        state: p.state,
        compliance_level: p.compliance_level,
        installed_time: p.installed_time,
        cve_ids: p.cve_ids,
    }
}

/// Checks that the node is registered (`InvalidInstanceId` otherwise).
async fn check_node(core: &Core, instance_id: &str) -> ServiceResult<()> {
    if crate::nodes::store::credentials(core.db().pool(), instance_id)
        .await?
        .is_none()
    {
        return Err(ServiceError::not_found(format!(
            "{instance_id} is not a registered managed node."
        ))
        .with_exception("InvalidInstanceId"));
    }
    Ok(())
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
    let mut selection = PatchSelection::default();
    for f in filters {
        let values = f.values.clone();
        match f.key.as_str() {
            "Classification" => selection.classifications.extend(values),
            "KBId" => selection.kb_ids.extend(values),
            "Severity" => selection
                .severities_lower
                .extend(values.iter().map(|v| v.to_lowercase())),
            "State" => selection
                .states
                .extend(values.iter().map(|v| state_spelling(v))),
            _ => {
                return Err(invalid_filter(format!(
                    "{:?} is not a filter key: use Classification, KBId, Severity or State.",
                    f.key
                )))
            }
        }
    }
    check_node(core, instance_id).await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 10..=100)?;
    let scope = format!("instance-patches:{instance_id}");
    let offset = paging::offset_of(&scope, next_token)?;
    let rows =
        store::patches_page(core.db().pool(), instance_id, &selection, limit + 1, offset).await?;
    let patches = rows.into_iter().map(instance_patch).collect();
    Ok(paging::split(patches, &scope, offset, limit))
}

/// A node's patches for the console (viewer): one page, with the total. Filters
/// `state` (`Missing`, `InstalledPendingReboot`, `INSTALLED_OTHER`…) and `q` (title
/// or KB id contains), by KB id.
pub async fn list_instance_patches(
    core: &Core,
    actor: &Actor,
    instance_id: &str,
    query: &ListQuery,
) -> ServiceResult<Page<InstancePatch>> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatches",
        &format!("managed-instance/{instance_id}"),
    )
    .await?;
    check_node(core, instance_id).await?;
    let selection = PatchSelection {
        states: query
            .filter("state")
            .map(|s| vec![state_spelling(s)])
            .unwrap_or_default(),
        text: query.q.clone(),
        ..PatchSelection::default()
    };
    let pool = core.db().pool();
    let total = store::count_patches(pool, instance_id, &selection).await?;
    let rows = store::patches_page(
        pool,
        instance_id,
        &selection,
        i64::from(query.per_page()),
        query.offset(),
    )
    .await?;
    Ok(Page {
        items: rows.into_iter().map(instance_patch).collect(),
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// The compliance dashboard's node list (viewer): every registered node — those that
/// never reported a patch state too, as not scanned — one page with the total.
/// Filters `status` (`compliant`, `non_compliant`, `not_scanned`), `group` (the
/// reported patch group) and `q` (node id or name contains); sorts `node` (default),
/// `name`, `missing`, `time`.
pub async fn list_node_patch_compliance(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<NodePatchCompliance>> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatchStates",
        "instancepatchstate/*",
    )
    .await?;
    let selection = ComplianceSelection {
        status: query.filter("status").map(str::to_string),
        patch_group: query.filter("group").map(str::to_string),
        text: query.q.clone(),
    };
    let order = match query.sort.as_deref() {
        Some("name") => ComplianceOrder::Name,
        Some("missing") => ComplianceOrder::Missing,
        Some("time") => ComplianceOrder::Time,
        _ => ComplianceOrder::Node,
    };
    let pool = core.db().pool();
    let total = store::count_compliance_nodes(pool, &selection).await?;
    let rows = store::compliance_nodes(
        pool,
        &selection,
        order,
        query.desc,
        i64::from(query.per_page()),
        query.offset(),
    )
    .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| NodePatchCompliance {
                instance_id: r.instance_id,
                name: r.name,
                ping_status: r.ping_status,
                platform_name: r.platform_name,
                platform_version: r.platform_version,
                state: r.state.map(state_of),
            })
            .collect(),
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// The compliance dashboard's totals over the registered nodes (viewer), and the patch
/// groups to offer for a scan: the registered ones and the ones nodes reported.
pub async fn patch_compliance_summary(
    core: &Core,
    actor: &Actor,
) -> ServiceResult<PatchComplianceSummary> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeInstancePatchStates",
        "instancepatchstate/*",
    )
    .await?;
    let pool = core.db().pool();
    let t = store::compliance_totals(pool).await?;
    let mut groups: std::collections::BTreeSet<String> =
        store::reported_groups(pool).await?.into_iter().collect();
    groups.extend(
        store::groups(pool)
            .await?
            .into_iter()
            .map(|g| g.patch_group),
    );
    Ok(PatchComplianceSummary {
        nodes: t.nodes,
        reporting: t.reporting,
        not_scanned: t.nodes - t.reporting,
        compliant: t.compliant,
        non_compliant: t.non_compliant,
        missing: t.missing,
        failed: t.failed,
        pending_reboot: t.pending_reboot,
        critical: t.critical,
        security: t.security,
        other: t.other,
        groups: groups.into_iter().collect(),
    })
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
            deployment_status: None,
            approval_date: None,
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
        assert_eq!(rows[1].deployment_status, "");
        assert_eq!(rows[1].approval_date, None);
    }

    #[test]
    fn the_baseline_s_decision_is_kept_with_each_patch() {
        let mut approved = item("openssl.x86_64", PatchState::Missing, true);
        approved.deployment_status = Some(PatchDeploymentStatus::Approved);
        approved.approval_date = Some(time::macros::date!(2024 - 03 - 01));
        approved.advisory_id = Some("RHSA-2024:1".into());
        let mut pending = item("curl.x86_64", PatchState::InstalledOther, true);
        pending.deployment_status = Some(PatchDeploymentStatus::PendingApproval);
        pending.approval_date = Some(time::macros::date!(2024 - 04 - 01));
        let t = text(&[
            PatchReportLine::Header(header()),
            PatchReportLine::Item(approved),
            PatchReportLine::Item(pending),
            PatchReportLine::Counts(PatchCounts::default()),
        ]);
        let (_, rows, counts) = parse(&t).unwrap();
        assert_eq!(counts.missing, 1);
        assert_eq!(
            (
                rows[0].kb_id.as_str(),
                rows[0].deployment_status.as_str(),
                rows[0].approval_date,
                rows[0].advisory_id.as_str()
            ),
            (
                "curl.x86_64",
                "PENDING_APPROVAL",
                Some(1_711_929_600_000),
                ""
            )
        );
        assert_eq!(
            (
                rows[1].deployment_status.as_str(),
                rows[1].approval_date,
                rows[1].advisory_id.as_str()
            ),
            ("APPROVED", Some(1_709_251_200_000), "RHSA-2024:1")
        );
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
        assert_eq!(state_spelling("InstalledOther"), "INSTALLED_OTHER");
        assert_eq!(
            state_spelling("installed_pending_reboot"),
            "INSTALLED_PENDING_REBOOT"
        );
        assert_eq!(state_spelling("Missing"), "MISSING");
        assert_eq!(state_spelling("Colour"), "Colour");
    }
}
