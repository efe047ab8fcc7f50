//! One patch baseline (`/patch/baselines/:id`): its rules with their filters,
//! compliance levels and approval, the global filters, the approved and rejected lists,
//! the patch groups it serves, whether it is the default for its operating system (with
//! "Set as default"), its tags (custom baselines), and Edit and Delete (custom
//! baselines; predefined ones are read-only). Same services as `GetPatchBaseline`,
//! `RegisterDefaultPatchBaseline`, `DeletePatchBaseline` and the tagging operations.

use crate::components::form::TwoStep;
use crate::components::format::{date, datetime};
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{parse_list_query, Pager};
use crate::components::tags::{AddTag, RemoveTag, TagsCard};
use crate::components::toast::toast_action;
use crate::error::AppError;
use crate::pages::patch::{
    baseline_href, deployment_status_badge, level_str, os_label, rejected_action_str,
};
use bosun_core::bosun_patch::{OsFamily, PatchFilter, PatchRule};
use bosun_core::types::{EffectivePatch, ErrorKind, ListQuery, Page, PatchBaselineInfo, Tag};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// Everything the page shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BaselineView {
    pub info: PatchBaselineInfo,
    /// Custom baselines only (predefined ones cannot be tagged).
    pub tags: Vec<Tag>,
}

#[server(prefix = "/api", endpoint = "patch_baseline_page")]
pub async fn get_baseline_page(baseline_id: String) -> Result<BaselineView, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let mut info = bosun_core::patch::get_patch_baseline(&core, &actor, &baseline_id).await?;
    // Sources' configurations are sensitive and the console never shows them (the edit
    // form carries them over on the server): they stay out of the page.
    for s in &mut info.baseline.sources {
        s.configuration.clear();
    }
    let tags = if info.predefined {
        Vec::new()
    } else {
        bosun_core::tags::list_tags_for_resource(
            &core,
            &actor,
            bosun_core::types::resource_type::PATCH_BASELINE,
            &info.baseline_id,
        )
        .await?
    };
    Ok(BaselineView { info, tags })
}

/// One page of the baseline's effective patches: what the nodes using it reported
/// and the baseline decided, by title.
#[server(prefix = "/api", endpoint = "baseline_effective_patches", input = leptos::server_fn::codec::Json)]
pub async fn baseline_effective_patches(
    baseline_id: String,
    query: ListQuery,
) -> Result<Page<EffectivePatch>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::patch::list_effective_patches(&core, &actor, &baseline_id, &query).await?)
}

