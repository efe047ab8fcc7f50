//! Run Command in the console: the history (`/commands`), the run form
//! (`/commands/new`) and a command's page (`/commands/:id`) with its progress, its
//! per-node table and the selected node's output, streamed live. Same services as
//! `SendCommand`, `ListCommands`, `ListCommandInvocations` and `CancelCommand`.

use crate::components::ansi::{Ansi, Segment};
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect, FilterText};
use crate::components::toast::toast_action;
use crate::error::AppError;
use bosun_core::types::{
    CommandInfo, DocumentParameterInfo, InvocationInfo, ListQuery, OutputChunkInfo, Page,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[server(prefix = "/api", endpoint = "list_commands", input = leptos::server_fn::codec::Json)]
pub async fn list_commands(query: ListQuery) -> Result<Page<CommandInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::commands::list_for_console(&core, &actor, &query).await?)
}

#[server(prefix = "/api", endpoint = "command_detail")]
pub async fn command_detail(
    command_id: String,
) -> Result<(CommandInfo, Vec<InvocationInfo>), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::commands::command_detail(&core, &actor, &command_id).await?)
}

#[server(prefix = "/api", endpoint = "invocation_output")]
pub async fn invocation_output(invocation_id: String) -> Result<Vec<OutputChunkInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::commands::read_output(&core, &actor, &invocation_id, 0, 5000).await?)
}

#[server(prefix = "/api", endpoint = "cancel_command")]
pub async fn cancel_command(command_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::commands::cancel_command(&core, &actor, &command_id, &[]).await?)
}

/// The parameters of a document's default version, for the run form.
#[server(prefix = "/api", endpoint = "document_parameters")]
pub async fn document_parameters(name: String) -> Result<Vec<DocumentParameterInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let d = bosun_core::documents::describe_document(
        &core,
        &actor,
        &name,
        &bosun_core::documents::VersionSelector::default(),
    )
    .await?;
    Ok(d.parameters)
}

/// What the run form sends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    pub document: String,
    /// Name → text as typed (StringList and MapList: one value per line).
    pub parameters: BTreeMap<String, String>,
    pub instance_ids: Vec<String>,
    pub tag_key: String,
    pub tag_value: String,
    pub max_concurrency: String,
    pub max_errors: String,
    pub timeout_seconds: String,
    pub comment: String,
}

#[cfg(feature = "ssr")]
fn targets_of(r: &RunRequest) -> Vec<bosun_core::types::CommandTarget> {
    use bosun_core::types::CommandTarget;
    if r.tag_key.trim().is_empty() {
        return Vec::new();
    }
    let key = r.tag_key.trim().to_string();
    if r.tag_value.trim().is_empty() {
        vec![CommandTarget {
            key: "tag-key".into(),
            values: vec![key],
        }]
    } else {
        vec![CommandTarget {
            key: format!("tag:{key}"),
            values: vec![r.tag_value.trim().to_string()],
        }]
    }
}

/// Runs a command; returns its id.
#[server(prefix = "/api", endpoint = "run_command", input = leptos::server_fn::codec::Json)]
pub async fn run_command(request: RunRequest) -> Result<String, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let kinds = bosun_core::documents::describe_document(
        &core,
        &actor,
        &request.document,
        &bosun_core::documents::VersionSelector::default(),
    )
    .await?
    .parameters;
    let mut parameters = BTreeMap::new();
    for (name, text) in &request.parameters {
        let list = kinds
            .iter()
            .find(|p| &p.name == name)
            .is_some_and(|p| matches!(p.kind.as_str(), "StringList" | "MapList"));
        let values: Vec<String> = if list {
            text.lines()
                .map(str::to_string)
                .filter(|l| !l.trim().is_empty())
                .collect()
        } else {
            vec![text.clone()]
        };
        // An untouched optional field keeps the document's default.
        if values.is_empty() || (values.len() == 1 && values[0].is_empty()) {
            continue;
        }
        parameters.insert(name.clone(), values);
    }
    let timeout = request.timeout_seconds.trim();
    let timeout_seconds = if timeout.is_empty() {
        None
    } else {
        Some(timeout.parse::<i64>().map_err(|_| {
            AppError::from(bosun_core::ServiceError::invalid_field(
                "timeout_seconds",
                "The timeout is a whole number of seconds.",
            ))
        })?)
    };
    let c = bosun_core::commands::send_command(
        &core,
        &actor,
        bosun_core::commands::SendCommand {
            document_name: request.document.clone(),
            document_version: None,
            instance_ids: request.instance_ids.clone(),
            targets: targets_of(&request),
            parameters,
            timeout_seconds,
            comment: Some(request.comment.clone()).filter(|c| !c.is_empty()),
            max_concurrency: Some(request.max_concurrency.trim().to_string()),
            max_errors: Some(request.max_errors.trim().to_string()),
        },
    )
    .await?;
    Ok(c.command_id)
}

