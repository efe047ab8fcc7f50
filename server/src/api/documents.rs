//! Document operations: CreateDocument, GetDocument, UpdateDocument, DeleteDocument,
//! DescribeDocument, ListDocuments, ListDocumentVersions, UpdateDocumentDefaultVersion.
//! Translation only; the rules are `bosun_core::documents`.

use super::error::ApiError;
use super::ops::{epoch_seconds, output, TagIo};
use bosun_core::documents::{self, CreateDocument, UpdateDocument, VersionSelector};
use bosun_core::types::{DocumentInfo, DocumentVersionInfo, Tag};
use bosun_core::{Actor, Core};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Runs `operation` if it is a document operation.
pub(super) async fn call(
    core: &Core,
    actor: &Actor,
    operation: &str,
    body: Value,
) -> Option<Result<Value, ApiError>> {
    // Decode the operation's input, then call its handler.
    macro_rules! op {
        ($handler:ident) => {
            super::ops::dispatch!(core, actor, body, $handler)
        };
    }
    Some(match operation {
        "CreateDocument" => op!(create_document),
        "UpdateDocument" => op!(update_document),
        "GetDocument" => op!(get_document),
        "DescribeDocument" => op!(describe_document),
        "DeleteDocument" => op!(delete_document),
        "ListDocuments" => op!(list_documents),
        "ListDocumentVersions" => op!(list_document_versions),
        "UpdateDocumentDefaultVersion" => op!(update_default_version),
        _ => return None,
    })
}

/// A document name, or its ARN (`arn:aws:ssm:REGION:ACCOUNT:document/NAME`).
fn name_of(name_or_arn: &str) -> String {
    match name_or_arn.strip_prefix("arn:") {
        Some(rest) => rest
            .split_once(":document/")
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| name_or_arn.to_string()),
        None => name_or_arn.to_string(),
    }
}

