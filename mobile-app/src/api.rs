//! HTTP client for the gasdesk API (`/api/v1`, same origin). In the browser it uses `fetch`;
//! natively every call fails with [`ApiError::Network`], so the crate still builds and tests.

use gasdesk_shared::api::{LoginRequest, LoginResponse, UserView};
use gasdesk_shared::attachments::{AttachmentStatus, NewAttachment};
use gasdesk_shared::push::{SubscriptionView, VapidPublicKey};
use gasdesk_shared::sync::{
    DeviceRegistration, DeviceView, PullQuery, PullResponse, PushRequest, PushResponse,
};
use gasdesk_shared::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A request body.
pub enum Body {
    Json(String),
    Bytes(Vec<u8>),
    /// Text of another media type (e.g. `application/geo+json` uploads from the console).
    Text {
        content_type: &'static str,
        text: String,
    },
}

impl Body {
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Body, ApiError> {
        serde_json::to_string(value)
            .map(Body::Json)
            .map_err(|e| ApiError::Decode(e.to_string()))
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, server down, or the request could not be made.
    Network(String),
    /// The server answered with a non-success status.
    Server {
        status: u16,
        /// `None` when the body was not the API's error body (a proxy's error page, ...).
        code: Option<ErrorCode>,
        message: String,
    },
    /// A success status, but a body the app cannot read.
    Decode(String),
}

impl ApiError {
    /// The session token is unknown, expired or revoked: the user must sign in again.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            ApiError::Server { status: 401, .. }
                | ApiError::Server {
                    code: Some(ErrorCode::Unauthenticated),
                    ..
                }
        )
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Option<Body>, ApiError> {
    Body::json(value).map(Some)
}

pub async fn login(request: &LoginRequest) -> Result<LoginResponse, ApiError> {
    let (status, text) =
        transport::send("POST", "/api/v1/auth/login", None, json(request)?).await?;
    decode(status, &text)
}

/// Registers this phone for the signed-in user (idempotent).
pub async fn register_device(
    token: &str,
    device: &DeviceRegistration,
) -> Result<DeviceView, ApiError> {
    let (status, text) =
        transport::send("POST", "/api/v1/sync/devices", Some(token), json(device)?).await?;
    decode(status, &text)
}

pub async fn push(token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
    let (status, text) =
        transport::send("POST", "/api/v1/sync/push", Some(token), json(request)?).await?;
    decode(status, &text)
}

pub async fn pull(token: &str, query: &PullQuery) -> Result<PullResponse, ApiError> {
    let path = format!("/api/v1/sync/pull?{}", pull_query(query));
    let (status, text) = transport::send("GET", &path, Some(token), None).await?;
    decode(status, &text)
}

/// The query string of a pull.
pub fn pull_query(query: &PullQuery) -> String {
    let mut parts = vec![format!("device_id={}", query.device_id)];
    if let Some(cursor) = &query.cursor {
        parts.push(format!("cursor={}", percent_encode(cursor)));
    }
    if let Some(limit) = query.limit {
        parts.push(format!("limit={limit}"));
    }
    if let Some(version) = &query.reference_version {
        parts.push(format!("reference_version={}", percent_encode(version)));
    }
    parts.join("&")
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Declares a photo or signature (again); answers how much of it the server holds.
pub async fn declare_attachment(
    token: &str,
    new: &NewAttachment,
) -> Result<AttachmentStatus, ApiError> {
    let (status, text) =
        transport::send("POST", "/api/v1/attachments", Some(token), json(new)?).await?;
    decode(status, &text)
}

pub async fn put_chunk(
    token: &str,
    sha256: &str,
    offset: u64,
    bytes: Vec<u8>,
) -> Result<AttachmentStatus, ApiError> {
    let path = format!("/api/v1/attachments/{sha256}/chunks?offset={offset}");
    let (status, text) =
        transport::send("PUT", &path, Some(token), Some(Body::Bytes(bytes))).await?;
    decode(status, &text)
}

pub async fn vapid_key() -> Result<VapidPublicKey, ApiError> {
    let (status, text) =
        transport::send("GET", "/api/v1/push/vapid-public-key", None, None).await?;
    decode(status, &text)
}

/// Registers a push subscription: the browser's `PushSubscription.toJSON()` with the device.
pub async fn subscribe_push(
    token: &str,
    subscription: &serde_json::Value,
) -> Result<SubscriptionView, ApiError> {
    let (status, text) = transport::send(
        "POST",
        "/api/v1/push/subscriptions",
        Some(token),
        json(subscription)?,
    )
    .await?;
    decode(status, &text)
}

pub async fn me(token: &str) -> Result<UserView, ApiError> {
    let (status, text) = transport::send("GET", "/api/v1/auth/me", Some(token), None).await?;
    decode(status, &text)
}

pub async fn logout(token: &str) -> Result<(), ApiError> {
    let (status, text) = transport::send("POST", "/api/v1/auth/logout", Some(token), None).await?;
    check(status, &text)
}

/// Turns a status and body into the expected value or an [`ApiError`].
pub fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    check(status, body)?;
    serde_json::from_str(body).map_err(|e| ApiError::Decode(e.to_string()))
}

fn check(status: u16, body: &str) -> Result<(), ApiError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    Err(match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => ApiError::Server {
            status,
            code: Some(error.code),
            message: error.message,
        },
        Err(_) => ApiError::Server {
            status,
            code: None,
            message: format!("HTTP {status}"),
        },
    })
}

