//! Parameter Store operations, shared by the AWS API and the console.
//!
//! Roles: viewers read (SecureStrings sealed), operators write and may decrypt, and
//! every decryption is audited by name and version (never the value). Writes and their
//! audit records share one transaction.

use super::store::{self, ParamRow, VersionRow};
use super::{
    check_allowed_pattern, check_name, check_path, effective_tier, parent_path, parse_policies,
    parse_selector, PolicyKind, Selector, MAX_LABELS_PER_VERSION, MAX_VERSIONS, TAG_RESOURCE_TYPE,
    TYPES,
};
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::error::{is_unique_violation, ServiceError, ServiceResult};
use crate::kms;
use crate::types::{
    ParameterEvent, ParameterFilter, ParameterInfo, ParameterPolicyInfo, ParameterValue,
    ParameterVersionInfo, Role, Tag,
};
use crate::{paging, settings, tags, Core};
use base64::Engine as _;
use std::collections::{BTreeMap, BTreeSet};

/// GetParameters / DeleteParameters take at most this many names.
pub const MAX_NAMES: usize = 10;
/// GetParametersByPath's page size at most (and default).
pub const MAX_BY_PATH_RESULTS: i64 = 10;
/// DescribeParameters' and GetParameterHistory's page size at most (and default).
pub const MAX_DESCRIBE_RESULTS: i64 = 50;
/// The only data type Bosun stores (`aws:ec2:image` needs EC2).
pub const DATA_TYPE_TEXT: &str = "text";

/// PutParameter's input.
#[derive(Clone, Default)]
pub struct PutParameter {
    pub name: String,
    pub value: String,
    pub r#type: Option<String>,
    pub overwrite: bool,
    pub description: Option<String>,
    pub key_id: Option<String>,
    pub allowed_pattern: Option<String>,
    pub tier: Option<String>,
    pub policies: Option<String>,
    pub data_type: Option<String>,
    pub tags: Vec<Tag>,
}

impl std::fmt::Debug for PutParameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutParameter")
            .field("name", &self.name)
            .field("type", &self.r#type)
            .finish_non_exhaustive()
    }
}

fn not_found(name: &str) -> ServiceError {
    ServiceError::not_found(format!("Parameter {name} not found."))
        .with_exception("ParameterNotFound")
}

fn version_not_found(name: &str, sel: &Selector) -> ServiceError {
    let what = match sel {
        Selector::Version(v) => format!("version {v}"),
        Selector::Label(l) => format!("label {l}"),
        Selector::Latest => "the latest version".into(),
    };
    ServiceError::not_found(format!("Parameter {name} has no {what}."))
        .with_exception("ParameterVersionNotFound")
}

/// `arn:aws:ssm:<region>:<account>:parameter/<name>` (a leading `/` is not doubled).
pub fn arn(core: &Core, actor: &Actor, name: &str) -> String {
    format!(
        "arn:aws:ssm:{}:{}:parameter/{}",
        actor.region,
        core.account_id(),
        name.trim_start_matches('/')
    )
}

fn context(name: &str, version: i64) -> String {
    format!("parameter:{name}:{version}")
}

fn policies_of(text: &str) -> Vec<ParameterPolicyInfo> {
    serde_json::from_str(text).unwrap_or_default()
}

