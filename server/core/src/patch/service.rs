//! Patch baseline and patch group rules: create, read, update (merge or Replace),
//! delete, list with filters, default baselines and patch-group registrations. The
//! baseline rules themselves are `bosun_patch`'s.

use super::store::{self, BaselineRow, GroupRow};
use super::{MAX_CUSTOM_BASELINES, MAX_GROUPS_PER_BASELINE, TAG_RESOURCE_TYPE};
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::error::{is_unique_violation, ServiceError, ServiceResult};
use crate::types::{
    ListQuery, Page, PatchBaselineIdentity, PatchBaselineInfo, PatchGroupMapping, Role, Tag,
};
use crate::{paging, tags, Core};
use bosun_patch::predefined;
use bosun_patch::{
    ComplianceLevel, OperatingSystem, PatchBaseline, PatchComplianceStatus, PatchFilterGroup,
    PatchRuleGroup, PatchSource, RejectedPatchesAction,
};
use std::collections::HashMap;

/// The CreatedDate and ModifiedDate of the predefined baselines: when Bosun's table of
/// them was last revised (2026-01-01T00:00:00Z).
pub const PREDEFINED_DATE_MS: i64 = 1_767_225_600_000;
/// Custom baseline names may not start with this (the predefined baselines' prefix), so
/// a name always tells which kind a baseline is.
const RESERVED_NAME_PREFIX: &str = "aws-";
/// DescribePatchBaselines / DescribePatchGroups page size when MaxResults is absent.
const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 100;

pub(super) fn does_not_exist(id: &str) -> ServiceError {
    ServiceError::not_found(format!("Patch baseline {id} does not exist."))
        .with_exception("DoesNotExistException")
}

fn read_only(id: &str, what: &str) -> ServiceError {
    ServiceError::validation(format!(
        "{id} is a predefined baseline: it cannot be {what}. Create a custom baseline instead."
    ))
    .with_exception("InvalidResourceId")
}

/// The id in a baseline id or ARN (`arn:aws:ssm:REGION:ACCOUNT:patchbaseline/pb-…`).
pub fn baseline_id_of(id_or_arn: &str) -> &str {
    id_or_arn
        .rsplit_once("patchbaseline/")
        .map_or(id_or_arn, |(_, id)| id)
}

/// The operating system the API spells `s` (`REDHAT_ENTERPRISE_LINUX`).
pub fn operating_system(s: &str) -> ServiceResult<OperatingSystem> {
    OperatingSystem::ALL
        .into_iter()
        .find(|os| os.as_str() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = OperatingSystem::ALL.iter().map(|o| o.as_str()).collect();
            ServiceError::invalid_field(
                "operating_system",
                format!(
                    "{s:?} is not an operating system; use one of {}.",
                    names.join(", ")
                ),
            )
        })
}

/// Whether `id` has a baseline id's shape: `pb-` and 17 lower-case hexadecimal digits.
pub(super) fn is_baseline_id(id: &str) -> bool {
    id.strip_prefix("pb-").is_some_and(|hex| {
        hex.len() == 17 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("pb-{}", &hex[..17])
}

/// Validates a baseline with `bosun_patch` and Bosun's naming rule.
fn check(baseline: &PatchBaseline) -> ServiceResult<()> {
    if let Err(problems) = bosun_patch::validate(baseline) {
        let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(ServiceError::validation(format!(
            "The patch baseline is not valid: {}.",
            all.join("; ")
        ))
        .with_exception(problems[0].exception()));
    }
    if baseline
        .name
        .to_ascii_lowercase()
        .starts_with(RESERVED_NAME_PREFIX)
    {
        return Err(ServiceError::invalid_field(
            "name",
            "Baseline names starting with AWS- are reserved for the predefined baselines.",
        ));
    }
    Ok(())
}

/// A baseline, custom or predefined, as loaded.
#[derive(Clone, Debug)]
struct Loaded {
    id: String,
    baseline: PatchBaseline,
    created: i64,
    modified: i64,
    predefined: bool,
}

fn parse_row(row: BaselineRow) -> ServiceResult<Loaded> {
    let baseline: PatchBaseline = serde_json::from_str(&row.definition)
        .map_err(|e| ServiceError::internal("stored patch baseline", &e))?;
    Ok(Loaded {
        id: row.baseline_id,
        baseline,
        created: row.created_at,
        modified: row.modified_at,
        predefined: false,
    })
}

fn predefined_loaded(p: predefined::PredefinedBaseline) -> Loaded {
    Loaded {
        id: p.id.to_string(),
        baseline: p.baseline,
        created: PREDEFINED_DATE_MS,
        modified: PREDEFINED_DATE_MS,
        predefined: true,
    }
}

async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    e: E,
    id_or_arn: &str,
) -> ServiceResult<Option<Loaded>> {
    if let Some(p) = predefined::find(id_or_arn) {
        return Ok(Some(predefined_loaded(p)));
    }
    store::baseline(e, baseline_id_of(id_or_arn))
        .await?
        .map(parse_row)
        .transpose()
}

/// The baseline that is default for `os`: the registered one, else the predefined.
async fn default_id<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    e: E,
    os: OperatingSystem,
) -> ServiceResult<Option<String>> {
    Ok(match store::default_baseline(e, os.as_str()).await? {
        Some(id) => Some(id),
        None => predefined::default_for(os).map(|p| p.id.to_string()),
    })
}

