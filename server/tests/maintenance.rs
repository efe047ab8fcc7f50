//! Maintenance windows through the official AWS SDK (aws-sdk-ssm), against the real
//! server on SQLite and PostgreSQL, with a manual clock: windows, targets, tasks, the
//! schedule and the windows of a node — success and error paths.

mod common;

use aws_sdk_ssm::types::{
    MaintenanceWindowFilter, MaintenanceWindowResourceType, MaintenanceWindowRunCommandParameters,
    MaintenanceWindowTaskCutoffBehavior, MaintenanceWindowTaskInvocationParameters,
    MaintenanceWindowTaskType, PatchOrchestratorFilter, Tag, Target,
};
use bosun_core::clock::ManualClock;
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use common::{aws_error, TestServer};
use std::sync::Arc;
use time::macros::datetime;

fn target(key: &str, values: &[&str]) -> Target {
    Target::builder()
        .key(key)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
}

async fn server(db: TestDb) -> (TestServer, aws_sdk_ssm::Client, aws_sdk_ssm::Client) {
    // Thursday 26 November 2026, 12:00 UTC, for the server and the SDK's signatures.
    let now = datetime!(2026-11-26 12:00 UTC);
    let clock = Arc::new(ManualClock::new(now));
    let srv = TestServer::start_with_clock(db, clock).await;
    let ops = srv.user_with_key("ops", Role::Operator).await;
    let viewer = srv.user_with_key("watcher", Role::Viewer).await;
    let at = Some(std::time::SystemTime::from(now));
    let ssm = srv.ssm_at(&ops.access_key_id, &ops.secret_access_key, at);
    let view = srv.ssm_at(&viewer.access_key_id, &viewer.secret_access_key, at);
    (srv, ssm, view)
}

