//! One parameter (`/parameters/view?name=…`; names hold slashes, so the name is a
//! query parameter): its metadata, its value (a SecureString stays masked until an
//! operator clicks Reveal, which decrypts through the audited service call), tags,
//! policies with their status, the versions with their labels (attach, move, detach),
//! a line diff between two versions, the policy events, a form that writes a new
//! version, and deletion. Same services as `DescribeParameters`, `GetParameter(s)`,
//! `GetParameterHistory`, `PutParameter`, `LabelParameterVersion`,
//! `UnlabelParameterVersion`, the tagging operations and `DeleteParameter`.
//!
//! Clear text of a SecureString never enters the server-rendered page: the page data
//! blanks sealed values, and decrypted ones arrive only as the answer to a click.

// A parameter's form posts one field per server-function argument (so it works as a
// plain HTML form too); the client side the macro generates repeats them.
#![allow(clippy::too_many_arguments)]

use crate::components::diff::{diff_units, units, DiffView};
use crate::components::form::{action_error, FormError, TwoStep};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::tags::{AddTag, RemoveTag, TagsCard};
use crate::components::toast::{toast_action, toast_result};
use crate::error::AppError;
use crate::pages::parameters::{user_of, MetadataInputs, ValueInputs};
use bosun_core::types::{ParameterEvent, ParameterInfo, ParameterVersionInfo, Tag};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

const MASK: &str = "••••••••";

/// Everything the page shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParameterPageData {
    pub info: ParameterInfo,
    pub tags: Vec<Tag>,
    /// Kept versions, newest first. Values of SecureString versions are blank (they
    /// are revealed on request only).
    pub history: Vec<ParameterVersionInfo>,
    pub events: Vec<ParameterEvent>,
}

/// A decrypted value, as Reveal returns it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedValue {
    pub version: i64,
    pub value: String,
}

impl std::fmt::Debug for RevealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A decrypted secret: never in Debug output.
        f.debug_struct("RevealedValue")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

