//! Named keys and envelope encryption over storage. Each body runs on SQLite and
//! PostgreSQL.

use bosun_core::clock::SystemClock;
use bosun_core::crypto::MasterKey;
use bosun_core::db::Db;
use bosun_core::kms::{self, Sealed};
use bosun_core::testing::TestDb;
use bosun_core::types::{ErrorKind, ListQuery, Role, Source};
use bosun_core::{Actor, Core, CoreConfig};
use std::sync::Arc;

const SECRET: &[u8] = b"correct horse battery staple";

/// A Core with the given master key: two of them over one database with one key are
/// two replicas.
async fn core_with_key(db: &Db, key: &MasterKey) -> Core {
    Core::open(
        db.clone(),
        key.clone(),
        Arc::new(SystemClock),
        CoreConfig::default(),
    )
    .await
    .expect("open core")
}

fn viewer() -> Actor {
    Actor {
        user_id: Some("u-viewer".into()),
        name: "vera".into(),
        role: Role::Viewer,
        source: Source::Console,
        client_addr: "127.0.0.1".into(),
        region: "us-east-1".into(),
    }
}

fn assert_invalid_key_id(e: &bosun_core::ServiceError, what: &str) {
    assert_eq!(
        (e.kind, e.exception),
        (ErrorKind::Validation, Some("InvalidKeyId")),
        "{what}: {}",
        e.message
    );
}

fn assert_undecryptable(e: &bosun_core::ServiceError, what: &str) {
    assert_eq!(e.kind, ErrorKind::Internal, "{what}");
    assert!(
        e.message.contains("could not be decrypted"),
        "{what}: {}",
        e.message
    );
    assert!(
        !e.message.contains("correct horse"),
        "{what}: {}",
        e.message
    );
}