fn info(core: &Core, actor: &Actor, p: &ParamRow) -> ParameterInfo {
    ParameterInfo {
        name: p.name.clone(),
        arn: arn(core, actor, &p.name),
        r#type: p.r#type.clone(),
        key_id: (p.r#type == "SecureString").then(|| p.key_id.clone()),
        last_modified_at: p.modified_at,
        last_modified_user: p.modified_by.clone(),
        description: p.description.clone(),
        allowed_pattern: p.allowed_pattern.clone(),
        version: p.version,
        tier: p.tier.clone(),
        policies: policies_of(&p.policies),
        data_type: p.data_type.clone(),
    }
}

/// PutParameter (operator): a new parameter, or a new version of one with Overwrite.
/// Returns the version written and the tier.
pub async fn put_parameter(
    core: &Core,
    actor: &Actor,
    input: PutParameter,
) -> ServiceResult<(i64, String)> {
    let name = check_name(&input.name)?;
    let resource = format!("parameter/{name}");
    core.authorize(actor, Role::Operator, "PutParameter", &resource)
        .await?;
    if input.overwrite && !input.tags.is_empty() {
        return Err(ServiceError::validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
        ));
    }
    tags::validate(&input.tags)?;
    let data_type = input
        .data_type
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| DATA_TYPE_TEXT.into());
    if data_type != DATA_TYPE_TEXT {
        return Err(ServiceError::invalid_field(
            "dataType",
            format!("The data type {data_type} is not supported; Bosun stores data type text."),
        ));
    }
    let now = core.now_ms();
    let new_policies = match input.policies.as_deref() {
        Some(p) => Some(parse_policies(p, now)?),
        None => None,
    };
    if let Some(t) = input.r#type.as_deref() {
        if !TYPES.contains(&t) {
            return Err(ServiceError::invalid_field(
                "type",
                format!("{t} is not a parameter type (String, StringList, SecureString)."),
            ));
        }
    }
    // Key and default tier are read before the write transaction: the default key may
    // need creating, which must not wait behind our own write lock (SQLite).
    let will_be_secure = input.r#type.as_deref() == Some("SecureString");
    if input.key_id.is_some() && input.r#type.as_deref().is_some_and(|t| t != "SecureString") {
        return Err(ServiceError::invalid_field(
            "keyId",
            "KeyId applies to SecureString parameters only.",
        ));
    }
    let default_tier = settings::value(core, settings::DEFAULT_PARAMETER_TIER).await?;
    let existing_outside = store::get(core.db().pool(), &name).await?;
    let secure = will_be_secure
        || (input.r#type.is_none()
            && existing_outside
                .as_ref()
                .is_some_and(|p| p.r#type == "SecureString"));
    let key_ref = if secure {
        let wanted = input.key_id.clone().filter(|k| !k.is_empty()).or_else(|| {
            existing_outside
                .as_ref()
                .filter(|p| p.r#type == "SecureString" && !p.key_id.is_empty())
                .map(|p| p.key_id.clone())
        });
        let key = kms::resolve_key(core, wanted.as_deref()).await?;
        Some(wanted.unwrap_or_else(|| key.alias.clone().unwrap_or(key.key_id)))
    } else {
        None
    };

    let mut tx = core.db().begin().await?;
    let existing = store::get(&mut *tx, &name).await?;
    if existing.is_some() && !input.overwrite {
        return Err(ServiceError::already_exists(format!(
            "The parameter {name} already exists. To overwrite it, set Overwrite."
        ))
        .with_exception("ParameterAlreadyExists"));
    }
    let ty = match (&input.r#type, &existing) {
        (Some(t), _) => t.clone(),
        (None, Some(p)) => p.r#type.clone(),
        (None, None) => {
            return Err(ServiceError::invalid_field(
                "type",
                "A parameter type is required when you create a parameter.",
            ))
        }
    };
    if (ty == "SecureString") != key_ref.is_some() {
        // The parameter changed type between our two reads: ask again.
        return Err(ServiceError::conflict(
            "The parameter changed while it was being written; try again.",
        )
        .with_exception("TooManyUpdates"));
    }
    let keep = |f: fn(&ParamRow) -> &String| existing.as_ref().map(f).cloned();
    let description = input
        .description
        .clone()
        .or_else(|| keep(|p| &p.description))
        .unwrap_or_default();
    let allowed_pattern = input
        .allowed_pattern
        .clone()
        .or_else(|| keep(|p| &p.allowed_pattern))
        .unwrap_or_default();
    check_allowed_pattern(&allowed_pattern, &input.value)?;
    // Policies: the request's, else the ones the parameter has (their schedule restarts
    // from this change).
    let policies = match new_policies {
        Some(p) => p,
        None => match existing.as_ref() {
            Some(p) => retained_policies(&p.policies)?,
            None => Vec::new(),
        },
    };
    // Without a tier in the request the default-tier setting applies, but an Advanced
    // parameter stays Advanced (only an explicit Standard is a refused downgrade).
    let requested_tier = match input.tier.clone().filter(|t| !t.is_empty()) {
        Some(t) => t,
        None if existing.as_ref().is_some_and(|p| p.tier == "Advanced") => "Advanced".into(),
        None => default_tier,
    };
    let tier = effective_tier(
        &requested_tier,
        existing.as_ref().map(|p| p.tier.as_str()),
        input.value.len(),
        !policies.is_empty(),
    )?;
    let version = existing.as_ref().map_or(1, |p| p.version + 1);
    if existing.is_some() {
        let (oldest, kept) = store::version_span(&mut tx, &name).await?;
        if kept >= MAX_VERSIONS {
            let labelled = store::labels(&mut *tx, &name)
                .await?
                .iter()
                .any(|(_, v)| *v == oldest);
            if labelled {
                return Err(ServiceError::limit_exceeded(format!(
                    "Parameter {name} has {MAX_VERSIONS} versions and the oldest (version {oldest}) has a label. Move or remove its labels, then try again."
                ))
                .with_exception("ParameterMaxVersionLimitExceeded"));
            }
            store::delete_version(&mut tx, &name, oldest).await?;
        }
    }
    let (value, sealed) = match &key_ref {
        Some(k) => {
            let s = kms::encrypt(
                core,
                Some(k),
                &context(&name, version),
                input.value.as_bytes(),
            )
            .await?;
            (None, Some(s.to_bytes()))
        }
        None => (Some(input.value.clone()), None),
    };
    let mut expires_at = None;
    let mut expiry_notice_at = None;
    let mut no_change_at = None;
    for p in &policies {
        match p.kind {
            PolicyKind::Expiration { at_ms } => expires_at = Some(at_ms),
            PolicyKind::NoChangeNotification { after_ms } => {
                no_change_at = Some(now.saturating_add(after_ms))
            }
            PolicyKind::ExpirationNotification { .. } => {}
        }
    }
    for p in &policies {
        if let (PolicyKind::ExpirationNotification { before_ms }, Some(at)) = (&p.kind, expires_at)
        {
            expiry_notice_at = Some(at.saturating_sub(*before_ms).max(now));
        }
    }
    let policy_infos: Vec<ParameterPolicyInfo> = policies
        .iter()
        .map(|p| ParameterPolicyInfo {
            policy_text: p.text.clone(),
            policy_type: p.type_name().into(),
            policy_status: "Pending".into(),
        })
        .collect();
    let policies_json = serde_json::to_string(&policy_infos)
        .map_err(|e| ServiceError::internal("encoding policies", &e))?;
    let modified_by = actor.arn(core.account_id());
    let key_id = key_ref.clone().unwrap_or_default();
    store::upsert(
        &mut tx,
        &ParamRow {
            name: name.clone(),
            path: parent_path(&name).to_string(),
            r#type: ty.clone(),
            tier: tier.into(),
            data_type: data_type.clone(),
            version,
            description: description.clone(),
            allowed_pattern: allowed_pattern.clone(),
            key_id: key_id.clone(),
            policies: policies_json.clone(),
            modified_at: now,
            modified_by: modified_by.clone(),
            expires_at,
            expiry_notice_at,
            no_change_at,
        },
    )
    .await?;
    store::insert_version(
        &mut tx,
        &VersionRow {
            name: name.clone(),
            version,
            r#type: ty.clone(),
            tier: tier.into(),
            data_type,
            description,
            allowed_pattern,
            key_id,
            policies: policies_json,
            value,
            sealed,
            modified_at: now,
            modified_by,
        },
    )
    .await
    .map_err(|e| {
        // PostgreSQL: a concurrent put wrote this version first (both read the same
        // latest version); the caller may retry.
        if is_unique_violation(&e) {
            ServiceError::conflict("The parameter changed while it was being written; try again.")
                .with_exception("TooManyUpdates")
        } else {
            e.into()
        }
    })?;
    if existing.is_none() {
        // A parameter created again does not inherit the deleted one's tags.
        tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, &name).await?;
        if !input.tags.is_empty() {
            tags::store::put(&mut tx, TAG_RESOURCE_TYPE, &name, &input.tags).await?;
        }
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "PutParameter",
        &resource,
        Outcome::Success,
        &format!("version {version} ({ty}, {tier})"),
    )
    .await?;
    commit(core, tx).await?;
    Ok((version, tier.into()))
}

/// The policies a parameter keeps when a put does not give new ones (they were valid
/// when written; a past Expiration stays, the sweeper deletes the parameter).
fn retained_policies(stored: &str) -> ServiceResult<Vec<super::Policy>> {
    let texts: Vec<String> = policies_of(stored)
        .into_iter()
        .map(|p| p.policy_text)
        .collect();
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    parse_policies(&format!("[{}]", texts.join(",")), i64::MIN)
        .map_err(|e| ServiceError::internal("stored policies", &e.message))
}

/// Commits a transaction that changed parameters, their versions or labels, and makes
/// the read cache forget what it holds (also when the commit fails: it may have
/// happened).
async fn commit(core: &Core, tx: crate::db::Tx) -> ServiceResult<()> {
    let done = tx.commit().await;
    core.parameter_cache().invalidate();
    done?;
    Ok(())
}

/// [`store::get_version`] through the read cache.
async fn cached_version(
    core: &Core,
    name: &str,
    version: Option<i64>,
) -> ServiceResult<Option<VersionRow>> {
    let miss = match core.parameter_cache().version(name, version) {
        Ok(found) => return Ok(found),
        Err(miss) => miss,
    };
    let row = store::get_version(core.db().pool(), name, version).await?;
    core.parameter_cache()
        .put_version(miss, name, version, &row);
    Ok(row)
}

/// The stored version a selector names, or the right not-found error.
async fn select(core: &Core, name: &str, sel: &Selector) -> ServiceResult<VersionRow> {
    let pool = core.db().pool();
    let version = match sel {
        Selector::Latest => None,
        Selector::Version(v) => Some(*v),
        Selector::Label(l) => match store::label_version(pool, name, l).await? {
            Some(v) => Some(v),
            None => {
                return Err(if store::get(pool, name).await?.is_some() {
                    version_not_found(name, sel)
                } else {
                    not_found(name)
                })
            }
        },
    };
    match cached_version(core, name, version).await? {
        Some(v) => Ok(v),
        None if version.is_some() && store::get(pool, name).await?.is_some() => {
            Err(version_not_found(name, sel))
        }
        None => Err(not_found(name)),
    }
}

/// A version's value as returned: clear for String/StringList, decrypted SecureString
/// when asked (the caller has checked the role), else the sealed form.
async fn value_of(core: &Core, v: &VersionRow, decrypt: bool) -> ServiceResult<(String, bool)> {
    match (&v.value, &v.sealed) {
        (Some(clear), _) => Ok((clear.clone(), true)),
        (None, Some(sealed)) if decrypt => {
            let bytes = kms::decrypt_bytes(core, sealed, &context(&v.name, v.version)).await?;
            let text = String::from_utf8(bytes)
                .map_err(|_| ServiceError::internal("decrypted value", &"not UTF-8"))?;
            Ok((text, true))
        }
        (None, Some(sealed)) => Ok((
            base64::engine::general_purpose::STANDARD.encode(sealed),
            false,
        )),
        (None, None) => Ok((String::new(), true)),
    }
}

/// Checks that the actor may decrypt (operator and above); refusals are audited.
async fn may_decrypt(core: &Core, actor: &Actor, resource: &str) -> ServiceResult<()> {
    core.authorize(actor, Role::Operator, "Decrypt", resource)
        .await
}

/// Audits decryptions (names and versions only).
async fn audit_decrypted(
    core: &Core,
    actor: &Actor,
    operation: &str,
    decrypted: &[(String, i64)],
) -> ServiceResult<()> {
    if decrypted.is_empty() {
        return Ok(());
    }
    let now = core.now_ms();
    let names: Vec<String> = decrypted
        .iter()
        .map(|(n, v)| format!("{n} (version {v})"))
        .collect();
    let resource = match decrypted {
        [(name, _)] => format!("parameter/{name}"),
        _ => "parameter/*".to_string(),
    };
    // Committed before the value is returned.
    audit::record_grouped(
        core,
        actor,
        now,
        "Decrypt",
        &resource,
        Outcome::Success,
        &format!("through {operation}: {}", names.join(", ")),
    )
    .await
}

fn value_out(
    core: &Core,
    actor: &Actor,
    v: &VersionRow,
    sel: &Selector,
    value: String,
    decrypted: bool,
) -> ParameterValue {
    ParameterValue {
        name: v.name.clone(),
        arn: arn(core, actor, &v.name),
        r#type: v.r#type.clone(),
        value,
        version: v.version,
        selector: sel.as_text(),
        last_modified_at: v.modified_at,
        data_type: v.data_type.clone(),
        decrypted,
    }
}

/// Reads many selected versions' values, checking the decrypt role once and auditing
/// every decryption.
async fn values(
    core: &Core,
    actor: &Actor,
    operation: &str,
    rows: Vec<(VersionRow, Selector)>,
    with_decryption: bool,
) -> ServiceResult<Vec<ParameterValue>> {
    let secure: Vec<&VersionRow> = rows
        .iter()
        .map(|(v, _)| v)
        .filter(|v| v.sealed.is_some())
        .collect();
    let decrypt = with_decryption && !secure.is_empty();
    if decrypt {
        let resource = match secure.as_slice() {
            [one] => format!("parameter/{}", one.name),
            _ => "parameter/*".into(),
        };
        may_decrypt(core, actor, &resource).await?;
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut decrypted = Vec::new();
    for (v, sel) in &rows {
        let (value, clear) = value_of(core, v, decrypt).await?;
        if decrypt && v.sealed.is_some() {
            decrypted.push((v.name.clone(), v.version));
        }
        out.push(value_out(core, actor, v, sel, value, clear));
    }
    audit_decrypted(core, actor, operation, &decrypted).await?;
    Ok(out)
}

/// A selected version's value for the service's own use (Run Command references):
/// no role check and no audit here — the caller checks and audits.
pub(crate) async fn read_value(
    core: &Core,
    name: &str,
    decrypt: bool,
) -> ServiceResult<ParameterValue> {
    let (name, sel) = parse_selector(name)?;
    let v = select(core, &name, &sel).await?;
    let (value, clear) = value_of(core, &v, decrypt).await?;
    Ok(value_out(core, &Actor::system(), &v, &sel, value, clear))
}

/// GetParameter (viewer; decryption needs operator).
pub async fn get_parameter(
    core: &Core,
    actor: &Actor,
    name: &str,
    with_decryption: bool,
) -> ServiceResult<ParameterValue> {
    let (name, sel) = parse_selector(name)?;
    core.authorize(actor, Role::Viewer, "GetParameter", "parameter")
        .await?;
    let v = select(core, &name, &sel).await?;
    let mut out = values(core, actor, "GetParameter", vec![(v, sel)], with_decryption).await?;
    out.pop()
        .ok_or_else(|| ServiceError::internal("GetParameter", &"no value"))
}

/// GetParameters (viewer): the found ones, and the names (as asked) that were not.
pub async fn get_parameters(
    core: &Core,
    actor: &Actor,
    names: &[String],
    with_decryption: bool,
) -> ServiceResult<(Vec<ParameterValue>, Vec<String>)> {
    core.authorize(actor, Role::Viewer, "GetParameters", "parameter")
        .await?;
    if names.is_empty() || names.len() > MAX_NAMES {
        return Err(ServiceError::invalid_field(
            "names",
            format!("GetParameters takes 1 to {MAX_NAMES} names."),
        ));
    }
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n.as_str()) {
            continue;
        }
        let Ok((name, sel)) = parse_selector(n) else {
            invalid.push(n.clone());
            continue;
        };
        match select(core, &name, &sel).await {
            Ok(v) => found.push((v, sel)),
            Err(e)
                if e.exception == Some("ParameterNotFound")
                    || e.exception == Some("ParameterVersionNotFound") =>
            {
                invalid.push(n.clone())
            }
            Err(e) => return Err(e),
        }
    }
    let values = values(core, actor, "GetParameters", found, with_decryption).await?;
    Ok((values, invalid))
}

