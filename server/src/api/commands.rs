//! Run Command operations: SendCommand, ListCommands, ListCommandInvocations,
//! GetCommandInvocation, CancelCommand. Translation only; the rules are
//! `bosun_core::commands`.

use super::error::ApiError;
use super::ops::{epoch_seconds, output, TargetIo};
use bosun_core::commands::{self, CommandFilter, SendCommand};
use bosun_core::paging;
use bosun_core::types::{CommandInfo, CommandTarget, InvocationInfo};
use bosun_core::{Actor, Core};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Runs `operation` if it is a Run Command operation.
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
        "SendCommand" => op!(send_command),
        "ListCommands" => op!(list_commands),
        "ListCommandInvocations" => op!(list_command_invocations),
        "GetCommandInvocation" => op!(get_command_invocation),
        "CancelCommand" => op!(cancel_command),
        _ => return None,
    })
}

fn service(e: bosun_core::ServiceError) -> ApiError {
    ApiError::from_service(e)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendCommandInput {
    document_name: String,
    #[serde(default)]
    document_version: Option<String>,
    #[serde(default)]
    document_hash: Option<String>,
    #[serde(default)]
    document_hash_type: Option<String>,
    #[serde(default)]
    instance_ids: Vec<String>,
    #[serde(default)]
    targets: Vec<TargetIo>,
    #[serde(default)]
    parameters: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    timeout_seconds: Option<i64>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    max_concurrency: Option<String>,
    #[serde(default)]
    max_errors: Option<String>,
    #[serde(default)]
    output_s3_bucket_name: Option<String>,
    #[serde(default)]
    service_role_arn: Option<String>,
    #[serde(default)]
    notification_config: Option<Value>,
    #[serde(default)]
    cloud_watch_output_config: Option<Value>,
}

/// A document name, or its ARN.
fn name_of(name_or_arn: &str) -> String {
    match name_or_arn.strip_prefix("arn:") {
        Some(rest) => rest
            .split_once(":document/")
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| name_or_arn.to_string()),
        None => name_or_arn.to_string(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CommandOut {
    command_id: String,
    document_name: String,
    document_version: String,
    comment: String,
    expires_after: f64,
    parameters: BTreeMap<String, Vec<String>>,
    instance_ids: Vec<String>,
    targets: Vec<TargetIo>,
    requested_date_time: f64,
    status: String,
    status_details: String,
    max_concurrency: String,
    max_errors: String,
    target_count: i64,
    completed_count: i64,
    error_count: i64,
    delivery_timed_out_count: i64,
    timeout_seconds: i64,
    cloud_watch_output_config: Value,
    notification_config: Value,
    #[serde(rename = "OutputS3Region")]
    output_s3_region: String,
    #[serde(rename = "OutputS3BucketName")]
    output_s3_bucket_name: String,
    #[serde(rename = "OutputS3KeyPrefix")]
    output_s3_key_prefix: String,
    service_role: String,
}

fn command_out(c: CommandInfo, region: &str) -> CommandOut {
    CommandOut {
        command_id: c.command_id,
        document_name: c.document_name,
        document_version: c.document_version,
        comment: c.comment,
        expires_after: epoch_seconds(c.expires_at),
        parameters: c.parameters,
        instance_ids: c.instance_ids,
        targets: c
            .targets
            .into_iter()
            .map(|t| TargetIo {
                key: t.key,
                values: t.values,
            })
            .collect(),
        requested_date_time: epoch_seconds(c.requested_at),
        status: c.status,
        status_details: c.status_details,
        max_concurrency: c.max_concurrency,
        max_errors: c.max_errors,
        target_count: c.target_count,
        completed_count: c.completed_count,
        error_count: c.error_count,
        delivery_timed_out_count: c.delivery_timed_out_count,
        timeout_seconds: c.timeout_seconds,
        cloud_watch_output_config: serde_json::json!({
            "CloudWatchLogGroupName": "",
            "CloudWatchOutputEnabled": false
        }),
        notification_config: serde_json::json!({
            "NotificationArn": "",
            "NotificationEvents": [],
            "NotificationType": ""
        }),
        output_s3_region: region.to_string(),
        output_s3_bucket_name: String::new(),
        output_s3_key_prefix: String::new(),
        service_role: String::new(),
    }
}

fn unsupported(exception: &'static str, message: &str) -> ApiError {
    ApiError::new(exception, message.to_string())
}

async fn send_command(core: &Core, actor: &Actor, i: SendCommandInput) -> Result<Value, ApiError> {
    if i.output_s3_bucket_name
        .as_deref()
        .is_some_and(|b| !b.is_empty())
    {
        return Err(unsupported(
            "InvalidOutputFolder",
            "Bosun keeps every invocation's output itself (no S3): leave OutputS3BucketName out and read it with GetCommandInvocation or the console.",
        ));
    }
    if i.service_role_arn.as_deref().is_some_and(|r| !r.is_empty())
        || i.notification_config.as_ref().is_some_and(|n| !n.is_null())
    {
        return Err(unsupported(
            "InvalidNotificationConfig",
            "Bosun does not send SNS notifications: leave ServiceRoleArn and NotificationConfig out.",
        ));
    }
    if i.cloud_watch_output_config
        .as_ref()
        .and_then(|c| c.get("CloudWatchOutputEnabled"))
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Err(ApiError::new(
            "ValidationException",
            "Bosun keeps output itself and does not send it to CloudWatch Logs.",
        ));
    }
    let name = name_of(&i.document_name);
    if let Some(hash) = i.document_hash.as_deref().filter(|h| !h.is_empty()) {
        if i.document_hash_type
            .as_deref()
            .is_some_and(|t| t != "Sha256")
        {
            return Err(ApiError::new(
                "InvalidDocument",
                "Only Sha256 document hashes are supported.",
            ));
        }
        let d = bosun_core::documents::describe_document(
            core,
            actor,
            &name,
            &bosun_core::documents::VersionSelector {
                version: i.document_version.clone(),
                version_name: None,
            },
        )
        .await
        .map_err(service)?;
        if !d.hash.eq_ignore_ascii_case(hash) {
            return Err(ApiError::new(
                "InvalidDocument",
                "The DocumentHash does not match the document version's content.",
            ));
        }
    }
    let c = commands::send_command(
        core,
        actor,
        SendCommand {
            document_name: name,
            document_version: i.document_version,
            instance_ids: i.instance_ids,
            targets: i
                .targets
                .into_iter()
                .map(|t| CommandTarget {
                    key: t.key,
                    values: t.values,
                })
                .collect(),
            parameters: i.parameters,
            timeout_seconds: i.timeout_seconds,
            comment: i.comment,
            max_concurrency: i.max_concurrency,
            max_errors: i.max_errors,
        },
    )
    .await
    .map_err(service)?;
    output(serde_json::json!({ "Command": command_out(c, &actor.region) }))
}

/// AWS's `CommandFilter`: its members are lower case in the model (`key`, `value`).
#[derive(Deserialize)]
struct FilterIo {
    key: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    #[serde(default)]
    command_id: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default)]
    filters: Vec<FilterIo>,
    #[serde(default)]
    details: bool,
}

