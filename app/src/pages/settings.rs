//! Service settings (admin): the same service functions as `GetServiceSetting`,
//! `UpdateServiceSetting` and `ResetServiceSetting` on the API.

use crate::components::format::datetime;
use crate::components::layout::{is_admin, Forbidden, PageHeader};
use crate::components::table::ListTable;
use crate::components::toast::toast_action;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use bosun_core::settings;
use bosun_core::types::ServiceSetting;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_service_settings")]
pub async fn list_service_settings() -> Result<Vec<ServiceSetting>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(settings::list_service_settings(&core, &actor).await?)
}

#[server(prefix = "/api", endpoint = "update_service_setting")]
pub async fn update_service_setting(setting_id: String, value: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(settings::update_service_setting(&core, &actor, &setting_id, &value).await?)
}

#[server(prefix = "/api", endpoint = "reset_service_setting")]
pub async fn reset_service_setting(setting_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    settings::reset_service_setting(&core, &actor, &setting_id).await?;
    Ok(())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    if !is_admin() {
        return view! { <PageHeader title="Service settings" /><Forbidden /> }.into_any();
    }
    let update = ServerAction::<UpdateServiceSetting>::new();
    let reset = ServerAction::<ResetServiceSetting>::new();
    let list = Resource::new(
        move || (update.version().get(), reset.version().get()),
        |_| list_service_settings(),
    );
    toast_action(update, "Setting saved.");
    toast_action(reset, "Setting reset to its default.");
    view! {
        <PageHeader title="Service settings" subtitle="Account-wide switches, as AWS Systems Manager names them. The AWS API reads and changes the same values." />
        <ListTable
            label="Service settings"
            headers=vec!["Setting", "Value", "Status", "Last modified", "Change"]
            data=list
            row=move |s: ServiceSetting| {
                let status = if s.status == "Default" { "badge badge-muted" } else { "badge badge-info" };
                let current = s.setting_value.clone();
                let label = format!("New value for {}", s.setting_id);
                let (id_row, id_update, id_reset) = (s.setting_id.clone(), s.setting_id.clone(), s.setting_id.clone());
                let is_default = s.status == "Default";
                // A setting without a list of values is a whole number.
                let input = if s.allowed_values.is_empty() {
                    view! { <input type="number" name="value" value=current step="1" size="6" aria-label=label required /> }.into_any()
                } else {
                    let options = s
                        .allowed_values
                        .into_iter()
                        .map(|v| {
                            let selected = v == current;
                            let text = v.clone();
                            view! { <option value=v selected=selected>{text}</option> }
                        })
                        .collect_view();
                    view! { <select name="value" aria-label=label>{options}</select> }.into_any()
                };
                view! {
                    <tr data-setting=id_row>
                        <td>
                            <div class="mono">{s.setting_id}</div>
                            <div class="muted">{s.description}</div>
                        </td>
                        <td class="mono" data-testid="setting-value">{s.setting_value}</td>
                        <td><span class=status>{s.status}</span></td>
                        <td>
                            <div>{datetime(Some(s.last_modified_date))}</div>
                            <div class="muted mono">{s.last_modified_user}</div>
                        </td>
                        <td>
                            <div class="btn-row">
                                <ActionForm action=update attr:class="inline-form">
                                    <input type="hidden" name="setting_id" value=id_update />
                                    {input}
                                    <button type="submit" class="btn btn-sm btn-primary">"Save"</button>
                                </ActionForm>
                                <ActionForm action=reset attr:class="inline-form">
                                    <input type="hidden" name="setting_id" value=id_reset />
                                    <button type="submit" class="btn btn-sm" disabled=is_default>"Reset"</button>
                                </ActionForm>
                            </div>
                        </td>
                    </tr>
                }
            }
        />
    }
    .into_any()
}
