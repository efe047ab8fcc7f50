//! The patch baseline form (`/patch/baselines/new`, `/patch/baselines/:id/edit`) with
//! its rule builder: per rule, filter rows whose keys are the ones the baseline's
//! operating system allows (`PatchFilterKey::allowed_for`) and whose values are
//! checkboxes where the key's values are enumerated (`enumerated_values`) and free text
//! otherwise; the approval delay or cutoff date only where the operating system takes
//! one (apt systems take none). Same services as `CreatePatchBaseline` and
//! `UpdatePatchBaseline` (with Replace).
//!
//! The form is a plain HTML form (`ActionForm`): its fields are named after the server
//! function's arguments in `serde_qs`'s nested notation (`rules[3][filters][7][key]`,
//! where 3 and 7 are the rows' stable ids, so rows removed in the browser leave gaps
//! and the order stays the order on screen), so it submits without JavaScript too;
//! adding and removing rows needs the wasm bundle. The service validates everything and
//! answers with the path of each bad member (`ApprovalRules.PatchRules[0]…`), which the
//! form shows in words next to the part it names.

// The form posts one field per server-function argument (so it works as a plain HTML
// form); the client side the macro generates repeats them.
#![allow(clippy::too_many_arguments)]

use crate::components::form::{action_error, Field, TextAreaField};
use crate::components::layout::{can_operate, PageHeader};
use crate::error::AppError;
use crate::pages::patch::{
    baseline_href, os_label, os_options, COMPLIANCE_LEVELS, REJECTED_ACTIONS,
};
use bosun_core::bosun_patch::{
    ComplianceLevel, OperatingSystem, OsFamily, PatchBaseline, PatchFilter, PatchFilterKey,
    PatchRule, RejectedPatchesAction,
};

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// Rules per baseline and filters per group (the model's limits).
const MAX_RULES: usize = 10;
const MAX_FILTERS: usize = 4;

/// What the service's validation message starts with.
const INVALID_PREFIX: &str = "The patch baseline is not valid: ";

/// Every filter key, for the operating systems Bosun does not patch (their baselines
/// take any key of the model). The likely ones first.
const ALL_KEYS: &[PatchFilterKey] = &[
    PatchFilterKey::Product,
    PatchFilterKey::Classification,
    PatchFilterKey::MsrcSeverity,
    PatchFilterKey::Severity,
    PatchFilterKey::PatchSet,
    PatchFilterKey::ProductFamily,
    PatchFilterKey::Priority,
    PatchFilterKey::Section,
    PatchFilterKey::Arch,
    PatchFilterKey::AdvisoryId,
    PatchFilterKey::BugzillaId,
    PatchFilterKey::CveId,
    PatchFilterKey::Epoch,
    PatchFilterKey::Name,
    PatchFilterKey::PatchId,
    PatchFilterKey::Release,
    PatchFilterKey::Repository,
    PatchFilterKey::Security,
    PatchFilterKey::Version,
];

/// The keys the rule builder offers for a family: what the service accepts.
pub fn keys_for(family: OsFamily) -> &'static [PatchFilterKey] {
    match PatchFilterKey::allowed_for(family) {
        [] => ALL_KEYS,
        keys => keys,
    }
}

/// The key a new filter row starts with: the first with enumerated values, so the row
/// starts as checkboxes.
fn default_key(family: OsFamily) -> PatchFilterKey {
    let keys = keys_for(family);
    keys.iter()
        .copied()
        .find(|k| k.enumerated_values(family).is_some())
        .or_else(|| keys.first().copied())
        .unwrap_or(PatchFilterKey::Product)
}

fn key_of(s: &str) -> Option<PatchFilterKey> {
    ALL_KEYS.iter().copied().find(|k| k.as_str() == s)
}

/// One filter row as the form posts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterInput {
    pub key: PatchFilterKey,
    /// The checked values (enumerated keys).
    #[serde(default)]
    pub values: Vec<String>,
    /// Comma-separated values (free-text keys).
    #[serde(default)]
    pub text: String,
}

/// One approval rule as the form posts it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleInput {
    pub filters: Vec<FilterInput>,
    pub compliance_level: ComplianceLevel,
    /// `days` or `date`; absent where the operating system takes neither.
    pub approval: String,
    pub approve_after_days: String,
    pub approve_until_date: String,
    pub enable_non_security: bool,
}

/// The whole form, once the server function has its arguments.
#[cfg(feature = "ssr")]
struct BaselineInput {
    name: String,
    operating_system: OperatingSystem,
    description: String,
    global_filters: Vec<FilterInput>,
    rules: Vec<RuleInput>,
    approved_patches: String,
    approved_patches_compliance_level: ComplianceLevel,
    approved_patches_enable_non_security: bool,
    rejected_patches: String,
    rejected_patches_action: RejectedPatchesAction,
}

/// The non-empty lines of a textarea.
#[cfg(feature = "ssr")]
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(feature = "ssr")]
fn filter_of(f: FilterInput) -> PatchFilter {
    let values = if f.values.is_empty() {
        f.text
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    } else {
        f.values
    };
    PatchFilter { key: f.key, values }
}