/// How many nodes the form's targets reach now.
#[server(prefix = "/api", endpoint = "count_targets", input = leptos::server_fn::codec::Json)]
pub async fn count_targets(request: RunRequest) -> Result<usize, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::commands::count_targets(
        &core,
        &actor,
        &request.instance_ids,
        &targets_of(&request),
    )
    .await?)
}

pub fn command_badge(status: &str) -> &'static str {
    match status {
        "Success" => "badge badge-success",
        "Failed" | "TimedOut" => "badge badge-danger",
        "Cancelled" | "Cancelling" => "badge badge-muted",
        _ => "badge badge-info",
    }
}

const FILTERS: &[&str] = &["status", "document", "node", "user", "after", "before"];

#[component]
pub fn CommandsPage() -> impl IntoView {
    let operate = can_operate();
    let query = use_list_query(FILTERS);
    let data = Resource::new(move || query.get(), list_commands);
    let columns = vec![
        Column::new("id", "Command"),
        Column::new("status", "Status"),
        Column::new("document", "Document"),
        Column::new("targets", "Progress").class("num"),
        Column::new("by", "Requested by"),
        Column::new("requested", "Requested"),
    ];
    let row = move |c: CommandInfo| {
        let href = format!("/commands/{}", c.command_id);
        let progress = format!("{}/{}", c.completed_count, c.target_count);
        view! {
            <tr data-command=c.command_id.clone()>
                <td><a class="mono" href=href>{c.command_id.clone()}</a><div class="muted wrap">{c.comment.clone()}</div></td>
                <td><span class=command_badge(&c.status)>{c.status_details.clone()}</span></td>
                <td>{c.document_name.clone()}</td>
                <td class="num">{progress}</td>
                <td>{c.requested_by.clone()}</td>
                <td>{datetime(Some(c.requested_at))}</td>
            </tr>
        }
    };
    view! {
        <PageHeader title="Run Command" subtitle="Commands sent to nodes, newest first, with their progress.">
            {operate.then(|| view! { <a class="btn btn-primary" href="/commands/new">"Run a command"</a> })}
        </PageHeader>
        <DataTable
            path="/commands"
            label="Commands"
            columns=columns
            query=query
            data=data
            row=row
            empty="No commands match."
            search_placeholder="Search id, comment, document"
            filters=move || view! {
                <FilterSelect name="status" label="Status" query=query options=vec![
                    ("Pending", "Pending"), ("InProgress", "In progress"), ("Success", "Success"),
                    ("Failed", "Failed"), ("TimedOut", "Timed out"), ("Cancelled", "Cancelled"),
                ] />
                <FilterText name="document" label="Document" query=query />
                <FilterText name="node" label="Node ID" query=query />
                <FilterText name="user" label="Requested by" query=query />
                <FilterText name="after" label="From" kind="date" query=query />
                <FilterText name="before" label="Until" kind="date" query=query />
            }
        />
    }
}