/// Every operating system's default baseline id.
async fn defaults(core: &Core) -> ServiceResult<HashMap<OperatingSystem, String>> {
    let mut map: HashMap<OperatingSystem, String> = OperatingSystem::ALL
        .into_iter()
        .filter_map(|os| predefined::default_for(os).map(|p| (os, p.id.to_string())))
        .collect();
    for (os, id) in store::default_baselines(core.db().pool()).await? {
        if let Ok(os) = operating_system(&os) {
            map.insert(os, id);
        }
    }
    Ok(map)
}

async fn info(core: &Core, l: Loaded) -> ServiceResult<PatchBaselineInfo> {
    let patch_groups = store::groups_of(core.db().pool(), &l.id).await?;
    let default_baseline =
        default_id(core.db().pool(), l.baseline.operating_system).await? == Some(l.id.clone());
    Ok(PatchBaselineInfo {
        baseline_id: l.id,
        baseline: l.baseline,
        patch_groups,
        created_date: l.created,
        modified_date: l.modified,
        predefined: l.predefined,
        default_baseline,
    })
}

fn identity(l: &Loaded, defaults: &HashMap<OperatingSystem, String>) -> PatchBaselineIdentity {
    PatchBaselineIdentity {
        baseline_id: l.id.clone(),
        name: l.baseline.name.clone(),
        operating_system: l.baseline.operating_system,
        description: l.baseline.description.clone(),
        default_baseline: defaults.get(&l.baseline.operating_system) == Some(&l.id),
        predefined: l.predefined,
    }
}

/// Every baseline: the predefined ones by name, then the custom ones by name.
async fn all_baselines(core: &Core) -> ServiceResult<Vec<Loaded>> {
    let mut all: Vec<Loaded> = predefined::all()
        .into_iter()
        .map(predefined_loaded)
        .collect();
    all.sort_by(|a, b| a.baseline.name.cmp(&b.baseline.name));
    for row in store::baselines(core.db().pool()).await? {
        all.push(parse_row(row)?);
    }
    Ok(all)
}

/// What CreatePatchBaseline takes.
#[derive(Clone, Debug)]
pub struct CreatePatchBaseline {
    pub baseline: PatchBaseline,
    pub client_token: Option<String>,
    pub tags: Vec<Tag>,
}

/// A retried CreatePatchBaseline (same ClientToken): the same request gets the same
/// baseline; a different one is refused.
fn same_request(existing: BaselineRow, request_hash: Option<&str>) -> ServiceResult<String> {
    if existing.request_hash.as_deref() == request_hash {
        Ok(existing.baseline_id)
    } else {
        Err(ServiceError::validation(
            "This ClientToken was used with different parameters: use a new token for a new baseline.",
        )
        .with_exception("IdempotentParameterMismatch"))
    }
}

