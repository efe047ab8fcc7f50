//! One document: its description and parameters, its content (highlighted, any
//! version, JSON or YAML), its versions with "set as default", a form that saves a
//! new version, and deletion. Same services as `DescribeDocument`, `GetDocument`,
//! `ListDocumentVersions`, `UpdateDocument`, `UpdateDocumentDefaultVersion` and
//! `DeleteDocument`.

use crate::components::form::{action_error, Field, FormError, TwoStep};
use crate::components::format::datetime;
use crate::components::highlight::CodeView;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::toast::{toast_action, toast_result};
use crate::error::AppError;
use bosun_core::types::{DocumentContent, DocumentInfo, DocumentVersionInfo};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// Everything the page shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocumentPageData {
    pub info: DocumentInfo,
    pub content: DocumentContent,
    pub versions: Vec<DocumentVersionInfo>,
    /// The latest version's content in its own format (the edit form starts from it).
    pub latest: DocumentContent,
}

#[server(prefix = "/api", endpoint = "document_page")]
pub async fn document_page(
    name: String,
    version: Option<String>,
    format: Option<String>,
) -> Result<DocumentPageData, AppError> {
    use bosun_core::documents::{self, VersionSelector};
    let (core, actor) = crate::ssr::actor()?;
    let sel = VersionSelector {
        version: version.filter(|v| !v.is_empty()),
        version_name: None,
    };
    let info = documents::describe_document(&core, &actor, &name, &sel).await?;
    let content = documents::get_document(
        &core,
        &actor,
        &name,
        &sel,
        format.as_deref().filter(|f| !f.is_empty()),
    )
    .await?;
    let latest = documents::get_document(
        &core,
        &actor,
        &name,
        &VersionSelector {
            version: Some("$LATEST".into()),
            version_name: None,
        },
        None,
    )
    .await?;
    let (versions, _) =
        documents::list_document_versions(&core, &actor, &name, Some(50), None).await?;
    Ok(DocumentPageData {
        info,
        content,
        versions,
        latest,
    })
}

#[server(prefix = "/api", endpoint = "update_document")]
pub async fn update_document(
    name: String,
    format: String,
    content: String,
    version_name: String,
) -> Result<String, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let d = bosun_core::documents::update_document(
        &core,
        &actor,
        bosun_core::documents::UpdateDocument {
            name,
            content,
            format: Some(format),
            version_name: Some(version_name),
            ..Default::default()
        },
    )
    .await?;
    Ok(d.document_version)
}

