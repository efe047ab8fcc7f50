//! Maintenance windows in the console: the list (`/maintenance`) with each window's
//! next run in the window's time zone and in the viewer's, and the calendar of the next
//! 14 days across every window. The helpers here (time zones, badges, the viewer's
//! zone) serve the window, form and execution pages too. Same services as
//! `DescribeMaintenanceWindows` and `DescribeMaintenanceWindowSchedule`.
//!
//! The viewer's time zone is only known in the browser: the server renders times in
//! the window's zone (and the calendar in UTC); after hydration the browser's zone
//! (`Intl.DateTimeFormat().resolvedOptions().timeZone`) fills the viewer's column and
//! the calendar is read again, cut into the viewer's days.

use crate::components::layout::{can_operate, PageHeader};
use crate::error::AppError;
use bosun_core::types::{MaintenanceCalendar, MaintenanceWindowSummary};
use bosun_schedule::{ScheduleZone, Timestamp};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_maintenance_windows")]
pub async fn list_maintenance_windows() -> Result<Vec<MaintenanceWindowSummary>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::maintenance::console::list_windows(&core, &actor).await?)
}

/// The next 14 days of runs across every enabled window, cut into days of `zone`.
#[server(prefix = "/api", endpoint = "maintenance_calendar")]
pub async fn read_maintenance_calendar(
    zone: Option<String>,
) -> Result<MaintenanceCalendar, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(bosun_core::maintenance::console::calendar(&core, &actor, zone.as_deref()).await?)
}

/// The server's clock (Unix ms): the schedule preview's "now" until the browser's.
#[server(prefix = "/api", endpoint = "maintenance_now")]
pub async fn maintenance_now() -> Result<i64, AppError> {
    let (core, _actor) = crate::ssr::actor()?;
    Ok(core.now_ms())
}

pub fn window_href(window_id: &str) -> String {
    format!("/maintenance/{window_id}")
}

/// The zone name a window's times are shown in (UTC when it has none).
pub fn zone_name(tz: Option<&str>) -> String {
    tz.filter(|z| !z.is_empty()).unwrap_or("UTC").to_string()
}

/// `2026-11-28 02:00:00 CET` — an instant on the wall clock of `zone` (an IANA name);
/// `—` when the zone or the instant is unknown. Pure (the IANA database is compiled
/// in), so the server and the browser render the same text.
pub fn in_zone(ms: i64, zone: &str) -> String {
    let (Ok(z), Ok(ts)) = (ScheduleZone::parse(zone), Timestamp::from_millisecond(ms)) else {
        return "—".into();
    };
    ts.to_zoned_datetime(z.time_zone().clone())
        .strftime("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// The viewer's IANA zone: `None` on the server and until the page has hydrated.
pub fn use_viewer_zone() -> ReadSignal<Option<String>> {
    let (zone, set_zone) = signal(None::<String>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        set_zone.set(Some(browser::zone()));
        #[cfg(not(feature = "hydrate"))]
        let _ = set_zone;
    });
    zone
}

/// The clock: `initial` (the server's, so the first render matches the server's) until
/// the page has hydrated, then the browser's, moving every 15 seconds.
pub fn use_now(initial: i64) -> RwSignal<i64> {
    let now = RwSignal::new(initial);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            now.set(browser::now_ms());
            if let Ok(h) = set_interval_with_handle(
                move || now.set(browser::now_ms()),
                std::time::Duration::from_secs(15),
            ) {
                on_cleanup(move || h.clear());
            }
        }
    });
    now
}

#[cfg(feature = "hydrate")]
pub(crate) mod browser {
    /// `Intl.DateTimeFormat().resolvedOptions().timeZone`, or UTC.
    pub fn zone() -> String {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|z| bosun_schedule::ScheduleZone::parse(z).is_ok())
            .unwrap_or_else(|| "UTC".into())
    }

    pub fn now_ms() -> i64 {
        js_sys::Date::now() as i64
    }
}

/// The viewer's wall clock for `ms`, once known (`…` before hydration, so the page
/// still reads without JavaScript).
#[component]
pub fn ViewerTime(ms: i64, zone: ReadSignal<Option<String>>) -> impl IntoView {
    view! {
        <span data-testid="viewer-time">
            {move || match zone.get() {
                Some(z) => in_zone(ms, &z),
                None => "(your time zone needs JavaScript)".to_string(),
            }}
        </span>
    }
}

pub fn execution_badge(status: &str) -> &'static str {
    match status {
        "SUCCESS" => "badge badge-success",
        "FAILED" | "TIMED_OUT" => "badge badge-danger",
        "CANCELLED" | "CANCELLING" | "SKIPPED_OVERLAPPING" => "badge badge-muted",
        _ => "badge badge-info",
    }
}

