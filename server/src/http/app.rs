//! The field app and console (the wasm build in `mobile-app/dist/`), embedded in release builds
//! so one binary deploys; debug builds read the folder from disk. Unknown paths outside `/api`
//! get `index.html`, so the app's own routes survive a reload.

use crate::error::AppError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../mobile-app/dist/"]
#[allow_missing = true]
struct AppFiles;

pub async fn serve_file(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return AppError::not_found(format!("no API endpoint {}", uri.path())).into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    let (name, file) = match AppFiles::get(path) {
        Some(file) => (path, file),
        // A path without an extension is one of the app's own routes.
        None if !path.rsplit('/').next().unwrap_or(path).contains('.') => {
            match AppFiles::get("index.html") {
                Some(file) => ("index.html", file),
                None => return not_built(),
            }
        }
        None => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    // The build keeps brotli and gzip copies of the large files (scripts/build-app): send one
    // the browser takes rather than compressing on every request.
    let encoded = [("br", ".br"), ("gzip", ".gz")]
        .into_iter()
        .filter(|(coding, _)| accepts_encoding(&headers, coding))
        .find_map(|(coding, suffix)| {
            AppFiles::get(&format!("{name}{suffix}")).map(|copy| (coding, copy))
        });
    let mime = file.metadata.mimetype().to_owned();
    let (coding, file) = match encoded {
        Some((coding, copy)) => (Some(coding), copy),
        None => (None, file),
    };
    // Each encoding is its own representation, with its own tag.
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let h = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, mime);
    }
    if name.ends_with(".webmanifest") {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    if let Some(coding) = coding {
        // Also keeps the server's compression layer from compressing it again.
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // File names are not content-hashed, so clients revalidate (cheaply, by ETag); the
    // service worker keeps its own versioned copy for offline use.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if name == "index.html" {
        h.insert(header::LINK, preload(uri.path()));
    }
    response
}

/// The build the page at `path` loads (boot.js chooses the same way), to fetch at once: the
/// browser acts on this header as soon as the response starts, before it has parsed the page.
/// On a slow phone network the wasm download is most of a cold start, and starting it earlier
/// is time saved outright.
fn preload(path: &str) -> HeaderValue {
    let console = path == "/console" || path.starts_with("/console/");
    HeaderValue::from_static(if console {
        "</console.js>; rel=modulepreload, \
         </console_bg.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"
    } else {
        "</app.js>; rel=modulepreload, \
         </app_bg.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"
    })
}

/// Whether `Accept-Encoding` lists `coding` (or `*`) without refusing it (`q=0`).
fn accepts_encoding(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
}

fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "The gasdesk app has not been built into this server. Run scripts/build-app, then start the server again.\n",
    )
        .into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{accepts_encoding, preload};
    use axum::http::{HeaderMap, HeaderValue, header};

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn accept_encoding_is_read_with_its_refusals() {
        let chrome = accept("gzip, deflate, br, zstd");
        assert!(accepts_encoding(&chrome, "br"));
        assert!(accepts_encoding(&chrome, "gzip"));
        assert!(!accepts_encoding(&accept("gzip"), "br"));
        assert!(!accepts_encoding(&accept("br;q=0, gzip"), "br"));
        assert!(accepts_encoding(&accept("br;q=0.5"), "br"));
        assert!(accepts_encoding(&accept("*"), "br"));
        assert!(!accepts_encoding(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn a_page_preloads_the_build_it_loads() {
        let wasm = |path| {
            let link = preload(path);
            let link = link.to_str().unwrap();
            assert!(link.contains("rel=modulepreload"), "{link}");
            ["/console_bg.wasm", "/app_bg.wasm"]
                .into_iter()
                .filter(|w| link.contains(&format!("<{w}>; rel=preload; as=fetch")))
                .collect::<Vec<_>>()
        };
        assert_eq!(wasm("/"), ["/app_bg.wasm"]);
        assert_eq!(
            wasm("/jobs/0190a4e0-0000-7000-8000-000000000001"),
            ["/app_bg.wasm"]
        );
        assert_eq!(wasm("/console"), ["/console_bg.wasm"]);
        assert_eq!(wasm("/console/board"), ["/console_bg.wasm"]);
        // Only the console's own paths: a route that merely starts with the word is the app's.
        assert_eq!(wasm("/consoles"), ["/app_bg.wasm"]);
    }
}
