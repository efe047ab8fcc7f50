//! The webhook outbox: queueing only when a webhook is configured, one claim per due
//! attempt across replicas, backoff, giving up (audited) and pruning. Each body runs on
//! SQLite and PostgreSQL.

use bosun_core::clock::ManualClock;
use bosun_core::notify::{self, AfterFailure};
use bosun_core::testing::{self, TestDb};
use bosun_core::Core;
use std::sync::Arc;

async fn queue(core: &Core, name: &str) -> Option<String> {
    let mut tx = core.db().begin().await.expect("begin");
    let id = notify::queue(
        core,
        &mut tx,
        "Parameter Store Policy Action",
        &[format!(
            "arn:aws:ssm:us-east-1:{}:parameter{name}",
            core.account_id()
        )],
        serde_json::json!({ "parameter-name": name }),
    )
    .await
    .expect("queue");
    tx.commit().await.expect("commit");
    id
}

async fn state(core: &Core, id: &str) -> (String, i64, Option<String>) {
    notify::store::state(core.db().pool(), id)
        .await
        .expect("state")
        .expect("row")
}

#[tokio::test]
async fn outbox_claims_once_backs_off_gives_up_and_prunes() {
    for t in TestDb::all().await {
        let backend = t.backend().as_str();
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let core = testing::core_with_clock(&t.db, Arc::new(clock.clone())).await;

        // No webhook configured: nothing is queued.
        assert_eq!(queue(&core, "/off").await, None, "{backend}");
        assert!(notify::claim_due(&core, 10)
            .await
            .expect("claim")
            .is_empty());

        core.notifications().enable();
        let id = queue(&core, "/a/b").await.expect("queued");
        let body: serde_json::Value = {
            let q = notify::store::due(core.db().pool(), core.now_ms(), 10)
                .await
                .expect("due");
            assert_eq!(q.len(), 1, "{backend}");
            serde_json::from_str(&q[0].body).expect("json body")
        };
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["account"], core.account_id());
        assert_eq!(body["detail"]["parameter-name"], "/a/b");

        // Two replicas race for it: exactly one gets the attempt.
        let other = Core::open(
            bosun_core::db::Db::connect(core.db().url())
                .await
                .expect("second pool"),
            core.master_key().clone(),
            Arc::new(clock.clone()),
            Default::default(),
        )
        .await
        .expect("second replica");
        let (a, b) = tokio::join!(notify::claim_due(&core, 10), notify::claim_due(&other, 10));
        let (a, b) = (a.expect("claim a"), b.expect("claim b"));
        assert_eq!(a.len() + b.len(), 1, "{backend}: {a:?} {b:?}");
        let q = a.into_iter().chain(b).next().expect("claimed");
        assert_eq!(state(&core, &id).await.1, 1);
        // Claimed: not due again while the claim lasts.
        assert!(notify::claim_due(&core, 10)
            .await
            .expect("claim")
            .is_empty());

        // A failure schedules the next attempt 5 s later, keeping the reason.
        let at = notify::attempt_failed(&core, &q, "the webhook answered HTTP 503")
            .await
            .expect("failed");
        assert_eq!(
            at,
            AfterFailure::RetryAt(core.now_ms() + 5_000),
            "{backend}"
        );
        let (status, attempts, error) = state(&core, &id).await;
        assert_eq!((status.as_str(), attempts), ("pending", 1));
        assert_eq!(error.as_deref(), Some("the webhook answered HTTP 503"));
        clock.advance(time::Duration::seconds(4));
        assert!(notify::claim_due(&core, 10)
            .await
            .expect("claim")
            .is_empty());
        clock.advance(time::Duration::seconds(1));
        let q = notify::claim_due(&core, 10).await.expect("claim").remove(0);
        assert_eq!(q.attempts, 1);
        // The second failure waits 10 s.
        assert_eq!(
            notify::attempt_failed(&core, &q, "unreachable")
                .await
                .expect("failed"),
            AfterFailure::RetryAt(core.now_ms() + 10_000)
        );

        // A day later the next failure gives up: marked failed and audited.
        clock.advance(time::Duration::hours(24));
        let q = notify::claim_due(&core, 10).await.expect("claim").remove(0);
        assert_eq!(
            notify::attempt_failed(&core, &q, "still unreachable")
                .await
                .expect("failed"),
            AfterFailure::GivenUp
        );
        assert_eq!(
            state(&core, &id).await,
            ("failed".into(), 3, Some("still unreachable".into()))
        );
        let audited: Vec<(String, String)> = sqlx::query_as(
            "SELECT outcome, detail FROM audit_log WHERE action = 'NotificationUndeliverable' AND resource = $1",
        )
        .bind(format!("notification/{id}"))
        .fetch_all(core.db().pool())
        .await
        .expect("audit");
        assert_eq!(audited.len(), 1, "{backend}");
        assert_eq!(audited[0].0, "failed");
        assert!(
            audited[0].1.contains("after 3 attempts"),
            "{}",
            audited[0].1
        );
        assert!(notify::claim_due(&core, 10)
            .await
            .expect("claim")
            .is_empty());

        // A delivered one is kept a week, then pruned with the failed one.
        let id2 = queue(&core, "/c").await.expect("queued");
        let q = notify::claim_due(&core, 10).await.expect("claim").remove(0);
        notify::delivered(&core, &q).await.expect("delivered");
        assert_eq!(state(&core, &id2).await.0, "delivered");
        assert_eq!(notify::prune(&core).await.expect("prune"), 0);
        clock.advance(time::Duration::days(8));
        assert_eq!(notify::prune(&core).await.expect("prune"), 2, "{backend}");
        other.db().close().await;
        t.cleanup().await;
    }
}
