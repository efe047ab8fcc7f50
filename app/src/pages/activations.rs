//! Activations: create (the code is shown once, with the enrolment commands), list
//! with registrations used/limit and expiry, delete. Same services as
//! `CreateActivation`, `DescribeActivations` and `DeleteActivation`.

use crate::components::form::{action_error, Field, FormError};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable};
use crate::components::toast::{toast_action, toast_result};
use crate::error::AppError;
use bosun_core::types::{Activation, ListQuery, Page};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A created activation and the server address the node should enrol with.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedActivation {
    pub activation_id: String,
    pub activation_code: String,
    pub server: String,
}

#[server(prefix = "/api", endpoint = "list_activations", input = leptos::server_fn::codec::Json)]
pub async fn list_activations(query: ListQuery) -> Result<Page<Activation>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::activations::list_activations(&core, &actor, &query).await?)
}

#[server(prefix = "/api", endpoint = "create_activation")]
pub async fn create_activation(
    description: String,
    default_instance_name: String,
    iam_role: String,
    registration_limit: String,
    expires_in_hours: String,
) -> Result<CreatedActivation, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let limit: i64 = registration_limit
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("registration_limit", "Enter a number from 1 to 1000."))?;
    let hours: i64 = expires_in_hours
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("expires_in_hours", "Enter a whole number of hours."))?;
    let expiration = core.now_ms() + hours.clamp(-1, 1_000_000) * 3_600_000;
    let created = bosun_core::activations::create_activation(
        &core,
        &actor,
        bosun_core::activations::CreateActivation {
            description: description.trim().to_string(),
            default_instance_name: default_instance_name.trim().to_string(),
            iam_role: iam_role.trim().to_string(),
            registration_limit: Some(limit),
            expiration_date: Some(expiration),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| {
        // The service names the date; the form asks for hours.
        let mut e = AppError::from(e);
        if e.field.as_deref() == Some("expiration_date") {
            e.field = Some("expires_in_hours".into());
        }
        e
    })?;
    Ok(CreatedActivation {
        activation_id: created.activation_id,
        activation_code: created.activation_code,
        server: crate::ssr::origin(),
    })
}

#[server(prefix = "/api", endpoint = "delete_activation")]
pub async fn delete_activation(activation_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::activations::delete_activation(&core, &actor, &activation_id).await?)
}

#[component]
pub fn ActivationsPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(&[]);
    let create = ServerAction::<CreateActivation>::new();
    let delete = ServerAction::<DeleteActivation>::new();
    let list = Resource::new(
        move || (query.get(), create.version().get(), delete.version().get()),
        |(q, ..)| list_activations(q),
    );
    Effect::new(move |_| {
        create.value().with(|v| {
            if let Some(Err(e)) = v {
                toast_result::<(), _>(&Err(e.clone()), "")
            }
        })
    });
    toast_action(delete, "Activation deleted.");
    let create_error = action_error(create.value());
    let created = move || create.value().get().and_then(|r| r.ok());

    let columns = vec![
        Column::new("id", "Activation ID"),
        Column::new("name", "Default name").sortable(),
        Column::new("description", "Description"),
        Column::new("registrations", "Registrations").class("num"),
        Column::new("expires", "Expires").sortable(),
        Column::new("created", "Created").sortable(),
        Column::new("actions", "Actions"),
    ];
    let row = move |a: Activation| {
        let state = if a.expired {
            view! { <span class="badge badge-muted">"expired"</span> }.into_any()
        } else if a.registrations_count >= a.registration_limit {
            view! { <span class="badge badge-warning">"used up"</span> }.into_any()
        } else {
            view! { <span class="badge badge-success">"open"</span> }.into_any()
        };
        let (id_input, id_label) = (
            a.activation_id.clone(),
            format!("Delete activation {}", a.activation_id),
        );
        view! {
            <tr>
                <td class="mono">{a.activation_id}</td>
                <td>{a.default_instance_name}</td>
                <td class="wrap">{a.description}</td>
                <td class="num">{format!("{} / {}", a.registrations_count, a.registration_limit)}</td>
                <td>{datetime(Some(a.expiration_date))}" "{state}</td>
                <td>{datetime(Some(a.created_date))}</td>
                <td>
                    {operate.then(|| view! {
                        <ActionForm action=delete attr:class="inline-form">
                            <input type="hidden" name="activation_id" value=id_input />
                            <button type="submit" class="btn btn-sm btn-danger" aria-label=id_label>"Delete"</button>
                        </ActionForm>
                    })}
                </td>
            </tr>
        }
    };
    view! {
        <PageHeader title="Activations" subtitle="One-time credentials that enrol machines as managed nodes." />
        {move || created().map(|c| {
            let install = format!(
                "curl -fsSL {}/agent/install.sh | sudo sh -s -- --id {} --code {}",
                c.server, c.activation_id, c.activation_code
            );
            let manual = format!(
                "sudo bosun-agent register --server {} --activation-id {} --activation-code {}\nsudo bosun-agent run",
                c.server, c.activation_id, c.activation_code
            );
            view! {
                <div class="secret-box" role="status">
                    <p><strong>"Copy the activation code now."</strong>" It is shown only once; Bosun keeps only a hash of it."</p>
                    <dl class="kv">
                        <dt>"Activation ID"</dt><dd><code class="secret" data-testid="new-activation-id">{c.activation_id.clone()}</code></dd>
                        <dt>"Activation code"</dt><dd><code class="secret" data-testid="new-activation-code">{c.activation_code.clone()}</code></dd>
                    </dl>
                    <p>"On the machine to enrol (Linux, as root; installs bosun-agent and a systemd unit):"</p>
                    <pre><code data-testid="enrol-command">{install}</code></pre>
                    <details>
                        <summary>"Agent already installed?"</summary>
                        <pre><code data-testid="register-command">{manual}</code></pre>
                    </details>
                </div>
            }
        })}
        <DataTable path="/activations" label="Activations" columns=columns query=query data=list row=row empty="No activations yet." search_placeholder="Search id, name, description" />
        {operate.then(|| view! {
            <section class="card" aria-labelledby="create-activation-title">
                <div class="card-header"><h2 class="card-title" id="create-activation-title">"Create an activation"</h2></div>
                <div class="card-body">
                    <ActionForm action=create attr:class="form">
                        <FormError error=create_error />
                        <Field label="Description" name="description" maxlength=256 autocomplete="off" error=create_error />
                        <Field label="Default node name" name="default_instance_name" maxlength=256 autocomplete="off" error=create_error hint="Nodes registered with this activation get this name unless they give their own." />
                        <Field label="IAM role" name="iam_role" required=true maxlength=64 value="SSMServiceRole" error=create_error hint="Recorded on the nodes, as AWS does." />
                        <Field label="Registration limit" name="registration_limit" kind="number" required=true value="1" error=create_error hint="How many machines may register with it (1–1000)." />
                        <Field label="Expires in (hours)" name="expires_in_hours" kind="number" required=true value="24" error=create_error hint="At most 30 days ahead unless an admin changed the service setting activation-max-expiration-days." />
                        <div class="form-actions"><button type="submit" class="btn btn-primary">"Create activation"</button></div>
                    </ActionForm>
                </div>
            </section>
        })}
    }
}
