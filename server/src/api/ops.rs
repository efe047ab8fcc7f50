//! Operation handlers: typed input from the validated JSON, one service call, typed
//! output. Operations of the model not listed here answer `UnsupportedOperationException`.

use super::error::ApiError;
use bosun_core::types::ServiceSetting;
use bosun_core::{settings, Actor, Core};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

fn input<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v)
        .map_err(|e| ApiError::new("SerializationException", format!("Invalid request: {e}")))
}

fn output<T: Serialize>(v: T) -> Result<Value, ApiError> {
    serde_json::to_value(v)
        .map_err(|_| ApiError::new("InternalServerError", "Could not encode the response."))
}

/// AWS timestamps on the JSON protocol: epoch seconds.
fn epoch_seconds(ms: i64) -> f64 {
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
        other => Err(ApiError::not_implemented(other)),
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