fn filter_of(i: &ListInput) -> Result<CommandFilter, ApiError> {
    let pairs: Vec<(String, String)> = i
        .filters
        .iter()
        .map(|f| (f.key.clone(), f.value.clone()))
        .collect();
    commands::filter_from(
        &pairs,
        CommandFilter {
            command_id: i.command_id.clone(),
            instance_id: i.instance_id.clone(),
            ..Default::default()
        },
    )
    .map_err(service)
}

async fn list_commands(core: &Core, actor: &Actor, i: ListInput) -> Result<Value, ApiError> {
    let f = filter_of(&i)?;
    let scope = "ListCommands";
    let offset = paging::offset_of(scope, i.next_token.as_deref()).map_err(service)?;
    let limit = i.max_results.unwrap_or(50);
    if let Some(id) = &i.command_id {
        // An unknown id is an error, not an empty list.
        commands::get_command(core, actor, id)
            .await
            .map_err(service)?;
    }
    let rows = commands::list_commands(core, actor, &f, offset, limit + 1)
        .await
        .map_err(service)?;
    let (rows, next) = paging::split(rows, scope, offset, limit);
    let list: Vec<CommandOut> = rows
        .into_iter()
        .map(|c| command_out(c, &actor.region))
        .collect();
    let mut out = serde_json::json!({ "Commands": list });
    if let Some(n) = next {
        out["NextToken"] = Value::String(n);
    }
    output(out)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PluginOut {
    name: String,
    status: String,
    status_details: String,
    response_code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_start_date_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_finish_date_time: Option<f64>,
    output: String,
    standard_output_url: String,
    standard_error_url: String,
    #[serde(rename = "OutputS3Region")]
    output_s3_region: String,
    #[serde(rename = "OutputS3BucketName")]
    output_s3_bucket_name: String,
    #[serde(rename = "OutputS3KeyPrefix")]
    output_s3_key_prefix: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InvocationOut {
    command_id: String,
    instance_id: String,
    instance_name: String,
    comment: String,
    document_name: String,
    document_version: String,
    requested_date_time: f64,
    status: String,
    status_details: String,
    trace_output: String,
    standard_output_url: String,
    standard_error_url: String,
    command_plugins: Vec<PluginOut>,
    service_role: String,
    cloud_watch_output_config: Value,
    notification_config: Value,
}

/// SSM's plugin Output: stdout, then stderr after a marker, cut to 2,500 characters.
async fn plugin_output(core: &Core, invocation_id: &str, plugin: i64) -> Result<String, ApiError> {
    let max = commands::API_PLUGIN_OUTPUT_CHARS;
    let (mut out, _) = commands::output_text(core, invocation_id, Some(plugin), 1, max)
        .await
        .map_err(service)?;
    let used = out.chars().count();
    let (err, _) = commands::output_text(core, invocation_id, Some(plugin), 2, max)
        .await
        .map_err(service)?;
    if !err.is_empty() {
        let marker = "\n----------ERROR-------\n";
        let room = max.saturating_sub(used + marker.len());
        if room > 0 {
            out.push_str(marker);
            out.extend(err.chars().take(room));
        }
    }
    Ok(out)
}

async fn invocation_out(
    core: &Core,
    v: InvocationInfo,
    details: bool,
) -> Result<InvocationOut, ApiError> {
    let mut plugins = Vec::new();
    if details {
        for (i, p) in v.plugins.into_iter().enumerate() {
            let text = plugin_output(core, &v.invocation_id, i as i64).await?;
            plugins.push(PluginOut {
                name: p.name,
                status: p.status,
                status_details: p.status_details,
                response_code: p.response_code,
                response_start_date_time: p.started_at.map(epoch_seconds),
                response_finish_date_time: p.ended_at.map(epoch_seconds),
                output: text,
                standard_output_url: String::new(),
                standard_error_url: String::new(),
                output_s3_region: String::new(),
                output_s3_bucket_name: String::new(),
                output_s3_key_prefix: String::new(),
            });
        }
    }
    Ok(InvocationOut {
        command_id: v.command_id,
        instance_id: v.instance_id,
        instance_name: v.instance_name,
        comment: v.comment,
        document_name: v.document_name,
        document_version: v.document_version,
        requested_date_time: epoch_seconds(v.requested_at),
        status: v.status,
        status_details: v.status_details,
        trace_output: String::new(),
        standard_output_url: String::new(),
        standard_error_url: String::new(),
        command_plugins: plugins,
        service_role: String::new(),
        cloud_watch_output_config: serde_json::json!({
            "CloudWatchLogGroupName": "",
            "CloudWatchOutputEnabled": false
        }),
        notification_config: serde_json::json!({
            "NotificationArn": "",
            "NotificationEvents": [],
            "NotificationType": ""
        }),
    })
}

async fn list_command_invocations(
    core: &Core,
    actor: &Actor,
    i: ListInput,
) -> Result<Value, ApiError> {
    let f = filter_of(&i)?;
    let scope = "ListCommandInvocations";
    let offset = paging::offset_of(scope, i.next_token.as_deref()).map_err(service)?;
    let limit = i.max_results.unwrap_or(50);
    let rows = commands::list_invocations(core, actor, &f, offset, limit + 1)
        .await
        .map_err(service)?;
    let (rows, next) = paging::split(rows, scope, offset, limit);
    let mut list = Vec::with_capacity(rows.len());
    for v in rows {
        list.push(invocation_out(core, v, i.details).await?);
    }
    let mut out = serde_json::json!({ "CommandInvocations": list });
    if let Some(n) = next {
        out["NextToken"] = Value::String(n);
    }
    output(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetInvocationInput {
    command_id: String,
    instance_id: String,
    #[serde(default)]
    plugin_name: Option<String>,
}

/// `PT1.234S`, as SSM reports elapsed time.
fn elapsed(ms: i64) -> String {
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

async fn get_command_invocation(
    core: &Core,
    actor: &Actor,
    i: GetInvocationInput,
) -> Result<Value, ApiError> {
    let v = commands::get_invocation(core, actor, &i.command_id, &i.instance_id)
        .await
        .map_err(service)?;
    // One plugin: the named one (InvalidPluginName if none has the name), or the only
    // one; without a name on a multi-step document the whole invocation is reported.
    let plugin = match i.plugin_name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => match v.plugins.iter().position(|p| p.name == name) {
            Some(ix) => Some(ix),
            None => {
                return Err(ApiError::new(
                    "InvalidPluginName",
                    format!("The document has no step named {name}."),
                ))
            }
        },
        None if v.plugins.len() == 1 => Some(0),
        None => None,
    };
    let (stdout, _) = commands::output_text(
        core,
        &v.invocation_id,
        plugin.map(|p| p as i64),
        1,
        commands::API_STDOUT_CHARS,
    )
    .await
    .map_err(service)?;
    let (stderr, _) = commands::output_text(
        core,
        &v.invocation_id,
        plugin.map(|p| p as i64),
        2,
        commands::API_STDERR_CHARS,
    )
    .await
    .map_err(service)?;
    let (status, details, code, started, ended, plugin_name) = match plugin {
        // A plugin that has not started shows its invocation's status (Delayed,
        // Pending), which plugins do not have.
        Some(ix) if v.plugins[ix].status != "Pending" => {
            let p = &v.plugins[ix];
            (
                p.status.clone(),
                p.status_details.clone(),
                p.response_code,
                p.started_at,
                p.ended_at,
                p.name.clone(),
            )
        }
        _ => (
            v.status.clone(),
            v.status_details.clone(),
            v.response_code,
            v.started_at,
            v.ended_at,
            plugin
                .map(|ix| v.plugins[ix].name.clone())
                .unwrap_or_default(),
        ),
    };
    let mut out = serde_json::json!({
        "CommandId": v.command_id,
        "InstanceId": v.instance_id,
        "Comment": v.comment,
        "DocumentName": v.document_name,
        "DocumentVersion": v.document_version,
        "PluginName": plugin_name,
        "ResponseCode": code,
        "Status": status,
        "StatusDetails": details,
        "StandardOutputContent": stdout,
        "StandardOutputUrl": "",
        "StandardErrorContent": stderr,
        "StandardErrorUrl": "",
        "CloudWatchOutputConfig": { "CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": false },
    });
    if let Some(s) = started {
        out["ExecutionStartDateTime"] = Value::String(commands::iso_time(s));
        let end = ended.unwrap_or_else(|| core.now_ms());
        out["ExecutionElapsedTime"] = Value::String(elapsed((end - s).max(0)));
    }
    if let Some(e) = ended {
        out["ExecutionEndDateTime"] = Value::String(commands::iso_time(e));
    }
    output(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CancelInput {
    command_id: String,
    #[serde(default)]
    instance_ids: Vec<String>,
}

async fn cancel_command(core: &Core, actor: &Actor, i: CancelInput) -> Result<Value, ApiError> {
    commands::cancel_command(core, actor, &i.command_id, &i.instance_ids)
        .await
        .map_err(service)?;
    output(serde_json::json!({}))
}