#[server(prefix = "/api", endpoint = "parameter_page")]
pub async fn parameter_page(name: String) -> Result<ParameterPageData, AppError> {
    use bosun_core::parameters;
    let (core, actor) = crate::ssr::actor()?;
    let info = parameters::describe_parameter(&core, &actor, &name).await?;
    let mut history = Vec::new();
    let mut token: Option<String> = None;
    // At most 100 versions are kept: two pages; the bound only guards the loop.
    for _ in 0..10 {
        let (page, next) = parameters::get_parameter_history(
            &core,
            &actor,
            &info.name,
            false,
            None,
            token.as_deref(),
        )
        .await?;
        history.extend(page);
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    for v in &mut history {
        if !v.decrypted {
            v.value.clear();
        }
    }
    history.reverse();
    let tags = bosun_core::tags::list_tags_for_resource(
        &core,
        &actor,
        parameters::TAG_RESOURCE_TYPE,
        &info.name,
    )
    .await?;
    let events = parameters::events(&core, &actor, Some(&info.name), 50).await?;
    Ok(ParameterPageData {
        info,
        tags,
        history,
        events,
    })
}

/// Decrypts the given versions (operators; every decryption is audited by the
/// service). Non-SecureString versions come back as they are.
#[server(prefix = "/api", endpoint = "reveal_parameter", input = leptos::server_fn::codec::Json)]
pub async fn reveal_parameter(
    name: String,
    versions: Vec<i64>,
) -> Result<Vec<RevealedValue>, AppError> {
    use bosun_core::parameters;
    let (core, actor) = crate::ssr::actor()?;
    if versions.is_empty() {
        let v = parameters::get_parameter(&core, &actor, &name, true).await?;
        return Ok(vec![RevealedValue {
            version: v.version,
            value: v.value,
        }]);
    }
    let names: Vec<String> = versions.iter().map(|v| format!("{name}:{v}")).collect();
    let (found, missing) = parameters::get_parameters(&core, &actor, &names, true).await?;
    if let Some(m) = missing.first() {
        return Err(AppError::new(
            bosun_core::types::ErrorKind::NotFound,
            format!("{m} was not found; the parameter may have changed. Reload the page."),
        ));
    }
    Ok(found
        .into_iter()
        .map(|v| RevealedValue {
            version: v.version,
            value: v.value,
        })
        .collect())
}

/// Writes a new version (PutParameter with Overwrite). Policies are sent only when
/// the text changed, so untouched policies keep their schedule.
#[server(prefix = "/api", endpoint = "update_parameter")]
pub async fn update_parameter(
    name: String,
    kind: String,
    value: String,
    key_id: String,
    tier: String,
    description: String,
    allowed_pattern: String,
    policies: String,
    policies_before: String,
) -> Result<i64, AppError> {
    use crate::pages::parameters::form_error;
    use bosun_core::parameters::{self, PutParameter};
    let (core, actor) = crate::ssr::actor()?;
    let secure = kind == "SecureString";
    let (version, _) = parameters::put_parameter(
        &core,
        &actor,
        PutParameter {
            name,
            value,
            r#type: Some(kind),
            overwrite: true,
            description: Some(description),
            key_id: Some(key_id.trim().to_string()).filter(|k| secure && !k.is_empty()),
            allowed_pattern: Some(allowed_pattern),
            tier: Some(tier).filter(|t| !t.is_empty()),
            policies: (policies.trim() != policies_before.trim()).then_some(policies),
            data_type: None,
            tags: Vec::new(),
        },
    )
    .await
    .map_err(form_error)?;
    Ok(version)
}

#[server(prefix = "/api", endpoint = "delete_parameter")]
pub async fn delete_parameter(name: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::parameters::delete_parameter(&core, &actor, &name).await?;
    leptos_axum::redirect("/parameters");
    Ok(())
}

/// Attaches a label to a version (moving it from another version of the parameter).
#[server(prefix = "/api", endpoint = "label_parameter")]
pub async fn label_parameter(name: String, version: String, label: String) -> Result<(), AppError> {
    use bosun_core::parameters;
    let (core, actor) = crate::ssr::actor()?;
    let version: i64 = version
        .parse()
        .map_err(|_| AppError::invalid("version", "Choose a version."))?;
    let label = label.trim().to_string();
    let (invalid, _) =
        parameters::label_parameter_version(&core, &actor, &name, Some(version), &[label]).await?;
    if let Some(l) = invalid.first() {
        let why = parameters::label_problem(l).unwrap_or("it is not a valid label");
        return Err(AppError::invalid(
            "label",
            format!("The label {l:?} is not valid: {why}."),
        ));
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "unlabel_parameter")]
pub async fn unlabel_parameter(
    name: String,
    version: String,
    label: String,
) -> Result<(), AppError> {
    use bosun_core::parameters;
    let (core, actor) = crate::ssr::actor()?;
    let version: i64 = version
        .parse()
        .map_err(|_| AppError::invalid("version", "Choose a version."))?;
    let (_, invalid) =
        parameters::unlabel_parameter_version(&core, &actor, &name, version, &[label]).await?;
    if let Some(l) = invalid.first() {
        return Err(AppError::new(
            bosun_core::types::ErrorKind::NotFound,
            format!("The label {l} is not on version {version} (any more)."),
        ));
    }
    Ok(())
}

/// The two versions to compare: the URL's `from`/`to` when they exist, else the one
/// before the latest and the latest. None with a single version.
fn compare_pair(
    history: &[ParameterVersionInfo],
    from: Option<String>,
    to: Option<String>,
) -> Option<(i64, i64)> {
    let exists = |v: &i64| history.iter().any(|h| h.version == *v);
    let latest = history.first()?.version;
    let previous = history.get(1)?.version;
    let to = to
        .and_then(|t| t.parse().ok())
        .filter(exists)
        .unwrap_or(latest);
    let from = from
        .and_then(|f| f.parse().ok())
        .filter(exists)
        .unwrap_or(if to == latest { previous } else { latest });
    Some((from, to))
}

/// Whether comparing the pair needs decrypted values.
fn pair_needs_reveal(history: &[ParameterVersionInfo], (from, to): (i64, i64)) -> bool {
    history
        .iter()
        .any(|h| (h.version == from || h.version == to) && !h.decrypted)
}

#[component]
pub fn ParameterPageView() -> impl IntoView {
    let operate = can_operate();
    let query = use_query_map();
    let name = move || query.with(|q| q.get("name").unwrap_or_default());
    let from_q = move || query.with(|q| q.get("from"));
    let to_q = move || query.with(|q| q.get("to"));

    let update = ServerAction::<UpdateParameter>::new();
    let delete = ServerAction::<DeleteParameter>::new();
    let label = ServerAction::<LabelParameter>::new();
    let unlabel = ServerAction::<UnlabelParameter>::new();
    let tag = ServerAction::<AddTag>::new();
    let untag = ServerAction::<RemoveTag>::new();
    // The value card's reveal, and the compare card's (its own versions).
    let reveal = ServerAction::<RevealParameter>::new();
    let reveal_pair = ServerAction::<RevealParameter>::new();
    let show_secret = RwSignal::new(false);

    let page = Resource::new(
        move || {
            (
                name(),
                update.version().get(),
                label.version().get(),
                unlabel.version().get(),
                tag.version().get(),
                untag.version().get(),
            )
        },
        |(n, ..)| parameter_page(n),
    );

    toast_action(label, "Label attached.");
    toast_action(unlabel, "Label detached.");
    toast_action(tag, "Tag saved.");
    toast_action(untag, "Tag removed.");
    Effect::new(move |_| {
        update.value().with(|v| {
            if let Some(r) = v {
                if let Ok(version) = r {
                    toast_result(r, &format!("Version {version} saved."));
                    // What was revealed belongs to an older version.
                    show_secret.set(false);
                    reveal.value().set(None);
                    reveal_pair.value().set(None);
                }
            }
        })
    });
    Effect::new(move |_| {
        delete.value().with(|v| {
            // Success navigates away; only a refusal needs saying.
            if let Some(r @ Err(_)) = v {
                toast_result(r, "")
            }
        })
    });

    // Once the user asked to see secrets (Reveal, or Reveal to compare), the latest
    // value and the compared pair are decrypted (the pair again whenever another is
    // chosen).
    let latest = Memo::new(move |_| {
        let data = page.get()?.ok()?;
        Some((
            data.info.name.clone(),
            data.info.version,
            data.info.r#type == "SecureString",
        ))
    });
    Effect::new(move |_| {
        if !show_secret.get() {
            return;
        }
        if let Some((name, version, true)) = latest.get() {
            reveal.dispatch(RevealParameter {
                name,
                versions: vec![version],
            });
        }
    });
    let compared = Memo::new(move |_| {
        let data = page.get()?.ok()?;
        let pair = compare_pair(&data.history, from_q(), to_q())?;
        Some((
            data.info.name.clone(),
            pair,
            pair_needs_reveal(&data.history, pair),
        ))
    });
    Effect::new(move |_| {
        if !show_secret.get() {
            return;
        }
        if let Some((name, (from, to), true)) = compared.get() {
            reveal_pair.dispatch(RevealParameter {
                name,
                versions: vec![from, to],
            });
        }
    });

    let body = move || {
        page.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(p) => {
                let pair = compare_pair(&p.history, from_q(), to_q());
                view! {
                    <Summary info=p.info.clone() />
                    <ValueCard info=p.info.clone() history=p.history.clone() reveal=reveal show_secret=show_secret />
                    <VersionsCard name=p.info.name.clone() history=p.history.clone() operate=operate label=label unlabel=unlabel />
                    <CompareCard name=p.info.name.clone() history=p.history.clone() pair=pair reveal_pair=reveal_pair show_secret=show_secret />
                    <PoliciesCard info=p.info.clone() />
                    <TagsCard resource_type=bosun_core::types::resource_type::PARAMETER resource_id=p.info.name.clone() tags=p.tags.clone() can_add=operate can_remove=operate add=tag remove=untag />
                    <EventsCard events=p.events.clone() />
                    {operate.then(|| view! {
                        <EditCard info=p.info.clone() history=p.history.clone() update=update />
                        <DeleteCard name=p.info.name.clone() delete=delete />
                    })}
                }
                .into_any()
            }
        })
    };
    view! {
        <PageHeader title="Parameter" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
    }
}