#[server(prefix = "/api", endpoint = "set_default_version")]
pub async fn set_default_version(name: String, version: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::documents::update_default_version(&core, &actor, &name, &version).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_document")]
pub async fn delete_document(name: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::documents::delete_document(&core, &actor, &name, None, None).await?;
    leptos_axum::redirect("/documents");
    Ok(())
}

#[component]
pub fn DocumentPageView() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let query = use_query_map();
    let name = move || params.with(|p| p.get("name").unwrap_or_default());
    let version = move || query.with(|q| q.get("version"));
    let format = move || query.with(|q| q.get("format"));
    let update = ServerAction::<UpdateDocument>::new();
    let set_default = ServerAction::<SetDefaultVersion>::new();
    let delete = ServerAction::<DeleteDocument>::new();
    let page = Resource::new(
        move || {
            (
                name(),
                version(),
                format(),
                update.version().get(),
                set_default.version().get(),
            )
        },
        |(n, v, f, ..)| document_page(n, v, f),
    );
    toast_action(update, "New version saved.");
    toast_action(set_default, "Default version changed.");
    Effect::new(move |_| {
        delete.value().with(|v| {
            // Success navigates away; only a refusal needs saying.
            if let Some(r @ Err(_)) = v {
                toast_result(r, "")
            }
        })
    });
    let update_error = action_error(update.value());
    let content_error = move || update_error.get().and_then(|e| e.for_field("content"));

    let body = move || {
        page.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(p) => {
                let d = p.info;
                let builtin = d.owner == "Amazon";
                let editable = operate && !builtin;
                let doc_name = d.name.clone();
                let shown_version = p.content.document_version.clone();
                let shown_format = p.content.document_format.clone();
                let other_format = if shown_format == "YAML" { "JSON" } else { "YAML" };
                let convert_href = format!("/documents/{}?version={}&format={}", d.name, shown_version, other_format);
                let params = d
                    .parameters
                    .iter()
                    .map(|prm| {
                        view! {
                            <tr>
                                <td class="mono">{prm.name.clone()}</td>
                                <td>{prm.kind.clone()}</td>
                                <td class="mono wrap">{prm.default_value.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="wrap">{prm.allowed_values.join(", ")}</td>
                                <td class="wrap">{prm.description.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let no_params = d.parameters.is_empty();
                let versions = p
                    .versions
                    .iter()
                    .map(|v| {
                        let href = format!("/documents/{}?version={}", v.name, v.document_version);
                        let current = v.document_version == shown_version;
                        let (n, ver) = (v.name.clone(), v.document_version.clone());
                        let label = format!("Make version {} the default", v.document_version);
                        view! {
                            <tr data-version=v.document_version.clone() aria-current=current.then_some("true")>
                                <td class="num"><a href=href>{v.document_version.clone()}</a></td>
                                <td class="mono">{v.version_name.clone().unwrap_or_default()}</td>
                                <td>{v.document_format.clone()}</td>
                                <td>{datetime(Some(v.created_date))}</td>
                                <td>
                                    {if v.is_default_version {
                                        view! { <span class="badge badge-info">"Default"</span> }.into_any()
                                    } else if editable {
                                        view! {
                                            <ActionForm action=set_default attr:class="inline-form">
                                                <input type="hidden" name="name" value=n />
                                                <input type="hidden" name="version" value=ver />
                                                <button type="submit" class="btn btn-sm" aria-label=label>"Set as default"</button>
                                            </ActionForm>
                                        }.into_any()
                                    } else {
                                        ().into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                let latest = p.latest;
                let (edit_name, delete_name) = (doc_name.clone(), doc_name.clone());
                view! {
                    <section class="card" aria-labelledby="doc-summary">
                        <div class="card-header">
                            <h2 class="card-title" id="doc-summary">{d.name.clone()}</h2>
                            <span class="badge badge-muted">{if builtin { "Built-in" } else { "Owned by this account" }}</span>
                        </div>
                        <div class="card-body">
                            <p>{d.description.clone()}</p>
                            <dl class="kv">
                                <dt>"Type"</dt><dd>{d.document_type.clone()}</dd>
                                <dt>"Schema version"</dt><dd class="mono">{d.schema_version.clone()}</dd>
                                <dt>"Platforms"</dt><dd>{d.platform_types.join(", ")}</dd>
                                <dt>"Default version"</dt><dd data-testid="default-version">{d.default_version.clone()}</dd>
                                <dt>"Latest version"</dt><dd data-testid="latest-version">{d.latest_version.clone()}</dd>
                                <dt>"SHA-256"</dt><dd class="mono wrap">{d.hash.clone()}</dd>
                            </dl>
                        </div>
                    </section>
                    <section class="card" aria-labelledby="doc-params">
                        <div class="card-header"><h2 class="card-title" id="doc-params">"Parameters"</h2></div>
                        <div class="card-body">
                            {if no_params {
                                view! { <p class="muted">"No parameters."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table" aria-label="Parameters">
                                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Default"</th><th scope="col">"Allowed values"</th><th scope="col">"Description"</th></tr></thead>
                                        <tbody>{params}</tbody>
                                    </table>
                                }.into_any()
                            }}
                        </div>
                    </section>
                    <section class="card" aria-labelledby="doc-content">
                        <div class="card-header">
                            <h2 class="card-title" id="doc-content">{format!("Content — version {shown_version} ({shown_format})")}</h2>
                            <a class="btn btn-sm" href=convert_href>{format!("Show as {other_format}")}</a>
                        </div>
                        <div class="card-body"><CodeView content=p.content.content.clone() format=shown_format.clone() /></div>
                    </section>
                    <section class="card" aria-labelledby="doc-versions">
                        <div class="card-header"><h2 class="card-title" id="doc-versions">"Versions"</h2></div>
                        <div class="card-body">
                            <table class="table" aria-label="Versions">
                                <thead><tr><th scope="col" class="num">"Version"</th><th scope="col">"Name"</th><th scope="col">"Format"</th><th scope="col">"Created"</th><th scope="col"><span class="sr-only">"Default"</span></th></tr></thead>
                                <tbody>{versions}</tbody>
                            </table>
                        </div>
                    </section>
                    {editable.then(|| view! {
                        <section class="card" aria-labelledby="doc-edit">
                            <div class="card-header"><h2 class="card-title" id="doc-edit">"Save a new version"</h2></div>
                            <div class="card-body">
                                <ActionForm action=update attr:class="form form-wide">
                                    <FormError error=update_error />
                                    <input type="hidden" name="name" value=edit_name />
                                    <div class="field">
                                        <label for="field-format">"Format"</label>
                                        <select id="field-format" name="format">
                                            <option value="YAML" selected=latest.document_format == "YAML">"YAML"</option>
                                            <option value="JSON" selected=latest.document_format == "JSON">"JSON"</option>
                                        </select>
                                    </div>
                                    <div class="field">
                                        <label for="field-content">"Content"</label>
                                        <textarea id="field-content" name="content" class="code-input" rows="18" spellcheck="false" required=true
                                            aria-invalid=move || content_error().map(|_| "true") aria-describedby="field-content-error">{latest.content.clone()}</textarea>
                                        <p class="field-error" id="field-content-error" role="alert">{content_error}</p>
                                    </div>
                                    <Field label="Version name (optional)" name="version_name" maxlength=128 autocomplete="off" error=update_error />
                                    <div class="form-actions"><button type="submit" class="btn btn-primary">"Save new version"</button></div>
                                </ActionForm>
                            </div>
                        </section>
                        <section class="card danger-zone" aria-labelledby="doc-delete">
                            <div class="card-header"><h2 class="card-title" id="doc-delete">"Delete"</h2></div>
                            <div class="card-body">
                                <p>"Deletes every version of this document."</p>
                                <TwoStep ask="Delete…">
                                    <ActionForm action=delete attr:class="inline-form">
                                        <input type="hidden" name="name" value=delete_name />
                                        <button type="submit" class="btn btn-danger">"Confirm: delete this document"</button>
                                    </ActionForm>
                                </TwoStep>
                            </div>
                        </section>
                    })}
                }
                .into_any()
            }
        })
    };
    view! {
        <PageHeader title="Document" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
    }
}
