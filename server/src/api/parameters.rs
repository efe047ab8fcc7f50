//! Parameter Store operations: PutParameter, GetParameter, GetParameters,
//! GetParametersByPath, DescribeParameters, GetParameterHistory, DeleteParameter,
//! DeleteParameters, LabelParameterVersion, UnlabelParameterVersion. Translation only;
//! the rules are `bosun_core::parameters`.

use super::error::ApiError;
use super::ops::{epoch_seconds, output, TagIo};
use bosun_core::parameters::{self, PutParameter};
use bosun_core::types::{
    ParameterFilter, ParameterInfo, ParameterPolicyInfo, ParameterValue, ParameterVersionInfo,
};
use bosun_core::{Actor, Core};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The operations [`call`] serves.
pub(super) const OPERATIONS: [&str; 10] = [
    "PutParameter",
    "GetParameter",
    "GetParameters",
    "GetParametersByPath",
    "DescribeParameters",
    "GetParameterHistory",
    "DeleteParameter",
    "DeleteParameters",
    "LabelParameterVersion",
    "UnlabelParameterVersion",
];

/// Runs `operation` if it is a Parameter Store operation.
pub(super) async fn call(
    core: &Core,
    actor: &Actor,
    operation: &str,
    body: Value,
) -> Option<Result<Value, ApiError>> {
    macro_rules! op {
        ($handler:ident) => {
            super::ops::dispatch!(core, actor, body, $handler)
        };
    }
    Some(match operation {
        "PutParameter" => op!(put_parameter),
        "GetParameter" => op!(get_parameter),
        "GetParameters" => op!(get_parameters),
        "GetParametersByPath" => op!(get_parameters_by_path),
        "DescribeParameters" => op!(describe_parameters),
        "GetParameterHistory" => op!(get_parameter_history),
        "DeleteParameter" => op!(delete_parameter),
        "DeleteParameters" => op!(delete_parameters),
        "LabelParameterVersion" => op!(label_parameter_version),
        "UnlabelParameterVersion" => op!(unlabel_parameter_version),
        _ => return None,
    })
}