/// How many times `action` succeeded.
async fn audit_actions(core: &Core, action: &str) -> i64 {
    let q = ListQuery {
        filters: vec![
            ("action".into(), action.into()),
            ("outcome".into(), "success".into()),
        ],
        ..Default::default()
    };
    bosun_core::audit::list(core, &Actor::cli(), &q)
        .await
        .expect("audit")
        .total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_key_is_created_once_when_replicas_race() {
    for t in TestDb::all().await {
        let key = MasterKey::generate();
        let a = core_with_key(&t.db, &key).await;
        let b = core_with_key(&t.db, &key).await;
        assert!(kms::list_keys(&a, &viewer())
            .await
            .expect("list")
            .is_empty());
        // Six first uses at once, on two replicas, by both spellings.
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let core = if i % 2 == 0 { a.clone() } else { b.clone() };
                tokio::spawn(async move {
                    let key_ref = (i % 3 == 0).then_some("alias/aws/ssm");
                    kms::resolve_key(&core, key_ref).await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.expect("join").expect("resolve"));
        }
        let x = seen[0].clone();
        assert!(seen.iter().all(|k| *k == x), "{:?}: {seen:?}", t.backend());
        assert_eq!(x.alias.as_deref(), Some("alias/aws/ssm"));
        assert_eq!((x.current_version, x.versions), (1, 1));
        assert_eq!(x.created_by, "system");
        assert_eq!(
            x.arn,
            format!("arn:aws:kms:us-east-1:{}:key/{}", a.account_id(), x.key_id)
        );
        let keys = kms::list_keys(&b, &viewer()).await.expect("list");
        assert_eq!(keys.len(), 1);
        assert_eq!(audit_actions(&a, "CreateKey").await, 1);
        // Both replicas encrypt under it, and each decrypts the other's values.
        let from_a = kms::encrypt(&a, None, "parameter:/p:1", SECRET)
            .await
            .expect("encrypt on a");
        let from_b = kms::encrypt(&b, Some(&x.key_id), "parameter:/q:1", SECRET)
            .await
            .expect("encrypt on b");
        assert_eq!(from_a.key_id, x.key_id);
        assert_eq!(
            kms::decrypt(&b, &from_a, "parameter:/p:1")
                .await
                .expect("b"),
            SECRET
        );
        assert_eq!(
            kms::decrypt(&a, &from_b, "parameter:/q:1")
                .await
                .expect("a"),
            SECRET
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn key_references_in_every_form_and_invalid_key_id() {
    for t in TestDb::all().await {
        let core = core_with_key(&t.db, &MasterKey::generate()).await;
        let cli = Actor::cli();
        let app = kms::create_key(&core, &cli, Some("alias/app"), "application secrets")
            .await
            .expect("create");
        let plain = kms::create_key(&core, &cli, None, "")
            .await
            .expect("create without alias");
        assert_eq!(plain.alias, None);
        let account = core.account_id().to_string();
        for r in [
            "alias/app".to_string(),
            app.key_id.clone(),
            app.key_id.to_uppercase(),
            app.arn.clone(),
            kms::key_arn(&account, "eu-west-3", &app.key_id),
            kms::alias_arn(&account, "us-east-1", "alias/app"),
        ] {
            let got = kms::resolve_key(&core, Some(&r)).await.expect(&r);
            assert_eq!(got, app, "{r} on {:?}", t.backend());
        }
        let by_id = kms::resolve_key(&core, Some(&plain.key_id))
            .await
            .expect("no alias");
        assert_eq!(by_id, plain);
        let default_by_arn = kms::resolve_key(
            &core,
            Some(&kms::alias_arn(&account, "us-east-1", "alias/aws/ssm")),
        )
        .await
        .expect("the default key by alias ARN, created on first use");
        assert_eq!(default_by_arn.alias.as_deref(), Some("alias/aws/ssm"));

        for (r, what) in [
            ("alias/nope".to_string(), "unknown alias"),
            (
                "0b9d8a3a-5f0e-4a8e-9a47-3c8e2a1d7f00".to_string(),
                "unknown id",
            ),
            (
                kms::key_arn(
                    &account,
                    "us-east-1",
                    "0b9d8a3a-5f0e-4a8e-9a47-3c8e2a1d7f00",
                ),
                "unknown key ARN",
            ),
            (
                kms::alias_arn(&account, "us-east-1", "alias/nope"),
                "unknown alias ARN",
            ),
            (
                kms::key_arn("999999999999", "us-east-1", &app.key_id),
                "other account",
            ),
            ("app".to_string(), "no alias/ prefix"),
            ("arn:aws:kms:us-east-1".to_string(), "short ARN"),
        ] {
            let e = kms::resolve_key(&core, Some(&r)).await.expect_err(what);
            assert_invalid_key_id(&e, what);
            let e = kms::encrypt(&core, Some(&r), "c", SECRET)
                .await
                .expect_err(what);
            assert_invalid_key_id(&e, what);
        }
        let e = kms::resolve_key(&core, Some("alias/nope"))
            .await
            .expect_err("unknown");
        assert!(
            e.message.contains("alias/nope") && e.message.contains("does not exist"),
            "{}",
            e.message
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn encrypt_decrypt_round_trip_and_context_binding() {
    for t in TestDb::all().await {
        let master = MasterKey::generate();
        let core = core_with_key(&t.db, &master).await;
        let app = kms::create_key(&core, &Actor::cli(), Some("alias/app"), "")
            .await
            .expect("create");
        let default = kms::encrypt(&core, None, "parameter:/a/b:3", SECRET)
            .await
            .expect("encrypt");
        let named = kms::encrypt(&core, Some("alias/app"), "parameter:/a/c:1", SECRET)
            .await
            .expect("encrypt with alias/app");
        assert_eq!(
            (named.key_id.as_str(), named.key_version),
            (app.key_id.as_str(), 1)
        );
        assert_ne!(default.key_id, app.key_id);
        for (sealed, context) in [(&default, "parameter:/a/b:3"), (&named, "parameter:/a/c:1")] {
            assert_eq!(
                kms::decrypt(&core, sealed, context).await.expect("decrypt"),
                SECRET
            );
            let stored = sealed.to_bytes();
            assert!(!stored.windows(SECRET.len()).any(|w| w == SECRET));
            assert_eq!(
                kms::decrypt_bytes(&core, &stored, context)
                    .await
                    .expect("decrypt stored"),
                SECRET
            );
        }

        // Moved to another parameter or version: refused, with one message.
        for context in ["parameter:/a/b:2", "parameter:/a/c:3", ""] {
            let e = kms::decrypt(&core, &default, context)
                .await
                .expect_err(context);
            assert_undecryptable(&e, context);
        }
        let swapped = Sealed {
            wrapped_key: named.wrapped_key.clone(),
            ..default.clone()
        };
        assert_undecryptable(
            &kms::decrypt(&core, &swapped, "parameter:/a/b:3")
                .await
                .expect_err("swapped wrapped key"),
            "swapped wrapped key",
        );
        let mut damaged = default.clone();
        damaged.ciphertext[20] ^= 0x40;
        assert_undecryptable(
            &kms::decrypt(&core, &damaged, "parameter:/a/b:3")
                .await
                .expect_err("damaged"),
            "damaged",
        );
        let unknown_key = Sealed {
            key_id: "0b9d8a3a-5f0e-4a8e-9a47-3c8e2a1d7f00".into(),
            ..default.clone()
        };
        assert_undecryptable(
            &kms::decrypt(&core, &unknown_key, "parameter:/a/b:3")
                .await
                .expect_err("unknown key"),
            "unknown key",
        );
        let unknown_version = Sealed {
            key_version: 7,
            ..default.clone()
        };
        assert_undecryptable(
            &kms::decrypt(&core, &unknown_version, "parameter:/a/b:3")
                .await
                .expect_err("unknown version"),
            "unknown version",
        );
        assert_undecryptable(
            &kms::decrypt_bytes(&core, b"\x01garbage", "parameter:/a/b:3")
                .await
                .expect_err("garbage"),
            "garbage",
        );

        // Another process with the same master key reads the material from storage.
        let replica = core_with_key(&t.db, &master).await;
        assert!(replica.kms_cache().is_empty());
        assert_eq!(
            kms::decrypt(&replica, &default, "parameter:/a/b:3")
                .await
                .expect("replica decrypts"),
            SECRET
        );
        assert_eq!(replica.kms_cache().len(), 1);
        // A server with another master key cannot.
        let stranger = core_with_key(&t.db, &MasterKey::generate()).await;
        assert_undecryptable(
            &kms::decrypt(&stranger, &default, "parameter:/a/b:3")
                .await
                .expect_err("other master key"),
            "other master key",
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn rotation_rewrap_and_retirement() {
    for t in TestDb::all().await {
        let master = MasterKey::generate();
        let core = core_with_key(&t.db, &master).await;
        let cli = Actor::cli();
        let old = kms::encrypt(&core, None, "parameter:/r:1", SECRET)
            .await
            .expect("encrypt v1");
        assert_eq!(old.key_version, 1);

        assert_eq!(kms::rotate(&core, &cli, None).await.expect("rotate"), 2);
        let new = kms::encrypt(&core, Some("alias/aws/ssm"), "parameter:/r:2", SECRET)
            .await
            .expect("encrypt v2");
        assert_eq!(
            (new.key_id.as_str(), new.key_version),
            (old.key_id.as_str(), 2)
        );
        assert_eq!(
            kms::decrypt(&core, &old, "parameter:/r:1")
                .await
                .expect("old"),
            SECRET,
            "old values still decrypt on {:?}",
            t.backend()
        );
        // A replica that never saw the rotation in memory agrees.
        let replica = core_with_key(&t.db, &master).await;
        assert_eq!(
            kms::decrypt(&replica, &new, "parameter:/r:2")
                .await
                .expect("new"),
            SECRET
        );
        let info = kms::resolve_key(&core, None).await.expect("info");
        assert_eq!((info.current_version, info.versions), (2, 2));
        assert_eq!(audit_actions(&core, "RotateKey").await, 1);

        // Rewrap: same ciphertext, current version, still decrypts; current → None.
        let moved = kms::rewrap(&replica, &old, "parameter:/r:1")
            .await
            .expect("rewrap")
            .expect("was not current");
        assert_eq!(moved.key_version, 2);
        assert_eq!(moved.ciphertext, old.ciphertext);
        assert_ne!(moved.wrapped_key, old.wrapped_key);
        assert_eq!(
            kms::decrypt(&core, &moved, "parameter:/r:1")
                .await
                .expect("moved"),
            SECRET
        );
        assert_eq!(
            kms::rewrap(&core, &moved, "parameter:/r:1")
                .await
                .expect("again"),
            None
        );
        assert_eq!(
            kms::rewrap(&core, &new, "parameter:/r:2")
                .await
                .expect("current"),
            None
        );
        assert_undecryptable(
            &kms::rewrap(&core, &old, "parameter:/r:9")
                .await
                .expect_err("wrong context"),
            "rewrap with the wrong context",
        );

        // Concurrent rotations each get their own version.
        let (x, y) = tokio::join!(
            kms::rotate(&core, &cli, Some("alias/aws/ssm")),
            kms::rotate(&replica, &cli, Some(&info.key_id)),
        );
        let mut got = vec![x.expect("x"), y.expect("y")];
        got.sort();
        assert_eq!(got, vec![3, 4]);
        let newest = kms::encrypt(&core, None, "parameter:/r:3", SECRET)
            .await
            .expect("encrypt v4");
        assert_eq!(newest.key_version, 4);

        // Retirement: versions 1 and 3 are unused, 2 is still used, 4 is current.
        let retired = kms::retire_unused(&core, &cli, &info.key_id, &[2])
            .await
            .expect("retire");
        assert_eq!(retired, vec![1, 3]);
        assert_eq!(
            kms::retire_unused(&core, &cli, "alias/aws/ssm", &[])
                .await
                .expect("retire again"),
            vec![2],
            "the current version is never retired"
        );
        let info = kms::resolve_key(&core, None).await.expect("info");
        assert_eq!(
            (info.current_version, info.versions, info.retired_versions),
            (4, 4, 3)
        );
        // A value a racing writer sealed with a retired version is not lost.
        assert_eq!(
            kms::decrypt(&replica, &old, "parameter:/r:1")
                .await
                .expect("retired version decrypts"),
            SECRET
        );
        assert!(kms::rewrap(&core, &old, "parameter:/r:1")
            .await
            .expect("rewrap from retired")
            .is_some_and(|s| s.key_version == 4));

        // Rotation and retirement are the admin's.
        for e in [
            kms::rotate(&core, &viewer(), None)
                .await
                .expect_err("viewer"),
            kms::retire_unused(&core, &viewer(), "alias/aws/ssm", &[])
                .await
                .expect_err("viewer"),
        ] {
            assert_eq!(e.kind, ErrorKind::AccessDenied);
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn create_key_alias_rules() {
    for t in TestDb::all().await {
        let core = core_with_key(&t.db, &MasterKey::generate()).await;
        let cli = Actor::cli();
        let made = kms::create_key(&core, &cli, Some("alias/team/app_1-x"), "for the team")
            .await
            .expect("create");
        assert_eq!(made.alias.as_deref(), Some("alias/team/app_1-x"));
        assert_eq!(made.description, "for the team");
        assert_eq!((made.current_version, made.versions), (1, 1));
        assert_eq!(made.created_by, cli.name);
        assert_eq!(made.key_id.len(), 36);

        let dup = kms::create_key(&core, &cli, Some("alias/team/app_1-x"), "")
            .await
            .expect_err("duplicate");
        assert_eq!(
            (dup.kind, dup.field),
            (ErrorKind::AlreadyExists, Some("alias"))
        );
        for bad in [
            "team",
            "alias/",
            "alias/aws/ssm",
            "alias/aws/mine",
            "alias/with space",
            &format!("alias/{}", "a".repeat(251)),
        ] {
            let e = kms::create_key(&core, &cli, Some(bad), "")
                .await
                .expect_err(bad);
            assert_eq!(
                (e.kind, e.field),
                (ErrorKind::Validation, Some("alias")),
                "{bad}"
            );
        }
        let long = kms::create_key(&core, &cli, None, &"d".repeat(8193))
            .await
            .expect_err("long description");
        assert_eq!(long.field, Some("description"));
        let denied = kms::create_key(&core, &viewer(), Some("alias/mine"), "")
            .await
            .expect_err("viewer");
        assert_eq!(denied.kind, ErrorKind::AccessDenied);

        // The reserved default is still there for SSM, and lists after the others' aliases
        // in alias order.
        kms::resolve_key(&core, None).await.expect("default");
        let aliases: Vec<Option<String>> = kms::list_keys(&core, &viewer())
            .await
            .expect("list")
            .into_iter()
            .map(|k| k.alias)
            .collect();
        assert_eq!(
            aliases,
            vec![
                Some("alias/aws/ssm".to_string()),
                Some("alias/team/app_1-x".to_string())
            ]
        );
        assert_eq!(audit_actions(&core, "CreateKey").await, 2);
        t.cleanup().await;
    }
}
