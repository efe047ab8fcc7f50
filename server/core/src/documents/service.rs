//! Document rules: create, update (a new version), versions ($LATEST, $DEFAULT, N,
//! version names), delete, describe, list with filters, and resolving a document for
//! a run. Built-ins come from [`super::builtin`] and are read-only.

use super::builtin::{self, Builtin};
use super::model::{self, CommandDocument, Format};
use super::store::{self, DocumentRow, VersionRow};
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::tags;
use crate::types::{
    DocumentContent, DocumentInfo, DocumentParameterInfo, DocumentVersionInfo, Role, Tag,
};
use crate::Core;

/// The resource type documents' tags are stored under.
pub const TAG_RESOURCE_TYPE: &str = crate::types::resource_type::DOCUMENT;
/// AWS: at most 1,000 versions per document.
pub const MAX_VERSIONS: i64 = 1000;
/// The document types Bosun runs today.
pub const SUPPORTED_TYPES: &[&str] = &["Command"];

fn invalid_document(name: &str) -> ServiceError {
    ServiceError::not_found(format!("The document {name} does not exist."))
        .with_exception("InvalidDocument")
}

fn invalid_version(message: String) -> ServiceError {
    ServiceError::validation(message).with_exception("InvalidDocumentVersion")
}

fn invalid_content(e: model::Invalid) -> ServiceError {
    ServiceError::invalid_field("content", format!("The document is not valid: {e}"))
        .with_exception("InvalidDocumentContent")
}

/// Which version a request means.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionSelector {
    /// `$LATEST`, `$DEFAULT` or a number; `None`: the default version.
    pub version: Option<String>,
    pub version_name: Option<String>,
}

/// A document version with its parsed form: what a run uses.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub info: DocumentInfo,
    pub content: String,
    pub format: Format,
    pub document: CommandDocument,
}

fn parameters_of(doc: &CommandDocument) -> Vec<DocumentParameterInfo> {
    doc.parameters
        .iter()
        .map(|p| DocumentParameterInfo {
            name: p.name.clone(),
            kind: p.kind.as_str().to_string(),
            description: p.description.clone(),
            default_value: p.default.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            allowed_values: p.allowed_values.clone(),
            textarea: p.textarea,
        })
        .collect()
}

fn builtin_info(b: &Builtin) -> DocumentInfo {
    DocumentInfo {
        name: b.name.to_string(),
        display_name: String::new(),
        owner: "Amazon".into(),
        document_type: "Command".into(),
        schema_version: b.document.schema_version.clone(),
        document_format: b.format.as_str().into(),
        document_version: "1".into(),
        version_name: None,
        default_version: "1".into(),
        latest_version: "1".into(),
        description: b.document.description.clone(),
        platform_types: b.document.platform_types(),
        parameters: parameters_of(&b.document),
        hash: b.hash.clone(),
        created_date: builtin::CREATED_AT_MS,
        target_type: String::new(),
        status: "Active".into(),
        tags: Vec::new(),
    }
}

/// Parses a stored version (it validated when stored; a failure here is corruption).
fn parse_stored(v: &VersionRow) -> ServiceResult<(CommandDocument, Format)> {
    let format = Format::parse(&v.format).unwrap_or(Format::Json);
    let (value, format) = model::parse_content(&v.content, Some(format))
        .map_err(|e| ServiceError::internal("stored document", &e))?;
    let doc = model::validate(&value).map_err(|e| ServiceError::internal("stored document", &e))?;
    Ok((doc, format))
}

fn info_of(
    core: &Core,
    d: &DocumentRow,
    v: &VersionRow,
    doc: &CommandDocument,
    tags: Vec<Tag>,
) -> DocumentInfo {
    DocumentInfo {
        name: d.name.clone(),
        display_name: v.display_name.clone(),
        owner: core.account_id().to_string(),
        document_type: d.document_type.clone(),
        schema_version: v.schema_version.clone(),
        document_format: v.format.clone(),
        document_version: v.version.to_string(),
        version_name: v.version_name.clone(),
        default_version: d.default_version.to_string(),
        latest_version: d.latest_version.to_string(),
        description: doc.description.clone(),
        platform_types: doc.platform_types(),
        parameters: parameters_of(doc),
        hash: v.hash.clone(),
        created_date: v.created_at,
        target_type: d.target_type.clone(),
        status: "Active".into(),
        tags,
    }
}

