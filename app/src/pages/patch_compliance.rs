//! Patch compliance (`/patch/compliance`): how the nodes that reported a patch state
//! stand (compliant or not, missing / failed / pending-reboot totals, non-compliant
//! nodes by severity class), a table of those nodes, and Scan now / Install now for the
//! selected nodes or a patch group — a Run Command of `AWS-RunPatchBaseline`, whose page
//! the console then shows. Same services as `DescribeInstancePatchStates` (the
//! console's complete read), `DescribePatchGroups` and `SendCommand`.

use crate::components::form::{action_error, FormError};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect, FilterText};
use crate::error::AppError;
use crate::pages::patch::{baseline_href, node_patches_href};
use bosun_core::types::{InstancePatchState, ListQuery, Page};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The dashboard's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceCounts {
    /// Nodes that reported a patch state.
    pub reporting: i64,
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
    /// Registered patch groups and the groups nodes reported (for the scan form).
    pub groups: Vec<String>,
}

#[server(prefix = "/api", endpoint = "compliance_summary")]
pub async fn compliance_summary() -> Result<ComplianceCounts, AppError> {
    use crate::pages::patch::ssr::drain;
    let (core, actor) = crate::ssr::actor()?;
    let states = bosun_core::patch::list_instance_patch_states(&core, &actor).await?;
    let mut s = ComplianceCounts::default();
    let mut groups = std::collections::BTreeSet::new();
    for st in &states {
        s.reporting += 1;
        if st.non_compliant() == 0 {
            s.compliant += 1;
        } else {
            s.non_compliant += 1;
        }
        s.missing += st.missing;
        s.failed += st.failed;
        s.pending_reboot += st.installed_pending_reboot;
        s.critical += i64::from(st.critical_non_compliant > 0);
        s.security += i64::from(st.security_non_compliant > 0);
        s.other += i64::from(st.other_non_compliant > 0);
        if !st.patch_group.is_empty() {
            groups.insert(st.patch_group.clone());
        }
    }
    let (c, a) = (&core, &actor);
    let registered = drain(|token| async move {
        bosun_core::patch::describe_patch_groups(c, a, &[], Some(100), token.as_deref()).await
    })
    .await?;
    groups.extend(registered.into_iter().map(|m| m.patch_group));
    s.groups = groups.into_iter().collect();
    Ok(s)
}

/// The reporting nodes' states, filtered (`status`: compliant / non_compliant, `group`,
/// `q`: node id contains) and sorted (`node`, `missing`, `time`).
#[server(prefix = "/api", endpoint = "compliance_nodes", input = leptos::server_fn::codec::Json)]
pub async fn compliance_nodes(query: ListQuery) -> Result<Page<InstancePatchState>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let mut states = bosun_core::patch::list_instance_patch_states(&core, &actor).await?;
    let status = query.filter("status").unwrap_or_default();
    let group = query.filter("group").unwrap_or_default();
    let text = query.q.as_deref().unwrap_or_default().to_ascii_lowercase();
    states.retain(|s| {
        let ok = s.non_compliant() == 0;
        (status.is_empty() || (status == "compliant") == ok)
            && (group.is_empty() || s.patch_group == group)
            && (text.is_empty() || s.instance_id.to_ascii_lowercase().contains(&text))
    });
    match query.sort.as_deref() {
        Some("missing") => states.sort_by_key(|s| (s.missing, s.failed)),
        Some("time") => states.sort_by_key(|s| s.operation_end),
        _ => states.sort_by(|a, b| a.instance_id.cmp(&b.instance_id)),
    }
    if query.desc {
        states.reverse();
    }
    Ok(crate::pages::patch::ssr::page_of(states, &query))
}