/// CreatePatchBaseline (operator). Returns the new baseline's id.
pub async fn create_patch_baseline(
    core: &Core,
    actor: &Actor,
    input: CreatePatchBaseline,
) -> ServiceResult<String> {
    let CreatePatchBaseline {
        baseline,
        client_token,
        tags,
    } = input;
    core.authorize(
        actor,
        Role::Operator,
        "CreatePatchBaseline",
        &format!("patchbaseline/{}", baseline.name),
    )
    .await?;
    check(&baseline)?;
    tags::validate(&tags)?;
    let definition = serde_json::to_string(&baseline)
        .map_err(|e| ServiceError::internal("encoding a patch baseline", &e))?;
    let request_hash = match &client_token {
        Some(_) => {
            let tags_json = serde_json::to_string(&tags)
                .map_err(|e| ServiceError::internal("encoding tags", &e))?;
            Some(crate::crypto::sha256_hex(
                format!("{definition}\n{tags_json}").as_bytes(),
            ))
        }
        None => None,
    };
    if let Some(token) = &client_token {
        if let Some(existing) = store::baseline_by_client_token(core.db().pool(), token).await? {
            return same_request(existing, request_hash.as_deref());
        }
    }
    let now = core.now_ms();
    let id = new_id();
    let mut tx = core.db().begin().await?;
    if store::count_baselines(&mut *tx).await? >= MAX_CUSTOM_BASELINES {
        return Err(ServiceError::limit_exceeded(format!(
            "An account holds at most {MAX_CUSTOM_BASELINES} custom patch baselines: delete one first."
        )));
    }
    let row = BaselineRow {
        baseline_id: id.clone(),
        name: baseline.name.clone(),
        operating_system: baseline.operating_system.as_str().to_string(),
        definition,
        client_token: client_token.clone(),
        request_hash: request_hash.clone(),
        created_at: now,
        modified_at: now,
    };
    if let Err(e) = store::insert_baseline(&mut *tx, &row, &actor.name).await {
        if let (true, Some(token)) = (is_unique_violation(&e), &client_token) {
            // The same token raced us and won: answer as a retry of that request.
            drop(tx);
            if let Some(existing) = store::baseline_by_client_token(core.db().pool(), token).await?
            {
                return same_request(existing, request_hash.as_deref());
            }
        }
        return Err(e.into());
    }
    if !tags.is_empty() {
        tags::store::put(&mut tx, TAG_RESOURCE_TYPE, &id, &tags).await?;
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreatePatchBaseline",
        &format!("patchbaseline/{id}"),
        Outcome::Success,
        &format!("{} ({})", baseline.name, baseline.operating_system.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// GetPatchBaseline (viewer): a custom or predefined baseline by id or ARN.
pub async fn get_patch_baseline(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
) -> ServiceResult<PatchBaselineInfo> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetPatchBaseline",
        &format!("patchbaseline/{baseline_id}"),
    )
    .await?;
    let loaded = load(core.db().pool(), baseline_id)
        .await?
        .ok_or_else(|| does_not_exist(baseline_id))?;
    info(core, loaded).await
}

/// What UpdatePatchBaseline takes: the members given. Without `replace` the others keep
/// their values; with it they return to CreatePatchBaseline's defaults (and `name` is
/// required, as for a create).
#[derive(Clone, Debug, Default)]
pub struct UpdatePatchBaseline {
    pub baseline_id: String,
    pub replace: bool,
    pub name: Option<String>,
    pub description: Option<String>,
    pub global_filters: Option<PatchFilterGroup>,
    pub approval_rules: Option<PatchRuleGroup>,
    pub approved_patches: Option<Vec<String>>,
    pub approved_patches_compliance_level: Option<ComplianceLevel>,
    pub approved_patches_enable_non_security: Option<bool>,
    pub rejected_patches: Option<Vec<String>>,
    pub rejected_patches_action: Option<RejectedPatchesAction>,
    pub sources: Option<Vec<PatchSource>>,
    pub available_security_updates_compliance_status: Option<PatchComplianceStatus>,
}

impl UpdatePatchBaseline {
    /// The baseline after this update of `current`.
    pub fn apply(self, current: &PatchBaseline) -> ServiceResult<PatchBaseline> {
        let mut b = if self.replace {
            let name = self.name.clone().ok_or_else(|| {
                ServiceError::invalid_field("name", "Name is required when Replace is true.")
            })?;
            PatchBaseline::new(name, current.operating_system)
        } else {
            current.clone()
        };
        if let Some(v) = self.name {
            b.name = v;
        }
        if let Some(v) = self.description {
            b.description = Some(v);
        }
        if let Some(v) = self.global_filters {
            b.global_filters = Some(v);
        }
        if let Some(v) = self.approval_rules {
            b.approval_rules = Some(v);
        }
        if let Some(v) = self.approved_patches {
            b.approved_patches = v;
        }
        if let Some(v) = self.approved_patches_compliance_level {
            b.approved_patches_compliance_level = v;
        }
        if let Some(v) = self.approved_patches_enable_non_security {
            b.approved_patches_enable_non_security = v;
        }
        if let Some(v) = self.rejected_patches {
            b.rejected_patches = v;
        }
        if let Some(v) = self.rejected_patches_action {
            b.rejected_patches_action = v;
        }
        if let Some(v) = self.sources {
            b.sources = v;
        }
        if let Some(v) = self.available_security_updates_compliance_status {
            b.available_security_updates_compliance_status = Some(v);
        }
        Ok(b)
    }
}

/// UpdatePatchBaseline (operator). Predefined baselines are read-only.
pub async fn update_patch_baseline(
    core: &Core,
    actor: &Actor,
    update: UpdatePatchBaseline,
) -> ServiceResult<PatchBaselineInfo> {
    let given = update.baseline_id.clone();
    let id = baseline_id_of(&given).to_string();
    let resource = format!("patchbaseline/{id}");
    core.authorize(actor, Role::Operator, "UpdatePatchBaseline", &resource)
        .await?;
    if predefined::find(&given).is_some() {
        return Err(read_only(&given, "updated"));
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::lock_baseline(&mut *tx, &id).await? {
        return Err(does_not_exist(&given));
    }
    let row = store::baseline(&mut *tx, &id)
        .await?
        .ok_or_else(|| does_not_exist(&given))?;
    let current = parse_row(row)?;
    let updated = update.apply(&current.baseline)?;
    check(&updated)?;
    let definition = serde_json::to_string(&updated)
        .map_err(|e| ServiceError::internal("encoding a patch baseline", &e))?;
    store::update_baseline(&mut *tx, &id, &updated.name, &definition, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdatePatchBaseline",
        &resource,
        Outcome::Success,
        &updated.name,
    )
    .await?;
    tx.commit().await?;
    info(
        core,
        Loaded {
            modified: now,
            baseline: updated,
            ..current
        },
    )
    .await
}

/// DeletePatchBaseline (operator). Refused while the baseline is registered for a patch
/// group or as a default (`ResourceInUseException`).
pub async fn delete_patch_baseline(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
) -> ServiceResult<String> {
    let id = baseline_id_of(baseline_id).to_string();
    let resource = format!("patchbaseline/{id}");
    core.authorize(actor, Role::Operator, "DeletePatchBaseline", &resource)
        .await?;
    if predefined::find(baseline_id).is_some() {
        return Err(read_only(baseline_id, "deleted"));
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    // Lock first: a registration in flight either commits before we look (and we see
    // it) or waits for us and finds the baseline gone.
    if !store::lock_baseline(&mut *tx, &id).await? {
        return Err(does_not_exist(baseline_id));
    }
    let groups = store::groups_of(&mut *tx, &id).await?;
    if !groups.is_empty() {
        return Err(ServiceError::conflict(format!(
            "Patch baseline {id} is registered for the patch group(s) {}: deregister them first.",
            groups.join(", ")
        ))
        .with_exception("ResourceInUseException"));
    }
    let defaults = store::defaults_of(&mut *tx, &id).await?;
    if !defaults.is_empty() {
        return Err(ServiceError::conflict(format!(
            "Patch baseline {id} is the default baseline for {}: register another default first.",
            defaults.join(", ")
        ))
        .with_exception("ResourceInUseException"));
    }
    store::delete_baseline(&mut *tx, &id).await?;
    tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, &id).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeletePatchBaseline",
        &resource,
        Outcome::Success,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One filter of DescribePatchBaselines / DescribePatchGroups (`PatchOrchestratorFilter`):
/// the values are alternatives, the filters all apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrchestratorFilter {
    pub key: String,
    pub values: Vec<String>,
}

fn unsupported_filter(key: &str, operation: &str, keys: &str) -> ServiceError {
    ServiceError::validation(format!(
        "{operation} does not filter on {key:?}; use {keys}."
    ))
}

/// Checks OPERATING_SYSTEM filter values (a typo would otherwise match nothing).
fn check_os_values(values: &[String]) -> ServiceResult<()> {
    for v in values {
        operating_system(v)?;
    }
    Ok(())
}

/// The baselines `filters` select (DescribePatchBaselines' filters, checked):
/// predefined first, each part by name.
async fn matching_baselines(
    core: &Core,
    filters: &[OrchestratorFilter],
) -> ServiceResult<Vec<PatchBaselineIdentity>> {
    const KEYS: &str = "NAME_PREFIX, OWNER or OPERATING_SYSTEM";
    for f in filters {
        match f.key.as_str() {
            "NAME_PREFIX" => {}
            "OWNER" => {
                if let Some(v) = f
                    .values
                    .iter()
                    .find(|v| !matches!(v.to_ascii_lowercase().as_str(), "aws" | "self" | "all"))
                {
                    return Err(ServiceError::validation(format!(
                        "OWNER is AWS, Self or All, not {v:?}."
                    )));
                }
            }
            "OPERATING_SYSTEM" => check_os_values(&f.values)?,
            other => return Err(unsupported_filter(other, "DescribePatchBaselines", KEYS)),
        }
    }
    let defaults = defaults(core).await?;
    Ok(all_baselines(core)
        .await?
        .iter()
        .filter(|l| {
            filters.iter().all(|f| {
                f.values.iter().any(|v| match f.key.as_str() {
                    "NAME_PREFIX" => l.baseline.name.starts_with(v.as_str()),
                    "OWNER" => match v.to_ascii_lowercase().as_str() {
                        "aws" => l.predefined,
                        "self" => !l.predefined,
                        _ => true,
                    },
                    _ => l.baseline.operating_system.as_str() == v,
                })
            })
        })
        .map(|l| identity(l, &defaults))
        .collect())
}

/// DescribePatchBaselines (viewer): filters NAME_PREFIX, OWNER (`AWS`, `Self`, `All`)
/// and OPERATING_SYSTEM; predefined baselines first.
pub async fn describe_patch_baselines(
    core: &Core,
    actor: &Actor,
    filters: &[OrchestratorFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<PatchBaselineIdentity>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribePatchBaselines",
        "patchbaseline/*",
    )
    .await?;
    let matching = matching_baselines(core, filters).await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 1..=MAX_PAGE)?;
    let offset = paging::offset_of("patch-baselines", next_token)?;
    Ok(paging::page_of(matching, "patch-baselines", offset, limit))
}

/// The filters the console's `owner`, `os` and `q` (name prefix) stand for.
fn console_filters(query: &ListQuery, keys: &[(&str, &str)]) -> Vec<OrchestratorFilter> {
    keys.iter()
        .filter_map(|(param, key)| {
            let value = match *param {
                "q" => query.q.as_deref(),
                other => query.filter(other),
            };
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| OrchestratorFilter {
                    key: (*key).to_string(),
                    values: vec![v.to_string()],
                })
        })
        .collect()
}