#[cfg(feature = "ssr")]
fn filter_group(filters: Vec<FilterInput>) -> Option<bosun_core::bosun_patch::PatchFilterGroup> {
    (!filters.is_empty()).then(|| bosun_core::bosun_patch::PatchFilterGroup {
        patch_filters: filters.into_iter().map(filter_of).collect(),
    })
}

/// The form → the baseline (the service validates it). Only what is not even a number
/// is refused here, worded like the service's own problems so the form places it.
#[cfg(feature = "ssr")]
fn baseline_of(input: BaselineInput) -> Result<PatchBaseline, AppError> {
    let mut rules = Vec::with_capacity(input.rules.len());
    for (i, r) in input.rules.into_iter().enumerate() {
        let days = r.approve_after_days.trim();
        let date = r.approve_until_date.trim();
        let (approve_after_days, approve_until_date) = match r.approval.as_str() {
            "days" if days.is_empty() => (None, None),
            "days" => match days.parse::<i64>() {
                Ok(n) => (Some(n), None),
                Err(_) => {
                    return Err(AppError::new(
                        bosun_core::types::ErrorKind::Validation,
                        format!(
                            "{INVALID_PREFIX}ApprovalRules.PatchRules[{i}].ApproveAfterDays: \
                             {days:?} is not a whole number of days."
                        ),
                    ))
                }
            },
            "date" if date.is_empty() => (None, None),
            "date" => (None, Some(date.to_string())),
            _ => (None, None),
        };
        rules.push(PatchRule {
            patch_filter_group: bosun_core::bosun_patch::PatchFilterGroup {
                patch_filters: r.filters.into_iter().map(filter_of).collect(),
            },
            compliance_level: r.compliance_level,
            approve_after_days,
            approve_until_date,
            enable_non_security: r.enable_non_security,
        });
    }
    let mut b = PatchBaseline::new(input.name.trim(), input.operating_system);
    b.description = Some(input.description.trim().to_string()).filter(|d| !d.is_empty());
    b.global_filters = filter_group(input.global_filters);
    b.approval_rules = (!rules.is_empty())
        .then_some(bosun_core::bosun_patch::PatchRuleGroup { patch_rules: rules });
    b.approved_patches = lines(&input.approved_patches);
    b.approved_patches_compliance_level = input.approved_patches_compliance_level;
    b.approved_patches_enable_non_security = input.approved_patches_enable_non_security;
    b.rejected_patches = lines(&input.rejected_patches);
    b.rejected_patches_action = input.rejected_patches_action;
    Ok(b)
}

/// Creates a custom baseline and goes to its page.
#[server(prefix = "/api", endpoint = "create_patch_baseline")]
pub async fn create_patch_baseline(
    operating_system: OperatingSystem,
    name: String,
    description: String,
    #[server(default)] global_filters: Vec<FilterInput>,
    #[server(default)] rules: Vec<RuleInput>,
    approved_patches: String,
    #[server(default)] approved_patches_compliance_level: ComplianceLevel,
    #[server(default)] approved_patches_enable_non_security: bool,
    rejected_patches: String,
    #[server(default)] rejected_patches_action: RejectedPatchesAction,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let baseline = baseline_of(BaselineInput {
        name,
        operating_system,
        description,
        global_filters,
        rules,
        approved_patches,
        approved_patches_compliance_level,
        approved_patches_enable_non_security,
        rejected_patches,
        rejected_patches_action,
    })?;
    let id = bosun_core::patch::create_patch_baseline(
        &core,
        &actor,
        bosun_core::patch::CreatePatchBaseline {
            baseline,
            client_token: None,
            tags: Vec::new(),
        },
    )
    .await?;
    leptos_axum::redirect(&baseline_href(&id));
    Ok(())
}

/// Replaces a custom baseline's definition (UpdatePatchBaseline with Replace) and goes
/// back to its page. What the form does not edit (sources, Windows' security-update
/// status) is carried over.
#[server(prefix = "/api", endpoint = "update_patch_baseline")]
pub async fn update_patch_baseline(
    baseline_id: String,
    name: String,
    description: String,
    #[server(default)] global_filters: Vec<FilterInput>,
    #[server(default)] rules: Vec<RuleInput>,
    approved_patches: String,
    #[server(default)] approved_patches_compliance_level: ComplianceLevel,
    #[server(default)] approved_patches_enable_non_security: bool,
    rejected_patches: String,
    #[server(default)] rejected_patches_action: RejectedPatchesAction,
) -> Result<(), AppError> {
    use bosun_core::patch::{self, UpdatePatchBaseline};
    let (core, actor) = crate::ssr::actor()?;
    let current = patch::get_patch_baseline(&core, &actor, &baseline_id).await?;
    let b = baseline_of(BaselineInput {
        name,
        operating_system: current.baseline.operating_system,
        description,
        global_filters,
        rules,
        approved_patches,
        approved_patches_compliance_level,
        approved_patches_enable_non_security,
        rejected_patches,
        rejected_patches_action,
    })?;
    let updated = patch::update_patch_baseline(
        &core,
        &actor,
        UpdatePatchBaseline {
            baseline_id,
            replace: true,
            name: Some(b.name),
            description: b.description,
            global_filters: b.global_filters,
            approval_rules: b.approval_rules,
            approved_patches: Some(b.approved_patches),
            approved_patches_compliance_level: Some(b.approved_patches_compliance_level),
            approved_patches_enable_non_security: Some(b.approved_patches_enable_non_security),
            rejected_patches: Some(b.rejected_patches),
            rejected_patches_action: Some(b.rejected_patches_action),
            sources: Some(current.baseline.sources),
            available_security_updates_compliance_status: current
                .baseline
                .available_security_updates_compliance_status,
        },
    )
    .await?;
    leptos_axum::redirect(&baseline_href(&updated.baseline_id));
    Ok(())
}

