//! One node's patches (`/patch/nodes/:id`): its patch state as its last scan or install
//! reported it, Scan now / Install now for it, and a paged table of its patches with
//! state filters (Missing, Failed, InstalledPendingReboot, all) and search. Same
//! services as `DescribeInstancePatchStates`, `DescribeInstancePatches` and
//! `SendCommand`.

use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{list_href, parse_list_query, Pager};
use crate::error::AppError;
use crate::pages::patch::{baseline_href, node_patches_href, patch_state_badge};
use crate::pages::patch_compliance::{compliance_badge, OperationButtons, RunPatchBaseline};
use bosun_core::types::{InstancePatch, InstancePatchState, ListQuery, ManagedNode, Page};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// The node and its patch state (none before its first scan).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodePatchOverview {
    pub node: ManagedNode,
    pub state: Option<InstancePatchState>,
}

#[server(prefix = "/api", endpoint = "node_patch_summary")]
pub async fn node_patch_summary(instance_id: String) -> Result<NodePatchOverview, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let node = bosun_core::nodes::get_node(&core, &actor, &instance_id).await?;
    let (states, _) = bosun_core::patch::describe_instance_patch_states(
        &core,
        &actor,
        std::slice::from_ref(&instance_id),
        None,
        None,
    )
    .await?;
    Ok(NodePatchOverview {
        node,
        state: states.into_iter().find(|s| s.instance_id == instance_id),
    })
}

/// One page of the node's patches: `state` filter (Missing, Failed,
/// InstalledPendingReboot…) and `q` (title or KB id contains), by KB id.
#[server(prefix = "/api", endpoint = "node_patches", input = leptos::server_fn::codec::Json)]
pub async fn node_patches(
    instance_id: String,
    query: ListQuery,
) -> Result<Page<InstancePatch>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::patch::list_instance_patches(&core, &actor, &instance_id, &query).await?)
}

/// The state filters: label and value (empty: all).
const STATES: [(&str, &str); 4] = [
    ("Missing", "Missing"),
    ("Failed", "Failed"),
    ("Pending reboot", "InstalledPendingReboot"),
    ("All", ""),
];

