//! Patch Manager's services on SQLite and PostgreSQL: a deletion racing a patch-group
//! registration never leaves a registration to a deleted baseline, two creates racing
//! with one ClientToken make one baseline, and the console's fleet-wide reads and the
//! effective patches query the stored reports alike on both.

use bosun_core::bosun_patch::{OperatingSystem, PatchBaseline};
use bosun_core::patch::{self, CreatePatchBaseline};
use bosun_core::testing::{self, TestDb};
use bosun_core::{Actor, Core};

async fn create(core: &Core, name: &str, token: Option<&str>) -> Result<String, String> {
    patch::create_patch_baseline(
        core,
        &Actor::system(),
        CreatePatchBaseline {
            baseline: PatchBaseline::new(name, OperatingSystem::Debian),
            client_token: token.map(str::to_string),
            tags: Vec::new(),
        },
    )
    .await
    .map_err(|e| e.message)
}

#[tokio::test]
async fn deletion_and_registration_race_without_dangling_groups() {
    for t in TestDb::all().await {
        let backend = t.backend().as_str();
        let core = testing::core(&t.db).await;
        let actor = Actor::system();
        for round in 0..20 {
            let id = create(&core, &format!("race-{round}"), None)
                .await
                .expect("create");
            let group = format!("group-{round}");
            let (deleted, registered) = tokio::join!(
                patch::delete_patch_baseline(&core, &actor, &id),
                patch::register_patch_baseline_for_patch_group(&core, &actor, &id, &group),
            );
            // Exactly one wins; the loser explains itself.
            assert!(
                deleted.is_ok() != registered.is_ok(),
                "{backend} round {round}: {deleted:?} {registered:?}"
            );
            let exists = patch::custom_baseline_exists(&core, &id)
                .await
                .expect("exists");
            let mapped = patch::store::group(core.db().pool(), &group, "DEBIAN")
                .await
                .expect("group");
            assert_eq!(exists, mapped.is_some(), "{backend} round {round}");
            if let Err(e) = deleted {
                assert_eq!(e.exception, Some("ResourceInUseException"), "{backend}");
            }
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn one_client_token_makes_one_baseline_under_a_race() {
    for t in TestDb::all().await {
        let backend = t.backend().as_str();
        let core = testing::core(&t.db).await;
        let (a, b) = tokio::join!(
            create(&core, "same-token", Some("tok")),
            create(&core, "same-token", Some("tok")),
        );
        assert_eq!(a.expect("first"), b.expect("second"), "{backend}");
        assert_eq!(
            patch::store::count_baselines(core.db().pool())
                .await
                .expect("count"),
            1,
            "{backend}"
        );
        let other = create(&core, "other-name", Some("tok")).await;
        assert!(
            other.as_ref().is_err_and(|m| m.contains("ClientToken")),
            "{backend}: {other:?}"
        );
        t.cleanup().await;
    }
}

fn patch_row(kb_id: &str, version: &str, state: &str, decision: &str) -> patch::store::PatchRow {
    patch::store::PatchRow {
        kb_id: kb_id.into(),
        title: format!("{kb_id}:{version}"),
        classification: String::new(),
        severity: "optional".into(),
        state: state.into(),
        compliance_level: "UNSPECIFIED".into(),
        installed_time: None,
        cve_ids: String::new(),
        deployment_status: decision.into(),
        approval_date: None,
        advisory_id: String::new(),
    }
}

fn state_row(
    instance_id: &str,
    baseline_id: &str,
    missing: i64,
    at: i64,
) -> patch::store::StateRow {
    patch::store::StateRow {
        instance_id: instance_id.into(),
        patch_group: if missing > 0 {
            "web".into()
        } else {
            String::new()
        },
        baseline_id: baseline_id.into(),
        snapshot_id: String::new(),
        operation: "Scan".into(),
        reboot_option: "NoReboot".into(),
        product: "Debian12".into(),
        operation_start: at,
        operation_end: at,
        counts: [2, 1, 0, 0, missing, 0, 0, 0, missing, 0],
        command_id: "c".into(),
        invocation_id: format!("i-{instance_id}"),
        reported_at: at,
        last_no_reboot_install_at: None,
    }
}

/// The console's fleet-wide patch reads and the effective patches, on both databases:
/// never-scanned nodes are listed and counted, deregistered ones are not; effective
/// patches are the decided ones, once per title, in byte order, paged.
#[tokio::test]
async fn compliance_lists_the_fleet_and_effective_patches_come_from_reports() {
    use bosun_core::nodes::store as nodes;
    use bosun_core::types::ListQuery;
    for t in TestDb::all().await {
        let backend = t.backend().as_str();
        let core = testing::core(&t.db).await;
        let actor = Actor::system();
        let debian = "pb-0b05d3b1a0000000a";
        let ids = [
            "mi-0000000000000000a",
            "mi-0000000000000000b",
            "mi-0000000000000000c",
            "mi-0000000000000000d",
        ];
        for id in ids {
            testing::insert_node(&t.db, id, 1).await;
        }
        nodes::deregister(t.db.pool(), ids[3], 2)
            .await
            .expect("deregister");
        // a: non-compliant, b: compliant (an older report), c: never scanned.
        let mut tx = t.db.begin().await.expect("tx");
        for (id, missing, at, patches) in [
            (
                ids[0],
                1,
                20,
                vec![
                    patch_row("openssl.amd64", "3.0.2", "MISSING", "APPROVED"),
                    patch_row("bash.amd64", "5.2", "INSTALLED", "APPROVED"),
                    patch_row("Zlib.amd64", "1.3", "INSTALLED", "APPROVED"),
                    patch_row("vim.amd64", "9.0", "INSTALLED_OTHER", ""),
                ],
            ),
            (
                ids[1],
                0,
                10,
                vec![
                    patch_row("openssl.amd64", "3.0.2", "INSTALLED", "APPROVED"),
                    patch_row("openssl.amd64", "3.0.1", "INSTALLED", "APPROVED"),
                    patch_row(
                        "telnet.amd64",
                        "0.17",
                        "INSTALLED_OTHER",
                        "EXPLICIT_REJECTED",
                    ),
                ],
            ),
        ] {
            patch::store::put_state(&mut tx, &state_row(id, debian, missing, at))
                .await
                .expect("state");
            // Two versions of one KB id cannot be one node's; give b's second its own id.
            let patches: Vec<_> = patches
                .into_iter()
                .enumerate()
                .map(|(i, mut p)| {
                    if p.title.ends_with("3.0.1") {
                        p.kb_id = format!("{}-{i}", p.kb_id);
                    }
                    p
                })
                .collect();
            patch::store::put_patches(&mut tx, id, &patches)
                .await
                .expect("patches");
        }
        tx.commit().await.expect("commit");

        let summary = patch::patch_compliance_summary(&core, &actor)
            .await
            .expect("summary");
        assert_eq!(
            (
                summary.nodes,
                summary.reporting,
                summary.not_scanned,
                summary.compliant,
                summary.non_compliant,
                summary.missing,
                summary.security,
            ),
            (3, 2, 1, 1, 1, 1, 1),
            "{backend}"
        );
        assert_eq!(summary.groups, ["web"], "{backend}");

        let list = |status: &str, sort: Option<&str>, desc: bool| {
            let core = &core;
            let actor = &actor;
            let query = ListQuery {
                filters: if status.is_empty() {
                    Vec::new()
                } else {
                    vec![("status".to_string(), status.to_string())]
                },
                sort: sort.map(str::to_string),
                desc,
                ..Default::default()
            };
            async move {
                patch::list_node_patch_compliance(core, actor, &query)
                    .await
                    .expect("list")
            }
        };
        let all = list("", None, false).await;
        let listed: Vec<(&str, bool)> = all
            .items
            .iter()
            .map(|n| (n.instance_id.as_str(), n.state.is_some()))
            .collect();
        assert_eq!(
            listed,
            [(ids[0], true), (ids[1], true), (ids[2], false)],
            "{backend}"
        );
        assert_eq!(all.total, 3, "{backend}");
        for (status, expected) in [
            ("compliant", ids[1]),
            ("non_compliant", ids[0]),
            ("not_scanned", ids[2]),
        ] {
            let page = list(status, None, false).await;
            assert_eq!(page.total, 1, "{backend} {status}");
            assert_eq!(page.items[0].instance_id, expected, "{backend} {status}");
        }
        let by_missing = list("", Some("missing"), true).await;
        assert_eq!(by_missing.items[0].instance_id, ids[0], "{backend}");
        assert_eq!(by_missing.items[2].instance_id, ids[2], "{backend}");

        // A node's patches, filtered and paged in SQL.
        let mine = patch::list_instance_patches(
            &core,
            &actor,
            ids[0],
            &ListQuery {
                filters: vec![("state".into(), "Installed".into())],
                per_page: 1,
                ..Default::default()
            },
        )
        .await
        .expect("node patches");
        assert_eq!((mine.total, mine.items.len()), (2, 1), "{backend}");
        assert_eq!(mine.items[0].kb_id, "Zlib.amd64", "{backend}: by KB id");
        let searched = patch::list_instance_patches(
            &core,
            &actor,
            ids[0],
            &ListQuery {
                q: Some("SSL".into()),
                ..Default::default()
            },
        )
        .await
        .expect("search");
        assert_eq!(searched.total, 1, "{backend}");

        // Effective patches: decided ones only, one per title, titles as bytes (upper
        // case first), the shared title from the latest report (a's).
        let effective = patch::list_effective_patches(&core, &actor, debian, &ListQuery::default())
            .await
            .expect("effective");
        let titles: Vec<&str> = effective.items.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Zlib.amd64:1.3",
                "bash.amd64:5.2",
                "openssl.amd64:3.0.1",
                "openssl.amd64:3.0.2",
                "telnet.amd64:0.17",
            ],
            "{backend}"
        );
        assert_eq!(effective.total, 5, "{backend}");
        assert_eq!(effective.items[4].deployment_status, "EXPLICIT_REJECTED");
        assert_eq!(effective.items[3].name, "openssl");
        assert_eq!(effective.items[3].version, "3.0.2");
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (page, next) = patch::describe_effective_patches_for_patch_baseline(
                &core,
                &actor,
                "AWS-DebianDefaultPatchBaseline",
                Some(2),
                token.as_deref(),
            )
            .await
            .expect("page");
            seen.extend(page.into_iter().map(|p| p.title));
            match next {
                Some(n) => token = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, titles, "{backend}");
        let other = patch::list_effective_patches(
            &core,
            &actor,
            "pb-0b05d3b1a0000000b",
            &ListQuery::default(),
        )
        .await
        .expect("the Ubuntu default");
        assert_eq!((other.total, other.items.len()), (0, 0), "{backend}");
        t.cleanup().await;
    }
}