/// One problem of a refused baseline: the member's path and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// Whether `s` is a member path such as `ApprovalRules.PatchRules[0].ApproveAfterDays`.
fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|segment| {
            let (name, index) = match segment.split_once('[') {
                Some((n, rest)) => (n, Some(rest)),
                None => (segment, None),
            };
            let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric());
            let index_ok = index.is_none_or(|rest| {
                rest.strip_suffix(']')
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            });
            name_ok && index_ok
        })
}

/// The problems in the service's "The patch baseline is not valid: P: M; P: M." message,
/// or none when the message is not one.
pub fn problems_of(message: &str) -> Vec<Problem> {
    let Some(rest) = message.strip_prefix(INVALID_PREFIX) else {
        return Vec::new();
    };
    let rest = rest.strip_suffix('.').unwrap_or(rest);
    let mut out: Vec<Problem> = Vec::new();
    for piece in rest.split("; ") {
        match piece.split_once(": ") {
            Some((path, text)) if is_path(path) => out.push(Problem {
                path: path.to_string(),
                message: text.to_string(),
            }),
            // A message with "; " of its own: it continues the previous problem.
            _ => match out.last_mut() {
                Some(last) => {
                    last.message.push_str("; ");
                    last.message.push_str(piece);
                }
                None => return Vec::new(),
            },
        }
    }
    out
}

/// A member path in words: `ApprovalRules.PatchRules[0].ApproveAfterDays` → `Rule 1 ›
/// approval delay`.
pub fn path_in_words(path: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let nth = |what: &str| match index {
            Some(i) => format!("{what} {}", i + 1),
            None => format!("{what}s"),
        };
        let word = match name {
            "ApprovalRules" | "PatchFilterGroup" => continue,
            "PatchRules" => nth("Rule"),
            "PatchFilters" => nth("filter"),
            "GlobalFilters" => "Global filters".to_string(),
            "Key" => "key".to_string(),
            "Values" => nth("value"),
            "ApproveAfterDays" => "approval delay".to_string(),
            "ApproveUntilDate" => "approval cutoff date".to_string(),
            "ApprovedPatches" => match index {
                Some(i) => format!("Approved patches, entry {}", i + 1),
                None => "Approved patches".to_string(),
            },
            "RejectedPatches" => match index {
                Some(i) => format!("Rejected patches, entry {}", i + 1),
                None => "Rejected patches".to_string(),
            },
            "Sources" => nth("Source"),
            "Name" if words.is_empty() => "Name".to_string(),
            "Name" => "name".to_string(),
            "Description" => "Description".to_string(),
            other => other.to_string(),
        };
        words.push(word);
    }
    words.join(" › ")
}