/// The version number a selector names, for a document row.
fn pick(d: &DocumentRow, sel: &VersionSelector) -> ServiceResult<Option<i64>> {
    Ok(match sel.version.as_deref() {
        None | Some("$DEFAULT") if sel.version_name.is_none() => Some(d.default_version),
        None | Some("$DEFAULT") => None,
        Some("$LATEST") => Some(d.latest_version),
        Some(n) => Some(n.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            invalid_version(format!(
                "{n} is not a document version: use $LATEST, $DEFAULT or a number."
            ))
        })?),
    })
}

async fn load_version<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    e: E,
    d: &DocumentRow,
    sel: &VersionSelector,
) -> ServiceResult<VersionRow> {
    let row = match (pick(d, sel)?, sel.version_name.as_deref()) {
        (Some(n), None) => store::version(e, &d.name, n).await?,
        (None, Some(vn)) => store::version_named(e, &d.name, vn).await?,
        (Some(n), Some(vn)) => store::version(e, &d.name, n)
            .await?
            .filter(|v| v.version_name.as_deref() == Some(vn)),
        (None, None) => None,
    };
    row.ok_or_else(|| {
        invalid_version(format!(
            "The document {} has no version {}.",
            d.name,
            match (&sel.version, &sel.version_name) {
                (Some(v), Some(n)) => format!("{v} named {n}"),
                (Some(v), None) => v.clone(),
                (None, Some(n)) => format!("named {n}"),
                (None, None) => "$DEFAULT".into(),
            }
        ))
    })
}

/// The document `name` at `sel`, parsed. Built-ins included; no role check (the
/// callers check theirs).
pub async fn resolve(core: &Core, name: &str, sel: &VersionSelector) -> ServiceResult<Resolved> {
    if let Some(b) = builtin::get(name) {
        let ok = matches!(
            sel.version.as_deref(),
            None | Some("$DEFAULT" | "$LATEST" | "1")
        ) && sel.version_name.is_none();
        if !ok {
            return Err(invalid_version(format!(
                "The document {name} has only version 1."
            )));
        }
        return Ok(Resolved {
            info: builtin_info(b),
            content: b.content.to_string(),
            format: b.format,
            document: b.document.clone(),
        });
    }
    let Some(d) = store::document(core.db().pool(), name).await? else {
        return Err(invalid_document(name));
    };
    let v = load_version(core.db().pool(), &d, sel).await?;
    let (document, format) = parse_stored(&v)?;
    let tags = tags::store::of(core.db().pool(), TAG_RESOURCE_TYPE, name).await?;
    Ok(Resolved {
        info: info_of(core, &d, &v, &document, tags),
        content: v.content,
        format,
        document,
    })
}

/// What CreateDocument takes.
#[derive(Clone, Debug, Default)]
pub struct CreateDocument {
    pub name: String,
    pub content: String,
    /// JSON or YAML; guessed from the content when `None`.
    pub format: Option<String>,
    pub document_type: Option<String>,
    pub version_name: Option<String>,
    pub display_name: Option<String>,
    pub target_type: Option<String>,
    pub tags: Vec<Tag>,
}