/// A parsed filter.
#[derive(Clone, Debug)]
struct Filter {
    key: String,
    option: String,
    values: Vec<String>,
}

/// Checks filters for an operation (`by_path`: GetParametersByPath's narrower set).
fn check_filters(filters: &[ParameterFilter], by_path: bool) -> ServiceResult<Vec<Filter>> {
    let mut out: Vec<Filter> = Vec::new();
    for f in filters {
        let key = f.key.as_str();
        let known = matches!(
            key,
            "Name" | "Type" | "KeyId" | "Path" | "Tier" | "Label" | "DataType"
        ) || key.starts_with("tag:");
        if !known || (by_path && matches!(key, "Name" | "Path" | "Tier")) {
            return Err(ServiceError::validation(format!(
                "The filter key {key} is not valid{}.",
                if by_path {
                    " for GetParametersByPath (use Type, KeyId, Label, DataType or tag:KEY)"
                } else {
                    " (use Name, Type, KeyId, Path, Tier, Label, DataType or tag:KEY)"
                }
            ))
            .with_exception("InvalidFilterKey"));
        }
        if key == "tag:" {
            return Err(
                ServiceError::validation("A tag filter needs a key: tag:KEY.")
                    .with_exception("InvalidFilterKey"),
            );
        }
        let option = f
            .option
            .clone()
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| {
                if key == "Path" {
                    "OneLevel".into()
                } else {
                    "Equals".into()
                }
            });
        let allowed: &[&str] = match key {
            "Name" => &["Equals", "BeginsWith", "Contains"],
            "Path" => &["OneLevel", "Recursive"],
            // AWS: a Label filter of GetParametersByPath takes Equals only.
            "Label" if by_path => &["Equals"],
            _ => &["Equals", "BeginsWith"],
        };
        if !allowed.contains(&option.as_str()) {
            return Err(ServiceError::validation(format!(
                "The option {option} is not valid for the filter key {key} (use {}).",
                allowed.join(", ")
            ))
            .with_exception("InvalidFilterOption"));
        }
        if f.values.is_empty() && !key.starts_with("tag:") {
            return Err(ServiceError::validation(format!(
                "The filter {key} needs at least one value."
            ))
            .with_exception("InvalidFilterValue"));
        }
        let mut values = f.values.clone();
        match key {
            "Type" => {
                if let Some(bad) = values.iter().find(|v| !TYPES.contains(&v.as_str())) {
                    return Err(ServiceError::validation(format!(
                        "{bad} is not a parameter type (String, StringList, SecureString)."
                    ))
                    .with_exception("InvalidFilterValue"));
                }
            }
            "Tier" => {
                if let Some(bad) = values
                    .iter()
                    .find(|v| !matches!(v.as_str(), "Standard" | "Advanced"))
                {
                    return Err(ServiceError::validation(format!(
                        "{bad} is not a parameter tier (Standard, Advanced)."
                    ))
                    .with_exception("InvalidFilterValue"));
                }
            }
            "Path" => {
                for v in &mut values {
                    *v = check_path(v).map_err(|e| {
                        ServiceError::validation(e.message).with_exception("InvalidFilterValue")
                    })?;
                }
            }
            _ => {}
        }
        if out.iter().any(|o| o.key == key) {
            return Err(
                ServiceError::validation(format!("The filter key {key} is given twice."))
                    .with_exception("InvalidFilterKey"),
            );
        }
        out.push(Filter {
            key: key.into(),
            option,
            values,
        });
    }
    Ok(out)
}

