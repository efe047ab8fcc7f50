//! Queueing and the dispatcher's bookkeeping. Sending is the server's business
//! (`bosun_server::webhook`); everything about when and whether lives here.

use super::store::{self, Queued};
use super::{backoff_ms, envelope, CLAIM_MS, GIVE_UP_AFTER_MS, KEEP_DONE_MS};
use crate::audit::{self, Outcome};
use crate::db::Tx;
use crate::error::ServiceResult;
use crate::{Actor, Core};
use std::sync::atomic::{AtomicBool, Ordering};

/// This process's notification switch and the dispatcher's wake-up.
#[derive(Default)]
pub struct Notifications {
    enabled: AtomicBool,
    wake: tokio::sync::Notify,
}

impl Notifications {
    /// Turns queueing on (the server does this when a webhook is configured).
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Tells the dispatcher that something was queued (call after the commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Self::wake`] is called (or was called since the last wait).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// Queues a notification in `tx` (so it exists exactly when the change commits).
/// Does nothing when no webhook is configured. Returns the notification's id.
pub async fn queue(
    core: &Core,
    tx: &mut Tx,
    detail_type: &str,
    resources: &[String],
    detail: serde_json::Value,
) -> ServiceResult<Option<String>> {
    if !core.notifications().enabled() {
        return Ok(None);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = core.now_ms();
    let body = envelope(
        &id,
        detail_type,
        core.account_id(),
        crate::DEFAULT_REGION,
        now,
        resources,
        detail,
    );
    store::insert(tx, &id, detail_type, &body.to_string(), now).await?;
    Ok(Some(id))
}

/// Claims up to `limit` due notifications for one delivery attempt each.
pub async fn claim_due(core: &Core, limit: i64) -> ServiceResult<Vec<Queued>> {
    let now = core.now_ms();
    let mut claimed = Vec::new();
    for q in store::due(core.db().pool(), now, limit).await? {
        if store::claim(core.db().pool(), &q, now + CLAIM_MS).await? {
            claimed.push(q);
        }
    }
    Ok(claimed)
}

pub async fn delivered(core: &Core, q: &Queued) -> ServiceResult<()> {
    store::delivered(core.db().pool(), &q.id, core.now_ms()).await?;
    Ok(())
}

/// What became of a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(i64),
    GivenUp,
}

/// Records a failed attempt of `q` (claimed, so its attempt is already counted):
/// schedules the next one with backoff, or gives up once the notification is older
/// than [`GIVE_UP_AFTER_MS`] — then it is audited as undeliverable.
pub async fn attempt_failed(core: &Core, q: &Queued, error: &str) -> ServiceResult<AfterFailure> {
    let now = core.now_ms();
    let error: String = error.chars().take(500).collect();
    if now - q.created_at < GIVE_UP_AFTER_MS {
        let at = now + backoff_ms(q.attempts + 1);
        store::retry_at(core.db().pool(), &q.id, at, &error).await?;
        return Ok(AfterFailure::RetryAt(at));
    }
    let mut tx = core.db().begin().await?;
    if store::give_up(&mut tx, &q.id, now, &error).await? {
        audit::record(
            &mut *tx,
            &Actor::system(),
            now,
            "NotificationUndeliverable",
            &format!("notification/{}", q.id),
            Outcome::Failed,
            &format!("{} after {} attempts: {error}", q.kind, q.attempts + 1),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::warn!(notification = %q.id, kind = %q.kind, attempts = q.attempts + 1, error = %error, "webhook notification given up");
    Ok(AfterFailure::GivenUp)
}

/// Drops delivered and failed notifications older than [`KEEP_DONE_MS`].
pub async fn prune(core: &Core) -> ServiceResult<u64> {
    Ok(store::prune(core.db().pool(), core.now_ms() - KEEP_DONE_MS).await?)
}
