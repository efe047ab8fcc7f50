//! The tags card of every taggable resource's page (nodes, parameters, and whatever is
//! tagged next) and its two server functions. They call the shared tagging service, as
//! the API's AddTagsToResource / RemoveTagsFromResource do, which checks the resource
//! type, that the resource exists, the role and the tag rules.

use crate::components::form::{action_error, Field, FormError};
use crate::error::AppError;
use bosun_core::types::Tag;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "add_tag")]
pub async fn add_tag(
    resource_type: String,
    resource_id: String,
    tag_key: String,
    tag_value: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let tag = Tag {
        key: tag_key.trim().to_string(),
        value: tag_value.trim().to_string(),
    };
    Ok(
        bosun_core::tags::add_tags_to_resource(&core, &actor, &resource_type, &resource_id, &[tag])
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "remove_tag")]
pub async fn remove_tag(
    resource_type: String,
    resource_id: String,
    tag_key: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::tags::remove_tags_from_resource(
        &core,
        &actor,
        &resource_type,
        &resource_id,
        &[tag_key],
    )
    .await?)
}

/// A resource's tags as a table, with a remove button per tag (`can_remove`) and an
/// add form (`can_add`). The page owns the actions (and their toasts), so a refresh of
/// the card does not repeat them.
#[component]
pub fn TagsCard(
    resource_type: &'static str,
    resource_id: String,
    tags: Vec<Tag>,
    can_add: bool,
    can_remove: bool,
    add: ServerAction<AddTag>,
    remove: ServerAction<RemoveTag>,
) -> impl IntoView {
    let add_error = action_error(add.value());
    let empty = tags.is_empty();
    let rows = tags
        .into_iter()
        .map(|t| {
            let aria = format!("Remove tag {}", t.key);
            let (id, key) = (resource_id.clone(), t.key.clone());
            view! {
                <tr data-tag=t.key.clone()>
                    <td class="mono">{t.key.clone()}</td>
                    <td class="wrap">{t.value.clone()}</td>
                    <td>
                        {can_remove.then(|| view! {
                            <ActionForm action=remove attr:class="inline-form">
                                <input type="hidden" name="resource_type" value=resource_type />
                                <input type="hidden" name="resource_id" value=id />
                                <input type="hidden" name="tag_key" value=key />
                                <button type="submit" class="btn btn-sm" aria-label=aria>"Remove"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="resource-tags">
            <div class="card-header"><h2 class="card-title" id="resource-tags">"Tags"</h2></div>
            <div class="card-body">
                {if empty {
                    view! { <p class="muted">"No tags."</p> }.into_any()
                } else {
                    view! {
                        <table class="table" aria-label="Tags">
                            <thead><tr><th scope="col">"Key"</th><th scope="col">"Value"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                    .into_any()
                }}
                {can_add.then(|| view! {
                    <ActionForm action=add attr:class="form form-inline" attr:aria-label="Add a tag">
                        <FormError error=add_error />
                        <input type="hidden" name="resource_type" value=resource_type />
                        <input type="hidden" name="resource_id" value=resource_id.clone() />
                        <Field label="Tag key" name="tag_key" required=true maxlength=128 autocomplete="off" error=add_error />
                        <Field label="Tag value" name="tag_value" maxlength=256 autocomplete="off" error=add_error />
                        <button type="submit" class="btn">"Add tag"</button>
                    </ActionForm>
                })}
            </div>
        </section>
    }
}