/// What filters need besides the parameter rows.
struct FilterData {
    labels: BTreeMap<String, Vec<String>>,
    tags: BTreeMap<String, Vec<(String, String)>>,
}

async fn filter_data(core: &Core, filters: &[Filter]) -> ServiceResult<FilterData> {
    let pool = core.db().pool();
    let mut labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut tags: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    if filters.iter().any(|f| f.key == "Label") {
        for (name, label) in store::all_labels(pool).await? {
            labels.entry(name).or_default().push(label);
        }
    }
    if filters.iter().any(|f| f.key.starts_with("tag:")) {
        for (name, k, v) in store::all_tags(pool).await? {
            tags.entry(name).or_default().push((k, v));
        }
    }
    Ok(FilterData { labels, tags })
}

fn text_matches(option: &str, value: &str, wanted: &[String]) -> bool {
    wanted.iter().any(|w| match option {
        "BeginsWith" => value.starts_with(w.as_str()),
        "Contains" => value.contains(w.as_str()),
        _ => value == w,
    })
}

fn matches(p: &ParamRow, filters: &[Filter], data: &FilterData) -> bool {
    filters.iter().all(|f| match f.key.as_str() {
        "Name" => {
            // Names are matched with or without their leading slash.
            let bare = p.name.trim_start_matches('/');
            let wanted: Vec<String> = f
                .values
                .iter()
                .map(|w| w.trim_start_matches('/').to_string())
                .collect();
            text_matches(&f.option, bare, &wanted)
        }
        "Type" => text_matches(&f.option, &p.r#type, &f.values),
        "KeyId" => p.r#type == "SecureString" && text_matches(&f.option, &p.key_id, &f.values),
        "Tier" => text_matches(&f.option, &p.tier, &f.values),
        "DataType" => text_matches(&f.option, &p.data_type, &f.values),
        "Path" => f.values.iter().any(|path| {
            if f.option == "Recursive" {
                path == "/" && p.name.starts_with('/') || p.name.starts_with(&format!("{path}/"))
            } else {
                p.path == *path
            }
        }),
        "Label" => data
            .labels
            .get(&p.name)
            .is_some_and(|ls| ls.iter().any(|l| text_matches(&f.option, l, &f.values))),
        key => {
            let tag_key = key.trim_start_matches("tag:");
            data.tags.get(&p.name).is_some_and(|ts| {
                ts.iter().any(|(k, v)| {
                    k == tag_key && (f.values.is_empty() || text_matches(&f.option, v, &f.values))
                })
            })
        }
    })
}

fn page_size(max_results: Option<i64>, max: i64) -> i64 {
    max_results.filter(|n| *n >= 1).map_or(max, |n| n.min(max))
}

/// GetParametersByPath (viewer; decryption needs operator): parameters in `path` (or
/// below it, `recursive`), in name order, a page at a time.
#[allow(clippy::too_many_arguments)]
pub async fn get_parameters_by_path(
    core: &Core,
    actor: &Actor,
    path: &str,
    recursive: bool,
    filters: &[ParameterFilter],
    with_decryption: bool,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ParameterValue>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "GetParametersByPath", "parameter")
        .await?;
    let path = check_path(path)?;
    let filters = check_filters(filters, true)?;
    let scope = format!("GetParametersByPath:{path}:{recursive}");
    // Keyset pages (after the last name returned): each page reads only its rows.
    let after = paging::after_of(&scope, next_token)?;
    let limit = page_size(max_results, MAX_BY_PATH_RESULTS);
    let (selected, next): (Vec<(VersionRow, Selector)>, _) = if filters.is_empty() {
        let rows = match core
            .parameter_cache()
            .page(&path, recursive, after.as_deref(), limit + 1)
        {
            Ok(rows) => rows,
            Err(miss) => {
                let rows = store::latest_under_path(
                    core.db().pool(),
                    &path,
                    recursive,
                    after.as_deref(),
                    limit + 1,
                )
                .await?;
                core.parameter_cache().put_page(
                    miss,
                    &path,
                    recursive,
                    after.as_deref(),
                    limit + 1,
                    &rows,
                );
                rows
            }
        };
        let (rows, next) = paging::split_after(rows, &scope, limit, |v| &v.name);
        (
            rows.into_iter().map(|v| (v, Selector::Latest)).collect(),
            next,
        )
    } else {
        let data = filter_data(core, &filters).await?;
        let rows: Vec<ParamRow> = store::under_path(core.db().pool(), &path, recursive)
            .await?
            .into_iter()
            .filter(|p| after.as_deref().is_none_or(|a| p.name.as_str() > a))
            .filter(|p| matches(p, &filters, &data))
            .take(usize::try_from(limit + 1).unwrap_or(usize::MAX))
            .collect();
        let (rows, next) = paging::split_after(rows, &scope, limit, |p| &p.name);
        let names: Vec<String> = rows.iter().map(|p| p.name.clone()).collect();
        let latest = store::latest_of(core.db().pool(), &names).await?;
        (
            latest.into_iter().map(|v| (v, Selector::Latest)).collect(),
            next,
        )
    };
    let values = values(
        core,
        actor,
        "GetParametersByPath",
        selected,
        with_decryption,
    )
    .await?;
    Ok((values, next))
}

