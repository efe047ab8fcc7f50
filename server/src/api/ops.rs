//! Operation handlers: typed input from the validated JSON, one service call, typed
//! output. Operations of the model not listed here answer `UnsupportedOperationException`.

use super::error::ApiError;
use bosun_core::activations::{self, CreateActivation};
use bosun_core::types::{Activation, ManagedNode, ServiceSetting, Tag};
use bosun_core::{nodes, settings, tags, Actor, Core};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

pub(super) fn input<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v)
        .map_err(|e| ApiError::new("SerializationException", format!("Invalid request: {e}")))
}

/// Decodes an operation's input, then awaits its handler (`handler(core, actor, input)`).
macro_rules! dispatch {
    ($core:expr, $actor:expr, $body:expr, $handler:ident) => {
        match $crate::api::ops::input($body) {
            Ok(i) => $handler($core, $actor, i).await,
            Err(e) => Err(e),
        }
    };
}
pub(super) use dispatch;

pub(super) fn output<T: Serialize>(v: T) -> Result<Value, ApiError> {
    serde_json::to_value(v)
        .map_err(|_| ApiError::new("InternalServerError", "Could not encode the response."))
}

/// AWS timestamps on the JSON protocol: epoch seconds.
pub(super) fn epoch_seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

pub async fn call(
    core: &Core,
    actor: &Actor,
    operation: &str,
    body: Value,
) -> Result<Value, ApiError> {
    match operation {
        "GetServiceSetting" => get_service_setting(core, actor, input(body)?).await,
        "UpdateServiceSetting" => update_service_setting(core, actor, input(body)?).await,
        "ResetServiceSetting" => reset_service_setting(core, actor, input(body)?).await,
        "CreateActivation" => create_activation(core, actor, input(body)?).await,
        "DescribeActivations" => describe_activations(core, actor, input(body)?).await,
        "DeleteActivation" => delete_activation(core, actor, input(body)?).await,
        "DescribeInstanceInformation" => {
            describe_instance_information(core, actor, input(body)?).await
        }
        "DeregisterManagedInstance" => deregister_managed_instance(core, actor, input(body)?).await,
        "AddTagsToResource" => add_tags_to_resource(core, actor, input(body)?).await,
        "RemoveTagsFromResource" => remove_tags_from_resource(core, actor, input(body)?).await,
        "ListTagsForResource" => list_tags_for_resource(core, actor, input(body)?).await,
        // Parameter Store first and without a copy of the body: it is the hot path.
        op if super::parameters::OPERATIONS.contains(&op) => {
            match super::parameters::call(core, actor, op, body).await {
                Some(result) => result,
                None => Err(ApiError::not_implemented(op)),
            }
        }
        other => {
            if let Some(result) = super::documents::call(core, actor, other, body.clone()).await {
                return result;
            }
            if let Some(result) = super::patch::call(core, actor, other, body.clone()).await {
                return result;
            }
            if let Some(result) = super::maintenance::call(core, actor, other, body.clone()).await {
                return result;
            }

            match super::commands::call(core, actor, other, body).await {
                Some(result) => result,
                None => Err(ApiError::not_implemented(other)),
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SettingIdInput {
    setting_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateServiceSettingInput {
    setting_id: String,
    setting_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceSettingOut {
    setting_id: String,
    setting_value: String,
    last_modified_date: f64,
    last_modified_user: String,
    #[serde(rename = "ARN")]
    arn: String,
    status: String,
}

impl From<ServiceSetting> for ServiceSettingOut {
    fn from(s: ServiceSetting) -> Self {
        ServiceSettingOut {
            setting_id: s.setting_id,
            setting_value: s.setting_value,
            last_modified_date: epoch_seconds(s.last_modified_date),
            last_modified_user: s.last_modified_user,
            arn: s.arn,
            status: s.status,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceSettingResult {
    service_setting: ServiceSettingOut,
}

async fn get_service_setting(
    core: &Core,
    actor: &Actor,
    i: SettingIdInput,
) -> Result<Value, ApiError> {
    let s = settings::get_service_setting(core, actor, &i.setting_id)
        .await
        .map_err(ApiError::from_service)?;
    output(ServiceSettingResult {
        service_setting: s.into(),
    })
}

async fn update_service_setting(
    core: &Core,
    actor: &Actor,
    i: UpdateServiceSettingInput,
) -> Result<Value, ApiError> {
    settings::update_service_setting(core, actor, &i.setting_id, &i.setting_value)
        .await
        .map_err(ApiError::from_service)?;
    output(serde_json::json!({}))
}

async fn reset_service_setting(
    core: &Core,
    actor: &Actor,
    i: SettingIdInput,
) -> Result<Value, ApiError> {
    let s = settings::reset_service_setting(core, actor, &i.setting_id)
        .await
        .map_err(ApiError::from_service)?;
    output(ServiceSettingResult {
        service_setting: s.into(),
    })
}

/// AWS `Target` (`Key`, `Values`), as SendCommand and the maintenance windows take it.
#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TargetIo {
    pub(super) key: String,
    #[serde(default)]
    pub(super) values: Vec<String>,
}

impl From<TargetIo> for bosun_core::types::CommandTarget {
    fn from(t: TargetIo) -> Self {
        bosun_core::types::CommandTarget {
            key: t.key,
            values: t.values,
        }
    }
}

impl From<bosun_core::types::CommandTarget> for TargetIo {
    fn from(t: bosun_core::types::CommandTarget) -> Self {
        TargetIo {
            key: t.key,
            values: t.values,
        }
    }
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TagIo {
    pub(super) key: String,
    pub(super) value: String,
}

impl From<TagIo> for Tag {
    fn from(t: TagIo) -> Self {
        Tag {
            key: t.key,
            value: t.value,
        }
    }
}

impl From<Tag> for TagIo {
    fn from(t: Tag) -> Self {
        TagIo {
            key: t.key,
            value: t.value,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateActivationInput {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    default_instance_name: Option<String>,
    iam_role: String,
    #[serde(default)]
    registration_limit: Option<i64>,
    /// Epoch seconds.
    #[serde(default)]
    expiration_date: Option<f64>,
    #[serde(default)]
    tags: Vec<TagIo>,
    #[serde(default)]
    registration_metadata: Vec<TagIo>,
}

async fn create_activation(
    core: &Core,
    actor: &Actor,
    i: CreateActivationInput,
) -> Result<Value, ApiError> {
    let created = activations::create_activation(
        core,
        actor,
        CreateActivation {
            description: i.description.unwrap_or_default(),
            default_instance_name: i.default_instance_name.unwrap_or_default(),
            iam_role: i.iam_role,
            registration_limit: i.registration_limit,
            expiration_date: i.expiration_date.map(|s| (s * 1000.0) as i64),
            tags: i.tags.into_iter().map(Tag::from).collect(),
            registration_metadata: i
                .registration_metadata
                .into_iter()
                .map(|m| (m.key, m.value))
                .collect(),
        },
    )
    .await
    .map_err(ApiError::from_service)?;
    output(
        serde_json::json!({ "ActivationId": created.activation_id, "ActivationCode": created.activation_code }),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ActivationFilterIo {
    #[serde(default)]
    filter_key: Option<String>,
    #[serde(default)]
    filter_values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeActivationsInput {
    #[serde(default)]
    filters: Vec<ActivationFilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ActivationOut {
    activation_id: String,
    description: String,
    default_instance_name: String,
    iam_role: String,
    registration_limit: i64,
    registrations_count: i64,
    expiration_date: f64,
    expired: bool,
    created_date: f64,
    tags: Vec<TagIo>,
}

impl From<Activation> for ActivationOut {
    fn from(a: Activation) -> Self {
        ActivationOut {
            activation_id: a.activation_id,
            description: a.description,
            default_instance_name: a.default_instance_name,
            iam_role: a.iam_role,
            registration_limit: a.registration_limit,
            registrations_count: a.registrations_count,
            expiration_date: epoch_seconds(a.expiration_date),
            expired: a.expired,
            created_date: epoch_seconds(a.created_date),
            tags: a.tags.into_iter().map(TagIo::from).collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeActivationsOut {
    activation_list: Vec<ActivationOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_activations(
    core: &Core,
    actor: &Actor,
    i: DescribeActivationsInput,
) -> Result<Value, ApiError> {
    let mut filters = Vec::new();
    for f in i.filters {
        let Some(key) = f.filter_key else {
            return Err(ApiError::new(
                "InvalidFilter",
                "Each filter needs a FilterKey.",
            ));
        };
        filters.push((key, f.filter_values));
    }
    let (list, next) = activations::describe_activations(
        core,
        actor,
        &filters,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(ApiError::from_service)?;
    output(DescribeActivationsOut {
        activation_list: list.into_iter().map(ActivationOut::from).collect(),
        next_token: next,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteActivationInput {
    activation_id: String,
}

async fn delete_activation(
    core: &Core,
    actor: &Actor,
    i: DeleteActivationInput,
) -> Result<Value, ApiError> {
    activations::delete_activation(core, actor, &i.activation_id)
        .await
        .map_err(ApiError::from_service)?;
    output(serde_json::json!({}))
}

#[derive(Deserialize)]
struct InstanceInformationFilterIo {
    key: String,
    #[serde(rename = "valueSet", default)]
    value_set: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StringFilterIo {
    key: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInstanceInformationInput {
    #[serde(default)]
    instance_information_filter_list: Vec<InstanceInformationFilterIo>,
    #[serde(default)]
    filters: Vec<StringFilterIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceInformationOut {
    instance_id: String,
    ping_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_ping_date_time: Option<f64>,
    agent_version: String,
    is_latest_version: bool,
    platform_type: String,
    platform_name: String,
    platform_version: String,
    activation_id: String,
    iam_role: String,
    registration_date: f64,
    resource_type: &'static str,
    name: String,
    #[serde(rename = "IPAddress", skip_serializing_if = "Option::is_none")]
    ip_address: Option<String>,
    computer_name: String,
}

impl From<ManagedNode> for InstanceInformationOut {
    fn from(n: ManagedNode) -> Self {
        InstanceInformationOut {
            is_latest_version: n.agent_version == env!("CARGO_PKG_VERSION"),
            ip_address: n.ip_addresses.first().cloned(),
            instance_id: n.instance_id,
            ping_status: n.ping_status,
            last_ping_date_time: n.last_ping_at.map(epoch_seconds),
            agent_version: n.agent_version,
            platform_type: n.platform_type,
            platform_name: n.platform_name,
            platform_version: n.platform_version,
            activation_id: n.activation_id,
            iam_role: n.iam_role,
            registration_date: epoch_seconds(n.registered_at),
            resource_type: "ManagedInstance",
            name: n.name,
            computer_name: n.computer_name,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInstanceInformationOut {
    instance_information_list: Vec<InstanceInformationOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_instance_information(
    core: &Core,
    actor: &Actor,
    i: DescribeInstanceInformationInput,
) -> Result<Value, ApiError> {
    let filters: Vec<(String, Vec<String>)> = i
        .instance_information_filter_list
        .into_iter()
        .map(|f| (f.key, f.value_set))
        .chain(i.filters.into_iter().map(|f| (f.key, f.values)))
        .collect();
    let (list, next) = nodes::describe_instance_information(
        core,
        actor,
        &filters,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(ApiError::from_service)?;
    output(DescribeInstanceInformationOut {
        instance_information_list: list.into_iter().map(InstanceInformationOut::from).collect(),
        next_token: next,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceIdInput {
    instance_id: String,
}

async fn deregister_managed_instance(
    core: &Core,
    actor: &Actor,
    i: InstanceIdInput,
) -> Result<Value, ApiError> {
    nodes::deregister_managed_instance(core, actor, &i.instance_id)
        .await
        .map_err(ApiError::from_service)?;
    output(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddTagsInput {
    resource_type: String,
    resource_id: String,
    tags: Vec<TagIo>,
}

async fn add_tags_to_resource(
    core: &Core,
    actor: &Actor,
    i: AddTagsInput,
) -> Result<Value, ApiError> {
    let tags: Vec<Tag> = i.tags.into_iter().map(Tag::from).collect();
    tags::add_tags_to_resource(core, actor, &i.resource_type, &i.resource_id, &tags)
        .await
        .map_err(ApiError::from_service)?;
    output(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RemoveTagsInput {
    resource_type: String,
    resource_id: String,
    tag_keys: Vec<String>,
}

async fn remove_tags_from_resource(
    core: &Core,
    actor: &Actor,
    i: RemoveTagsInput,
) -> Result<Value, ApiError> {
    tags::remove_tags_from_resource(core, actor, &i.resource_type, &i.resource_id, &i.tag_keys)
        .await
        .map_err(ApiError::from_service)?;
    output(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTagsInput {
    resource_type: String,
    resource_id: String,
}

async fn list_tags_for_resource(
    core: &Core,
    actor: &Actor,
    i: ListTagsInput,
) -> Result<Value, ApiError> {
    let list = tags::list_tags_for_resource(core, actor, &i.resource_type, &i.resource_id)
        .await
        .map_err(ApiError::from_service)?;
    output(serde_json::json!({ "TagList": list.into_iter().map(TagIo::from).collect::<Vec<_>>() }))
}
