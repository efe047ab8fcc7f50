//! Create (`/maintenance/new`) and edit (`/maintenance/:id/edit`) a maintenance window,
//! with a schedule builder: helpers that write `rate(...)`, weekly `cron(...)` and
//! `at(...)` expressions, or the expression typed as is, and a preview of the next five
//! runs computed with `bosun_schedule` — on the server for the first render, in the
//! browser (the same crate compiled to wasm) as the operator types — with the parse
//! error inline. Saving calls the services of `CreateMaintenanceWindow` and
//! `UpdateMaintenanceWindow` (with Replace: the form holds every field).

use crate::components::layout::PageHeader;
use crate::error::AppError;
use crate::pages::maintenance::{in_zone, maintenance_now, use_now, use_viewer_zone, window_href};
use bosun_core::types::MaintenanceWindowSummary;
use bosun_schedule::{ActivePeriod, AnchorKey, Schedule, ScheduleError, Timestamp, WindowSchedule};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowForm {
    /// Empty when creating.
    pub window_id: String,
    pub name: String,
    pub description: String,
    pub schedule: String,
    pub timezone: String,
    pub offset: String,
    pub duration: String,
    pub cutoff: String,
    pub start_date: String,
    pub end_date: String,
    pub allow_unassociated_targets: bool,
    pub enabled: bool,
}

impl WindowForm {
    pub fn of(w: &MaintenanceWindowSummary) -> WindowForm {
        WindowForm {
            window_id: w.window_id.clone(),
            name: w.name.clone(),
            description: w.description.clone().unwrap_or_default(),
            schedule: w.schedule.clone(),
            timezone: w.schedule_timezone.clone().unwrap_or_default(),
            offset: w.schedule_offset.map(|o| o.to_string()).unwrap_or_default(),
            duration: w.duration.to_string(),
            cutoff: w.cutoff.to_string(),
            start_date: w.start_date.clone().unwrap_or_default(),
            end_date: w.end_date.clone().unwrap_or_default(),
            allow_unassociated_targets: w.allow_unassociated_targets,
            enabled: w.enabled,
        }
    }
}

fn optional(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The form's number fields (the service checks their ranges).
fn number(
    field: &'static str,
    what: &str,
    text: &str,
) -> Result<Option<i32>, (&'static str, String)> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i32>()
        .map(Some)
        .map_err(|_| (field, format!("{what} is a whole number.")))
}

/// The form field a schedule error is about.
fn field_of(e: &ScheduleError) -> &'static str {
    match e.parameter() {
        "ScheduleTimezone" => "timezone",
        "ScheduleOffset" => "offset",
        "StartDate" => "start_date",
        "EndDate" => "end_date",
        "Duration" => "duration",
        "Cutoff" => "cutoff",
        _ => "schedule",
    }
}

/// What `rate()` and the offset count from once the form is saved: a saved window's
/// anchor while what decides its runs (schedule, zone, offset, start date) is as saved,
/// `now_ms` otherwise (the server's rule, `maintenance::update_maintenance_window`).
pub fn anchor_of(f: &WindowForm, now_ms: i64, saved: Option<(&WindowForm, i64)>) -> i64 {
    match saved {
        Some((was, anchor)) => anchor_key(f).anchor_after(&anchor_key(was), anchor, now_ms),
        None => now_ms,
    }
}

/// The form's fields as the service compares them (blank is absent).
fn anchor_key(f: &WindowForm) -> AnchorKey<'_> {
    fn text(v: &str) -> Option<&str> {
        Some(v.trim()).filter(|v| !v.is_empty())
    }
    AnchorKey {
        schedule: f.schedule.trim(),
        timezone: text(&f.timezone),
        offset: number("offset", "The offset", &f.offset).ok().flatten(),
        start_date: text(&f.start_date),
    }
}

