//! Patch baselines (`/patch/baselines`): every baseline, predefined and custom, with
//! its operating system, description, whether it is its system's default and its
//! owner; filters by owner, operating system and name prefix. Same service as
//! `DescribePatchBaselines`.

use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect};
use crate::error::AppError;
use crate::pages::patch::{baseline_href, os_label, os_options};
use bosun_core::types::{ListQuery, Page, PatchBaselineIdentity};
use leptos::prelude::*;

/// One page of the baselines matching the table's filters: `owner` (AWS, Self), `os`
/// and `q` (name prefix), in the service's order (predefined first).
#[server(prefix = "/api", endpoint = "list_patch_baselines", input = leptos::server_fn::codec::Json)]
pub async fn list_patch_baselines(
    query: ListQuery,
) -> Result<Page<PatchBaselineIdentity>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::patch::list_patch_baselines(&core, &actor, &query).await?)
}

const FILTERS: &[&str] = &["owner", "os"];

#[component]
pub fn PatchBaselinesPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(FILTERS);
    let data = Resource::new(move || query.get(), list_patch_baselines);
    let columns = vec![
        Column::new("name", "Name"),
        Column::new("os", "Operating system"),
        Column::new("description", "Description"),
        Column::new("default", "Default"),
        Column::new("owner", "Owner"),
    ];
    let row = move |b: PatchBaselineIdentity| {
        view! {
            <tr data-baseline=b.baseline_id.clone() data-name=b.name.clone()>
                <td><a href=baseline_href(&b.baseline_id)>{b.name.clone()}</a><div class="muted mono">{b.baseline_id.clone()}</div></td>
                <td>{os_label(b.operating_system)}</td>
                <td class="wrap">{b.description.clone().unwrap_or_default()}</td>
                <td data-testid="default-cell">
                    {b.default_baseline.then(|| view! { <span class="badge badge-success" title="The default baseline for its operating system">"✓ Default"</span> })}
                </td>
                <td>{if b.predefined { "AWS" } else { "Self" }}</td>
            </tr>
        }
    };
    let os_choices: Vec<(&'static str, &'static str)> = os_options()
        .into_iter()
        .map(|o| (o.as_str(), os_label(o)))
        .collect();
    view! {
        <PageHeader title="Patch baselines" subtitle="Which patches are approved, per operating system: the predefined AWS baselines and your own.">
            {operate.then(|| view! { <a class="btn btn-primary" href="/patch/baselines/new">"Create baseline"</a> })}
        </PageHeader>
        <DataTable
            path="/patch/baselines"
            label="Patch baselines"
            columns=columns
            query=query
            data=data
            row=row
            empty="No baselines match."
            search_placeholder="Name begins with"
            filters=move || view! {
                <FilterSelect name="owner" label="Owner" query=query options=vec![("AWS", "AWS (predefined)"), ("Self", "Self (custom)")] />
                <FilterSelect name="os" label="Operating system" query=query options=os_choices.clone() />
            }
        />
    }
}
