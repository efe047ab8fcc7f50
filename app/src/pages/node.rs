//! One managed node: its properties (refreshed live), its tags (add, remove) and
//! deregistration (operators, confirmed). Same services as
//! `DescribeInstanceInformation`, `AddTagsToResource`, `RemoveTagsFromResource` and
//! `DeregisterManagedInstance`. Later capabilities add the node's commands, patches
//! and inventory here.

use crate::components::form::{action_error, Field, FormError, TwoStep};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
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
    let tag = ServerAction::<TagNode>::new();
    let untag = ServerAction::<UntagNode>::new();
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
    let tag_error = action_error(tag.value());

    let body = move || {
        node.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(n) => {
                let (dot, badge) = status_badge(&n.ping_status);
                let inactive = n.ping_status == "Inactive";
                let platform = format!("{} {} ({})", n.platform_name, n.platform_version, n.platform_type);
                let ips = n.ip_addresses.join(", ");
                let tags = n
                    .tags
                    .iter()
                    .map(|t| {
                        let (nid, key) = (n.instance_id.clone(), t.key.clone());
                        let label = format!("Remove tag {}", t.key);
                        view! {
                            <tr data-tag=t.key.clone()>
                                <td class="mono">{t.key.clone()}</td>
                                <td class="wrap">{t.value.clone()}</td>
                                <td>
                                    {operate.then(|| view! {
                                        <ActionForm action=untag attr:class="inline-form">
                                            <input type="hidden" name="instance_id" value=nid />
                                            <input type="hidden" name="key" value=key />
                                            <button type="submit" class="btn btn-sm" aria-label=label>"Remove"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                let no_tags = n.tags.is_empty();
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
                            </dl>
                        </div>
                    </section>
                    <section class="card" aria-labelledby="node-tags">
                        <div class="card-header"><h2 class="card-title" id="node-tags">"Tags"</h2></div>
                        <div class="card-body">
                            {if no_tags {
                                view! { <p class="muted">"No tags."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table" aria-label="Tags">
                                        <thead><tr><th scope="col">"Key"</th><th scope="col">"Value"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                                        <tbody>{tags}</tbody>
                                    </table>
                                }.into_any()
                            }}
                            {(operate && !inactive).then(|| view! {
                                <ActionForm action=tag attr:class="form form-inline">
                                    <FormError error=tag_error />
                                    <input type="hidden" name="instance_id" value=tag_id />
                                    <Field label="Tag key" name="key" required=true maxlength=128 autocomplete="off" error=tag_error />
                                    <Field label="Tag value" name="value" maxlength=256 autocomplete="off" error=tag_error />
                                    <button type="submit" class="btn btn-primary">"Add tag"</button>
                                </ActionForm>
                            })}
                        </div>
                    </section>
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
