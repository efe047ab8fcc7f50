//! Parameter Store store and service tests; each body runs on SQLite and PostgreSQL.

use bosun_core::clock::ManualClock;
use bosun_core::parameters::{self, store, PutParameter};
use bosun_core::testing::{self, TestDb};
use bosun_core::types::{ParameterFilter, Role, Source};
use bosun_core::{kms, Actor};
use std::sync::Arc;

fn actor(role: Role) -> Actor {
    Actor {
        user_id: None,
        name: format!("{role}"),
        role,
        source: Source::Api,
        client_addr: "127.0.0.1".into(),
        region: "us-east-1".into(),
    }
}

fn put(name: &str, value: &str, ty: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        r#type: Some(ty.into()),
        overwrite: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn paths_versions_labels_and_history_on_both_databases() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let ops = actor(Role::Operator);
        for (n, v) in [
            ("/app/db/url", "postgres://x"),
            ("/app/db/user", "u"),
            ("/app/name", "bosun"),
            ("/app0/other", "no"),
            ("/apple", "no"),
            ("plain", "p"),
        ] {
            parameters::put_parameter(&core, &ops, put(n, v, "String"))
                .await
                .expect(n);
        }
        let names = |rows: Vec<store::ParamRow>| -> Vec<String> {
            rows.into_iter().map(|r| r.name).collect()
        };
        let pool = core.db().pool();
        assert_eq!(
            names(
                store::under_path(pool, "/app", false)
                    .await
                    .expect("one level")
            ),
            ["/app/name"],
            "{}",
            t.backend().as_str()
        );
        assert_eq!(
            names(
                store::under_path(pool, "/app", true)
                    .await
                    .expect("recursive")
            ),
            ["/app/db/url", "/app/db/user", "/app/name"]
        );
        let page: Vec<String> =
            store::latest_under_path(pool, "/app", true, Some("/app/db/url"), 1)
                .await
                .expect("a page")
                .into_iter()
                .map(|v| v.name)
                .collect();
        assert_eq!(page, ["/app/db/user"]);
        assert_eq!(
            names(store::under_path(pool, "/", true).await.expect("root")).len(),
            5
        );

        // Versions and labels.
        for v in ["2", "3"] {
            parameters::put_parameter(&core, &ops, put("/app/name", v, "String"))
                .await
                .expect("overwrite");
        }
        let (invalid, version) = parameters::label_parameter_version(
            &core,
            &ops,
            "/app/name",
            Some(1),
            &["prod".into(), "1bad".into()],
        )
        .await
        .expect("label");
        assert_eq!((invalid, version), (vec!["1bad".to_string()], 1));
        let v = parameters::get_parameter(&core, &ops, "/app/name:prod", false)
            .await
            .expect("by label");
        assert_eq!((v.value.as_str(), v.version), ("bosun", 1));
        // Moving the label.
        parameters::label_parameter_version(&core, &ops, "/app/name", None, &["prod".into()])
            .await
            .expect("move");
        let (history, _) =
            parameters::get_parameter_history(&core, &ops, "/app/name", false, None, None)
                .await
                .expect("history");
        let labels: Vec<(i64, Vec<String>)> = history
            .iter()
            .map(|h| (h.version, h.labels.clone()))
            .collect();
        assert_eq!(
            labels,
            [(1, vec![]), (2, vec![]), (3, vec!["prod".to_string()])]
        );
        let (removed, invalid) = parameters::unlabel_parameter_version(
            &core,
            &ops,
            "/app/name",
            3,
            &["prod".into(), "nope".into()],
        )
        .await
        .expect("unlabel");
        assert_eq!(
            (removed, invalid),
            (vec!["prod".to_string()], vec!["nope".to_string()])
        );

        // Filters.
        let (found, _) = parameters::describe_parameters(
            &core,
            &ops,
            &[ParameterFilter {
                key: "Path".into(),
                option: Some("Recursive".into()),
                values: vec!["/app".into()],
            }],
            None,
            None,
        )
        .await
        .expect("describe");
        assert_eq!(found.len(), 3);

        // Delete removes versions and labels; a new parameter of the name starts at 1.
        parameters::delete_parameter(&core, &ops, "/app/name")
            .await
            .expect("delete");
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM parameter_versions WHERE name = '/app/name'")
                .fetch_one(pool)
                .await
                .expect("count");
        assert_eq!(left, 0);
        let (v, _) = parameters::put_parameter(&core, &ops, put("/app/name", "again", "String"))
            .await
            .expect("recreate");
        assert_eq!(v, 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn secure_strings_are_sealed_bound_and_survive_rotation() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let ops = actor(Role::Operator);
        let viewer = actor(Role::Viewer);
        let canary = format!("canary-{}", uuid::Uuid::new_v4());
        parameters::put_parameter(&core, &ops, put("/s/a", &canary, "SecureString"))
            .await
            .expect("put a");
        parameters::put_parameter(&core, &ops, put("/s/b", "other", "SecureString"))
            .await
            .expect("put b");
        // Stored sealed only.
        let clear: Option<String> =
            sqlx::query_scalar("SELECT value FROM parameter_versions WHERE name = '/s/a'")
                .fetch_one(core.db().pool())
                .await
                .expect("row");
        assert_eq!(clear, None);
        let sealed: Vec<u8> =
            sqlx::query_scalar("SELECT sealed FROM parameter_versions WHERE name = '/s/a'")
                .fetch_one(core.db().pool())
                .await
                .expect("sealed");
        assert!(!sealed.windows(canary.len()).any(|w| w == canary.as_bytes()));

        // Viewers see the sealed form and may not decrypt.
        let v = parameters::get_parameter(&core, &viewer, "/s/a", false)
            .await
            .expect("viewer read");
        assert!(!v.decrypted && !v.value.contains(&canary));
        let e = parameters::get_parameter(&core, &viewer, "/s/a", true)
            .await
            .expect_err("viewer decrypt");
        assert_eq!(e.kind, bosun_core::types::ErrorKind::AccessDenied);
        let v = parameters::get_parameter(&core, &ops, "/s/a", true)
            .await
            .expect("decrypt");
        assert_eq!(v.value, canary);
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'Decrypt' AND resource = 'parameter//s/a'",
        )
        .fetch_one(core.db().pool())
        .await
        .expect("audit");
        assert!(audited >= 1);

        // Rotation: a new material version, values re-wrapped, still decrypting.
        let admin = actor(Role::Admin);
        let version = kms::rotate(&core, &admin, None).await.expect("rotate");
        assert_eq!(version, 2);
        let moved = parameters::rewrap_all(&core).await.expect("rewrap");
        assert_eq!(moved, 2);
        let in_use = parameters::key_versions_in_use(&core)
            .await
            .expect("in use");
        assert!(
            in_use.values().all(|v| v.iter().eq([2].iter())),
            "{in_use:?}"
        );
        assert_eq!(
            parameters::get_parameter(&core, &ops, "/s/a", true)
                .await
                .expect("after rotation")
                .value,
            canary
        );
        assert_eq!(parameters::rewrap_all(&core).await.expect("again"), 0);

        // A ciphertext moved to another parameter does not decrypt there.
        sqlx::query(
            "UPDATE parameter_versions SET sealed = (SELECT sealed FROM parameter_versions WHERE name = '/s/a') WHERE name = '/s/b'",
        )
        .execute(core.db().pool())
        .await
        .expect("swap");
        let e = parameters::get_parameter(&core, &ops, "/s/b", true)
            .await
            .expect_err("swapped ciphertext");
        assert!(!e.message.contains(&canary));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn policies_expire_and_notify_once() {
    for t in TestDb::all().await {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let core = testing::core_with_clock(&t.db, Arc::new(clock.clone())).await;
        let ops = actor(Role::Operator);
        let at = time::OffsetDateTime::now_utc() + time::Duration::days(3);
        let ts = at
            .format(&time::format_description::well_known::Rfc3339)
            .expect("format");
        let mut p = put("/p/temp", "x", "String");
        p.tier = Some("Advanced".into());
        p.policies = Some(format!(
            r#"[{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{ts}"}}}},
                {{"Type":"ExpirationNotification","Version":"1.0","Attributes":{{"Before":"1","Unit":"Days"}}}},
                {{"Type":"NoChangeNotification","Version":"1.0","Attributes":{{"After":"12","Unit":"Hours"}}}}]"#
        ));
        parameters::put_parameter(&core, &ops, p)
            .await
            .expect("put");
        assert_eq!(parameters::sweep(&core).await.expect("sweep"), 0);
        clock.advance(time::Duration::hours(13));
        assert_eq!(parameters::sweep(&core).await.expect("no change"), 1);
        assert_eq!(parameters::sweep(&core).await.expect("once"), 0);
        clock.advance(time::Duration::days(2));
        assert_eq!(parameters::sweep(&core).await.expect("notice"), 1);
        let info = parameters::describe_parameter(&core, &ops, "/p/temp")
            .await
            .expect("still there");
        let statuses: Vec<(String, String)> = info
            .policies
            .iter()
            .map(|p| (p.policy_type.clone(), p.policy_status.clone()))
            .collect();
        assert!(statuses.contains(&("ExpirationNotification".into(), "Finished".into())));
        assert!(statuses.contains(&("Expiration".into(), "Pending".into())));
        // Read just before it expires (on SQLite the read is kept in memory).
        parameters::get_parameter(&core, &ops, "/p/temp", false)
            .await
            .expect("not expired yet");
        clock.advance(time::Duration::days(2));
        assert_eq!(parameters::sweep(&core).await.expect("expire"), 1);
        let e = parameters::get_parameter(&core, &ops, "/p/temp", false)
            .await
            .expect_err("expired");
        assert_eq!(e.exception, Some("ParameterNotFound"));
        let kinds: Vec<String> = parameters::events(&core, &ops, Some("/p/temp"), 10)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            ["Expired", "ExpirationNotification", "NoChangeNotification"]
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn reads_kept_in_memory_never_outlive_a_change() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        assert_eq!(
            core.parameter_cache().enabled(),
            t.backend() == bosun_core::db::Backend::Sqlite,
            "the read cache is only safe with one writer"
        );
        let ops = actor(Role::Operator);
        let value = |core: &bosun_core::Core, name: &'static str| {
            let core = core.clone();
            let ops = ops.clone();
            async move {
                parameters::get_parameter(&core, &ops, name, false)
                    .await
                    .map(|v| v.value)
                    .map_err(|e| e.exception)
            }
        };
        let page = |core: &bosun_core::Core| {
            let core = core.clone();
            let ops = ops.clone();
            async move {
                let (page, _) = parameters::get_parameters_by_path(
                    &core,
                    &ops,
                    "/c",
                    false,
                    &[],
                    false,
                    Some(10),
                    None,
                )
                .await
                .expect("page");
                page.into_iter()
                    .map(|p| format!("{}={}", p.name, p.value))
                    .collect::<Vec<_>>()
            }
        };
        // Absent, then put: the remembered absence is forgotten.
        assert_eq!(value(&core, "/c/a").await, Err(Some("ParameterNotFound")));
        assert!(page(&core).await.is_empty());
        parameters::put_parameter(&core, &ops, put("/c/a", "one", "String"))
            .await
            .expect("put");
        assert_eq!(value(&core, "/c/a").await, Ok("one".into()));
        assert_eq!(page(&core).await, ["/c/a=one"]);
        // Overwritten: both the value and the page show the new version at once.
        parameters::put_parameter(&core, &ops, put("/c/a", "two", "String"))
            .await
            .expect("overwrite");
        assert_eq!(value(&core, "/c/a").await, Ok("two".into()));
        assert_eq!(value(&core, "/c/a:1").await, Ok("one".into()));
        assert_eq!(page(&core).await, ["/c/a=two"]);
        // A label moved onto version 1 and a new parameter in the path.
        parameters::label_parameter_version(&core, &ops, "/c/a", Some(1), &["old".into()])
            .await
            .expect("label");
        assert_eq!(value(&core, "/c/a:old").await, Ok("one".into()));
        parameters::put_parameter(&core, &ops, put("/c/b", "bee", "String"))
            .await
            .expect("put b");
        assert_eq!(page(&core).await, ["/c/a=two", "/c/b=bee"]);
        // Deleted: gone from GetParameter and from the page.
        parameters::delete_parameter(&core, &ops, "/c/a")
            .await
            .expect("delete");
        assert_eq!(value(&core, "/c/a").await, Err(Some("ParameterNotFound")));
        assert_eq!(page(&core).await, ["/c/b=bee"]);
        t.cleanup().await;
    }
}

