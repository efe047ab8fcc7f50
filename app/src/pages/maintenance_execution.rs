//! One execution of a maintenance window (`/maintenance/:id/executions/:exec`): its
//! status, its tasks in priority order and each task's invocations — one per node, each
//! a Run Command command whose page (`/commands/<id>`) streams its output. Refreshed
//! while the page is open; Cancel for a running execution (operators). Same services as
//! `GetMaintenanceWindowExecution`, `DescribeMaintenanceWindowExecutionTasks`,
//! `DescribeMaintenanceWindowExecutionTaskInvocations` and
//! `CancelMaintenanceWindowExecution`.

use crate::components::format::datetime;
use crate::components::layout::{can_operate, PageHeader};
use crate::components::toast::toast_action;
use crate::error::AppError;
use crate::pages::commands::command_badge;
use crate::pages::maintenance::{execution_badge, window_href};
use crate::pages::maintenance_window::CancelMaintenanceExecution;
use bosun_core::types::MaintenanceExecutionDetail;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[server(prefix = "/api", endpoint = "maintenance_execution_detail")]
pub async fn read_maintenance_execution(
    window_id: String,
    window_execution_id: String,
) -> Result<MaintenanceExecutionDetail, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::maintenance::console::execution_detail(
        &core,
        &actor,
        &window_id,
        &window_execution_id,
    )
    .await?)
}

/// An invocation's status reads like Run Command's (`Success`), whatever its case.
fn invocation_badge(status: &str) -> &'static str {
    match status {
        "SUCCESS" => command_badge("Success"),
        "FAILED" | "TIMED_OUT" => command_badge("Failed"),
        "CANCELLED" | "CANCELLING" => command_badge("Cancelled"),
        other => command_badge(other),
    }
}

#[component]
pub fn MaintenanceExecutionPage() -> impl IntoView {
    let operate = can_operate();
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            (
                p.get("id").unwrap_or_default(),
                p.get("exec").unwrap_or_default(),
            )
        })
    };
    let cancel = ServerAction::<CancelMaintenanceExecution>::new();
    toast_action(cancel, "Cancel requested.");
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
    let detail = Resource::new(
        move || (ids(), tick.get(), cancel.version().get()),
        |((wid, xid), ..)| read_maintenance_execution(wid, xid),
    );

    let body = move || {
        detail.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(d) => {
                let x = d.execution.clone();
                let open = matches!(x.status.as_str(), "PENDING" | "IN_PROGRESS");
                let xid = x.window_execution_id.clone();
                let tasks = if d.tasks.is_empty() {
                    view! { <p class="muted">"No task ran in this execution."</p> }.into_any()
                } else {
                    d.tasks
                        .into_iter()
                        .map(|t| {
                            let rows = if t.invocations.is_empty() {
                                view! { <tr><td colspan="6" class="muted">"No invocation yet."</td></tr> }.into_any()
                            } else {
                                t.invocations
                                    .into_iter()
                                    .map(|i| {
                                        let command = match &i.command_id {
                                            Some(c) => view! { <a class="mono" href=format!("/commands/{c}") data-testid="command-link">{c.clone()}</a> }.into_any(),
                                            None => view! { <span class="muted">"Not sent yet"</span> }.into_any(),
                                        };
                                        view! {
                                            <tr data-node=i.resource_id.clone()>
                                                <td class="mono">{i.resource_id.clone()}</td>
                                                <td><span class=invocation_badge(&i.status) data-testid="invocation-status">{i.status.clone()}</span></td>
                                                <td>{command}</td>
                                                <td>{datetime(i.start_time)}</td>
                                                <td>{datetime(i.end_time)}</td>
                                                <td class="wrap">{i.status_details.clone()}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()
                                    .into_any()
                            };
                            let title = format!("Priority {}: {}", t.priority, t.document_name);
                            view! {
                                <section class="card" data-task-execution=t.task_execution_id.clone()>
                                    <div class="card-header">
                                        <h2 class="card-title">{title}</h2>
                                        <span class=execution_badge(&t.status) data-testid="task-status">{t.status.clone()}</span>
                                    </div>
                                    <div class="card-body">
                                        <p class="muted">{format!("Task execution {} — {}", t.task_execution_id, t.status_details)}</p>
                                        <div class="table-scroll">
                                            <table aria-label="Invocations">
                                                <thead><tr><th scope="col">"Node"</th><th scope="col">"Status"</th><th scope="col">"Command"</th><th scope="col">"Started"</th><th scope="col">"Ended"</th><th scope="col">"Details"</th></tr></thead>
                                                <tbody>{rows}</tbody>
                                            </table>
                                        </div>
                                    </div>
                                </section>
                            }
                        })
                        .collect_view()
                        .into_any()
                };
                view! {
                    <section class="card" aria-labelledby="mx-summary">
                        <div class="card-header">
                            <h2 class="card-title" id="mx-summary">
                                <a href=window_href(&x.window_id)>{d.window_name.clone()}</a>
                            </h2>
                            <span class=execution_badge(&x.status) data-testid="execution-status">{x.status.clone()}</span>
                        </div>
                        <div class="card-body">
                            <dl class="kv">
                                <dt>"Execution ID"</dt><dd class="mono">{x.window_execution_id.clone()}</dd>
                                <dt>"Scheduled"</dt><dd>{datetime(Some(x.scheduled_at))}</dd>
                                <dt>"Started"</dt><dd>{datetime(Some(x.start_time))}</dd>
                                <dt>"Ended"</dt><dd>{datetime(x.end_time)}</dd>
                                <dt>"Details"</dt><dd class="wrap" data-testid="execution-details">{x.status_details.clone()}</dd>
                            </dl>
                            {(operate && open).then(|| view! {
                                <button type="button" class="btn btn-danger" data-testid="cancel-execution"
                                    on:click=move |_| { cancel.dispatch(CancelMaintenanceExecution { window_execution_id: xid.clone() }); }>"Cancel execution"</button>
                            })}
                        </div>
                    </section>
                    {tasks}
                }
                .into_any()
            }
        })
    };
    view! {
        <PageHeader title="Maintenance window execution" subtitle="Its tasks by priority and each node's Run Command command." />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
    }
}