/// `2 h, cutoff 1 h`.
pub fn duration_text(duration: i32, cutoff: i32) -> String {
    format!("{duration} h, cutoff {cutoff} h")
}

#[component]
pub fn MaintenanceWindowsPage() -> impl IntoView {
    let operate = can_operate();
    let windows = Resource::new(|| (), |_| list_maintenance_windows());
    let viewer = use_viewer_zone();
    let calendar = Resource::new(move || viewer.get(), read_maintenance_calendar);

    let rows = move || {
        windows.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(list) if list.is_empty() => view! {
                <div class="table-empty">
                    <p class="table-empty-title">"No maintenance windows yet."</p>
                    <p>"A window runs its tasks on its targets on a schedule."</p>
                </div>
            }
            .into_any(),
            Ok(list) => {
                let rows = list
                    .into_iter()
                    .map(|w| {
                        let zone = zone_name(w.schedule_timezone.as_deref());
                        let next = match w.next_execution_at {
                            Some(ms) => view! {
                                <div data-testid="window-time">{in_zone(ms, &zone)}</div>
                                <div class="muted">"You: "<ViewerTime ms=ms zone=viewer /></div>
                            }
                            .into_any(),
                            None => view! { <div data-testid="window-time">"—"</div> }.into_any(),
                        };
                        let offset = w.schedule_offset.map(|o| format!(" +{o} d"));
                        view! {
                            <tr data-window=w.window_id.clone()>
                                <td><a href=window_href(&w.window_id)>{w.name.clone()}</a>
                                    <div class="muted mono">{w.window_id.clone()}</div></td>
                                <td>{if w.enabled {
                                    view! { <span class="badge badge-success">"Enabled"</span> }.into_any()
                                } else {
                                    view! { <span class="badge badge-muted">"Disabled"</span> }.into_any()
                                }}</td>
                                <td><span class="mono">{w.schedule.clone()}</span>{offset}
                                    <div class="muted">{zone.clone()}</div></td>
                                <td>{duration_text(w.duration, w.cutoff)}</td>
                                <td>{next}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="table-scroll">
                        <table aria-label="Maintenance windows">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"State"</th><th scope="col">"Schedule"</th>
                                <th scope="col">"Duration"</th><th scope="col">"Next run"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }
        })
    };

    let days = move || {
        calendar.get().map(|r| match r {
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
            Ok(cal) => {
                let zone = cal.zone.clone();
                let days = cal
                    .days
                    .into_iter()
                    .map(|d| {
                        let z = zone.clone();
                        let runs = d
                            .runs
                            .into_iter()
                            .map(|r| {
                                let time = in_zone(r.at_ms, &z);
                                let time = time.get(11..16).unwrap_or(&time).to_string();
                                view! {
                                    <li class="calendar-run">
                                        <span class="mono">{time}</span>" "
                                        <a href=window_href(&r.window_id)>{r.window_name.clone()}</a>
                                    </li>
                                }
                            })
                            .collect_view();
                        let more = (d.more > 0).then(|| view! { <li class="muted">{format!("+{} more", d.more)}</li> });
                        let label = format!("{} {}", d.weekday, d.date);
                        view! {
                            <li class="calendar-day" data-date=d.date.clone()>
                                <h3 class="calendar-date">{label}</h3>
                                <ul class="plain-list">{runs}{more}</ul>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <p class="field-hint" data-testid="calendar-zone">{format!("Days and times in {zone}.")}</p>
                    <ol class="calendar" aria-label="Upcoming runs by day">{days}</ol>
                }
                .into_any()
            }
        })
    };

    view! {
        <PageHeader title="Maintenance windows" subtitle="Windows run their tasks on their targets on a schedule.">
            {operate.then(|| view! { <a class="btn btn-primary" href="/maintenance/new">"Create a window"</a> })}
        </PageHeader>
        <section class="data-table">
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{rows}</Transition>
        </section>
        <section class="card" aria-labelledby="mw-calendar">
            <div class="card-header"><h2 class="card-title" id="mw-calendar">"Next 14 days"</h2></div>
            <div class="card-body">
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{days}</Transition>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_on_the_zone_wall_clock() {
        // 2026-11-28T01:00:00Z
        let ms = 1_795_827_600_000;
        assert_eq!(in_zone(ms, "UTC"), "2026-11-28 01:00:00 UTC");
        assert_eq!(in_zone(ms, "Europe/Paris"), "2026-11-28 02:00:00 CET");
        assert_eq!(in_zone(ms, "Nowhere/Else"), "—");
        assert_eq!(zone_name(None), "UTC");
        assert_eq!(zone_name(Some("")), "UTC");
    }
}