/// DescribeParameters (viewer): metadata only, filtered, in name order.
pub async fn describe_parameters(
    core: &Core,
    actor: &Actor,
    filters: &[ParameterFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ParameterInfo>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "DescribeParameters", "parameter")
        .await?;
    // AWS's DescribeParameters takes every key but Label (the console's listing,
    // `all_parameters`, does filter by label).
    if filters.iter().any(|f| f.key == "Label") {
        return Err(ServiceError::validation(
            "The filter key Label is not valid for DescribeParameters (use Name, Type, KeyId, Path, Tier, DataType or tag:KEY).",
        )
        .with_exception("InvalidFilterKey"));
    }
    let filters = check_filters(filters, false)?;
    let scope = "DescribeParameters";
    let offset = paging::offset_of(scope, next_token)?;
    let limit = page_size(max_results, MAX_DESCRIBE_RESULTS);
    let data = filter_data(core, &filters).await?;
    let rows: Vec<ParamRow> = store::all(core.db().pool())
        .await?
        .into_iter()
        .filter(|p| matches(p, &filters, &data))
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit + 1).unwrap_or(usize::MAX))
        .collect();
    let (rows, next) = paging::split(rows, scope, offset, limit);
    Ok((rows.iter().map(|p| info(core, actor, p)).collect(), next))
}

