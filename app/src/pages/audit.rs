//! Audit log (admin): every change and refusal, filterable.

use crate::components::format::datetime_secs;
use crate::components::layout::{is_admin, Forbidden, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect};
use crate::error::AppError;
use bosun_core::types::{AuditEntry, ListQuery, Page};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_audit", input = leptos::server_fn::codec::Json)]
pub async fn list_audit(query: ListQuery) -> Result<Page<AuditEntry>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::audit::list(&core, &actor, &query).await?)
}

const FILTERS: &[&str] = &["outcome", "source", "actor", "action"];

#[component]
pub fn AuditPage() -> impl IntoView {
    if !is_admin() {
        return view! { <PageHeader title="Audit log" /><Forbidden /> }.into_any();
    }
    let query = use_list_query(FILTERS);
    let entries = Resource::new(move || query.get(), list_audit);
    let columns = vec![
        Column::new("id", "When").sortable(),
        Column::new("actor", "Who").sortable(),
        Column::new("source", "Via").sortable(),
        Column::new("client", "From"),
        Column::new("action", "Action").sortable(),
        Column::new("resource", "Resource"),
        Column::new("outcome", "Outcome").sortable(),
        Column::new("detail", "Detail"),
    ];
    let row = |e: AuditEntry| {
        let badge = match e.outcome.as_str() {
            "success" => "badge badge-success",
            "denied" => "badge badge-warning",
            _ => "badge badge-danger",
        };
        view! {
            <tr>
                <td>{datetime_secs(e.at)}</td>
                <td class="mono">{e.actor}</td>
                <td>{e.source}</td>
                <td class="mono">{e.client_addr}</td>
                <td>{e.action}</td>
                <td class="mono">{e.resource}</td>
                <td><span class=badge>{e.outcome}</span></td>
                <td class="wrap">{e.detail}</td>
            </tr>
        }
    };
    view! {
        <PageHeader title="Audit log" subtitle="Every change and every refusal, from the console, the API and the CLI." />
        <DataTable
            path="/audit"
            label="Audit log"
            columns=columns
            query=query
            data=entries
            row=row
            empty="No audit entries match."
            search_placeholder="Search who, action, resource"
            filters=move || view! {
                <FilterSelect name="outcome" label="Outcome" query=query options=vec![("success", "success"), ("denied", "denied"), ("failed", "failed")] />
                <FilterSelect name="source" label="Via" query=query options=vec![("console", "console"), ("api", "api"), ("cli", "cli"), ("system", "system")] />
            }
        />
    }
    .into_any()
}
