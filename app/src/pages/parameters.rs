//! Parameter Store: the browser (`/parameters`: the hierarchy of paths beside a
//! searchable, filterable table) and the form that creates a parameter
//! (`/parameters/new`). The type-aware value inputs are shared with the edit form on
//! the parameter's page. Same services as `DescribeParameters` and `PutParameter`.

// A parameter's form posts one field per server-function argument (so it works as a
// plain HTML form too); the client side the macro generates repeats them.
#![allow(clippy::too_many_arguments)]

use crate::components::form::{action_error, Field, FormError, TextAreaField};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect, FilterText};
use crate::error::AppError;
use bosun_core::types::{ListQuery, Page, ParameterInfo, ParameterPathInfo};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The default key SecureStrings are encrypted with (what SSM uses).
pub const DEFAULT_KEY_ID: &str = "alias/aws/ssm";

/// The console's link to one parameter (names hold only URL-safe characters).
pub fn parameter_href(name: &str) -> String {
    format!("/parameters/view?name={name}")
}

/// The user part of a modifier's ARN (`arn:aws:iam::…:user/alice` → `alice`).
pub fn user_of(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

#[server(prefix = "/api", endpoint = "list_parameters", input = leptos::server_fn::codec::Json)]
pub async fn list_parameters(query: ListQuery) -> Result<Page<ParameterInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::parameters::list_for_console(&core, &actor, &query).await?)
}

#[server(prefix = "/api", endpoint = "parameter_paths")]
pub async fn parameter_paths() -> Result<Vec<ParameterPathInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::parameters::parameter_paths(&core, &actor).await?)
}

/// A service error with its field renamed to the form's input (`type` → `kind`, …), so
/// it shows next to the right field.
#[cfg(feature = "ssr")]
pub fn form_error(e: bosun_core::ServiceError) -> AppError {
    let already_exists = e.kind == bosun_core::types::ErrorKind::AlreadyExists;
    let field = e.field;
    let mut out = AppError::from(e);
    out.field = match field {
        Some("type") => Some("kind"),
        Some("keyId") => Some("key_id"),
        Some("allowedPattern") => Some("allowed_pattern"),
        Some(f @ ("name" | "value" | "tier" | "policies" | "description" | "tags")) => Some(f),
        Some(_) => None,
        None if already_exists => Some("name"),
        None => None,
    }
    .map(str::to_string);
    out
}

/// `key=value` lines → tags (the service validates them).
#[cfg(feature = "ssr")]
fn parse_tags(text: &str) -> Result<Vec<bosun_core::types::Tag>, AppError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('=') {
            Some((k, v)) => Ok(bosun_core::types::Tag {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            None => Err(AppError::invalid(
                "tags",
                format!("{l:?} is not key=value; write one tag per line."),
            )),
        })
        .collect()
}

/// Creates a parameter and goes to its page.
#[server(prefix = "/api", endpoint = "create_parameter")]
pub async fn create_parameter(
    name: String,
    kind: String,
    value: String,
    key_id: String,
    tier: String,
    description: String,
    allowed_pattern: String,
    policies: String,
    tags: String,
) -> Result<(), AppError> {
    use bosun_core::parameters::{self, PutParameter};
    let (core, actor) = crate::ssr::actor()?;
    let tags = parse_tags(&tags)?;
    bosun_core::tags::validate(&tags).map_err(|e| form_error(e.with_field("tags")))?;
    let secure = kind == "SecureString";
    let name = name.trim().to_string();
    parameters::put_parameter(
        &core,
        &actor,
        PutParameter {
            name: name.clone(),
            value,
            r#type: Some(kind),
            overwrite: false,
            description: Some(description),
            key_id: Some(key_id.trim().to_string()).filter(|k| secure && !k.is_empty()),
            allowed_pattern: Some(allowed_pattern),
            tier: Some(tier).filter(|t| !t.is_empty()),
            policies: Some(policies).filter(|p| !p.trim().is_empty()),
            data_type: None,
            tags,
        },
    )
    .await
    .map_err(form_error)?;
    leptos_axum::redirect(&parameter_href(&name));
    Ok(())
}

const FILTERS: &[&str] = &["path", "type", "tier", "label", "key", "tag"];

