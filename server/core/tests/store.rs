//! Store and service tests. Each body runs on SQLite and PostgreSQL.

use bosun_core::accounts::{self, Bootstrap};
use bosun_core::audit;
use bosun_core::clock::{Clock, ManualClock};
use bosun_core::sessions::{DbSessionStore, USER_ID_KEY};
use bosun_core::settings;
use bosun_core::testing::{self, TestDb};
use bosun_core::types::{ErrorKind, ListQuery, Role, Source};
use bosun_core::Actor;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;

const PW: &str = "correct horse battery";

fn actor_for(p: &accounts::Principal) -> Actor {
    p.actor(Source::Console, "127.0.0.1", "us-east-1")
}

async fn admin(core: &bosun_core::Core) -> Actor {
    let b = accounts::bootstrap_admin(core, Some(PW.into()))
        .await
        .expect("bootstrap");
    assert_eq!(b, Bootstrap::CreatedWithGivenPassword);
    let p = accounts::sign_in(core, "admin", PW, "127.0.0.1")
        .await
        .expect("admin signs in");
    actor_for(&p)
}

#[tokio::test]
async fn bootstrap_happens_once_and_random_password_works() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let Bootstrap::CreatedWithRandomPassword(pw) = accounts::bootstrap_admin(&core, None)
            .await
            .expect("bootstrap")
        else {
            panic!("expected a random password on {:?}", t.backend());
        };
        assert_eq!(
            accounts::bootstrap_admin(&core, None).await.expect("again"),
            Bootstrap::AlreadyInitialised
        );
        let p = accounts::sign_in(&core, "admin", &pw, "10.0.0.1")
            .await
            .expect("sign in");
        assert_eq!(p.role, Role::Admin);
        assert_eq!(core.account_id().len(), 12);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn sign_in_failures_are_indistinguishable_and_throttled() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let _ = admin(&core).await;
        let unknown = accounts::sign_in(&core, "nobody", PW, "10.0.0.2")
            .await
            .expect_err("unknown");
        let wrong = accounts::sign_in(&core, "admin", "wrong password!", "10.0.0.3")
            .await
            .expect_err("wrong");
        assert_eq!(unknown.message, wrong.message);
        assert_eq!(unknown.kind, ErrorKind::Unauthenticated);
        for _ in 0..4 {
            let _ = accounts::sign_in(&core, "admin", "wrong password!", "10.0.0.3").await;
        }
        let throttled = accounts::sign_in(&core, "admin", PW, "10.0.0.4")
            .await
            .expect_err("throttled even with the right password");
        assert_eq!(throttled.kind, ErrorKind::Throttled);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn users_roles_and_the_last_admin() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let admin = admin(&core).await;
        accounts::create_user(&core, &admin, "olivia", Role::Operator, PW)
            .await
            .expect("create");
        let dup = accounts::create_user(&core, &admin, "olivia", Role::Viewer, PW)
            .await
            .expect_err("duplicate");
        assert_eq!(dup.kind, ErrorKind::AlreadyExists);
        let short = accounts::create_user(&core, &admin, "v", Role::Viewer, "short")
            .await
            .expect_err("short password");
        assert_eq!(
            (short.kind, short.field),
            (ErrorKind::Validation, Some("password"))
        );
        let bad = accounts::create_user(&core, &admin, "bad name!", Role::Viewer, PW)
            .await
            .expect_err("bad name");
        assert_eq!(bad.field, Some("name"));

        let olivia = actor_for(
            &accounts::sign_in(&core, "olivia", PW, "10.0.0.5")
                .await
                .expect("olivia"),
        );
        let denied = accounts::create_user(&core, &olivia, "x", Role::Admin, PW)
            .await
            .expect_err("operator cannot");
        assert_eq!(denied.kind, ErrorKind::AccessDenied);

        let last = accounts::set_user_role(&core, &admin, "admin", Role::Viewer)
            .await
            .expect_err("last admin");
        assert_eq!(last.kind, ErrorKind::Conflict);
        let own = accounts::set_user_disabled(&core, &admin, "admin", true)
            .await
            .expect_err("self");
        assert_eq!(own.kind, ErrorKind::Conflict);

        let page = accounts::list_users(
            &core,
            &admin,
            &ListQuery {
                q: Some("OLI".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].role, Role::Operator);

        accounts::set_user_disabled(&core, &admin, "olivia", true)
            .await
            .expect("disable");
        let e = accounts::sign_in(&core, "olivia", PW, "10.0.0.6")
            .await
            .expect_err("disabled cannot sign in");
        assert_eq!(e.kind, ErrorKind::Unauthenticated);

        let log = audit::list(
            &core,
            &admin,
            &ListQuery {
                filters: vec![("outcome".into(), "denied".into())],
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        assert!(
            log.items
                .iter()
                .any(|e| e.actor == "olivia" && e.action == "CreateUser"),
            "denial audited"
        );
        let denied = audit::list(&core, &olivia, &ListQuery::default())
            .await
            .expect_err("audit is admin-only");
        assert_eq!(denied.kind, ErrorKind::AccessDenied);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn sessions_end_when_user_disabled_or_password_changes() {
    for t in TestDb::all().await {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let core = testing::core_with_clock(&t.db, Arc::new(clock.clone())).await;
        let admin = admin(&core).await;
        accounts::create_user(&core, &admin, "vic", Role::Viewer, PW)
            .await
            .expect("create");
        let vic = accounts::sign_in(&core, "vic", PW, "10.0.0.7")
            .await
            .expect("vic");
        let store = DbSessionStore::new(t.db.clone(), Arc::new(clock.clone()));
        let mut record = Record {
            id: Id::default(),
            data: [(USER_ID_KEY.to_string(), serde_json::json!(vic.user_id))]
                .into_iter()
                .collect(),
            expiry_date: clock.now() + time::Duration::hours(1),
        };
        store.create(&mut record).await.expect("create session");
        assert!(store.load(&record.id).await.expect("load").is_some());
        assert!(
            accounts::principal_for_session(&core, &vic.user_id, vic.epoch)
                .await
                .expect("p")
                .is_some()
        );

        let vic_actor = actor_for(&vic);
        let new_vic = accounts::change_own_password(&core, &vic_actor, PW, "another long password")
            .await
            .expect("change");
        assert!(
            store.load(&record.id).await.expect("load").is_none(),
            "session row deleted"
        );
        assert!(
            accounts::principal_for_session(&core, &vic.user_id, vic.epoch)
                .await
                .expect("p")
                .is_none(),
            "old epoch refused"
        );
        assert!(
            accounts::principal_for_session(&core, &vic.user_id, new_vic.epoch)
                .await
                .expect("p")
                .is_some()
        );

        accounts::set_user_disabled(&core, &admin, "vic", true)
            .await
            .expect("disable");
        assert!(
            accounts::principal_for_session(&core, &vic.user_id, new_vic.epoch)
                .await
                .expect("p")
                .is_none()
        );

        // Expiry by the injected clock.
        store.create(&mut record).await.expect("recreate");
        clock.advance(time::Duration::hours(2));
        assert!(
            store.load(&record.id).await.expect("load").is_none(),
            "expired"
        );
        assert_eq!(store.delete_expired().await.expect("sweep"), 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn access_keys_are_sealed_and_resolvable() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let admin = admin(&core).await;
        let key = accounts::create_access_key(&core, &admin, None, "ci")
            .await
            .expect("create key");
        let raw: Vec<u8> =
            sqlx::query_scalar("SELECT secret_sealed FROM access_keys WHERE access_key_id = $1")
                .bind(&key.access_key_id)
                .fetch_one(t.db.pool())
                .await
                .expect("row");
        assert!(
            !String::from_utf8_lossy(&raw).contains(&key.secret_access_key),
            "secret not stored in clear"
        );
        let (p, secret) = accounts::resolve_access_key(&core, &key.access_key_id)
            .await
            .expect("resolve")
            .expect("known");
        assert_eq!(
            (p.name.as_str(), secret.0.as_str()),
            ("admin", key.secret_access_key.as_str())
        );
        assert!(accounts::resolve_access_key(&core, "AKIAUNKNOWN000000000")
            .await
            .expect("resolve")
            .is_none());
        for i in 1..5 {
            accounts::create_access_key(&core, &admin, None, &format!("k{i}"))
                .await
                .expect("more keys");
        }
        let over = accounts::create_access_key(&core, &admin, None, "k6")
            .await
            .expect_err("limit");
        assert_eq!(over.kind, ErrorKind::LimitExceeded);
        assert_eq!(
            accounts::list_access_keys(&core, &admin, None)
                .await
                .expect("list")
                .len(),
            5
        );
        accounts::delete_access_key(&core, &admin, &key.access_key_id)
            .await
            .expect("delete");
        assert!(accounts::resolve_access_key(&core, &key.access_key_id)
            .await
            .expect("resolve")
            .is_none());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn service_settings_update_reset_and_roles() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let admin = admin(&core).await;
        let id = settings::HIGH_THROUGHPUT_ENABLED;
        let s = settings::get_service_setting(&core, &admin, id)
            .await
            .expect("get");
        assert_eq!(
            (
                s.setting_value.as_str(),
                s.status.as_str(),
                s.last_modified_user.as_str()
            ),
            ("false", "Default", "System")
        );
        assert_eq!(
            s.arn,
            format!(
                "arn:aws:ssm:us-east-1:{}:servicesetting{id}",
                core.account_id()
            )
        );

        settings::update_service_setting(&core, &admin, &s.arn, "true")
            .await
            .expect("update by ARN");
        let s = settings::get_service_setting(&core, &admin, id)
            .await
            .expect("get");
        assert_eq!(
            (s.setting_value.as_str(), s.status.as_str()),
            ("true", "Customized")
        );
        assert_eq!(
            s.last_modified_user,
            format!("arn:aws:iam::{}:user/admin", core.account_id())
        );

        let bad = settings::update_service_setting(&core, &admin, id, "yes")
            .await
            .expect_err("invalid value");
        assert_eq!(bad.kind, ErrorKind::Validation);
        let missing = settings::get_service_setting(&core, &admin, "/ssm/nope")
            .await
            .expect_err("unknown");
        assert_eq!(missing.exception, Some("ServiceSettingNotFound"));

        // A whole-number setting: the activation expiry bound moves with it.
        let days = settings::ACTIVATION_MAX_EXPIRY_DAYS;
        let in_60_days = core.now_ms() + 60 * 24 * 3600 * 1000;
        let create = |expiration| bosun_core::activations::CreateActivation {
            iam_role: "role".into(),
            expiration_date: Some(expiration),
            ..Default::default()
        };
        let refused = bosun_core::activations::create_activation(&core, &admin, create(in_60_days))
            .await
            .expect_err("beyond 30 days");
        assert!(
            refused.message.contains("at most 30 days"),
            "{}",
            refused.message
        );
        for bad in ["0", "366", "ten", ""] {
            settings::update_service_setting(&core, &admin, days, bad)
                .await
                .expect_err("out of range");
        }
        settings::update_service_setting(&core, &admin, days, "90")
            .await
            .expect("90 days");
        bosun_core::activations::create_activation(&core, &admin, create(in_60_days))
            .await
            .expect("within 90 days");

        accounts::create_user(&core, &admin, "viv", Role::Viewer, PW)
            .await
            .expect("viewer");
        let viv = actor_for(
            &accounts::sign_in(&core, "viv", PW, "10.0.0.8")
                .await
                .expect("viv"),
        );
        assert!(
            settings::get_service_setting(&core, &viv, id).await.is_ok(),
            "viewers read"
        );
        let denied = settings::update_service_setting(&core, &viv, id, "false")
            .await
            .expect_err("viewers do not change");
        assert_eq!(denied.kind, ErrorKind::AccessDenied);

        let s = settings::reset_service_setting(&core, &admin, id)
            .await
            .expect("reset");
        assert_eq!(
            (s.setting_value.as_str(), s.status.as_str()),
            ("false", "Default")
        );
        assert_eq!(settings::value(&core, id).await.expect("value"), "false");

        let log = audit::list(
            &core,
            &admin,
            &ListQuery {
                q: Some("servicesetting".into()),
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        let actions: Vec<_> = log.items.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"UpdateServiceSetting") && actions.contains(&"ResetServiceSetting"),
            "{actions:?}"
        );
        t.cleanup().await;
    }
}

/// Replica bookkeeping on both databases: a replica that stops moving is declared dead
/// by a live one, which releases the nodes it held; nodes held by live replicas stay
/// Online; a clean leave releases one's own nodes.
#[tokio::test]
async fn dead_replicas_release_their_nodes() {
    use bosun_core::cluster;
    use bosun_core::nodes::store as nodes;
    for t in TestDb::all().await {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let a = testing::core_with_clock(&t.db, Arc::new(clock.clone())).await;
        let b = testing::core_with_clock(&t.db, Arc::new(clock.clone())).await;
        cluster::join(&a).await.expect("a joins");
        if t.backend() == bosun_core::db::Backend::Postgres {
            // (On SQLite a joining replica is the only one; b joining would evict a.)
            cluster::join(&b).await.expect("b joins");
        }
        let now = clock.now_ms();
        for (id, core) in [("mi-0000000000000000a", &a), ("mi-0000000000000000b", &b)] {
            testing::insert_node(&t.db, id, now).await;
            nodes::connect(t.db.pool(), id, core.replica_id(), now)
                .await
                .expect("connect")
                .expect("generation");
        }
        let status = |id: &'static str| {
            let pool = t.db.pool().clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT ping_status FROM managed_instances WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&pool)
                .await
                .expect("status")
            }
        };
        if t.backend() == bosun_core::db::Backend::Postgres {
            // Both alive: a's beat releases nothing.
            assert_eq!(cluster::beat(&a).await.expect("beat"), 0);
            assert_eq!(status("mi-0000000000000000b").await, "Online");
        }
        // b goes silent; a keeps beating past the limit and releases b's node only.
        clock.advance(time::Duration::milliseconds(cluster::STALE_AFTER_MS + 1));
        assert_eq!(cluster::beat(&a).await.expect("beat"), 1);
        assert_eq!(status("mi-0000000000000000b").await, "ConnectionLost");
        assert_eq!(status("mi-0000000000000000a").await, "Online");
        let live = cluster::replicas(&a).await.expect("replicas");
        assert_eq!(
            live.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            vec![a.replica_id()]
        );
        // A clean stop releases a's own node.
        cluster::leave(&a).await.expect("leave");
        assert_eq!(status("mi-0000000000000000a").await, "ConnectionLost");
        assert!(cluster::replicas(&a).await.expect("replicas").is_empty());
        t.cleanup().await;
    }
}

/// Heartbeats are stored together: each moves its node's last ping only while its
/// connection is current and the node Online; the others are reported stale and their
/// links here are cut.
#[tokio::test]
async fn heartbeats_are_stored_together_and_stale_connections_are_cut() {
    use bosun_core::links::CutReason;
    use bosun_core::nodes::{self, store, NodeSession};
    for t in TestDb::all().await {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let core = testing::core_with_clock(&t.db, Arc::new(clock.clone())).await;
        let connected_at = clock.now_ms();
        let ids = [
            "mi-0000000000000000a",
            "mi-0000000000000000b",
            "mi-0000000000000000c",
        ];
        let mut sessions = Vec::new();
        for id in ids {
            testing::insert_node(&t.db, id, connected_at).await;
            let generation = store::connect(t.db.pool(), id, core.replica_id(), connected_at)
                .await
                .expect("connect")
                .expect("generation");
            sessions.push(NodeSession {
                instance_id: id.into(),
                generation,
            });
        }
        let links: Vec<_> = sessions
            .iter()
            .map(|s| core.links().attach(&s.instance_id, s.generation))
            .collect();
        // b's connection ended; c connected again elsewhere (a newer generation).
        store::disconnect(t.db.pool(), ids[1], sessions[1].generation)
            .await
            .expect("disconnect");
        store::connect(t.db.pool(), ids[2], "r-elsewhere", connected_at)
            .await
            .expect("reconnect");

        clock.advance(time::Duration::seconds(15));
        let beat_at = clock.now_ms();
        for s in &sessions {
            nodes::heartbeat(&core, s);
        }
        let last_ping = |id: &'static str| {
            let pool = t.db.pool().clone();
            async move {
                sqlx::query_scalar::<_, Option<i64>>(
                    "SELECT last_ping_at FROM managed_instances WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&pool)
                .await
                .expect("last ping")
            }
        };
        // Nothing is written per heartbeat.
        assert_eq!(last_ping(ids[0]).await, Some(connected_at));
        let mut stale = nodes::flush_pings(&core).await.expect("flush");
        stale.sort();
        assert_eq!(
            stale,
            vec![ids[1].to_string(), ids[2].to_string()],
            "{:?}",
            t.backend()
        );
        assert_eq!(last_ping(ids[0]).await, Some(beat_at));
        assert_eq!(last_ping(ids[1]).await, Some(connected_at));
        assert_eq!(*links[0].cut.borrow(), None, "a's link stays");
        assert_eq!(*links[1].cut.borrow(), Some(CutReason::Superseded));
        assert_eq!(*links[2].cut.borrow(), Some(CutReason::Superseded));
        // Flushed once: nothing is left to store.
        assert!(nodes::flush_pings(&core).await.expect("flush").is_empty());
        t.cleanup().await;
    }
}

/// A Pending command of AWS-RunShellScript on three nodes, as SendCommand stores it.
fn command_row(
    command_id: &str,
    concurrency: i64,
    requested_at: i64,
    expires_at: i64,
) -> bosun_core::commands::store::CommandRow {
    bosun_core::commands::store::CommandRow {
        command_id: command_id.into(),
        document_name: "AWS-RunShellScript".into(),
        document_version: "1".into(),
        comment: String::new(),
        parameters: "{}".into(),
        targets: "[]".into(),
        instance_ids: "[]".into(),
        timeout_seconds: 3600,
        max_concurrency: concurrency.to_string(),
        max_errors: "0".into(),
        concurrency_limit: concurrency,
        error_limit: 0,
        requested_at,
        expires_at,
        requested_by: "admin".into(),
        status: "Pending".into(),
        status_details: "Pending".into(),
        target_count: 3,
        completed_count: 0,
        error_count: 0,
        delivery_timed_out_count: 0,
        cancel_requested: false,
    }
}

/// The invocation of `command_id` on node `mi-<i>`, with no steps.
fn new_invocation(
    command_id: &str,
    i: i64,
    online: bool,
) -> bosun_core::commands::store::NewInvocation {
    bosun_core::commands::store::NewInvocation {
        invocation_id: format!("{command_id}-mi-{i}"),
        instance_id: format!("mi-{i}"),
        instance_name: String::new(),
        position: i,
        run: "[]".into(),
        plugins: "[]".into(),
        online,
    }
}

#[tokio::test]
async fn invocation_batches_write_once_and_refuse_stale_state() {
    use bosun_core::commands::store::{self, InvocationUpdate, NewInvocation, NewOutput};
    for t in TestDb::all().await {
        let now = 1_700_000_000_000;
        let command_id = "5d6c2a9e-0000-4000-8000-000000000001";
        let command = command_row(command_id, 2, now, now + 3_600_000);
        // The second node is offline; the third is of another platform (its own steps
        // and plugins).
        let mut rows: Vec<NewInvocation> = (0..3)
            .map(|i| new_invocation(command_id, i, i != 1))
            .collect();
        rows[2].run = r#"[{"other":"platform"}]"#.into();
        rows[2].plugins = r#"[{"name":"other"}]"#.into();
        let mut tx = t.db.begin().await.expect("begin");
        store::insert_command(&mut tx, &command, now)
            .await
            .expect("command");
        // Rate control's first wave: two of three released at insert.
        store::insert_invocations(&mut tx, command_id, &rows, 2, now)
            .await
            .expect("invocations");
        let ids: Vec<String> = rows.iter().map(|r| r.invocation_id.clone()).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut read = store::invocations_by_ids(&mut tx, &refs)
            .await
            .expect("read");
        read.sort_by_key(|r| r.position);
        let states: Vec<(&str, bool)> = read
            .iter()
            .map(|r| (r.status.as_str(), r.released))
            .collect();
        assert_eq!(
            states,
            [("Pending", true), ("Delayed", true), ("Pending", false)],
            "{}",
            t.backend().as_str()
        );
        assert_eq!(read[0].released_at, Some(now));
        assert_eq!(read[2].released_at, None);
        // What the writer remembers of a new invocation is what was stored.
        for (i, (new, stored)) in rows.iter().zip(&read).enumerate() {
            assert_eq!(
                format!("{:?}", new.stored(command_id, i < 2, now)),
                format!("{stored:?}"),
                "{}",
                t.backend().as_str()
            );
        }

        // Two rows change in one statement; the written state is what was asked.
        let mut a = read[0].clone();
        a.status = "Success".into();
        a.status_details = "Success".into();
        a.started_at = Some(now + 1);
        a.ended_at = Some(now + 2);
        a.response_code = 0;
        a.last_seq = 2;
        a.output_bytes = 3;
        a.detail = "it's done; \"quoted\"".into();
        let mut b = read[1].clone();
        b.status = "InProgress".into();
        b.status_details = "In Progress".into();
        b.deadline_at = Some(now + 99);
        let n = store::update_invocations(
            &mut tx,
            &[
                InvocationUpdate {
                    was_status: "Pending",
                    was_last_seq: 0,
                    row: &a,
                },
                InvocationUpdate {
                    was_status: "Delayed",
                    was_last_seq: 0,
                    row: &b,
                },
            ],
        )
        .await
        .expect("update");
        assert_eq!(n, 2);
        let got = store::invocation(&mut *tx, &a.invocation_id)
            .await
            .expect("get")
            .expect("row");
        assert_eq!(
            (
                got.status.as_str(),
                got.started_at,
                got.ended_at,
                got.response_code,
                got.last_seq,
                got.output_bytes,
                got.detail.as_str()
            ),
            (
                "Success",
                Some(now + 1),
                Some(now + 2),
                0,
                2,
                3,
                "it's done; \"quoted\""
            )
        );
        let got = store::invocation(&mut *tx, &b.invocation_id)
            .await
            .expect("get")
            .expect("row");
        assert_eq!(
            (got.status.as_str(), got.deadline_at),
            ("InProgress", Some(now + 99))
        );

        // Read with a state that is no longer stored: nothing is written.
        let mut stale = read[0].clone();
        stale.status = "Failed".into();
        let n = store::update_invocations(
            &mut tx,
            &[InvocationUpdate {
                was_status: "Pending",
                was_last_seq: 0,
                row: &stale,
            }],
        )
        .await
        .expect("stale update");
        assert_eq!(n, 0);
        let got = store::invocation(&mut *tx, &a.invocation_id)
            .await
            .expect("get")
            .expect("row");
        assert_eq!(got.status, "Success");

        // Output: a chunk stored twice stays as first written.
        let chunk = |seq: i64, data: &str| NewOutput {
            invocation_id: a.invocation_id.clone(),
            seq,
            plugin: 0,
            stream: 1,
            data: data.into(),
        };
        // Text travels inside one JSON bind: quotes, backslashes, control characters
        // and non-ASCII come back as they went in.
        let odd = "\"quoted\" \\back\\ \t\u{1b}[31mred\u{1b}[0m é ✓ 🚀 '; DROP\r\n";
        store::insert_output(&mut tx, &[chunk(1, "h"), chunk(2, "i\n"), chunk(3, odd)])
            .await
            .expect("output");
        store::insert_output(&mut tx, &[chunk(2, "again")])
            .await
            .expect("duplicate output");
        let out = store::output(&mut *tx, &a.invocation_id, 0, None, None, 10)
            .await
            .expect("read output");
        let text: String = out.iter().map(|(_, _, _, d)| d.as_str()).collect();
        assert_eq!(text, format!("hi\n{odd}"), "{}", t.backend().as_str());
        tx.rollback().await.expect("rollback");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_sweeper_finds_expired_overdue_and_orphaned_invocations_of_open_commands() {
    use bosun_core::commands::store::{self, InvocationUpdate, NewInvocation};
    for t in TestDb::all().await {
        let now = 1_700_000_000_000;
        for i in 0..3 {
            testing::insert_node(&t.db, &format!("mi-{i}"), now).await;
        }
        sqlx::query("UPDATE managed_instances SET deregistered_at = $1 WHERE id = 'mi-2'")
            .bind(now)
            .execute(t.db.pool())
            .await
            .expect("deregister");
        let command = |id: &str, expires_at: i64| command_row(id, 50, now - 10_000, expires_at);
        let new = |command_id: &str, i: i64| new_invocation(command_id, i, true);
        // Live (not expired): mi-0 started and overdue, mi-1 started and within its
        // deadline, mi-2 pending on a deregistered node.
        // Expired: mi-0 pending, mi-1 delayed (offline), mi-2 ended.
        let (live, expired) = ("c-live", "c-expired");
        let mut tx = t.db.begin().await.expect("begin");
        for (id, expires) in [(live, now + 60_000), (expired, now - 1)] {
            store::insert_command(&mut tx, &command(id, expires), now)
                .await
                .expect("command");
            let rows: Vec<NewInvocation> = (0..3).map(|i| new(id, i)).collect();
            store::insert_invocations(&mut tx, id, &rows, 3, now)
                .await
                .expect("invocations");
        }
        let stored = |id: &str, i: i64, status: &str, deadline: Option<i64>| {
            let mut r = new(id, i).stored(id, true, now);
            r.status = status.into();
            r.status_details = status.into();
            r.deadline_at = deadline;
            r
        };
        let changed = [
            stored(live, 0, "InProgress", Some(now - 1)),
            stored(live, 1, "InProgress", Some(now + 10_000)),
            stored(expired, 1, "Delayed", None),
            stored(expired, 2, "Success", None),
        ];
        let updates: Vec<InvocationUpdate> = changed
            .iter()
            .map(|row| InvocationUpdate {
                was_status: "Pending",
                was_last_seq: 0,
                row,
            })
            .collect();
        assert_eq!(
            store::update_invocations(&mut tx, &updates)
                .await
                .expect("update"),
            4
        );
        tx.commit().await.expect("commit");

        let pool = t.db.pool();
        let mut got = store::delivery_expired(pool, now).await.expect("expired");
        got.sort();
        let ids: Vec<&str> = got.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            ids,
            ["c-expired-mi-0", "c-expired-mi-1"],
            "{}",
            t.backend().as_str()
        );
        let got = store::past_deadline(pool, now).await.expect("overdue");
        assert_eq!(
            got,
            [(
                "c-live-mi-0".to_string(),
                live.to_string(),
                "InProgress".to_string()
            )]
        );
        let got = store::on_deregistered_nodes(pool)
            .await
            .expect("deregistered");
        assert_eq!(
            got,
            [(
                "c-live-mi-2".to_string(),
                live.to_string(),
                "Pending".to_string()
            )]
        );
        // A command with nothing open is not looked at.
        sqlx::query("UPDATE commands SET open = 0")
            .execute(pool)
            .await
            .expect("close");
        assert!(store::delivery_expired(pool, now)
            .await
            .expect("expired")
            .is_empty());
        assert!(store::past_deadline(pool, now)
            .await
            .expect("overdue")
            .is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn grouped_audit_records_are_all_committed_before_their_callers_return() {
    for t in TestDb::all().await {
        let core = testing::core(&t.db).await;
        let actor = Actor::cli();
        // More concurrent records than one INSERT holds: several chunks per batch.
        let writes: Vec<_> = (0..120)
            .map(|i| {
                let (core, actor) = (core.clone(), actor.clone());
                tokio::spawn(async move {
                    audit::record_grouped(
                        &core,
                        &actor,
                        1_000 + i,
                        "GroupedTest",
                        &format!("thing/{i}"),
                        audit::Outcome::Success,
                        "it's \"quoted\"; DROP TABLE audit_log; --",
                    )
                    .await
                })
            })
            .collect();
        // Spawned, so they run concurrently; each returns only once it is committed.
        for w in writes {
            w.await.expect("task").expect("recorded");
        }
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT at, resource, detail FROM audit_log WHERE action = 'GroupedTest' ORDER BY at",
        )
        .fetch_all(core.db().pool())
        .await
        .expect("read");
        assert_eq!(rows.len(), 120, "{}", t.backend().as_str());
        for (i, (at, resource, detail)) in rows.iter().enumerate() {
            assert_eq!(*at, 1_000 + i as i64);
            assert_eq!(resource, &format!("thing/{i}"));
            assert_eq!(detail, "it's \"quoted\"; DROP TABLE audit_log; --");
        }
        t.cleanup().await;
    }
}
