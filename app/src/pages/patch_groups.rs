//! Patch groups (`/patch/groups`): the registrations of baselines for patch groups (one
//! per operating system), a page at a time, with how each group's nodes stand
//! (DescribePatchGroupState),
//! a form that registers a baseline for a group and a deregister action per row. A
//! node's patch group is the value of its `Patch Group` (or `PatchGroup`) tag. Same
//! services as `DescribePatchGroups`, `DescribePatchGroupState`,
//! `RegisterPatchBaselineForPatchGroup` and `DeregisterPatchBaselineForPatchGroup`.

use crate::components::form::{action_error, Field, FormError};
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable};
use crate::components::toast::toast_action;
use crate::error::AppError;
use crate::pages::patch::{baseline_href, os_label};
use bosun_core::types::{ListQuery, Page, PatchGroupMapping, PatchGroupState};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One registration and how its group's nodes stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchGroupRow {
    pub mapping: PatchGroupMapping,
    pub state: PatchGroupState,
}

/// One page of the registrations (`q`: groups whose name begins with it), with each
/// group's state.
#[server(prefix = "/api", endpoint = "list_patch_groups", input = leptos::server_fn::codec::Json)]
pub async fn list_patch_groups(query: ListQuery) -> Result<Page<PatchGroupRow>, AppError> {
    use bosun_core::patch::{describe_patch_group_state, list_patch_groups};
    let (core, actor) = crate::ssr::actor()?;
    let page = list_patch_groups(&core, &actor, &query).await?;
    // A group registered for several operating systems shows once per registration,
    // with one state: read it once.
    let mut states: std::collections::BTreeMap<String, PatchGroupState> = Default::default();
    for m in &page.items {
        if !states.contains_key(&m.patch_group) {
            let s = describe_patch_group_state(&core, &actor, &m.patch_group).await?;
            states.insert(m.patch_group.clone(), s);
        }
    }
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|mapping| PatchGroupRow {
                state: states
                    .get(&mapping.patch_group)
                    .cloned()
                    .unwrap_or_default(),
                mapping,
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
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
    let query = use_list_query(&[]);
    let register = ServerAction::<RegisterPatchGroup>::new();
    let deregister = ServerAction::<DeregisterPatchGroup>::new();
    toast_action(register, "Patch group registered.");
    toast_action(deregister, "Patch group deregistered.");
    let rows = Resource::new(
        move || {
            (
                query.get(),
                register.version().get(),
                deregister.version().get(),
            )
        },
        |(q, ..)| list_patch_groups(q),
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

    let columns = vec![
        Column::new("group", "Patch group"),
        Column::new("os", "Operating system"),
        Column::new("baseline", "Baseline"),
        Column::new("nodes", "Nodes").class("num"),
        Column::new("missing", "With missing").class("num"),
        Column::new("failed", "With failed").class("num"),
        Column::new("reboot", "Pending reboot").class("num"),
        Column::new("critical", "Critical non-compliant").class("num"),
        Column::new("security", "Security non-compliant").class("num"),
        Column::new("other", "Other non-compliant").class("num"),
        Column::new("actions", "Actions"),
    ];
    let row = move |row: PatchGroupRow| {
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
        <DataTable
            path="/patch/groups"
            label="Patch groups"
            columns=columns
            query=query
            data=rows
            row=row
            empty="No patch groups match. Nodes in no registered group use their operating system's default baseline."
            search_placeholder="Group begins with"
        />
        <p class="field-hint">"Counts are of the group's nodes that reported a patch state: how many have missing, failed, pending-reboot and non-compliant patches."</p>
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