/// Sends `AWS-RunPatchBaseline` with `Operation` = Scan or Install to the chosen nodes
/// (`instance_ids`: checkbox name → node id) or to the nodes tagged `Patch Group` =
/// `patch_group`, and goes to the command's page.
#[server(prefix = "/api", endpoint = "run_patch_baseline")]
pub async fn run_patch_baseline(
    operation: String,
    #[server(default)] instance_ids: BTreeMap<String, String>,
    #[server(default)] patch_group: String,
) -> Result<(), AppError> {
    use bosun_core::commands::{send_command, SendCommand};
    use bosun_core::types::CommandTarget;
    let (core, actor) = crate::ssr::actor()?;
    let ids: Vec<String> = instance_ids.into_values().collect();
    let group = patch_group.trim().to_string();
    let (targets, comment) = if !group.is_empty() {
        (
            vec![CommandTarget {
                key: format!("tag:{}", bosun_core::patch::PATCH_GROUP_TAG_KEYS[0]),
                values: vec![group.clone()],
            }],
            format!("Patch Manager: {operation} of patch group {group}"),
        )
    } else if ids.is_empty() {
        return Err(AppError::new(
            bosun_core::types::ErrorKind::Validation,
            "Select at least one node in the table first.",
        ));
    } else {
        (
            Vec::new(),
            format!("Patch Manager: {operation} of {} node(s)", ids.len()),
        )
    };
    let c = send_command(
        &core,
        &actor,
        SendCommand {
            document_name: "AWS-RunPatchBaseline".into(),
            document_version: None,
            instance_ids: if group.is_empty() { ids } else { Vec::new() },
            targets,
            parameters: BTreeMap::from([("Operation".to_string(), vec![operation])]),
            timeout_seconds: None,
            comment: Some(comment.chars().take(100).collect()),
            max_concurrency: None,
            max_errors: None,
        },
    )
    .await?;
    leptos_axum::redirect(&format!("/commands/{}", c.command_id));
    Ok(())
}

/// The form id the table's checkboxes belong to.
const SELECTED_FORM: &str = "patch-run-selected";

/// "Compliant", "Non-compliant" and the badge class.
pub fn compliance_badge(s: &InstancePatchState) -> (&'static str, &'static str) {
    if s.non_compliant() == 0 {
        ("Compliant", "badge badge-success")
    } else {
        ("Non-compliant", "badge badge-danger")
    }
}

/// Scan now and Install now buttons (the submitter names the operation).
#[component]
pub fn OperationButtons() -> impl IntoView {
    view! {
        <button type="submit" class="btn btn-primary" name="operation" value="Scan">"Scan now"</button>
        <button type="submit" class="btn" name="operation" value="Install">"Install now"</button>
    }
}

const FILTERS: &[&str] = &["status", "group"];

