//! Documents: the list (built-in and own, by type, searchable) and the form that
//! creates a document. Same services as `ListDocuments` and `CreateDocument`.

use crate::components::form::{action_error, Field, FormError};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect};
use crate::error::AppError;
use bosun_core::types::{DocumentInfo, ListQuery, Page};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_documents", input = leptos::server_fn::codec::Json)]
pub async fn list_documents(query: ListQuery) -> Result<Page<DocumentInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::documents::list_for_console(&core, &actor, &query).await?)
}

/// Creates a document and goes to its page.
#[server(prefix = "/api", endpoint = "create_document")]
pub async fn create_document(
    name: String,
    format: String,
    content: String,
    version_name: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let name = name.trim().to_string();
    bosun_core::documents::create_document(
        &core,
        &actor,
        bosun_core::documents::CreateDocument {
            name: name.clone(),
            content,
            format: Some(format),
            version_name: Some(version_name),
            ..Default::default()
        },
    )
    .await?;
    leptos_axum::redirect(&format!("/documents/{name}"));
    Ok(())
}

const FILTERS: &[&str] = &["owner", "type"];

/// A starting point for a new document.
pub const EXAMPLE_YAML: &str = "schemaVersion: '2.2'
description: Describe what this document does.
parameters:
  message:
    type: String
    default: hello
    description: What to print.
mainSteps:
  - action: aws:runShellScript
    name: run
    inputs:
      interpolationType: ENV_VAR
      runCommand:
        - echo \"$SSM_message\"
";

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(FILTERS);
    let docs = Resource::new(move || query.get(), list_documents);
    let columns = vec![
        Column::new("name", "Name").sortable(),
        Column::new("owner", "Owner"),
        Column::new("type", "Type"),
        Column::new("schema", "Schema"),
        Column::new("platforms", "Platforms"),
        Column::new("version", "Default version").class("num"),
        Column::new("created", "Created").sortable(),
    ];
    let row = move |d: DocumentInfo| {
        let href = format!("/documents/{}", d.name);
        let owner = if d.owner == "Amazon" {
            "Amazon (built-in)".to_string()
        } else {
            "Self".to_string()
        };
        view! {
            <tr data-document=d.name.clone()>
                <td><a href=href>{d.name.clone()}</a><div class="muted wrap">{d.description.clone()}</div></td>
                <td>{owner}</td>
                <td>{d.document_type.clone()}</td>
                <td class="mono">{d.schema_version.clone()}</td>
                <td>{d.platform_types.join(", ")}</td>
                <td class="num">{d.default_version.clone()}</td>
                <td>{datetime(Some(d.created_date))}</td>
            </tr>
        }
    };
    view! {
        <PageHeader title="Documents" subtitle="What Run Command runs: built-in documents and your own, with versions.">
            {operate.then(|| view! { <a class="btn btn-primary" href="/documents/new">"Create document"</a> })}
        </PageHeader>
        <DataTable
            path="/documents"
            label="Documents"
            columns=columns
            query=query
            data=docs
            row=row
            empty="No documents match."
            search_placeholder="Search name or description"
            filters=move || view! {
                <FilterSelect name="owner" label="Owner" query=query options=vec![("self", "Owned by me"), ("amazon", "Built-in")] />
                <FilterSelect name="type" label="Type" query=query options=vec![("Command", "Command")] />
            }
        />
    }
}

#[component]
pub fn NewDocumentPage() -> impl IntoView {
    let create = ServerAction::<CreateDocument>::new();
    let error = action_error(create.value());
    let content_error = move || error.get().and_then(|e| e.for_field("content"));
    view! {
        <PageHeader title="Create document" subtitle="A Command document in YAML or JSON (schema 2.2). It is checked before it is saved." />
        <section class="card">
            <div class="card-body">
                <ActionForm action=create attr:class="form form-wide">
                    <FormError error=error />
                    <Field label="Name" name="name" required=true minlength=3 maxlength=128 autocomplete="off" error=error hint="3–128 letters, digits, _ - and . (not starting with aws, amazon or amzn)." />
                    <div class="field">
                        <label for="field-format">"Format"</label>
                        <select id="field-format" name="format">
                            <option value="YAML" selected=true>"YAML"</option>
                            <option value="JSON">"JSON"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="field-content">"Content"</label>
                        <textarea id="field-content" name="content" class="code-input" rows="20" spellcheck="false" required=true
                            aria-invalid=move || content_error().map(|_| "true") aria-describedby="field-content-error">{EXAMPLE_YAML}</textarea>
                        <p class="field-error" id="field-content-error" role="alert">{content_error}</p>
                    </div>
                    <Field label="Version name (optional)" name="version_name" maxlength=128 autocomplete="off" error=error />
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary">"Create document"</button>
                        <a class="btn" href="/documents">"Cancel"</a>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}
