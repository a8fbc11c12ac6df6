//! The browser side: `platform.js` through wasm-bindgen.

use super::{BlobMeta, PHOTO_MAX_SIDE, PlatformError};
use js_sys::{Array, Promise, Uint8Array};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/platform/platform.js")]
extern "C" {
    #[wasm_bindgen(js_name = kvGet)]
    fn js_kv_get(key: &str) -> Promise;
    #[wasm_bindgen(js_name = kvSave)]
    fn js_kv_save(entries: Array, ready: Array) -> Promise;
    #[wasm_bindgen(js_name = blobList)]
    fn js_blob_list() -> Promise;
    #[wasm_bindgen(js_name = blobBytes)]
    fn js_blob_bytes(sha: &str) -> Promise;
    #[wasm_bindgen(js_name = blobDelete)]
    fn js_blob_delete(sha: &str) -> Promise;
    #[wasm_bindgen(js_name = capturePhoto)]
    fn js_capture_photo(input_id: &str, max_side: u32, ticket: JsValue, check: JsValue) -> Promise;
    #[wasm_bindgen(js_name = saveSignature)]
    fn js_save_signature(canvas_id: &str, ticket: JsValue, check: JsValue) -> Promise;
    #[wasm_bindgen(js_name = clearSignature)]
    fn js_clear_signature(canvas_id: &str);
    #[wasm_bindgen(js_name = currentPosition)]
    fn js_current_position(timeout_ms: u32) -> Promise;
    #[wasm_bindgen(js_name = startTrack)]
    fn js_start_track();
    #[wasm_bindgen(js_name = stopTrack)]
    fn js_stop_track();
    #[wasm_bindgen(js_name = takeTrack)]
    fn js_take_track() -> String;
    #[wasm_bindgen(js_name = waitForWake)]
    fn js_wait_for_wake(ms: u32) -> Promise;
    #[wasm_bindgen(js_name = kick)]
    fn js_kick();
    #[wasm_bindgen(js_name = isOnline)]
    fn js_is_online() -> bool;
    #[wasm_bindgen(js_name = isVisible)]
    fn js_is_visible() -> bool;
    #[wasm_bindgen(js_name = localOffsetMinutes)]
    fn js_local_offset_minutes() -> i32;
    #[wasm_bindgen(js_name = currentPath)]
    fn js_current_path() -> String;
    #[wasm_bindgen(js_name = pushPath)]
    fn js_push_path(path: &str);
    #[wasm_bindgen(js_name = openPage)]
    fn js_open_page(path: &str);
    #[wasm_bindgen(js_name = onPopState)]
    fn js_on_pop_state(callback: &Closure<dyn FnMut(String)>);
    #[wasm_bindgen(js_name = subscribePush)]
    fn js_subscribe_push(key: &str) -> Promise;
}

fn error(value: JsValue) -> PlatformError {
    PlatformError(
        value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}")),
    )
}

async fn wait(promise: Promise) -> Result<JsValue, PlatformError> {
    JsFuture::from(promise).await.map_err(error)
}

fn id_value(id: Option<Uuid>) -> JsValue {
    id.map_or(JsValue::NULL, |id| JsValue::from_str(&id.to_string()))
}

fn meta_from(value: JsValue) -> Result<Option<BlobMeta>, PlatformError> {
    match value.as_string() {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| PlatformError(e.to_string())),
    }
}

pub async fn kv_get(key: &str) -> Result<Option<String>, PlatformError> {
    Ok(wait(js_kv_get(key)).await?.as_string())
}

/// Starts the write at once (so writes land in call order) and returns its completion.
pub fn kv_save(
    entries: Vec<(String, Option<String>)>,
    ready: Vec<String>,
) -> impl std::future::Future<Output = Result<(), PlatformError>> {
    let list = Array::new();
    for (key, value) in entries {
        let value = value.map_or(JsValue::NULL, |v| JsValue::from_str(&v));
        list.push(&Array::of2(&JsValue::from_str(&key), &value));
    }
    let shas: Array = ready.iter().map(|s| JsValue::from_str(s)).collect();
    let promise = js_kv_save(list, shas);
    async move { wait(promise).await.map(|_| ()) }
}

