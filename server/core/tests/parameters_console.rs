//! The console's Parameter Store reads (`list_for_console`, `parameter_paths`); each
//! body runs on SQLite and PostgreSQL.

use bosun_core::parameters::{self, PutParameter};
use bosun_core::testing::{self, TestDb};
use bosun_core::types::{ListQuery, ParameterPathInfo, Role, Source};
use bosun_core::Actor;

fn actor(role: Role) -> Actor {
    Actor {
        user_id: None,
        name: format!("{role}"),
        role,
        source: Source::Console,
        client_addr: "127.0.0.1".into(),
        region: "us-east-1".into(),
    }
}

fn query(q: Option<&str>, filters: &[(&str, &str)]) -> ListQuery {
    ListQuery {
        q: q.map(str::to_string),
        filters: filters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_console_lists_by_path_search_and_filters_and_builds_the_tree() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let ops = actor(Role::Operator);
        for (name, ty) in [
            ("/app/db/url", "String"),
            ("/app/db/pass", "SecureString"),
            ("/app/web/hosts", "StringList"),
            ("/app-b/x", "String"),
            ("plain", "String"),
        ] {
            parameters::put_parameter(
                &core,
                &ops,
                PutParameter {
                    name: name.into(),
                    value: "v".into(),
                    r#type: Some(ty.into()),
                    ..Default::default()
                },
            )
            .await
            .expect(name);
        }
        let viewer = actor(Role::Viewer);
        let names = |q: ListQuery| {
            let core = core.clone();
            let viewer = viewer.clone();
            async move {
                parameters::list_for_console(&core, &viewer, &q)
                    .await
                    .expect("list")
                    .items
                    .into_iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
            }
        };
        let backend = t.backend().as_str();
        assert_eq!(
            names(query(None, &[("path", "/app/db")])).await,
            ["/app/db/pass", "/app/db/url"],
            "{backend}"
        );
        assert!(names(query(None, &[("path", "/app")])).await.is_empty());
        assert_eq!(names(query(Some("web"), &[])).await, ["/app/web/hosts"]);
        assert_eq!(
            names(query(None, &[("type", "SecureString")])).await,
            ["/app/db/pass"]
        );
        let page = parameters::list_for_console(&core, &viewer, &query(None, &[]))
            .await
            .expect("all");
        assert_eq!(page.total, 5);

        let tree = parameters::parameter_paths(&core, &viewer)
            .await
            .expect("paths");
        let p = |path: &str, depth: u32, direct: i64, total: i64| ParameterPathInfo {
            path: path.into(),
            depth,
            direct,
            total,
        };
        // A path's children follow it, though "/app-b" sorts before "/app/db" as text.
        assert_eq!(
            tree,
            [
                p("/", 0, 0, 4),
                p("/app", 1, 0, 3),
                p("/app/db", 2, 2, 2),
                p("/app/web", 2, 1, 1),
                p("/app-b", 1, 1, 1),
            ],
            "{backend}"
        );
        t.cleanup().await;
    }
}