/// Every page of GetParametersByPath, MaxResults 2 at a time: the names, in order.
async fn walk_by_path(
    core: &bosun_core::Core,
    actor: &Actor,
    path: &str,
    recursive: bool,
    filters: &[ParameterFilter],
) -> Vec<String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (page, next) = parameters::get_parameters_by_path(
            core,
            actor,
            path,
            recursive,
            filters,
            false,
            Some(2),
            token.as_deref(),
        )
        .await
        .expect("page");
        assert!(page.len() <= 2);
        names.extend(page.into_iter().map(|p| p.name));
        match next {
            Some(t) => token = Some(t),
            None => return names,
        }
    }
}

#[tokio::test]
async fn paths_and_pages_follow_byte_order_under_any_database_collation() {
    let mut dbs = TestDb::all().await;
    dbs.extend(TestDb::postgres_linguistic().await);
    for t in dbs {
        let core = testing::core(&t.db).await;
        let ops = actor(Role::Operator);
        // Case, punctuation and digits that a linguistic collation orders unlike bytes.
        let inside = [
            "/c/B",
            "/c/Z/deep",
            "/c/_u",
            "/c/a",
            "/c/a-b",
            "/c/a.b",
            "/c/a/x",
            "/c/b",
        ];
        for n in inside.iter().chain(&["/c0", "/c-x/y", "/C/a", "/c"]) {
            let ty = if n.ends_with('b') {
                "StringList"
            } else {
                "String"
            };
            parameters::put_parameter(&core, &ops, put(n, "v", ty))
                .await
                .expect(n);
        }
        let mut want: Vec<String> = inside.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(
            walk_by_path(&core, &ops, "/c", true, &[]).await,
            want,
            "{}",
            t.backend().as_str()
        );
        let lists: Vec<String> = want.iter().filter(|n| n.ends_with('b')).cloned().collect();
        let only_lists = [ParameterFilter {
            key: "Type".into(),
            option: Some("Equals".into()),
            values: vec!["StringList".into()],
        }];
        assert_eq!(
            walk_by_path(&core, &ops, "/c", true, &only_lists).await,
            lists
        );
        let direct: Vec<String> = want
            .iter()
            .filter(|n| n.matches('/').count() == 2)
            .cloned()
            .collect();
        assert_eq!(walk_by_path(&core, &ops, "/c", false, &[]).await, direct);
        t.cleanup().await;
    }
}