pub async fn blob_list() -> Result<Vec<BlobMeta>, PlatformError> {
    let json = wait(js_blob_list()).await?.as_string().unwrap_or_default();
    serde_json::from_str(&json).map_err(|e| PlatformError(e.to_string()))
}

pub async fn blob_bytes(sha: &str) -> Result<Option<Vec<u8>>, PlatformError> {
    let value = wait(js_blob_bytes(sha)).await?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    Ok(Some(Uint8Array::new(&value).to_vec()))
}

pub async fn blob_delete(sha: &str) -> Result<(), PlatformError> {
    wait(js_blob_delete(sha)).await.map(|_| ())
}

pub async fn capture_photo(
    input_id: &str,
    ticket: Option<Uuid>,
    check: Option<Uuid>,
) -> Result<Option<BlobMeta>, PlatformError> {
    meta_from(
        wait(js_capture_photo(
            input_id,
            PHOTO_MAX_SIDE,
            id_value(ticket),
            id_value(check),
        ))
        .await?,
    )
}

pub async fn save_signature(
    canvas_id: &str,
    ticket: Option<Uuid>,
    check: Option<Uuid>,
) -> Result<Option<BlobMeta>, PlatformError> {
    meta_from(
        wait(js_save_signature(
            canvas_id,
            id_value(ticket),
            id_value(check),
        ))
        .await?,
    )
}

pub fn clear_signature(canvas_id: &str) {
    js_clear_signature(canvas_id);
}

/// The phone's position (lon, lat), or none when denied or not found within 10 s.
pub async fn current_position() -> Option<(f64, f64)> {
    let value = wait(js_current_position(10_000)).await.ok()?;
    let pair = value.dyn_into::<Array>().ok()?;
    Some((pair.get(0).as_f64()?, pair.get(1).as_f64()?))
}

pub fn start_track() {
    js_start_track();
}

pub fn stop_track() {
    js_stop_track();
}

/// Positions collected since the last call: (lon, lat, when).
pub fn take_track() -> Vec<(f64, f64, OffsetDateTime)> {
    let points: Vec<(f64, f64, f64)> = serde_json::from_str(&js_take_track()).unwrap_or_default();
    points
        .into_iter()
        .filter_map(|(lon, lat, ms)| {
            let at = OffsetDateTime::from_unix_timestamp_nanos((ms as i128) * 1_000_000).ok()?;
            Some((lon, lat, at))
        })
        .collect()
}

/// Waits `ms`, or less when the network comes or goes, the app becomes visible, a push
/// arrives or [`kick`] is called; says which.
pub async fn wait_for_wake(ms: u32) -> String {
    wait(js_wait_for_wake(ms))
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

pub fn kick() {
    js_kick();
}

pub fn is_online() -> bool {
    js_is_online()
}

pub fn is_visible() -> bool {
    js_is_visible()
}

pub fn now() -> OffsetDateTime {
    let ms = js_sys::Date::now();
    OffsetDateTime::from_unix_timestamp_nanos((ms as i128) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn local_offset() -> UtcOffset {
    UtcOffset::from_whole_seconds(js_local_offset_minutes() * 60).unwrap_or(UtcOffset::UTC)
}

pub fn current_path() -> String {
    js_current_path()
}

pub fn push_path(path: &str) {
    js_push_path(path);
}

/// A full page load of `path`, replacing this page in the history.
pub fn open_page(path: &str) {
    js_open_page(path);
}

pub fn on_pop_state(callback: impl FnMut(String) + 'static) {
    let closure = Closure::<dyn FnMut(String)>::new(callback);
    js_on_pop_state(&closure);
    // Lives as long as the page.
    closure.forget();
}

pub async fn subscribe_push(vapid_key: &str) -> Result<Option<String>, PlatformError> {
    Ok(wait(js_subscribe_push(vapid_key)).await?.as_string())
}
