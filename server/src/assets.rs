//! The console's static assets (`/pkg/bosun.js`, `/pkg/bosun.wasm`, `/pkg/bosun.css`).
//!
//! Release builds embed them: `build.rs` includes every file of the site folder that
//! `cargo xtask build` produced (`$BOSUN_SITE_DIR`), so the `bosun` binary serves the
//! console without the source tree. `--site-dir` serves from a folder instead (the
//! `cargo xtask watch` loop rebuilds the bundle without relinking the server).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));
}

struct Asset {
    bytes: std::borrow::Cow<'static, [u8]>,
    etag: String,
}

pub struct Assets {
    files: HashMap<String, Asset>,
    dir: Option<PathBuf>,
}

fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..20])
}

impl Assets {
    pub fn new(dir: Option<PathBuf>) -> Self {
        let files = embedded::FILES
            .iter()
            .map(|(name, bytes)| {
                (
                    name.to_string(),
                    Asset {
                        bytes: std::borrow::Cow::Borrowed(*bytes),
                        etag: etag(bytes),
                    },
                )
            })
            .collect();
        Assets { files, dir }
    }

    /// Whether the wasm bundle is available (embedded or in the site folder).
    pub fn has_bundle(&self) -> bool {
        let wasm = format!("pkg/{}_bg.wasm", app::OUTPUT_NAME);
        match &self.dir {
            Some(d) => d.join(&wasm).is_file(),
            None => self.files.contains_key(&wasm),
        }
    }

    fn get(&self, name: &str) -> Option<Asset> {
        // Names come from a fixed pattern; never let one climb out of the folder.
        if name.is_empty() || name.contains("..") || name.contains('\\') || name.starts_with('/') {
            return None;
        }
        match &self.dir {
            Some(d) => std::fs::read(d.join(name)).ok().map(|b| {
                let etag = etag(&b);
                Asset {
                    bytes: std::borrow::Cow::Owned(b),
                    etag,
                }
            }),
            None => self.files.get(name).map(|a| Asset {
                bytes: a.bytes.clone(),
                etag: a.etag.clone(),
            }),
        }
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

fn respond(name: &str, asset: Option<Asset>, headers: &HeaderMap) -> Response {
    let Some(asset) = asset else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let etag = HeaderValue::from_str(&asset.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    // Bundle names are stable across releases, so browsers revalidate (cheap 304s).
    let cache = HeaderValue::from_static("no-cache");
    if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        asset.bytes.into_owned(),
    )
        .into_response()
}

pub async fn serve_pkg(
    State(state): State<crate::web::AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let name = format!("pkg/{file}");
    respond(&name, state.assets.get(&name), &headers)
}

pub async fn favicon(State(state): State<crate::web::AppState>, headers: HeaderMap) -> Response {
    respond("favicon.svg", state.assets.get("favicon.svg"), &headers)
}
