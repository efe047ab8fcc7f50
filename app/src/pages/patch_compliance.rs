//! Patch compliance (`/patch/compliance`): how the whole fleet stands (registered nodes,
//! those reporting and those never scanned, compliant or not, missing / failed /
//! pending-reboot totals, non-compliant nodes by severity class), a paged table of every
//! registered node with its patch state ("Not scanned" when it never reported one), and
//! Scan now / Install now for the selected nodes or a patch group — a Run Command of
//! `AWS-RunPatchBaseline`, whose page the console then shows. Same services as
//! `DescribeInstancePatchStates` (the console's fleet-wide reads beside it) and
//! `SendCommand`.

use crate::components::form::{action_error, FormError};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect, FilterText};
use crate::error::AppError;
use crate::pages::patch::{baseline_href, node_patches_href};
use bosun_core::types::{
    InstancePatchState, ListQuery, NodePatchCompliance, Page, PatchComplianceSummary,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The dashboard's totals over the registered nodes, and the patch groups to offer.
#[server(prefix = "/api", endpoint = "compliance_summary")]
pub async fn compliance_summary() -> Result<PatchComplianceSummary, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::patch::patch_compliance_summary(&core, &actor).await?)
}

/// One page of the registered nodes with their patch states (none: not scanned),
/// filtered (`status`: compliant / non_compliant / not_scanned, `group`, `q`: node id
/// or name contains) and sorted (`node`, `name`, `missing`, `time`).
#[server(prefix = "/api", endpoint = "compliance_nodes", input = leptos::server_fn::codec::Json)]
pub async fn compliance_nodes(query: ListQuery) -> Result<Page<NodePatchCompliance>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::patch::list_node_patch_compliance(&core, &actor, &query).await?)
}

/// Sends `AWS-RunPatchBaseline` with `Operation` = Scan or Install to the chosen nodes
/// (`instance_ids`: checkbox name → node id) or to the nodes tagged `Patch Group` =
/// `patch_group`, and goes to the command's page.
#[server(prefix = "/api", endpoint = "run_patch_baseline")]
pub async fn run_patch_baseline(
    operation: String,
    #[server(default)] instance_ids: BTreeMap<String, String>,
    #[server(default)] patch_group: String,
    #[server(default)] reboot_option: String,
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
            parameters: {
                let mut p = BTreeMap::from([("Operation".to_string(), vec![operation])]);
                // The document checks the value (NoReboot or RebootIfNeeded).
                if !reboot_option.is_empty() {
                    p.insert("RebootOption".to_string(), vec![reboot_option]);
                }
                p
            },
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

/// [`compliance_badge`], or "Not scanned" for a node that never reported a patch state.
pub fn node_compliance_badge(s: Option<&InstancePatchState>) -> (&'static str, &'static str) {
    s.map_or(("Not scanned", "badge badge-muted"), compliance_badge)
}

/// Scan now and Install now buttons (the submitter names the operation), with what an
/// Install does when patches need a reboot (no reboot unless asked).
#[component]
pub fn OperationButtons() -> impl IntoView {
    view! {
        <label class="inline-field">
            "After Install: "
            <select name="reboot_option" aria-label="After Install">
                <option value="NoReboot" selected=true>"Don't reboot"</option>
                <option value="RebootIfNeeded">"Reboot if needed"</option>
            </select>
        </label>
        <button type="submit" class="btn btn-primary" name="operation" value="Scan">"Scan now"</button>
        <button type="submit" class="btn" name="operation" value="Install">"Install now"</button>
    }
}

const FILTERS: &[&str] = &["status", "group"];

/// A number, or a dash for a node that has none to show.
fn count_or_dash(n: Option<i64>) -> String {
    n.map_or_else(|| "—".to_string(), |n| n.to_string())
}

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
            Ok(s) => view! {
                {(s.reporting == 0).then(|| view! {
                    <div class="card" data-testid="compliance-empty">
                        <div class="card-body table-empty">
                            <p class="table-empty-title">"No node has reported its patches yet."</p>
                            <p class="muted">{if s.nodes == 0 {
                                "Enrol nodes under Activations, then scan them here (or with AWS-RunPatchBaseline from Run Command) to see how they stand against their baselines."
                            } else {
                                "Scan nodes (below, or with AWS-RunPatchBaseline from Run Command) to see how they stand against their baselines."
                            }}</p>
                        </div>
                    </div>
                })}
                <div class="stats" data-testid="compliance-stats">
                    <div class="stat"><div class="stat-label">"Managed nodes"</div><div class="stat-value" data-testid="count-nodes">{s.nodes}</div></div>
                    <div class="stat"><div class="stat-label">"Nodes reporting"</div><div class="stat-value" data-testid="count-reporting">{s.reporting}</div></div>
                    <div class="stat"><div class="stat-label">"Not scanned"</div><div class="stat-value" data-testid="count-not-scanned">{s.not_scanned}</div></div>
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
    let row = move |n: NodePatchCompliance| {
        let (status, badge) = node_compliance_badge(n.state.as_ref());
        let id = n.instance_id.clone();
        let select = format!("Select {id}");
        let st = n.state.clone();
        let count = move |f: fn(&InstancePatchState) -> i64| count_or_dash(st.as_ref().map(f));
        let (group, baseline, operation) = match &n.state {
            Some(s) => (
                if s.patch_group.is_empty() { "—".to_string() } else { s.patch_group.clone() },
                view! { <a class="mono" href=baseline_href(&s.baseline_id)>{s.baseline_id.clone()}</a> }.into_any(),
                view! { {s.operation.clone()}<div class="muted">{datetime(Some(s.operation_end))}</div> }.into_any(),
            ),
            None => (
                "—".to_string(),
                view! { <span class="muted">"—"</span> }.into_any(),
                view! { <span class="muted">"Never scanned"</span> }.into_any(),
            ),
        };
        view! {
            <tr data-node=id.clone()>
                {operate.then(|| view! {
                    <td><input type="checkbox" form=SELECTED_FORM name=format!("instance_ids[{id}]") value=id.clone() aria-label=select /></td>
                })}
                <td>
                    <a class="mono" href=format!("/fleet/{id}")>{id.clone()}</a>
                    <div class="muted">{n.name.clone()}</div>
                    <div><a href=node_patches_href(&id)>"Patches"</a></div>
                </td>
                <td>{group}</td>
                <td>{baseline}</td>
                <td>{operation}</td>
                <td class="num">{count(|s| s.installed + s.installed_other)}</td>
                <td class="num" data-testid="node-missing">{count(|s| s.missing)}</td>
                <td class="num">{count(|s| s.failed)}</td>
                <td class="num">{count(|s| s.installed_pending_reboot)}</td>
                <td><span class=badge data-testid="node-compliance">{status}</span></td>
            </tr>
        }
    };

    view! {
        <PageHeader title="Patch compliance" subtitle="How the managed nodes stand against their baselines, as their last scan or install reported; nodes never scanned are listed too." />
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
                    <p class="field-hint">"Runs AWS-RunPatchBaseline through Run Command with each node's baseline (its patch group's, else its operating system's default). Install upgrades each node's approved patches to the versions its scan found; with Reboot if needed it reboots nodes whose patches wait for one, and the command finishes when they are back."</p>
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
            empty="No node matches."
            search_placeholder="Node ID or name contains"
            filters=move || view! {
                <FilterSelect name="status" label="Compliance" query=query options=vec![("compliant", "Compliant"), ("non_compliant", "Non-compliant"), ("not_scanned", "Not scanned")] />
                <FilterText name="group" label="Patch group" query=query />
            }
        />
    }
}
