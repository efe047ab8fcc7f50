//! Fleet: every managed node with its ping status, refreshed live; counts by status;
//! filters by status, platform, tag and free text. Each node links to its page
//! (`pages/node.rs`: properties, tags, deregister).

use crate::components::format::datetime;
use crate::components::layout::PageHeader;
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect};
use crate::error::AppError;
use bosun_core::types::{ListQuery, ManagedNode, Page};
use leptos::prelude::*;

/// How often the Fleet page refreshes itself (status changes appear without reload).
pub const REFRESH_SECONDS: u64 = 3;

#[server(prefix = "/api", endpoint = "list_nodes", input = leptos::server_fn::codec::Json)]
pub async fn list_nodes(query: ListQuery) -> Result<Page<ManagedNode>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::nodes::list_nodes(&core, &actor, &query).await?)
}

/// Nodes by ping status, for the counters above the table.
#[server(prefix = "/api", endpoint = "node_counts")]
pub async fn node_counts() -> Result<Vec<(String, i64)>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::nodes::count_nodes_by_status(&core, &actor).await?)
}

const FILTERS: &[&str] = &["status", "platform", "tag"];

/// The dot and badge classes of a ping status.
pub fn status_badge(status: &str) -> (&'static str, &'static str) {
    match status {
        "Online" => ("status-dot ok", "badge badge-success"),
        "ConnectionLost" => ("status-dot bad", "badge badge-danger"),
        _ => ("status-dot off", "badge badge-muted"),
    }
}

#[component]
pub fn FleetPage() -> impl IntoView {
    let query = use_list_query(FILTERS);
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(REFRESH_SECONDS),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    let nodes = Resource::new(move || (query.get(), tick.get()), |(q, _)| list_nodes(q));
    let counts_data = Resource::new(move || tick.get(), |_| node_counts());

    let columns = vec![
        Column::new("status", "Status").sortable(),
        Column::new("name", "Name").sortable(),
        Column::new("id", "Node ID"),
        Column::new("platform", "Platform"),
        Column::new("ip", "IP address"),
        Column::new("agent", "Agent"),
        Column::new("last_ping", "Last ping").sortable(),
        Column::new("tags", "Tags"),
    ];
    let row = move |n: ManagedNode| {
        let (dot, badge) = status_badge(&n.ping_status);
        let platform = if n.platform_name.is_empty() {
            n.platform_type.clone()
        } else {
            format!("{} {}", n.platform_name, n.platform_version)
        };
        let tags = n
            .tags
            .iter()
            .map(|t| {
                view! {
                    <span class="tag"><span class="tag-key">{t.key.clone()}</span>"="{t.value.clone()}</span>
                }
            })
            .collect_view();
        let href = format!("/fleet/{}", n.instance_id);
        view! {
            <tr data-node=n.instance_id.clone()>
                <td><span class=dot aria-hidden="true"></span>" "<span class=badge data-testid="ping-status">{n.ping_status.clone()}</span></td>
                <td><a href=href>{n.name.clone()}</a></td>
                <td class="mono">{n.instance_id.clone()}</td>
                <td>{platform}</td>
                <td class="mono">{n.ip_addresses.first().cloned().unwrap_or_default()}</td>
                <td class="mono">{n.agent_version.clone()}</td>
                <td>{datetime(n.last_ping_at)}</td>
                <td class="wrap">{tags}</td>
            </tr>
        }
    };
    let counts = move || {
        counts_data.get().and_then(|r| r.ok()).map(|counts| {
            let get = |s: &str| counts.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0);
            let total: i64 = counts.iter().map(|(_, n)| n).sum();
            view! {
                <div class="stats">
                    <div class="stat"><div class="stat-label">"Nodes"</div><div class="stat-value" data-testid="count-total">{total}</div></div>
                    <div class="stat"><div class="stat-label">"Online"</div><div class="stat-value" data-testid="count-online">{get("Online")}</div></div>
                    <div class="stat"><div class="stat-label">"Connection lost"</div><div class="stat-value" data-testid="count-lost">{get("ConnectionLost")}</div></div>
                    <div class="stat"><div class="stat-label">"Inactive"</div><div class="stat-value" data-testid="count-inactive">{get("Inactive")}</div></div>
                </div>
            }
        })
    };
    view! {
        <PageHeader title="Fleet" subtitle="Managed nodes and their link to this server. The list refreshes itself." />
        <Transition fallback=|| ()>{counts}</Transition>
        <DataTable
            path="/fleet"
            label="Managed nodes"
            columns=columns
            query=query
            data=nodes
            row=row
            empty="No nodes match. Enrol machines with an activation."
            search_placeholder="Search name, id, host, IP"
            filters=move || view! {
                <FilterSelect name="status" label="Status" query=query options=vec![("Online", "Online"), ("ConnectionLost", "Connection lost"), ("Inactive", "Inactive")] />
                <FilterSelect name="platform" label="Platform" query=query options=vec![("Linux", "Linux"), ("Windows", "Windows"), ("MacOS", "macOS")] />
                <input type="text" name="tag" aria-label="Tag (key or key=value)" placeholder="tag key or key=value" value=move || query.get().filter("tag").map(str::to_string).unwrap_or_default() />
            }
        />
    }
}