/// The console's and CLI's full listing (every parameter matching the filters).
pub async fn all_parameters(
    core: &Core,
    actor: &Actor,
    filters: &[ParameterFilter],
) -> ServiceResult<Vec<ParameterInfo>> {
    core.authorize(actor, Role::Viewer, "DescribeParameters", "parameter")
        .await?;
    let filters = check_filters(filters, false)?;
    let data = filter_data(core, &filters).await?;
    Ok(store::all(core.db().pool())
        .await?
        .iter()
        .filter(|p| matches(p, &filters, &data))
        .map(|p| info(core, actor, p))
        .collect())
}

/// One parameter's metadata (viewer).
pub async fn describe_parameter(
    core: &Core,
    actor: &Actor,
    name: &str,
) -> ServiceResult<ParameterInfo> {
    core.authorize(actor, Role::Viewer, "DescribeParameters", "parameter")
        .await?;
    let p = store::get(core.db().pool(), name)
        .await?
        .ok_or_else(|| not_found(name))?;
    Ok(info(core, actor, &p))
}

/// GetParameterHistory (viewer; decryption needs operator): kept versions, oldest first.
pub async fn get_parameter_history(
    core: &Core,
    actor: &Actor,
    name: &str,
    with_decryption: bool,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<ParameterVersionInfo>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "GetParameterHistory", "parameter")
        .await?;
    let (name, sel) = parse_selector(name)?;
    if sel != Selector::Latest {
        return Err(ServiceError::invalid_field(
            "name",
            "GetParameterHistory takes a parameter name without a version or label.",
        ));
    }
    let pool = core.db().pool();
    if store::get(pool, &name).await?.is_none() {
        return Err(not_found(&name));
    }
    let scope = format!("GetParameterHistory:{name}");
    let offset = paging::offset_of(&scope, next_token)?;
    let limit = page_size(max_results, MAX_DESCRIBE_RESULTS);
    let rows = store::history(pool, &name, offset, limit + 1).await?;
    let (rows, next) = paging::split(rows, &scope, offset, limit);
    let mut labels: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (l, v) in store::labels(pool, &name).await? {
        labels.entry(v).or_default().push(l);
    }
    let decrypt = with_decryption && rows.iter().any(|r| r.sealed.is_some());
    if decrypt {
        may_decrypt(core, actor, &format!("parameter/{name}")).await?;
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut decrypted = Vec::new();
    for r in &rows {
        let (value, clear) = value_of(core, r, decrypt).await?;
        if decrypt && r.sealed.is_some() {
            decrypted.push((r.name.clone(), r.version));
        }
        out.push(ParameterVersionInfo {
            name: r.name.clone(),
            r#type: r.r#type.clone(),
            key_id: (r.r#type == "SecureString").then(|| r.key_id.clone()),
            last_modified_at: r.modified_at,
            last_modified_user: r.modified_by.clone(),
            description: r.description.clone(),
            value,
            decrypted: clear,
            allowed_pattern: r.allowed_pattern.clone(),
            version: r.version,
            labels: labels.remove(&r.version).unwrap_or_default(),
            tier: r.tier.clone(),
            policies: policies_of(&r.policies),
            data_type: r.data_type.clone(),
        });
    }
    audit_decrypted(core, actor, "GetParameterHistory", &decrypted).await?;
    Ok((out, next))
}

/// DeleteParameter (operator).
pub async fn delete_parameter(core: &Core, actor: &Actor, name: &str) -> ServiceResult<()> {
    let (deleted, _) =
        delete_parameters_inner(core, actor, "DeleteParameter", &[name.to_string()]).await?;
    if deleted.is_empty() {
        return Err(not_found(name.trim()));
    }
    Ok(())
}

/// DeleteParameters (operator): (deleted, not found).
pub async fn delete_parameters(
    core: &Core,
    actor: &Actor,
    names: &[String],
) -> ServiceResult<(Vec<String>, Vec<String>)> {
    if names.is_empty() || names.len() > MAX_NAMES {
        return Err(ServiceError::invalid_field(
            "names",
            format!("DeleteParameters takes 1 to {MAX_NAMES} names."),
        ));
    }
    delete_parameters_inner(core, actor, "DeleteParameters", names).await
}

async fn delete_parameters_inner(
    core: &Core,
    actor: &Actor,
    operation: &str,
    names: &[String],
) -> ServiceResult<(Vec<String>, Vec<String>)> {
    core.authorize(actor, Role::Operator, operation, "parameter")
        .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let mut deleted = Vec::new();
    let mut invalid = Vec::new();
    for n in names {
        let name = n.trim();
        if store::delete(&mut tx, name).await? {
            tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, name).await?;
            audit::record(
                &mut *tx,
                actor,
                now,
                operation,
                &format!("parameter/{name}"),
                Outcome::Success,
                "deleted with its versions and labels",
            )
            .await?;
            deleted.push(name.to_string());
        } else {
            invalid.push(n.clone());
        }
    }
    commit(core, tx).await?;
    Ok((deleted, invalid))
}