/// Parses and validates content; returns it with its format and summary.
fn check_content(content: &str, format: Option<&str>) -> ServiceResult<(CommandDocument, Format)> {
    let format = match format {
        None => None,
        Some(f) => Some(Format::parse(f).ok_or_else(|| {
            ServiceError::invalid_field(
                "format",
                format!("{f} is not a format Bosun reads: use JSON or YAML."),
            )
            .with_exception("InvalidDocumentContent")
        })?),
    };
    if content.len() > model::MAX_CONTENT_BYTES {
        return Err(ServiceError::invalid_field(
            "content",
            format!(
                "The document is {} bytes; the limit is {} bytes.",
                content.len(),
                model::MAX_CONTENT_BYTES
            ),
        )
        .with_exception("MaxDocumentSizeExceeded"));
    }
    let (value, format) = model::parse_content(content, format).map_err(invalid_content)?;
    if let Some(v) = value.get("schemaVersion").and_then(|v| v.as_str()) {
        if !matches!(v, "2.2" | "1.2") {
            return Err(ServiceError::invalid_field(
                "content",
                format!("Schema version {v} is not supported for Command documents: write 2.2."),
            )
            .with_exception("InvalidDocumentSchemaVersion"));
        }
    }
    let doc = model::validate(&value).map_err(invalid_content)?;
    Ok((doc, format))
}

fn check_name(name: &str) -> ServiceResult<()> {
    let ok = model::is_name(name, 3, 128);
    if !ok {
        return Err(ServiceError::invalid_field(
            "name",
            "A document name is 3–128 letters, digits, _ - and .",
        ));
    }
    if builtin::is_reserved_name(name) {
        return Err(ServiceError::invalid_field(
            "name",
            "Document names may not begin with aws, amazon or amzn (reserved for built-in documents).",
        ));
    }
    Ok(())
}

fn check_version_name(v: Option<&str>) -> ServiceResult<Option<String>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if model::is_name(v, 1, 128) => Ok(Some(v.to_string())),
        Some(_) => Err(ServiceError::invalid_field(
            "version_name",
            "A version name is 1–128 letters, digits, _ - and .",
        )),
    }
}

fn check_type(t: Option<&str>) -> ServiceResult<String> {
    let t = t.unwrap_or("Command");
    if SUPPORTED_TYPES.contains(&t) {
        Ok(t.to_string())
    } else {
        Err(ServiceError::invalid_field(
            "document_type",
            format!("Bosun runs Command documents; {t} documents are not supported yet."),
        )
        .with_exception("InvalidDocumentContent"))
    }
}

/// CreateDocument (operator).
pub async fn create_document(
    core: &Core,
    actor: &Actor,
    input: CreateDocument,
) -> ServiceResult<DocumentInfo> {
    let resource = format!("document/{}", input.name);
    core.authorize(actor, Role::Operator, "CreateDocument", &resource)
        .await?;
    check_name(&input.name)?;
    let document_type = check_type(input.document_type.as_deref())?;
    let version_name = check_version_name(input.version_name.as_deref())?;
    let (doc, format) = check_content(&input.content, input.format.as_deref())?;
    tags::validate(&input.tags)?;
    let now = core.now_ms();
    let d = DocumentRow {
        name: input.name.clone(),
        document_type,
        target_type: input.target_type.clone().unwrap_or_default(),
        default_version: 1,
        latest_version: 1,
        created_at: now,
    };
    let v = VersionRow {
        name: input.name.clone(),
        version: 1,
        version_name,
        display_name: input.display_name.clone().unwrap_or_default(),
        content: input.content.clone(),
        format: format.as_str().into(),
        schema_version: doc.schema_version.clone(),
        description: doc.description.clone(),
        hash: crate::crypto::sha256_hex(input.content.as_bytes()),
        created_at: now,
    };
    let mut tx = core.db().begin().await?;
    if store::document(&mut *tx, &input.name).await?.is_some() {
        return Err(ServiceError::already_exists(format!(
            "A document named {} already exists.",
            input.name
        ))
        .with_exception("DocumentAlreadyExists"));
    }
    store::insert_document(&mut *tx, &d, &actor.name).await?;
    store::insert_version(&mut *tx, &v).await?;
    tags::store::put(&mut tx, TAG_RESOURCE_TYPE, &input.name, &input.tags).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreateDocument",
        &resource,
        Outcome::Success,
        "version 1",
    )
    .await?;
    tx.commit().await?;
    Ok(info_of(core, &d, &v, &doc, input.tags))
}