/// The next five runs the form's schedule makes, as if saved at `now_ms` (`saved`: the
/// window as it was loaded and its anchor, when editing), or the first problem (the form
/// field and a message).
pub fn preview(
    f: &WindowForm,
    now_ms: i64,
    saved: Option<(&WindowForm, i64)>,
) -> Result<Vec<i64>, (&'static str, String)> {
    let err = |e: ScheduleError| (field_of(&e), format!("{e}."));
    let offset = number("offset", "The offset", &f.offset)?;
    let tz = optional(&f.timezone);
    let schedule = Schedule::parse(f.schedule.trim(), tz.as_deref(), offset).map_err(err)?;
    let period = ActivePeriod::parse(
        optional(&f.start_date).as_deref(),
        optional(&f.end_date).as_deref(),
    )
    .map_err(err)?;
    let duration = number("duration", "The duration", &f.duration)?.unwrap_or(0);
    let cutoff = number("cutoff", "The cutoff", &f.cutoff)?.unwrap_or(0);
    bosun_schedule::validate_duration_and_cutoff(duration, cutoff).map_err(err)?;
    let now = Timestamp::from_millisecond(now_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    let anchor = Timestamp::from_millisecond(anchor_of(f, now_ms, saved)).unwrap_or(now);
    let ws = WindowSchedule::new(schedule, period, anchor);
    Ok(ws
        .upcoming(now)
        .take(5)
        .map(|t| t.as_millisecond())
        .collect())
}

pub const WEEKDAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// `rate(N unit)`: singular for one, as AWS requires.
pub fn rate_expression(n: &str, unit: &str) -> String {
    let n = n.trim();
    let plural = if n == "1" { "" } else { "s" };
    format!("rate({n} {unit}{plural})")
}

/// A weekly (or, without days, daily) cron expression at `HH:MM`.
pub fn weekly_expression(days: &BTreeSet<String>, time: &str) -> String {
    let (h, m) = time.split_once(':').unwrap_or(("0", "0"));
    let h: u32 = h.trim().parse().unwrap_or(0);
    let m: u32 = m.trim().get(..2).unwrap_or(m).parse().unwrap_or(0);
    let picked: Vec<&str> = WEEKDAYS
        .iter()
        .copied()
        .filter(|d| days.contains(*d))
        .collect();
    if picked.is_empty() {
        format!("cron({m} {h} * * ? *)")
    } else {
        format!("cron({m} {h} ? * {} *)", picked.join(","))
    }
}

/// `at(yyyy-mm-ddThh:mm:ss)` from a `datetime-local` value.
pub fn once_expression(local: &str) -> String {
    let v = local.trim();
    if v.len() == 16 {
        format!("at({v}:00)")
    } else {
        format!("at({v})")
    }
}

/// A few IANA zones to pick from (any other name can be typed).
const COMMON_ZONES: &[&str] = &[
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// Creates (no `window_id`) or replaces a window; returns its id.
#[server(prefix = "/api", endpoint = "save_maintenance_window", input = leptos::server_fn::codec::Json)]
pub async fn save_maintenance_window(form: WindowForm) -> Result<String, AppError> {
    use bosun_core::maintenance::{
        create_maintenance_window, update_maintenance_window, CreateWindow, UpdateWindow,
        WindowSpec,
    };
    let (core, actor) = crate::ssr::actor()?;
    let num = |field, what, text: &str| {
        number(field, what, text).map_err(|(f, m)| AppError::invalid(f, m))
    };
    let duration = num("duration", "The duration", &form.duration)?
        .ok_or_else(|| AppError::invalid("duration", "Give the duration in hours."))?;
    let cutoff = num("cutoff", "The cutoff", &form.cutoff)?
        .ok_or_else(|| AppError::invalid("cutoff", "Give the cutoff in hours."))?;
    let offset = num("offset", "The offset", &form.offset)?;
    let spec = WindowSpec {
        name: form.name.trim().to_string(),
        description: optional(&form.description),
        start_date: optional(&form.start_date),
        end_date: optional(&form.end_date),
        schedule: form.schedule.trim().to_string(),
        schedule_timezone: optional(&form.timezone),
        schedule_offset: offset,
        duration,
        cutoff,
        allow_unassociated_targets: form.allow_unassociated_targets,
    };
    if form.window_id.is_empty() {
        Ok(create_maintenance_window(
            &core,
            &actor,
            CreateWindow {
                spec,
                ..Default::default()
            },
        )
        .await?)
    } else {
        let w = update_maintenance_window(
            &core,
            &actor,
            UpdateWindow {
                window_id: form.window_id.clone(),
                replace: true,
                name: Some(spec.name),
                description: spec.description,
                start_date: spec.start_date,
                end_date: spec.end_date,
                schedule: Some(spec.schedule),
                schedule_timezone: spec.schedule_timezone,
                schedule_offset: spec.schedule_offset,
                duration: Some(spec.duration),
                cutoff: Some(spec.cutoff),
                allow_unassociated_targets: Some(spec.allow_unassociated_targets),
                enabled: Some(form.enabled),
            },
        )
        .await?;
        Ok(w.window_id)
    }
}

/// A window as the edit form starts from, and the server's clock.
#[server(prefix = "/api", endpoint = "maintenance_window_form")]
pub async fn maintenance_window_form(
    window_id: String,
) -> Result<(MaintenanceWindowSummary, i64), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    let w = bosun_core::maintenance::get_maintenance_window(&core, &actor, &window_id).await?;
    Ok((
        bosun_core::maintenance::console::summary_of(&w),
        core.now_ms(),
    ))
}

#[component]
pub fn NewMaintenanceWindowPage() -> impl IntoView {
    let now = Resource::new(|| (), |_| maintenance_now());
    let body = move || {
        now.get().map(|r| match r {
            Err(e) => {
                view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any()
            }
            Ok(now) => {
                let initial = WindowForm {
                    schedule: "cron(0 2 ? * SUN *)".into(),
                    duration: "2".into(),
                    cutoff: "1".into(),
                    enabled: true,
                    ..Default::default()
                };
                view! { <WindowEditor initial=initial server_now=now anchor=None /> }.into_any()
            }
        })
    };
    view! {
        <PageHeader title="Create a maintenance window" subtitle="A schedule, how long the window stays open, and when new tasks stop starting." />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
    }
}

#[component]
pub fn EditMaintenanceWindowPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = Resource::new(id, maintenance_window_form);
    let body = move || {
        data.get().map(|r| match r {
            Err(e) => {
                view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any()
            }
            Ok((w, now)) => {
                let anchor = Some(w.schedule_anchor);
                view! { <WindowEditor initial=WindowForm::of(&w) server_now=now anchor=anchor /> }
                    .into_any()
            }
        })
    };
    view! {
        <PageHeader title="Edit maintenance window" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{body}</Transition>
    }
}