#[component]
pub fn RunCommandPage() -> impl IntoView {
    let document = RwSignal::new("AWS-RunShellScript".to_string());
    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let mode = RwSignal::new("nodes".to_string());
    let selected = RwSignal::new(std::collections::BTreeSet::<String>::new());
    let tag_key = RwSignal::new(String::new());
    let tag_value = RwSignal::new(String::new());
    let max_concurrency = RwSignal::new("50".to_string());
    let max_errors = RwSignal::new("0".to_string());
    let timeout = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());

    let documents = Resource::new(
        || (),
        |_| {
            crate::pages::documents::list_documents(ListQuery {
                per_page: 100,
                ..Default::default()
            })
        },
    );
    let params = Resource::new(move || document.get(), document_parameters);
    let nodes = Resource::new(
        || (),
        |_| {
            crate::pages::fleet::list_nodes(ListQuery {
                per_page: 100,
                ..Default::default()
            })
        },
    );
    let request = move || RunRequest {
        document: document.get(),
        parameters: values.get(),
        instance_ids: if mode.get() == "nodes" {
            selected.get().into_iter().collect()
        } else {
            Vec::new()
        },
        tag_key: if mode.get() == "tag" {
            tag_key.get()
        } else {
            String::new()
        },
        tag_value: if mode.get() == "tag" {
            tag_value.get()
        } else {
            String::new()
        },
        max_concurrency: max_concurrency.get(),
        max_errors: max_errors.get(),
        timeout_seconds: timeout.get(),
        comment: comment.get(),
    };
    let count = Resource::new(request, count_targets);
    let run = ServerAction::<RunCommand>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = run.value().get() {
            navigate(&format!("/commands/{id}"), Default::default());
        }
    });
    let error = move || run.value().get().and_then(|r| r.err()).map(|e| e.message);

    let param_inputs = move || {
        params.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(list) => list
                .into_iter()
                .map(|p| {
                    let name = p.name.clone();
                    let id = format!("param-{}", p.name);
                    let default = p.default_value.clone().unwrap_or_default();
                    let multi = matches!(p.kind.as_str(), "StringList" | "MapList");
                    let n1 = name.clone();
                    let n2 = name.clone();
                    let n3 = name.clone();
                    let choices: Vec<String> = if p.kind == "Boolean" && p.allowed_values.is_empty() {
                        vec!["true".into(), "false".into()]
                    } else {
                        p.allowed_values.clone()
                    };
                    let input = if !choices.is_empty() && !multi {
                        view! {
                            <select id=id.clone() data-param=name.clone()
                                on:change=move |ev| { let v = event_target_value(&ev); values.update(|m| { m.insert(n3.clone(), v); }); }>
                                {choices.into_iter().map(|c| {
                                    let sel = c == default;
                                    view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                        .into_any()
                    } else if multi {
                        view! {
                            <textarea id=id.clone() class="code-input" rows="5" spellcheck="false"
                                data-param=name.clone()
                                placeholder=default.clone()
                                on:input=move |ev| { let v = event_target_value(&ev); values.update(|m| { m.insert(n1.clone(), v); }); }
                            ></textarea>
                        }
                        .into_any()
                    } else {
                        view! {
                            <input id=id.clone() type="text" autocomplete="off" data-param=name.clone()
                                placeholder=default.clone()
                                on:input=move |ev| { let v = event_target_value(&ev); values.update(|m| { m.insert(n2.clone(), v); }); } />
                        }
                        .into_any()
                    };
                    let hint = if multi {
                        format!("{} ({}; one per line)", p.description, p.kind)
                    } else {
                        format!("{} ({})", p.description, p.kind)
                    };
                    view! {
                        <div class="field">
                            <label for=id>{p.name.clone()}</label>
                            {input}
                            <p class="hint">{hint}</p>
                        </div>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };

    view! {
        <PageHeader title="Run a command" subtitle="Pick a document, fill in its parameters, choose the nodes, and watch the output live." />
        <section class="card">
            <div class="card-body">
                <form class="form form-wide" on:submit=move |ev| {
                    ev.prevent_default();
                    run.dispatch(RunCommand { request: request() });
                }>
                    {move || error().map(|m| view! { <div class="alert alert-error" role="alert" data-testid="run-error">{m}</div> })}
                    <div class="field">
                        <label for="run-document">"Document"</label>
                        <select id="run-document" on:change=move |ev| { values.set(BTreeMap::new()); document.set(event_target_value(&ev)); }>
                            <Suspense fallback=|| view! { <option>"AWS-RunShellScript"</option> }>
                                {move || documents.get().map(|r| r.map(|page| page.items.into_iter().map(|d| {
                                    let sel = d.name == document.get_untracked();
                                    view! { <option value=d.name.clone() selected=sel>{d.name.clone()}</option> }
                                }).collect_view()))}
                            </Suspense>
                        </select>
                    </div>
                    <fieldset class="fieldset">
                        <legend>"Parameters"</legend>
                        <Suspense fallback=|| view! { <p class="muted">"Loading parameters…"</p> }>{param_inputs}</Suspense>
                    </fieldset>
                    <fieldset class="fieldset">
                        <legend>"Targets"</legend>
                        <div class="field radio-row">
                            <label><input type="radio" name="mode" value="nodes" checked=true on:change=move |_| mode.set("nodes".into()) />" Choose nodes"</label>
                            <label><input type="radio" name="mode" value="tag" on:change=move |_| mode.set("tag".into()) />" Nodes with a tag"</label>
                        </div>
                        <div hidden=move || mode.get() != "nodes">
                            <Suspense fallback=|| view! { <p class="muted">"Loading nodes…"</p> }>
                                {move || nodes.get().map(|r| r.map(|page| view! {
                                    <ul class="checklist" aria-label="Nodes">
                                        {page.items.into_iter().map(|n| {
                                            let id = n.instance_id.clone();
                                            let id2 = id.clone();
                                            let label = format!("{} ({}, {})", n.name, n.instance_id, n.ping_status);
                                            view! {
                                                <li><label><input type="checkbox" data-node=id.clone()
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        selected.update(|s| { if on { s.insert(id2.clone()); } else { s.remove(&id2); } });
                                                    } />" "{label}</label></li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }))}
                            </Suspense>
                        </div>
                        <div class="form-inline" hidden=move || mode.get() != "tag">
                            <div class="field"><label for="run-tag-key">"Tag key"</label>
                                <input id="run-tag-key" type="text" autocomplete="off" on:input=move |ev| tag_key.set(event_target_value(&ev)) /></div>
                            <div class="field"><label for="run-tag-value">"Tag value (empty: any)"</label>
                                <input id="run-tag-value" type="text" autocomplete="off" on:input=move |ev| tag_value.set(event_target_value(&ev)) /></div>
                        </div>
                        <p class="hint" data-testid="target-count">
                            <Suspense fallback=|| "Counting…">
                                {move || count.get().map(|r| match r {
                                    Ok(n) => format!("{n} node(s) match."),
                                    Err(e) => e.message,
                                })}
                            </Suspense>
                        </p>
                    </fieldset>
                    <fieldset class="fieldset form-inline">
                        <legend>"Rate control and timeout"</legend>
                        <div class="field"><label for="run-concurrency">"Max concurrency"</label>
                            <input id="run-concurrency" type="text" prop:value=max_concurrency on:input=move |ev| max_concurrency.set(event_target_value(&ev)) />
                            <p class="hint">"A number, or a percentage of the targets (10%)."</p></div>
                        <div class="field"><label for="run-errors">"Max errors"</label>
                            <input id="run-errors" type="text" prop:value=max_errors on:input=move |ev| max_errors.set(event_target_value(&ev)) />
                            <p class="hint">"Stop sending once more than this many fail."</p></div>
                        <div class="field"><label for="run-timeout">"Delivery timeout (seconds)"</label>
                            <input id="run-timeout" type="number" min="30" max="2592000" placeholder="3600" on:input=move |ev| timeout.set(event_target_value(&ev)) /></div>
                    </fieldset>
                    <div class="field"><label for="run-comment">"Comment"</label>
                        <input id="run-comment" type="text" maxlength="100" on:input=move |ev| comment.set(event_target_value(&ev)) /></div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" disabled=move || run.pending().get()>"Run"</button>
                    </div>
                </form>
            </div>
        </section>
    }
}

/// The `aws ssm send-command` line that does the same as this command.
fn cli_line(c: &CommandInfo) -> String {
    fn q(s: &str) -> String {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
    let mut line = format!(
        "aws ssm send-command --document-name {}",
        q(&c.document_name)
    );
    if !c.instance_ids.is_empty() {
        line.push_str(&format!(
            " --instance-ids {}",
            c.instance_ids
                .iter()
                .map(|i| q(i))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    for t in &c.targets {
        line.push_str(&format!(
            " --targets {}",
            q(&format!("Key={},Values={}", t.key, t.values.join(",")))
        ));
    }
    if !c.parameters.is_empty() {
        let json = serde_json::to_string(&c.parameters).unwrap_or_default();
        line.push_str(&format!(" --parameters {}", q(&json)));
    }
    line.push_str(&format!(
        " --max-concurrency {} --max-errors {} --timeout-seconds {}",
        q(&c.max_concurrency),
        q(&c.max_errors),
        c.timeout_seconds
    ));
    if !c.comment.is_empty() {
        line.push_str(&format!(" --comment {}", q(&c.comment)));
    }
    line
}

#[component]
pub fn CommandPage() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let cancel = ServerAction::<CancelCommand>::new();
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_millis(1000),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    toast_action(cancel, "Cancel requested.");
    let detail = Resource::new(
        move || (id(), tick.get(), cancel.version().get()),
        |(id, ..)| command_detail(id),
    );
    let chosen = RwSignal::new(None::<String>);
    // The invocation whose output is shown: the one clicked, else the first. A memo, so
    // the output pane (and its live stream) survives the page's refreshes.
    let selected = Memo::new(move |_| {
        chosen.get().or_else(|| {
            detail.with(|d| {
                d.as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .and_then(|(_, invs)| invs.first().map(|i| i.invocation_id.clone()))
            })
        })
    });

    let body = move || {
        detail.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok((c, invs)) => {
                let open = matches!(c.status.as_str(), "Pending" | "InProgress" | "Cancelling");
                let counts = |s: &str| invs.iter().filter(|i| i.status == s).count();
                let (ok, failed, timed_out) = (counts("Success"), counts("Failed"), counts("TimedOut"));
                let done = c.completed_count;
                let total = c.target_count.max(1);
                let pct = done * 100 / total;
                let selected = selected.get();
                let rows = invs.iter().map(|i| {
                    let inv = i.invocation_id.clone();
                    let is_sel = selected.as_deref() == Some(inv.as_str());
                    let code = if i.response_code >= 0 { i.response_code.to_string() } else { "—".into() };
                    view! {
                        <tr data-node=i.instance_id.clone() aria-selected=is_sel.to_string() class:selected=is_sel>
                            <td><button type="button" class="link" on:click=move |_| chosen.set(Some(inv.clone()))>{i.instance_id.clone()}</button>
                                <div class="muted">{i.instance_name.clone()}</div></td>
                            <td><span class=command_badge(&i.status) data-testid="invocation-status">{i.status_details.clone()}</span>
                                {(i.output_dropped > 0).then(|| view! {
                                    <div class="muted" data-testid="output-dropped">{format!("Output over the stored limit: {} bytes dropped", i.output_dropped)}</div>
                                })}
                                {(!i.detail.is_empty()).then(|| view! { <div class="muted wrap">{i.detail.clone()}</div> })}
                            </td>
                            <td class="num">{code}</td>
                            <td>{datetime(i.started_at)}</td>
                            <td>{datetime(i.ended_at)}</td>
                        </tr>
                    }
                }).collect_view();
                let cli = cli_line(&c);
                let cid = c.command_id.clone();
                view! {
                    <section class="card" aria-labelledby="command-summary">
                        <div class="card-header">
                            <h2 class="card-title" id="command-summary">{c.document_name.clone()}</h2>
                            <span class=command_badge(&c.status) data-testid="command-status">{c.status_details.clone()}</span>
                        </div>
                        <div class="card-body">
                            <progress class="progress" max=total.to_string() value=done.to_string() aria-label="Invocations done" data-testid="progress"></progress>
                            <p data-testid="progress-text">{format!("{done} of {} done ({pct}%): {ok} succeeded, {failed} failed, {timed_out} timed out", c.target_count)}</p>
                            <dl class="kv">
                                <dt>"Command ID"</dt><dd class="mono" data-testid="command-id">{c.command_id.clone()}</dd>
                                <dt>"Requested"</dt><dd>{datetime(Some(c.requested_at))}" by "{c.requested_by.clone()}</dd>
                                <dt>"Comment"</dt><dd class="wrap">{c.comment.clone()}</dd>
                                <dt>"Rate control"</dt><dd>{format!("max concurrency {}, max errors {}", c.max_concurrency, c.max_errors)}</dd>
                            </dl>
                            <details><summary>"AWS CLI"</summary><pre class="code" data-testid="cli-line">{cli}</pre></details>
                            {(operate && open).then(|| view! {
                                <button type="button" class="btn btn-danger" data-testid="cancel-command"
                                    on:click=move |_| { cancel.dispatch(CancelCommand { command_id: cid.clone() }); }>"Cancel command"</button>
                            })}
                        </div>
                    </section>
                    <section class="card" aria-labelledby="command-nodes">
                        <div class="card-header"><h2 class="card-title" id="command-nodes">"Nodes"</h2></div>
                        <div class="card-body">
                            <table class="table" aria-label="Invocations">
                                <thead><tr><th scope="col">"Node"</th><th scope="col">"Status"</th><th scope="col" class="num">"Exit code"</th><th scope="col">"Started"</th><th scope="col">"Ended"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    </section>
                }
                .into_any()
            }
        })
    };
    view! {
        <PageHeader title="Command" subtitle="Progress, nodes and live output." />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {body}
            {move || {
                // On the server, read the command here so the page waits for it and
                // renders the pane; in the browser only the chosen id matters, so the
                // pane (and its live stream) survives the page's refreshes.
                #[cfg(feature = "ssr")]
                let _ = detail.get();
                selected.get().map(|inv| view! { <OutputPane invocation_id=inv /> })
            }}
        </Transition>
    }
}

/// One invocation's output: what is stored, then (in the browser) what arrives live.
#[component]
fn OutputPane(invocation_id: String) -> impl IntoView {
    let id = invocation_id.clone();
    let initial = Resource::new(move || id.clone(), invocation_output);
    let segments = RwSignal::new(Vec::<(u64, u8, Segment)>::new());
    let last_seq = RwSignal::new(0i64);
    let parsers = StoredValue::new((Ansi::default(), Ansi::default()));
    let counter = StoredValue::new(0u64);
    let push = move |c: &OutputChunkInfo| {
        if c.seq <= last_seq.get_untracked() {
            return;
        }
        last_seq.set(c.seq);
        let segs = parsers
            .try_update_value(|(out, err)| {
                if c.stream == 2 {
                    err.feed(&c.data)
                } else {
                    out.feed(&c.data)
                }
            })
            .unwrap_or_default();
        segments.update(|v| {
            for s in segs {
                let k = counter.get_value();
                counter.set_value(k + 1);
                v.push((k, c.stream, s));
            }
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(chunks)) = initial.get() {
            for c in &chunks {
                push(c);
            }
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let inv = invocation_id.clone();
        let opened = StoredValue::new(false);
        Effect::new(move |_| {
            // Start streaming once the stored output is shown (or failed to load): on a
            // client-side navigation the stored output arrives after the first run.
            if opened.get_value() || initial.get().is_none() {
                return;
            }
            opened.set_value(true);
            let after = last_seq.get_untracked();
            live::open(&inv, after, push);
        });
    }
    view! {
        <section class="card" aria-labelledby="command-output">
            <div class="card-header">
                <h2 class="card-title" id="command-output">"Output of "<span class="mono">{invocation_id.clone()}</span></h2>
                <a class="btn btn-sm" rel="external" download="" href=format!("/live/invocations/{invocation_id}/output.txt")>"Download"</a>
            </div>
            <div class="card-body">
                <pre class="output" data-testid="output" aria-live="polite">
                    <For each=move || segments.get() key=|(k, _, _)| *k let:item>
                        <span class={
                            let (_, stream, seg) = &item;
                            let base = if *stream == 2 { "stderr" } else { "stdout" };
                            if seg.classes.is_empty() { base.to_string() } else { format!("{base} {}", seg.classes) }
                        }>{item.2.text.clone()}</span>
                    </For>
                </pre>
            </div>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use bosun_core::types::OutputChunkInfo;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Opens the live stream and feeds every chunk to `push`; closes at `end`.
    pub fn open(invocation_id: &str, after: i64, push: impl Fn(&OutputChunkInfo) + 'static) {
        let url = format!("/live/invocations/{invocation_id}?after={after}");
        let Ok(source) = web_sys::EventSource::new(&url) else {
            return;
        };
        let on_chunk =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    if let Ok(c) = serde_json::from_str::<OutputChunkInfo>(&text) {
                        push(&c);
                    }
                }
            });
        let _ = source.add_event_listener_with_callback("chunk", on_chunk.as_ref().unchecked_ref());
        on_chunk.forget();
        let closer = source.clone();
        let on_end = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| closer.close());
        // `end`: all output was sent; `failure`: the server refused (e.g. access). A
        // dropped connection is retried by the browser, resuming at Last-Event-ID.
        let _ = source.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("failure", on_end.as_ref().unchecked_ref());
        on_end.forget();
        leptos::prelude::on_cleanup(move || source.close());
    }
}
