//! The gasdesk field app and dispatcher console (`console`, for office roles), a Dioxus web app
//! compiled to wasm.
//!
//! Layers, each only calling the one below: `api` (HTTP) and `platform` (IndexedDB, camera,
//! GPS, push) → `store` (session, language, errors, the field worker's replica and the sync
//! loop) → `pages` and `components` (render only). `i18n` holds every text.

pub mod api;
mod app;
pub mod components;
#[cfg(feature = "console")]
pub mod console;
pub mod fmt;
pub mod i18n;
pub mod pages;
pub mod platform;
pub mod store;

pub use app::App;