#[component]
pub fn PatchNodePage() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| parse_list_query(m, &["state"])));
    let path = move || node_patches_href(&id());
    let summary = Resource::new(id, node_patch_summary);
    let patches = Resource::new(move || (id(), query.get()), |(id, q)| node_patches(id, q));
    let run = ServerAction::<RunPatchBaseline>::new();
    let run_error = crate::components::form::action_error(run.value());

    let header = move || {
        summary.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(NodePatchOverview { node, state }) => {
                let nid = node.instance_id.clone();
                let state_view = match state {
                    None => view! {
                        <p class="muted" data-testid="no-patch-state">"This node has not reported a patch state yet: scan it."</p>
                    }
                    .into_any(),
                    Some(s) => {
                        let (status, badge) = compliance_badge(&s);
                        view! {
                            <dl class="kv" data-testid="patch-state">
                                <dt>"Compliance"</dt><dd><span class=badge data-testid="node-compliance">{status}</span></dd>
                                <dt>"Patch group"</dt><dd data-testid="node-patch-group">{if s.patch_group.is_empty() { "—".to_string() } else { s.patch_group.clone() }}</dd>
                                <dt>"Baseline"</dt><dd><a class="mono" href=baseline_href(&s.baseline_id) data-testid="node-baseline">{s.baseline_id.clone()}</a></dd>
                                <dt>"Last operation"</dt><dd data-testid="node-operation">{s.operation.clone()}</dd>
                                <dt>"Started"</dt><dd>{datetime(Some(s.operation_start))}</dd>
                                <dt>"Ended"</dt><dd>{datetime(Some(s.operation_end))}</dd>
                                <dt>"Product"</dt><dd class="mono">{s.product.clone()}</dd>
                                <dt>"Reported by"</dt><dd class="mono">{s.invocation_id.clone()}</dd>
                            </dl>
                            <div class="stats">
                                <div class="stat"><div class="stat-label">"Installed"</div><div class="stat-value" data-testid="count-installed">{s.installed}</div></div>
                                <div class="stat"><div class="stat-label">"Installed other"</div><div class="stat-value">{s.installed_other}</div></div>
                                <div class="stat"><div class="stat-label">"Missing"</div><div class="stat-value" data-testid="count-missing">{s.missing}</div></div>
                                <div class="stat"><div class="stat-label">"Failed"</div><div class="stat-value" data-testid="count-failed">{s.failed}</div></div>
                                <div class="stat"><div class="stat-label">"Pending reboot"</div><div class="stat-value">{s.installed_pending_reboot}</div></div>
                                <div class="stat"><div class="stat-label">"Installed rejected"</div><div class="stat-value">{s.installed_rejected}</div></div>
                                <div class="stat"><div class="stat-label">"Not applicable"</div><div class="stat-value">{s.not_applicable}</div></div>
                            </div>
                        }
                        .into_any()
                    }
                };
                view! {
                    <section class="card" aria-labelledby="node-patch-state">
                        <div class="card-header">
                            <h2 class="card-title" id="node-patch-state">{node.name.clone()}</h2>
                            <a class="mono" href=format!("/fleet/{nid}")>{nid.clone()}</a>
                        </div>
                        <div class="card-body stack">
                            {state_view}
                            {operate.then(|| view! {
                                <ActionForm action=run attr:class="form">
                                    <crate::components::form::FormError error=run_error />
                                    <input type="hidden" name=format!("instance_ids[{nid}]") value=nid.clone() />
                                    <div class="btn-row"><OperationButtons /></div>
                                </ActionForm>
                            })}
                        </div>
                    </section>
                }
                .into_any()
            }
        })
    };

    let filters = move || {
        let q = query.get();
        let current = q.filter("state").unwrap_or_default().to_string();
        let p = path();
        STATES
            .iter()
            .map(|(label, value)| {
                let next = ListQuery {
                    filters: if value.is_empty() {
                        Vec::new()
                    } else {
                        vec![("state".to_string(), value.to_string())]
                    },
                    q: q.q.clone(),
                    ..Default::default()
                };
                let on = current.eq_ignore_ascii_case(value);
                view! {
                    <A href=list_href(&p, &next) attr:class="btn btn-sm" attr:aria-current=on.then_some("page")>{*label}</A>
                }
            })
            .collect_view()
    };
    let rows = move || {
        patches.get().map(|r| match r {
            Err(e) => view! { <tr><td colspan="7"><div class="table-error" role="alert">{e.message}</div></td></tr> }.into_any(),
            Ok(page) if page.items.is_empty() => view! {
                <tr><td colspan="7"><div class="table-empty"><p class="table-empty-title">"No patches match."</p></div></td></tr>
            }
            .into_any(),
            Ok(page) => page
                .items
                .into_iter()
                .map(|p| {
                    view! {
                        <tr data-kb=p.kb_id.clone()>
                            <td class="wrap">{p.title.clone()}</td>
                            <td class="mono">{p.kb_id.clone()}</td>
                            <td>{p.classification.clone()}</td>
                            <td>{p.severity.clone()}</td>
                            <td><span class=patch_state_badge(&p.state) data-testid="patch-state-badge">{p.state.clone()}</span></td>
                            <td>{datetime(p.installed_time)}</td>
                            <td class="wrap mono">{p.cve_ids.clone()}</td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    let pagination = move || {
        patches.get().and_then(|r| r.ok()).map(|page| {
            view! { <Pager path=path() query=query.get_untracked() page=page.page per_page=page.per_page total=page.total /> }
        })
    };
    view! {
        <PageHeader title="Node patches" subtitle="The node's patches as its last scan or install reported them." />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{header}</Transition>
        <section class="card" aria-labelledby="node-patch-list">
            <div class="card-header"><h2 class="card-title" id="node-patch-list">"Patches"</h2></div>
            <div class="card-body">
                <div class="table-toolbar">
                    <nav class="btn-row segmented" aria-label="Patch state">{filters}</nav>
                    <Form method="GET" action=path attr:class="table-filter" attr:role="search">
                        {move || query.get().filter("state").map(|s| view! { <input type="hidden" name="state" value=s.to_string() /> })}
                        <input type="search" name="q" aria-label="Title or KB ID contains" placeholder="Title or KB ID contains"
                            prop:value=move || query.get().q.unwrap_or_default() value=move || query.get().q.unwrap_or_default() />
                        <button type="submit" class="btn">"Apply"</button>
                    </Form>
                </div>
                <div class="table-scroll">
                    <table aria-label="Patches">
                        <thead>
                            <tr>
                                <th scope="col">"Title"</th>
                                <th scope="col">"KB ID"</th>
                                <th scope="col">"Classification"</th>
                                <th scope="col">"Severity"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Installed"</th>
                                <th scope="col">"CVEs"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <Transition fallback=|| view! { <tr><td colspan="7"><div class="spinner" aria-label="Loading"></div></td></tr> }>{rows}</Transition>
                        </tbody>
                    </table>
                </div>
                <Transition fallback=|| ()>{pagination}</Transition>
            </div>
        </section>
    }
}
