//! The native stand-in used by tests: an in-memory store per thread, no devices, online.

use super::{BlobMeta, PlatformError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

thread_local! {
    static KV: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
    static BLOBS: RefCell<BTreeMap<String, (BlobMeta, Vec<u8>)>> = const { RefCell::new(BTreeMap::new()) };
}

pub async fn kv_get(key: &str) -> Result<Option<String>, PlatformError> {
    Ok(KV.with(|kv| kv.borrow().get(key).cloned()))
}

/// Writes (or with `None` deletes) the entries and marks blobs ready, all at once. The write is
/// made before this returns; the future only reports it.
pub fn kv_save(
    entries: Vec<(String, Option<String>)>,
    ready: Vec<String>,
) -> impl std::future::Future<Output = Result<(), PlatformError>> {
    KV.with(|kv| {
        let mut kv = kv.borrow_mut();
        for (key, value) in entries {
            match value {
                Some(v) => kv.insert(key, v),
                None => kv.remove(&key),
            };
        }
    });
    BLOBS.with(|b| {
        for sha in ready {
            if let Some((meta, _)) = b.borrow_mut().get_mut(&sha) {
                meta.ready = true;
            }
        }
    });
    std::future::ready(Ok(()))
}

/// Test helper: puts a blob in the native store.
pub fn insert_blob(meta: BlobMeta, bytes: Vec<u8>) {
    BLOBS.with(|b| b.borrow_mut().insert(meta.sha256.clone(), (meta, bytes)));
}

pub async fn blob_list() -> Result<Vec<BlobMeta>, PlatformError> {
    Ok(BLOBS.with(|b| b.borrow().values().map(|(m, _)| m.clone()).collect()))
}

pub async fn blob_bytes(sha: &str) -> Result<Option<Vec<u8>>, PlatformError> {
    Ok(BLOBS.with(|b| b.borrow().get(sha).map(|(_, bytes)| bytes.clone())))
}

pub async fn blob_delete(sha: &str) -> Result<(), PlatformError> {
    BLOBS.with(|b| b.borrow_mut().remove(sha));
    Ok(())
}

pub async fn capture_photo(
    _input_id: &str,
    _ticket: Option<Uuid>,
    _check: Option<Uuid>,
) -> Result<Option<BlobMeta>, PlatformError> {
    Ok(None)
}

pub async fn save_signature(
    _canvas_id: &str,
    _ticket: Option<Uuid>,
    _check: Option<Uuid>,
) -> Result<Option<BlobMeta>, PlatformError> {
    Ok(None)
}

pub fn clear_signature(_canvas_id: &str) {}

pub async fn current_position() -> Option<(f64, f64)> {
    None
}

pub fn start_track() {}
pub fn stop_track() {}
pub fn take_track() -> Vec<(f64, f64, OffsetDateTime)> {
    Vec::new()
}

/// Natively nothing wakes the sync loop (there is no network to sync with): it sleeps forever.
pub async fn wait_for_wake(_ms: u32) -> String {
    std::future::pending::<()>().await;
    String::new()
}

pub fn kick() {}

pub fn is_online() -> bool {
    true
}

pub fn is_visible() -> bool {
    true
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Tests render times as the utility's phones would show them: China Standard Time.
pub fn local_offset() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).expect("valid offset")
}

pub fn current_path() -> String {
    "/".into()
}

pub fn push_path(_path: &str) {}

pub fn open_page(_path: &str) {}

pub fn on_pop_state(_callback: impl FnMut(String) + 'static) {}

pub async fn subscribe_push(_vapid_key: &str) -> Result<Option<String>, PlatformError> {
    Ok(None)
}
