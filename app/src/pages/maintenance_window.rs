//! One maintenance window (`/maintenance/:id`): its details with Enable/Disable, Edit
//! and Delete; its next runs (the window's zone and the viewer's); the targets editor
//! (nodes by id, by tag, or by tag key; edit; deregister, refused while a task uses the
//! target); the RUN_COMMAND tasks editor, tasks listed in the order they run (lower
//! priority first, equal priorities together: they run in parallel); and the execution
//! history, refreshed while the page is open, with Cancel. Same services as the
//! window, target, task and execution operations of the AWS API.

use crate::components::form::TwoStep;
use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::toast::toast_action;
use crate::error::AppError;
use crate::pages::maintenance::{
    duration_text, execution_badge, in_zone, use_viewer_zone, window_href, zone_name, ViewerTime,
};
use bosun_core::types::{
    CommandTarget, DocumentParameterInfo, ListQuery, MaintenanceExecutionInfo,
    MaintenanceWindowTargetInfo, MaintenanceWindowTaskInfo, MaintenanceWindowView,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[server(prefix = "/api", endpoint = "maintenance_window_page")]
pub async fn maintenance_window_page(window_id: String) -> Result<MaintenanceWindowView, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::maintenance::console::window_view(&core, &actor, &window_id).await?)
}

#[server(prefix = "/api", endpoint = "maintenance_executions")]
pub async fn maintenance_executions(
    window_id: String,
) -> Result<Vec<MaintenanceExecutionInfo>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::maintenance::console::executions(&core, &actor, &window_id).await?)
}