#[component]
fn Summary(info: ParameterInfo) -> impl IntoView {
    let secure = info.r#type == "SecureString";
    view! {
        <section class="card" aria-labelledby="param-summary">
            <div class="card-header">
                <h2 class="card-title mono wrap" id="param-summary">{info.name.clone()}</h2>
                <span class=if secure { "badge badge-warning" } else { "badge badge-muted" }>{info.r#type.clone()}</span>
                <span class="badge badge-info">{info.tier.clone()}</span>
            </div>
            <div class="card-body">
                <dl class="kv">
                    <dt>"ARN"</dt><dd class="mono wrap">{info.arn.clone()}</dd>
                    <dt>"Type"</dt><dd data-testid="parameter-type">{info.r#type.clone()}</dd>
                    <dt>"Tier"</dt><dd data-testid="parameter-tier">{info.tier.clone()}</dd>
                    <dt>"Version"</dt><dd data-testid="parameter-version">{info.version}</dd>
                    <dt>"Data type"</dt><dd>{info.data_type.clone()}</dd>
                    {info.key_id.clone().map(|k| view! { <dt>"KMS key"</dt><dd class="mono">{k}</dd> })}
                    <dt>"Allowed pattern"</dt><dd class="mono wrap">{if info.allowed_pattern.is_empty() { "—".to_string() } else { info.allowed_pattern.clone() }}</dd>
                    <dt>"Description"</dt><dd class="wrap">{if info.description.is_empty() { "—".to_string() } else { info.description.clone() }}</dd>
                    <dt>"Last modified"</dt>
                    <dd>{datetime(Some(info.last_modified_at))}" by "<span title=info.last_modified_user.clone()>{user_of(&info.last_modified_user)}</span></dd>
                </dl>
            </div>
        </section>
    }
}

#[component]
fn ValueCard(
    info: ParameterInfo,
    history: Vec<ParameterVersionInfo>,
    reveal: ServerAction<RevealParameter>,
    show_secret: RwSignal<bool>,
) -> impl IntoView {
    let secure = info.r#type == "SecureString";
    let body = if secure {
        let version = info.version;
        let shown = move || {
            if !show_secret.get() {
                return view! { <pre class="code" data-testid="parameter-value">{MASK}</pre> }
                    .into_any();
            }
            match reveal.value().get() {
                Some(Ok(values)) => {
                    let v = values
                        .into_iter()
                        .find(|v| v.version == version)
                        .map(|v| v.value)
                        .unwrap_or_default();
                    view! { <pre class="code" data-testid="parameter-value">{v}</pre> }.into_any()
                }
                Some(Err(e)) => view! {
                    <pre class="code" data-testid="parameter-value">{MASK}</pre>
                    <div class="alert alert-warning" role="alert" data-testid="reveal-error">{format!("Not allowed to reveal: {}", e.message)}</div>
                }
                .into_any(),
                None => view! { <p class="muted">"Decrypting…"</p> }.into_any(),
            }
        };
        view! {
            {shown}
            <div class="btn-row">
                <button type="button" class="btn" hidden=move || show_secret.get()
                    on:click=move |_| show_secret.set(true)>"Reveal"</button>
                <button type="button" class="btn" hidden=move || !show_secret.get()
                    on:click=move |_| {
                        show_secret.set(false);
                        reveal.value().set(None);
                    }>"Hide"</button>
            </div>
            <p class="field-hint">"Revealing decrypts the value; it needs the operator role and is recorded in the audit log."</p>
        }
        .into_any()
    } else {
        let value = history
            .iter()
            .find(|h| h.version == info.version)
            .map(|h| h.value.clone())
            .unwrap_or_default();
        let items = (info.r#type == "StringList").then(|| {
            let n = value.split(',').count();
            view! { <p class="field-hint">{format!("{n} item(s), separated by commas.")}</p> }
        });
        view! {
            <pre class="code" data-testid="parameter-value">{value}</pre>
            {items}
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="param-value">
            <div class="card-header"><h2 class="card-title" id="param-value">{format!("Value — version {}", info.version)}</h2></div>
            <div class="card-body">{body}</div>
        </section>
    }
}

#[component]
fn VersionsCard(
    name: String,
    history: Vec<ParameterVersionInfo>,
    operate: bool,
    label: ServerAction<LabelParameter>,
    unlabel: ServerAction<UnlabelParameter>,
) -> impl IntoView {
    let label_error = action_error(label.value());
    let label_message = move || label_error.get().and_then(|e| e.for_field("label"));
    let options = history
        .iter()
        .map(|h| view! { <option value=h.version.to_string()>{format!("Version {}", h.version)}</option> })
        .collect_view();
    let rows = history
        .iter()
        .map(|h| {
            let labels = h
                .labels
                .iter()
                .map(|l| {
                    let aria = format!("Detach label {l} from version {}", h.version);
                    let (n, v, lab) = (name.clone(), h.version.to_string(), l.clone());
                    view! {
                        <span class="badge badge-info label-badge" data-label=l.clone()>
                            {l.clone()}
                            {operate.then(|| view! {
                                <ActionForm action=unlabel attr:class="inline-form">
                                    <input type="hidden" name="name" value=n />
                                    <input type="hidden" name="version" value=v />
                                    <input type="hidden" name="label" value=lab />
                                    <button type="submit" class="badge-remove" aria-label=aria title="Detach">"×"</button>
                                </ActionForm>
                            })}
                        </span>
                    }
                })
                .collect_view();
            view! {
                <tr data-version=h.version.to_string()>
                    <td class="num">{h.version}</td>
                    <td>{datetime(Some(h.last_modified_at))}</td>
                    <td title=h.last_modified_user.clone()>{user_of(&h.last_modified_user)}</td>
                    <td>{h.r#type.clone()}" · "{h.tier.clone()}</td>
                    <td data-testid="version-labels">{labels}</td>
                    <td class="wrap">{h.description.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="param-versions">
            <div class="card-header"><h2 class="card-title" id="param-versions">"Versions"</h2></div>
            <div class="card-body">
                <div class="table-scroll">
                    <table class="table" aria-label="Versions">
                        <thead><tr>
                            <th scope="col" class="num">"Version"</th><th scope="col">"Modified"</th><th scope="col">"By"</th>
                            <th scope="col">"Type · tier"</th><th scope="col">"Labels"</th><th scope="col">"Description"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {operate.then(|| view! {
                    <ActionForm action=label attr:class="form form-inline" attr:aria-label="Attach a label">
                        <FormError error=label_error />
                        <input type="hidden" name="name" value=name.clone() />
                        <div class="field">
                            <label for="field-label">"Label"</label>
                            <input id="field-label" name="label" type="text" required=true maxlength=100 autocomplete="off"
                                aria-invalid=move || label_message().map(|_| "true") aria-describedby="field-label-error" />
                            <p class="field-error" id="field-label-error" role="alert">{label_message}</p>
                        </div>
                        <div class="field">
                            <label for="field-version">"Version"</label>
                            <select id="field-version" name="version">{options}</select>
                        </div>
                        <button type="submit" class="btn">"Attach label"</button>
                        <p class="field-hint">"A label on another version of this parameter moves here."</p>
                    </ActionForm>
                })}
            </div>
        </section>
    }
}

#[component]
fn CompareCard(
    name: String,
    history: Vec<ParameterVersionInfo>,
    pair: Option<(i64, i64)>,
    reveal_pair: ServerAction<RevealParameter>,
    show_secret: RwSignal<bool>,
) -> impl IntoView {
    let Some((from, to)) = pair else {
        return view! {
            <section class="card" aria-labelledby="param-compare">
                <div class="card-header"><h2 class="card-title" id="param-compare">"Compare versions"</h2></div>
                <div class="card-body"><p class="muted">"Only one version so far."</p></div>
            </section>
        }
        .into_any();
    };
    let select = |chosen: i64| {
        history
            .iter()
            .map(|h| {
                let sel = h.version == chosen;
                view! { <option value=h.version.to_string() selected=sel>{format!("Version {}", h.version)}</option> }
            })
            .collect_view()
    };
    let (from_options, to_options) = (select(from), select(to));
    let string_list = |v: i64| {
        history
            .iter()
            .any(|h| h.version == v && h.r#type == "StringList")
    };
    let lists = string_list(from) && string_list(to);
    let result = if pair_needs_reveal(&history, (from, to)) {
        let shown = move || {
            if !show_secret.get() {
                return view! {
                    <p class="muted">"SecureString values are compared once revealed."</p>
                    <button type="button" class="btn" on:click=move |_| show_secret.set(true)>"Reveal to compare"</button>
                }
                .into_any();
            }
            match reveal_pair.value().get() {
                Some(Ok(values)) => {
                    let get = |v: i64| values.iter().find(|x| x.version == v).map(|x| x.value.clone());
                    match (get(from), get(to)) {
                        (Some(a), Some(b)) => view! { <DiffView lines=diff_units(&units(&a, lists), &units(&b, lists)) /> }.into_any(),
                        _ => view! { <p class="muted">"Decrypting…"</p> }.into_any(),
                    }
                }
                Some(Err(e)) => view! {
                    <div class="alert alert-warning" role="alert">{format!("Not allowed to reveal: {}", e.message)}</div>
                }
                .into_any(),
                None => view! { <p class="muted">"Decrypting…"</p> }.into_any(),
            }
        };
        shown.into_any()
    } else {
        let value = |v: i64| {
            history
                .iter()
                .find(|h| h.version == v)
                .map(|h| h.value.clone())
                .unwrap_or_default()
        };
        view! { <DiffView lines=diff_units(&units(&value(from), lists), &units(&value(to), lists)) /> }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="param-compare">
            <div class="card-header"><h2 class="card-title" id="param-compare">"Compare versions"</h2></div>
            <div class="card-body">
                <Form method="GET" action="/parameters/view" attr:class="form form-inline">
                    <input type="hidden" name="name" value=name />
                    <div class="field">
                        <label for="compare-from">"From"</label>
                        <select id="compare-from" name="from">{from_options}</select>
                    </div>
                    <div class="field">
                        <label for="compare-to">"To"</label>
                        <select id="compare-to" name="to">{to_options}</select>
                    </div>
                    <button type="submit" class="btn">"Compare"</button>
                </Form>
                <p class="field-hint">{format!("Changes from version {from} to version {to}: - removed, + added.")}</p>
                {result}
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn PoliciesCard(info: ParameterInfo) -> impl IntoView {
    let body = if info.policies.is_empty() {
        view! { <p class="muted">"No policies."</p> }.into_any()
    } else {
        let rows = info
            .policies
            .iter()
            .map(|p| {
                let badge = match p.policy_status.as_str() {
                    "Finished" => "badge badge-success",
                    "Failed" => "badge badge-danger",
                    _ => "badge badge-info",
                };
                view! {
                    <tr data-policy=p.policy_type.clone()>
                        <td>{p.policy_type.clone()}</td>
                        <td><span class=badge>{p.policy_status.clone()}</span></td>
                        <td class="mono wrap">{p.policy_text.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table" aria-label="Policies">
                <thead><tr><th scope="col">"Type"</th><th scope="col">"Status"</th><th scope="col">"Policy"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="param-policies">
            <div class="card-header"><h2 class="card-title" id="param-policies">"Policies"</h2></div>
            <div class="card-body">{body}</div>
        </section>
    }
}

#[component]
fn EventsCard(events: Vec<ParameterEvent>) -> impl IntoView {
    let body = if events.is_empty() {
        view! { <p class="muted">"No policy events."</p> }.into_any()
    } else {
        let rows = events
            .into_iter()
            .map(|e| {
                view! {
                    <tr>
                        <td>{datetime(Some(e.at))}</td>
                        <td>{e.kind.clone()}</td>
                        <td class="wrap">{e.detail.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table" aria-label="Policy events">
                <thead><tr><th scope="col">"When"</th><th scope="col">"Event"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="param-events">
            <div class="card-header"><h2 class="card-title" id="param-events">"Policy events"</h2></div>
            <div class="card-body">{body}</div>
        </section>
    }
}

#[component]
fn EditCard(
    info: ParameterInfo,
    history: Vec<ParameterVersionInfo>,
    update: ServerAction<UpdateParameter>,
) -> impl IntoView {
    let error = action_error(update.value());
    let kind = RwSignal::new(info.r#type.clone());
    let secure = info.r#type == "SecureString";
    // A SecureString's value is never put into the page: it is typed again.
    let value = if secure {
        String::new()
    } else {
        history
            .iter()
            .find(|h| h.version == info.version)
            .map(|h| h.value.clone())
            .unwrap_or_default()
    };
    let policies = if info.policies.is_empty() {
        String::new()
    } else {
        let texts: Vec<&str> = info
            .policies
            .iter()
            .map(|p| p.policy_text.as_str())
            .collect();
        format!("[{}]", texts.join(","))
    };
    let key_id = info
        .key_id
        .clone()
        .unwrap_or_else(|| crate::pages::parameters::DEFAULT_KEY_ID.to_string());
    view! {
        <section class="card" aria-labelledby="param-edit">
            <div class="card-header"><h2 class="card-title" id="param-edit">"Edit: save a new version"</h2></div>
            <div class="card-body">
                <ActionForm action=update attr:class="form form-wide param-form">
                    <FormError error=error />
                    <input type="hidden" name="name" value=info.name.clone() />
                    <input type="hidden" name="policies_before" value=policies.clone() />
                    <ValueInputs kind=kind value=value key_id=key_id error=error />
                    <MetadataInputs tier=info.tier.clone() description=info.description.clone()
                        allowed_pattern=info.allowed_pattern.clone() policies=policies error=error />
                    <div class="form-actions"><button type="submit" class="btn btn-primary">"Save new version"</button></div>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn DeleteCard(name: String, delete: ServerAction<DeleteParameter>) -> impl IntoView {
    view! {
        <section class="card danger-zone" aria-labelledby="param-delete">
            <div class="card-header"><h2 class="card-title" id="param-delete">"Delete"</h2></div>
            <div class="card-body">
                <p>"Deletes this parameter with every version, label and tag."</p>
                <TwoStep ask="Delete…">
                    <ActionForm action=delete attr:class="inline-form">
                        <input type="hidden" name="name" value=name />
                        <button type="submit" class="btn btn-danger">"Confirm: delete this parameter"</button>
                    </ActionForm>
                </TwoStep>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(v: i64, decrypted: bool) -> ParameterVersionInfo {
        ParameterVersionInfo {
            name: "/a".into(),
            r#type: "String".into(),
            key_id: None,
            last_modified_at: 0,
            last_modified_user: String::new(),
            description: String::new(),
            value: String::new(),
            decrypted,
            allowed_pattern: String::new(),
            version: v,
            labels: Vec::new(),
            tier: "Standard".into(),
            policies: Vec::new(),
            data_type: "text".into(),
        }
    }

    #[test]
    fn compare_pair_defaults_to_previous_and_latest() {
        let h = vec![version(3, true), version(2, false), version(1, true)];
        assert_eq!(compare_pair(&h, None, None), Some((2, 3)));
        assert_eq!(compare_pair(&h, Some("1".into()), None), Some((1, 3)));
        assert_eq!(compare_pair(&h, None, Some("1".into())), Some((3, 1)));
        assert_eq!(
            compare_pair(&h, Some("9".into()), Some("x".into())),
            Some((2, 3))
        );
        assert_eq!(compare_pair(&h[..1], None, None), None);
        assert!(pair_needs_reveal(&h, (2, 3)));
        assert!(!pair_needs_reveal(&h, (1, 3)));
    }
}