/// Makes the baseline the default for its operating system.
#[server(prefix = "/api", endpoint = "set_default_patch_baseline")]
pub async fn set_default_patch_baseline(baseline_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::patch::register_default_patch_baseline(&core, &actor, &baseline_id).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_patch_baseline")]
pub async fn delete_patch_baseline(baseline_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::patch::delete_patch_baseline(&core, &actor, &baseline_id).await?;
    leptos_axum::redirect("/patch/baselines");
    Ok(())
}

/// `KEY: a, b` for a filter.
fn filter_text(f: &PatchFilter) -> String {
    format!("{}: {}", f.key.as_str(), f.values.join(", "))
}

/// How a rule approves: after a delay, up to a date, or on publication.
fn approval_text(r: &PatchRule, family: OsFamily) -> String {
    match (&r.approve_after_days, &r.approve_until_date) {
        (_, Some(date)) => format!("Released up to {date}"),
        (Some(0), None) | (None, None) if family == OsFamily::Apt => "When published".into(),
        (Some(1), None) => "1 day after release".into(),
        (Some(d), None) => format!("{d} days after release"),
        (None, None) => "—".into(),
    }
}

fn filters_view(filters: &[PatchFilter]) -> AnyView {
    if filters.is_empty() {
        return view! { <span class="muted">"Every patch"</span> }.into_any();
    }
    view! {
        <ul class="plain-list">
            {filters.iter().map(|f| view! { <li class="mono">{filter_text(f)}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

fn list_view(items: &[String], empty: &'static str) -> AnyView {
    if items.is_empty() {
        return view! { <span class="muted">{empty}</span> }.into_any();
    }
    view! {
        <ul class="plain-list">
            {items.iter().map(|p| view! { <li class="mono">{p.clone()}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The baseline's effective patches, a page at a time (`?page=` on the baseline's URL).
#[component]
fn EffectivePatches(baseline_id: Signal<String>) -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| parse_list_query(m, &[])));
    let patches = Resource::new(
        move || (baseline_id.get(), query.get()),
        |(id, q)| baseline_effective_patches(id, q),
    );
    const COLUMNS: usize = 8;
    let rows = move || {
        patches.get().map(|r| match r {
            // The page above already says the baseline does not exist.
            Err(e) if e.kind == ErrorKind::NotFound => ().into_any(),
            Err(e) => view! { <tr><td colspan=COLUMNS><div class="table-error" role="alert">{e.message}</div></td></tr> }.into_any(),
            Ok(page) if page.items.is_empty() => view! {
                <tr><td colspan=COLUMNS><div class="table-empty">
                    <p class="table-empty-title">"No effective patches yet."</p>
                    <p class="muted">"They appear once a node using this baseline has been scanned."</p>
                </div></td></tr>
            }
            .into_any(),
            Ok(page) => page
                .items
                .into_iter()
                .map(|p| {
                    let badge = deployment_status_badge(&p.deployment_status);
                    view! {
                        <tr data-kb=p.kb_id.clone()>
                            <td class="wrap">{p.title.clone()}</td>
                            <td class="mono">{p.kb_id.clone()}</td>
                            <td>{p.classification.clone()}</td>
                            <td>{p.severity.clone()}</td>
                            <td><span class=badge data-testid="deployment-status">{p.deployment_status.clone()}</span></td>
                            <td>{p.compliance_level.clone()}</td>
                            <td>{date(p.approval_date)}</td>
                            <td class="wrap mono">{p.cve_ids.join(", ")}</td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    let pagination = move || {
        patches.get().and_then(|r| r.ok()).map(|page| {
            view! { <Pager path=baseline_href(&baseline_id.get_untracked()) query=query.get_untracked() page=page.page per_page=page.per_page total=page.total /> }
        })
    };
    view! {
        <section class="card" aria-labelledby="baseline-effective">
            <div class="card-header"><h2 class="card-title" id="baseline-effective">"Effective patches"</h2></div>
            <div class="card-body">
                <p class="field-hint">"The patches the nodes using this baseline reported, with the baseline's decision as their last scan made it."</p>
                <div class="table-scroll">
                    <table aria-label="Effective patches">
                        <thead>
                            <tr>
                                <th scope="col">"Title"</th>
                                <th scope="col">"KB ID"</th>
                                <th scope="col">"Classification"</th>
                                <th scope="col">"Severity"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Compliance level"</th>
                                <th scope="col">"Approval date"</th>
                                <th scope="col">"CVEs"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <Transition fallback=|| view! { <tr><td colspan=COLUMNS><div class="spinner" aria-label="Loading"></div></td></tr> }>{rows}</Transition>
                        </tbody>
                    </table>
                </div>
                <Transition fallback=|| ()>{pagination}</Transition>
            </div>
        </section>
    }
}

#[component]
pub fn PatchBaselinePage() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let set_default = ServerAction::<SetDefaultPatchBaseline>::new();
    let delete = ServerAction::<DeletePatchBaseline>::new();
    let tag = ServerAction::<AddTag>::new();
    let untag = ServerAction::<RemoveTag>::new();
    let page = Resource::new(
        move || {
            (
                id(),
                set_default.version().get(),
                tag.version().get(),
                untag.version().get(),
            )
        },
        |(id, ..)| get_baseline_page(id),
    );
    toast_action(set_default, "Default baseline changed.");
    toast_action(tag, "Tag saved.");
    toast_action(untag, "Tag removed.");
    // Success navigates away; a refusal (the baseline is in use) stays on the page.
    let delete_error = move || {
        delete
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.message)
    };

    let body = move || {
        page.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(data) => {
                let info = data.info;
                let b = info.baseline.clone();
                let os = b.operating_system;
                let family = os.family();
                let custom = !info.predefined;
                let bid = info.baseline_id.clone();
                let default_id = bid.clone();
                let edit_href = format!("/patch/baselines/{bid}/edit");
                let rules = b.rules().to_vec();
                let rules_view = if rules.is_empty() {
                    view! { <p class="muted">"No approval rules: only the approved patches are approved."</p> }.into_any()
                } else {
                    let rows = rules
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            view! {
                                <tr data-rule=i.to_string()>
                                    <td class="num">{i + 1}</td>
                                    <td>{filters_view(&r.patch_filter_group.patch_filters)}</td>
                                    <td>{level_str(r.compliance_level)}</td>
                                    <td>{approval_text(r, family)}</td>
                                    <td>{if r.enable_non_security { "Yes" } else { "No" }}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="table-scroll">
                            <table class="table" aria-label="Approval rules">
                                <thead><tr>
                                    <th scope="col" class="num">"Rule"</th><th scope="col">"Filters"</th><th scope="col">"Compliance level"</th>
                                    <th scope="col">"Approval"</th><th scope="col">"Non-security updates"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                };
                let global = b
                    .global_filters
                    .as_ref()
                    .map(|g| g.patch_filters.clone())
                    .unwrap_or_default();
                let groups = info.patch_groups.clone();
                let groups_view = if groups.is_empty() {
                    view! { <p class="muted">"Not registered for any patch group."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain-list" data-testid="baseline-groups">
                            {groups.iter().map(|g| view! { <li><a href=format!("/patch/groups?q={}", crate::pages::patch::query_encode(g))>{g.clone()}</a></li> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                };
                let sources = b.sources.clone();
                view! {
                    <section class="card" aria-labelledby="baseline-summary">
                        <div class="card-header">
                            <h2 class="card-title" id="baseline-summary">{b.name.clone()}</h2>
                            <span class="badge badge-info">{os_label(os)}</span>
                            <span class="badge badge-muted" data-testid="baseline-owner">{if custom { "Custom" } else { "Predefined (AWS)" }}</span>
                            {info.default_baseline.then(|| view! {
                                <span class="badge badge-success" data-testid="default-flag">{format!("Default for {}", os_label(os))}</span>
                            })}
                        </div>
                        <div class="card-body">
                            <dl class="kv">
                                <dt>"Baseline ID"</dt><dd class="mono" data-testid="baseline-id">{bid.clone()}</dd>
                                <dt>"Operating system"</dt><dd>{format!("{} ({})", os_label(os), os.as_str())}</dd>
                                <dt>"Description"</dt><dd class="wrap">{b.description.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Default baseline"</dt><dd data-testid="default-baseline">{if info.default_baseline { "Yes" } else { "No" }}</dd>
                                <dt>"Created"</dt><dd>{datetime(Some(info.created_date))}</dd>
                                <dt>"Modified"</dt><dd>{datetime(Some(info.modified_date))}</dd>
                            </dl>
                            {(family == OsFamily::Unsupported).then(|| view! {
                                <p class="alert alert-info">"Bosun keeps this baseline but does not patch this operating system: its nodes report their patches as not applicable."</p>
                            })}
                            {operate.then(|| view! {
                                <div class="btn-row">
                                    {(!info.default_baseline).then(|| view! {
                                        <ActionForm action=set_default attr:class="inline-form">
                                            <input type="hidden" name="baseline_id" value=default_id.clone() />
                                            <button type="submit" class="btn">{format!("Set as default for {}", os_label(os))}</button>
                                        </ActionForm>
                                    })}
                                    {custom.then(|| view! { <a class="btn" href=edit_href.clone()>"Edit"</a> })}
                                </div>
                            })}
                            {(!custom).then(|| view! { <p class="field-hint">"Predefined baselines are read-only: create a custom baseline to change what is approved."</p> })}
                        </div>
                    </section>
                    <section class="card" aria-labelledby="baseline-rules">
                        <div class="card-header"><h2 class="card-title" id="baseline-rules">"Approval rules"</h2></div>
                        <div class="card-body">{rules_view}</div>
                    </section>
                    <section class="card" aria-labelledby="baseline-global">
                        <div class="card-header"><h2 class="card-title" id="baseline-global">"Global filters"</h2></div>
                        <div class="card-body">{filters_view(&global)}</div>
                    </section>
                    <section class="card" aria-labelledby="baseline-exceptions">
                        <div class="card-header"><h2 class="card-title" id="baseline-exceptions">"Patch exceptions"</h2></div>
                        <div class="card-body">
                            <dl class="kv">
                                <dt>"Approved patches"</dt><dd data-testid="approved-patches">{list_view(&b.approved_patches, "None")}</dd>
                                <dt>"Their compliance level"</dt><dd>{level_str(b.approved_patches_compliance_level)}</dd>
                                <dt>"Their non-security updates"</dt><dd>{if b.approved_patches_enable_non_security { "Included" } else { "Not included" }}</dd>
                                <dt>"Rejected patches"</dt><dd data-testid="rejected-patches">{list_view(&b.rejected_patches, "None")}</dd>
                                <dt>"Rejected patches action"</dt><dd class="mono">{rejected_action_str(b.rejected_patches_action)}</dd>
                            </dl>
                        </div>
                    </section>
                    <section class="card" aria-labelledby="baseline-groups">
                        <div class="card-header">
                            <h2 class="card-title" id="baseline-groups">"Patch groups"</h2>
                            <a class="btn btn-sm" href="/patch/groups">"Manage patch groups"</a>
                        </div>
                        <div class="card-body">{groups_view}</div>
                    </section>
                    {(!sources.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="baseline-sources">
                            <div class="card-header"><h2 class="card-title" id="baseline-sources">"Sources"</h2></div>
                            <div class="card-body">
                                <table class="table" aria-label="Sources">
                                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Products"</th></tr></thead>
                                    <tbody>
                                        {sources.iter().map(|s| view! {
                                            <tr><td class="mono">{s.name.clone()}</td><td>{s.products.join(", ")}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <p class="field-hint">"Their repository configurations are set through the API."</p>
                            </div>
                        </section>
                    })}
                }
                .into_any()
            }
        })
    };
    // Tags and deletion come after the effective patches. The effective patches are a
    // sibling of the baseline's sections rather than rendered inside them: their
    // resource then belongs to the page, not to a closure that re-runs.
    let tail = move || {
        page.get().and_then(|r| r.ok()).map(|data| {
            let custom = !data.info.predefined;
            let (delete_id, tags_id) = (data.info.baseline_id.clone(), data.info.baseline_id.clone());
            view! {
                    {custom.then(|| view! {
                        <TagsCard resource_type=bosun_core::types::resource_type::PATCH_BASELINE resource_id=tags_id.clone()
                            tags=data.tags.clone() can_add=operate can_remove=operate add=tag remove=untag />
                    })}
                    {(custom && operate).then(|| view! {
                        <section class="card danger-zone" aria-labelledby="baseline-delete">
                            <div class="card-header"><h2 class="card-title" id="baseline-delete">"Delete"</h2></div>
                            <div class="card-body">
                                <p>"Deletes this baseline and its tags. A baseline that serves a patch group or is a default cannot be deleted."</p>
                                {move || delete_error().map(|m| view! { <div class="alert alert-error" role="alert" data-testid="delete-error">{m}</div> })}
                                <TwoStep ask="Delete…">
                                    <ActionForm action=delete attr:class="inline-form">
                                        <input type="hidden" name="baseline_id" value=delete_id.clone() />
                                        <button type="submit" class="btn btn-danger">"Confirm: delete this baseline"</button>
                                    </ActionForm>
                                </TwoStep>
                            </div>
                        </section>
                    })}
            }
        })
    };
    view! {
        <PageHeader title="Patch baseline" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
        <EffectivePatches baseline_id=Signal::derive(id) />
        <Transition fallback=|| ()>{tail}</Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_core::bosun_patch::PatchFilterKey;

    #[test]
    fn rules_read_as_text() {
        let mut r = PatchRule::after_days(
            vec![PatchFilter::new(
                PatchFilterKey::Priority,
                &["Required", "Important"],
            )],
            0,
        );
        assert_eq!(
            filter_text(&r.patch_filter_group.patch_filters[0]),
            "PRIORITY: Required, Important"
        );
        assert_eq!(approval_text(&r, OsFamily::Apt), "When published");
        r.approve_after_days = Some(7);
        assert_eq!(approval_text(&r, OsFamily::Dnf), "7 days after release");
        r.approve_after_days = None;
        r.approve_until_date = Some("2026-01-31".into());
        assert_eq!(
            approval_text(&r, OsFamily::Dnf),
            "Released up to 2026-01-31"
        );
    }
}