#[tokio::test]
async fn windows_are_created_read_updated_listed_and_deleted() {
    for db in TestDb::all().await {
        let (srv, ssm, view) = server(db).await;
        let id = ssm
            .create_maintenance_window()
            .name("patch-tuesday")
            .description("second Tuesday")
            .schedule("cron(0 2 ? * TUE#2 *)")
            .schedule_timezone("Europe/Paris")
            .duration(4)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .client_token("tok-1")
            .tags(
                Tag::builder()
                    .key("team")
                    .value("ops")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        assert!(id.starts_with("mw-") && id.len() == 20, "{id}");
        // The same token and request: the same window; a different request: refused.
        let again = ssm
            .create_maintenance_window()
            .name("patch-tuesday")
            .description("second Tuesday")
            .schedule("cron(0 2 ? * TUE#2 *)")
            .schedule_timezone("Europe/Paris")
            .duration(4)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .client_token("tok-1")
            .tags(
                Tag::builder()
                    .key("team")
                    .value("ops")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await
            .expect("retry");
        assert_eq!(again.window_id(), Some(id.as_str()));
        let e = ssm
            .create_maintenance_window()
            .name("other")
            .schedule("rate(1 day)")
            .duration(1)
            .cutoff(0)
            .allow_unassociated_targets(true)
            .client_token("tok-1")
            .send()
            .await
            .expect_err("token reused");
        assert_eq!(aws_error(&e).0, "IdempotentParameterMismatch");

        let w = view
            .get_maintenance_window()
            .window_id(&id)
            .send()
            .await
            .expect("get");
        assert_eq!(w.name(), Some("patch-tuesday"));
        assert_eq!(w.schedule_timezone(), Some("Europe/Paris"));
        assert!(w.enabled());
        // The second Tuesday of December 2026 is the 8th; 02:00 in Paris is 01:00 UTC.
        assert_eq!(
            w.next_execution_time(),
            Some("2026-12-08T02:00:00+01:00"),
            "{w:?}"
        );
        let tags = ssm
            .list_tags_for_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::MaintenanceWindow)
            .resource_id(&id)
            .send()
            .await
            .expect("tags");
        assert_eq!(tags.tag_list().len(), 1);

        // Bad schedules say what is wrong.
        for (schedule, tz, wants) in [
            (
                "cron(0 2 * * TUE *)",
                None,
                "exactly one of the two must be ?",
            ),
            ("cron(0 2 ? * 8 *)", None, "day-of-week"),
            ("every day", None, "cron(...), rate(...) or at(...)"),
            ("rate(1 day)", Some("Mars/Olympus"), "Mars/Olympus"),
        ] {
            let e = ssm
                .create_maintenance_window()
                .name("bad")
                .schedule(schedule)
                .set_schedule_timezone(tz.map(str::to_string))
                .duration(2)
                .cutoff(1)
                .allow_unassociated_targets(false)
                .send()
                .await
                .expect_err(schedule);
            let (code, message) = aws_error(&e);
            assert_eq!(code, "ValidationException", "{schedule}: {message}");
            assert!(message.contains(wants), "{schedule}: {message}");
        }
        let e = ssm
            .create_maintenance_window()
            .name("bad")
            .schedule("rate(1 day)")
            .duration(2)
            .cutoff(2)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect_err("cutoff");
        assert!(aws_error(&e).1.contains("Cutoff"), "{:?}", aws_error(&e));
        let e = ssm
            .create_maintenance_window()
            .name("bad")
            .schedule("rate(1 day)")
            .end_date("2026-01-01T00:00:00Z")
            .duration(2)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect_err("end in the past");
        assert!(aws_error(&e).1.contains("EndDate"), "{:?}", aws_error(&e));
        let e = ssm
            .create_maintenance_window()
            .name("bad")
            .schedule("rate(1 day)")
            .schedule_offset(2)
            .duration(2)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect_err("offset on rate");
        assert_eq!(aws_error(&e).0, "ValidationException");
        // A viewer cannot create.
        let e = view
            .create_maintenance_window()
            .name("viewer")
            .schedule("rate(1 day)")
            .duration(2)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect_err("viewer");
        assert_eq!(aws_error(&e).0, "AccessDeniedException");

        // Update merges; disabling clears the next run; Replace needs the required ones.
        let u = ssm
            .update_maintenance_window()
            .window_id(&id)
            .schedule("rate(3 hours)")
            .enabled(false)
            .send()
            .await
            .expect("update");
        assert_eq!(u.schedule(), Some("rate(3 hours)"));
        assert_eq!(u.description(), Some("second Tuesday"));
        assert!(!u.enabled());
        let w = ssm
            .get_maintenance_window()
            .window_id(&id)
            .send()
            .await
            .expect("get");
        assert_eq!(w.next_execution_time(), None);
        ssm.update_maintenance_window()
            .window_id(&id)
            .enabled(true)
            .send()
            .await
            .expect("enable");
        let w = ssm
            .get_maintenance_window()
            .window_id(&id)
            .send()
            .await
            .expect("get");
        // rate() counts from the update that set it: 12:00 UTC + 3 h, in Paris.
        assert_eq!(w.next_execution_time(), Some("2026-11-26T16:00:00+01:00"));
        let e = ssm
            .update_maintenance_window()
            .window_id(&id)
            .replace(true)
            .name("renamed")
            .send()
            .await
            .expect_err("replace without the required members");
        assert!(aws_error(&e).1.contains("Schedule"), "{:?}", aws_error(&e));
        let r = ssm
            .update_maintenance_window()
            .window_id(&id)
            .replace(true)
            .name("renamed")
            .schedule("rate(1 day)")
            .duration(2)
            .cutoff(0)
            .allow_unassociated_targets(true)
            .send()
            .await
            .expect("replace");
        assert_eq!(r.description(), None);
        assert_eq!(r.schedule_timezone(), None);
        let e = ssm
            .get_maintenance_window()
            .window_id("mw-00000000000000000")
            .send()
            .await
            .expect_err("missing");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");

        // Listing: filters and pages.
        for n in 0..12 {
            ssm.create_maintenance_window()
                .name(format!("w-{n:02}"))
                .schedule("rate(1 day)")
                .duration(1)
                .cutoff(0)
                .allow_unassociated_targets(false)
                .send()
                .await
                .expect("create");
        }
        let mut names = Vec::new();
        let mut pages = view
            .describe_maintenance_windows()
            .max_results(10)
            .into_paginator()
            .send();
        let mut page_count = 0;
        while let Some(page) = pages.next().await {
            page_count += 1;
            for w in page.expect("page").window_identities() {
                names.push(w.name().unwrap_or_default().to_string());
            }
        }
        assert_eq!(page_count, 2);
        assert_eq!(names.len(), 13);
        assert_eq!(names[0], "renamed");
        let named = view
            .describe_maintenance_windows()
            .filters(
                MaintenanceWindowFilter::builder()
                    .key("Name")
                    .values("w-03")
                    .build(),
            )
            .send()
            .await
            .expect("by name");
        assert_eq!(named.window_identities().len(), 1);
        let e = view
            .describe_maintenance_windows()
            .filters(
                MaintenanceWindowFilter::builder()
                    .key("Colour")
                    .values("blue")
                    .build(),
            )
            .send()
            .await
            .expect_err("unknown filter");
        assert_eq!(aws_error(&e).0, "ValidationException");

        ssm.delete_maintenance_window()
            .window_id(&id)
            .send()
            .await
            .expect("delete");
        let e = ssm
            .delete_maintenance_window()
            .window_id(&id)
            .send()
            .await
            .expect_err("deleted");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        srv.stop().await;
    }
}

#[tokio::test]
async fn targets_and_tasks_are_registered_updated_listed_and_deregistered() {
    for db in TestDb::all().await {
        let (srv, ssm, view) = server(db).await;
        let window = ssm
            .create_maintenance_window()
            .name("nightly")
            .schedule("cron(30 23 * * ? *)")
            .duration(3)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        let web = ssm
            .register_target_with_maintenance_window()
            .window_id(&window)
            .resource_type(MaintenanceWindowResourceType::Instance)
            .targets(target("tag:role", &["web"]))
            .owner_information("team-web")
            .name("web-servers")
            .send()
            .await
            .expect("register target")
            .window_target_id()
            .expect("id")
            .to_string();
        assert_eq!(web.len(), 36);
        let e = ssm
            .register_target_with_maintenance_window()
            .window_id(&window)
            .resource_type(MaintenanceWindowResourceType::ResourceGroup)
            .targets(target("resource-groups:Name", &["prod"]))
            .send()
            .await
            .expect_err("resource groups");
        assert!(
            aws_error(&e).1.contains("resource groups"),
            "{:?}",
            aws_error(&e)
        );
        let e = ssm
            .register_target_with_maintenance_window()
            .window_id(&window)
            .resource_type(MaintenanceWindowResourceType::Instance)
            .targets(target("Colour", &["blue"]))
            .send()
            .await
            .expect_err("bad key");
        assert_eq!(aws_error(&e).0, "ValidationException");

        // Tasks: RUN_COMMAND on a registered target.
        let task = ssm
            .register_task_with_maintenance_window()
            .window_id(&window)
            .task_arn("AWS-RunShellScript")
            .task_type(MaintenanceWindowTaskType::RunCommand)
            .targets(target("WindowTargetIds", &[&web]))
            .priority(2)
            .max_concurrency("50%")
            .max_errors("1")
            .cutoff_behavior(MaintenanceWindowTaskCutoffBehavior::CancelTask)
            .task_invocation_parameters(
                MaintenanceWindowTaskInvocationParameters::builder()
                    .run_command(
                        MaintenanceWindowRunCommandParameters::builder()
                            .comment("window {{WINDOW_ID}}")
                            .parameters("commands", vec!["echo {{RESOURCE_ID}}".into()])
                            .timeout_seconds(600)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("register task")
            .window_task_id()
            .expect("id")
            .to_string();
        let first = ssm
            .register_task_with_maintenance_window()
            .window_id(&window)
            .task_arn("AWS-RunPatchBaseline")
            .task_type(MaintenanceWindowTaskType::RunCommand)
            .targets(target("WindowTargetIds", &[&web]))
            .priority(1)
            .max_concurrency("1")
            .max_errors("0")
            .send()
            .await
            .expect("register task")
            .window_task_id()
            .expect("id")
            .to_string();
        for (task_type, arn) in [
            (
                MaintenanceWindowTaskType::Lambda,
                "arn:aws:lambda:us-east-1:1:function:f",
            ),
            (
                MaintenanceWindowTaskType::StepFunctions,
                "arn:aws:states:us-east-1:1:stateMachine:s",
            ),
            (
                MaintenanceWindowTaskType::Automation,
                "AWS-RestartEC2Instance",
            ),
        ] {
            let e = ssm
                .register_task_with_maintenance_window()
                .window_id(&window)
                .task_arn(arn)
                .task_type(task_type.clone())
                .send()
                .await
                .expect_err("unsupported task type");
            assert_eq!(
                aws_error(&e).0,
                "FeatureNotAvailableException",
                "{task_type:?}"
            );
        }
        let e = ssm
            .register_task_with_maintenance_window()
            .window_id(&window)
            .task_arn("No-Such-Document")
            .task_type(MaintenanceWindowTaskType::RunCommand)
            .targets(target("WindowTargetIds", &[&web]))
            .max_concurrency("1")
            .max_errors("0")
            .send()
            .await
            .expect_err("unknown document");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        let e = ssm
            .register_task_with_maintenance_window()
            .window_id(&window)
            .task_arn("AWS-RunShellScript")
            .task_type(MaintenanceWindowTaskType::RunCommand)
            .targets(target(
                "WindowTargetIds",
                &["00000000-0000-0000-0000-000000000000"],
            ))
            .max_concurrency("1")
            .max_errors("0")
            .send()
            .await
            .expect_err("unregistered target");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        let e = ssm
            .register_task_with_maintenance_window()
            .window_id(&window)
            .task_arn("AWS-RunShellScript")
            .task_type(MaintenanceWindowTaskType::RunCommand)
            .send()
            .await
            .expect_err("no targets");
        assert_eq!(aws_error(&e).0, "ValidationException");

        // Read and list: by priority.
        let got = view
            .get_maintenance_window_task()
            .window_id(&window)
            .window_task_id(&task)
            .send()
            .await
            .expect("get task");
        assert_eq!(got.priority(), 2);
        assert_eq!(got.max_concurrency(), Some("50%"));
        assert_eq!(
            got.cutoff_behavior(),
            Some(&MaintenanceWindowTaskCutoffBehavior::CancelTask)
        );
        let rc = got
            .task_invocation_parameters()
            .and_then(|p| p.run_command())
            .expect("run command parameters");
        assert_eq!(rc.comment(), Some("window {{WINDOW_ID}}"));
        assert_eq!(rc.timeout_seconds(), Some(600));
        let listed = view
            .describe_maintenance_window_tasks()
            .window_id(&window)
            .send()
            .await
            .expect("tasks");
        let ids: Vec<&str> = listed
            .tasks()
            .iter()
            .filter_map(|t| t.window_task_id())
            .collect();
        assert_eq!(ids, [first.as_str(), task.as_str()]);
        let by_priority = view
            .describe_maintenance_window_tasks()
            .window_id(&window)
            .filters(
                MaintenanceWindowFilter::builder()
                    .key("Priority")
                    .values("2")
                    .build(),
            )
            .send()
            .await
            .expect("filtered");
        assert_eq!(by_priority.tasks().len(), 1);

        // Update merges; Replace resets the optional members.
        let updated = ssm
            .update_maintenance_window_task()
            .window_id(&window)
            .window_task_id(&task)
            .priority(0)
            .send()
            .await
            .expect("update task");
        assert_eq!(updated.priority(), 0);
        assert_eq!(updated.max_concurrency(), Some("50%"));
        let replaced = ssm
            .update_maintenance_window_task()
            .window_id(&window)
            .window_task_id(&task)
            .replace(true)
            .task_arn("AWS-RunShellScript")
            .targets(target("InstanceIds", &["mi-0123456789abcdef0"]))
            .max_concurrency("2")
            .max_errors("0")
            .send()
            .await
            .expect("replace task");
        assert_eq!(replaced.priority(), 1);
        assert_eq!(replaced.task_invocation_parameters(), None);
        assert_eq!(
            replaced.cutoff_behavior(),
            Some(&MaintenanceWindowTaskCutoffBehavior::ContinueTask)
        );

        // A target a task names cannot go with Safe; without it, it can.
        let e = ssm
            .deregister_target_from_maintenance_window()
            .window_id(&window)
            .window_target_id(&web)
            .safe(true)
            .send()
            .await
            .expect_err("in use");
        assert_eq!(aws_error(&e).0, "TargetInUseException");
        let updated_target = ssm
            .update_maintenance_window_target()
            .window_id(&window)
            .window_target_id(&web)
            .owner_information("team-platform")
            .send()
            .await
            .expect("update target");
        assert_eq!(updated_target.owner_information(), Some("team-platform"));
        assert_eq!(updated_target.name(), Some("web-servers"));
        let targets = view
            .describe_maintenance_window_targets()
            .window_id(&window)
            .filters(
                MaintenanceWindowFilter::builder()
                    .key("OwnerInformation")
                    .values("team-platform")
                    .build(),
            )
            .send()
            .await
            .expect("targets");
        assert_eq!(targets.targets().len(), 1);
        assert_eq!(
            targets.targets()[0].resource_type(),
            Some(&MaintenanceWindowResourceType::Instance)
        );
        ssm.deregister_target_from_maintenance_window()
            .window_id(&window)
            .window_target_id(&web)
            .send()
            .await
            .expect("deregister");
        ssm.deregister_task_from_maintenance_window()
            .window_id(&window)
            .window_task_id(&first)
            .send()
            .await
            .expect("deregister task");
        let e = ssm
            .get_maintenance_window_task()
            .window_id(&window)
            .window_task_id(&first)
            .send()
            .await
            .expect_err("gone");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_schedule_lists_upcoming_runs_and_the_windows_of_a_node() {
    for db in TestDb::all().await {
        let (srv, ssm, view) = server(db).await;
        let daily = ssm
            .create_maintenance_window()
            .name("daily")
            .schedule("cron(0 3 * * ? *)")
            .schedule_timezone("America/New_York")
            .duration(2)
            .cutoff(0)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        let runs = view
            .describe_maintenance_window_schedule()
            .window_id(&daily)
            .max_results(5)
            .send()
            .await
            .expect("schedule");
        let times: Vec<&str> = runs
            .scheduled_window_executions()
            .iter()
            .filter_map(|r| r.execution_time())
            .collect();
        assert_eq!(
            times,
            [
                "2026-11-27T03:00:00-05:00",
                "2026-11-28T03:00:00-05:00",
                "2026-11-29T03:00:00-05:00",
                "2026-11-30T03:00:00-05:00",
                "2026-12-01T03:00:00-05:00",
            ]
        );
        assert!(runs.next_token().is_some());
        let bounded = view
            .describe_maintenance_window_schedule()
            .window_id(&daily)
            .filters(
                PatchOrchestratorFilter::builder()
                    .key("ScheduledBefore")
                    .values("2026-12-03T00:00:00Z")
                    .build(),
            )
            .send()
            .await
            .expect("bounded");
        assert_eq!(bounded.scheduled_window_executions().len(), 6);

        // A node selected by a window's tag target.
        let a = bosun_core::activations::create_activation(
            &srv.core,
            &bosun_core::Actor::cli(),
            bosun_core::activations::CreateActivation {
                iam_role: "SSMServiceRole".into(),
                registration_limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .expect("activation");
        let dir = std::env::temp_dir().join(format!("bosun-mw-{}", uuid::Uuid::new_v4()));
        let node = bosun_agent::register(&bosun_agent::RegisterOptions {
            server: srv.url.clone(),
            activation_id: a.activation_id.clone(),
            activation_code: a.activation_code.clone(),
            state_dir: dir.clone(),
            name: None,
            force: false,
            ca_file: None,
        })
        .await
        .expect("register");
        ssm.add_tags_to_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
            .resource_id(&node)
            .tags(Tag::builder().key("role").value("db").build().expect("tag"))
            .send()
            .await
            .expect("tag node");
        ssm.register_target_with_maintenance_window()
            .window_id(&daily)
            .resource_type(MaintenanceWindowResourceType::Instance)
            .targets(target("tag:role", &["db"]))
            .send()
            .await
            .expect("register target");
        let other = ssm
            .create_maintenance_window()
            .name("weekly")
            .schedule("cron(0 4 ? * SUN *)")
            .duration(2)
            .cutoff(0)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        ssm.register_target_with_maintenance_window()
            .window_id(&other)
            .resource_type(MaintenanceWindowResourceType::Instance)
            .targets(target("tag:role", &["web"]))
            .send()
            .await
            .expect("register target");
        let mine = view
            .describe_maintenance_windows_for_target()
            .targets(target("InstanceIds", &[&node]))
            .resource_type(MaintenanceWindowResourceType::Instance)
            .send()
            .await
            .expect("for target");
        let ids: Vec<&str> = mine
            .window_identities()
            .iter()
            .filter_map(|w| w.window_id())
            .collect();
        assert_eq!(ids, [daily.as_str()]);
        let node_runs = view
            .describe_maintenance_window_schedule()
            .targets(target("InstanceIds", &[&node]))
            .resource_type(MaintenanceWindowResourceType::Instance)
            .max_results(2)
            .send()
            .await
            .expect("node schedule");
        assert!(node_runs
            .scheduled_window_executions()
            .iter()
            .all(|r| r.window_id() == Some(daily.as_str())));
        let _ = std::fs::remove_dir_all(&dir);
        srv.stop().await;
    }
}

/// A server on a manual clock set to now (whole seconds), with an operator's key.
async fn clocked(
    db: TestDb,
) -> (
    TestServer,
    ManualClock,
    time::OffsetDateTime,
    bosun_core::types::NewAccessKey,
) {
    let start = time::OffsetDateTime::now_utc()
        .replace_millisecond(0)
        .expect("ms");
    let clock = ManualClock::new(start);
    let srv = TestServer::start_with_clock(db, Arc::new(clock.clone())).await;
    let key = srv.user_with_key("ops", Role::Operator).await;
    (srv, clock, start, key)
}

/// An SDK client that signs at `at`: the server's (manual) time, not the machine's.
fn signing_at(
    srv: &TestServer,
    key: &bosun_core::types::NewAccessKey,
    at: time::OffsetDateTime,
) -> aws_sdk_ssm::Client {
    srv.ssm_at(
        &key.access_key_id,
        &key.secret_access_key,
        Some(std::time::SystemTime::from(at)),
    )
}

/// Polls the window's executions until one is over (the scheduler has no event for
/// tests; it runs twice a second).
async fn wait_execution_over(
    ssm: &aws_sdk_ssm::Client,
    window: &str,
) -> aws_sdk_ssm::types::MaintenanceWindowExecution {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let xs = ssm
            .describe_maintenance_window_executions()
            .window_id(window)
            .send()
            .await
            .expect("executions");
        if let Some(x) = xs.window_executions().first() {
            let open = matches!(
                x.status().map(|s| s.as_str()),
                Some("PENDING" | "IN_PROGRESS" | "CANCELLING")
            );
            if !open {
                return x.clone();
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "window {window}: no execution ended: {xs:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn at_expression(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    format!("at({})", t.format(&f).expect("format"))
}

#[tokio::test]
async fn a_due_window_runs_its_tasks_in_priority_order_on_real_agents() {
    use common::agent::{activation, register, run_agent, stop_agent, temp_dir, wait_online};
    let _ = common::agent::agent_binary();
    for db in TestDb::all().await {
        let (srv, clock, start, key) = clocked(db).await;
        let ssm = signing_at(&srv, &key, start);
        let base = temp_dir("mw-agents");
        let mut nodes = Vec::new();
        let mut agents = Vec::new();
        for n in 0..2 {
            let a = activation(&srv).await;
            let dir = base.join(format!("node{n}")).join("state");
            let node = register(&srv, &a, &dir).await;
            agents.push(run_agent(&dir, &[]));
            wait_online(&srv, &node).await;
            ssm.add_tags_to_resource()
                .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
                .resource_id(&node)
                .tags(
                    Tag::builder()
                        .key("role")
                        .value("web")
                        .build()
                        .expect("tag"),
                )
                .send()
                .await
                .expect("tag");
            nodes.push(node);
        }
        let due = start + time::Duration::seconds(3);
        let window = ssm
            .create_maintenance_window()
            .name("now")
            .schedule(at_expression(due))
            .duration(1)
            .cutoff(0)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        let web = ssm
            .register_target_with_maintenance_window()
            .window_id(&window)
            .resource_type(MaintenanceWindowResourceType::Instance)
            .targets(target("tag:role", &["web"]))
            .owner_information("web team")
            .send()
            .await
            .expect("target")
            .window_target_id()
            .expect("id")
            .to_string();
        let task = |priority: i32, script: &str, concurrency: &str| {
            ssm.register_task_with_maintenance_window()
                .window_id(&window)
                .task_arn("AWS-RunShellScript")
                .task_type(MaintenanceWindowTaskType::RunCommand)
                .targets(target("WindowTargetIds", &[&web]))
                .priority(priority)
                .max_concurrency(concurrency)
                .max_errors("0")
                .task_invocation_parameters(
                    MaintenanceWindowTaskInvocationParameters::builder()
                        .run_command(
                            MaintenanceWindowRunCommandParameters::builder()
                                .comment("from {{WINDOW_ID}}")
                                .parameters("commands", vec![script.to_string()])
                                .build(),
                        )
                        .build(),
                )
                .send()
        };
        let second = task(2, "echo second {{RESOURCE_ID}}", "2")
            .await
            .expect("task")
            .window_task_id()
            .expect("id")
            .to_string();
        let first = task(
            1,
            "echo first {{RESOURCE_ID}} {{RESOURCE_TYPE}} {{WINDOW_EXECUTION_ID}} {{TASK_EXECUTION_ID}} {{WINDOW_TARGET_ID}}",
            "1",
        )
        .await
        .expect("task")
        .window_task_id()
        .expect("id")
        .to_string();

        // Due in 3 s of the server's clock: move it there.
        clock.advance(time::Duration::seconds(4));
        let x = wait_execution_over(&ssm, &window).await;
        let xid = x.window_execution_id().expect("id").to_string();
        assert_eq!(x.status().map(|s| s.as_str()), Some("SUCCESS"), "{x:?}");
        let all = ssm
            .describe_maintenance_window_executions()
            .window_id(&window)
            .send()
            .await
            .expect("executions");
        assert_eq!(all.window_executions().len(), 1, "fired once");
        let w = ssm
            .get_maintenance_window()
            .window_id(&window)
            .send()
            .await
            .expect("window");
        assert_eq!(w.next_execution_time(), None, "an at() window runs once");

        let tasks = ssm
            .describe_maintenance_window_execution_tasks()
            .window_execution_id(&xid)
            .send()
            .await
            .expect("tasks");
        let tasks = tasks.window_execution_task_identities();
        assert_eq!(tasks.len(), 2);
        // Priority 1 ended before priority 2 started.
        let (t1, t2) = (&tasks[0], &tasks[1]);
        let t1_end = t1.end_time().expect("end").as_secs_f64();
        let t2_start = t2.start_time().expect("start").as_secs_f64();
        assert!(t1_end <= t2_start, "{t1:?} / {t2:?}");
        for (t, word, window_task) in [(t1, "first", &first), (t2, "second", &second)] {
            let task_id = t.task_execution_id().expect("id");
            let got = ssm
                .get_maintenance_window_execution_task()
                .window_execution_id(&xid)
                .task_id(task_id)
                .send()
                .await
                .expect("task");
            assert_eq!(got.status().map(|s| s.as_str()), Some("SUCCESS"));
            let invs = ssm
                .describe_maintenance_window_execution_task_invocations()
                .window_execution_id(&xid)
                .task_id(task_id)
                .send()
                .await
                .expect("invocations");
            let invs = invs.window_execution_task_invocation_identities();
            assert_eq!(invs.len(), 2, "one per node");
            for inv in invs {
                assert_eq!(inv.window_target_id(), Some(web.as_str()));
                assert_eq!(inv.owner_information(), Some("web team"));
                let command = inv.execution_id().expect("the Run Command command");
                let parameters = inv.parameters().unwrap_or_default();
                let node = nodes
                    .iter()
                    .find(|n| parameters.contains(n.as_str()))
                    .expect("the node's id in the parameters");
                let out = ssm
                    .get_command_invocation()
                    .command_id(command)
                    .instance_id(node)
                    .send()
                    .await
                    .expect("command invocation");
                let stdout = out.standard_output_content().unwrap_or_default();
                if word == "first" {
                    assert_eq!(
                        stdout.trim(),
                        format!("first {node} INSTANCE {xid} {task_id} {web}"),
                        "{window_task}"
                    );
                } else {
                    assert_eq!(stdout.trim(), format!("second {node}"));
                }
                let listed = ssm
                    .list_commands()
                    .command_id(command)
                    .send()
                    .await
                    .expect("command");
                assert_eq!(
                    listed.commands()[0].comment(),
                    Some(format!("from {window}").as_str())
                );
            }
        }
        for mut a in agents {
            stop_agent(&mut a).await;
        }
        let _ = std::fs::remove_dir_all(&base);
        srv.stop().await;
    }
}

#[tokio::test]
async fn runs_missed_while_the_clock_jumped_collapse_into_one_execution() {
    for db in TestDb::all().await {
        let (srv, clock, start, key) = clocked(db).await;
        let ssm = signing_at(&srv, &key, start);
        let window = ssm
            .create_maintenance_window()
            .name("hourly")
            .schedule("rate(1 hour)")
            .duration(2)
            .cutoff(1)
            .allow_unassociated_targets(false)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        // Five hours and a bit pass at once (as if no server ran): one execution, for
        // the latest run, which is still before its cutoff.
        clock.advance(time::Duration::minutes(5 * 60 + 10));
        // A client that signs at the server's new time.
        let ssm = signing_at(&srv, &key, start + time::Duration::minutes(5 * 60 + 10));
        let x = wait_execution_over(&ssm, &window).await;
        assert_eq!(x.status().map(|s| s.as_str()), Some("SUCCESS"), "{x:?}");
        assert!(
            x.status_details()
                .unwrap_or_default()
                .contains("4 earlier run(s)"),
            "{x:?}"
        );
        let all = ssm
            .describe_maintenance_window_executions()
            .window_id(&window)
            .send()
            .await
            .expect("executions");
        assert_eq!(all.window_executions().len(), 1);
        let w = ssm
            .get_maintenance_window()
            .window_id(&window)
            .send()
            .await
            .expect("window");
        // The next run is the sixth hour after creation.
        let next = w.next_execution_time().expect("next");
        let sixth = start + time::Duration::hours(6);
        let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        assert!(
            next.starts_with(&sixth.format(&f).expect("format")),
            "{next} vs {sixth}"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn several_replicas_fire_a_due_window_once_within_a_second() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let replica = if srv.core.db().backend() == bosun_core::db::Backend::Postgres {
            Some(srv.replica().await)
        } else {
            None
        };
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        // Due soon, with room for a loaded machine: a window created after its `at()`
        // time never runs (as AWS), and this test would wait in vain.
        let due = time::OffsetDateTime::now_utc()
            .replace_millisecond(0)
            .expect("ms")
            + time::Duration::seconds(6);
        let window = ssm
            .create_maintenance_window()
            .name("soon")
            .schedule(at_expression(due))
            .duration(1)
            .cutoff(0)
            .allow_unassociated_targets(true)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        let next = ssm
            .get_maintenance_window()
            .window_id(&window)
            .send()
            .await
            .expect("get");
        assert!(
            next.next_execution_time().is_some(),
            "created after its due time {due} (machine too loaded?): {next:?}"
        );
        let x = wait_execution_over(&ssm, &window).await;
        let all = ssm
            .describe_maintenance_window_executions()
            .window_id(&window)
            .send()
            .await
            .expect("executions");
        assert_eq!(all.window_executions().len(), 1, "fired once: {all:?}");
        let started = x.start_time().expect("start").as_secs_f64();
        let late = started - due.unix_timestamp() as f64;
        assert!(late >= 0.0, "fired early: {late}");
        println!(
            "{}: fired {late:.3} s after the due time (replicas: {})",
            srv.core.db().backend().as_str(),
            if replica.is_some() { 2 } else { 1 }
        );
        if let Some(r) = replica {
            r.stop().await;
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn overlapping_runs_are_skipped_and_cancel_and_cutoff_stop_running_tasks() {
    for db in TestDb::all().await {
        let (srv, clock, start, key) = clocked(db).await;
        let client = |offset: time::Duration| signing_at(&srv, &key, start + offset);
        let ssm = client(time::Duration::ZERO);
        // A registered node whose agent is not running: its commands wait for it.
        let a = bosun_core::activations::create_activation(
            &srv.core,
            &bosun_core::Actor::cli(),
            bosun_core::activations::CreateActivation {
                iam_role: "SSMServiceRole".into(),
                registration_limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .expect("activation");
        let dir = std::env::temp_dir().join(format!("bosun-mw-{}", uuid::Uuid::new_v4()));
        let node = bosun_agent::register(&bosun_agent::RegisterOptions {
            server: srv.url.clone(),
            activation_id: a.activation_id.clone(),
            activation_code: a.activation_code.clone(),
            state_dir: dir.clone(),
            name: None,
            force: false,
            ca_file: None,
        })
        .await
        .expect("register");
        let window = |name: &'static str, cutoff_behavior: MaintenanceWindowTaskCutoffBehavior| {
            let ssm = &ssm;
            let node = node.clone();
            async move {
                let id = ssm
                    .create_maintenance_window()
                    .name(name)
                    .schedule("rate(10 minutes)")
                    .duration(1)
                    .cutoff(0)
                    .allow_unassociated_targets(true)
                    .send()
                    .await
                    .expect("create")
                    .window_id()
                    .expect("id")
                    .to_string();
                ssm.register_task_with_maintenance_window()
                    .window_id(&id)
                    .task_arn("AWS-RunShellScript")
                    .task_type(MaintenanceWindowTaskType::RunCommand)
                    .targets(target("InstanceIds", &[&node]))
                    .max_concurrency("1")
                    .max_errors("0")
                    .cutoff_behavior(cutoff_behavior)
                    .task_invocation_parameters(
                        MaintenanceWindowTaskInvocationParameters::builder()
                            .run_command(
                                MaintenanceWindowRunCommandParameters::builder()
                                    .parameters("commands", vec!["sleep 1".into()])
                                    .timeout_seconds(2_592_000)
                                    .build(),
                            )
                            .build(),
                    )
                    .send()
                    .await
                    .expect("task");
                id
            }
        };
        let cancelled = window(
            "to-cancel",
            MaintenanceWindowTaskCutoffBehavior::ContinueTask,
        )
        .await;
        let cut = window("to-cut", MaintenanceWindowTaskCutoffBehavior::CancelTask).await;

        // Both fire; their commands wait for the offline node.
        clock.advance(time::Duration::minutes(10));
        let ssm = client(time::Duration::minutes(10));
        let running = |w: String| {
            let ssm = ssm.clone();
            async move {
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
                loop {
                    let xs = ssm
                        .describe_maintenance_window_executions()
                        .window_id(&w)
                        .send()
                        .await
                        .expect("executions");
                    let xs = xs.window_executions().to_vec();
                    if let Some(x) = xs
                        .iter()
                        .find(|x| x.status().map(|s| s.as_str()) == Some("IN_PROGRESS"))
                    {
                        let tasks = ssm
                            .describe_maintenance_window_execution_tasks()
                            .window_execution_id(x.window_execution_id().expect("id"))
                            .send()
                            .await
                            .expect("tasks");
                        let t = tasks.window_execution_task_identities()[0].clone();
                        let invs = ssm
                            .describe_maintenance_window_execution_task_invocations()
                            .window_execution_id(x.window_execution_id().expect("id"))
                            .task_id(t.task_execution_id().expect("id"))
                            .send()
                            .await
                            .expect("invocations");
                        if invs
                            .window_execution_task_invocation_identities()
                            .iter()
                            .any(|i| i.execution_id().is_some())
                        {
                            return (x.clone(), xs);
                        }
                    }
                    assert!(tokio::time::Instant::now() < deadline, "{w}: {xs:?}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };
        let (first, _) = running(cancelled.clone()).await;
        running(cut.clone()).await;

        // The next run comes while the first still runs: skipped.
        clock.advance(time::Duration::minutes(10));
        let ssm = client(time::Duration::minutes(20));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let xs = ssm
                .describe_maintenance_window_executions()
                .window_id(&cancelled)
                .send()
                .await
                .expect("executions");
            if let Some(x) = xs
                .window_executions()
                .iter()
                .find(|x| x.status().map(|s| s.as_str()) == Some("SKIPPED_OVERLAPPING"))
            {
                assert!(
                    x.status_details()
                        .unwrap_or_default()
                        .contains(first.window_execution_id().expect("id")),
                    "{x:?}"
                );
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{xs:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        // Cancel: the execution and its command end Cancelled.
        let first_id = first.window_execution_id().expect("id").to_string();
        ssm.cancel_maintenance_window_execution()
            .window_execution_id(&first_id)
            .send()
            .await
            .expect("cancel");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let x = ssm
                .get_maintenance_window_execution()
                .window_execution_id(&first_id)
                .send()
                .await
                .expect("execution");
            if x.status().map(|s| s.as_str()) == Some("CANCELLED") {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{x:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let e = ssm
            .cancel_maintenance_window_execution()
            .window_execution_id(&first_id)
            .send()
            .await
            .expect_err("already over");
        assert_eq!(aws_error(&e).0, "ValidationException");

        // The cutoff (the first run's hour is over) cancels CANCEL_TASK tasks' commands.
        clock.advance(time::Duration::minutes(55));
        let ssm = client(time::Duration::minutes(75));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let xs = ssm
                .describe_maintenance_window_executions()
                .window_id(&cut)
                .send()
                .await
                .expect("executions");
            let oldest = xs.window_executions().last().cloned().expect("one");
            if oldest.status().map(|s| s.as_str()) == Some("TIMED_OUT") {
                let tasks = ssm
                    .describe_maintenance_window_execution_tasks()
                    .window_execution_id(oldest.window_execution_id().expect("id"))
                    .send()
                    .await
                    .expect("tasks");
                assert_eq!(
                    tasks.window_execution_task_identities()[0]
                        .status()
                        .map(|s| s.as_str()),
                    Some("CANCELLED"),
                    "{tasks:?}"
                );
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{xs:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        srv.stop().await;
    }
}

#[tokio::test]
async fn runs_missed_while_the_server_was_down_run_on_start_up_only_before_their_cutoff() {
    for db in TestDb::all().await {
        let (mut srv, clock, start, key) = clocked(db).await;
        let ssm = signing_at(&srv, &key, start);
        let daily = |name: &'static str, duration: i32| {
            let ssm = ssm.clone();
            async move {
                ssm.create_maintenance_window()
                    .name(name)
                    .schedule("rate(1 day)")
                    .duration(duration)
                    .cutoff(1)
                    .allow_unassociated_targets(true)
                    .send()
                    .await
                    .expect("create")
                    .window_id()
                    .expect("id")
                    .to_string()
            }
        };
        // Both are due a day from now. Short's cutoff is an hour after that, long's
        // three hours.
        let short = daily("short", 2).await;
        let long = daily("long", 4).await;

        // The server is down from now until 90 minutes past the due time.
        srv.halt().await;
        let later = time::Duration::days(1) + time::Duration::minutes(90);
        clock.advance(later);
        srv.resume().await;
        let ssm = signing_at(&srv, &key, start + later);

        let skipped = wait_execution_over(&ssm, &short).await;
        assert_eq!(
            skipped.status().map(|s| s.as_str()),
            Some("TIMED_OUT"),
            "{skipped:?}"
        );
        assert!(
            skipped
                .status_details()
                .unwrap_or_default()
                .starts_with("Skipped: no Bosun server ran"),
            "{skipped:?}"
        );
        let ran = wait_execution_over(&ssm, &long).await;
        assert_eq!(ran.status().map(|s| s.as_str()), Some("SUCCESS"), "{ran:?}");
        // Both executions belong to the run that was due, not to the start-up time.
        for x in [&skipped, &ran] {
            let got = ssm
                .get_maintenance_window_execution()
                .window_execution_id(x.window_execution_id().expect("id"))
                .send()
                .await
                .expect("execution");
            let started = got.start_time().expect("start").as_secs_f64();
            assert!(
                started >= (start + later).unix_timestamp() as f64,
                "{got:?}"
            );
        }
        for w in [&short, &long] {
            let xs = ssm
                .describe_maintenance_window_executions()
                .window_id(w)
                .send()
                .await
                .expect("executions");
            assert_eq!(xs.window_executions().len(), 1, "{xs:?}");
            // The next run is the day after.
            let next = ssm
                .get_maintenance_window()
                .window_id(w)
                .send()
                .await
                .expect("window")
                .next_execution_time()
                .expect("next")
                .to_string();
            let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
            let expected = (start + time::Duration::days(2))
                .format(&f)
                .expect("format");
            assert!(next.starts_with(&expected), "{next} vs {expected}");
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_server_restart_during_an_execution_neither_loses_nor_repeats_its_commands() {
    use common::agent::{activation, register, run_agent, stop_agent, temp_dir, wait_online};
    let _ = common::agent::agent_binary();
    for db in TestDb::all().await {
        let (mut srv, clock, start, key) = clocked(db).await;
        let ssm = signing_at(&srv, &key, start);
        let base = temp_dir("mw-restart");
        let a = activation(&srv).await;
        let dir = base.join("state");
        let node = register(&srv, &a, &dir).await;
        let mut agent = run_agent(&dir, &[]);
        wait_online(&srv, &node).await;
        let marker = base.join("runs");
        let due = start + time::Duration::seconds(3);
        let window = ssm
            .create_maintenance_window()
            .name("restart")
            .schedule(at_expression(due))
            .duration(1)
            .cutoff(0)
            .allow_unassociated_targets(true)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        // Two tasks: the first runs across the restart, the second starts after it.
        for (priority, script) in [
            (
                1,
                format!(
                    "echo first >> {m}; echo started; while [ ! -e {m}.go ]; do sleep 0.1; done; echo done",
                    m = marker.display()
                ),
            ),
            (2, format!("echo second >> {}", marker.display())),
        ] {
            ssm.register_task_with_maintenance_window()
                .window_id(&window)
                .task_arn("AWS-RunShellScript")
                .task_type(MaintenanceWindowTaskType::RunCommand)
                .targets(target("InstanceIds", &[&node]))
                .priority(priority)
                .max_concurrency("1")
                .max_errors("0")
                .task_invocation_parameters(
                    MaintenanceWindowTaskInvocationParameters::builder()
                        .run_command(
                            MaintenanceWindowRunCommandParameters::builder()
                                .parameters("commands", vec![script])
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .expect("task");
        }
        clock.advance(time::Duration::seconds(4));
        let ssm = signing_at(&srv, &key, start + time::Duration::seconds(4));
        // The first task's command is running on the node.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let command = loop {
            let listed = ssm.list_commands().send().await.expect("commands");
            if let Some(c) = listed.commands().first() {
                let id = c.command_id().expect("id").to_string();
                let inv = ssm
                    .get_command_invocation()
                    .command_id(&id)
                    .instance_id(&node)
                    .send()
                    .await;
                if inv
                    .ok()
                    .and_then(|i| i.standard_output_content().map(|s| s.contains("started")))
                    == Some(true)
                {
                    break id;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "{listed:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };

        // The server stops and comes back; the command finishes while it is down.
        srv.halt().await;
        std::fs::write(format!("{}.go", marker.display()), b"").expect("go");
        srv.resume().await;

        let x = wait_execution_over(&ssm, &window).await;
        assert_eq!(x.status().map(|s| s.as_str()), Some("SUCCESS"), "{x:?}");
        let out = ssm
            .get_command_invocation()
            .command_id(&command)
            .instance_id(&node)
            .send()
            .await
            .expect("invocation");
        assert_eq!(
            out.standard_output_content().unwrap_or_default().trim(),
            "started\ndone"
        );
        // Each task ran once on the node, in order; two commands in all.
        assert_eq!(
            std::fs::read_to_string(&marker).expect("marker"),
            "first\nsecond\n"
        );
        let listed = ssm.list_commands().send().await.expect("commands");
        assert_eq!(listed.commands().len(), 2, "{listed:?}");
        let xs = ssm
            .describe_maintenance_window_executions()
            .window_id(&window)
            .send()
            .await
            .expect("executions");
        assert_eq!(xs.window_executions().len(), 1, "{xs:?}");
        stop_agent(&mut agent).await;
        let _ = std::fs::remove_dir_all(&base);
        srv.stop().await;
    }
}

#[tokio::test]
async fn at_the_cutoff_continue_task_runs_on_and_nothing_starts_after_the_window_ends() {
    use common::agent::{activation, register, run_agent, stop_agent, temp_dir, wait_online};
    let _ = common::agent::agent_binary();
    for db in TestDb::all().await {
        let (srv, clock, start, key) = clocked(db).await;
        let client = |offset: time::Duration| signing_at(&srv, &key, start + offset);
        let ssm = client(time::Duration::ZERO);
        // Two registered nodes whose agents are not running yet: commands wait.
        let base = temp_dir("mw-continue");
        let mut nodes = Vec::new();
        for n in 0..2 {
            let a = activation(&srv).await;
            let dir = base.join(format!("node{n}"));
            nodes.push((register(&srv, &a, &dir).await, dir));
        }
        let window = ssm
            .create_maintenance_window()
            .name("bounded")
            .schedule("rate(1 day)")
            .duration(2)
            .cutoff(1)
            .allow_unassociated_targets(true)
            .send()
            .await
            .expect("create")
            .window_id()
            .expect("id")
            .to_string();
        let ids: Vec<&str> = nodes.iter().map(|(n, _)| n.as_str()).collect();
        for (priority, max_concurrency) in [(1, "1"), (2, "2")] {
            ssm.register_task_with_maintenance_window()
                .window_id(&window)
                .task_arn("AWS-RunShellScript")
                .task_type(MaintenanceWindowTaskType::RunCommand)
                .targets(target("InstanceIds", &ids))
                .priority(priority)
                .max_concurrency(max_concurrency)
                .max_errors("0")
                .cutoff_behavior(MaintenanceWindowTaskCutoffBehavior::ContinueTask)
                .task_invocation_parameters(
                    MaintenanceWindowTaskInvocationParameters::builder()
                        .run_command(
                            MaintenanceWindowRunCommandParameters::builder()
                                .parameters("commands", vec!["echo ran".into()])
                                .timeout_seconds(2_592_000)
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .expect("task");
        }
        let tasks_of = |ssm: aws_sdk_ssm::Client, xid: String| async move {
            let tasks = ssm
                .describe_maintenance_window_execution_tasks()
                .window_execution_id(&xid)
                .send()
                .await
                .expect("tasks");
            let mut out = Vec::new();
            for t in tasks.window_execution_task_identities() {
                let invs = ssm
                    .describe_maintenance_window_execution_task_invocations()
                    .window_execution_id(&xid)
                    .task_id(t.task_execution_id().expect("id"))
                    .send()
                    .await
                    .expect("invocations");
                out.push((
                    t.clone(),
                    invs.window_execution_task_invocation_identities().to_vec(),
                ));
            }
            out
        };
        // Due: the first task starts one invocation (MaxConcurrency 1).
        clock.advance(time::Duration::days(1));
        let ssm = client(time::Duration::days(1));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        let xid = loop {
            let xs = ssm
                .describe_maintenance_window_executions()
                .window_id(&window)
                .send()
                .await
                .expect("executions");
            if let Some(x) = xs.window_executions().first() {
                let xid = x.window_execution_id().expect("id").to_string();
                let tasks = tasks_of(ssm.clone(), xid.clone()).await;
                if tasks[0].1.iter().any(|i| i.execution_id().is_some()) {
                    break xid;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "{xs:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };

        // The cutoff: the second task never starts; the first goes on.
        clock.advance(time::Duration::minutes(61));
        let ssm = client(time::Duration::days(1) + time::Duration::minutes(61));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let tasks = tasks_of(ssm.clone(), xid.clone()).await;
            if tasks[1].0.status().map(|s| s.as_str()) == Some("CANCELLED") {
                assert_eq!(
                    tasks[1].0.status_details(),
                    Some("Not started: the window reached its cutoff.")
                );
                assert_eq!(tasks[0].0.status().map(|s| s.as_str()), Some("IN_PROGRESS"));
                let statuses: Vec<_> = tasks[0]
                    .1
                    .iter()
                    .map(|i| i.status().map(|s| s.as_str().to_string()))
                    .collect();
                assert!(
                    statuses.contains(&Some("IN_PROGRESS".into()))
                        && statuses.contains(&Some("PENDING".into())),
                    "{statuses:?}"
                );
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{tasks:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        // The window's end: the waiting invocation never starts.
        clock.advance(time::Duration::minutes(60));
        let ssm = client(time::Duration::days(1) + time::Duration::minutes(121));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        let running = loop {
            let tasks = tasks_of(ssm.clone(), xid.clone()).await;
            let invs = &tasks[0].1;
            if let Some(never) = invs
                .iter()
                .find(|i| i.status().map(|s| s.as_str()) == Some("CANCELLED"))
            {
                assert_eq!(
                    never.status_details(),
                    Some("Not started: the window ended.")
                );
                assert_eq!(never.execution_id(), None);
                break invs
                    .iter()
                    .find(|i| i.status().map(|s| s.as_str()) == Some("IN_PROGRESS"))
                    .expect("the running one")
                    .clone();
            }
            assert!(tokio::time::Instant::now() < deadline, "{tasks:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        // Its command still waits for its node (CONTINUE_TASK): the node comes online
        // and runs it.
        let command = running.execution_id().expect("command").to_string();
        let listed = ssm
            .list_commands()
            .command_id(&command)
            .send()
            .await
            .expect("command");
        assert_eq!(
            listed.commands()[0].status().map(|s| s.as_str()),
            Some("Pending")
        );
        let target = ssm
            .list_command_invocations()
            .command_id(&command)
            .send()
            .await
            .expect("command invocations");
        let target = target.command_invocations()[0]
            .instance_id()
            .expect("node")
            .to_string();
        let (node, dir) = nodes.iter().find(|(n, _)| *n == target).expect("its node");
        let mut agent = run_agent(dir, &[]);
        wait_online(&srv, node).await;
        let x = wait_execution_over(&ssm, &window).await;
        assert_eq!(x.status().map(|s| s.as_str()), Some("TIMED_OUT"), "{x:?}");
        let tasks = tasks_of(ssm.clone(), xid.clone()).await;
        assert_eq!(tasks[0].0.status().map(|s| s.as_str()), Some("TIMED_OUT"));
        assert_eq!(
            tasks[0].0.status_details(),
            Some("1 of 2 invocations did not start before the window ended.")
        );
        let out = ssm
            .get_command_invocation()
            .command_id(&command)
            .instance_id(node)
            .send()
            .await
            .expect("invocation");
        assert_eq!(out.status().map(|s| s.as_str()), Some("Success"));
        assert_eq!(out.standard_output_content(), Some("ran\n"));
        stop_agent(&mut agent).await;
        let _ = std::fs::remove_dir_all(&base);
        srv.stop().await;
    }
}
