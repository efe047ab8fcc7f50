//! My account: change password; API access keys (create — the secret is shown once —
//! list, revoke).

use crate::components::form::{action_error, Field, FormError};
use crate::components::format::datetime;
use crate::components::layout::{use_session_user, PageHeader};
use crate::components::table::ListTable;
use crate::components::toast::{toast_action, toast_result};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use bosun_core::accounts;
use bosun_core::types::{AccessKeySummary, NewAccessKey};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    if new_password != confirm {
        return Err(AppError::invalid("confirm", "The two passwords differ."));
    }
    let principal =
        accounts::change_own_password(&core, &actor, &current_password, &new_password).await?;
    // Every session of the user ended with the change; this one continues under a new id.
    let session = crate::ssr::session().await?;
    crate::ssr::establish_session(&session, &principal).await
}

#[server(prefix = "/api", endpoint = "list_my_access_keys")]
pub async fn list_my_access_keys() -> Result<Vec<AccessKeySummary>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::list_access_keys(&core, &actor, None).await?)
}

#[server(prefix = "/api", endpoint = "create_access_key")]
pub async fn create_access_key(description: String) -> Result<NewAccessKey, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::create_access_key(&core, &actor, None, description.trim()).await?)
}

#[server(prefix = "/api", endpoint = "delete_access_key")]
pub async fn delete_access_key(access_key_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::delete_access_key(&core, &actor, &access_key_id).await?)
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = use_session_user();
    let name = user.map(|u| u.name).unwrap_or_default();
    let change = ServerAction::<ChangePassword>::new();
    let create = ServerAction::<CreateAccessKey>::new();
    let delete = ServerAction::<DeleteAccessKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| list_my_access_keys(),
    );
    toast_action(change, "Password changed. Other sessions have ended.");
    Effect::new(move |_| {
        create.value().with(|v| {
            if let Some(Err(e)) = v {
                toast_result::<(), _>(&Err(e.clone()), "")
            }
        })
    });
    toast_action(delete, "Access key deleted.");
    let change_error = action_error(change.value());
    let create_error = action_error(create.value());
    let new_key = move || create.value().get().and_then(|r| r.ok());

    view! {
        <PageHeader title="My account" subtitle="Your password and your keys for the AWS CLI and SDKs." />
        <div class="grid-2">
            <section class="card" aria-labelledby="pw-title">
                <div class="card-header"><h2 class="card-title" id="pw-title">"Change password"</h2></div>
                <div class="card-body">
                    <ActionForm action=change attr:class="form">
                        <input type="text" name="username" autocomplete="username" value=name.clone() hidden />
                        <FormError error=change_error />
                        <Field label="Current password" name="current_password" kind="password" required=true autocomplete="current-password" error=change_error />
                        <Field label="New password" name="new_password" kind="password" required=true minlength=12 autocomplete="new-password" error=change_error hint="At least 12 characters. Your other sessions end." />
                        <Field label="Repeat the new password" name="confirm" kind="password" required=true minlength=12 autocomplete="new-password" error=change_error />
                        <div class="form-actions"><button type="submit" class="btn btn-primary">"Change password"</button></div>
                    </ActionForm>
                </div>
            </section>
            <section class="card" aria-labelledby="keys-title">
                <div class="card-header"><h2 class="card-title" id="keys-title">"Access keys"</h2></div>
                <div class="card-body">
                    <p class="muted">"Access keys sign requests to Bosun's AWS API (aws CLI, boto3, any AWS SDK) as you, with your role."</p>
                    {move || new_key().map(|k| view! {
                        <div class="secret-box" role="status">
                            <p><strong>"Copy the secret now."</strong>" It is shown only once; Bosun keeps it encrypted and cannot show it again."</p>
                            <dl class="kv">
                                <dt>"Access key ID"</dt><dd><code class="secret" data-testid="new-access-key-id">{k.access_key_id.clone()}</code></dd>
                                <dt>"Secret access key"</dt><dd><code class="secret" data-testid="new-secret-access-key">{k.secret_access_key.clone()}</code></dd>
                            </dl>
                        </div>
                    })}
                    <ActionForm action=create attr:class="form">
                        <FormError error=create_error />
                        <Field label="Description" name="description" maxlength=256 autocomplete="off" error=create_error hint="What the key is for, e.g. laptop CLI or CI pipeline." />
                        <div class="form-actions"><button type="submit" class="btn btn-primary">"Create access key"</button></div>
                    </ActionForm>
                </div>
            </section>
        </div>
        <ListTable
            label="Your access keys"
            headers=vec!["Access key ID", "Description", "Created", "Last used", "Actions"]
            data=keys
            empty="You have no access keys."
            row=move |k: AccessKeySummary| {
                let (id_input, id_label) = (k.access_key_id.clone(), format!("Delete {}", k.access_key_id));
                view! {
                    <tr>
                        <td class="mono">{k.access_key_id}</td>
                        <td>{k.description}</td>
                        <td>{datetime(Some(k.created_at))}</td>
                        <td>{datetime(k.last_used_at)}</td>
                        <td>
                            <ActionForm action=delete attr:class="inline-form">
                                <input type="hidden" name="access_key_id" value=id_input />
                                <button type="submit" class="btn btn-sm btn-danger" aria-label=id_label>"Delete"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }
            }
        />
    }
}