/// The console's baseline list (viewer): one page with the total. Filters `owner`
/// (`AWS`, `Self`), `os` and `q` (name prefix), in DescribePatchBaselines' order.
pub async fn list_patch_baselines(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<PatchBaselineIdentity>> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribePatchBaselines",
        "patchbaseline/*",
    )
    .await?;
    let filters = console_filters(
        query,
        &[
            ("owner", "OWNER"),
            ("os", "OPERATING_SYSTEM"),
            ("q", "NAME_PREFIX"),
        ],
    );
    let matching = matching_baselines(core, &filters).await?;
    Ok(paging::console_page(matching, query))
}

/// RegisterDefaultPatchBaseline (operator): the baseline becomes the default for its
/// operating system.
pub async fn register_default_patch_baseline(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Operator,
        "RegisterDefaultPatchBaseline",
        &format!("patchbaseline/{}", baseline_id_of(baseline_id)),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let (id, os) = lock_any(&mut tx, baseline_id).await?;
    store::set_default_baseline(&mut *tx, os.as_str(), &id, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "RegisterDefaultPatchBaseline",
        &format!("patchbaseline/{id}"),
        Outcome::Success,
        os.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A predefined baseline, or a custom one locked for the transaction: its id and
/// operating system.
async fn lock_any(
    tx: &mut crate::db::Tx,
    id_or_arn: &str,
) -> ServiceResult<(String, OperatingSystem)> {
    if let Some(p) = predefined::find(id_or_arn) {
        return Ok((p.id.to_string(), p.baseline.operating_system));
    }
    let id = baseline_id_of(id_or_arn);
    if !store::lock_baseline(&mut **tx, id).await? {
        return Err(does_not_exist(id_or_arn));
    }
    let row = store::baseline(&mut **tx, id)
        .await?
        .ok_or_else(|| does_not_exist(id_or_arn))?;
    let os = operating_system(&row.operating_system)
        .map_err(|e| ServiceError::internal("stored patch baseline", &e))?;
    Ok((row.baseline_id, os))
}

/// GetDefaultPatchBaseline (viewer): the registered default for `os`, else the
/// predefined one. Operating systems without a predefined baseline (Windows, SUSE,
/// macOS) have a default only once one is registered.
pub async fn get_default_patch_baseline(
    core: &Core,
    actor: &Actor,
    os: OperatingSystem,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetDefaultPatchBaseline",
        &format!("patchbaseline/default/{}", os.as_str()),
    )
    .await?;
    default_id(core.db().pool(), os).await?.ok_or_else(|| {
        ServiceError::not_found(format!(
            "No default patch baseline is registered for {}: Bosun predefines baselines for \
             the apt and yum/dnf systems only. Register one with RegisterDefaultPatchBaseline.",
            os.as_str()
        ))
        .with_exception("DoesNotExistException")
    })
}

/// Patch group names: 1–256 letters, numbers, spaces and `_ . : / = + - @` (the
/// model's pattern).
fn check_patch_group(group: &str) -> ServiceResult<()> {
    let n = group.chars().count();
    if (1..=256).contains(&n) && tags::valid_tag_text(group) {
        Ok(())
    } else {
        Err(ServiceError::invalid_field(
            "patch_group",
            "A patch group is 1–256 letters, numbers, spaces and _.:/=+-@",
        ))
    }
}

/// RegisterPatchBaselineForPatchGroup (operator). A group has one baseline per
/// operating system (`AlreadyExistsException`); a baseline serves at most 25 groups.
pub async fn register_patch_baseline_for_patch_group(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
    patch_group: &str,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Operator,
        "RegisterPatchBaselineForPatchGroup",
        &format!("patchgroup/{patch_group}"),
    )
    .await?;
    check_patch_group(patch_group)?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let (id, os) = lock_any(&mut tx, baseline_id).await?;
    if store::groups_of(&mut *tx, &id).await?.len() as i64 >= MAX_GROUPS_PER_BASELINE {
        return Err(ServiceError::limit_exceeded(format!(
            "Patch baseline {id} already serves {MAX_GROUPS_PER_BASELINE} patch groups, the most one baseline may."
        )));
    }
    if let Some(existing) = store::group(&mut *tx, patch_group, os.as_str()).await? {
        return Err(already_registered(patch_group, os, &existing.baseline_id));
    }
    let row = GroupRow {
        patch_group: patch_group.to_string(),
        operating_system: os.as_str().to_string(),
        baseline_id: id.clone(),
    };
    if let Err(e) = store::insert_group(&mut *tx, &row, now).await {
        if is_unique_violation(&e) {
            return Err(already_registered(patch_group, os, "another baseline"));
        }
        return Err(e.into());
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "RegisterPatchBaselineForPatchGroup",
        &format!("patchgroup/{patch_group}"),
        Outcome::Success,
        &format!("{id} ({})", os.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn already_registered(group: &str, os: OperatingSystem, baseline: &str) -> ServiceError {
    ServiceError::already_exists(format!(
        "Patch group {group:?} is already registered with {baseline} for {}: deregister it first.",
        os.as_str()
    ))
    .with_exception("AlreadyExistsException")
}

/// DeregisterPatchBaselineForPatchGroup (operator).
pub async fn deregister_patch_baseline_for_patch_group(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
    patch_group: &str,
) -> ServiceResult<String> {
    let id = predefined::find(baseline_id)
        .map(|p| p.id.to_string())
        .unwrap_or_else(|| baseline_id_of(baseline_id).to_string());
    core.authorize(
        actor,
        Role::Operator,
        "DeregisterPatchBaselineForPatchGroup",
        &format!("patchgroup/{patch_group}"),
    )
    .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if !store::delete_group(&mut *tx, patch_group, &id).await? {
        return Err(ServiceError::not_found(format!(
            "Patch group {patch_group:?} is not registered with patch baseline {id}."
        ))
        .with_exception("InvalidResourceId"));
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeregisterPatchBaselineForPatchGroup",
        &format!("patchgroup/{patch_group}"),
        Outcome::Success,
        &id,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The baseline that applies to nodes of `os` in `patch_group` (or in no group): the
/// group's registration for `os`, else the default for `os`. No role check: callers
/// check theirs.
pub async fn effective_baseline_id(
    core: &Core,
    patch_group: Option<&str>,
    os: OperatingSystem,
) -> ServiceResult<Option<String>> {
    if let Some(group) = patch_group {
        if let Some(row) = store::group(core.db().pool(), group, os.as_str()).await? {
            return Ok(Some(row.baseline_id));
        }
    }
    default_id(core.db().pool(), os).await
}

/// The effective baseline itself (see [`effective_baseline_id`]): what a node's scan or
/// install evaluates.
pub async fn effective_baseline(
    core: &Core,
    patch_group: Option<&str>,
    os: OperatingSystem,
) -> ServiceResult<Option<(String, PatchBaseline)>> {
    let Some(id) = effective_baseline_id(core, patch_group, os).await? else {
        return Ok(None);
    };
    let loaded = load(core.db().pool(), &id)
        .await?
        .ok_or_else(|| does_not_exist(&id))?;
    Ok(Some((loaded.id, loaded.baseline)))
}

/// A node's patch group: the value of its first `Patch Group` / `PatchGroup` tag.
pub async fn patch_group_of(core: &Core, instance_id: &str) -> ServiceResult<Option<String>> {
    let tags = tags::store::of(
        core.db().pool(),
        crate::nodes::TAG_RESOURCE_TYPE,
        instance_id,
    )
    .await?;
    Ok(super::PATCH_GROUP_TAG_KEYS
        .iter()
        .find_map(|k| tags.iter().find(|t| t.key == *k))
        .map(|t| t.value.clone()))
}

/// The snapshot an `aws:runPatchBaseline` step delivered to `instance_id` carries: the
/// baseline that applies to the node now, from its reported operating system and its
/// patch group. `None` when no baseline applies (an operating system the model does
/// not name, or one without a default). No role check: the delivery path calls it.
pub async fn snapshot_for_node(
    core: &Core,
    instance_id: &str,
) -> ServiceResult<Option<bosun_protocol::exec::PatchSnapshot>> {
    let Some((name, version)) =
        crate::nodes::store::platform(core.db().pool(), instance_id).await?
    else {
        return Ok(None);
    };
    let Some(os) = OperatingSystem::from_os_release(&name, &version) else {
        return Ok(None);
    };
    let patch_group = patch_group_of(core, instance_id).await?;
    Ok(effective_baseline(core, patch_group.as_deref(), os)
        .await?
        .map(
            |(baseline_id, baseline)| bosun_protocol::exec::PatchSnapshot {
                baseline_id,
                patch_group,
                baseline,
            },
        ))
}

/// GetPatchBaselineForPatchGroup (viewer): the group's baseline for `os`, else the
/// default for `os`, as AWS answers.
pub async fn get_patch_baseline_for_patch_group(
    core: &Core,
    actor: &Actor,
    patch_group: &str,
    os: OperatingSystem,
) -> ServiceResult<String> {
    core.authorize(
        actor,
        Role::Viewer,
        "GetPatchBaselineForPatchGroup",
        &format!("patchgroup/{patch_group}"),
    )
    .await?;
    effective_baseline_id(core, Some(patch_group), os)
        .await?
        .ok_or_else(|| {
            ServiceError::not_found(format!(
                "Patch group {patch_group:?} has no baseline for {} and no default is registered for it.",
                os.as_str()
            ))
            .with_exception("DoesNotExistException")
        })
}

/// The registrations `filters` select (DescribePatchGroups' filters, checked), by group
/// then operating system.
async fn matching_groups(
    core: &Core,
    filters: &[OrchestratorFilter],
) -> ServiceResult<Vec<PatchGroupMapping>> {
    for f in filters {
        match f.key.as_str() {
            "NAME_PREFIX" => {}
            "OPERATING_SYSTEM" => check_os_values(&f.values)?,
            other => {
                return Err(unsupported_filter(
                    other,
                    "DescribePatchGroups",
                    "NAME_PREFIX or OPERATING_SYSTEM",
                ))
            }
        }
    }
    let defaults = defaults(core).await?;
    let baselines: HashMap<String, PatchBaselineIdentity> = all_baselines(core)
        .await?
        .iter()
        .map(|l| (l.id.clone(), identity(l, &defaults)))
        .collect();
    Ok(store::groups(core.db().pool())
        .await?
        .into_iter()
        .filter(|g| {
            filters.iter().all(|f| {
                f.values.iter().any(|v| match f.key.as_str() {
                    "NAME_PREFIX" => g.patch_group.starts_with(v.as_str()),
                    _ => g.operating_system == *v,
                })
            })
        })
        .filter_map(|g| {
            baselines.get(&g.baseline_id).map(|b| PatchGroupMapping {
                patch_group: g.patch_group,
                baseline: b.clone(),
            })
        })
        .collect())
}

/// DescribePatchGroups (viewer): every registration with its baseline; filters
/// NAME_PREFIX (of the group) and OPERATING_SYSTEM.
pub async fn describe_patch_groups(
    core: &Core,
    actor: &Actor,
    filters: &[OrchestratorFilter],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<PatchGroupMapping>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "DescribePatchGroups", "patchgroup/*")
        .await?;
    let matching = matching_groups(core, filters).await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 1..=MAX_PAGE)?;
    let offset = paging::offset_of("patch-groups", next_token)?;
    Ok(paging::page_of(matching, "patch-groups", offset, limit))
}

/// The console's patch-group registrations (viewer): one page with the total; `q` is a
/// group name prefix.
pub async fn list_patch_groups(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<PatchGroupMapping>> {
    core.authorize(actor, Role::Viewer, "DescribePatchGroups", "patchgroup/*")
        .await?;
    let filters = console_filters(query, &[("q", "NAME_PREFIX")]);
    let matching = matching_groups(core, &filters).await?;
    Ok(paging::console_page(matching, query))
}

/// Whether a custom baseline exists (for the tagging facility; predefined baselines
/// cannot be tagged).
pub async fn custom_baseline_exists(core: &Core, baseline_id: &str) -> ServiceResult<bool> {
    Ok(
        store::baseline(core.db().pool(), baseline_id_of(baseline_id))
            .await?
            .is_some(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_aws_shape() {
        let id = new_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("pb-"));
        assert!(is_baseline_id(&id));
        for p in predefined::all() {
            assert!(is_baseline_id(p.id), "{}", p.id);
        }
        for bad in [
            "pb-0123456789abcdef",
            "pb-0123456789ABCDEF0",
            "xx-0123456789abcdef0",
            "",
        ] {
            assert!(!is_baseline_id(bad), "{bad}");
        }
        assert!(id[3..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, new_id());
    }

    #[test]
    fn ids_come_out_of_arns() {
        assert_eq!(
            baseline_id_of("arn:aws:ssm:eu-west-1:123456789012:patchbaseline/pb-0123456789abcdef0"),
            "pb-0123456789abcdef0"
        );
        assert_eq!(
            baseline_id_of("pb-0123456789abcdef0"),
            "pb-0123456789abcdef0"
        );
    }

    #[test]
    fn update_merges_or_replaces() {
        let mut current = PatchBaseline::new("base-one", OperatingSystem::Ubuntu);
        current.description = Some("kept unless replaced".into());
        current.rejected_patches = vec!["telnet".into()];
        let merged = UpdatePatchBaseline {
            approved_patches: Some(vec!["openssl".into()]),
            ..Default::default()
        }
        .apply(&current)
        .unwrap();
        assert_eq!(merged.description.as_deref(), Some("kept unless replaced"));
        assert_eq!(merged.rejected_patches, vec!["telnet".to_string()]);
        assert_eq!(merged.approved_patches, vec!["openssl".to_string()]);

        let replaced = UpdatePatchBaseline {
            replace: true,
            name: Some("base-two".into()),
            approved_patches: Some(vec!["openssl".into()]),
            ..Default::default()
        }
        .apply(&current)
        .unwrap();
        assert_eq!(replaced.name, "base-two");
        assert_eq!(replaced.operating_system, OperatingSystem::Ubuntu);
        assert_eq!(replaced.description, None);
        assert!(replaced.rejected_patches.is_empty());

        let err = UpdatePatchBaseline {
            replace: true,
            ..Default::default()
        }
        .apply(&current)
        .unwrap_err();
        assert_eq!(err.field, Some("name"));
    }

    #[test]
    fn patch_group_names_follow_the_model() {
        assert!(check_patch_group("web servers: prod/eu=1").is_ok());
        assert!(check_patch_group("").is_err());
        assert!(check_patch_group("a;b").is_err());
        assert!(check_patch_group(&"x".repeat(257)).is_err());
    }

    #[test]
    fn custom_names_may_not_take_the_predefined_prefix() {
        let b = PatchBaseline::new("AWS-Mine", OperatingSystem::Debian);
        assert_eq!(check(&b).unwrap_err().field, Some("name"));
        let b = PatchBaseline::new("x", OperatingSystem::Debian);
        assert_eq!(
            check(&b).unwrap_err().kind,
            crate::types::ErrorKind::Validation
        );
    }
}
