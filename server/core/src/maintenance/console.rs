//! The console's reads of maintenance windows: the list with each window's next run as
//! an instant, the upcoming-runs calendar across every window, a window's page (its
//! targets, its tasks in priority order, its next runs) and an execution's drill-down
//! to the Run Command commands it sent. Every read goes through the service functions
//! the AWS API uses (their role checks included); this module only gathers their pages
//! and maps them to the shared types of `crate::types`.

use super::service::{self, Filter, TaskInfo, WindowInfo};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::{
    MaintenanceCalendar, MaintenanceCalendarDay, MaintenanceExecutionDetail,
    MaintenanceExecutionInfo, MaintenanceExecutionTaskInfo, MaintenanceInvocationInfo,
    MaintenanceWindowRun, MaintenanceWindowSummary, MaintenanceWindowTargetInfo,
    MaintenanceWindowTaskInfo, MaintenanceWindowView,
};
use crate::Core;
use bosun_schedule::{ScheduleZone, Timestamp};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// How many executions the window's page lists (newest first).
const EXECUTIONS_SHOWN: i64 = 50;

/// The console's view of a window.
pub fn summary_of(w: &WindowInfo) -> MaintenanceWindowSummary {
    MaintenanceWindowSummary {
        window_id: w.window_id.clone(),
        name: w.spec.name.clone(),
        description: w.spec.description.clone(),
        enabled: w.enabled,
        schedule: w.spec.schedule.clone(),
        schedule_timezone: w.spec.schedule_timezone.clone(),
        schedule_offset: w.spec.schedule_offset,
        duration: w.spec.duration,
        cutoff: w.spec.cutoff,
        start_date: w.spec.start_date.clone(),
        end_date: w.spec.end_date.clone(),
        allow_unassociated_targets: w.spec.allow_unassociated_targets,
        next_execution_at: w
            .next_execution_time
            .as_deref()
            .and_then(|t| bosun_schedule::parse_date("NextExecutionTime", t).ok())
            .map(|ts| ts.as_millisecond()),
        next_execution_time: w.next_execution_time.clone(),
        schedule_anchor: w.schedule_anchor,
        created_at: w.created_date,
        modified_at: w.modified_date,
    }
}

/// A task with its Run Command parameters unpacked (a stored task always passed the
/// service's validation; should one not parse, it shows without parameters).
pub fn task_of(t: &TaskInfo) -> MaintenanceWindowTaskInfo {
    let rc = service::run_command_parameters(&t.spec)
        .ok()
        .flatten()
        .unwrap_or_default();
    MaintenanceWindowTaskInfo {
        window_task_id: t.window_task_id.clone(),
        task_type: t.task_type.clone(),
        document_name: service::document_name_of(&t.task_arn).to_string(),
        priority: t.priority,
        name: t.spec.name.clone(),
        description: t.spec.description.clone(),
        targets: t.spec.targets.clone(),
        max_concurrency: t.spec.max_concurrency.clone(),
        max_errors: t.spec.max_errors.clone(),
        cutoff_behavior: t.spec.cutoff_behavior.clone(),
        parameters: rc.parameters,
        timeout_seconds: rc.timeout_seconds,
        comment: rc.comment,
    }
}

/// Tasks in the order an execution runs them: lower priority first; equal priorities
/// run in parallel and keep a stable order by id.
pub fn in_priority_order(tasks: &mut [MaintenanceWindowTaskInfo]) {
    tasks.sort_by(|a, b| (a.priority, &a.window_task_id).cmp(&(b.priority, &b.window_task_id)));
}

/// Cuts `runs` into `days` consecutive days of `zone`, starting with the day `now_ms`
/// falls in; runs outside those days are dropped, a day keeps at most
/// [`MaintenanceCalendar::MAX_RUNS_PER_DAY`] runs and counts the rest.
pub fn bucket_runs(
    mut runs: Vec<MaintenanceWindowRun>,
    zone: &ScheduleZone,
    now_ms: i64,
    days: usize,
) -> Vec<MaintenanceCalendarDay> {
    let tz = zone.time_zone();
    let date_of = |ms: i64| {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|ts| tz.to_datetime(ts).date())
    };
    let mut out = Vec::with_capacity(days);
    let mut dates = Vec::with_capacity(days);
    let mut date = date_of(now_ms);
    for _ in 0..days {
        let Some(d) = date else { break };
        out.push(MaintenanceCalendarDay {
            date: d.to_string(),
            weekday: d.strftime("%a").to_string(),
            runs: Vec::new(),
            more: 0,
        });
        dates.push(d);
        date = d.tomorrow().ok();
    }
    runs.sort_by(|a, b| (a.at_ms, &a.window_name).cmp(&(b.at_ms, &b.window_name)));
    for run in runs {
        let Some(d) = date_of(run.at_ms) else {
            continue;
        };
        if let Some(i) = dates.iter().position(|x| *x == d) {
            let day = &mut out[i];
            if day.runs.len() < MaintenanceCalendar::MAX_RUNS_PER_DAY {
                day.runs.push(run);
            } else {
                day.more += 1;
            }
        }
    }
    out
}

