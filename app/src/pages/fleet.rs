//! Fleet: every managed node with its ping status, refreshed live; counts by status;
//! filters by status, platform, tag and free text; deregister and tags per node.

use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect};
use crate::components::toast::toast_result;
use crate::error::AppError;
use bosun_core::types::{ListQuery, ManagedNode, Page};
use leptos::form::ActionForm;
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

#[server(prefix = "/api", endpoint = "deregister_node")]
pub async fn deregister_node(instance_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::nodes::deregister_managed_instance(&core, &actor, &instance_id).await?)
}

#[server(prefix = "/api", endpoint = "tag_node")]
pub async fn tag_node(instance_id: String, key: String, value: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let tag = bosun_core::types::Tag {
        key: key.trim().to_string(),
        value: value.trim().to_string(),
    };
    Ok(bosun_core::tags::add_tags_to_resource(
        &core,
        &actor,
        bosun_core::nodes::TAG_RESOURCE_TYPE,
        &instance_id,
        &[tag],
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "untag_node")]
pub async fn untag_node(instance_id: String, key: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::tags::remove_tags_from_resource(
        &core,
        &actor,
        bosun_core::nodes::TAG_RESOURCE_TYPE,
        &instance_id,
        &[key],
    )
    .await?)
}

const FILTERS: &[&str] = &["status", "platform", "tag"];

fn status_badge(status: &str) -> (&'static str, &'static str) {
    match status {
        "Online" => ("status-dot ok", "badge badge-success"),
        "ConnectionLost" => ("status-dot bad", "badge badge-danger"),
        _ => ("status-dot off", "badge badge-muted"),
    }
}

#[component]
pub fn FleetPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(FILTERS);
    let deregister = ServerAction::<DeregisterNode>::new();
    let tag = ServerAction::<TagNode>::new();
    let untag = ServerAction::<UntagNode>::new();
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
    let changes = move || {
        (
            tick.get(),
            deregister.version().get(),
            tag.version().get(),
            untag.version().get(),
        )
    };
    let nodes = Resource::new(move || (query.get(), changes()), |(q, _)| list_nodes(q));
    let counts_data = Resource::new(changes, |_| node_counts());
    Effect::new(move |_| {
        deregister.value().with(|v| {
            if let Some(r) = v {
                toast_result(r, "Node deregistered.")
            }
        })
    });
    Effect::new(move |_| {
        tag.value().with(|v| {
            if let Some(r) = v {
                toast_result(r, "Tag saved.")
            }
        })
    });
    Effect::new(move |_| {
        untag.value().with(|v| {
            if let Some(r) = v {
                toast_result(r, "Tag removed.")
            }
        })
    });

    let columns = vec![
        Column::new("status", "Status").sortable(),
        Column::new("name", "Name").sortable(),
        Column::new("id", "Node ID"),
        Column::new("platform", "Platform"),
        Column::new("ip", "IP address"),
        Column::new("agent", "Agent"),
        Column::new("last_ping", "Last ping").sortable(),
        Column::new("tags", "Tags"),
        Column::new("actions", "Actions"),
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
                let (id, key, label) = (
                    n.instance_id.clone(),
                    t.key.clone(),
                    format!("Remove tag {} from {}", t.key, n.instance_id),
                );
                view! {
                    <span class="tag">
                        <span class="tag-key">{t.key.clone()}</span>"="{t.value.clone()}
                        {operate.then(|| view! {
                            <ActionForm action=untag attr:class="inline-form">
                                <input type="hidden" name="instance_id" value=id />
                                <input type="hidden" name="key" value=key />
                                <button type="submit" class="btn-link" aria-label=label>"×"</button>
                            </ActionForm>
                        })}
                    </span>
                }
            })
            .collect_view();
        let inactive = n.ping_status == "Inactive";
        let (id_tag, id_dereg, dereg_label) = (
            n.instance_id.clone(),
            n.instance_id.clone(),
            format!("Deregister {}", n.instance_id),
        );
        let tag_label = format!("Tag {}", n.instance_id);
        view! {
                    <tr data-node=n.instance_id.clone()>
                        <td><span class=dot aria-hidden="true"></span>" "<span class=badge data-testid="ping-status">{n.ping_status.clone()}</span></td>
                        <td>{n.name.clone()}</td>
                        <td class="mono">{n.instance_id.clone()}</td>
                        <td>{platform}</td>
                        <td class="mono">{n.ip_addresses.first().cloned().unwrap_or_default()}</td>
                        <td class="mono">{n.agent_version.clone()}</td>
                        <td>{datetime(n.last_ping_at)}</td>
                        <td class="wrap">{tags}</td>
                        <td>
                            {(operate && !inactive).then(|| view! {
                                <div class="btn-row">
                                    <ActionForm action=tag attr:class="inline-form">
                                        <input type="hidden" name="instance_id" value=id_tag />
                                        <input name="key" placeholder="key" aria-label=format!("{tag_label}: key") required size="8" />
                                        <input name="value" placeholder="value" aria-label=format!("{tag_label}: value") size="8" />
                                        <button type="submit" class="btn btn-sm">"Tag"</button>
                                    </ActionForm>
        <DeregisterButton instance_id=id_dereg label=dereg_label action=deregister />
                                </div>
                            })}
                        </td>
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

/// Deregistering is final, so it takes two clicks: the first asks, the second does it.
#[component]
fn DeregisterButton(
    instance_id: String,
    label: String,
    action: ServerAction<DeregisterNode>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let confirm_label = format!("Confirm: {label}");
    move || {
        if confirming.get() {
            let (id, confirm) = (instance_id.clone(), confirm_label.clone());
            view! {
                <ActionForm action=action attr:class="inline-form">
                    <input type="hidden" name="instance_id" value=id />
                    <button type="submit" class="btn btn-sm btn-danger" aria-label=confirm>"Confirm deregister"</button>
                    <button type="button" class="btn btn-sm" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </ActionForm>
            }
            .into_any()
        } else {
            let l = label.clone();
            view! {
                <button type="button" class="btn btn-sm btn-danger" aria-label=l on:click=move |_| confirming.set(true)>
                    "Deregister…"
                </button>
            }
            .into_any()
        }
    }
}
