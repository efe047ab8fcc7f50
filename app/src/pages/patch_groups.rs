//! Patch groups (`/patch/groups`): every registration of a baseline for a patch group
//! (one per operating system), with how the group's nodes stand (DescribePatchGroupState),
//! a form that registers a baseline for a group and a deregister action per row. A
//! node's patch group is the value of its `Patch Group` (or `PatchGroup`) tag. Same
//! services as `DescribePatchGroups`, `DescribePatchGroupState`,
//! `RegisterPatchBaselineForPatchGroup` and `DeregisterPatchBaselineForPatchGroup`.

use crate::components::form::{action_error, Field, FormError};
use crate::components::layout::{can_operate, PageHeader};
use crate::components::toast::toast_action;
use crate::error::AppError;
use crate::pages::patch::{baseline_href, os_label};
use bosun_core::types::{ListQuery, PatchGroupMapping, PatchGroupState};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// One registration and how its group's nodes stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchGroupRow {
    pub mapping: PatchGroupMapping,
    pub state: PatchGroupState,
}

/// Every registration (optionally only groups whose name begins with `prefix`), with
/// each group's state.
#[server(prefix = "/api", endpoint = "list_patch_groups")]
pub async fn list_patch_groups(prefix: String) -> Result<Vec<PatchGroupRow>, AppError> {
    use crate::pages::patch::ssr::drain;
    use bosun_core::patch::{
        describe_patch_group_state, describe_patch_groups, OrchestratorFilter,
    };
    let (core, actor) = crate::ssr::actor()?;
    let filters: Vec<OrchestratorFilter> = Some(prefix.trim())
        .filter(|p| !p.is_empty())
        .map(|p| OrchestratorFilter {
            key: "NAME_PREFIX".into(),
            values: vec![p.to_string()],
        })
        .into_iter()
        .collect();
    let (c, a, f) = (&core, &actor, &filters);
    let mappings = drain(|token| async move {
        describe_patch_groups(c, a, f, Some(100), token.as_deref()).await
    })
    .await?;
    let mut states: std::collections::BTreeMap<String, PatchGroupState> = Default::default();
    for m in &mappings {
        if !states.contains_key(&m.patch_group) {
            let s = describe_patch_group_state(&core, &actor, &m.patch_group).await?;
            states.insert(m.patch_group.clone(), s);
        }
    }
    Ok(mappings
        .into_iter()
        .map(|mapping| PatchGroupRow {
            state: states
                .get(&mapping.patch_group)
                .cloned()
                .unwrap_or_default(),
            mapping,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "register_patch_group")]
pub async fn register_patch_group(
    patch_group: String,
    baseline_id: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    if baseline_id.is_empty() {
        return Err(AppError::invalid("baseline_id", "Choose a baseline."));
    }
    bosun_core::patch::register_patch_baseline_for_patch_group(
        &core,
        &actor,
        &baseline_id,
        patch_group.trim(),
    )
    .await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "deregister_patch_group")]
pub async fn deregister_patch_group(
    patch_group: String,
    baseline_id: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::patch::deregister_patch_baseline_for_patch_group(
        &core,
        &actor,
        &baseline_id,
        &patch_group,
    )
    .await?;
    Ok(())
}

#[component]
pub fn PatchGroupsPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_query_map();
    let prefix = move || query.with(|q| q.get("q").unwrap_or_default());
    let register = ServerAction::<RegisterPatchGroup>::new();
    let deregister = ServerAction::<DeregisterPatchGroup>::new();
    toast_action(register, "Patch group registered.");
    toast_action(deregister, "Patch group deregistered.");
    let rows = Resource::new(
        move || {
            (
                prefix(),
                register.version().get(),
                deregister.version().get(),
            )
        },
        |(p, ..)| list_patch_groups(p),
    );
    let baselines = Resource::new(
        || (),
        |_| {
            crate::pages::patch_baselines::list_patch_baselines(ListQuery {
                per_page: ListQuery::MAX_PER_PAGE,
                ..Default::default()
            })
        },
    );
    let error = action_error(register.value());
    let baseline_message = move || error.get().and_then(|e| e.for_field("baseline_id"));

    let table = move || {
        rows.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(list) if list.is_empty() => view! {
                <div class="table-empty"><p class="table-empty-title">"No patch groups are registered."</p>
                <p class="muted">"Nodes in no registered group use their operating system's default baseline."</p></div>
            }
            .into_any(),
            Ok(list) => {
                let body = list
                    .into_iter()
                    .map(|row| {
                        let m = row.mapping;
                        let s = row.state;
                        let aria = format!("Deregister {} from {}", m.patch_group, m.baseline.name);
                        let (group, bid) = (m.patch_group.clone(), m.baseline.baseline_id.clone());
                        view! {
                            <tr data-group=m.patch_group.clone() data-os=m.baseline.operating_system.as_str()>
                                <td class="mono">{m.patch_group.clone()}</td>
                                <td>{os_label(m.baseline.operating_system)}</td>
                                <td><a href=baseline_href(&m.baseline.baseline_id)>{m.baseline.name.clone()}</a></td>
                                <td class="num" data-testid="group-nodes">{s.instances}</td>
                                <td class="num">{s.with_missing}</td>
                                <td class="num">{s.with_failed}</td>
                                <td class="num">{s.with_installed_pending_reboot}</td>
                                <td class="num">{s.with_critical_non_compliant}</td>
                                <td class="num">{s.with_security_non_compliant}</td>
                                <td class="num">{s.with_other_non_compliant}</td>
                                <td>
                                    {operate.then(|| view! {
                                        <ActionForm action=deregister attr:class="inline-form">
                                            <input type="hidden" name="patch_group" value=group.clone() />
                                            <input type="hidden" name="baseline_id" value=bid.clone() />
                                            <button type="submit" class="btn btn-sm" aria-label=aria>"Deregister"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="table-scroll">
                        <table class="table" aria-label="Patch groups">
                            <thead>
                                <tr>
                                    <th scope="col">"Patch group"</th>
                                    <th scope="col">"Operating system"</th>
                                    <th scope="col">"Baseline"</th>
                                    <th scope="col" class="num">"Nodes"</th>
                                    <th scope="col" class="num">"With missing"</th>
                                    <th scope="col" class="num">"With failed"</th>
                                    <th scope="col" class="num">"Pending reboot"</th>
                                    <th scope="col" class="num">"Critical non-compliant"</th>
                                    <th scope="col" class="num">"Security non-compliant"</th>
                                    <th scope="col" class="num">"Other non-compliant"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }
        })
    };
    let options = move || {
        baselines.get().map(|r| match r {
            Err(_) => ().into_any(),
            Ok(page) => page
                .items
                .into_iter()
                .map(|b| {
                    let text = format!("{} — {}", b.name, os_label(b.operating_system));
                    view! { <option value=b.baseline_id.clone()>{text}</option> }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! {
        <PageHeader title="Patch groups" subtitle="A patch group is the value of a node's Patch Group tag; each group takes one baseline per operating system." />
        <section class="card" aria-labelledby="groups-list">
            <div class="card-header">
                <h2 class="card-title" id="groups-list">"Registrations"</h2>
                <leptos_router::components::Form method="GET" action="/patch/groups" attr:class="table-filter" attr:role="search">
                    <input type="search" name="q" aria-label="Group begins with" placeholder="Group begins with"
                        prop:value=prefix value=prefix />
                    <button type="submit" class="btn btn-sm">"Apply"</button>
                </leptos_router::components::Form>
            </div>
            <div class="card-body">
                <Transition fallback=|| view! { <div class="spinner" aria-label="Loading"></div> }>{table}</Transition>
                <p class="field-hint">"Counts are of the group's nodes that reported a patch state: how many have missing, failed, pending-reboot and non-compliant patches."</p>
            </div>
        </section>
        {operate.then(|| view! {
            <section class="card" aria-labelledby="groups-register">
                <div class="card-header"><h2 class="card-title" id="groups-register">"Register a patch group"</h2></div>
                <div class="card-body">
                    <ActionForm action=register attr:class="form form-inline" attr:aria-label="Register a patch group">
                        <FormError error=error />
                        <Field label="Patch group" name="patch_group" required=true maxlength=256 autocomplete="off" error=error />
                        <div class="field">
                            <label for="field-baseline_id">"Baseline"</label>
                            <select id="field-baseline_id" name="baseline_id" required=true
                                aria-invalid=move || baseline_message().map(|_| "true") aria-describedby="field-baseline_id-error">
                                <option value="">"Choose a baseline"</option>
                                <Transition fallback=|| ()>{options}</Transition>
                            </select>
                            <p class="field-error" id="field-baseline_id-error" role="alert">{baseline_message}</p>
                        </div>
                        <button type="submit" class="btn btn-primary">"Register"</button>
                    </ActionForm>
                    <p class="field-hint">"The baseline serves the group's nodes of its operating system. Tag nodes with Patch Group = the group's name."</p>
                </div>
            </section>
        })}
    }
}