/// What UpdateDocument takes.
#[derive(Clone, Debug, Default)]
pub struct UpdateDocument {
    pub name: String,
    pub content: String,
    pub format: Option<String>,
    /// The version being updated: `$LATEST` or the latest number (AWS updates only the
    /// latest version).
    pub document_version: Option<String>,
    pub version_name: Option<String>,
    pub display_name: Option<String>,
    pub target_type: Option<String>,
}

/// UpdateDocument (operator): adds a version after the latest one.
pub async fn update_document(
    core: &Core,
    actor: &Actor,
    input: UpdateDocument,
) -> ServiceResult<DocumentInfo> {
    let resource = format!("document/{}", input.name);
    core.authorize(actor, Role::Operator, "UpdateDocument", &resource)
        .await?;
    if builtin::get(&input.name).is_some() {
        return Err(ServiceError::validation(format!(
            "{} is a built-in document and cannot be changed.",
            input.name
        ))
        .with_exception("InvalidDocumentOperation"));
    }
    let version_name = check_version_name(input.version_name.as_deref())?;
    let (doc, format) = check_content(&input.content, input.format.as_deref())?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let Some(mut d) = store::document(&mut *tx, &input.name).await? else {
        return Err(invalid_document(&input.name));
    };
    match input.document_version.as_deref() {
        None | Some("$LATEST") => {}
        Some(v) if v == d.latest_version.to_string() => {}
        Some(v) => {
            return Err(invalid_version(format!(
                "Only the latest version ({}) of {} can be updated, not {v}.",
                d.latest_version, d.name
            )))
        }
    }
    let Some(latest) = store::version(&mut *tx, &d.name, d.latest_version).await? else {
        return Err(ServiceError::internal(
            "document",
            &"latest version row missing",
        ));
    };
    let hash = crate::crypto::sha256_hex(input.content.as_bytes());
    if latest.hash == hash {
        return Err(ServiceError::conflict(
            "The content is the same as the latest version's.".to_string(),
        )
        .with_exception("DuplicateDocumentContent"));
    }
    if let Some(vn) = &version_name {
        if store::version_named(&mut *tx, &d.name, vn).await?.is_some() {
            return Err(ServiceError::conflict(format!(
                "Another version of {} is already named {vn}.",
                d.name
            ))
            .with_exception("DuplicateDocumentVersionName"));
        }
    }
    if store::count_versions(&mut *tx, &d.name).await? >= MAX_VERSIONS {
        return Err(ServiceError::limit_exceeded(format!(
            "{} has {MAX_VERSIONS} versions, the most a document may have; delete old ones first.",
            d.name
        ))
        .with_exception("DocumentVersionLimitExceeded"));
    }
    let next = d.latest_version + 1;
    let v = VersionRow {
        name: d.name.clone(),
        version: next,
        version_name,
        display_name: input
            .display_name
            .clone()
            .unwrap_or_else(|| latest.display_name.clone()),
        content: input.content.clone(),
        format: format.as_str().into(),
        schema_version: doc.schema_version.clone(),
        description: doc.description.clone(),
        hash,
        created_at: now,
    };
    if !store::advance_latest(&mut *tx, &d.name, d.latest_version, next).await? {
        return Err(ServiceError::conflict(format!(
            "{} changed while this update was made; try again.",
            d.name
        ))
        .with_exception("TooManyUpdates"));
    }
    store::insert_version(&mut *tx, &v).await?;
    if let Some(t) = &input.target_type {
        d.target_type = t.clone();
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateDocument",
        &resource,
        Outcome::Success,
        &format!("version {next}"),
    )
    .await?;
    tx.commit().await?;
    d.latest_version = next;
    let tags = tags::store::of(core.db().pool(), TAG_RESOURCE_TYPE, &d.name).await?;
    Ok(info_of(core, &d, &v, &doc, tags))
}

/// DescribeDocument (viewer).
pub async fn describe_document(
    core: &Core,
    actor: &Actor,
    name: &str,
    sel: &VersionSelector,
) -> ServiceResult<DocumentInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeDocument",
        &format!("document/{name}"),
    )
    .await?;
    Ok(resolve(core, name, sel).await?.info)
}