#[component]
pub fn PatchCompliancePage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(FILTERS);
    let summary = Resource::new(|| (), |_| compliance_summary());
    let data = Resource::new(move || query.get(), compliance_nodes);
    let run_selected = ServerAction::<RunPatchBaseline>::new();
    let run_group = ServerAction::<RunPatchBaseline>::new();
    let selected_error = action_error(run_selected.value());
    let group_error = action_error(run_group.value());

    let stats = move || {
        summary.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(s) if s.reporting == 0 => view! {
                <div class="card" data-testid="compliance-empty">
                    <div class="card-body table-empty">
                        <p class="table-empty-title">"No node has reported its patches yet."</p>
                        <p class="muted">"Scan nodes (below, or with AWS-RunPatchBaseline from Run Command) to see how they stand against their baselines."</p>
                    </div>
                </div>
            }
            .into_any(),
            Ok(s) => view! {
                <div class="stats" data-testid="compliance-stats">
                    <div class="stat"><div class="stat-label">"Nodes reporting"</div><div class="stat-value" data-testid="count-reporting">{s.reporting}</div></div>
                    <div class="stat"><div class="stat-label">"Compliant"</div><div class="stat-value" data-testid="count-compliant">{s.compliant}</div></div>
                    <div class="stat"><div class="stat-label">"Non-compliant"</div><div class="stat-value" data-testid="count-non-compliant">{s.non_compliant}</div></div>
                    <div class="stat"><div class="stat-label">"Missing patches"</div><div class="stat-value" data-testid="count-missing">{s.missing}</div></div>
                    <div class="stat"><div class="stat-label">"Failed patches"</div><div class="stat-value" data-testid="count-failed">{s.failed}</div></div>
                    <div class="stat"><div class="stat-label">"Pending reboot"</div><div class="stat-value" data-testid="count-pending-reboot">{s.pending_reboot}</div></div>
                </div>
                <h2 class="section-title">"Non-compliant nodes by severity"</h2>
                <div class="stats">
                    <div class="stat"><div class="stat-label">"Critical"</div><div class="stat-value" data-testid="count-critical">{s.critical}</div></div>
                    <div class="stat"><div class="stat-label">"Security"</div><div class="stat-value" data-testid="count-security">{s.security}</div></div>
                    <div class="stat"><div class="stat-label">"Other"</div><div class="stat-value" data-testid="count-other">{s.other}</div></div>
                </div>
            }
            .into_any(),
        })
    };
    let group_options = move || {
        summary.get().and_then(|r| r.ok()).map(|s| {
            s.groups
                .into_iter()
                .map(|g| view! { <option value=g.clone()></option> })
                .collect_view()
        })
    };

    let mut columns = Vec::new();
    if operate {
        columns.push(Column::new("select", "Select"));
    }
    columns.extend([
        Column::new("node", "Node").sortable(),
        Column::new("group", "Patch group"),
        Column::new("baseline", "Baseline"),
        Column::new("time", "Last operation").sortable(),
        Column::new("installed", "Installed").class("num"),
        Column::new("missing", "Missing").sortable().class("num"),
        Column::new("failed", "Failed").class("num"),
        Column::new("reboot", "Pending reboot").class("num"),
        Column::new("status", "Compliance"),
    ]);
    let row = move |s: InstancePatchState| {
        let (status, badge) = compliance_badge(&s);
        let id = s.instance_id.clone();
        let select = format!("Select {id}");
        view! {
            <tr data-node=id.clone()>
                {operate.then(|| view! {
                    <td><input type="checkbox" form=SELECTED_FORM name=format!("instance_ids[{id}]") value=id.clone() aria-label=select /></td>
                })}
                <td>
                    <a class="mono" href=format!("/fleet/{id}")>{id.clone()}</a>
                    <div><a href=node_patches_href(&id)>"Patches"</a></div>
                </td>
                <td>{if s.patch_group.is_empty() { "—".to_string() } else { s.patch_group.clone() }}</td>
                <td><a class="mono" href=baseline_href(&s.baseline_id)>{s.baseline_id.clone()}</a></td>
                <td>{s.operation.clone()}<div class="muted">{datetime(Some(s.operation_end))}</div></td>
                <td class="num">{s.installed + s.installed_other}</td>
                <td class="num" data-testid="node-missing">{s.missing}</td>
                <td class="num">{s.failed}</td>
                <td class="num">{s.installed_pending_reboot}</td>
                <td><span class=badge data-testid="node-compliance">{status}</span></td>
            </tr>
        }
    };

    view! {
        <PageHeader title="Patch compliance" subtitle="How the nodes stand against their baselines, as their last scan or install reported." />
        <Transition fallback=|| view! { <div class="spinner" aria-label="Loading"></div> }>{stats}</Transition>
        {operate.then(|| view! {
            <section class="card" aria-labelledby="patch-run">
                <div class="card-header"><h2 class="card-title" id="patch-run">"Scan or install"</h2></div>
                <div class="card-body grid-2">
                    <fieldset>
                        <legend>"Selected nodes"</legend>
                        <ActionForm action=run_selected attr:id=SELECTED_FORM attr:class="form">
                            <FormError error=selected_error />
                            <p class="field-hint">"The nodes checked in the table below."</p>
                            <div class="btn-row"><OperationButtons /></div>
                        </ActionForm>
                    </fieldset>
                    <fieldset>
                        <legend>"Patch group"</legend>
                        <ActionForm action=run_group attr:class="form">
                            <FormError error=group_error />
                            <div class="field">
                                <label for="run-patch-group">"Patch group"</label>
                                <input id="run-patch-group" name="patch_group" type="text" required=true list="patch-group-names" autocomplete="off" />
                                <datalist id="patch-group-names"><Transition fallback=|| ()>{group_options}</Transition></datalist>
                                <p class="field-hint">"Every node tagged Patch Group with this value."</p>
                            </div>
                            <div class="btn-row"><OperationButtons /></div>
                        </ActionForm>
                    </fieldset>
                </div>
                <div class="card-footer">
                    <p class="field-hint">"Runs AWS-RunPatchBaseline through Run Command with each node's baseline (its patch group's, else its operating system's default). Install is not available on the agent yet: it reports that and changes nothing."</p>
                </div>
            </section>
        })}
        <DataTable
            path="/patch/compliance"
            label="Nodes' patch compliance"
            columns=columns
            query=query
            data=data
            row=row
            empty="No node matches. Nodes appear here once they have been scanned."
            search_placeholder="Node ID contains"
            filters=move || view! {
                <FilterSelect name="status" label="Compliance" query=query options=vec![("compliant", "Compliant"), ("non_compliant", "Non-compliant")] />
                <FilterText name="group" label="Patch group" query=query />
            }
        />
    }
}
