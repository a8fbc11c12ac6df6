//! The sync status line on every field screen: online or offline, what waits to be sent, the
//! last sync, and anything the server flagged. Tapping it opens the details.

use crate::fmt::short_time;
use crate::i18n::{Key, Lang, t, tn};
use dioxus::prelude::*;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncStatus {
    pub online: bool,
    pub syncing: bool,
    pub pending: usize,
    pub uploads: usize,
    pub last_sync: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub flags: usize,
}

#[component]
pub fn SyncBar(lang: Lang, status: SyncStatus, on_open: EventHandler<()>) -> Element {
    let state_class = if !status.online {
        "offline"
    } else if status.syncing {
        "syncing"
    } else {
        "online"
    };
    let label = if !status.online {
        t(lang, Key::Offline)
    } else if status.syncing {
        t(lang, Key::Syncing)
    } else {
        t(lang, Key::Online)
    };
    let last = status.last_sync.map_or_else(
        || t(lang, Key::NeverSynced).to_string(),
        |at| format!("{} {}", t(lang, Key::LastSync), short_time(at)),
    );
    rsx! {
        button {
            r#type: "button",
            class: "sync-bar {state_class}",
            "data-testid": "sync-bar",
            "data-online": if status.online { "true" } else { "false" },
            "data-pending": "{status.pending}",
            "data-uploads": "{status.uploads}",
            onclick: move |_| on_open.call(()),
            span { class: "sync-dot", "aria-hidden": "true" }
            span { class: "sync-state", "data-testid": "sync-state", "{label}" }
            span { class: "sync-pending", "data-testid": "sync-pending",
                if status.pending > 0 {
                    {tn(lang, Key::PendingN, status.pending)}
                } else {
                    {t(lang, Key::AllSynced)}
                }
            }
            if status.uploads > 0 {
                span { class: "sync-uploads", {tn(lang, Key::UploadsN, status.uploads)} }
            }
            span { class: "sync-last", "{last}" }
            if status.flags > 0 {
                span { class: "sync-flags", "data-testid": "sync-flags", "⚠ {status.flags}" }
            }
            if let Some(err) = status.last_error.as_ref() {
                span { class: "sync-error", "{err}" }
            }
        }
    }
}
