//! The tagging operations. A resource type plugs in by answering whether a resource
//! exists ([`resource_exists`]); everything else is shared.

use super::{store, validate, MAX_TAGS_PER_RESOURCE};
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::{Role, Tag};
use crate::Core;

/// Whether the resource exists; `InvalidResourceType` for types Bosun cannot tag yet.
async fn resource_exists(
    core: &Core,
    resource_type: &str,
    resource_id: &str,
) -> ServiceResult<bool> {
    match resource_type {
        crate::nodes::TAG_RESOURCE_TYPE => Ok(crate::nodes::store::credentials(
            core.db().pool(),
            resource_id,
        )
        .await?
        .is_some()),
        // Tags on activations are set at creation (CreateActivation); the service also
        // edits them (the AWS model's ResourceTypeForTagging has no Activation, so the
        // API refuses it as AWS does).
        crate::documents::TAG_RESOURCE_TYPE => {
            // Built-in documents cannot be tagged (they are not ours to change).
            Ok(crate::documents::builtin::get(resource_id).is_none()
                && crate::documents::store::document(core.db().pool(), resource_id)
                    .await?
                    .is_some())
        }
        crate::parameters::TAG_RESOURCE_TYPE => {
            Ok(crate::parameters::store::get(core.db().pool(), resource_id)
                .await?
                .is_some())
        }
        // Predefined baselines cannot be tagged (they are read-only).
        crate::patch::TAG_RESOURCE_TYPE => {
            crate::patch::custom_baseline_exists(core, resource_id).await
        }
        crate::maintenance::TAG_RESOURCE_TYPE => {
            crate::maintenance::window_exists(core, resource_id).await
        }
        crate::activations::TAG_RESOURCE_TYPE => {
            Ok(crate::activations::store::exists(core.db().pool(), resource_id).await?)
        }
        other => Err(ServiceError::validation(format!(
            "Bosun cannot tag resources of type {other} yet."
        ))
        .with_exception("InvalidResourceType")),
    }
}

async fn existing(core: &Core, resource_type: &str, resource_id: &str) -> ServiceResult<()> {
    if resource_exists(core, resource_type, resource_id).await? {
        Ok(())
    } else {
        Err(ServiceError::not_found(format!(
            "The resource {resource_type} {resource_id} does not exist."
        ))
        .with_exception("InvalidResourceId"))
    }
}

/// AddTagsToResource (operator): adds tags or overwrites their values.
pub async fn add_tags_to_resource(
    core: &Core,
    actor: &Actor,
    resource_type: &str,
    resource_id: &str,
    tags: &[Tag],
) -> ServiceResult<()> {
    let resource = format!("{resource_type}/{resource_id}");
    core.authorize(actor, Role::Operator, "AddTagsToResource", &resource)
        .await?;
    validate(tags)?;
    existing(core, resource_type, resource_id).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let mut merged = store::of(&mut *tx, resource_type, resource_id).await?;
    for t in tags {
        match merged.iter_mut().find(|m| m.key == t.key) {
            Some(m) => m.value = t.value.clone(),
            None => merged.push(t.clone()),
        }
    }
    if merged.len() > MAX_TAGS_PER_RESOURCE {
        return Err(ServiceError::limit_exceeded(format!(
            "A resource can have at most {MAX_TAGS_PER_RESOURCE} tags."
        ))
        .with_exception("TooManyTagsError"));
    }
    store::put(&mut tx, resource_type, resource_id, tags).await?;
    let keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
    audit::record(
        &mut *tx,
        actor,
        now,
        "AddTagsToResource",
        &resource,
        Outcome::Success,
        &keys.join(", "),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// RemoveTagsFromResource (operator). Keys that are not set are ignored, as AWS does.
pub async fn remove_tags_from_resource(
    core: &Core,
    actor: &Actor,
    resource_type: &str,
    resource_id: &str,
    keys: &[String],
) -> ServiceResult<()> {
    let resource = format!("{resource_type}/{resource_id}");
    core.authorize(actor, Role::Operator, "RemoveTagsFromResource", &resource)
        .await?;
    existing(core, resource_type, resource_id).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    for k in keys {
        store::delete_key(&mut *tx, resource_type, resource_id, k).await?;
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "RemoveTagsFromResource",
        &resource,
        Outcome::Success,
        &keys.join(", "),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// ListTagsForResource (viewer).
pub async fn list_tags_for_resource(
    core: &Core,
    actor: &Actor,
    resource_type: &str,
    resource_id: &str,
) -> ServiceResult<Vec<Tag>> {
    core.authorize(
        actor,
        Role::Viewer,
        "ListTagsForResource",
        &format!("{resource_type}/{resource_id}"),
    )
    .await?;
    existing(core, resource_type, resource_id).await?;
    Ok(store::of(core.db().pool(), resource_type, resource_id).await?)
}
