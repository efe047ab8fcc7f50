//! One managed node: its properties (refreshed live), its tags (add, remove) and
//! deregistration (operators, confirmed). Same services as
//! `DescribeInstanceInformation`, `AddTagsToResource`, `RemoveTagsFromResource` and
//! `DeregisterManagedInstance`. Later capabilities add the node's commands, patches
//! and inventory here.

use crate::components::form::TwoStep;
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::tags::{AddTag, RemoveTag, TagsCard};
use crate::components::toast::toast_action;
use crate::error::AppError;
use crate::pages::fleet::status_badge;
use bosun_core::types::ManagedNode;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[server(prefix = "/api", endpoint = "get_node")]
pub async fn get_node(instance_id: String) -> Result<ManagedNode, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::nodes::get_node(&core, &actor, &instance_id).await?)
}

#[server(prefix = "/api", endpoint = "deregister_node")]
pub async fn deregister_node(instance_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::nodes::deregister_managed_instance(&core, &actor, &instance_id).await?)
}

/// The node's most recent command invocations.
#[server(prefix = "/api", endpoint = "node_invocations")]
pub async fn node_invocations(
    instance_id: String,
) -> Result<Vec<bosun_core::types::InvocationInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::commands::list_invocations(
        &core,
        &actor,
        &bosun_core::commands::CommandFilter {
            instance_id: Some(instance_id),
            ..Default::default()
        },
        0,
        20,
    )
    .await?)
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "—".to_string()
    } else {
        s.to_string()
    }
}

#[component]
pub fn NodePage() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let deregister = ServerAction::<DeregisterNode>::new();
    let tag = ServerAction::<AddTag>::new();
    let untag = ServerAction::<RemoveTag>::new();
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(crate::pages::fleet::REFRESH_SECONDS),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    let node = Resource::new(
        move || {
            (
                id(),
                tick.get(),
                deregister.version().get(),
                tag.version().get(),
                untag.version().get(),
            )
        },
        |(id, ..)| get_node(id),
    );
    toast_action(deregister, "Node deregistered.");
    toast_action(tag, "Tag saved.");
    toast_action(untag, "Tag removed.");

    let body = move || {
        node.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(n) => {
                let (dot, badge) = status_badge(&n.ping_status);
                let inactive = n.ping_status == "Inactive";
                let platform = format!("{} {} ({})", n.platform_name, n.platform_version, n.platform_type);
                let ips = n.ip_addresses.join(", ");
                let (tag_id, dereg_id) = (n.instance_id.clone(), n.instance_id.clone());
                view! {
                    <section class="card" aria-labelledby="node-properties">
                        <div class="card-header">
                            <h2 class="card-title" id="node-properties">{n.name.clone()}</h2>
                            <span><span class=dot aria-hidden="true"></span>" "<span class=badge data-testid="ping-status">{n.ping_status.clone()}</span></span>
                        </div>
                        <div class="card-body">
                            <dl class="kv">
                                <dt>"Node ID"</dt><dd class="mono" data-testid="node-id">{n.instance_id.clone()}</dd>
                                <dt>"Last ping"</dt><dd>{datetime(n.last_ping_at)}</dd>
                                <dt>"Registered"</dt><dd>{datetime(Some(n.registered_at))}</dd>
                                <dt>"Activation"</dt><dd class="mono">{n.activation_id.clone()}</dd>
                                <dt>"IAM role"</dt><dd>{or_dash(&n.iam_role)}</dd>
                                <dt>"Host name"</dt><dd class="mono">{or_dash(&n.hostname)}</dd>
                                <dt>"Computer name"</dt><dd class="mono">{or_dash(&n.computer_name)}</dd>
                                <dt>"IP addresses"</dt><dd class="mono wrap">{or_dash(&ips)}</dd>
                                <dt>"Platform"</dt><dd data-testid="node-platform">{if n.platform_type.is_empty() { "—".to_string() } else { platform }}</dd>
                                <dt>"Kernel"</dt><dd class="mono">{or_dash(&n.kernel)}</dd>
                                <dt>"Architecture"</dt><dd class="mono">{or_dash(&n.architecture)}</dd>
                                <dt>"Agent version"</dt><dd class="mono">{or_dash(&n.agent_version)}</dd>
                                <dt>"Patches"</dt><dd><a href=crate::pages::patch::node_patches_href(&n.instance_id) data-testid="node-patches-link">"Patch state and missing patches"</a></dd>
                            </dl>
                        </div>
                    </section>
                    <TagsCard
                        resource_type=bosun_core::types::resource_type::MANAGED_INSTANCE
                        resource_id=tag_id
                        tags=n.tags.clone()
                        can_add=operate && !inactive
                        can_remove=operate
                        add=tag
                        remove=untag
                    />
                    {(operate && !inactive).then(|| view! {
                        <section class="card danger-zone" aria-labelledby="node-deregister">
                            <div class="card-header"><h2 class="card-title" id="node-deregister">"Deregister"</h2></div>
                            <div class="card-body">
                                <p>"The node's link is cut at once and it can never connect again with this identity. To manage the machine again, enrol it with a new activation."</p>
                                <TwoStep ask="Deregister…">
                                    <ActionForm action=deregister attr:class="inline-form">
                                        <input type="hidden" name="instance_id" value=dereg_id />
                                        <button type="submit" class="btn btn-danger">"Confirm: deregister this node"</button>
                                    </ActionForm>
                                </TwoStep>
                            </div>
                        </section>
                    })}
                }
                .into_any()
            }
        })
    };
    let invocations = Resource::new(move || (id(), tick.get()), |(id, _)| node_invocations(id));
    let recent = move || {
        invocations.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="muted">"No commands have run on this node."</p> }.into_any(),
            Ok(list) => view! {
                <table class="table" aria-label="Recent commands">
                    <thead><tr><th scope="col">"Command"</th><th scope="col">"Document"</th><th scope="col">"Status"</th><th scope="col">"Requested"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|i| view! {
                            <tr data-command=i.command_id.clone()>
                                <td><a class="mono" href=format!("/commands/{}", i.command_id)>{i.command_id.clone()}</a><div class="muted wrap">{i.comment.clone()}</div></td>
                                <td>{i.document_name.clone()}</td>
                                <td><span class=crate::pages::commands::command_badge(&i.status)>{i.status_details.clone()}</span></td>
                                <td>{datetime(Some(i.requested_at))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })
    };
    view! {
        <PageHeader title="Node" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
        <section class="card" aria-labelledby="node-commands">
            <div class="card-header"><h2 class="card-title" id="node-commands">"Recent commands"</h2></div>
            <div class="card-body">
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{recent}</Transition>
            </div>
        </section>
    }
}