/// GetDocument (viewer): the content, converted to `format` when asked.
pub async fn get_document(
    core: &Core,
    actor: &Actor,
    name: &str,
    sel: &VersionSelector,
    format: Option<&str>,
) -> ServiceResult<DocumentContent> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetDocument",
        &format!("document/{name}"),
    )
    .await?;
    let r = resolve(core, name, sel).await?;
    let want = match format {
        None => r.format,
        Some(f) => Format::parse(f).ok_or_else(|| {
            ServiceError::invalid_field("format", format!("{f}: use JSON or YAML."))
                .with_exception("InvalidDocumentContent")
        })?,
    };
    let content = if want == r.format {
        r.content
    } else {
        let (value, _) = model::parse_content(&r.content, Some(r.format))
            .map_err(|e| ServiceError::internal("stored document", &e))?;
        model::render(&value, want)
            .map_err(|e| ServiceError::internal("document conversion", &e))?
    };
    Ok(DocumentContent {
        name: r.info.name,
        display_name: r.info.display_name,
        document_version: r.info.document_version,
        version_name: r.info.version_name,
        document_type: r.info.document_type,
        document_format: want.as_str().into(),
        content,
        created_date: r.info.created_date,
        status: r.info.status,
    })
}

/// DeleteDocument (operator): the whole document, or one version that is not the
/// default.
pub async fn delete_document(
    core: &Core,
    actor: &Actor,
    name: &str,
    version: Option<&str>,
    version_name: Option<&str>,
) -> ServiceResult<()> {
    let resource = format!("document/{name}");
    core.authorize(actor, Role::Operator, "DeleteDocument", &resource)
        .await?;
    if builtin::get(name).is_some() {
        return Err(ServiceError::validation(format!(
            "{name} is a built-in document and cannot be deleted."
        ))
        .with_exception("InvalidDocumentOperation"));
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let Some(d) = store::document(&mut *tx, name).await? else {
        return Err(invalid_document(name));
    };
    let detail = if version.is_none() && version_name.is_none() {
        store::delete_document(&mut *tx, name).await?;
        tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, name).await?;
        "all versions".to_string()
    } else {
        let sel = VersionSelector {
            version: version.map(str::to_string),
            version_name: version_name.map(str::to_string),
        };
        let n = load_version(&mut *tx, &d, &sel).await?.version;
        if n == d.default_version {
            return Err(ServiceError::validation(format!(
                "Version {n} is the default version of {name}; make another version the default first, or delete the whole document."
            ))
            .with_exception("InvalidDocumentOperation"));
        }
        if !store::delete_version(&mut *tx, name, n).await? {
            return Err(invalid_version(format!("{name} has no version {n}.")));
        }
        store::refresh_latest(&mut *tx, name).await?;
        format!("version {n}")
    };
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeleteDocument",
        &resource,
        Outcome::Success,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// UpdateDocumentDefaultVersion (operator). Returns the new default and its name.
pub async fn update_default_version(
    core: &Core,
    actor: &Actor,
    name: &str,
    version: &str,
) -> ServiceResult<(String, Option<String>)> {
    let resource = format!("document/{name}");
    core.authorize(
        actor,
        Role::Operator,
        "UpdateDocumentDefaultVersion",
        &resource,
    )
    .await?;
    if builtin::get(name).is_some() {
        return Err(ServiceError::validation(format!(
            "{name} is a built-in document and cannot be changed."
        ))
        .with_exception("InvalidDocumentOperation"));
    }
    let n: i64 = version
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| invalid_version(format!("{version} is not a version number.")))?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if store::document(&mut *tx, name).await?.is_none() {
        return Err(invalid_document(name));
    }
    let Some(v) = store::version(&mut *tx, name, n).await? else {
        return Err(invalid_version(format!("{name} has no version {n}.")));
    };
    store::set_default(&mut *tx, name, n).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateDocumentDefaultVersion",
        &resource,
        Outcome::Success,
        &format!("version {n}"),
    )
    .await?;
    tx.commit().await?;
    Ok((n.to_string(), v.version_name))
}