/// A browser error as an [`ApiError::Network`] (the console's downloads use it too).
#[cfg(all(target_arch = "wasm32", feature = "console"))]
pub(crate) use transport::js_error;
/// One request through the browser's `fetch`: the status and the body text.
pub use transport::send;

#[cfg(target_arch = "wasm32")]
mod transport {
    use super::ApiError;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Headers, Request, RequestInit, Response};

    pub(crate) fn js_error(value: JsValue) -> ApiError {
        ApiError::Network(
            value
                .as_string()
                .or_else(|| js_sys::JSON::stringify(&value).ok().map(String::from))
                .unwrap_or_else(|| "fetch failed".into()),
        )
    }

    /// One request; returns the status and the body text.
    pub async fn send(
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<super::Body>,
    ) -> Result<(u16, String), ApiError> {
        let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
        let headers = Headers::new().map_err(js_error)?;
        headers
            .set("Accept", "application/json")
            .map_err(js_error)?;
        if let Some(token) = token {
            headers
                .set("Authorization", &format!("Bearer {token}"))
                .map_err(js_error)?;
        }
        let init = RequestInit::new();
        init.set_method(method);
        match body {
            Some(super::Body::Json(body)) => {
                headers
                    .set("Content-Type", "application/json")
                    .map_err(js_error)?;
                init.set_body(&JsValue::from_str(&body));
            }
            Some(super::Body::Bytes(bytes)) => {
                headers
                    .set("Content-Type", "application/octet-stream")
                    .map_err(js_error)?;
                init.set_body(&js_sys::Uint8Array::from(bytes.as_slice()));
            }
            Some(super::Body::Text { content_type, text }) => {
                headers
                    .set("Content-Type", content_type)
                    .map_err(js_error)?;
                init.set_body(&JsValue::from_str(&text));
            }
            None => {}
        }
        init.set_headers(&headers);
        let request = Request::new_with_str_and_init(path, &init).map_err(js_error)?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(js_error)?
            .dyn_into()
            .map_err(js_error)?;
        let text = JsFuture::from(response.text().map_err(js_error)?)
            .await
            .map_err(js_error)?
            .as_string()
            .unwrap_or_default();
        Ok((response.status(), text))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod transport {
    use super::ApiError;

    pub async fn send(
        _method: &str,
        _path: &str,
        _token: Option<&str>,
        _body: Option<super::Body>,
    ) -> Result<(u16, String), ApiError> {
        Err(ApiError::Network(
            "HTTP is only available in the browser build".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{"id":"0190a4e0-0000-7000-8000-000000000001","username":"dispatcher",
        "display_name":"王话务","role":"dispatcher","phone":null,"active":true,"team_ids":[]}"#;

    #[test]
    fn success_body_is_decoded() {
        let user: UserView = decode(200, USER).unwrap();
        assert_eq!(user.display_name, "王话务");
        assert_eq!(user.role, gasdesk_shared::Role::Dispatcher);
    }

    #[test]
    fn login_response_keeps_its_rfc3339_expiry() {
        let body = format!(r#"{{"token":"t","expires_at":"2026-05-01T08:00:00Z","user":{USER}}}"#);
        let response: LoginResponse = decode(200, &body).unwrap();
        assert_eq!(response.token, "t");
        assert_eq!(response.expires_at.year(), 2026);
    }

    #[test]
    fn error_body_gives_code_and_message() {
        let body = r#"{"error":{"code":"invalid_credentials","message":"用户名或密码错误"}}"#;
        let err = decode::<UserView>(401, body).unwrap_err();
        assert_eq!(
            err,
            ApiError::Server {
                status: 401,
                code: Some(ErrorCode::InvalidCredentials),
                message: "用户名或密码错误".into()
            }
        );
        assert!(err.is_unauthenticated());
    }

    #[test]
    fn foreign_error_page_still_gives_the_status() {
        let err = decode::<UserView>(502, "<html>Bad Gateway</html>").unwrap_err();
        assert!(matches!(
            err,
            ApiError::Server {
                status: 502,
                code: None,
                ..
            }
        ));
        assert!(!err.is_unauthenticated());
    }

    #[test]
    fn garbled_success_body_is_a_decode_error() {
        assert!(matches!(
            decode::<UserView>(200, "{"),
            Err(ApiError::Decode(_))
        ));
    }

    #[test]
    fn pull_query_encodes_the_cursor_and_keeps_the_device() {
        let query = PullQuery {
            device_id: "0190a4e0-0000-7000-8000-000000000001".parse().unwrap(),
            cursor: Some("t=5&c/x+y".into()),
            limit: Some(200),
            reference_version: Some("v 1".into()),
        };
        assert_eq!(
            pull_query(&query),
            "device_id=0190a4e0-0000-7000-8000-000000000001&cursor=t%3D5%26c%2Fx%2By\
             &limit=200&reference_version=v%201"
        );
        let first = PullQuery {
            cursor: None,
            limit: None,
            reference_version: None,
            ..query
        };
        assert_eq!(
            pull_query(&first),
            "device_id=0190a4e0-0000-7000-8000-000000000001"
        );
        assert_eq!(percent_encode("报修"), "%E6%8A%A5%E4%BF%AE");
    }

    #[test]
    fn no_content_is_success_for_logout() {
        assert_eq!(check(204, ""), Ok(()));
    }
}