fn iso(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_string()
}

/// Every window, by name (DescribeMaintenanceWindows, page after page).
pub async fn list_windows(
    core: &Core,
    actor: &Actor,
) -> ServiceResult<Vec<MaintenanceWindowSummary>> {
    let windows = all_pages(|token| async move {
        service::describe_maintenance_windows(core, actor, &[], Some(100), token.as_deref()).await
    })
    .await?;
    Ok(windows.iter().map(summary_of).collect())
}

/// Every page of a Describe operation: `page` is called with each NextToken in turn.
async fn all_pages<T, F, Fut>(mut page: F) -> ServiceResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = ServiceResult<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token.take()).await?;
        out.extend(items);
        match next {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// The runs of one window from now up to `before_ms` (DescribeMaintenanceWindowSchedule).
async fn runs_of(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    before_ms: Option<i64>,
    max: i64,
) -> ServiceResult<Vec<MaintenanceWindowRun>> {
    let filters: Vec<Filter> = before_ms
        .map(|b| Filter {
            key: "ScheduledBefore".into(),
            values: vec![iso(b)],
        })
        .into_iter()
        .collect();
    let (runs, _) = service::describe_maintenance_window_schedule(
        core,
        actor,
        Some(window_id),
        &[],
        None,
        &filters,
        Some(max),
        None,
    )
    .await?;
    Ok(runs
        .into_iter()
        .map(|r| MaintenanceWindowRun {
            window_id: r.window_id,
            window_name: r.name,
            execution_time: r.execution_time,
            at_ms: r.at_ms,
        })
        .collect())
}

/// The calendar of the next [`MaintenanceCalendar::DAYS`] days across every enabled
/// window, cut into days of `zone` (the viewer's; UTC when none or not a known zone).
pub async fn calendar(
    core: &Core,
    actor: &Actor,
    zone: Option<&str>,
) -> ServiceResult<MaintenanceCalendar> {
    let zone = zone
        .and_then(|z| ScheduleZone::parse(z).ok())
        .unwrap_or_else(ScheduleZone::utc);
    let now = core.now_ms();
    let days = MaintenanceCalendar::DAYS;
    let before = now + (days as i64 + 1) * DAY_MS;
    let mut runs = Vec::new();
    for w in list_windows(core, actor)
        .await?
        .iter()
        .filter(|w| w.enabled)
    {
        runs.extend(runs_of(core, actor, &w.window_id, Some(before), 1000).await?);
    }
    Ok(MaintenanceCalendar {
        zone: zone.name().to_string(),
        days: bucket_runs(runs, &zone, now, days),
    })
}

/// A window's page: the window, its targets, its tasks in priority order, its next five
/// runs.
pub async fn window_view(
    core: &Core,
    actor: &Actor,
    window_id: &str,
) -> ServiceResult<MaintenanceWindowView> {
    let window = summary_of(&service::get_maintenance_window(core, actor, window_id).await?);
    let targets = all_pages(|token| async move {
        service::describe_maintenance_window_targets(
            core,
            actor,
            window_id,
            &[],
            Some(100),
            token.as_deref(),
        )
        .await
    })
    .await?
    .into_iter()
    .map(|t| MaintenanceWindowTargetInfo {
        window_target_id: t.window_target_id,
        targets: t.targets,
        name: t.name,
        description: t.description,
        owner_information: t.owner_information,
    })
    .collect();
    let mut tasks: Vec<_> = all_pages(|token| async move {
        service::describe_maintenance_window_tasks(
            core,
            actor,
            window_id,
            &[],
            Some(100),
            token.as_deref(),
        )
        .await
    })
    .await?
    .iter()
    .map(task_of)
    .collect();
    in_priority_order(&mut tasks);
    let upcoming = runs_of(core, actor, window_id, None, 5).await?;
    Ok(MaintenanceWindowView {
        window,
        targets,
        tasks,
        upcoming,
        now_ms: core.now_ms(),
    })
}

fn execution_of(x: &service::ExecutionRow) -> MaintenanceExecutionInfo {
    MaintenanceExecutionInfo {
        window_execution_id: x.window_execution_id.clone(),
        window_id: x.window_id.clone(),
        status: x.status.clone(),
        status_details: x.status_details.clone(),
        scheduled_at: x.scheduled_at,
        start_time: x.start_time,
        end_time: x.end_time,
    }
}

/// A window's latest executions, newest first.
pub async fn executions(
    core: &Core,
    actor: &Actor,
    window_id: &str,
) -> ServiceResult<Vec<MaintenanceExecutionInfo>> {
    // The window must exist (the executions listing alone would answer empty).
    service::get_maintenance_window(core, actor, window_id).await?;
    let (rows, _) = service::describe_maintenance_window_executions(
        core,
        actor,
        window_id,
        &[],
        Some(EXECUTIONS_SHOWN),
        None,
    )
    .await?;
    Ok(rows.iter().map(execution_of).collect())
}

/// An execution of `window_id` with its tasks (by priority) and their invocations.
pub async fn execution_detail(
    core: &Core,
    actor: &Actor,
    window_id: &str,
    window_execution_id: &str,
) -> ServiceResult<MaintenanceExecutionDetail> {
    let (x, _) =
        service::get_maintenance_window_execution(core, actor, window_execution_id).await?;
    if x.window_id != window_id {
        return Err(ServiceError::not_found(format!(
            "Maintenance window {window_id} has no execution {window_execution_id}."
        )));
    }
    let window_name = service::get_maintenance_window(core, actor, window_id)
        .await
        .map(|w| w.spec.name)
        .unwrap_or_default();
    let tasks = all_pages(|token| async move {
        service::describe_maintenance_window_execution_tasks(
            core,
            actor,
            window_execution_id,
            &[],
            Some(100),
            token.as_deref(),
        )
        .await
    })
    .await?;
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        let task_id = t.task_execution_id.as_str();
        let invocations = all_pages(|token| async move {
            service::describe_maintenance_window_execution_task_invocations(
                core,
                actor,
                window_execution_id,
                task_id,
                &[],
                Some(100),
                token.as_deref(),
            )
            .await
        })
        .await?
        .into_iter()
        .map(|i| MaintenanceInvocationInfo {
            invocation_id: i.invocation_id,
            resource_id: i.resource_id,
            command_id: i.execution_id,
            status: i.status,
            status_details: i.status_details,
            start_time: i.start_time,
            end_time: i.end_time,
        })
        .collect();
        out.push(MaintenanceExecutionTaskInfo {
            document_name: service::document_name_of(&t.task_arn).to_string(),
            task_execution_id: t.task_execution_id,
            window_task_id: t.window_task_id,
            priority: t.priority,
            status: t.status,
            status_details: t.status_details,
            start_time: t.start_time,
            end_time: t.end_time,
            invocations,
        });
    }
    out.sort_by(|a, b| (a.priority, &a.task_execution_id).cmp(&(b.priority, &b.task_execution_id)));
    Ok(MaintenanceExecutionDetail {
        window_name,
        execution: execution_of(&x),
        tasks: out,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::maintenance::service::{TaskSpec, WindowSpec};

    fn run(name: &str, iso: &str) -> MaintenanceWindowRun {
        MaintenanceWindowRun {
            window_id: format!("mw-{name}"),
            window_name: name.to_string(),
            execution_time: iso.to_string(),
            at_ms: bosun_schedule::parse_date("t", iso)
                .unwrap()
                .as_millisecond(),
        }
    }

    fn ms(iso: &str) -> i64 {
        bosun_schedule::parse_date("t", iso)
            .unwrap()
            .as_millisecond()
    }

    #[test]
    fn calendar_days_start_today_in_the_zone() {
        let utc = ScheduleZone::utc();
        let days = bucket_runs(Vec::new(), &utc, ms("2026-11-27T23:59:00Z"), 14);
        assert_eq!(days.len(), 14);
        assert_eq!(days[0].date, "2026-11-27");
        assert_eq!(days[0].weekday, "Fri");
        assert_eq!(days[13].date, "2026-12-10");
        // 23:59 UTC on the 27th is already the 28th in Tokyo.
        let tokyo = ScheduleZone::parse("Asia/Tokyo").unwrap();
        let days = bucket_runs(Vec::new(), &tokyo, ms("2026-11-27T23:59:00Z"), 2);
        assert_eq!(
            days.iter().map(|d| d.date.as_str()).collect::<Vec<_>>(),
            ["2026-11-28", "2026-11-29"]
        );
    }

    #[test]
    fn runs_fall_into_their_day_of_the_zone_in_time_order() {
        let runs = vec![
            run("b", "2026-11-28T01:00:00Z"),
            run("a", "2026-11-27T22:30:00Z"),
            run("c", "2026-11-27T10:00:00Z"),
            // Beyond the last day: dropped.
            run("late", "2026-11-30T00:00:00Z"),
            // Before today (a stale run): dropped.
            run("early", "2026-11-26T23:00:00Z"),
        ];
        let now = ms("2026-11-27T08:00:00Z");
        let utc = bucket_runs(runs.clone(), &ScheduleZone::utc(), now, 3);
        let names = |d: &MaintenanceCalendarDay| {
            d.runs
                .iter()
                .map(|r| r.window_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&utc[0]), ["c", "a"]);
        assert_eq!(names(&utc[1]), ["b"]);
        assert!(utc[2].runs.is_empty());
        // In New York (UTC-5) 01:00Z on the 28th is still the 27th.
        let ny = ScheduleZone::parse("America/New_York").unwrap();
        let local = bucket_runs(runs, &ny, now, 3);
        assert_eq!(local[0].date, "2026-11-27");
        assert_eq!(names(&local[0]), ["c", "a", "b"]);
        assert_eq!(names(&local[2]), ["late"]);
    }

    #[test]
    fn a_busy_day_keeps_its_first_runs_and_counts_the_rest() {
        let runs: Vec<_> = (0..20)
            .map(|i| {
                run(
                    &format!("w{i:02}"),
                    &format!("2026-11-27T{:02}:00:00Z", i + 1),
                )
            })
            .collect();
        let days = bucket_runs(runs, &ScheduleZone::utc(), ms("2026-11-27T00:00:00Z"), 1);
        assert_eq!(days[0].runs.len(), MaintenanceCalendar::MAX_RUNS_PER_DAY);
        assert_eq!(days[0].runs[0].window_name, "w00");
        assert_eq!(days[0].more, 20 - MaintenanceCalendar::MAX_RUNS_PER_DAY);
    }

    #[test]
    fn tasks_run_lower_priority_first_and_equal_ones_keep_an_order() {
        let task = |id: &str, priority: i64| MaintenanceWindowTaskInfo {
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
            parameters: Default::default(),
            timeout_seconds: None,
            comment: None,
        };
        let mut tasks = vec![task("z", 2), task("b", 1), task("a", 1), task("c", 0)];
        in_priority_order(&mut tasks);
        let order: Vec<_> = tasks.iter().map(|t| t.window_task_id.as_str()).collect();
        assert_eq!(order, ["c", "a", "b", "z"]);
    }

    #[test]
    fn summaries_carry_the_next_run_as_an_instant() {
        let info = WindowInfo {
            window_id: "mw-0123456789abcdef0".into(),
            spec: WindowSpec {
                name: "nightly".into(),
                schedule: "cron(0 2 ? * * *)".into(),
                schedule_timezone: Some("Europe/Paris".into()),
                duration: 2,
                cutoff: 1,
                ..Default::default()
            },
            enabled: true,
            next_execution_time: Some("2026-11-28T02:00:00+01:00".into()),
            schedule_anchor: 1,
            created_date: 1,
            modified_date: 2,
        };
        let s = summary_of(&info);
        assert_eq!(s.next_execution_at, Some(ms("2026-11-28T01:00:00Z")));
        assert_eq!(s.schedule_timezone.as_deref(), Some("Europe/Paris"));
    }

    #[test]
    fn tasks_unpack_their_run_command_parameters() {
        let info = TaskInfo {
            window_id: "mw-0123456789abcdef0".into(),
            window_task_id: "t1".into(),
            task_arn: "arn:aws:ssm:us-east-1::document/AWS-RunShellScript".into(),
            task_type: "RUN_COMMAND".into(),
            priority: 3,
            spec: TaskSpec {
                invocation_parameters: Some(serde_json::json!({"RunCommand": {
                    "Parameters": {"commands": ["echo hi"]},
                    "TimeoutSeconds": 600,
                    "Comment": "nightly"
                }})),
                cutoff_behavior: "CANCEL_TASK".into(),
                ..Default::default()
            },
        };
        let t = task_of(&info);
        assert_eq!(t.document_name, "AWS-RunShellScript");
        assert_eq!(t.parameters["commands"], ["echo hi"]);
        assert_eq!(t.timeout_seconds, Some(600));
        assert_eq!(t.comment.as_deref(), Some("nightly"));
    }
}