#[component]
pub fn ParametersPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(FILTERS);
    let data = Resource::new(move || query.get(), list_parameters);
    let paths = Resource::new(|| (), |_| parameter_paths());
    let current_path = move || query.get().filter("path").map(str::to_string);
    let columns = vec![
        Column::new("name", "Name").sortable(),
        Column::new("type", "Type"),
        Column::new("tier", "Tier"),
        Column::new("version", "Version").sortable().class("num"),
        Column::new("modified", "Last modified").sortable(),
        Column::new("description", "Description"),
    ];
    let row = move |p: ParameterInfo| {
        let href = parameter_href(&p.name);
        let secure = p.r#type == "SecureString";
        view! {
            <tr data-parameter=p.name.clone()>
                <td><a class="mono" href=href>{p.name.clone()}</a></td>
                <td>
                    <span class=if secure { "badge badge-warning" } else { "badge badge-muted" }>{p.r#type.clone()}</span>
                </td>
                <td>{p.tier.clone()}</td>
                <td class="num">{p.version}</td>
                <td>
                    {datetime(Some(p.last_modified_at))}
                    <div class="muted" title=p.last_modified_user.clone()>{user_of(&p.last_modified_user)}</div>
                </td>
                <td class="wrap">{p.description.clone()}</td>
            </tr>
        }
    };
    let tree = move || {
        Suspend::new(async move {
            let selected = current_path();
            match paths.await {
                Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="muted">"No paths yet: names that begin with / make a hierarchy."</p> }.into_any(),
                Ok(list) => {
                    let items = list
                        .into_iter()
                        .map(|p| {
                            let current = selected.as_deref() == Some(p.path.as_str());
                            let label = if p.path == "/" {
                                "/".to_string()
                            } else {
                                p.path.rsplit('/').next().unwrap_or_default().to_string()
                            };
                            let href = format!("/parameters?path={}", p.path);
                            let count = if p.direct == p.total {
                                p.total.to_string()
                            } else {
                                format!("{}/{}", p.direct, p.total)
                            };
                            let depth = format!("depth-{}", p.depth.min(15));
                            view! {
                                <li class=depth>
                                    <a class="path-link" href=href aria-label=p.path.clone() aria-current=current.then_some("page") title=p.path.clone()>
                                        <span class="path-name">{label}</span>
                                        <span class="path-count" aria-hidden="true">{count}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view();
                    view! { <ul class="path-tree">{items}</ul> }.into_any()
                }
            }
        })
    };
    view! {
        <PageHeader title="Parameter Store" subtitle="Configuration and secrets in a hierarchy, with versions, labels and policies.">
            {operate.then(|| view! { <a class="btn btn-primary" href="/parameters/new">"Create parameter"</a> })}
        </PageHeader>
        <div class="param-browser">
            <nav class="card path-nav" aria-label="Parameter paths">
                <div class="card-header"><h2 class="card-title">"Paths"</h2></div>
                <div class="card-body">
                    <a class="path-all" href="/parameters" aria-current=move || current_path().is_none().then_some("page")>"All parameters"</a>
                    <Suspense fallback=|| view! { <div class="spinner" aria-label="Loading"></div> }>{tree}</Suspense>
                    <p class="field-hint">"Counts: parameters directly in a path / in it and below."</p>
                </div>
            </nav>
            <div class="param-list">
                {move || current_path().map(|p| view! {
                    <p class="current-path" data-testid="current-path">"In "<span class="mono">{p}</span>" · "<a href="/parameters">"show all"</a></p>
                })}
                <DataTable
                    path="/parameters"
                    label="Parameters"
                    columns=columns
                    query=query
                    data=data
                    row=row
                    empty="No parameters match."
                    search_placeholder="Name contains"
                    filters=move || view! {
                        {move || current_path().map(|p| view! { <input type="hidden" name="path" value=p /> })}
                        <FilterSelect name="type" label="Type" query=query options=vec![
                            ("String", "String"), ("StringList", "StringList"), ("SecureString", "SecureString"),
                        ] />
                        <FilterSelect name="tier" label="Tier" query=query options=vec![("Standard", "Standard"), ("Advanced", "Advanced")] />
                        <FilterText name="label" label="Label" query=query />
                        <FilterText name="key" label="Key ID" query=query />
                        <FilterText name="tag" label="Tag key" query=query />
                    }
                />
            </div>
        </div>
    }
}

/// The type select and the value inputs that follow it: a textarea for String, a
/// textarea with a comma hint for StringList, a password input and the key id for
/// SecureString. `kind` holds the chosen type.
#[component]
pub fn ValueInputs(
    kind: RwSignal<String>,
    /// The value the form starts with (never a SecureString's).
    #[prop(into)]
    value: String,
    #[prop(into)] key_id: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move |field: &'static str| move || error.get().and_then(|e| e.for_field(field));
    let value_message = message("value");
    let invalid = move || value_message().map(|_| "true");
    let secure = move || kind.get() == "SecureString";
    let value_input = move || {
        if secure() {
            view! {
                <input id="field-value" name="value" type="password" autocomplete="new-password" required=true
                    aria-invalid=invalid aria-describedby="field-value-error" />
            }
            .into_any()
        } else {
            let v = value.clone();
            view! {
                <textarea id="field-value" name="value" class="code-input" rows="5" spellcheck="false" required=true
                    aria-invalid=invalid aria-describedby="field-value-error">{v}</textarea>
            }
            .into_any()
        }
    };
    let hint = move || {
        match kind.get().as_str() {
        "StringList" => "Comma-separated values, e.g. alpha,beta,gamma (no spaces around commas unless they belong to a value).",
        "SecureString" => "Encrypted with the key below; shown only to operators who click Reveal, and every reveal is audited.",
        _ => "Any text, up to 4 KB (Standard) or 8 KB (Advanced).",
    }
    };
    view! {
        <div class="field">
            <label for="field-kind">"Type"</label>
            <select id="field-kind" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))
                aria-describedby="field-kind-error">
                {["String", "StringList", "SecureString"].into_iter().map(|t| view! {
                    <option value=t selected=move || kind.get() == t>{t}</option>
                }).collect_view()}
            </select>
            <p class="field-error" id="field-kind-error" role="alert">{message("kind")}</p>
        </div>
        <div class="field">
            <label for="field-value">"Value"</label>
            {value_input}
            <p class="field-hint" data-testid="value-hint">{hint}</p>
            <p class="field-error" id="field-value-error" role="alert">{value_message}</p>
        </div>
        <div class="field" hidden=move || !secure()>
            <label for="field-key_id">"KMS key ID"</label>
            <input id="field-key_id" name="key_id" type="text" autocomplete="off" value=key_id
                aria-describedby="field-key_id-error" />
            <p class="field-hint">"A key id or alias/…; alias/aws/ssm is created on first use."</p>
            <p class="field-error" id="field-key_id-error" role="alert">{message("key_id")}</p>
        </div>
    }
}