/// ListDocumentVersions (viewer): newest first, pages of 1–50.
pub async fn list_document_versions(
    core: &Core,
    actor: &Actor,
    name: &str,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<DocumentVersionInfo>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "ListDocumentVersions",
        &format!("document/{name}"),
    )
    .await?;
    if let Some(b) = builtin::get(name) {
        let info = builtin_info(b);
        return Ok((
            vec![DocumentVersionInfo {
                name: info.name,
                display_name: String::new(),
                document_version: "1".into(),
                version_name: None,
                created_date: info.created_date,
                is_default_version: true,
                document_format: info.document_format,
                status: "Active".into(),
            }],
            None,
        ));
    }
    let Some(d) = store::document(core.db().pool(), name).await? else {
        return Err(invalid_document(name));
    };
    let limit = max_results.unwrap_or(50).clamp(1, 50);
    let scope = format!("versions:{name}");
    let offset = crate::paging::offset_of(&scope, next_token)?;
    let rows = store::versions(core.db().pool(), name, limit + 1, offset).await?;
    let (rows, next) = crate::paging::split(rows, &scope, offset, limit);
    Ok((
        rows.into_iter()
            .map(|v| DocumentVersionInfo {
                name: v.name,
                display_name: v.display_name,
                document_version: v.version.to_string(),
                version_name: v.version_name,
                created_date: v.created_at,
                is_default_version: v.version == d.default_version,
                document_format: v.format,
                status: "Active".into(),
            })
            .collect(),
        next,
    ))
}

/// ListDocuments' filters: `DocumentFilterList` (key, value) and `Filters` (key,
/// values), both as `(key, values)`.
#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    pub owner: Option<Vec<String>>,
    pub names: Vec<String>,
    pub types: Vec<String>,
    pub platforms: Vec<String>,
    pub schema_versions: Vec<String>,
    pub target_types: Vec<String>,
    pub keywords: Vec<String>,
    pub tags: Vec<(String, Vec<String>)>,
    pub tag_keys: Vec<String>,
}

pub fn filter_from(filters: &[(String, Vec<String>)]) -> ServiceResult<DocumentFilter> {
    let mut f = DocumentFilter::default();
    for (key, values) in filters {
        if values.is_empty() {
            return Err(
                ServiceError::validation(format!("Filter {key} needs a value."))
                    .with_exception("InvalidFilterValue"),
            );
        }
        match key.as_str() {
            "Owner" => {
                for v in values {
                    if !matches!(
                        v.as_str(),
                        "Self" | "Amazon" | "Private" | "All" | "Public" | "ThirdParty"
                    ) {
                        return Err(ServiceError::validation(format!(
                            "{v} is not an owner: use Self, Amazon, Private or All."
                        ))
                        .with_exception("InvalidFilterValue"));
                    }
                }
                f.owner
                    .get_or_insert_with(Vec::new)
                    .extend(values.iter().cloned());
            }
            "Name" => f.names.extend(values.iter().cloned()),
            "DocumentType" => f.types.extend(values.iter().cloned()),
            "PlatformTypes" => f.platforms.extend(values.iter().cloned()),
            "SchemaVersion" => f.schema_versions.extend(values.iter().cloned()),
            "TargetType" => f.target_types.extend(values.iter().cloned()),
            "SearchKeyword" => f.keywords.extend(values.iter().map(|v| v.to_lowercase())),
            "tag-key" => f.tag_keys.extend(values.iter().cloned()),
            other => match other.strip_prefix("tag:") {
                Some(k) if !k.is_empty() => f.tags.push((k.to_string(), values.clone())),
                _ => {
                    return Err(ServiceError::validation(format!(
                        "{other} is not a filter key of ListDocuments."
                    ))
                    .with_exception("InvalidFilterKey"))
                }
            },
        }
    }
    Ok(f)
}