fn service(e: bosun_core::ServiceError) -> ApiError {
    ApiError::from_service(e)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ParameterOut {
    name: String,
    /// The model knows String and StringList; other types are reported by kind.
    #[serde(rename = "Type")]
    kind: &'static str,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescriptionOut {
    hash: String,
    hash_type: &'static str,
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_name: Option<String>,
    owner: String,
    created_date: f64,
    status: String,
    document_version: String,
    description: String,
    parameters: Vec<ParameterOut>,
    platform_types: Vec<String>,
    document_type: String,
    schema_version: String,
    latest_version: String,
    default_version: String,
    document_format: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    target_type: String,
    tags: Vec<TagIo>,
}

fn description(d: DocumentInfo) -> DescriptionOut {
    DescriptionOut {
        hash: d.hash,
        hash_type: "Sha256",
        name: d.name,
        display_name: d.display_name,
        version_name: d.version_name,
        owner: d.owner,
        created_date: epoch_seconds(d.created_date),
        status: d.status,
        document_version: d.document_version,
        description: d.description,
        parameters: d
            .parameters
            .into_iter()
            .map(|p| ParameterOut {
                kind: match p.kind.as_str() {
                    "StringList" | "MapList" => "StringList",
                    _ => "String",
                },
                name: p.name,
                description: p.description,
                default_value: p.default_value,
            })
            .collect(),
        platform_types: d.platform_types,
        document_type: d.document_type,
        schema_version: d.schema_version,
        latest_version: d.latest_version,
        default_version: d.default_version,
        document_format: d.document_format,
        target_type: d.target_type,
        tags: d.tags.into_iter().map(TagIo::from).collect(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    content: String,
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    version_name: Option<String>,
    #[serde(default)]
    document_type: Option<String>,
    #[serde(default)]
    document_format: Option<String>,
    #[serde(default)]
    target_type: Option<String>,
    #[serde(default)]
    tags: Vec<TagIo>,
}

async fn create_document(core: &Core, actor: &Actor, i: CreateInput) -> Result<Value, ApiError> {
    let d = documents::create_document(
        core,
        actor,
        CreateDocument {
            name: i.name,
            content: i.content,
            // AWS's default format is JSON; Bosun reads what it is given.
            format: i.document_format,
            document_type: i.document_type,
            version_name: i.version_name,
            display_name: i.display_name,
            target_type: i.target_type,
            tags: i.tags.into_iter().map(Tag::from).collect(),
        },
    )
    .await
    .map_err(service)?;
    output(serde_json::json!({ "DocumentDescription": description(d) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    content: String,
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    version_name: Option<String>,
    #[serde(default)]
    document_version: Option<String>,
    #[serde(default)]
    document_format: Option<String>,
    #[serde(default)]
    target_type: Option<String>,
}

async fn update_document(core: &Core, actor: &Actor, i: UpdateInput) -> Result<Value, ApiError> {
    let d = documents::update_document(
        core,
        actor,
        UpdateDocument {
            name: i.name,
            content: i.content,
            format: i.document_format,
            document_version: i.document_version,
            version_name: i.version_name,
            display_name: i.display_name,
            target_type: i.target_type,
        },
    )
    .await
    .map_err(service)?;
    output(serde_json::json!({ "DocumentDescription": description(d) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SelectInput {
    name: String,
    #[serde(default)]
    document_version: Option<String>,
    #[serde(default)]
    version_name: Option<String>,
    #[serde(default)]
    document_format: Option<String>,
}

impl SelectInput {
    fn selector(&self) -> VersionSelector {
        VersionSelector {
            version: self.document_version.clone(),
            version_name: self.version_name.clone(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetOut {
    name: String,
    created_date: f64,
    #[serde(skip_serializing_if = "String::is_empty")]
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_name: Option<String>,
    document_version: String,
    status: String,
    content: String,
    document_type: String,
    document_format: String,
}

async fn get_document(core: &Core, actor: &Actor, i: SelectInput) -> Result<Value, ApiError> {
    let c = documents::get_document(
        core,
        actor,
        &name_of(&i.name),
        &i.selector(),
        i.document_format.as_deref(),
    )
    .await
    .map_err(service)?;
    output(GetOut {
        name: c.name,
        created_date: epoch_seconds(c.created_date),
        display_name: c.display_name,
        version_name: c.version_name,
        document_version: c.document_version,
        status: c.status,
        content: c.content,
        document_type: c.document_type,
        document_format: c.document_format,
    })
}

async fn describe_document(core: &Core, actor: &Actor, i: SelectInput) -> Result<Value, ApiError> {
    let d = documents::describe_document(core, actor, &name_of(&i.name), &i.selector())
        .await
        .map_err(service)?;
    output(serde_json::json!({ "Document": description(d) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    name: String,
    #[serde(default)]
    document_version: Option<String>,
    #[serde(default)]
    version_name: Option<String>,
}

async fn delete_document(core: &Core, actor: &Actor, i: DeleteInput) -> Result<Value, ApiError> {
    documents::delete_document(
        core,
        actor,
        &i.name,
        i.document_version.as_deref(),
        i.version_name.as_deref(),
    )
    .await
    .map_err(service)?;
    output(serde_json::json!({}))
}

#[derive(Deserialize)]
struct FilterPairIo {
    key: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyValuesIo {
    key: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    #[serde(default)]
    document_filter_list: Vec<FilterPairIo>,
    #[serde(default)]
    filters: Vec<KeyValuesIo>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct IdentifierOut {
    name: String,
    created_date: f64,
    #[serde(skip_serializing_if = "String::is_empty")]
    display_name: String,
    owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_name: Option<String>,
    platform_types: Vec<String>,
    document_version: String,
    document_type: String,
    schema_version: String,
    document_format: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    target_type: String,
    tags: Vec<TagIo>,
}

async fn list_documents(core: &Core, actor: &Actor, i: ListInput) -> Result<Value, ApiError> {
    let filters: Vec<(String, Vec<String>)> = i
        .document_filter_list
        .into_iter()
        .map(|f| (f.key, vec![f.value]))
        .chain(i.filters.into_iter().map(|f| (f.key, f.values)))
        .collect();
    let (list, next) = documents::list_documents(
        core,
        actor,
        &filters,
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    let ids: Vec<IdentifierOut> = list
        .into_iter()
        .map(|d| IdentifierOut {
            name: d.name,
            created_date: epoch_seconds(d.created_date),
            display_name: d.display_name,
            owner: d.owner,
            version_name: d.version_name,
            platform_types: d.platform_types,
            document_version: d.document_version,
            document_type: d.document_type,
            schema_version: d.schema_version,
            document_format: d.document_format,
            target_type: d.target_type,
            tags: d.tags.into_iter().map(TagIo::from).collect(),
        })
        .collect();
    let mut out = serde_json::json!({ "DocumentIdentifiers": ids });
    if let Some(n) = next {
        out["NextToken"] = Value::String(n);
    }
    output(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VersionsInput {
    name: String,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VersionOut {
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    display_name: String,
    document_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_name: Option<String>,
    created_date: f64,
    is_default_version: bool,
    document_format: String,
    status: String,
}

impl From<DocumentVersionInfo> for VersionOut {
    fn from(v: DocumentVersionInfo) -> Self {
        VersionOut {
            name: v.name,
            display_name: v.display_name,
            document_version: v.document_version,
            version_name: v.version_name,
            created_date: epoch_seconds(v.created_date),
            is_default_version: v.is_default_version,
            document_format: v.document_format,
            status: v.status,
        }
    }
}

async fn list_document_versions(
    core: &Core,
    actor: &Actor,
    i: VersionsInput,
) -> Result<Value, ApiError> {
    let (list, next) = documents::list_document_versions(
        core,
        actor,
        &name_of(&i.name),
        i.max_results,
        i.next_token.as_deref(),
    )
    .await
    .map_err(service)?;
    let mut out = serde_json::json!({
        "DocumentVersions": list.into_iter().map(VersionOut::from).collect::<Vec<_>>()
    });
    if let Some(n) = next {
        out["NextToken"] = Value::String(n);
    }
    output(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DefaultVersionInput {
    name: String,
    document_version: String,
}

async fn update_default_version(
    core: &Core,
    actor: &Actor,
    i: DefaultVersionInput,
) -> Result<Value, ApiError> {
    let (version, version_name) =
        documents::update_default_version(core, actor, &i.name, &i.document_version)
            .await
            .map_err(service)?;
    let mut description = serde_json::json!({ "Name": i.name, "DefaultVersion": version });
    if let Some(n) = version_name {
        description["DefaultVersionName"] = Value::String(n);
    }
    output(serde_json::json!({ "Description": description }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arns() {
        assert_eq!(name_of("My-Doc"), "My-Doc");
        assert_eq!(
            name_of("arn:aws:ssm:eu-west-1:123456789012:document/My-Doc"),
            "My-Doc"
        );
    }
}