fn service(e: bosun_core::ServiceError) -> ApiError {
    ApiError::from_service(e)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutParameterInput {
    name: String,
    value: String,
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(default)]
    overwrite: bool,
    description: Option<String>,
    key_id: Option<String>,
    allowed_pattern: Option<String>,
    tier: Option<String>,
    policies: Option<String>,
    data_type: Option<String>,
    #[serde(default)]
    tags: Vec<TagIo>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PutParameterOutput {
    version: i64,
    tier: String,
}

async fn put_parameter(
    core: &Core,
    actor: &Actor,
    i: PutParameterInput,
) -> Result<Value, ApiError> {
    let (version, tier) = parameters::put_parameter(
        core,
        actor,
        PutParameter {
            name: i.name,
            value: i.value,
            r#type: i.kind,
            overwrite: i.overwrite,
            description: i.description,
            key_id: i.key_id,
            allowed_pattern: i.allowed_pattern,
            tier: i.tier,
            policies: i.policies,
            data_type: i.data_type,
            tags: i.tags.into_iter().map(Into::into).collect(),
        },
    )
    .await
    .map_err(service)?;
    output(PutParameterOutput { version, tier })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ParameterOut {
    name: String,
    #[serde(rename = "Type")]
    kind: String,
    value: String,
    version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    last_modified_date: f64,
    #[serde(rename = "ARN")]
    arn: String,
    data_type: String,
}

fn parameter_out(p: ParameterValue) -> ParameterOut {
    ParameterOut {
        name: p.name,
        kind: p.r#type,
        value: p.value,
        version: p.version,
        selector: p.selector,
        last_modified_date: epoch_seconds(p.last_modified_at),
        arn: p.arn,
        data_type: p.data_type,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetParameterInput {
    name: String,
    #[serde(default)]
    with_decryption: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetParameterOutput {
    parameter: ParameterOut,
}

async fn get_parameter(
    core: &Core,
    actor: &Actor,
    i: GetParameterInput,
) -> Result<Value, ApiError> {
    let p = parameters::get_parameter(core, actor, &i.name, i.with_decryption)
        .await
        .map_err(service)?;
    output(GetParameterOutput {
        parameter: parameter_out(p),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetParametersInput {
    names: Vec<String>,
    #[serde(default)]
    with_decryption: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetParametersOutput {
    parameters: Vec<ParameterOut>,
    invalid_parameters: Vec<String>,
}

async fn get_parameters(
    core: &Core,
    actor: &Actor,
    i: GetParametersInput,
) -> Result<Value, ApiError> {
    let (found, invalid) = parameters::get_parameters(core, actor, &i.names, i.with_decryption)
        .await
        .map_err(service)?;
    output(GetParametersOutput {
        parameters: found.into_iter().map(parameter_out).collect(),
        invalid_parameters: invalid,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StringFilterIn {
    key: String,
    option: Option<String>,
    #[serde(default)]
    values: Vec<String>,
}

impl From<StringFilterIn> for ParameterFilter {
    fn from(f: StringFilterIn) -> Self {
        ParameterFilter {
            key: f.key,
            option: f.option,
            values: f.values,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetParametersByPathInput {
    path: String,
    #[serde(default)]
    recursive: bool,
    #[serde(default)]
    parameter_filters: Vec<StringFilterIn>,
    #[serde(default)]
    with_decryption: bool,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetParametersByPathOutput {
    parameters: Vec<ParameterOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn get_parameters_by_path(
    core: &Core,
    actor: &Actor,
    i: GetParametersByPathInput,
) -> Result<Value, ApiError> {
    let filters: Vec<ParameterFilter> = i.parameter_filters.into_iter().map(Into::into).collect();
    let (found, next) = parameters::get_parameters_by_path(
        core,
        actor,
        &i.path,
        i.recursive,
        &filters,
        i.with_decryption,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(GetParametersByPathOutput {
        parameters: found.into_iter().map(parameter_out).collect(),
        next_token: next,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LegacyFilterIn {
    key: String,
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeParametersInput {
    #[serde(default)]
    filters: Vec<LegacyFilterIn>,
    #[serde(default)]
    parameter_filters: Vec<StringFilterIn>,
    max_results: Option<i64>,
    next_token: Option<String>,
    #[serde(default)]
    shared: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyOut {
    policy_text: String,
    policy_type: String,
    policy_status: String,
}

fn policies_out(p: Vec<ParameterPolicyInfo>) -> Vec<PolicyOut> {
    p.into_iter()
        .map(|p| PolicyOut {
            policy_text: p.policy_text,
            policy_type: p.policy_type,
            policy_status: p.policy_status,
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetadataOut {
    name: String,
    #[serde(rename = "ARN")]
    arn: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    last_modified_date: f64,
    last_modified_user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    allowed_pattern: String,
    version: i64,
    tier: String,
    policies: Vec<PolicyOut>,
    data_type: String,
}

fn metadata_out(p: ParameterInfo) -> MetadataOut {
    MetadataOut {
        name: p.name,
        arn: p.arn,
        kind: p.r#type,
        key_id: p.key_id,
        last_modified_date: epoch_seconds(p.last_modified_at),
        last_modified_user: p.last_modified_user,
        description: p.description,
        allowed_pattern: p.allowed_pattern,
        version: p.version,
        tier: p.tier,
        policies: policies_out(p.policies),
        data_type: p.data_type,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeParametersOutput {
    parameters: Vec<MetadataOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn describe_parameters(
    core: &Core,
    actor: &Actor,
    i: DescribeParametersInput,
) -> Result<Value, ApiError> {
    if !i.filters.is_empty() && !i.parameter_filters.is_empty() {
        return Err(ApiError::new(
            "ValidationException",
            "You can use either Filters or ParameterFilters in a single request, not both.",
        ));
    }
    if i.shared {
        // Nothing is shared from other accounts in a self-hosted store.
        return output(DescribeParametersOutput {
            parameters: Vec::new(),
            next_token: None,
        });
    }
    let mut filters: Vec<ParameterFilter> =
        i.parameter_filters.into_iter().map(Into::into).collect();
    filters.extend(i.filters.into_iter().map(|f| ParameterFilter {
        key: f.key,
        option: Some("Equals".into()),
        values: f.values,
    }));
    let (found, next) = parameters::describe_parameters(
        core,
        actor,
        &filters,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(DescribeParametersOutput {
        parameters: found.into_iter().map(metadata_out).collect(),
        next_token: next,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryInput {
    name: String,
    #[serde(default)]
    with_decryption: bool,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryOut {
    name: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    last_modified_date: f64,
    last_modified_user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    value: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    allowed_pattern: String,
    version: i64,
    labels: Vec<String>,
    tier: String,
    policies: Vec<PolicyOut>,
    data_type: String,
}

fn history_out(h: ParameterVersionInfo) -> HistoryOut {
    HistoryOut {
        name: h.name,
        kind: h.r#type,
        key_id: h.key_id,
        last_modified_date: epoch_seconds(h.last_modified_at),
        last_modified_user: h.last_modified_user,
        description: h.description,
        value: h.value,
        allowed_pattern: h.allowed_pattern,
        version: h.version,
        labels: h.labels,
        tier: h.tier,
        policies: policies_out(h.policies),
        data_type: h.data_type,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryOutput {
    parameters: Vec<HistoryOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn get_parameter_history(
    core: &Core,
    actor: &Actor,
    i: HistoryInput,
) -> Result<Value, ApiError> {
    let (versions, next) = parameters::get_parameter_history(
        core,
        actor,
        &i.name,
        i.with_decryption,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    output(HistoryOutput {
        parameters: versions.into_iter().map(history_out).collect(),
        next_token: next,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameInput {
    name: String,
}

async fn delete_parameter(core: &Core, actor: &Actor, i: NameInput) -> Result<Value, ApiError> {
    parameters::delete_parameter(core, actor, &i.name)
        .await
        .map_err(service)?;
    Ok(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NamesInput {
    names: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteParametersOutput {
    deleted_parameters: Vec<String>,
    invalid_parameters: Vec<String>,
}

async fn delete_parameters(core: &Core, actor: &Actor, i: NamesInput) -> Result<Value, ApiError> {
    let (deleted, invalid) = parameters::delete_parameters(core, actor, &i.names)
        .await
        .map_err(service)?;
    output(DeleteParametersOutput {
        deleted_parameters: deleted,
        invalid_parameters: invalid,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LabelInput {
    name: String,
    parameter_version: Option<i64>,
    labels: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LabelOutput {
    invalid_labels: Vec<String>,
    parameter_version: i64,
}

async fn label_parameter_version(
    core: &Core,
    actor: &Actor,
    i: LabelInput,
) -> Result<Value, ApiError> {
    let (invalid, version) =
        parameters::label_parameter_version(core, actor, &i.name, i.parameter_version, &i.labels)
            .await
            .map_err(service)?;
    output(LabelOutput {
        invalid_labels: invalid,
        parameter_version: version,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnlabelInput {
    name: String,
    parameter_version: i64,
    labels: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UnlabelOutput {
    removed_labels: Vec<String>,
    invalid_labels: Vec<String>,
}

async fn unlabel_parameter_version(
    core: &Core,
    actor: &Actor,
    i: UnlabelInput,
) -> Result<Value, ApiError> {
    let (removed, invalid) =
        parameters::unlabel_parameter_version(core, actor, &i.name, i.parameter_version, &i.labels)
            .await
            .map_err(service)?;
    output(UnlabelOutput {
        removed_labels: removed,
        invalid_labels: invalid,
    })
}
