//! Patch baselines under concurrency, on SQLite and PostgreSQL: a deletion racing a
//! patch-group registration never leaves a registration to a deleted baseline, and two
//! creates racing with one ClientToken make one baseline.

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
