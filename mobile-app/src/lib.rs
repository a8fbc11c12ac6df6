//! The gasdesk field app and dispatcher console, a Dioxus web app compiled to wasm.
//!
//! Layers, each only calling the one below: `api` (HTTP) → `store` (session, language, errors,
//! persisted in localStorage) → `pages` and `components` (render only). `i18n` holds every text.

pub mod api;
mod app;
pub mod components;
pub mod console;
pub mod i18n;
pub mod pages;
pub mod store;

pub use app::App;
