//! Live command output for the console: `GET /live/invocations/{id}` is a stream of
//! Server-Sent Events (DESIGN-NOTES §4).
//!
//! One path: what the agent sends is stored first, then published; this stream reads
//! storage to catch up (after `?after=N` or the browser's `Last-Event-ID`) and then
//! forwards published chunks while they follow on. Anything else — a gap, a lagged
//! subscription (the browser is slow), a status change, a quiet second (the node may be
//! on another replica) — sends it back to storage. Each browser has its own bounded
//! queue; a slow one only slows its own stream.
//!
//! Events: `chunk` (`id` = seq; JSON `OutputChunkInfo`), `status` (JSON: status, status
//! details, response code), `end` (the invocation is terminal and all output was sent),
//! `failure` (a message; the stream ends).

use crate::web::AppState;
use app::ssr::Identity;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use bosun_core::commands::{self, engine::LiveEvent};
use bosun_core::types::{OutputChunkInfo, Source};
use bosun_core::{Actor, Core, DEFAULT_REGION};
use futures_util::StreamExt;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Chunks read from storage at a time.
const PAGE: i64 = 1000;
/// Events queued for one browser.
const QUEUE: usize = 64;
/// Without news for this long, look at storage anyway.
const QUIET: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: Option<i64>,
}

pub async fn invocation_stream(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(invocation_id): Path<String>,
    Query(q): Query<After>,
    headers: HeaderMap,
) -> Response {
    let Some(principal) = identity.principal else {
        return (axum::http::StatusCode::UNAUTHORIZED, "sign in first\n").into_response();
    };
    let actor = principal.actor(Source::Console, &identity.client_addr, DEFAULT_REGION);
    // The browser's own resume point wins over the page's.
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0)
        .max(0);
    let (tx, rx) = mpsc::channel::<Event>(QUEUE);
    let core = state.core.clone();
    tokio::spawn(async move {
        if let Err(message) = produce(&core, &actor, &invocation_id, after, &tx).await {
            let _ = tx
                .send(Event::default().event("failure").data(message))
                .await;
        }
    });
    // Fused: body wrappers (compression) may poll once more after the end.
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    })
    .fuse();
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn chunk_event(c: &OutputChunkInfo) -> Event {
    Event::default()
        .event("chunk")
        .id(c.seq.to_string())
        .data(serde_json::to_string(c).unwrap_or_default())
}

/// Feeds one browser until the invocation is done or the browser leaves (a failed send).
async fn produce(
    core: &Core,
    actor: &Actor,
    invocation_id: &str,
    mut last: i64,
    tx: &mpsc::Sender<Event>,
) -> Result<(), String> {
    // Subscribe before reading storage, so nothing falls between the two.
    let mut live = core.commands().subscribe(&format!("inv:{invocation_id}"));
    let mut shown_status = String::new();
    loop {
        // Catch up from storage.
        loop {
            let chunks = commands::read_output(core, actor, invocation_id, last, PAGE)
                .await
                .map_err(|e| e.message)?;
            let n = chunks.len() as i64;
            for c in chunks {
                last = c.seq;
                if tx.send(chunk_event(&c)).await.is_err() {
                    return Ok(());
                }
            }
            if n < PAGE {
                break;
            }
        }
        let inv = commands::invocation_by_id(core, actor, invocation_id)
            .await
            .map_err(|e| e.message)?;
        let status = format!(
            "{}|{}|{}",
            inv.status, inv.status_details, inv.response_code
        );
        if status != shown_status {
            shown_status = status;
            let data = serde_json::json!({
                "status": inv.status,
                "status_details": inv.status_details,
                "response_code": inv.response_code,
                "output_dropped": inv.output_dropped,
            });
            if tx
                .send(Event::default().event("status").data(data.to_string()))
                .await
                .is_err()
            {
                return Ok(());
            }
        }
        if !matches!(
            inv.status.as_str(),
            "Pending" | "Delayed" | "InProgress" | "Cancelling"
        ) {
            // Terminal: the agent sent its output before its result, so storage holds
            // all of it and it has been sent above.
            let _ = tx.send(Event::default().event("end").data("")).await;
            return Ok(());
        }
        // Forward published chunks while they follow on.
        loop {
            match tokio::time::timeout(QUIET, live.recv()).await {
                Ok(Ok(LiveEvent::Output(c))) if c.seq == last + 1 => {
                    last = c.seq;
                    if tx.send(chunk_event(&c)).await.is_err() {
                        return Ok(());
                    }
                }
                Ok(Ok(LiveEvent::Output(c))) if c.seq <= last => {}
                Ok(Err(broadcast::error::RecvError::Closed)) => {
                    live = core.commands().subscribe(&format!("inv:{invocation_id}"));
                    break;
                }
                // A gap, a change, a lag, or a quiet second: back to storage.
                _ => break,
            }
        }
        if tx.is_closed() {
            return Ok(());
        }
    }
}

/// `GET /live/invocations/{id}/output.txt`: the whole stored output as a file
/// (stdout and stderr interleaved as they were printed), streamed from storage a page at
/// a time.
pub async fn download(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(invocation_id): Path<String>,
) -> Response {
    use axum::http::{header, StatusCode};
    let Some(principal) = identity.principal else {
        return (StatusCode::UNAUTHORIZED, "sign in first\n").into_response();
    };
    let actor = principal.actor(Source::Console, &identity.client_addr, DEFAULT_REGION);
    let core = state.core.clone();
    // Checks access and existence before any byte is sent.
    if let Err(e) = commands::invocation_by_id(&core, &actor, &invocation_id).await {
        let status = match e.kind {
            bosun_core::types::ErrorKind::AccessDenied => StatusCode::FORBIDDEN,
            bosun_core::types::ErrorKind::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        return (status, format!("{}\n", e.message)).into_response();
    }
    let name = format!("attachment; filename=\"{invocation_id}.txt\"");
    let pages = futures_util::stream::unfold(Some(0i64), move |after| {
        let (core, actor, id) = (core.clone(), actor.clone(), invocation_id.clone());
        async move {
            let after = after?;
            match commands::read_output(&core, &actor, &id, after, PAGE).await {
                Ok(chunks) if chunks.is_empty() => None,
                Ok(chunks) => {
                    let next = (chunks.len() as i64 == PAGE)
                        .then(|| chunks.last().map(|c| c.seq))
                        .flatten();
                    let text: String = chunks.into_iter().map(|c| c.data).collect();
                    Some((Ok::<_, std::io::Error>(text), next))
                }
                Err(e) => Some((Err(std::io::Error::other(e.message)), None)),
            }
        }
    });
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        // Fused: the compression layer polls once more after the end.
        axum::body::Body::from_stream(pages.fuse()),
    )
        .into_response()
}
