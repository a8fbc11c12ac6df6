//! Browser facilities behind plain Rust functions: the IndexedDB store (key/value text and the
//! photos and signatures waiting for upload), photo capture, the signature pad, GPS, wake-ups
//! for the sync loop, the clock, paths and Web Push. In the browser they call `platform.js`;
//! natively (tests) the store is an in-memory map and the devices are absent.

use gasdesk_shared::attachments::AttachmentKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub use web::*;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

/// A browser facility failed (IndexedDB refused a write, the camera picture could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformError(pub String);

impl std::fmt::Display for PlatformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A photo or signature kept on the device until the server has all of its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobMeta {
    pub sha256: String,
    pub mime: String,
    pub kind: AttachmentKind,
    pub size: u64,
    /// Part of a queued change (a completion, a patrol result): to be uploaded. A picture only
    /// taken for a draft is not sent.
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub ticket_id: Option<Uuid>,
    #[serde(default)]
    pub check_id: Option<Uuid>,
    /// An object URL to show it while the page lives (not stored).
    #[serde(default, skip_serializing)]
    pub preview: Option<String>,
}

/// Longest side of a photo after compression on the device, in pixels.
pub const PHOTO_MAX_SIDE: u32 = 1600;