#[server(prefix = "/api", endpoint = "set_maintenance_window_enabled")]
pub async fn set_maintenance_window_enabled(
    window_id: String,
    enabled: bool,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::maintenance::update_maintenance_window(
        &core,
        &actor,
        bosun_core::maintenance::UpdateWindow {
            window_id,
            enabled: Some(enabled),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_maintenance_window")]
pub async fn delete_maintenance_window(window_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::maintenance::delete_maintenance_window(&core, &actor, &window_id).await?;
    leptos_axum::redirect("/maintenance");
    Ok(())
}

#[server(prefix = "/api", endpoint = "cancel_maintenance_execution")]
pub async fn cancel_maintenance_execution(window_execution_id: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::maintenance::cancel_maintenance_window_execution(
        &core,
        &actor,
        &window_execution_id,
    )
    .await?;
    Ok(())
}

/// The target form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetForm {
    pub window_id: String,
    /// Empty when registering.
    pub window_target_id: String,
    /// `nodes`, `tag` or `tag-key`.
    pub mode: String,
    pub node_ids: Vec<String>,
    pub tag_key: String,
    /// Comma-separated values of `tag:KEY`.
    pub tag_value: String,
    pub name: String,
    pub description: String,
    pub owner_information: String,
}

#[cfg(feature = "ssr")]
fn optional(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The AWS targets a target form names.
pub fn targets_of_form(f: &TargetForm) -> Vec<CommandTarget> {
    let key = f.tag_key.trim().to_string();
    match f.mode.as_str() {
        "tag" => vec![CommandTarget {
            key: format!("tag:{key}"),
            values: f
                .tag_value
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
        }],
        "tag-key" => vec![CommandTarget {
            key: "tag-key".into(),
            values: vec![key].into_iter().filter(|k| !k.is_empty()).collect(),
        }],
        _ => vec![CommandTarget {
            key: "InstanceIds".into(),
            values: f.node_ids.clone(),
        }],
    }
}

/// Registers (no `window_target_id`) or replaces a target.
#[server(prefix = "/api", endpoint = "save_maintenance_target", input = leptos::server_fn::codec::Json)]
pub async fn save_maintenance_target(form: TargetForm) -> Result<(), AppError> {
    use bosun_core::maintenance::{
        register_target_with_maintenance_window, update_maintenance_window_target, RegisterTarget,
        UpdateTarget,
    };
    let (core, actor) = crate::ssr::actor()?;
    let targets = targets_of_form(&form);
    if form.window_target_id.is_empty() {
        register_target_with_maintenance_window(
            &core,
            &actor,
            RegisterTarget {
                window_id: form.window_id.clone(),
                resource_type: "INSTANCE".into(),
                targets,
                owner_information: optional(&form.owner_information),
                name: optional(&form.name),
                description: optional(&form.description),
                client_token: None,
            },
        )
        .await?;
    } else {
        update_maintenance_window_target(
            &core,
            &actor,
            UpdateTarget {
                window_id: form.window_id.clone(),
                window_target_id: form.window_target_id.clone(),
                replace: true,
                targets: Some(targets),
                owner_information: optional(&form.owner_information),
                name: optional(&form.name),
                description: optional(&form.description),
            },
        )
        .await?;
    }
    Ok(())
}

/// Deregisters a target, refused (TargetInUse) while a task targets it.
#[server(prefix = "/api", endpoint = "deregister_maintenance_target")]
pub async fn deregister_maintenance_target(
    window_id: String,
    window_target_id: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::maintenance::deregister_target_from_maintenance_window(
        &core,
        &actor,
        &window_id,
        &window_target_id,
        true,
    )
    .await?;
    Ok(())
}

/// The task form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskForm {
    pub window_id: String,
    /// Empty when registering.
    pub window_task_id: String,
    pub document: String,
    /// Name → text as typed (StringList and MapList: one value per line).
    pub parameters: BTreeMap<String, String>,
    /// When not empty, the parameters as JSON (`{"commands": ["…"]}`), instead of the
    /// fields.
    pub parameters_json: String,
    pub target_ids: Vec<String>,
    pub priority: String,
    pub max_concurrency: String,
    pub max_errors: String,
    pub cutoff_behavior: String,
    pub timeout_seconds: String,
    pub comment: String,
    pub name: String,
    pub description: String,
}

/// Registers (no `window_task_id`) or replaces a RUN_COMMAND task.
#[server(prefix = "/api", endpoint = "save_maintenance_task", input = leptos::server_fn::codec::Json)]
pub async fn save_maintenance_task(form: TaskForm) -> Result<(), AppError> {
    use bosun_core::maintenance::{
        register_task_with_maintenance_window, update_maintenance_window_task, RegisterTask,
        TaskSpec, UpdateTask,
    };
    let (core, actor) = crate::ssr::actor()?;
    let parameters: BTreeMap<String, Vec<String>> = if form.parameters_json.trim().is_empty() {
        let kinds = bosun_core::documents::describe_document(
            &core,
            &actor,
            &form.document,
            &bosun_core::documents::VersionSelector::default(),
        )
        .await?
        .parameters;
        let mut out = BTreeMap::new();
        for (name, text) in &form.parameters {
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
            out.insert(name.clone(), values);
        }
        out
    } else {
        serde_json::from_str(&form.parameters_json).map_err(|_| {
            AppError::invalid(
                "parameters_json",
                "The parameters are a JSON object of lists of strings: {\"commands\": [\"echo hi\"]}.",
            )
        })?
    };
    let priority = match form.priority.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .map_err(|_| AppError::invalid("priority", "The priority is a whole number."))?,
    };
    let timeout = match form.timeout_seconds.trim() {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| {
            AppError::invalid(
                "timeout_seconds",
                "The timeout is a whole number of seconds.",
            )
        })?),
    };
    let mut run_command = serde_json::Map::new();
    run_command.insert("Parameters".into(), serde_json::json!(parameters));
    if let Some(t) = timeout {
        run_command.insert("TimeoutSeconds".into(), serde_json::json!(t));
    }
    if let Some(c) = optional(&form.comment) {
        run_command.insert("Comment".into(), serde_json::json!(c));
    }
    let invocation = serde_json::json!({ "RunCommand": run_command });
    let targets = if form.target_ids.is_empty() {
        Vec::new()
    } else {
        vec![CommandTarget {
            key: "WindowTargetIds".into(),
            values: form.target_ids.clone(),
        }]
    };
    let cutoff_behavior = optional(&form.cutoff_behavior).unwrap_or_else(|| "CONTINUE_TASK".into());
    if form.window_task_id.is_empty() {
        register_task_with_maintenance_window(
            &core,
            &actor,
            RegisterTask {
                window_id: form.window_id.clone(),
                task_arn: form.document.clone(),
                task_type: "RUN_COMMAND".into(),
                priority: Some(priority),
                spec: TaskSpec {
                    targets,
                    invocation_parameters: Some(invocation),
                    max_concurrency: optional(&form.max_concurrency),
                    max_errors: optional(&form.max_errors),
                    name: optional(&form.name),
                    description: optional(&form.description),
                    cutoff_behavior,
                    ..Default::default()
                },
                client_token: None,
            },
        )
        .await?;
    } else {
        update_maintenance_window_task(
            &core,
            &actor,
            UpdateTask {
                window_id: form.window_id.clone(),
                window_task_id: form.window_task_id.clone(),
                replace: true,
                task_arn: Some(form.document.clone()),
                priority: Some(priority),
                targets: Some(targets),
                invocation_parameters: Some(invocation),
                max_concurrency: optional(&form.max_concurrency),
                max_errors: optional(&form.max_errors),
                name: optional(&form.name),
                description: optional(&form.description),
                cutoff_behavior: Some(cutoff_behavior),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "deregister_maintenance_task")]
pub async fn deregister_maintenance_task(
    window_id: String,
    window_task_id: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    bosun_core::maintenance::deregister_task_from_maintenance_window(
        &core,
        &actor,
        &window_id,
        &window_task_id,
    )
    .await?;
    Ok(())
}

/// `InstanceIds: mi-1, mi-2` / `tag:env = prod, test` / `tag-key: Patch Group`.
pub fn targets_text(targets: &[CommandTarget]) -> String {
    targets
        .iter()
        .map(|t| match t.key.strip_prefix("tag:") {
            Some(k) => format!("tag {k} = {}", t.values.join(", ")),
            None if t.key == "tag-key" => format!("tag key {}", t.values.join(", ")),
            None if t.key == "InstanceIds" => format!("nodes {}", t.values.join(", ")),
            None => format!("{}: {}", t.key, t.values.join(", ")),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Tasks (already in priority order) grouped by priority: a group's tasks run in
/// parallel, groups one after the other.
pub fn priority_groups(
    tasks: &[MaintenanceWindowTaskInfo],
) -> Vec<(i64, Vec<MaintenanceWindowTaskInfo>)> {
    let mut out: Vec<(i64, Vec<MaintenanceWindowTaskInfo>)> = Vec::new();
    for t in tasks {
        match out.last_mut() {
            Some((p, group)) if *p == t.priority => group.push(t.clone()),
            _ => out.push((t.priority, vec![t.clone()])),
        }
    }
    out
}

/// A task's targets in the window's words (registered targets by name).
fn task_targets_text(
    task: &MaintenanceWindowTaskInfo,
    targets: &[MaintenanceWindowTargetInfo],
) -> String {
    task.targets
        .iter()
        .map(|t| {
            if t.key == "WindowTargetIds" {
                t.values
                    .iter()
                    .map(|id| {
                        targets
                            .iter()
                            .find(|x| &x.window_target_id == id)
                            .and_then(|x| x.name.clone())
                            .unwrap_or_else(|| id.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                targets_text(std::slice::from_ref(t))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the editors read, created once with the page (resources made inside the
/// page's re-rendered sections would not hydrate).
#[derive(Clone, Copy)]
struct EditorData {
    nodes: Resource<Result<bosun_core::types::Page<bosun_core::types::ManagedNode>, AppError>>,
    documents: Resource<Result<bosun_core::types::Page<bosun_core::types::DocumentInfo>, AppError>>,
    /// The task form's document, and its parameters.
    document: RwSignal<String>,
    params: Resource<Result<Vec<DocumentParameterInfo>, AppError>>,
}

pub fn execution_href(window_id: &str, execution_id: &str) -> String {
    format!("/maintenance/{window_id}/executions/{execution_id}")
}

#[component]
pub fn MaintenanceWindowPage() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let enable = ServerAction::<SetMaintenanceWindowEnabled>::new();
    let delete = ServerAction::<DeleteMaintenanceWindow>::new();
    let save_target = ServerAction::<SaveMaintenanceTarget>::new();
    let deregister_target = ServerAction::<DeregisterMaintenanceTarget>::new();
    let save_task = ServerAction::<SaveMaintenanceTask>::new();
    let deregister_task = ServerAction::<DeregisterMaintenanceTask>::new();
    let cancel = ServerAction::<CancelMaintenanceExecution>::new();
    toast_action(enable, "Window updated.");
    toast_action(save_target, "Target saved.");
    toast_action(deregister_target, "Target deregistered.");
    toast_action(save_task, "Task saved.");
    toast_action(deregister_task, "Task deregistered.");
    toast_action(cancel, "Cancel requested.");
    let page = Resource::new(
        move || {
            (
                id(),
                enable.version().get(),
                save_target.version().get(),
                deregister_target.version().get(),
                save_task.version().get(),
                deregister_task.version().get(),
            )
        },
        |(id, ..)| maintenance_window_page(id),
    );
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        if let Ok(h) = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_millis(2000),
        ) {
            on_cleanup(move || h.clear());
        }
    }
    let executions = Resource::new(
        move || (id(), tick.get(), cancel.version().get()),
        |(id, ..)| maintenance_executions(id),
    );
    let viewer = use_viewer_zone();
    let document = RwSignal::new("AWS-RunShellScript".to_string());
    let editors = EditorData {
        nodes: Resource::new(
            || (),
            |_| {
                crate::pages::fleet::list_nodes(ListQuery {
                    per_page: 100,
                    ..Default::default()
                })
            },
        ),
        documents: Resource::new(
            || (),
            |_| {
                crate::pages::documents::list_documents(ListQuery {
                    per_page: 100,
                    ..Default::default()
                })
            },
        ),
        document,
        params: Resource::new(
            move || document.get(),
            crate::pages::commands::document_parameters,
        ),
    };
    let editing_target = RwSignal::new(None::<MaintenanceWindowTargetInfo>);
    let editing_task = RwSignal::new(None::<MaintenanceWindowTaskInfo>);
    Effect::new(move |_| {
        if let Some(Ok(())) = save_target.value().get() {
            editing_target.set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = save_task.value().get() {
            editing_task.set(None);
        }
    });
    let body = move || {
        page.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(data) => {
                let wid = data.window.window_id.clone();
                view! {
                    {summary_card(&data, operate, enable, viewer)}
                    {targets_card(&wid, &data.targets, operate, save_target, deregister_target, editing_target, editors)}
                    {tasks_card(&wid, &data.tasks, &data.targets, operate, save_task, deregister_task, editing_task, editors)}
                    {operate.then(|| delete_card(&wid, delete))}
                }
                .into_any()
            }
        })
    };

    let history = move || {
        let wid = id();
        executions.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-executions">"No executions yet."</p> }.into_any(),
            Ok(list) => view! {
                <div class="table-scroll">
                    <table aria-label="Executions">
                        <thead><tr><th scope="col">"Execution"</th><th scope="col">"Status"</th><th scope="col">"Started"</th><th scope="col">"Ended"</th><th scope="col">"Details"</th><th scope="col"></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|x| {
                                let open = matches!(x.status.as_str(), "PENDING" | "IN_PROGRESS");
                                let xid = x.window_execution_id.clone();
                                view! {
                                    <tr data-execution=x.window_execution_id.clone()>
                                        <td><a class="mono" href=execution_href(&wid, &x.window_execution_id)>{x.window_execution_id.clone()}</a></td>
                                        <td><span class=execution_badge(&x.status) data-testid="execution-status">{x.status.clone()}</span></td>
                                        <td>{datetime(Some(x.start_time))}</td>
                                        <td>{datetime(x.end_time)}</td>
                                        <td class="wrap">{x.status_details.clone()}</td>
                                        <td>{(operate && open).then(|| view! {
                                            <button type="button" class="btn btn-sm btn-danger" on:click=move |_| { cancel.dispatch(CancelMaintenanceExecution { window_execution_id: xid.clone() }); }>"Cancel"</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        })
    };

    view! {
        <PageHeader title="Maintenance window" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
        <section class="card" aria-labelledby="mw-history">
            <div class="card-header"><h2 class="card-title" id="mw-history">"Execution history"</h2></div>
            <div class="card-body">
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{history}</Transition>
            </div>
        </section>
        <p><a href="/maintenance">"All maintenance windows"</a>" · "<a href=move || window_href(&id())>"This window"</a></p>
    }
}

/// The window's details with Edit and Enable/Disable, and its next runs.
fn summary_card(
    data: &MaintenanceWindowView,
    operate: bool,
    enable: ServerAction<SetMaintenanceWindowEnabled>,
    viewer: ReadSignal<Option<String>>,
) -> AnyView {
    let w = data.window.clone();
    let wid = w.window_id.clone();
    let zone = zone_name(w.schedule_timezone.as_deref());
    let next_runs = if data.upcoming.is_empty() {
        view! { <p class="muted" data-testid="next-runs-none">"No run ahead (disabled, past its end date, or a spent at())."</p> }.into_any()
    } else {
        let z = zone.clone();
        view! {
            <ol class="plain-list" data-testid="next-runs">
                {data.upcoming.iter().map(|r| view! {
                    <li><span class="mono">{in_zone(r.at_ms, &z)}</span>
                        <span class="muted">" · you: "<ViewerTime ms=r.at_ms zone=viewer /></span></li>
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    let edit_href = format!("/maintenance/{wid}/edit");
    let toggle_to = !w.enabled;
    let state = if w.enabled {
        view! { <span class="badge badge-success" data-testid="window-state">"Enabled"</span> }
            .into_any()
    } else {
        view! { <span class="badge badge-muted" data-testid="window-state">"Disabled"</span> }
            .into_any()
    };
    let details = view! {
        <dl class="kv">
            <dt>"Window ID"</dt><dd class="mono" data-testid="window-id">{wid.clone()}</dd>
            <dt>"Description"</dt><dd class="wrap">{w.description.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Schedule"</dt><dd class="mono" data-testid="window-schedule">{w.schedule.clone()}</dd>
            <dt>"Time zone"</dt><dd>{zone.clone()}</dd>
            <dt>"Offset"</dt><dd>{w.schedule_offset.map(|o| format!("{o} days")).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Duration"</dt><dd>{duration_text(w.duration, w.cutoff)}</dd>
            <dt>"Active"</dt><dd>{format!("{} → {}", w.start_date.clone().unwrap_or_else(|| "now".into()), w.end_date.clone().unwrap_or_else(|| "no end".into()))}</dd>
            <dt>"Unregistered targets"</dt><dd>{if w.allow_unassociated_targets { "Allowed" } else { "Not allowed" }}</dd>
            <dt>"Modified"</dt><dd>{datetime(Some(w.modified_at))}</dd>
        </dl>
    }
    .into_any();
    let actions = operate.then(|| {
        view! {
            <div class="btn-row">
                <a class="btn" href=edit_href.clone()>"Edit"</a>
                <ActionForm action=enable attr:class="inline-form">
                    <input type="hidden" name="window_id" value=wid.clone() />
                    <input type="hidden" name="enabled" value=toggle_to.to_string() />
                    <button type="submit" class="btn">{if toggle_to { "Enable" } else { "Disable" }}</button>
                </ActionForm>
            </div>
        }
        .into_any()
    });
    view! {
        <section class="card" aria-labelledby="mw-summary">
            <div class="card-header">
                <h2 class="card-title" id="mw-summary" data-testid="window-name">{w.name.clone()}</h2>
                {state}
            </div>
            <div class="card-body">{details}{actions}</div>
        </section>
        <section class="card" aria-labelledby="mw-next">
            <div class="card-header"><h2 class="card-title" id="mw-next">"Next runs"</h2></div>
            <div class="card-body">{next_runs}</div>
        </section>
    }
    .into_any()
}

/// The registered targets, with the editor (operators).
#[allow(clippy::too_many_arguments)]
fn targets_card(
    wid: &str,
    targets: &[MaintenanceWindowTargetInfo],
    operate: bool,
    save: ServerAction<SaveMaintenanceTarget>,
    deregister: ServerAction<DeregisterMaintenanceTarget>,
    editing: RwSignal<Option<MaintenanceWindowTargetInfo>>,
    editors: EditorData,
) -> AnyView {
    let deregister_error = move || {
        deregister
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.message)
    };
    let table = if targets.is_empty() {
        view! { <p class="muted">"No targets registered."</p> }.into_any()
    } else {
        let rows = targets
            .iter()
            .map(|t| target_row(wid, t, operate, deregister, editing))
            .collect_view();
        view! {
            <div class="table-scroll">
                <table aria-label="Targets">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Selects"</th><th scope="col">"Description"</th><th scope="col">"Owner information"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let editor = operate.then(|| {
        let wid = wid.to_string();
        move || {
            let initial = editing.get();
            view! { <TargetEditor window_id=wid.clone() initial=initial save=save cancel=editing nodes=editors.nodes /> }.into_any()
        }
    });
    view! {
        <section class="card" aria-labelledby="mw-targets">
            <div class="card-header"><h2 class="card-title" id="mw-targets">"Targets"</h2></div>
            <div class="card-body">
                {move || deregister_error().map(|m| view! { <div class="alert alert-error" role="alert" data-testid="target-error">{m}</div> })}
                {table}
                {editor}
            </div>
        </section>
    }
    .into_any()
}

fn target_row(
    wid: &str,
    t: &MaintenanceWindowTargetInfo,
    operate: bool,
    deregister: ServerAction<DeregisterMaintenanceTarget>,
    editing: RwSignal<Option<MaintenanceWindowTargetInfo>>,
) -> AnyView {
    let t2 = t.clone();
    let (wid, tid) = (wid.to_string(), t.window_target_id.clone());
    let label = t.name.clone().unwrap_or_else(|| t.window_target_id.clone());
    let aria = format!("Deregister target {label}");
    let aria_edit = format!("Edit target {label}");
    let actions = operate.then(|| {
        view! {
            <div class="btn-row">
                <button type="button" class="btn btn-sm" aria-label=aria_edit on:click=move |_| editing.set(Some(t2.clone()))>"Edit"</button>
                <ActionForm action=deregister attr:class="inline-form">
                    <input type="hidden" name="window_id" value=wid.clone() />
                    <input type="hidden" name="window_target_id" value=tid.clone() />
                    <button type="submit" class="btn btn-sm" aria-label=aria>"Deregister"</button>
                </ActionForm>
            </div>
        }
        .into_any()
    });
    view! {
        <tr data-target=t.window_target_id.clone()>
            <td>{t.name.clone().unwrap_or_else(|| "—".into())}<div class="muted mono">{t.window_target_id.clone()}</div></td>
            <td class="wrap mono">{targets_text(&t.targets)}</td>
            <td class="wrap">{t.description.clone().unwrap_or_default()}</td>
            <td class="wrap">{t.owner_information.clone().unwrap_or_default()}</td>
            <td>{actions}</td>
        </tr>
    }
    .into_any()
}

/// The tasks in the order they run, grouped by priority, with the editor (operators).
#[allow(clippy::too_many_arguments)]
fn tasks_card(
    wid: &str,
    tasks: &[MaintenanceWindowTaskInfo],
    targets: &[MaintenanceWindowTargetInfo],
    operate: bool,
    save: ServerAction<SaveMaintenanceTask>,
    deregister: ServerAction<DeregisterMaintenanceTask>,
    editing: RwSignal<Option<MaintenanceWindowTaskInfo>>,
    editors: EditorData,
) -> AnyView {
    let table = if tasks.is_empty() {
        view! { <p class="muted">"No tasks registered."</p> }.into_any()
    } else {
        let rows = priority_groups(tasks)
            .into_iter()
            .map(|(priority, group)| {
                let head = if group.len() > 1 {
                    format!("Priority {priority} — these {} tasks run in parallel", group.len())
                } else {
                    format!("Priority {priority}")
                };
                let rows = group
                    .iter()
                    .map(|t| task_row(wid, t, targets, operate, deregister, editing, editors.document))
                    .collect_view();
                view! {
                    <tr class="group-row" data-testid="priority-group"><th scope="rowgroup" colspan="9">{head}</th></tr>
                    {rows}
                }
                .into_any()
            })
            .collect_view();
        view! {
            <p class="field-hint">"Tasks run by priority, lower first; tasks of the same priority run in parallel."</p>
            <div class="table-scroll">
                <table aria-label="Tasks">
                    <thead><tr>
                        <th scope="col" class="num">"Priority"</th><th scope="col">"Name"</th><th scope="col">"Document"</th>
                        <th scope="col">"Targets"</th><th scope="col">"Concurrency / errors"</th><th scope="col">"Cutoff"</th>
                        <th scope="col" class="num">"Timeout"</th><th scope="col">"Comment"</th><th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let editor = operate.then(|| {
        let wid = wid.to_string();
        let targets = targets.to_vec();
        move || {
            let initial = editing.get();
            view! { <TaskEditor window_id=wid.clone() targets=targets.clone() initial=initial save=save cancel=editing
                document=editors.document documents=editors.documents params=editors.params /> }.into_any()
        }
    });
    view! {
        <section class="card" aria-labelledby="mw-tasks">
            <div class="card-header"><h2 class="card-title" id="mw-tasks">"Tasks"</h2></div>
            <div class="card-body">{table}{editor}</div>
        </section>
    }
    .into_any()
}

#[allow(clippy::too_many_arguments)]
fn task_row(
    wid: &str,
    t: &MaintenanceWindowTaskInfo,
    targets: &[MaintenanceWindowTargetInfo],
    operate: bool,
    deregister: ServerAction<DeregisterMaintenanceTask>,
    editing: RwSignal<Option<MaintenanceWindowTaskInfo>>,
    document: RwSignal<String>,
) -> AnyView {
    let t2 = t.clone();
    let (wid, tid) = (wid.to_string(), t.window_task_id.clone());
    let label = t.name.clone().unwrap_or_else(|| t.document_name.clone());
    let aria = format!("Deregister task {label}");
    let aria_edit = format!("Edit task {label}");
    let params = serde_json::to_string(&t.parameters).unwrap_or_default();
    let rate = format!(
        "{} / {}",
        t.max_concurrency.clone().unwrap_or_else(|| "—".into()),
        t.max_errors.clone().unwrap_or_else(|| "—".into())
    );
    let timeout = t
        .timeout_seconds
        .map(|s| format!("{s} s"))
        .unwrap_or_else(|| "—".into());
    let actions = operate.then(|| {
        view! {
            <div class="btn-row">
                <button type="button" class="btn btn-sm" aria-label=aria_edit on:click=move |_| {
                    document.set(t2.document_name.clone());
                    editing.set(Some(t2.clone()));
                }>"Edit"</button>
                <ActionForm action=deregister attr:class="inline-form">
                    <input type="hidden" name="window_id" value=wid.clone() />
                    <input type="hidden" name="window_task_id" value=tid.clone() />
                    <button type="submit" class="btn btn-sm" aria-label=aria>"Deregister"</button>
                </ActionForm>
            </div>
        }
        .into_any()
    });
    view! {
        <tr data-task=t.window_task_id.clone() data-priority=t.priority.to_string()>
            <td class="num">{t.priority}</td>
            <td>{t.name.clone().unwrap_or_else(|| "—".into())}<div class="muted mono">{t.window_task_id.clone()}</div></td>
            <td>{t.document_name.clone()}<div class="muted mono wrap">{params}</div></td>
            <td class="wrap">{task_targets_text(t, targets)}</td>
            <td>{rate}</td>
            <td class="mono">{t.cutoff_behavior.clone()}</td>
            <td class="num">{timeout}</td>
            <td class="wrap">{t.comment.clone().unwrap_or_default()}</td>
            <td>{actions}</td>
        </tr>
    }
    .into_any()
}

fn delete_card(wid: &str, delete: ServerAction<DeleteMaintenanceWindow>) -> AnyView {
    let delete_error = move || {
        delete
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.message)
    };
    let wid = wid.to_string();
    view! {
        <section class="card danger-zone" aria-labelledby="mw-delete">
            <div class="card-header"><h2 class="card-title" id="mw-delete">"Delete"</h2></div>
            <div class="card-body">
                <p>"Deletes this window with its targets, tasks and tags."</p>
                {move || delete_error().map(|m| view! { <div class="alert alert-error" role="alert">{m}</div> })}
                <TwoStep ask="Delete…">
                    <ActionForm action=delete attr:class="inline-form">
                        <input type="hidden" name="window_id" value=wid.clone() />
                        <button type="submit" class="btn btn-danger">"Confirm: delete this window"</button>
                    </ActionForm>
                </TwoStep>
            </div>
        </section>
    }
    .into_any()
}

/// Registers a target, or edits `initial`.
#[component]
fn TargetEditor(
    window_id: String,
    initial: Option<MaintenanceWindowTargetInfo>,
    save: ServerAction<SaveMaintenanceTarget>,
    cancel: RwSignal<Option<MaintenanceWindowTargetInfo>>,
    nodes: Resource<Result<bosun_core::types::Page<bosun_core::types::ManagedNode>, AppError>>,
) -> impl IntoView {
    let editing = initial.is_some();
    let first = initial.as_ref().and_then(|t| t.targets.first().cloned());
    let (mode0, nodes0, key0, value0) = match &first {
        Some(t) if t.key == "InstanceIds" => {
            ("nodes", t.values.clone(), String::new(), String::new())
        }
        Some(t) if t.key == "tag-key" => ("tag-key", Vec::new(), t.values.join(","), String::new()),
        Some(t) => (
            "tag",
            Vec::new(),
            t.key.trim_start_matches("tag:").to_string(),
            t.values.join(","),
        ),
        None => ("nodes", Vec::new(), String::new(), String::new()),
    };
    let mode = RwSignal::new(mode0.to_string());
    let selected = RwSignal::new(nodes0.into_iter().collect::<BTreeSet<String>>());
    let tag_key = RwSignal::new(key0);
    let tag_value = RwSignal::new(value0);
    let name = RwSignal::new(
        initial
            .as_ref()
            .and_then(|t| t.name.clone())
            .unwrap_or_default(),
    );
    let description = RwSignal::new(
        initial
            .as_ref()
            .and_then(|t| t.description.clone())
            .unwrap_or_default(),
    );
    let owner = RwSignal::new(
        initial
            .as_ref()
            .and_then(|t| t.owner_information.clone())
            .unwrap_or_default(),
    );
    let target_id = initial
        .as_ref()
        .map(|t| t.window_target_id.clone())
        .unwrap_or_default();
    let error = move || save.value().get().and_then(|r| r.err()).map(|e| e.message);
    let form = StoredValue::new(move || TargetForm {
        window_id: window_id.clone(),
        window_target_id: target_id.clone(),
        mode: mode.get(),
        node_ids: selected.get().into_iter().collect(),
        tag_key: tag_key.get(),
        tag_value: tag_value.get(),
        name: name.get(),
        description: description.get(),
        owner_information: owner.get(),
    });
    let radio = move |value: &'static str, label: &'static str| {
        view! {
            <label><input type="radio" name="target-mode" value=value checked=mode.get_untracked() == value
                on:change=move |_| mode.set(value.to_string()) />" "{label}</label>
        }
    };
    let target_head = view! {
            <h3 class="section-title">{if editing { "Edit target" } else { "Register a target" }}</h3>
            {move || error().map(|m| view! { <div class="alert alert-error" role="alert" data-testid="target-save-error">{m}</div> })}
            <div class="field radio-row" role="radiogroup" aria-label="Select nodes">
                {radio("nodes", "By node")}
                {radio("tag", "By tag")}
                {radio("tag-key", "By tag key")}
            </div>
    }
    .into_any();
    let target_nodes = view! {
            <div hidden=move || mode.get() != "nodes">
                <Suspense fallback=|| view! { <p class="muted">"Loading nodes…"</p> }>
                    {move || nodes.get().map(|r| r.map(|page| view! {
                        <ul class="checklist" aria-label="Nodes">
                            {page.items.into_iter().map(|n| {
                                let id = n.instance_id.clone();
                                let id2 = id.clone();
                                let on0 = selected.with_untracked(|s| s.contains(&id));
                                let label = format!("{} ({}, {})", n.name, n.instance_id, n.ping_status);
                                view! {
                                    <li><label><input type="checkbox" data-node=id.clone() checked=on0
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
            <div class="field-row" hidden=move || mode.get() == "nodes">
                <div class="field"><label for="target-tag-key">"Tag key"</label>
                    <input id="target-tag-key" type="text" autocomplete="off" prop:value=tag_key on:input=move |ev| tag_key.set(event_target_value(&ev)) /></div>
                <div class="field" hidden=move || mode.get() != "tag"><label for="target-tag-value">"Tag values (comma-separated)"</label>
                    <input id="target-tag-value" type="text" autocomplete="off" prop:value=tag_value on:input=move |ev| tag_value.set(event_target_value(&ev)) /></div>
            </div>
    }
    .into_any();
    let target_rest = view! {
            <div class="field-row">
                <div class="field"><label for="target-name">"Target name (optional)"</label>
                    <input id="target-name" type="text" autocomplete="off" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) /></div>
                <div class="field"><label for="target-description">"Target description"</label>
                    <input id="target-description" type="text" autocomplete="off" prop:value=description on:input=move |ev| description.set(event_target_value(&ev)) /></div>
                <div class="field"><label for="target-owner">"Owner information"</label>
                    <input id="target-owner" type="text" autocomplete="off" prop:value=owner on:input=move |ev| owner.set(event_target_value(&ev)) /></div>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>{if editing { "Save target" } else { "Register target" }}</button>
                {editing.then(|| view! { <button type="button" class="btn" on:click=move |_| cancel.set(None)>"Cancel"</button> })}
            </div>
    }
    .into_any();
    view! {
        <form class="form form-wide" aria-label=if editing { "Edit target" } else { "Register a target" } on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SaveMaintenanceTarget { form: form.with_value(|f| f()) });
        }>
            {target_head}
            {target_nodes}
            {target_rest}
        </form>
    }
}

/// Registers a RUN_COMMAND task, or edits `initial`.
#[component]
fn TaskEditor(
    window_id: String,
    targets: Vec<MaintenanceWindowTargetInfo>,
    initial: Option<MaintenanceWindowTaskInfo>,
    save: ServerAction<SaveMaintenanceTask>,
    cancel: RwSignal<Option<MaintenanceWindowTaskInfo>>,
    document: RwSignal<String>,
    documents: Resource<Result<bosun_core::types::Page<bosun_core::types::DocumentInfo>, AppError>>,
    params: Resource<Result<Vec<DocumentParameterInfo>, AppError>>,
) -> impl IntoView {
    let editing = initial.is_some();
    let i = initial.clone();
    let values = RwSignal::new(
        i.as_ref()
            .map(|t| {
                t.parameters
                    .iter()
                    .map(|(k, v)| (k.clone(), v.join("\n")))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default(),
    );
    let json = RwSignal::new(String::new());
    let chosen = RwSignal::new(
        i.as_ref()
            .map(|t| {
                t.targets
                    .iter()
                    .filter(|x| x.key == "WindowTargetIds")
                    .flat_map(|x| x.values.clone())
                    .collect::<BTreeSet<String>>()
            })
            .unwrap_or_default(),
    );
    let priority = RwSignal::new(
        i.as_ref()
            .map(|t| t.priority.to_string())
            .unwrap_or_else(|| "1".into()),
    );
    let max_concurrency = RwSignal::new(
        i.as_ref()
            .and_then(|t| t.max_concurrency.clone())
            .unwrap_or_else(|| "50".into()),
    );
    let max_errors = RwSignal::new(
        i.as_ref()
            .and_then(|t| t.max_errors.clone())
            .unwrap_or_else(|| "0".into()),
    );
    let cutoff_behavior = RwSignal::new(
        i.as_ref()
            .map(|t| t.cutoff_behavior.clone())
            .unwrap_or_else(|| "CONTINUE_TASK".into()),
    );
    let timeout = RwSignal::new(
        i.as_ref()
            .and_then(|t| t.timeout_seconds)
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let comment = RwSignal::new(
        i.as_ref()
            .and_then(|t| t.comment.clone())
            .unwrap_or_default(),
    );
    let name = RwSignal::new(i.as_ref().and_then(|t| t.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        i.as_ref()
            .and_then(|t| t.description.clone())
            .unwrap_or_default(),
    );
    let task_id = i
        .as_ref()
        .map(|t| t.window_task_id.clone())
        .unwrap_or_default();

    let error = move || save.value().get().and_then(|r| r.err());
    let form = StoredValue::new(move || TaskForm {
        window_id: window_id.clone(),
        window_task_id: task_id.clone(),
        document: document.get(),
        parameters: values.get(),
        parameters_json: json.get(),
        target_ids: chosen.get().into_iter().collect(),
        priority: priority.get(),
        max_concurrency: max_concurrency.get(),
        max_errors: max_errors.get(),
        cutoff_behavior: cutoff_behavior.get(),
        timeout_seconds: timeout.get(),
        comment: comment.get(),
        name: name.get(),
        description: description.get(),
    });

    let param_inputs = move || {
        params.get().map(|r| match r {
            Err(e) => {
                view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any()
            }
            Ok(list) => list
                .into_iter()
                .map(|p| param_input(p, values))
                .collect_view()
                .into_any(),
        })
    };
    let target_list = if targets.is_empty() {
        view! { <p class="muted">"Register a target first: a task runs on the window's registered targets."</p> }.into_any()
    } else {
        view! {
            <ul class="checklist" aria-label="Window targets">
                {targets.into_iter().map(|t| {
                    let id = t.window_target_id.clone();
                    let id2 = id.clone();
                    let on0 = chosen.with_untracked(|s| s.contains(&id));
                    let label = format!("{} ({})", t.name.clone().unwrap_or_else(|| t.window_target_id.clone()), targets_text(&t.targets));
                    view! {
                        <li><label><input type="checkbox" data-window-target=id.clone() checked=on0
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|s| { if on { s.insert(id2.clone()); } else { s.remove(&id2); } });
                            } />" "{label}</label></li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let field_error = move |field: &'static str| move || error().and_then(|e| e.for_field(field));
    let text = move |id: &'static str, label: &'static str, sig: RwSignal<String>| {
        view! {
            <div class="field"><label for=id>{label}</label>
                <input id=id type="text" autocomplete="off" prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev)) /></div>
        }
    };
    let task_head = view! {
            <h3 class="section-title">{if editing { "Edit task" } else { "Register a Run Command task" }}</h3>
            {move || error().map(|e| view! { <div class="alert alert-error" role="alert" data-testid="task-save-error">{e.message}</div> })}
            <div class="field">
                <label for="task-document">"Document"</label>
                <select id="task-document" on:change=move |ev| { values.set(BTreeMap::new()); document.set(event_target_value(&ev)); }>
                    <Suspense fallback=move || view! { <option>{document.get_untracked()}</option> }>
                        {move || documents.get().map(|r| r.map(|page| page.items.into_iter().map(|d| {
                            let sel = d.name == document.get_untracked();
                            view! { <option value=d.name.clone() selected=sel>{d.name.clone()}</option> }
                        }).collect_view()))}
                    </Suspense>
                </select>
                <p class="field-error" role="alert">{field_error("task_arn")}</p>
            </div>
    }
    .into_any();
    let task_inputs = view! {
            <fieldset class="fieldset">
                <legend>"Parameters"</legend>
                <Suspense fallback=|| view! { <p class="muted">"Loading parameters…"</p> }>{param_inputs}</Suspense>
                <details>
                    <summary>"Parameters as JSON"</summary>
                    <div class="field">
                        <label for="task-parameters-json">"JSON (used instead of the fields when not empty)"</label>
                        <textarea id="task-parameters-json" class="code-input" rows="4" spellcheck="false" placeholder="{\"commands\": [\"echo hello\"]}"
                            prop:value=json on:input=move |ev| json.set(event_target_value(&ev))></textarea>
                        <p class="field-error" role="alert">{field_error("parameters_json")}</p>
                    </div>
                </details>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Targets"</legend>
                {target_list}
                <p class="field-error" role="alert">{field_error("targets")}</p>
            </fieldset>
    }
    .into_any();
    let task_rest = view! {
            <div class="field-row">
                <div class="field"><label for="task-priority">"Priority"</label>
                    <input id="task-priority" type="number" min="0" prop:value=priority on:input=move |ev| priority.set(event_target_value(&ev)) />
                    <p class="field-hint">"Lower runs first; equal priorities run in parallel."</p>
                    <p class="field-error" role="alert">{field_error("priority")}</p></div>
                <div class="field"><label for="task-concurrency">"Max concurrency"</label>
                    <input id="task-concurrency" type="text" prop:value=max_concurrency on:input=move |ev| max_concurrency.set(event_target_value(&ev)) />
                    <p class="field-error" role="alert">{field_error("max_concurrency")}</p></div>
                <div class="field"><label for="task-errors">"Max errors"</label>
                    <input id="task-errors" type="text" prop:value=max_errors on:input=move |ev| max_errors.set(event_target_value(&ev)) />
                    <p class="field-error" role="alert">{field_error("max_errors")}</p></div>
                <div class="field"><label for="task-cutoff">"At the cutoff"</label>
                    <select id="task-cutoff" on:change=move |ev| cutoff_behavior.set(event_target_value(&ev))>
                        <option value="CONTINUE_TASK" selected=cutoff_behavior.get_untracked() == "CONTINUE_TASK">"Let the task finish (CONTINUE_TASK)"</option>
                        <option value="CANCEL_TASK" selected=cutoff_behavior.get_untracked() == "CANCEL_TASK">"Cancel the task (CANCEL_TASK)"</option>
                    </select></div>
                <div class="field"><label for="task-timeout">"Timeout (seconds)"</label>
                    <input id="task-timeout" type="number" min="30" max="2592000" placeholder="3600" prop:value=timeout on:input=move |ev| timeout.set(event_target_value(&ev)) />
                    <p class="field-error" role="alert">{field_error("timeout_seconds")}</p></div>
            </div>
            <div class="field-row">
                {text("task-comment", "Comment", comment)}
                {text("task-name", "Task name (optional)", name)}
                {text("task-description", "Task description", description)}
            </div>
            <p class="field-error" role="alert">{field_error("name")}</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>{if editing { "Save task" } else { "Register task" }}</button>
                {editing.then(|| view! { <button type="button" class="btn" on:click=move |_| cancel.set(None)>"Cancel"</button> })}
            </div>
    }
    .into_any();
    view! {
        <form class="form form-wide" aria-label=if editing { "Edit task" } else { "Register a task" } on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SaveMaintenanceTask { form: form.with_value(|f| f()) });
        }>
            {task_head}
            {task_inputs}
            {task_rest}
        </form>
    }
}

/// One document parameter as a form field (lists: one value per line).
fn param_input(p: DocumentParameterInfo, values: RwSignal<BTreeMap<String, String>>) -> AnyView {
    let name = p.name.clone();
    let id = format!("task-param-{}", p.name);
    let multi = matches!(p.kind.as_str(), "StringList" | "MapList");
    let current = values
        .with_untracked(|m| m.get(&name).cloned())
        .unwrap_or_default();
    let default = p.default_value.clone().unwrap_or_default();
    let n = name.clone();
    let input = if multi {
        view! {
            <textarea id=id.clone() class="code-input" rows="4" spellcheck="false" data-param=name.clone() placeholder=default
                prop:value=current
                on:input=move |ev| { let v = event_target_value(&ev); values.update(|m| { m.insert(n.clone(), v); }); }></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() type="text" autocomplete="off" data-param=name.clone() placeholder=default prop:value=current
                on:input=move |ev| { let v = event_target_value(&ev); values.update(|m| { m.insert(n.clone(), v); }); } />
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
            <p class="field-hint">{hint}</p>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, priority: i64) -> MaintenanceWindowTaskInfo {
        MaintenanceWindowTaskInfo {
            window_task_id: id.into(),
            task_type: "RUN_COMMAND".into(),
            document_name: "AWS-RunShellScript".into(),
            priority,
            name: None,
            description: None,
            targets: Vec::new(),
            max_concurrency: None,
            max_errors: None,
            cutoff_behavior: "CONTINUE_TASK".into(),
            parameters: BTreeMap::new(),
            timeout_seconds: None,
            comment: None,
        }
    }

    #[test]
    fn equal_priorities_form_one_parallel_group() {
        let tasks = vec![task("a", 0), task("b", 1), task("c", 1), task("d", 5)];
        let groups: Vec<(i64, Vec<String>)> = priority_groups(&tasks)
            .into_iter()
            .map(|(p, g)| (p, g.into_iter().map(|t| t.window_task_id).collect()))
            .collect();
        assert_eq!(
            groups,
            vec![
                (0, vec!["a".to_string()]),
                (1, vec!["b".to_string(), "c".to_string()]),
                (5, vec!["d".to_string()]),
            ]
        );
    }

    #[test]
    fn target_forms_make_aws_targets() {
        let mut f = TargetForm {
            mode: "nodes".into(),
            node_ids: vec!["mi-1".into()],
            ..Default::default()
        };
        assert_eq!(targets_text(&targets_of_form(&f)), "nodes mi-1");
        f.mode = "tag".into();
        f.tag_key = "env".into();
        f.tag_value = "prod, test".into();
        let t = targets_of_form(&f);
        assert_eq!(t[0].key, "tag:env");
        assert_eq!(t[0].values, ["prod", "test"]);
        f.mode = "tag-key".into();
        assert_eq!(targets_text(&targets_of_form(&f)), "tag key env");
    }
}