/// LabelParameterVersion (operator): attaches labels to a version (the latest when
/// None), moving them from other versions. Returns (labels refused, the version).
pub async fn label_parameter_version(
    core: &Core,
    actor: &Actor,
    name: &str,
    version: Option<i64>,
    labels: &[String],
) -> ServiceResult<(Vec<String>, i64)> {
    let (name, sel) = parse_selector(name)?;
    let resource = format!("parameter/{name}");
    core.authorize(actor, Role::Operator, "LabelParameterVersion", &resource)
        .await?;
    if sel != Selector::Latest {
        return Err(ServiceError::invalid_field(
            "name",
            "Name the parameter without a version or label; give the version in ParameterVersion.",
        ));
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let p = store::get(&mut *tx, &name)
        .await?
        .ok_or_else(|| not_found(&name))?;
    let version = version.unwrap_or(p.version);
    if store::get_version(&mut *tx, &name, Some(version))
        .await?
        .is_none()
    {
        return Err(version_not_found(&name, &Selector::Version(version)));
    }
    let mut invalid = Vec::new();
    let mut valid = Vec::new();
    for l in labels {
        if super::label_problem(l).is_some() {
            invalid.push(l.clone());
        } else if !valid.contains(l) {
            valid.push(l.clone());
        }
    }
    let current = store::labels(&mut *tx, &name).await?;
    let on_version: BTreeSet<&str> = current
        .iter()
        .filter(|(_, v)| *v == version)
        .map(|(l, _)| l.as_str())
        .collect();
    let adding = valid
        .iter()
        .filter(|l| !on_version.contains(l.as_str()))
        .count();
    if on_version.len() + adding > MAX_LABELS_PER_VERSION {
        return Err(ServiceError::limit_exceeded(format!(
            "A parameter version can have at most {MAX_LABELS_PER_VERSION} labels; version {version} has {}.",
            on_version.len()
        ))
        .with_exception("ParameterVersionLabelLimitExceeded"));
    }
    for l in &valid {
        store::set_label(&mut tx, &name, l, version).await?;
    }
    if !valid.is_empty() {
        audit::record(
            &mut *tx,
            actor,
            now,
            "LabelParameterVersion",
            &resource,
            Outcome::Success,
            &format!("version {version}: {}", valid.join(", ")),
        )
        .await?;
    }
    commit(core, tx).await?;
    Ok((invalid, version))
}

/// UnlabelParameterVersion (operator): (removed, labels not on that version).
pub async fn unlabel_parameter_version(
    core: &Core,
    actor: &Actor,
    name: &str,
    version: i64,
    labels: &[String],
) -> ServiceResult<(Vec<String>, Vec<String>)> {
    let (name, _) = parse_selector(name)?;
    let resource = format!("parameter/{name}");
    core.authorize(actor, Role::Operator, "UnlabelParameterVersion", &resource)
        .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if store::get(&mut *tx, &name).await?.is_none() {
        return Err(not_found(&name));
    }
    if store::get_version(&mut *tx, &name, Some(version))
        .await?
        .is_none()
    {
        return Err(version_not_found(&name, &Selector::Version(version)));
    }
    let mut removed = Vec::new();
    let mut invalid = Vec::new();
    for l in labels {
        if store::remove_label(&mut tx, &name, l, version).await? {
            removed.push(l.clone());
        } else if !removed.contains(l) {
            invalid.push(l.clone());
        }
    }
    if !removed.is_empty() {
        audit::record(
            &mut *tx,
            actor,
            now,
            "UnlabelParameterVersion",
            &resource,
            Outcome::Success,
            &format!("version {version}: {}", removed.join(", ")),
        )
        .await?;
    }
    commit(core, tx).await?;
    Ok((removed, invalid))
}

/// Policy events (viewer), newest first.
pub async fn events(
    core: &Core,
    actor: &Actor,
    name: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<ParameterEvent>> {
    core.authorize(actor, Role::Viewer, "ListParameterEvents", "parameter")
        .await?;
    Ok(store::events(core.db().pool(), name, limit.clamp(1, 1000))
        .await?
        .into_iter()
        .map(|(name, kind, detail, at)| ParameterEvent {
            name,
            kind,
            detail,
            at,
        })
        .collect())
}

fn iso(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Applies due policies: expired parameters are deleted, notifications recorded as
/// events (and in the audit log). Each moment is taken by one replica only. Returns
/// how many moments were handled.
pub async fn sweep(core: &Core) -> ServiceResult<usize> {
    let now = core.now_ms();
    let due = store::due(core.db().pool(), now).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let system = Actor::system();
    let mut handled = 0;
    for (name, which) in due {
        let mut tx = core.db().begin().await?;
        let Some(p) = store::get(&mut *tx, &name).await? else {
            continue;
        };
        if !store::take_due(&mut tx, &name, which, now).await? {
            continue;
        }
        let resource = format!("parameter/{name}");
        let (kind, detail, finished) = match which {
            "expires_at" => {
                store::delete(&mut tx, &name).await?;
                tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, &name).await?;
                (
                    "Expired",
                    format!("deleted by its Expiration policy (version {})", p.version),
                    None,
                )
            }
            "expiry_notice_at" => (
                "ExpirationNotification",
                format!("expires at {}", p.expires_at.map(iso).unwrap_or_default()),
                Some("ExpirationNotification"),
            ),
            _ => (
                "NoChangeNotification",
                format!(
                    "unchanged since {} (version {})",
                    iso(p.modified_at),
                    p.version
                ),
                Some("NoChangeNotification"),
            ),
        };
        store::add_event(&mut tx, &name, kind, &detail, now).await?;
        let queued = crate::notify::queue(
            core,
            &mut tx,
            "Parameter Store Policy Action",
            &[arn(core, &system, &name)],
            serde_json::json!({
                "parameter-name": name,
                "parameter-type": p.tier,
                "policy-type": finished.unwrap_or("Expiration"),
                "action-status": "Finished",
                "action-reason": format!("{kind}: {detail}"),
                "parameter-version": p.version,
            }),
        )
        .await?;
        if let Some(ty) = finished {
            let mut policies = policies_of(&p.policies);
            for pol in &mut policies {
                if pol.policy_type == ty {
                    pol.policy_status = "Finished".into();
                }
            }
            let json = serde_json::to_string(&policies)
                .map_err(|e| ServiceError::internal("encoding policies", &e))?;
            store::set_policies(&mut tx, &name, p.version, &json).await?;
        }
        audit::record(
            &mut *tx,
            &system,
            now,
            kind,
            &resource,
            Outcome::Success,
            &detail,
        )
        .await?;
        commit(core, tx).await?;
        if queued.is_some() {
            core.notifications().wake();
        }
        tracing::info!(parameter = %name, event = kind, "parameter policy applied");
        handled += 1;
    }
    Ok(handled)
}

/// Every stored SecureString version, a page at a time: (name, version, sealed bytes).
async fn sealed_pages(core: &Core) -> ServiceResult<Vec<Vec<(String, i64, Vec<u8>)>>> {
    let mut pages = Vec::new();
    let mut after: Option<(String, i64)> = None;
    loop {
        let page = store::sealed_page(
            core.db().pool(),
            after.as_ref().map(|(n, v)| (n.as_str(), *v)),
            500,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.0.clone(), last.1));
        pages.push(page);
    }
    Ok(pages)
}

/// After a key rotation: moves every SecureString value's data key to its key's
/// current material (the values themselves are not re-encrypted). Safe while servers
/// run: a value written meanwhile is left as it is and moved by the next run. Returns
/// how many values were re-wrapped.
pub async fn rewrap_all(core: &Core) -> ServiceResult<u64> {
    let mut moved = 0;
    for page in sealed_pages(core).await? {
        for (name, version, stored) in page {
            let Ok(sealed) = kms::Sealed::from_bytes(&stored) else {
                tracing::warn!(parameter = %name, version, "stored SecureString unreadable; not re-wrapped");
                continue;
            };
            if let Some(new) = kms::rewrap(core, &sealed, &context(&name, version)).await? {
                let mut tx = core.db().begin().await?;
                if store::replace_sealed(&mut tx, &name, version, &stored, &new.to_bytes()).await? {
                    moved += 1;
                }
                commit(core, tx).await?;
            }
        }
    }
    Ok(moved)
}

/// The key versions SecureString values still use, per key id (for retiring the rest).
pub async fn key_versions_in_use(core: &Core) -> ServiceResult<BTreeMap<String, BTreeSet<i64>>> {
    let mut out: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for page in sealed_pages(core).await? {
        for (_, _, stored) in page {
            if let Ok(s) = kms::Sealed::from_bytes(&stored) {
                out.entry(s.key_id).or_default().insert(s.key_version);
            }
        }
    }
    Ok(out)
}

/// Runs [`sweep`] every second (policies fire within a second of their time).
pub fn spawn_sweeper(core: &Core) -> tokio::task::JoinHandle<()> {
    let core = core.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&core).await {
                tracing::warn!(error = %e.message, "parameter policy sweep failed");
            }
        }
    })
}