/// The refusal as the form shows it: each problem in words, with its path.
#[component]
fn BaselineProblems(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        let e = error.get().filter(|e| e.field.is_none())?;
        let problems = problems_of(&e.message);
        Some(if problems.is_empty() {
            view! { <div class="alert alert-error" role="alert" data-testid="baseline-error">{e.message}</div> }
                .into_any()
        } else {
            let items = problems
                .into_iter()
                .map(|p| {
                    view! {
                        <li>
                            <strong>{path_in_words(&p.path)}</strong>": "{p.message}
                            " "<code class="muted">{p.path}</code>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="alert alert-error" role="alert" data-testid="baseline-error">
                    <p class="alert-title">"The service refused this baseline:"</p>
                    <ul class="problems">{items}</ul>
                </div>
            }
            .into_any()
        })
    }
}

/// The problems whose path lies under `prefix` (`ApprovalRules.PatchRules[2]`), for the
/// part of the form that prefix names.
fn problems_under(error: Signal<Option<AppError>>, prefix: String) -> impl Fn() -> Vec<String> {
    move || {
        error
            .get()
            .map(|e| {
                problems_of(&e.message)
                    .into_iter()
                    .filter(|p| {
                        p.path == prefix
                            || p.path.starts_with(&format!("{prefix}."))
                            || p.path.starts_with(&format!("{prefix}["))
                    })
                    .map(|p| format!("{}: {}", path_in_words(&p.path), p.message))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[component]
fn InlineProblems(problems: Signal<Vec<String>>) -> impl IntoView {
    move || {
        problems
            .get()
            .into_iter()
            .map(|p| view! { <p class="field-error" role="alert">{p}</p> })
            .collect_view()
    }
}

/// One filter row in the browser.
#[derive(Clone, Debug)]
struct FilterDraft {
    id: usize,
    key: RwSignal<PatchFilterKey>,
    /// The values it started with.
    values: Vec<String>,
}

/// One rule in the browser.
#[derive(Clone, Debug)]
struct RuleDraft {
    id: usize,
    filters: RwSignal<Vec<FilterDraft>>,
    compliance_level: ComplianceLevel,
    /// `days` or `date`.
    approval: &'static str,
    days: String,
    date: String,
    non_security: bool,
}

/// Stable ids for the rows (field names and element ids carry them). The server and the
/// browser build the first rows in the same order, so the ids agree at hydration.
#[derive(Clone, Copy)]
struct Ids(StoredValue<usize>);

impl Ids {
    fn next(self) -> usize {
        let n = self.0.get_value();
        self.0.set_value(n + 1);
        n
    }
}

fn filter_draft(ids: Ids, f: &PatchFilter) -> FilterDraft {
    FilterDraft {
        id: ids.next(),
        key: RwSignal::new(f.key),
        values: f.values.clone(),
    }
}

fn new_filter(ids: Ids, family: OsFamily) -> FilterDraft {
    FilterDraft {
        id: ids.next(),
        key: RwSignal::new(default_key(family)),
        values: Vec::new(),
    }
}

fn rule_draft(ids: Ids, r: &PatchRule) -> RuleDraft {
    let filters = r
        .patch_filter_group
        .patch_filters
        .iter()
        .map(|f| filter_draft(ids, f))
        .collect();
    RuleDraft {
        id: ids.next(),
        filters: RwSignal::new(filters),
        compliance_level: r.compliance_level,
        approval: if r.approve_until_date.is_some() {
            "date"
        } else {
            "days"
        },
        days: r
            .approve_after_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        date: r.approve_until_date.clone().unwrap_or_default(),
        non_security: r.enable_non_security,
    }
}

fn new_rule(ids: Ids, family: OsFamily) -> RuleDraft {
    RuleDraft {
        id: ids.next(),
        filters: RwSignal::new(vec![new_filter(ids, family)]),
        compliance_level: ComplianceLevel::Unspecified,
        approval: "days",
        days: "7".into(),
        date: String::new(),
        non_security: false,
    }
}

/// One filter row: the key (only the operating system's keys) and its values.
#[component]
fn FilterRow(
    /// The field-name prefix (`rules[3][filters][7]`).
    prefix: String,
    draft: FilterDraft,
    family: Memo<OsFamily>,
    /// "Rule 1, filter 2" (for labels).
    #[prop(into)]
    title: Signal<String>,
    on_remove: Callback<usize>,
) -> impl IntoView {
    let id = draft.id;
    let key = draft.key;
    let key_id = format!("filter-{id}-key");
    let values_id = format!("filter-{id}-values");
    let initial = draft.values.clone();
    let key_options = move || {
        keys_for(family.get())
            .iter()
            .map(|k| {
                let k = *k;
                view! { <option value=k.as_str() selected=move || key.get() == k>{k.as_str()}</option> }
            })
            .collect_view()
    };
    let key_name = format!("{prefix}[key]");
    let values = {
        let prefix = prefix.clone();
        let values_id = values_id.clone();
        move || {
            let fam = family.get();
            let k = key.get();
            match k.enumerated_values(fam) {
                Some(list) => {
                    let boxes = std::iter::once("*")
                        .chain(list.iter().copied())
                        .enumerate()
                        .map(|(j, v)| {
                            let checked = initial.iter().any(|x| x == v);
                            let label = if v == "*" { "All (*)" } else { v };
                            view! {
                                <label class="checkbox">
                                    <input type="checkbox" name=format!("{prefix}[values][{j}]") value=v checked=checked />
                                    {label}
                                </label>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="check-row" role="group" aria-label=move || format!("{}: values", title.get()) id=values_id.clone()>
                            {boxes}
                        </div>
                    }
                    .into_any()
                }
                None => {
                    let hint = match k {
                        PatchFilterKey::Product => {
                            "Products, separated by commas (e.g. Debian12, Ubuntu22.04), or *."
                        }
                        PatchFilterKey::Section => {
                            "Sections, separated by commas (e.g. admin, libs, net), or *."
                        }
                        _ => "Values, separated by commas, or *.",
                    };
                    view! {
                        <input type="text" id=values_id.clone() name=format!("{prefix}[text]") value=initial.join(", ")
                            autocomplete="off" aria-label=move || format!("{}: values", title.get()) placeholder=hint />
                    }
                    .into_any()
                }
            }
        }
    };
    view! {
        <div class="filter-row" data-filter=id>
            <div class="field filter-key">
                <label for=key_id.clone()>"Key"</label>
                <select id=key_id name=key_name aria-describedby=values_id.clone()
                    on:change=move |ev| {
                        if let Some(k) = key_of(&event_target_value(&ev)) {
                            key.set(k);
                        }
                    }>
                    {key_options}
                </select>
            </div>
            <div class="field filter-values">
                <span class="field-label">"Values"</span>
                {values}
            </div>
            <button type="button" class="btn btn-sm btn-ghost" on:click=move |_| on_remove.run(id)
                aria-label=move || format!("Remove {}", title.get())>"Remove filter"</button>
        </div>
    }
}

/// A group of filter rows with an "Add filter" button (at most four filters).
#[component]
fn FilterList(
    /// The field-name prefix of the group (`global_filters`, `rules[3][filters]`).
    prefix: String,
    filters: RwSignal<Vec<FilterDraft>>,
    family: Memo<OsFamily>,
    ids: Ids,
    /// "Rule 1" or "Global filters" (for labels).
    #[prop(into)]
    owner: Signal<String>,
    add_label: &'static str,
) -> impl IntoView {
    let remove = Callback::new(move |id: usize| filters.update(|v| v.retain(|f| f.id != id)));
    let row = move |f: FilterDraft| {
        let id = f.id;
        let position = Memo::new(move |_| {
            filters.with(|v| v.iter().position(|x| x.id == id).unwrap_or(0) + 1)
        });
        let title = Signal::derive(move || format!("{} filter {}", owner.get(), position.get()));
        view! { <FilterRow prefix=format!("{prefix}[{id}]") draft=f family=family title=title on_remove=remove /> }
    };
    view! {
        <div class="filter-list">
            <For each=move || filters.get() key=|f| f.id children=row />
            {move || filters.with(Vec::is_empty).then(|| view! { <p class="muted">"No filters: every patch passes."</p> })}
            <button type="button" class="btn btn-sm" disabled=move || filters.with(|v| v.len() >= MAX_FILTERS)
                on:click=move |_| {
                    let f = new_filter(ids, family.get_untracked());
                    filters.update(|v| v.push(f));
                }>{add_label}</button>
        </div>
    }
}

/// One approval rule: its filters, compliance level, approval delay or cutoff (where
/// the operating system takes one) and whether non-security updates are approved too.
#[component]
fn RuleEditor(
    draft: RuleDraft,
    position: Memo<usize>,
    family: Memo<OsFamily>,
    ids: Ids,
    error: Signal<Option<AppError>>,
    on_remove: Callback<usize>,
) -> impl IntoView {
    let id = draft.id;
    let prefix = format!("rules[{id}]");
    let title = Signal::derive(move || format!("Rule {}", position.get()));
    let problems = Signal::derive({
        move || {
            problems_under(
                error,
                format!("ApprovalRules.PatchRules[{}]", position.get() - 1),
            )()
        }
    });
    let level_id = format!("rule-{id}-level");
    let levels = COMPLIANCE_LEVELS
        .iter()
        .map(|(l, s)| {
            let sel = *l == draft.compliance_level;
            view! { <option value=*s selected=sel>{*s}</option> }
        })
        .collect_view();
    let approval = {
        let prefix = prefix.clone();
        let (approval, days, date) = (draft.approval, draft.days.clone(), draft.date.clone());
        move || {
            if family.get() == OsFamily::Apt {
                return view! {
                    <p class="field-hint" data-testid="apt-approval">
                        "Matching patches are approved as soon as they are published: apt repositories publish no release dates, so Debian, Ubuntu and Raspberry Pi OS take no approval delay or cutoff date."
                    </p>
                }
                .into_any();
            }
            let (days_id, date_id) = (format!("rule-{id}-days"), format!("rule-{id}-date"));
            view! {
                <div class="approval" role="radiogroup" aria-label=move || format!("{}: approval", title.get())>
                    <div class="approval-option">
                        <label class="checkbox">
                            <input type="radio" name=format!("{prefix}[approval]") value="days" checked={approval == "days"} />
                            "Approve after"
                        </label>
                        <input type="number" id=days_id.clone() name=format!("{prefix}[approve_after_days]") min="0" max="360" step="1"
                            class="days-input" value=days.clone() aria-label="Approve after days" />
                        <span>"days"</span>
                    </div>
                    <div class="approval-option">
                        <label class="checkbox">
                            <input type="radio" name=format!("{prefix}[approval]") value="date" checked={approval == "date"} />
                            "Approve patches released up to"
                        </label>
                        <input type="date" id=date_id name=format!("{prefix}[approve_until_date]") class="date-input"
                            value=date.clone() aria-label="Approve until date" />
                    </div>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <fieldset class="rule" data-rule=id>
            <legend>{move || title.get()}</legend>
            <FilterList prefix=format!("{prefix}[filters]") filters=draft.filters family=family ids=ids owner=title add_label="Add filter" />
            <div class="field-row">
                <div class="field">
                    <label for=level_id.clone()>"Compliance level"</label>
                    <select id=level_id name=format!("{prefix}[compliance_level]")>{levels}</select>
                </div>
                <div class="field">
                    <span class="field-label">"Approval"</span>
                    {approval}
                </div>
            </div>
            <label class="checkbox">
                <input type="checkbox" name=format!("{prefix}[enable_non_security]") value="true" checked=draft.non_security />
                "Also approve non-security updates"
            </label>
            <InlineProblems problems=problems />
            <div>
                <button type="button" class="btn btn-sm btn-ghost" on:click=move |_| on_remove.run(id)
                    aria-label=move || format!("Remove {}", title.get())>"Remove rule"</button>
            </div>
        </fieldset>
    }
}

/// Everything of the form but its operating system and submit button.
#[component]
fn BaselineFields(
    /// The baseline being edited; a new one starts from one rule.
    initial: Option<PatchBaseline>,
    family: Memo<OsFamily>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let ids = Ids(StoredValue::new(0));
    let start_family = family.get_untracked();
    let rules = RwSignal::new(match &initial {
        Some(b) => b.rules().iter().map(|r| rule_draft(ids, r)).collect(),
        None => vec![new_rule(ids, start_family)],
    });
    let global = RwSignal::new(
        initial
            .as_ref()
            .and_then(|b| b.global_filters.as_ref())
            .map(|g| {
                g.patch_filters
                    .iter()
                    .map(|f| filter_draft(ids, f))
                    .collect()
            })
            .unwrap_or_default(),
    );
    // A key the new operating system does not take becomes its first key.
    Effect::new(move |_| {
        let fam = family.get();
        let keys = keys_for(fam);
        let fix = |f: &FilterDraft| {
            if !keys.contains(&f.key.get_untracked()) {
                f.key.set(default_key(fam));
            }
        };
        global.with_untracked(|v: &Vec<FilterDraft>| v.iter().for_each(fix));
        rules.with_untracked(|v: &Vec<RuleDraft>| {
            v.iter()
                .for_each(|r| r.filters.with_untracked(|fs| fs.iter().for_each(fix)))
        });
    });
    let remove_rule = Callback::new(move |id: usize| rules.update(|v| v.retain(|r| r.id != id)));
    let rule_view = move |r: RuleDraft| {
        let id = r.id;
        let position =
            Memo::new(move |_| rules.with(|v| v.iter().position(|x| x.id == id).unwrap_or(0) + 1));
        view! { <RuleEditor draft=r position=position family=family ids=ids error=error on_remove=remove_rule /> }
    };
    let b = initial.clone();
    let text = move |f: fn(&PatchBaseline) -> String| b.as_ref().map(f).unwrap_or_default();
    let name = text(|b| b.name.clone());
    let description = text(|b| b.description.clone().unwrap_or_default());
    let approved = text(|b| b.approved_patches.join("\n"));
    let rejected = text(|b| b.rejected_patches.join("\n"));
    let approved_level = initial.as_ref().map_or(ComplianceLevel::Unspecified, |b| {
        b.approved_patches_compliance_level
    });
    let approved_non_security = initial
        .as_ref()
        .is_some_and(|b| b.approved_patches_enable_non_security);
    let rejected_action = initial
        .as_ref()
        .map_or(RejectedPatchesAction::AllowAsDependency, |b| {
            b.rejected_patches_action
        });
    let list_hint = move || {
        match family.get() {
        OsFamily::Apt => "Package names, one per line (e.g. openssl): no versions or architectures.",
        OsFamily::Dnf => "One per line: a package name or spec (kernel-5.14*), or in approved patches an advisory, CVE or Bugzilla id.",
        OsFamily::Unsupported => "One per line.",
    }
    };
    let global_problems = Signal::derive(problems_under(error, "GlobalFilters".into()));
    let approved_problems = Signal::derive(problems_under(error, "ApprovedPatches".into()));
    let rejected_problems = Signal::derive(problems_under(error, "RejectedPatches".into()));
    let top_problems = Signal::derive({
        let name = problems_under(error, "Name".into());
        let description = problems_under(error, "Description".into());
        move || {
            let mut v = name();
            v.extend(description());
            v
        }
    });
    view! {
        <Field label="Name" name="name" required=true maxlength=128 autocomplete="off" value=name error=error
            hint="3–128 letters, digits, _ - and . (not starting with AWS-)." />
        <Field label="Description" name="description" maxlength=1024 autocomplete="off" value=description error=error />
        <InlineProblems problems=top_problems />
        <fieldset>
            <legend>"Approval rules"</legend>
            <p class="field-hint">"A patch is approved when it passes every filter of a rule (and the global filters). Up to 10 rules."</p>
            <For each=move || rules.get() key=|r| r.id children=rule_view />
            {move || rules.with(Vec::is_empty).then(|| view! { <p class="muted">"No rules: only the approved patches below are approved."</p> })}
            <div>
                <button type="button" class="btn btn-sm" disabled=move || rules.with(|v| v.len() >= MAX_RULES)
                    on:click=move |_| {
                        let r = new_rule(ids, family.get_untracked());
                        rules.update(|v| v.push(r));
                    }>"Add rule"</button>
            </div>
        </fieldset>
        <fieldset>
            <legend>"Global filters"</legend>
            <p class="field-hint">"Patches must pass these too, whatever rule approves them."</p>
            <FilterList prefix="global_filters".to_string() filters=global family=family ids=ids owner="Global" add_label="Add global filter" />
            <InlineProblems problems=global_problems />
        </fieldset>
        <fieldset>
            <legend>"Patch exceptions"</legend>
            <TextAreaField label="Approved patches" name="approved_patches" rows=4 code=true value=approved error=error />
            <p class="field-hint">{list_hint}</p>
            <InlineProblems problems=approved_problems />
            <div class="field-row">
                <div class="field">
                    <label for="field-approved_patches_compliance_level">"Approved patches compliance level"</label>
                    <select id="field-approved_patches_compliance_level" name="approved_patches_compliance_level">
                        {COMPLIANCE_LEVELS.iter().map(|(l, s)| {
                            let sel = *l == approved_level;
                            view! { <option value=*s selected=sel>{*s}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <span class="field-label">"Non-security updates"</span>
                    <label class="checkbox">
                        <input type="checkbox" name="approved_patches_enable_non_security" value="true" checked=approved_non_security />
                        "Approved patches include non-security updates"
                    </label>
                </div>
            </div>
            <TextAreaField label="Rejected patches" name="rejected_patches" rows=4 code=true value=rejected error=error />
            <InlineProblems problems=rejected_problems />
            <div class="field">
                <label for="field-rejected_patches_action">"Rejected patches action"</label>
                <select id="field-rejected_patches_action" name="rejected_patches_action">
                    {REJECTED_ACTIONS.iter().map(|(a, s, text)| {
                        let sel = *a == rejected_action;
                        view! { <option value=*s selected=sel>{*text}</option> }
                    }).collect_view()}
                </select>
                <p class="field-hint">"Allow as a dependency: installed only when another package needs it. Block: never installed, nor what depends on it."</p>
            </div>
        </fieldset>
    }
}

#[component]
pub fn NewPatchBaselinePage() -> impl IntoView {
    let create = ServerAction::<CreatePatchBaseline>::new();
    let error = action_error(create.value());
    let os = RwSignal::new(OperatingSystem::Ubuntu);
    let family = Memo::new(move |_| os.get().family());
    let os_message = move || error.get().and_then(|e| e.for_field("operating_system"));
    let options = os_options()
        .into_iter()
        .map(|o| {
            view! { <option value=o.as_str() selected=move || os.get() == o>{format!("{} ({})", os_label(o), o.as_str())}</option> }
        })
        .collect_view();
    let unsupported = move || {
        (family.get() == OsFamily::Unsupported).then(|| view! {
            <p class="alert alert-info">"Bosun keeps baselines for this operating system but does not patch it: its nodes report their patches as not applicable."</p>
        })
    };
    view! {
        <PageHeader title="Create patch baseline" subtitle="Which patches are approved for the nodes of one operating system." />
        {if can_operate() {
            view! {
                <section class="card">
                    <div class="card-body">
                        <ActionForm action=create attr:class="form form-wide baseline-form">
                            <BaselineProblems error=error />
                            <div class="field">
                                <label for="field-operating_system">"Operating system"</label>
                                <select id="field-operating_system" name="operating_system" aria-describedby="field-operating_system-error"
                                    on:change=move |ev| {
                                        if let Some(o) = crate::pages::patch::os_of(&event_target_value(&ev)) {
                                            os.set(o);
                                        }
                                    }>
                                    {options}
                                </select>
                                <p class="field-hint">"It decides which filters and approval options the rules take, and never changes."</p>
                                <p class="field-error" id="field-operating_system-error" role="alert">{os_message}</p>
                            </div>
                            {unsupported}
                            <BaselineFields initial=None family=family error=error />
                            <div class="form-actions">
                                <button type="submit" class="btn btn-primary">"Create baseline"</button>
                                <a class="btn" href="/patch/baselines">"Cancel"</a>
                            </div>
                        </ActionForm>
                    </div>
                </section>
            }
            .into_any()
        } else {
            view! { <crate::components::layout::Forbidden /> }.into_any()
        }}
    }
}

#[component]
pub fn EditPatchBaselinePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let update = ServerAction::<UpdatePatchBaseline>::new();
    let error = action_error(update.value());
    let page = Resource::new(id, crate::pages::patch_baseline::get_baseline_page);
    let body = move || {
        page.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(data) if data.info.predefined => view! {
                <div class="alert alert-warning" role="alert">
                    {format!("{} is a predefined baseline: it is read-only. Create a custom baseline instead.", data.info.baseline.name)}
                </div>
            }
            .into_any(),
            Ok(data) => {
                let b = data.info.baseline.clone();
                let os = b.operating_system;
                let family = Memo::new(move |_| os.family());
                let cancel = baseline_href(&data.info.baseline_id);
                view! {
                    <section class="card">
                        <div class="card-body">
                            <ActionForm action=update attr:class="form form-wide baseline-form">
                                <BaselineProblems error=error />
                                <input type="hidden" name="baseline_id" value=data.info.baseline_id.clone() />
                                <dl class="kv">
                                    <dt>"Baseline ID"</dt><dd class="mono">{data.info.baseline_id.clone()}</dd>
                                    <dt>"Operating system"</dt><dd data-testid="baseline-os">{format!("{} ({})", os_label(os), os.as_str())}</dd>
                                </dl>
                                <BaselineFields initial=Some(b) family=family error=error />
                                <div class="form-actions">
                                    <button type="submit" class="btn btn-primary">"Save baseline"</button>
                                    <a class="btn" href=cancel>"Cancel"</a>
                                </div>
                            </ActionForm>
                        </div>
                    </section>
                }
                .into_any()
            }
        })
    };
    view! {
        <PageHeader title="Edit patch baseline" subtitle="Saving replaces the baseline's rules, filters and lists; its operating system stays." />
        {if can_operate() {
            view! { <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition> }.into_any()
        } else {
            view! { <crate::components::layout::Forbidden /> }.into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_operating_system() {
        let apt: Vec<&str> = keys_for(OsFamily::Apt).iter().map(|k| k.as_str()).collect();
        assert_eq!(apt, ["PRODUCT", "PRIORITY", "SECTION"]);
        assert_eq!(default_key(OsFamily::Apt), PatchFilterKey::Priority);
        assert_eq!(default_key(OsFamily::Dnf), PatchFilterKey::Classification);
        assert_eq!(keys_for(OsFamily::Unsupported).len(), 19);
        for k in ALL_KEYS {
            assert_eq!(key_of(k.as_str()), Some(*k));
        }
    }

    #[test]
    fn problems_come_out_of_the_service_message() {
        let m = "The patch baseline is not valid: ApprovalRules.PatchRules[0].ApproveAfterDays: \
                 approval delays are not supported on Debian and Ubuntu: apt repositories publish \
                 no release dates; use 0 or leave it out; RejectedPatches[1]: a package name holds no spaces.";
        let p = problems_of(m);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].path, "ApprovalRules.PatchRules[0].ApproveAfterDays");
        assert!(p[0]
            .message
            .ends_with("no release dates; use 0 or leave it out"));
        assert_eq!(p[1].path, "RejectedPatches[1]");
        assert_eq!(p[1].message, "a package name holds no spaces");
        assert!(problems_of("Patch baseline pb-1 does not exist.").is_empty());
        assert!(problems_of("The patch baseline is not valid: oops").is_empty());
    }

    #[test]
    fn paths_read_as_words() {
        let cases = [
            (
                "ApprovalRules.PatchRules[0].ApproveAfterDays",
                "Rule 1 › approval delay",
            ),
            (
                "ApprovalRules.PatchRules[2].PatchFilterGroup.PatchFilters[1].Values[0]",
                "Rule 3 › filter 2 › value 1",
            ),
            ("ApprovalRules.PatchRules[1]", "Rule 2"),
            ("ApprovalRules.PatchRules", "Rules"),
            (
                "GlobalFilters.PatchFilters[0].Key",
                "Global filters › filter 1 › key",
            ),
            ("RejectedPatches[3]", "Rejected patches, entry 4"),
            ("Name", "Name"),
            ("Sources[0].Name", "Source 1 › name"),
        ];
        for (path, words) in cases {
            assert!(is_path(path), "{path}");
            assert_eq!(path_in_words(path), words);
        }
        assert!(!is_path("use 0 or leave it out"));
        assert!(!is_path("Rules[x]"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_form_becomes_a_baseline() {
        let input = BaselineInput {
            name: " web ".into(),
            operating_system: OperatingSystem::RedhatEnterpriseLinux,
            description: String::new(),
            global_filters: vec![FilterInput {
                key: PatchFilterKey::Product,
                values: Vec::new(),
                text: "RedhatEnterpriseLinux9.3, RedhatEnterpriseLinux9.4".into(),
            }],
            rules: vec![
                RuleInput {
                    filters: vec![FilterInput {
                        key: PatchFilterKey::Classification,
                        values: vec!["Security".into()],
                        text: String::new(),
                    }],
                    approval: "days".into(),
                    approve_after_days: "7".into(),
                    ..Default::default()
                },
                RuleInput {
                    approval: "date".into(),
                    approve_after_days: "3".into(),
                    approve_until_date: "2026-01-31".into(),
                    ..Default::default()
                },
            ],
            approved_patches: "openssl\n\n kernel \n".into(),
            approved_patches_compliance_level: ComplianceLevel::High,
            approved_patches_enable_non_security: true,
            rejected_patches: String::new(),
            rejected_patches_action: RejectedPatchesAction::Block,
        };
        let Ok(b) = baseline_of(input) else {
            panic!("the form converts")
        };
        assert_eq!(b.name, "web");
        assert_eq!(b.description, None);
        assert_eq!(
            b.global_filters.map(|g| g.patch_filters[0].values.clone()),
            Some(vec![
                "RedhatEnterpriseLinux9.3".to_string(),
                "RedhatEnterpriseLinux9.4".to_string()
            ])
        );
        let rules = b.approval_rules.map(|r| r.patch_rules).unwrap_or_default();
        assert_eq!(rules[0].approve_after_days, Some(7));
        assert_eq!(
            (
                rules[1].approve_after_days,
                rules[1].approve_until_date.as_deref()
            ),
            (None, Some("2026-01-31"))
        );
        assert_eq!(b.approved_patches, vec!["openssl", "kernel"]);
        let bad = BaselineInput {
            name: "x".into(),
            operating_system: OperatingSystem::Debian,
            description: String::new(),
            global_filters: Vec::new(),
            rules: vec![RuleInput {
                approval: "days".into(),
                approve_after_days: "soon".into(),
                ..Default::default()
            }],
            approved_patches: String::new(),
            approved_patches_compliance_level: ComplianceLevel::Unspecified,
            approved_patches_enable_non_security: false,
            rejected_patches: String::new(),
            rejected_patches_action: RejectedPatchesAction::AllowAsDependency,
        };
        let Err(e) = baseline_of(bad) else {
            panic!("not a number")
        };
        assert_eq!(
            problems_of(&e.message)[0].path,
            "ApprovalRules.PatchRules[0].ApproveAfterDays"
        );
    }
}