fn matches(f: &DocumentFilter, d: &DocumentInfo, amazon: bool) -> bool {
    let owner_ok = match &f.owner {
        None => true,
        Some(owners) => owners.iter().any(|o| match o.as_str() {
            "Self" | "Private" => !amazon,
            "Amazon" | "Public" => amazon,
            "All" => true,
            _ => false,
        }),
    };
    let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
    owner_ok
        && (f.names.is_empty() || f.names.iter().any(|n| d.name.starts_with(n.as_str())))
        && any(&f.types, &d.document_type)
        && (f.platforms.is_empty() || f.platforms.iter().any(|p| d.platform_types.contains(p)))
        && any(&f.schema_versions, &d.schema_version)
        && any(&f.target_types, &d.target_type)
        && f.keywords.iter().all(|k| {
            d.name.to_lowercase().contains(k.as_str())
                || d.description.to_lowercase().contains(k.as_str())
        })
        && f.tag_keys
            .iter()
            .all(|k| d.tags.iter().any(|t| &t.key == k))
        && f.tags
            .iter()
            .all(|(k, vs)| d.tags.iter().any(|t| &t.key == k && vs.contains(&t.value)))
}

/// Every document's default version (built-ins first by name, then ours), filtered.
pub async fn all_documents(core: &Core, f: &DocumentFilter) -> ServiceResult<Vec<DocumentInfo>> {
    let mut out: Vec<DocumentInfo> = builtin::all()
        .iter()
        .map(builtin_info)
        .filter(|d| matches(f, d, true))
        .collect();
    let pool = core.db().pool();
    for d in store::documents(pool).await? {
        let Some(v) = store::version(pool, &d.name, d.default_version).await? else {
            continue;
        };
        let (doc, _) = parse_stored(&v)?;
        let tags = tags::store::of(pool, TAG_RESOURCE_TYPE, &d.name).await?;
        let info = info_of(core, &d, &v, &doc, tags);
        if matches(f, &info, false) {
            out.push(info);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// ListDocuments (viewer): pages of 1–50 (default 50), by name.
pub async fn list_documents(
    core: &Core,
    actor: &Actor,
    filters: &[(String, Vec<String>)],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<DocumentInfo>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "ListDocuments", "documents")
        .await?;
    let f = filter_from(filters)?;
    let limit = max_results.unwrap_or(50).clamp(1, 50);
    let offset = crate::paging::offset_of("documents", next_token)?;
    let all = all_documents(core, &f).await?;
    let rows: Vec<DocumentInfo> = all
        .into_iter()
        .skip(offset.max(0) as usize)
        .take(limit as usize + 1)
        .collect();
    Ok(crate::paging::split(rows, "documents", offset, limit))
}

/// Whether a document of that name exists (the tagging facility asks).
pub async fn exists(core: &Core, name: &str) -> ServiceResult<bool> {
    Ok(builtin::get(name).is_some() || store::document(core.db().pool(), name).await?.is_some())
}

/// The console's Documents list: owner (`self`/`amazon`) and type filters, text
/// search over name and description, sorting by name or creation.
pub async fn list_for_console(
    core: &Core,
    actor: &Actor,
    query: &crate::types::ListQuery,
) -> ServiceResult<crate::types::Page<DocumentInfo>> {
    core.authorize(actor, Role::Viewer, "ListDocuments", "documents")
        .await?;
    let mut f = DocumentFilter::default();
    match query.filter("owner") {
        Some("self") => f.owner = Some(vec!["Self".into()]),
        Some("amazon") => f.owner = Some(vec!["Amazon".into()]),
        _ => {}
    }
    if let Some(t) = query.filter("type") {
        f.types.push(t.to_string());
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        f.keywords.push(q.to_lowercase());
    }
    let mut all = all_documents(core, &f).await?;
    match (query.sort.as_deref(), query.desc) {
        (Some("created"), desc) => all.sort_by(|a, b| {
            let o = a.created_date.cmp(&b.created_date);
            if desc {
                o.reverse()
            } else {
                o
            }
        }),
        (_, true) => all.reverse(),
        _ => {}
    }
    let total = all.len() as i64;
    let items = all
        .into_iter()
        .skip(query.offset().max(0) as usize)
        .take(query.per_page() as usize)
        .collect();
    Ok(crate::types::Page {
        items,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}