// ---------------------------------------------------------------------------------
// The console's reads: the list as a table page, and the hierarchy of paths. Thin
// translations onto `all_parameters`; every rule stays in the functions above.
// ---------------------------------------------------------------------------------

/// The console's parameter list: `q` (name contains) and the filters `path` (what is
/// directly in a path), `type`, `tier`, `label`, `key` (KeyId) and `tag` (has the tag
/// key); sorted by name, or by `modified` / `version`.
pub async fn list_for_console(
    core: &Core,
    actor: &Actor,
    query: &crate::types::ListQuery,
) -> ServiceResult<crate::types::Page<ParameterInfo>> {
    let filter = |key: &str, option: &str, value: &str| ParameterFilter {
        key: key.into(),
        option: Some(option.into()),
        values: vec![value.into()],
    };
    let mut filters = Vec::new();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        filters.push(filter("Name", "Contains", q));
    }
    for (param, key) in [
        ("path", "Path"),
        ("type", "Type"),
        ("tier", "Tier"),
        ("label", "Label"),
        ("key", "KeyId"),
    ] {
        if let Some(v) = query.filter(param).map(str::trim).filter(|v| !v.is_empty()) {
            let option = if key == "Path" { "OneLevel" } else { "Equals" };
            filters.push(filter(key, option, v));
        }
    }
    if let Some(t) = query.filter("tag").map(str::trim).filter(|t| !t.is_empty()) {
        filters.push(ParameterFilter {
            key: format!("tag:{t}"),
            option: None,
            values: Vec::new(),
        });
    }
    let mut all = all_parameters(core, actor, &filters).await?;
    match query.sort.as_deref() {
        Some("modified") => all.sort_by_key(|p| p.last_modified_at),
        Some("version") => all.sort_by_key(|p| p.version),
        _ => {}
    }
    if query.desc {
        all.reverse();
    }
    let total = all.len() as i64;
    let items = all
        .into_iter()
        .skip(usize::try_from(query.offset()).unwrap_or(0))
        .take(query.per_page() as usize)
        .collect();
    Ok(crate::types::Page {
        items,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// Every path that holds parameters (directly or below), with its ancestors, in tree
/// order (`/a`, `/a/b`, `/a-b`): the console's hierarchy. Names without a path are
/// not in it.
pub async fn parameter_paths(
    core: &Core,
    actor: &Actor,
) -> ServiceResult<Vec<crate::types::ParameterPathInfo>> {
    let all = all_parameters(core, actor, &[]).await?;
    let mut counts: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for p in &all {
        let parent = parent_path(&p.name);
        if parent.is_empty() {
            continue;
        }
        counts.entry(parent.to_string()).or_default().0 += 1;
        let mut path = parent;
        loop {
            counts.entry(path.to_string()).or_default().1 += 1;
            if path == "/" {
                break;
            }
            path = parent_path(path);
        }
    }
    let mut out: Vec<crate::types::ParameterPathInfo> = counts
        .into_iter()
        .map(|(path, (direct, total))| crate::types::ParameterPathInfo {
            depth: if path == "/" {
                0
            } else {
                super::depth(&path) as u32
            },
            path,
            direct,
            total,
        })
        .collect();
    // Level by level, so a path's children follow it directly.
    out.sort_by(|a, b| {
        a.path
            .split('/')
            .filter(|s| !s.is_empty())
            .cmp(b.path.split('/').filter(|s| !s.is_empty()))
    });
    Ok(out)
}