/// Tier, description, allowed pattern and policies: the rest of a parameter's form.
#[component]
pub fn MetadataInputs(
    /// The selected tier; empty: the default-tier setting.
    #[prop(into)]
    tier: String,
    #[prop(into)] description: String,
    #[prop(into)] allowed_pattern: String,
    #[prop(into)] policies: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let tier_message = move || error.get().and_then(|e| e.for_field("tier"));
    let tiers = [
        ("", "Default (the service setting)"),
        ("Standard", "Standard — up to 4 KB"),
        ("Advanced", "Advanced — up to 8 KB, policies"),
        (
            "Intelligent-Tiering",
            "Intelligent-Tiering — Advanced only when needed",
        ),
    ];
    view! {
        <div class="field">
            <label for="field-tier">"Tier"</label>
            <select id="field-tier" name="tier" aria-describedby="field-tier-error">
                {tiers.into_iter().map(|(v, text)| {
                    let sel = v == tier;
                    view! { <option value=v selected=sel>{text}</option> }
                }).collect_view()}
            </select>
            <p class="field-error" id="field-tier-error" role="alert">{tier_message}</p>
        </div>
        <Field label="Description" name="description" maxlength=1024 autocomplete="off" value=description error=error />
        <Field label="Allowed pattern" name="allowed_pattern" maxlength=1024 autocomplete="off" value=allowed_pattern error=error
            hint="A regular expression the whole value must match, e.g. ^[0-9]+$ (optional)." />
        <TextAreaField label="Policies (JSON)" name="policies" rows=4 code=true value=policies error=error
            hint="A JSON array of Expiration, ExpirationNotification and NoChangeNotification policies (Advanced tier). Empty: none." />
    }
}

#[component]
pub fn NewParameterPage() -> impl IntoView {
    let create = ServerAction::<CreateParameter>::new();
    let error = action_error(create.value());
    let kind = RwSignal::new("String".to_string());
    view! {
        <PageHeader title="Create parameter" subtitle="A String, StringList or SecureString, optionally in a path such as /app/prod/db-url." />
        <section class="card">
            <div class="card-body">
                <ActionForm action=create attr:class="form form-wide param-form">
                    <FormError error=error />
                    <Field label="Name" name="name" required=true maxlength=1011 autocomplete="off" error=error
                        hint="Letters, digits, _ . - and /; a path begins with / (e.g. /app/prod/db-url). Names beginning with aws or ssm are reserved." />
                    <ValueInputs kind=kind value="" key_id=DEFAULT_KEY_ID error=error />
                    <MetadataInputs tier="" description="" allowed_pattern="" policies="" error=error />
                    <TextAreaField label="Tags" name="tags" rows=3 error=error hint="One key=value per line (optional)." />
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary">"Create parameter"</button>
                        <a class="btn" href="/parameters">"Cancel"</a>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}
