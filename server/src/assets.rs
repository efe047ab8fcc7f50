//! The console's static assets (`/pkg/bosun.js`, `/pkg/bosun.wasm`, `/pkg/bosun.css`).
//!
//! Release builds embed them: `build.rs` includes every file of the site folder that
//! `cargo xtask build` produced (`$BOSUN_SITE_DIR`), so the `bosun` binary serves the
//! console without the source tree. `--site-dir` serves from a folder instead (the
//! `cargo xtask watch` loop rebuilds the bundle without relinking the server).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

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
    /// Gzipped bodies by name, each with the etag of the bytes it was made from (a
    /// file of `--site-dir` may change under a running server).
    gzipped: Mutex<HashMap<String, (String, Bytes)>>,
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
        Assets {
            files,
            dir,
            gzipped: Mutex::new(HashMap::new()),
        }
    }

    /// Gzips the bundle in the background, so the first browser does not wait for it.
    pub fn warm(self: &std::sync::Arc<Self>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let assets = self.clone();
        rt.spawn_blocking(move || {
            for ext in ["_bg.wasm", ".js", ".css"] {
                let name = format!("pkg/{}{ext}", app::OUTPUT_NAME);
                if let Some(a) = assets.get(&name) {
                    let _ = assets.gzipped(&name, &a);
                }
            }
        });
    }

    /// The asset gzipped, made once per content and kept.
    fn gzipped(&self, name: &str, asset: &Asset) -> Option<Bytes> {
        {
            let cache = self.gzipped.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((etag, body)) = cache.get(name) {
                if *etag == asset.etag {
                    return Some(body.clone());
                }
            }
        }
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&asset.bytes).ok()?;
        let body = Bytes::from(gz.finish().ok()?);
        self.gzipped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), (asset.etag.clone(), body.clone()));
        Some(body)
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

/// Whether the request's Accept-Encoding takes gzip (not refused with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn respond(assets: &Assets, name: &str, asset: Option<Asset>, headers: &HeaderMap) -> Response {
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
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    let kind = (
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    // Served gzipped from the cache; the compression layer leaves a response that has
    // a Content-Encoding alone.
    if accepts_gzip(headers) {
        if let Some(body) = assets.gzipped(name, &asset) {
            return (
                [
                    kind,
                    (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                    (header::ETAG, etag),
                    (header::CACHE_CONTROL, cache),
                    vary,
                ],
                body,
            )
                .into_response();
        }
    }
    let body = match asset.bytes {
        std::borrow::Cow::Borrowed(b) => Bytes::from_static(b),
        std::borrow::Cow::Owned(b) => Bytes::from(b),
    };
    (
        [
            kind,
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
            vary,
        ],
        body,
    )
        .into_response()
}

pub async fn serve_pkg(
    State(state): State<crate::web::AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let name = format!("pkg/{file}");
    // Reading a `--site-dir` file and gzipping are blocking work.
    let assets = state.assets.clone();
    tokio::task::spawn_blocking(move || respond(&assets, &name, assets.get(&name), &headers))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

pub async fn favicon(State(state): State<crate::web::AppState>, headers: HeaderMap) -> Response {
    respond(
        &state.assets,
        "favicon.svg",
        state.assets.get("favicon.svg"),
        &headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).expect("test"),
        );
        h
    }

    #[test]
    fn gzip_is_served_only_to_clients_that_take_it() {
        assert!(accepts_gzip(&headers("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&headers("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&headers("gzip;q=0, br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn an_asset_is_gzipped_once_per_content() {
        let dir = std::env::temp_dir().join(format!("bosun-assets-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("pkg")).expect("test");
        let file = dir.join("pkg/app.js");
        std::fs::write(&file, "console.log('one');".repeat(100)).expect("test");
        let assets = Assets::new(Some(dir.clone()));
        let unzip = |b: &Bytes| {
            let mut out = String::new();
            flate2::read::GzDecoder::new(&b[..])
                .read_to_string(&mut out)
                .expect("test");
            out
        };
        let a = assets.get("pkg/app.js").expect("test");
        let first = assets.gzipped("pkg/app.js", &a).expect("test");
        assert_eq!(unzip(&first), "console.log('one');".repeat(100));
        assert!(first.len() < 200, "{}", first.len());
        // The same content: the kept body (same allocation).
        let again = assets.gzipped("pkg/app.js", &a).expect("test");
        assert_eq!(again.as_ptr(), first.as_ptr());
        // Changed on disk: made again.
        std::fs::write(&file, "console.log('two');").expect("test");
        let b = assets.get("pkg/app.js").expect("test");
        assert_eq!(
            unzip(&assets.gzipped("pkg/app.js", &b).expect("test")),
            "console.log('two');"
        );

        let res = respond(&assets, "pkg/app.js", Some(b), &headers("gzip"));
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(res.headers()[header::VARY], "accept-encoding");
        let b = assets.get("pkg/app.js").expect("test");
        let res = respond(&assets, "pkg/app.js", Some(b), &HeaderMap::new());
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
