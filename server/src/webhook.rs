//! Webhook delivery: the adapter that sends `bosun_core::notify`'s outbox to the URL the
//! operator configured (`--webhook-url`). Each notification is one JSON POST; a 2xx
//! answer delivers it, anything else is retried with backoff by whichever replica
//! claims it next (see `notify` for the rules). Redirects are not followed, requests
//! time out after 10 s, and errors are logged without the URL's credentials.
//!
//! Receivers authenticate requests by `X-Bosun-Signature` when a secret is set:
//! `v1=` and the hex HMAC-SHA256, keyed by the secret, of `X-Bosun-Timestamp` (Unix
//! seconds), a `.` and the raw body — reject old timestamps to stop replays.
//! `X-Bosun-Delivery` is the notification's id (the same on every retry: deduplicate
//! on it); `X-Bosun-Event` is its `detail-type`.

use crate::config::ServeArgs;
use anyhow::{bail, Context};
use bosun_core::notify::{self, store::Queued, AfterFailure};
use bosun_core::Core;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// How many notifications one replica sends at once.
const BATCH: i64 = 16;
/// How often an idle dispatcher looks for work another replica queued or a retry due.
const IDLE_POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Webhook {
    url: reqwest::Url,
    secret: Option<String>,
    client: reqwest::Client,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &redacted_url(&self.url))
            .field("signed", &self.secret.is_some())
            .finish()
    }
}

/// The URL without user name or password (for logs).
fn redacted_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

impl Webhook {
    /// The configured webhook, checked: an absolute http(s) URL with a host. `None`
    /// when none is configured.
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Option<Webhook>> {
        let Some(raw) = args.webhook_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let url = reqwest::Url::parse(raw.trim())
            .map_err(|e| anyhow::anyhow!("--webhook-url is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            bail!("--webhook-url must be an http:// or https:// URL with a host");
        }
        let secret = args
            .webhook_secret
            .as_ref()
            .map(|s| s.0.clone())
            .filter(|s| !s.is_empty());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("bosun/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the webhook client")?;
        Ok(Some(Webhook {
            url,
            secret,
            client,
        }))
    }

    /// One delivery attempt of `q`, at `now_ms`.
    async fn send(&self, q: &Queued, now_ms: i64) -> Result<(), String> {
        let ts = (now_ms / 1000).to_string();
        let mut req = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("x-bosun-delivery", &q.id)
            .header("x-bosun-event", &q.kind)
            .header("x-bosun-timestamp", &ts)
            .body(q.body.clone());
        if let Some(secret) = &self.secret {
            req = req.header("x-bosun-signature", signature(secret, &ts, &q.body));
        }
        match req.send().await {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => Err(format!(
                "the webhook answered HTTP {}",
                resp.status().as_u16()
            )),
            Err(e) => Err(format!(
                "the webhook could not be reached: {}",
                error_chain(&e.without_url())
            )),
        }
    }
}

/// An error and its causes, `: `-separated (reqwest's own message is only the outer
/// layer, "error sending request", which does not tell a TLS failure from a refusal).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Turns queueing on and runs the dispatcher until the process ends.
pub fn spawn(core: &Core, hook: Webhook) -> tokio::task::JoinHandle<()> {
    core.notifications().enable();
    tracing::info!(url = %redacted_url(&hook.url), signed = hook.secret.is_some(), "webhook notifications on");
    let core = core.clone();
    tokio::spawn(async move {
        let mut last_prune = 0i64;
        loop {
            let batch = match notify::claim_due(&core, BATCH).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e.message, "webhook dispatcher cannot read the outbox");
                    Vec::new()
                }
            };
            if batch.is_empty() {
                let now = core.now_ms();
                if now - last_prune > 3600 * 1000 {
                    last_prune = now;
                    if let Err(e) = notify::prune(&core).await {
                        tracing::warn!(error = %e.message, "webhook outbox prune failed");
                    }
                }
                tokio::select! {
                    _ = core.notifications().woken() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
                continue;
            }
            let sends = batch.iter().map(|q| {
                let hook = &hook;
                let core = &core;
                async move { (q, hook.send(q, core.now_ms()).await) }
            });
            for (q, result) in futures_util::future::join_all(sends).await {
                let recorded = match result {
                    Ok(()) => {
                        tracing::debug!(notification = %q.id, kind = %q.kind, "webhook notification delivered");
                        notify::delivered(&core, q).await.map(|_| ())
                    }
                    Err(error) => match notify::attempt_failed(&core, q, &error).await {
                        Ok(AfterFailure::RetryAt(at)) => {
                            tracing::warn!(notification = %q.id, kind = %q.kind, attempt = q.attempts + 1, retry_in_ms = at - core.now_ms(), %error, "webhook delivery failed");
                            Ok(())
                        }
                        Ok(AfterFailure::GivenUp) => Ok(()),
                        Err(e) => Err(e),
                    },
                };
                if let Err(e) = recorded {
                    tracing::warn!(notification = %q.id, error = %e.message, "webhook outcome not recorded; it will be retried");
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            signature("s3cret", "1700000000", r#"{"a":1}"#),
            "v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
    }
}
