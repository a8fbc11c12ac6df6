//! Browser-side storage and facts (localStorage, online state, clock). Natively nothing is
//! stored and the app behaves like a first visit, online.

use serde::{Serialize, de::DeserializeOwned};

/// localStorage could not be written (private mode, quota, no storage).
#[derive(Debug)]
pub struct StorageUnavailable;

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::StorageUnavailable;
    use crate::i18n::Lang;

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    pub fn get(key: &str) -> Option<String> {
        storage()?.get_item(key).ok().flatten()
    }

    pub fn set(key: &str, value: &str) -> Result<(), StorageUnavailable> {
        storage()
            .ok_or(StorageUnavailable)?
            .set_item(key, value)
            .map_err(|_| StorageUnavailable)
    }

    pub fn remove(key: &str) {
        // A storage that cannot be reached holds nothing to remove.
        if let Some(storage) = storage() {
            storage.remove_item(key).unwrap_or(());
        }
    }

    pub fn is_online() -> bool {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }

    pub fn set_document_lang(lang: Lang) {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            // Only affects fonts and screen readers; the app itself does not depend on it.
            root.set_attribute("lang", lang.tag()).unwrap_or(());
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::StorageUnavailable;
    use crate::i18n::Lang;

    pub fn get(_key: &str) -> Option<String> {
        None
    }
    pub fn set(_key: &str, _value: &str) -> Result<(), StorageUnavailable> {
        Ok(())
    }
    pub fn remove(_key: &str) {}
    pub fn is_online() -> bool {
        true
    }
    pub fn set_document_lang(_lang: Lang) {}
}

pub use imp::{is_online, remove, set_document_lang};

/// A stored value; an unreadable one (older format, hand-edited) counts as absent.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    imp::get(key).and_then(|json| serde_json::from_str(&json).ok())
}

pub fn save<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), StorageUnavailable> {
    let json = serde_json::to_string(value).map_err(|_| StorageUnavailable)?;
    imp::set(key, &json)
}
