//! The console's HTTP helpers over the app's transport (`crate::api::send`): query strings,
//! bodies of any media type (GeoJSON uploads), and browser timers for debouncing. Natively every call fails with
//! [`ApiError::Network`] and timers finish at once, so the console builds and tests on the host.

use crate::api::{ApiError, decode};
use serde::de::DeserializeOwned;

pub use crate::api::Body;

/// Percent-encodes one query component (RFC 3986 unreserved characters stay as they are), so
/// Chinese addresses reach the server intact.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `path?k=v&...` with the pairs whose value is not empty, each encoded.
pub fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode_component(v.trim())))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

pub async fn get<T: DeserializeOwned>(token: &str, path: &str) -> Result<T, ApiError> {
    let (status, text) = crate::api::send("GET", path, Some(token), None).await?;
    decode(status, &text)
}

pub async fn post<T: DeserializeOwned>(token: &str, path: &str, body: Body) -> Result<T, ApiError> {
    let (status, text) = crate::api::send("POST", path, Some(token), Some(body)).await?;
    decode(status, &text)
}

/// A request whose answer has no body worth reading (204).
pub async fn send_no_content(
    token: &str,
    method: &str,
    path: &str,
    body: Option<Body>,
) -> Result<(), ApiError> {
    let (status, text) = crate::api::send(method, path, Some(token), body).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        decode::<serde_json::Value>(status, &text).map(|_| ())
    }
}

/// The raw answer, status and body, for callers that read error details themselves.
pub async fn send_raw(
    token: &str,
    method: &str,
    path: &str,
    body: Option<Body>,
) -> Result<(u16, String), ApiError> {
    crate::api::send(method, path, Some(token), body).await
}

pub use transport::{element_rect, focus, now_ms, open_html, sleep_ms};

#[cfg(target_arch = "wasm32")]
mod transport {
    use crate::api::{ApiError, js_error};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// Resolves after `ms` milliseconds (a `setTimeout` promise).
    pub async fn sleep_ms(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(window) = web_sys::window() {
                // Without a window there is no timer; resolving at once is the best left.
                if window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                    .is_err()
                {
                    resolve.call0(&JsValue::NULL).unwrap_or(JsValue::NULL);
                }
            }
        });
        JsFuture::from(promise).await.unwrap_or(JsValue::NULL);
    }

    pub fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    /// Where an element is on screen: `(left, top, width, height)` in CSS pixels.
    pub fn element_rect(id: &str) -> Option<(f64, f64, f64, f64)> {
        let rect = web_sys::window()?
            .document()?
            .get_element_by_id(id)?
            .get_bounding_client_rect();
        Some((rect.left(), rect.top(), rect.width(), rect.height()))
    }

    /// Opens an HTML document (a print view fetched with the session token) in a new tab.
    pub fn open_html(html: &str) -> Result<(), ApiError> {
        let parts = js_sys::Array::of1(&JsValue::from_str(html));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/html;charset=utf-8");
        let blob =
            web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_error)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
        let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
        window
            .open_with_url_and_target(&url, "_blank")
            .map_err(js_error)?;
        Ok(())
    }

    /// Moves the keyboard focus to the element with this id, if it is there.
    pub fn focus(id: &str) {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            // A refused focus (hidden element) leaves the focus where it was: nothing to do.
            element.focus().unwrap_or(());
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod transport {
    use crate::api::ApiError;

    /// Natively timers never fire: a debounce or a clock waits forever instead of spinning.
    pub async fn sleep_ms(_ms: i32) {
        std::future::pending::<()>().await
    }

    pub fn focus(_id: &str) {}

    pub fn open_html(_html: &str) -> Result<(), ApiError> {
        Err(ApiError::Network("printing needs the browser".into()))
    }

    pub fn element_rect(_id: &str) -> Option<(f64, f64, f64, f64)> {
        None
    }

    pub fn now_ms() -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_reserved_characters_are_encoded() {
        assert_eq!(encode_component("a b&c"), "a%20b%26c");
        assert_eq!(encode_component("姑苏"), "%E5%A7%91%E8%8B%8F");
        assert_eq!(encode_component("A-z_0.~"), "A-z_0.~");
    }

    #[test]
    fn empty_filters_are_left_out_of_the_query() {
        let path = with_query(
            "/api/v1/tickets",
            &[("status", "assigned".into()), ("address", "  ".into())],
        );
        assert_eq!(path, "/api/v1/tickets?status=assigned");
        assert_eq!(with_query("/x", &[("q", String::new())]), "/x");
    }
}