/// `anchor`: the saved window's schedule anchor (editing).
#[component]
fn WindowEditor(initial: WindowForm, server_now: i64, anchor: Option<i64>) -> impl IntoView {
    let editing = !initial.window_id.is_empty();
    let window_id = initial.window_id.clone();
    let name = RwSignal::new(initial.name.clone());
    let description = RwSignal::new(initial.description.clone());
    let schedule = RwSignal::new(initial.schedule.clone());
    let timezone = RwSignal::new(initial.timezone.clone());
    let offset = RwSignal::new(initial.offset.clone());
    let duration = RwSignal::new(initial.duration.clone());
    let cutoff = RwSignal::new(initial.cutoff.clone());
    let start_date = RwSignal::new(initial.start_date.clone());
    let end_date = RwSignal::new(initial.end_date.clone());
    let allow_unassociated = RwSignal::new(initial.allow_unassociated_targets);
    let enabled = RwSignal::new(initial.enabled);

    // The builder: a new window starts from the weekly helper, an existing one from
    // its expression.
    let kind = RwSignal::new(if editing { "expression" } else { "weekly" }.to_string());
    let rate_n = RwSignal::new("1".to_string());
    let rate_unit = RwSignal::new("hour".to_string());
    let days = RwSignal::new(BTreeSet::from(["SUN".to_string()]));
    let time = RwSignal::new("02:00".to_string());
    let at = RwSignal::new(String::new());
    let rebuild = move || {
        let expr = match kind.get_untracked().as_str() {
            "rate" => rate_expression(&rate_n.get_untracked(), &rate_unit.get_untracked()),
            "weekly" => weekly_expression(&days.get_untracked(), &time.get_untracked()),
            "once" if !at.get_untracked().trim().is_empty() => once_expression(&at.get_untracked()),
            _ => return,
        };
        schedule.set(expr);
    };

    let form = move || WindowForm {
        window_id: window_id.clone(),
        name: name.get(),
        description: description.get(),
        schedule: schedule.get(),
        timezone: timezone.get(),
        offset: offset.get(),
        duration: duration.get(),
        cutoff: cutoff.get(),
        start_date: start_date.get(),
        end_date: end_date.get(),
        allow_unassociated_targets: allow_unassociated.get(),
        enabled: enabled.get(),
    };
    let form = StoredValue::new(form);
    let now = use_now(server_now);
    let viewer = use_viewer_zone();
    let saved = StoredValue::new(anchor.map(|a| (initial.clone(), a)));
    let runs = Memo::new(move |_| {
        saved.with_value(|saved| {
            let saved = saved.as_ref().map(|(f, a)| (f, *a));
            preview(&form.with_value(|f| f()), now.get(), saved)
        })
    });
    let problem = move |field: &'static str| {
        move || {
            runs.with(|r| match r {
                Err((f, m)) if *f == field => Some(m.clone()),
                _ => None,
            })
        }
    };

    let save = ServerAction::<SaveMaintenanceWindow>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            navigate(&window_href(&id), Default::default());
        }
    });
    let save_error = move || save.value().get().and_then(|r| r.err());
    let server_problem =
        move |field: &'static str| move || save_error().and_then(|e| e.for_field(field));

    let preview_view = move || {
        let zone = Some(timezone.get().trim().to_string())
            .filter(|z| !z.is_empty())
            .unwrap_or_else(|| "UTC".into());
        match runs.get() {
            Err(_) => view! { <p class="muted" data-testid="schedule-preview-none">"Fix the schedule to see its runs."</p> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="schedule-preview-none">"This schedule has no run ahead."</p> }.into_any(),
            Ok(list) => view! {
                <ol class="schedule-preview" data-testid="schedule-preview">
                    {list.into_iter().map(|ms| {
                        let z = zone.clone();
                        view! {
                            <li>
                                <span class="mono">{in_zone(ms, &z)}</span>
                                {move || viewer.get().filter(|v| *v != z).map(|v| view! { <span class="muted">" · you: "{in_zone(ms, &v)}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
            .into_any(),
        }
    };

    let cancel_href = if editing {
        window_href(&initial.window_id)
    } else {
        "/maintenance".to_string()
    };
    let kind_radio = move |value: &'static str, label: &'static str| {
        view! {
            <label><input type="radio" name="schedule-kind" value=value checked=move || kind.get() == value
                on:change=move |_| { kind.set(value.to_string()); rebuild(); } />" "{label}</label>
        }
    };
    let text_input = move |id: &'static str, sig: RwSignal<String>| {
        view! {
            <input id=id type="text" autocomplete="off" value=sig.get_untracked() prop:value=sig
                on:input=move |ev| sig.set(event_target_value(&ev)) />
        }
    };

    let identity = view! {
                    {move || save_error().filter(|e| e.field.is_none()).map(|e| view! { <div class="alert alert-error" role="alert" data-testid="save-error">{e.message}</div> })}
                    <div class="field">
                        <label for="mw-name">"Name"</label>
                        <input id="mw-name" type="text" required=true maxlength="128" autocomplete="off" value=name.get_untracked() prop:value=name
                            on:input=move |ev| name.set(event_target_value(&ev)) />
                        <p class="field-hint">"3 to 128 letters, digits, hyphens, underscores or periods."</p>
                        <p class="field-error" role="alert">{server_problem("name")}</p>
                    </div>
                    <div class="field">
                        <label for="mw-description">"Description"</label>
                        {text_input("mw-description", description)}
                        <p class="field-error" role="alert">{server_problem("description")}</p>
                    </div>
    }
    .into_any();
    let schedule_fields = view! {
                    <fieldset class="fieldset">
                        <legend>"Schedule"</legend>
                        <div class="field radio-row" role="radiogroup" aria-label="Schedule kind">
                            {kind_radio("rate", "Every…")}
                            {kind_radio("weekly", "Weekly / daily")}
                            {kind_radio("once", "Once")}
                            {kind_radio("expression", "Expression")}
                        </div>
                        <div class="field-row" hidden=move || kind.get() != "rate">
                            <div class="field"><label for="sb-rate-n">"Every"</label>
                                <input id="sb-rate-n" type="number" min="1" value=rate_n.get_untracked() prop:value=rate_n
                                    on:input=move |ev| { rate_n.set(event_target_value(&ev)); rebuild(); } /></div>
                            <div class="field"><label for="sb-rate-unit">"Unit"</label>
                                <select id="sb-rate-unit" on:change=move |ev| { rate_unit.set(event_target_value(&ev)); rebuild(); }>
                                    <option value="minute">"minutes"</option>
                                    <option value="hour" selected=true>"hours"</option>
                                    <option value="day">"days"</option>
                                </select></div>
                        </div>
                        <div hidden=move || kind.get() != "weekly">
                            <div class="check-row" role="group" aria-label="Days">
                                {WEEKDAYS.iter().map(|d| {
                                    let d = *d;
                                    view! {
                                        <label><input type="checkbox" value=d checked=move || days.with(|s| s.contains(d))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                days.update(|s| { if on { s.insert(d.to_string()); } else { s.remove(d); } });
                                                rebuild();
                                            } />" "{d}</label>
                                    }
                                }).collect_view()}
                            </div>
                            <div class="field"><label for="sb-time">"At (time of day)"</label>
                                <input id="sb-time" type="time" value=time.get_untracked() prop:value=time
                                    on:input=move |ev| { time.set(event_target_value(&ev)); rebuild(); } />
                                <p class="field-hint">"No day chosen: every day."</p></div>
                        </div>
                        <div class="field" hidden=move || kind.get() != "once">
                            <label for="sb-at">"Once at (in the window's time zone)"</label>
                            <input id="sb-at" type="datetime-local" step="1" prop:value=at
                                on:input=move |ev| { at.set(event_target_value(&ev)); rebuild(); } />
                        </div>
                        <div class="field">
                            <label for="mw-schedule">"Schedule expression"</label>
                            <input id="mw-schedule" class="mono" type="text" required=true autocomplete="off" spellcheck="false"
                                value=schedule.get_untracked() prop:value=schedule
                                aria-invalid=move || problem("schedule")().map(|_| "true")
                                aria-describedby="mw-schedule-error"
                                on:input=move |ev| { kind.set("expression".into()); schedule.set(event_target_value(&ev)); } />
                            <p class="field-hint">"cron(0 2 ? * SUN *), rate(30 minutes) or at(2026-12-24T22:00:00)."</p>
                            <p class="field-error" id="mw-schedule-error" role="alert" data-testid="schedule-error">{problem("schedule")}</p>
                        </div>
                        <div class="field-row">
                            <div class="field">
                                <label for="mw-timezone">"Time zone"</label>
                                <input id="mw-timezone" type="text" list="mw-zones" autocomplete="off" placeholder="UTC"
                                    value=timezone.get_untracked() prop:value=timezone
                                    on:input=move |ev| timezone.set(event_target_value(&ev)) />
                                <datalist id="mw-zones">
                                    {COMMON_ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                                </datalist>
                                <p class="field-hint">"An IANA name; empty is UTC."</p>
                                <p class="field-error" role="alert">{problem("timezone")}</p>
                            </div>
                            <div class="field">
                                <label for="mw-offset">"Offset (days, cron only)"</label>
                                <input id="mw-offset" type="number" min="1" max="6" value=offset.get_untracked() prop:value=offset
                                    disabled=move || !schedule.with(|s| s.trim_start().starts_with("cron(")) && offset.with(|o| o.is_empty())
                                    on:input=move |ev| offset.set(event_target_value(&ev)) />
                                <p class="field-error" role="alert">{problem("offset")}</p>
                            </div>
                        </div>
                        <div class="schedule-preview-box" aria-live="polite">
                            <h3 class="section-title">"Next runs"</h3>
                            {preview_view}
                        </div>
                    </fieldset>
    }
    .into_any();
    let timing = view! {
                    <div class="field-row">
                        <div class="field">
                            <label for="mw-duration">"Duration (hours)"</label>
                            <input id="mw-duration" type="number" min="1" max="24" required=true value=duration.get_untracked() prop:value=duration
                                on:input=move |ev| duration.set(event_target_value(&ev)) />
                            <p class="field-error" role="alert">{move || problem("duration")().or_else(server_problem("duration"))}</p>
                        </div>
                        <div class="field">
                            <label for="mw-cutoff">"Cutoff (hours)"</label>
                            <input id="mw-cutoff" type="number" min="0" max="23" required=true value=cutoff.get_untracked() prop:value=cutoff
                                on:input=move |ev| cutoff.set(event_target_value(&ev)) />
                            <p class="field-hint">"No task starts in the window's last hours."</p>
                            <p class="field-error" role="alert">{move || problem("cutoff")().or_else(server_problem("cutoff"))}</p>
                        </div>
                    </div>
                    <div class="field-row">
                        <div class="field">
                            <label for="mw-start">"Start date (optional)"</label>
                            <input id="mw-start" type="text" autocomplete="off" placeholder="2026-12-01T00:00:00Z" value=start_date.get_untracked() prop:value=start_date
                                on:input=move |ev| start_date.set(event_target_value(&ev)) />
                            <p class="field-error" role="alert">{problem("start_date")}</p>
                        </div>
                        <div class="field">
                            <label for="mw-end">"End date (optional)"</label>
                            <input id="mw-end" type="text" autocomplete="off" placeholder="2027-12-31T00:00:00Z" value=end_date.get_untracked() prop:value=end_date
                                on:input=move |ev| end_date.set(event_target_value(&ev)) />
                            <p class="field-error" role="alert">{problem("end_date")}</p>
                        </div>
                    </div>
                    <label class="checkbox"><input type="checkbox" checked=allow_unassociated.get_untracked() prop:checked=allow_unassociated
                        on:change=move |ev| allow_unassociated.set(event_target_checked(&ev)) />" Allow unregistered targets (tasks may name nodes directly)"</label>
                    {editing.then(|| view! {
                        <label class="checkbox"><input type="checkbox" checked=enabled.get_untracked() prop:checked=enabled
                            on:change=move |ev| enabled.set(event_target_checked(&ev)) />" Enabled"</label>
                    })}
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                            {if editing { "Save window" } else { "Create window" }}
                        </button>
                        <a class="btn" href=cancel_href>"Cancel"</a>
                    </div>
    }
    .into_any();
    view! {
        <section class="card">
            <div class="card-body">
                <form class="form form-wide mw-form" aria-label="Maintenance window" on:submit=move |ev| {
                    ev.prevent_default();
                    save.dispatch(SaveMaintenanceWindow { form: form.with_value(|f| f()) });
                }>
                    {identity}
                    {schedule_fields}
                    {timing}
                </form>
            </div>
        </section>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form(schedule: &str) -> WindowForm {
        WindowForm {
            schedule: schedule.into(),
            duration: "2".into(),
            cutoff: "1".into(),
            ..Default::default()
        }
    }

    // 2026-11-27T00:00:00Z
    const NOW: i64 = 1_795_737_600_000;

    #[test]
    fn helpers_write_aws_expressions() {
        assert_eq!(rate_expression("1", "hour"), "rate(1 hour)");
        assert_eq!(rate_expression("30", "minute"), "rate(30 minutes)");
        let days: BTreeSet<String> = ["SUN", "MON"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            weekly_expression(&days, "03:30"),
            "cron(30 3 ? * MON,SUN *)"
        );
        assert_eq!(
            weekly_expression(&BTreeSet::new(), "22:05"),
            "cron(5 22 * * ? *)"
        );
        assert_eq!(
            once_expression("2026-12-24T22:00"),
            "at(2026-12-24T22:00:00)"
        );
        assert_eq!(
            once_expression("2026-12-24T22:00:15"),
            "at(2026-12-24T22:00:15)"
        );
    }

    #[test]
    fn preview_lists_five_runs_or_the_first_problem() {
        let runs = preview(&form("rate(1 day)"), NOW, None).unwrap_or_default();
        assert_eq!(runs.len(), 5);
        assert_eq!(runs[0], NOW + 24 * 3600 * 1000);
        let once = preview(&form("at(2026-12-24T22:00:00)"), NOW, None).unwrap_or_default();
        assert_eq!(once.len(), 1);
        let (field, message) = preview(&form("cron(0 2 * * *)"), NOW, None).unwrap_err();
        assert_eq!(field, "schedule");
        assert!(message.contains("6"), "{message}");
        let mut f = form("cron(0 2 ? * SUN *)");
        f.timezone = "Mars/Olympus".into();
        assert_eq!(preview(&f, NOW, None).unwrap_err().0, "timezone");
        f.timezone = "Europe/Paris".into();
        f.cutoff = "2".into();
        assert_eq!(preview(&f, NOW, None).unwrap_err().0, "cutoff");
    }

    #[test]
    fn an_edit_previews_from_the_saved_anchor_until_the_schedule_changes() {
        const HOUR: i64 = 3600 * 1000;
        // Saved ten hours ago: a daily rate runs 14 hours from now, not 24.
        let saved = form("rate(1 day)");
        let anchor = NOW - 10 * HOUR;
        let mut f = saved.clone();
        f.name = "renamed".into();
        f.duration = "3".into();
        let runs = preview(&f, NOW, Some((&saved, anchor))).unwrap_or_default();
        assert_eq!(runs[0], NOW + 14 * HOUR);
        // Spaces around a field change nothing the server would see.
        f.schedule = " rate(1 day) ".into();
        assert_eq!(anchor_of(&f, NOW, Some((&saved, anchor))), anchor);
        // A new schedule, zone, offset or start date counts from the save.
        for change in [
            |f: &mut WindowForm| f.schedule = "rate(2 days)".into(),
            |f: &mut WindowForm| f.timezone = "Europe/Paris".into(),
            |f: &mut WindowForm| f.offset = "1".into(),
            |f: &mut WindowForm| f.start_date = "2026-01-01T00:00:00Z".into(),
        ] {
            let mut g = saved.clone();
            change(&mut g);
            assert_eq!(anchor_of(&g, NOW, Some((&saved, anchor))), NOW);
        }
        let runs = preview(&saved, NOW, None).unwrap_or_default();
        assert_eq!(runs[0], NOW + 24 * HOUR);
    }
}
